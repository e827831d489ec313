import CaseStore
import Foundation
import Geo
import Rules
import VideoIO
import Yams

/// How a source is sampled for analysis.
public enum Sampling: Equatable, Sendable {
    /// Keyframes only: the fastest, and the default.
    case keyframes
    case everyFrame
    /// About this many frames per second.
    case rate(Double)
}

/// One camera (or clip source) with its rules.
public struct CameraConfig: Sendable {
    public var id: String
    public var name: String
    public var url: String
    public var address: String?
    public var latitude: Double?
    public var longitude: Double?
    public var sampling: Sampling
    public var rules: CameraRules
    /// Input options (`transport`, `buffer_size`, `open_timeout`, … or any FFmpeg option).
    public var options: VideoSourceOptions = VideoSourceOptions()
    /// Set for a camera on a patrol vehicle (`moving: true`); see docs/patrol.md.
    public var moving: MovingCameraConfig?
    /// Tiled detection (`tiles: 2`): an n×n grid of overlapping tiles besides the whole frame,
    /// for cameras whose small targets (flyers) are only a few pixels at the model input.
    /// Costs n² + 1 model passes per sample. 1 (the default) is the whole frame only.
    public var tiles: Int = 1

    public init(id: String, name: String? = nil, url: String, address: String? = nil, latitude: Double? = nil,
                longitude: Double? = nil, sampling: Sampling = .keyframes, rules: CameraRules = CameraRules()) {
        self.id = id; self.name = name ?? id; self.url = url; self.address = address
        self.latitude = latitude; self.longitude = longitude; self.sampling = sampling; self.rules = rules
    }
}

/// The whole config file: cameras, defaults for sources no camera describes, category codes,
/// case-linking policy and the metrics port. See docs/config.md.
public struct StreetWardenConfig: Sendable {
    public var cameras: [CameraConfig]
    /// Rules and sampling for a clip no camera matches.
    public var defaults: CameraConfig
    public var codes: [String: CategoryCode]
    public var link: LinkPolicy
    /// Local port for Prometheus metrics during `watch`; nil for none.
    public var metricsPort: Int?
    /// Folder for evidence files, relative to the database's folder.
    public var evidenceFolder: String

    public init(cameras: [CameraConfig] = [], defaults: CameraConfig = CameraConfig(id: "default", url: ""),
                codes: [String: CategoryCode] = CategoryCode.defaults, link: LinkPolicy = LinkPolicy(),
                metricsPort: Int? = nil, evidenceFolder: String = "evidence") {
        self.cameras = cameras; self.defaults = defaults; self.codes = codes; self.link = link
        self.metricsPort = metricsPort; self.evidenceFolder = evidenceFolder
    }

    /// The category code for a class, honouring a zone's override.
    public func code(for className: String, override: String? = nil) -> CategoryCode {
        if let o = override {
            return CategoryCode(code: o, name: codes.values.first { $0.code == o }?.name ?? CategoryCode.known[o] ?? className)
        }
        return codes[className] ?? CategoryCode(code: "0000", name: className)
    }

    /// The camera describing a clip: one whose url is the clip's path (or file name), else nil.
    public func camera(forClip path: String) -> CameraConfig? {
        let abs = URL(fileURLWithPath: path).standardizedFileURL.path
        let name = URL(fileURLWithPath: path).lastPathComponent
        return cameras.first { c in
            c.url == path || URL(fileURLWithPath: c.url).standardizedFileURL.path == abs || c.url == name
        }
    }

    // MARK: Loading

    /// Throws when the evidence folder would take a name SQLite uses beside the database at
    /// `database` (the file itself, its -journal, -wal or -shm): a folder there makes the store
    /// unreadable.
    public func checkEvidenceFolder(database: String) throws {
        let name = URL(fileURLWithPath: database).lastPathComponent
        guard let first = evidenceFolder.split(separator: "/").first.map(String.init),
              [name, name + "-journal", name + "-wal", name + "-shm"].contains(first) else { return }
        throw ConfigError("evidence folder '\(evidenceFolder)' would take the name of the database's own file \(first)")
    }

