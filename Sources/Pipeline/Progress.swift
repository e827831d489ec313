import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Progress of a batch: a bar with ETA redrawn on a terminal (stderr), nothing otherwise
/// (per-clip lines are printed by the caller).
public final class ProgressBar: @unchecked Sendable {
    private let lock = NSLock()
    private let enabled: Bool
    private var done: [Int: Double] = [:]
    private var fraction: [Int: Double] = [:]
    private let started = Date()
    private var lastDraw = Date.distantPast
    private let clips: Int
    private var finished = 0

    public init(clips: Int, enabled: Bool = isatty(2) == 1) {
        self.clips = clips; self.enabled = enabled
    }

    /// Clip `clip` has reached `seconds` of its `duration` (nil when unknown).
    public func update(clip: Int, seconds: Double, duration: Double?) {
        lock.lock(); defer { lock.unlock() }
        done[clip] = seconds
        if let d = duration, d > 0 { fraction[clip] = min(1, seconds / d) }
        draw(force: false)
    }

    public func clipFinished(_ clip: Int) {
        lock.lock(); defer { lock.unlock() }
        finished += 1
        fraction[clip] = 1
        draw(force: true)
    }

    private func draw(force: Bool) {
        guard enabled, force || Date().timeIntervalSince(lastDraw) > 0.1 else { return }
        lastDraw = Date()
        let sum = done.values.reduce(0, +)
        let frac = fraction.values.reduce(0, +) / Double(max(1, clips))
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
