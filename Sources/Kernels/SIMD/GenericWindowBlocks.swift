/// Register-blocked depthwise micro-kernels (3×3 and 5×5) for `GenericWindow`: a block of
/// `R` output rows × `NV` vectors of columns keeps its `R·NV ≤ 12` sums in registers, one
/// broadcast weight feeds all of them (the block's shape is a type, so its sizes are
/// constants in each specialization).

/// A block shape of the depthwise micro-kernels: `rows` output rows × `vectors` vectors of
/// columns (1, 2 or 4): 4 vectors up to 2 rows, fewer up to 6 rows (12 accumulators).
@usableFromInline protocol WindowBlock {
    static var rows: Int { get }
    static var vectors: Int { get }
}
@usableFromInline enum WindowBlock2x4: WindowBlock {
    @inlinable static var rows: Int { 2 }
    @inlinable static var vectors: Int { 4 }
}
@usableFromInline enum WindowBlock1x4: WindowBlock {
    @inlinable static var rows: Int { 1 }
    @inlinable static var vectors: Int { 4 }
}
@usableFromInline enum WindowBlock6x2: WindowBlock {
    @inlinable static var rows: Int { 6 }
    @inlinable static var vectors: Int { 2 }
}
@usableFromInline enum WindowBlock3x2: WindowBlock {
    @inlinable static var rows: Int { 3 }
    @inlinable static var vectors: Int { 2 }
}
@usableFromInline enum WindowBlock1x2: WindowBlock {
    @inlinable static var rows: Int { 1 }
    @inlinable static var vectors: Int { 2 }
}
@usableFromInline enum WindowBlock6x1: WindowBlock {
    @inlinable static var rows: Int { 6 }
    @inlinable static var vectors: Int { 1 }
}
@usableFromInline enum WindowBlock3x1: WindowBlock {
    @inlinable static var rows: Int { 3 }
    @inlinable static var vectors: Int { 1 }
}
@usableFromInline enum WindowBlock1x1: WindowBlock {
    @inlinable static var rows: Int { 1 }
    @inlinable static var vectors: Int { 1 }
}

extension GenericWindow {
    /// `a…d += wv · (the n consecutive vectors at p)`, the first `n` of them.
    @inlinable @inline(__always)
    static func fmaLoads(_ n: Int, _ p: UnsafePointer<Float>, _ wv: V, _ a: inout V, _ b: inout V, _ c: inout V,
                         _ d: inout V) {
        let w = V.scalarCount
        a = I.fma(a, wv, vload(p))
        if n > 1 { b = I.fma(b, wv, vload(p + w)) }
        if n > 2 { c = I.fma(c, wv, vload(p + 2 * w)) }
        if n > 3 { d = I.fma(d, wv, vload(p + 3 * w)) }
    }

    /// Stores the first `n` of `a…d` (activated) as consecutive vectors at `out`, only the
    /// first `cols` floats (a partial vector through `tmp`).
    @inlinable @inline(__always)
    static func putGroup<E: Epilogue>(_ e: E.Type, _ n: Int, _ a: V, _ b: V, _ c: V, _ d: V, _ act: Activation,
                                      _ out: UnsafeMutablePointer<Float>, _ cols: Int, _ tmp: UnsafeMutablePointer<Float>) {
        let w = V.scalarCount
        @inline(__always) func put(_ v: V, _ j: Int) {
            let m = cols - j * w
            if m >= w {
                vstore(E.apply(I.self, v, act), out + j * w)
            } else if m > 0 {
                vstore(E.apply(I.self, v, act), tmp)
                (out + j * w).update(from: UnsafePointer(tmp), count: m)
            }
        }
        put(a, 0)
        if n > 1 { put(b, 1) }
        if n > 2 { put(c, 2) }
        if n > 3 { put(d, 3) }
    }

