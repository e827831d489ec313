import Foundation
import Kernels
import KernelsDispatch

/// A loaded model: checked graph, repacked weights, preallocated activations.
///
/// `run` is serialized by a lock: use one `Model` per concurrent stream for throughput.
public final class Model: @unchecked Sendable {
    /// One executed layer (after folding), for profiles and FLOP counts.
    public struct Layer: Sendable {
        public let name: String
        public let op: String
        public let outputShape: [Int]
        /// Multiply-adds × 2 of convolutions and linear layers; 0 for other ops.
        public let flops: Int
    }

    public let metadata: ModelMetadata
    /// The graph file the model was read from (`NAME.json`): what errors about the model name.
    public let file: String
    public private(set) var kernels: KernelSet
    /// Intra-op threads per forward pass (1 = single-threaded, the default).
    public var threads: Int {
        get { lock.withLock { _threads } }
        set { lock.withLock { _threads = max(1, newValue) } }
    }
    public let layers: [Layer]
    /// Total FLOPs of one forward pass (convolutions and linear layers).
    public var flops: Int { layers.reduce(0) { $0 + $1.flops } }

    private var _threads: Int
    private let steps: [(KernelSet, Int) -> Void]
    private let buffers: [UnsafeMutablePointer<Float>]
    private let regions: [(pointer: UnsafeMutableRawPointer, bytes: Int)]
    /// Channel-plane pointer tables of convolutions that read views.
    private let tables: [UnsafeMutablePointer<UnsafePointer<Float>>]
    private let inputPointer: UnsafeMutablePointer<Float>
    /// Identity normalization and only convolutions reading the input: those read the
    /// caller's buffer through `callerInput` during a pass, and the input is not copied.
    private let readsCallerInput: Bool
    private let callerInput = InputSlot()
    private let outputs: [(UnsafeMutablePointer<Float>, [Int])]
    private let lock = NSLock()

    /// Loads `NAME.json` + `NAME.safetensors`; `path` may name either file or the common
    /// base. `kernels` nil picks the fastest path this CPU runs.
    public static func load(path: String, kernels: KernelPath? = nil, threads: Int = 1) throws -> Model {
        var base = path
        for ext in [".json", ".safetensors"] where base.hasSuffix(ext) { base.removeLast(ext.count) }
        let jsonPath = base + ".json", weightsPath = base + ".safetensors"
        func read(_ path: String) throws -> [UInt8] {
            do { return try FileBytes.contents(of: path) } catch let f as FileBytes.Failure {
                throw ModelError("\(path): \(f.reason) (a model is NAME.json with NAME.safetensors beside it)")
            }
        }
        let json = try read(jsonPath)
        let weights = try SafeTensors(bytes: try read(weightsPath), name: weightsPath)
        return try Model(json: json, jsonName: jsonPath, weights: weights, kernels: kernels, threads: threads)
    }

