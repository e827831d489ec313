import ArgumentParser

// Placeholder until its layer lands; replaced by the owning issue's work.
struct Analyze: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "analyze", abstract: "Analyze recorded clips into the case store.")
    func run() throws { throw ValidationError("'analyze' is not available in this build yet") }
}
