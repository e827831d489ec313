import CaseStore
import Foundation
import Rules
import VideoIO

/// What analysing one clip did.
public struct ClipSummary: Sendable {
    public enum Status: String, Sendable { case analyzed, skipped, failed }
    public var clip: String
    public var status: Status
    /// Seconds of video in the clip.
    public var mediaSeconds: Double = 0
    /// Seconds the analysis took.
    public var wallSeconds: Double = 0
    public var frames = 0
    public var samples = 0
    /// New occurrences stored, and how many of them opened a new case.
    public var occurrences = 0
    public var newCases = 0
    /// Occurrences a re-run found already stored.
    public var alreadyStored = 0
    public var byClass: [String: Int] = [:]
    public var camera: String?
    public var error: String?
    /// Lines to print as `warning: …` (each names the clip): timestamps that jumped, keyframes
    /// too far apart for the rules.
    public var warnings: [String] = []
    /// For a moving camera: the track used and the samples it could not place.
    public var gps: PatrolSummary?

    public var speed: Double { wallSeconds > 0 ? mediaSeconds / wallSeconds : 0 }

    public var jsonObject: [String: Any] {
        var o: [String: Any] = [
            "clip": clip, "status": status.rawValue, "media_seconds": mediaSeconds, "wall_seconds": wallSeconds,
            "speed": speed, "frames": frames, "samples": samples, "occurrences": occurrences, "new_cases": newCases,
            "already_stored": alreadyStored, "by_class": byClass,
        ]
        o["camera"] = camera ?? NSNull()
        o["error"] = error ?? NSNull()
        o["warnings"] = warnings
        o["gps"] = gps?.jsonObject ?? NSNull()
        return o
    }

    public var line: String {
        switch status {
        case .failed:
            // What was stored before the failure stays stored: say so.
            let kept = samples > 0 ? String(format: " (after %d samples, %d occurrence(s) stored)", samples, occurrences) : ""
            return "\(ErrorText.escaped(clip)): failed\(kept): \(error ?? "?")"
        case .skipped: return "\(ErrorText.escaped(clip)): already analyzed, skipped"
        case .analyzed:
            let classes = byClass.keys.sorted().map { "\($0) \(byClass[$0]!)" }.joined(separator: ", ")
            return String(format: "%@: %.1f s of video in %.2f s (%.0fx), %d samples, %d occurrence(s)%@, %d new case(s)%@",
                          ErrorText.escaped(clip), mediaSeconds, wallSeconds, speed, samples, occurrences,
                          classes.isEmpty ? "" : " [\(classes)]", newCases,
                          alreadyStored > 0 ? ", \(alreadyStored) already stored" : "") + (gps.map { "; \($0.line)" } ?? "")
        }
    }
}

/// Analyses recorded clips into the store, `jobs` clips at a time.
public final class BatchRunner: @unchecked Sendable {
    let store: CaseStore
    let config: StreetWardenConfig
    let makeAnalyzer: () throws -> FrameAnalyzer
    let jobs: Int
    /// Wall-clock time of each clip's start (overrides the clip's own creation time).
    public var start: Date?
    /// Re-analyse clips that already have a complete run (events are still never duplicated).
    public var force = false
    /// A GPS track for every clip (`--gps`): clips are then analysed as from a moving camera.
    public var gps: String?
    /// Seconds added to the track's times (`--gps-offset`), overriding the camera's `gps_offset`.
    public var gpsOffset: Double?
    /// Called from worker threads with (clip index, media seconds done, clip duration if known).
    public var onProgress: (@Sendable (Int, Double, Double?) -> Void)?
    /// Called from worker threads with (clip index, summary) when a clip is done.
    public var onClipDone: (@Sendable (Int, ClipSummary) -> Void)?

    public init(store: CaseStore, config: StreetWardenConfig, jobs: Int = 1, makeAnalyzer: @escaping () throws -> FrameAnalyzer) {
        self.store = store; self.config = config; self.jobs = max(1, jobs); self.makeAnalyzer = makeAnalyzer
    }

    /// Analyses every clip; returns one summary per clip, in the order given.
    public func run(clips: [String]) -> [ClipSummary] {
        let work = WorkList(count: clips.count)
        let group = DispatchGroup()
        for _ in 0..<min(jobs, clips.count) {
            group.enter()
            let t = Thread {
                defer { group.leave() }
                var analyzer: FrameAnalyzer?
                while true {
                    guard let i = work.take() else { break }
                    var s: ClipSummary
                    do {
                        if analyzer == nil { analyzer = try self.makeAnalyzer() }
                        s = self.analyze(clip: clips[i], index: i, analyzer: analyzer!)
                    } catch {
                        s = ClipSummary(clip: clips[i], status: .failed, error: ErrorText.line(error))
                    }
                    work.put(i, s)
                    self.onClipDone?(i, s)
                }
            }
            t.stackSize = 8 << 20
            t.start()
        }
        group.wait()
        return work.results.map { $0! }
    }

