import ArgumentParser

// Placeholder until its layer lands; replaced by the owning issue's work.
struct Detect: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "detect", abstract: "Run the detector on images and clips.")
    func run() throws { throw ValidationError("'detect' is not available in this build yet") }
}
