/// How a decoded picture is turned to be shown upright: a quarter-turn rotation, after an
/// optional left-right mirror. Phones and gimbals record the sensor's picture as it was read and
/// say how to show it in the stream's display matrix (the MP4/MOV `tkhd` matrix); players such
/// as `ffplay` turn the picture that way, and `VideoSource` hands out frames already turned.
public struct DisplayOrientation: Hashable, Sendable, CustomStringConvertible {
    /// Degrees clockwise (0, 90, 180 or 270) the picture is turned, after `mirrored`.
    public let clockwise: Int
    /// True when the picture is mirrored left-right before it is turned.
    public let mirrored: Bool

    /// The picture as decoded.
    public static let upright = DisplayOrientation(clockwise: 0, mirrored: false)

    /// - Parameter clockwise: any multiple of 90 (negative: counter-clockwise).
    public init(clockwise: Int, mirrored: Bool = false) {
        precondition(clockwise % 90 == 0, "a display orientation turns by multiples of 90°")
        self.clockwise = ((clockwise % 360) + 360) % 360
        self.mirrored = mirrored
    }

    /// The orientation a display matrix describes (9 entries `a b u / c d v / x y w`, as
    /// libavutil's display.h: a picture point (x, y) is shown at (a·x + c·y, b·x + d·y) plus a
    /// translation), or nil when the matrix is not a quarter turn within about 1° (the
    /// tolerance FFmpeg's own autorotate allows), mirrored or not, or has a perspective part.
    /// Scale factors (a pixel aspect ratio) are ignored.
    public init?(displayMatrix m: [Int32]) {
        guard m.count == 9, m[2] == 0, m[5] == 0 else { return nil }
        let a = Int64(m[0]), b = Int64(m[1]), c = Int64(m[3]), d = Int64(m[4])
        let largest = max(abs(a), abs(b), abs(c), abs(d))
        guard largest > 0 else { return nil }
        // sin 1° ≈ 1/57.3: an entry this small against the largest is a rounding of 0.
        func zero(_ v: Int64) -> Bool { abs(v) * 57 < largest }
        let (transpose, flipX, flipY): (Bool, Bool, Bool)
        if zero(b) && zero(c) && !zero(a) && !zero(d) {
            (transpose, flipX, flipY) = (false, a < 0, d < 0)
        } else if zero(a) && zero(d) && !zero(b) && !zero(c) {
            (transpose, flipX, flipY) = (true, b < 0, c < 0)
        } else {
            return nil
        }
        self.init(transpose: transpose, flipX: flipX, flipY: flipY)
    }

    /// True when width and height trade places (a quarter turn either way).
    public var swapsSides: Bool { clockwise % 180 == 90 }

    public var description: String {
        (mirrored ? "mirrored, then " : "") + "turned \(clockwise)° clockwise"
    }

    // MARK: - As a pixel mapping

    /// The mapping `sw_turn_plane` applies: the upright pixel (X, Y) is the decoded pixel
    /// (x, y) with u = transpose ? Y : X, v = transpose ? X : Y, x = flipX ? width-1-u : u,
    /// y = flipY ? height-1-v : v.
    var transpose: Bool { swapsSides }
    var flipX: Bool { Self.table[index].flipX }
    var flipY: Bool { Self.table[index].flipY }

    private var index: Int { clockwise / 90 + (mirrored ? 4 : 0) }

    /// Each (clockwise / 90, mirrored) as the mapping above. Turning 90° clockwise shows the
    /// decoded left column as the top row, read bottom to top: X = height-1-y, Y = x.
    private static let table: [(flipX: Bool, flipY: Bool)] = [
        (false, false), (false, true), (true, true), (true, false),   // 0, 90, 180, 270
        (true, false), (true, true), (false, true), (false, false),   // the same after a mirror
    ]

    private init(transpose: Bool, flipX: Bool, flipY: Bool) {
        let i = Self.table.indices.first { ($0 % 2 == 1) == transpose && Self.table[$0] == (flipX, flipY) }!
        self.init(clockwise: 90 * (i % 4), mirrored: i >= 4)
    }
}
