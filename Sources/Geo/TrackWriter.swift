import Foundation

/// Writes tracks in the formats `TrackReader` reads: for exporting a drive and for tests and
/// simulators that need a matching track for a generated clip.
public enum TrackWriter {
    /// Subtitle telemetry flavours.
    public enum SRTStyle: Sendable {
        /// DJI Mini/Air style: `[latitude: …] [longitude: …]` with a local date-time line.
        case dji
        /// Older DJI style: `GPS(lon,lat,alt)`.
        case djiLegacy
        /// Novatek-style dashcam: `2026/11/29 08:00:00 N22.543210 E114.057890 30 km/h`.
        case dashcam
    }

    /// GPX 1.1 with one track segment; times in UTC with milliseconds; course and speed as
    /// GPX 1.0-style child elements (which `TrackReader` reads back).
    public static func gpx(_ points: [TrackPoint], name: String = "drive") -> String {
        var s = """
        <?xml version="1.0" encoding="UTF-8"?>
        <gpx version="1.1" creator="StreetWarden" xmlns="http://www.topografix.com/GPX/1/1">
        <trk><name>\(escape(name))</name><trkseg>

        """
        for p in points {
            s += String(format: "<trkpt lat=\"%.7f\" lon=\"%.7f\">", p.coordinate.latitude, p.coordinate.longitude)
            if let a = p.altitude { s += String(format: "<ele>%.1f</ele>", a) }
            s += "<time>\(DateTimeParser.iso8601(p.time))</time>"
            if let h = p.heading { s += String(format: "<course>%.1f</course>", h) }
            if let v = p.speed { s += String(format: "<speed>%.2f</speed>", v) }
            s += "</trkpt>\n"
        }
        return s + "</trkseg></trk>\n</gpx>\n"
    }

    /// NMEA 0183: an RMC and a GGA sentence per fix (times are seconds since 1970, UTC),
    /// with checksums.
    public static func nmea(_ points: [TrackPoint], talker: String = "GP") -> String {
        var s = ""
        for p in points {
            let (hms, dmy) = nmeaTime(p.time)
            let (lat, ns) = nmeaAngle(p.coordinate.latitude, degreeDigits: 2, positive: "N", negative: "S")
            let (lon, ew) = nmeaAngle(p.coordinate.longitude, degreeDigits: 3, positive: "E", negative: "W")
            let knots = (p.speed ?? 0) * 3600 / 1852
            let course = p.heading.map { String(format: "%.1f", $0) } ?? ""
            let rmc = "\(talker)RMC,\(hms),A,\(lat),\(ns),\(lon),\(ew),\(String(format: "%.2f", knots)),\(course),\(dmy),,,A"
            let alt = String(format: "%.1f", p.altitude ?? 0)
            let gga = "\(talker)GGA,\(hms),\(lat),\(ns),\(lon),\(ew),1,08,0.9,\(alt),M,0.0,M,,"
            s += "$\(gga)*\(NMEAParser.checksum(gga))\r\n$\(rmc)*\(NMEAParser.checksum(rmc))\r\n"
        }
        return s
    }

    /// CSV with a header: `time,lat,lon,heading,speed` (ISO 8601 times), or with `t` (clip
    /// seconds) when `clipTime` is set.
    public static func csv(_ points: [TrackPoint], clipTime: Bool = false) -> String {
        var s = clipTime ? "t,lat,lon,heading,speed\n" : "time,lat,lon,heading,speed\n"
        for p in points {
            let t = clipTime ? String(format: "%.3f", p.time) : DateTimeParser.iso8601(p.time)
            s += "\(t),\(String(format: "%.7f,%.7f", p.coordinate.latitude, p.coordinate.longitude)),"
            s += (p.heading.map { String(format: "%.1f", $0) } ?? "") + ","
            s += (p.speed.map { String(format: "%.2f", $0) } ?? "") + "\n"
        }
        return s
    }

    /// SubRip telemetry: one cue per fix from its clip time to the next fix's. `clipStart` is
    /// the wall-clock time (seconds since 1970) of clip time 0, written as local time with
    /// `localUTCOffset`.
    public static func srt(_ points: [TrackPoint], style: SRTStyle, clipStart: Double = 0, localUTCOffset: Double = 0) -> String {
        var s = ""
        for (i, p) in points.enumerated() {
            let end = i + 1 < points.count ? points[i + 1].time : p.time + 1
            let local = DateTimeParser.iso8601(clipStart + p.time + localUTCOffset)
            let stamp = String(local.dropLast().replacingOccurrences(of: "T", with: " "))  // local, no zone
            s += "\(i + 1)\n\(srtTime(p.time)) --> \(srtTime(end))\n"
            let lat = p.coordinate.latitude, lon = p.coordinate.longitude
            switch style {
            case .dji:
                s += "<font size=\"28\">FrameCnt: \(i + 1), DiffTime: \(Int(((end - p.time) * 1000).rounded()))ms\n\(stamp)\n"
                s += String(format: "[iso: 100] [shutter: 1/500.0] [fnum: 2.8] [ev: 0] [latitude: %.6f] [longitude: %.6f] [rel_alt: 1.500 abs_alt: %.3f] </font>\n",
                            lat, lon, p.altitude ?? 0)
            case .djiLegacy:
                let pos = String(format: "%.6f,%.6f", lon, lat)
                s += "HOME(\(pos)) \(stamp.replacingOccurrences(of: "-", with: "."))\n"
                s += "GPS(\(pos),\(String(format: "%.0f", p.altitude ?? 0))) BAROMETER:1.5\n"
            case .dashcam:
                let kmh = (p.speed ?? 0) * 3.6
                s += stamp.replacingOccurrences(of: "-", with: "/") + " "
                s += (lat >= 0 ? "N" : "S") + String(format: "%.6f ", abs(lat)) + (lon >= 0 ? "E" : "W") + String(format: "%.6f %.0f km/h", abs(lon), kmh)
                if let h = p.heading { s += String(format: " HDG: %.1f", h) }
                s += "\n"
            }
            s += "\n"
        }
        return s
    }

    static func srtTime(_ t: Double) -> String {
        let ms = Int((t * 1000).rounded())
        return String(format: "%02d:%02d:%02d,%03d", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000)
    }

    static func nmeaTime(_ t: Double) -> (String, String) {
        let iso = DateTimeParser.iso8601(t)  // 2026-11-29T08:00:00.250Z
        let c = Array(iso)
        let hms = String(c[11..<13]) + String(c[14..<16]) + String(c[17..<19]) + "." + String(c[20..<22])
        let dmy = String(c[8..<10]) + String(c[5..<7]) + String(c[2..<4])
        return (hms, dmy)
    }

    static func nmeaAngle(_ v: Double, degreeDigits: Int, positive: String, negative: String) -> (String, String) {
        let a = abs(v)
        var deg = Int(a)
        var minutes = (a - Double(deg)) * 60
        if (minutes * 100_000).rounded() >= 6_000_000 { deg += 1; minutes = 0 }
        let text = String(format: "%0\(degreeDigits)d%08.5f", deg, minutes)
        return (text, v < 0 ? negative : positive)
    }
}