    public init(json: [UInt8], jsonName: String, weights: SafeTensors, kernels path: KernelPath? = nil,
                threads: Int = 1) throws {
        let (metadata, parsed) = try GraphParser(file: jsonName, weights: weights).parse(json)
        let parsedOutputs = Set(metadata.outputs.compactMap { name in parsed.firstIndex { $0.name == name } })
        Model.fold(parsed, outputs: parsedOutputs)
        let (nodes, outputIDs) = Model.splitUpsampledConcats(parsed, outputs: parsedOutputs)
        self.metadata = metadata
        self.file = jsonName
        self.kernels = try KernelSelection.kernels(path ?? KernelSelection.best)
        self._threads = max(1, threads)

        // Storage: one buffer per computed value; slices and folded layers alias; layers
        // that feed only a concat (or a concat + channel shuffle) write straight into its
        // buffer at their channel offset (a convolution also with a channel stride).
        // Concats, shuffles and slices whose readers all take channel-plane views are never
        // copied: their consumers read the planes where the producers left them.
        let virtual = Model.planViews(nodes, outputs: outputIDs)
        let plan = Model.planConcats(nodes, outputs: outputIDs, virtual: virtual)
        // (A pool placed into a shuffled concat keeps its own step: the fused op writes planes.)
        let fusedPools = Model.planConvMaxPools(nodes).filter { plan.placement[$0.key].map { $0.step == 1 } ?? true }
        // Pointwise convolution → stride-2 depthwise pairs run as one banded op (keyed by the
        // depthwise layer); the depthwise output is written with no channel step.
        let fusedPairs = Model.planPointwiseDepthwise(nodes)
            .filter { plan.placement[$0.key].map { $0.step == 1 } ?? true }
        let fusedConvs = Set(fusedPools.values).union(fusedPairs.values)
        // Buffers are shared between values whose lifetimes do not overlap, so a layer's
        // output usually lands in memory that is still in cache.
        let memory = Model.planMemory(nodes, outputs: outputIDs, virtual: virtual, plan: plan,
                                      fusedPools: fusedPools.merging(fusedPairs) { a, _ in a })
        var pointer = [UnsafeMutablePointer<Float>?](repeating: nil, count: nodes.count)
        let buffers = memory.blocks
        self.regions = memory.regions
        func buffer(_ i: Int) -> UnsafeMutablePointer<Float> {
            if let p = pointer[i] { return p }
            let p = memory.pointer[i]!
            pointer[i] = p
            return p
        }
        var steps: [(KernelSet, Int) -> Void] = []
        var layers: [Layer] = []
        // Channel-plane pointers of views, and the float distance between channel planes of
        // computed values (a layer placed into a shuffled concat writes with a channel step).
        var viewPlanes = [[UnsafePointer<Float>]?](repeating: nil, count: nodes.count)
        var channelStep = [Int?](repeating: nil, count: nodes.count)
        var tables: [UnsafeMutablePointer<UnsafePointer<Float>>] = []
        func planes(_ j: Int) -> [UnsafePointer<Float>] {
            let r = Model.resolve(j, nodes)
            if let v = viewPlanes[r] { return v }
            let sh = nodes[r].shape
            let plane = sh.count == 3 ? sh[1] * sh[2] : 1
            let base = UnsafePointer(pointer[r]!)
            let step = channelStep[r] ?? plane
            return (0..<sh[0]).map { base + $0 * step }
        }
        func table(_ p: [UnsafePointer<Float>]) -> UnsafePointer<UnsafePointer<Float>> {
            let t = UnsafeMutablePointer<UnsafePointer<Float>>.allocate(capacity: Swift.max(1, p.count))
            t.initialize(from: p, count: p.count)
            tables.append(t)
            return UnsafePointer(t)
        }
        let identity = (0..<metadata.inputChannels).allSatisfy { metadata.mean[$0] == 0 && metadata.std[$0] == 1 }
        let inputUsers = nodes.indices.filter { i in
            nodes[i].aliasOf == nil && nodes[i].inputs.contains { Model.resolve($0, nodes) == 0 }
        }
        let direct = identity && !outputIDs.contains(0) && nodes.allSatisfy { $0.aliasOf != 0 }
            && inputUsers.allSatisfy { i in
                if case .conv = nodes[i].kind { return nodes[i].inputs.count == 1 }
                return false
            }
        let slot = callerInput
        for (i, node) in nodes.enumerated() {
            if let a = node.aliasOf { pointer[i] = pointer[Model.resolve(a, nodes)]; continue }
            if fusedConvs.contains(i) { continue }  // runs inside the max pool or depthwise after it
            if virtual.contains(i) {
                switch node.kind {
                case .concat:
                    viewPlanes[i] = node.inputs.flatMap { planes($0) }
                case .channelShuffle(let groups):
                    let src = planes(node.inputs[0])
                    let per = src.count / groups
                    var out = src
                    for g in 0..<groups { for j in 0..<per { out[j * groups + g] = src[g * per + j] } }
                    viewPlanes[i] = out
                case .sliceChannels(let start, let end):
                    viewPlanes[i] = Array(planes(node.inputs[0])[start..<end])
                default:
                    break
                }
                continue
            }
            let ins = node.inputs.map { UnsafePointer(pointer[Model.resolve($0, nodes)] ?? UnsafeMutablePointer(bitPattern: 16)!) }
            let inShapes = node.inputs.map { nodes[Model.resolve($0, nodes)].shape }
            var flops = 0
            switch node.kind {
            case .input:
                pointer[i] = buffer(i)
                continue
            case .sliceChannels(let start, _):
                let s = inShapes[0]
                pointer[i] = UnsafeMutablePointer(mutating: ins[0]) + start * s[1] * s[2]
                continue
            case .flatten:
                pointer[i] = UnsafeMutablePointer(mutating: ins[0])
                continue
            default:
                break
            }
            // Where this layer's output goes, and the float distance between its channel planes.
            let plane = node.shape.count == 3 ? node.shape[1] * node.shape[2] : 1
            var out: UnsafeMutablePointer<Float>
            var channelStride = plane
            if let place = plan.placement[i] {
                out = buffer(place.target) + place.start * plane
                channelStride = place.step * plane
                pointer[i] = out
                channelStep[i] = channelStride
            } else if plan.skipped.contains(i) {
                continue  // a concat whose parts land in the channel shuffle after it
            } else {
                out = buffer(i)
            }
            let n = node.elementCount
            switch node.kind {
            case .conv(let w, let b, let geometry, let act) where fusedPairs[i] != nil:
                // Pointwise + stride-2 depthwise in bands: the pointwise output is never stored.
                let r = fusedPairs[i]!
                guard case .conv(let pw, let pb, let pg, let pact) = nodes[r].kind else { break }
                let op = PointwiseDepthwise(pointwise: Conv2D(weights: pw, bias: pb, geometry: pg, activation: pact),
                                            depthwise: Conv2D(weights: w, bias: b, geometry: geometry, activation: act))
                flops = op.flops
                let src = Model.resolve(nodes[r].inputs[0], nodes)
                if virtual.contains(src) {
                    let view = table(planes(nodes[r].inputs[0]))
                    steps.append { k, t in op.run(input: view[0], inputPlanes: view, output: out, kernels: k, threads: t) }
                } else {
                    let x = UnsafePointer(pointer[src]!)
                    let fromCaller = direct && inputUsers.contains(r)
                    steps.append { k, t in
                        op.run(input: fromCaller ? (slot.pointer ?? x) : x, output: out, kernels: k, threads: t)
                    }
                }
                layers.append(Layer(name: nodes[r].name + " + " + node.name, op: nodes[r].op + "+" + node.op,
                                    outputShape: node.shape, flops: flops))
                continue
            case .conv(let w, let b, let geometry, let act):
                let conv = Conv2D(weights: w, bias: b, geometry: geometry, activation: act)
                flops = conv.flops
                let ldc: Int? = channelStride == plane ? nil : channelStride
                if virtual.contains(Model.resolve(node.inputs[0], nodes)) {
                    let view = table(planes(node.inputs[0]))
                    steps.append { k, t in conv.run(inputPlanes: view, output: out, kernels: k, threads: t, outputChannelStride: ldc) }
                } else if direct && inputUsers.contains(i) {
                    steps.append { k, t in
                        conv.run(input: slot.pointer ?? ins[0], output: out, kernels: k, threads: t, outputChannelStride: ldc)
                    }
                } else {
                    steps.append { k, t in conv.run(input: ins[0], output: out, kernels: k, threads: t, outputChannelStride: ldc) }
                }
            case .affine(let scale, let shift):
                let plane = n / scale.count
                steps.append { _, _ in
                    for c in 0..<scale.count {
                        let s = scale[c], b = shift[c]
                        for j in 0..<plane { out[c * plane + j] = ins[0][c * plane + j] * s + b }
                    }
                }
            case .activation(let act):
                steps.append { k, _ in out.update(from: ins[0], count: n); k.activate(out, n, act) }
            case .pool(_, let kernel, let stride, let padding) where fusedPools[i] != nil:
                // Convolution + max pool in one op: the convolution's output is never stored.
                let r = fusedPools[i]!
                guard case .conv(let w, let b, let geometry, let act) = nodes[r].kind else { break }
                let conv = Conv2D(weights: w, bias: b, geometry: geometry, activation: act)
                flops = conv.flops
                let src = UnsafePointer(pointer[Model.resolve(nodes[r].inputs[0], nodes)]!)
                let fromCaller = direct && inputUsers.contains(r)
                steps.append { k, t in
                    conv.runMaxPooled(input: fromCaller ? (slot.pointer ?? src) : src, kernel: kernel, stride: stride,
                                      padding: padding, output: out, kernels: k, threads: t)
                }
                layers.append(Layer(name: nodes[r].name + " + " + node.name, op: nodes[r].op + "+" + node.op,
                                    outputShape: node.shape, flops: flops))
                continue
            case .pool(let kind, let kernel, let stride, let padding):
                let s = inShapes[0]
                let pool = Pool2D(geometry: ConvGeometry(inChannels: s[0], outChannels: s[0], height: s[1], width: s[2],
                                                         kernel: kernel, stride: stride, padding: padding), kind: kind)
                steps.append { k, t in pool.run(input: ins[0], output: out, kernels: k, threads: t) }
            case .globalAveragePool:
                let s = inShapes[0]
                steps.append { k, _ in k.globalAveragePool(ins[0], out, s[0], s[1] * s[2]) }
            case .add(let act):
                steps.append { k, _ in k.add(ins[0], ins[1], out, n, act) }
            case .concat, .channelShuffle:
                // Copies the parts that were not written in place, each channel to its slot.
                let copies = plan.copies[i] ?? []
                let resolved = copies.map { (planes($0.source), $0.channels, $0.map) }
                if case .channelShuffle(let groups) = node.kind, plan.copies[i] == nil {
                    let s = node.shape
                    if virtual.contains(Model.resolve(node.inputs[0], nodes)) {
                        let src = planes(node.inputs[0])
                        let per = s[0] / groups
                        steps.append { _, _ in
                            for g in 0..<groups {
                                for j in 0..<per { (out + (j * groups + g) * plane).update(from: src[g * per + j], count: plane) }
                            }
                        }
                    } else {
                        steps.append { _, _ in
                            Layout.channelShuffle(input: ins[0], channels: s[0], groups: groups, planeSize: s[1] * s[2], output: out)
                        }
                    }
                } else {
                    steps.append { _, _ in
                        for (src, channels, map) in resolved {
                            for c in 0..<channels { (out + map(c) * plane).update(from: src[c], count: plane) }
                        }
                    }
                }
            case .upsample(let mode):
                let s = inShapes[0]
                steps.append { _, _ in Layout.upsample2x(input: ins[0], channels: s[0], height: s[1], width: s[2], mode: mode, output: out) }
            case .linear(let w, let b, let act):
                let fc = Linear(weights: w, bias: b, inFeatures: inShapes[0].reduce(1, *), outFeatures: node.shape[0], activation: act)
                flops = 2 * w.count
                steps.append { k, _ in fc.run(input: ins[0], output: out, kernels: k) }
            case .softmax:
                let s = node.shape
                steps.append { k, _ in k.softmax(ins[0], out, s[0], s[1] * s[2]) }
            case .input, .sliceChannels, .flatten:
                break
            }
            layers.append(Layer(name: node.name, op: node.op, outputShape: node.shape, flops: flops))
        }
        self.steps = steps
        self.layers = layers
        self.buffers = buffers
        self.tables = tables
        self.inputPointer = pointer[0]!
        self.readsCallerInput = direct
        self.outputs = metadata.outputs.map { name in
            let j = nodes.firstIndex { $0.name == name }!
            return (pointer[Model.resolve(j, nodes)]!, nodes[j].shape)
        }
    }

