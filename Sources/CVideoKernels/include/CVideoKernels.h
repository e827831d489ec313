#ifndef STREETWARDEN_CVIDEOKERNELS_H
#define STREETWARDEN_CVIDEOKERNELS_H
// Pixel loops of VideoIO's fast planar path, in C so that clang vectorises them (-O3 even in
// debug builds; AVX2+FMA builds chosen at run time by CPUID). No FFmpeg types here.
#include <stddef.h>
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

/// 8-bit 4:2:0 to a smaller 8-bit 4:2:0 picture: 2x2 box halving, then a separable tent
/// (bilinear, area-widened) filter of radius max(scale, 1) with clamped edges, vertical before
/// horizontal. Fed rows top to bottom (a whole frame or band by band); the output does not
/// depend on the banding. Output layout: Y dstW x dstH, then U and V of ceil(dstW/2) x
/// ceil(dstH/2), rows packed. Needs srcW, srcH multiples of 4, srcW >= 2*dstW, srcH >= 2*dstH,
/// dst sides >= 2 and at most 8 taps a direction (scale <= 8).
typedef struct sw_tent_scaler sw_tent_scaler;
sw_tent_scaler *sw_tent_scaler_create(int srcW, int srcH, int dstW, int dstH);
void sw_tent_scaler_free(sw_tent_scaler *s);
/// Bytes of one output picture.
size_t sw_tent_scaler_output_size(const sw_tent_scaler *s);
/// Starts a new picture.
void sw_tent_scaler_begin(sw_tent_scaler *s);
/// The top `rows` luma rows (and the chroma rows under them) of the picture are final: scales
/// what they allow. Returns 1 once the whole output is written.
int sw_tent_scaler_push(sw_tent_scaler *s, const uint8_t *y, int ystride, const uint8_t *u, const uint8_t *v,
                        int cstride, int rows, uint8_t *out);
/// A whole frame in one call (0 = done, -1 = shape not supported or no memory).
int sw_tent_scale_yuv420(const uint8_t *y, int ystride, const uint8_t *u, const uint8_t *v, int cstride,
                         int srcW, int srcH, uint8_t *out, int dstW, int dstH);

/// Pictures scaled while a decoder writes them, band by band (FFmpeg's draw_horiz_band),
/// keyed by the picture buffer's luma pointer; thread-safe (one lock).
typedef struct sw_band_hub sw_band_hub;
sw_band_hub *sw_band_hub_create(void);
void sw_band_hub_free(sw_band_hub *h);
/// The output size consumers want; pushes are ignored until one is set. The first size set
/// stays (later calls do nothing).
void sw_band_hub_set_target(sw_band_hub *h, int dstW, int dstH);
/// A new picture is about to be written into the buffer `key`: forget what was made from it.
void sw_band_hub_invalidate(sw_band_hub *h, const void *key);
/// Luma rows [top, top + rows) of the picture whose luma plane starts at `y` are final.
/// Bands must start at row 0 and follow on; anything else drops that picture.
void sw_band_hub_push(sw_band_hub *h, const uint8_t *y, int ystride, const uint8_t *u, const uint8_t *v, int cstride,
                      int srcW, int srcH, int top, int rows);
/// When the picture `key` (srcW x srcH) was fully scaled to dstW x dstH, converts it to planar
/// float R, G, B (as sw_yuv420_to_planar_rgb) and returns 0; otherwise returns -1.
int sw_band_hub_planar_rgb(sw_band_hub *h, const void *key, int srcW, int srcH, int dstW, int dstH,
                           float yo, float ys, float rv, float gu, float gv, float bu,
                           float *r, float *g, float *b);
/// Pictures completed by bands, and served to consumers, so far.
void sw_band_hub_stats(sw_band_hub *h, long *completed, long *served);

/// Copies a plane of width x height pixels of `bytes_per_pixel` bytes turned by a multiple of
/// 90 degrees and/or mirrored: the output pixel (X, Y) is the source pixel (x, y) where
/// u = transpose ? Y : X, v = transpose ? X : Y, x = flip_x ? width-1-u : u and
/// y = flip_y ? height-1-v : v. The output is height x width when transposed.
void sw_turn_plane(const uint8_t *src, ptrdiff_t src_stride, int width, int height, int bytes_per_pixel,
                   uint8_t *dst, ptrdiff_t dst_stride, int transpose, int flip_x, int flip_y);
#endif
