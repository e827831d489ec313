/// Max or average pooling per channel.
public final class Pool2D: @unchecked Sendable {
    public let geometry: ConvGeometry
    public let kind: PoolKind
    private var scratch = WindowScratch()

    public init(geometry: ConvGeometry, kind: PoolKind) {
        precondition(geometry.problem == nil && geometry.inChannels == geometry.outChannels)
        self.geometry = geometry; self.kind = kind
    }

    /// Not reentrant: one call at a time per instance (the work space is shared).
    public func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                    kernels: KernelSet, threads: Int = 1) {
        let per = windowScratchCount(geometry)
        let base = scratch.reserve(per * Swift.max(1, threads))
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
