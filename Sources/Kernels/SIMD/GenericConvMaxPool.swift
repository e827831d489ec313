/// One chunk of the fused stem: a 3×3, stride-2, padding-1 convolution of a few input
/// channels, its activation, then a 3×3, stride-2, padding-1 max pool, with no convolution
/// output ever stored. The reference twin is `Reference.conv2d` followed by `Reference.pool`.
public struct ConvMaxPoolArgs {
    /// `[inChannels, height, width]`.
    public var input: UnsafePointer<Float>
    /// The convolution (kernel 3, stride 2, padding 1, one group).
    public var geometry: ConvGeometry
    /// Weights as `packGemmWeights` lays them out: ⌈out/6⌉ panels of `[inChannels·9][6]`.
    public var weights: UnsafePointer<Float>
    /// ⌈out/6⌉·6 biases, zero past `outChannels`.
    public var bias: UnsafePointer<Float>
    public var activation: Activation
    /// `[outChannels, pooledHeight, pooledWidth]` (see `ConvMaxPoolLayout`).
    public var output: UnsafeMutablePointer<Float>
    /// Pooled output rows this call computes.
    public var rows: Range<Int>
    /// `ConvMaxPoolLayout(geometry).scratchCount` floats of work space.
    public var scratch: UnsafeMutablePointer<Float>

    public init(input: UnsafePointer<Float>, geometry: ConvGeometry, weights: UnsafePointer<Float>,
                bias: UnsafePointer<Float>, activation: Activation, output: UnsafeMutablePointer<Float>,
                rows: Range<Int>, scratch: UnsafeMutablePointer<Float>) {
        self.input = input; self.geometry = geometry; self.weights = weights; self.bias = bias
        self.activation = activation; self.output = output; self.rows = rows; self.scratch = scratch
    }
}

/// Sizes of the fused stem's work space, the same for every vector width up to 16.
public struct ConvMaxPoolLayout {
    public let pooledHeight: Int
    public let pooledWidth: Int
    /// Pooled columns rounded up to 16: the length of one horizontally pooled row.
    public let columns: Int
    /// Floats of one phase of a split input row (`columns + 1` used, rest slack).
    public let phaseLength: Int
    /// Phases stored per split input row: Q0…Q3 and a copy of Q2.
    public let phasesPerRow = 5
    /// Output channels rounded up to the 6-row panels.
    public let paddedChannels: Int

    public init(_ g: ConvGeometry) {
        pooledHeight = (g.outHeight - 1) / 2 + 1
        pooledWidth = (g.outWidth - 1) / 2 + 1
        columns = (pooledWidth + 15) / 16 * 16
        phaseLength = columns + 8
        paddedChannels = (g.outChannels + 5) / 6 * 6
    }

    /// Split input rows (3 per input channel, `phasesPerRow` phases each), a zero row, two horizontally pooled rows of
    /// every padded channel, the carried vectors and the right-edge mask.
    public func scratchCount(_ g: ConvGeometry) -> Int {
        (g.inChannels * 3 + 1) * phasesPerRow * phaseLength + 2 * paddedChannels * columns + 6 * 16 + columns + 32
    }

    /// Whether the fused kernel computes this convolution + max pool.
    public static func fits(_ g: ConvGeometry, poolKernel: Int, poolStride: Int, poolPadding: Int) -> Bool {
        g.kernel == 3 && g.stride == 2 && g.padding == 1 && g.groups == 1 && g.inChannels <= 4
            && poolKernel == 3 && poolStride == 2 && poolPadding == 1 && g.problem == nil
    }
}

/// The two lane operations the fused stem needs beyond `SIMDISA` (a protocol of their own,
/// so the ISAs without the fused stem, AVX-512, are untouched).
public protocol StemISA: SIMDISA {
    /// `[first, v[0], …, v[n − 2]]`: lanes moved up by one.
    static func shiftIn(_ v: V, first: Float) -> V
    /// `q[r·stride + j] = p[4j + r]` for r < 4 and j < `V.scalarCount` (reads 4 vectors at p).
    static func deinterleave4(_ p: UnsafePointer<Float>, into q: UnsafeMutablePointer<Float>, stride: Int)
}

