import Foundation
import Kernels

/// One layer of the model file after parsing and checking, before execution is planned.
final class Node {
    enum Kind {
        case input
        case conv(weights: [Float], bias: [Float], geometry: ConvGeometry, activation: Activation)
        /// A batch norm that follows no foldable convolution: `x · scale + shift` per channel.
        case affine(scale: [Float], shift: [Float])
        case activation(Activation)
        case pool(PoolKind, kernel: Int, stride: Int, padding: Int)
        case globalAveragePool
        case add(Activation)
        case concat
        case channelShuffle(groups: Int)
        case sliceChannels(start: Int, end: Int)
        case upsample(UpsampleMode)
        case linear(weights: [Float], bias: [Float], activation: Activation)
        case softmax
        case flatten
    }

    let name: String
    let op: String
    var inputs: [Int]
    var shape: [Int]
    var kind: Kind
    var consumers = 0
    /// Set when this layer was folded into an earlier one (batch norm, activation).
    var aliasOf: Int?

    init(name: String, op: String, inputs: [Int], shape: [Int], kind: Kind) {
        self.name = name; self.op = op; self.inputs = inputs; self.shape = shape; self.kind = kind
    }

    var elementCount: Int { shape.reduce(1, *) }
}

/// Parses and checks `NAME.json` against the weights, folding batch norms and trailing
/// activations into the layer before them where that layer has no other consumer.
struct GraphParser {
    static let maxLayers = 4096
    static let maxTensorElements = 1 << 26
    static let maxTotalElements = 1 << 28

    let file: String
    let weights: SafeTensors
    /// Floats read from the weights so far: layers may share a tensor, so a hostile graph
    /// could otherwise copy one large tensor thousands of times.
    private let loaded = Counter()
    static let maxLoadedWeights = 1 << 28

    init(file: String, weights: SafeTensors) {
        self.file = file
        self.weights = weights
    }

    final class Counter { var value = 0 }

    func load(_ key: String, shape: [Int]? = nil, for layer: String) throws -> [Float] {
        let v = try weights.floats(key, shape: shape, for: layer)
        loaded.value += v.count
        guard loaded.value <= Self.maxLoadedWeights else {
            throw ModelError("\(file): layer '\(layer)': weights read exceed \(Self.maxLoadedWeights) floats in all")
        }
        return v
    }

    func parse(_ json: [UInt8]) throws -> (ModelMetadata, [Node]) {
        guard json.count <= 16 << 20 else { throw ModelError("\(file): graph file is \(json.count) bytes, over the 16 MiB limit") }
        let root: Any
        do { root = try ModelJSON.parseRejectingDuplicates(json) } catch let d as ModelJSON.DuplicateKey {
            let place = d.path.enumerated().map { $0.offset == 0 || $0.element.hasPrefix("[") ? $0.element : "." + $0.element }.joined()
            throw ModelError("\(file): \(place.isEmpty ? "" : place + ": ")'\(d.key)' appears twice")
        } catch {
            throw ModelError("\(file): not valid JSON")
        }
        let top = try JSONFields(root, context: file)
        try top.rejectUnknown(["format", "version", "name", "input", "classes", "thresholds", "head",
                               "provenance", "layers", "outputs"])
        guard try top.string("format") == "streetwarden-model" else {
            throw ModelError("\(file): 'format' must be \"streetwarden-model\"")
        }
        let version = try top.int("version", in: 0...1_000_000)
        guard version == 1 else { throw ModelError("\(file): format version \(version) is not supported (this build reads 1)") }
        let metadata = try parseMetadata(top)

        let layerList = try top.array("layers")
        guard !layerList.isEmpty, layerList.count <= Self.maxLayers else {
            throw ModelError("\(file): 'layers' must hold 1…\(Self.maxLayers) layers, has \(layerList.count)")
        }
        var nodes = [Node(name: "input", op: "input", inputs: [], shape: metadata.inputShape, kind: .input)]
        var index = ["input": 0]
        var total = metadata.inputShape.reduce(1, *)
        for (i, item) in layerList.enumerated() {
            let f = try JSONFields(item, context: "\(file): layer #\(i)")
            let name = try f.string("name")
            guard !name.isEmpty, index[name] == nil else {
                throw ModelError("\(file): layer #\(i) name '\(name)' is empty or used twice")
            }
            let ctx = JSONFields(unchecked: f.object, context: "\(file): layer '\(name)'")
            let inputNames = try ctx.strings("inputs")
            let inputs = try inputNames.map { n -> Int in
                guard let j = index[n] else { throw ModelError("\(ctx.context): input '\(n)' is not 'input' or an earlier layer") }
                return j
            }
            let node = try parseLayer(ctx, name: name, inputs: inputs, nodes: nodes)
            guard node.shape.allSatisfy({ $0 >= 1 }), node.elementCount <= Self.maxTensorElements else {
                throw ModelError("\(ctx.context): output shape \(node.shape) is empty or too large")
            }
            total += node.elementCount
            guard total <= Self.maxTotalElements else { throw ModelError("\(ctx.context): activations exceed \(Self.maxTotalElements) floats in all") }
            for j in inputs { nodes[j].consumers += 1 }
            index[name] = nodes.count
            nodes.append(node)
        }
        for out in metadata.outputs {
            guard let j = index[out] else { throw ModelError("\(file): output '\(out)' is not a layer") }
            nodes[j].consumers += 1
        }
        return (metadata, nodes)
    }

