import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Why a path cannot be read as an input file, in the system's words: "no such file", "Too
/// many levels of symbolic links", "File name too long", "is a directory", "not a regular file
/// (a pipe or device)", "Permission denied". Nil when it is a readable regular file, or with
/// `regularOnly: false` also a pipe or device (a live camera may be one). Used for every input
/// that names a file (configs, tracks, models, cameras), so that all of them give the same
/// reasons as clips do.
public enum FileProblem {
    public static func reason(_ path: String, regularOnly: Bool = true) -> String? {
        var st = stat()
        guard stat(path, &st) == 0 else { return errno == ENOENT ? "no such file" : String(cString: strerror(errno)) }
        switch st.st_mode & S_IFMT {
        case S_IFREG: return access(path, R_OK) == 0 ? nil : String(cString: strerror(errno))
        case S_IFDIR: return "is a directory"
        default: return regularOnly ? "not a regular file (a pipe or device)" : nil
        }
    }
}
