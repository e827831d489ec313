import Foundation
import XCTest
@testable import VideoIO

/// RTSP from a camera that refuses TCP transport: the source must fall back to UDP.
/// The test's camera is a small RTSP responder (below) that answers SETUP over TCP with
/// "461 Unsupported Transport" and, over UDP, starts a real `ffmpeg -f rtp` sender.
final class RTSPFallbackTests: XCTestCase {
    func testFallsBackToUDPWhenTheServerRefusesTCP() throws {
        let clip = try Fixtures.clip("rtsp-src.mp4", seconds: 10, extra: ["-bf", "0"])
        let sdpPath = Fixtures.path("rtsp-src.sdp")
        if !FileManager.default.fileExists(atPath: sdpPath) {
            try Fixtures.run("ffmpeg", ["-nostdin", "-v", "error", "-y", "-i", clip, "-t", "0.2", "-c", "copy", "-an",
                                        "-sdp_file", sdpPath, "-f", "rtp", "rtp://127.0.0.1:9"])
        }
        let sdp = try String(contentsOfFile: sdpPath, encoding: .utf8)
        let camera = try RefusingTCPCamera(sdp: sdp, clip: clip)
        defer { camera.stop() }

        var options = VideoSourceOptions()
        options.openTimeout = 20
        let source = try VideoSource(url: "rtsp://127.0.0.1:\(camera.port)/cam", options: options, policy: .everyFrame)
        XCTAssertEqual(source.rtspTransport, "udp")
        XCTAssertTrue(camera.refusedTCP, "the TCP SETUP was tried first and refused")
        var frames = 0
        while frames < 25, try source.nextFrame() != nil { frames += 1 }
        XCTAssertEqual(frames, 25)
    }
}

/// A one-stream RTSP server that only offers RTP over UDP.
final class RefusingTCPCamera: @unchecked Sendable {
    let port: Int
    private let listenFD: Int32
    private let sdp: String
    private let clip: String
    private let lock = NSLock()
    private var sender: Background?
    private var _refusedTCP = false
    private var stopped = false

    var refusedTCP: Bool { lock.lock(); defer { lock.unlock() }; return _refusedTCP }

    init(sdp: String, clip: String) throws {
        self.sdp = sdp
        self.clip = clip
        port = Fixtures.freePort()
        listenFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(listenFD, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listenFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listenFD, 4) == 0 else { throw XCTSkip("cannot listen on \(port)") }
        Thread.detachNewThread { [self] in
            while true {
                let fd = accept(listenFD, nil, nil)
                if fd < 0 { return }
                Thread.detachNewThread { self.serve(fd) }
            }
        }
    }

    func stop() {
        lock.lock()
        stopped = true
        let s = sender
        lock.unlock()
        s?.stop()
        shutdown(listenFD, Int32(SHUT_RDWR))
        close(listenFD)
    }

    private func serve(_ fd: Int32) {
        defer { close(fd) }
        var pending = ""
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(fd, &buf, buf.count)
            if n <= 0 { return }
            pending += String(decoding: buf[0..<n], as: UTF8.self)
            while let end = pending.range(of: "\r\n\r\n") {
                let request = String(pending[..<end.lowerBound])
                pending.removeSubrange(..<end.upperBound)
                let reply = respond(to: request)
                _ = reply.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count - 1) }
            }
        }
    }

    private func respond(to request: String) -> String {
        let lines = request.components(separatedBy: "\r\n")
        let method = lines.first?.split(separator: " ").first.map(String.init) ?? ""
        func header(_ name: String) -> String? {
            lines.first { $0.lowercased().hasPrefix(name.lowercased() + ":") }
                .map { String($0.dropFirst(name.count + 1)).trimmingCharacters(in: .whitespaces) }
        }
        let cseq = header("CSeq") ?? "0"
        func ok(_ extra: String = "", body: String = "") -> String {
            "RTSP/1.0 200 OK\r\nCSeq: \(cseq)\r\n\(extra)" + (body.isEmpty ? "\r\n" : "Content-Length: \(body.utf8.count)\r\n\r\n\(body)")
        }
        switch method {
        case "OPTIONS":
            return ok("Public: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER\r\n")
        case "DESCRIBE":
            let body = sdp.replacingOccurrences(of: "\n", with: "\r\n").replacingOccurrences(of: "\r\r\n", with: "\r\n")
            return ok("Content-Type: application/sdp\r\n", body: body)
        case "SETUP":
            let transport = header("Transport") ?? ""
            if transport.contains("TCP") || transport.contains("interleaved") {
                lock.lock(); _refusedTCP = true; lock.unlock()
                return "RTSP/1.0 461 Unsupported Transport\r\nCSeq: \(cseq)\r\n\r\n"
            }
            guard let range = transport.range(of: "client_port=") else {
                return "RTSP/1.0 461 Unsupported Transport\r\nCSeq: \(cseq)\r\n\r\n"
            }
            let ports = transport[range.upperBound...].prefix { $0.isNumber || $0 == "-" }
            clientRTP = Int(ports.split(separator: "-").first ?? "") ?? 0
            serverRTP = Fixtures.freePort() & ~1
            return ok("Transport: RTP/AVP/UDP;unicast;client_port=\(ports);server_port=\(serverRTP)-\(serverRTP + 1)\r\nSession: 4242\r\n")
        case "PLAY":
            lock.lock()
            if !stopped && sender == nil {
                sender = try? Background("ffmpeg", ["-nostdin", "-v", "error", "-re", "-i", clip, "-c", "copy", "-an", "-f", "rtp",
                                                    "rtp://127.0.0.1:\(clientRTP)?localrtpport=\(serverRTP)&localrtcpport=\(serverRTP + 1)"],
                                         delay: 0.2)
            }
            lock.unlock()
            return ok("Session: 4242\r\n")
        default:
            return ok("Session: 4242\r\n")
        }
    }

    private var clientRTP = 0
    private var serverRTP = 0
}