    /// The first line where `[`/`{` brackets (outside quotes) or block indentation go deeper
    /// than `limit` levels, or nil. Indentation counts one level per 2 columns, and each `- `
    /// that opens a nested list on the same line counts one more.
    static func nestingTooDeep(_ text: String, limit: Int) -> Int? {
        var depth = 0, line = 1
        var quote: Character? = nil
        var atLineStart = true, indent = 0, dashes = 0
        var chars = text.makeIterator()
        while let c = chars.next() {
            if c == "\n" {   // (a quoted scalar may span lines: `quote` carries over)
                line += 1; atLineStart = true; indent = 0; dashes = 0
                continue
            }
            if let q = quote {
                if c == "\\" && q == "\"" { _ = chars.next() } else if c == q { quote = nil }
                continue
            }
            if atLineStart {
                if c == " " { indent += 1; continue }
                if c == "-" { dashes += 1; continue }
                if c == "#" { atLineStart = false; continue }
                atLineStart = false
                if indent / 2 + dashes > limit { return line }
            }
            switch c {
            case "\"", "'": quote = c
            case "[", "{":
                depth += 1
                if depth > limit { return line }
            case "]", "}": depth = max(0, depth - 1)
            default: break
            }
        }
        return nil
    }

    public static func load(path: String) throws -> StreetWardenConfig {
        if let reason = FileProblem.reason(path) { throw ConfigError("config \(path): \(reason)") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError("config \(path): cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw ConfigError("config \(path): not UTF-8 text") }
        return try parse(text, file: path)
    }

    public static func parse(_ text: String, file: String = "<config>") throws -> StreetWardenConfig {
        // The YAML parser recurses once per level: a hostile file nested thousands deep would
        // overflow the stack. No config needs more than a few levels.
        if let line = nestingTooDeep(text, limit: 64) {
            throw ConfigError("config \(file) (line \(line)): nested more than 64 levels deep")
        }
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch {
            throw ConfigError("config \(file): not valid YAML: \(String(describing: error).split(separator: "\n").joined(separator: " "))")
        }
        guard let root else { throw ConfigError("config \(file): empty") }
        let top = YAMLNode(node: root, context: "", file: file)
        // A bare URL: one camera, defaults for everything else.
        if case .scalar(let s) = root {
            let url = s.string.trimmingCharacters(in: .whitespaces)
            guard !url.isEmpty else { throw top.fail("empty") }
            return StreetWardenConfig(cameras: [CameraConfig(id: "camera-1", url: url)])
        }
        let m = try top.mapping(allowed: ["version", "defaults", "codes", "link", "metrics", "evidence", "cameras"])
        if let v = m["version"] {
            guard try v.string("version") == "1" else { throw v.fail("only version 1 is known") }
        }
        var config = StreetWardenConfig()
        if let c = m["codes"] { config.codes = try parseCodes(c) }
        if let l = m["link"] { config.link = try parseLink(l) }
        if let mt = m["metrics"] {
            let mm = try mt.mapping(allowed: ["port"])
            if let p = mm["port"] {
                let v = try p.double("metrics port", in: 1...65535)
                guard v == v.rounded() else { throw p.fail("metrics port must be a whole number, not \(v)") }
                config.metricsPort = Int(v)
            }
        }
        if let e = m["evidence"] {
            let em = try e.mapping(allowed: ["folder"])
            if let f = em["folder"] {
                let folder = try f.string("evidence folder")
                guard !f.isNull else { throw f.fail("evidence folder is empty") }
                guard !folder.isEmpty, !folder.hasPrefix("/"), !folder.split(separator: "/").contains("..") else {
                    throw f.fail("evidence folder must be a relative path inside the database's folder")
                }
                let parts = (folder.hasSuffix("/") ? String(folder.dropLast()) : folder).split(separator: "/", omittingEmptySubsequences: false)
                guard !folder.unicodeScalars.contains(where: { ErrorText.isInvisible($0) || $0 == "\\" }),
                      !parts.contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty || $0 == "." }) else {
                    throw f.fail("evidence folder '\(ErrorText.escaped(folder))' must not hold control characters, '\\', or blank or '.' parts")
                }
                config.evidenceFolder = folder
            }
        }
        var base = CameraConfig(id: "default", url: "")
        if let d = m["defaults"] {
            base = try parseCamera(YAMLNode(node: d.node, context: "defaults", file: file), base: base, isDefaults: true)
        }
        config.defaults = base
        if let cams = m["cameras"] {
            var seen = Set<String>()
            var urls: [String: String] = [:]   // camera url (a local file as its full path) → camera id
            for (i, c) in try cams.sequence().enumerated() {
                let cam: CameraConfig
                if case .scalar = c.node {
                    let url = try c.string("camera url").trimmingCharacters(in: .whitespaces)
                    guard !url.isEmpty, !c.isNull else { throw c.fail("camera #\(i + 1): url is empty") }
                    var b = base
                    b.id = "camera-\(i + 1)"; b.name = b.id; b.url = url
                    cam = b
                } else {
                    cam = try parseCamera(YAMLNode(node: c.node, context: "camera #\(i + 1)", file: file), base: base, isDefaults: false, index: i)
                }
                guard seen.insert(cam.id).inserted else { throw c.fail("camera '\(cam.id)': id used twice") }
                // A clip or stream is one camera's: with two, the second's rules would never apply.
                // (Local files compared as the files they name: `g.mp4`, `./g.mp4` and its full path are one clip.)
                let key = VideoSource.localPath(of: cam.url).map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? cam.url
                if let first = urls[key] {
                    throw c.fail("camera '\(cam.id)': url \(cam.url) is already the url of '\(first)'")
                }
                urls[key] = cam.id
                config.cameras.append(cam)
            }
        }
        return config
    }

