import Kernels

/// The fuzzing entry point: load a model from raw bytes and, if it loads, run it once on
/// zeros. Shared by the property test and the libFuzzer harness (Fuzz/).
public enum ModelFuzzEntry {
    public enum Outcome { case loaded, rejected }

    public static func loadAndRun(json: [UInt8], weights: [UInt8]) -> Outcome {
        do {
            let st = try SafeTensors(bytes: weights, name: "fuzz.safetensors")
            let model = try Model(json: json, jsonName: "fuzz.json", weights: st)
            guard model.metadata.inputShape.reduce(1, *) <= 1 << 20 else { return .loaded }
            _ = try model.runAll(Tensor(shape: model.metadata.inputShape))
            return .loaded
        } catch {
            return .rejected
        }
    }
}