    deinit {
        for b in buffers { free(b) }  // posix_memalign'd by planMemory
        for r in regions { munmap(r.pointer, r.bytes) }
        for t in tables { t.deallocate() }
    }

    /// Shapes of the tensors `runAll` returns, in the order of the model file's `outputs`.
    public var outputShapes: [[Int]] { outputs.map { $0.1 } }

    /// Switches the kernel path (e.g. `--kernels`); throws if this CPU cannot run it.
    public func setKernels(_ path: KernelPath) throws {
        let k = try KernelSelection.kernels(path)
        lock.withLock { kernels = k }
    }

    /// One forward pass. `input` is `[C, H, W]` matching `metadata.inputShape`, values 0…1
    /// before the model's own normalization. Returns the first output.
    public func run(_ input: Tensor) throws -> Tensor {
        try runAll(input)[0]
    }

    /// One forward pass returning every output named in the model file, in order.
    public func runAll(_ input: Tensor) throws -> [Tensor] {
        try input.data.withUnsafeBufferPointer { try runAll(planar: $0, shape: input.shape) }
    }

    /// Same as `runAll(_:)` over a planar buffer (no copy of the caller's array).
    public func runAll(planar: UnsafeBufferPointer<Float>, shape: [Int]) throws -> [Tensor] {
        guard shape == metadata.inputShape, planar.count == shape.reduce(1, *) else {
            throw ModelError("\(file): the model expects input \(metadata.inputShape), got \(shape) with \(planar.count) values")
        }
        return lock.withLock {
            forward(planar, timings: nil)
            return outputs.map { p, s in Tensor(shape: s, data: Array(UnsafeBufferPointer(start: p, count: s.reduce(1, *)))) }
        }
    }

