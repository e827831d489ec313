import Foundation
import Geo
#if canImport(Glibc)
import Glibc
#endif

/// Receives NMEA sentences for a moving camera's live track on a local socket and feeds them
/// to a `LiveTrack`: `udp://HOST:PORT` (one datagram may hold several lines) or
/// `tcp://HOST:PORT` (listens; one sender at a time, reconnections accepted). Runs on its own
/// thread until `stop()`.
public final class NMEAListener: @unchecked Sendable {
    public let url: String
    public let track: LiveTrack
    private let isUDP: Bool
    private let fd: Int32
    private var stopped = false
    private let lock = NSLock()
    private var thread: Thread?
    private let done = DispatchSemaphore(value: 0)
    /// Lines received, rejected lines included.
    public private(set) var lines = 0

    /// Binds the socket (errors name the URL); call `start()` to begin receiving.
    public init(url: String, track: LiveTrack) throws {
        guard let u = URLComponents(string: url), let scheme = u.scheme, ["udp", "tcp"].contains(scheme),
              let host = u.host, let port = u.port, (1...65535).contains(port) else {
            throw PatrolError("gps \(url): expected udp://HOST:PORT or tcp://HOST:PORT")
        }
        self.url = url
        self.track = track
        isUDP = scheme == "udp"
        #if canImport(Glibc)
        let type = Int32(isUDP ? SOCK_DGRAM.rawValue : SOCK_STREAM.rawValue)
        #else
        let type = isUDP ? SOCK_DGRAM : SOCK_STREAM
        #endif
        fd = socket(AF_INET, type, 0)
        guard fd >= 0 else { throw PatrolError("gps \(url): cannot create a socket (\(String(cString: strerror(errno))))") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)  // lets the thread notice stop()
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        let resolved = host == "localhost" ? "127.0.0.1" : host
        guard inet_pton(AF_INET, resolved, &addr.sin_addr) == 1 else {
            close(fd)
            throw PatrolError("gps \(url): '\(host)' is not an IPv4 address")
        }
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            let why = String(cString: strerror(errno))
            close(fd)
            throw PatrolError("gps \(url): cannot listen (\(why))")
        }
        if !isUDP { listen(fd, 4) }
    }

    deinit { stop(); close(fd) }

    public func start() {
        let t = Thread { [self] in
            defer { done.signal() }
            isUDP ? receiveDatagrams() : acceptStreams()
            track.flush()
        }
        t.name = "nmea \(url)"
        thread = t
        t.start()
    }

    /// Stops receiving and waits for the thread to end.
    public func stop() {
        lock.lock()
        let wasRunning = !stopped && thread != nil
        stopped = true
        lock.unlock()
        if wasRunning { done.wait() }
    }

    private var isStopped: Bool { lock.lock(); defer { lock.unlock() }; return stopped }

    private func feed(_ text: Substring) {
        for line in text.split(whereSeparator: \.isNewline) where !line.isEmpty {
            lines += 1
            track.feed(line: String(line))
        }
    }

    private func receiveDatagrams() {
        var buf = [UInt8](repeating: 0, count: 65_536)
        while !isStopped {
            let n = recv(fd, &buf, buf.count, 0)
            if n > 0 { feed(Substring(String(decoding: buf[0..<n], as: UTF8.self))) }
        }
    }

    private func acceptStreams() {
        var buf = [UInt8](repeating: 0, count: 4096)
        while !isStopped {
            let conn = accept(fd, nil, nil)
            guard conn >= 0 else { continue }  // timeout: check stop and wait again
            var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
            setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var pending = ""
            while !isStopped {
                let n = recv(conn, &buf, buf.count, 0)
                if n == 0 { break }  // sender closed
                if n < 0 { if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { continue } else { break } }
                pending += String(decoding: buf[0..<n], as: UTF8.self)
                if let last = pending.lastIndex(where: \.isNewline) {
                    feed(pending[..<last])
                    pending = String(pending[pending.index(after: last)...])
                }
                if pending.count > 1 << 16 { pending = "" }  // no newline in 64 KiB: not NMEA
            }
            if !pending.isEmpty { feed(Substring(pending)) }
            close(conn)
        }
    }
}
