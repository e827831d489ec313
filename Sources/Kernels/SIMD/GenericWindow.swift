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
    /// Optional input as one pointer per channel plane (a view of channels that were never
    /// copied together); `input` is then ignored.
    public var inputPlanes: UnsafePointer<UnsafePointer<Float>>? = nil
    /// Stride-2 depthwise only: computes just these output rows, reading input rows from
    /// `firstInputRow` on (a band: `plane(c)` then points at input row `firstInputRow`, and
    /// only the rows these outputs read need be there). The scratch plane is then not
    /// cleared: the caller gives work space that is all zero before its first banded call
    /// and is used by nothing else (the kernel writes only cells it reads back itself).
    public var outputRows: Range<Int>? = nil
    public var firstInputRow = 0

    /// Input plane of channel `c`.
    @inlinable @inline(__always)
    public func plane(_ c: Int) -> UnsafePointer<Float> {
        inputPlanes.map { $0[c] } ?? input + c * geometry.height * geometry.width
    }

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
    // Depthwise: the padded (or split) plane, a ring of 4 padded lines (stride 2) and one
    // vector; pooling: one padded row and a column scale.
    return (hp + 4) * wp + Swift.max(g.outWidth, 16)
}

public enum GenericWindow<I: SIMDISA> {
    public typealias V = I.V

    /// Pooling (`poolRows`), stride-2 depthwise (`depthwiseS2`), stride-1 depthwise (below),
    /// larger strides through the reference loops.
    @inlinable
    public static func run(_ a: WindowArgs) {
        let g = a.geometry
        if a.pool != nil {
            if let scratch = a.scratch { poolRows(a, scratch) } else {
                withUnsafeTemporaryAllocation(of: Float.self, capacity: windowScratchCount(g)) { poolRows(a, $0.baseAddress!) }
            }
            return
        }
        // Strides above 2 are rare (none in our detectors): the plain loops serve them.
        if g.stride > 2 { referenceWindow(a); return }
        if g.stride == 2, let weights = a.weights {
            if let scratch = a.scratch { depthwiseS2(a, weights, scratch) } else {
                withUnsafeTemporaryAllocation(of: Float.self, capacity: windowScratchCount(g)) {
                    depthwiseS2(a, weights, $0.baseAddress!)
                }
            }
            return
        }
        // Stride 1 (pooling and stride 2 returned above): each channel is copied into a
        // zero-padded plane whose borders stay zero across channels; 3×3 and 5×5 with no
        // activation or ReLU then run in register blocks (`s1Plane`), other windows run
        // 4-vector, 1-vector and scalar loops over every output row with no border cases.
        guard let weights = a.weights else { return }
        let w = V.scalarCount
        let pad = g.padding, k = g.kernel
        let wp = g.width + 2 * pad + 4 * w + 8
        let hp = g.height + 2 * pad
        let ho = g.outHeight, wo = g.outWidth
        if let scratch = a.scratch {
            body(scratch)
        } else {
            withUnsafeTemporaryAllocation(of: Float.self, capacity: windowScratchCount(g)) { body($0.baseAddress!) }
        }
        func body(_ plane: UnsafeMutablePointer<Float>) {
            plane.update(repeating: 0, count: hp * wp)
            for c in a.channelRange {
                let src = a.plane(c)
                let dst = a.output + c * ho * wo
                for y in 0..<g.height {
                    // Rows are short (32–128 floats): vector copies beat a memmove call per row.
                    let from = src + y * g.width, to = plane + (y + pad) * wp + pad
                    var x = 0
                    while x + w <= g.width { vstore(vload(from + x) as V, to + x); x += w }
                    while x < g.width { to[x] = from[x]; x += 1 }
                }
                let wts = weights + c * k * k
                let bias = a.bias?[c] ?? 0
                let pl = UnsafePointer(plane), tmp = plane + hp * wp
                switch (a.activation, k) {
                case (.none, 3): s1Plane(NoActivation.self, WindowSize3.self, pl, wp, wts, bias, a.activation, dst, ho, wo, tmp)
                case (.none, 5): s1Plane(NoActivation.self, WindowSize5.self, pl, wp, wts, bias, a.activation, dst, ho, wo, tmp)
                case (.relu, 3): s1Plane(ReLUActivation.self, WindowSize3.self, pl, wp, wts, bias, a.activation, dst, ho, wo, tmp)
                case (.relu, 5): s1Plane(ReLUActivation.self, WindowSize5.self, pl, wp, wts, bias, a.activation, dst, ho, wo, tmp)
                default:
                    let taps = Taps(base: pl, rowStride: wp, stride: 1, oddOffset: 0)
                    convK(AnyActivation.self, taps, dst, ho, wo, wts, bias, a.activation, k: k, s: 1)
                }
            }
        }
    }

