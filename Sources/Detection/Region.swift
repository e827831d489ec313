/// One detected object: its class, score (objectness × class probability, 0…1) and box.
public struct Region: Equatable, Sendable, Codable {
    public var className: String
    public var score: Float
    public var box: Box

    public init(className: String, score: Float, box: Box) {
        self.className = className; self.score = score; self.box = box
    }
}

/// What one frame holds: image-level presence per class and the regions that passed the
/// model's per-class thresholds and non-maximum suppression, highest score first.
public struct FrameDetections: Equatable, Sendable {
    /// Class name → max over grid cells of objectness × class probability (0…1).
    public var scores: [String: Float]
    public var regions: [Region]

    public init(scores: [String: Float], regions: [Region]) {
        self.scores = scores; self.regions = regions
    }
}
