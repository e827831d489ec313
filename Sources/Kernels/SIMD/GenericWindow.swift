/// A per-channel sliding-window job: depthwise convolution or pooling over channels
/// `channelRange` of a `[C, H, W]` tensor.
public struct WindowArgs {
    public var input: UnsafePointer<Float>
    public var output: UnsafeMutablePointer<Float>
    public var geometry: ConvGeometry
    public var channelRange: Range<Int>
    /// Depthwise: `[C][k·k]` weights and `[C]` biases; nil for pooling.
    public var weights: UnsafePointer<Float>?
    public var bias: UnsafePointer<Float>?
    public var activation: Activation
    public var pool: PoolKind?

    public init(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, geometry: ConvGeometry,
                channelRange: Range<Int>, weights: UnsafePointer<Float>?, bias: UnsafePointer<Float>?,
                activation: Activation, pool: PoolKind?) {
        self.input = input; self.output = output; self.geometry = geometry
        self.channelRange = channelRange; self.weights = weights; self.bias = bias
        self.activation = activation; self.pool = pool
    }
}

public enum GenericWindow<I: SIMDISA> {
    public typealias V = I.V

    /// Copies each channel into a padded plane (zeros or −∞), then every output row runs
    /// 4-vector, 1-vector and scalar loops over the same index, with no border cases.
    @inlinable
    public static func run(_ a: WindowArgs) {
        let g = a.geometry
        let w = V.scalarCount
        let pad = g.padding, k = g.kernel, s = g.stride
        let wp = g.width + 2 * pad + 4 * w + 8
        let hp = g.height + 2 * pad
        let ho = g.outHeight, wo = g.outWidth
        let fill: Float = a.pool == .max ? -.infinity : 0
        withUnsafeTemporaryAllocation(of: Float.self, capacity: hp * wp + wo) { buf in
            let plane = buf.baseAddress!
            let colScale = plane + hp * wp
            plane.update(repeating: fill, count: hp * wp)
            // Average pooling: 1/count factor per output column and row.
            var includePad = true
            if case .average(let inc) = a.pool { includePad = inc }
            func inside(_ o: Int, _ n: Int) -> Int {
                let lo = o * s - pad
                return Swift.min(lo + k, n) - Swift.max(lo, 0)
            }
            for ox in 0..<wo { colScale[ox] = 1 / Float(includePad ? k : inside(ox, g.width)) }
            for c in a.channelRange {
                let src = a.input + c * g.height * g.width
                for y in 0..<g.height {
                    (plane + (y + pad) * wp + pad).update(from: src + y * g.width, count: g.width)
                }
                let dst = a.output + c * ho * wo
                if let weights = a.weights {
                    let wts = weights + c * k * k
                    let bias = a.bias?[c] ?? 0
                    switch (k, s) {
                    case (3, 1): conv(plane, wp, dst, ho, wo, wts, bias, a.activation, k: 3, s: 1)
                    case (3, 2): conv(plane, wp, dst, ho, wo, wts, bias, a.activation, k: 3, s: 2)
                    case (5, 1): conv(plane, wp, dst, ho, wo, wts, bias, a.activation, k: 5, s: 1)
                    case (5, 2): conv(plane, wp, dst, ho, wo, wts, bias, a.activation, k: 5, s: 2)
                    default: conv(plane, wp, dst, ho, wo, wts, bias, a.activation, k: k, s: s)
                    }
                } else if a.pool == .max {
                    switch (k, s) {
                    case (3, 2): maxPool(plane, wp, dst, ho, wo, k: 3, s: 2)
                    case (2, 2): maxPool(plane, wp, dst, ho, wo, k: 2, s: 2)
                    default: maxPool(plane, wp, dst, ho, wo, k: k, s: s)
                    }
                } else {
                    for oy in 0..<ho {
                        let rowScale = 1 / Float(includePad ? k : inside(oy, g.height))
                        avgRow(plane, wp, dst + oy * wo, oy, wo, colScale, rowScale, k: k, s: s)
                    }
                }
            }
        }
    }

    @inlinable @inline(__always)
    static func load(_ p: UnsafePointer<Float>, _ s: Int) -> V {
        s == 1 ? vload(p) : I.loadEven(p)
    }