    /// A 4-vector block of at most 2 rows (`B`): every input row's four vectors per tap are
    /// loaded once into registers and feed both output rows (a0…a3, a4…a7). With 12 sums
    /// (3 rows) the loaded vectors spilled, and with sums fed straight from memory the ReLU
    /// specialization spilled as well.
    @inlinable @inline(__always)
    static func s1BlockShared<E: Epilogue, K: WindowSize, B: WindowBlock>(_ e: E.Type, _ kt: K.Type, _ bt: B.Type,
                                                                        _ src: UnsafePointer<Float>, _ wp: Int,
                                                                        _ wts: UnsafePointer<Float>, _ bias: Float,
                                                                        _ act: Activation, _ dst: UnsafeMutablePointer<Float>,
                                                                        _ wo: Int, _ cols: Int, _ tmp: UnsafeMutablePointer<Float>) {
        let k = K.k, w = V.scalarCount
        let R = B.rows
        var a0 = V(repeating: bias), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0
        // 5×5: three loops (measured 5 % faster); 3×3: one loop with per-row tests (the
        // three loops were 15 % slower there).
        if k == 5 {
            // Input row r feeds output row o with weight row r − o when that is in 0..<k: row 0
            // only the first output row, rows 1..<k both (R = 2), row k only the second; three
            // loops, so the taps carry no per-row tests.
            for r in 0..<(R > 1 ? 1 : k) {
                let row = src + r * wp
                for kx in 0..<k {
                    let p = row + kx
                    let wv = V(repeating: wts[r * k + kx])
                    a0 = I.fma(a0, wv, vload(p)); a1 = I.fma(a1, wv, vload(p + w))
                    a2 = I.fma(a2, wv, vload(p + 2 * w)); a3 = I.fma(a3, wv, vload(p + 3 * w))
                }
            }
            if R > 1 {
                for r in 1..<k {
                    let row = src + r * wp
                    for kx in 0..<k {
                        let p = row + kx
                        let x0: V = vload(p), x1: V = vload(p + w), x2: V = vload(p + 2 * w), x3: V = vload(p + 3 * w)
                        let wv = V(repeating: wts[r * k + kx])
                        a0 = I.fma(a0, wv, x0); a1 = I.fma(a1, wv, x1); a2 = I.fma(a2, wv, x2); a3 = I.fma(a3, wv, x3)
                        let wu = V(repeating: wts[(r - 1) * k + kx])
                        a4 = I.fma(a4, wu, x0); a5 = I.fma(a5, wu, x1); a6 = I.fma(a6, wu, x2); a7 = I.fma(a7, wu, x3)
                    }
                }
                let row = src + k * wp
                for kx in 0..<k {
                    let p = row + kx
                    let wu = V(repeating: wts[(k - 1) * k + kx])
                    a4 = I.fma(a4, wu, vload(p)); a5 = I.fma(a5, wu, vload(p + w))
                    a6 = I.fma(a6, wu, vload(p + 2 * w)); a7 = I.fma(a7, wu, vload(p + 3 * w))
                }
            }
        } else {
            // Input row r feeds output row o with weight row r − o when that is in 0..<k.
            for r in 0..<(R + k - 1) {
                let row = src + r * wp
                let u0 = r < k, u1 = R > 1 && r >= 1
                for kx in 0..<k {
                    let p = row + kx
                    let x0: V = vload(p), x1: V = vload(p + w), x2: V = vload(p + 2 * w), x3: V = vload(p + 3 * w)
                    if u0 {
                        let wv = V(repeating: wts[r * k + kx])
                        a0 = I.fma(a0, wv, x0); a1 = I.fma(a1, wv, x1); a2 = I.fma(a2, wv, x2); a3 = I.fma(a3, wv, x3)
                    }
                    if u1 {
                        let wv = V(repeating: wts[(r - 1) * k + kx])
                        a4 = I.fma(a4, wv, x0); a5 = I.fma(a5, wv, x1); a6 = I.fma(a6, wv, x2); a7 = I.fma(a7, wv, x3)
                    }
                }
            }
        }
        putGroup(E.self, 4, a0, a1, a2, a3, act, dst, cols, tmp)
        if R > 1 { putGroup(E.self, 4, a4, a5, a6, a7, act, dst + wo, cols, tmp) }
    }

    /// One block of a stride-1 depthwise convolution (k = 3 or 5) of shape `B`. `src` is the
    /// zero-padded plane at the block's first tap (padded row `oy`, padded column `ox`), `wp`
    /// its row stride; `dst` the output at `(oy, ox)`, `wo` its row stride; only the first
    /// `cols` columns are stored. 4-vector blocks share each row's loads (`s1BlockShared`),
    /// narrower ones run `blockFromMemory`.
    @inlinable @inline(__always)
    static func s1Block<E: Epilogue, K: WindowSize, B: WindowBlock>(_ e: E.Type, _ kt: K.Type, _ bt: B.Type,
                                                                  _ src: UnsafePointer<Float>, _ wp: Int,
                                                                  _ wts: UnsafePointer<Float>, _ bias: Float,
                                                                  _ act: Activation, _ dst: UnsafeMutablePointer<Float>,
                                                                  _ wo: Int, _ cols: Int, _ tmp: UnsafeMutablePointer<Float>) {
        if B.vectors == 4 {
            s1BlockShared(E.self, K.self, B.self, src, wp, wts, bias, act, dst, wo, cols, tmp)
        } else {
            blockFromMemory(E.self, K.self, B.self, src, rowStep: wp, kyStep: wp, oddOffset: 0, split: false,
                            wts, bias, act, dst, wo, cols, tmp)
        }
    }

