import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Reads GPX 1.0/1.1 tracks: every `trkpt` of every `trk`/`trkseg`, in document order, with
/// `time` (required), `ele`, and course/speed when present (GPX 1.0 `course`/`speed`, or
/// extension elements named `course`, `heading`, `speed`, as Garmin's TrackPointExtension
/// writes them). Route points and waypoints are ignored. GPX times are UTC.
enum GPXReader {
    static func read(text: String, name: String, options: TrackReadOptions) throws -> GPSTrack {
        let delegate = Delegate(options: options)
        let parser = XMLParser(data: Data(text.utf8))
        parser.shouldProcessNamespaces = true
        parser.delegate = delegate
        let ok = parser.parse()
        if !ok || delegate.error != nil {
            let err = (delegate.error?.0 ?? parser.parserError).map(Self.reason) ?? "unknown XML error"
            throw TrackError(.malformed, input: name, line: delegate.error?.1 ?? parser.lineNumber,
                             reason: "not well-formed GPX XML (\(err))")
        }
        if !delegate.sawGPX {
            throw TrackError(.malformed, input: name, reason: "no <gpx> root element; not a GPX file")
        }
        var track = GPSTrack(timeReference: .wallClock, source: TrackSource(format: .gpx, name: name), maxGap: options.maxGap)
        for w in delegate.warnings { track.warn(w.line, w.message) }
        for p in delegate.points { track.append(p) }
        if delegate.trkptCount == 0 {
            throw TrackError(.empty, input: name, reason: "the GPX file has no <trkpt> track points")
        }
        track.warnings.sort { ($0.line ?? 0) < ($1.line ?? 0) }
        return track
    }

    /// The parser's error in words. Foundation's XMLParser passes libxml2's error numbers on
    /// ("NSXMLParserErrorDomain error 5"): the common ones are named here.
    static func reason(_ error: Error) -> String {
        let ns = error as NSError
        guard ns.domain == XMLParser.errorDomain else { return ns.localizedDescription }
        let names: [Int: String] = [
            4: "the document is empty", 5: "the document ends before its elements are closed",
            9: "a character that XML does not allow", 26: "an entity that is not declared",
            34: "a string that is not closed", 37: "an entity that is not finished",
            39: "an attribute value without quotes", 41: "an attribute without a value",
            42: "an attribute given twice", 64: "a name reserved by XML", 68: "a name expected",
            72: "'<' expected", 73: "'>' expected", 74: "'</' expected", 75: "'=' expected",
            76: "a closing tag that does not match the opening one", 77: "a tag that is not closed",
            81: "text that is not in its declared encoding", 85: "elements that are not balanced",
            86: "extra content after the root element", 89: "entities that refer to themselves or expand too far",
            90: "an entity that crosses an element's boundary",
        ]
        return names[ns.code] ?? "XML error \(ns.code)"
    }

    private final class Delegate: NSObject, XMLParserDelegate {
        let options: TrackReadOptions
        var points: [TrackPoint] = []
        var warnings: [TrackWarning] = []
        var sawGPX = false
        var trkptCount = 0
        var error: (Error, Int)?
        private var current: (lat: Double?, lon: Double?, line: Int)?
        private var fields: [String: String] = [:]
        private var text = ""

        init(options: TrackReadOptions) { self.options = options }

        func parser(_ parser: XMLParser, didStartElement element: String, namespaceURI: String?,
                    qualifiedName: String?, attributes: [String: String] = [:]) {
            let local = element.split(separator: ":").last.map(String.init) ?? element
            if local == "gpx" { sawGPX = true }
            if local == "trkpt" {
                trkptCount += 1
                current = (attributes["lat"].flatMap { Double($0.trimmingCharacters(in: .whitespaces)) },
                           attributes["lon"].flatMap { Double($0.trimmingCharacters(in: .whitespaces)) },
                           parser.lineNumber)
                fields = [:]
            }
            text = ""
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

        func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) {
            if error == nil { error = (parseError, parser.lineNumber) }
        }

        func parser(_ parser: XMLParser, didEndElement element: String, namespaceURI: String?, qualifiedName: String?) {
            let local = element.split(separator: ":").last.map(String.init) ?? element
            guard let cur = current else { return }
            if local == "trkpt" {
                finish(cur)
                current = nil
            } else if ["time", "ele", "course", "heading", "speed"].contains(local) {
                fields[local] = text.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            text = ""
        }

        private func finish(_ cur: (lat: Double?, lon: Double?, line: Int)) {
            guard let lat = cur.lat, let lon = cur.lon, abs(lat) <= 90, abs(lon) <= 180 else {
                warnings.append(TrackWarning(line: cur.line, message: "trkpt has a missing or invalid lat/lon attribute; skipped"))
                return
            }
            guard let ts = fields["time"] else {
                warnings.append(TrackWarning(line: cur.line, message: "trkpt has no <time>; skipped"))
                return
            }
            guard let t = DateTimeParser.parse(ts, defaultUTCOffset: 0) else {
                warnings.append(TrackWarning(line: cur.line, message: "trkpt time '\(ts)' is not ISO 8601; skipped"))
                return
            }
            points.append(TrackPoint(time: t, coordinate: Coordinate(latitude: lat, longitude: lon),
                                     heading: (fields["course"] ?? fields["heading"]).flatMap(Double.init),
                                     speed: fields["speed"].flatMap(Double.init),
                                     altitude: fields["ele"].flatMap(Double.init), line: cur.line))
        }
    }
}
