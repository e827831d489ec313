/// A 2-D convolution ready to run: weights in PyTorch's `[O, I/groups, k, k]` order (batch
/// norm already folded in), repacked once here for the GEMM micro-kernel (or kept per
/// channel for depthwise), with an optional fused activation.
public final class Conv2D {
    public let geometry: ConvGeometry
    public let activation: Activation
    /// Unpacked weights and biases, used by the reference path.
    public let weights: [Float]
    public let bias: [Float]
    let packed: [[Float]]
    let paddedBias: [[Float]]
    private let needsIm2col: Bool
    private var im2col: [Float]
    private var scratch = WindowScratch()

    public init(weights: [Float], bias: [Float]?, geometry g: ConvGeometry, activation: Activation) {
        precondition(g.problem == nil, "bad convolution \(g): \(g.problem ?? "")")
        precondition(weights.count == g.weightCount, "conv \(g) needs \(g.weightCount) weights, got \(weights.count)")
        self.geometry = g
        self.activation = activation
        self.weights = weights
        let fullBias = bias ?? [Float](repeating: 0, count: g.outChannels)
        precondition(fullBias.count == g.outChannels)
        self.bias = fullBias
        needsIm2col = !(g.kernel == 1 && g.stride == 1 && g.padding == 0)
        if g.isDepthwise {
            packed = []; paddedBias = []; im2col = []
            return
        }
        let coutG = g.outChannels / g.groups
        let kDim = g.inChannels / g.groups * g.kernel * g.kernel
        let r = gemmRowsPerTile
        var packs: [[Float]] = [], biases: [[Float]] = []
        weights.withUnsafeBufferPointer { w in
            for group in 0..<g.groups {
                packs.append(packGemmWeights(w.baseAddress! + group * coutG * kDim, m: coutG, k: kDim))
                var b = [Float](repeating: 0, count: (coutG + r - 1) / r * r)
                for i in 0..<coutG { b[i] = fullBias[group * coutG + i] }
                biases.append(b)
            }
        }
        packed = packs; paddedBias = biases
        let band = Conv2D.bandRows(g)
        im2col = needsIm2col && !Conv2D.usesDirect(g) ? [Float](repeating: 0, count: kDim * (band * g.outWidth + 8)) : []
    }

    public var flops: Int { geometry.flops }

