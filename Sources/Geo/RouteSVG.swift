import Foundation

/// Draws drives and case markers as a self-contained SVG (no map tiles), for the offline HTML
/// report. Positions are projected with a local equirectangular projection around the centre
/// of everything drawn (north up, equal metres in x and y), which over a city district
/// distorts distances by well under 1 %.
public struct RouteSVG: Sendable {
    /// One drive's route, drawn as a polyline (split at gaps).
    public struct Line: Sendable {
        public var label: String
        /// Consecutive runs of positions; each run is one polyline.
        public var pieces: [[Coordinate]]
        public var colour: String

        public init(label: String, pieces: [[Coordinate]], colour: String = "#3366cc") {
            self.label = label
            self.pieces = pieces
            self.colour = colour
        }

        /// A line from a track, split where the track has gaps.
        public init(track: GPSTrack, label: String? = nil, colour: String = "#3366cc") {
            var pieces: [[Coordinate]] = [[]]
            for (i, p) in track.points.enumerated() {
                if i > 0, p.time - track.points[i - 1].time > track.maxGap { pieces.append([]) }
                pieces[pieces.count - 1].append(p.coordinate)
            }
            self.init(label: label ?? track.source.name, pieces: pieces.filter { !$0.isEmpty }, colour: colour)
        }
    }

    /// A case drawn as a circle with a label.
    public struct Marker: Sendable {
        public var position: Coordinate
        public var label: String
        public var colour: String
        /// Text shown on hover (SVG `<title>`).
        public var title: String?

        public init(position: Coordinate, label: String, colour: String = "#d62728", title: String? = nil) {
            self.position = position
            self.label = label
            self.colour = colour
            self.title = title
        }
    }

    public var lines: [Line] = []
    public var markers: [Marker] = []
    /// Pixels.
    public var width: Double = 640
    public var height: Double = 480
    public var padding: Double = 24

    public init(lines: [Line] = [], markers: [Marker] = [], width: Double = 640, height: Double = 480) {
        self.lines = lines
        self.markers = markers
        self.width = width
        self.height = height
    }

    /// Colour for a class name (the report's legend uses the same ones).
    public static func colour(forClass name: String) -> String {
        switch name {
        case "street_vending": return "#e67e22"
        case "garbage": return "#16a085"
        case "illegal_ad": return "#8e44ad"
        default: return "#9467bd"
        }
    }

    /// The projection used: returns pixel (x, y) for a coordinate, and the metres per pixel.
    public func projection() -> (project: (Coordinate) -> (x: Double, y: Double), metresPerPixel: Double)? {
        let all = lines.flatMap { $0.pieces.flatMap { $0 } } + markers.map(\.position)
        guard let first = all.first else { return nil }
        var minLat = first.latitude, maxLat = minLat, minLon = first.longitude, maxLon = minLon
        for c in all {
            minLat = min(minLat, c.latitude); maxLat = max(maxLat, c.latitude)
            minLon = min(minLon, c.longitude); maxLon = max(maxLon, c.longitude)
        }
        let frame = LocalFrame(origin: Coordinate(latitude: (minLat + maxLat) / 2, longitude: (minLon + maxLon) / 2))
        let lo = frame.project(Coordinate(latitude: minLat, longitude: minLon))
        let hi = frame.project(Coordinate(latitude: maxLat, longitude: maxLon))
        let spanE = max(hi.east - lo.east, 20), spanN = max(hi.north - lo.north, 20)  // at least 20 m shown
        let scale = min((width - 2 * padding) / spanE, (height - 2 * padding) / spanN)  // px per metre
        let cx = width / 2, cy = height / 2
        let midE = (hi.east + lo.east) / 2, midN = (hi.north + lo.north) / 2
        return ({ c in
            let p = frame.project(c)
            return (cx + (p.east - midE) * scale, cy - (p.north - midN) * scale)
        }, 1 / scale)
    }

    /// The SVG document.
    public func render() -> String {
        var s = ##"<svg xmlns="http://www.w3.org/2000/svg" width="\##(fmt(width))" height="\##(fmt(height))" viewBox="0 0 \##(fmt(width)) \##(fmt(height))" role="img">"##
        s += "\n" + ##"<rect width="100%" height="100%" fill="#f8f8f4"/>"##
        guard let (project, mpp) = projection() else {
            s += "\n" + ##"<text x="50%" y="50%" text-anchor="middle" font-family="sans-serif" font-size="14">no positions</text>"##
            return s + "\n</svg>\n"
        }
        for line in lines {
            s += "\n" + ##"<g class="route"><title>\##(escape(line.label))</title>"##
            for piece in line.pieces {
                if piece.count == 1 {
                    let p = project(piece[0])
                    s += ##"<circle cx="\##(fmt(p.x))" cy="\##(fmt(p.y))" r="2" fill="\##(escape(line.colour))"/>"##
                    continue
                }
                let pts = piece.map { project($0) }.map { "\(fmt($0.x)),\(fmt($0.y))" }.joined(separator: " ")
                s += ##"<polyline points="\##(pts)" fill="none" stroke="\##(escape(line.colour))" stroke-width="3" stroke-linejoin="round" stroke-linecap="round"/>"##
            }
            if let start = line.pieces.first?.first {
                let p = project(start)
                s += ##"<circle cx="\##(fmt(p.x))" cy="\##(fmt(p.y))" r="4" fill="#ffffff" stroke="\##(escape(line.colour))" stroke-width="2"/>"##
            }
            s += "</g>"
        }
        for m in markers {
            let p = project(m.position)
            s += "\n" + ##"<g class="case">"##
            if let t = m.title { s += "<title>\(escape(t))</title>" }
            s += ##"<circle cx="\##(fmt(p.x))" cy="\##(fmt(p.y))" r="7" fill="\##(escape(m.colour))" stroke="#000" stroke-width="1"/>"##
            s += ##"<text x="\##(fmt(p.x + 9))" y="\##(fmt(p.y + 4))" font-family="sans-serif" font-size="12">\##(escape(m.label))</text></g>"##
        }
        // Scale bar: a round number of metres near a quarter of the width.
        let target = (width / 4) * mpp
        let magnitude = pow(10, (log10(target)).rounded(.down))
        let bar = [1.0, 2, 5, 10].map { $0 * magnitude }.last { $0 <= target } ?? magnitude
        let px = bar / mpp
        let y = height - padding / 2
        s += "\n" + ##"<g class="scale"><line x1="\##(fmt(padding))" y1="\##(fmt(y))" x2="\##(fmt(padding + px))" y2="\##(fmt(y))" stroke="#000" stroke-width="2"/>"##
        s += ##"<text x="\##(fmt(padding + px + 4))" y="\##(fmt(y + 4))" font-family="sans-serif" font-size="11">\##(bar >= 1000 ? fmt(bar / 1000) + " km" : fmt(bar) + " m")</text></g>"##
        s += "\n" + ##"<text x="\##(fmt(width - padding))" y="\##(fmt(padding))" text-anchor="end" font-family="sans-serif" font-size="12">N ↑</text>"##
        return s + "\n</svg>\n"
    }

    private func fmt(_ v: Double) -> String {
        let r = (v * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(r)
    }
}

/// Escapes text for XML content and attribute values.
func escape(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.count)
    for ch in s {
        switch ch {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        default: out.append(ch)
        }
    }
    return out
}
