import CaseStore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes evidence files under the database's folder. A file is never overwritten: it is written
/// to a temporary name, flushed, then linked to its final name, which fails if the name exists.
/// When the name exists with the same content and no stored evidence names it (a re-run after a
/// crash), the existing file is kept. When it exists with other content, or with the same content
/// but stored for another occurrence (a later clip holding the same pictures), a numbered name is
/// used instead.
public struct EvidenceWriter: Sendable {
    /// The database's folder; stored paths are relative to it.
    public let root: URL
    /// Folder under `root` for evidence.
    public let folder: String

    /// Whether the store already holds evidence at a path (relative to `root`).
    let stored: @Sendable (String) throws -> Bool

    public init(root: URL, folder: String = "evidence", stored: @escaping @Sendable (String) throws -> Bool = { _ in false }) {
        self.root = root; self.folder = folder; self.stored = stored
    }

    /// A writer for `store`'s folder that never hands out a path the store already holds.
    public init(store: CaseStore, folder: String = "evidence") {
        self.init(root: store.folder!, folder: folder) { try store.evidenceStored(path: $0) }
    }

    /// Stores `bytes` as `<folder>/<sub>/<name>.jpg` (or a numbered variant); returns the record.
    public func write(_ bytes: [UInt8], sub: String, name: String, kind: EvidenceFile.Kind,
                      width: Int, height: Int) throws -> EvidenceFile {
        let digest = SHA256.hex(bytes)
        let dirRel = sub.isEmpty ? folder : "\(folder)/\(sub)"
        let dir = root.appendingPathComponent(dirRel)
        try OutputFile.makeFolder(dir.path) { "cannot write evidence to \(dir.path): \($0)" }
        for attempt in 0..<1000 {
            let fileName = attempt == 0 ? "\(name).jpg" : "\(name)-\(attempt).jpg"
            let rel = "\(dirRel)/\(fileName)"
            let final = root.appendingPathComponent(rel).path
            if FileManager.default.fileExists(atPath: final) {
                if (try? SHA256.hex(fileAt: final)) == digest, try !stored(rel) {
                    return EvidenceFile(kind: kind, path: rel, sha256: digest, width: width, height: height, bytes: bytes.count)
                }
                continue
            }
            let tmp = dir.appendingPathComponent(".\(fileName).\(getpid()).\(UInt64.random(in: 0...UInt64.max)).tmp").path
            let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0o644)
            guard fd >= 0 else { throw PipelineError("cannot write evidence \(tmp): \(String(cString: strerror(errno)))") }
            var ok = bytes.withUnsafeBytes { buf -> Bool in
                var off = 0
                while off < buf.count {
                    let n = Glibc.write(fd, buf.baseAddress! + off, buf.count - off)
                    if n <= 0 { return false }
                    off += n
                }
                return true
            }
            ok = ok && fsync(fd) == 0
            close(fd)
            guard ok else { unlink(tmp); throw PipelineError("cannot write evidence \(tmp): \(String(cString: strerror(errno)))") }
            let rc = link(tmp, final)
            let err = errno
            unlink(tmp)
            if rc == 0 {
                return EvidenceFile(kind: kind, path: rel, sha256: digest, width: width, height: height, bytes: bytes.count)
            }
            if err == EEXIST { continue }
            throw PipelineError("cannot write evidence \(final): \(String(cString: strerror(err)))")
        }
        throw PipelineError("cannot write evidence \(name): too many files with that name")
    }
}
