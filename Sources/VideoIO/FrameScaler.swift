import CFFmpeg
import CVideoKernels
import Foundation

/// swscale contexts shared by the frames of one source, one per (source shape, target shape),
/// created on first use. A lock serialises use: an `SwsContext` is not safe to share across
/// threads, and frames may be scaled on a thread other than the decoding one.
final class FrameScaler: @unchecked Sendable {
    private struct Key: Hashable {
        var srcW: Int32, srcH: Int32, srcFormat: Int32, colorspace: UInt32, fullRange: Bool
        var dstW: Int32, dstH: Int32, dstFormat: Int32
    }

    /// Interpolation for resizing to the model input. Bilinear: area-weighted filters cost more
    /// and the model was trained on bilinear-resized frames.
    static let resizeFlags = sw_sws_bilinear()

    let lock = NSLock()
    private var contexts: [Key: OpaquePointer] = [:]
    private var scratch: (half: UnsafeMutablePointer<UInt8>, yuv: UnsafeMutablePointer<UInt8>, halfCount: Int, outCount: Int)?
    /// The whole-frame tent scaler of the last shape asked for (call with `lock` held).
    private var tent: (scaler: OpaquePointer, key: [Int])?
    /// Pictures scaled band by band while decoded (see `FrameScaler+Bands.swift`).
    let hub: OpaquePointer
    /// True once `attachBands(to:)` hooked a decoder to `hub`.
    var bandsAttached = false

    init() {
        hub = sw_band_hub_create()!
    }

    deinit {
        for (_, c) in contexts { sws_freeContext(c) }
        if let s = scratch { s.half.deallocate(); s.yuv.deallocate() }
        if let t = tent { sw_tent_scaler_free(t.scaler) }
        sw_band_hub_free(hub)
    }

    /// A tent scaler from `srcW`×`srcH` to `dstW`×`dstH`, or nil when the shape does not
    /// qualify (call with `lock` held).
    func tentScaler(srcW: Int, srcH: Int, dstW: Int, dstH: Int) -> OpaquePointer? {
        let key = [srcW, srcH, dstW, dstH]
        if let t = tent, t.key == key { return t.scaler }
        if let t = tent { sw_tent_scaler_free(t.scaler); tent = nil }
        guard let s = sw_tent_scaler_create(Int32(srcW), Int32(srcH), Int32(dstW), Int32(dstH)) else { return nil }
        tent = (s, key)
        return s
    }

    /// Reused buffers of the fast path (call with `lock` held).
    func fastScratch(halfLuma: Int, halfChroma: Int, out: Int) -> (half: UnsafeMutablePointer<UInt8>, yuv: UnsafeMutablePointer<UInt8>) {
        let need = halfLuma + 2 * halfChroma
        if let s = scratch, s.halfCount >= need, s.outCount >= 3 * out { return (s.half, s.yuv) }
        if let s = scratch { s.half.deallocate(); s.yuv.deallocate() }
        let s = (half: UnsafeMutablePointer<UInt8>.allocate(capacity: need + 64),
                 yuv: UnsafeMutablePointer<UInt8>.allocate(capacity: 3 * out + 64), halfCount: need, outCount: 3 * out)
        scratch = s
        return (s.half, s.yuv)
    }

    /// A cached context between two YUV layouts, no colour conversion (call with `lock` held).
    func cachedContext(srcW: Int, srcH: Int, srcFormat: AVPixelFormat, dstW: Int, dstH: Int,
                       dstFormat: AVPixelFormat, flags: Int32) -> OpaquePointer? {
        let key = Key(srcW: Int32(srcW), srcH: Int32(srcH), srcFormat: srcFormat.rawValue, colorspace: UInt32(flags),
                      fullRange: false, dstW: Int32(dstW), dstH: Int32(dstH), dstFormat: dstFormat.rawValue)
        if let c = contexts[key] { return c }
        guard let c = sws_getContext(Int32(srcW), Int32(srcH), srcFormat, Int32(dstW), Int32(dstH), dstFormat,
                                     flags, nil, nil, nil) else { return nil }
        contexts[key] = c
        return c
    }

