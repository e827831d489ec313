import Dispatch
import Foundation

/// Turns SIGINT and SIGTERM into a call to `handler` on a dispatch queue instead of killing
/// the process, so a live run can stop its sources (`VideoSource.stop()`,
/// `ReconnectingVideoSource.stop()`), flush its store and exit cleanly.
/// The signals' default action comes back when the object goes away.
public final class StopSignal: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private let signals: [Int32]
    private let lock = NSLock()
    private var received: Int32 = 0

    /// Installs the handler; keep the returned object alive for as long as it should apply.
    public init(signals: [Int32] = [SIGINT, SIGTERM], queue: DispatchQueue = .global(),
                handler: @escaping @Sendable (Int32) -> Void) {
        self.signals = signals
        for sig in signals {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler { [weak self] in
                self?.lock.lock()
                self?.received = sig
                self?.lock.unlock()
                handler(sig)
            }
            source.resume()
            sources.append(source)
        }
    }

    /// The last signal received, or nil.
    public var receivedSignal: Int32? {
        lock.lock()
        defer { lock.unlock() }
        return received == 0 ? nil : received
    }

    deinit {
        for s in sources { s.cancel() }
        for sig in signals { signal(sig, SIG_DFL) }
    }
}
