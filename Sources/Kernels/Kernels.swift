// Kernels: placeholder until its layer lands.
