/// A pointwise convolution (1×1, stride 1, one group) followed by a stride-2 depthwise
/// convolution on its output, run as one op in bands of output rows: the pointwise output of
/// a band (the input rows its depthwise outputs read) goes to a small buffer that stays in
/// the L2 cache and is consumed right away, so the full-size intermediate tensor (884 KB at
/// 24×72×128) is never written to memory and read back. Rows shared by two bands are
/// computed once and moved up for the next band. Same results as the two convolutions run
/// in turn.
public final class PointwiseDepthwise: @unchecked Sendable {
    public let pointwise: Conv2D
    public let depthwise: Conv2D
    private var work: UnsafeMutablePointer<Float>?
    private var capacity = 0

    /// Whether `second` can run fused after `first` (on `first`'s output).
    public static func fuses(_ first: ConvGeometry, _ second: ConvGeometry) -> Bool {
        first.kernel == 1 && first.stride == 1 && first.padding == 0 && first.groups == 1
            && second.isDepthwise && second.stride == 2 && second.kernel >= 1
            && second.inChannels == first.outChannels
            && second.height == first.outHeight && second.width == first.outWidth
    }

    /// Whether fusing pays: the intermediate tensor is larger than a core's L2 cache
    /// (512 KB on the machines measured). Smaller ones stay in L2 between the two ops
    /// anyway, and there the bands' recomputed rows and shorter GEMM runs made the pair
    /// slower (measured on the 48×36×64 and 96×18×32 stages of the default model).
    public static func pays(_ first: ConvGeometry, _ second: ConvGeometry) -> Bool {
        fuses(first, second)
            && first.outChannels * first.outHeight * first.outWidth * MemoryLayout<Float>.stride > 512 << 10
    }

    public init(pointwise: Conv2D, depthwise: Conv2D) {
        precondition(PointwiseDepthwise.fuses(pointwise.geometry, depthwise.geometry),
                     "cannot fuse \(pointwise.geometry) with \(depthwise.geometry)")
        self.pointwise = pointwise; self.depthwise = depthwise
    }

    deinit { work?.deallocate() }

    public var flops: Int { pointwise.flops + depthwise.flops }

    /// Depthwise output rows per band: the band's pointwise rows take about 128 KB.
    static func bandRows(_ first: ConvGeometry, _ second: ConvGeometry) -> Int {
        let rowBytes = first.outChannels * first.width * MemoryLayout<Float>.stride
        let inRows = Swift.max(second.kernel, (128 << 10) / Swift.max(1, rowBytes))
        return Swift.max(1, Swift.min(second.outHeight, (inRows - second.kernel) / 2 + 1))
    }

    /// Runs on one image given contiguously (`input`) or as one pointer per input channel
    /// plane (`inputPlanes`, which then wins). `output` holds the depthwise output,
    /// `outChannels × outHeight × outWidth` floats. Not reentrant.
    public func run(input: UnsafePointer<Float>, inputPlanes: UnsafePointer<UnsafePointer<Float>>? = nil,
                    output: UnsafeMutablePointer<Float>, kernels: KernelSet, threads: Int = 1) {
        let ga = pointwise.geometry, gb = depthwise.geometry
        let hw = ga.height * ga.width
        if kernels.path == .reference {
            var mid = [Float](repeating: 0, count: ga.outChannels * hw)
            mid.withUnsafeMutableBufferPointer { m in
                if let inputPlanes {
                    pointwise.run(inputPlanes: inputPlanes, output: m.baseAddress!, kernels: kernels, threads: threads)
                } else {
                    pointwise.run(input: input, output: m.baseAddress!, kernels: kernels, threads: threads)
                }
                depthwise.run(input: UnsafePointer(m.baseAddress!), output: output, kernels: kernels, threads: threads)
            }
            return
        }
        let c = ga.outChannels, cin = ga.inChannels, width = ga.width
        let band = PointwiseDepthwise.bandRows(ga, gb)
        let inRows = Swift.min(ga.height, (band - 1) * 2 + gb.kernel)
        // Channel i of a band holds its pointwise rows at mid + i·ldm.
        let ldm = inRows * width
        let bandFloats = c * ldm + 32
        let windowFloats = windowScratchCount(gb) + 32
        let per = bandFloats + windowFloats
        let parts = Swift.max(1, threads)
        if per * parts > capacity {
            work?.deallocate()
            work = .allocate(capacity: per * parts)
            // Banded depthwise calls need work space that starts all zero (see WindowArgs).
            work!.initialize(repeating: 0, count: per * parts)
            capacity = per * parts
        }
        let base = work!
        let a = pointwise, d = depthwise
        a.packed[0].withUnsafeBufferPointer { pw in
            a.paddedBias[0].withUnsafeBufferPointer { pb in
                d.weights.withUnsafeBufferPointer { dw in
                    d.bias.withUnsafeBufferPointer { db in
                        parallelChunks(gb.outHeight, threads: threads) { rows, chunk in
                            let mid = base + per * chunk
                            let ws = mid + bandFloats
                            withUnsafeTemporaryAllocation(of: UnsafePointer<Float>.self, capacity: cin + c) { t in
                                let inRowsTable = t.baseAddress!, midTable = t.baseAddress! + cin
                                for i in 0..<c { midTable[i] = UnsafePointer(mid + i * ldm) }
                                var held = 0..<0   // pointwise rows in the band buffer
                                var o0 = rows.lowerBound
                                while o0 < rows.upperBound {
                                    let o1 = Swift.min(rows.upperBound, o0 + band)
                                    let y0 = Swift.max(0, 2 * o0 - gb.padding)
                                    let y1 = Swift.max(y0, Swift.min(ga.height, 2 * (o1 - 1) - gb.padding + gb.kernel))
                                    // Rows the previous band shares with this one move to the top
                                    // instead of being computed again.
                                    var kept = 0
                                    if held.contains(y0) {
                                        kept = Swift.min(held.upperBound, y1) - y0
                                        if y0 > held.lowerBound {
                                            for i in 0..<c {
                                                (mid + i * ldm).update(from: mid + i * ldm + (y0 - held.lowerBound) * width,
                                                                       count: kept * width)
                                            }
                                        }
                                    }
                                    let first = y0 + kept
                                    let n = (y1 - first) * width
                                    if n > 0 {
                                        var g = GemmArgs(m: c, k: cin, a: pw.baseAddress!, bias: pb.baseAddress!,
                                                         b: input + first * width, ldb: hw, c: mid + kept * width,
                                                         ldc: ldm, columns: 0..<n, activation: a.activation)
                                        if let inputPlanes {
                                            for i in 0..<cin { inRowsTable[i] = inputPlanes[i] + first * width }
                                            g.bRows = UnsafePointer(inRowsTable)
                                            g.ldb = 0
                                        }
                                        kernels.gemm(g)
                                    }
                                    held = y0..<y1
                                    var w = WindowArgs(input: UnsafePointer(mid), output: output, geometry: gb,
                                                       channelRange: 0..<c, weights: dw.baseAddress!,
                                                       bias: db.baseAddress!, activation: d.activation, pool: nil)
                                    w.inputPlanes = UnsafePointer(midTable)
                                    w.scratch = ws
                                    w.outputRows = o0..<o1
                                    w.firstInputRow = y0
                                    kernels.window(w)
                                    o0 = o1
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
