import Foundation

/// The one line an error becomes wherever StreetWarden reports it (stderr, a clip's summary, a
/// run's stored error): Foundation's file errors as "PATH: the system's reason" instead of
/// their `Error Domain=… UserInfo={…}` dump, and control characters (a newline in a file
/// name) escaped so the line stays one line.
public enum ErrorText {
    public static func line(_ error: Error) -> String {
        escaped(plain(error))
    }

    /// Control characters as `\n`, `\t`, `\u{…}`, and so are the invisible characters that
    /// move or reorder text (line separators, bidirectional overrides); everything else as it is.
    public static func escaped(_ text: String) -> String {
        var out = ""
        for s in text.unicodeScalars {
            switch s {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if isInvisible(s) { out += "\\u{\(String(s.value, radix: 16))}" } else { out.unicodeScalars.append(s) }
            }
        }
        return out
    }

    /// A control character, a line or paragraph separator, or a format character (bidirectional
    /// overrides, zero-width joiners): nothing a name or a note should hold.
    public static func isInvisible(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .control, .lineSeparator, .paragraphSeparator, .format: return true
        default: return false
        }
    }

    static func plain(_ error: Error) -> String {
        // Errors of our own modules describe themselves; only Foundation's file errors (a
        // `CocoaError`, or an `NSError` object) need taking apart.
        let ns: NSError
        if let c = error as? CocoaError {
            ns = NSError(domain: NSCocoaErrorDomain, code: c.errorCode, userInfo: c.userInfo)
        } else if let n = error as AnyObject as? NSError, type(of: n) == NSError.self {
            ns = n
        } else {
            return "\(error)"
        }
        guard ns.domain == NSCocoaErrorDomain || ns.domain == NSPOSIXErrorDomain else { return "\(error)" }
        let path = (ns.userInfo[NSFilePathErrorKey] as? String) ?? (ns.userInfo[NSURLErrorKey] as? URL)?.path
        var reason: String?
        if ns.domain == NSPOSIXErrorDomain {
            reason = String(cString: strerror(Int32(ns.code)))
        } else if let u = ns.userInfo[NSUnderlyingErrorKey] as? NSError, u.domain == NSPOSIXErrorDomain {
            reason = String(cString: strerror(Int32(u.code)))
        }
        if reason == nil {
            switch CocoaError.Code(rawValue: ns.code) {
            case .fileNoSuchFile, .fileReadNoSuchFile: reason = String(cString: strerror(ENOENT))
            case .fileReadNoPermission, .fileWriteNoPermission: reason = String(cString: strerror(EACCES))
            case .fileWriteFileExists: reason = String(cString: strerror(EEXIST))
            case .fileWriteOutOfSpace: reason = String(cString: strerror(ENOSPC))
            case .fileWriteVolumeReadOnly: reason = String(cString: strerror(EROFS))
            case .fileWriteInvalidFileName: reason = "invalid file name"
            default: reason = nil
            }
        }
        if reason == nil, let path { reason = probe(path) }
        let what = reason ?? "file operation failed (\(ns.domain) \(ns.code))"
        return path.map { "\($0): \(what)" } ?? what
    }

    /// Why an operation on `path` could fail when Foundation does not say: a file where a
    /// folder on the way should be, or a folder that cannot be written.
    static func probe(_ path: String) -> String? {
        var folder = (path as NSString).deletingLastPathComponent
        var isDir: ObjCBool = false
        while !folder.isEmpty && folder != "/" {
            if FileManager.default.fileExists(atPath: folder, isDirectory: &isDir) {
                if !isDir.boolValue { return "\(folder) is a file, not a folder" }
                return access(folder, W_OK) == 0 ? nil : "\(folder): \(String(cString: strerror(EACCES)))"
            }
            folder = (folder as NSString).deletingLastPathComponent
        }
        return nil
    }
}
