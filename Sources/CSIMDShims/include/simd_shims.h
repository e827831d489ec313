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
/// Splits the 16 floats at p (reading no others) into their even elements, stored in order
/// at even[0..<8], and their odd elements, stored at odd[0..<8].
static inline __attribute__((always_inline, target("avx2,fma")))
void sw_avx2_split_store(const float *p, float *even, float *odd) {
    __m256 a = _mm256_loadu_ps(p), b = _mm256_loadu_ps(p + 8);
    _mm256_storeu_ps(even, sw_avx2_unpermute(_mm256_shuffle_ps(a, b, 0x88)));
    _mm256_storeu_ps(odd, sw_avx2_unpermute(_mm256_shuffle_ps(a, b, 0xDD)));
}

/// p[0] in every lane, as one broadcast load per call: LLVM neither merges the broadcasts of
/// one address nor keeps them in registers (which would spill the accumulators around them).
static inline __attribute__((always_inline, target("avx2,fma")))
__m256 sw_avx2_broadcast(const float *p) {
    __m256 v;
    __asm__ volatile("vbroadcastss %1, %0" : "=x"(v) : "m"(*p));
    return v;
}

/// max(a, b) as one vmaxps: Swift's select-based max of maxes of selects comes out as
/// compares, 128-bit extracts and blends.
static inline __attribute__((always_inline, target("avx2,fma")))
__m256 sw_avx2_max(__m256 a, __m256 b) { return _mm256_max_ps(a, b); }

/// max(v, p[0..<8]) as one vmaxps with a memory operand (Swift's select-based max of a loaded
/// vector comes out as split 128-bit loads, compares and blends).
static inline __attribute__((always_inline, target("avx2,fma")))
__m256 sw_avx2_max_load(__m256 v, const float *p) { return _mm256_max_ps(_mm256_loadu_ps(p), v); }

/// A hint to bring the cache line at p into L1.
static inline __attribute__((always_inline, target("avx2,fma")))
void sw_prefetch(const void *p) { _mm_prefetch((const char *)p, _MM_HINT_T0); }

/// dst[j·ldd + i] = src[i·lds + j] for i, j < 8: one 8×8 transpose.
static inline __attribute__((always_inline, target("avx2,fma")))
void sw_avx2_transpose8(const float *src, long lds, float *dst, long ldd) {
    __m256 r0 = _mm256_loadu_ps(src), r1 = _mm256_loadu_ps(src + lds);
    __m256 r2 = _mm256_loadu_ps(src + 2 * lds), r3 = _mm256_loadu_ps(src + 3 * lds);
    __m256 r4 = _mm256_loadu_ps(src + 4 * lds), r5 = _mm256_loadu_ps(src + 5 * lds);
    __m256 r6 = _mm256_loadu_ps(src + 6 * lds), r7 = _mm256_loadu_ps(src + 7 * lds);
    __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
    __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
    __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
    __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
    __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    _mm256_storeu_ps(dst, _mm256_permute2f128_ps(u0, u4, 0x20));
    _mm256_storeu_ps(dst + ldd, _mm256_permute2f128_ps(u1, u5, 0x20));
    _mm256_storeu_ps(dst + 2 * ldd, _mm256_permute2f128_ps(u2, u6, 0x20));
    _mm256_storeu_ps(dst + 3 * ldd, _mm256_permute2f128_ps(u3, u7, 0x20));
    _mm256_storeu_ps(dst + 4 * ldd, _mm256_permute2f128_ps(u0, u4, 0x31));
    _mm256_storeu_ps(dst + 5 * ldd, _mm256_permute2f128_ps(u1, u5, 0x31));
    _mm256_storeu_ps(dst + 6 * ldd, _mm256_permute2f128_ps(u2, u6, 0x31));
    _mm256_storeu_ps(dst + 7 * ldd, _mm256_permute2f128_ps(u3, u7, 0x31));
}
#endif
#endif
