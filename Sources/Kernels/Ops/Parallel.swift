import Dispatch

/// Splits `0..<count` into at most `threads` contiguous chunks whose bounds are multiples of
/// `granule` and runs `body(range, chunkIndex)` on each, concurrently when more than one.
@inlinable
func parallelChunks(_ count: Int, threads: Int, granule: Int = 1, _ body: (Range<Int>, Int) -> Void) {
    let units = (count + granule - 1) / granule
    let parts = Swift.max(1, Swift.min(threads, units))
    if parts == 1 { body(0..<count, 0); return }
    DispatchQueue.concurrentPerform(iterations: parts) { t in
        let lo = Swift.min(count, (units * t / parts) * granule)
        let hi = Swift.min(count, (units * (t + 1) / parts) * granule)
        if lo < hi { body(lo..<hi, t) }
    }
}