    /// Stride-2 depthwise convolution: 3×3 and 5×5 without activation and 3×3 ReLU run
    /// `depthwiseS2Split` (register blocks over split rows); the others the loop below. Each
    /// channel is copied once into a zero-padded plane
    /// (the borders stay zero across channels); every tap of a vector of output columns is
    /// then one even-column load of a padded row (`loadEvenPermuted`: one in-lane shuffle on
    /// AVX2, put back in order once per output vector). The (row, vector) jobs of a channel
    /// run four at a time, so four accumulator chains hide the FMA latency even on narrow
    /// maps. `buf` holds `windowScratchCount` floats.
    @inlinable
    static func depthwiseS2(_ a: WindowArgs, _ weights: UnsafePointer<Float>, _ buf: UnsafeMutablePointer<Float>) {
        switch (a.activation, a.geometry.kernel) {
        case (.none, 3): depthwiseS2Split(NoActivation.self, WindowSize3.self, a, weights, buf)
        case (.none, 5): depthwiseS2Split(NoActivation.self, WindowSize5.self, a, weights, buf)
        case (.none, _): depthwiseS2(NoActivation.self, WindowSizeAny.self, a, weights, buf)
        case (.relu, 3): depthwiseS2Split(ReLUActivation.self, WindowSize3.self, a, weights, buf)
        case (.relu, _): depthwiseS2(ReLUActivation.self, WindowSizeAny.self, a, weights, buf)
        default: depthwiseS2(AnyActivation.self, WindowSizeAny.self, a, weights, buf)
        }
    }

