import CaseStore
import Foundation
import XCTest

/// `cases` and `report` against a real SQLite file written through the store.
final class CasesCommandTests: XCTestCase {
    /// A store with a garbage case (two occurrences), an ad case and a vending case, with
    /// small real JPEG files as evidence (made by the ffmpeg CLI) in `evidence/<folder>/`.
    func seededStore(folder: String = "market-cam") throws -> (URL, String) {
        let dir = try temporaryFolder(self)
        let db = dir.appendingPathComponent("cases.sqlite").path
        let store = try CaseStore(path: db)
        let s = try store.upsertSource(SourceInfo(key: "sha256:feed", kind: .file, uri: "/clips/market.mp4", cameraID: "market-cam",
                                                  address: "人民路 12 号", latitude: 31.23, longitude: 121.47))
        let r = try store.beginRun(sourceID: s, model: "test", configDigest: nil)
        let t0 = Date(timeIntervalSince1970: 1_767_225_600)
        func ev(_ key: String, _ cat: String, _ box: StoredBox, _ start: Double) throws {
            var files: [EvidenceFile] = []
            for kind in [EvidenceFile.Kind.frame, .crop] {
                let rel = "evidence/\(folder)/\(key)-\(kind.rawValue).jpg"
                let path = dir.appendingPathComponent(rel)
                try FileManager.default.createDirectory(at: path.deletingLastPathComponent(), withIntermediateDirectories: true)
                let p = Process()
                p.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
                p.arguments = ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=64x48", "-frames:v", "1", path.path]
                try p.run(); p.waitUntilExit()
                XCTAssertEqual(p.terminationStatus, 0)
                files.append(EvidenceFile(kind: kind, path: rel, sha256: try sha256sum(path.path), width: 64, height: 48, bytes: 1))
            }
            try store.record(NewEvent(key: key, runID: r, sourceID: s, category: cat, code: CategoryCode.defaults[cat]!, zoneID: "frame",
                                      score: 0.9, box: box, firstSeen: .init(pts: start, date: t0.addingTimeInterval(start)),
                                      violation: .init(pts: start + 60, date: t0.addingTimeInterval(start + 60)),
                                      lastSeen: .init(pts: start + 300, date: t0.addingTimeInterval(start + 300)),
                                      site: "camera:market-cam", address: "人民路 12 号", latitude: 31.23, longitude: 121.47, evidence: files))
        }
        let g = StoredBox(x1: 0.4, y1: 0.6, x2: 0.55, y2: 0.8)
        try ev("g1", "garbage", g, 0)
        try ev("g2", "garbage", g, 600)
        try ev("a1", "illegal_ad", StoredBox(x1: 0.7, y1: 0.2, x2: 0.8, y2: 0.35), 0)
        try ev("v1", "street_vending", StoredBox(x1: 0.1, y1: 0.5, x2: 0.3, y2: 0.9), 100)
        return (dir, db)
    }

    func testListJSONHasTheDocumentedFields() throws {
        let (_, db) = try seededStore()
        let r = try CLI.run(["cases", "list", "--db", db, "--format", "json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let arr = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(arr.count, 3)
        for o in arr {
            for f in ["id", "category", "code", "status", "source", "first_seen", "last_seen", "occurrences", "location", "evidence"] {
                XCTAssertNotNil(o[f], "field \(f)")
            }
        }
        let garbage = try XCTUnwrap(arr.first { $0["category"] as? String == "garbage" })
        XCTAssertEqual(garbage["code"] as? String, "0102")
        XCTAssertEqual(garbage["occurrences"] as? Int, 2)
        XCTAssertEqual(garbage["status"] as? String, "new")
        XCTAssertEqual(garbage["source"] as? String, "market-cam")
        XCTAssertEqual(garbage["first_seen"] as? String, "2026-01-01T00:00:00Z")
        XCTAssertEqual(garbage["last_seen"] as? String, "2026-01-01T00:15:00Z")
        XCTAssertEqual((garbage["location"] as? [String: Any])?["address"] as? String, "人民路 12 号")
        let ev = try XCTUnwrap(garbage["evidence"] as? [[String: Any]])
        XCTAssertEqual(ev.count, 4)
        XCTAssertEqual(ev.first?["path"] as? String, "evidence/market-cam/g1-frame.jpg")
        XCTAssertEqual((ev.first?["sha256"] as? String)?.count, 64)
        XCTAssertEqual(Set(arr.compactMap { $0["category"] as? String }), ["garbage", "illegal_ad", "street_vending"])
    }

    func testTableCSVShowAndFilters() throws {
        let (_, db) = try seededStore()
        let table = try CLI.run(["cases", "list", "--db", db])
        XCTAssertEqual(table.status, 0)
        XCTAssertTrue(table.stdout.contains("0102 暴露垃圾"), table.stdout)
        XCTAssertEqual(table.stdout.split(separator: "\n").count, 4)
        let csv = try CLI.run(["cases", "list", "--db", db, "--format", "csv", "--category", "illegal_ad"])
        XCTAssertEqual(csv.stdout.split(separator: "\n").count, 2)
        XCTAssertTrue(csv.stdout.hasPrefix("id,category,code"))
        let show = try CLI.run(["cases", "show", "1", "--db", db])
        XCTAssertEqual(show.status, 0)
        XCTAssertTrue(show.stdout.contains("2 occurrence(s)"), show.stdout)
        XCTAssertTrue(show.stdout.contains("occurrence 2:"))
        let showJSON = try CLI.run(["cases", "show", "1", "--db", db, "--format", "json"])
        let o = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(showJSON.stdout.utf8)) as? [String: Any])
        XCTAssertEqual((o["events"] as? [Any])?.count, 2)
    }

