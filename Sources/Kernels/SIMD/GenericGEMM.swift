/// Rows of the GEMM micro-kernel (output channels per tile). Weights are packed for it once.
public let gemmRowsPerTile = 6

/// One call of the packed GEMM: `C[m, j] = act(bias[m] + Σ_k A[m, k] · B[k, j])` for the
/// columns `columns` (a sub-range, so callers can split work across threads).
public struct GemmArgs {
    public var m: Int
    public var k: Int
    /// `A` packed by `packGemmWeights`: ⌈m/6⌉ panels of `[k][6]`, zero rows past `m`.
    public var a: UnsafePointer<Float>
    /// `⌈m/6⌉·6` biases, zero past `m`.
    public var bias: UnsafePointer<Float>
    public var b: UnsafePointer<Float>
    public var ldb: Int
    public var c: UnsafeMutablePointer<Float>
    public var ldc: Int
    public var columns: Range<Int>
    public var activation: Activation
    /// Indirect B: when set, row `kk` of B starts at `bRows[kk]` (column 0) and `b`/`ldb`
    /// are ignored. Direct convolutions point these at input rows instead of an im2col copy.
    /// Rows need be readable only up to `columns.upperBound` (a partial last strip is copied).
    public var bRows: UnsafePointer<UnsafePointer<Float>>? = nil

    public init(m: Int, k: Int, a: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int,
                columns: Range<Int>, activation: Activation,
                bRows: UnsafePointer<UnsafePointer<Float>>? = nil) {
        self.m = m; self.k = k; self.a = a; self.bias = bias; self.b = b; self.ldb = ldb
        self.c = c; self.ldc = ldc; self.columns = columns; self.activation = activation
        self.bRows = bRows
    }
}

/// Packs a row-major `[m, k]` matrix into ⌈m/6⌉ panels of `[k][6]` (zero-padded rows).
public func packGemmWeights(_ w: UnsafePointer<Float>, m: Int, k: Int) -> [Float] {
    let r = gemmRowsPerTile
    let panels = (m + r - 1) / r
    var packed = [Float](repeating: 0, count: panels * k * r)
    for p in 0..<panels {
        for kk in 0..<k {
            for i in 0..<r where p * r + i < m {
                packed[(p * k + kk) * r + i] = w[(p * r + i) * k + kk]
            }
        }
    }
    return packed
}

public enum GenericGEMM<I: SIMDISA> {
    public typealias V = I.V

    /// 6 rows × 2 vectors of output, all of `k`, bias in the accumulators, activation at store.
    @inlinable @inline(__always)
    static func tile<E: Epilogue>(_: E.Type, k: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, ldb: Int,
                     c: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>,
                     act: Activation) {
        let w = V.scalarCount
        var c00 = V(repeating: bias[0]), c01 = c00
        var c10 = V(repeating: bias[1]), c11 = c10
        var c20 = V(repeating: bias[2]), c21 = c20
        var c30 = V(repeating: bias[3]), c31 = c30
        var c40 = V(repeating: bias[4]), c41 = c40
        var c50 = V(repeating: bias[5]), c51 = c50
        var ap = a, bp = b
        for _ in 0..<k {
            let b0: V = vload(bp), b1: V = vload(bp + w)
            var av = V(repeating: ap[0]); c00 = I.fma(c00, av, b0); c01 = I.fma(c01, av, b1)
            av = V(repeating: ap[1]); c10 = I.fma(c10, av, b0); c11 = I.fma(c11, av, b1)
            av = V(repeating: ap[2]); c20 = I.fma(c20, av, b0); c21 = I.fma(c21, av, b1)
            av = V(repeating: ap[3]); c30 = I.fma(c30, av, b0); c31 = I.fma(c31, av, b1)
            av = V(repeating: ap[4]); c40 = I.fma(c40, av, b0); c41 = I.fma(c41, av, b1)
            av = V(repeating: ap[5]); c50 = I.fma(c50, av, b0); c51 = I.fma(c51, av, b1)
            ap += 6; bp += ldb
        }
        var cp = c
        vstore(E.apply(I.self, c00, act), cp); vstore(E.apply(I.self, c01, act), cp + w); cp += ldc
        vstore(E.apply(I.self, c10, act), cp); vstore(E.apply(I.self, c11, act), cp + w); cp += ldc
        vstore(E.apply(I.self, c20, act), cp); vstore(E.apply(I.self, c21, act), cp + w); cp += ldc
        vstore(E.apply(I.self, c30, act), cp); vstore(E.apply(I.self, c31, act), cp + w); cp += ldc
        vstore(E.apply(I.self, c40, act), cp); vstore(E.apply(I.self, c41, act), cp + w); cp += ldc
        vstore(E.apply(I.self, c50, act), cp); vstore(E.apply(I.self, c51, act), cp + w)
    }

