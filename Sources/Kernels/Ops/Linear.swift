/// A fully connected layer, `y = act(W x + b)` with `W` as `[out, in]`, run as a one-column GEMM.
public final class Linear {
    public let inFeatures: Int
    public let outFeatures: Int
    public let activation: Activation
    public let weights: [Float]
    public let bias: [Float]
    private let packed: [Float]
    private let paddedBias: [Float]

    public init(weights: [Float], bias: [Float]?, inFeatures: Int, outFeatures: Int, activation: Activation) {
        precondition(weights.count == inFeatures * outFeatures)
        self.inFeatures = inFeatures; self.outFeatures = outFeatures; self.activation = activation
        self.weights = weights
        self.bias = bias ?? [Float](repeating: 0, count: outFeatures)
        packed = weights.withUnsafeBufferPointer { packGemmWeights($0.baseAddress!, m: outFeatures, k: inFeatures) }
        var b = [Float](repeating: 0, count: (outFeatures + gemmRowsPerTile - 1) / gemmRowsPerTile * gemmRowsPerTile)
        for i in 0..<outFeatures { b[i] = self.bias[i] }
        paddedBias = b
    }

    public func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, kernels: KernelSet) {
        if kernels.path == .reference {
            weights.withUnsafeBufferPointer { w in
                bias.withUnsafeBufferPointer { b in
                    Reference.linear(input: input, weights: w.baseAddress!, bias: b.baseAddress!,
                                     inFeatures: inFeatures, outFeatures: outFeatures,
                                     activation: activation, output: output)
                }
            }
            return
        }
        packed.withUnsafeBufferPointer { a in
            paddedBias.withUnsafeBufferPointer { b in
                kernels.gemm(GemmArgs(m: outFeatures, k: inFeatures, a: a.baseAddress!, bias: b.baseAddress!,
                                      b: input, ldb: 1, c: output, ldc: 1, columns: 0..<1, activation: activation))
            }
        }
    }
}
