import Kernels

extension Model {
    /// Moves the part of a 1×1 convolution that reads a nearest-upsampled concat input to
    /// before the upsampling, where it costs a quarter as much.
    ///
    /// A neck like FastestDet's joins three scales, `conv1x1(concat(a, b, upsample2x(c)))`.
    /// A 1×1 convolution is a sum over input channels and nearest upsampling only repeats
    /// pixels, so `W · upsample(c) = upsample(W_c · c)`. The layer becomes
    ///
    ///     low  = conv1x1(c; W_c)              at c's resolution, no bias, no activation
    ///     main = conv1x1(concat(a, b); W_ab)  with the bias, no activation
    ///     out  = act(main + upsample2x(low))  (an `add` carrying the activation)
    ///
    /// The result equals the original up to the order of float additions. In the default
    /// model this takes 16 of the neck convolution's 37 MFLOP away, and the 192-channel
    /// upsampled tensor is never stored.
    ///
    /// Applies where the concat and the upsampling each have that convolution (resp. the
    /// concat) as their only consumer, and none of them is a model output. The upsample
    /// node's slot becomes `low`; `upsample2x(low)` and `main` are inserted before the
    /// convolution's slot, which becomes the `add`: layers (and folded batch norms or
    /// activations) that read the convolution read the sum. Returns the new node list and
    /// the outputs' new indices.
    static func splitUpsampledConcats(_ nodes: [Node], outputs: Set<Int>) -> (nodes: [Node], outputs: Set<Int>) {
        var nodes = nodes
        var outputs = outputs
        var names = Set(nodes.map(\.name))
        var y = 0
        while y < nodes.count {
            defer { y += 1 }
            guard let plan = upsampledConcatPlan(nodes, at: y, outputs: outputs) else { continue }
            let conv = nodes[y], concat = nodes[plan.concat], up = nodes[plan.upsample]
            // (Outputs are found by name: the new layers' names must be new.)
            let added = [".upsampled_part", ".upsampled_part.upsample", ".add"].map { conv.name + $0 }
            guard names.isDisjoint(with: added) else { continue }
            names.formUnion(added)
            guard case .conv(let w, let b, let g, let act) = conv.kind else { continue }
            let low = plan.lowChannels, lowRange = plan.offset..<(plan.offset + low)
            let rest = g.inChannels - low
            var wLow = [Float](), wRest = [Float]()
            wLow.reserveCapacity(g.outChannels * low)
            wRest.reserveCapacity(g.outChannels * rest)
            for o in 0..<g.outChannels {
                let row = o * g.inChannels
                wLow += w[(row + lowRange.lowerBound)..<(row + lowRange.upperBound)]
                wRest += w[row..<(row + lowRange.lowerBound)]
                wRest += w[(row + lowRange.upperBound)..<(row + g.inChannels)]
            }
            let source = up.inputs[0], sourceShape = nodes[Model.resolve(source, nodes)].shape

            // The upsample slot computes the low-resolution part.
            let lowNode = Node(name: added[0], op: "conv2d", inputs: [source],
                               shape: [g.outChannels, sourceShape[1], sourceShape[2]],
                               kind: .conv(weights: wLow, bias: [Float](repeating: 0, count: g.outChannels),
                                           geometry: ConvGeometry(inChannels: low, outChannels: g.outChannels,
                                                                  height: sourceShape[1], width: sourceShape[2], kernel: 1),
                                           activation: .none))
            lowNode.consumers = 1
            nodes[plan.upsample] = lowNode
            // The concat loses the upsampled part.
            concat.inputs.remove(at: plan.part)
            concat.shape[0] -= low

            // Inserted before the convolution's slot (indices from y on move by 2).
            let upNode = Node(name: added[1], op: "upsample", inputs: [plan.upsample],
                              shape: conv.shape, kind: .upsample(.nearest))
            upNode.consumers = 1
            let main = Node(name: conv.name, op: "conv2d", inputs: [plan.concat], shape: conv.shape,
                            kind: .conv(weights: wRest, bias: b,
                                        geometry: ConvGeometry(inChannels: rest, outChannels: g.outChannels,
                                                               height: g.height, width: g.width, kernel: 1),
                                        activation: .none))
            main.consumers = 1
            let sum = Node(name: added[2], op: "add", inputs: [y + 1, y], shape: conv.shape, kind: .add(act))
            sum.consumers = conv.consumers
            func moved(_ i: Int) -> Int { i >= y ? i + 2 : i }
            for n in nodes {
                n.inputs = n.inputs.map(moved)
                n.aliasOf = n.aliasOf.map(moved)
            }
            nodes.replaceSubrange(y...y, with: [upNode, main, sum])
            outputs = Set(outputs.map(moved))
            y += 2
        }
        return (nodes, outputs)
    }

    /// Where `nodes[y]` is a 1×1 convolution over a concat with one nearest-upsampled part
    /// (see `splitUpsampledConcats`): the concat's and the upsample's indices, the part's
    /// position among the concat's inputs, its first input channel and its channel count.
    private static func upsampledConcatPlan(_ nodes: [Node], at y: Int, outputs: Set<Int>)
        -> (concat: Int, upsample: Int, part: Int, offset: Int, lowChannels: Int)? {
        let conv = nodes[y]
        guard conv.aliasOf == nil, !outputs.contains(y), conv.inputs.count == 1,
              case .conv(_, _, let g, _) = conv.kind,
              g.kernel == 1, g.stride == 1, g.padding == 0, g.groups == 1 else { return nil }
        let c = resolve(conv.inputs[0], nodes)
        guard c == conv.inputs[0], nodes[c].consumers == 1, !outputs.contains(c),
              case .concat = nodes[c].kind, nodes[c].inputs.count >= 2,
              Set(nodes[c].inputs).count == nodes[c].inputs.count else { return nil }
        var offset = 0
        for (k, part) in nodes[c].inputs.enumerated() {
            let channels = nodes[resolve(part, nodes)].shape[0]
            defer { offset += channels }
            // The part itself (not a layer folded into something) and read only here.
            guard nodes[part].aliasOf == nil, nodes[part].consumers == 1, !outputs.contains(part),
                  case .upsample(.nearest) = nodes[part].kind else { continue }
            let source = nodes[resolve(nodes[part].inputs[0], nodes)]
            guard source.shape.count == 3, source.shape[1] * 2 == g.height, source.shape[2] * 2 == g.width else { continue }
            return (c, part, k, offset, channels)
        }
        return nil
    }
}
