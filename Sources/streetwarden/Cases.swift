import ArgumentParser
import CaseStore
import Foundation
import Pipeline

/// Options every command that reads the store shares.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "The SQLite case store (default: ./streetwarden.sqlite).")
    var db: String = "streetwarden.sqlite"

    /// Opens an existing store; a missing file is an error (reading never creates one).
    func openExisting() throws -> CaseStore {
        guard FileManager.default.fileExists(atPath: db) else { throw CLIError("no database at \(db)") }
        do { return try CaseStore(path: db) } catch { throw CLIError("\(error)") }
    }
}

/// A one-line error for the user; the command exits with status 1.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

extension OutputFormat: ExpressibleByArgument {}
extension CaseStatus: ExpressibleByArgument {}

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
                let s = try store.openExisting()
                print(CaseFormatter.render(try s.cases(status: status, category: category), as: format))
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one case with its occurrences, evidence and history.")
        @OptionGroup var store: StoreOptions
        @Option(help: "table or json.") var format: OutputFormat = .table
        @Argument(help: "Case id.") var id: Int64
        func run() throws {
            try reportErrors {
                let s = try store.openExisting()
                guard let c = try s.caseRecord(id: id) else { throw CLIError("no case \(id) in \(store.db)") }
                print(CaseFormatter.detail(c, events: try s.events(caseID: id), history: try s.statusHistory(caseID: id), as: format))
            }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "export", abstract: "Export all cases (JSON or CSV) to a file or standard output.")
        @OptionGroup var store: StoreOptions
        @Option(help: "json, csv or geojson (cases with coordinates as points, and each drive's route as lines).")
        var format: OutputFormat = .json
        @Option(help: "Output file (default: standard output).") var out: String?
        func run() throws {
            try reportErrors {
                let s = try store.openExisting()
                let text = format == .geojson ? try PatrolExports.geoJSON(store: s) + "\n"
                    : CaseFormatter.render(try s.cases(), as: format == .table ? .json : format) + "\n"
                if let out {
                    do { try Data(text.utf8).write(to: URL(fileURLWithPath: out), options: .atomic) }
                    catch { throw CLIError("cannot write \(out): \(error.localizedDescription)") }
                } else {
                    print(text, terminator: "")
                }
            }
        }
    }

    struct SetStatus: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-status",
            abstract: "Move a case along new → dispatched → resolved → closed, or to rejected (false alarm, kept for retraining).")
        @OptionGroup var store: StoreOptions
        @Option(help: "table or json.") var format: OutputFormat = .table
        @Argument(help: "Case id.") var id: Int64
        @Argument(help: "New status: dispatched, resolved, closed or rejected.") var status: CaseStatus
        @Option(help: "A note kept with the change.") var note: String?
        func run() throws {
            try reportErrors {
                let s = try store.openExisting()
                try s.setStatus(caseID: id, to: status, note: note)
                if let c = try s.caseRecord(id: id) { print(CaseFormatter.render([c], as: format)) }
            }
        }
    }
}

/// Runs `body`, turning any error into one line on standard error and exit status 1.
func reportErrors(_ body: () throws -> Void) throws {
    do { try body() } catch let e as ExitCode { throw e } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode(1)
    }
}
