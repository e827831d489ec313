import Foundation

/// Whole-file reads straight into a byte array: one `read` loop into the array's own storage,
/// without the intermediate `Data` and its copy that `FileManager.contents(atPath:)` costs.
enum FileBytes {
    /// The file's bytes, or nil when it cannot be opened or read (missing, a folder, no access).
    static func contents(of path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return nil }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            // Not a regular file (a pipe, a device): no size to trust, read it the general way.
            return (st.st_mode & S_IFMT) == S_IFDIR ? nil : FileManager.default.contents(atPath: path).map { [UInt8]($0) }
        }
        let size = Int(st.st_size)
        var failed = false
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buf, initialized in
            var done = 0
            while done < size {
                let n = read(fd, buf.baseAddress! + done, size - done)
                if n > 0 { done += n; continue }
                if n < 0 && errno == EINTR { continue }
                if n < 0 { failed = true }
                break  // 0: the file shrank since fstat; keep what was there
            }
            initialized = done
        }
        return failed ? nil : bytes
    }
}