    func analyze(clip: String, index: Int, analyzer: FrameAnalyzer) -> ClipSummary {
        var summary = ClipSummary(clip: clip, status: .analyzed)
        let began = Date()
        var runID: Int64?
        var recorder: SampleRecorder?
        var source: VideoSource?
        var spacing: KeyframeSpacing?
        /// The source's warnings, in the summary (also for a clip that fails part-way, whose
        /// unread rest is no gap between keyframes).
        func warn(finished: Bool) {
            guard let source else { return }
            let name = ErrorText.escaped(clip)
            if let angle = source.ignoredRotation {
                summary.warnings.append(angle.isNaN ? "\(name): its display matrix is degenerate (no rotation can be read from it); analysed as decoded"
                                        : "\(name): its display matrix turns the picture \(String(format: "%.1f", angle))° clockwise, "
                                          + "not a quarter turn; analysed as decoded")
            }
            if let w = TimestampJump.warning(source.timestampJumps, input: name) { summary.warnings.append(w) }
            if var s = spacing, summary.samples > 0 {
                if finished { s.end(at: source.position) }
                if let w = s.warning(input: name) { summary.warnings.append(w) }
            }
        }
        /// What the recorder stored, in the summary (also for a clip that fails part-way).
        func count(_ r: SampleRecorder) {
            summary.occurrences = r.stored
            summary.newCases = r.newCases
            summary.alreadyStored = r.skipped
            summary.byClass = r.countsByClass
        }
        do {
            // A clip is a file: a path, or `file:PATH` as FFmpeg's file protocol takes it.
            let path = VideoSource.localPath(of: clip) ?? clip
            var st = stat()
            guard stat(path, &st) == 0 else {   // the system's reason: missing, not allowed, a link loop
                throw PipelineError("cannot open \(clip): \(errno == ENOENT ? "no such file" : String(cString: strerror(errno)))")
            }
            guard st.st_mode & S_IFMT != S_IFDIR else { throw PipelineError("cannot open \(clip): is a directory, not a clip") }
            // A recorded clip is a file: a pipe would block for ever, a device never end.
            guard st.st_mode & S_IFMT == S_IFREG else { throw PipelineError("cannot open \(clip): not a regular file (a pipe or device); use watch for streams") }
            let sourceKey = "sha256:" + (try SHA256.fingerprint(fileAt: path))
            if !force, try store.hasCompleteRun(sourceKey: sourceKey) {
                summary.status = .skipped
                return summary
            }
            let camera = config.camera(forClip: path)
            summary.camera = camera?.id
            let cam = camera ?? config.defaults
            var options = cam.options
            if let start { options.start = start }
            options.live = false
            let track = try TrackLoader.track(forClip: path, explicit: gps, offset: gpsOffset, moving: cam.moving,
                                              timeZone: cam.rules.timeZone, clipStart: start)
            let opened = try VideoSource(url: clip, options: options, policy: cam.sampling.videoPolicy)
            source = opened
            if opened.policy == .keyframes && !opened.isStill { spacing = KeyframeSpacing(rules: cam.rules) }
            let abs = URL(fileURLWithPath: path).standardizedFileURL.path
            let sourceInfo = SourceInfo(key: sourceKey, kind: .file, uri: abs, cameraID: camera?.id, name: camera?.name,
                                        address: cam.address, latitude: cam.latitude, longitude: cam.longitude)
            // A clip with the content of one stored before takes over its source (path, camera)
            // only once its analysis completes.
            let sourceID = try store.upsertSource(sourceInfo, updateExisting: false)
            runID = try store.beginRun(sourceID: sourceID, model: analyzer.modelName, configDigest: nil)
            let site = camera.map { "camera:\($0.id)" } ?? "source:\(sourceKey)"
            let sub = camera?.id ?? String(sourceKey.dropFirst(7).prefix(16))
            let writer = EvidenceWriter(store: store, folder: config.evidenceFolder)
            let encode: (RGBCanvas) throws -> [UInt8] = { try JPEGEncoder.encode($0.rgbImage, quality: 88) }
            let active: SampleRecorder
            if let track {
                let patrol = PatrolRecorder(store: store, writer: writer, config: config, camera: cam,
                                            moving: cam.moving ?? MovingCameraConfig(), positions: FixedTrack(track),
                                            sourceID: sourceID, runID: runID!, sourceKey: sourceKey, evidenceSub: sub, encode: encode)
                try patrol.seedOpenCases(along: track)
                active = patrol
            } else {
                let incidents = IncidentRecorder(store: store, writer: writer, config: config, camera: cam, sourceID: sourceID,
                                                 runID: runID!, sourceKey: sourceKey, site: site, evidenceSub: sub, encode: encode)
                // A clip is one stream: holding a few decoded pictures costs little memory, and
                // tracks that never become violations then cost no evidence encoding.
                incidents.maxHeldPictures = 8
                active = incidents
            }
            var lastSave = Date()
            recorder = active
            while let frame = try opened.nextFrame() {
                summary.samples += 1
                spacing?.note(frame.pts)
                let obs = try analyzer.analyze(frame: frame, tiles: cam.tiles)
                try active.process(Sample(time: frame.pts, wallClock: frame.wallClock, observations: obs)) {
                    RGBCanvas(frame.rgbImage())
                }
                summary.mediaSeconds = max(summary.mediaSeconds, frame.pts)
                onProgress?(index, frame.pts, opened.duration)
                if Date().timeIntervalSince(lastSave) > 5 {
                    lastSave = Date()
                    try store.updateRun(id: runID!, frames: opened.decodedFrames, samples: summary.samples, mediaSeconds: summary.mediaSeconds)
                }
            }
            try active.finish()
            if let patrol = active as? PatrolRecorder, let track, summary.samples > 0, patrol.unpositioned.total == summary.samples {
                // A track that covers none of the clip is the wrong track or the wrong clock: the run
                // fails (a rerun with the right --start or --gps-offset then needs no --force).
                throw PipelineError("GPS track \(track.source.name) has no fix for any of the clip's \(summary.samples) sample(s) "
                                    + "(first: \(patrol.unpositioned.first ?? "no fix")); nothing was placed; check "
                                    + (track.timeReference == .clipTime ? "--gps-offset" : "the clip's start time (--start) and --gps-offset"))
            }
            summary.frames = opened.decodedFrames
            summary.mediaSeconds = max(summary.mediaSeconds, opened.duration ?? 0)
            warn(finished: true)
            count(active)
            if let patrol = active as? PatrolRecorder, let track {
                summary.gps = patrol.summary(track: track, samples: summary.samples, mediaSeconds: max(summary.mediaSeconds, opened.duration ?? 0))
            }
            summary.wallSeconds = Date().timeIntervalSince(began)
            _ = try store.upsertSource(sourceInfo)
            try store.finishRun(id: runID!, status: "complete", frames: summary.frames, samples: summary.samples,
                                mediaSeconds: summary.mediaSeconds)
        } catch {
            summary.status = .failed
            summary.error = ErrorText.line(error)
            if summary.warnings.isEmpty { warn(finished: false) }
            // Pictures before the damage were analysed and their events stored: their open
            // incidents end where the clip stopped, and the summary counts them.
            if let r = recorder {
                try? r.finish()
                count(r)
            }
            summary.wallSeconds = Date().timeIntervalSince(began)
            if let r = runID {
                try? store.finishRun(id: r, status: "failed", frames: summary.frames, samples: summary.samples,
                                     mediaSeconds: summary.mediaSeconds, error: ErrorText.line(error))
            }
        }
        return summary
    }
}

extension Sampling {
    var videoPolicy: SamplingPolicy {
        switch self {
        case .keyframes: return .keyframes
        case .everyFrame: return .everyFrame
        case .rate(let f): return .rate(f)
        }
    }
}

extension RGBCanvas {
    init(_ image: RGBImage) { self.init(width: image.width, height: image.height, pixels: image.pixels) }
    var rgbImage: RGBImage { RGBImage(width: width, height: height, pixels: pixels) }
}

/// Hands out clip indices to workers and collects their summaries.
final class WorkList: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private let count: Int
    private(set) var results: [ClipSummary?]
    init(count: Int) { self.count = count; results = Array(repeating: nil, count: count) }
    func take() -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard next < count else { return nil }
        next += 1
        return next - 1
    }
    func put(_ i: Int, _ s: ClipSummary) { lock.lock(); results[i] = s; lock.unlock() }
}
