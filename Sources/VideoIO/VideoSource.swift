import CFFmpeg
import CVideoKernels
import Foundation

/// A video input opened with FFmpeg's libraries in-process: a file (mp4, mkv, mov, avi, ts, flv…),
/// a still image (JPEG, PNG) or a network URL (`rtsp://`, `rtmp://`, `http(s)://` incl. HLS,
/// `udp://`, `tcp://`). `nextFrame()` hands out the frames the sampling policy keeps, in order,
/// and `nil` at the end of the input once the decoder is drained.
///
/// One thread reads a source; `stop()` may be called from any thread and makes a blocked
/// `nextFrame()` return `nil` promptly.
public final class VideoSource: @unchecked Sendable {
    /// The input as given, with any URL password masked; every error names it.
    public let input: String
    public let policy: SamplingPolicy
    /// True for live inputs: wall clock from arrival time, end of stream means "reconnect".
    public let isLive: Bool
    /// True for a single still image (or an image sequence).
    public let isStill: Bool
    /// Picture size of the video stream as shown: the coded size, sides swapped when
    /// `orientation` turns the picture a quarter turn.
    public let width: Int
    public let height: Int
    /// How the stream's display matrix says to turn its pictures to show them upright (phone
    /// and gimbal clips); frames are handed out already turned. `.upright` when there is no
    /// display matrix, or one that is not a quarter turn (see `ignoredRotation`).
    public let orientation: DisplayOrientation
    /// The angle (degrees clockwise) of a display matrix that is not a multiple of 90° (nor
    /// within 1° of one): it is ignored, and the pictures are analysed as decoded. NaN for a
    /// degenerate matrix (all zeros) that names no angle.
    public let ignoredRotation: Double?
    /// FFmpeg's codec name (`h264`, `hevc`, `mjpeg`, …) and demuxer name (`mov,mp4,…`).
    public let codecName: String
    public let formatName: String
    /// Nominal frame rate, when the input declares one.
    public let frameRate: Double?
    /// Length of the video in seconds, when known (nil for live inputs). For a file whose
    /// timestamps jump (joined MPEG-TS recordings), the length of the repaired timeline (see
    /// `timestampJumps`), not the span the container states across the jump.
    public private(set) var duration: Double?
    /// The RTSP transport that connected (`tcp` or `udp`), for RTSP inputs.
    public private(set) var rtspTransport: String?
    /// Seconds of input read so far (end of the last video packet demuxed, from the start).
    public private(set) var position: Double = 0
    /// Where the timestamps jumped back, or far ahead, and the timeline was continued one frame
    /// after the last time instead (see `Timeline`): `pts`, `wallClock`, `position` and
    /// `duration` all follow the repaired timeline. Counter wraps are not jumps.
    public var timestampJumps: [TimestampJump] {
        timeline.jumps.map { TimestampJump(at: Double($0.at) * timeBase - (origin ?? 0), by: Double($0.by) * timeBase) }
    }
    /// Frames the decoder produced, sampled or not.
    public private(set) var decodedFrames = 0
    /// Packets or frames the decoder rejected or flagged as damaged (skipped, not delivered).
    public private(set) var damagedPackets = 0

    private let url: String
    private let handles: Handles
    private var interrupt: UnsafeMutablePointer<sw_interrupt_state> { handles.interrupt }
    private let scaler: FrameScaler
    private let streamIndex: Int32
    private let timeBase: Double
    private var origin: Double?
    private let baseDate: Date?
    private let readTimeoutMicros: Int64
    private var draining = false
    private var finished = false
    private var pendingError: VideoError?
    private var lastDamage: String?
    private var nextSampleTime: Double?
    private var lastPts: Double?
    private var timeline: Timeline
    private let isLiveTimeline: Bool
    /// Whether `duration` already comes from a read through the timestamps (`scanTimestamps`).
    private let timelineScanned: Bool
    private var sawTimestamp = false
    /// Packets of the video stream read, and how many of them the demuxer marked as keyframes.
    private var videoPackets = 0, keyPackets = 0
    /// Keyframes policy on a seekable MP4/MOV file: the sample table lists every keyframe, so
    /// after each keyframe the demuxer jumps to the next one instead of reading (from disk,
    /// into packets) the pictures between, which the decoder would skip anyway. Turned off
    /// for good if a jump lands anywhere unexpected; the last GOP is always read in full, so
    /// a file cut short is still reported.
    private var indexJumps: Bool
    /// The keyframe a jump aimed at (decoding timestamp), until its packet arrives.
    private var jumpTarget: Int64?
    /// Decoding timestamp of the last key packet sent: packets at or before it are dropped
    /// after a jump (never decoded twice).
    private var lastKeyDts: Int64?
    /// Jumps made (tests).
    private(set) var indexJumpCount = 0
    /// Whether opening ran `avformat_find_stream_info` (tests; see `headerDescribesVideo`).
    let probedStreamInfo: Bool
    /// Whether pictures are decoded into 2 MiB-page blocks (tests; see `hugePageFrames`).
    var decodesIntoHugePages: Bool { handles.hooks.pointee.huge_frames != 0 }

    private static let networkReady: Void = { avformat_network_init(); _ = FFmpegLog.installed }()

    public convenience init(url: String, policy: SamplingPolicy = .keyframes) throws {
        try self.init(url: url, options: VideoSourceOptions(), policy: policy)
    }

