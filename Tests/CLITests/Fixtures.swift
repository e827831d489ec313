import Foundation
import XCTest

/// Test inputs made at run time: a real model file in the project's format (a hand-set
/// colour detector the real engine runs) and clips made by the ffmpeg CLI.
enum Fixtures {
    /// Writes `<dir>/colour-probe.json` + `.safetensors`: a small model (two depthwise 3×3
    /// stride-2 box filters as a 4× downscale, 1×1 conv + ReLU measuring how saturated each
    /// colour is, 1×1 conv + sigmoid as the grid head) that finds saturated red as garbage, green as street_vending, blue as illegal_ad,
    /// each with a box 0.3 of the frame wide and high centred on its grid cell. Input 3×36×64,
    /// grid 9×16.
    static func colourProbeModel(in dir: URL) throws -> String {
        var tensors: [(String, [Int], [Float])] = []
        tensors.append(("blur.weight", [3, 1, 3, 3], [Float](repeating: 1.0 / 9.0, count: 27)))
        // Saturation features: colour c minus half of the other two, minus 0.2, then ReLU.
        var sat = [Float](repeating: -0.5, count: 9)
        for c in 0..<3 { sat[c * 3 + c] = 1 }
        tensors.append(("sat.weight", [3, 3, 1, 1], sat))
        tensors.append(("sat.bias", [3], [-0.2, -0.2, -0.2]))
        // Head: obj, cx, cy, w, h, street_vending (green), garbage (red), illegal_ad (blue).
        var head = [Float](repeating: 0, count: 8 * 3)
        for c in 0..<3 { head[0 * 3 + c] = 20 }
        head[5 * 3 + 1] = 20
        head[6 * 3 + 0] = 20
        head[7 * 3 + 2] = 20
        let wh = Float(log(0.3 / 0.7))
        tensors.append(("head.weight", [8, 3, 1, 1], head))
        tensors.append(("head.bias", [8], [-4, 0, 0, wh, wh, -4, -4, -4]))

        var header: [String: Any] = [:]
        var blob = Data()
        for (name, shape, values) in tensors {
            let start = blob.count
            values.withUnsafeBufferPointer { blob.append(Data(buffer: $0)) }
            header[name] = ["dtype": "F32", "shape": shape, "data_offsets": [start, blob.count]]
        }
        var hjson = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while hjson.count % 8 != 0 { hjson.append(0x20) }
        var file = Data()
        var n = UInt64(hjson.count).littleEndian
        withUnsafeBytes(of: &n) { file.append(contentsOf: $0) }
        file.append(hjson); file.append(blob)
        try file.write(to: dir.appendingPathComponent("colour-probe.safetensors"))

        let graph: [String: Any] = [
            "format": "streetwarden-model", "version": 1, "name": "colour-probe",
            "input": ["shape": [3, 36, 64], "color": "rgb", "mean": [0, 0, 0], "std": [1, 1, 1]],
            "classes": ["street_vending", "garbage", "illegal_ad"],
            "thresholds": ["street_vending": 0.5, "garbage": 0.5, "illegal_ad": 0.5],
            "head": ["type": "grid", "nms_iou": 0.3],
            "provenance": ["trained_by": "hand-set weights in Tests/CLITests/Fixtures.swift", "data": "none", "license": "project"],
            "layers": [
                ["name": "down1", "op": "conv2d", "inputs": ["input"], "weight": "blur.weight",
                 "kernel": 3, "stride": 2, "padding": 1, "groups": 3],
                ["name": "down2", "op": "conv2d", "inputs": ["down1"], "weight": "blur.weight",
                 "kernel": 3, "stride": 2, "padding": 1, "groups": 3],
                ["name": "sat", "op": "conv2d", "inputs": ["down2"], "weight": "sat.weight", "bias": "sat.bias",
                 "kernel": 1, "stride": 1, "padding": 0, "groups": 1, "activation": "relu"],
                ["name": "head", "op": "conv2d", "inputs": ["sat"], "weight": "head.weight", "bias": "head.bias",
                 "kernel": 1, "stride": 1, "padding": 0, "groups": 1],
                ["name": "act", "op": "sigmoid", "inputs": ["head"]],
            ],
            "outputs": ["act"],
        ]
        let path = dir.appendingPathComponent("colour-probe.json")
        try JSONSerialization.data(withJSONObject: graph, options: [.prettyPrinted, .sortedKeys]).write(to: path)
        return path.path
    }

    /// A coloured square shown during time ranges (seconds).
    struct Patch {
        var color: String   // ffmpeg colour: red, lime, blue
        var x: Int, y: Int, size: Int
        var ranges: [(Double, Double)]
    }

    /// A grey 320×180 H.264 clip, `rate` fps, 2 s GOP, with the patches drawn.
    static func clip(_ path: URL, seconds: Double, rate: Int = 5, patches: [Patch], extra: [String] = []) throws {
        var filters: [String] = []
        for p in patches {
            let enable = p.ranges.map { "between(t,\($0.0),\($0.1 - 0.001))" }.joined(separator: "+")
            filters.append("drawbox=x=\(p.x):y=\(p.y):w=\(p.size):h=\(p.size):color=\(p.color):t=fill:enable='\(enable)'")
        }
        let vf = filters.isEmpty ? "null" : filters.joined(separator: ",")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
        p.arguments = ["-v", "error", "-y", "-f", "lavfi", "-i", "color=c=gray:size=320x180:rate=\(rate)", "-t", "\(seconds)",
                       "-vf", vf, "-c:v", "libx264", "-preset", "ultrafast", "-g", "\(2 * rate)", "-keyint_min", "\(2 * rate)",
                       "-sc_threshold", "0", "-pix_fmt", "yuv420p"] + extra + [path.path]
        let err = Pipe()
        p.standardError = err
        try p.run()
        let msg = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw NSError(domain: "ffmpeg", code: Int(p.terminationStatus), userInfo: [NSLocalizedDescriptionKey: msg]) }
    }
}

/// Runs the ffmpeg CLI with `-nostdin -v error -y` and `args`, and checks that it succeeded.
func ffmpeg(_ args: [String], file: StaticString = #filePath, line: UInt = #line) throws {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
    p.arguments = ["-nostdin", "-v", "error", "-y"] + args
    try p.run()
    p.waitUntilExit()
    XCTAssertEqual(p.terminationStatus, 0, "ffmpeg \(args)", file: file, line: line)
}
