import CFFmpeg
import CVideoKernels

/// The fast twins of `planarRGB`'s reference path (one swscale call straight to GBRPF32).
///
/// swscale's float-RGB output stage is plain C and its bilinear horizontal filter grows with
/// the downscale ratio; at 1080p → 512×288 that cost about a fifth of an H.264 decode. For
/// 8-bit 4:2:0 frames at least twice the target size, in order of preference:
/// 1. the band path (`FrameScaler+Bands.swift`): the picture was already scaled to 4:2:0 at
///    the target size while the decoder wrote it; only step 3 below is left;
/// 2. the tent path: the same C tent scaler on the finished frame (2×2 box halving, then a
///    separable tent filter of radius max(scale, 1), vertical first, 8-bit 4:2:0 out);
/// 3. Y'CbCr 4:2:0 → planar float R, G, B with the frame's matrix (BT.601/BT.709) and range,
///    each chroma sample serving its 2×2 luma block (one fused pass);
/// and, for shapes the tent scaler does not take (more than 8 taps a direction), the swscale
/// path: box halving, one swscale call from the half-size 4:2:0 picture to 4:2:0 at the target
/// size, then step 3.
/// The C kernels run AVX2+FMA builds when CPUID reports both, SSE2 builds otherwise.
/// `FastPlanarTests` and `BandScalingTests` check them against each other and the reference.
extension FrameScaler {
    /// Set to false to force the reference path (tests compare the two).
    nonisolated(unsafe) static var fastPathEnabled = true
    /// Set to false to skip the band and tent paths (tests compare them with the swscale path).
    nonisolated(unsafe) static var tentPathEnabled = true

    /// True when the C kernels run their AVX2+FMA builds on this CPU.
    static var kernelsUseAVX2: Bool { sw_kernels_use_avx2() != 0 }

    /// Tests: false forces the kernels' baseline (SSE2) builds.
    static func allowAVX2Kernels(_ allowed: Bool) { sw_kernels_allow_avx2(allowed ? 1 : 0) }

    /// Writes `3 * width * height` floats (planes R, G, B) for `frame`, or returns false when the
    /// frame does not qualify (the caller then uses the reference path).
    func fastPlanarRGB(_ frame: UnsafePointer<AVFrame>, width: Int, height: Int,
                       into out: UnsafeMutablePointer<Float>) -> Bool {
        guard Self.fastPathEnabled else { return false }
        let f = frame.pointee
        let fmt = f.format
        guard fmt == AV_PIX_FMT_YUV420P.rawValue || fmt == AV_PIX_FMT_YUVJ420P.rawValue else { return false }
        let W = Int(f.width), H = Int(f.height)
        guard W % 4 == 0, H % 4 == 0, W >= 2 * width, H >= 2 * height, width >= 2, height >= 2 else { return false }
        let hw = W / 2, hh = H / 2, cw = hw / 2, ch = hh / 2
        let fullRange = fmt == AV_PIX_FMT_YUVJ420P.rawValue || f.color_range == AVCOL_RANGE_JPEG
        let bt709 = f.colorspace == AVCOL_SPC_BT709
        if Self.tentPathEnabled && bandPlanarRGB(frame, width: width, height: height, bt709: bt709,
                                                 fullRange: fullRange, into: out) {
            return true
        }

        lock.lock()
        defer { lock.unlock() }
        let scratch = fastScratch(halfLuma: hw * hh, halfChroma: cw * ch, out: width * height)
        guard let y0 = f.data.0, let u0 = f.data.1, let v0 = f.data.2 else { return false }
        if Self.tentPathEnabled, f.linesize.1 == f.linesize.2,
           let tent = tentScaler(srcW: W, srcH: H, dstW: width, dstH: height) {
            let yuv = scratch.yuv, ocw = (width + 1) / 2, och = (height + 1) / 2
            sw_tent_scaler_begin(tent)
            if sw_tent_scaler_push(tent, y0, f.linesize.0, u0, v0, f.linesize.1, Int32(H), yuv) == 1 {
                return Self.yuv420ToPlanarRGB(y: yuv, u: yuv + width * height, v: yuv + width * height + ocw * och,
                                              width: width, height: height, bt709: bt709, fullRange: fullRange, into: out)
            }
        }
        Self.boxHalve(y0, stride: Int(f.linesize.0), into: scratch.half, width: hw, height: hh)
        Self.boxHalve(u0, stride: Int(f.linesize.1), into: scratch.half + hw * hh, width: cw, height: ch)
        Self.boxHalve(v0, stride: Int(f.linesize.2), into: scratch.half + hw * hh + cw * ch, width: cw, height: ch)

        // Chroma stays 4:2:0 through swscale (a quarter of the chroma work of 4:4:4 output).
        guard let sws = cachedContext(srcW: hw, srcH: hh, srcFormat: AV_PIX_FMT_YUV420P,
                                      dstW: width, dstH: height, dstFormat: AV_PIX_FMT_YUV420P,
                                      flags: sw_sws_bilinear()) else { return false }
        let plane = width * height, ocw = (width + 1) / 2, och = (height + 1) / 2
        let half = scratch.half, yuv = scratch.yuv
        let lines = withUnsafeTemporaryAllocation(of: UnsafePointer<UInt8>?.self, capacity: 4) { src in
            withUnsafeTemporaryAllocation(of: UnsafeMutablePointer<UInt8>?.self, capacity: 4) { dst in
                withUnsafeTemporaryAllocation(of: Int32.self, capacity: 8) { strides in
                    src[0] = UnsafePointer(half); src[1] = UnsafePointer(half + hw * hh)
                    src[2] = UnsafePointer(half + hw * hh + cw * ch); src[3] = nil
                    dst[0] = yuv; dst[1] = yuv + plane; dst[2] = yuv + plane + ocw * och; dst[3] = nil
                    strides[0] = Int32(hw); strides[1] = Int32(cw); strides[2] = Int32(cw); strides[3] = 0
                    strides[4] = Int32(width); strides[5] = Int32(ocw); strides[6] = Int32(ocw); strides[7] = 0
                    return sws_scale(sws, src.baseAddress, strides.baseAddress, 0, Int32(hh),
                                     dst.baseAddress, strides.baseAddress! + 4)
                }
            }
        }
        guard lines == Int32(height) else { return false }
        return Self.yuv420ToPlanarRGB(y: yuv, u: yuv + plane, v: yuv + plane + ocw * och, width: width, height: height,
                                      bt709: bt709, fullRange: fullRange, into: out)
    }

