import Foundation

/// Workflow status of a case (数字城管: 立案 → 派遣 → 处置 → 结案; or rejected as a false alarm,
/// kept for retraining).
public enum CaseStatus: String, CaseIterable, Codable, Sendable {
    case new, dispatched, resolved, closed, rejected

    /// Statuses reachable from this one.
    public var next: [CaseStatus] {
        switch self {
        case .new: return [.dispatched, .rejected]
        case .dispatched: return [.resolved, .rejected]
        case .resolved: return [.closed, .dispatched]
        case .closed, .rejected: return []
        }
    }
}

/// A clip or a live camera.
public struct SourceInfo: Equatable, Sendable {
    /// Identity: `sha256:<hex>` of a clip's content, or `camera:<id>` for a live camera.
    public var key: String
    public var kind: Kind
    public var uri: String
    public var cameraID: String?
    public var name: String?
    public var address: String?
    public var latitude: Double?
    public var longitude: Double?
    public enum Kind: String, Sendable { case file, stream }

    public init(key: String, kind: Kind, uri: String, cameraID: String? = nil, name: String? = nil,
                address: String? = nil, latitude: Double? = nil, longitude: Double? = nil) {
        self.key = key; self.kind = kind; self.uri = uri; self.cameraID = cameraID; self.name = name
        self.address = address; self.latitude = latitude; self.longitude = longitude
    }
}

/// A box in normalized image coordinates (0…1).
public struct StoredBox: Equatable, Codable, Sendable {
    public var x1, y1, x2, y2: Double
    public init(x1: Double, y1: Double, x2: Double, y2: Double) { self.x1 = x1; self.y1 = y1; self.x2 = x2; self.y2 = y2 }
    func containsCentre(of o: StoredBox) -> Bool {
        let cx = (o.x1 + o.x2) / 2, cy = (o.y1 + o.y2) / 2
        return cx >= x1 && cx <= x2 && cy >= y1 && cy <= y2
    }
    func iou(_ o: StoredBox) -> Double {
        let ix = max(0, min(x2, o.x2) - max(x1, o.x1)), iy = max(0, min(y2, o.y2) - max(y1, o.y1))
        let inter = ix * iy
        let u = (x2 - x1) * (y2 - y1) + (o.x2 - o.x1) * (o.y2 - o.y1) - inter
        return u > 0 ? inter / u : 0
    }
}

/// One stored evidence file. `path` is relative to the database's folder.
public struct EvidenceFile: Equatable, Codable, Sendable {
    public enum Kind: String, Codable, Sendable { case frame, crop, firstSeen = "first_seen" }
    public var kind: Kind
    public var path: String
    public var sha256: String
    public var width: Int
    public var height: Int
    public var bytes: Int
    public init(kind: Kind, path: String, sha256: String, width: Int, height: Int, bytes: Int) {
        self.kind = kind; self.path = path; self.sha256 = sha256; self.width = width; self.height = height; self.bytes = bytes
    }
}

/// A moment on the source's clock and the wall clock.
public struct Moment: Equatable, Sendable {
    /// Seconds on the source's clock.
    public var pts: Double
    public var date: Date
    public init(pts: Double, date: Date) { self.pts = pts; self.date = date }
}

/// A violation to store: one occurrence of a case.
public struct NewEvent: Sendable {
    /// Identity of the event: the same content and position give the same key, so a re-run
    /// never stores it twice.
    public var key: String
    public var runID: Int64
    public var sourceID: Int64
    public var category: String
    public var code: CategoryCode
    public var zoneID: String
    public var score: Double
    public var box: StoredBox
    public var firstSeen: Moment
    public var violation: Moment
    public var lastSeen: Moment
    /// Where this occurrence links to earlier cases: a camera id, or the source for clips
    /// without one. Moving cameras may use a coarser key and rely on coordinates.
    public var site: String
    public var address: String?
    public var latitude: Double?
    public var longitude: Double?
    public var heading: Double?
    public var evidence: [EvidenceFile]

    public init(key: String, runID: Int64, sourceID: Int64, category: String, code: CategoryCode, zoneID: String,
                score: Double, box: StoredBox, firstSeen: Moment, violation: Moment, lastSeen: Moment, site: String,
                address: String? = nil, latitude: Double? = nil, longitude: Double? = nil, heading: Double? = nil,
                evidence: [EvidenceFile] = []) {
        self.key = key; self.runID = runID; self.sourceID = sourceID; self.category = category; self.code = code
        self.zoneID = zoneID; self.score = score; self.box = box; self.firstSeen = firstSeen; self.violation = violation
        self.lastSeen = lastSeen; self.site = site; self.address = address; self.latitude = latitude
        self.longitude = longitude; self.heading = heading; self.evidence = evidence
    }
}

/// What `record` did.
public struct RecordResult: Equatable, Sendable {
    public var eventID: Int64
    public var caseID: Int64
    /// False when an event with this key was already stored (a re-run): nothing changed.
    public var inserted: Bool
    /// True when the event opened a new case, false when it recurred in an earlier one.
    public var newCase: Bool
}

/// How an occurrence is linked to an earlier case.
public struct LinkPolicy: Sendable {
    /// Box overlap (IoU, 0…1) at the same site above which it is the same place.
    public var minIoU: Double
    /// Metres within which two occurrences with coordinates are the same place (moving cameras).
    public var radiusMetres: Double
    /// Seconds after a case's last sighting during which a recurrence still links to it.
    public var window: Double
    public init(minIoU: Double = 0.3, radiusMetres: Double = 15, window: Double = 7 * 86400) {
        self.minIoU = minIoU; self.radiusMetres = radiusMetres; self.window = window
    }
}

/// A case as listed.
public struct CaseRecord: Equatable, Sendable {
    public var id: Int64
    public var category: String
    public var code: String
    public var codeName: String
    public var status: CaseStatus
    public var site: String
    public var sourceID: Int64
    /// Camera id, else the source's URI.
    public var source: String
    public var sourceURI: String
    public var zoneID: String
    public var box: StoredBox
    public var firstSeen: Date
    public var lastSeen: Date
    public var occurrences: Int
    public var address: String?
    public var latitude: Double?
    public var longitude: Double?
    public var heading: Double?
    public var evidence: [EvidenceFile]
}

/// One stored occurrence.
public struct EventRecord: Equatable, Sendable {
    public var id: Int64
    public var key: String
    public var caseID: Int64
    public var runID: Int64
    public var category: String
    public var zoneID: String
    public var score: Double
    public var box: StoredBox
    public var firstSeen: Moment
    public var violation: Moment
    public var lastSeen: Moment
    public var ended: Bool
    public var latitude: Double?
    public var longitude: Double?
    public var evidence: [EvidenceFile]
}

/// A run of the analyzer over one source.
public struct RunRecord: Equatable, Sendable {
    public var id: Int64
    public var sourceID: Int64
    public var status: String
    public var startedAt: Date
    public var finishedAt: Date?
    public var frames: Int
    public var samples: Int
    public var mediaSeconds: Double
    public var error: String?
}
