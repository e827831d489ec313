import Foundation
import NN
import Rules

/// Builds the analyzer for a model file.
public enum AnalyzerFactory {
    public static func make(modelPath: String) throws -> FrameAnalyzer {
        try ModelAnalyzer(path: modelPath)
    }

    /// Checks the model loads, so a bad model is one clear error before any clip is touched.
    public static func check(modelPath: String) throws {
        _ = try make(modelPath: modelPath)
    }
}

/// Runs the model and reads its grid head (docs/architecture.md, "Detection head contract"):
/// one output `[5 + K, Gh, Gw]` after sigmoid: objectness, centre offsets in the cell, width
/// and height as fractions of the image, then K class probabilities. A cell's score for class
/// k is `obj × cls_k`; cells at or above the class threshold become regions, then per-class
/// non-maximum suppression keeps the best of overlapping ones.
///
/// Interim: this decodes the head in Pipeline until the Detection layer's `Detector` lands;
/// then it becomes a thin wrapper over `Detector.detect(planarRGB:)`.
public final class ModelAnalyzer: FrameAnalyzer {
    let model: Model
    public let inputWidth: Int
    public let inputHeight: Int
    public let modelName: String
    let classes: [String]
    let thresholds: [Float]
    let nmsIoU: Double

    public init(path: String) throws {
        do { model = try Model.load(path: path) } catch { throw PipelineError("model \(path): \(error)") }
        let md = model.metadata
        guard md.inputShape.count == 3, md.inputChannels == 3 else { throw PipelineError("model \(path): input must be [3, H, W]") }
        inputWidth = md.inputWidth; inputHeight = md.inputHeight
        modelName = md.name
        classes = md.classes
        thresholds = md.classes.map { md.thresholds[$0] ?? 0.5 }
        nmsIoU = Double(md.nmsIoU)
    }

    public func analyze(planarRGB: [Float]) throws -> [Observation] {
        let out = try planarRGB.withUnsafeBufferPointer {
            try model.runAll(planar: $0, shape: [3, inputHeight, inputWidth])
        }
        guard let head = out.first, head.shape.count == 3, head.shape[0] == 5 + classes.count else {
            throw PipelineError("model \(modelName): output is not a [5+K, Gh, Gw] grid head")
        }
        let gh = head.shape[1], gw = head.shape[2], plane = gh * gw
        var found: [Observation] = []
        head.data.withUnsafeBufferPointer { d in
            for cell in 0..<plane {
                let obj = d[cell]
                for k in 0..<classes.count {
                    let score = obj * d[(5 + k) * plane + cell]
                    guard score >= thresholds[k] else { continue }
                    let gx = cell % gw, gy = cell / gw
                    let cx = (Double(gx) + Double(d[plane + cell])) / Double(gw)
                    let cy = (Double(gy) + Double(d[2 * plane + cell])) / Double(gh)
                    let w = Double(d[3 * plane + cell]), h = Double(d[4 * plane + cell])
                    let box = NormalizedBox(x1: max(0, cx - w / 2), y1: max(0, cy - h / 2), x2: min(1, cx + w / 2), y2: min(1, cy + h / 2))
                    found.append(Observation(className: classes[k], score: Double(score), box: box))
                }
            }
        }
        // Per-class NMS, best first.
        found.sort { $0.score > $1.score }
        var kept: [Observation] = []
        for o in found where !kept.contains(where: { $0.className == o.className && $0.box.iou(o.box) > nmsIoU }) {
            kept.append(o)
        }
        return kept
    }
}
