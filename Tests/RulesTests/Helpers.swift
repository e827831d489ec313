import Foundation
@testable import Rules

/// Builds sample sequences: one sample every `step` seconds from `start` to `end` (exclusive),
/// each with the regions `regions(t)` returns.
func samples(from start: Double, to end: Double, step: Double = 2, origin: Date = Date(timeIntervalSince1970: 1_767_225_600),
             regions: (Double) -> [Observation]) -> [Sample] {
    var out: [Sample] = []
    var t = start
    while t < end {
        out.append(Sample(time: t, wallClock: origin.addingTimeInterval(t), observations: regions(t)))
        t += step
    }
    return out
}

let garbageBox = NormalizedBox(x1: 0.40, y1: 0.60, x2: 0.55, y2: 0.80)
let vendingBox = NormalizedBox(x1: 0.10, y1: 0.50, x2: 0.30, y2: 0.90)
let adBox = NormalizedBox(x1: 0.70, y1: 0.20, x2: 0.80, y2: 0.35)

func garbage(_ score: Double = 0.9, box: NormalizedBox = garbageBox) -> Observation {
    Observation(className: ViolationClass.garbage, score: score, box: box)
}

/// Runs samples through an engine, then finishes it; returns all events.
func feed(_ engine: RuleEngine, _ seq: [Sample], finish: Bool = true) -> [RuleEvent] {
    var events = seq.flatMap { engine.process($0) }
    if finish { events += engine.finish() }
    return events
}

extension Array where Element == RuleEvent {
    var violations: [Incident] { compactMap { if case .violation(let i) = $0 { return i } else { return nil } } }
    var ended: [(Incident, EndReason)] { compactMap { if case .ended(let i, let r) = $0 { return (i, r) } else { return nil } } }
    var started: [Incident] { compactMap { if case .trackStarted(let i) = $0 { return i } else { return nil } } }
    var dropped: [Incident] { compactMap { if case .trackDropped(let i) = $0 { return i } else { return nil } } }
}

let utc = TimeZone(identifier: "UTC")!
