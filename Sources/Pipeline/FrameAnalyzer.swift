import Foundation
import Geo
import Rules
import VideoIO

/// What the pipeline needs from the detector: the input size it wants and, for one frame as
/// planar float RGB at that size, the regions it finds (already thresholded and de-duplicated).
/// One analyzer serves one thread.
public protocol FrameAnalyzer: AnyObject {
    var inputWidth: Int { get }
    var inputHeight: Int { get }
    /// A short name of the model, stored with each run.
    var modelName: String { get }
    func analyze(planarRGB: [Float]) throws -> [Observation]
    /// One decoded frame, with `tiles` > 1 also an n×n grid of overlapping tiles (see
    /// `Detection.TileGrid`). The default scales the whole frame and calls `analyze(planarRGB:)`.
    func analyze(frame: VideoFrame, tiles: Int) throws -> [Observation]
}

extension FrameAnalyzer {
    public func analyze(frame: VideoFrame, tiles: Int) throws -> [Observation] {
        try analyze(planarRGB: frame.planarRGB(width: inputWidth, height: inputHeight))
    }
}

/// Finds the default model: `STREETWARDEN_MODEL`, then `models/streetwarden-v1.json` in the
/// working folder, then next to the executable (`<bin>/../../models/…`, which covers
/// `.build/release/streetwarden` in a checkout).
public enum ModelLocator {
    public static let defaultName = "models/streetwarden-v1.json"

    public static func resolve(_ explicit: String?) throws -> String {
        if let p = explicit {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: p, isDirectory: &isDir), isDir.boolValue {
                throw PipelineError("model \(p): is a directory (give NAME.json, NAME.safetensors or NAME)")
            }
            guard let found = existing(p) else { throw PipelineError("model \(p): \(FileProblem.reason(p) ?? "no such file")") }
            return found
        }
        var tried: [String] = []
        if let env = ProcessInfo.processInfo.environment["STREETWARDEN_MODEL"], !env.isEmpty {
            guard let found = existing(env) else { throw PipelineError("model \(env) (STREETWARDEN_MODEL): \(FileProblem.reason(env) ?? "no such file")") }
            return found
        }
        let cwd = FileManager.default.currentDirectoryPath + "/" + defaultName
        tried.append(cwd)
        if FileManager.default.fileExists(atPath: cwd) { return cwd }
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        for up in [2, 3] {
            var u = exe.deletingLastPathComponent()
            for _ in 0..<up { u = u.deletingLastPathComponent() }
            let p = u.appendingPathComponent(defaultName).standardizedFileURL.path
            tried.append(p)
            if FileManager.default.fileExists(atPath: p) { return p }
        }
        throw PipelineError("model: \(defaultName) not found (looked at \(tried.joined(separator: ", "))); pass --model PATH or set STREETWARDEN_MODEL")
    }

    /// A model named as its graph (`NAME.json`), its weights (`NAME.safetensors`) or its base
    /// `NAME` (as `bench infer` takes it): the path as given when it exists, else `NAME.json`.
    static func existing(_ path: String) -> String? {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue { return path }
        guard !path.hasSuffix(".json"), !path.hasSuffix(".safetensors") else { return nil }
        let json = path + ".json"
        return fm.fileExists(atPath: json) ? json : nil
    }
}
