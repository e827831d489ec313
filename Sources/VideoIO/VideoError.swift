/// Every failure VideoIO reports: what went wrong, on which input, with FFmpeg's own text.
///
/// `description` is one line, fit for a log or for stderr before a non-zero exit:
/// `cannot open /clips/a.mp4: No such file or directory`.
public struct VideoError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What kind of failure this is; callers branch on it (e.g. retry `.openFailed` on a live URL,
    /// give up on `.invalidOption`).
    public enum Kind: String, Sendable {
        /// The input could not be opened or its streams could not be read (missing file,
        /// refused connection, not a media file, zero bytes).
        case openFailed
        /// The input opened but holds no video stream (an audio file, a text file).
        case noVideoStream
        /// The video stream holds no pictures at all (a header and no packets).
        case noPictures
        /// FFmpeg has no decoder for the video stream's codec.
        case unsupportedCodec
        /// Reading packets failed part-way (I/O error, dropped connection).
        case readFailed
        /// The input ended before its own header said it would (a cut-off file).
        case truncated
        /// Packets that could not be decoded were skipped; the frames around them were delivered.
        case corruptData
        /// Opening or reading took longer than the configured timeout.
        case timedOut
        /// An option was not recognised by FFmpeg or has an invalid value.
        case invalidOption
        /// Scaling or JPEG encoding failed.
        case conversionFailed
    }

    public let kind: Kind
    /// The input's name as the user gave it, with any password in a URL masked.
    public let input: String
    /// FFmpeg's message (or ours, where FFmpeg gave none).
    public let message: String

    public init(_ kind: Kind, input: String, message: String) {
        self.kind = kind
        self.input = input
        self.message = message
    }

    public var description: String {
        let what: String
        switch kind {
        case .openFailed: what = "cannot open"
        case .noVideoStream: what = "no video stream in"
        case .noPictures: what = "empty video in"
        case .unsupportedCodec: what = "unsupported video codec in"
        case .readFailed: what = "read failed on"
        case .truncated: what = "truncated input"
        case .corruptData: what = "corrupt data in"
        case .timedOut: what = "timed out on"
        case .invalidOption: what = "invalid option for"
        case .conversionFailed: what = "conversion failed for"
        }
        let oneLine = message.split(whereSeparator: \.isNewline).joined(separator: "; ")
        return "\(what) \(input): \(oneLine)"
    }
}

/// Masks the password of a URL (`rtsp://user:secret@cam/…` → `rtsp://user:***@cam/…`) so that
/// errors and logs never print credentials.
func displayName(of url: String) -> String {
    guard let schemeEnd = url.range(of: "://") else { return url }
    let rest = url[schemeEnd.upperBound...]
    let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
    let authority = rest[..<authorityEnd]
    guard let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") else {
        return url
    }
    return String(url[..<colon]) + ":***" + String(url[at...])
}
