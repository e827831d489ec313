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
            let s = try store.openForReading()
            let page = try ReportWriter(store: s).write(to: URL(fileURLWithPath: out))
            try printChecked(page.path)
        }
    }
}
