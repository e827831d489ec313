import ArgumentParser
import Foundation
import Pipeline

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Write a static HTML report (cases, evidence thumbnails, timelines per camera) that opens offline.")
    @OptionGroup var store: StoreOptions
    @Option(help: "Folder for index.html and copied evidence (not the database's folder).") var out: String

    func run() throws {
        try reportErrors {
            guard !out.isEmpty else { throw CLIError("report --out: the folder path is empty") }
            let s = try store.openForReading()
            let outcome = try ReportWriter(store: s).write(to: URL(fileURLWithPath: out))
            try printChecked(outcome.index.path)
            // The page is written either way; evidence it cannot vouch for, or rows that do not
            // read, make the run fail.
            for p in outcome.unreadable { warn("\(p); not shown") }
            for p in outcome.problems { warn(ErrorText.line(PipelineError(p))) }
            var failures: [String] = []
            if let text = ReportWriter.unreadableText(cases: outcome.unreadableCases, occurrences: outcome.unreadable.count - outcome.unreadableCases) {
                failures.append("\(text) could not be read; the report leaves them out")
            }
            if !outcome.problems.isEmpty { failures.append("\(outcome.problems.count) evidence file(s) missing or altered; the report marks them") }
            if !failures.isEmpty { throw CLIError(failures.joined(separator: "; ")) }
        }
    }
}
