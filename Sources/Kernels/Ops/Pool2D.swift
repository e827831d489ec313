/// Max or average pooling per channel.
public final class Pool2D: @unchecked Sendable {
    public let geometry: ConvGeometry
    public let kind: PoolKind
    private var scratch = WindowScratch()
    /// Average pools that count the padding (3×3 and 5×5, stride 2) run as a depthwise
    /// convolution with every weight 1/k² and no bias: the register-blocked stride-2
    /// kernels then serve them (default model's 48×36×64 pool: min 0.036 → 0.023 ms).
    /// Same values up to rounding (a sum of products instead of a sum times 1/k²).
    private let meanAsDepthwise: (geometry: ConvGeometry, weights: [Float], bias: [Float])?

    public init(geometry: ConvGeometry, kind: PoolKind) {
        precondition(geometry.problem == nil && geometry.inChannels == geometry.outChannels)
        self.geometry = geometry; self.kind = kind
        let k = geometry.kernel, c = geometry.inChannels
        if case .average(countIncludePad: true) = kind, geometry.stride == 2, k == 3 || k == 5 {
            let g = ConvGeometry(inChannels: c, outChannels: c, height: geometry.height, width: geometry.width,
                                 kernel: k, stride: 2, padding: geometry.padding, groups: c)
            meanAsDepthwise = (g, [Float](repeating: 1 / Float(k * k), count: c * k * k), [Float](repeating: 0, count: c))
        } else {
            meanAsDepthwise = nil
        }
    }

    /// Not reentrant: one call at a time per instance (the work space is shared).
    public func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                    kernels: KernelSet, threads: Int = 1) {
        let per = windowScratchCount(geometry)
        let base = scratch.reserve(per * Swift.max(1, threads))
        if let m = meanAsDepthwise, kernels.path != .reference {
            m.weights.withUnsafeBufferPointer { w in
                m.bias.withUnsafeBufferPointer { b in
                    parallelChunks(geometry.inChannels, threads: threads) { range, chunk in
                        var args = WindowArgs(input: input, output: output, geometry: m.geometry, channelRange: range,
                                              weights: w.baseAddress!, bias: b.baseAddress!, activation: .none, pool: nil)
                        args.scratch = base + per * chunk
                        kernels.window(args)
                    }
                }
            }
            return
        }
        parallelChunks(geometry.inChannels, threads: threads) { range, chunk in
            var args = WindowArgs(input: input, output: output, geometry: geometry, channelRange: range,
                                  weights: nil, bias: nil, activation: .none, pool: kind)
            args.scratch = base + per * chunk
            kernels.window(args)
        }
    }
}

/// Work space kept by an op between frames, so per-frame calls do not allocate (large
/// temporary buffers come from mmap and fault their pages in on every call).
final class WindowScratch {
    private var pointer: UnsafeMutablePointer<Float>?
    private var capacity = 0

    func reserve(_ count: Int) -> UnsafeMutablePointer<Float> {
        if count > capacity {
            pointer?.deallocate()
            pointer = .allocate(capacity: count)
            capacity = count
        }
        return pointer!
    }

    deinit { pointer?.deallocate() }
}
