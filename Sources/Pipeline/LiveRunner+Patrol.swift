import CaseStore
import Foundation
import Geo
import VideoIO

extension LiveRunner {
    /// The recorder for one live camera: a `PatrolRecorder` fed by an NMEA socket (or a track
    /// file) for a moving camera, else an `IncidentRecorder`. The listener, when any, is
    /// started and must be stopped by the caller.
    func makeLiveRecorder(_ cam: CameraConfig, sourceID: Int64, runID: Int64, key: String) throws -> (SampleRecorder, NMEAListener?) {
        let writer = EvidenceWriter(store: store, folder: config.evidenceFolder)
        let encode: (RGBCanvas) throws -> [UInt8] = { try JPEGEncoder.encode($0.rgbImage, quality: 88) }
        guard let moving = cam.moving else {
            return (IncidentRecorder(store: store, writer: writer, config: config, camera: cam, sourceID: sourceID, runID: runID,
                                     sourceKey: key, site: key, evidenceSub: cam.id, encode: encode), nil)
        }
        guard let gps = moving.gps, gps != "subtitles" else {
            throw PatrolError("camera '\(cam.id)': a live moving camera needs gps: udp://HOST:PORT or tcp://HOST:PORT (NMEA), or a track file")
        }
        let positions: VehiclePositions
        var listener: NMEAListener?
        if gps.contains("://") {
            let live = LiveTrack(name: gps, timeOffset: moving.gpsOffset)
            listener = try NMEAListener(url: gps, track: live)
            listener!.start()
            positions = live
        } else {
            positions = FixedTrack(try TrackReader.read(path: gps, options: TrackReadOptions(timeOffset: moving.gpsOffset)))
        }
        let recorder = PatrolRecorder(store: store, writer: writer, config: config, camera: cam, moving: moving, positions: positions,
                                      sourceID: sourceID, runID: runID, sourceKey: key, evidenceSub: cam.id, encode: encode)
        recorder.autoSeed = true
        log("camera \(cam.id): moving camera, GPS from \(gps)")
        return (recorder, listener)
    }
}