    @inlinable
    static func depthwiseS2<E: Epilogue, K: WindowSize>(_ e: E.Type, _ kt: K.Type, _ a: WindowArgs,
                                                        _ weights: UnsafePointer<Float>, _ buf: UnsafeMutablePointer<Float>) {
        let g = a.geometry
        let w = V.scalarCount
        let k = K.k > 0 ? K.k : g.kernel
        let p = g.padding, width = g.width, height = g.height
        let ho = g.outHeight, wo = g.outWidth
        let act = a.activation
        // Padded rows reach every tap of the last vector plus its 2w-float load.
        let wp = width + 2 * p + 4 * 16 + 8
        let hp = height + 2 * p
        let plane = buf, tmp = buf + hp * wp
        if a.outputRows == nil { plane.update(repeating: 0, count: hp * wp) }
        let rows = a.outputRows ?? 0..<ho
        guard !rows.isEmpty else { return }
        // Only the input rows these outputs read (other padded rows stay zero or unread).
        let yA = Swift.max(0, 2 * rows.lowerBound - p), yB = Swift.min(height, 2 * (rows.upperBound - 1) - p + k)
        let nv = (wo + w - 1) / w
        let jobs = rows.count * nv
        for c in a.channelRange {
            let src = a.plane(c)
            let dst = a.output + c * ho * wo
            for y in yA..<Swift.max(yA, yB) {
                let from = src + (y - a.firstInputRow) * width, to = plane + (y + p) * wp + p
                var x = 0
                while x + w <= width { vstore(vload(from + x) as V, to + x); x += w }
                while x < width { to[x] = from[x]; x += 1 }
            }
            let wts = weights + c * k * k
            let bias = a.bias?[c] ?? 0
            // Jobs in order (row oy, vector v), advanced by counting: no division per job.
            var j = 0, oy = rows.lowerBound, v = 0
            while j < jobs {
                let n = Swift.min(4, jobs - j)
                var ys = (oy, oy, oy, oy), vs = (v, v, v, v)
                @inline(__always) func step(_ y: inout Int, _ x: inout Int) { x += 1; if x == nv { x = 0; y += 1 } }
                if n > 1 { ys.1 = ys.0; vs.1 = vs.0; step(&ys.1, &vs.1) }
                if n > 2 { ys.2 = ys.1; vs.2 = vs.1; step(&ys.2, &vs.2) }
                if n > 3 { ys.3 = ys.2; vs.3 = vs.2; step(&ys.3, &vs.3) }
                @inline(__always) func base(_ y: Int, _ x: Int) -> UnsafePointer<Float> {
                    UnsafePointer(plane + 2 * y * wp + 2 * x * w)
                }
                let b0 = base(ys.0, vs.0), b1 = base(ys.1, vs.1), b2 = base(ys.2, vs.2), b3 = base(ys.3, vs.3)
                var a0 = V(repeating: bias), a1 = a0, a2 = a0, a3 = a0
                for ky in 0..<k {
                    let r = ky * wp
                    for kx in 0..<k {
                        let wv = V(repeating: wts[ky * k + kx])
                        let t = r + kx
                        a0 = I.fma(a0, wv, I.loadEvenPermuted(b0 + t))
                        a1 = I.fma(a1, wv, I.loadEvenPermuted(b1 + t))
                        a2 = I.fma(a2, wv, I.loadEvenPermuted(b2 + t))
                        a3 = I.fma(a3, wv, I.loadEvenPermuted(b3 + t))
                    }
                }
                @inline(__always) func put(_ acc: V, _ y: Int, _ x: Int) {
                    let ox = x * w
                    let out = E.apply(I.self, I.unpermute(acc), act)
                    if ox + w <= wo {
                        vstore(out, dst + y * wo + ox)
                    } else {
                        vstore(out, tmp)
                        (dst + y * wo + ox).update(from: tmp, count: wo - ox)
                    }
                }
                put(a0, ys.0, vs.0)
                if n > 1 { put(a1, ys.1, vs.1) }
                if n > 2 { put(a2, ys.2, vs.2) }
                if n > 3 { put(a3, ys.3, vs.3) }
                oy = ys.3; v = vs.3
                if n == 4 { step(&oy, &v) }
                j += n
            }
        }
    }