    /// Full panels of 2 vectors go straight to `C`; partial rows or columns go through a
    /// zero-padded scratch tile, so every size runs the same micro-kernel.
    @inlinable
    public static func gemm(_ g: GemmArgs) {
        switch g.activation {
        case .none: gemm(g, NoActivation.self)
        case .relu: gemm(g, ReLUActivation.self)
        default: gemm(g, AnyActivation.self)
        }
    }

    /// The micro-kernel of `tile` with B rows taken from a pointer table (column offset `j`).
    @inlinable @inline(__always)
    static func tileIndirect<E: Epilogue>(_: E.Type, k: Int, a: UnsafePointer<Float>,
                                          rows: UnsafePointer<UnsafePointer<Float>>, j: Int,
                                          c: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>,
                                          act: Activation) {
        let w = V.scalarCount
        var c00 = V(repeating: bias[0]), c01 = c00
        var c10 = V(repeating: bias[1]), c11 = c10
        var c20 = V(repeating: bias[2]), c21 = c20
        var c30 = V(repeating: bias[3]), c31 = c30
        var c40 = V(repeating: bias[4]), c41 = c40
        var c50 = V(repeating: bias[5]), c51 = c50
        var ap = a
        for kk in 0..<k {
            let bp = rows[kk] + j
            let b0: V = vload(bp), b1: V = vload(bp + w)
            var av = V(repeating: ap[0]); c00 = I.fma(c00, av, b0); c01 = I.fma(c01, av, b1)
            av = V(repeating: ap[1]); c10 = I.fma(c10, av, b0); c11 = I.fma(c11, av, b1)
            av = V(repeating: ap[2]); c20 = I.fma(c20, av, b0); c21 = I.fma(c21, av, b1)
            av = V(repeating: ap[3]); c30 = I.fma(c30, av, b0); c31 = I.fma(c31, av, b1)
            av = V(repeating: ap[4]); c40 = I.fma(c40, av, b0); c41 = I.fma(c41, av, b1)
            av = V(repeating: ap[5]); c50 = I.fma(c50, av, b0); c51 = I.fma(c51, av, b1)
            ap += 6
        }
        var cp = c
        vstore(E.apply(I.self, c00, act), cp); vstore(E.apply(I.self, c01, act), cp + w); cp += ldc
        vstore(E.apply(I.self, c10, act), cp); vstore(E.apply(I.self, c11, act), cp + w); cp += ldc
        vstore(E.apply(I.self, c20, act), cp); vstore(E.apply(I.self, c21, act), cp + w); cp += ldc
        vstore(E.apply(I.self, c30, act), cp); vstore(E.apply(I.self, c31, act), cp + w); cp += ldc
        vstore(E.apply(I.self, c40, act), cp); vstore(E.apply(I.self, c41, act), cp + w); cp += ldc
        vstore(E.apply(I.self, c50, act), cp); vstore(E.apply(I.self, c51, act), cp + w)
    }

