import XCTest

final class CLIPlaceholderTests: XCTestCase {
    func testPackageBuilds() { XCTAssertEqual(1 + 1, 2) }
}
