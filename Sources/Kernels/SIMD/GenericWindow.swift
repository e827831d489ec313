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
    /// Optional work space of `windowScratchCount(geometry)` floats (else one is allocated).
    public var scratch: UnsafeMutablePointer<Float>? = nil

    public init(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, geometry: ConvGeometry,
                channelRange: Range<Int>, weights: UnsafePointer<Float>?, bias: UnsafePointer<Float>?,
                activation: Activation, pool: PoolKind?) {
        self.input = input; self.output = output; self.geometry = geometry
        self.channelRange = channelRange; self.weights = weights; self.bias = bias
        self.activation = activation; self.pool = pool
    }
}

/// Floats of work space one window job needs on any path (vectors up to 16 wide).
public func windowScratchCount(_ g: ConvGeometry) -> Int {
    let wp = g.width + 2 * g.padding + 4 * 16 + 8
    let hp = g.height + 2 * g.padding
    return hp * wp + g.outWidth + (g.stride == 2 ? 2 * hp * ((wp + 1) / 2) : 0)
}

public enum GenericWindow<I: SIMDISA> {
    public typealias V = I.V

    /// Copies each channel into a padded plane (zeros or −∞), then every output row runs
    /// 4-vector, 1-vector and scalar loops over the same index, with no border cases.
    @inlinable
    public static func run(_ a: WindowArgs) {
        let g = a.geometry
        // Strides above 2 are rare (none in our detectors): the plain loops serve them.
        if g.stride > 2 { referenceWindow(a); return }
        let w = V.scalarCount
        let pad = g.padding, k = g.kernel, s = g.stride
        let wp = g.width + 2 * pad + 4 * w + 8
        let hp = g.height + 2 * pad
        let ho = g.outHeight, wo = g.outWidth
        let fill: Float = a.pool == .max ? -.infinity : 0
        // Stride 2: the padded plane is split into even and odd columns, so every tap is a
        // contiguous load: column 2·ox + kx is even[ox + kx/2] or odd[ox + kx/2].
        let wh = (wp + 1) / 2
        let split = s == 2 ? 2 * hp * wh : 0
        if let scratch = a.scratch {
            body(scratch)
        } else {
            withUnsafeTemporaryAllocation(of: Float.self, capacity: hp * wp + wo + split) { body($0.baseAddress!) }
        }
        func body(_ plane: UnsafeMutablePointer<Float>) {
            let colScale = plane + hp * wp
            let halves = colScale + wo
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
                let src2: UnsafeMutablePointer<Float>
                let rowStride: Int
                if s == 2 {
                    for y in 0..<hp {
                        let row = plane + y * wp, e = halves + y * wh, o = halves + (hp + y) * wh
                        var x = 0
                        while x + w < wp / 2 {
                            vstore(I.loadEven(row + 2 * x), e + x)
                            vstore(I.loadEven(row + 2 * x + 1), o + x)
                            x += w
                        }
                        while x < wp / 2 { e[x] = row[2 * x]; o[x] = row[2 * x + 1]; x += 1 }
                    }
                    src2 = halves; rowStride = wh
                } else {
                    src2 = plane; rowStride = wp
                }
                let taps = Taps(base: UnsafePointer(src2), rowStride: rowStride, stride: s, oddOffset: hp * wh)
                if let weights = a.weights {
                    let wts = weights + c * k * k
                    let bias = a.bias?[c] ?? 0
                    switch a.activation {
                    case .none: convK(NoActivation.self, taps, dst, ho, wo, wts, bias, a.activation, k: k, s: s)
                    case .relu: convK(ReLUActivation.self, taps, dst, ho, wo, wts, bias, a.activation, k: k, s: s)
                    default: convK(AnyActivation.self, taps, dst, ho, wo, wts, bias, a.activation, k: k, s: s)
                    }
                } else if a.pool == .max {
                    switch (k, s) {
                    case (3, 2): maxPool(taps, dst, ho, wo, k: 3, s: 2)
                    case (2, 2): maxPool(taps, dst, ho, wo, k: 2, s: 2)
                    default: maxPool(taps, dst, ho, wo, k: k, s: s)
                    }
                } else {
                    for oy in 0..<ho {
                        let rowScale = 1 / Float(includePad ? k : inside(oy, g.height))
                        avgRow(taps, dst + oy * wo, oy, wo, colScale, rowScale, k: k, s: s)
                    }
                }
            }
        }
    }

    /// Where tap (row y, column kx) of output column 0 lives, for stride 1 or 2.
    @usableFromInline
    struct Taps {
        @usableFromInline let base: UnsafePointer<Float>
        @usableFromInline let rowStride: Int
        @usableFromInline let stride: Int
        @usableFromInline let oddOffset: Int
        @inlinable init(base: UnsafePointer<Float>, rowStride: Int, stride: Int, oddOffset: Int) {
            self.base = base; self.rowStride = rowStride; self.stride = stride; self.oddOffset = oddOffset
        }
        /// Pointer to input column `stride·ox + kx` of padded row `y`, as a contiguous run over ox.
        @inlinable @inline(__always)
        func at(_ y: Int, _ kx: Int, s: Int) -> UnsafePointer<Float> {
            if s == 1 { return base + y * rowStride + kx }
            return base + y * rowStride + (kx & 1) * oddOffset + (kx >> 1)
        }
        /// Input column `x` of padded row `y`, any stride.
        @inlinable @inline(__always)
        func value(_ y: Int, _ x: Int, s: Int) -> Float {
            if s == 2 { return base[y * rowStride + (x & 1) * oddOffset + (x >> 1)] }
            return base[y * rowStride + x]
        }
    }

    @inlinable @inline(__always)
    static func convK<E: Epilogue>(_ e: E.Type, _ t: Taps, _ dst: UnsafeMutablePointer<Float>, _ ho: Int, _ wo: Int,
                                   _ wts: UnsafePointer<Float>, _ bias: Float, _ act: Activation, k: Int, s: Int) {
        switch (k, s) {
        case (3, 1): conv(E.self, t, dst, ho, wo, wts, bias, act, k: 3, s: 1)
        case (3, 2): conv(E.self, t, dst, ho, wo, wts, bias, act, k: 3, s: 2)
        case (5, 1): conv(E.self, t, dst, ho, wo, wts, bias, act, k: 5, s: 1)
        case (5, 2): conv(E.self, t, dst, ho, wo, wts, bias, act, k: 5, s: 2)
        default: conv(E.self, t, dst, ho, wo, wts, bias, act, k: k, s: s)
        }
    }

    @inlinable @inline(__always)
    static func conv<E: Epilogue>(_ e: E.Type, _ t: Taps, _ dst: UnsafeMutablePointer<Float>, _ ho: Int, _ wo: Int,
                     _ wts: UnsafePointer<Float>, _ bias: Float, _ act: Activation, k: Int, s: Int) {
        let w = V.scalarCount
        for oy in 0..<ho {
            let out = dst + oy * wo
            var ox = 0
            while s <= 2 && ox + 4 * w <= wo {
                var a0 = V(repeating: bias), a1 = a0, a2 = a0, a3 = a0
                for ky in 0..<k {
                    for kx in 0..<k {
                        let p = t.at(oy * s + ky, kx, s: s) + ox
                        let wv = V(repeating: wts[ky * k + kx])
                        a0 = I.fma(a0, wv, vload(p))
                        a1 = I.fma(a1, wv, vload(p + w))
                        a2 = I.fma(a2, wv, vload(p + 2 * w))
                        a3 = I.fma(a3, wv, vload(p + 3 * w))
                    }
                }
                vstore(E.apply(I.self, a0, act), out + ox)
                vstore(E.apply(I.self, a1, act), out + ox + w)
                vstore(E.apply(I.self, a2, act), out + ox + 2 * w)
                vstore(E.apply(I.self, a3, act), out + ox + 3 * w)
                ox += 4 * w
            }
            while s <= 2 && ox + w <= wo {
                var a0 = V(repeating: bias)
                for ky in 0..<k {
                    for kx in 0..<k {
                        a0 = I.fma(a0, V(repeating: wts[ky * k + kx]), vload(t.at(oy * s + ky, kx, s: s) + ox))
                    }
                }
                vstore(E.apply(I.self, a0, act), out + ox)
                ox += w
            }
            while ox < wo {
                var sum = bias
                for ky in 0..<k {
                    for kx in 0..<k { sum += wts[ky * k + kx] * t.value(oy * s + ky, ox * s + kx, s: s) }
                }
                out[ox] = act.apply(sum)
                ox += 1
            }
        }
    }

    @inlinable @inline(__always)
    static func maxPool(_ t: Taps, _ dst: UnsafeMutablePointer<Float>, _ ho: Int, _ wo: Int, k: Int, s: Int) {
        let w = V.scalarCount
        for oy in 0..<ho {
            let out = dst + oy * wo
            var ox = 0
            while s <= 2 && ox + 2 * w <= wo {
                var m0 = V(repeating: -.infinity), m1 = m0
                for ky in 0..<k {
                    for kx in 0..<k {
                        let p = t.at(oy * s + ky, kx, s: s) + ox
                        m0 = I.max(m0, vload(p))
                        m1 = I.max(m1, vload(p + w))
                    }
                }
                vstore(m0, out + ox); vstore(m1, out + ox + w)
                ox += 2 * w
            }
            while ox < wo {
                var m = -Float.infinity
                for ky in 0..<k {
                    for kx in 0..<k { m = Swift.max(m, t.value(oy * s + ky, ox * s + kx, s: s)) }
                }
                out[ox] = m
                ox += 1
            }
        }
    }

    @inlinable @inline(__always)
    static func avgRow(_ t: Taps, _ out: UnsafeMutablePointer<Float>, _ oy: Int, _ wo: Int,
                       _ colScale: UnsafeMutablePointer<Float>, _ rowScale: Float, k: Int, s: Int) {
        let w = V.scalarCount
        var ox = 0
        while s <= 2 && ox + w <= wo {
            var acc = V.zero
            for ky in 0..<k {
                for kx in 0..<k { acc += vload(t.at(oy * s + ky, kx, s: s) + ox) }
            }
            let scale: V = vload(UnsafePointer(colScale + ox))
            vstore(acc * scale * rowScale, out + ox)
            ox += w
        }
        while ox < wo {
            var acc: Float = 0
            for ky in 0..<k {
                for kx in 0..<k { acc += t.value(oy * s + ky, ox * s + kx, s: s) }
            }
            out[ox] = acc * colScale[ox] * rowScale
            ox += 1
        }
    }
}
