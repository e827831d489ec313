/// A point in normalized image coordinates: x and y run from 0 (left/top) to 1 (right/bottom).
public struct NormalizedPoint: Equatable, Hashable, Sendable, Codable {
    public var x: Double
    public var y: Double
    public init(x: Double, y: Double) { self.x = x; self.y = y }
}

/// An axis-aligned box in normalized image coordinates (0…1), `x1 <= x2`, `y1 <= y2`.
public struct NormalizedBox: Equatable, Hashable, Sendable, Codable {
    public var x1: Double
    public var y1: Double
    public var x2: Double
    public var y2: Double

    public init(x1: Double, y1: Double, x2: Double, y2: Double) {
        self.x1 = min(x1, x2); self.y1 = min(y1, y2)
        self.x2 = max(x1, x2); self.y2 = max(y1, y2)
    }

    public var width: Double { x2 - x1 }
    public var height: Double { y2 - y1 }
    public var area: Double { max(0, width) * max(0, height) }
    public var center: NormalizedPoint { NormalizedPoint(x: (x1 + x2) / 2, y: (y1 + y2) / 2) }

    /// Intersection over union, 0…1.
    public func iou(_ other: NormalizedBox) -> Double {
        let ix = max(0, min(x2, other.x2) - max(x1, other.x1))
        let iy = max(0, min(y2, other.y2) - max(y1, other.y1))
        let inter = ix * iy
        let union = area + other.area - inter
        return union > 0 ? inter / union : 0
    }

    public func contains(_ p: NormalizedPoint) -> Bool {
        p.x >= x1 && p.x <= x2 && p.y >= y1 && p.y <= y2
    }

    /// The whole frame.
    public static let full = NormalizedBox(x1: 0, y1: 0, x2: 1, y2: 1)
}

/// A simple polygon in normalized image coordinates (at least three vertices).
public struct Polygon: Equatable, Sendable, Codable {
    public var points: [NormalizedPoint]
    public init(_ points: [NormalizedPoint]) { self.points = points }

    /// The whole frame as a polygon.
    public static let fullFrame = Polygon([
        .init(x: 0, y: 0), .init(x: 1, y: 0), .init(x: 1, y: 1), .init(x: 0, y: 1),
    ])

    /// Even-odd ray casting; points on the boundary may land either way.
    public func contains(_ p: NormalizedPoint) -> Bool {
        var inside = false
        var j = points.count - 1
        for i in 0..<points.count {
            let a = points[i], b = points[j]
            if (a.y > p.y) != (b.y > p.y) {
                let xCross = (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x
                if p.x < xCross { inside.toggle() }
            }
            j = i
        }
        return inside
    }

    /// Fraction of `box` (0…1) that lies inside the polygon, estimated on an 8×8 grid of
    /// cell centres. Deterministic and cheap; a box either way of a zone edge counts in part.
    public func coverage(of box: NormalizedBox) -> Double {
        let n = 8
        var hits = 0
        for j in 0..<n {
            let y = box.y1 + (Double(j) + 0.5) / Double(n) * box.height
            for i in 0..<n {
                let x = box.x1 + (Double(i) + 0.5) / Double(n) * box.width
                if contains(NormalizedPoint(x: x, y: y)) { hits += 1 }
            }
        }
        return Double(hits) / Double(n * n)
    }

    /// Twice the signed area; zero for a degenerate polygon.
    var doubledArea: Double {
        var s = 0.0
        var j = points.count - 1
        for i in 0..<points.count {
            s += (points[j].x + points[i].x) * (points[j].y - points[i].y)
            j = i
        }
        return s
    }

    /// Whether the polygon has at least three vertices, all inside 0…1, and a non-zero area.
    public var isValid: Bool {
        points.count >= 3
            && points.allSatisfy { $0.x >= 0 && $0.x <= 1 && $0.y >= 0 && $0.y <= 1 && $0.x.isFinite && $0.y.isFinite }
            && abs(doubledArea) > 1e-9
    }

    /// Whether no two edges that do not share a vertex meet: a bow-tie or a star drawn with
    /// crossing edges covers an area other than the one its points seem to outline.
    public var isSimple: Bool {
        let n = points.count
        guard n > 3 else { return true }
        func cross(_ o: NormalizedPoint, _ a: NormalizedPoint, _ b: NormalizedPoint) -> Double {
            (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x)
        }
        func onSegment(_ p: NormalizedPoint, _ a: NormalizedPoint, _ b: NormalizedPoint) -> Bool {
            min(a.x, b.x) <= p.x && p.x <= max(a.x, b.x) && min(a.y, b.y) <= p.y && p.y <= max(a.y, b.y)
        }
        func meet(_ a: NormalizedPoint, _ b: NormalizedPoint, _ c: NormalizedPoint, _ d: NormalizedPoint) -> Bool {
            let d1 = cross(c, d, a), d2 = cross(c, d, b), d3 = cross(a, b, c), d4 = cross(a, b, d)
            if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) { return true }
            return (d1 == 0 && onSegment(a, c, d)) || (d2 == 0 && onSegment(b, c, d))
                || (d3 == 0 && onSegment(c, a, b)) || (d4 == 0 && onSegment(d, a, b))
        }
        for i in 0..<(n - 2) {
            for j in (i + 2)..<n where !(i == 0 && j == n - 1) {   // edges i and j share no vertex
                if meet(points[i], points[(i + 1) % n], points[j], points[(j + 1) % n]) { return false }
            }
        }
        return true
    }
}
