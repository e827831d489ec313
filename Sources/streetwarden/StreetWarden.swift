import ArgumentParser
import Foundation

@main
struct StreetWarden: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "streetwarden",
        abstract: "Finds street vending, garbage and illegal ads on city camera video and turns them into cases.",
        subcommands: [
            Analyze.self,
            Watch.self,
            Detect.self,
            Cases.self,
            Report.self,
            Bench.self,
        ]
    )

    /// Parses the command line and runs the command. A command line that does not parse (an
    /// unknown option, a value outside the accepted ones) is reported as every other error
    /// is: one line on standard error, naming the accepted values where there is a list.
    static func main() {
        var command: ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            let code = exitCode(for: error)
            if code == .success { exit(withError: error) }  // --help, --version
            let reason = message(for: error).split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.hasPrefix("Help:") && !$0.isEmpty }.joined(separator: " ")
            FileHandle.standardError.write(Data("error: \(reason) (see --help)\n".utf8))
            Foundation.exit(code.rawValue)
        }
        do { try command.run() } catch { exit(withError: error) }
    }
}
