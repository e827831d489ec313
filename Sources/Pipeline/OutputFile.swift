import CaseStore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Files that commands write beside a store (exports, reports): never over the database, its
/// journal files or its evidence, and never half written. Every failure is one line naming the
/// path with the system's reason.
public enum OutputFile {
    /// Writes `data` to `path`: a regular file (new or replaced) through a temporary file in the
    /// same folder, flushed and renamed over it, so a failed write leaves the old file or none;
    /// a device or pipe (`/dev/stdout`, a FIFO) is written in place.
    public static func write(_ data: Data, to path: String) throws {
        if path.hasSuffix("/") || path.hasSuffix("/.") || path.hasSuffix("/..") || path == "." || path == ".." {
            throw PipelineError("cannot write \(path): a folder path, not a file name")
        }
        let target = resolved(path)
        var st = stat()
        if stat(target, &st) == 0 {
            if st.st_mode & S_IFMT == S_IFDIR { throw PipelineError("cannot write \(path): \(String(cString: strerror(EISDIR)))") }
            if st.st_mode & S_IFMT != S_IFREG {
                let fd = open(target, O_WRONLY | O_TRUNC)
                guard fd >= 0 else { throw PipelineError("cannot write \(path): \(String(cString: strerror(errno)))") }
                defer { close(fd) }
                if let err = writeAll(fd, data) { throw PipelineError("cannot write \(path): \(String(cString: strerror(err)))") }
                return
            }
        }
        let folder = (target as NSString).deletingLastPathComponent
        let name = (target as NSString).lastPathComponent
        let tmp = "\(folder)/.\(name).\(getpid()).\(UInt64.random(in: 0...UInt64.max)).tmp"
        let mode = stat(target, &st) == 0 ? st.st_mode & 0o777 : 0o644
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, mode)
        guard fd >= 0 else { throw PipelineError("cannot write \(path): \(String(cString: strerror(errno)))") }
        var err = writeAll(fd, data)
        if err == nil && fsync(fd) != 0 { err = errno }
        if close(fd) != 0 && err == nil { err = errno }
        if err == nil && rename(tmp, target) != 0 { err = errno }
        if let err {
            unlink(tmp)
            throw PipelineError("cannot write \(path): \(String(cString: strerror(err)))")
        }
    }

    /// Creates the folder `path` and any missing parents, like `mkdir -p`; throws
    /// `describe(reason)` with a plain reason ("is a file, not a folder", "Permission denied").
    public static func makeFolder(_ path: String, describe: (String) -> String) throws {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir) {
            if isDir.boolValue { return }
            throw PipelineError(describe("is a file, not a folder"))
        }
        let parent = (path as NSString).deletingLastPathComponent
        if parent != path && !parent.isEmpty {
            try makeFolder(parent) { describe($0 == "is a file, not a folder" ? "\(parent) is a file, not a folder" : $0) }
        }
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw PipelineError(describe(String(cString: strerror(errno))))
        }
    }

    /// Writes all of `data` to `fd`; returns errno on failure.
    static func writeAll(_ fd: Int32, _ data: Data) -> Int32? {
        data.withUnsafeBytes { buf -> Int32? in
            var off = 0
            while off < buf.count {
                let n = Glibc.write(fd, buf.baseAddress! + off, buf.count - off)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return n == 0 ? EIO : errno }
                off += n
            }
            return nil
        }
    }

    /// `path` made absolute with every symbolic link, `.` and `..` resolved, also when its last
    /// components do not exist yet (they are resolved against the deepest folder that does).
    public static func resolved(_ path: String) -> String {
        let absolute = URL(fileURLWithPath: path).path
        if let real = realpath(absolute, nil) {
            defer { free(real) }
            return String(cString: real)
        }
        let parent = (absolute as NSString).deletingLastPathComponent
        let last = (absolute as NSString).lastPathComponent
        guard parent != absolute else { return absolute }
        let base = resolved(parent)
        switch last {
        case ".": return base
        case "..": return (base as NSString).deletingLastPathComponent
        default: return (base as NSString).appendingPathComponent(last)
        }
    }

    /// The system's reason for a failed Foundation file operation ("Permission denied", "Not a
    /// directory"), without Foundation's wording and error domains.
    public static func reason(_ error: Error) -> String {
        let ns = error as NSError
        if let posix = ns.userInfo[NSUnderlyingErrorKey] as? NSError, posix.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(posix.code)))
        }
        if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
        if ns.domain == NSCocoaErrorDomain {
            let code: Int32? = switch CocoaError.Code(rawValue: ns.code) {
            case .fileNoSuchFile, .fileReadNoSuchFile: ENOENT
            case .fileWriteNoPermission, .fileReadNoPermission: EACCES
            case .fileWriteFileExists: EEXIST
            case .fileWriteOutOfSpace: ENOSPC
            case .fileWriteVolumeReadOnly: EROFS
            default: nil
            }
            if let code { return String(cString: strerror(code)) }
        }
        return ns.localizedDescription.split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    /// Whether `a` and `b` name the same existing file (same device and inode: hard links too).
    public static func sameFile(_ a: String, _ b: String) -> Bool {
        var sa = stat(), sb = stat()
        return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
    }

    /// Throws unless `path` is a file an export may write: not the database of `store` (nor its
    /// -wal, -shm or -journal file), nothing inside the folders that hold its evidence, and not
    /// an existing file unless `replace` (another store, a clip or a report are not ours to lose).
    public static func checkExport(_ path: String, store: CaseStore, replace: Bool) throws {
        let target = resolved(path)
        let database = resolved(store.path)
        for suffix in ["", "-wal", "-shm", "-journal"] where target == database + suffix || sameFile(target, store.path + suffix) {
            throw PipelineError("cannot write \(path): it is the database \(store.path)\(suffix.isEmpty ? "" : " (its \(suffix.dropFirst()) file)")")
        }
        guard let root = store.folder else { return }
        for name in try store.evidenceFolders() {
            let evidence = resolved(root.appendingPathComponent(name).path)
            if target == evidence || target.hasPrefix(evidence + "/") {
                throw PipelineError("cannot write \(path): it is inside the evidence folder \(root.appendingPathComponent(name).path)")
            }
        }
        guard !replace else { return }
        var st = stat()
        if stat(path, &st) == 0 {
            let kind = st.st_mode & S_IFMT
            if kind != S_IFCHR && kind != S_IFIFO && kind != S_IFDIR {
                throw PipelineError("cannot write \(path): the file exists (give --force to replace it)")
            }
        } else if lstat(path, &st) == 0 {
            throw PipelineError("cannot write \(path): it is a link to nothing (give --force to write where it points)")
        }
    }
}