    /// Seconds spent in each layer of `layers` during one pass (after a warm-up pass).
    public func profile(_ input: Tensor) throws -> [Double] {
        guard input.shape == metadata.inputShape else { throw ModelError("profile input \(input.shape) ≠ \(metadata.inputShape)") }
        return input.data.withUnsafeBufferPointer { p in
            lock.withLock {
                var t = [Double](repeating: 0, count: steps.count)
                forward(p, timings: &t)
                return t
            }
        }
    }

    private func forward(_ x: UnsafeBufferPointer<Float>, timings: UnsafeMutablePointer<[Double]>?) {
        let c = metadata.inputChannels, plane = metadata.inputHeight * metadata.inputWidth
        if readsCallerInput { callerInput.pointer = x.baseAddress }
        defer { callerInput.pointer = nil }
        for ch in 0..<c where !readsCallerInput {
            let scale = 1 / metadata.std[ch], shift = -metadata.mean[ch] * scale
            let src = x.baseAddress! + ch * plane, dst = inputPointer + ch * plane
            if scale == 1 && shift == 0 { dst.update(from: src, count: plane); continue }
            for j in 0..<plane { dst[j] = src[j] * scale + shift }
        }
        let k = kernels, t = _threads
        if let timings {
            for (i, step) in steps.enumerated() {
                let start = DispatchTime.now().uptimeNanoseconds
                step(k, t)
                timings.pointee[i] = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            }
        } else {
            for step in steps { step(k, t) }
        }
    }

