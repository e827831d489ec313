import CaseStore
import Foundation

/// Writes a static HTML report that opens offline: a summary, a timeline per camera (one lane
/// per case, one bar per occurrence), and every case with its evidence thumbnails. Evidence
/// files are copied next to the page, so the folder can be moved or archived as is.
public struct ReportWriter {
    public let store: CaseStore
    public init(store: CaseStore) { self.store = store }

    static let colors = ["street_vending": "#e67e22", "garbage": "#16a085", "illegal_ad": "#8e44ad"]

    /// What `write` did: the page, the evidence files it could not vouch for (one line each:
    /// missing, not a regular file, or not matching its stored SHA-256), left out of the copies
    /// and flagged on the page, and the store's rows that do not read (a damaged or hand-edited
    /// file), left off the page, which says how many.
    public struct Outcome {
        public let index: URL
        public let problems: [String]
        public let unreadable: [String]
        /// How many of `unreadable` are cases (the rest are occurrences).
        public let unreadableCases: Int
    }

    /// Writes `<out>/index.html` and `<out>/evidence/…`. Refuses a folder where the copies would
    /// land on the store's own evidence (`checkFolder`) and a folder that holds anything but an
    /// earlier report; never replaces a file with itself.
    @discardableResult
    public func write(to out: URL) throws -> Outcome {
        try checkFolder(out)
        try OutputFile.makeFolder(out.path) { "cannot write the report to \(out.path): \($0)" }
        let readCases = try store.readableCases(), readEvents = try store.readableEvents()
        let cases = readCases.items, events = readEvents.items, unreadable = readCases.damaged + readEvents.damaged
        let maps = try PatrolExports.routeMaps(store: store, cases: cases)
        guard let root = store.folder else { throw PipelineError("report: the store has no folder") }
        // Copy evidence: only a regular file (lstat: a link or a pipe put in its place is not
        // evidence) whose bytes still have the SHA-256 stored with it.
        var copied = Set<String>(), problems: [String] = [], flagged: [String: String] = [:]
        for c in cases {
            for f in c.evidence where !copied.contains(f.path) && flagged[f.path] == nil {
                let src = root.appendingPathComponent(f.path), dst = out.appendingPathComponent(f.path)
                var st = stat()
                let problem: String?
                var bytes = Data()
                if f.path.hasPrefix("/") || f.path.split(separator: "/").contains("..") {
                    // A path the store never writes (edited by hand): neither read nor copied, since
                    // its copy would land outside the report's folder.
                    problem = "lies outside the database's folder"
                } else if lstat(src.path, &st) != 0 {
                    problem = errno == ENOENT ? "missing" : String(cString: strerror(errno))
                } else if st.st_mode & S_IFMT != S_IFREG {
                    problem = "not a regular file"
                } else if let data = FileManager.default.contents(atPath: src.path) {
                    bytes = data
                    problem = SHA256.hex(data) == f.sha256 ? nil : "does not match its stored SHA-256 (altered)"
                } else {
                    problem = "cannot be read"
                }
                if let problem {
                    flagged[f.path] = problem
                    problems.append("case \(c.id): evidence \(src.path) \(problem); not copied")
                    continue
                }
                if !OutputFile.sameFile(src.path, dst.path) {
                    let folder = dst.deletingLastPathComponent().path
                    try OutputFile.makeFolder(folder) { "cannot copy evidence to \(folder): \($0)" }
                    do { try OutputFile.write(bytes, to: dst.path) } catch {
                        throw PipelineError("cannot copy evidence \(src.path) to \(dst.path): \(ErrorText.line(error))")
                    }
                }
                copied.insert(f.path)
            }
        }
        let html = page(cases: cases, events: events, present: copied, flagged: flagged,
                        unreadable: Self.unreadableText(cases: readCases.damaged.count, occurrences: readEvents.damaged.count), routes: maps)
        let index = out.appendingPathComponent("index.html")
        try OutputFile.write(Data(html.utf8), to: index.path)
        return Outcome(index: index, problems: problems, unreadable: unreadable, unreadableCases: readCases.damaged.count)
    }

    /// The title every report page carries near its start: a folder whose index.html has it
    /// holds an earlier report, which a new one may replace.
    static let marker = "<title>StreetWarden report</title>"

