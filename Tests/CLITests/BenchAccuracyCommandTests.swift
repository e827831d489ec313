import Foundation
import XCTest

/// `bench accuracy` on YOLO datasets made here (images by the ffmpeg CLI, the colour-probe
/// model): a label line or a data.yaml it cannot read is named, file and line, never dropped
/// in silence and never a crash.
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

    /// A class id past Int's range crashed the command (an Int(Double) trap): now the image is
    /// skipped with a warning naming the file and line, and the exit status is 1.
    func testHugeClassIdIsAWarningNotACrash() throws {
        for id in ["9223372036854775807", "9223372036854775808", "99999999999999999999999", "4611686018427387904"] {
            let d = try dataset(labels: ["a": "0 0.5 0.5 0.2 0.2\n", "b": "\(id) 0.5 0.5 0.2 0.2\n"])
            let r = try bench(d)
            XCTAssertEqual(r.status, 1, "\(id): \(r.stderr)")
            XCTAssertEqual(r.stderr, "warning: skipped \(d.data)/labels/val/b.txt: line 1: class id \(id) is out of range 0…1 (2 class name(s))\n")
            XCTAssertTrue(r.stdout.contains("1 image(s) scored, 1 skipped"), r.stdout)
        }
    }

    /// Every malformed line makes its image skipped, with file, line and reason; blank lines,
    /// an id of a dataset class that is no model class (`cats`), `3.0`-style ids and polygons
    /// are fine.
    func testMalformedLabelLinesAreNamedAndTheImageSkipped() throws {
        let bad: [(String, String)] = [
            ("2 0.5 0.5 0.2 0.2", "class id 2 is out of range 0…1"),
            ("-1 0.5 0.5 0.2 0.2", "class id '-1' is not a whole number"),
            ("1.5 0.5 0.5 0.2 0.2", "class id '1.5' is not a whole number"),
            ("1e5 0.5 0.5 0.2 0.2", "class id '1e5' is not a whole number"),
            ("0x1 0.5 0.5 0.2 0.2", "class id '0x1' is not a whole number"),
            ("garbage text", "2 field(s)"),
            ("0 nan 0.5 0.2 0.2", "coordinate 'nan' is not a number in 0…1"),
            ("0 0.5 0.5 inf 0.2", "coordinate 'inf' is not a number in 0…1"),
            ("0 0.5 0.5 -3 9", "coordinate '-3' is not a number in 0…1"),
            ("0 0.5 0.5 0.2 1.5", "coordinate '1.5' is not a number in 0…1"),
            ("0 0.5 0.5 0.2", "4 field(s)"),
        ]
        for (line, reason) in bad {
            let d = try dataset(labels: ["a": "0 0.5 0.5 0.2 0.2\n", "b": "0 0.1 0.1 0.1 0.1\n\n\(line)\n"])
            let r = try bench(d)
            XCTAssertEqual(r.status, 1, "\(line): \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("warning: skipped \(d.data)/labels/val/b.txt: line 3: \(reason)"), "\(line): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
            XCTAssertTrue(r.stdout.contains("1 image(s) scored, 1 skipped"), r.stdout)
        }
        let d = try dataset(labels: ["a": "\n0 0.5 0.5 0.2 0.2\r\n\n1 0.5 0.5 0.2 0.2\n",
                                     "b": "1.0 0.1 0.1 0.1 0.1\n0.00 0.1 0.1 0.2 0.1 0.2 0.3\n"])
        let r = try CLI.run(["bench", "accuracy", "--data", d.data, "--model", d.model, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "")
        let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(obj["images"] as? Int, 2)
        let garbage = try XCTUnwrap((obj["classes"] as? [String: [String: Any]])?["garbage"])
        XCTAssertEqual(garbage["positives"] as? Int, 2, "both images hold a garbage box")
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
