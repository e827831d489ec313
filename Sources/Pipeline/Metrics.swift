import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Counters for `watch`, per camera, served in Prometheus' text format.
public final class Metrics: @unchecked Sendable {
    public struct Camera {
        public var frames = 0
        public var samples = 0
        public var inferenceSeconds = 0.0
        public var reconnects = 0
        public var events = 0
        public var connected = false
    }
    private let lock = NSLock()
    private var cameras: [String: Camera] = [:]

    public init() {}

    public func update(_ camera: String, _ body: (inout Camera) -> Void) {
        lock.lock(); defer { lock.unlock() }
        body(&cameras[camera, default: Camera()])
    }

    public func snapshot() -> [String: Camera] { lock.lock(); defer { lock.unlock() }; return cameras }

    /// The exposition text.
    public func render() -> String {
        let snap = snapshot()
        let ids = snap.keys.sorted()
        func esc(_ s: String) -> String { s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") }
        var out = ""
        func family(_ name: String, _ type: String, _ help: String, _ value: (Camera) -> String) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for id in ids { out += "\(name){camera=\"\(esc(id))\"} \(value(snap[id]!))\n" }
        }
        family("streetwarden_frames_total", "counter", "Frames handed out by the decoder after sampling.") { "\($0.frames)" }
        family("streetwarden_samples_total", "counter", "Sampled frames analysed.") { "\($0.samples)" }
        family("streetwarden_inference_seconds_total", "counter", "Seconds spent in the detector.") { String(format: "%.6f", $0.inferenceSeconds) }
        family("streetwarden_reconnects_total", "counter", "Reconnections after a failure.") { "\($0.reconnects)" }
        family("streetwarden_events_total", "counter", "Violations stored.") { "\($0.events)" }
        family("streetwarden_connected", "gauge", "1 while the stream is delivering frames.") { $0.connected ? "1" : "0" }
        return out
    }
}

/// A minimal HTTP server on 127.0.0.1 answering every GET with the metrics text.
public final class MetricsServer: @unchecked Sendable {
    private let fd: Int32
    public let port: Int
    private let metrics: Metrics
    private var stopped = false

    public init(port: Int, metrics: Metrics) throws {
        self.metrics = metrics
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        guard fd >= 0 else { throw PipelineError("metrics: cannot create a socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard rc == 0, listen(fd, 16) == 0 else {
            let msg = String(cString: strerror(errno))
            close(fd)
            throw PipelineError("metrics: cannot listen on 127.0.0.1:\(port): \(msg)")
        }
        var bound = sockaddr_in(); var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &bound) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        self.port = Int(UInt16(bigEndian: bound.sin_port))
    }

    /// Starts answering requests on a background thread.
    public func start() {
        let t = Thread { [self] in self.serve() }
        t.start()
    }

    private func serve() {
        while !stopped {
            let c = accept(fd, nil, nil)
            if c < 0 { if stopped { break } else { continue } }
            var buf = [UInt8](repeating: 0, count: 2048)
            _ = read(c, &buf, buf.count)
            let body = metrics.render()
            let resp = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body
            _ = resp.withCString { write(c, $0, strlen($0)) }
            close(c)
        }
    }

    public func stop() {
        stopped = true
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }
}
