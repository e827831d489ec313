import NN

/// Runs a grid-head detection model and turns its output into regions per class.
///
/// Head contract (docs/architecture.md): output `[5 + K, Gh, Gw]`, every channel already
/// sigmoid'd. Channel 0 objectness; 1–2 the box centre's offset in its cell
/// (`cx = (gx + c1) / Gw`); 3–4 box width and height as fractions of the image; 5… the K
/// class probabilities in the order of the model's `classes`.
public final class Detector: @unchecked Sendable {
    public let model: Model
    public let classes: [String]
    public let thresholds: [Float]
    public let nmsIoU: Float
    /// Most regions kept per class per frame.
    public var maxRegionsPerClass = 50

    /// Input the model expects: planar RGB, `[3, height, width]`, values 0…1.
    public var inputWidth: Int { model.metadata.inputWidth }
    public var inputHeight: Int { model.metadata.inputHeight }

    public init(model: Model) throws {
        let m = model.metadata
        guard m.headType == "grid" else { throw ModelError("\(model.file): head type '\(m.headType)' is not 'grid'") }
        guard m.inputChannels == 3 else { throw ModelError("\(model.file): input has \(m.inputChannels) channels, detection needs 3 (RGB)") }
        // Checked here, at load, so a wrong head is one error about the model, not one per input.
        let head = model.outputShapes[0]
        guard head.count == 3, head[0] == 5 + m.classes.count else {
            throw ModelError("\(model.file): head output '\(m.outputs[0])' has shape \(head), not [5 + \(m.classes.count), Gh, Gw]")
        }
        self.model = model
        self.classes = m.classes
        self.thresholds = m.classes.map { m.thresholds[$0] ?? 0.5 }
        self.nmsIoU = m.nmsIoU
    }

    /// Detects on one frame already scaled to `inputWidth × inputHeight`, planes R, G, B,
    /// values 0…1 (what `VideoFrame.planarRGB(width:height:)` returns).
    public func detect(planarRGB: [Float]) throws -> FrameDetections {
        try planarRGB.withUnsafeBufferPointer { try detect(planar: $0) }
    }

    /// `detect(planarRGB:)` over a caller's buffer (no copy): a buffer kept across frames.
    public func detect(planar: UnsafeBufferPointer<Float>) throws -> FrameDetections {
        let shape = model.metadata.inputShape
        guard planar.count == shape.reduce(1, *) else {
            throw ModelError("detect: frame has \(planar.count) values, model \(model.file) needs 3×\(inputHeight)×\(inputWidth) = \(shape.reduce(1, *))")
        }
        return try decode(try model.runAll(planar: planar, shape: shape)[0])
    }

    /// Turns a head tensor into scores and regions (exposed for tests and other runners).
    public func decode(_ head: Tensor) throws -> FrameDetections {
        let k = classes.count
        guard head.shape.count == 3, head.shape[0] == 5 + k else {
            throw ModelError("\(model.file): head output \(head.shape) is not [5 + \(k), Gh, Gw]")
        }
        // A NaN passes no threshold: weights that overflow (finite but huge) would otherwise
        // make a model that runs and never finds anything.
        if head.data.contains(where: { !$0.isFinite }) {
            throw ModelError("\(model.file): the model's output holds NaN or infinite values (damaged or out-of-range weights)")
        }
        return Detector.decode(head, classes: classes, thresholds: thresholds, nmsIoU: nmsIoU,
                               maxPerClass: maxRegionsPerClass)
    }

    public static func decode(_ head: Tensor, classes: [String], thresholds: [Float], nmsIoU: Float,
                              maxPerClass: Int = 50) -> FrameDetections {
        let gh = head.shape[1], gw = head.shape[2], plane = gh * gw
        var scores = [Float](repeating: 0, count: classes.count)
        var candidates = [[Region]](repeating: [], count: classes.count)
        head.data.withUnsafeBufferPointer { d in
            for gy in 0..<gh {
                for gx in 0..<gw {
                    let cell = gy * gw + gx
                    let obj = d[cell]
                    var box: Box?
                    for c in classes.indices {
                        let s = obj * d[(5 + c) * plane + cell]
                        scores[c] = max(scores[c], s)
                        guard s >= thresholds[c], s > 0 else { continue }
                        if box == nil {
                            let cx = (Float(gx) + d[plane + cell]) / Float(gw)
                            let cy = (Float(gy) + d[2 * plane + cell]) / Float(gh)
                            let w = d[3 * plane + cell], h = d[4 * plane + cell]
                            box = Box(x1: clamp(cx - w / 2), y1: clamp(cy - h / 2), x2: clamp(cx + w / 2), y2: clamp(cy + h / 2))
                        }
                        candidates[c].append(Region(className: classes[c], score: s, box: box!))
                    }
                }
            }
        }
        var regions: [Region] = []
        for c in classes.indices {
            regions += nonMaximumSuppression(candidates[c], iou: nmsIoU, limit: maxPerClass)
        }
        regions.sort { $0.score > $1.score }
        var byName: [String: Float] = [:]
        for (c, name) in classes.enumerated() { byName[name] = scores[c] }
        return FrameDetections(scores: byName, regions: regions)
    }

    /// Greedy NMS: keeps the best box, drops those overlapping it by more than `iou`, repeats.
    public static func nonMaximumSuppression(_ regions: [Region], iou: Float, limit: Int = .max) -> [Region] {
        let sorted = regions.sorted { $0.score > $1.score }
        var kept: [Region] = []
        for r in sorted {
            if kept.count >= limit { break }
            if kept.allSatisfy({ $0.box.iou(r.box) <= iou }) { kept.append(r) }
        }
        return kept
    }
}

@inline(__always)
private func clamp(_ v: Float) -> Float { min(max(v, 0), 1) }