    struct ConcatPlan {
        struct Copy { let source: Int; let channels: Int; let map: (Int) -> Int }
        /// Producer → (buffer owner, first channel, channel step).
        var placement: [Int: (target: Int, start: Int, step: Int)] = [:]
        /// Concats fused into the shuffle after them (no buffer, no step of their own).
        var skipped: Set<Int> = []
        /// Buffer owner → parts it still copies (channel c of the part goes to map(c)).
        var copies: [Int: [Copy]] = [:]
    }

    /// Decides which layers write straight into a concat's buffer. A concat whose only
    /// consumer is a channel shuffle is merged into it: each part's channel q lands at the
    /// shuffled slot, so a part inside one shuffle group has a constant channel step.
    /// Concat, channel-shuffle and slice layers that need no buffer: not outputs, and every
    /// consumer reads channel-plane views (pointwise or depthwise convolutions, concats and
    /// shuffles, which copy from views, or slices that are views themselves).
    static func planViews(_ nodes: [Node], outputs: Set<Int>) -> Set<Int> {
        var consumersOf = [[Int]](repeating: [], count: nodes.count)
        for (i, n) in nodes.enumerated() where n.aliasOf == nil {
            for j in n.inputs { consumersOf[resolve(j, nodes)].append(i) }
        }
        // Outputs by resolved index (an output may be a folded layer's name).
        let outs = Set(outputs.map { resolve($0, nodes) })
        var view = Set<Int>()
        for i in nodes.indices.reversed() where nodes[i].aliasOf == nil && !outs.contains(i) {
            switch nodes[i].kind {
            case .concat, .channelShuffle, .sliceChannels: break
            default: continue
            }
            guard nodes[i].shape.count == 3, !consumersOf[i].isEmpty else { continue }
            let ok = consumersOf[i].allSatisfy { j in
                switch nodes[j].kind {
                case .conv(_, _, let g, _): return Conv2D.readsPlanesInPlace(g)
                case .concat, .channelShuffle: return true
                case .sliceChannels: return view.contains(j)
                default: return false
                }
            }
            if ok { view.insert(i) }
        }
        return view
    }

