// libFuzzer harness for the model loader (built by `make fuzz`, not by `swift build`).
// Input: 4-byte little-endian length L, then L bytes of graph JSON, then the safetensors bytes.
import NN

@_cdecl("LLVMFuzzerTestOneInput")
public func modelFuzzerTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard bytes.count >= 4 else { return 0 }
    let n = Int(bytes[0]) | Int(bytes[1]) << 8 | Int(bytes[2]) << 16 | Int(bytes[3]) << 24
    let jsonEnd = min(bytes.count, 4 + n)
    _ = ModelFuzzEntry.loadAndRun(json: Array(bytes[4..<jsonEnd]), weights: Array(bytes[jsonEnd...]))
    return 0
}
