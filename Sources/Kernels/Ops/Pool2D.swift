/// Max or average pooling per channel.
public struct Pool2D: Sendable {
    public let geometry: ConvGeometry
    public let kind: PoolKind

    public init(geometry: ConvGeometry, kind: PoolKind) {
        precondition(geometry.problem == nil && geometry.inChannels == geometry.outChannels)
        self.geometry = geometry; self.kind = kind
    }

    public func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                    kernels: KernelSet, threads: Int = 1) {
        parallelChunks(geometry.inChannels, threads: threads) { range in
            kernels.window(WindowArgs(input: input, output: output, geometry: geometry, channelRange: range,
                                      weights: nil, bias: nil, activation: .none, pool: kind))
        }
    }
}
