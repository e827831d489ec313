import Foundation
import XCTest
@testable import CaseStore

final class CaseStoreTests: XCTestCase {
    func testSchemaModeAndForeignKeys() throws {
        for (name, store) in try stores(self) {
            XCTAssertEqual(try store.appliedMigrations(), ["v1-sources-runs-cases-events-evidence", "v2-patrol-track-source-drives"], name)
            if name == "disk" { XCTAssertEqual(try store.journalMode(), "wal") }
            let (s, _) = try sourceAndRun(store)
            XCTAssertThrowsError(try store.record(event("bad-run", run: 999, source: s)), name) { e in
                XCTAssertTrue("\(e)".contains("FOREIGN KEY"), "\(e)")
            }
            XCTAssertEqual(try store.cases().count, 0, "\(name): the failed event left no case behind")
        }
    }

    func testReopeningKeepsDataAndMigratesOnce() throws {
        let dir = try temporaryFolder(self)
        let path = dir.appendingPathComponent("db.sqlite").path
        do {
            let store = try CaseStore(path: path)
            let (s, r) = try sourceAndRun(store)
            try store.record(event("e1", run: r, source: s))
        }
        let again = try CaseStore(path: path)
        XCTAssertEqual(try again.cases().count, 1)
        XCTAssertEqual(try again.appliedMigrations().count, 2)
    }

    func testRecordingIsIdempotentByKey() throws {
        for (name, store) in try stores(self) {
            let (s, r) = try sourceAndRun(store)
            let a = try store.record(event("k1", run: r, source: s))
            XCTAssertTrue(a.inserted && a.newCase, name)
            let r2 = try store.beginRun(sourceID: s, model: "m", configDigest: nil)
            let b = try store.record(event("k1", run: r2, source: s))
            XCTAssertFalse(b.inserted, name)
            XCTAssertEqual(a.caseID, b.caseID)
            XCTAssertEqual(try store.events().count, 1, name)
            XCTAssertEqual(try store.cases().first?.occurrences, 1, name)
            XCTAssertEqual(try store.runs(sourceID: s).map(\.status), ["interrupted", "running"], name)
        }
    }

    func testRecurrenceAtSamePlaceLinksToEarlierCase() throws {
        for (name, store) in try stores(self) {
            let (s, r) = try sourceAndRun(store)
            let first = try store.record(event("g1", run: r, source: s, at: 0))
            let second = try store.record(event("g2", run: r, source: s,
                                                box: StoredBox(x1: 0.41, y1: 0.61, x2: 0.56, y2: 0.8), at: 600))
            XCTAssertTrue(first.newCase); XCTAssertFalse(second.newCase, name)
            XCTAssertEqual(first.caseID, second.caseID)
            let c = try XCTUnwrap(store.caseRecord(id: first.caseID))
            XCTAssertEqual(c.occurrences, 2, name)
            XCTAssertEqual(c.firstSeen, t0)
            XCTAssertEqual(c.lastSeen, t0.addingTimeInterval(900))
            XCTAssertEqual(c.evidence.count, 4)
            XCTAssertEqual(c.code, "0102"); XCTAssertEqual(c.codeName, "暴露垃圾")
            XCTAssertEqual(c.source, "cam-1")
        }
    }

    func testDifferentPlaceCategoryOrSiteOpensNewCases() throws {
        for (name, store) in try stores(self) {
            let (s, r) = try sourceAndRun(store)
            try store.record(event("a", run: r, source: s))
            try store.record(event("b", run: r, source: s, box: StoredBox(x1: 0.0, y1: 0.0, x2: 0.1, y2: 0.1)))
            try store.record(event("c", run: r, source: s, category: "illegal_ad"))
            try store.record(event("d", run: r, source: s, site: "camera:cam-2"))
            XCTAssertEqual(try store.cases().count, 4, name)
            XCTAssertEqual(try store.cases(category: "illegal_ad").first?.code, "0201")
        }
    }

