import XCTest

final class DetectionPlaceholderTests: XCTestCase {
    func testPackageBuilds() { XCTAssertEqual(1 + 1, 2) }
}
