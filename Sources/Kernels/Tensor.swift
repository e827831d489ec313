/// A float32 image tensor in plain planar layout: `shape` is `[C, H, W]` (or `[N]` for
/// vectors) and `data` holds the elements row-major, channel planes one after another.
public struct Tensor: Equatable, Sendable {
    public var shape: [Int]
    public var data: [Float]

    public init(shape: [Int], data: [Float]) {
        precondition(shape.reduce(1, *) == data.count, "tensor shape \(shape) needs \(shape.reduce(1, *)) values, got \(data.count)")
        self.shape = shape
        self.data = data
    }

    public init(shape: [Int], repeating value: Float = 0) {
        self.shape = shape
        self.data = [Float](repeating: value, count: shape.reduce(1, *))
    }

    public var count: Int { data.count }
    /// Channels of a `[C, H, W]` tensor (the first dimension).
    public var channels: Int { shape.first ?? 1 }
    public var height: Int { shape.count >= 3 ? shape[shape.count - 2] : 1 }
    public var width: Int { shape.count >= 2 ? shape[shape.count - 1] : 1 }

    /// Element at channel `c`, row `y`, column `x` of a `[C, H, W]` tensor.
    public subscript(c: Int, y: Int, x: Int) -> Float {
        get { data[(c * height + y) * width + x] }
        set { data[(c * height + y) * width + x] = newValue }
    }
}
