/// An axis-aligned box in normalized image coordinates (0…1, origin top-left).
public struct Box: Equatable, Sendable, Codable {
    public var x1: Float
    public var y1: Float
    public var x2: Float
    public var y2: Float

    public init(x1: Float, y1: Float, x2: Float, y2: Float) {
        self.x1 = x1; self.y1 = y1; self.x2 = x2; self.y2 = y2
    }

    public var width: Float { max(0, x2 - x1) }
    public var height: Float { max(0, y2 - y1) }
    public var area: Float { width * height }

    /// Area shared with `other` (0 when they do not overlap).
    public func intersectionArea(_ other: Box) -> Float {
        max(0, min(x2, other.x2) - max(x1, other.x1)) * max(0, min(y2, other.y2) - max(y1, other.y1))
    }

    /// Intersection over union, 0 when either box is empty.
    public func iou(_ other: Box) -> Float {
        let w = min(x2, other.x2) - max(x1, other.x1)
        let h = min(y2, other.y2) - max(y1, other.y1)
        guard w > 0, h > 0 else { return 0 }
        let inter = w * h
        let union = area + other.area - inter
        return union > 0 ? inter / union : 0
    }
}
