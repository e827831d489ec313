/// A 数字城管 case category: a code and its name.
public struct CategoryCode: Equatable, Codable, Sendable {
    public var code: String
    public var name: String
    public init(code: String, name: String) { self.code = code; self.name = name }

    /// Default codes per class (see docs/config.md for their provenance). Street vending
    /// defaults to 0501 (mobile vendor); a zone may use 0504 (business outside the shop).
    public static let defaults: [String: CategoryCode] = [
        "garbage": CategoryCode(code: "0102", name: "暴露垃圾"),
        "illegal_ad": CategoryCode(code: "0201", name: "非法小广告"),
        "street_vending": CategoryCode(code: "0501", name: "无照经营游商"),
    ]
    /// Further known codes a config may name by code alone.
    public static let known: [String: String] = [
        "0102": "暴露垃圾", "0201": "非法小广告", "0501": "无照经营游商", "0504": "店外经营",
    ]
}
