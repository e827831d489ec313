import Foundation
import Yams

/// The class names of a YOLO dataset's `data.yaml`: its `names:` entry, as a list (`[a, b]` or
/// a block of `- a` lines) or as Ultralytics' `id: name` mapping (block or inline `{0: a, 1: b}`)
/// whose ids are 0…N−1. Other keys (`path`, `train`, `nc`, …) are not read.
public enum YOLODataYAML {
    /// The names in id order; an error names the file and, where YAML says, the line.
    public static func names(path: String) throws -> [String] {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? ErrorText.line(error) : "\(path): not found"
            throw PipelineError("\(reason); give the class names with --names")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw PipelineError("\(path): not UTF-8") }
        return try names(text: text, file: path)
    }

    static func names(text: String, file: String) throws -> [String] {
        func fail(_ node: Node?, _ message: String) -> PipelineError {
            PipelineError("\(file): \(node?.mark.map { "line \($0.line): " } ?? "")\(message)")
        }
        // The YAML parser recurses once per level: a hostile file nested thousands deep would
        // overflow the stack.
        if let line = StreetWardenConfig.nestingTooDeep(text, limit: 64) {
            throw PipelineError("\(file): line \(line): nested more than 64 levels deep")
        }
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch let e as YamlError {
            switch e {
            case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
                 let .composer(context, problem, mark, _):
                let why = context.map { "\($0.text): " } ?? ""
                throw PipelineError("\(file): line \(mark.line): not valid YAML (\(why)\(problem))")
            default:
                throw PipelineError("\(file): not valid YAML (\(String(describing: e).split(separator: "\n").joined(separator: " ")))")
            }
        }
        let hint = "give the class names with --names"
        guard let root, case .mapping(let top) = root else { throw fail(root, "not a mapping with a 'names:' entry; \(hint)") }
        let entries = top.filter { $0.key.string == "names" }
        guard let names = entries.first?.value else { throw fail(nil, "no 'names:' list; \(hint)") }
        guard entries.count == 1 else { throw fail(entries[1].key, "'names' appears twice") }
        func name(_ n: Node) throws -> String {
            guard case .scalar(let s) = n, !s.string.isEmpty else { throw fail(n, "names: each class name must be a single non-empty value") }
            return s.string
        }
        switch names {
        case .sequence(let list):
            guard !list.isEmpty else { throw fail(names, "names: the list is empty") }
            return try list.map(name)
        case .mapping(let map):
            guard !map.isEmpty else { throw fail(names, "names: the mapping is empty") }
            var byID: [Int: String] = [:]
            for (k, v) in map {
                guard let id = k.string.flatMap({ Int($0) }), id >= 0, id < map.count, byID[id] == nil else {
                    throw fail(k, "names: '\(k.string ?? "")' is not a class id; the ids must be 0…\(map.count - 1), each once")
                }
                byID[id] = try name(v)
            }
            return (0..<map.count).map { byID[$0]! }
        default:
            throw fail(names, "names must be a list or an id: name mapping")
        }
    }
}
