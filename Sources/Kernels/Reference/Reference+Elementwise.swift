import Glibc

extension Reference {
    public static func activate(_ data: UnsafeMutablePointer<Float>, count: Int, _ activation: Activation) {
        for i in 0..<count { data[i] = activation.apply(data[i]) }
    }

    /// `out = act(a + b)`; `out` may alias either input.
    public static func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int,
                           activation: Activation, output: UnsafeMutablePointer<Float>) {
        for i in 0..<count { output[i] = activation.apply(a[i] + b[i]) }
    }

    /// Softmax across channels at every pixel of a `[C, H·W]` tensor (a `[C]` vector is
    /// the case H·W = 1).
    public static func softmax(input: UnsafePointer<Float>, channels: Int, planeSize: Int,
                               output: UnsafeMutablePointer<Float>) {
        for p in 0..<planeSize {
            var m = -Float.infinity
            for c in 0..<channels { m = Swift.max(m, input[c * planeSize + p]) }
            var sum: Float = 0
            for c in 0..<channels { sum += expf(input[c * planeSize + p] - m) }
            for c in 0..<channels { output[c * planeSize + p] = expf(input[c * planeSize + p] - m) / sum }
        }
    }
}