    func testClosedCaseIsNotReopenedAndOldCasesExpire() throws {
        for (name, store) in try stores(self) {
            let (s, r) = try sourceAndRun(store)
            let a = try store.record(event("a", run: r, source: s))
            for st in [CaseStatus.dispatched, .resolved, .closed] { try store.setStatus(caseID: a.caseID, to: st) }
            XCTAssertTrue(try store.record(event("b", run: r, source: s, at: 1000)).newCase, name)
            let far = try store.record(event("c", run: r, source: s, at: 1000 + 8 * 86400))
            XCTAssertTrue(far.newCase, "\(name): beyond the link window")
        }
    }

    func testCoordinatesLinkWithinRadius() throws {
        for (name, store) in try stores(self) {
            let (s, r) = try sourceAndRun(store, camera: nil)
            let a = try store.record(event("p1", run: r, source: s, site: "patrol:van-7", lat: 31.2304, lon: 121.4737))
            // 8 m north, other box: same place.
            let b = try store.record(event("p2", run: r, source: s, box: StoredBox(x1: 0, y1: 0, x2: 0.1, y2: 0.1),
                                           at: 3600, site: "patrol:van-7", lat: 31.23047, lon: 121.4737))
            // ~110 m north: another place.
            let c = try store.record(event("p3", run: r, source: s, at: 7200, site: "patrol:van-7", lat: 31.2314, lon: 121.4737))
            XCTAssertEqual(a.caseID, b.caseID, name)
            XCTAssertNotEqual(a.caseID, c.caseID, name)
            XCTAssertEqual(CaseStore.metres(31.2304, 121.4737, 31.2314, 121.4737), 111.2, accuracy: 0.5)
        }
    }

    /// A fixed camera's coordinates are the camera's: two places in its view are two cases, and
    /// only box overlap links its occurrences (two vendors on opposite sides of one street).
    func testFixedCameraCoordinatesDoNotMergeItsView() throws {
        for (name, store) in try stores(self) {
            let (s, r) = try sourceAndRun(store)
            let left = StoredBox(x1: 0.05, y1: 0.5, x2: 0.2, y2: 0.9), right = StoredBox(x1: 0.8, y1: 0.5, x2: 0.95, y2: 0.9)
            let a = try store.record(event("f1", run: r, source: s, box: left, site: "camera:market", lat: 31.2304, lon: 121.4737))
            let b = try store.record(event("f2", run: r, source: s, box: right, site: "camera:market", lat: 31.2304, lon: 121.4737))
            let c = try store.record(event("f3", run: r, source: s, box: left, at: 3600, site: "camera:market", lat: 31.2304, lon: 121.4737))
            XCTAssertNotEqual(a.caseID, b.caseID, "\(name): two places in one view")
            XCTAssertEqual(a.caseID, c.caseID, "\(name): the same place again")
            // Another fixed camera at the same coordinates: its view is another place.
            let d = try store.record(event("f4", run: r, source: s, box: left, site: "camera:corner", lat: 31.2304, lon: 121.4737))
            XCTAssertTrue(d.newCase, name)
        }
    }

    func testStatusWorkflow() throws {
        for (name, store) in try stores(self) {
            let (s, r) = try sourceAndRun(store)
            let a = try store.record(event("a", run: r, source: s))
            XCTAssertThrowsError(try store.setStatus(caseID: a.caseID, to: .closed)) { e in
                XCTAssertEqual("\(e)".contains("case \(a.caseID) is new: cannot become closed"), true, "\(e)")
            }
            try store.setStatus(caseID: a.caseID, to: .dispatched, note: "to team 3")
            try store.setStatus(caseID: a.caseID, to: .resolved)
            try store.setStatus(caseID: a.caseID, to: .closed)
            XCTAssertThrowsError(try store.setStatus(caseID: a.caseID, to: .new))
            let b = try store.record(event("b", run: r, source: s, category: "illegal_ad"))
            try store.setStatus(caseID: b.caseID, to: .rejected, note: "shop sign")
            XCTAssertEqual(try store.cases(status: .rejected).map(\.id), [b.caseID], "rejected cases are kept")
            XCTAssertEqual(try store.statusHistory(caseID: a.caseID).map(\.to), ["dispatched", "resolved", "closed"], name)
            XCTAssertEqual(try store.statusHistory(caseID: a.caseID).first?.note, "to team 3")
            XCTAssertThrowsError(try store.setStatus(caseID: 4242, to: .dispatched))
        }
    }

