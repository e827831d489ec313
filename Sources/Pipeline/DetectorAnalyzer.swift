import Foundation
import Detection
import NN
import Rules
import VideoIO

/// Builds the analyzer for a model file.
public enum AnalyzerFactory {
    public static func make(modelPath: String) throws -> FrameAnalyzer {
        try ModelAnalyzer(path: modelPath)
    }

    /// Checks the model loads, so a bad model is one clear error before any clip is touched,
    /// and returns a factory whose first call hands out that checked analyzer (the model is
    /// not loaded twice; a one-clip batch loads it once) and later calls load new ones.
    public static func checkedFactory(modelPath: String) throws -> @Sendable () throws -> FrameAnalyzer {
        let spare = SpareAnalyzer(try make(modelPath: modelPath))
        return { try spare.take() ?? make(modelPath: modelPath) }
    }
}

/// The analyzer loaded by the check, handed out once.
private final class SpareAnalyzer: @unchecked Sendable {
    private let lock = NSLock()
    private var analyzer: FrameAnalyzer?
    init(_ a: FrameAnalyzer) { analyzer = a }
    func take() -> FrameAnalyzer? {
        lock.lock(); defer { lock.unlock() }
        let a = analyzer
        analyzer = nil
        return a
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
        // The rules know three classes: a model that finds none of them would store nothing.
        guard detector.classes.contains(where: ViolationClass.all.contains) else {
            throw PipelineError("model \(path): none of its classes (\(detector.classes.joined(separator: ", "))) is "
                                + ViolationClass.all.joined(separator: ", ") + ", the classes the rules know")
        }
        inputWidth = detector.inputWidth
        inputHeight = detector.inputHeight
    }

    public func analyze(planarRGB: [Float]) throws -> [Observation] {
        ModelAnalyzer.observations(try detector.detect(planarRGB: planarRGB))
    }

    public func analyze(frame: VideoFrame, tiles: Int) throws -> [Observation] {
        guard tiles <= 1 else {
            return ModelAnalyzer.observations(try detector.detect(frame: frame, grid: TileGrid(n: tiles)))
        }
        // The whole frame only: scaled into the one input buffer this analyzer keeps (an
        // analyzer serves one frame at a time, as its model does).
        frame.planarRGB(width: inputWidth, height: inputHeight, into: input.pointer)
        return ModelAnalyzer.observations(try detector.detect(planar: input.buffer))
    }

    /// The model input of the frame being analyzed (64-byte aligned, reused frame after frame).
    private lazy var input = PlanarBuffer(width: inputWidth, height: inputHeight)

    static func observations(_ d: FrameDetections) -> [Observation] {
        d.regions.map { r in
            Observation(className: r.className, score: Double(r.score),
                        box: NormalizedBox(x1: Double(r.box.x1), y1: Double(r.box.y1), x2: Double(r.box.x2), y2: Double(r.box.y2)))
        }
    }
}

extension Detector {
    /// Detects on a decoded frame: the whole frame, plus the tiles of `grid` (each cropped from
    /// the full-resolution picture and resized to the model input). A tile FFmpeg cannot crop
    /// is skipped; the whole-frame pass always runs.
    public func detect(frame: VideoFrame, grid: TileGrid = .none) throws -> FrameDetections {
        let whole = frame.planarRGB(width: inputWidth, height: inputHeight)
        guard grid.n > 1 else { return try detect(planarRGB: whole) }
        var parts: [(detections: FrameDetections, crop: Box)] = []
        for crop in grid.views {
            let input: [Float]?
            if crop == Box(x1: 0, y1: 0, x2: 1, y2: 1) {
                input = whole
            } else {
                let w = Float(frame.width), h = Float(frame.height)
                let x = Int((crop.x1 * w).rounded(.down)), y = Int((crop.y1 * h).rounded(.down))
                input = frame.planarRGB(width: inputWidth, height: inputHeight, cropX: x, cropY: y,
                                        cropWidth: Int((crop.x2 * w).rounded(.up)) - x, cropHeight: Int((crop.y2 * h).rounded(.up)) - y)
            }
            guard let input else { continue }
            parts.append((try detect(planarRGB: input), crop))
        }
        return Detector.merge(parts, classes: classes, nmsIoU: nmsIoU, maxPerClass: maxRegionsPerClass)
    }
}
