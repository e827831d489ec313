/// One output row of max pooling over rows that are already padded (−∞ outside the image):
/// `output[c·outChannelStride + x] = max over i < count, kx < kernel of
/// rows[i][c·channelStride + x·stride + kx]` for `x < outWidth`. Used where a convolution
/// hands its output rows straight to a max pool (the stem), so the full convolution output
/// is never stored.
public struct MaxPoolRowsArgs {
    /// `count` row pointers (channel 0 of each input row).
    public var rows: UnsafePointer<UnsafePointer<Float>>
    public var count: Int
    /// Floats of each padded input row the windows reach: `(outWidth − 1)·stride + kernel`.
    public var length: Int
    public var channels: Int
    /// Floats between the channels of one input row.
    public var channelStride: Int
    /// Channel 0 of the output row; channel c at `output + c · outChannelStride`.
    public var output: UnsafeMutablePointer<Float>
    public var outChannelStride: Int
    public var outWidth: Int
    public var kernel: Int
    public var stride: Int
    /// `maxPoolRowsScratchCount(length)` floats of work space.
    public var scratch: UnsafeMutablePointer<Float>

    public init(rows: UnsafePointer<UnsafePointer<Float>>, count: Int, length: Int, channels: Int,
                channelStride: Int, output: UnsafeMutablePointer<Float>, outChannelStride: Int,
                outWidth: Int, kernel: Int, stride: Int, scratch: UnsafeMutablePointer<Float>) {
        self.rows = rows; self.count = count; self.length = length; self.channels = channels
        self.channelStride = channelStride; self.output = output; self.outChannelStride = outChannelStride
        self.outWidth = outWidth; self.kernel = kernel; self.stride = stride; self.scratch = scratch
    }
}

/// Work space of one `maxPoolRows` call: the reduced row plus two 16-float vectors of slack.
public func maxPoolRowsScratchCount(_ length: Int) -> Int { length + 2 * 16 + 8 }

extension Reference {
    /// The plain loops of `MaxPoolRowsArgs`.
    public static func maxPoolRows(_ a: MaxPoolRowsArgs) {
        for c in 0..<a.channels {
            for x in 0..<a.outWidth {
                var best = -Float.infinity
                for i in 0..<a.count {
                    let row = a.rows[i] + c * a.channelStride
                    for kx in 0..<a.kernel { best = Swift.max(best, row[x * a.stride + kx]) }
                }
                a.output[c * a.outChannelStride + x] = best
            }
        }
    }
}

public enum GenericMaxRows<I: SIMDISA> {
    public typealias V = I.V

    /// Vertical max of the rows into the scratch row, then `kernel` taps per output column
    /// (even-column loads for stride 2, in the ISA's permuted lane order).
    @inlinable
    public static func run(_ a: MaxPoolRowsArgs) {
        let w = V.scalarCount
        let row = a.scratch
        let k = a.kernel, s = a.stride, wo = a.outWidth
        for c in 0..<a.channels {
            let off = c * a.channelStride
            var x = 0
            let r0 = a.rows[0] + off
            while x + w <= a.length {
                var v: V = vload(r0 + x)
                for i in 1..<Swift.max(1, a.count) { v = I.max(v, vload(a.rows[i] + off + x)) }
                vstore(v, row + x)
                x += w
            }
            while x < a.length {
                var v = r0[x]
                for i in 1..<Swift.max(1, a.count) { v = Swift.max(v, a.rows[i][off + x]) }
                row[x] = v
                x += 1
            }
            let out = a.output + c * a.outChannelStride
            var ox = 0
            if s == 2 {
                // Full vectors read at most 2·(wo − w) + k − 1 + 2w − 1 < length + 2w: slack.
                while ox + w <= wo {
                    let p = UnsafePointer(row + 2 * ox)
                    var m = I.loadEvenPermuted(p)
                    for kx in 1..<Swift.max(1, k) { m = I.max(m, I.loadEvenPermuted(p + kx)) }
                    vstore(I.unpermute(m), out + ox)
                    ox += w
                }
            } else if s == 1 {
                while ox + w <= wo {
                    var m: V = vload(row + ox)
                    for kx in 1..<Swift.max(1, k) { m = I.max(m, vload(row + ox + kx)) }
                    vstore(m, out + ox)
                    ox += w
                }
            }
            while ox < wo {
                var m = row[ox * s]
                for kx in 1..<Swift.max(1, k) { m = Swift.max(m, row[ox * s + kx]) }
                out[ox] = m
                ox += 1
            }
        }
    }

    /// `even[t] = line[2t − p]`, `odd[t] = line[2t + 1 − p]`, zero outside the line: whole
    /// vectors with even-column loads, scalars at the ends.
    @inlinable
    public static func splitEvenOdd(_ line: UnsafePointer<Float>, width: Int, padding p: Int,
                                    even: UnsafeMutablePointer<Float>, odd: UnsafeMutablePointer<Float>, count: Int) {
        half(even, shift: -p)
        half(odd, shift: 1 - p)
        @inline(__always)
        func half(_ dst: UnsafeMutablePointer<Float>, shift: Int) {
            let w = V.scalarCount
            // Column 2t + shift; t in lo..<hi is inside the line.
            let lo = Swift.min(count, Swift.max(0, (1 - shift) / 2))
            let hi = Swift.max(lo, Swift.min(count, (width - shift + 1) / 2))
            if lo > 0 { dst.update(repeating: 0, count: lo) }
            var t = lo
            // The 2w floats a load reads end inside the line.
            while t + w <= hi && 2 * t + shift + 2 * w <= width {
                vstore(I.loadEven(line + 2 * t + shift), dst + t)
                t += w
            }
            while t < hi { dst[t] = line[2 * t + shift]; t += 1 }
            if hi < count { (dst + hi).update(repeating: 0, count: count - hi) }
        }
    }
}
