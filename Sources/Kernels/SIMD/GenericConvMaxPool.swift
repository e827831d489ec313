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
    /// Output channels rounded up to 48: whole groups of 3 vectors for every width up to 16.
    public let paddedChannels: Int
    /// Floats of one edge row: the 9 input columns a tile of 4 convolution columns reads.
    public let edgeLength = 16

    public init(_ g: ConvGeometry) {
        pooledHeight = (g.outHeight - 1) / 2 + 1
        pooledWidth = (g.outWidth - 1) / 2 + 1
        paddedChannels = (g.outChannels + 47) / 48 * 48
    }

    /// Repacked weights and biases, a zero input row, the edge rows (one per channel and
    /// kernel row), the carried column and two channel-interleaved pooled rows.
    public func scratchCount(_ g: ConvGeometry) -> Int {
        paddedChannels * (g.inChannels * 9 + 1) + (g.width + 16) + g.inChannels * 3 * edgeLength
            + 48 + 2 * paddedChannels * pooledWidth + 32
    }

    /// Whether the fused kernel computes this convolution + max pool.
    public static func fits(_ g: ConvGeometry, poolKernel: Int, poolStride: Int, poolPadding: Int) -> Bool {
        g.kernel == 3 && g.stride == 2 && g.padding == 1 && g.groups == 1 && g.inChannels <= 4
            && poolKernel == 3 && poolStride == 2 && poolPadding == 1 && g.problem == nil
    }
}

/// The lane operation the fused stem needs beyond `SIMDISA` (a protocol of its own, so the
/// ISAs without the fused stem, AVX-512, are untouched).
public protocol StemISA: SIMDISA {
    /// `p[0]` in every lane.
    static func broadcast(_ p: UnsafePointer<Float>) -> V
    /// `max(v, p[0..<w])`.
    static func maxLoad(_ v: V, _ p: UnsafePointer<Float>) -> V
    /// `max(a, b)` for the pool (no NaNs there).
    static func poolMax(_ a: V, _ b: V) -> V
    /// A hint that the cache line at `p` is read soon (no effect by default).
    static func prefetch(_ p: UnsafeRawPointer)
    /// `dst[j·ldd + i] = src[i·lds + j]` for i, j < `V.scalarCount`: one square transpose.
    static func transpose(_ src: UnsafePointer<Float>, _ lds: Int, _ dst: UnsafeMutablePointer<Float>, _ ldd: Int)
}

extension StemISA {
    @inlinable @inline(__always)
    public static func broadcast(_ p: UnsafePointer<Float>) -> V { V(repeating: p[0]) }
    @inlinable @inline(__always)
    public static func prefetch(_ p: UnsafeRawPointer) {}
    @inlinable @inline(__always)
    public static func maxLoad(_ v: V, _ p: UnsafePointer<Float>) -> V { max(v, vload(p)) }
    @inlinable @inline(__always)
    public static func poolMax(_ a: V, _ b: V) -> V { max(a, b) }
    /// Default: element by element.
    @inlinable @inline(__always)
    public static func transpose(_ src: UnsafePointer<Float>, _ lds: Int, _ dst: UnsafeMutablePointer<Float>,
                                 _ ldd: Int) {
        let w = V.scalarCount
        for j in 0..<w {
            for i in 0..<w { dst[j * ldd + i] = src[i * lds + j] }
        }
    }
}

extension PortableISA: StemISA {}