extension StemISA {
    /// Default: lane by lane.
    @inlinable @inline(__always)
    public static func shiftIn(_ v: V, first: Float) -> V {
        var r = V()
        r[0] = first
        for i in 1..<V.scalarCount { r[i] = v[i - 1] }
        return r
    }
    /// Default: element by element.
    @inlinable @inline(__always)
    public static func deinterleave4(_ p: UnsafePointer<Float>, into q: UnsafeMutablePointer<Float>, stride: Int) {
        for r in 0..<4 {
            for j in 0..<V.scalarCount { q[r * stride + j] = p[4 * j + r] }
        }
    }
}

extension PortableISA: StemISA {}

/// The fused stem. Each input row is split once into four phases, `Q_r[t] = line[4t + r − 1]`,
/// so that even convolution columns 2t read taps Q0, Q1, Q2 and odd columns 2t + 1 read Q2,
/// Q3, Q0 shifted by one, all plain vector loads at `t`. A micro-kernel keeps 6 output
/// channels × (even, odd) columns of one vector of pooled columns in 12 accumulators; after
/// the activation, `max(even[t], odd[t], odd[t − 1])` is the horizontal pool (odd[t − 1]
/// comes from the previous vector through `shiftIn`). Vertically, pooled row `py` is the
/// max of the horizontally pooled conv rows 2py − 1, 2py, 2py + 1, taken as the micro-kernel
/// stores: row 2py + 1 is also kept for the next pooled row.
public enum GenericConvMaxPool<I: StemISA> {
    public typealias V = I.V

    @inlinable
    public static func run(_ a: ConvMaxPoolArgs) {
        switch a.activation {
        case .none: run(a, NoActivation.self)
        case .relu: run(a, ReLUActivation.self)
        default: run(a, AnyActivation.self)
        }
    }

    @inlinable
    static func run<E: Epilogue>(_ a: ConvMaxPoolArgs, _: E.Type) {
        let g = a.geometry
        let lay = ConvMaxPoolLayout(g)
        let w = V.scalarCount
        let cin = g.inChannels, cout = g.outChannels
        let hc = g.outHeight, wc = g.outWidth
        let hp = lay.pooledHeight, wp = lay.pooledWidth
        let cols = lay.columns, len = lay.phaseLength
        let nv = (wp + w - 1) / w
        let panels = lay.paddedChannels / 6
        let act = a.activation
        // Phases start on a cache line: the vector loads at t = 0, w, 2w, … never split one.
        var s = a.scratch + (16 - (Int(bitPattern: a.scratch) >> 2) & 15) & 15
        let rowFloats = lay.phasesPerRow * len
        let phases = s; s += cin * 3 * rowFloats
        let zero = s; s += rowFloats
        let rowA = s; s += lay.paddedChannels * cols
        let rowB = s; s += lay.paddedChannels * cols
        let carry = s; s += 6 * 16
        let mask = s
        zero.update(repeating: 0, count: rowFloats)
        // Odd conv columns 2t + 1 ≥ wc lie outside the map: −∞ joins no window.
        let oddValid = wc / 2
        for t in 0..<cols { mask[t] = t < oddValid ? 0 : -.infinity }
        withUnsafeTemporaryAllocation(of: Int.self, capacity: cin * 3) { tagBuf in
            withUnsafeTemporaryAllocation(of: UnsafePointer<Float>.self, capacity: cin * 3) { tableBuf in
                let tags = tagBuf.baseAddress!, table = tableBuf.baseAddress!
                tags.update(repeating: Int.min, count: cin * 3)

                /// Conv row `r`, pooled horizontally, used as `use` says: kept in rowA
                /// (0), the first row of pooled row `out` (1: max with rowA when `hasPrev`),
                /// or its last row (2: max into `out`, and kept in rowA for the next one).
                /// Vectors of full panels inside the pooled width are combined in the
                /// micro-kernel; a partial panel or vector goes through rowB and scalars.
                func convRow(_ r: Int, _ use: Int, _ out: UnsafeMutablePointer<Float>, hasPrev: Bool) {
                    for c in 0..<cin {
                        for ky in 0..<3 {
                            let iy = 2 * r + ky - 1
                            var q = UnsafePointer(zero)
                            if iy >= 0 && iy < g.height {
                                // Input rows of consecutive conv rows: slot iy mod 3 is free again.
                                let slot = c * 3 + iy % 3
                                let dst = phases + slot * rowFloats
                                if tags[slot] != iy {
                                    split4(a.input + (c * g.height + iy) * g.width, width: g.width, dst, len,
                                           count: cols + 1)
                                    tags[slot] = iy
                                }
                                q = UnsafePointer(dst)
                            }
                            table[c * 3 + ky] = q
                        }
                    }
                    let outStride = hp * wp
                    let fullVectors = wp / w
                    for p in 0..<panels {
                        for i in 0..<6 { carry[i * w + w - 1] = -.infinity }
                        let wts = a.weights + p * cin * 9 * 6
                        let direct = use != 0 && p * 6 + 6 <= cout
                        let keep = rowA + p * 6 * cols
                        for v in 0..<nv {
                            let masked = (v + 1) * w > oddValid
                            var dst = rowB + p * 6 * cols, ldd = cols
                            var other: UnsafePointer<Float>? = nil, ldo = 0
                            var copy: UnsafeMutablePointer<Float>? = nil
                            if use == 0 {
                                dst = keep
                            } else if direct && v < fullVectors {
                                dst = out + p * 6 * outStride; ldd = outStride
                                if use == 1 {
                                    if hasPrev { other = UnsafePointer(keep); ldo = cols }
                                } else {
                                    other = UnsafePointer(dst); ldo = outStride
                                    copy = keep
                                }
                            }
                            block(E.self, UnsafePointer(table), cin * 3, v * w, wts, a.bias + p * 6, act, len,
                                  masked ? UnsafePointer(mask) : nil, carry, dst, ldd, other, ldo, copy, cols)
                        }
                    }
                    guard use != 0 else { return }
                    // What went through rowB: columns past the full vectors, or a partial panel.
                    for c in 0..<cout {
                        let x0 = c / 6 * 6 + 6 <= cout ? fullVectors * w : 0
                        let o = out + c * outStride, h = rowB + c * cols, kept = rowA + c * cols
                        for x in x0..<Swift.max(x0, wp) {
                            if use == 1 {
                                o[x] = hasPrev ? Swift.max(h[x], kept[x]) : h[x]
                            } else {
                                o[x] = Swift.max(o[x], h[x])
                                kept[x] = h[x]
                            }
                        }
                    }
                }

                // rowA holds conv row 2py − 1 (when valid) on entry to each pooled row.
                var prevRow = -1
                for py in a.rows {
                    let out = a.output + py * wp
                    let rp = 2 * py - 1, re = 2 * py, ro = 2 * py + 1
                    if rp >= 0 && prevRow != rp { convRow(rp, 0, out, hasPrev: false) }
                    convRow(re, 1, out, hasPrev: rp >= 0)
                    if ro < hc {
                        convRow(ro, 2, out, hasPrev: true)
                        prevRow = ro
                    } else {
                        prevRow = -1
                    }
                }
            }
        }
    }

