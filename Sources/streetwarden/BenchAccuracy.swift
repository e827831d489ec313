import ArgumentParser
import Detection
import Foundation
import NN
import Pipeline
import VideoIO

/// `streetwarden bench accuracy --data DIR`: accuracy of the model on a labelled dataset.
///
/// Two layouts are read:
/// - YOLO: `DIR/images/<split>/*.jpg` with `DIR/labels/<split>/*.txt` (`class cx cy w h`, or
///   polygon lines `class x1 y1 x2 y2 …`, whose bounding box is used); class names from
///   `--names` or `DIR/data.yaml`. A dataset name equal to a model class (or mapped with
///   `--map NAME=CLASS`) is that class; the labels of mapped classes are taken as complete, so an
///   image without a box of a class is a negative for it.
/// - Folder per class: `DIR/<class>/*.jpg` where `<class>` is a model class or `background`;
///   an image is positive for its folder's class and negative for the other class folders.
///
/// Per class: image-level AP (ranking by the max-over-cells score), precision, recall and F1 at
/// the model's thresholds, and box AP at IoU 0.5 where boxes exist.
struct BenchAccuracy: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accuracy", abstract: "Accuracy on a labelled dataset (YOLO boxes or folder-per-class images).")

    @Option(help: "Dataset folder (YOLO layout or one folder per class).") var data: String
    @Option(help: "Model: NAME.json, NAME.safetensors or NAME, the pair beside each other (default: models/streetwarden-v1.json, or STREETWARDEN_MODEL).") var model: String?
    @Option(help: "YOLO split folder under images/ (default: val, else valid, else every image).") var split: String?
    @Option(help: "Comma-separated YOLO class names in id order (default: data.yaml's names).") var names: String?
    @Option(name: .customLong("map"), help: "Map a dataset class to a model class, NAME=CLASS (repeatable).")
    var mappings: [String] = []
    @Flag(help: "Print one JSON object instead of a table.") var json = false

    struct Item {
        var path: String
        /// Model class index → boxes (normalized x1,y1,x2,y2); a class absent from `known` is unknown.
        var boxes: [Int: [Box]]
        var known: Set<Int>
        var hasBoxes: Bool
        /// Why the image cannot be scored (a malformed label file): it is skipped with a warning.
        var problem: String? = nil
    }

    struct Scored {
        var item: Item
        var scores: [Float]
        var regions: [Region]
    }

    func run() throws {
        try reportErrors {
            let path = try ModelLocator.resolve(model)
            let net = try Model.load(path: path)
            let detector = try Detector(model: net)
            let classes = detector.classes
            let items = try loadDataset(classes: classes)
            guard !items.isEmpty else { throw CLIError("\(data): no labelled images found") }
            var scored: [Scored] = []
            var failed = 0
            let low = [Float](repeating: 0.01, count: classes.count)
            for item in items {
                do {
                    if let problem = item.problem { throw CLIError(problem) }
                    let source = try VideoSource(url: item.path)
                    guard let frame = try source.nextFrame() else { throw CLIError("\(item.path): no image decoded") }
                    let planar = frame.planarRGB(width: detector.inputWidth, height: detector.inputHeight)
                    let head = try planar.withUnsafeBufferPointer {
                        try net.runAll(planar: $0, shape: net.metadata.inputShape)[0]
                    }
                    let all = Detector.decode(head, classes: classes, thresholds: low, nmsIoU: detector.nmsIoU, maxPerClass: 100)
                    scored.append(Scored(item: item, scores: classes.map { all.scores[$0] ?? 0 }, regions: all.regions))
                } catch {
                    failed += 1
                    let m = (error as? VideoError).map { "\($0)" } ?? "\(error)"
                    FileHandle.standardError.write(Data("warning: skipped \(m)\n".utf8))
                }
            }
            let report = Self.evaluate(scored, classes: classes, thresholds: detector.thresholds)
            if json {
                print(Self.json(report, data: data, model: path, images: scored.count, failed: failed))
            } else {
                print("dataset \(data): \(scored.count) image(s) scored, \(failed) skipped; model \(path)")
                print(Self.table(report))
            }
            if failed > 0 { throw ExitCode(1) }
        }
    }

    // MARK: - Dataset

    func loadDataset(classes: [String]) throws -> [Item] {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: data, isDirectory: &isDir), isDir.boolValue else {
            throw CLIError("\(data): not a folder")
        }
        if fm.fileExists(atPath: data + "/images") { return try loadYOLO(classes: classes) }
        return try loadFolders(classes: classes)
    }

    static let imageExtensions: Set<String> = ["jpg", "jpeg", "png", "bmp", "webp"]

    static func images(in dir: String) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return [] }
        return names.filter { imageExtensions.contains(($0 as NSString).pathExtension.lowercased()) }
            .sorted().map { dir + "/" + $0 }
    }

    func loadFolders(classes: [String]) throws -> [Item] {
        let fm = FileManager.default
        let subdirs = (try? fm.contentsOfDirectory(atPath: data))?.sorted() ?? []
        var present: [(String, Int?)] = []
        for d in subdirs {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: data + "/" + d, isDirectory: &isDir), isDir.boolValue else { continue }
            if let k = classes.firstIndex(of: d) { present.append((d, k)) } else if d == "background" || d == "negative" {
                present.append((d, nil))
            } else {
                throw CLIError("\(data)/\(d): folder is neither a model class (\(classes.joined(separator: ", "))) nor 'background'")
            }
        }
        let known = Set(present.compactMap { $0.1 })
        guard !known.isEmpty else { throw CLIError("\(data): no folder named after a model class (\(classes.joined(separator: ", ")))") }
        var items: [Item] = []
        for (d, k) in present {
            for p in Self.images(in: data + "/" + d) {
                var boxes: [Int: [Box]] = [:]
                if let k { boxes[k] = [] }
                items.append(Item(path: p, boxes: boxes, known: known, hasBoxes: false))
            }
        }
        return items
    }

    func loadYOLO(classes: [String]) throws -> [Item] {
        let datasetNames = try names.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            ?? YOLODataYAML.names(path: data + "/data.yaml")
        var map: [String: String] = [:]
        for m in mappings {
            let parts = m.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, classes.contains(parts[1]) else {
                throw CLIError("--map \(m): expected NAME=CLASS with CLASS one of \(classes.joined(separator: ", "))")
            }
            map[parts[0]] = parts[1]
        }
        var idToClass: [Int: Int] = [:]
        for (i, n) in datasetNames.enumerated() {
            if let k = classes.firstIndex(of: map[n] ?? n) { idToClass[i] = k }
        }
        guard !idToClass.isEmpty else {
            throw CLIError("\(data): none of the dataset classes (\(datasetNames.joined(separator: ", "))) is a model class; use --map NAME=CLASS")
        }
        let known = Set(idToClass.values)
        let fm = FileManager.default
        var dir = data + "/images"
        var labels = data + "/labels"
        let candidates = split.map { [$0] } ?? ["val", "valid"]
        var found = false
        for s in candidates where fm.fileExists(atPath: dir + "/" + s) {
            dir += "/" + s; labels += "/" + s; found = true; break
        }
        if let s = split, !found { throw CLIError("\(data): no images/\(s) folder") }
        var items: [Item] = []
        for p in Self.images(in: dir) {
            let stem = ((p as NSString).lastPathComponent as NSString).deletingPathExtension
            let lp = labels + "/" + stem + ".txt"
            var boxes: [Int: [Box]] = [:]
            for k in known { boxes[k] = [] }
            var problem: String?
            do {
                for label in try Self.labels(path: lp, classCount: datasetNames.count) {
                    guard let k = idToClass[label.id] else { continue }
                    boxes[k, default: []].append(label.box)
                }
            } catch {
                problem = "\(error)"
            }
            items.append(Item(path: p, boxes: boxes, known: known, hasBoxes: true, problem: problem))
        }
        return items
    }

    /// One box of a YOLO label file: the dataset class id and the box, normalized x1,y1,x2,y2.
    struct Label {
        var id: Int
        var box: Box
    }

    /// The boxes of the YOLO label file `path`; none when there is no file (an image without
    /// objects). Blank lines are skipped; any other line must be `class cx cy w h` or a polygon
    /// `class x1 y1 x2 y2 x3 y3 …` (whose bounding box is taken) with a class id 0…classCount−1
    /// and every coordinate 0…1, else the error names the file and the line: a line dropped in
    /// silence would turn a positive image into a negative one.
    static func labels(path: String, classCount: Int) throws -> [Label] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch { throw CLIError(ErrorText.line(error)) }
        guard let text = String(data: data, encoding: .utf8) else { throw CLIError("\(path): not UTF-8") }
        func shown(_ s: Substring) -> String { ErrorText.escaped(s.count > 24 ? s.prefix(24) + "…" : String(s)) }
        var out: [Label] = []
        for (n, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            func fail(_ why: String) -> CLIError { CLIError("\(path): line \(n + 1): \(why)") }
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let first = fields.first else { continue }
            guard fields.count == 5 || (fields.count >= 7 && fields.count % 2 == 1) else {
                throw fail("\(fields.count) field(s), not 'class cx cy w h' or a polygon 'class x1 y1 x2 y2 x3 y3 …'")
            }
            // Digits only (some exporters write `3.0`): no sign, exponent, hex or fraction.
            var digits = first
            if let dot = digits.firstIndex(of: "."), digits[digits.index(after: dot)...].allSatisfy({ $0 == "0" }) {
                digits = digits[..<dot]
            }
            guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
                throw fail("class id '\(shown(first))' is not a whole number 0…\(classCount - 1)")
            }
            guard let id = Int(digits), id < classCount else {
                throw fail("class id \(shown(first)) is out of range 0…\(classCount - 1) (\(classCount) class name(s))")
            }
            var v: [Double] = []
            for f in fields.dropFirst() {
                guard let d = Double(f), d >= 0, d <= 1 else { throw fail("coordinate '\(shown(f))' is not a number in 0…1") }
                v.append(d)
            }
            var x1, y1, x2, y2: Double
            if v.count == 4 {
                x1 = v[0] - v[2] / 2; y1 = v[1] - v[3] / 2; x2 = v[0] + v[2] / 2; y2 = v[1] + v[3] / 2
            } else {
                let xs = stride(from: 0, to: v.count, by: 2).map { v[$0] }
                let ys = stride(from: 1, to: v.count, by: 2).map { v[$0] }
                x1 = xs.min()!; x2 = xs.max()!; y1 = ys.min()!; y2 = ys.max()!
            }
            let c = { (d: Double) in Float(min(max(d, 0), 1)) }
            out.append(Label(id: id, box: Box(x1: c(x1), y1: c(y1), x2: c(x2), y2: c(y2))))
        }
        return out
    }

    // MARK: - Metrics

    struct ClassReport {
        var name: String
        var images = 0, positives = 0
        var ap: Double?, precision: Double?, recall: Double?, f1: Double?, boxAP50: Double?
        var threshold: Float
    }

    static func evaluate(_ scored: [Scored], classes: [String], thresholds: [Float]) -> [ClassReport] {
        classes.indices.compactMap { k -> ClassReport? in
            let rel = scored.filter { $0.item.known.contains(k) }
            guard !rel.isEmpty else { return nil }
            var r = ClassReport(name: classes[k], threshold: thresholds[k])
            let labels = rel.map { s -> Bool in
                if let b = s.item.boxes[k] { return s.item.hasBoxes ? !b.isEmpty : true }
                return false
            }
            let scores = rel.map { $0.scores[k] }
            r.images = rel.count
            r.positives = labels.filter { $0 }.count
            if r.positives > 0 && r.positives < r.images { r.ap = averagePrecision(scores: scores, labels: labels) }
            var tp = 0, fp = 0, fn = 0
            for (s, y) in zip(scores, labels) {
                if s >= thresholds[k] { if y { tp += 1 } else { fp += 1 } } else if y { fn += 1 }
            }
            r.precision = tp + fp > 0 ? Double(tp) / Double(tp + fp) : nil
            r.recall = tp + fn > 0 ? Double(tp) / Double(tp + fn) : nil
            if let p = r.precision, let q = r.recall { r.f1 = p + q > 0 ? 2 * p * q / (p + q) : 0 }
            if rel.contains(where: { $0.item.hasBoxes }) { r.boxAP50 = boxAP50(rel.filter { $0.item.hasBoxes }, k: k, name: classes[k]) }
            return r
        }
    }

    /// All-point interpolated AP: area under the precision envelope over recall.
    static func averagePrecision(scores: [Float], labels: [Bool]) -> Double? {
        let npos = labels.filter { $0 }.count
        guard npos > 0 else { return nil }
        let order = scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
        return envelopeAP(hits: order.map { labels[$0] }, positives: npos)
    }

    static func envelopeAP(hits: [Bool], positives: Int) -> Double {
        var tp = 0, fp = 0
        var recall: [Double] = [0], precision: [Double] = [1]
        for h in hits {
            if h { tp += 1 } else { fp += 1 }
            recall.append(Double(tp) / Double(positives))
            precision.append(Double(tp) / Double(tp + fp))
        }
        recall.append(recall.last!)
        precision.append(0)
        for i in stride(from: precision.count - 2, through: 0, by: -1) { precision[i] = max(precision[i], precision[i + 1]) }
        var ap = 0.0
        for i in 1..<recall.count where recall[i] != recall[i - 1] { ap += (recall[i] - recall[i - 1]) * precision[i] }
        return ap
    }

    /// Box AP at IoU 0.5: detections of all images ranked by score, each matched greedily to an
    /// unmatched ground-truth box of its image.
    static func boxAP50(_ rel: [Scored], k: Int, name: String) -> Double? {
        var records: [(Float, Bool)] = []
        var npos = 0
        for s in rel {
            let gt = s.item.boxes[k] ?? []
            npos += gt.count
            var used = [Bool](repeating: false, count: gt.count)
            for d in s.regions.filter({ $0.className == name }).sorted(by: { $0.score > $1.score }) {
                var best = -1
                var bestIoU: Float = 0
                for (j, g) in gt.enumerated() {
                    let v = g.iou(d.box)
                    if v > bestIoU { bestIoU = v; best = j }
                }
                if best >= 0, bestIoU >= 0.5, !used[best] { used[best] = true; records.append((d.score, true)) } else {
                    records.append((d.score, false))
                }
            }
        }
        guard npos > 0 else { return nil }
        let sorted = records.enumerated().sorted { $0.element.0 > $1.element.0 || ($0.element.0 == $1.element.0 && $0.offset < $1.offset) }
        return envelopeAP(hits: sorted.map { $0.element.1 }, positives: npos)
    }

    // MARK: - Output

    static func fmt(_ v: Double?) -> String { v.map { String(format: "%.3f", $0) } ?? "-" }

    static func table(_ rows: [ClassReport]) -> String {
        var lines = ["class           images  pos     AP      P       R       F1      boxAP50  threshold"]
        for r in rows {
            let name = r.name.padding(toLength: 15, withPad: " ", startingAt: 0)
            let cols = [String(r.images), String(r.positives), fmt(r.ap), fmt(r.precision), fmt(r.recall), fmt(r.f1), fmt(r.boxAP50)]
                .map { $0.padding(toLength: 7, withPad: " ", startingAt: 0) }
            lines.append("\(name) \(cols.joined(separator: " "))  \(String(format: "%.3f", Double(r.threshold)))")
        }
        return lines.joined(separator: "\n")
    }

    static func json(_ rows: [ClassReport], data: String, model: String, images: Int, failed: Int) -> String {
        func n(_ v: Double?) -> String { v.map { Detect.number(($0 * 10000).rounded() / 10000) } ?? "null" }
        let cls = rows.map { r in
            "\(Detect.jsonString(r.name)):{\"images\":\(r.images),\"positives\":\(r.positives),\"ap\":\(n(r.ap)),"
                + "\"precision\":\(n(r.precision)),\"recall\":\(n(r.recall)),\"f1\":\(n(r.f1)),\"box_ap50\":\(n(r.boxAP50)),"
                + "\"threshold\":\(n(Double(r.threshold)))}"
        }.joined(separator: ",")
        return "{\"data\":\(Detect.jsonString(data)),\"model\":\(Detect.jsonString(model)),\"images\":\(images),\"skipped\":\(failed),\"classes\":{\(cls)}}"
    }
}
