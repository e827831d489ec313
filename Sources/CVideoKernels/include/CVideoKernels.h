#ifndef STREETWARDEN_CVIDEOKERNELS_H
#define STREETWARDEN_CVIDEOKERNELS_H
// Pixel loops of VideoIO's fast planar path, in C so that clang vectorises them (-O3 even in
// debug builds; AVX2+FMA builds chosen at run time by CPUID). No FFmpeg types here.
#include <stdint.h>

/// 2x2 box average of an 8-bit plane into width x height (the source has at least
/// 2*width columns and 2*height rows).
void sw_box_halve(const uint8_t *src, int stride, uint8_t *dst, int width, int height);

/// 8-bit Y'CbCr 4:4:4 (planes of `count` samples) to planar float R, G, B clamped to 0..1:
/// y' = (Y - yo) * ys; R = y' + rv*(V-128); G = y' + gu*(U-128) + gv*(V-128); B = y' + bu*(U-128).
void sw_yuv_to_planar_rgb(const uint8_t *y, const uint8_t *u, const uint8_t *v, int count,
                          float yo, float ys, float rv, float gu, float gv, float bu,
                          float *r, float *g, float *b);

/// 8-bit Y'CbCr 4:2:0 (`width` x `height` luma with row stride `ystride`; chroma planes of
/// ceil(width/2) x ceil(height/2) with stride `cstride`) to planar float R, G, B (each
/// `width * height`, rows packed), same formulas as above; each chroma sample serves its 2x2
/// luma block. Returns 0, or -1 when out of memory (only for widths above 2048).
int sw_yuv420_to_planar_rgb(const uint8_t *y, int ystride, const uint8_t *u, const uint8_t *v, int cstride,
                            int width, int height, float yo, float ys, float rv, float gu, float gv, float bu,
                            float *r, float *g, float *b);

/// 1 when the kernels above run their AVX2+FMA builds on this CPU (checked once with CPUID).
int sw_kernels_use_avx2(void);

/// Tests: 0 forces the baseline (SSE2) builds, 1 (the default) allows AVX2 when present.
void sw_kernels_allow_avx2(int allowed);
#endif
