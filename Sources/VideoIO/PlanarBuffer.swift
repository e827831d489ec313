/// One model-input picture's worth of planar float RGB (`3 * height * width` values, C×H×W),
/// kept across frames by a caller that converts one frame at a time
/// (`VideoFrame.planarRGB(width:height:into:)`). The storage starts on a 64-byte cache line, so
/// with plane sizes that are multiples of 16 floats no vector load or store straddles two lines.
public final class PlanarBuffer: @unchecked Sendable {
    public let width: Int
    public let height: Int
    public let pointer: UnsafeMutablePointer<Float>
    public var count: Int { 3 * width * height }

    public init(width: Int, height: Int) {
        precondition(width > 0 && height > 0, "PlanarBuffer needs a positive size")
        self.width = width
        self.height = height
        let n = 3 * width * height
        pointer = UnsafeMutableRawPointer.allocate(byteCount: n * MemoryLayout<Float>.stride, alignment: 64)
            .bindMemory(to: Float.self, capacity: n)
        pointer.initialize(repeating: 0, count: n)
    }

    deinit { pointer.deallocate() }

    public var buffer: UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: pointer, count: count) }
}