    static func parseCodes(_ n: YAMLNode) throws -> [String: CategoryCode] {
        var codes = CategoryCode.defaults
        for (cls, v) in try n.mapping(allowed: ViolationClass.all) {
            let ctx = n.child(v.node, "codes: \(cls)")
            if case .scalar = v.node {
                let code = try ctx.string("code")
                codes[cls] = CategoryCode(code: code, name: CategoryCode.known[code] ?? cls)
            } else {
                let m = try ctx.mapping(allowed: ["code", "name"])
                guard let c = m["code"] else { throw ctx.fail("missing 'code'") }
                let code = try c.string("code")
                codes[cls] = CategoryCode(code: code, name: try m["name"]?.string("name") ?? CategoryCode.known[code] ?? cls)
            }
            guard CategoryCode.isWellFormed(codes[cls]!.code) else { throw ctx.fail("code must be 2 to 12 digits 0-9, not '\(codes[cls]!.code)'") }
        }
        return codes
    }

    static func parseLink(_ n: YAMLNode) throws -> LinkPolicy {
        let m = try n.mapping(allowed: ["iou", "radius_m", "window_hours"])
        var l = LinkPolicy()
        if let v = m["iou"] { l.minIoU = try v.double("link iou", in: 0...1) }
        if let v = m["radius_m"] { l.radiusMetres = try v.double("link radius_m", in: 0...100_000) }
        if let v = m["window_hours"] { l.window = try v.double("link window_hours", in: 0...87_600) * 3600 }
        return l
    }

    static let cameraKeys = ["id", "name", "url", "location", "timezone", "sampling", "options", "classes", "zones", "masks", "match_iou", "tiles"]
        + MovingCameraConfig.keys