    /// One block of shape `B` (k = 3 or 5) with every FMA reading its input from memory and
    /// one broadcast weight per tap for all sums. Stride 1 (`split` false): tap (ky, kx) of
    /// output (0, 0) is at `src + ky·kyStep + kx`. Stride 2 (`split`, the rows split into even
    /// and odd columns, the odd half `oddOffset` floats after the even one): it is at
    /// `src + ky·kyStep + (kx & 1)·oddOffset + kx/2`. Output row o starts `o·rowStep` further.
    /// Output row o keeps its vectors in a(4o)…a(4o+3) in 4-vector blocks, in a(2o), a(2o+1)
    /// otherwise: up to 12 independent sums hide the FMA latency.
    @inlinable @inline(__always)
    static func blockFromMemory<E: Epilogue, K: WindowSize, B: WindowBlock>(
        _ e: E.Type, _ kt: K.Type, _ bt: B.Type, _ src: UnsafePointer<Float>, rowStep: Int, kyStep: Int,
        oddOffset: Int, split: Bool, _ wts: UnsafePointer<Float>, _ bias: Float, _ act: Activation,
        _ dst: UnsafeMutablePointer<Float>, _ wo: Int, _ cols: Int, _ tmp: UnsafeMutablePointer<Float>
    ) {
        let k = K.k
        let R = B.rows, NV = B.vectors
        let wp = rowStep
        var a0 = V(repeating: bias), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0
        var a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0
        var d0 = a0, d1 = a0
        // Tap-major: each broadcast weight meets every output vector of the block, the input
        // read straight from memory by the FMAs (the block needs no more than 13 registers).
        for ky in 0..<k {
            for kx in 0..<k {
                let wv = V(repeating: wts[ky * k + kx])
                let p = src + ky * kyStep + (split ? (kx & 1) * oddOffset + (kx >> 1) : kx)
                fmaLoads(NV, p, wv, &a0, &a1, &a2, &a3)
                if NV == 4 {
                    if R > 1 { fmaLoads(4, p + wp, wv, &a4, &a5, &a6, &a7) }
                    if R > 2 { fmaLoads(4, p + 2 * wp, wv, &a8, &a9, &a10, &a11) }
                } else {
                    if R > 1 { fmaLoads(NV, p + wp, wv, &a2, &a3, &d0, &d1) }
                    if R > 2 { fmaLoads(NV, p + 2 * wp, wv, &a4, &a5, &d0, &d1) }
                    if R > 3 { fmaLoads(NV, p + 3 * wp, wv, &a6, &a7, &d0, &d1) }
                    if R > 4 { fmaLoads(NV, p + 4 * wp, wv, &a8, &a9, &d0, &d1) }
                    if R > 5 { fmaLoads(NV, p + 5 * wp, wv, &a10, &a11, &d0, &d1) }
                }
            }
        }
        putGroup(E.self, NV, a0, a1, a2, a3, act, dst, cols, tmp)
        if NV == 4 {
            if R > 1 { putGroup(E.self, 4, a4, a5, a6, a7, act, dst + wo, cols, tmp) }
            if R > 2 { putGroup(E.self, 4, a8, a9, a10, a11, act, dst + 2 * wo, cols, tmp) }
        } else {
            if R > 1 { putGroup(E.self, NV, a2, a3, d0, d1, act, dst + wo, cols, tmp) }
            if R > 2 { putGroup(E.self, NV, a4, a5, d0, d1, act, dst + 2 * wo, cols, tmp) }
            if R > 3 { putGroup(E.self, NV, a6, a7, d0, d1, act, dst + 3 * wo, cols, tmp) }
            if R > 4 { putGroup(E.self, NV, a8, a9, d0, d1, act, dst + 4 * wo, cols, tmp) }
            if R > 5 { putGroup(E.self, NV, a10, a11, d0, d1, act, dst + 5 * wo, cols, tmp) }
        }
    }

