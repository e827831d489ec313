import ArgumentParser
import CaseStore
import Foundation
import Pipeline
import VideoIO

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
    @Option(help: "Model file (default: models/streetwarden-v1.json, or STREETWARDEN_MODEL).") var model: String?
    @Option(help: "Serve Prometheus metrics on 127.0.0.1:PORT (overrides the config).") var metricsPort: Int?

    func run() throws {
        try reportErrors {
            let cfg = try StreetWardenConfig.load(path: config)
            guard !cfg.cameras.isEmpty else { throw CLIError("config \(config): no cameras") }
            let modelPath = try ModelLocator.resolve(model)
            try AnalyzerFactory.check(modelPath: modelPath)
            let store = try CaseStore(path: db)
            let runner = LiveRunner(store: store, config: cfg) { try AnalyzerFactory.make(modelPath: modelPath) }
            var server: MetricsServer?
            if let port = metricsPort ?? cfg.metricsPort {
                server = try MetricsServer(port: port, metrics: runner.metrics)
                server?.start()
                FileHandle.standardError.write(Data("metrics on http://127.0.0.1:\(server!.port)/metrics\n".utf8))
            }
            let signal = StopSignal { sig in
                FileHandle.standardError.write(Data("signal \(sig): stopping \(cfg.cameras.count) stream(s)\n".utf8))
                runner.stop()
            }
            FileHandle.standardError.write(Data("watching \(cfg.cameras.count) camera(s) into \(db)\n".utf8))
            let failures = runner.run()
            withExtendedLifetime(signal) {}
            server?.stop()
            let m = runner.metrics.snapshot()
            let samples = m.values.reduce(0) { $0 + $1.samples }, events = m.values.reduce(0) { $0 + $1.events }
            print("stopped: \(samples) sample(s), \(events) new occurrence(s) stored in \(db)")
            if !failures.isEmpty {
                throw CLIError(failures.keys.sorted().map { "camera \($0): \(failures[$0]!)" }.joined(separator: "; "))
            }
        }
    }
}
