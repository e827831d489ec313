import ArgumentParser

// Placeholder until its layer lands; replaced by the owning issue's work.
struct Watch: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "watch", abstract: "Watch live streams from a camera config.")
    func run() throws { throw ValidationError("'watch' is not available in this build yet") }
}
