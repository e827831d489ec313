import XCTest

final class GeoPlaceholderTests: XCTestCase {
    func testPackageBuilds() { XCTAssertEqual(1 + 1, 2) }
}