    func testUpdateEventOnlyMovesForward() throws {
        for (name, store) in try stores(self) {
            let (s, r) = try sourceAndRun(store)
            let a = try store.record(event("a", run: r, source: s, length: 200))
            try store.updateEvent(key: "a", lastSeen: Moment(pts: 500, date: t0.addingTimeInterval(500)), ended: false)
            try store.updateEvent(key: "a", lastSeen: Moment(pts: 300, date: t0.addingTimeInterval(300)), ended: true)
            let e = try XCTUnwrap(store.events(caseID: a.caseID).first)
            XCTAssertEqual(e.lastSeen.pts, 500, name)
            XCTAssertTrue(e.ended)
            XCTAssertEqual(try store.caseRecord(id: a.caseID)?.lastSeen, t0.addingTimeInterval(500))
        }
    }

    func testDuplicateEvidencePathRollsBackTheWholeEvent() throws {
        for (name, store) in try stores(self) {
            let (s, r) = try sourceAndRun(store)
            let shared = [EvidenceFile(kind: .frame, path: "evidence/same.jpg", sha256: "x", width: 1, height: 1, bytes: 1)]
            try store.record(event("a", run: r, source: s, evidence: shared))
            XCTAssertThrowsError(try store.record(event("b", run: r, source: s, box: StoredBox(x1: 0, y1: 0, x2: 0.1, y2: 0.1), evidence: shared)))
            XCTAssertEqual(try store.events().count, 1, name)
            XCTAssertEqual(try store.cases().count, 1, "\(name): no case without its event")
            XCTAssertEqual(try store.check(), [], name)
        }
    }

    /// Separate connections (as separate processes would have) writing at once never fail with
    /// "database is locked".
    func testConcurrentWritersNeverSeeLocked() throws {
        let dir = try temporaryFolder(self)
        let path = dir.appendingPathComponent("db.sqlite").path
        let writers = 4, perWriter = 40
        let errors = NSMutableArray()
        DispatchQueue.concurrentPerform(iterations: writers) { w in
            do {
                let store = try CaseStore(path: path)
                let (s, r) = try sourceAndRun(store, key: "sha256:w\(w)", camera: "cam-\(w)")
                for i in 0..<perWriter {
                    try store.record(event("w\(w)-\(i)", run: r, source: s, at: Double(i) * 1000, length: 10, site: "camera:cam-\(w)"))
                    try store.updateRun(id: r, frames: i, samples: i, mediaSeconds: Double(i))
                }
                try store.finishRun(id: r, status: "complete", frames: perWriter, samples: perWriter, mediaSeconds: 0)
            } catch {
                errors.add("\(error)")
            }
        }
        XCTAssertEqual(errors.count, 0, "\(errors)")
        let store = try CaseStore(path: path)
        XCTAssertEqual(try store.events().count, writers * perWriter)
        XCTAssertEqual(try store.cases().count, writers, "each writer's recurrences link to its one case")
        XCTAssertEqual(try store.cases().map(\.occurrences), Array(repeating: perWriter, count: writers))
        XCTAssertEqual(try store.check(), [])
    }

    func testUnopenablePathNamesIt() {
        XCTAssertThrowsError(try CaseStore(path: "/proc/nope/db.sqlite")) { e in
            XCTAssertTrue("\(e)".contains("/proc/nope/db.sqlite"), "\(e)")
        }
    }
}
