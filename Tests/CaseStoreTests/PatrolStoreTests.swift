import Foundation
import XCTest
@testable import CaseStore

final class PatrolStoreTests: XCTestCase {
    func testPositionSourceIsStoredOnEventsAndCases() throws {
        for (name, store) in try stores(self) {
            let (s, r) = try sourceAndRun(store)
            let a = try store.record(event("p1", run: r, source: s, site: "patrol:car-1", lat: 22.5431, lon: 114.0579))
            try store.setPosition(eventKey: "p1", trackSource: "gpx:drive.gpx", method: .projected)
            XCTAssertEqual(try store.patrolInfo(eventKey: "p1"), PatrolInfo(trackSource: "gpx:drive.gpx", positionMethod: .projected), name)
            // A second occurrence 8 m away links to the case; the case keeps its first track source.
            let b = try store.record(event("p2", run: r, source: s, at: 1000, site: "patrol:car-1", lat: 22.54317, lon: 114.0579))
            XCTAssertEqual(a.caseID, b.caseID, name)
            try store.setPosition(eventKey: "p2", trackSource: "nmea:day2.nmea", method: .vehicle)
            XCTAssertEqual(try store.patrolInfo(caseID: a.caseID)?.trackSource, "gpx:drive.gpx", name)
            XCTAssertEqual(try store.patrolInfo(eventKey: "p2")?.positionMethod, .vehicle, name)
            XCTAssertThrowsError(try store.setPosition(eventKey: "nope", trackSource: nil, method: .camera), name)
            XCTAssertEqual(try store.check(), [], name)
        }
    }

    func testOpenCasesNearAPointNearestFirst() throws {
        for (name, store) in try stores(self) {
            let (s, r) = try sourceAndRun(store)
            let far = try store.record(event("f", run: r, source: s, site: "a", lat: 22.5450, lon: 114.0579))     // ~210 m
            let near = try store.record(event("n", run: r, source: s, site: "b", lat: 22.54312, lon: 114.0579))   // ~2 m
            let mid = try store.record(event("m", run: r, source: s, site: "c", lat: 22.5434, lon: 114.0581))     // ~39 m
            let rejected = try store.record(event("x", run: r, source: s, category: "illegal_ad", site: "d", lat: 22.5431, lon: 114.0579))
            try store.setStatus(caseID: rejected.caseID, to: .rejected)
            _ = try store.record(event("nopos", run: r, source: s, site: "e"))
            let found = try store.openCases(nearLatitude: 22.5431, longitude: 114.0579, radius: 50)
            XCTAssertEqual(found.map(\.id), [near.caseID, mid.caseID], name)
            XCTAssertEqual(try store.openCases(nearLatitude: 22.5431, longitude: 114.0579, radius: 500).count, 3, name)
            XCTAssertEqual(try store.openCases(nearLatitude: 22.5431, longitude: 114.0579, radius: 500, category: "illegal_ad").count, 0, name)
            XCTAssertTrue(try store.openCases(nearLatitude: 22.5431, longitude: 114.0579, radius: 500).contains { $0.id == far.caseID })
        }
    }

    func testClearingEndsTheCasesEvents() throws {
        for (name, store) in try stores(self) {
            let (s, r) = try sourceAndRun(store)
            let a = try store.record(event("c1", run: r, source: s, site: "p", lat: 22.5431, lon: 114.0579))
            let when = t0.addingTimeInterval(3600)
            try store.markCleared(caseID: a.caseID, at: when)
            XCTAssertEqual(try store.patrolInfo(caseID: a.caseID)?.clearedAt, when, name)
            XCTAssertTrue(try store.events(caseID: a.caseID).allSatisfy(\.ended), name)
        }
    }

    func testDrivesAreStoredOncePerSourceAndTrack() throws {
        for (name, store) in try stores(self) {
            let (s, r) = try sourceAndRun(store)
            let pieces = [[DrivePoint(latitude: 22.5431, longitude: 114.0579, time: 0), DrivePoint(latitude: 22.5432, longitude: 114.0579, time: 1)],
                          [DrivePoint(latitude: 22.5440, longitude: 114.0579, time: 60), DrivePoint(latitude: 22.5441, longitude: 114.0579, time: 61)]]
            try store.saveDrive(sourceID: s, runID: r, trackSource: "gpx:d.gpx", pieces: pieces, startedAt: t0,
                                endedAt: t0.addingTimeInterval(61), lengthMetres: 22.2)
            let r2 = try store.beginRun(sourceID: s, model: "m", configDigest: nil)
            try store.saveDrive(sourceID: s, runID: r2, trackSource: "gpx:d.gpx", pieces: pieces, startedAt: t0,
                                endedAt: t0.addingTimeInterval(61), lengthMetres: 22.2)
            let drives = try store.drives()
            XCTAssertEqual(drives.count, 1, "a re-run replaces the drive: \(name)")
            XCTAssertEqual(drives[0].runID, r2)
            XCTAssertEqual(drives[0].pieces, pieces)
            XCTAssertEqual(drives[0].trackSource, "gpx:d.gpx")
        }
    }
}