    /// Opens `url` (a path or a URL) and its best video stream's decoder.
    /// - Throws: `VideoError` naming the input, with FFmpeg's message.
    public convenience init(url: String, options: VideoSourceOptions, policy: SamplingPolicy = .keyframes) throws {
        try self.init(url: url, options: options, policy: policy, stopFlag: nil)
    }

    /// - Parameter stopFlag: when set (by `ReconnectingVideoSource.stop()`), aborts this
    ///   source, even while it is still opening.
    init(url: String, options: VideoSourceOptions, policy: SamplingPolicy, stopFlag: StopFlag?) throws {
        _ = Self.networkReady
        let name = displayName(of: url)
        func fail(_ kind: VideoError.Kind, _ message: String) -> VideoError { VideoError(kind, input: name, message: message) }
        if case .rate(let fps) = policy, !(fps > 0) {
            throw fail(.invalidOption, "sampling rate must be > 0 frames per second")
        }
        let h = Handles(stopFlag: stopFlag)
        let interrupt = h.interrupt

        let scheme = Self.localPath(of: url) != nil ? "file"
            : url.range(of: "://").map { url[..<$0.lowerBound].lowercased() } ?? "pipe"
        let isRTSP = scheme == "rtsp" || scheme == "rtsps"
        let listening = (options.extra["rtsp_flags"] ?? "").contains("listen") || options.extra["listen"] != nil
        var leftovers: FFDictionary
        var transportUsed: String? = nil
        if isRTSP && options.rtspTransport == nil && !listening {
            do {
                leftovers = try Self.open(url, into: h, scheme: scheme, options: options, transport: "tcp", input: name)
                transportUsed = "tcp"
            } catch let tcpError as VideoError where tcpError.kind != .invalidOption && sw_interrupt_stopped(interrupt) == 0 {
                do {
                    leftovers = try Self.open(url, into: h, scheme: scheme, options: options, transport: "udp", input: name)
                    transportUsed = "udp"
                } catch let udpError as VideoError {
                    throw VideoError(udpError.kind, input: name,
                                     message: "over TCP: \(tcpError.message); over UDP: \(udpError.message)")
                }
            }
        } else {
            leftovers = try Self.open(url, into: h, scheme: scheme, options: options,
                                      transport: options.rtspTransport?.rawValue, input: name)
            if isRTSP { transportUsed = options.extra["rtsp_transport"] ?? options.rtspTransport?.rawValue }
        }
        let fmt = h.format!

        // Probe stream parameters within the open timeout, unless the container's header
        // already gave them (see `headerDescribesVideo`).
        let probe = !Self.headerDescribesVideo(fmt)
        if probe {
            sw_interrupt_arm(interrupt, Int64(options.openTimeout * 1_000_000))
            FFmpegLog.clear()
            let probed = avformat_find_stream_info(fmt, nil)
            sw_interrupt_disarm(interrupt)
            if probed < 0 {
                let kind: VideoError.Kind = sw_interrupt_timed_out(interrupt) != 0 ? .timedOut : .openFailed
                throw fail(kind, "reading stream information: " + FFmpegLog.message(probed))
            }
        }

        // Pick the video stream and its decoder.
        var decoder: UnsafePointer<AVCodec>? = nil
        let index = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &decoder, 0)
        if index < 0 {
            if index == sw_averror_decoder_not_found() {
                // A video stream exists but nothing decodes it; name its codec.
                var codecText = "no decoder"
                for i in 0..<Int(fmt.pointee.nb_streams) {
                    let par = fmt.pointee.streams[i]!.pointee.codecpar!.pointee
                    if par.codec_type == AVMEDIA_TYPE_VIDEO {
                        let tag = par.codec_tag
                        let fourcc = String(bytes: (0..<4).map { UInt8((tag >> (8 * $0)) & 0xff) }, encoding: .ascii) ?? "?"
                        codecText = "no decoder for codec '\(String(cString: avcodec_get_name(par.codec_id)))'"
                            + (tag != 0 ? " (tag \(fourcc))" : "")
                        break
                    }
                }
                throw fail(.unsupportedCodec, codecText)
            }
            throw fail(.noVideoStream, "the input has no video stream (\(ffmpegErrorText(index)))")
        }
        guard let decoder else { throw fail(.unsupportedCodec, "no decoder") }
        let stream = fmt.pointee.streams[Int(index)]!
        // A song's cover art is a "video" stream of one attached picture, not video.
        if stream.pointee.disposition & AV_DISPOSITION_ATTACHED_PIC != 0 {
            throw fail(.noVideoStream, "the input has no video stream (only an attached picture, such as cover art)")
        }
        for i in 0..<Int(fmt.pointee.nb_streams) where i != Int(index) {
            fmt.pointee.streams[i]!.pointee.discard = AVDISCARD_ALL
        }
        let tb = stream.pointee.time_base
        let timeBase = tb.den != 0 ? Double(tb.num) / Double(tb.den) : 1.0 / 90_000