    static func parseCamera(_ n: YAMLNode, base: CameraConfig, isDefaults: Bool, index: Int = 0) throws -> CameraConfig {
        let allowed = isDefaults ? cameraKeys.filter { !["id", "name", "url", "location"].contains($0) } : cameraKeys
        var n = n
        if !isDefaults, let id = n.peek("id") { n = n.named("camera '\(id)'") }
        let m = try n.mapping(allowed: allowed)
        var cam = base
        if !isDefaults {
            guard let idNode = m["id"] else { throw n.fail("missing 'id'") }
            cam.id = try idNode.string("id")
            guard !cam.id.trimmingCharacters(in: .whitespaces).isEmpty, !idNode.isNull else { throw idNode.fail("id is empty") }
            // The id names the camera's evidence folder: one path component, nothing hidden.
            guard cam.id != ".", cam.id != "..", !cam.id.contains("/"), !cam.id.contains("\\"),
                  !cam.id.unicodeScalars.contains(where: ErrorText.isInvisible) else {
                throw idNode.fail("id '\(ErrorText.escaped(cam.id))' must not contain '/', '\\' or control characters, nor be '.' or '..'")
            }
            guard cam.id.utf8.count <= 200 else {   // a folder name holds at most 255 bytes
                throw idNode.fail("id is \(cam.id.utf8.count) bytes long; at most 200 (a Chinese character takes 3)")
            }
            n = YAMLNode(node: n.node, context: "camera '\(cam.id)'", file: n.file)
            guard let u = m["url"] else { throw n.fail("missing 'url'") }
            cam.url = try YAMLNode(node: u.node, context: n.context, file: n.file).string("url")
            guard !cam.url.trimmingCharacters(in: .whitespaces).isEmpty else { throw u.named(n.context).fail("url is empty") }
            cam.name = try m["name"]?.string("name") ?? cam.id
        }
        func ctx(_ x: YAMLNode) -> YAMLNode { YAMLNode(node: x.node, context: n.context, file: n.file) }
        if let loc = m["location"] {
            let lm = try ctx(loc).mapping(allowed: ["address", "latitude", "longitude"])
            cam.address = try lm["address"].map { try ctx($0).string("address") }
            cam.latitude = try lm["latitude"].map { try ctx($0).double("latitude", in: -90...90) }
            cam.longitude = try lm["longitude"].map { try ctx($0).double("longitude", in: -180...180) }
            if (cam.latitude == nil) != (cam.longitude == nil) { throw ctx(loc).fail("latitude and longitude go together") }
        }
        if let tz = m["timezone"] {
            let name = try ctx(tz).string("timezone")
            guard let zone = TimeZone(identifier: name) else { throw ctx(tz).fail("unknown timezone '\(name)'") }
            cam.rules.timeZone = zone
        }
        if let s = m["sampling"] { cam.sampling = try parseSampling(ctx(s)) }
        cam.moving = try MovingCameraConfig.parse(m, context: n, base: cam.moving)
        if let o = m["options"] {
            guard case .mapping(let om) = o.node else { throw ctx(o).fail("options must be a mapping of name: value") }
            for (k, v) in om {
                guard case .scalar(let ks) = k else { throw ctx(o).fail("options must be a mapping of name: value") }
                guard case .scalar(let vs) = v else { throw ctx(o.child(k)).fail("option \(ks.string): the value is one text or number, not a list or mapping") }
                do { try cam.options.set(ks.string, vs.string) } catch {
                    let text = (error as? VideoError).map { "\($0.input): \($0.message)" } ?? "\(error)"
                    throw ctx(o.child(k)).fail("option \(text)")
                }
            }
        }
        if let v = m["match_iou"] { cam.rules.matchIoU = try ctx(v).double("match_iou", in: 0.01...1) }
        if let v = m["tiles"] {
            let t = try ctx(v).double("tiles", in: 1...4)
            guard t == t.rounded() else { throw ctx(v).fail("tiles must be a whole number 1…4 (n×n tiles), not \(t)") }
            cam.tiles = Int(t)
        }
        if let c = m["classes"] {
            for (cls, v) in try ctx(c).mapping(allowed: ViolationClass.all) {
                let cc = YAMLNode(node: v.node, context: "\(n.context), class '\(cls)'", file: n.file)
                let pm = try cc.mapping(allowed: ["threshold", "dwell", "clear"])
                var p = cam.rules.policy(for: cls)
                if let t = pm["threshold"] { p.threshold = try t.double("threshold", in: 0...1) }
                if let d = pm["dwell"] { p.dwell = try d.double("dwell (seconds)", in: 0...86400) }
                if let d = pm["clear"] {
                    p.clear = try d.double("clear (seconds)", in: 0...86400)
                    guard p.clear > 0 else { throw d.fail("clear must be more than 0 s (a region absent from one sample would end its incident)") }
                }
                cam.rules.policies[cls] = p
            }
        }
        if let zs = m["zones"] {
            var zones: [Zone] = []
            for (i, z) in try ctx(zs).sequence().enumerated() {
                let zone = try parseZone(YAMLNode(node: z.node, context: "\(n.context), zone #\(i + 1)", file: n.file), camera: n.context)
                guard !zones.contains(where: { $0.id == zone.id }) else {
                    throw z.named("\(n.context), zone '\(zone.id)'").fail("id used twice")
                }
                zones.append(zone)
            }
            cam.rules.zones = zones
        }
        if let ms = m["masks"] {
            var masks: [Mask] = []
            for (i, z) in try ctx(ms).sequence().enumerated() {
                var zn = YAMLNode(node: z.node, context: "\(n.context), mask #\(i + 1)", file: n.file)
                if let id = zn.peek("id") { zn = zn.named("\(n.context), mask '\(id)'") }
                let mm = try zn.mapping(allowed: ["id", "polygon", "classes", "min_coverage"])
                let id = try mm["id"].map { try $0.string("id") } ?? "mask-\(i + 1)"
                zn = YAMLNode(node: z.node, context: "\(n.context), mask '\(id)'", file: n.file)
                func c(_ x: YAMLNode) -> YAMLNode { YAMLNode(node: x.node, context: zn.context, file: n.file) }
                guard let p = mm["polygon"] else { throw zn.fail("missing 'polygon'") }
                guard !masks.contains(where: { $0.id == id }) else { throw zn.fail("id used twice") }
                var mask = Mask(id: id, polygon: try parsePolygon(c(p)))
                if let cl = mm["classes"] { mask.classes = Set(try parseClasses(c(cl))) }
                if let v = mm["min_coverage"] { mask.minCoverage = try c(v).double("min_coverage", in: 0...1) }
                masks.append(mask)
            }
            cam.rules.masks = masks
        }
        // An incident ends after `clear` seconds without its region: with samples further apart
        // than that, every sample would end one and start the next.
        if case .rate(let fps) = cam.sampling {
            for cls in ViolationClass.all where cam.rules.policy(for: cls).clear <= 1 / fps {
                let clear = cam.rules.policy(for: cls).clear
                throw n.fail("class '\(cls)': clear \(String(format: "%g", clear)) s must be longer than the "
                             + "\(String(format: "%g", 1 / fps)) s between samples (sampling fps \(String(format: "%g", fps)))")
            }
        }
        return cam
    }