    static func boxHalve(_ src: UnsafePointer<UInt8>, stride: Int, into dst: UnsafeMutablePointer<UInt8>,
                         width: Int, height: Int) {
        sw_box_halve(src, Int32(stride), dst, Int32(width), Int32(height))
    }

    /// Coefficients of `sw_yuv_to_planar_rgb`: yo, ys, rv, gu, gv, bu.
    static func coefficients(bt709: Bool, fullRange: Bool) -> (Float, Float, Float, Float, Float, Float) {
        // Kr, Kb of the matrix; scales for limited (16–235 / 16–240) or full range.
        let (kr, kb): (Float, Float) = bt709 ? (0.2126, 0.0722) : (0.299, 0.114)
        let kg = 1 - kr - kb
        let ys: Float = fullRange ? 1 / 255 : 1 / 219
        let yo: Float = fullRange ? 0 : 16
        let cs: Float = fullRange ? 1 / 255 : 1 / 224
        return (yo, ys, 2 * (1 - kr) * cs, -2 * (1 - kb) * kb / kg * cs, -2 * (1 - kr) * kr / kg * cs, 2 * (1 - kb) * cs)
    }

    /// Y'CbCr 4:2:0 (packed rows, chroma `(width+1)/2` wide) to planar float R, G, B in 0…1,
    /// each chroma sample serving its 2×2 luma block.
    static func yuv420ToPlanarRGB(y: UnsafePointer<UInt8>, u: UnsafePointer<UInt8>, v: UnsafePointer<UInt8>,
                                  width: Int, height: Int, bt709: Bool, fullRange: Bool,
                                  into out: UnsafeMutablePointer<Float>) -> Bool {
        let c = coefficients(bt709: bt709, fullRange: fullRange)
        let plane = width * height
        return sw_yuv420_to_planar_rgb(y, Int32(width), u, v, Int32((width + 1) / 2), Int32(width), Int32(height),
                                       c.0, c.1, c.2, c.3, c.4, c.5, out, out + plane, out + 2 * plane) == 0
    }

    /// Y'CbCr (8-bit, 4:4:4) to planar float R, G, B in 0…1.
    static func yuvToPlanarRGB(y: UnsafePointer<UInt8>, u: UnsafePointer<UInt8>, v: UnsafePointer<UInt8>, count: Int,
                               bt709: Bool, fullRange: Bool, into out: UnsafeMutablePointer<Float>) {
        let c = coefficients(bt709: bt709, fullRange: fullRange)
        sw_yuv_to_planar_rgb(y, u, v, Int32(count), c.0, c.1, c.2, c.3, c.4, c.5, out, out + count, out + 2 * count)
    }
}