    /// One block at output `(oy, ox)`: stride 1 from the padded plane (row stride `rowStep`),
    /// or stride 2 from the split plane (`split`: output row oy's first tap row at
    /// `oy·rowStep`, even and odd halves `oddOffset` apart, tap rows `kyStep` apart).
    @inlinable @inline(__always)
    static func anyBlock<E: Epilogue, K: WindowSize, B: WindowBlock>(
        _ e: E.Type, _ kt: K.Type, _ bt: B.Type, split: Bool, _ plane: UnsafePointer<Float>, rowStep: Int, kyStep: Int,
        oddOffset: Int, _ oy: Int, _ ox: Int, _ cols: Int, _ wts: UnsafePointer<Float>, _ bias: Float,
        _ act: Activation, _ dst: UnsafeMutablePointer<Float>, _ wo: Int, _ tmp: UnsafeMutablePointer<Float>
    ) {
        let src = plane + oy * rowStep + ox, out = dst + oy * wo + ox
        if split {
            blockFromMemory(E.self, K.self, B.self, src, rowStep: rowStep, kyStep: kyStep, oddOffset: oddOffset,
                            split: true, wts, bias, act, out, wo, cols, tmp)
        } else {
            s1Block(E.self, K.self, B.self, src, rowStep, wts, bias, act, out, wo, cols, tmp)
        }
    }

    /// A strip of `B.vectors` vectors of columns from `ox` (at most `cols` of them stored) over
    /// output rows `rows`: blocks of `B.rows` rows, then at most one of `Bm.rows`, then
    /// single rows (`B1`); all three shapes have the same width.
    @inlinable @inline(__always)
    static func strip<E: Epilogue, K: WindowSize, B: WindowBlock, Bm: WindowBlock, B1: WindowBlock>(
        _ e: E.Type, _ kt: K.Type, _ bt: B.Type, _ bm: Bm.Type, _ b1: B1.Type, split: Bool,
        _ plane: UnsafePointer<Float>, rowStep: Int, kyStep: Int, oddOffset: Int, _ rows: Range<Int>,
        _ ox: Int, _ cols: Int, _ wts: UnsafePointer<Float>, _ bias: Float, _ act: Activation,
        _ dst: UnsafeMutablePointer<Float>, _ wo: Int, _ tmp: UnsafeMutablePointer<Float>
    ) {
        var oy = rows.lowerBound
        while oy + B.rows <= rows.upperBound {
            anyBlock(E.self, K.self, B.self, split: split, plane, rowStep: rowStep, kyStep: kyStep, oddOffset: oddOffset,
                     oy, ox, cols, wts, bias, act, dst, wo, tmp)
            oy += B.rows
        }
        if oy + Bm.rows <= rows.upperBound {
            anyBlock(E.self, K.self, Bm.self, split: split, plane, rowStep: rowStep, kyStep: kyStep, oddOffset: oddOffset,
                     oy, ox, cols, wts, bias, act, dst, wo, tmp)
            oy += Bm.rows
        }
        while oy < rows.upperBound {
            anyBlock(E.self, K.self, B1.self, split: split, plane, rowStep: rowStep, kyStep: kyStep, oddOffset: oddOffset,
                     oy, ox, cols, wts, bias, act, dst, wo, tmp)
            oy += 1
        }
    }

    /// Output rows `rows` of one channel (k = K.k, 3 or 5), in strips of 4 vectors (2 rows per
    /// block), then 2 (6 rows), then 1 (6 rows); a partial last vector reads padding and
    /// stores only the real columns. Stride 1 reads the zero-padded plane (row stride `wp`,
    /// at least `k − 1 + 4·w` floats past the last output column, zero there); stride 2
    /// (`split`) the split plane of `depthwiseS2Split`.
    @inlinable
    static func blockedPlane<E: Epilogue, K: WindowSize>(
        _ e: E.Type, _ kt: K.Type, split: Bool, _ plane: UnsafePointer<Float>, rowStep: Int, kyStep: Int, oddOffset: Int,
        _ rows: Range<Int>, _ wts: UnsafePointer<Float>, _ bias: Float, _ act: Activation,
        _ dst: UnsafeMutablePointer<Float>, _ wo: Int, _ tmp: UnsafeMutablePointer<Float>
    ) {
        let w = V.scalarCount
        var ox = 0
        while ox < wo {
            let left = wo - ox
            if left > 3 * w {
                strip(E.self, K.self, WindowBlock2x4.self, WindowBlock1x4.self, WindowBlock1x4.self, split: split, plane,
                      rowStep: rowStep, kyStep: kyStep, oddOffset: oddOffset, rows, ox, Swift.min(left, 4 * w),
                      wts, bias, act, dst, wo, tmp)
                ox += 4 * w
            } else if left > w {
                strip(E.self, K.self, WindowBlock6x2.self, WindowBlock3x2.self, WindowBlock1x2.self, split: split, plane,
                      rowStep: rowStep, kyStep: kyStep, oddOffset: oddOffset, rows, ox, Swift.min(left, 2 * w),
                      wts, bias, act, dst, wo, tmp)
                ox += 2 * w
            } else {
                strip(E.self, K.self, WindowBlock6x1.self, WindowBlock3x1.self, WindowBlock1x1.self, split: split, plane,
                      rowStep: rowStep, kyStep: kyStep, oddOffset: oddOffset, rows, ox, left, wts, bias, act, dst, wo, tmp)
                ox += w
            }
        }
    }

