/// Max or average pooling over a square window.
public enum PoolKind: Equatable, Sendable {
    case max
    /// `countIncludePad`: divide by the whole window (PyTorch's default) rather than by the
    /// pixels inside the image.
    case average(countIncludePad: Bool)
}

extension Reference {
    /// Pooling per channel; `geometry.outChannels` must equal `inChannels`, padding is
    /// −∞ for max and excluded or zero for average.
    public static func pool(input: UnsafePointer<Float>, geometry g: ConvGeometry, kind: PoolKind,
                            output: UnsafeMutablePointer<Float>) {
        let ho = g.outHeight, wo = g.outWidth, k = g.kernel
        for c in 0..<g.inChannels {
            for oy in 0..<ho {
                for ox in 0..<wo {
                    var best = -Float.infinity
                    var sum: Float = 0
                    var inside = 0
                    for ky in 0..<k {
                        let iy = oy * g.stride + ky - g.padding
                        if iy < 0 || iy >= g.height { continue }
                        for kx in 0..<k {
                            let ix = ox * g.stride + kx - g.padding
                            if ix < 0 || ix >= g.width { continue }
                            let v = input[(c * g.height + iy) * g.width + ix]
                            best = Swift.max(best, v); sum += v; inside += 1
                        }
                    }
                    let value: Float
                    switch kind {
                    case .max: value = best
                    case .average(let includePad): value = sum / Float(includePad ? k * k : inside)
                    }
                    output[(c * ho + oy) * wo + ox] = value
                }
            }
        }
    }

    /// Mean of each channel plane: `[C, H, W]` → `[C]`.
    public static func globalAveragePool(input: UnsafePointer<Float>, channels: Int, planeSize: Int,
                                         output: UnsafeMutablePointer<Float>) {
        for c in 0..<channels {
            var sum: Double = 0
            for i in 0..<planeSize { sum += Double(input[c * planeSize + i]) }
            output[c] = Float(sum / Double(planeSize))
        }
    }
}