    func testSetStatusWorkflowAndErrors() throws {
        let (_, db) = try seededStore()
        XCTAssertEqual(try CLI.run(["cases", "set-status", "1", "dispatched", "--db", db, "--note", "team 3"]).status, 0)
        let bad = try CLI.run(["cases", "set-status", "1", "closed", "--db", db])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("case 1 is dispatched: cannot become closed"), bad.stderr)
        XCTAssertEqual(bad.stderr.split(separator: "\n").count, 1)
        XCTAssertEqual(try CLI.run(["cases", "set-status", "2", "rejected", "--db", db]).status, 0)
        let rejected = try CLI.run(["cases", "list", "--db", db, "--status", "rejected", "--format", "json"])
        let arr = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(rejected.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(arr.map { $0["id"] as? Int }, [2])
        let missing = try CLI.run(["cases", "show", "99", "--db", db])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("no case 99"))
        let nodb = try CLI.run(["cases", "list", "--db", "/nonexistent/x.sqlite"])
        XCTAssertNotEqual(nodb.status, 0)
        XCTAssertTrue(nodb.stderr.contains("/nonexistent/x.sqlite"), nodb.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/nonexistent/x.sqlite"))
    }

    func testExportToFile() throws {
        let (dir, db) = try seededStore()
        let out = dir.appendingPathComponent("export.csv").path
        XCTAssertEqual(try CLI.run(["cases", "export", "--db", db, "--format", "csv", "--out", out]).status, 0)
        let text = try String(contentsOfFile: out, encoding: .utf8)
        XCTAssertEqual(text.split(separator: "\n").count, 4)
    }

    /// The report opens offline in headless Chromium and shows the cases, timelines and images,
    /// also when the evidence folder's name holds characters a URL reserves (`#`, `%`, space).
    func testReportRendersInChromium() throws {
        try renderInChromium(folder: "market-cam")
        try renderInChromium(folder: "cam#1 路%41")
    }

    func renderInChromium(folder: String) throws {
        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let (dir, db) = try seededStore(folder: folder)
        let out = dir.appendingPathComponent("report")
        let r = try CLI.run(["report", "--db", db, "--out", out.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let index = out.appendingPathComponent("index.html")
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("evidence/\(folder)/g1-crop.jpg").path))
        guard let chromium else { throw XCTSkip("chromium is not installed (make deps installs it)") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: chromium)
        p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                       "--user-data-dir=\(dir.appendingPathComponent("chrome").path)",
                       "--virtual-time-budget=5000", "--dump-dom", index.absoluteString]
        let pipe = Pipe()
        p.standardOutput = pipe; p.standardError = FileHandle.nullDevice
        try p.run()
        let dom = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertTrue(dom.contains("data-images-loaded=\"8\""), "all 8 thumbnails load offline (\(folder))")
        XCTAssertTrue(dom.contains("data-images-total=\"8\""))
        XCTAssertTrue(dom.contains("8 of 8 evidence images shown."))
        XCTAssertEqual(dom.components(separatedBy: "class=\"case\"").count - 1, 3)
        XCTAssertEqual(dom.components(separatedBy: "class=\"occurrence\"").count - 1, 4, "4 occurrences on the timeline")
        XCTAssertTrue(dom.contains("data-source=\"market-cam\""))
        XCTAssertTrue(dom.contains("暴露垃圾"))
    }
}
