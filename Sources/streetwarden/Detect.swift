import ArgumentParser
import Detection
import Foundation
import NN
import Pipeline
import VideoIO

/// `streetwarden detect INPUT...`: runs the model on still images and on clips (sampled frames)
/// and prints, per image or sampled frame, the image-level score of every class and the
/// detections that pass the model's per-class thresholds. A bad input is reported on stderr and
/// skipped; the exit status is 1 when any input failed.
struct Detect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract: "Run the detector on images and clips.",
        discussion: """
        jsonl prints one object per image or sampled frame:
        {"input":PATH,"frame_pts":S or null,"scores":{"street_vending":p,...},"detections":[{"class":NAME,"score":p,"box":[x1,y1,x2,y2]}]}
        Boxes are in the input's pixel coordinates; frame_pts is null for still images.
        """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case jsonl, table }

    @Argument(help: "Images (JPEG/PNG) and video files or stream URLs.") var inputs: [String]
    @Option(help: "Model: NAME.json, NAME.safetensors or NAME, the pair beside each other (default: models/streetwarden-v1.json, or STREETWARDEN_MODEL).") var model: String?
    @Option(help: "Output: jsonl (one JSON object per frame) or table.") var format: Format = .jsonl
    @Option(parsing: .unconditional, help: "Frames per second sampled from clips (0: keyframes only).") var fps: Double = 1
    @Option(parsing: .unconditional, help: "Stop each clip after this many sampled frames (0: no limit).") var maxFrames: Int = 0
    @Option(parsing: .unconditional, help: "Also run an N×N grid of overlapping tiles (2–4) besides the whole frame, for small objects such as flyers (costs N²+1 passes).")
    var tiles: Int = 1

    func validate() throws {
        guard fps >= 0, fps.isFinite else { throw ValidationError("--fps must be a finite number ≥ 0, not \(fps)") }
        guard maxFrames >= 0 else { throw ValidationError("--max-frames must be ≥ 0") }
        guard (1...4).contains(tiles) else { throw ValidationError("--tiles must be 1…4") }
    }

    func run() throws {
        let detector: Detector
        do {
            let path = try ModelLocator.resolve(model)
            detector = try Detector(model: try Model.load(path: path))
        } catch {
            FileHandle.standardError.write(Data("error: \(ErrorText.line(error))\n".utf8))
            throw ExitCode(1)
        }
        var failed = 0
        if format == .table { print(Self.tableHeader(detector.classes)) }
        for input in inputs {
            do {
                try detect(input: input, with: detector)
            } catch {
                failed += 1
                let message = ErrorText.line(error as? VideoError ?? PipelineError("\(input): \(ErrorText.line(error))"))
                FileHandle.standardError.write(Data("error: \(message)\n".utf8))
            }
        }
        if failed > 0 {
            FileHandle.standardError.write(Data("error: \(failed) of \(inputs.count) input(s) failed\n".utf8))
            throw ExitCode(1)
        }
    }

    private func detect(input: String, with detector: Detector) throws {
        let source = try VideoSource(url: input, policy: fps > 0 ? .rate(fps) : .keyframes)
        var frames = 0
        while let frame = try source.nextFrame() {
            let result = try detector.detect(frame: frame, grid: TileGrid(n: tiles))
            let pts: Double? = source.isStill ? nil : frame.pts
            switch format {
            case .jsonl:
                print(Self.jsonLine(input: input, pts: pts, result: result, classes: detector.classes,
                                    width: frame.width, height: frame.height))
            case .table:
                print(Self.tableRow(input: input, pts: pts, result: result, classes: detector.classes,
                                    width: frame.width, height: frame.height))
            }
            StreetWarden.checkStandardOutput()
            frames += 1
            if source.isStill || (maxFrames > 0 && frames >= maxFrames) { break }
        }
        if frames == 0 { throw CLIError("\(input): no frames decoded") }
    }

    /// Pixel box of a normalized region box, rounded to 0.1 px.
    static func pixelBox(_ b: Box, width: Int, height: Int) -> [Double] {
        let w = Double(width), h = Double(height)
        return [Double(b.x1) * w, Double(b.y1) * h, Double(b.x2) * w, Double(b.y2) * h].map { ($0 * 10).rounded() / 10 }
    }

    static func jsonLine(input: String, pts: Double?, result: FrameDetections, classes: [String],
                         width: Int, height: Int) -> String {
        let scores = classes.map { "\(jsonString($0)):\(number(Double(result.scores[$0] ?? 0)))" }.joined(separator: ",")
        let dets = result.regions.map { r -> String in
            let box = pixelBox(r.box, width: width, height: height).map(number).joined(separator: ",")
            return "{\"class\":\(jsonString(r.className)),\"score\":\(number(Double(r.score))),\"box\":[\(box)]}"
        }.joined(separator: ",")
        let p = pts.map { number(($0 * 1000).rounded() / 1000) } ?? "null"
        return "{\"input\":\(jsonString(input)),\"frame_pts\":\(p),\"scores\":{\(scores)},\"detections\":[\(dets)]}"
    }

    static func tableHeader(_ classes: [String]) -> String {
        (["input", "pts"] + classes + ["detections"]).joined(separator: "\t")
    }

    static func tableRow(input: String, pts: Double?, result: FrameDetections, classes: [String],
                         width: Int, height: Int) -> String {
        let scores = classes.map { String(format: "%.3f", Double(result.scores[$0] ?? 0)) }
        let dets = result.regions.map { r -> String in
            let b = pixelBox(r.box, width: width, height: height).map { String(Int($0.rounded())) }.joined(separator: ",")
            return "\(r.className)@\(String(format: "%.2f", Double(r.score)))[\(b)]"
        }
        let p = pts.map { String(format: "%.2f", $0) } ?? "-"
        return ([input, p] + scores + [dets.isEmpty ? "-" : dets.joined(separator: " ")]).joined(separator: "\t")
    }

    static func number(_ v: Double) -> String {
        guard v.isFinite else { return "0" }
        if v == v.rounded() && abs(v) < 1e15 { return String(Int64(v)) }
        return String(format: "%.4g", v)
    }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }
}
