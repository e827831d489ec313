import ArgumentParser

@main
struct StreetWarden: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "streetwarden",
        abstract: "Finds street vending, garbage and illegal ads on city camera video.",
        subcommands: []
    )
}
