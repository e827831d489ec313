import Foundation

/// A live input that survives drops: when opening or reading fails, or a live stream ends, it
/// logs FFmpeg's reason, waits (exponential backoff with jitter) and opens the URL again.
/// Frames keep coming from `nextFrame()` across reconnects; after a reconnect, `pts` starts
/// again from about 0 while `wallClock` stays the arrival time, so rules should use `wallClock`.
///
/// `stop()` (from any thread, e.g. a `StopSignal` handler) interrupts a blocked read or a
/// backoff wait at once; `nextFrame()` then returns nil.
public final class ReconnectingVideoSource: @unchecked Sendable {
    public let url: String
    public let options: VideoSourceOptions
    public let policy: SamplingPolicy
    public let reconnect: ReconnectPolicy
    /// The input's name with any password masked.
    public let input: String

    private let log: @Sendable (String) -> Void
    private let warn: @Sendable (String) -> Void
    /// Timestamp jumps of the current connection already reported.
    private var jumpsReported = 0
    private let lock = NSCondition()
    private var current: VideoSource?
    private var stopped = false
    private let stopFlag = StopFlag()
    private var consecutiveFailures = 0
    private var rng = SystemRandomNumberGenerator()
    /// Successful opens so far (1 after the first connection, 2 after one reconnect, …).
    public private(set) var connections = 0
    /// Failures so far (open errors, read errors, ends of stream).
    public private(set) var failures = 0

    /// - Parameters:
    ///   - log: receives one line per failure and per reconnect
    ///     (`read failed on udp://…: Connection refused; retrying in 2.1 s`); stderr by default.
    ///   - warn: receives one line per jump in the stream's timestamps (an encoder restart:
    ///     see `VideoSource.timestampJumps`); `warning: …` on stderr by default.
    public init(url: String, options: VideoSourceOptions = VideoSourceOptions(), policy: SamplingPolicy = .keyframes,
                reconnect: ReconnectPolicy = ReconnectPolicy(),
                log: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) },
                warn: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data(("warning: " + $0 + "\n").utf8)) }) {
        self.url = url
        self.options = options
        self.policy = policy
        self.reconnect = reconnect
        self.input = displayName(of: url)
        self.log = log
        self.warn = warn
        self.localFile = Self.regularOrMissingFile(url)
    }

    /// The URL names a local regular file, or a local path where nothing is: opening it again
    /// cannot succeed where it failed once (a device or a pipe may come back; those are retried).
    private let localFile: Bool

    public static func regularOrMissingFile(_ url: String) -> Bool {
        guard let path = VideoSource.localPath(of: url), path != "-" else { return false }
        if path.isEmpty { return true }
        var st = stat()
        guard stat(path, &st) == 0 else { return errno == ENOENT || errno == ENOTDIR }
        return st.st_mode & S_IFMT == S_IFREG || st.st_mode & S_IFMT == S_IFDIR
    }

    /// Stops for good: interrupts any blocking call and any backoff wait. Safe from any thread.
    public func stop() {
        stopFlag.set()
        lock.lock()
        stopped = true
        let source = current
        lock.broadcast()
        lock.unlock()
        source?.stop()
    }

    public var isStopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopped
    }

    /// The next sampled frame, reconnecting as often as needed; nil once stopped (or at the
    /// end of an input that turned out not to be live).
    /// - Throws: `.invalidOption` errors, and failures to open or read a local file, at once
    ///   (retrying cannot help), and the last error after `reconnect.maxAttempts` consecutive failures.
    public func nextFrame() throws -> VideoFrame? {
        while !isStopped {
            let source: VideoSource
            if let s = current {
                source = s
            } else {
                do {
                    let s = try VideoSource(url: url, options: options, policy: policy, stopFlag: stopFlag)
                    lock.lock()
                    if stopped { lock.unlock(); return nil }
                    current = s
                    connections += 1
                    jumpsReported = 0
                    lock.unlock()
                    if connections > 1 { log("reconnected to \(input) after \(consecutiveFailures) failure(s)") }
                    source = s
                } catch let e as VideoError where e.kind == .invalidOption {
                    throw e
                } catch {
                    if localFile { throw error }   // a missing or unreadable file: not retried (the caller reports it)
                    if isStopped { return nil }
                    try failed(error)
                    continue
                }
            }
            do {
                if let frame = try source.nextFrame() {
                    consecutiveFailures = 0
                    let jumps = source.timestampJumps
                    if jumps.count > jumpsReported {
                        for j in jumps[jumpsReported...] { warn(TimestampJump.warning([j], input: input, live: source.isLive)!) }
                        jumpsReported = jumps.count
                    }
                    return frame
                }
                if isStopped { return nil }
                if !source.isLive { return nil }
                try failed(VideoError(.readFailed, input: input, message: "the stream ended"))
            } catch {
                if isStopped { return nil }
                // A local file that breaks off (cut, damaged) would break off at the same place
                // again: reopening it would replay its frames in a loop. It fails like `analyze`.
                if localFile { throw error }
                try failed(error)
            }
        }
        return nil
    }

    private func failed(_ error: Error) throws {
        lock.lock()
        current = nil
        lock.unlock()
        failures += 1
        consecutiveFailures += 1
        if let limit = reconnect.maxAttempts, consecutiveFailures >= limit {
            log("\(error); giving up after \(consecutiveFailures) attempt(s)")
            throw error
        }
        let wait = reconnect.delay(afterFailures: consecutiveFailures, unit: Double.random(in: 0...1, using: &rng))
        log("\(error); retrying in \(String(format: "%.1f", wait)) s")
        let until = Date().addingTimeInterval(wait)
        lock.lock()
        while !stopped && lock.wait(until: until) {}
        lock.unlock()
    }
}