    /// 6 channels × one vector of pooled columns from `t`: even and odd conv columns over
    /// all `rows` (c, ky) input rows, activation, horizontal max `h`; stores `h` into `copy`
    /// (channel i at `copy + i·ldc`) when given, and `max(h, other)` (or `h`) into `dst`
    /// (`other` may be `dst`: the vertical pool in place); `carry` holds each channel's
    /// previous odd vector; `mask` (0 or −∞ per
    /// column, only for the vector that reaches past the conv map's last odd column) drops
    /// odd columns outside the map.
    @inlinable @inline(__always)
    static func block<E: Epilogue>(_: E.Type, _ table: UnsafePointer<UnsafePointer<Float>>, _ rows: Int, _ t: Int,
                                   _ wts: UnsafePointer<Float>, _ bias: UnsafePointer<Float>, _ act: Activation,
                                   _ len: Int, _ mask: UnsafePointer<Float>?, _ carry: UnsafeMutablePointer<Float>,
                                   _ dst: UnsafeMutablePointer<Float>, _ ldd: Int, _ other: UnsafePointer<Float>?,
                                   _ ldo: Int, _ copy: UnsafeMutablePointer<Float>?, _ ldc: Int) {
        let w = V.scalarCount
        var e0 = V(repeating: bias[0]), o0 = e0
        var e1 = V(repeating: bias[1]), o1 = e1
        var e2 = V(repeating: bias[2]), o2 = e2
        var e3 = V(repeating: bias[3]), o3 = e3
        var e4 = V(repeating: bias[4]), o4 = e4
        var e5 = V(repeating: bias[5]), o5 = e5
        var wp = wts
        for j in 0..<rows {
            let q = table[j] + t
            @inline(__always) func tap(_ x: V, _ y: V, _ k: UnsafePointer<Float>) {
                var b = V(repeating: k[0]); e0 = I.fma(e0, b, x); o0 = I.fma(o0, b, y)
                b = V(repeating: k[1]); e1 = I.fma(e1, b, x); o1 = I.fma(o1, b, y)
                b = V(repeating: k[2]); e2 = I.fma(e2, b, x); o2 = I.fma(o2, b, y)
                b = V(repeating: k[3]); e3 = I.fma(e3, b, x); o3 = I.fma(o3, b, y)
                b = V(repeating: k[4]); e4 = I.fma(e4, b, x); o4 = I.fma(o4, b, y)
                b = V(repeating: k[5]); e5 = I.fma(e5, b, x); o5 = I.fma(o5, b, y)
            }
            // kx = 0: even·Q0, odd·Q2; kx = 2: even·Q2, odd·Q0[t + 1]; kx = 1: even·Q1, odd·Q3.
            // The second Q2 load reads the copy: two loads of one address are merged, and
            // LLVM then interleaves the taps around the shared vector and spills accumulators.
            tap(vload(q), vload(q + 2 * len), wp)
            tap(vload(q + 4 * len), vload(q + 1), wp + 12)
            tap(vload(q + len), vload(q + 3 * len), wp + 6)
            wp += 18
        }
        // ReLU and no activation commute with max: pool first, activate once.
        let late = E.self == ReLUActivation.self || E.self == NoActivation.self
        @inline(__always) func pool(_ e: V, _ o: V, _ i: Int) -> V {
            let ev = late ? e : E.apply(I.self, e, act)
            var ov = late ? o : E.apply(I.self, o, act)
            if let mask { ov += vload(mask + t) as V }
            let c = carry + i * w
            let shifted = I.shiftIn(ov, first: c[w - 1])
            vstore(ov, c)
            let m = I.max(I.max(ev, ov), shifted)
            return late ? E.apply(I.self, m, act) : m
        }
        let h0 = pool(e0, o0, 0), h1 = pool(e1, o1, 1), h2 = pool(e2, o2, 2)
        let h3 = pool(e3, o3, 3), h4 = pool(e4, o4, 4), h5 = pool(e5, o5, 5)
        if let copy {
            vstore(h0, copy + t); vstore(h1, copy + ldc + t); vstore(h2, copy + 2 * ldc + t)
            vstore(h3, copy + 3 * ldc + t); vstore(h4, copy + 4 * ldc + t); vstore(h5, copy + 5 * ldc + t)
        }
        // All loads of `other` before the stores: output planes 36 KB apart alias in 4 KB
        // pages, and a load behind a store to a 4K-aliased address waits for it.
        var m0 = h0, m1 = h1, m2 = h2, m3 = h3, m4 = h4, m5 = h5
        if let other {
            m0 = I.max(h0, vload(other + t)); m1 = I.max(h1, vload(other + ldo + t))
            m2 = I.max(h2, vload(other + 2 * ldo + t)); m3 = I.max(h3, vload(other + 3 * ldo + t))
            m4 = I.max(h4, vload(other + 4 * ldo + t)); m5 = I.max(h5, vload(other + 5 * ldo + t))
        }
        vstore(m0, dst + t); vstore(m1, dst + ldd + t); vstore(m2, dst + 2 * ldd + t)
        vstore(m3, dst + 3 * ldd + t); vstore(m4, dst + 4 * ldd + t); vstore(m5, dst + 5 * ldd + t)
    }

    /// `q_r[t] = line[4t + r − 1]` for r < 4 and t < count (phase r at `q + r·len`), zero
    /// outside the line, and a copy of Q2 at `q + 4·len`: whole vectors through
    /// `I.deinterleave4`, scalars at the ends.
    @inlinable
    static func split4(_ line: UnsafePointer<Float>, width: Int, _ q: UnsafeMutablePointer<Float>, _ len: Int,
                       count: Int) {
        let w = V.scalarCount
        @inline(__always) func scalar(_ t: Int) {
            for r in 0..<4 {
                let x = 4 * t + r - 1
                q[r * len + t] = x >= 0 && x < width ? line[x] : 0
            }
            q[4 * len + t] = q[2 * len + t]
        }
        var t = 0
        if count > 0 { scalar(0); t = 1 }
        // The 4w floats a step reads end inside the line.
        while t + w <= count && 4 * t - 1 + 4 * w <= width {
            I.deinterleave4(line + 4 * t - 1, into: q + t, stride: len)
            vstore(vload(q + 2 * len + t) as V, q + 4 * len + t)
            t += w
        }
        while t < count { scalar(t); t += 1 }
    }
}
