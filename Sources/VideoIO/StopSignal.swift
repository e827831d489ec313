import CFFmpeg
import Foundation

/// Turns SIGINT and SIGTERM (or other signals) into a call to `handler` on an ordinary thread
/// instead of killing the process, so a live run can stop its sources
/// (`ReconnectingVideoSource.stop()`), flush its store and exit cleanly. The C handler only
/// writes a byte to a pipe (async-signal-safe); a reader thread calls the Swift handlers.
/// The signals' default action comes back when the last `StopSignal` goes away.
public final class StopSignal: @unchecked Sendable {
    private let id: Int
    private let signals: [Int32]
    private let lock = NSLock()
    private var received: Int32 = 0

    /// Installs the handler; keep the returned object alive for as long as it should apply.
    public init(signals: [Int32] = [SIGINT, SIGTERM], handler: @escaping @Sendable (Int32) -> Void) {
        self.signals = signals
        let box = Registration(signals: Set(signals), handler: handler)
        id = SignalRouter.shared.add(box)
        box.owner = self
    }

    /// The last signal received, or nil.
    public var receivedSignal: Int32? {
        lock.lock()
        defer { lock.unlock() }
        return received == 0 ? nil : received
    }

    fileprivate func note(_ sig: Int32) {
        lock.lock()
        received = sig
        lock.unlock()
    }

    deinit { SignalRouter.shared.remove(id) }
}

private final class Registration: @unchecked Sendable {
    let signals: Set<Int32>
    let handler: @Sendable (Int32) -> Void
    weak var owner: StopSignal?
    init(signals: Set<Int32>, handler: @escaping @Sendable (Int32) -> Void) {
        self.signals = signals
        self.handler = handler
    }
}

/// One pipe and one reader thread for the whole process.
private final class SignalRouter: @unchecked Sendable {
    static let shared = SignalRouter()
    private let lock = NSLock()
    private var registrations: [Int: Registration] = [:]
    private var nextID = 0
    private var routed: Set<Int32> = []
    private var fds: [Int32] = [-1, -1]

    private init() {
        _ = pipe(&fds)
        let readFD = fds[0]
        let thread = Thread { [weak self] in
            var byte: UInt8 = 0
            while read(readFD, &byte, 1) == 1 {
                self?.deliver(Int32(byte))
            }
        }
        thread.name = "streetwarden.signals"
        thread.start()
    }

    func add(_ r: Registration) -> Int {
        lock.lock()
        defer { lock.unlock() }
        nextID += 1
        registrations[nextID] = r
        for sig in r.signals where !routed.contains(sig) {
            _ = sw_signal_route(sig, fds[1])
            routed.insert(sig)
        }
        return nextID
    }

    func remove(_ id: Int) {
        lock.lock()
        defer { lock.unlock() }
        registrations[id] = nil
        let still = Set(registrations.values.flatMap(\.signals))
        for sig in routed where !still.contains(sig) {
            sw_signal_default(sig)
            routed.remove(sig)
        }
    }

    private func deliver(_ sig: Int32) {
        lock.lock()
        let targets = registrations.values.filter { $0.signals.contains(sig) }
        lock.unlock()
        for r in targets {
            r.owner?.note(sig)
            r.handler(sig)
        }
    }
}
