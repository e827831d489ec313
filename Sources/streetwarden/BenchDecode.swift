import ArgumentParser

// Placeholder until its layer lands; replaced by the owning issue's work.
struct BenchDecode: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "decode", abstract: "Decode and scale speed.")
    func run() throws { throw ValidationError("'decode' is not available in this build yet") }
}
