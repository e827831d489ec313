import ArgumentParser
import CaseStore
import Foundation
import Pipeline
import VideoIO

struct Analyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Analyze recorded clips into the case store.",
        discussion: """
        Each clip is decoded in-process (keyframes by default), run through the detector and the rules \
        (zones, dwell, hysteresis), and every violation is stored once with its evidence. Re-running a clip \
        never duplicates its events; a clip whose last run completed is skipped (use --force to redo it).
        """)

    @Argument(help: "Video files to analyze.") var clips: [String]
    @Option(help: "The SQLite case store (created if missing).") var db: String = "streetwarden.sqlite"
    @Option(help: "Camera config (YAML, see docs/config.md).") var config: String?
    @Option(help: "Model: NAME.json, NAME.safetensors or NAME, the pair beside each other (default: models/streetwarden-v1.json, or STREETWARDEN_MODEL).") var model: String?
    @Option(parsing: .unconditional, help: "Clips analysed in parallel.") var jobs: Int = 1
    @Option(help: "Wall-clock time of each clip's start (ISO 8601), for schedules; default: the clip's creation time.")
    var start: String?
    @Option(help: "GPS track of a patrol drive (GPX, NMEA, CSV or SRT telemetry): the clips are analysed as from a moving camera (docs/patrol.md).")
    var gps: String?
    @Option(name: .customLong("gps-offset"), parsing: .unconditional, help: "Seconds added to the track's times, for clock skew (positive: the GPS clock is behind the camera's).")
    var gpsOffset: Double?
    @Flag(help: "Print a machine-readable summary (JSON) instead of lines.") var json = false
    @Flag(help: "Analyze clips again even if a complete run exists.") var force = false

    func run() throws {
        try reportErrors {
            guard jobs >= 1 else { throw CLIError("--jobs must be at least 1") }
            var startDate: Date?
            if let s = start {
                guard let d = VideoSourceOptions.parseDate(s) else { throw CLIError("--start \(s): not a date-time such as 2026-11-29T08:00:00+08:00 or 2026-11-29 08:00Z (ISO 8601 with a zone: Z, ±HH:MM or ±HHMM) from 1970 to 2999") }
                startDate = d
            }
            let cfg = try config.map { try StreetWardenConfig.load(path: $0) } ?? StreetWardenConfig()
            if gpsOffset != nil && gps == nil && !cfg.cameras.contains(where: { $0.moving != nil }) && cfg.defaults.moving == nil {
                throw CLIError("--gps-offset needs a track: give --gps TRACK or a moving camera in the config")
            }
            if let o = gpsOffset, !o.isFinite || abs(o) > 86_400 { throw CLIError("--gps-offset \(o): must be within ±86400 seconds") }
            if let gps {  // a bad track is reported before any work starts
                do { _ = try TrackLoader.track(forClip: clips.first ?? "", explicit: gps, offset: gpsOffset, moving: nil, timeZone: .current) }
                catch { throw CLIError("--gps \(error)") }
            }
            do { try cfg.checkEvidenceFolder(database: db) } catch {
                throw CLIError(config.map { "config \($0): \(error)" } ?? "\(error) (--db \(db))")
            }
            let modelPath = try ModelLocator.resolve(model)
            let makeAnalyzer = try AnalyzerFactory.checkedFactory(modelPath: modelPath)
            let store = try CaseStore(path: db)
            let runner = BatchRunner(store: store, config: cfg, jobs: jobs, makeAnalyzer: makeAnalyzer)
            runner.start = startDate
            runner.force = force
            runner.gps = gps
            runner.gpsOffset = gpsOffset
            let bar = ProgressBar(clips: clips.count, enabled: isatty(2) == 1 && !json)
            runner.onProgress = { i, t, d in bar.update(clip: i, seconds: t, duration: d) }
            runner.onClipDone = { i, s in
                bar.end()
                if !json {
                    print(s.line)
                    fflush(stdout)
                }
                for w in s.warnings { FileHandle.standardError.write(Data("warning: \(w)\n".utf8)) }
                bar.clipFinished(i)
            }
            let results = runner.run(clips: clips)
            bar.end()
            if json {
                print(CaseFormatter.json(results.map(\.jsonObject)))
            } else {
                let total = results.reduce(0) { $0 + $1.occurrences }
                let failed = results.filter { $0.status == .failed }.count
                print("\(results.count) clip(s), \(total) new occurrence(s), \(failed) failed; database \(ErrorText.escaped(db))")
            }
            // Each failed clip also gets its one error line on stderr (stdout holds the results).
            let failed = results.filter { $0.status == .failed }
            for f in failed {
                let message = f.error ?? "failed"
                let clip = ErrorText.escaped(f.clip)
                let line = message.contains(clip) ? message : "\(clip): \(message)"
                FileHandle.standardError.write(Data("error: \(line)\n".utf8))
            }
            if !failed.isEmpty { throw ExitCode(1) }
        }
    }
}
