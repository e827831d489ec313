import CaseStore
import Foundation

/// Output formats of `cases` commands.
/// `geojson` writes cases with coordinates as GeoJSON points (`PatrolExports`).
public enum OutputFormat: String, CaseIterable, Sendable { case table, json, csv, geojson }

/// Renders cases as a table, JSON or CSV. The JSON object per case has the fields `id`,
/// `category`, `code`, `code_name`, `status`, `source`, `zone`, `first_seen`, `last_seen`
/// (ISO 8601, UTC), `occurrences`, `location` (`address`, `latitude`, `longitude`, each may be
/// null), `box` and `evidence` (an array of `{"kind", "path", "sha256"}`, paths relative to the
/// database's folder).
public enum CaseFormatter {
    static let iso: ISO8601DateFormatter = {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        f.timeZone = TimeZone(identifier: "UTC")
        return f
    }()

    public static func isoString(_ d: Date) -> String { iso.string(from: d) }

    public static func jsonObject(_ c: CaseRecord) -> [String: Any] {
        [
            "id": c.id,
            "category": c.category,
            "code": c.code,
            "code_name": c.codeName,
            "status": c.status.rawValue,
            "source": c.source,
            "zone": c.zoneID,
            "first_seen": isoString(c.firstSeen),
            "last_seen": isoString(c.lastSeen),
            "occurrences": c.occurrences,
            "location": [
                "address": c.address as Any? ?? NSNull(),
                "latitude": c.latitude as Any? ?? NSNull(),
                "longitude": c.longitude as Any? ?? NSNull(),
            ] as [String: Any],
            "box": [c.box.x1, c.box.y1, c.box.x2, c.box.y2],
            "evidence": c.evidence.map { ["kind": $0.kind.rawValue, "path": $0.path, "sha256": $0.sha256] },
        ]
    }

    public static func json(_ value: Any) -> String {
        if let text = JSONText.pretty(value) { return text }
        let data = (try? JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data("null".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    public static func render(_ cases: [CaseRecord], as format: OutputFormat) -> String {
        switch format {
        case .json: return json(cases.map(jsonObject))
        case .geojson: return PatrolExports.geoJSON(cases: cases)
        case .csv:
            var lines = ["id,category,code,code_name,status,source,zone,first_seen,last_seen,occurrences,address,latitude,longitude,evidence"]
            for c in cases {
                let fields: [String] = [
                    "\(c.id)", c.category, c.code, c.codeName, c.status.rawValue, c.source, c.zoneID,
                    isoString(c.firstSeen), isoString(c.lastSeen), "\(c.occurrences)", c.address ?? "",
                    c.latitude.map { "\($0)" } ?? "", c.longitude.map { "\($0)" } ?? "",
                    c.evidence.map(\.path).joined(separator: ";"),
                ]
                lines.append(fields.map(csvField).joined(separator: ","))
            }
            return lines.joined(separator: "\n")
        case .table:
            if cases.isEmpty { return "no cases" }
            let header = ["ID", "CATEGORY", "CODE", "STATUS", "SOURCE", "FIRST SEEN", "LAST SEEN", "OCC", "EVIDENCE"]
            let rows = cases.map { c in
                ["\(c.id)", c.category, "\(c.code) \(c.codeName)", c.status.rawValue, c.source,
                 isoString(c.firstSeen), isoString(c.lastSeen), "\(c.occurrences)", "\(c.evidence.count) files"]
            }
            return table(header, rows)
        }
    }

    static func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    /// Terminal width of a string: CJK characters take two columns.
    static func width(_ s: String) -> Int {
        s.unicodeScalars.reduce(0) { $0 + (($1.value >= 0x1100 && ($1.value <= 0x115F || (0x2E80...0xA4CF).contains($1.value) || (0xAC00...0xD7A3).contains($1.value) || (0xF900...0xFAFF).contains($1.value) || (0xFF00...0xFF60).contains($1.value))) ? 2 : 1) }
    }

    public static func table(_ header: [String], _ rows: [[String]]) -> String {
        var widths = header.map(width)
        let rows = rows.map { $0.map(ErrorText.escaped) }   // no control character reaches the terminal
        for r in rows { for (i, f) in r.enumerated() { widths[i] = max(widths[i], width(f)) } }
        func line(_ r: [String]) -> String {
            r.enumerated().map { i, f in f + String(repeating: " ", count: widths[i] - width(f)) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }

    /// One case in detail: the case, its occurrences with their evidence, and status history.
    public static func detail(_ c: CaseRecord, events: [EventRecord], history: [(from: String, to: String, note: String?, at: Date)],
                              as format: OutputFormat) -> String {
        if format == .json {
            var o = jsonObject(c)
            o["events"] = events.map { e -> [String: Any] in
                ["id": e.id, "key": e.key, "zone": e.zoneID, "score": e.score, "first_seen": isoString(e.firstSeen.date),
                 "violation_at": isoString(e.violation.date), "last_seen": isoString(e.lastSeen.date),
                 "first_seen_pts": e.firstSeen.pts, "violation_pts": e.violation.pts, "last_seen_pts": e.lastSeen.pts,
                 "ended": e.ended, "box": [e.box.x1, e.box.y1, e.box.x2, e.box.y2],
                 "evidence": e.evidence.map { ["kind": $0.kind.rawValue, "path": $0.path, "sha256": $0.sha256] }]
            }
            o["history"] = history.map { ["from": $0.from, "to": $0.to, "note": $0.note as Any? ?? NSNull(), "at": isoString($0.at)] as [String: Any] }
            return json(o)
        }
        var out = [
            "case \(c.id): \(c.category) (\(c.code) \(c.codeName)), \(c.status.rawValue)",
            "source: \(c.source) (\(c.sourceURI)), zone \(c.zoneID)",
            "seen: \(isoString(c.firstSeen)) … \(isoString(c.lastSeen)), \(c.occurrences) occurrence(s)",
        ]
        if c.address != nil || c.latitude != nil {
            out.append("location: \(c.address ?? "")\(c.latitude.map { " (\($0), \(c.longitude ?? 0))" } ?? "")")
        }
        for (i, e) in events.enumerated() {
            out.append(String(format: "occurrence %d: %@ … %@ (%.1f s … %.1f s in the source), score %.2f%@", i + 1,
                              isoString(e.firstSeen.date), isoString(e.lastSeen.date), e.firstSeen.pts, e.lastSeen.pts, e.score,
                              e.ended ? "" : ", still present"))
            for f in e.evidence { out.append("  \(f.kind.rawValue): \(f.path) sha256 \(f.sha256)") }
        }
        for h in history { out.append("status \(h.from) → \(h.to) at \(isoString(h.at))\(h.note.map { ": \($0)" } ?? "")") }
        // Text for a terminal: stored text (a note, a name) cannot move the cursor or ring.
        return out.map(ErrorText.escaped).joined(separator: "\n")
    }
}
