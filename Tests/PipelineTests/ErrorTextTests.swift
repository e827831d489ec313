import Foundation
@testable import Pipeline
import XCTest

/// Errors become one line: Foundation's file errors as "PATH: reason", control characters escaped.
final class ErrorTextTests: XCTestCase {
    func testFoundationFileErrorsArePathAndReason() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sw-err-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("evidence")
        try Data("x".utf8).write(to: file)
        // A folder under a file: Foundation's error carries the POSIX reason underneath.
        XCTAssertThrowsError(try FileManager.default.createDirectory(at: file.appendingPathComponent("cam"), withIntermediateDirectories: true)) { e in
            let line = ErrorText.line(e)
            XCTAssertFalse(line.contains("Error Domain"), line)
            XCTAssertFalse(line.contains("UserInfo"), line)
            XCTAssertTrue(line.contains(file.path), line)
            XCTAssertTrue(line.hasSuffix("\(file.path) is a file, not a folder"), line)
        }
        XCTAssertThrowsError(try Data(contentsOf: dir.appendingPathComponent("gone.jpg"))) { e in
            XCTAssertEqual(ErrorText.line(e), "\(dir.appendingPathComponent("gone.jpg").path): No such file or directory")
        }
    }

    func testOwnErrorsAndControlCharacters() {
        XCTAssertEqual(ErrorText.line(PipelineError("cannot open a\nb.mp4: no such file")), "cannot open a\\nb.mp4: no such file")
        XCTAssertEqual(ErrorText.escaped("tab\there\u{7}"), "tab\\there\\u{7}")
        XCTAssertEqual(ErrorText.escaped("人民路 12 号"), "人民路 12 号")
        XCTAssertEqual(ErrorText.escaped("a\u{202E}b\u{2028}c"), "a\\u{202e}b\\u{2028}c", "bidi override, line separator")
    }
}
