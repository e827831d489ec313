import ArgumentParser

// Placeholder until its layer lands; replaced by the owning issue's work.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "report", abstract: "Write a static HTML report.")
    func run() throws { throw ValidationError("'report' is not available in this build yet") }
}
