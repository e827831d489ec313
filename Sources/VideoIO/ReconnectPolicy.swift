/// How a `ReconnectingVideoSource` waits between attempts: exponential backoff with jitter,
/// so a hundred cameras that drop together do not all reconnect in the same instant.
public struct ReconnectPolicy: Equatable, Sendable {
    /// Seconds before the first retry.
    public var initialDelay: Double = 1
    /// Upper bound on the wait, in seconds.
    public var maxDelay: Double = 30
    /// Growth factor per consecutive failure.
    public var multiplier: Double = 2
    /// Random spread as a fraction of the delay: 0.25 gives a wait within ±25 %.
    public var jitter: Double = 0.25
    /// Consecutive failures after which `nextFrame()` throws the last error; nil retries forever.
    public var maxAttempts: Int? = nil

    public init(initialDelay: Double = 1, maxDelay: Double = 30, multiplier: Double = 2,
                jitter: Double = 0.25, maxAttempts: Int? = nil) {
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.multiplier = multiplier
        self.jitter = jitter
        self.maxAttempts = maxAttempts
    }

    /// The wait after `failures` consecutive failures (1 = the first), given a uniform random
    /// number `unit` in 0…1.
    public func delay(afterFailures failures: Int, unit: Double) -> Double {
        let exponent = Double(max(failures - 1, 0))
        let base = min(maxDelay, initialDelay * pow(multiplier, exponent))
        let spread = base * jitter * (2 * unit - 1)
        return max(0, min(maxDelay, base + spread))
    }
}

import Foundation