    static func planConcats(_ nodes: [Node], outputs: Set<Int>, virtual: Set<Int> = []) -> ConcatPlan {
        var plan = ConcatPlan()
        var consumersOf = [[Int]](repeating: [], count: nodes.count)
        for (i, n) in nodes.enumerated() where n.aliasOf == nil {
            for j in n.inputs { consumersOf[j].append(i) }
        }
        for (ci, c) in nodes.enumerated() {
            guard c.aliasOf == nil, case .concat = c.kind, !virtual.contains(ci) else { continue }
            var target = ci
            var map: (Int) -> Int = { $0 }
            var groupSize = Int.max
            var step = 1
            if c.consumers == 1, !outputs.contains(ci), consumersOf[ci].count == 1,
               case .channelShuffle(let g) = nodes[consumersOf[ci][0]].kind, nodes[consumersOf[ci][0]].aliasOf == nil,
               !virtual.contains(consumersOf[ci][0]) {
                target = consumersOf[ci][0]
                let per = c.shape[0] / g
                map = { q in (q % per) * g + q / per }
                groupSize = per
                step = g
                plan.skipped.insert(ci)
            }
            var copies: [ConcatPlan.Copy] = []
            var q0 = 0
            let counts = Dictionary(c.inputs.map { ($0, 1) }, uniquingKeysWith: +)
            for named in c.inputs {
                let r = resolve(named, nodes)
                let cp = nodes[r].shape[0]
                let start = q0
                var placed = false
                let computed: Bool
                switch nodes[r].kind {
                case _ where virtual.contains(r): computed = false
                case .input, .sliceChannels, .flatten, .concat: computed = false
                case .conv: computed = true
                default: computed = step == 1
                }
                if computed, counts[named] == 1, nodes[named].consumers == 1, nodes[r].consumers == 1,
                   !outputs.contains(r), !outputs.contains(named), plan.placement[r] == nil,
                   nodes[r].shape[1] * nodes[r].shape[2] == c.shape[1] * c.shape[2],
                   step == 1 || start / groupSize == (start + cp - 1) / groupSize {
                    plan.placement[r] = (target, map(start), step)
                    placed = true
                }
                if !placed {
                    let m = map
                    copies.append(.init(source: r, channels: cp, map: { m(start + $0) }))
                }
                q0 += cp
            }
            plan.copies[target] = copies
        }
        return plan
    }

    struct MemoryPlan {
        /// Buffer owner → its memory (owners: computed values, concat targets, the input).
        var pointer: [Int: UnsafeMutablePointer<Float>] = [:]
        /// Blocks on the heap (only where mmap failed), each shared by owners with disjoint lifetimes.
        var blocks: [UnsafeMutablePointer<Float>] = []
        /// The mappings that hold the blocks (munmap'd with the model).
        var regions: [(pointer: UnsafeMutableRawPointer, bytes: Int)] = []
    }

