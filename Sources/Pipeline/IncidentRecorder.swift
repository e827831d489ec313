import CaseStore
import Foundation
import Rules

/// Turns one source's samples into stored occurrences with evidence: runs the rule engine,
/// keeps the first-seen frame of each track, and at a violation writes the full frame with
/// the region drawn, a crop and the first-seen frame, then stores the event in one transaction.
/// Evidence files are written before the row, so a crash leaves at worst an unreferenced file,
/// which a re-run reuses (same content, same name).
public final class IncidentRecorder {
    public let engine: RuleEngine
    let store: CaseStore
    let writer: EvidenceWriter
    let config: StreetWardenConfig
    let camera: CameraConfig
    let sourceID: Int64
    let runID: Int64
    let sourceKey: String
    let site: String
    let evidenceSub: String
    let encode: (RGBCanvas) throws -> [UInt8]
    /// The first-seen picture of each pending track.
    private enum FirstSeen {
        /// Already stored (a re-run, or written with the violation).
        case stored
        /// Encoded when the track started.
        case encoded(bytes: [UInt8], width: Int, height: Int)
        /// The decoded picture, kept (not converted or encoded) until the track becomes a
        /// violation; dropped with the track otherwise.
        case held(picture: () throws -> RGBCanvas, box: NormalizedBox)
    }
    private var firstSeen: [Int: FirstSeen] = [:]
    /// How many first-seen pictures may be held unencoded at once (each keeps one decoded
    /// frame, ≈3 MB at 1080p); tracks beyond that are encoded when they start. 0 encodes
    /// every first-seen picture at once, which keeps memory flat (live streams). Most tracks
    /// never last their dwell time, so holding saves their conversion and JPEG encoding.
    public var maxHeldPictures = 0
    private var lastRefresh: Double = -.infinity
    /// Seconds between last-seen updates of violations still present (live sources).
    public var refreshInterval: Double = 30

    /// Occurrences stored so far (new ones, not those a re-run found already stored).
    public private(set) var stored = 0
    /// Occurrences found already stored (re-run).
    public private(set) var skipped = 0
    /// Of the stored occurrences, how many opened a new case.
    public private(set) var newCases = 0
    public private(set) var countsByClass: [String: Int] = [:]

    public init(store: CaseStore, writer: EvidenceWriter, config: StreetWardenConfig, camera: CameraConfig,
                sourceID: Int64, runID: Int64, sourceKey: String, site: String, evidenceSub: String,
                encode: @escaping (RGBCanvas) throws -> [UInt8]) {
        self.engine = RuleEngine(rules: camera.rules)
        self.store = store; self.writer = writer; self.config = config; self.camera = camera
        self.sourceID = sourceID; self.runID = runID; self.sourceKey = sourceKey; self.site = site
        self.evidenceSub = evidenceSub; self.encode = encode
    }

    /// The event key: source content + class + zone + first-seen position in time
    /// (milliseconds) and in the image (box centre, hundredths of the frame). Decoding is
    /// deterministic, so a re-run produces the same keys.
    public func key(for i: Incident) -> String {
        let c = i.firstSeen.box.center
        return "\(sourceKey)|\(i.className)|\(i.zoneID)|\(Int64((i.firstSeen.time * 1000).rounded()))|\(Int((c.x * 100).rounded())),\(Int((c.y * 100).rounded()))"
    }

