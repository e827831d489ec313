/// Packed RGB24 pixels for evidence drawing: boxes and crops. Independent of the decoder.
public struct RGBCanvas: Sendable {
    public var width: Int
    public var height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height * 3, "RGB24 needs width × height × 3 bytes")
        self.width = width; self.height = height; self.pixels = pixels
    }

    /// Pixel rectangle of a normalized box, clamped to the image, at least 1×1.
    public func pixelRect(x1: Double, y1: Double, x2: Double, y2: Double) -> (x: Int, y: Int, w: Int, h: Int) {
        let px1 = max(0, min(width - 1, Int((x1 * Double(width)).rounded(.down))))
        let py1 = max(0, min(height - 1, Int((y1 * Double(height)).rounded(.down))))
        let px2 = max(px1 + 1, min(width, Int((x2 * Double(width)).rounded(.up))))
        let py2 = max(py1 + 1, min(height, Int((y2 * Double(height)).rounded(.up))))
        return (px1, py1, px2 - px1, py2 - py1)
    }

    /// Draws the outline of a normalized box, `thickness` pixels wide, inside its edge.
    public mutating func strokeBox(x1: Double, y1: Double, x2: Double, y2: Double,
                                   color: (UInt8, UInt8, UInt8) = (255, 32, 32), thickness: Int = 4) {
        let r = pixelRect(x1: x1, y1: y1, x2: x2, y2: y2)
        let t = max(1, min(thickness, r.w / 2 + 1, r.h / 2 + 1))
        func fill(_ x0: Int, _ y0: Int, _ w: Int, _ h: Int) {
            for y in max(0, y0)..<min(height, y0 + h) {
                var o = (y * width + max(0, x0)) * 3
                for _ in max(0, x0)..<min(width, x0 + w) {
                    pixels[o] = color.0; pixels[o + 1] = color.1; pixels[o + 2] = color.2
                    o += 3
                }
            }
        }
        fill(r.x, r.y, r.w, t)
        fill(r.x, r.y + r.h - t, r.w, t)
        fill(r.x, r.y, t, r.h)
        fill(r.x + r.w - t, r.y, t, r.h)
    }

    /// The normalized box grown by `margin` (a fraction of its size on each side), cut out.
    public func crop(x1: Double, y1: Double, x2: Double, y2: Double, margin: Double = 0.15) -> RGBCanvas {
        let mx = (x2 - x1) * margin, my = (y2 - y1) * margin
        var r = pixelRect(x1: max(0, x1 - mx), y1: max(0, y1 - my), x2: min(1, x2 + mx), y2: min(1, y2 + my))
        // Even sizes keep 4:2:0 JPEG encoders happy.
        if r.w > 1 && r.w % 2 == 1 { r.w -= 1 }
        if r.h > 1 && r.h % 2 == 1 { r.h -= 1 }
        var out = [UInt8](repeating: 0, count: r.w * r.h * 3)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<r.h {
                    let s = ((r.y + y) * width + r.x) * 3
                    let d = y * r.w * 3
                    for i in 0..<(r.w * 3) { dst[d + i] = src[s + i] }
                }
            }
        }
        return RGBCanvas(width: r.w, height: r.h, pixels: out)
    }
}