    /// Gives every buffer owner memory, reusing a block once every reader of its previous
    /// owner has run (a step never writes into a block it reads: lifetimes are closed
    /// intervals from the first write to the last read). Outputs and the input keep theirs.
    static func planMemory(_ nodes: [Node], outputs: Set<Int>, virtual: Set<Int>, plan: ConcatPlan,
                           fusedPools: [Int: Int]) -> MemoryPlan {
        let fusedConvs = Set(fusedPools.values)
        func owner(_ r: Int) -> Int? {
            if virtual.contains(r) || fusedConvs.contains(r) || plan.skipped.contains(r) { return nil }
            switch nodes[r].kind {
            case .sliceChannels, .flatten: return owner(resolve(nodes[r].inputs[0], nodes))
            default: break
            }
            return plan.placement[r]?.target ?? r
        }
        func reads(_ x: Int) -> [Int] {
            let r = resolve(x, nodes)
            if virtual.contains(r) || plan.skipped.contains(r) { return nodes[r].inputs.flatMap { reads($0) } }
            return owner(r).map { [$0] } ?? []
        }
        var first: [Int: Int] = [:], last: [Int: Int] = [:]
        func use(_ b: Int, at t: Int, write: Bool) {
            if write { first[b] = Swift.min(first[b] ?? t, t) }
            last[b] = Swift.max(last[b] ?? t, t)
        }
        for (j, n) in nodes.enumerated() where n.aliasOf == nil {
            if virtual.contains(j) || fusedConvs.contains(j) || plan.skipped.contains(j) { continue }
            switch n.kind {
            case .sliceChannels, .flatten: continue
            case .input: use(j, at: -1, write: true); last[j] = Int.max; continue
            default: break
            }
            var inputs = n.inputs
            if let r = fusedPools[j] { inputs = nodes[r].inputs }
            for x in inputs { for b in reads(x) { use(b, at: j, write: false) } }
            for c in plan.copies[j] ?? [] { for b in reads(c.source) { use(b, at: j, write: false) } }
            if let b = owner(j) { use(b, at: j, write: true) }
        }
        for o in outputs { for b in reads(o) { last[b] = Int.max } }
        // Which block each owner gets (blocks are shared by owners with disjoint lifetimes).
        var sizes: [Int] = []
        var blockOf: [Int: Int] = [:]
        var free: [(block: Int, capacity: Int, busyUntil: Int)] = []
        for (b, start) in first.sorted(by: { ($0.value, $0.key) < ($1.value, $1.key) }) {
            let size = Swift.max(1, nodes[b].elementCount)
            let end = last[b] ?? start
            var best: Int? = nil
            for (k, blk) in free.enumerated() where blk.busyUntil < start && blk.capacity >= size {
                if best == nil || blk.capacity < free[best!].capacity { best = k }
            }
            if let k = best {
                free[k].busyUntil = end
                blockOf[b] = free[k].block
            } else {
                sizes.append(size)
                free.append((sizes.count - 1, size, end))
                blockOf[b] = sizes.count - 1
            }
        }
        // Every block but the input's is written by each pass: they share one mapping,
        // populated up front (one system call instead of a page fault per page during the
        // first pass). The input's block gets a mapping of its own, left lazy: its zero pages
        // are never faulted in when the first layers read the caller's buffer instead.
        // Blocks start on a cache line (vector loads and stores of planes never straddle two),
        // with at least 64 bytes after each.
        let inputBlock = blockOf[0]  // node 0 is the input (GraphParser puts it first)
        var blockPointer = [UnsafeMutablePointer<Float>?](repeating: nil, count: sizes.count)
        var offsets = [Int](repeating: 0, count: sizes.count)
        var bytes = 0
        for (k, size) in sizes.enumerated() where k != inputBlock {
            offsets[k] = bytes
            bytes += (size * MemoryLayout<Float>.stride + 127) / 64 * 64
        }
        var result = MemoryPlan()
        // Regions of 1 MiB or more sit 2 MiB aligned and ask for transparent huge pages: the
        // kernel then backs them with 2 MiB pages where it can (one fault per 2 MiB, and the
        // strided row reads of 1×1 convolutions and depthwise windows stay inside a few TLB
        // entries). Populated after that advice, so the population already uses them.
        func map(_ bytes: Int, populate: Bool) -> UnsafeMutableRawPointer? {
            guard bytes > 0 else { return nil }
            let huge = 2 << 20
            let wantHuge = bytes >= 1 << 20
            let length = wantHuge ? (bytes + huge - 1) / huge * huge : bytes
            let reserve = wantHuge ? length + huge : length
            guard let raw = mmap(nil, reserve, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
                  raw != UnsafeMutableRawPointer(bitPattern: -1) else { return nil }
            var p = raw
            if wantHuge {
                let lead = (huge - Int(bitPattern: raw) % huge) % huge
                if lead > 0 { munmap(raw, lead) }
                p = raw + lead
                if reserve - lead > length { munmap(p + length, reserve - lead - length) }
                _ = madvise(p, length, 14)  // MADV_HUGEPAGE: a hint, refused where THP is off
            }
            if populate, madvise(p, length, 23) != 0 {  // MADV_POPULATE_WRITE (Linux 5.14+)
                var q = p  // older kernels: touch every page
                while q < p + length { q.storeBytes(of: 0, as: UInt8.self); q += 4096 }
            }
            result.regions.append((p, length))
            return p
        }
        // (Populated only up to 64 MiB: a huge graph's memory stays lazy until a pass needs it.)
        if let region = map(bytes, populate: bytes <= 64 << 20) {
            for k in sizes.indices where k != inputBlock {
                blockPointer[k] = (region + offsets[k]).bindMemory(to: Float.self, capacity: sizes[k])
            }
        }
        if let k = inputBlock, let region = map((sizes[k] * MemoryLayout<Float>.stride + 127) / 64 * 64, populate: false) {
            blockPointer[k] = region.bindMemory(to: Float.self, capacity: sizes[k])
        }
        for k in sizes.indices where blockPointer[k] == nil {  // mmap refused: aligned heap memory
            var raw: UnsafeMutableRawPointer?
            let byteCount = (sizes[k] * MemoryLayout<Float>.stride + 127) / 64 * 64
            guard posix_memalign(&raw, 64, byteCount) == 0, let raw else {
                fatalError("model activations: cannot allocate \(sizes[k]) floats")
            }
            raw.initializeMemory(as: UInt8.self, repeating: 0, count: byteCount)
            let p = raw.bindMemory(to: Float.self, capacity: sizes[k])
            result.blocks.append(p)
            blockPointer[k] = p
        }
        for (b, k) in blockOf { result.pointer[b] = blockPointer[k]! }
        return result
    }

    /// Max pools whose input is a direct few-channel convolution (the stem) used by nothing
    /// else: pool → convolution, run as one op (`Conv2D.runMaxPooled`).
    static func planConvMaxPools(_ nodes: [Node]) -> [Int: Int] {
        var fused: [Int: Int] = [:]
        for (j, n) in nodes.enumerated() {
            guard n.aliasOf == nil, n.inputs.count == 1,
                  case .pool(.max, let k, let s, let p) = n.kind else { continue }
            let r = resolve(n.inputs[0], nodes)
            guard case .conv(_, _, let g, _) = nodes[r].kind, nodes[r].inputs.count == 1,
                  Conv2D.usesDirect(g), p < k, g.outHeight + 2 * p >= k, g.outWidth + 2 * p >= k, s >= 1 else { continue }
            // The convolution and every folded layer on the way have the pool as their only consumer.
            if soleConsumerChain(from: n.inputs[0], to: r, nodes) { fused[j] = r }
        }
        return fused
    }

    /// Stride-2 depthwise convolutions whose input is a pointwise convolution used by
    /// nothing else, with an intermediate tensor larger than L2 (`PointwiseDepthwise.pays`):
    /// depthwise → pointwise, run as one op (`PointwiseDepthwise`).
    static func planPointwiseDepthwise(_ nodes: [Node]) -> [Int: Int] {
        var fused: [Int: Int] = [:]
        for (j, n) in nodes.enumerated() {
            guard n.aliasOf == nil, n.inputs.count == 1, case .conv(_, _, let gb, _) = n.kind else { continue }
            let r = resolve(n.inputs[0], nodes)
            guard case .conv(_, _, let ga, _) = nodes[r].kind, nodes[r].inputs.count == 1,
                  PointwiseDepthwise.pays(ga, gb) else { continue }
            if soleConsumerChain(from: n.inputs[0], to: r, nodes) { fused[j] = r }
        }
        return fused
    }

    /// Whether every node from `x` back along its aliases (folded layers) to `r` has exactly
    /// one consumer, so the chain can run inside the op that consumes `x`.
    static func soleConsumerChain(from x: Int, to r: Int, _ nodes: [Node]) -> Bool {
        var x = x
        while true {
            if nodes[x].consumers != 1 { return false }
            if x == r { return true }
            guard let a = nodes[x].aliasOf else { return false }
            x = a
        }
    }

    static func resolve(_ i: Int, _ nodes: [Node]) -> Int {
        var j = i
        while let a = nodes[j].aliasOf { j = a }
        return j
    }

    /// A convolution's weights and bias, leaving the node without them (its kind becomes
    /// `.flatten` until the caller stores the new convolution) so they are uniquely referenced.
    static func takeConvWeights(_ node: Node) -> ([Float], [Float]) {
        guard case .conv(let w, let b, _, _) = node.kind else { preconditionFailure("not a convolution") }
        node.kind = .flatten
        return (w, b)
    }

    /// Folds each batch norm into the convolution before it, and each activation into the
    /// convolution, linear or add before it, when that layer has no other consumer and is
    /// not an output.
    static func fold(_ nodes: [Node], outputs: Set<Int>) {
        for node in nodes {
            guard node.inputs.count == 1 else { continue }
            let named = node.inputs[0]
            let j = resolve(named, nodes)
            guard nodes[named].consumers == 1, !outputs.contains(named), !outputs.contains(j) else { continue }
            if case .affine(let scale, let shift) = node.kind, case .conv(_, _, let g, .none) = nodes[j].kind {
                // Taken out of the node first, so the arrays are scaled in place, not copied.
                var (w, b) = takeConvWeights(nodes[j])
                let per = w.count / g.outChannels
                for o in 0..<g.outChannels {
                    for i in 0..<per { w[o * per + i] *= scale[o] }
                    b[o] = b[o] * scale[o] + shift[o]
                }
                nodes[j].kind = .conv(weights: w, bias: b, geometry: g, activation: .none)
                node.aliasOf = named
                continue
            }
            switch (node.kind, nodes[j].kind) {
            case (.activation(let act), .conv(let w, let b, let g, .none)):
                nodes[j].kind = .conv(weights: w, bias: b, geometry: g, activation: act)
                node.aliasOf = named
            case (.activation(let act), .linear(let w, let b, .none)):
                nodes[j].kind = .linear(weights: w, bias: b, activation: act)
                node.aliasOf = named
            case (.activation(let act), .add(.none)):
                nodes[j].kind = .add(act)
                node.aliasOf = named
            default:
                break
            }
        }
    }
}

/// The caller's input buffer during one forward pass (nil outside a pass).
final class InputSlot: @unchecked Sendable {
    var pointer: UnsafePointer<Float>?
}
