import ArgumentParser
import CaseStore
import Foundation
import Pipeline

/// Options every command that reads the store shares.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "The SQLite case store (default: ./streetwarden.sqlite).")
    var db: String = "streetwarden.sqlite"

    /// Opens an existing store read-only; reading never creates, migrates or changes one.
    func openForReading() throws -> CaseStore {
        do { return try CaseStore(path: db, mode: .read) } catch { throw CLIError("\(error)") }
    }

    /// Opens an existing store to change it (an older schema is migrated); never creates one.
    func openForUpdate() throws -> CaseStore {
        do { return try CaseStore(path: db, mode: .update) } catch { throw CLIError("\(error)") }
    }
}

/// A one-line error for the user; the command exits with status 1.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

extension OutputFormat: ExpressibleByArgument {}
extension CaseStatus: ExpressibleByArgument {}

/// Formats of one case (`cases show`, `cases set-status`).
enum DetailFormat: String, CaseIterable, ExpressibleByArgument {
    case table, json
    var output: OutputFormat { OutputFormat(rawValue: rawValue)! }
}

/// Formats of `cases export`.
enum ExportFormat: String, CaseIterable, ExpressibleByArgument { case json, csv, geojson }

struct Cases: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cases", abstract: "List, show, export and update cases.",
        subcommands: [List.self, Show.self, Export.self, SetStatus.self], defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List cases.")
        @OptionGroup var store: StoreOptions
        @Option(help: "table, json, csv or geojson.") var format: OutputFormat = .table
        @Option(help: "Only cases with this status.") var status: CaseStatus?
        @Option(help: "Only this category (street_vending, garbage, illegal_ad).") var category: String?
        func run() throws {
            try reportErrors {
                let s = try store.openForReading()
                if let category {
                    let known = Set(CategoryCode.defaults.keys).union(try s.categories()).sorted()
                    guard known.contains(category) else {
                        throw CLIError("--category \(category): unknown category (accepted: \(known.joined(separator: ", ")))")
                    }
                }
                let read = try s.readableCases(status: status, category: category)
                try printChecked(CaseFormatter.render(read.items, as: format))
                try failOnUnreadable(read.damaged, shown: "listed", allDamaged: read.items.isEmpty)
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one case with its occurrences, evidence and history.")
        @OptionGroup var store: StoreOptions
        @Option(help: "table or json.") var format: DetailFormat = .table
        @Argument(help: "Case id.") var id: Int64
        func run() throws {
            try reportErrors {
                let s = try store.openForReading()
                guard let c = try s.caseRecord(id: id) else { throw CLIError("no case \(id) in \(store.db)") }
                let events = try s.readableEvents(caseID: id)
                try printChecked(CaseFormatter.detail(c, events: events.items, history: try s.statusHistory(caseID: id), as: format.output))
                if !events.damaged.isEmpty {
                    for d in events.damaged { warn("\(d); not shown") }
                    throw CLIError("case \(id): \(events.damaged.count) occurrence(s) could not be read; the others were shown")
                }
            }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "export", abstract: "Export all cases (JSON or CSV) to a file or standard output.")
        @OptionGroup var store: StoreOptions
        @Option(help: "json, csv or geojson (cases with coordinates as points, and each drive's route as lines).")
        var format: ExportFormat = .json
        @Option(help: "Output file (default: standard output); never the database or its evidence, and not an existing file without --force.")
        var out: String?
        @Flag(help: "Replace the --out file if it exists.") var force = false
        func run() throws {
            try reportErrors {
                if out?.isEmpty == true { throw CLIError("cases export --out: the file path is empty") }
                let s = try store.openForReading()
                if let out { try OutputFile.checkExport(out, store: s, replace: force) }
                let read = try s.readableCases()
                let text = switch format {
                case .geojson: try PatrolExports.geoJSON(store: s, cases: read.items) + "\n"
                case .json: CaseFormatter.render(read.items, as: .json) + "\n"
                case .csv: CaseFormatter.render(read.items, as: .csv) + "\n"
                }
                if let out {
                    try OutputFile.write(Data(text.utf8), to: out)
                } else {
                    try printChecked(text, terminator: "")
                }
                try failOnUnreadable(read.damaged, shown: "exported", allDamaged: read.items.isEmpty)
            }
        }
    }

    struct SetStatus: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-status",
            abstract: "Move a case along new → dispatched → resolved → closed, or to rejected (false alarm, kept for retraining).")
        @OptionGroup var store: StoreOptions
        @Option(help: "table or json.") var format: DetailFormat = .table
        @Argument(help: "Case id.") var id: Int64
        @Argument(help: "New status: dispatched, resolved, closed or rejected.") var status: CaseStatus
        @Option(parsing: .unconditional, help: "A note kept with the change.") var note: String?
        func run() throws {
            try reportErrors {
                let s = try store.openForUpdate()
                try s.setStatus(caseID: id, to: status, note: note)
                // A row damaged elsewhere than its status still takes the change: say that it did.
                let c: CaseRecord?
                do { c = try s.caseRecord(id: id) } catch {
                    // The change is made (exit 0: a script must not retry it); the damage is said.
                    warn("case \(id) is now \(status.rawValue), but cannot be shown: \(ErrorText.line(error))")
                    return
                }
                if let c { try printChecked(CaseFormatter.render([c], as: format.output)) }
            }
        }
    }
}

/// One `warning:` line on standard error.
func warn(_ text: String) {
    FileHandle.standardError.write(Data("warning: \(text)\n".utf8))
}

/// After output without the rows that do not read: a warning naming each, then exit status 1
/// (the other cases were `shown`), so that a script never takes the output for the whole store.
func failOnUnreadable(_ damaged: [String], shown: String, allDamaged: Bool) throws {
    guard !damaged.isEmpty else { return }
    for d in damaged { warn("\(d); left out") }
    throw CLIError("\(damaged.count) case(s) could not be read; " + (allDamaged ? "no case was \(shown)" : "the others were \(shown)"))
}

/// Prints `text` and a newline to standard output; a failed write (a full disk, a closed pipe)
/// is an error with the system's reason.
func printChecked(_ text: String, terminator: String = "\n") throws {
    if fputs(text + terminator, stdout) == EOF || ferror(stdout) != 0 {
        throw CLIError("cannot write standard output: \(String(cString: strerror(errno)))")
    }
}

/// Runs `body`, turning any error into one line on standard error and exit status 1. (Output
/// that could not be written is checked once for every command, in `StreetWarden.main`.)
func reportErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let e as ExitCode { throw e } catch {
        FileHandle.standardError.write(Data("error: \(ErrorText.line(error))\n".utf8))
        throw ExitCode(1)
    }
}