    /// Throws unless `out` may hold a report of this store: not the database's folder, nothing
    /// inside the store's evidence folders, and no folder whose evidence folders resolve to the store's own (copying would replace the
    /// originals with themselves). Paths are compared with symbolic links and `..` resolved.
    func checkFolder(_ out: URL) throws {
        guard let root = store.folder else { return }
        let target = OutputFile.resolved(out.path)
        if target == OutputFile.resolved(root.path) || OutputFile.sameFile(out.path, root.path) {
            throw PipelineError("cannot write the report to \(out.path): it is the database's folder (\(root.path)), which holds the evidence")
        }
        for name in try store.evidenceFolders() {
            let copies = out.appendingPathComponent(name).path, originals = root.appendingPathComponent(name).path
            let evidence = OutputFile.resolved(originals)
            if target == evidence || target.hasPrefix(evidence + "/") {   // as `cases export` refuses
                throw PipelineError("cannot write the report to \(out.path): it is inside the evidence folder \(originals)")
            }
            if OutputFile.resolved(copies) == OutputFile.resolved(originals) || OutputFile.sameFile(copies, originals) {
                throw PipelineError("cannot write the report to \(out.path): its \(name) folder is the store's evidence folder \(originals)")
            }
        }
        // Anything else in the folder (another store, its evidence, someone's index.html) is not
        // ours to replace: only an earlier report is.
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: out.path, isDirectory: &isDir), isDir.boolValue,
           let entries = try? FileManager.default.contentsOfDirectory(atPath: out.path), !entries.isEmpty {
            let index = out.appendingPathComponent("index.html").path
            let head = FileHandle(forReadingAtPath: index).flatMap { h in defer { try? h.close() }; return try? h.read(upToCount: 4096) }
            guard let head, String(decoding: head, as: UTF8.self).contains(Self.marker) else {
                throw PipelineError("cannot write the report to \(out.path): the folder is not empty and holds no earlier report (choose a new or empty folder)")
            }
        }
    }

    static func esc(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// "2 case(s) and 1 occurrence(s)", or nil when every row reads.
    public static func unreadableText(cases: Int, occurrences: Int) -> String? {
        let parts = (cases > 0 ? ["\(cases) case(s)"] : []) + (occurrences > 0 ? ["\(occurrences) occurrence(s)"] : [])
        return parts.isEmpty ? nil : parts.joined(separator: " and ")
    }

    func page(cases: [CaseRecord], events: [EventRecord], present: Set<String>, flagged: [String: String] = [:], unreadable: String? = nil,
              routes: [(drive: DriveRecord, svg: String, cases: [CaseRecord])] = []) -> String {
        let esc = Self.esc
        var h = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>StreetWarden report</title>
        <style>
        body{font-family:"Noto Sans CJK SC","Noto Sans",sans-serif;margin:24px;color:#222;background:#fafafa}
        h1{margin:0 0 4px} .muted{color:#777}
        table.summary td,table.summary th{padding:2px 10px;text-align:left}
        .timeline{background:#fff;border:1px solid #ddd;margin:8px 0 24px;padding:8px}
        .case{background:#fff;border:1px solid #ddd;border-left:6px solid #999;margin:10px 0;padding:10px;display:flex;gap:16px}
        .case img{max-height:160px;max-width:280px;border:1px solid #ccc}
        .meta{min-width:320px} .status{font-weight:bold;text-transform:uppercase} .evidence-problem{color:#b00;font-weight:bold}
        .legend span{display:inline-block;margin-right:14px} .swatch{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle}
        </style></head>
        <body data-cases="\(cases.count)">
        <h1>StreetWarden report</h1>
        <p class="muted">Generated \(CaseFormatter.isoString(Date())) from \(esc(store.path)). <span id="img-status"></span></p>

        """
        if let unreadable {
            h += "<p class=\"evidence-problem\" id=\"unreadable\">\(unreadable) of the store could not be read (the file is damaged or was edited by hand) and are not shown.</p>\n"
        }
        // Summary.
        let byCat = Dictionary(grouping: cases, by: \.category)
        let byStatus = Dictionary(grouping: cases, by: { $0.status.rawValue })
        h += "<h2>Summary</h2><table class=\"summary\"><tr><th>category</th><th>code</th><th>cases</th><th>occurrences</th></tr>\n"
        for cat in byCat.keys.sorted() {
            let cs = byCat[cat]!
            h += "<tr class=\"summary-row\" data-category=\"\(esc(cat))\"><td>\(esc(cat))</td><td>\(esc(cs[0].code)) \(esc(cs[0].codeName))</td><td>\(cs.count)</td><td>\(cs.reduce(0) { $0 + $1.occurrences })</td></tr>\n"
        }
        h += "</table><p>"
        h += CaseStatus.allCases.map { "\($0.rawValue): \(byStatus[$0.rawValue]?.count ?? 0)" }.joined(separator: " · ")
        h += "</p>\n<p class=\"legend\">" + Self.colors.keys.sorted().map { "<span><i class=\"swatch\" style=\"background:\(Self.colors[$0]!)\"></i>\($0)</span>" }.joined() + "</p>\n"

        // Timelines per camera.
        h += "<h2>Timelines</h2>\n"
        let casesBySource = Dictionary(grouping: cases, by: \.source)
        let eventsByCase = Dictionary(grouping: events, by: \.caseID)
        for source in casesBySource.keys.sorted() {
            let cs = casesBySource[source]!
            let evs = cs.flatMap { eventsByCase[$0.id] ?? [] }
            guard let t0 = evs.map(\.firstSeen.date).min(), let t1 = evs.map(\.lastSeen.date).max() else { continue }
            let span = max(1, t1.timeIntervalSince(t0))
            let w = 900.0, lane = 22.0, left = 90.0
            let height = Double(cs.count) * lane + 30
            h += "<div class=\"timeline\" data-source=\"\(esc(source))\"><b>\(esc(source))</b> <span class=\"muted\">\(CaseFormatter.isoString(t0)) … \(CaseFormatter.isoString(t1))</span>\n"
            h += "<svg width=\"\(Int(w + left + 10))\" height=\"\(Int(height))\" role=\"img\">\n"
            for (i, c) in cs.enumerated() {
                let y = Double(i) * lane + 4
                h += "<text x=\"0\" y=\"\(y + 14)\" font-size=\"12\">case \(c.id)</text>\n"
                for e in eventsByCase[c.id] ?? [] {
                    let x = left + e.firstSeen.date.timeIntervalSince(t0) / span * w
                    let bw = max(3, e.lastSeen.date.timeIntervalSince(e.firstSeen.date) / span * w)
                    h += "<rect class=\"occurrence\" data-case=\"\(c.id)\" x=\"\(String(format: "%.1f", x))\" y=\"\(y)\" width=\"\(String(format: "%.1f", bw))\" height=\"16\" fill=\"\(Self.colors[c.category] ?? "#555")\"><title>case \(c.id) \(esc(c.category)) \(CaseFormatter.isoString(e.firstSeen.date)) – \(CaseFormatter.isoString(e.lastSeen.date))</title></rect>\n"
                }
            }
            let axisY = Double(cs.count) * lane + 22
            h += "<text x=\"\(left)\" y=\"\(axisY)\" font-size=\"11\" fill=\"#777\">0 s</text><text x=\"\(left + w - 60)\" y=\"\(axisY)\" font-size=\"11\" fill=\"#777\">+\(Int(span)) s</text>\n"
            h += "</svg></div>\n"
        }

        // Cases.
        h += routesSection(routes)
        h += "<h2>Cases</h2>\n"
        for c in cases {
            h += "<div class=\"case\" id=\"case-\(c.id)\" data-category=\"\(esc(c.category))\" data-status=\"\(c.status.rawValue)\" style=\"border-left-color:\(Self.colors[c.category] ?? "#999")\">\n"
            h += "<div class=\"meta\"><div><b>Case \(c.id)</b> · \(esc(c.category)) · \(esc(c.code)) \(esc(c.codeName))</div>"
            h += "<div class=\"status\">\(c.status.rawValue)</div>"
            h += "<div>\(esc(c.source)) · zone \(esc(c.zoneID))</div>"
            h += "<div>\(CaseFormatter.isoString(c.firstSeen)) … \(CaseFormatter.isoString(c.lastSeen))</div>"
            h += "<div>\(c.occurrences) occurrence(s)</div>"
            if let a = c.address { h += "<div>\(esc(a))</div>" }
            if let lat = c.latitude, let lon = c.longitude { h += "<div>\(lat), \(lon)</div>" }
            h += "</div>\n"
            for f in c.evidence {
                if let problem = flagged[f.path] { h += "<div class=\"evidence-problem\">evidence \(esc(f.path)) \(esc(problem))</div>\n" }
            }
            let thumbs = c.evidence.filter { $0.kind != .firstSeen && present.contains($0.path) }
            for f in thumbs.prefix(4) {
                let url = esc(f.path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? f.path)   // '#', '%', '?' in a folder name
                h += "<a href=\"\(url)\"><img class=\"evidence\" src=\"\(url)\" alt=\"\(f.kind.rawValue) of case \(c.id)\" title=\"sha256 \(f.sha256)\"></a>\n"
            }
            h += "</div>\n"
        }
        h += """
        <script>
        window.addEventListener('load', function () {
          var imgs = document.querySelectorAll('img.evidence'), ok = 0;
          imgs.forEach(function (i) { if (i.complete && i.naturalWidth > 0) ok++; });
          document.body.setAttribute('data-images-loaded', ok);
          document.body.setAttribute('data-images-total', imgs.length);
          document.getElementById('img-status').textContent = ok + ' of ' + imgs.length + ' evidence images shown.';
        });
        </script>
        </body></html>

        """
        return h
    }
}
