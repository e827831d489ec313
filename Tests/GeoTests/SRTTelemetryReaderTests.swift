import XCTest
@testable import Geo

final class SRTTelemetryReaderTests: XCTestCase {
    func testAllStylesRoundTripInClipTime() throws {
        let drive = TestDrive.block(laps: 1)
        for style in [TrackWriter.SRTStyle.dji, .djiLegacy, .dashcam] {
            let text = TrackWriter.srt(drive.clipRelative, style: style, clipStart: TestDrive.t0, localUTCOffset: 8 * 3600)
            let t = try TrackReader.read(text: text, name: "DJI_0001.SRT", format: nil)
            XCTAssertEqual(t.source.format, .srt)
            XCTAssertEqual(t.timeReference, .clipTime, "\(style)")
            XCTAssertEqual(t.points.count, drive.points.count, "\(style)")
            XCTAssertTrue(t.warnings.isEmpty, "\(style): \(t.warnings.prefix(2))")
            for (a, b) in zip(t.points, drive.clipRelative) {
                XCTAssertEqual(a.time, b.time, accuracy: 1e-3)
                XCTAssertEqual(Earth.distance(a.coordinate, b.coordinate), 0, accuracy: 0.1, "\(style)")
            }
            if style == .dashcam {
                XCTAssertEqual(t.points[3].speed!, 8, accuracy: 0.2)
                XCTAssertEqual(t.points[3].heading, 90)
            }
        }
    }

    func testWallClockFromTheWrittenLocalTime() throws {
        let drive = TestDrive(legs: [.init(heading: 90, metres: 40)])
        let text = TrackWriter.srt(drive.clipRelative, style: .dji, clipStart: TestDrive.t0, localUTCOffset: 8 * 3600)
        let t = try TrackReader.read(text: text, name: "a.srt", format: .srt,
                                     options: .init(localUTCOffset: 8 * 3600, subtitleWallClock: true))
        XCTAssertEqual(t.timeReference, .wallClock)
        XCTAssertEqual(t.startTime!, TestDrive.t0, accuracy: 1e-3)
    }

    func testRealWorldCueShapes() {
        let text = """
        1
        00:00:00,000 --> 00:00:00,033
        <font size="28">SrtCnt : 1, DiffTime : 33ms
        2023-05-01 10:20:30.123
        [iso : 110] [shutter : 1/200.0] [fnum : 280] [ev : 0] [ct : 5064] [color_md : default] [focal_len : 240] [latitude : 22.543210] [longtitude : 114.057890] [altitude: 35.5] </font>

        2
        00:00:01,000 --> 00:00:02,000
        HOME(114.0578,22.5432) 2017.08.05 14:11:51
        GPS (114.0579, -22.5433, 19) BAROMETER:1.9

        3
        00:00:02,000 --> 00:00:03,000
        2024/01/02 03:04:05 A,22.543300N,114.057900E,45km/h

        4
        00:00:03,000 --> 00:00:04,000
        S:33.8688 W:151.2093 28 mph heading: 270
        """
        let (cues, _) = SRTTelemetryReader.cues(in: text)
        XCTAssertEqual(cues.count, 4)
        XCTAssertEqual(cues[0].coordinate, Coordinate(latitude: 22.54321, longitude: 114.05789))
        XCTAssertEqual(cues[0].altitude, 35.5)
        XCTAssertEqual(cues[0].wallClock!, DateTimeParser.parse("2023-05-01T10:20:30.123Z")!, accuracy: 1e-6)
        XCTAssertEqual(cues[0].end, 0.033, accuracy: 1e-9)
        XCTAssertEqual(cues[1].coordinate, Coordinate(latitude: -22.5433, longitude: 114.0579))
        XCTAssertEqual(cues[1].altitude, 19)
        XCTAssertEqual(cues[2].coordinate, Coordinate(latitude: 22.5433, longitude: 114.0579))
        XCTAssertEqual(cues[2].speed!, 12.5, accuracy: 1e-9)
        XCTAssertEqual(cues[3].coordinate, Coordinate(latitude: -33.8688, longitude: -151.2093))
        XCTAssertEqual(cues[3].speed!, 28 * 0.44704, accuracy: 1e-9)
        XCTAssertEqual(cues[3].heading, 270)
    }

    func testCuesWithoutPositionAndZeroFixesAreWarned() throws {
        let text = """
        1
        00:00:00,000 --> 00:00:01,000
        [latitude: 0.000000] [longitude: 0.000000]

        2
        00:00:01,000 --> 00:00:02,000
        ISO:100 Shutter:60

        3
        00:00:02,000 --> 00:00:03,000
        [latitude: 22.5431] [longitude: 114.0579]

        4
        00:00:03,000 --> 00:00:04,000
        [latitude: 22.5432] [longitude: 114.0579]

        5
        00:99:99,000 --> 01:40:40,000
        [latitude: 22.5433] [longitude: 114.0579]
        """
        let t = try TrackReader.read(text: text, name: "z.srt", format: .srt)
        XCTAssertEqual(t.points.count, 2)
        XCTAssertEqual(t.warnings.map(\.description), ["line 2: cue position is 0,0 (no GPS fix); skipped",
                                                       "line 6: cue has no recognisable latitude/longitude; skipped",
                                                       "line 18: timecode with minutes or seconds above 59; cue skipped"])
    }

    func testSubtitlesWithoutTelemetryAreAClearError() {
        let text = "1\n00:00:00,000 --> 00:00:02,000\nHello there\n\n2\n00:00:02,000 --> 00:00:04,000\nGeneral Kenobi\n"
        XCTAssertThrowsError(try TrackReader.read(text: text, name: "movie.srt", format: .srt)) {
            XCTAssertEqual("\($0)", "movie.srt: 2 subtitle cues but none holds coordinates in a known telemetry format (see docs/patrol.md)")
        }
        XCTAssertThrowsError(try TrackReader.read(text: "just text", name: "t.srt", format: .srt)) {
            XCTAssertTrue("\($0)".contains("no subtitle cues"))
        }
    }
}

final class SRTCueInputTests: XCTestCase {
    func testCuesFromAContainerStream() throws {
        let drive = TestDrive(legs: [.init(heading: 90, metres: 40)])
        let cues = drive.clipRelative.map { p in
            (start: p.time, end: p.time + 1,
             text: String(format: "[latitude: %.6f]\n[longitude: %.6f]", p.coordinate.latitude, p.coordinate.longitude))
        }
        let t = try SRTTelemetryReader.read(cues: cues, name: "clip.mp4#subtitles", options: .init(timeOffset: 0.5))
        XCTAssertEqual(t.source.format, .embeddedSubtitles)
        XCTAssertEqual(t.source.description, "srt-stream:clip.mp4#subtitles@+0.500s")
        XCTAssertEqual(t.points.count, drive.points.count)
        XCTAssertEqual(t.startTime, 0.5)
        XCTAssertThrowsError(try SRTTelemetryReader.read(cues: [], name: "x")) { XCTAssertEqual(($0 as! TrackError).kind, .empty) }
        XCTAssertThrowsError(try SRTTelemetryReader.read(cues: [(0, 1, "hello")], name: "x"))
    }
}
