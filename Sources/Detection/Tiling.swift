/// Tiled detection for objects too small for one whole-frame pass (a 40×60 px flyer in a 1080p
/// frame is about 11×16 px at the model's 512×288 input, at the edge of what it resolves).
///
/// `n` > 1 adds an n×n grid of overlapping tiles to the whole-frame pass: each tile is
/// `(1 + overlap·(n−1))/n` of the frame's width and height, resized to the model input, so
/// small objects reach the model at up to n times the size. The whole-frame pass stays, for
/// objects larger than a tile. Results of all passes merge in `Detector.merge`.
public struct TileGrid: Equatable, Sendable {
    public var n: Int
    /// Fraction of the frame's width (and height) that neighbouring tiles share (default 0.12:
    /// 230 px of a 1920 px frame, so a 40 px flyer on a tile edge lies whole inside a tile).
    public var overlap: Double

    public init(n: Int, overlap: Double = 0.12) {
        self.n = max(1, n); self.overlap = min(max(overlap, 0), 0.9)
    }

    /// The whole frame only.
    public static let none = TileGrid(n: 1)

    /// Crop rectangles in normalized image coordinates, the whole frame first.
    public var views: [Box] {
        var out = [Box(x1: 0, y1: 0, x2: 1, y2: 1)]
        guard n > 1 else { return out }
        let side = Float((1 + overlap * Double(n - 1)) / Double(n))
        let step = (1 - side) / Float(n - 1)
        for j in 0..<n {
            for i in 0..<n {
                let x = Float(i) * step, y = Float(j) * step
                out.append(Box(x1: x, y1: y, x2: min(1, x + side), y2: min(1, y + side)))
            }
        }
        return out
    }
}

extension Detector {
    /// Merges the detections of several views of one frame (`views[i].crop` is the view's
    /// rectangle in the frame, normalized): boxes map back to frame coordinates, the image-level
    /// score of a class is its best over the views, and per class the regions go through
    /// non-maximum suppression at `nmsIoU` plus containment: a box lying mostly (≥ 70 % of its
    /// area) inside a better box of its class is the same object cut by a tile edge.
    public static func merge(_ views: [(detections: FrameDetections, crop: Box)], classes: [String], nmsIoU: Float,
                             maxPerClass: Int = 50) -> FrameDetections {
        var scores: [String: Float] = [:]
        var byClass: [String: [Region]] = [:]
        for (det, crop) in views {
            for (name, s) in det.scores { scores[name] = max(scores[name] ?? 0, s) }
            let w = crop.x2 - crop.x1, h = crop.y2 - crop.y1
            for r in det.regions {
                var m = r
                m.box = Box(x1: crop.x1 + r.box.x1 * w, y1: crop.y1 + r.box.y1 * h,
                            x2: crop.x1 + r.box.x2 * w, y2: crop.y1 + r.box.y2 * h)
                byClass[r.className, default: []].append(m)
            }
        }
        var regions: [Region] = []
        for name in classes {
            let sorted = (byClass[name] ?? []).sorted { $0.score > $1.score }
            var kept: [Region] = []
            for r in sorted {
                if kept.count >= maxPerClass { break }
                let duplicate = kept.contains { k in
                    k.box.iou(r.box) > nmsIoU || r.box.intersectionArea(k.box) >= 0.7 * r.box.area
                }
                if !duplicate { kept.append(r) }
            }
            regions += kept
        }
        regions.sort { $0.score > $1.score }
        for name in classes where scores[name] == nil { scores[name] = 0 }
        return FrameDetections(scores: scores, regions: regions)
    }
}
