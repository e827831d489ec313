import ArgumentParser
import CaseStore
import Foundation
import Geo
import Pipeline
import VideoIO
#if canImport(Glibc)
import Glibc
#endif

struct Watch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Watch live streams from a camera config.",
        discussion: """
        All cameras run in this one process, one thread each, reconnecting with backoff when a stream fails. \
        SIGINT or SIGTERM stops every stream, stores what is pending and exits with status 0. With \
        `metrics: {port: N}` in the config (or --metrics-port), Prometheus text is served on 127.0.0.1:N.
        """)

    @Option(help: "Camera config (YAML, see docs/config.md); a file holding only a URL works too.") var config: String
    @Option(help: "The SQLite case store (created if missing).") var db: String = "streetwarden.sqlite"
    @Option(help: "Model: NAME.json, NAME.safetensors or NAME, the pair beside each other (default: models/streetwarden-v1.json, or STREETWARDEN_MODEL).") var model: String?
    @Option(parsing: .unconditional, help: "Serve Prometheus metrics on 127.0.0.1:PORT (overrides the config).") var metricsPort: Int?

    func run() throws {
        try reportErrors {
            #if canImport(Glibc)
            // Many streams, each freeing multi-megabyte frame buffers at its own pace: give large
            // blocks back to the system at once (mmap above 128 KiB, trim above 128 KiB) and keep
            // the arenas few, so resident memory follows what streams hold, not what they held
            // (measured: 24 → 18 MB per 1080p stream, benchmarks/RESULTS.md).
            _ = glibcMallopt(-3, 128 * 1024)  // M_MMAP_THRESHOLD
            _ = glibcMallopt(-1, 128 * 1024)  // M_TRIM_THRESHOLD
            _ = glibcMallopt(-8, 2)           // M_ARENA_MAX
            #endif
            // SIGINT and SIGTERM are taken from the start: one that arrives while the model loads
            // stops the streams as soon as they exist (status 0), not the process mid-start.
            let pending = PendingStop()
            let signal = StopSignal { sig in pending.request(sig) }
            defer { withExtendedLifetime(signal) {} }
            if let p = metricsPort, !(1...65535).contains(p) { throw CLIError("--metrics-port \(p): must be a port number, 1 to 65535") }
            let cfg = try StreetWardenConfig.load(path: config)
            guard !cfg.cameras.isEmpty else { throw CLIError("config \(config): no cameras") }
            // A camera that is a local file must be there (a bare "42" in the config is a typo,
            // not a stream to wait for), and a stream URL's protocol must exist (`rstp://` is a
            // typo); whether the stream is up is not checked: watch waits for it.
            for cam in cfg.cameras {
                if let path = VideoSource.localPath(of: cam.url), !path.contains("%"),
                   let reason = FileProblem.reason(path, regularOnly: false) {   // a device or pipe is the user's choice
                    throw CLIError("config \(config): camera '\(cam.id)': \(cam.url): \(reason)")
                }
                if let problem = VideoSource.schemeProblem(of: cam.url) {
                    throw CLIError("config \(config): camera '\(cam.id)': \(cam.url): \(problem)")
                }
            }
            do { try cfg.checkEvidenceFolder(database: db) } catch { throw CLIError("config \(config): \(error)") }
            let modelPath = try ModelLocator.resolve(model)
            let makeAnalyzer = try AnalyzerFactory.checkedFactory(modelPath: modelPath)
            let store = try CaseStore(path: db)
            let runner = LiveRunner(store: store, config: cfg, makeAnalyzer: makeAnalyzer)
            var server: MetricsServer?
            if let port = metricsPort ?? cfg.metricsPort {
                server = try MetricsServer(port: port, metrics: runner.metrics)
                server?.start()
                FileHandle.standardError.write(Data("metrics on http://127.0.0.1:\(server!.port)/metrics\n".utf8))
            }
            pending.attach { sig in
                FileHandle.standardError.write(Data("signal \(sig): stopping \(cfg.cameras.count) stream(s)\n".utf8))
                runner.stop()
            }
            FileHandle.standardError.write(Data("watching \(cfg.cameras.count) camera(s) into \(ErrorText.escaped(db))\n".utf8))
            let failures = runner.run()
            server?.stop()
            let m = runner.metrics.snapshot()
            let samples = m.values.reduce(0) { $0 + $1.samples }, events = m.values.reduce(0) { $0 + $1.events }
            print("stopped: \(samples) sample(s), \(events) new occurrence(s) stored in \(ErrorText.escaped(db))")
            if !failures.isEmpty {
                throw CLIError(failures.keys.sorted().map { "camera \($0): \(failures[$0]!)" }.joined(separator: "; "))
            }
        }
    }
}

#if canImport(Glibc)
/// glibc's `mallopt` (malloc.h is not part of the Glibc module).
@_silgen_name("mallopt")
func glibcMallopt(_ param: Int32, _ value: Int32) -> Int32
#endif

/// A stop asked for by a signal, kept until there is something to stop: `attach` runs the
/// stop at once if the signal came first, else when it comes.
final class PendingStop: @unchecked Sendable {
    private let lock = NSLock()
    private var signal: Int32?
    private var stop: ((Int32) -> Void)?

    func request(_ sig: Int32) {
        lock.lock()
        signal = sig
        let s = stop
        lock.unlock()
        s?(sig)
    }

    func attach(_ body: @escaping (Int32) -> Void) {
        lock.lock()
        stop = body
        let early = signal
        lock.unlock()
        if let early { body(early) }
    }
}
