import CaseStore
import Foundation
import Rules
import VideoIO

/// Watches every camera of a config in one process, one thread per stream, reconnecting on
/// failure. `stop()` (e.g. on SIGINT/SIGTERM) interrupts every stream; each then flushes its
/// incidents and closes its run before `run()` returns.
public final class LiveRunner: @unchecked Sendable {
    let store: CaseStore
    let config: StreetWardenConfig
    let makeAnalyzer: () throws -> FrameAnalyzer
    public let metrics = Metrics()
    public var reconnect = ReconnectPolicy()
    /// Analyzers shared by all streams (default: one per core).
    public var analyzers: Int?
    public var log: @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
    private let lock = NSLock()
    private var sources: [ReconnectingVideoSource] = []
    private var stopped = false

    public init(store: CaseStore, config: StreetWardenConfig, makeAnalyzer: @escaping () throws -> FrameAnalyzer) {
        self.store = store; self.config = config; self.makeAnalyzer = makeAnalyzer
    }

    public func stop() {
        lock.lock()
        stopped = true
        let s = sources
        lock.unlock()
        for src in s { src.stop() }
    }

    /// Runs until stopped; returns the cameras that failed for good, with their errors.
    public func run() -> [String: String] {
        let group = DispatchGroup()
        let failures = FailureList()
        let pool: AnalyzerPool
        do {
            pool = try AnalyzerPool(size: min(config.cameras.count, analyzers ?? ProcessInfo.processInfo.activeProcessorCount),
                                    make: makeAnalyzer)
        } catch {
            return Dictionary(uniqueKeysWithValues: config.cameras.map { ($0.id, ErrorText.line(error)) })
        }
        for cam in config.cameras {
            group.enter()
            let t = Thread {
                defer { group.leave() }
                if let e = self.watch(cam, pool: pool) { failures.add(cam.id, e) }
            }
            t.stackSize = 4 << 20
            t.start()
        }
        group.wait()
        return failures.all
    }

    func watch(_ cam: CameraConfig, pool analyzer: AnalyzerPool) -> String? {
        var runID: Int64?
        var samples = 0, frames = 0
        do {
            let key = "camera:\(cam.id)"
            let sourceID = try store.upsertSource(SourceInfo(key: key, kind: .stream, uri: cam.url, cameraID: cam.id, name: cam.name,
                                                             address: cam.address, latitude: cam.latitude, longitude: cam.longitude))
            runID = try store.beginRun(sourceID: sourceID, model: analyzer.modelName, configDigest: nil)
            let (recorder, listener) = try makeLiveRecorder(cam, sourceID: sourceID, runID: runID!, key: key)
            defer { listener?.stop() }
            // A local file is a recording, not a live stream: read once through, its times
            // from the file, failing at a cut as in `analyze` (unless its options say live: true,
            // which replays it at its end like a stream that dropped).
            var options = cam.options
            if options.live == nil { options.live = !ReconnectingVideoSource.regularOrMissingFile(cam.url) }
            let id = cam.id
            let metrics = self.metrics
            let logLine = self.log
            let source = ReconnectingVideoSource(url: cam.url, options: options, policy: cam.sampling.videoPolicy, reconnect: reconnect,
                                                 log: { line in
                                                     metrics.update(id) { $0.connected = false }
                                                     logLine("camera \(id): \(line)")
                                                 },
                                                 warn: { logLine("warning: camera \(id): \($0)") })
            lock.lock()
            let already = stopped
            sources.append(source)
            lock.unlock()
            if already { source.stop() }
            var lastReconnects = 0
            // Keyframes too far apart for the rules: said once per camera.
            var spacing = cam.sampling == .keyframes ? KeyframeSpacing(rules: cam.rules) : nil
            var spacingConnection = 0
            var lastRunSave = Date()
            while let frame = try source.nextFrame() {
                samples += 1
                if var s = spacing {
                    if source.connections != spacingConnection {   // times start again with each connection
                        s.restart()
                        spacingConnection = source.connections
                    }
                    s.note(frame.pts)
                    if let w = s.warning(input: "camera \(id)") {
                        logLine("warning: " + w)
                        spacing = nil
                    } else {
                        spacing = s
                    }
                }
                let tiles = cam.tiles
                var inf = 0.0
                // The model input is made only once an analyzer is free: streams whose keyframes
                // arrive together (cameras with aligned GOPs) then wait holding just the decoded
                // frame, not also its 1.8 MB float copy.
                let obs = try analyzer.with { a -> [Observation] in
                    if tiles > 1 {
                        let t0 = Date()
                        defer { inf = Date().timeIntervalSince(t0) }
                        return try a.analyze(frame: frame, tiles: tiles)
                    }
                    let input = frame.planarRGB(width: a.inputWidth, height: a.inputHeight)
                    let t0 = Date()
                    defer { inf = Date().timeIntervalSince(t0) }
                    return try a.analyze(planarRGB: input)
                }
                let before = recorder.stored
                try recorder.process(Sample(time: frame.wallClock.timeIntervalSince1970, wallClock: frame.wallClock, observations: obs)) {
                    RGBCanvas(frame.rgbImage())
                }
                let reconnects = max(0, source.connections - 1)
                let newEvents = recorder.stored - before
                metrics.update(id) { m in
                    m.samples += 1
                    m.frames += 1
                    m.inferenceSeconds += inf
                    m.events += newEvents
                    m.reconnects = reconnects
                    m.connected = true
                }
                lastReconnects = reconnects
                if Date().timeIntervalSince(lastRunSave) > 10 {
                    lastRunSave = Date()
                    try store.updateRun(id: runID!, frames: frames, samples: samples, mediaSeconds: 0)
                }
            }
            _ = lastReconnects
            if !source.isStopped { logLine("camera \(id): end of \(cam.url) (a local file is read once)") }
            try recorder.finish()
            try store.finishRun(id: runID!, status: "stopped", frames: frames, samples: samples, mediaSeconds: 0)
            metrics.update(id) { $0.connected = false }
            return nil
        } catch {
            let text = ErrorText.line(error)
            log("camera \(cam.id): \(text)")
            if let r = runID { try? store.finishRun(id: r, status: "failed", frames: frames, samples: samples, mediaSeconds: 0, error: text) }
            return text
        }
    }
}

final class FailureList: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var all: [String: String] = [:]
    func add(_ k: String, _ v: String) { lock.lock(); all[k] = v; lock.unlock() }
}
