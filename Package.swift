// swift-tools-version:6.0
// StreetWarden: city-camera violation detection.
// Data flows one way: source → decode → sample → scale → infer → regions → rules → store → cases.
// Each section below belongs to one layer; keep edits inside your layer's section.
import PackageDescription
import Foundation

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

// MARK: - Start-up order of shared objects
// The dynamic loader resolves every symbol a library imports by walking the process's load
// order from the executable on; Debian's FFmpeg libraries bring about 135 objects, all bound at
// start. Naming the objects that define most of those symbols first in the executable's own
// dependency list puts them at the front of that walk: about 35 M fewer instructions in the
// loader, 8–10 ms less per process (docs/architecture.md, "Start-up"). Only objects present on
// this machine are named, so a system without one of them links as before.
let earlyLoadOrder = [
    "libc.so.6", "libcrypto.so.3", "libstdc++.so.6", "libglib-2.0.so.0", "libsqlite3.so.0",
    "libsrt-gnutls.so.1.5", "libgio-2.0.so.0", "libnettle.so.8", "libgnutls.so.30", "libmbedcrypto.so.7",
    "libavutil.so.57", "libcodec2.so.1.0", "libunistring.so.2", "libpango-1.0.so.0", "libgobject-2.0.so.0",
    "libcairo.so.2", "libm.so.6", "libharfbuzz.so.0", "liblcms2.so.2", "libhogweed.so.6", "libzvbi.so.0",
    "libX11.so.6", "libmount.so.1", "libpng16.so.16", "libssh-gcrypt.so.4", "libopenmpt.so.0", "libssl.so.3",
    "libxml2.so.2", "libfreetype.so.6", "libsodium.so.23", "libgmp.so.10", "libgssapi_krb5.so.2",
    "libvorbis.so.0", "libpixman-1.so.0", "libjpeg.so.62", "libselinux.so.1", "libavcodec.so.59", "libz.so.1",
]
#if os(Linux) && arch(x86_64)
let libraryDirs = ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu"]
let present = earlyLoadOrder.compactMap { name in libraryDirs.map { $0 + "/" + name }.first { FileManager.default.fileExists(atPath: $0) } }
let loadOrderFlags: [LinkerSetting] = present.isEmpty ? [] : [.unsafeFlags(present)]
#else
let loadOrderFlags: [LinkerSetting] = []
#endif

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
    .target(name: "VideoIO", dependencies: ["CFFmpeg", "CVideoKernels", "DateFields"]),
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
    .target(name: "CaseStore", dependencies: ["DateFields", .product(name: "GRDB", package: "GRDB.swift")]),
    // Whether an ISO 8601 date-time's fields name a moment that exists (VideoIO's --start, the store's dates).
    .target(name: "DateFields", dependencies: []),
    .testTarget(name: "RulesTests", dependencies: ["Rules"]),
    .testTarget(name: "GeoTests", dependencies: ["Geo"]),
    .testTarget(name: "CaseStoreTests", dependencies: ["CaseStore", "StoreDamage"]),
    // Test support only (no product uses it): damages a store file the same way in both test targets.
    .target(name: "StoreDamage", dependencies: [.product(name: "GRDB", package: "GRDB.swift")], path: "Tests/StoreDamage"),
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
        "Pipeline", "VideoIO", "NN", "Detection", "Geo",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
    ], linkerSettings: loadOrderFlags),
    .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "CSHA256"]),
    .testTarget(name: "CLITests", dependencies: ["CaseStore", "StoreDamage"]),
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