    func parseMetadata(_ top: JSONFields) throws -> ModelMetadata {
        let input = try JSONFields(top.object["input"], context: "\(file): input")
        try input.rejectUnknown(["shape", "color", "mean", "std"])
        let shapeD = try input.numbers("shape")
        guard shapeD.count == 3, shapeD.allSatisfy({ $0 == $0.rounded() && $0 >= 1 && $0 <= 8192 }) else {
            throw ModelError("\(file): input.shape must be [C, H, W] with each 1…8192")
        }
        let shape = shapeD.map { Int($0) }
        guard shape[0] <= 64 else { throw ModelError("\(file): input.shape has \(shape[0]) channels, at most 64") }
        let c = shape[0]
        let mean = input.has("mean") ? try input.numbers("mean").map(Float.init) : [Float](repeating: 0, count: c)
        let std = input.has("std") ? try input.numbers("std").map(Float.init) : [Float](repeating: 1, count: c)
        guard mean.count == c, std.count == c, std.allSatisfy({ $0 != 0 && $0.isFinite }) else {
            throw ModelError("\(file): input.mean and input.std need \(c) values each, std non-zero")
        }
        let classes = try top.strings("classes")
        guard !classes.isEmpty, Set(classes).count == classes.count, classes.allSatisfy({ !$0.isEmpty }) else {
            throw ModelError("\(file): 'classes' must be a non-empty list of distinct names")
        }
        let th = try JSONFields(top.object["thresholds"], context: "\(file): thresholds")
        var thresholds: [String: Float] = [:]
        for (k, _) in th.object {
            guard classes.contains(k) else { throw ModelError("\(file): thresholds names unknown class '\(k)'") }
            let v = try th.double(k)
            guard v >= 0, v <= 1 else { throw ModelError("\(file): threshold for '\(k)' must be in 0…1, got \(v)") }
            thresholds[k] = Float(v)
        }
        for k in classes where thresholds[k] == nil { throw ModelError("\(file): thresholds has no entry for class '\(k)'") }
        var headType = "grid", nms: Float = 0.45
        if top.has("head") {
            let head = try JSONFields(top.object["head"], context: "\(file): head")
            try head.rejectUnknown(["type", "nms_iou"])
            headType = try head.optionalString("type") ?? "grid"
            if head.has("nms_iou") {
                let v = try head.double("nms_iou")
                guard v > 0, v <= 1 else { throw ModelError("\(file): head.nms_iou must be in (0, 1], got \(v)") }
                nms = Float(v)
            }
        }
        var provenance: [String: String] = [:]
        if top.has("provenance") {
            let p = try JSONFields(top.object["provenance"], context: "\(file): provenance")
            for (k, v) in p.object { provenance[k] = (v as? String) ?? "\(v)" }
        }
        let outputs = try top.strings("outputs")
        guard !outputs.isEmpty else { throw ModelError("\(file): 'outputs' must name at least one layer") }
        // Frames reach the model as RGB planes: a model trained on another channel order would
        // silently see the wrong colours, so any other value is refused.
        let color = try input.optionalString("color") ?? "rgb"
        guard color == "rgb" else { throw ModelError("\(file): input.color '\(color)' is not supported (only \"rgb\")") }
        return ModelMetadata(name: try top.optionalString("name") ?? "model", inputShape: shape,
                             color: color, mean: mean, std: std,
                             classes: classes, thresholds: thresholds, headType: headType, nmsIoU: nms,
                             provenance: provenance, outputs: outputs)
    }

    static let activationOps: [String: Activation] = [
        "relu": .relu, "relu6": .relu6, "silu": .silu, "hardswish": .hardswish,
        "sigmoid": .sigmoid, "tanh": .tanh,
    ]

    func activation(_ f: JSONFields, key: String = "activation") throws -> Activation {
        guard f.has(key) else { return .none }
        let name = try f.string(key)
        if name == "none" { return .none }
        if name == "leaky_relu" { return .leakyReLU(alpha: Float(try f.has("alpha") ? f.double("alpha") : 0.01)) }
        guard let a = Self.activationOps[name] else { throw ModelError("\(f.context): unknown activation '\(name)'") }
        return a
    }