    func fileStem(_ i: Incident) -> String {
        "\(i.className)-\(String(format: "%09.3f", i.firstSeen.time))-\(i.zoneID)-\(Int((i.firstSeen.box.center.x * 100).rounded()))x\(Int((i.firstSeen.box.center.y * 100).rounded()))"
            .map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "_" }.reduce("") { $0 + String($1) }
    }

    /// Feeds one sample. `image` is called at most once, only when evidence is needed.
    /// `image` may be kept (see `maxHeldPictures`) and called after this sample.
    public func process(_ sample: Sample, image: @escaping () throws -> RGBCanvas) throws {
        var frame: RGBCanvas?
        func canvas() throws -> RGBCanvas {
            if let f = frame { return f }
            let f = try image(); frame = f; return f
        }
        for event in engine.process(sample) {
            switch event {
            case .trackStarted(let i):
                if try store.eventExists(key: key(for: i)) { firstSeen[i.trackID] = .stored; continue }
                let held = firstSeen.values.reduce(0) { if case .held = $1 { return $0 + 1 }; return $0 }
                if held < maxHeldPictures {
                    firstSeen[i.trackID] = .held(picture: image, box: i.firstSeen.box)
                } else {
                    let (bytes, w, h) = try firstSeenJPEG(try canvas(), box: i.firstSeen.box)
                    firstSeen[i.trackID] = .encoded(bytes: bytes, width: w, height: h)
                }
            case .violation(let i):
                try recordViolation(i, frame: try canvas())
            case .ended(let i, let reason):
                try store.updateEvent(key: key(for: i), lastSeen: Moment(pts: i.lastSeen.time, date: i.lastSeen.wallClock),
                                      ended: reason == .cleared)
                firstSeen[i.trackID] = nil
            case .trackDropped(let i):
                firstSeen[i.trackID] = nil
            }
        }
        if sample.time - lastRefresh >= refreshInterval {
            lastRefresh = sample.time
            for i in engine.activeTracks where i.violation != nil {
                try store.updateEvent(key: key(for: i), lastSeen: Moment(pts: i.lastSeen.time, date: i.lastSeen.wallClock), ended: false)
            }
        }
    }

    func recordViolation(_ i: Incident, frame: RGBCanvas) throws {
        let k = key(for: i)
        if try store.eventExists(key: k) { skipped += 1; return }
        let v = i.violation ?? i.lastSeen
        let stem = fileStem(i)
        var files: [EvidenceFile] = []
        var full = frame
        full.strokeBox(x1: v.box.x1, y1: v.box.y1, x2: v.box.x2, y2: v.box.y2)
        files.append(try writer.write(try encode(full), sub: evidenceSub, name: "\(stem)-frame", kind: .frame,
                                      width: full.width, height: full.height))
        let crop = frame.crop(x1: v.box.x1, y1: v.box.y1, x2: v.box.x2, y2: v.box.y2)
        files.append(try writer.write(try encode(crop), sub: evidenceSub, name: "\(stem)-crop", kind: .crop,
                                      width: crop.width, height: crop.height))
        var first: (bytes: [UInt8], width: Int, height: Int)?
        switch firstSeen[i.trackID] {
        case .encoded(let bytes, let width, let height): first = (bytes, width, height)
        case .held(let picture, let box): first = try firstSeenJPEG(try picture(), box: box)
        case .stored, nil: first = nil
        }
        if let fs = first {
            files.append(try writer.write(fs.bytes, sub: evidenceSub, name: "\(stem)-first", kind: .firstSeen,
                                          width: fs.width, height: fs.height))
        }
        firstSeen[i.trackID] = .stored
        let event = NewEvent(
            key: k, runID: runID, sourceID: sourceID, category: i.className,
            code: config.code(for: i.className, override: i.codeOverride), zoneID: i.zoneID, score: i.bestScore,
            box: StoredBox(x1: v.box.x1, y1: v.box.y1, x2: v.box.x2, y2: v.box.y2),
            firstSeen: Moment(pts: i.firstSeen.time, date: i.firstSeen.wallClock),
            violation: Moment(pts: v.time, date: v.wallClock),
            lastSeen: Moment(pts: i.lastSeen.time, date: i.lastSeen.wallClock),
            site: site, address: camera.address, latitude: camera.latitude, longitude: camera.longitude,
            evidence: files)
        let r = try store.record(event, link: config.link)
        if r.inserted {
            stored += 1
            countsByClass[i.className, default: 0] += 1
            if r.newCase { newCases += 1 }
        } else {
            skipped += 1
        }
    }

    /// The first-seen evidence: the picture with the region drawn, as JPEG.
    private func firstSeenJPEG(_ picture: RGBCanvas, box: NormalizedBox) throws -> (bytes: [UInt8], width: Int, height: Int) {
        var c = picture
        c.strokeBox(x1: box.x1, y1: box.y1, x2: box.x2, y2: box.y2)
        return (try encode(c), c.width, c.height)
    }

    /// Ends every track (end of input); flushes last sightings to the store.
    public func finish() throws {
        for event in engine.finish() {
            if case .ended(let i, let reason) = event {
                try store.updateEvent(key: key(for: i), lastSeen: Moment(pts: i.lastSeen.time, date: i.lastSeen.wallClock),
                                      ended: reason == .cleared)
            }
        }
        firstSeen.removeAll()
    }
}
