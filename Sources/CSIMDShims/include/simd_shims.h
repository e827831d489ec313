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
/// [first, v0, …, v6]: lanes moved up by one.
static inline __attribute__((always_inline, target("avx2,fma")))
__m256 sw_avx2_shift_in(__m256 v, float first) {
    const __m256i up = _mm256_setr_epi32(7, 0, 1, 2, 3, 4, 5, 6);
    return _mm256_blend_ps(_mm256_permutevar8x32_ps(v, up), _mm256_set1_ps(first), 1);
}

/// q[r·stride + j] = p[4j + r] for r < 4, j < 8: a 8×4 transpose of the 32 floats at p.
static inline __attribute__((always_inline, target("avx2,fma")))
void sw_avx2_deinterleave4(const float *p, float *q, long stride) {
    __m256 v0 = _mm256_loadu_ps(p), v1 = _mm256_loadu_ps(p + 8);
    __m256 v2 = _mm256_loadu_ps(p + 16), v3 = _mm256_loadu_ps(p + 24);
    // Lane halves hold j = 0,2,4,6 | 1,3,5,7 after the two unpack rounds.
    __m256d l01 = _mm256_castps_pd(_mm256_unpacklo_ps(v0, v1)), h01 = _mm256_castps_pd(_mm256_unpackhi_ps(v0, v1));
    __m256d l23 = _mm256_castps_pd(_mm256_unpacklo_ps(v2, v3)), h23 = _mm256_castps_pd(_mm256_unpackhi_ps(v2, v3));
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    _mm256_storeu_ps(q, _mm256_permutevar8x32_ps(_mm256_castpd_ps(_mm256_unpacklo_pd(l01, l23)), order));
    _mm256_storeu_ps(q + stride, _mm256_permutevar8x32_ps(_mm256_castpd_ps(_mm256_unpackhi_pd(l01, l23)), order));
    _mm256_storeu_ps(q + 2 * stride, _mm256_permutevar8x32_ps(_mm256_castpd_ps(_mm256_unpacklo_pd(h01, h23)), order));
    _mm256_storeu_ps(q + 3 * stride, _mm256_permutevar8x32_ps(_mm256_castpd_ps(_mm256_unpackhi_pd(h01, h23)), order));
}
#endif
#endif
