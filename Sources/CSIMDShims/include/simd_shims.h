#ifndef STREETWARDEN_SIMD_SHIMS_H
#define STREETWARDEN_SIMD_SHIMS_H
// Header-only vector helpers that Swift inlines into the ISA kernel modules. They exist
// because LLVM merges overlapping unaligned loads of neighbouring taps into scalar inserts
// (vinsertps chains) when the even-column loads are written in Swift; the empty asm makes
// each load a real vector load. Every function names its own target, so including this
// header never puts AVX code into a module built without it.
#if defined(__x86_64__)
#include <immintrin.h>

/// Elements 0, 2, …, 14 of the 16 floats at p, in lane order 0 2 8 10 4 6 12 14
/// (one in-lane shuffle); `sw_avx2_unpermute` restores the order of a result.
static inline __attribute__((always_inline, target("avx2,fma")))
__m256 sw_avx2_load_even_permuted(const float *p) {
    __m256 a = _mm256_loadu_ps(p), b = _mm256_loadu_ps(p + 8);
    __asm__("" : "+x"(a), "+x"(b));
    return _mm256_shuffle_ps(a, b, 0x88);
}

/// Lanes 0 1 4 5 2 3 6 7 of a: undoes the order of `sw_avx2_load_even_permuted`.
static inline __attribute__((always_inline, target("avx2,fma")))
__m256 sw_avx2_unpermute(__m256 a) {
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(a), 0xD8));
}

/// Elements 0, 2, …, 14 of the 16 floats at p, in order.
static inline __attribute__((always_inline, target("avx2,fma")))
__m256 sw_avx2_load_even(const float *p) {
    return sw_avx2_unpermute(sw_avx2_load_even_permuted(p));
}
#endif
#endif
