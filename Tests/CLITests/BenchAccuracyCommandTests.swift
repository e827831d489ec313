import Foundation
import XCTest

/// `bench accuracy` on YOLO datasets made here (images by the ffmpeg CLI, the colour-probe
/// model): a data.yaml it cannot read is named, file and line.
final class BenchAccuracyCommandTests: XCTestCase {
    /// A YOLO dataset with two red images (`a`, `b`) under images/val, `data.yaml` holding
    /// `yaml` (none when nil), and the labels given per image stem; plus the model.
    func dataset(yaml: String? = "names: [garbage, cats]\n", labels: [String: String]) throws -> (data: String, model: String) {
        let dir = try temporaryFolder(self)
        let fm = FileManager.default
        try fm.createDirectory(at: dir.appendingPathComponent("y/images/val"), withIntermediateDirectories: true)
        try fm.createDirectory(at: dir.appendingPathComponent("y/labels/val"), withIntermediateDirectories: true)
        for stem in ["a", "b"] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
            p.arguments = ["-v", "error", "-y", "-f", "lavfi", "-i", "color=c=red:s=64x36", "-frames:v", "1",
                           dir.appendingPathComponent("y/images/val/\(stem).png").path]
            try p.run()
            p.waitUntilExit()
            XCTAssertEqual(p.terminationStatus, 0)
        }
        if let yaml { try Data(yaml.utf8).write(to: dir.appendingPathComponent("y/data.yaml")) }
        for (stem, text) in labels {
            try Data(text.utf8).write(to: dir.appendingPathComponent("y/labels/val/\(stem).txt"))
        }
        return (dir.appendingPathComponent("y").path, try Fixtures.colourProbeModel(in: dir))
    }

    func bench(_ d: (data: String, model: String)) throws -> CLI.Result {
        try CLI.run(["bench", "accuracy", "--data", d.data, "--model", d.model])
    }

    /// A data.yaml that cannot be read says why: not UTF-8, not valid YAML (with the line);
    /// Ultralytics' `{0: a, 1: b}` mapping is read.
    func testDataYAMLReasons() throws {
        let labels = ["a": "0 0.5 0.5 0.2 0.2\n", "b": "1 0.5 0.5 0.2 0.2\n"]
        var d = try dataset(yaml: nil, labels: labels)
        try Data("names: [garbage]\n".utf8 + [0xFF, 0xFE, 0x0A]).write(to: URL(fileURLWithPath: d.data + "/data.yaml"))
        var r = try bench(d)
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "error: \(d.data)/data.yaml: not UTF-8\n")

        d = try dataset(yaml: "path: .\nnames: [\n", labels: labels)
        r = try bench(d)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.hasPrefix("error: \(d.data)/data.yaml: line 3: not valid YAML ("), r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)

        for (yaml, reason) in [("names: 5\n", "line 1: names must be a list or an id: name mapping"),
                               ("names: {0: garbage, 2: cats}\n", "line 1: names: '2' is not a class id; the ids must be 0…1, each once"),
                               ("names: [garbage, [x]]\n", "line 1: names: each class name must be a single non-empty value"),
                               ("nc: 2\n", "no 'names:' list; give the class names with --names")] {
            d = try dataset(yaml: yaml, labels: labels)
            r = try bench(d)
            XCTAssertEqual(r.status, 1)
            XCTAssertEqual(r.stderr, "error: \(d.data)/data.yaml: \(reason)\n", yaml)
        }

        for yaml in ["names: {0: garbage, 1: street_vending}\n", "names:\n  1: street_vending\n  0: garbage\n",
                     "names:\n  - garbage\n  - street_vending\n", "names: [garbage,\n  street_vending]  # two\n"] {
            d = try dataset(yaml: yaml, labels: labels)
            r = try CLI.run(["bench", "accuracy", "--data", d.data, "--model", d.model, "--json"])
            XCTAssertEqual(r.status, 0, "\(yaml): \(r.stderr)")
            let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
            let classes = try XCTUnwrap(obj["classes"] as? [String: [String: Any]])
            XCTAssertEqual(classes["garbage"]?["positives"] as? Int, 1, yaml)
            XCTAssertEqual(classes["street_vending"]?["positives"] as? Int, 1, yaml)
        }
    }
}
