/// What a model file says about itself besides its layers (docs/model-format.md).
public struct ModelMetadata: Equatable, Sendable {
    public var name: String
    /// Input tensor shape `[3, H, W]`.
    public var inputShape: [Int]
    /// Channel order of the input planes (`rgb`).
    public var color: String
    /// Per-channel normalization applied by `Model.run` to 0…1 input: `(x − mean) / std`.
    public var mean: [Float]
    public var std: [Float]
    public var classes: [String]
    /// Score threshold per class name, 0…1.
    public var thresholds: [String: Float]
    /// Head type (`grid`) and the IoU above which non-maximum suppression drops a box.
    public var headType: String
    public var nmsIoU: Float
    /// Free-form provenance strings (trainer, data, license, …).
    public var provenance: [String: String]
    /// Names of the graph's outputs, in order.
    public var outputs: [String]

    public var inputChannels: Int { inputShape[0] }
    public var inputHeight: Int { inputShape[1] }
    public var inputWidth: Int { inputShape[2] }
}
