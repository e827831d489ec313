import ArgumentParser

// Placeholder until its layer lands; replaced by the owning issue's work.
struct BenchInfer: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "infer", abstract: "Inference speed.")
    func run() throws { throw ValidationError("'infer' is not available in this build yet") }
}
