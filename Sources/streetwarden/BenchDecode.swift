import ArgumentParser
import Foundation
import Pipeline
import VideoIO

/// `streetwarden bench decode INPUT`: decode + scale throughput of one input, one line (or one
/// JSON object) of figures. The peer to compare with is `ffmpeg -threads N -i INPUT -f null -`
/// (see benchmarks/decode.sh).
struct BenchDecode: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode an input and scale every sampled frame to the model input size; print frames, seconds, fps and real-time factor.")

    enum Mode: String, ExpressibleByArgument, CaseIterable {
        case all, keyframes
    }

    @Argument(help: "A video file, still image or stream URL (rtsp://, rtmp://, http(s)://, udp://, tcp://).")
    var input: String

    @Option(help: "all: every frame; keyframes: keyframes only.")
    var mode: Mode = .all

    @Option(parsing: .unconditional, help: "Decoder threads (0 lets FFmpeg choose).")
    var threads: Int = 1

    @Option(parsing: .unconditional, help: "Stop after this many seconds of input (for live URLs).")
    var duration: Double?

    @Option(parsing: .unconditional, help: "Scale target WxH (the model input size).")
    var size: String = "512x288"

    @Option(name: .customLong("option"), help: "An FFmpeg or source option key=value (repeatable), e.g. rtsp_transport=udp.")
    var sourceOptions: [String] = []

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    @Flag(help: ArgumentHelp("Decode only, no scaling (splits decode from scaling cost).", visibility: .hidden))
    var decodeOnly = false

    func validate() throws {
        guard (0...256).contains(threads) else { throw ValidationError("--threads must be 0 (automatic) to 256") }
        if let d = duration, !(d > 0 && d.isFinite) { throw ValidationError("--duration must be a finite number of seconds above 0, not \(d)") }
        guard parsedSize() != nil else { throw ValidationError("--size must look like 512x288, each side 1 to 8192") }
    }

    private func parsedSize() -> (Int, Int)? {
        let parts = size.lowercased().split(separator: "x").compactMap { Int($0) }
        guard parts.count == 2, (1...8192).contains(parts[0]), (1...8192).contains(parts[1]) else { return nil }
        return (parts[0], parts[1])
    }

    func run() throws {
        let (w, h) = parsedSize()!
        var options = VideoSourceOptions()
        options.threads = threads
        do {
            for o in sourceOptions { try options.set(o) }
            let result = try Self.measure(input: input, options: options, mode: mode, width: w, height: h,
                                          limit: duration, scale: !decodeOnly)
            if json {
                print(String(format: "{\"frames\":%d,\"seconds\":%.6f,\"fps\":%.3f,\"realtime_factor\":%.3f,\"mode\":\"%@\"}",
                             result.frames, result.seconds, result.fps, result.realtimeFactor, mode.rawValue))
            } else {
                print(String(format: "%@: %d frames in %.3f s, %.1f fps, %.1fx real time (mode %@, %d thread(s), scaled to %dx%d)",
                             input, result.frames, result.seconds, result.fps, result.realtimeFactor,
                             mode.rawValue, threads, w, h))
            }
        } catch let e as VideoError {
            FileHandle.standardError.write(Data(("error: \(ErrorText.line(e))\n").utf8))
            throw ExitCode(1)
        }
    }

    struct Result { var frames: Int; var seconds: Double; var fps: Double; var realtimeFactor: Double }

    static func measure(input: String, options: VideoSourceOptions, mode: Mode, width: Int, height: Int,
                        limit: Double?, scale: Bool = true) throws -> Result {
        let clock = ContinuousClock()
        let started = clock.now
        let source = try VideoSource(url: input, options: options, policy: mode == .all ? .everyFrame : .keyframes)
        var frames = 0
        var checksum: Float = 0
        let planes = PlanarBuffer(width: width, height: height)
        while let frame = try source.nextFrame() {
            if scale {
                frame.planarRGB(width: width, height: height, into: planes.pointer)
                checksum += planes.pointer[planes.count / 2]
            }
            frames += 1
            if let limit, source.position >= limit { break }
        }
        let elapsed = clock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        // Input time covered: the demuxed span (all packets, sampled or not).
        var covered = source.position
        if let d = source.duration, limit == nil { covered = max(covered, d) }
        if checksum.isNaN { FileHandle.standardError.write(Data("warning: NaN in scaled output\n".utf8)) }
        return Result(frames: frames, seconds: seconds, fps: seconds > 0 ? Double(frames) / seconds : 0,
                      realtimeFactor: seconds > 0 ? covered / seconds : 0)
    }
}
