// swift-tools-version:6.0
// StreetWarden: city-camera violation detection.
// Data flows one way: source → decode → sample → scale → infer → regions → rules → store → cases.
// Each section below belongs to one layer; keep edits inside your layer's section.
import PackageDescription

// MARK: - Code generation flags
// Swift lowers SIMD multiply-add to libm calls without a target CPU (see docs/simd.md),
// so kernel targets name one. AVX-512 code lives in its own target, chosen at run time.
#if arch(x86_64)
let avx2Flags: [SwiftSetting] = [.unsafeFlags(["-O", "-target-cpu", "haswell"])]
let avx512Flags: [SwiftSetting] = [.unsafeFlags(["-O", "-target-cpu", "skylake-avx512"])]
#else
let avx2Flags: [SwiftSetting] = [.unsafeFlags(["-O"])]
let avx512Flags: [SwiftSetting] = [.unsafeFlags(["-O"])]
#endif
let portableFlags: [SwiftSetting] = [.unsafeFlags(["-O"])]

var targets: [Target] = []

// MARK: - Video ingest (FFmpeg at the edge)
targets += [
    .systemLibrary(
        name: "CFFmpeg",
        path: "Sources/CFFmpeg",
        pkgConfig: "libavformat",
        providers: [.apt(["libavformat-dev", "libavcodec-dev", "libswscale-dev", "libavutil-dev"])]
    ),
    // Pixel loops of the fast planar path; -O3 so clang vectorises them in every configuration.
    .target(name: "CVideoKernels", path: "Sources/CVideoKernels", cSettings: [.unsafeFlags(["-O3"])]),
    .target(name: "VideoIO", dependencies: ["CFFmpeg", "CVideoKernels"]),
    .testTarget(name: "VideoIOTests", dependencies: ["VideoIO"]),
]

// MARK: - Inference engine
targets += [
    // Generic @inlinable kernels + reference twins; the ISA targets specialize them with
    // their own -target-cpu. AVX-512 code lives only in KernelsAVX512, reached after CPUID.
    .target(name: "CPUFeatures", path: "Sources/CPUFeatures"),
    .target(name: "Kernels", dependencies: [], swiftSettings: portableFlags),
    // Header-only vector helpers (each with its own target attribute) for the ISA modules.
    .target(name: "CSIMDShims", path: "Sources/CSIMDShims"),
    .target(name: "KernelsAVX2", dependencies: ["Kernels", "CSIMDShims"], swiftSettings: avx2Flags),
    .target(name: "KernelsAVX512", dependencies: ["Kernels"], swiftSettings: avx512Flags),
    .target(name: "KernelsDispatch", dependencies: ["Kernels", "KernelsAVX2", "KernelsAVX512", "CPUFeatures"],
            swiftSettings: portableFlags),
    .target(name: "NN", dependencies: ["Kernels", "KernelsDispatch"], swiftSettings: portableFlags),
    .testTarget(name: "KernelsTests", dependencies: ["Kernels", "KernelsDispatch"]),
    .testTarget(name: "NNTests", dependencies: ["NN"], resources: [.copy("Fixtures")]),
]

// MARK: - Detection (model output → regions)
targets += [
    .target(name: "Detection", dependencies: ["NN"]),
    .testTarget(name: "DetectionTests", dependencies: ["Detection"]),
]

// MARK: - Rules, store, geo
targets += [
    .target(name: "Rules", dependencies: ["Detection"]),
    .target(name: "Geo", dependencies: []),
    .target(name: "CaseStore", dependencies: [.product(name: "GRDB", package: "GRDB.swift")]),
    .testTarget(name: "RulesTests", dependencies: ["Rules"]),
    .testTarget(name: "GeoTests", dependencies: ["Geo"]),
    .testTarget(name: "CaseStoreTests", dependencies: ["CaseStore"]),
]

// MARK: - Pipeline and command line
targets += [
    // SHA-256 compression for evidence files and clip identities (SHA extensions when present).
    .target(name: "CSHA256", path: "Sources/CSHA256", cSettings: [.unsafeFlags(["-O2"])]),
    .target(name: "Pipeline", dependencies: [
        "VideoIO", "NN", "Detection", "Rules", "CaseStore", "Geo", "CSHA256",
        .product(name: "Yams", package: "Yams"),
    ]),
    .executableTarget(name: "streetwarden", dependencies: [
        "Pipeline", "VideoIO", "NN", "Detection",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
    ]),
    .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "CSHA256"]),
    .testTarget(name: "CLITests", dependencies: ["CaseStore"]),
]

let package = Package(
    name: "StreetWarden",
    platforms: [.macOS(.v13)],
    products: [.executable(name: "streetwarden", targets: ["streetwarden"])],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.0"),
    ],
    targets: targets,
    swiftLanguageModes: [.v5]
)
