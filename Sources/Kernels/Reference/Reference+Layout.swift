/// Interpolation for ×2 upsampling.
public enum UpsampleMode: String, Sendable {
    case nearest
    /// PyTorch's `align_corners=False` bilinear.
    case bilinear
}

extension Reference {
    /// Stacks `parts` (each `[C_i, H, W]`) along channels.
    public static func concat(_ parts: [(UnsafePointer<Float>, Int)], planeSize: Int,
                              output: UnsafeMutablePointer<Float>) {
        var oc = 0
        for (p, channels) in parts {
            for c in 0..<channels {
                for i in 0..<planeSize { output[(oc + c) * planeSize + i] = p[c * planeSize + i] }
            }
            oc += channels
        }
    }

    /// ShuffleNet's channel shuffle: view `[g, C/g]`, transpose to `[C/g, g]`, flatten.
    /// Output channel `j · g + i` is input channel `i · (C/g) + j`.
    public static func channelShuffle(input: UnsafePointer<Float>, channels: Int, groups: Int,
                                      planeSize: Int, output: UnsafeMutablePointer<Float>) {
        let perGroup = channels / groups
        for i in 0..<groups {
            for j in 0..<perGroup {
                for p in 0..<planeSize {
                    output[(j * groups + i) * planeSize + p] = input[(i * perGroup + j) * planeSize + p]
                }
            }
        }
    }

    /// Channels `start..<end` of the input.
    public static func sliceChannels(input: UnsafePointer<Float>, start: Int, end: Int,
                                     planeSize: Int, output: UnsafeMutablePointer<Float>) {
        for c in start..<end {
            for p in 0..<planeSize { output[(c - start) * planeSize + p] = input[c * planeSize + p] }
        }
    }

    /// ×2 upsampling of `[C, H, W]` to `[C, 2H, 2W]`.
    public static func upsample2x(input: UnsafePointer<Float>, channels: Int, height: Int, width: Int,
                                  mode: UpsampleMode, output: UnsafeMutablePointer<Float>) {
        let ho = 2 * height, wo = 2 * width
        for c in 0..<channels {
            for oy in 0..<ho {
                for ox in 0..<wo {
                    let value: Float
                    switch mode {
                    case .nearest:
                        value = input[(c * height + oy / 2) * width + ox / 2]
                    case .bilinear:
                        let sy = Swift.max((Float(oy) + 0.5) / 2 - 0.5, 0)
                        let sx = Swift.max((Float(ox) + 0.5) / 2 - 0.5, 0)
                        let y0 = Int(sy), x0 = Int(sx)
                        let y1 = Swift.min(y0 + 1, height - 1), x1 = Swift.min(x0 + 1, width - 1)
                        let fy = sy - Float(y0), fx = sx - Float(x0)
                        func at(_ y: Int, _ x: Int) -> Float { input[(c * height + y) * width + x] }
                        value = (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x1))
                            + fy * ((1 - fx) * at(y1, x0) + fx * at(y1, x1))
                    }
                    output[(c * ho + oy) * wo + ox] = value
                }
            }
        }
    }
}