    static func parseSampling(_ n: YAMLNode) throws -> Sampling {
        if case .scalar = n.node {
            switch try n.string("sampling") {
            case "keyframes": return .keyframes
            case "every_frame", "all": return .everyFrame
            case let s: throw n.fail("sampling must be keyframes, every_frame or {fps: N}, not '\(s)'")
            }
        }
        let m = try n.mapping(allowed: ["fps"])
        guard let f = m["fps"] else { throw n.fail("sampling needs 'fps'") }
        return .rate(try YAMLNode(node: f.node, context: n.context, file: n.file).double("fps", in: 0.001...240))
    }

    static func parseClasses(_ n: YAMLNode) throws -> [String] {
        let names = try n.stringList("class")
        for c in names where !ViolationClass.all.contains(c) {
            throw n.fail("unknown class '\(c)' (known: \(ViolationClass.all.joined(separator: ", ")))")
        }
        return names
    }

    static func parsePolygon(_ n: YAMLNode) throws -> Polygon {
        var pts: [NormalizedPoint] = []
        for p in try n.sequence() {
            let xy = try YAMLNode(node: p.node, context: n.context, file: n.file).sequence()
            guard xy.count == 2 else { throw p.fail("a polygon point is [x, y]") }
            let x = try YAMLNode(node: xy[0].node, context: n.context, file: n.file).double("x", in: 0...1)
            let y = try YAMLNode(node: xy[1].node, context: n.context, file: n.file).double("y", in: 0...1)
            let p = NormalizedPoint(x: x, y: y)
            if pts.last != p { pts.append(p) }   // a point given twice in a row is one point
        }
        if pts.count > 3, pts.first == pts.last { pts.removeLast() }   // a closed ring: its last point repeats the first
        let poly = Polygon(pts)
        // (Crossing edges first: a symmetric bow-tie also has no area, and this says why.)
        guard poly.isSimple else { throw n.fail("polygon edges cross each other: list the points in order around the zone's border") }
        guard poly.isValid else { throw n.fail("polygon needs at least 3 points, normalized to 0…1, enclosing an area") }
        return poly
    }

