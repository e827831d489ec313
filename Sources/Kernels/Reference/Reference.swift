/// Plain, obviously-correct implementations of every op: nested loops with explicit index
/// arithmetic, no packing, no SIMD. The optimized twins are tested against these.
public enum Reference {}
