import Kernels
import KernelsDispatch

enum KernelSelectionProbe {
    static func pathsAreConsistent() -> Bool {
        let paths = KernelSelection.available
        guard paths.first == .reference, paths.contains(.portable) else { return false }
        for p in KernelPath.allCases where !paths.contains(p) {
            if (try? KernelSelection.kernels(p)) != nil { return false }
        }
        return KernelSelection.best == paths.last && (try? KernelSelection.kernels(named: "bogus")) == nil
    }
}
