import CaseStore
import Foundation
import Geo

/// GeoJSON and SVG views of the store for `cases export --format geojson` and the report.
public enum PatrolExports {
    /// Cases with coordinates as Point features (properties as in `cases list --format json`,
    /// less evidence hashes), plus each stored drive as LineStrings when `drives` is given.
    public static func geoJSON(cases: [CaseRecord], drives: [DriveRecord] = [], patrol: [Int64: PatrolInfo] = [:]) -> String {
        var fc = GeoJSONFeatureCollection()
        for d in drives {
            for piece in d.pieces where piece.count >= 2 {
                fc.addLineString(piece.map { Coordinate(latitude: $0.latitude, longitude: $0.longitude) }, properties: [
                    "kind": "drive", "track_source": .string(d.trackSource), "length_m": .double((d.lengthMetres * 10).rounded() / 10),
                    "started_at": .string(iso(d.startedAt)), "ended_at": .string(iso(d.endedAt)),
                ], id: "drive-\(d.id)")
            }
        }
        for c in cases {
            guard let lat = c.latitude, let lon = c.longitude else { continue }
            var props: [String: GeoJSONFeatureCollection.Value] = [
                "kind": "case", "id": .int(Int(c.id)), "category": .string(c.category), "code": .string(c.code),
                "code_name": .string(c.codeName), "status": .string(c.status.rawValue), "source": .string(c.source),
                "first_seen": .string(iso(c.firstSeen)), "last_seen": .string(iso(c.lastSeen)),
                "occurrences": .int(c.occurrences),
                "evidence": .array(c.evidence.map { .object(["path": .string($0.path), "sha256": .string($0.sha256)]) }),
            ]
            props["heading"] = c.heading.map { .double(($0 * 10).rounded() / 10) } ?? .null
            props["address"] = c.address.map { .string($0) } ?? .null
            let info = patrol[c.id]
            props["track_source"] = info?.trackSource.map { .string($0) } ?? .null
            props["cleared_at"] = info?.clearedAt.map { .string(iso($0)) } ?? .null
            fc.addPoint(Coordinate(latitude: lat, longitude: lon), properties: props, id: String(c.id))
        }
        return fc.json(prettyPrinted: true)
    }

    /// GeoJSON of everything in the store: every case with coordinates and every drive.
    /// `cases` defaults to all of the store's (failing on a row that does not read).
    public static func geoJSON(store: CaseStore, cases: [CaseRecord]? = nil) throws -> String {
        let cases = try cases ?? store.cases()
        var info: [Int64: PatrolInfo] = [:]
        for c in cases where c.latitude != nil { info[c.id] = try store.patrolInfo(caseID: c.id) }
        return geoJSON(cases: cases, drives: try store.drives(), patrol: info)
    }

    /// One SVG per drive (its route and the cases with coordinates near it), in drive order.
    /// Cases farther than `margin` metres from the drive's route are left out of its map.
    /// `cases` defaults to all of the store's (failing on a row that does not read).
    public static func routeMaps(store: CaseStore, cases: [CaseRecord]? = nil, width: Double = 640, height: Double = 420,
                                 margin: Double = 60) throws -> [(drive: DriveRecord, svg: String, cases: [CaseRecord])] {
        let cases = try (cases ?? store.cases()).filter { $0.latitude != nil && $0.longitude != nil }
        return try store.drives().map { d in
            let near = cases.filter { c in
                distance(from: Coordinate(latitude: c.latitude!, longitude: c.longitude!), to: d.pieces) <= margin
            }
            let line = RouteSVG.Line(label: d.trackSource,
                                     pieces: d.pieces.map { $0.map { Coordinate(latitude: $0.latitude, longitude: $0.longitude) } })
            let markers = near.map { c in
                RouteSVG.Marker(position: Coordinate(latitude: c.latitude!, longitude: c.longitude!),
                                label: "#\(c.id) \(c.category)", colour: RouteSVG.colour(forClass: c.category),
                                title: "case \(c.id): \(c.code) \(c.codeName), \(c.status.rawValue), \(c.occurrences) occurrence(s)")
            }
            return (d, RouteSVG(lines: [line], markers: markers, width: width, height: height).render(), near)
        }
    }

    /// Metres from a point to the nearest segment of a drive's pieces.
    static func distance(from p: Coordinate, to pieces: [[DrivePoint]]) -> Double {
        let frame = LocalFrame(origin: p)
        var best = Double.infinity
        for piece in pieces {
            let xy = piece.map { frame.project(Coordinate(latitude: $0.latitude, longitude: $0.longitude)) }
            for i in xy.indices {
                let a = xy[i], b = i + 1 < xy.count ? xy[i + 1] : xy[i]
                let vx = b.east - a.east, vy = b.north - a.north
                let vv = vx * vx + vy * vy
                let t = vv > 0 ? min(max(-(a.east * vx + a.north * vy) / vv, 0), 1) : 0
                let cx = a.east + t * vx, cy = a.north + t * vy
                best = min(best, (cx * cx + cy * cy).squareRoot())
            }
        }
        return best
    }

    static func iso(_ d: Date) -> String { DateTimeParser.iso8601(d.timeIntervalSince1970) }
}
