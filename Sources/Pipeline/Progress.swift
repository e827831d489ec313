import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Progress of a batch: a bar with ETA redrawn on a terminal (stderr), nothing otherwise
/// (per-clip lines are printed by the caller).
public final class ProgressBar: @unchecked Sendable {
    private let lock = NSLock()
    private let enabled: Bool
    private let totalSeconds: Double
    private var done: [Int: Double] = [:]
    private let started = Date()
    private var lastDraw = Date.distantPast
    private let clips: Int
    private var finished = 0

    /// - Parameter totalSeconds: media seconds in all clips (0 when unknown).
    public init(clips: Int, totalSeconds: Double, enabled: Bool = isatty(2) == 1) {
        self.clips = clips; self.totalSeconds = totalSeconds; self.enabled = enabled
    }

    public func update(clip: Int, seconds: Double) {
        lock.lock(); defer { lock.unlock() }
        done[clip] = seconds
        draw(force: false)
    }

    public func clipFinished() {
        lock.lock(); defer { lock.unlock() }
        finished += 1
        draw(force: true)
    }

    private func draw(force: Bool) {
        guard enabled, force || Date().timeIntervalSince(lastDraw) > 0.1 else { return }
        lastDraw = Date()
        let sum = done.values.reduce(0, +)
        let frac = totalSeconds > 0 ? min(1, sum / totalSeconds) : Double(finished) / Double(max(1, clips))
        let elapsed = Date().timeIntervalSince(started)
        let eta = frac > 0.001 ? elapsed * (1 - frac) / frac : 0
        let width = 30
        let filled = Int(frac * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let line = String(format: "\r%@ %3.0f%%  %d/%d clips  %.0fx  ETA %@ ", bar, frac * 100, finished, clips,
                          elapsed > 0 ? sum / elapsed : 0, Self.clock(eta))
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Clears the bar's line.
    public func end() {
        lock.lock(); defer { lock.unlock() }
        if enabled { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }

    static func clock(_ s: Double) -> String {
        let t = Int(s.rounded())
        return t >= 3600 ? String(format: "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60) : String(format: "%d:%02d", t / 60, t % 60)
    }
}
