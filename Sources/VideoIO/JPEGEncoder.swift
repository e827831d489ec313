import CFFmpeg
import Foundation

/// JPEG encoding of evidence images with FFmpeg's MJPEG encoder (baseline JPEG, 4:2:0,
/// full-range YUV, as cameras and browsers expect).
public enum JPEGEncoder {
    /// Encodes `image` as a JPEG file's bytes.
    /// - Parameter quality: 1 (smallest) … 100 (best); mapped onto the encoder's quantiser
    ///   scale 31 … 2.
    /// - Throws: `VideoError` (`.conversionFailed`) when FFmpeg cannot convert or encode.
    public static func encode(_ image: RGBImage, quality: Int = 90) throws -> [UInt8] {
        _ = FFmpegLog.installed
        func fail(_ message: String) -> VideoError {
            VideoError(.conversionFailed, input: "JPEG \(image.width)x\(image.height)", message: message)
        }
        let q = min(max(quality, 1), 100)
        let qscale = 2 + (100 - q) * 29 / 99
        guard let codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG) else { throw fail("FFmpeg has no MJPEG encoder") }
        var ctx = avcodec_alloc_context3(codec)
        guard let c = ctx else { throw fail("out of memory") }
        defer { avcodec_free_context(&ctx) }
        c.pointee.width = Int32(image.width)
        c.pointee.height = Int32(image.height)
        c.pointee.pix_fmt = AV_PIX_FMT_YUVJ420P
        c.pointee.time_base = AVRational(num: 1, den: 25)
        c.pointee.flags |= sw_codec_flag_qscale()
        c.pointee.global_quality = Int32(qscale) * sw_qp2lambda()
        c.pointee.qmin = Int32(qscale)
        c.pointee.qmax = Int32(qscale)
        FFmpegLog.clear()
        var r = avcodec_open2(c, codec, nil)
        guard r >= 0 else { throw fail("cannot open the MJPEG encoder: " + FFmpegLog.message(r)) }

        guard let box = FrameBox() else { throw fail("out of memory") }
        let f = box.frame
        f.pointee.width = c.pointee.width
        f.pointee.height = c.pointee.height
        f.pointee.format = AV_PIX_FMT_YUVJ420P.rawValue
        r = av_frame_get_buffer(f, 0)
        guard r >= 0 else { throw fail(FFmpegLog.message(r)) }
        guard let sws = sws_getContext(c.pointee.width, c.pointee.height, AV_PIX_FMT_RGB24,
                                       c.pointee.width, c.pointee.height, AV_PIX_FMT_YUVJ420P,
                                       sw_sws_bilinear(), nil, nil, nil) else {
            throw fail("swscale cannot convert RGB24 to YUVJ420P at this size")
        }
        defer { sws_freeContext(sws) }
        r = image.pixels.withUnsafeBufferPointer {
            sw_scale_packed_to_frame(sws, $0.baseAddress, Int32(image.width * 3), Int32(image.height), f)
        }
        guard r > 0 else { throw fail("swscale failed (\(r))") }
        f.pointee.quality = c.pointee.global_quality
        f.pointee.pts = 0

        var pkt = av_packet_alloc()
        guard let p = pkt else { throw fail("out of memory") }
        defer { av_packet_free(&pkt) }
        r = avcodec_send_frame(c, f)
        guard r >= 0 else { throw fail(FFmpegLog.message(r)) }
        r = avcodec_send_frame(c, nil)
        r = avcodec_receive_packet(c, p)
        guard r >= 0 else { throw fail(FFmpegLog.message(r)) }
        defer { av_packet_unref(p) }
        return Array(UnsafeBufferPointer(start: p.pointee.data, count: Int(p.pointee.size)))
    }
}