    /// True when swscale can read this frame's pixel format.
    static func canRead(_ frame: UnsafePointer<AVFrame>) -> Bool {
        sws_isSupportedInput(AVPixelFormat(rawValue: frame.pointee.format)) != 0
    }

    /// Runs `body` with a context converting `frame` to `dstFormat` at `dstW`×`dstH`.
    /// Returns nil when swscale cannot build one (unsupported format or size).
    func withContext<R>(for frame: UnsafePointer<AVFrame>, dstW: Int, dstH: Int, dstFormat: AVPixelFormat,
                        _ body: (OpaquePointer) -> R) -> R? {
        let f = frame.pointee
        let full = f.color_range == AVCOL_RANGE_JPEG
        let key = Key(srcW: f.width, srcH: f.height, srcFormat: f.format, colorspace: f.colorspace.rawValue,
                      fullRange: full, dstW: Int32(dstW), dstH: Int32(dstH), dstFormat: dstFormat.rawValue)
        lock.lock()
        defer { lock.unlock() }
        if let c = contexts[key] { return body(c) }
        let sameSize = f.width == Int32(dstW) && f.height == Int32(dstH)
        guard let c = sws_getContext(f.width, f.height, AVPixelFormat(rawValue: f.format),
                                     Int32(dstW), Int32(dstH), dstFormat,
                                     sameSize ? sw_sws_point() : Self.resizeFlags, nil, nil, nil) else {
            return nil
        }
        // Decoders tag HD video BT.709; swscale assumes BT.601 unless told.
        if f.colorspace == AVCOL_SPC_BT709 || f.colorspace == AVCOL_SPC_BT470BG || f.colorspace == AVCOL_SPC_SMPTE170M {
            let cs = f.colorspace == AVCOL_SPC_BT709 ? sw_sws_cs_itu709() : sw_sws_cs_default()
            let srcRange: Int32 = full ? 1 : 0
            _ = sws_setColorspaceDetails(c, sws_getCoefficients(cs), srcRange,
                                         sws_getCoefficients(sw_sws_cs_default()), 1, 0, 1 << 16, 1 << 16)
        }
        contexts[key] = c
        return body(c)
    }
}

extension FrameScaler {
    /// `frame` resized to `width`×`height` into `out` as planar float RGB (R, G, B planes, 0…1):
    /// one swscale call to GBRPF32. Gray pictures (gray, gray+alpha, any depth: monochrome
    /// H.265, night cameras, gray PNGs) go through 8-bit GBRP first, because FFmpeg 5.1's
    /// gray → GBRPF32 conversion writes 1.0 to one plane and 0 to the others. False when the
    /// picture could not be converted (no memory).
    func planarFloatRGB(_ frame: UnsafeMutablePointer<AVFrame>, width: Int, height: Int, into out: UnsafeMutablePointer<Float>) -> Bool {
        let plane = width * height
        if let desc = av_pix_fmt_desc_get(AVPixelFormat(frame.pointee.format)),
           desc.pointee.nb_components <= 2, desc.pointee.flags & UInt64(AV_PIX_FMT_FLAG_RGB) == 0 {
            var bytes = [UInt8](repeating: 0, count: 3 * plane)
            let done = bytes.withUnsafeMutableBufferPointer { b -> Int32? in
                let base = b.baseAddress!
                return withContext(for: frame, dstW: width, dstH: height, dstFormat: AV_PIX_FMT_GBRP) {
                    sw_scale_to_planes($0, frame, base + plane, base + 2 * plane, base, Int32(width))
                }
            }
            guard (done ?? 0) > 0 else { return false }
            for i in 0..<(3 * plane) { out[i] = Float(bytes[i]) / 255 }
            return true
        }
        let r = UnsafeMutableRawPointer(out).assumingMemoryBound(to: UInt8.self)
        let g = UnsafeMutableRawPointer(out + plane).assumingMemoryBound(to: UInt8.self)
        let b = UnsafeMutableRawPointer(out + 2 * plane).assumingMemoryBound(to: UInt8.self)
        let done = withContext(for: frame, dstW: width, dstH: height, dstFormat: AV_PIX_FMT_GBRPF32LE) {
            sw_scale_to_planes($0, frame, g, b, r, Int32(width * 4))
        }
        return (done ?? 0) > 0
    }
}

