#include "CVideoKernels.h"
#include <stddef.h>
#include <stdlib.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "dispatch.h"

static int sw_avx2_allowed = 1;

void sw_kernels_allow_avx2(int allowed) { __atomic_store_n(&sw_avx2_allowed, allowed != 0, __ATOMIC_RELAXED); }

static int sw_has_avx2_fma(void) {
#if SW_X86_DISPATCH
    if (!__atomic_load_n(&sw_avx2_allowed, __ATOMIC_RELAXED)) return 0;
    static int cached = -1; /* benign race: every thread computes the same value */
    int c = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (c < 0) {
        __builtin_cpu_init();
        c = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
        __atomic_store_n(&cached, c, __ATOMIC_RELAXED);
    }
    return c;
#else
    return 0;
#endif
}

int sw_kernels_use_avx2(void) { return sw_has_avx2_fma(); }

/* Reading each horizontal pair as one little-endian 16-bit word keeps the loop free of
   byte deinterleaving, which lets clang vectorise it. */
typedef uint16_t sw_u16_unaligned __attribute__((aligned(1), may_alias));

SW_INLINE void box_halve_body(const uint8_t *restrict src, int stride, uint8_t *restrict dst, int width, int height) {
    for (int y = 0; y < height; y++) {
        const sw_u16_unaligned *restrict r0 = (const sw_u16_unaligned *)(src + (size_t)2 * y * stride);
        const sw_u16_unaligned *restrict r1 = (const sw_u16_unaligned *)(src + (size_t)(2 * y + 1) * stride);
        uint8_t *restrict d = dst + (size_t)y * width;
        for (int x = 0; x < width; x++) {
            uint16_t a = r0[x], b = r1[x];
            /* The sum of both bytes does not depend on byte order. */
            d[x] = (uint8_t)(((a & 0xff) + (a >> 8) + (b & 0xff) + (b >> 8) + 2) >> 2);
        }
    }
}

static void box_halve_base(const uint8_t *restrict src, int stride, uint8_t *restrict dst, int width, int height) {
    box_halve_body(src, stride, dst, width, height);
}
#if SW_X86_DISPATCH
/* 32 outputs per step: vpmaddubsw with ones sums each horizontal byte pair to 16 bits, the two
   rows are added, and vpmulhrsw by 8192 computes (sum + 2) >> 2 exactly. */
SW_AVX2 static void box_halve_avx2(const uint8_t *restrict src, int stride, uint8_t *restrict dst, int width, int height) {
    const __m256i ones = _mm256_set1_epi8(1), quarter = _mm256_set1_epi16(8192);
    int vw = width & ~31;
    for (int y = 0; y < height; y++) {
        const uint8_t *r0 = src + (size_t)2 * y * stride, *r1 = r0 + stride;
        uint8_t *d = dst + (size_t)y * width;
        for (int x = 0; x < vw; x += 32) {
            __m256i a0 = _mm256_loadu_si256((const __m256i *)(r0 + 2 * x));
            __m256i a1 = _mm256_loadu_si256((const __m256i *)(r0 + 2 * x + 32));
            __m256i b0 = _mm256_loadu_si256((const __m256i *)(r1 + 2 * x));
            __m256i b1 = _mm256_loadu_si256((const __m256i *)(r1 + 2 * x + 32));
            __m256i s0 = _mm256_add_epi16(_mm256_maddubs_epi16(a0, ones), _mm256_maddubs_epi16(b0, ones));
            __m256i s1 = _mm256_add_epi16(_mm256_maddubs_epi16(a1, ones), _mm256_maddubs_epi16(b1, ones));
            s0 = _mm256_mulhrs_epi16(s0, quarter);
            s1 = _mm256_mulhrs_epi16(s1, quarter);
            /* packus interleaves 128-bit lanes: restore order with one permute. */
            __m256i p = _mm256_permute4x64_epi64(_mm256_packus_epi16(s0, s1), 0xD8);
            _mm256_storeu_si256((__m256i *)(d + x), p);
        }
        if (vw < width)
            box_halve_body(r0 + 2 * vw, stride, d + vw, width - vw, 1);
    }
}
#endif

void sw_box_halve(const uint8_t *restrict src, int stride, uint8_t *restrict dst, int width, int height) {
#if SW_X86_DISPATCH
    if (sw_has_avx2_fma()) { box_halve_avx2(src, stride, dst, width, height); return; }
#endif
    box_halve_base(src, stride, dst, width, height);
}

SW_INLINE float clamp01(float v) {
    v = v < 0.0f ? 0.0f : v;
    return v > 1.0f ? 1.0f : v;
}

SW_INLINE void yuv_to_rgb_body(const uint8_t *restrict y, const uint8_t *restrict u, const uint8_t *restrict v,
                               int count, float yo, float ys, float rv, float gu, float gv, float bu,
                               float *restrict r, float *restrict g, float *restrict b) {
    for (int i = 0; i < count; i++) {
        float yy = ((float)y[i] - yo) * ys, uu = (float)u[i] - 128.0f, vv = (float)v[i] - 128.0f;
        r[i] = clamp01(yy + rv * vv);
        g[i] = clamp01(yy + gu * uu + gv * vv);
        b[i] = clamp01(yy + bu * uu);
    }
}

