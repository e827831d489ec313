import ArgumentParser

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
}
