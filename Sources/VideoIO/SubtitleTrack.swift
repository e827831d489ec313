import CFFmpeg
import Foundation

/// One text subtitle cue, in seconds on the same clock as `VideoFrame.pts`.
public struct SubtitleCue: Equatable, Sendable {
    public var start: Double
    public var end: Double
    /// The cue's text (UTF-8; lines joined with "\n"; ASS override tags removed).
    public var text: String
    public init(start: Double, end: Double, text: String) {
        self.start = start; self.end = end; self.text = text
    }
}

/// Reads the text subtitle stream of a media file: the per-frame telemetry that dashcams and
/// drones write into their clips (SubRip in MKV, `mov_text` in MP4, ASS/SSA, WebVTT). Packets
/// are read without decoding; no video is decoded.
public enum SubtitleTrack {
    static let textCodecs: Set<UInt32> = [AV_CODEC_ID_SUBRIP.rawValue, AV_CODEC_ID_SRT.rawValue, AV_CODEC_ID_TEXT.rawValue,
                                          AV_CODEC_ID_MOV_TEXT.rawValue, AV_CODEC_ID_ASS.rawValue, AV_CODEC_ID_SSA.rawValue,
                                          AV_CODEC_ID_WEBVTT.rawValue]

    /// The cues of the file's first text subtitle stream, in order; nil when it has none.
    /// Throws `VideoError` when the file cannot be opened or read.
    public static func cues(path: String) throws -> [SubtitleCue]? {
        _ = FFmpegLog.installed
        guard FileManager.default.fileExists(atPath: path) else {
            throw VideoError(.openFailed, input: path, message: ffmpegErrorText(sw_averror(ENOENT)))
        }
        var ctx: UnsafeMutablePointer<AVFormatContext>?
        FFmpegLog.clear()
        let r = avformat_open_input(&ctx, path, nil, nil)
        guard r >= 0, let fmt = ctx else { throw VideoError(.openFailed, input: path, message: FFmpegLog.message(r)) }
        defer { avformat_close_input(&ctx) }
        let info = avformat_find_stream_info(fmt, nil)
        guard info >= 0 else { throw VideoError(.openFailed, input: path, message: FFmpegLog.message(info)) }
        var index: Int32 = -1
        for i in 0..<Int(fmt.pointee.nb_streams) {
            let par = fmt.pointee.streams[i]!.pointee.codecpar.pointee
            if index < 0, par.codec_type == AVMEDIA_TYPE_SUBTITLE, textCodecs.contains(par.codec_id.rawValue) {
                index = Int32(i)
            } else {
                fmt.pointee.streams[i]!.pointee.discard = AVDISCARD_ALL
            }
        }
        guard index >= 0 else { return nil }
        let stream = fmt.pointee.streams[Int(index)]!.pointee
        let codec = stream.codecpar.pointee.codec_id
        let kind: TextKind = codec == AV_CODEC_ID_MOV_TEXT ? .movText
            : (codec == AV_CODEC_ID_ASS || codec == AV_CODEC_ID_SSA) ? .ass : .plain
        let tb = Double(stream.time_base.num) / Double(stream.time_base.den)
        let origin = fmt.pointee.start_time != sw_nopts_value() ? Double(fmt.pointee.start_time) / Double(sw_time_base()) : 0
        var pkt = av_packet_alloc()
        guard pkt != nil else { throw VideoError(.readFailed, input: path, message: "out of memory") }
        defer { av_packet_free(&pkt) }
        var out: [SubtitleCue] = []
        while true {
            let rr = av_read_frame(fmt, pkt)
            if rr == sw_averror_eof() { break }
            guard rr >= 0 else { throw VideoError(.readFailed, input: path, message: FFmpegLog.message(rr)) }
            defer { av_packet_unref(pkt) }
            let p = pkt!.pointee
            guard p.stream_index == index, p.size > 0, let data = p.data else { continue }
            let ts = p.pts != sw_nopts_value() ? p.pts : p.dts
            guard ts != sw_nopts_value() else { continue }
            let bytes = Array(UnsafeBufferPointer(start: data, count: Int(p.size)))
            guard let text = Self.text(bytes, kind: kind), !text.isEmpty else { continue }
            let start = Double(ts) * tb - origin
            out.append(SubtitleCue(start: start, end: start + max(0, Double(p.duration) * tb), text: text))
        }
        return out.sorted { $0.start < $1.start }
    }

    /// How a text subtitle codec lays out its packets.
    enum TextKind { case plain, movText, ass }

    /// The text of one packet.
    static func text(_ bytes: [UInt8], kind: TextKind) -> String? {
        var payload = bytes[...]
        if kind == .movText {
            // 3GPP timed text: a 16-bit big-endian length, the text, then optional style boxes.
            guard bytes.count >= 2 else { return nil }
            let n = Int(bytes[0]) << 8 | Int(bytes[1])
            guard n <= bytes.count - 2 else { return nil }
            payload = bytes[2..<(2 + n)]
        }
        var text = String(decoding: payload, as: UTF8.self)
        if kind == .ass {
            // ReadOrder,Layer,Style,Name,MarginL,MarginR,MarginV,Effect,Text
            let parts = text.split(separator: ",", maxSplits: 8, omittingEmptySubsequences: false)
            if parts.count == 9 { text = String(parts[8]) }
            text = text.replacingOccurrences(of: "\\N", with: "\n").replacingOccurrences(of: "\\n", with: "\n")
            while let open = text.range(of: "{\\"), let close = text.range(of: "}", range: open.upperBound..<text.endIndex) {
                text.removeSubrange(open.lowerBound..<close.upperBound)
            }
        }
        return text.replacingOccurrences(of: "\r\n", with: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