void sw_yuv_to_planar_rgb(const uint8_t *restrict y, const uint8_t *restrict u, const uint8_t *restrict v,
                          int count, float yo, float ys, float rv, float gu, float gv, float bu,
                          float *restrict r, float *restrict g, float *restrict b) {
    yuv_to_rgb_body(y, u, v, count, yo, ys, rv, gu, gv, bu, r, g, b);
}

/* 4:2:0 → planar float RGB. Per chroma row, the three chroma terms are computed once and
   widened to luma width (each sample twice: the nearest chroma sample of its 2×2 block), then
   reused for the two luma rows of that chroma row. The helpers take restrict parameters so that
   clang vectorises them without run-time overlap checks. `t` holds 6 * cw floats. */
SW_INLINE void chroma_terms_row(const uint8_t *restrict u, const uint8_t *restrict v, int cw,
                                float rv, float gu, float gv, float bu,
                                float *restrict er, float *restrict eg, float *restrict eb) {
    for (int i = 0; i < cw; i++) {
        float uu = (float)u[i] - 128.0f, vv = (float)v[i] - 128.0f;
        float tr = rv * vv, tg = gu * uu + gv * vv, tb = bu * uu;
        er[2 * i] = tr; er[2 * i + 1] = tr;
        eg[2 * i] = tg; eg[2 * i + 1] = tg;
        eb[2 * i] = tb; eb[2 * i + 1] = tb;
    }
}

SW_INLINE void rgb_row(const uint8_t *restrict yr, int width, float yo, float ys,
                       const float *restrict er, const float *restrict eg, const float *restrict eb,
                       float *restrict rr, float *restrict gr, float *restrict br) {
    for (int x = 0; x < width; x++) {
        float yy = ((float)yr[x] - yo) * ys;
        rr[x] = clamp01(yy + er[x]);
        gr[x] = clamp01(yy + eg[x]);
        br[x] = clamp01(yy + eb[x]);
    }
}

SW_INLINE void yuv420_to_rgb_body(const uint8_t *restrict y, int ystride, const uint8_t *restrict u,
                                  const uint8_t *restrict v, int cstride, int width, int height,
                                  float yo, float ys, float rv, float gu, float gv, float bu,
                                  float *restrict r, float *restrict g, float *restrict b, float *restrict t) {
    int cw = (width + 1) / 2;
    float *er = t, *eg = t + 2 * cw, *eb = t + 4 * cw;
    for (int cy = 0; cy < (height + 1) / 2; cy++) {
        chroma_terms_row(u + (size_t)cy * cstride, v + (size_t)cy * cstride, cw, rv, gu, gv, bu, er, eg, eb);
        int y1 = 2 * cy + 2 < height ? 2 * cy + 2 : height;
        for (int row = 2 * cy; row < y1; row++) {
            size_t o = (size_t)row * width;
            rgb_row(y + (size_t)row * ystride, width, yo, ys, er, eg, eb, r + o, g + o, b + o);
        }
    }
}

static void yuv420_to_rgb_base(const uint8_t *y, int ystride, const uint8_t *u, const uint8_t *v, int cstride,
                               int width, int height, float yo, float ys, float rv, float gu, float gv, float bu,
                               float *r, float *g, float *b, float *t) {
    yuv420_to_rgb_body(y, ystride, u, v, cstride, width, height, yo, ys, rv, gu, gv, bu, r, g, b, t);
}
#if SW_X86_DISPATCH
SW_AVX2 static void yuv420_to_rgb_avx2(const uint8_t *y, int ystride, const uint8_t *u, const uint8_t *v, int cstride,
                                       int width, int height, float yo, float ys, float rv, float gu, float gv, float bu,
                                       float *r, float *g, float *b, float *t) {
    yuv420_to_rgb_body(y, ystride, u, v, cstride, width, height, yo, ys, rv, gu, gv, bu, r, g, b, t);
}
#endif

int sw_yuv420_to_planar_rgb(const uint8_t *y, int ystride, const uint8_t *u, const uint8_t *v, int cstride,
                            int width, int height, float yo, float ys, float rv, float gu, float gv, float bu,
                            float *r, float *g, float *b) {
    int cw = (width + 1) / 2;
    float stackbuf[6 * 1024];
    float *t = cw <= 1024 ? stackbuf : malloc(sizeof(float) * 6 * (size_t)cw);
    if (!t) return -1;
#if SW_X86_DISPATCH
    if (sw_has_avx2_fma())
        yuv420_to_rgb_avx2(y, ystride, u, v, cstride, width, height, yo, ys, rv, gu, gv, bu, r, g, b, t);
    else
#endif
        yuv420_to_rgb_base(y, ystride, u, v, cstride, width, height, yo, ys, rv, gu, gv, bu, r, g, b, t);
    if (t != stackbuf) free(t);
    return 0;
}
