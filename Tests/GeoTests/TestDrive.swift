import Foundation
@testable import Geo

/// Drives the tests make: legs of constant heading and speed, sampled at a fixed rate.
struct TestDrive {
    /// 2026-11-29T08:00:00Z
    static let t0 = DateTimeParser.parse("2026-11-29T08:00:00Z")!
    static let origin = Coordinate(latitude: 22.543100, longitude: 114.057900)

    struct Leg { var heading: Double; var metres: Double }

    var points: [TrackPoint] = []

    /// Drives `legs` from `start` at `speed` m/s, one fix every `interval` s from `startTime`.
    init(legs: [Leg], speed: Double = 8, interval: Double = 1, start: Coordinate = TestDrive.origin,
         startTime: Double = TestDrive.t0) {
        var pos = start
        var t = startTime
        points.append(TrackPoint(time: t, coordinate: pos, heading: legs.first?.heading, speed: speed))
        for leg in legs {
            var left = leg.metres
            while left > 1e-9 {
                let step = min(left, speed * interval)
                pos = Earth.destination(from: pos, distance: step, bearing: leg.heading)
                t += step / speed
                left -= step
                points.append(TrackPoint(time: t, coordinate: pos, heading: leg.heading, speed: speed))
            }
        }
    }

    /// A 200 m × 120 m block driven clockwise `laps` times (east, south, west, north).
    static func block(laps: Int, speed: Double = 8, interval: Double = 1) -> TestDrive {
        let lap = [Leg(heading: 90, metres: 200), Leg(heading: 180, metres: 120),
                   Leg(heading: 270, metres: 200), Leg(heading: 0, metres: 120)]
        return TestDrive(legs: Array(repeating: lap, count: laps).flatMap { $0 }, speed: speed, interval: interval)
    }

    func track(_ reference: TimeReference = .wallClock) -> GPSTrack {
        GPSTrack(points: points, timeReference: reference, source: TrackSource(format: .csv, name: "test"))
    }

    /// Points with times relative to the first fix (for clip-time formats).
    var clipRelative: [TrackPoint] {
        points.map { var p = $0; p.time -= points[0].time; return p }
    }
}

func tempDir() -> String {
    let dir = NSTemporaryDirectory() + "geo-tests-\(UUID().uuidString)"
    try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}
