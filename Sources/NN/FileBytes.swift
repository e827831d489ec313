import Foundation

/// Whole-file reads straight into a byte array: one `read` loop into the array's own storage,
/// without the intermediate `Data` and its copy that `FileManager.contents(atPath:)` costs.
enum FileBytes {
    /// Why a file could not be read: the system's reason (`No such file or directory`,
    /// `Is a directory`, `Permission denied`).
    struct Failure: Error {
        let reason: String
        init(errno code: Int32) { reason = String(cString: strerror(code)) }
    }

    /// The file's bytes; throws `Failure` when it cannot be opened or read (missing, a folder,
    /// no access).
    static func contents(of path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(errno: errno) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw Failure(errno: errno) }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            // Not a regular file (a pipe, a device): no size to trust, read it the general way.
            if (st.st_mode & S_IFMT) == S_IFDIR { throw Failure(errno: EISDIR) }
            guard let d = FileManager.default.contents(atPath: path) else { throw Failure(errno: EIO) }
            return [UInt8](d)
        }
        let size = Int(st.st_size)
        var failure: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buf, initialized in
            var done = 0
            while done < size {
                let n = read(fd, buf.baseAddress! + done, size - done)
                if n > 0 { done += n; continue }
                if n < 0 && errno == EINTR { continue }
                if n < 0 { failure = errno }
                break  // 0: the file shrank since fstat; keep what was there
            }
            initialized = done
        }
        if failure != 0 { throw Failure(errno: failure) }
        return bytes
    }
}
