#include "CVideoKernels.h"
#include <string.h>

/* Output tiles of 32 x 32 pixels: a transposed copy reads the source down its columns, and
   a tile keeps those 32 source rows' lines in cache while they are read across. */
enum { SW_TURN_TILE = 32 };

void sw_turn_plane(const uint8_t *src, ptrdiff_t src_stride, int width, int height, int bytes_per_pixel,
                   uint8_t *dst, ptrdiff_t dst_stride, int transpose, int flip_x, int flip_y) {
    const ptrdiff_t bpp = bytes_per_pixel;
    const int out_w = transpose ? height : width, out_h = transpose ? width : height;
    /* Source byte steps for x + 1 and y + 1, and the source pixel that lands at (0, 0). */
    const ptrdiff_t step_sx = flip_x ? -bpp : bpp, step_sy = flip_y ? -src_stride : src_stride;
    const uint8_t *origin = src + (flip_x ? (ptrdiff_t)(width - 1) * bpp : 0)
                                + (flip_y ? (ptrdiff_t)(height - 1) * src_stride : 0);
    /* Source byte steps as the output X and Y grow. */
    const ptrdiff_t step_x = transpose ? step_sy : step_sx, step_y = transpose ? step_sx : step_sy;
    for (int ty = 0; ty < out_h; ty += SW_TURN_TILE) {
        const int ey = ty + SW_TURN_TILE < out_h ? ty + SW_TURN_TILE : out_h;
        for (int tx = 0; tx < out_w; tx += SW_TURN_TILE) {
            const int n = (tx + SW_TURN_TILE < out_w ? tx + SW_TURN_TILE : out_w) - tx;
            for (int y = ty; y < ey; y++) {
                const uint8_t *s = origin + (ptrdiff_t)y * step_y + (ptrdiff_t)tx * step_x;
                uint8_t *d = dst + (ptrdiff_t)y * dst_stride + (ptrdiff_t)tx * bpp;
                switch (bytes_per_pixel) {
                case 1:
                    for (int i = 0; i < n; i++) d[i] = s[(ptrdiff_t)i * step_x];
                    break;
                case 2:
                    for (int i = 0; i < n; i++) memcpy(d + 2 * i, s + (ptrdiff_t)i * step_x, 2);
                    break;
                case 4:
                    for (int i = 0; i < n; i++) memcpy(d + 4 * i, s + (ptrdiff_t)i * step_x, 4);
                    break;
                default:
                    for (int i = 0; i < n; i++) memcpy(d + (ptrdiff_t)i * bpp, s + (ptrdiff_t)i * step_x, (size_t)bpp);
                }
            }
        }
    }
}