/// The fused stem, vectorized over output channels. Channels go in groups of 3 vectors
/// (24 on AVX2); a tile is 4 neighbouring convolution columns × one group, 12 accumulators,
/// each input value broadcast once per tap and multiplied by 3 weight vectors (stride 2 needs
/// no column split: the broadcasts read the input rows where they are). Channels being the
/// lanes, the pool is plain vector max: pooled column 2k of a tile at convolution column 4k
/// is max(carry, c0, c1) (carry: column 4k − 1 from the tile before), column 2k + 1 is
/// max(c1, c2, c3). Each convolution row is computed once and pooled vertically into one or
/// two channel-interleaved pooled rows (row 2py − 1 is the last of pooled row py − 1 and the
/// first of py); a finished pooled row is transposed into the output planes.
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
        let gw = 3 * w                       // channels per group
        let cin = g.inChannels, cout = g.outChannels
        let hc = g.outHeight, wc = g.outWidth
        let hp = lay.pooledHeight, wp = lay.pooledWidth
        let groups = (cout + gw - 1) / gw
        let taps = cin * 9
        let act = a.activation
        guard !a.rows.isEmpty else { return }
        var s = a.scratch + (16 - (Int(bitPattern: a.scratch) >> 2) & 15) & 15
        let wts = s; s += groups * gw * taps
        let bias = s; s += groups * gw
        let zero = s; s += g.width + 16
        let edge = s; s += cin * 3 * lay.edgeLength
        s += 16   // keeps the pooled rows off the edge rows' cache line
        let pooled = s                       // two rows of [group][wp][gw]
        let pooledCount = groups * gw * wp
        // Weights as [group][tap][gw]: tap (c·3 + ky)·3 + kx, zero past `outChannels`.
        for o in 0..<groups * gw {
            let gi = o / gw, l = o % gw
            let panel = a.weights + (o / 6) * taps * 6 + o % 6
            for k in 0..<taps { wts[(gi * taps + k) * gw + l] = o < cout ? panel[k * 6] : 0 }
            bias[o] = o < cout ? a.bias[o] : 0
        }
        zero.update(repeating: 0, count: g.width + 16)
        let ninf = V(repeating: -.infinity)
        let outStride = hp * wp

        withUnsafeTemporaryAllocation(of: UnsafePointer<Float>.self, capacity: 2 * cin * 3 + cin * 2) { tableBuf in
            let table = tableBuf.baseAddress!, edgeTable = table + cin * 3
            let prefetchRows = table + 2 * cin * 3
            for j in 0..<cin * 3 { edgeTable[j] = UnsafePointer(edge + j * lay.edgeLength) }

            // The finished pooled row being written out (−1: none), block by block: a block is
            // one w × w transpose (channel vector cv, pooled columns from w·pb), block index
            // cv·pxBlocks + pb; the columns past the whole blocks and a partial channel vector
            // go with the last.
            var pending = -1, nextBlock = 0
            let pxBlocks = wp / w, fullPx = pxBlocks * w, blocks = cout / w * pxBlocks

            /// The pending row's next block (or, when none is left, what remains of it).
            func emitBlock() {
                let w = V.scalarCount, gw = 3 * w
                let src = UnsafePointer(pooled + (pending & 1) * pooledCount)
                let dst = a.output + pending * wp
                if nextBlock < blocks {
                    let cv = nextBlock / pxBlocks, px = (nextBlock - cv * pxBlocks) * w
                    let c0 = cv * w
                    I.transpose(src + (c0 / gw) * gw * wp + c0 % gw + px * gw, gw, dst + c0 * outStride + px, outStride)
                    nextBlock += 1
                    return
                }
                for c in 0..<cout {
                    let o = dst + c * outStride, row = src + (c / gw) * gw * wp + c % gw
                    for px in (c < cout / w * w ? fullPx : 0)..<wp { o[px] = row[px * gw] }
                }
                pending = -1
            }

            /// Finishes the pending row.
            func flush() {
                while pending >= 0 { emitBlock() }
            }

            /// Conv row `r`, pooled horizontally, into pooled row `first` (max with it when
            /// `firstMax`) and, when given, pooled row `second` (stored).
            func convRow(_ r: Int, _ first: UnsafeMutablePointer<Float>?, _ firstMax: Bool,
                         _ second: UnsafeMutablePointer<Float>?) {
                // Not the captured values: those are opaque here, and every offset would be a register.
                let w = V.scalarCount, gw = 3 * w
                let late = E.self == ReLUActivation.self || E.self == NoActivation.self
                for c in 0..<cin {
                    for ky in 0..<3 {
                        let iy = 2 * r + ky - 1
                        table[c * 3 + ky] = iy >= 0 && iy < g.height
                            ? a.input + (c * g.height + iy) * g.width : UnsafePointer(zero)
                    }
                }
                // The two input rows per channel that conv row r + 1 adds, brought in a tile's
                // worth ahead: a row's first lines otherwise miss at the left edge (past the
                // last row: the zero row, already in cache).
                for c in 0..<cin {
                    for k in 0..<2 {
                        let iy = 2 * r + 2 + k
                        prefetchRows[c * 2 + k] = iy < g.height ? a.input + (c * g.height + iy) * g.width : UnsafePointer(zero)
                    }
                }
                // Locals, not captures: a capture is reloaded after every store through a pointer.
                let width = g.width, rowTaps = cin * 3, prefetchCount = cin * 2
                let outStride = outStride, wpL = wp, blocksL = blocks, pxBlocksL = pxBlocks
                // The finished pooled row's transposes, one block per tile (see `emitBlock`):
                // block `blk` is channel vector `cv`, pooled columns from `w·pb`.
                var blk = pending >= 0 ? nextBlock : blocksL
                var cv = pxBlocksL > 0 ? blk / pxBlocksL : 0, pb = blk - cv * pxBlocksL
                let pSrc = UnsafePointer(pooled + (pending & 1) * pooledCount)
                let pDst = a.output + Swift.max(pending, 0) * wpL
                var tSrc = pSrc + (cv / 3) * gw * wpL + (cv % 3) * w + pb * w * gw
                var tDst = pDst + cv * w * outStride + pb * w
                for gi in 0..<groups {
                    let gwts = UnsafePointer(wts + gi * taps * gw)
                    let b0: V = vload(bias + gi * gw), b1: V = vload(bias + gi * gw + w)
                    let b2: V = vload(bias + gi * gw + 2 * w)
                    let firstG = first.map { $0 + gi * gw * wp }, secondG = second.map { $0 + gi * gw * wp }
                    var k0 = ninf, k1 = ninf, k2 = ninf
                    var ox = 0
                    while ox < wc {
                        // Input columns 2·ox − 1 … 2·ox + 7; tiles reaching outside read edge rows.
                        let x0 = 2 * ox - 1
                        var tbl = UnsafePointer(table), x = x0
                        if x0 < 0 || x0 + 9 > width {
                            for j in 0..<rowTaps {
                                let src = table[j], dst = edge + j * lay.edgeLength
                                if x0 == -1 && width >= 8 {
                                    dst[0] = 0
                                    for m in 0..<8 { dst[m + 1] = src[m] }
                                } else {
                                    for m in 0..<9 {
                                        let xi = x0 + m
                                        dst[m] = xi >= 0 && xi < width ? src[xi] : 0
                                    }
                                }
                            }
                            tbl = UnsafePointer(edgeTable); x = 0
                        }
                        var a00 = b0, a01 = b1, a02 = b2, a10 = b0, a11 = b1, a12 = b2
                        var a20 = b0, a21 = b1, a22 = b2, a30 = b0, a31 = b1, a32 = b2
                        var wq = gwts
                        for j in 0..<rowTaps {
                            let q = tbl[j] + x
                            @inline(__always) func tap(_ kx: Int) {
                                let w0: V = vload(wq), w1: V = vload(wq + w), w2: V = vload(wq + 2 * w)
                                var v = I.broadcast(q + kx)
                                a00 = I.fma(a00, v, w0); a01 = I.fma(a01, v, w1); a02 = I.fma(a02, v, w2)
                                v = I.broadcast(q + kx + 2)
                                a10 = I.fma(a10, v, w0); a11 = I.fma(a11, v, w1); a12 = I.fma(a12, v, w2)
                                v = I.broadcast(q + kx + 4)
                                a20 = I.fma(a20, v, w0); a21 = I.fma(a21, v, w1); a22 = I.fma(a22, v, w2)
                                v = I.broadcast(q + kx + 6)
                                a30 = I.fma(a30, v, w0); a31 = I.fma(a31, v, w1); a32 = I.fma(a32, v, w2)
                                wq += gw
                            }
                            tap(0); tap(1); tap(2)
                        }
                        if !late {
                            a00 = E.apply(I.self, a00, act); a01 = E.apply(I.self, a01, act); a02 = E.apply(I.self, a02, act)
                            a10 = E.apply(I.self, a10, act); a11 = E.apply(I.self, a11, act); a12 = E.apply(I.self, a12, act)
                            a20 = E.apply(I.self, a20, act); a21 = E.apply(I.self, a21, act); a22 = E.apply(I.self, a22, act)
                            a30 = E.apply(I.self, a30, act); a31 = E.apply(I.self, a31, act); a32 = E.apply(I.self, a32, act)
                        }
                        // Columns past the map (the last tile) join no window.
                        if ox + 4 > wc {
                            if ox + 1 >= wc { a10 = ninf; a11 = ninf; a12 = ninf }
                            if ox + 2 >= wc { a20 = ninf; a21 = ninf; a22 = ninf }
                            a30 = ninf; a31 = ninf; a32 = ninf
                        }
                        let h00 = I.poolMax(I.poolMax(k0, a00), a10), h01 = I.poolMax(I.poolMax(k1, a01), a11)
                        let h02 = I.poolMax(I.poolMax(k2, a02), a12)
                        let h10 = I.poolMax(I.poolMax(a10, a20), a30), h11 = I.poolMax(I.poolMax(a11, a21), a31)
                        let h12 = I.poolMax(I.poolMax(a12, a22), a32)
                        k0 = a30; k1 = a31; k2 = a32
                        let px = ox / 2
                        let two = ox + 2 < wc   // pooled column px + 1 exists
                        @inline(__always) func put(_ p: UnsafeMutablePointer<Float>, _ isMax: Bool) {
                            // A monotone activation (ReLU, none) goes on the first store of each
                            // pooled value only: max(f(a), b) = f(max(a, b)) for those.
                            let d = p + px * gw
                            if isMax {
                                vstore(I.maxLoad(h00, d), d); vstore(I.maxLoad(h01, d + w), d + w)
                                vstore(I.maxLoad(h02, d + 2 * w), d + 2 * w)
                                if two {
                                    vstore(I.maxLoad(h10, d + gw), d + gw)
                                    vstore(I.maxLoad(h11, d + gw + w), d + gw + w)
                                    vstore(I.maxLoad(h12, d + gw + 2 * w), d + gw + 2 * w)
                                }
                            } else if late {
                                vstore(E.apply(I.self, h00, act), d); vstore(E.apply(I.self, h01, act), d + w)
                                vstore(E.apply(I.self, h02, act), d + 2 * w)
                                if two {
                                    vstore(E.apply(I.self, h10, act), d + gw); vstore(E.apply(I.self, h11, act), d + gw + w)
                                    vstore(E.apply(I.self, h12, act), d + gw + 2 * w)
                                }
                            } else {
                                vstore(h00, d); vstore(h01, d + w); vstore(h02, d + 2 * w)
                                if two { vstore(h10, d + gw); vstore(h11, d + gw + w); vstore(h12, d + gw + 2 * w) }
                            }
                        }
                        if let firstG { put(firstG, firstMax) }
                        if let secondG { put(secondG, false) }
                        // One block of the finished pooled row per tile: its stores, which
                        // miss the cache, drain while the next tile computes.
                        if blk < blocksL {   // emitBlock's common case, without the call
                            I.transpose(tSrc, gw, tDst, outStride)
                            blk += 1; pb += 1
                            if pb < pxBlocksL {
                                tSrc += w * gw; tDst += w
                            } else {
                                pb = 0; cv += 1
                                tSrc = pSrc + (cv / 3) * gw * wpL + (cv % 3) * w
                                tDst = pDst + cv * w * outStride
                            }
                        } else if pending >= 0 {
                            nextBlock = blk
                            emitBlock()
                        }
                        // One prefetch per cache line (16 floats: two tiles).
                        if gi == 0 && ox & 7 == 0 && 2 * ox < width {
                            for j in 0..<prefetchCount { I.prefetch(prefetchRows[j] + 2 * ox) }
                        }
                        ox += 4
                    }
                }
                if pending >= 0 { nextBlock = blk }
            }

            // Conv rows r0…r1 feed pooled rows a.rows: row 2py is the centre of py, an odd
            // row 2py + 1 the last of py and the first of py + 1.
            let p0 = a.rows.lowerBound, p1 = a.rows.upperBound
            let r0 = Swift.max(0, 2 * p0 - 1), r1 = Swift.min(hc - 1, 2 * p1 - 1)
            // A row finished by odd row 2py + 1 is written out during the next (even) row,
            // which writes the other pooled row; the odd row after that reuses its buffer.
            for r in r0...r1 {
                if r % 2 == 0 {
                    let py = r / 2
                    convRow(r, pooled + (py & 1) * pooledCount, r > 0, nil)
                    flush()
                    if r == hc - 1 { pending = py; nextBlock = 0 }
                } else {
                    flush()
                    let lo = (r - 1) / 2, hi = lo + 1
                    convRow(r, lo >= p0 ? pooled + (lo & 1) * pooledCount : nil, true,
                            hi < p1 ? pooled + (hi & 1) * pooledCount : nil)
                    if lo >= p0 { pending = lo; nextBlock = 0 }
                }
            }
            flush()
        }
    }
}
