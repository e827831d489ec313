// Tensor, KernelPath and the op types are part of NN's public surface.
@_exported import Kernels
