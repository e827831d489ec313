public enum GenericElementwise<I: SIMDISA> {
    public typealias V = I.V

    @inlinable
    public static func activate(_ data: UnsafeMutablePointer<Float>, _ count: Int, _ act: Activation) {
        let w = V.scalarCount
        var i = 0
        while i + w <= count {
            vstore(vactivate(I.self, vload(UnsafePointer(data + i)), act), data + i)
            i += w
        }
        while i < count { data[i] = act.apply(data[i]); i += 1 }
    }

    @inlinable
    public static func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                           _ out: UnsafeMutablePointer<Float>, _ count: Int, _ act: Activation) {
        let w = V.scalarCount
        var i = 0
        while i + w <= count {
            let s: V = vload(a + i) + vload(b + i)
            vstore(vactivate(I.self, s, act), out + i)
            i += w
        }
        while i < count { out[i] = act.apply(a[i] + b[i]); i += 1 }
    }

    @inlinable
    public static func globalAveragePool(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>,
                                         _ channels: Int, _ planeSize: Int) {
        let w = V.scalarCount
        for c in 0..<channels {
            let p = input + c * planeSize
            var acc0 = V.zero, acc1 = V.zero
            var i = 0
            while i + 2 * w <= planeSize { acc0 += vload(p + i); acc1 += vload(p + i + w); i += 2 * w }
            var sum = (acc0 + acc1).sum()
            while i < planeSize { sum += p[i]; i += 1 }
            output[c] = sum / Float(planeSize)
        }
    }

    /// Softmax across channels at each pixel, vectorized over pixels.
    @inlinable
    public static func softmax(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>,
                               _ channels: Int, _ planeSize: Int) {
        let w = V.scalarCount
        var p = 0
        while p + w <= planeSize {
            var m = V(repeating: -.infinity)
            for c in 0..<channels { m = I.max(m, vload(input + c * planeSize + p)) }
            var sum = V.zero
            for c in 0..<channels {
                let e = vexp(I.self, vload(input + c * planeSize + p) - m)
                vstore(e, output + c * planeSize + p)
                sum += e
            }
            let inv = 1 / sum
            for c in 0..<channels {
                let q = output + c * planeSize + p
                vstore(vload(UnsafePointer(q)) * inv, q)
            }
            p += w
        }
        if p < planeSize {
            for q in p..<planeSize {
                var m = -Float.infinity
                for c in 0..<channels { m = Swift.max(m, input[c * planeSize + q]) }
                var sum: Float = 0
                for c in 0..<channels {
                    var e = V.zero
                    e[0] = input[c * planeSize + q] - m
                    let v = vexp(I.self, e)[0]
                    output[c * planeSize + q] = v
                    sum += v
                }
                for c in 0..<channels { output[c * planeSize + q] /= sum }
            }
        }
    }
}
