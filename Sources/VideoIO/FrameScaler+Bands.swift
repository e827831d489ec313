import CFFmpeg
import CVideoKernels

/// Scaling while the decoder writes the picture.
///
/// Scaling a decoded 1080p frame after the fact starts by reading its 3 MB from memory: with
/// B-frames the picture was written several frames earlier and has left the caches. H.264 in
/// FFmpeg reports each band of rows as soon as it is decoded and deblocked (`draw_horiz_band`,
/// in coded order when decoding on one thread); the band hub box-halves and tent-filters those
/// rows while they are still in cache into a small 4:2:0 picture per frame buffer, keyed by the
/// buffer's luma pointer (which the output frame shares). `planarRGB` then only converts that
/// small picture to float RGB. A frame whose bands did not all arrive in order (errors, field
/// pictures, another size asked for, the slot reused) takes the whole-frame path, which runs
/// the same tent scaler on the finished frame, so the numbers do not depend on which path ran.
/// `get_buffer2` forgets a buffer's result whenever the decoder reuses that buffer.
extension FrameScaler {
    /// Set to false to force the whole-frame paths (tests compare the two).
    nonisolated(unsafe) static var bandPathEnabled = true
    /// Set to false before opening a source to decode without the band callbacks (tests check
    /// that they leave the decoded pictures unchanged).
    nonisolated(unsafe) static var attachBandsEnabled = true

    /// Routes the band callbacks of a decoder opened with `ctx` to this scaler's hub, through
    /// `hooks` (the decoder's `opaque`; `VideoSource` installs get_buffer2, which forgets a
    /// buffer's result whenever the decoder reuses it). Only for H.264 decoding on one thread:
    /// with frame threads the callbacks run on several threads out of coded order, with slice
    /// threads the deblocking across slices may come after a band was reported; other decoders
    /// report bands differently (or not at all).
    func attachBands(to ctx: UnsafeMutablePointer<AVCodecContext>, hooks: UnsafeMutablePointer<sw_decoder_hooks>) {
        guard Self.attachBandsEnabled, ctx.pointee.codec_id == AV_CODEC_ID_H264, ctx.pointee.active_thread_type == 0 else { return }
        hooks.pointee.band_hub = UnsafeMutableRawPointer(hub)
        ctx.pointee.draw_horiz_band = { ctx, frame, _, y, type, height in
            guard let ctx, let frame,
                  let hub = ctx.pointee.opaque?.assumingMemoryBound(to: sw_decoder_hooks.self).pointee.band_hub else { return }
            let f = frame.pointee
            // Only whole (progressive) pictures in 8-bit 4:2:0; anything else simply sends no
            // bands, and its picture falls back.
            guard type == sw_picture_structure_frame(),
                  f.format == AV_PIX_FMT_YUV420P.rawValue || f.format == AV_PIX_FMT_YUVJ420P.rawValue,
                  let y0 = f.data.0, let u0 = f.data.1, let v0 = f.data.2, f.linesize.1 == f.linesize.2 else { return }
            sw_band_hub_push(OpaquePointer(hub), y0, f.linesize.0, u0, v0, f.linesize.1,
                             ctx.pointee.width, ctx.pointee.height, y, height)
        }
        bandsAttached = true
    }

    /// Pictures finished by bands, and how many of them `planarRGB` used (tests).
    var bandStats: (completed: Int, served: Int) {
        var c = 0, s = 0
        sw_band_hub_stats(hub, &c, &s)
        return (c, s)
    }

    /// Converts the band-scaled picture of `frame`, when there is one, into `out`.
    func bandPlanarRGB(_ frame: UnsafePointer<AVFrame>, width: Int, height: Int, bt709: Bool, fullRange: Bool,
                       into out: UnsafeMutablePointer<Float>) -> Bool {
        // A damaged picture may have been concealed after its bands were scaled (such frames
        // are not delivered anyway).
        guard bandsAttached, Self.bandPathEnabled, sw_frame_is_corrupt(frame) == 0,
              let key = frame.pointee.data.0 else { return false }
        let c = Self.coefficients(bt709: bt709, fullRange: fullRange)
        let plane = width * height
        if sw_band_hub_planar_rgb(hub, UnsafeRawPointer(key), frame.pointee.width, frame.pointee.height,
                                  Int32(width), Int32(height), c.0, c.1, c.2, c.3, c.4, c.5,
                                  out, out + plane, out + 2 * plane) == 0 {
            return true
        }
        // From now on, scale the pictures being decoded to this size (the first size asked for).
        sw_band_hub_set_target(hub, Int32(width), Int32(height))
        return false
    }
}

extension FrameScaler {
    /// Tests: scales an 8-bit 4:2:0 picture (packed planes: `width`×`height` luma, chroma half
    /// that each way) with the tent scaler, fed in bands of the given heights (the whole frame
    /// when `bands` is empty; the last band is stretched to the bottom). Returns the 4:2:0
    /// output (Y, U, V packed), or nil when the shape is not supported.
    static func tentScale(y: [UInt8], u: [UInt8], v: [UInt8], width: Int, height: Int,
                          to w: Int, _ h: Int, bands: [Int] = []) -> [UInt8]? {
        guard let s = sw_tent_scaler_create(Int32(width), Int32(height), Int32(w), Int32(h)) else { return nil }
        defer { sw_tent_scaler_free(s) }
        var out = [UInt8](repeating: 0, count: sw_tent_scaler_output_size(s))
        var done: Int32 = 0
        y.withUnsafeBufferPointer { yp in
            u.withUnsafeBufferPointer { up in
                v.withUnsafeBufferPointer { vp in
                    out.withUnsafeMutableBufferPointer { op in
                        sw_tent_scaler_begin(s)
                        var rows = 0
                        for b in bands where rows + b < height {
                            rows += b
                            done = sw_tent_scaler_push(s, yp.baseAddress, Int32(width), up.baseAddress, vp.baseAddress,
                                                       Int32(width / 2), Int32(rows), op.baseAddress)
                        }
                        done = sw_tent_scaler_push(s, yp.baseAddress, Int32(width), up.baseAddress, vp.baseAddress,
                                                   Int32(width / 2), Int32(height), op.baseAddress)
                    }
                }
            }
        }
        return done == 1 ? out : nil
    }
}
