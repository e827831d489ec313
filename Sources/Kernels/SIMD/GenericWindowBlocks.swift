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
        putGroup(E.self, 4, a0, a1, a2, a3, act, dst, cols, tmp)
        if R > 1 { putGroup(E.self, 4, a4, a5, a6, a7, act, dst + wo, cols, tmp) }
    }

    /// One block of a stride-1 depthwise convolution (k = 3 or 5) of shape `B`. `src` is the
    /// zero-padded plane at the block's first tap (padded row `oy`, padded column `ox`), `wp`
    /// its row stride; `dst` the output at `(oy, ox)`, `wo` its row stride; only the first
    /// `cols` columns are stored. Output row o keeps its vectors in a(4o)…a(4o+3) in 4-vector
    /// blocks, in a(2o), a(2o+1) otherwise: 12 independent sums hide the FMA latency (8 did
    /// not: each sum's k² FMAs are a chain of 4-cycle steps; and 12 sums plus 4 loaded input
    /// vectors spilled).
    @inlinable @inline(__always)
    static func s1Block<E: Epilogue, K: WindowSize, B: WindowBlock>(_ e: E.Type, _ kt: K.Type, _ bt: B.Type,
                                                                  _ src: UnsafePointer<Float>, _ wp: Int,
                                                                  _ wts: UnsafePointer<Float>, _ bias: Float,
                                                                  _ act: Activation, _ dst: UnsafeMutablePointer<Float>,
                                                                  _ wo: Int, _ cols: Int, _ tmp: UnsafeMutablePointer<Float>) {
        let k = K.k, w = V.scalarCount
        let R = B.rows, NV = B.vectors
        if NV == 4 {
            s1BlockShared(E.self, K.self, B.self, src, wp, wts, bias, act, dst, wo, cols, tmp)
            return
        }
        var a0 = V(repeating: bias), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0
        var a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0
        var d0 = a0, d1 = a0
        // Tap-major: each broadcast weight meets every output vector of the block, the input
        // read straight from memory by the FMAs (the block needs no more than 13 registers).
        for ky in 0..<k {
            for kx in 0..<k {
                let wv = V(repeating: wts[ky * k + kx])
                let p = src + ky * wp + kx
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

    /// A strip of `B.vectors` vectors of columns from `ox` (at most `cols` of them stored) over
    /// all output rows: blocks of `B.rows` rows, then at most one of `Bm.rows`, then single
    /// rows (`B1`); all three shapes have the same width.
    @inlinable @inline(__always)
    static func s1Strip<E: Epilogue, K: WindowSize, B: WindowBlock, Bm: WindowBlock, B1: WindowBlock>(
        _ e: E.Type, _ kt: K.Type, _ bt: B.Type, _ bm: Bm.Type, _ b1: B1.Type, _ plane: UnsafePointer<Float>, _ wp: Int,
        _ ox: Int, _ cols: Int, _ wts: UnsafePointer<Float>, _ bias: Float, _ act: Activation,
        _ dst: UnsafeMutablePointer<Float>, _ ho: Int, _ wo: Int, _ tmp: UnsafeMutablePointer<Float>
    ) {
        var oy = 0
        while oy + B.rows <= ho {
            s1Block(E.self, K.self, B.self, plane + oy * wp + ox, wp, wts, bias, act, dst + oy * wo + ox, wo, cols, tmp)
            oy += B.rows
        }
        if oy + Bm.rows <= ho {
            s1Block(E.self, K.self, Bm.self, plane + oy * wp + ox, wp, wts, bias, act, dst + oy * wo + ox, wo, cols, tmp)
            oy += Bm.rows
        }
        while oy < ho {
            s1Block(E.self, K.self, B1.self, plane + oy * wp + ox, wp, wts, bias, act, dst + oy * wo + ox, wo, cols, tmp)
            oy += 1
        }
    }

    /// Stride-1 depthwise of one channel plane, `k = K.k` (3 or 5), from the zero-padded
    /// `plane` (row stride `wp`, at least `k − 1 + 4·w` floats past the last output column,
    /// zero there): strips of 4 vectors (2 rows per block), then 2 (6 rows), then 1 (6 rows);
    /// a partial last vector reads padding and stores only the real columns.
    @inlinable
    static func s1Plane<E: Epilogue, K: WindowSize>(_ e: E.Type, _ kt: K.Type, _ plane: UnsafePointer<Float>, _ wp: Int,
                                                    _ wts: UnsafePointer<Float>, _ bias: Float, _ act: Activation,
                                                    _ dst: UnsafeMutablePointer<Float>, _ ho: Int, _ wo: Int,
                                                    _ tmp: UnsafeMutablePointer<Float>) {
        let w = V.scalarCount
        var ox = 0
        while ox < wo {
            let left = wo - ox
            if left > 3 * w {
                s1Strip(E.self, K.self, WindowBlock2x4.self, WindowBlock1x4.self, WindowBlock1x4.self, plane, wp, ox, Swift.min(left, 4 * w),
                        wts, bias, act, dst, ho, wo, tmp)
                ox += 4 * w
            } else if left > w {
                s1Strip(E.self, K.self, WindowBlock6x2.self, WindowBlock3x2.self, WindowBlock1x2.self, plane, wp, ox, Swift.min(left, 2 * w),
                        wts, bias, act, dst, ho, wo, tmp)
                ox += 2 * w
            } else {
                s1Strip(E.self, K.self, WindowBlock6x1.self, WindowBlock3x1.self, WindowBlock1x1.self, plane, wp, ox, left,
                        wts, bias, act, dst, ho, wo, tmp)
                ox += w
            }
        }
    }
}
