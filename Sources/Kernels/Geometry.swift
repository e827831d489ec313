/// Shape of a 2-D convolution or pooling window over one `[C, H, W]` image.
public struct ConvGeometry: Equatable, Sendable, CustomStringConvertible {
    public var inChannels: Int
    public var outChannels: Int
    public var height: Int
    public var width: Int
    /// Square kernel side (1, 3, 5, …).
    public var kernel: Int
    public var stride: Int
    /// Zero padding on every side, in pixels.
    public var padding: Int
    public var groups: Int

    public init(inChannels: Int, outChannels: Int, height: Int, width: Int,
                kernel: Int, stride: Int = 1, padding: Int = 0, groups: Int = 1) {
        self.inChannels = inChannels; self.outChannels = outChannels
        self.height = height; self.width = width
        self.kernel = kernel; self.stride = stride; self.padding = padding; self.groups = groups
    }

    public var outHeight: Int { (height + 2 * padding - kernel) / stride + 1 }
    public var outWidth: Int { (width + 2 * padding - kernel) / stride + 1 }
    public var isDepthwise: Bool { groups == inChannels && groups == outChannels && groups > 1 }
    /// Weight elements: `outChannels × (inChannels / groups) × kernel × kernel`.
    public var weightCount: Int { outChannels * (inChannels / groups) * kernel * kernel }
    /// Multiply-adds × 2 for one image.
    public var flops: Int { 2 * outChannels * outHeight * outWidth * (inChannels / groups) * kernel * kernel }

    /// Nil when valid, else what is wrong.
    public var problem: String? {
        if inChannels < 1 || outChannels < 1 || height < 1 || width < 1 { return "empty shape" }
        if kernel < 1 || stride < 1 || padding < 0 || groups < 1 { return "kernel, stride and groups must be ≥ 1, padding ≥ 0" }
        if inChannels % groups != 0 || outChannels % groups != 0 { return "channels \(inChannels)→\(outChannels) not divisible by groups \(groups)" }
        if padding >= kernel { return "padding \(padding) must be less than kernel \(kernel)" }
        if height + 2 * padding < kernel || width + 2 * padding < kernel { return "kernel \(kernel) larger than padded input \(height)×\(width)" }
        return nil
    }

    public var description: String {
        "\(inChannels)→\(outChannels) \(height)×\(width) k\(kernel) s\(stride) p\(padding) g\(groups)"
    }
}
