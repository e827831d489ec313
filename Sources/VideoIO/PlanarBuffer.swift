import CFFmpeg
import Foundation

/// One model-input picture's worth of planar float RGB (`3 * height * width` values, C×H×W),
/// kept across frames by a caller that converts one frame at a time
/// (`VideoFrame.planarRGB(width:height:into:)`). The storage starts on a 64-byte cache line, so
/// with plane sizes that are multiples of 16 floats no vector load or store straddles two lines.
/// A model-sized buffer (1 MiB or more) lives in 2 MiB pages where the kernel offers them
/// (`sw_huge_map`): one page fault instead of hundreds, and one TLB entry while the model reads it.
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
        let bytes = n * MemoryLayout<Float>.stride
        var length = 0
        if bytes >= 1 << 20, let p = sw_huge_map(bytes, &length) {  // zero-filled by the kernel
            mapped = length
            pointer = p.bindMemory(to: Float.self, capacity: n)
        } else {
            mapped = 0
            pointer = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64).bindMemory(to: Float.self, capacity: n)
            pointer.initialize(repeating: 0, count: n)
        }
    }

    /// Length of the mapping `pointer` starts (0: heap memory).
    private let mapped: Int

    deinit {
        if mapped > 0 { munmap(pointer, mapped) } else { pointer.deallocate() }
    }

    public var buffer: UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: pointer, count: count) }
}