    /// Stride-1 depthwise of one channel plane from the zero-padded `plane` (see `blockedPlane`).
    @inlinable
    static func s1Plane<E: Epilogue, K: WindowSize>(_ e: E.Type, _ kt: K.Type, _ plane: UnsafePointer<Float>, _ wp: Int,
                                                    _ wts: UnsafePointer<Float>, _ bias: Float, _ act: Activation,
                                                    _ dst: UnsafeMutablePointer<Float>, _ ho: Int, _ wo: Int,
                                                    _ tmp: UnsafeMutablePointer<Float>) {
        blockedPlane(E.self, K.self, split: false, plane, rowStep: wp, kyStep: wp, oddOffset: 0, 0..<ho, wts, bias, act,
                     dst, wo, tmp)
    }

    /// Stride-2 depthwise (k = K.k, 3 or 5) with the same contract as `depthwiseS2` (bands
    /// included). Each input row a channel's outputs read is split straight from the source
    /// into its even and odd padded columns (`splitStore`: two loads, two shuffles and two
    /// stores per 2·w floats; a scalar tail), one split row of `2·wq` floats per padded row;
    /// tap (ky, kx) of a vector of outputs is then one plain load at column kx/2 of the even
    /// (kx even) or odd half, and the blocks run as for stride 1 (no shuffle per tap). The
    /// padding cells of the split rows are never written: they stay zero from the clear below
    /// (or from the banded caller's zeroed work space). An earlier version copied each row
    /// into a zero-padded line first and split that: twice the loads and stores.
    @inlinable
    static func depthwiseS2Split<E: Epilogue, K: WindowSize>(_ e: E.Type, _ kt: K.Type, _ a: WindowArgs,
                                                             _ weights: UnsafePointer<Float>,
                                                             _ buf: UnsafeMutablePointer<Float>) {
        let g = a.geometry
        let w = V.scalarCount, k = K.k
        let p = g.padding, width = g.width, height = g.height
        let ho = g.outHeight, wo = g.outWidth
        let hp = height + 2 * p
        // Split columns the blocks read (whole vectors past the last output plus k/2 taps),
        // in whole 16-float units whatever the vector width: 2·wq ≤ 2·wo + k + 62 floats a
        // padded row, within the padded plane's row of `windowScratchCount`. A source row
        // fills indices below width/2 + p + 1 ≤ wo + k/2 + 1 ≤ wq of either half.
        let wq = ((wo + 15) / 16 * 16 + k / 2 + 1 + 15) / 16 * 16
        let wp = width + 2 * p + 4 * 16 + 8
        let plane = buf, tmp = buf + hp * wp
        if a.outputRows == nil { plane.update(repeating: 0, count: hp * 2 * wq) }
        let rows = a.outputRows ?? 0..<ho
        guard !rows.isEmpty else { return }
        let yA = Swift.max(0, 2 * rows.lowerBound - p), yB = Swift.min(height, 2 * (rows.upperBound - 1) - p + k)
        // Source column x is padded column x + p: half (x + p) & 1 (odd half wq floats
        // on), index (x + p) >> 1. Even source columns all go to one half, odd ones to the other.
        let evenAt = (p & 1) * wq + p / 2, oddAt = ((p + 1) & 1) * wq + (p + 1) / 2
        for c in a.channelRange {
            let src = a.plane(c)
            for y in yA..<Swift.max(yA, yB) {
                let from = src + (y - a.firstInputRow) * width
                let row = plane + (y + p) * 2 * wq
                var x = 0
                while x + 2 * w <= width {
                    I.splitStore(from + x, row + evenAt + x / 2, row + oddAt + x / 2)
                    x += 2 * w
                }
                while x < width {
                    let col = x + p
                    row[(col & 1) * wq + (col >> 1)] = from[x]
                    x += 1
                }
            }
            blockedPlane(E.self, K.self, split: true, UnsafePointer(plane), rowStep: 4 * wq, kyStep: 2 * wq,
                         oddOffset: wq, rows, weights + c * k * k, a.bias?[c] ?? 0, a.activation,
                         a.output + c * ho * wo, wo, tmp)
        }
    }
}
