import XCTest

final class PipelinePlaceholderTests: XCTestCase {
    func testPackageBuilds() { XCTAssertEqual(1 + 1, 2) }
}