        guard let ctx = avcodec_alloc_context3(decoder) else { throw fail(.openFailed, "out of memory") }
        h.codec = ctx
        var r = avcodec_parameters_to_context(ctx, stream.pointee.codecpar)
        if r >= 0 {
            ctx.pointee.thread_count = Int32(options.threads)
            ctx.pointee.pkt_timebase = tb
            if policy == .keyframes { ctx.pointee.skip_frame = AVDISCARD_NONKEY }
            FFmpegLog.clear()
            r = avcodec_open2(ctx, decoder, &leftovers.pointer)
        }
        if r < 0 {
            throw fail(.unsupportedCodec, "cannot open the \(String(cString: decoder.pointee.name)) decoder: " + FFmpegLog.message(r))
        }
        let unknown = leftovers.keys
        if !unknown.isEmpty {
            throw fail(.invalidOption, "FFmpeg does not recognise option(s) \(unknown.sorted().joined(separator: ", "))")
        }
        guard let pkt = av_packet_alloc() else { throw fail(.openFailed, "out of memory") }
        h.packet = pkt
        let scaler = FrameScaler()
        h.scaler = scaler
        let display = DisplayOrientation.of(stream)

        let par = stream.pointee.codecpar.pointee
        let formatName = String(cString: fmt.pointee.iformat.pointee.name)
        let rate = stream.pointee.avg_frame_rate.den != 0 && stream.pointee.avg_frame_rate.num > 0
            ? stream.pointee.avg_frame_rate : stream.pointee.r_frame_rate

        var knownDuration: Double? = nil
        if stream.pointee.duration != sw_nopts_value() && stream.pointee.duration > 0 {
            knownDuration = Double(stream.pointee.duration) * timeBase
        } else if fmt.pointee.duration != sw_nopts_value() && fmt.pointee.duration > 0 {
            knownDuration = Double(fmt.pointee.duration) / Double(sw_time_base())
            // Matroska's stated duration runs from time 0, not from the first timestamp: a clip
            // cut from a recording (or an NVR's epoch-based timestamps) starting at 100 s and
            // lasting 10 s says 110 s.
            if formatName.hasPrefix("matroska"), fmt.pointee.start_time != sw_nopts_value(), fmt.pointee.start_time > 0,
               let d = knownDuration, d > Double(fmt.pointee.start_time) / Double(sw_time_base()) {
                knownDuration = d - Double(fmt.pointee.start_time) / Double(sw_time_base())
            }
        }
        let liveSchemes: Set<String> = ["rtsp", "rtsps", "rtmp", "rtmps", "rtmpt", "rtmpe", "udp", "rtp", "tcp", "srt", "pipe", "unix"]
        let webScheme = scheme == "http" || scheme == "https"
        let live = options.live ?? (liveSchemes.contains(scheme) || (webScheme && knownDuration == nil))

        var origin: Double? = nil
        if fmt.pointee.start_time != sw_nopts_value() {
            origin = Double(fmt.pointee.start_time) / Double(sw_time_base())
        } else if stream.pointee.start_time != sw_nopts_value() {
            origin = Double(stream.pointee.start_time) * timeBase
        }

        // The timeline that repairs jumps in the timestamps. A file in a container that allows
        // them (MPEG-TS: recordings joined with `cat`) is read through once for its timestamps
        // first, so that its length, and the wall clock derived from it, follow the repaired
        // timeline from the first frame (the container states the span across the jumps).
        let frameSeconds = rate.den != 0 && rate.num > 0 ? Double(rate.den) / Double(rate.num) : 0.04
        let discontinuous = live || fmt.pointee.iformat.pointee.flags & AVFMT_TS_DISCONT != 0
        let timeline = Timeline(step: frameSeconds, forwardLimit: Timeline.forwardLimit(step: frameSeconds, discontinuous: discontinuous),
                                timeBase: timeBase, wrapBits: Int(stream.pointee.pts_wrap_bits))
        var scanned = false
        if !live && discontinuous && Self.isRegularFile(url),
           let scan = Self.scanTimestamps(url, like: fmt, stream: stream, timeline: timeline, handles: h) {
            scanned = true
            if scan.jumps > 0, let end = scan.end {
                let first = origin ?? scan.start ?? 0
                knownDuration = max(0, Double(end) * timeBase - first)
            }
        }

        // Wall clock of pts 0: the override, then the input's own statement, then (files) the
        // time the file was last written minus its length.
        var base: Date? = nil
        if let start = options.start {
            base = start
        } else if let created = Self.creationTime(fmt, stream) {
            base = created
        } else if fmt.pointee.start_time_realtime != sw_nopts_value() && fmt.pointee.start_time_realtime > 0 {
            base = Date(timeIntervalSince1970: Double(fmt.pointee.start_time_realtime) / 1_000_000)
        } else if live {
            base = nil
        } else if let path = Self.localPath(of: url), let attrs = try? FileManager.default.attributesOfItem(atPath: path),
                  let modified = attrs[.modificationDate] as? Date,
                  VideoSourceOptions.plausibleDates.contains(modified.addingTimeInterval(-(knownDuration ?? 0))) {
            base = modified.addingTimeInterval(-(knownDuration ?? 0))
        } else {
            base = Date()
        }

