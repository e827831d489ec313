import CFFmpeg
import Foundation

/// One sampled, decoded picture. Holds a reference to the decoder's frame (no copy), so the
/// full-resolution picture stays available for evidence while the frame is alive.
public struct VideoFrame: @unchecked Sendable {
    /// Presentation time in seconds from the start of the input (for live inputs, from the
    /// start of the current connection).
    public let pts: Double
    /// When the picture was taken: the input's start time (`creation_time`, RTSP's NTP time or
    /// the `start` option) plus `pts`, or the arrival time for live inputs without one.
    public let wallClock: Date
    /// True for keyframes (intra pictures).
    public let isKeyframe: Bool
    public let width: Int
    public let height: Int

    let box: FrameBox
    let scaler: FrameScaler

    init(box: FrameBox, scaler: FrameScaler, pts: Double, wallClock: Date, isKeyframe: Bool) {
        self.box = box
        self.scaler = scaler
        self.pts = pts
        self.wallClock = wallClock
        self.isKeyframe = isKeyframe
        self.width = Int(box.frame.pointee.width)
        self.height = Int(box.frame.pointee.height)
    }

    /// The picture resized to `width`×`height` as planar float RGB: `3 * height * width` values
    /// in C×H×W order (all R, then all G, then all B), each in 0…1. One swscale call converts
    /// and resizes straight into the three planes (swscale's GBRPF32 layout, pointed at the
    /// R, G and B slices of the result), so no intermediate RGB24 image exists.
    public func planarRGB(width: Int, height: Int) -> [Float] {
        precondition(width > 0 && height > 0, "planarRGB needs a positive size")
        return [Float](unsafeUninitializedCapacity: 3 * width * height) { buffer, count in
            count = 3 * width * height
            planarRGB(width: width, height: height, into: buffer.baseAddress!)
        }
    }

    /// `planarRGB(width:height:)` written into `out` (`3 * height * width` floats), for callers
    /// that keep one buffer across frames: no allocation per frame, and a buffer aligned to
    /// 64 bytes (`PlanarBuffer`) takes the vector stores without splitting cache lines.
    public func planarRGB(width: Int, height: Int, into out: UnsafeMutablePointer<Float>) {
        precondition(width > 0 && height > 0, "planarRGB needs a positive size")
        let plane = width * height
        if scaler.fastPlanarRGB(box.frame, width: width, height: height, into: out) { return }
        if !scaler.planarFloatRGB(box.frame, width: width, height: height, into: out) {
            // Formats are checked when the frame is decoded, so this means no memory.
            out.update(repeating: 0, count: 3 * plane)
        }
    }

    /// The picture at full resolution as packed RGB24, for evidence images.
    public func rgbImage() -> RGBImage {
        let stride = width * 3
        let pixels = [UInt8](unsafeUninitializedCapacity: stride * height) { buffer, count in
            let base = buffer.baseAddress!
            let done = scaler.withContext(for: box.frame, dstW: width, dstH: height, dstFormat: AV_PIX_FMT_RGB24) {
                sw_scale_to_packed($0, box.frame, base, Int32(stride))
            }
            if done == nil || done! <= 0 { base.initialize(repeating: 0, count: stride * height) }
            count = stride * height
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }
}