    /// Pooling one output row at a time, with no padded copy of the plane: the window's
    /// rows inside the image are reduced (max or sum) into one padded row buffer, then each
    /// output column reduces `k` taps of that row (even-column loads for stride 2, a scalar
    /// loop for the tail and for larger strides). `buf` holds `windowScratchCount` floats.
    @inlinable
    static func poolRows(_ a: WindowArgs, _ buf: UnsafeMutablePointer<Float>) {
        let g = a.geometry
        let w = V.scalarCount
        let k = g.kernel, s = g.stride, p = g.padding
        let width = g.width, ho = g.outHeight, wo = g.outWidth
        let isMax = a.pool == .max
        let fill: Float = isMax ? -.infinity : 0
        let rowLen = width + 2 * p + 4 * w + 8
        let row = buf, colScale = buf + rowLen
        var includePad = true
        if case .average(let inc) = a.pool { includePad = inc }
        for ox in 0..<wo {
            let lo = ox * s - p
            colScale[ox] = 1 / Float(includePad ? k : Swift.min(lo + k, width) - Swift.max(lo, 0))
        }
        row.update(repeating: fill, count: rowLen)
        let line = row + p
        for c in a.channelRange {
            let src = a.plane(c)
            let dst = a.output + c * ho * wo
            for oy in 0..<ho {
                let y0 = Swift.max(0, oy * s - p), y1 = Swift.min(g.height, oy * s - p + k)
                // Vertical: reduce rows y0..<y1 into the row buffer.
                if y1 <= y0 {
                    line.update(repeating: fill, count: width)
                } else {
                    var x = 0
                    while x + w <= width {
                        var v: V = vload(src + y0 * width + x)
                        var y = y0 + 1
                        while y < y1 {
                            let u: V = vload(src + y * width + x)
                            v = isMax ? I.max(v, u) : v + u
                            y += 1
                        }
                        vstore(v, line + x)
                        x += w
                    }
                    while x < width {
                        var v = src[y0 * width + x]
                        for y in (y0 + 1)..<Swift.max(y0 + 1, y1) {
                            v = isMax ? Swift.max(v, src[y * width + x]) : v + src[y * width + x]
                        }
                        line[x] = v
                        x += 1
                    }
                }
                // Horizontal: k taps of the padded row per output column.
                let out = dst + oy * wo
                let rowScale = 1 / Float(includePad ? k : Swift.max(1, y1 - y0))
                var ox = 0
                if isMax {
                    switch (k, s) {
                    case (3, 2): ox = maxCols(row, out, wo, k: 3, s: 2)
                    case (2, 2): ox = maxCols(row, out, wo, k: 2, s: 2)
                    case (3, 1): ox = maxCols(row, out, wo, k: 3, s: 1)
                    default: ox = maxCols(row, out, wo, k: k, s: s)
                    }
                } else {
                    while s <= 2 && ox + w <= wo {
                        var acc = V.zero
                        for kx in 0..<k { acc += s == 1 ? vload(row + ox + kx) : I.loadEven(row + 2 * ox + kx) }
                        let scale: V = vload(UnsafePointer(colScale + ox))
                        vstore(acc * scale * rowScale, out + ox)
                        ox += w
                    }
                }
                while ox < wo {
                    var v = row[ox * s]
                    for kx in 1..<Swift.max(1, k) {
                        v = isMax ? Swift.max(v, row[ox * s + kx]) : v + row[ox * s + kx]
                    }
                    out[ox] = isMax ? v : v * colScale[ox] * rowScale
                    ox += 1
                }
            }
        }
    }

    /// Vector part of the horizontal max; returns the first column left for the scalar tail.
    @inlinable @inline(__always)
    static func maxCols(_ row: UnsafeMutablePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ wo: Int,
                        k: Int, s: Int) -> Int {
        let w = V.scalarCount
        var ox = 0
        while s <= 2 && ox + w <= wo {
            var m: V = s == 1 ? vload(row + ox) : I.loadEven(row + 2 * ox)
            for kx in 1..<Swift.max(1, k) {
                m = I.max(m, s == 1 ? vload(row + ox + kx) : I.loadEven(row + 2 * ox + kx))
            }
            vstore(m, out + ox)
            ox += w
        }
        return ox
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
        // Kernel sizes as types: inside the specialized loops k is a constant, so the tap
        // loops unroll (a plain `k: 3` argument did not survive into the non-inlined body).
        switch (k, s) {
        case (3, 1): conv(E.self, WindowSize3.self, t, dst, ho, wo, wts, bias, act, k: 3, s: 1)
        case (5, 1): conv(E.self, WindowSize5.self, t, dst, ho, wo, wts, bias, act, k: 5, s: 1)
        default: conv(E.self, WindowSizeAny.self, t, dst, ho, wo, wts, bias, act, k: k, s: s)
        }
    }

