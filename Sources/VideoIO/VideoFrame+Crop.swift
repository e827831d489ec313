import CFFmpeg

extension VideoFrame {
    /// A rectangle of the picture resized to `width`×`height` as planar float RGB (the layout of
    /// `planarRGB(width:height:)`), for tiled detection of objects too small for a whole-frame
    /// pass. The rectangle is in pixels of this picture, clamped to it, with its left and top
    /// edges rounded down to even pixels so that 4:2:0 chroma stays aligned. No pixels are
    /// copied: a second reference to the decoder's frame is cropped (FFmpeg moves its plane
    /// pointers) and one swscale call converts and resizes it. Nil when the rectangle is
    /// empty or the frame cannot be cropped.
    public func planarRGB(width: Int, height: Int, cropX: Int, cropY: Int, cropWidth: Int, cropHeight: Int) -> [Float]? {
        precondition(width > 0 && height > 0, "planarRGB needs a positive size")
        guard cropX < self.width, cropY < self.height, cropWidth > 0, cropHeight > 0 else { return nil }
        let x0 = max(0, min(cropX, self.width - 2)) & ~1
        let y0 = max(0, min(cropY, self.height - 2)) & ~1
        let x1 = min(self.width, cropX + cropWidth), y1 = min(self.height, cropY + cropHeight)
        guard x1 - x0 >= 2, y1 - y0 >= 2, let view = FrameBox() else { return nil }
        guard av_frame_ref(view.frame, box.frame) >= 0 else { return nil }
        view.frame.pointee.crop_left = x0
        view.frame.pointee.crop_top = y0
        view.frame.pointee.crop_right = self.width - x1
        view.frame.pointee.crop_bottom = self.height - y1
        guard av_frame_apply_cropping(view.frame, Int32(AV_FRAME_CROP_UNALIGNED)) >= 0 else { return nil }
        let plane = width * height
        var ok = false
        let out = [Float](unsafeUninitializedCapacity: 3 * plane) { buffer, count in
            let base = buffer.baseAddress!
            count = 3 * plane
            ok = scaler.planarFloatRGB(view.frame, width: width, height: height, into: base)
            if !ok { base.initialize(repeating: 0, count: 3 * plane) }
        }
        return ok ? out : nil
    }
}