    static func parseWindows(_ n: YAMLNode, what: String) throws -> [DailyWindow] {
        let items: [YAMLNode]
        if case .mapping = n.node { items = [n] } else { items = try n.sequence() }
        return try items.map { item in
            let w = YAMLNode(node: item.node, context: n.context, file: n.file)
            let m = try w.mapping(allowed: what == "allow" ? ["classes", "from", "to", "days"] : ["from", "to", "days"])
            guard let f = m["from"], let t = m["to"] else { throw w.fail("\(what) window needs 'from' and 'to' (HH:MM)") }
            let fs = try f.string("from"), ts = try t.string("to")
            guard let start = DailyWindow.parseClock(fs), start < 1440 else { throw f.fail("'from' must be HH:MM, not '\(fs)'") }
            guard let end = DailyWindow.parseClock(ts) else { throw t.fail("'to' must be HH:MM, not '\(ts)'") }
            var days = Set<Int>()
            if let d = m["days"] {
                let names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
                for s in try d.stringList("day") {
                    guard let i = names.firstIndex(of: s.lowercased().prefix(3).description) else {
                        throw d.fail("unknown day '\(s)' (use mon…sun)")
                    }
                    days.insert(i + 1)
                }
            }
            return DailyWindow(start: start, end: end, weekdays: days)
        }
    }

    static func parseZone(_ n: YAMLNode, camera: String) throws -> Zone {
        var n = n
        if let id = n.peek("id") { n = n.named("\(camera), zone '\(id)'") }
        let m = try n.mapping(allowed: ["id", "name", "polygon", "prohibit", "active", "allow", "codes", "min_coverage"])
        guard let idNode = m["id"] else { throw n.fail("missing 'id'") }
        let id = try idNode.string("id")
        let z = YAMLNode(node: n.node, context: "\(camera), zone '\(id)'", file: n.file)
        func c(_ x: YAMLNode) -> YAMLNode { YAMLNode(node: x.node, context: z.context, file: n.file) }
        var zone = Zone(id: id, name: try m["name"]?.string("name"))
        if let p = m["polygon"] { zone.polygon = try parsePolygon(c(p)) }
        if let p = m["prohibit"] { zone.prohibited = Set(try parseClasses(c(p))) }
        if let a = m["active"] { zone.activeWindows = try parseWindows(c(a), what: "active") }
        if let a = m["allow"] {
            let items: [YAMLNode]
            if case .mapping = a.node { items = [c(a)] } else { items = try c(a).sequence() }
            for item in items {
                let it = c(item)
                let windows = try parseWindows(it, what: "allow")
                guard case .mapping(let mm) = it.node, let cn = mm["classes"] else { throw it.fail("allow needs 'classes'") }
                let classes = try parseClasses(c(it.child(cn)))
                for cl in classes where !zone.prohibited.contains(cl) {
                    throw it.fail("allows '\(cl)', which the zone does not prohibit")
                }
                zone.allowances.append(Allowance(classes: Set(classes), windows: windows))
            }
        }
        if let cd = m["codes"] {
            for (cls, v) in try c(cd).mapping(allowed: ViolationClass.all) {
                let code = try c(v).string("code")
                guard CategoryCode.isWellFormed(code) else { throw c(v).fail("code for \(cls) must be 2 to 12 digits 0-9, not '\(code)'") }
                zone.codes[cls] = code
            }
        }
        if let v = m["min_coverage"] { zone.minCoverage = try c(v).double("min_coverage", in: 0.01...1) }
        return zone
    }
}

extension CategoryCode {
    /// A code as city platforms number them: ASCII digits (major class, minor class, local
    /// extensions), 2 to 12 of them. `Character.isNumber` would also pass "０１０２" or "½".
    static func isWellFormed(_ code: String) -> Bool {
        (2...12).contains(code.utf8.count) && code.utf8.allSatisfy { (48...57).contains($0) }
    }
}

