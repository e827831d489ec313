import ArgumentParser
import Foundation
import Kernels
import KernelsDispatch
import NN
import Pipeline

/// `streetwarden bench infer`: forward-pass speed of a model on one input, warm-up then
/// timed runs, min / median / max, with a header naming CPU, threads, ISA path and build.
struct BenchInfer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer",
        abstract: "Inference speed of a model (ms per frame, GFLOP/s).")

    static let fallbackModel = "models/fastestdet-random"

    @Option(help: "Model base path (NAME for NAME.json + NAME.safetensors). Default: as for analyze (models/streetwarden-v1.json or STREETWARDEN_MODEL), else \(fallbackModel).")
    var model: String?

    @Option(parsing: .unconditional, help: "Intra-op threads per frame.")
    var threads: Int = 1

    @Option(parsing: .unconditional, help: "Timed iterations (after warm-up).")
    var iterations: Int = 50

    @Option(parsing: .unconditional, help: "Warm-up iterations.")
    var warmup: Int = 5

    @Option(help: "Kernel path: auto, reference, portable, avx2 or avx512.")
    var kernels: String = "auto"

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    @Flag(help: "Also time each layer (text mode).")
    var layers = false

    func validate() throws {
        guard threads >= 1, threads <= 256 else { throw ValidationError("--threads must be 1…256") }
        guard iterations >= 1, warmup >= 0 else { throw ValidationError("--iterations must be ≥ 1 and --warmup ≥ 0") }
        guard kernels == "auto" || KernelPath(rawValue: kernels) != nil else {
            throw ValidationError("--kernels \(kernels): use auto, \(KernelPath.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() throws {
        // The default model is found as `analyze` finds it (also from outside the checkout).
        let path: String
        do {
            path = try model.map { try ModelLocator.resolve($0) } ?? (try? ModelLocator.resolve(nil)) ?? Self.fallbackModel
        } catch {
            FileHandle.standardError.write("streetwarden: \(ErrorText.line(error))\n".data(using: .utf8)!)
            throw ExitCode(1)
        }
        let kernelSet: KernelSet
        do { kernelSet = try KernelSelection.kernels(named: kernels) } catch {
            FileHandle.standardError.write("streetwarden: --kernels \(kernels): \(error)\n".data(using: .utf8)!)
            throw ExitCode(2)
        }
        let net: Model
        do { net = try Model.load(path: path, kernels: kernelSet.path, threads: threads) } catch {
            FileHandle.standardError.write("streetwarden: \(ErrorText.line(error))\n".data(using: .utf8)!)
            throw ExitCode(1)
        }
        let shape = net.metadata.inputShape
        // A fixed, non-trivial input: a smooth gradient with a seeded ripple.
        var data = [Float](repeating: 0, count: shape.reduce(1, *))
        for i in data.indices { data[i] = 0.5 + 0.4 * sinf(Float(i % 9973) * 0.013) }
        let input = Tensor(shape: shape, data: data)

        for _ in 0..<warmup { _ = try net.run(input) }
        var times: [Double] = []
        for _ in 0..<iterations {
            let t0 = DispatchTime.now().uptimeNanoseconds
            _ = try net.run(input)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
        }
        times.sort()
        let median = times[times.count / 2]
        let gflop = Double(net.flops) / 1e9
        let gflops = gflop / (median / 1e3)
        if json {
            let obj: [String: Any] = [
                "ms_per_frame": (median * 1000).rounded() / 1000, "gflops": (gflops * 10).rounded() / 10,
                "input": shape, "kernels": kernelSet.path.rawValue,
                "min_ms": (times.first! * 1000).rounded() / 1000, "max_ms": (times.last! * 1000).rounded() / 1000,
                "model_gflop": (gflop * 1e4).rounded() / 1e4, "threads": threads, "iterations": iterations, "model": path,
            ]
            let d = try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys])
            print(String(decoding: d, as: UTF8.self))
            return
        }
        print("# bench infer: \(path) (\(net.metadata.name)), input \(shape)")
        print("# cpu: \(Self.cpuName()), threads: \(threads), kernels: \(kernelSet.path) (available: \(KernelSelection.available.map(\.rawValue).joined(separator: ",")))")
        print("# build: kernels -O; avx2 -target-cpu haswell; avx512 -target-cpu skylake-avx512; commit \(Self.commit())")
        print("# warm-up \(warmup), timed \(iterations)")
        print(String(format: "ms/frame  min %.3f  median %.3f  max %.3f   %.3f GFLOP/frame  %.1f GFLOP/s",
                     times.first!, median, times.last!, gflop, gflops))
        if layers {
            var sums = [Double](repeating: 0, count: net.layers.count)
            let rounds = max(3, min(iterations, 20))
            for _ in 0..<rounds {
                let t = try net.profile(input)
                for i in t.indices { sums[i] += t[i] }
            }
            print("\nlayer                                op               shape             ms     MFLOP   GFLOP/s")
            for (i, l) in net.layers.enumerated() {
                let ms = sums[i] / Double(rounds) * 1e3
                let mflop = Double(l.flops) / 1e6
                print(String(format: "%-36@ %-16@ %-14@ %7.3f %8.2f %8.1f", l.name as NSString, l.op as NSString,
                             "\(l.outputShape)" as NSString, ms, mflop, ms > 0 ? mflop / ms : 0))
            }
        }
    }

    static func cpuName() -> String {
        guard let s = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = s.split(separator: "\n").first(where: { $0.hasPrefix("model name") }) else { return "unknown" }
        return line.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown"
    }

    static func commit() -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["git", "rev-parse", "--short", "HEAD"]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return "unknown" }
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        p.waitUntilExit()
        // Outside a checkout (an installed binary) git names no commit.
        return p.terminationStatus == 0 && !text.isEmpty ? text : "unknown"
    }
}