    @inlinable @inline(__always)
    static func conv<E: Epilogue, K: WindowSize>(_ e: E.Type, _ kt: K.Type, _ t: Taps, _ dst: UnsafeMutablePointer<Float>,
                     _ ho: Int, _ wo: Int, _ wts: UnsafePointer<Float>, _ bias: Float, _ act: Activation,
                     k kDyn: Int, s: Int) {
        let k = K.k > 0 ? K.k : kDyn
        let w = V.scalarCount
        var oy = 0
        // Stride 1: two output rows at once share k − 1 input rows, and their 8 accumulator
        // chains keep both FMA pipes busy (4 chains of 4-cycle FMAs fill only one).
        while s == 1 && oy + 2 <= ho {
            let outA = dst + oy * wo, outB = outA + wo
            var ox = 0
            while ox + 4 * w <= wo {
                var a0 = V(repeating: bias), a1 = a0, a2 = a0, a3 = a0
                var b0 = a0, b1 = a0, b2 = a0, b3 = a0
                for r in 0...k {
                    for kx in 0..<k {
                        let p = t.at(oy + r, kx, s: 1) + ox
                        let x0: V = vload(p), x1: V = vload(p + w), x2: V = vload(p + 2 * w), x3: V = vload(p + 3 * w)
                        if r < k {
                            let wv = V(repeating: wts[r * k + kx])
                            a0 = I.fma(a0, wv, x0); a1 = I.fma(a1, wv, x1)
                            a2 = I.fma(a2, wv, x2); a3 = I.fma(a3, wv, x3)
                        }
                        if r > 0 {
                            let wv = V(repeating: wts[(r - 1) * k + kx])
                            b0 = I.fma(b0, wv, x0); b1 = I.fma(b1, wv, x1)
                            b2 = I.fma(b2, wv, x2); b3 = I.fma(b3, wv, x3)
                        }
                    }
                }
                vstore(E.apply(I.self, a0, act), outA + ox); vstore(E.apply(I.self, a1, act), outA + ox + w)
                vstore(E.apply(I.self, a2, act), outA + ox + 2 * w); vstore(E.apply(I.self, a3, act), outA + ox + 3 * w)
                vstore(E.apply(I.self, b0, act), outB + ox); vstore(E.apply(I.self, b1, act), outB + ox + w)
                vstore(E.apply(I.self, b2, act), outB + ox + 2 * w); vstore(E.apply(I.self, b3, act), outB + ox + 3 * w)
                ox += 4 * w
            }
            if ox < wo { convRowTail(E.self, K.self, t, outA, oy, ox, wo, wts, bias, act, k: k, s: 1)
                         convRowTail(E.self, K.self, t, outB, oy + 1, ox, wo, wts, bias, act, k: k, s: 1) }
            oy += 2
        }
        while oy < ho {
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
            convRowTail(E.self, K.self, t, out, oy, ox, wo, wts, bias, act, k: k, s: s)
            oy += 1
        }
    }

    /// Columns `ox..<wo` of output row `oy`: one vector at a time, then scalars.
    @inlinable @inline(__always)
    static func convRowTail<E: Epilogue, K: WindowSize>(_ e: E.Type, _ kt: K.Type, _ t: Taps,
                                         _ out: UnsafeMutablePointer<Float>, _ oy: Int,
                                         _ ox0: Int, _ wo: Int, _ wts: UnsafePointer<Float>, _ bias: Float,
                                         _ act: Activation, k kDyn: Int, s: Int) {
        let k = K.k > 0 ? K.k : kDyn
        let w = V.scalarCount
        var ox = ox0
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

/// A window's kernel side as a type, so specialized loops see it as a constant.
public protocol WindowSize { static var k: Int { get } }
/// 3×3 windows.
public enum WindowSize3: WindowSize { @inlinable public static var k: Int { 3 } }
/// 5×5 windows.
public enum WindowSize5: WindowSize { @inlinable public static var k: Int { 5 } }
/// Any side, given at run time.
public enum WindowSizeAny: WindowSize { @inlinable public static var k: Int { 0 } }
