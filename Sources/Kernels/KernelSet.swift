/// The function table of one kernel path. Built once; the NN layer picks one at start-up
/// (or takes an override) and passes it to every op.
public struct KernelSet: @unchecked Sendable {
    public let path: KernelPath
    /// Floats per vector (1 for the reference path).
    public let vectorWidth: Int
    public let gemm: (GemmArgs) -> Void
    public let window: (WindowArgs) -> Void
    public let activate: (UnsafeMutablePointer<Float>, Int, Activation) -> Void
    public let add: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int, Activation) -> Void
    public let globalAveragePool: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int, Int) -> Void
    public let softmax: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int, Int) -> Void
    /// One output row of max pooling over padded input rows (see `MaxPoolRowsArgs`).
    public let maxPoolRows: (MaxPoolRowsArgs) -> Void
    /// `(line, width, padding, even, odd, count)`: `even[t] = line[2t − padding]`,
    /// `odd[t] = line[2t + 1 − padding]` for t < count, zero outside the line.
    public let splitEvenOdd: (UnsafePointer<Float>, Int, Int, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void
    /// The fused stem (3×3/2 convolution + 3×3/2 max pool, see `ConvMaxPoolArgs`) where this
    /// path has one; nil runs the direct convolution into a ring of rows and `maxPoolRows`.
    public let convMaxPool: ((ConvMaxPoolArgs) -> Void)?

    public init(path: KernelPath, vectorWidth: Int,
                gemm: @escaping (GemmArgs) -> Void,
                window: @escaping (WindowArgs) -> Void,
                activate: @escaping (UnsafeMutablePointer<Float>, Int, Activation) -> Void,
                add: @escaping (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int, Activation) -> Void,
                globalAveragePool: @escaping (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int, Int) -> Void,
                softmax: @escaping (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int, Int) -> Void,
                maxPoolRows: @escaping (MaxPoolRowsArgs) -> Void,
                splitEvenOdd: @escaping (UnsafePointer<Float>, Int, Int, UnsafeMutablePointer<Float>,
                                         UnsafeMutablePointer<Float>, Int) -> Void,
                convMaxPool: ((ConvMaxPoolArgs) -> Void)? = nil) {
        self.convMaxPool = convMaxPool
        self.path = path; self.vectorWidth = vectorWidth; self.gemm = gemm; self.window = window
        self.activate = activate; self.add = add; self.globalAveragePool = globalAveragePool
        self.softmax = softmax; self.maxPoolRows = maxPoolRows
        self.splitEvenOdd = splitEvenOdd
    }

    /// The table of the generic SIMD kernels instantiated for `isa`. Call this from a module
    /// built with that ISA's target flags: the kernels are specialized there.
    @inlinable
    public static func simd<I: SIMDISA>(_ isa: I.Type, path: KernelPath) -> KernelSet {
        KernelSet(path: path, vectorWidth: I.V.scalarCount,
                  gemm: { GenericGEMM<I>.gemm($0) },
                  window: { GenericWindow<I>.run($0) },
                  activate: { GenericElementwise<I>.activate($0, $1, $2) },
                  add: { GenericElementwise<I>.add($0, $1, $2, $3, $4) },
                  globalAveragePool: { GenericElementwise<I>.globalAveragePool($0, $1, $2, $3) },
                  softmax: { GenericElementwise<I>.softmax($0, $1, $2, $3) },
                  maxPoolRows: { GenericMaxRows<I>.run($0) },
                  splitEvenOdd: { GenericMaxRows<I>.splitEvenOdd($0, width: $1, padding: $2, even: $3, odd: $4, count: $5) })
    }

    /// This table with `convMaxPool` set (paths that have the fused stem kernel).
    public func with(convMaxPool: @escaping (ConvMaxPoolArgs) -> Void) -> KernelSet {
        KernelSet(path: path, vectorWidth: vectorWidth, gemm: gemm, window: window, activate: activate, add: add,
                  globalAveragePool: globalAveragePool, softmax: softmax, maxPoolRows: maxPoolRows,
                  splitEvenOdd: splitEvenOdd, convMaxPool: convMaxPool)
    }

    /// Portable SIMD (4-wide, no FMA), built without target flags.
    public static let portable = KernelSet.simd(PortableISA.self, path: .portable)
        .with(convMaxPool: { GenericConvMaxPool<PortableISA>.run($0) })

    /// Plain loops for every entry (the packed GEMM included), the twin of all paths.
    public static let reference = KernelSet(
        path: .reference, vectorWidth: 1,
        gemm: { g in
            let r = gemmRowsPerTile
            for m in 0..<g.m {
                let panel = g.a + (m / r) * g.k * r
                for j in g.columns {
                    var sum = g.bias[m]
                    for kk in 0..<g.k {
                        let b = g.bRows.map { $0[kk][j] } ?? g.b[kk * g.ldb + j]
                        sum += panel[kk * r + m % r] * b
                    }
                    g.c[m * g.ldc + j] = g.activation.apply(sum)
                }
            }
        },
        window: referenceWindow,
        activate: { Reference.activate($0, count: $1, $2) },
        add: { Reference.add($0, $1, count: $3, activation: $4, output: $2) },
        globalAveragePool: { Reference.globalAveragePool(input: $0, channels: $2, planeSize: $3, output: $1) },
        softmax: { Reference.softmax(input: $0, channels: $2, planeSize: $3, output: $1) },
        maxPoolRows: { Reference.maxPoolRows($0) },
        splitEvenOdd: { line, width, p, even, odd, count in
            for t in 0..<count {
                let e = 2 * t - p, o = e + 1
                even[t] = e >= 0 && e < width ? line[e] : 0
                odd[t] = o >= 0 && o < width ? line[o] : 0
            }
        })
}

/// The window job (depthwise conv or pooling) with the reference loops.
@usableFromInline
func referenceWindow(_ a: WindowArgs) {
    if a.inputPlanes != nil {
        // Gather the planes, then the contiguous loops.
        let g = a.geometry, plane = g.height * g.width
        var gathered = [Float](repeating: 0, count: g.inChannels * plane)
        gathered.withUnsafeMutableBufferPointer { buf in
            for c in a.channelRange { (buf.baseAddress! + c * plane).update(from: a.plane(c), count: plane) }
            var b = a
            b.inputPlanes = nil
            b.input = UnsafePointer(buf.baseAddress!)
            referenceWindow(b)
        }
        return
    }
    var g = a.geometry
    let c0 = a.channelRange.lowerBound, n = a.channelRange.count
    let plane = g.height * g.width, outPlane = g.outHeight * g.outWidth
    g.inChannels = n; g.outChannels = n; g.groups = n
    let input = a.input + c0 * plane, output = a.output + c0 * outPlane
    if let kind = a.pool {
        Reference.pool(input: input, geometry: g, kind: kind, output: output)
    } else if let weights = a.weights {
        Reference.conv2d(input: input, weights: weights + c0 * g.kernel * g.kernel,
                         bias: a.bias.map { $0 + c0 }, geometry: g,
                         activation: a.activation, output: output)
    }
}
