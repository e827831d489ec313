import ArgumentParser

// Placeholder until its layer lands; replaced by the owning issue's work.
struct BenchAccuracy: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "accuracy", abstract: "Accuracy on a labelled dataset.")
    func run() throws { throw ValidationError("'accuracy' is not available in this build yet") }
}
