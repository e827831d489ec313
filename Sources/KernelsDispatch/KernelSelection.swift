import CPUFeatures
import Kernels
import KernelsAVX2
import KernelsAVX512

/// Run-time choice of kernel path from the CPU's features. The AVX-512 table lives in its
/// own module and is only touched after CPUID says the CPU has it, so no build dies with an
/// illegal instruction on older CPUs.
public enum KernelSelection {
    /// Whether AVX2+FMA can run here.
    public static let hasAVX2: Bool = {
        #if arch(x86_64)
        return sw_cpu_has_avx2_fma() != 0
        #else
        return false
        #endif
    }()

    /// Whether AVX-512 (F, BW, DQ, VL) can run here.
    public static let hasAVX512: Bool = {
        #if arch(x86_64)
        return sw_cpu_has_avx512() != 0
        #else
        return false
        #endif
    }()

    /// Paths this CPU can run, slowest first.
    public static var available: [KernelPath] {
        var paths: [KernelPath] = [.reference, .portable]
        if hasAVX2 { paths.append(.avx2) }
        if hasAVX512 { paths.append(.avx512) }
        return paths
    }

    /// The fastest path this CPU runs.
    public static var best: KernelPath { available.last! }

    /// The kernel table for `path`, or an error naming why the CPU cannot run it.
    public static func kernels(_ path: KernelPath) throws -> KernelSet {
        switch path {
        case .reference: return KernelSet.reference
        case .portable: return KernelSet.portable
        case .avx2:
            guard hasAVX2 else { throw KernelPathUnavailable(path: path, reason: "this CPU lacks AVX2/FMA") }
            return avx2KernelSet
        case .avx512:
            guard hasAVX512 else { throw KernelPathUnavailable(path: path, reason: "this CPU lacks AVX-512") }
            return avx512KernelSet
        }
    }

    /// Parses a `--kernels` value (`auto` picks `best`).
    public static func kernels(named name: String) throws -> KernelSet {
        if name == "auto" { return try kernels(best) }
        guard let path = KernelPath(rawValue: name) else {
            throw KernelPathUnavailable(path: .reference, reason: "unknown kernel path '\(name)'; use auto, reference, portable, avx2 or avx512")
        }
        return try kernels(path)
    }
}