        self.url = url
        self.input = name
        self.policy = policy
        self.handles = h
        self.scaler = scaler
        self.readTimeoutMicros = Int64(options.readTimeout * 1_000_000)
        self.rtspTransport = transportUsed
        self.streamIndex = index
        self.timeBase = timeBase
        self.orientation = display.orientation
        self.ignoredRotation = display.ignoredAngle
        self.width = Int(display.orientation.swapsSides ? par.height : par.width)
        self.height = Int(display.orientation.swapsSides ? par.width : par.height)
        self.codecName = String(cString: avcodec_get_name(par.codec_id))
        self.formatName = formatName
        self.isStill = formatName == "image2" || formatName.hasSuffix("_pipe")
        self.frameRate = rate.den != 0 && rate.num > 0 ? Double(rate.num) / Double(rate.den) : nil
        self.isLive = live
        self.duration = live ? nil : knownDuration
        self.timeline = timeline
        self.isLiveTimeline = live
        self.timelineScanned = scanned
        // Scale while decoding only where every decoded picture is sampled (or nearly: keyframes
        // mode decodes nothing else); a rate policy would pay for pictures it drops. A picture
        // to be turned is scaled after turning, from the whole frame.
        if (policy == .everyFrame || policy == .keyframes) && display.orientation == .upright {
            scaler.attachBands(to: ctx, hooks: h.hooks)
        }
        // Recorded inputs decode into 2 MiB pages (`sw_huge_map`): batch analysis and benchmarks
        // are about throughput. Live streams keep FFmpeg's default buffers, where the resident
        // memory per stream matters more (a 1080p picture's block rounds up to 4 MiB).
        h.hooks.pointee.huge_frames = !live && options.hugePageFrames && ctx.pointee.active_thread_type == 0 ? 1 : 0
        if scaler.bandsAttached || h.hooks.pointee.huge_frames != 0 { Self.installHooks(ctx, h.hooks) }
        let seekable = fmt.pointee.pb.map { $0.pointee.seekable & AVIO_SEEKABLE_NORMAL != 0 } ?? false
        self.indexJumps = policy == .keyframes && !live && seekable && formatName.hasPrefix("mov,mp4")
            && avformat_index_get_entries_count(stream) > 1
        self.origin = origin
        self.baseDate = base
        self.probedStreamInfo = probe
    }

    /// The file `url` names, as FFmpeg's file protocol reads it: a plain path, or `file:PATH`
    /// (`file:///abs` included); nil for any other protocol (`rtsp://…`, `udp://…`, `pipe:0`).
    public static func localPath(of url: String) -> String? {
        if url.hasPrefix("file:") { return String(url.dropFirst(5)) }
        if url.contains("://") || url.hasPrefix("pipe:") { return nil }
        return url
    }

    /// Why FFmpeg will never open `url`'s scheme, or nil: a protocol it does not have (`rstp://`,
    /// a typo), or one spelled in capitals (`RTSP://`: FFmpeg's protocol names are lower case).
    /// A typo that no reconnection can cure. RTSP, SAT>IP and SAP are demuxers, not protocols.
    public static func schemeProblem(of url: String) -> String? {
        guard let r = url.range(of: "://") else { return nil }
        let scheme = String(url[..<r.lowerBound]), lower = scheme.lowercased()
        let known = ["rtsp", "rtsps", "satip", "sap"].contains(lower) || avio_find_protocol_name(lower + url[r.lowerBound...]) != nil
        if scheme != lower {
            return known ? "protocol names are lower case: \(lower)://" : "unknown protocol '\(scheme)'"
        }
        return known ? nil : "unknown protocol '\(scheme)'"
    }

    /// Makes any blocking call on this source return now; `nextFrame()` then returns `nil`.
    /// Safe from any thread.
    public func stop() { sw_interrupt_stop(interrupt) }

    /// Pictures scaled band by band while decoded, and how many of them were used (tests).
    var bandStats: (completed: Int, served: Int) { scaler.bandStats }

    /// True once `stop()` was called.
    public var isStopped: Bool { sw_interrupt_stopped(interrupt) != 0 }

    /// The next frame the sampling policy keeps, or `nil` at the end of the input (after the
    /// decoder is drained) or after `stop()`.
    /// - Throws: `VideoError` when reading fails (after delivering every frame decoded before
    ///   the failure), when the input ends before its stated length (`.truncated`), when
    ///   damaged packets were skipped (`.corruptData`, at the end), or on a read timeout.
    public func nextFrame() throws -> VideoFrame? {
        guard let fmt = handles.format, let ctx = handles.codec, let pkt = handles.packet else { return nil }
        guard let out = FrameBox() else { throw VideoError(.readFailed, input: input, message: "out of memory") }
        while true {
            if finished || sw_interrupt_stopped(interrupt) != 0 { return nil }

            // Hand out whatever the decoder has ready.
            let got = avcodec_receive_frame(ctx, out.frame)
            if got == 0 {
                decodedFrames += 1
                if let frame = sample(out) { return frame }
                av_frame_unref(out.frame)
                continue
            }
            if got == sw_averror_eof() {
                finished = true
                return try endOfInput()
            }
            if got != sw_averror_eagain() {
                noteDamage(FFmpegLog.message(got))
                if draining { finished = true; return try endOfInput() }
                continue
            }
            if draining {
                // The decoder is flushed but says EAGAIN: nothing more will come.
                finished = true
                return try endOfInput()
            }

            // Feed the decoder one packet of the video stream.
            sw_interrupt_arm(interrupt, readTimeoutMicros)
            FFmpegLog.clear()
            let r = av_read_frame(fmt, pkt)
            sw_interrupt_disarm(interrupt)
            if r < 0 {
                if sw_interrupt_stopped(interrupt) != 0 { return nil }
                if r != sw_averror_eof() {
                    if sw_interrupt_timed_out(interrupt) != 0 {
                        pendingError = VideoError(.timedOut, input: input,
                                                  message: "no data for \(Self.seconds(readTimeoutMicros)) (read timeout)")
                    } else if !isLive, let pb = fmt.pointee.pb, pb.pointee.eof_reached != 0 {
                        pendingError = VideoError(.truncated, input: input, message: "the file ends in the middle of its data (\(FFmpegLog.message(r)))")
                    } else {
                        pendingError = VideoError(.readFailed, input: input, message: FFmpegLog.message(r))
                    }
                }
                draining = true
                _ = avcodec_send_packet(ctx, nil)
                continue
            }
            defer { av_packet_unref(pkt) }
            guard pkt.pointee.stream_index == streamIndex else { continue }
            let shift = Self.repair(pkt.pointee, in: &timeline, arrival: isLiveTimeline ? Double(av_gettime_relative()) / 1e6 : nil)
            notePosition(pkt.pointee, shift: shift)
            let isKey = (pkt.pointee.flags & sw_pkt_flag_key()) != 0
            videoPackets += 1
            if isKey { keyPackets += 1 }
            if let target = jumpTarget {
                jumpTarget = nil
                let dts = pkt.pointee.dts
                if dts != target {
                    // Landed off the aimed keyframe: read on in order from here. Past it, go
                    // back to the last keyframe sent first, so none between is lost.
                    indexJumps = false
                    if dts == sw_nopts_value() || dts > target, let last = lastKeyDts,
                       av_seek_frame(fmt, streamIndex, last, AVSEEK_FLAG_BACKWARD) >= 0 {
                        timeline.resynchronize()
                        continue
                    }
                }
            }
            if policy == .keyframes && !isKey { continue }
            let dts = pkt.pointee.dts
            // After a jump, never a keyframe twice. (Only then: a live stream's timestamps may
            // wrap or restart, and every keyframe of it must still be decoded.)
            if indexJumpCount > 0, let last = lastKeyDts, dts != sw_nopts_value(), dts <= last { continue }
            if shift != 0 {
                if pkt.pointee.pts != sw_nopts_value() { pkt.pointee.pts &+= shift }
                if pkt.pointee.dts != sw_nopts_value() { pkt.pointee.dts &+= shift }
            }
            FFmpegLog.clear()
            let s = avcodec_send_packet(ctx, pkt)
            if s < 0 && s != sw_averror_eagain() && s != sw_averror_eof() {
                noteDamage(FFmpegLog.message(s))
            }
            if indexJumps && dts != sw_nopts_value() {
                lastKeyDts = dts
                jumpToKeyframe(after: dts, in: fmt)
            }
        }
    }

    // MARK: - Internals

    private func sample(_ box: FrameBox) -> VideoFrame? {
        let f = box.frame
        if sw_frame_is_corrupt(f) != 0 {
            noteDamage(FFmpegLog.last ?? "decoder flagged a damaged frame")
            return nil
        }
        // An image decoder may fill in a cut-off picture without flagging it (MJPEG logs
        // "overread" and makes up the rest): for a still, an error logged while decoding it
        // means the picture is not what the file was.
        if isStill, let reason = FFmpegLog.last {
            noteDamage(reason)
            return nil
        }
        if !FrameScaler.canRead(f) {
            let name = av_get_pix_fmt_name(AVPixelFormat(rawValue: f.pointee.format)).map { String(cString: $0) } ?? "unknown"
            pendingError = VideoError(.unsupportedCodec, input: input, message: "pixel format \(name) cannot be converted")
            finished = true
            return nil
        }
        let key = sw_frame_is_key(f) != 0
        var ts = f.pointee.best_effort_timestamp
        if ts == sw_nopts_value() { ts = f.pointee.pts }
        if ts == sw_nopts_value() { ts = f.pointee.pkt_dts }
        var pts: Double
        if ts != sw_nopts_value() {
            let raw = Double(ts) * timeBase
            if !sawTimestamp, let last = lastPts {
                // Frames without timestamps came first: continue from them.
                origin = raw - (last + 1 / (frameRate ?? 25))
            }
            sawTimestamp = true
            if origin == nil { origin = raw }
            pts = raw - origin!
        } else {
            // Some live sources (RTSP's first frame) carry no timestamp: continue the sequence.
            pts = (lastPts ?? 0) + (lastPts == nil ? 0 : 1 / (frameRate ?? 25))
        }
        if pts < 0 && pts > -0.5 { pts = 0 }
        switch policy {
        case .everyFrame:
            break
        case .keyframes:
            if !key { return nil }
        case .rate(let fps):
            let interval = 1 / fps
            if let next = nextSampleTime, pts < next - 1e-6 { return nil }
            var next = (nextSampleTime ?? pts) + interval
            if next <= pts { next = pts + interval }
            nextSampleTime = next
        }
        lastPts = pts
        let stamp = baseDate.map { $0.addingTimeInterval(pts) } ?? Date()
        var copy = FrameBox()!
        av_frame_move_ref(copy.frame, f)
        if orientation != .upright {
            guard let turned = orientation.turned(copy.frame, scaler: scaler) else {
                pendingError = VideoError(.conversionFailed, input: input, message: "cannot make the upright copy of a picture (\(orientation)): out of memory")
                finished = true
                return nil
            }
            copy = turned
        }
        return VideoFrame(box: copy, scaler: scaler, pts: pts, wallClock: stamp, isKeyframe: key)
    }

    /// True when an MP4/MOV header describes its video completely enough to decode it without
    /// `avformat_find_stream_info`: a codec with a decoder, size, time base, frame rate,
    /// duration and (H.264/H.265) the parameter sets. The probe would add only the pixel
    /// format, which the decoder reports with the first picture anyway, and it costs a full
    /// decode of that picture (10–17 ms per 1080p file: start-up that batch analysis pays per
    /// clip). Other containers, and MP4s missing any of these, are probed as before.
    static func headerDescribesVideo(_ fmt: UnsafeMutablePointer<AVFormatContext>) -> Bool {
        guard let iformat = fmt.pointee.iformat, String(cString: iformat.pointee.name).hasPrefix("mov,mp4") else { return false }
        var found = false
        for i in 0..<Int(fmt.pointee.nb_streams) {
            guard let st = fmt.pointee.streams[i], let par = st.pointee.codecpar,
                  par.pointee.codec_type == AVMEDIA_TYPE_VIDEO,
                  st.pointee.disposition & AV_DISPOSITION_ATTACHED_PIC == 0 else { continue }
            let p = par.pointee
            let rate = st.pointee.avg_frame_rate
            guard p.codec_id != AV_CODEC_ID_NONE, avcodec_find_decoder(p.codec_id) != nil,
                  p.width > 0, p.height > 0, st.pointee.time_base.num > 0, st.pointee.time_base.den > 0,
                  rate.num > 0, rate.den > 0, st.pointee.duration > 0,
                  (p.codec_id != AV_CODEC_ID_H264 && p.codec_id != AV_CODEC_ID_HEVC) || p.extradata_size > 0
            else { return false }
            found = true
        }
        return found
    }

    /// Points the decoder's `opaque` at `hooks` and allocates its pictures through them
    /// (`sw_decoder_get_buffer`), forgetting the band result of every buffer reused.
    private static func installHooks(_ ctx: UnsafeMutablePointer<AVCodecContext>, _ hooks: UnsafeMutablePointer<sw_decoder_hooks>) {
        ctx.pointee.opaque = UnsafeMutableRawPointer(hooks)
        ctx.pointee.get_buffer2 = { ctx, frame, flags in
            guard let ctx, let frame, let hooks = ctx.pointee.opaque?.assumingMemoryBound(to: sw_decoder_hooks.self) else {
                return sw_averror(EINVAL)
            }
            let r = sw_decoder_get_buffer(hooks, ctx, frame, flags)
            if r >= 0, let hub = hooks.pointee.band_hub {
                sw_band_hub_invalidate(OpaquePointer(hub), UnsafeRawPointer(frame.pointee.data.0))
            }
            return r
        }
    }

    /// Moves the demuxer to the index's next keyframe after the one at `dts`, when pictures lie
    /// between (see `indexJumps`).
    private func jumpToKeyframe(after dts: Int64, in fmt: UnsafeMutablePointer<AVFormatContext>) {
        let st = fmt.pointee.streams[Int(streamIndex)]!
        let here = av_index_search_timestamp(st, dts, AVSEEK_FLAG_ANY | AVSEEK_FLAG_BACKWARD)
        guard here >= 0, let entry = avformat_index_get_entry(st, here), entry.pointee.timestamp == dts else {
            indexJumps = false
            return
        }
        let next = av_index_search_timestamp(st, dts + 1, 0)   // first keyframe after this one
        guard next > here + 1, let target = avformat_index_get_entry(st, next) else { return }
        let ts = target.pointee.timestamp
        // The MOV demuxer takes presentation times and searches the decode-time index from
        // that time less its stream's delay: searching forward from the keyframe's decode
        // time finds that keyframe (the delay is shorter than a GOP).
        guard av_seek_frame(fmt, streamIndex, ts, 0) >= 0 else {
            indexJumps = false
            return
        }
        jumpTarget = ts
        indexJumpCount += 1
        timeline.resynchronize()
    }

    /// Whether `url` names a regular file, which can be read twice (standard input, a pipe or
    /// a device cannot: reading it through first would consume it).
    private static func isRegularFile(_ url: String) -> Bool {
        guard let path = localPath(of: url) else { return false }
        var st = stat()
        return stat(path, &st) == 0 && st.st_mode & S_IFMT == S_IFREG
    }

    /// Runs a packet's timestamps through `timeline`; returns the ticks to add to them.
    private static func repair(_ p: AVPacket, in timeline: inout Timeline, arrival: Double?) -> Int64 {
        if p.dts != sw_nopts_value() { return timeline.repair(p.dts, isDecodeTime: true, arrival: arrival) }
        if p.pts != sw_nopts_value() { return timeline.repair(p.pts, isDecodeTime: false, arrival: arrival) }
        return timeline.offset
    }

    /// Where a packet's picture ends on the repaired timeline (ticks), if it has a timestamp:
    /// after its duration, or after one `frame` where the container gives none (MPEG-TS).
    private static func end(of p: AVPacket, shift: Int64, frame: Int64) -> Int64? {
        let t = p.pts != sw_nopts_value() ? p.pts : p.dts
        guard t != sw_nopts_value() else { return nil }
        return t &+ shift &+ (p.duration > 0 ? p.duration : frame)
    }

    /// For a file in a container that allows timestamp jumps: opens it a second time and reads
    /// every packet of `stream` (demuxing only, no decoding: ~20 ms for 100 MB) through `timeline`,
    /// as `nextFrame` will. Returns the first timestamp (seconds), where the repaired timeline
    /// ends (ticks) and how many jumps it holds; nil when the file cannot be read through or
    /// the source was stopped.
    private static func scanTimestamps(_ url: String, like fmt: UnsafeMutablePointer<AVFormatContext>,
                                       stream: UnsafeMutablePointer<AVStream>, timeline: Timeline,
                                       handles: Handles) -> (start: Double?, end: Int64?, jumps: Int)? {
        var ctx: UnsafeMutablePointer<AVFormatContext>? = avformat_alloc_context()
        guard ctx != nil else { return nil }
        sw_install_interrupt(ctx!, handles.interrupt)
        defer { FFmpegLog.clear() }
        // Timestamps come with the container's own packets: no parsing into pictures needed
        // (a third of the time).
        ctx!.pointee.flags |= AVFMT_FLAG_NOPARSE | AVFMT_FLAG_NOFILLIN
        guard avformat_open_input(&ctx, url, fmt.pointee.iformat, nil) >= 0, let scan = ctx else { return nil }
        defer { avformat_close_input(&ctx) }
        var packet = av_packet_alloc()
        guard let pkt = packet else { return nil }
        defer { av_packet_free(&packet) }
        var timeline = timeline
        var index: Int32?
        var start: Double?, end: Int64?
        let tb = stream.pointee.time_base
        while av_read_frame(scan, pkt) >= 0 {
            defer { av_packet_unref(pkt) }
            let i = Int(pkt.pointee.stream_index)
            if index == nil, let st = scan.pointee.streams[i], st.pointee.id == stream.pointee.id,
               st.pointee.codecpar.pointee.codec_type == AVMEDIA_TYPE_VIDEO {
                guard st.pointee.time_base.num == tb.num && st.pointee.time_base.den == tb.den else { return nil }
                index = Int32(i)
                // Other streams' packets are not even assembled from here on.
                for j in 0..<Int(scan.pointee.nb_streams) where j != i { scan.pointee.streams[j]!.pointee.discard = AVDISCARD_ALL }
            }
            guard pkt.pointee.stream_index == index else { continue }
            let shift = repair(pkt.pointee, in: &timeline, arrival: nil)
            if let e = Self.end(of: pkt.pointee, shift: shift, frame: timeline.step) {
                end = max(end ?? e, e)
                if start == nil {
                    let length = pkt.pointee.duration > 0 ? pkt.pointee.duration : timeline.step
                    start = Double(e - length) * Double(tb.num) / Double(tb.den)
                }
            }
        }
        if sw_interrupt_stopped(handles.interrupt) != 0 || index == nil { return nil }
        return (start, end, timeline.jumps.count)
    }

    private func notePosition(_ p: AVPacket, shift: Int64) {
        let frame = timeline.step
        guard let e = Self.end(of: p, shift: shift, frame: frame) else { return }
        let length = p.duration > 0 ? p.duration : frame
        let time = Double(e - length) * timeBase
        if origin == nil { origin = time }
        let end = time - origin! + Double(length) * timeBase
        if end > position { position = end }
    }

    private func noteDamage(_ message: String) {
        damagedPackets += 1
        lastDamage = message
    }

    private func endOfInput() throws -> VideoFrame? {
        if let e = pendingError {
            pendingError = nil
            throw e
        }
        // A video stream with no packet at all (a header and nothing after it) holds no
        // pictures: that, rather than "truncated" or "corrupt", is what to tell.
        if !isLive && videoPackets == 0 && damagedPackets == 0 {
            throw VideoError(.noPictures, input: input, message: "the video stream holds no pictures")
        }
        // Without a read through beforehand, a stated length spans the jumps: the repaired
        // timeline is all there is to go by.
        if !isLive && !timelineScanned && !timeline.jumps.isEmpty { duration = position }
        if !isLive && !isStill, let d = duration, position < d - max(1.0, 0.02 * d) {
            // In a container that allows joins, the rest may be a recording in another codec,
            // which the demuxer hands to this stream's decoder or drops.
            let joinable = handles.format.map { $0.pointee.iformat.pointee.flags & AVFMT_TS_DISCONT != 0 } ?? false
            throw VideoError(.truncated, input: input,
                             message: String(format: "the input ends at %.2f s but says it lasts %.2f s", position, d)
                                 + (joinable ? " (cut off, or followed by a recording in another codec?)" : ""))
        }
        if damagedPackets > 0 && !isLive {
            throw VideoError(.corruptData, input: input,
                             message: "\(damagedPackets) damaged packet(s) skipped; last: \(lastDamage ?? "unknown")")
        }
        // A recorded input that yields no picture at all (a cut-off image whose only packet the
        // demuxer could not mark, a container with no samples) is damaged, not empty.
        if !isLive && decodedFrames == 0 {
            if policy == .keyframes && !isStill && videoPackets > 0 && keyPackets == 0 {
                throw VideoError(.corruptData, input: input,
                                 message: "no keyframe in \(videoPackets) picture(s); sample it every frame instead")
            }
            throw VideoError(.corruptData, input: input, message: "no picture could be decoded")
        }
        return nil
    }

    private static func seconds(_ micros: Int64) -> String {
        String(format: "%g s", Double(micros) / 1_000_000)
    }

    private static func creationTime(_ fmt: UnsafeMutablePointer<AVFormatContext>,
                                     _ stream: UnsafeMutablePointer<AVStream>) -> Date? {
        for dict in [fmt.pointee.metadata, stream.pointee.metadata] {
            if let e = av_dict_get(dict, "creation_time", nil, 0),
               let d = VideoSourceOptions.parseDate(String(cString: e.pointee.value)) {
                return d
            }
        }
        return nil
    }

    /// Opens the container (within the open timeout) and returns it with the options FFmpeg
    /// did not consume, for the decoder to try.
    private static func open(_ url: String, into handles: Handles, scheme: String, options: VideoSourceOptions,
                             transport: String?, input: String) throws -> FFDictionary {
        let interrupt = handles.interrupt
        var entries: [(String, String)] = []
        var extra = options.extra
        switch scheme {
        case "rtsp", "rtsps":
            if let transport, extra["rtsp_transport"] == nil { entries.append(("rtsp_transport", transport)) }
            if let b = options.bufferSize { entries.append(("buffer_size", String(b))) }
        case "udp", "rtp":
            if extra["overrun_nonfatal"] == nil { entries.append(("overrun_nonfatal", "1")) }
            if let b = options.bufferSize { entries.append(("buffer_size", String(b))) }
        case "tcp":
            if let b = options.bufferSize { entries.append(("recv_buffer_size", String(b))) }
        default:
            if options.bufferSize != nil && scheme != "file" {
                entries.append(("buffer_size", String(options.bufferSize!)))
            }
        }
        if let t = extra.removeValue(forKey: "rtsp_transport") { entries.append(("rtsp_transport", t)) }
        entries += extra.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        let dict = FFDictionary(entries)

        var inputFormat: UnsafePointer<AVInputFormat>? = nil
        if let name = options.format {
            guard let f = av_find_input_format(name) else {
                throw VideoError(.invalidOption, input: input, message: "FFmpeg has no demuxer named '\(name)'")
            }
            inputFormat = f
        }
        let localPath = Self.localPath(of: url) ?? url
        var st = stat()
        if scheme == "file" && !url.contains("%") && stat(localPath, &st) != 0 {   // missing, not allowed, a link loop
            throw VideoError(.openFailed, input: input, message: ffmpegErrorText(sw_averror(errno)))
        }
        // Opening a named pipe waits, beyond any timeout or stop(), for a writer that may never
        // come. A pipe this process already holds (its standard input) is read as it is.
        let inherited = localPath == "/dev/stdin" || localPath.hasPrefix("/dev/fd/") || localPath.hasPrefix("/proc/self/fd/")
        if scheme == "file" && st.st_mode & S_IFMT == S_IFIFO && !inherited {
            throw VideoError(.openFailed, input: input, message: "a named pipe; feed it on standard input (pipe:0) or give a stream URL")
        }
        var ctx: UnsafeMutablePointer<AVFormatContext>? = avformat_alloc_context()
        guard ctx != nil else {
            throw VideoError(.openFailed, input: input, message: "out of memory")
        }
        sw_install_interrupt(ctx!, interrupt)
        sw_interrupt_reset_timeout(interrupt)
        sw_interrupt_arm(interrupt, Int64(options.openTimeout * 1_000_000))
        FFmpegLog.clear()
        let r = avformat_open_input(&ctx, url, inputFormat, &dict.pointer)
        sw_interrupt_disarm(interrupt)
        if r < 0 {
            // avformat_open_input frees the context on failure.
            if sw_interrupt_timed_out(interrupt) != 0 {
                throw VideoError(.timedOut, input: input,
                                 message: "not opened within \(seconds(Int64(options.openTimeout * 1_000_000))) (open timeout)")
            }
            var message = FFmpegLog.message(r)
            if scheme == "file", st.st_mode & S_IFMT == S_IFREG, st.st_size == 0 {
                message = "the file is empty (0 bytes)"
            }
            throw VideoError(.openFailed, input: input, message: message)
        }
        handles.format = ctx
        return dict
    }
}

