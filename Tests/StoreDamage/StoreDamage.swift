import Foundation
import GRDB

// Shared by the store's tests and the commands' tests: a store damaged the same way every run.

/// Overwrites the cases table's root page of the store at `path` with bytes that are not a
/// page, from `offset` to its end (a fixed seed, so the damage is the same every run).
public func overwriteCasesPage(_ path: String, from offset: Int) throws {
    let (pageSize, root): (Int, Int) = try {
        let q = try DatabaseQueue(path: path)
        defer { try? q.close() }
        return try q.read { db in
            (try Int.fetchOne(db, sql: "PRAGMA page_size")!,
             try Int.fetchOne(db, sql: "SELECT rootpage FROM sqlite_master WHERE name = 'cases'")!)
        }
    }()
    var garbage = [UInt8](repeating: 0, count: pageSize - offset)
    var x: UInt32 = 2_463_534_242
    for i in garbage.indices { x ^= x << 13; x ^= x >> 17; x ^= x << 5; garbage[i] = UInt8(truncatingIfNeeded: x) }
    let h = try FileHandle(forUpdating: URL(fileURLWithPath: path))
    try h.seek(toOffset: UInt64((root - 1) * pageSize + offset))
    try h.write(contentsOf: garbage)
    try h.close()
}
