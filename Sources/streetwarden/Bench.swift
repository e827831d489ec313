import ArgumentParser

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks: decode speed, inference speed, accuracy.",
        subcommands: [BenchDecode.self, BenchInfer.self, BenchAccuracy.self]
    )
}
