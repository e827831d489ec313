import XCTest

final class KernelsPlaceholderTests: XCTestCase {
    func testPackageBuilds() { XCTAssertEqual(1 + 1, 2) }
}
