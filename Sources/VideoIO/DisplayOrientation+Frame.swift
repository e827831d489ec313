import CFFmpeg
import CVideoKernels

extension DisplayOrientation {
    /// The orientation of `stream`'s display matrix, or `.upright` when it has none; with the
    /// matrix's angle (degrees clockwise) when it is not a quarter turn and so is ignored (NaN
    /// for a degenerate matrix, such as all zeros, that has no angle).
    static func of(_ stream: UnsafePointer<AVStream>) -> (orientation: DisplayOrientation, ignoredAngle: Double?) {
        guard let m = sw_stream_display_matrix(stream) else { return (.upright, nil) }
        if let o = DisplayOrientation(displayMatrix: Array(UnsafeBufferPointer(start: m, count: 9))) { return (o, nil) }
        // av_display_rotation_get gives degrees counter-clockwise (NaN for a degenerate matrix).
        let ccw = av_display_rotation_get(m)
        guard ccw.isFinite else { return (.upright, .nan) }   // degenerate (all zero): no angle at all
        let cw = (-ccw).truncatingRemainder(dividingBy: 360)
        return (.upright, cw < 0 ? cw + 360 : cw)
    }

    /// A new frame holding `frame`'s picture turned this way (its other properties copied), or
    /// nil when out of memory. Pixel formats whose planes cannot be turned as they are (packed
    /// 4:2:2, palettes, bit-packed, Bayer; chroma subsampled unequally when the sides swap) are
    /// converted to RGB24 first.
    func turned(_ frame: UnsafeMutablePointer<AVFrame>, scaler: FrameScaler) -> FrameBox? {
        let src = frame.pointee
        let format = AVPixelFormat(rawValue: src.format)
        guard let planes = Self.planes(of: format, transpose: transpose) else {
            guard let rgb = Self.rgb24(frame, scaler: scaler) else { return nil }
            return turned(rgb.frame, scaler: scaler)
        }
        guard let out = FrameBox() else { return nil }
        let dst = out.frame
        dst.pointee.format = src.format
        dst.pointee.width = transpose ? src.height : src.width
        dst.pointee.height = transpose ? src.width : src.height
        guard av_frame_get_buffer(dst, 0) >= 0, av_frame_copy_props(dst, frame) >= 0 else { return nil }
        if transpose {
            let sar = src.sample_aspect_ratio
            dst.pointee.sample_aspect_ratio = AVRational(num: sar.den, den: sar.num)
        }
        withUnsafeBytes(of: src.data) { srcData in
            withUnsafeBytes(of: src.linesize) { srcLines in
                withUnsafeBytes(of: dst.pointee.data) { dstData in
                    withUnsafeBytes(of: dst.pointee.linesize) { dstLines in
                        let sp = srcData.bindMemory(to: UnsafeMutablePointer<UInt8>?.self)
                        let sl = srcLines.bindMemory(to: Int32.self)
                        let dp = dstData.bindMemory(to: UnsafeMutablePointer<UInt8>?.self)
                        let dl = dstLines.bindMemory(to: Int32.self)
                        for (i, p) in planes.enumerated() {
                            let w = -((-Int(src.width)) >> p.shiftX), h = -((-Int(src.height)) >> p.shiftY)
                            sw_turn_plane(sp[i], Int(sl[i]), Int32(w), Int32(h), Int32(p.bytesPerPixel),
                                          dp[i], Int(dl[i]), transpose ? 1 : 0, flipX ? 1 : 0, flipY ? 1 : 0)
                        }
                    }
                }
            }
        }
        return out
    }

    /// Tests: `plane` (`width` × `height` pixels of `bytesPerPixel` bytes, rows packed) turned
    /// this way by `sw_turn_plane`, rows packed.
    func turn(plane: [UInt8], width: Int, height: Int, bytesPerPixel: Int) -> [UInt8] {
        precondition(plane.count == width * height * bytesPerPixel, "a packed plane of that size")
        let outWidth = transpose ? height : width
        return [UInt8](unsafeUninitializedCapacity: plane.count) { out, count in
            plane.withUnsafeBufferPointer {
                sw_turn_plane($0.baseAddress, width * bytesPerPixel, Int32(width), Int32(height), Int32(bytesPerPixel),
                              out.baseAddress, outWidth * bytesPerPixel, transpose ? 1 : 0, flipX ? 1 : 0, flipY ? 1 : 0)
            }
            count = plane.count
        }
    }

    /// Each plane's bytes per pixel and subsampling (log2), or nil when `format`'s planes
    /// cannot be turned pixel by pixel: a plane whose components step differently (packed
    /// 4:2:2), a palette, bit-packed or Bayer pixels, or, when `transpose`, chroma subsampled
    /// more one way than the other (4:2:2 would turn into 4:4:0).
    static func planes(of format: AVPixelFormat, transpose: Bool) -> [(bytesPerPixel: Int, shiftX: Int, shiftY: Int)]? {
        guard let desc = av_pix_fmt_desc_get(format) else { return nil }
        let d = desc.pointee
        let unturnable = UInt64(AV_PIX_FMT_FLAG_PAL | AV_PIX_FMT_FLAG_BITSTREAM | AV_PIX_FMT_FLAG_HWACCEL | AV_PIX_FMT_FLAG_BAYER)
        guard d.flags & unturnable == 0, !transpose || d.log2_chroma_w == d.log2_chroma_h else { return nil }
        let count = Int(av_pix_fmt_count_planes(format))
        guard count > 0 else { return nil }
        var step = [Int](repeating: 0, count: count)
        var holdsLuma = [Bool](repeating: false, count: count)
        let comps = withUnsafeBytes(of: d.comp) { Array($0.bindMemory(to: AVComponentDescriptor.self)) }
        for (i, c) in comps.prefix(Int(d.nb_components)).enumerated() {
            let p = Int(c.plane)
            guard p < count, step[p] == 0 || step[p] == Int(c.step), c.step > 0 else { return nil }
            step[p] = Int(c.step)
            if i == 0 || i == 3 { holdsLuma[p] = true }
        }
        guard !step.contains(0) else { return nil }
        // Planes holding only chroma (components 1 and 2) are subsampled, as in av_image_fill_linesizes.
        return (0..<count).map { p in
            (step[p], holdsLuma[p] ? 0 : Int(d.log2_chroma_w), holdsLuma[p] ? 0 : Int(d.log2_chroma_h))
        }
    }

    /// `frame` converted to RGB24 at its size, with the colour handling of evidence images.
    private static func rgb24(_ frame: UnsafeMutablePointer<AVFrame>, scaler: FrameScaler) -> FrameBox? {
        guard let out = FrameBox() else { return nil }
        let dst = out.frame
        dst.pointee.format = AV_PIX_FMT_RGB24.rawValue
        dst.pointee.width = frame.pointee.width
        dst.pointee.height = frame.pointee.height
        guard av_frame_get_buffer(dst, 0) >= 0, av_frame_copy_props(dst, frame) >= 0 else { return nil }
        dst.pointee.colorspace = AVCOL_SPC_RGB
        dst.pointee.color_range = AVCOL_RANGE_JPEG
        let done = scaler.withContext(for: frame, dstW: Int(dst.pointee.width), dstH: Int(dst.pointee.height),
                                      dstFormat: AV_PIX_FMT_RGB24) {
            sw_scale_to_packed($0, frame, dst.pointee.data.0, dst.pointee.linesize.0)
        }
        return (done ?? 0) > 0 ? out : nil
    }
}
