import Foundation
import Rules

/// A few analyzers shared by many streams: a stream borrows one per sample. Keeps memory flat
/// as streams are added (one model's activations per core, not per stream) while every core
/// can still run inference.
public final class AnalyzerPool: @unchecked Sendable {
    private let lock = NSCondition()
    private var free: [FrameAnalyzer]
    public let inputWidth: Int
    public let inputHeight: Int
    public let modelName: String
    public let size: Int

    public init(size: Int, make: () throws -> FrameAnalyzer) throws {
        precondition(size >= 1)
        var list: [FrameAnalyzer] = []
        for _ in 0..<size { list.append(try make()) }
        free = list
        inputWidth = list[0].inputWidth; inputHeight = list[0].inputHeight; modelName = list[0].modelName
        self.size = size
    }

    /// Runs `body` with an analyzer of its own, waiting for one if all are busy.
    public func with<T>(_ body: (FrameAnalyzer) throws -> T) rethrows -> T {
        lock.lock()
        while free.isEmpty { lock.wait() }
        let a = free.removeLast()
        lock.unlock()
        defer { lock.lock(); free.append(a); lock.signal(); lock.unlock() }
        return try body(a)
    }
}
