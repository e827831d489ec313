import ArgumentParser

// Placeholder until its layer lands; replaced by the owning issue's work.
struct Cases: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cases", abstract: "List, show, export and update cases.")
    func run() throws { throw ValidationError("'cases' is not available in this build yet") }
}