    /// Runs on one image. `output` holds `outChannels × outHeight × outWidth` floats.
    /// Not reentrant: one call at a time per instance (the im2col buffer is shared).
    /// `outputChannelStride` (floats between output channel planes, default one plane) lets
    /// a convolution write straight into its place in a concatenated, shuffled tensor.
    public func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                    kernels: KernelSet, threads: Int = 1, outputChannelStride: Int? = nil) {
        let g = geometry
        let ldc = outputChannelStride ?? g.outHeight * g.outWidth
        let plane = g.outHeight * g.outWidth
        if ldc != plane && (g.isDepthwise || kernels.path == .reference) {
            // Paths without a strided store: compute contiguously, then scatter the planes.
            var tmp = [Float](repeating: 0, count: g.outChannels * plane)
            tmp.withUnsafeMutableBufferPointer { t in
                run(input: input, output: t.baseAddress!, kernels: kernels, threads: threads)
                for c in 0..<g.outChannels { (output + c * ldc).update(from: t.baseAddress! + c * plane, count: plane) }
            }
            return
        }
        if kernels.path == .reference {
            weights.withUnsafeBufferPointer { w in
                bias.withUnsafeBufferPointer { b in
                    Reference.conv2d(input: input, weights: w.baseAddress!, bias: b.baseAddress!,
                                     geometry: g, activation: activation, output: output)
                }
            }
            return
        }
        if g.isDepthwise {
            runDepthwise(input: input, planes: nil, output: output, kernels: kernels, threads: threads)
            return
        }
        if Conv2D.usesDirect(g) {
            runDirect(input: input, output: output, kernels: kernels, threads: threads, ldc: ldc)
            return
        }
        let cinG = g.inChannels / g.groups, coutG = g.outChannels / g.groups
        let kDim = cinG * g.kernel * g.kernel
        let n = plane
        let inPlane = g.height * g.width
        for group in 0..<g.groups {
            let src = input + group * cinG * inPlane
            let dst = output + group * coutG * ldc
            let gemm = { (b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, columns: Int) in
                self.packed[group].withUnsafeBufferPointer { a in
                    self.paddedBias[group].withUnsafeBufferPointer { bias in
                        parallelChunks(columns, threads: threads, granule: 64) { cols, _ in
                            kernels.gemm(GemmArgs(m: coutG, k: kDim, a: a.baseAddress!, bias: bias.baseAddress!,
                                                  b: b, ldb: ldb, c: c, ldc: ldc, columns: cols,
                                                  activation: self.activation))
                        }
                    }
                }
            }
            if needsIm2col {
                // Bands of output rows, so the unfolded input stays in cache; the band's
                // row length avoids multiples of 128 floats (L1 set conflicts in the GEMM).
                let band = Conv2D.bandRows(g)
                im2col.withUnsafeMutableBufferPointer { buf in
                    var oy0 = 0
                    while oy0 < g.outHeight {
                        let rows = Swift.min(band, g.outHeight - oy0)
                        let cols = rows * g.outWidth
                        let ldb = cols % 128 == 0 ? cols + 8 : cols
                        Conv2D.im2col(src, channels: cinG, geometry: g, rows: oy0..<(oy0 + rows), ldb: ldb,
                                      into: buf.baseAddress!)
                        gemm(UnsafePointer(buf.baseAddress!), ldb, dst + oy0 * g.outWidth, cols)
                        oy0 += rows
                    }
                }
            } else {
                gemm(src, n, dst, n)
            }
        }
    }

    /// Depthwise convolution through the window kernels, one chunk of channels per thread;
    /// `planes` (one pointer per input channel) overrides the contiguous `input`.
    private func runDepthwise(input: UnsafePointer<Float>, planes: UnsafePointer<UnsafePointer<Float>>?,
                              output: UnsafeMutablePointer<Float>, kernels: KernelSet, threads: Int) {
        let g = geometry
        let per = windowScratchCount(g)
        let base = scratch.reserve(per * Swift.max(1, threads))
        weights.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                parallelChunks(g.inChannels, threads: threads) { range, chunk in
                    var args = WindowArgs(input: input, output: output, geometry: g, channelRange: range,
                                          weights: w.baseAddress!, bias: b.baseAddress!,
                                          activation: activation, pool: nil)
                    args.scratch = base + per * chunk
                    args.inputPlanes = planes
                    kernels.window(args)
                }
            }
        }
    }

    /// Whether `run(inputPlanes:…)` reads the planes in place: pointwise (1×1, stride 1,
    /// one group) and depthwise convolutions. Others gather the planes into one buffer first.
    public static func readsPlanesInPlace(_ g: ConvGeometry) -> Bool {
        (g.isDepthwise && g.stride <= 2) || (g.kernel == 1 && g.stride == 1 && g.padding == 0 && g.groups == 1)
    }

    /// Runs on an input given as one pointer per input channel plane (`inChannels` planes of
    /// `height × width` floats): channels that a shuffle, split or concat reorders are read
    /// where their producers left them, with no copy. Same results as `run(input:…)` on the
    /// planes copied together.
    public func run(inputPlanes: UnsafePointer<UnsafePointer<Float>>, output: UnsafeMutablePointer<Float>,
                    kernels: KernelSet, threads: Int = 1, outputChannelStride: Int? = nil) {
        let g = geometry
        let plane = g.outHeight * g.outWidth, inPlane = g.height * g.width
        let ldc = outputChannelStride ?? plane
        if kernels.path == .reference || !Conv2D.readsPlanesInPlace(g) || (g.isDepthwise && ldc != plane) {
            var tmp = [Float](repeating: 0, count: g.inChannels * inPlane)
            tmp.withUnsafeMutableBufferPointer { t in
                for c in 0..<g.inChannels { (t.baseAddress! + c * inPlane).update(from: inputPlanes[c], count: inPlane) }
                run(input: UnsafePointer(t.baseAddress!), output: output, kernels: kernels, threads: threads,
                    outputChannelStride: outputChannelStride)
            }
            return
        }
        if g.isDepthwise {
            runDepthwise(input: inputPlanes[0], planes: inputPlanes, output: output, kernels: kernels, threads: threads)
            return
        }
        packed[0].withUnsafeBufferPointer { a in
            paddedBias[0].withUnsafeBufferPointer { bias in
                parallelChunks(plane, threads: threads, granule: 64) { cols, _ in
                    kernels.gemm(GemmArgs(m: g.outChannels, k: g.inChannels, a: a.baseAddress!, bias: bias.baseAddress!,
                                          b: inputPlanes[0], ldb: 0, c: output, ldc: ldc, columns: cols,
                                          activation: self.activation, bRows: inputPlanes))
                }
            }
        }
    }

    /// Few-channel stride-2 convolutions (the 3-channel stem): direct, no im2col. Each output
    /// row splits its `channels × k` input rows into even and odd columns once, and the GEMM
    /// micro-kernel reads tap `(c, ky, kx)` straight from split row `(c, ky, kx & 1)` at
    /// offset `kx >> 1` through a row-pointer table.
    public static func usesDirect(_ g: ConvGeometry) -> Bool {
        g.groups == 1 && g.stride == 2 && g.kernel > 1 && g.inChannels <= 4
    }

    /// Floats of one split row: output columns + taps reach + two vectors of 16 of slack.
    static func directRowLength(_ g: ConvGeometry) -> Int { g.outWidth + g.kernel / 2 + 2 * 16 + 8 }

    /// Work space of one chunk of the direct convolution: a ring of `k` split input rows per
    /// channel (row iy in slot iy mod k, so the rows that consecutive output rows share are
    /// split once), a zero row for taps above or below the image, the pointer table, and
    /// which input row each slot holds.
    private struct DirectScratch {
        let split: UnsafeMutablePointer<Float>
        let zero: UnsafeMutablePointer<Float>
        let table: UnsafeMutablePointer<UnsafePointer<Float>>
        let slotRow: UnsafeMutablePointer<Int>
        /// Floats one chunk needs.
        static func count(_ g: ConvGeometry) -> Int {
            let kDim = g.inChannels * g.kernel * g.kernel
            let ptrFloats = (kDim * MemoryLayout<UnsafePointer<Float>>.stride + 3) / 4
            let slotFloats = (g.inChannels * g.kernel * MemoryLayout<Int>.stride + 3) / 4
            return (g.inChannels * g.kernel + 1) * 2 * Conv2D.directRowLength(g) + ptrFloats + slotFloats + 32
        }
        /// Lays the chunk out at `base`; every slot starts empty.
        init(_ g: ConvGeometry, at base: UnsafeMutablePointer<Float>) {
            let k = g.kernel, rowLen = Conv2D.directRowLength(g)
            let kDim = g.inChannels * k * k
            split = base
            zero = base + g.inChannels * k * 2 * rowLen
            zero.update(repeating: 0, count: 2 * rowLen)
            let tableRaw = UnsafeMutableRawPointer(zero + 2 * rowLen + 8).alignedUp(for: UnsafePointer<Float>.self)
            table = tableRaw.bindMemory(to: UnsafePointer<Float>.self, capacity: kDim)
            let slotRaw = UnsafeMutableRawPointer(table + kDim).alignedUp(for: Int.self)
            slotRow = slotRaw.bindMemory(to: Int.self, capacity: g.inChannels * k)
            slotRow.update(repeating: Int.min, count: g.inChannels * k)
        }
    }

    /// Output row `oy` of the direct convolution into `dst` (channel c at `dst + c·ldc`).
    /// Tap (c, ky, kx) reads the even or odd half (kx & 1) of input row (c, 2·oy + ky − p)
    /// at offset kx >> 1.
    private func directRow(_ oy: Int, input: UnsafePointer<Float>, _ ws: DirectScratch, a: UnsafePointer<Float>,
                           bias: UnsafePointer<Float>, dst: UnsafeMutablePointer<Float>, ldc: Int, kernels: KernelSet) {
        let g = geometry, k = g.kernel
        let rowLen = Conv2D.directRowLength(g)
        for c in 0..<g.inChannels {
            for ky in 0..<k {
                let iy = oy * 2 + ky - g.padding
                var even = UnsafePointer(ws.zero)
                if iy >= 0 && iy < g.height {
                    let slot = c * k + iy % k
                    let e = ws.split + slot * 2 * rowLen
                    if ws.slotRow[slot] != iy {
                        kernels.splitEvenOdd(input + (c * g.height + iy) * g.width, g.width, g.padding,
                                             e, e + rowLen, rowLen)
                        ws.slotRow[slot] = iy
                    }
                    even = UnsafePointer(e)
                }
                for kx in 0..<k { ws.table[(c * k + ky) * k + kx] = even + (kx & 1) * rowLen + (kx >> 1) }
            }
        }
        kernels.gemm(GemmArgs(m: g.outChannels, k: g.inChannels * k * k, a: a, bias: bias,
                              b: UnsafePointer(ws.split), ldb: 0, c: dst, ldc: ldc,
                              columns: 0..<g.outWidth, activation: activation,
                              bRows: UnsafePointer(ws.table)))
    }

    private func runDirect(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                           kernels: KernelSet, threads: Int, ldc: Int) {
        let g = geometry
        let per = DirectScratch.count(g)
        let base = scratch.reserve(per * Swift.max(1, threads))
        packed[0].withUnsafeBufferPointer { a in
            paddedBias[0].withUnsafeBufferPointer { bias in
                parallelChunks(g.outHeight, threads: threads) { rows, chunk in
                    let ws = DirectScratch(g, at: base + per * chunk)
                    for oy in rows {
                        directRow(oy, input: input, ws, a: a.baseAddress!, bias: bias.baseAddress!,
                                  dst: output + oy * g.outWidth, ldc: ldc, kernels: kernels)
                    }
                }
            }
        }
    }

    /// Whether `runMaxPooled` fuses this convolution with a max pool of `kernel`, `stride`,
    /// `padding` (the direct few-channel convolutions; others run it as two passes).
    public func fusesMaxPool(kernel: Int, stride: Int, padding: Int) -> Bool {
        Conv2D.usesDirect(geometry) && kernel >= 1 && stride >= 1 && padding >= 0 && padding < kernel
            && geometry.outHeight + 2 * padding >= kernel && geometry.outWidth + 2 * padding >= kernel
    }

    /// The convolution followed by max pooling (`kernel`, `stride`, `padding` over the
    /// convolution's output), as one op: the direct convolution computes each of its output
    /// rows once into a ring of `kernel` padded rows (−∞ borders) and every pooled row is
    /// reduced from there, so the full convolution output never goes to memory (paths with a
    /// `convMaxPool` kernel run the 3×3/2 + 3×3/2 stem through it instead). `output`
    /// holds `outChannels × pooledHeight × pooledWidth` floats. The reference path (and
    /// convolutions that `fusesMaxPool` rejects) run the two ops one after the other.
    public func runMaxPooled(input: UnsafePointer<Float>, kernel pk: Int, stride ps: Int, padding pp: Int,
                             output: UnsafeMutablePointer<Float>, kernels: KernelSet, threads: Int = 1) {
        let g = geometry
        let hc = g.outHeight, wc = g.outWidth, ch = g.outChannels
        let pg = ConvGeometry(inChannels: ch, outChannels: ch, height: hc, width: wc,
                              kernel: pk, stride: ps, padding: pp)
        precondition(pg.problem == nil, "bad max pool \(pg) after conv \(g): \(pg.problem ?? "")")
        let hp = pg.outHeight, wp = pg.outWidth
        if kernels.path == .reference || !fusesMaxPool(kernel: pk, stride: ps, padding: pp) {
            var tmp = [Float](repeating: 0, count: ch * hc * wc)
            tmp.withUnsafeMutableBufferPointer { t in
                run(input: input, output: t.baseAddress!, kernels: kernels, threads: threads)
                if kernels.path == .reference {
                    Reference.pool(input: t.baseAddress!, geometry: pg, kind: .max, output: output)
                } else {
                    Pool2D(geometry: pg, kind: .max).run(input: t.baseAddress!, output: output,
                                                         kernels: kernels, threads: threads)
                }
            }
            return
        }
        if let fused = kernels.convMaxPool,
           ConvMaxPoolLayout.fits(g, poolKernel: pk, poolStride: ps, poolPadding: pp) {
            let per = ConvMaxPoolLayout(g).scratchCount(g) + 16
            let base = scratch.reserve(per * Swift.max(1, threads))
            packed[0].withUnsafeBufferPointer { a in
                paddedBias[0].withUnsafeBufferPointer { bias in
                    parallelChunks(hp, threads: threads) { prows, chunk in
                        fused(ConvMaxPoolArgs(input: input, geometry: g, weights: a.baseAddress!,
                                              bias: bias.baseAddress!, activation: activation, output: output,
                                              rows: prows, scratch: base + per * chunk))
                    }
                }
            }
            return
        }
        // Ring slot: ch rows of ldr floats, the conv row at column pp, −∞ around it.
        let length = (wp - 1) * ps + pk
        let ldr = Swift.max(length, wc + pp) + 4
        let slot = ch * ldr
        let direct = DirectScratch.count(g)
        let ptrFloats = (pk * MemoryLayout<UnsafePointer<Float>>.stride + 3) / 4 + 4
        let per = direct + pk * slot + maxPoolRowsScratchCount(length) + ptrFloats + 16
        let base = scratch.reserve(per * Swift.max(1, threads))
        packed[0].withUnsafeBufferPointer { a in
            paddedBias[0].withUnsafeBufferPointer { bias in
                parallelChunks(hp, threads: threads) { prows, chunk in
                    let chunkBase = base + per * chunk
                    let ws = DirectScratch(g, at: chunkBase)
                    let ring = chunkBase + direct
                    let poolScratch = ring + pk * slot
                    let ptrRaw = UnsafeMutableRawPointer(poolScratch + maxPoolRowsScratchCount(length) + 8)
                        .alignedUp(for: UnsafePointer<Float>.self)
                    let rowPtrs = ptrRaw.bindMemory(to: UnsafePointer<Float>.self, capacity: pk)
                    ring.update(repeating: -.infinity, count: pk * slot)
                    var next = 0   // first conv row not yet in the ring
                    for py in prows {
                        let r0 = Swift.max(0, py * ps - pp), r1 = Swift.min(hc, py * ps - pp + pk)
                        var r = Swift.max(next, r0)
                        while r < r1 {
                            directRow(r, input: input, ws, a: a.baseAddress!, bias: bias.baseAddress!,
                                      dst: ring + (r % pk) * slot + pp, ldc: ldr, kernels: kernels)
                            r += 1
                        }
                        next = Swift.max(next, r1)
                        for (i, rr) in (r0..<r1).enumerated() { rowPtrs[i] = UnsafePointer(ring + (rr % pk) * slot) }
                        kernels.maxPoolRows(MaxPoolRowsArgs(
                            rows: UnsafePointer(rowPtrs), count: r1 - r0, length: length, channels: ch,
                            channelStride: ldr, output: output + py * wp, outChannelStride: hp * wp,
                            outWidth: wp, kernel: pk, stride: ps, scratch: poolScratch))
                    }
                }
            }
        }
    }

    /// Output rows per im2col band: about 4096 output pixels.
    static func bandRows(_ g: ConvGeometry) -> Int {
        Swift.max(1, Swift.min(g.outHeight, 4096 / Swift.max(1, g.outWidth)))
    }

    /// Rows `(c·k + ky)·k + kx`, columns output pixels; zeros where the window leaves the image.
    static func im2col(_ src: UnsafePointer<Float>, channels: Int, geometry g: ConvGeometry,
                       rows: Range<Int>, ldb: Int, into dst: UnsafeMutablePointer<Float>) {
        let wo = g.outWidth, k = g.kernel
        var row = dst
        for c in 0..<channels {
            let plane = src + c * g.height * g.width
            for ky in 0..<k {
                for kx in 0..<k {
                    for oy in rows {
                        let iy = oy * g.stride + ky - g.padding
                        let out = row + (oy - rows.lowerBound) * wo
                        if iy < 0 || iy >= g.height { out.update(repeating: 0, count: wo); continue }
                        let line = plane + iy * g.width
                        // Output columns whose input column 0 ≤ ox·s + kx − p < width form one run.
                        let lo = Swift.min(wo, Swift.max(0, (g.padding - kx + g.stride - 1) / g.stride))
                        let num = g.width - 1 - kx + g.padding
                        let hi = Swift.max(lo, num < 0 ? 0 : Swift.min(wo, num / g.stride + 1))
                        if lo > 0 { out.update(repeating: 0, count: lo) }
                        if g.stride == 1 {
                            if hi > lo { (out + lo).update(from: line + lo + kx - g.padding, count: hi - lo) }
                        } else if g.stride == 2 {
                            let base = line + kx - g.padding
                            var ox = lo
                            // 4 at a time from 8 loaded; the last load ends inside the row.
                            while ox + 5 <= hi {
                                let v = UnsafeRawPointer(base + 2 * ox).loadUnaligned(as: SIMD8<Float>.self).evenHalf
                                UnsafeMutableRawPointer(out + ox).storeBytes(of: v, as: SIMD4<Float>.self)
                                ox += 4
                            }
                            while ox < hi { out[ox] = base[2 * ox]; ox += 1 }
                        } else {
                            let base = line + kx - g.padding
                            for ox in lo..<hi { out[ox] = base[ox * g.stride] }
                        }
                        if hi < wo { (out + hi).update(repeating: 0, count: wo - hi) }
                    }
                    row += ldb
                }
            }
        }
    }
}