/// The FFmpeg objects a source owns, freed together when the source goes away (or when its
/// initialiser throws part-way).
private final class Handles {
    let interrupt: UnsafeMutablePointer<sw_interrupt_state>
    var format: UnsafeMutablePointer<AVFormatContext>?
    var codec: UnsafeMutablePointer<AVCodecContext>?
    var packet: UnsafeMutablePointer<AVPacket>?
    /// Owns the band hub the decoder's callbacks write into: it lives as long as the decoder.
    var scaler: FrameScaler?
    /// The decoder's `opaque`: band hub and picture pool (released after the decoder).
    let hooks: UnsafeMutablePointer<sw_decoder_hooks>
    let stopFlag: StopFlag?

    init(stopFlag: StopFlag?) {
        self.stopFlag = stopFlag
        interrupt = .allocate(capacity: 1)
        interrupt.initialize(to: sw_interrupt_state(deadline_us: 0, stop: 0, timed_out: 0,
                                                    external_stop: stopFlag.map { UnsafePointer($0.pointer) }))
        hooks = .allocate(capacity: 1)
        hooks.initialize(to: sw_decoder_hooks(band_hub: nil, huge_frames: 0, pool: nil, pool_block: 0))
    }

    deinit {
        if packet != nil { av_packet_free(&packet) }
        if codec != nil { avcodec_free_context(&codec) }
        sw_decoder_hooks_release(hooks)
        hooks.deallocate()
        if format != nil { avformat_close_input(&format) }
        interrupt.deallocate()
    }
}

/// A stop flag several sources can share (read by FFmpeg's interrupt callback).
final class StopFlag: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Int32>
    init() {
        pointer = .allocate(capacity: 1)
        pointer.initialize(to: 0)
    }
    deinit { pointer.deallocate() }
    func set() { sw_flag_set(pointer) }
    var isSet: Bool { sw_flag_get(pointer) != 0 }
}
