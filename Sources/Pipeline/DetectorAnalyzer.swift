import Foundation
import Detection
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

/// The detector (`Detection.Detector`: the model's grid head decoded, thresholded and
/// de-duplicated) as the pipeline's analyzer: regions become the rule engine's observations.
public final class ModelAnalyzer: FrameAnalyzer {
    let detector: Detector
    public let inputWidth: Int
    public let inputHeight: Int
    public let modelName: String

    public init(path: String) throws {
        do {
            let model = try Model.load(path: path)
            detector = try Detector(model: model)
            modelName = model.metadata.name
        } catch {
            throw PipelineError("model \(path): \(error)")
        }
        inputWidth = detector.inputWidth
        inputHeight = detector.inputHeight
    }

    public func analyze(planarRGB: [Float]) throws -> [Observation] {
        try detector.detect(planarRGB: planarRGB).regions.map { r in
            Observation(className: r.className, score: Double(r.score),
                        box: NormalizedBox(x1: Double(r.box.x1), y1: Double(r.box.y1), x2: Double(r.box.x2), y2: Double(r.box.y2)))
        }
    }
}
