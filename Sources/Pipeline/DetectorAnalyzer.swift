import Foundation
import Rules

/// Builds the analyzer for a model file. Until the Detection layer lands this reports that no
/// detector is available; afterwards it wraps `Detection.Detector`.
public enum AnalyzerFactory {
    public static func make(modelPath: String) throws -> FrameAnalyzer {
        throw PipelineError("model \(modelPath): the detector is not available in this build yet")
    }

    /// Checks the model loads (so a bad model is one clear error before any clip is touched).
    public static func check(modelPath: String) throws {
        _ = try make(modelPath: modelPath)
    }
}
