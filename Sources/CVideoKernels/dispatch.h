/* Shared by the kernels of this target (private: not in include/).
   Each kernel's body is one always-inline function compiled twice: once for the baseline
   (SSE2) and once inside a function built for AVX2+FMA. The AVX2 copy runs only after
   __builtin_cpu_supports says the CPU has both, so no CPU without them ever executes it. */
#ifndef SW_CVIDEOKERNELS_DISPATCH_H
#define SW_CVIDEOKERNELS_DISPATCH_H
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define SW_X86_DISPATCH 1
#define SW_AVX2 __attribute__((target("avx2,fma")))
#else
#define SW_X86_DISPATCH 0
#endif
#define SW_INLINE static inline __attribute__((always_inline))
#endif
