#ifndef STREETWARDEN_CVIDEOKERNELS_H
#define STREETWARDEN_CVIDEOKERNELS_H
// Pixel loops of VideoIO's fast planar path, in C so that clang vectorises them (-O3 even in
// debug builds). No FFmpeg types here.
#include <stdint.h>

/// 2x2 box average of an 8-bit plane into width x height (the source has at least
/// 2*width columns and 2*height rows).
void sw_box_halve(const uint8_t *src, int stride, uint8_t *dst, int width, int height);

/// 8-bit Y'CbCr 4:4:4 (planes of `count` samples) to planar float R, G, B clamped to 0..1:
/// y' = (Y - yo) * ys; R = y' + rv*(V-128); G = y' + gu*(U-128) + gv*(V-128); B = y' + bu*(U-128).
void sw_yuv_to_planar_rgb(const uint8_t *y, const uint8_t *u, const uint8_t *v, int count,
                          float yo, float ys, float rv, float gu, float gv, float bu,
                          float *r, float *g, float *b);
#endif
