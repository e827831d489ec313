import ArgumentParser
import CaseStore
import Foundation
import Pipeline

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
        // A negative case id reads to the parser as an option ("Missing expected argument",
        // or the status blamed): said plainly instead.
        let args = Array(CommandLine.arguments.dropFirst())
        if args.count > 2, args[0] == "cases", ["show", "set-status"].contains(args[1]) {
            for (i, a) in args.enumerated().dropFirst(2) where a.count > 1 && a.first == "-" && a.dropFirst().allSatisfy(\.isNumber)
                && !["--db", "--note", "--format"].contains(args[i - 1]) {
                FileHandle.standardError.write(Data("error: case id must be a positive whole number, not \(a) (see --help)\n".utf8))
                Foundation.exit(ExitCode.validationFailure.rawValue)
            }
        }
        var command: ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            let code = exitCode(for: error)
            if code == .success { printHelp(error) }
            let reason = message(for: error).split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.hasPrefix("Help:") && !$0.isEmpty }.joined(separator: " ")
            FileHandle.standardError.write(Data("error: \(reason) (see --help)\n".utf8))
            Foundation.exit(code.rawValue)
        }
        CaseStore.onLockWait = { database, limit in
            FileHandle.standardError.write(Data(
                "waiting for database \(database): another process holds its lock (giving up after \(Int(limit)) s)\n".utf8))
        }
        do { try command.run() } catch {
            if exitCode(for: error) == .success { printHelp(error) }   // `help`, `--help` after a subcommand
            exit(withError: error)
        }
        checkStandardOutput()
    }

    /// Writes the help that `error` (a help request) asks for and exits: 0, or 1 with one line
    /// when standard output cannot take it.
    static func printHelp(_ error: Error) -> Never {
        do {
            try FileHandle.standardOutput.write(contentsOf: Data((fullMessage(for: error) + "\n").utf8))
        } catch {
            FileHandle.standardError.write(Data("error: cannot write standard output: \(ErrorText.line(error))\n".utf8))
            Foundation.exit(1)
        }
        Foundation.exit(0)
    }

    /// Every command's output, checked: a full disk or a closed pipe is an error, not a silent
    /// success.
    /// Commands that print as they go call it after each line, so that the reason is the failed
    /// write's own (ENOSPC, EPIPE), read before later calls reuse `errno`, and the work stops there.
    static func checkStandardOutput() {
        errno = 0
        if fflush(stdout) != 0 || ferror(stdout) != 0 {
            let reason = String(cString: strerror(errno == 0 ? EIO : errno))
            FileHandle.standardError.write(Data("error: cannot write standard output: \(reason)\n".utf8))
            Foundation.exit(1)
        }
    }
}