    @inlinable @inline(__always)
    static func conv(_ plane: UnsafeMutablePointer<Float>, _ wp: Int, _ dst: UnsafeMutablePointer<Float>,
                     _ ho: Int, _ wo: Int, _ wts: UnsafePointer<Float>, _ bias: Float,
                     _ act: Activation, k: Int, s: Int) {
        let w = V.scalarCount
        for oy in 0..<ho {
            let top = UnsafePointer(plane + oy * s * wp)
            let out = dst + oy * wo
            var ox = 0
            while ox + 4 * w <= wo {
                var a0 = V(repeating: bias), a1 = a0, a2 = a0, a3 = a0
                for ky in 0..<k {
                    let row = top + ky * wp + ox * s
                    for kx in 0..<k {
                        let wv = V(repeating: wts[ky * k + kx])
                        a0 = I.fma(a0, wv, load(row + kx, s))
                        a1 = I.fma(a1, wv, load(row + kx + w * s, s))
                        a2 = I.fma(a2, wv, load(row + kx + 2 * w * s, s))
                        a3 = I.fma(a3, wv, load(row + kx + 3 * w * s, s))
                    }
                }
                vstore(vactivate(I.self, a0, act), out + ox)
                vstore(vactivate(I.self, a1, act), out + ox + w)
                vstore(vactivate(I.self, a2, act), out + ox + 2 * w)
                vstore(vactivate(I.self, a3, act), out + ox + 3 * w)
                ox += 4 * w
            }
            while ox + w <= wo {
                var a0 = V(repeating: bias)
                for ky in 0..<k {
                    let row = top + ky * wp + ox * s
                    for kx in 0..<k { a0 = I.fma(a0, V(repeating: wts[ky * k + kx]), load(row + kx, s)) }
                }
                vstore(vactivate(I.self, a0, act), out + ox)
                ox += w
            }
            while ox < wo {
                var sum = bias
                for ky in 0..<k {
                    let row = top + ky * wp + ox * s
                    for kx in 0..<k { sum += wts[ky * k + kx] * row[kx] }
                }
                out[ox] = act.apply(sum)
                ox += 1
            }
        }
    }

    @inlinable @inline(__always)
    static func maxPool(_ plane: UnsafeMutablePointer<Float>, _ wp: Int, _ dst: UnsafeMutablePointer<Float>,
                        _ ho: Int, _ wo: Int, k: Int, s: Int) {
        let w = V.scalarCount
        for oy in 0..<ho {
            let top = UnsafePointer(plane + oy * s * wp)
            let out = dst + oy * wo
            var ox = 0
            while ox + 2 * w <= wo {
                var m0 = V(repeating: -.infinity), m1 = m0
                for ky in 0..<k {
                    let row = top + ky * wp + ox * s
                    for kx in 0..<k {
                        m0 = pointwiseMax(m0, load(row + kx, s))
                        m1 = pointwiseMax(m1, load(row + kx + w * s, s))
                    }
                }
                vstore(m0, out + ox); vstore(m1, out + ox + w)
                ox += 2 * w
            }
            while ox < wo {
                var m = -Float.infinity
                for ky in 0..<k {
                    let row = top + ky * wp + ox * s
                    for kx in 0..<k { m = Swift.max(m, row[kx]) }
                }
                out[ox] = m
                ox += 1
            }
        }
    }

    @inlinable @inline(__always)
    static func avgRow(_ plane: UnsafeMutablePointer<Float>, _ wp: Int, _ out: UnsafeMutablePointer<Float>,
                       _ oy: Int, _ wo: Int, _ colScale: UnsafeMutablePointer<Float>, _ rowScale: Float,
                       k: Int, s: Int) {
        let w = V.scalarCount
        let top = UnsafePointer(plane + oy * s * wp)
        var ox = 0
        while ox + w <= wo {
            var acc = V.zero
            for ky in 0..<k {
                let row = top + ky * wp + ox * s
                for kx in 0..<k { acc += load(row + kx, s) }
            }
            let scale: V = vload(UnsafePointer(colScale + ox))
            vstore(acc * scale * rowScale, out + ox)
            ox += w
        }
        while ox < wo {
            var acc: Float = 0
            for ky in 0..<k {
                let row = top + ky * wp + ox * s
                for kx in 0..<k { acc += row[kx] }
            }
            out[ox] = acc * colScale[ox] * rowScale
            ox += 1
        }
    }
}
