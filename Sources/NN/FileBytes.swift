import Foundation

/// Whole-file reads straight into a byte array: one `read` loop into the array's own storage,
/// without the intermediate `Data` and its copy that `FileManager.contents(atPath:)` costs.
enum FileBytes {
    /// Why a file could not be read: the system's reason (`No such file or directory`,
    /// `Is a directory`, `Permission denied`).
    struct Failure: Error {
        let reason: String
        init(errno code: Int32) { reason = String(cString: strerror(code)) }
        init(reason: String) { self.reason = reason }
    }

    /// The file's bytes; throws `Failure` when it cannot be opened or read (missing, a folder,
    /// no access) or is not a regular file (a pipe would block with no writer, a device never
    /// end or hold a model).
    static func contents(of path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)   // O_NONBLOCK: opening a FIFO does not wait for a writer
        guard fd >= 0 else { throw Failure(errno: errno) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw Failure(errno: errno) }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            if (st.st_mode & S_IFMT) == S_IFDIR { throw Failure(errno: EISDIR) }
            throw Failure(reason: "not a regular file (a pipe or device)")
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