    func parseLayer(_ f: JSONFields, name: String, inputs: [Int], nodes: [Node]) throws -> Node {
        let op = try f.string("op")
        let common: Set<String> = ["name", "op", "inputs"]
        func arity(_ n: Int) throws {
            guard inputs.count == n else { throw ModelError("\(f.context): \(op) takes \(n) input(s), has \(inputs.count)") }
        }
        func image(_ j: Int) throws -> (Int, Int, Int) {
            let s = nodes[j].shape
            return (s[0], s[1], s[2])
        }
        func node(_ shape: [Int], _ kind: Node.Kind) -> Node { Node(name: name, op: op, inputs: inputs, shape: shape, kind: kind) }
        func tensor(_ key: String) throws -> (String, SafeTensors.Entry) {
            let t = try f.string(key)
            guard let e = weights.entries[t] else { throw ModelError("\(f.context): weight tensor '\(t)' is not in \(weights.name)") }
            return (t, e)
        }
        switch op {
        case "conv2d":
            try f.rejectUnknown(common.union(["weight", "bias", "kernel", "stride", "padding", "groups", "activation", "alpha"]))
            try arity(1)
            let (c, h, w) = try image(inputs[0])
            let k = try f.int("kernel", in: 1...15)
            let s = try f.int("stride", default: 1, in: 1...16)
            let p = try f.int("padding", default: 0, in: 0...14)
            let g = try f.int("groups", default: 1, in: 1...65536)
            let (wName, wEntry) = try tensor("weight")
            guard wEntry.shape.count == 4, wEntry.shape[2] == k, wEntry.shape[3] == k, wEntry.shape[1] * g == c,
                  wEntry.shape[0] >= 1, wEntry.shape[0] % g == 0 else {
                throw ModelError("\(f.context): weight '\(wName)' shape \(wEntry.shape) does not fit [O, \(c)/\(g), \(k), \(k)] for a \(c)-channel input")
            }
            let o = wEntry.shape[0]
            let geometry = ConvGeometry(inChannels: c, outChannels: o, height: h, width: w, kernel: k, stride: s, padding: p, groups: g)
            if let problem = geometry.problem { throw ModelError("\(f.context): \(problem)") }
            let kDim = (c / g) * k * k
            let unfolded = kDim * min(geometry.outHeight * geometry.outWidth, 4096 + 8)
            let unfolds = !(k == 1 && s == 1 && p == 0) && !geometry.isDepthwise
            guard !unfolds || unfolded <= Self.maxTensorElements else {
                throw ModelError("\(f.context): convolution needs a \(unfolded)-float unfolded input, over the \(Self.maxTensorElements) limit")
            }
            let wv = try load(wName, for: name)
            let bv = f.has("bias") ? try load(try f.string("bias"), shape: [o], for: name) : [Float](repeating: 0, count: o)
            return node([o, geometry.outHeight, geometry.outWidth],
                        .conv(weights: wv, bias: bv, geometry: geometry, activation: try activation(f)))
        case "batchnorm":
            try f.rejectUnknown(common.union(["weight", "bias", "mean", "var", "eps"]))
            try arity(1)
            let c = nodes[inputs[0]].shape[0]
            let gamma = try load(try f.string("weight"), shape: [c], for: name)
            let beta = try load(try f.string("bias"), shape: [c], for: name)
            let mean = try load(try f.string("mean"), shape: [c], for: name)
            let variance = try load(try f.string("var"), shape: [c], for: name)
            let eps = Float(f.has("eps") ? try f.double("eps") : 1e-5)
            var scale = [Float](repeating: 0, count: c), shift = scale
            for i in 0..<c {
                let v = variance[i] + eps
                guard v > 0, v.isFinite else { throw ModelError("\(f.context): variance + eps of channel \(i) is not positive") }
                scale[i] = gamma[i] / v.squareRoot()
                shift[i] = beta[i] - mean[i] * scale[i]
            }
            return node(nodes[inputs[0]].shape, .affine(scale: scale, shift: shift))
        case "relu", "relu6", "silu", "hardswish", "sigmoid", "tanh", "leaky_relu":
            try f.rejectUnknown(common.union(op == "leaky_relu" ? ["alpha"] : []))
            try arity(1)
            let act: Activation = op == "leaky_relu"
                ? .leakyReLU(alpha: Float(f.has("alpha") ? try f.double("alpha") : 0.01)) : Self.activationOps[op]!
            return node(nodes[inputs[0]].shape, .activation(act))
        case "maxpool", "avgpool":
            try f.rejectUnknown(common.union(["kernel", "stride", "padding"] + (op == "avgpool" ? ["count_include_pad"] : [])))
            try arity(1)
            let (c, h, w) = try image(inputs[0])
            let k = try f.int("kernel", in: 1...16)
            let s = try f.int("stride", default: k, in: 1...16)
            let p = try f.int("padding", default: 0, in: 0...8)
            let geometry = ConvGeometry(inChannels: c, outChannels: c, height: h, width: w, kernel: k, stride: s, padding: p)
            if let problem = geometry.problem { throw ModelError("\(f.context): \(problem)") }
            guard 2 * p <= k else { throw ModelError("\(f.context): padding \(p) must be at most half the kernel \(k)") }
            let kind: PoolKind = op == "maxpool" ? .max : .average(countIncludePad: try f.bool("count_include_pad", default: true))
            return node([c, geometry.outHeight, geometry.outWidth], .pool(kind, kernel: k, stride: s, padding: p))
        case "global_avgpool":
            try f.rejectUnknown(common)
            try arity(1)
            return node([nodes[inputs[0]].shape[0], 1, 1], .globalAveragePool)
        case "add":
            try f.rejectUnknown(common.union(["activation", "alpha"]))
            try arity(2)
            guard nodes[inputs[0]].shape == nodes[inputs[1]].shape else {
                throw ModelError("\(f.context): add of shapes \(nodes[inputs[0]].shape) and \(nodes[inputs[1]].shape)")
            }
            return node(nodes[inputs[0]].shape, .add(try activation(f)))
        case "concat":
            try f.rejectUnknown(common)
            guard !inputs.isEmpty, inputs.count <= 64 else { throw ModelError("\(f.context): concat takes 1…64 inputs") }
            let (_, h, w) = try image(inputs[0])
            var c = 0
            for j in inputs {
                let s = nodes[j].shape
                guard s[1] == h, s[2] == w else { throw ModelError("\(f.context): concat of \(h)×\(w) and \(s[1])×\(s[2]) inputs") }
                c += s[0]
            }
            return node([c, h, w], .concat)
        case "channel_shuffle":
            try f.rejectUnknown(common.union(["groups"]))
            try arity(1)
            let s = nodes[inputs[0]].shape
            let g = try f.int("groups", in: 1...65536)
            guard s[0] % g == 0 else { throw ModelError("\(f.context): \(s[0]) channels not divisible by \(g) groups") }
            return node(s, .channelShuffle(groups: g))
        case "slice_channels":
            try f.rejectUnknown(common.union(["start", "end"]))
            try arity(1)
            var s = nodes[inputs[0]].shape
            let start = try f.int("start", in: 0...65536), end = try f.int("end", in: 0...65536)
            guard start < end, end <= s[0] else { throw ModelError("\(f.context): slice \(start)..<\(end) of \(s[0]) channels") }
            s[0] = end - start
            return node(s, .sliceChannels(start: start, end: end))
        case "upsample":
            try f.rejectUnknown(common.union(["mode", "scale"]))
            try arity(1)
            let modeName = try f.optionalString("mode") ?? "nearest"
            guard let mode = UpsampleMode(rawValue: modeName) else { throw ModelError("\(f.context): upsample mode '\(modeName)' (nearest or bilinear)") }
            guard try f.int("scale", default: 2, in: 1...64) == 2 else { throw ModelError("\(f.context): only scale 2 is supported") }
            let (c, h, w) = try image(inputs[0])
            return node([c, 2 * h, 2 * w], .upsample(mode))
        case "linear":
            try f.rejectUnknown(common.union(["weight", "bias", "activation", "alpha"]))
            try arity(1)
            let features = nodes[inputs[0]].elementCount
            let (wName, wEntry) = try tensor("weight")
            guard wEntry.shape.count == 2, wEntry.shape[1] == features, wEntry.shape[0] >= 1 else {
                throw ModelError("\(f.context): weight '\(wName)' shape \(wEntry.shape) does not fit [O, \(features)]")
            }
            let o = wEntry.shape[0]
            let wv = try load(wName, for: name)
            let bv = f.has("bias") ? try load(try f.string("bias"), shape: [o], for: name) : [Float](repeating: 0, count: o)
            return node([o, 1, 1], .linear(weights: wv, bias: bv, activation: try activation(f)))
        case "softmax":
            try f.rejectUnknown(common)
            try arity(1)
            return node(nodes[inputs[0]].shape, .softmax)
        case "flatten":
            try f.rejectUnknown(common)
            try arity(1)
            return node([nodes[inputs[0]].elementCount, 1, 1], .flatten)
        default:
            throw ModelError("\(f.context): unknown op '\(op)'")
        }
    }
}

extension JSONFields {
    init(unchecked object: [String: Any], context: String) {
        self.object = object
        self.context = context
    }
}
