extension Reference {
    /// Convolution with weights in PyTorch's `[O, I/groups, k, k]` order and zero padding.
    public static func conv2d(input: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                              bias: UnsafePointer<Float>?, geometry g: ConvGeometry,
                              activation: Activation, output: UnsafeMutablePointer<Float>) {
        let ho = g.outHeight, wo = g.outWidth, k = g.kernel
        let cinG = g.inChannels / g.groups, coutG = g.outChannels / g.groups
        for o in 0..<g.outChannels {
            let group = o / coutG
            for oy in 0..<ho {
                for ox in 0..<wo {
                    var sum: Float = bias?[o] ?? 0
                    for i in 0..<cinG {
                        let ic = group * cinG + i
                        for ky in 0..<k {
                            let iy = oy * g.stride + ky - g.padding
                            if iy < 0 || iy >= g.height { continue }
                            for kx in 0..<k {
                                let ix = ox * g.stride + kx - g.padding
                                if ix < 0 || ix >= g.width { continue }
                                sum += weights[((o * cinG + i) * k + ky) * k + kx]
                                    * input[(ic * g.height + iy) * g.width + ix]
                            }
                        }
                    }
                    output[(o * ho + oy) * wo + ox] = activation.apply(sum)
                }
            }
        }
    }

    /// `y = W x + b` with `W` as `[outFeatures, inFeatures]`.
    public static func linear(input: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                              bias: UnsafePointer<Float>?, inFeatures: Int, outFeatures: Int,
                              activation: Activation, output: UnsafeMutablePointer<Float>) {
        for o in 0..<outFeatures {
            var sum: Float = bias?[o] ?? 0
            for i in 0..<inFeatures { sum += weights[o * inFeatures + i] * input[i] }
            output[o] = activation.apply(sum)
        }
    }
}