    /// Indirect B (row pointers). Strips of B are packed contiguously first when several
    /// panels reuse them and the rows spread over more than 64 KB (1×1 convolutions over
    /// channel planes, maybe from many buffers: k-steps would touch many pages); the direct
    /// stem's split rows sit close together and are read in place.
    @inlinable
    static func gemmIndirect<E: Epilogue>(_ g: GemmArgs, _ rows: UnsafePointer<UnsafePointer<Float>>, _ e: E.Type) {
        let r = gemmRowsPerTile
        let nr = 2 * V.scalarCount
        let panels = (g.m + r - 1) / r
        var lowest = rows[0], highest = rows[0]
        for kk in 1..<Swift.max(1, g.k) { lowest = Swift.min(lowest, rows[kk]); highest = Swift.max(highest, rows[kk]) }
        let pack = panels >= 2 && highest - lowest >= 16384
        // A partial last strip is always packed (zero-padded): rows need no slack past the columns.
        withUnsafeTemporaryAllocation(of: Float.self, capacity: r * nr + g.k * nr) { tmpBuf in
            let tmp = tmpBuf.baseAddress!
            let bt = tmp + r * nr
            var j = g.columns.lowerBound
            while j < g.columns.upperBound {
                let width = Swift.min(nr, g.columns.upperBound - j)
                let packed = pack || width < nr
                if packed {
                    var row = bt
                    if width == nr {
                        for kk in 0..<g.k {
                            let src = rows[kk] + j
                            let v0: V = vload(src), v1: V = vload(src + V.scalarCount)
                            vstore(v0, row); vstore(v1, row + V.scalarCount)
                            row += nr
                        }
                    } else {
                        for kk in 0..<g.k {
                            row.update(from: rows[kk] + j, count: width)
                            (row + width).update(repeating: 0, count: nr - width)
                            row += nr
                        }
                    }
                }
                for p in 0..<panels {
                    let a = g.a + p * g.k * r
                    let bias = g.bias + p * r
                    let validRows = Swift.min(r, g.m - p * r)
                    let full = validRows == r && width == nr
                    let c = full ? g.c + p * r * g.ldc + j : tmp
                    let ldc = full ? g.ldc : nr
                    if packed {
                        tile(E.self, k: g.k, a: a, b: UnsafePointer(bt), ldb: nr, c: c, ldc: ldc, bias: bias, act: g.activation)
                    } else {
                        tileIndirect(E.self, k: g.k, a: a, rows: rows, j: j, c: c, ldc: ldc, bias: bias, act: g.activation)
                    }
                    if !full {
                        for i in 0..<validRows {
                            (g.c + (p * r + i) * g.ldc + j).update(from: tmp + i * nr, count: width)
                        }
                    }
                }
                j += nr
            }
        }
    }

    @inlinable
    static func gemm<E: Epilogue>(_ g: GemmArgs, _ e: E.Type) {
        if let rows = g.bRows { gemmIndirect(g, rows, E.self); return }
        let r = gemmRowsPerTile
        let nr = 2 * V.scalarCount
        let panels = (g.m + r - 1) / r
        withUnsafeTemporaryAllocation(of: Float.self, capacity: r * nr) { tmpBuf in
            let tmp = tmpBuf.baseAddress!
            func rows(b: UnsafePointer<Float>, ldb: Int, column j: Int, width: Int) {
                for p in 0..<panels {
                    let a = g.a + p * g.k * r
                    let bias = g.bias + p * r
                    let validRows = Swift.min(r, g.m - p * r)
                    if validRows == r && width == nr {
                        tile(E.self, k: g.k, a: a, b: b, ldb: ldb, c: g.c + p * r * g.ldc + j, ldc: g.ldc,
                             bias: bias, act: g.activation)
                    } else {
                        tile(E.self, k: g.k, a: a, b: b, ldb: ldb, c: tmp, ldc: nr, bias: bias, act: g.activation)
                        for i in 0..<validRows {
                            (g.c + (p * r + i) * g.ldc + j).update(from: tmp + i * nr, count: width)
                        }
                    }
                }
            }
            // A panel of B (k rows × 2 vectors) is packed contiguously when its rows are a
            // multiple of 512 bytes apart (feature maps of 36×64, 72×128, …: such rows share
            // few L1 sets and every k-step would be a conflict miss), or when 8+ tiles reuse it.
            withUnsafeTemporaryAllocation(of: Float.self, capacity: g.k * nr) { bBuf in
                let bt = bBuf.baseAddress!
                var j = g.columns.lowerBound
                while j < g.columns.upperBound {
                    let width = Swift.min(nr, g.columns.upperBound - j)
                    if width == nr && g.ldb % 128 != 0 {
                        // Rows spread over cache sets and few tiles reuse the panel: read B in place.
                        rows(b: g.b + j, ldb: g.ldb, column: j, width: nr)
                        j += nr
                        continue
                    }
                    var src = g.b + j
                    var row = bt
                    if width == nr {
                        for _ in 0..<g.k {
                            let v0: V = vload(src), v1: V = vload(src + V.scalarCount)
                            vstore(v0, row); vstore(v1, row + V.scalarCount)
                            src += g.ldb; row += nr
                        }
                    } else {
                        for _ in 0..<g.k {
                            row.update(from: src, count: width)
                            (row + width).update(repeating: 0, count: nr - width)
                            src += g.ldb; row += nr
                        }
                    }
                    rows(b: bt, ldb: nr, column: j, width: width)
                    j += nr
                }
            }
        }
    }
}
