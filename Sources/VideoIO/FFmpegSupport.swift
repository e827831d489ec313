import CFFmpeg
import Foundation

/// FFmpeg's text for an error code (what `av_err2str` gives in C).
func ffmpegErrorText(_ code: Int32) -> String {
    var buf = [CChar](repeating: 0, count: 256)
    return buf.withUnsafeMutableBufferPointer { b in
        String(cString: sw_err2str(code, b.baseAddress, b.count))
    }
}

/// Collects FFmpeg's log lines of error severity per thread, so that an error code such as
/// "Invalid data found when processing input" can be reported with the demuxer's own reason
/// ("moov atom not found"). FFmpeg's stderr output is silenced: every failure reaches the
/// caller as a `VideoError`. Set `STREETWARDEN_FFMPEG_LOG=1` to see FFmpeg's own log.
enum FFmpegLog {
    private final class Lines { var lines: [String] = [] }
    /// Per-thread `Lines`, released when the thread ends. (A pthread key rather than
    /// `Thread.current.threadDictionary`, whose bridging costs more than FFmpeg's open.)
    private static let key: pthread_key_t = {
        var k = pthread_key_t()
        let created = pthread_key_create(&k) { p in
            let raw: UnsafeMutableRawPointer? = p
            if let raw { Unmanaged<AnyObject>.fromOpaque(raw).release() }
        }
        precondition(created == 0, "pthread_key_create failed (\(created))")
        return k
    }()
    private static let echo = ProcessInfo.processInfo.environment["STREETWARDEN_FFMPEG_LOG"] != nil

    static let installed: Void = {
        let sink: @convention(c) (Int32, UnsafePointer<CChar>?) -> Void = { level, text in
            guard let text else { return }
            let line = String(cString: text)
            if FFmpegLog.echo {
                FileHandle.standardError.write(Data(("ffmpeg: " + line).utf8))
            }
            guard level <= sw_log_error() else { return }
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if !trimmed.isEmpty { FFmpegLog.append(trimmed) }
        }
        sw_install_log_sink(sink, echo ? sw_log_warning() : sw_log_error())
    }()

    private static func storage() -> Lines {
        if let p = pthread_getspecific(key) { return Unmanaged<Lines>.fromOpaque(p).takeUnretainedValue() }
        let l = Lines()
        pthread_setspecific(key, Unmanaged.passRetained(l).toOpaque())
        return l
    }

    static func append(_ line: String) {
        let s = storage()
        if s.lines.count >= 8 { s.lines.removeFirst() }
        s.lines.append(line)
    }

    /// Forgets earlier lines on this thread (call before an operation whose failure you report).
    static func clear() { storage().lines.removeAll() }

    /// The last error line logged on this thread since `clear()`, if any.
    static var last: String? { storage().lines.last }

    /// FFmpeg's message for `code`, with the last logged reason when it adds something.
    static func message(_ code: Int32) -> String {
        let text = ffmpegErrorText(code)
        if let reason = last, !text.localizedCaseInsensitiveContains(reason) {
            return "\(text) (\(reason))"
        }
        return text
    }
}

/// An owned `AVDictionary`, freed when it goes away.
final class FFDictionary {
    var pointer: OpaquePointer?

    init(_ entries: [(String, String)]) {
        for (k, v) in entries { av_dict_set(&pointer, k, v, 0) }
    }

    deinit { av_dict_free(&pointer) }

    /// Keys left over after FFmpeg took what it recognised.
    var keys: [String] {
        var out: [String] = []
        var e: UnsafeMutablePointer<AVDictionaryEntry>? = nil
        while true {
            e = av_dict_get(pointer, "", e, AV_DICT_IGNORE_SUFFIX)
            guard let entry = e else { break }
            out.append(String(cString: entry.pointee.key))
        }
        return out
    }
}

/// An owned `AVFrame`, freed when the last reference goes away.
final class FrameBox: @unchecked Sendable {
    let frame: UnsafeMutablePointer<AVFrame>

    init?() {
        guard let f = av_frame_alloc() else { return nil }
        frame = f
    }

    deinit {
        var f: UnsafeMutablePointer<AVFrame>? = frame
        av_frame_free(&f)
    }
}
