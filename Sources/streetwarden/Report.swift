import ArgumentParser
import Foundation
import Pipeline

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Write a static HTML report (cases, evidence thumbnails, timelines per camera) that opens offline.")
    @OptionGroup var store: StoreOptions
    @Option(help: "Folder for index.html and copied evidence.") var out: String

    func run() throws {
        try reportErrors {
            let s = try store.openExisting()
            do {
                let page = try ReportWriter(store: s).write(to: URL(fileURLWithPath: out))
                print(page.path)
            } catch { throw CLIError("cannot write the report to \(out): \(error)") }
        }
    }
}
