#include "CVideoKernels.h"
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

/* 8-bit 4:2:0 → smaller 8-bit 4:2:0, one plane at a time, rows in top-to-bottom order:
   1. each pair of source rows is box-halved (2×2 mean) into a ring of half-size rows;
   2. as soon as the half rows an output row needs exist, a vertical tent filter makes one
      half-width row (16-bit fixed point), then a horizontal tent filter the output row.
   The same code serves a whole frame at once and a frame fed band by band while the decoder
   writes it (the bands are still in cache then); the result does not depend on the banding. */

#include "dispatch.h"

/* The ring holds the half rows one output row reads: at most SW_MAX_TAPS, and a new row only
   replaces one that no pending output needs (tap windows move down monotonically). Small, so
   that the decoder keeps its L1 working set between bands. */
enum { SW_MAX_TAPS = 8, SW_RING = 8, SW_MAX_SLOTS = 32 };

/* One direction of one plane: `n` outputs from `len` inputs. */
typedef struct {
    int n, len;
    int32_t *first;   /* vertical: first tap row; horizontal: window start column */
    int32_t *count;   /* vertical: taps (≤ SW_MAX_TAPS) */
    uint16_t *wv;     /* vertical weights, SW_MAX_TAPS per output, in 1/65536 */
    int quads;        /* horizontal: window width / 4 */
    int16_t *wh;      /* horizontal weights, 4*quads per output, in 1/16384 */
    int16_t *whv;     /* the same, arranged for the AVX2 kernel (8 outputs a group) */
    uint8_t *shuf;    /* horizontal, 4 taps: per group of 8 outputs, vpshufb masks (64 bytes)
                         that widen each output's 4 bytes to words from 16 loaded bytes a lane;
                         NULL when some 4 outputs span more than 16 bytes */
} tent_filter;

typedef struct {
    int srcW, srcH;        /* this plane's source size (full resolution) */
    int halfW, halfH;
    int outW, outH;
    tent_filter v, h;
    uint8_t *ring;         /* SW_RING half rows of halfW bytes */
    uint8_t *tmp;          /* one vertically filtered row (halfW bytes) */
    int halfDone, outDone; /* progress of the picture in work */
} plane_state;

struct sw_tent_scaler {
    int srcW, srcH, dstW, dstH;
    plane_state p[3];
};

/* Tent weights of output `o` (centre (o + 0.5)·s − 0.5, radius max(s, 1), edges clamped),
   normalised to sum 1. Returns the number of taps written to idx/w (ascending idx), or -1
   when more than `cap` are needed. */
static int tent_taps(int o, int n, int len, int cap, int *idx, double *w) {
    double s = (double)len / n, r = s > 1 ? s : 1, c = (o + 0.5) * s - 0.5, sum = 0;
    int k = 0;
    for (int i = (int)floor(c - r); i <= (int)ceil(c + r); i++) {
        double t = 1 - fabs(i - c) / r;
        if (t <= 1e-9) continue;
        int j = i < 0 ? 0 : (i >= len ? len - 1 : i);
        if (k > 0 && idx[k - 1] == j) { w[k - 1] += t; }
        else { if (k == cap) return -1; idx[k] = j; w[k] = t; k++; }
        sum += t;
    }
    for (int i = 0; i < k; i++) w[i] /= sum;
    return k;
}

/* Rounds weights to integers summing to `one` (the largest absorbs the rounding), each ≤ max. */
static void quantise(const double *w, int k, int one, int max, int *q) {
    int total = 0, big = 0;
    for (int i = 0; i < k; i++) {
        q[i] = (int)lround(w[i] * one);
        total += q[i];
        if (q[i] > q[big]) big = i;
    }
    q[big] += one - total;
    for (int i = 0; i < k; i++) q[i] = q[i] > max ? max : q[i];
}

static void filter_free(tent_filter *f) {
    free(f->first); free(f->count); free(f->wv); free(f->wh); free(f->whv); free(f->shuf);
    memset(f, 0, sizeof *f);
}

static int vertical_filter(tent_filter *f, int n, int len) {
    memset(f, 0, sizeof *f);
    f->n = n; f->len = len;
    f->first = calloc((size_t)n, sizeof(int32_t));
    f->count = calloc((size_t)n, sizeof(int32_t));
    f->wv = calloc((size_t)n * SW_MAX_TAPS, sizeof(uint16_t));
    if (!f->first || !f->count || !f->wv) return -1;
    for (int o = 0; o < n; o++) {
        int idx[SW_MAX_TAPS], q[SW_MAX_TAPS];
        double w[SW_MAX_TAPS];
        int k = tent_taps(o, n, len, SW_MAX_TAPS, idx, w);
        if (k <= 0) return -1;
        quantise(w, k, 65536, 65535, q);
        f->first[o] = idx[0];
        f->count[o] = idx[k - 1] - idx[0] + 1;
        if (f->count[o] > SW_MAX_TAPS) return -1;
        for (int i = 0; i < k; i++) f->wv[(size_t)o * SW_MAX_TAPS + (idx[i] - idx[0])] = (uint16_t)q[i];
    }
    return 0;
}

static int horizontal_filter(tent_filter *f, int n, int len) {
    memset(f, 0, sizeof *f);
    f->n = n; f->len = len;
    int idx[SW_MAX_TAPS], span = 1;
    double w[SW_MAX_TAPS];
    for (int o = 0; o < n; o++) {
        int k = tent_taps(o, n, len, SW_MAX_TAPS, idx, w);
        if (k <= 0) return -1;
        if (idx[k - 1] - idx[0] + 1 > span) span = idx[k - 1] - idx[0] + 1;
    }
    f->quads = (span + 3) / 4;
    int win = 4 * f->quads;
    if (win > len) return -1;
    int groups = (n + 7) / 8;
    f->first = calloc((size_t)n, sizeof(int32_t));
    f->wh = calloc((size_t)n * win, sizeof(int16_t));
    f->whv = calloc((size_t)groups * 8 * win, sizeof(int16_t));
    if (!f->first || !f->wh || !f->whv) return -1;
    for (int o = 0; o < n; o++) {
        int q[SW_MAX_TAPS];
        int k = tent_taps(o, n, len, SW_MAX_TAPS, idx, w);
        quantise(w, k, 16384, 16384, q);
        int p = idx[0] < len - win ? idx[0] : len - win;
        if (idx[k - 1] - p >= win) return -1;
        f->first[o] = p;
        for (int i = 0; i < k; i++) f->wh[(size_t)o * win + (idx[i] - p)] = (int16_t)q[i];
    }
    /* AVX2 layout, per group of 8 outputs and quad: 16 weights for outputs 0,1,4,5 (the
       unpacklo half of a gather), then 16 for outputs 2,3,6,7 (the unpackhi half). */
    static const int order[8] = { 0, 1, 4, 5, 2, 3, 6, 7 };
    for (int g = 0; g < groups; g++)
        for (int qd = 0; qd < f->quads; qd++)
            for (int j = 0; j < 8; j++) {
                int o = 8 * g + order[j];
                for (int t = 0; t < 4; t++)
                    f->whv[((size_t)g * f->quads + qd) * 32 + 4 * j + t] =
                        o < n ? f->wh[(size_t)o * win + 4 * qd + t] : 0;
            }
    /* Shuffle masks: lane L of group g loads 16 bytes at first[8g + 4L]; output j of the lane
       reads bytes first[o] - base + t (t < 4), each into the low byte of a word. */
    int full = n / 8, fits = f->quads == 1;
    for (int g = 0; g < full && fits; g++)
        for (int lane = 0; lane < 2; lane++) {
            int o = 8 * g + 4 * lane;
            if (f->first[o + 3] + 4 - f->first[o] > 16) fits = 0;
        }
    if (fits && full > 0) {
        f->shuf = calloc((size_t)full, 64);
        if (!f->shuf) return -1;
        for (int g = 0; g < full; g++)
            for (int lane = 0; lane < 2; lane++) {
                int base = f->first[8 * g + 4 * lane];
                for (int j = 0; j < 4; j++) {
                    int o = 8 * g + 4 * lane + j;
                    /* outputs 0,1 of the lane go to the "lo" mask, 2,3 to "hi" */
                    uint8_t *m = f->shuf + (size_t)g * 64 + (j < 2 ? 0 : 32) + 16 * lane + 8 * (j & 1);
                    for (int t = 0; t < 4; t++) {
                        m[2 * t] = (uint8_t)(f->first[o] - base + t);
                        m[2 * t + 1] = 0x80;
                    }
                }
            }
    }
    return 0;
}

/* MARK: kernels (each a scalar body plus an AVX2 build with identical integer results) */

static int sw_avx2_ok(void) { return sw_kernels_use_avx2(); }

SW_INLINE void vfilter_body(const uint8_t *const *rows, const uint16_t *w, int n, uint8_t *dst, int from, int width) {
    for (int x = from; x < width; x++) {
        uint32_t acc = 0;
        for (int k = 0; k < n; k++) acc += ((((uint32_t)rows[k][x] << 8) * w[k]) >> 16);
        dst[x] = (uint8_t)((((acc & 0xffff) >> 7) + 1) >> 1);
    }
}

static void vfilter_base(const uint8_t *const *rows, const uint16_t *w, int n, uint8_t *dst, int width) {
    vfilter_body(rows, w, n, dst, 0, width);
}

#if SW_X86_DISPATCH
/* x·256 (the byte unpacked into the high half of a word) times w/65536 with vpmulhuw: the
   sum of the taps is at most 255·256, so 16-bit lanes never wrap; (sum/128 + 1)/2 rounds.
   Compiled once per tap count so that the tap loop unrolls and the weights stay in registers. */
SW_AVX2 SW_INLINE void vfilter_avx2_n(const uint8_t *const *rows, const uint16_t *w, const int n,
                                      uint8_t *dst, int width) {
    const __m256i zero = _mm256_setzero_si256();
    __m256i wk[SW_MAX_TAPS];
    for (int k = 0; k < n; k++) wk[k] = _mm256_set1_epi16((short)w[k]);
    int vw = width & ~31;
    for (int x = 0; x < vw; x += 32) {
        __m256i lo = zero, hi = zero;
        for (int k = 0; k < n; k++) {
            __m256i v = _mm256_loadu_si256((const __m256i *)(rows[k] + x));
            lo = _mm256_add_epi16(lo, _mm256_mulhi_epu16(_mm256_unpacklo_epi8(zero, v), wk[k]));
            hi = _mm256_add_epi16(hi, _mm256_mulhi_epu16(_mm256_unpackhi_epi8(zero, v), wk[k]));
        }
        lo = _mm256_avg_epu16(_mm256_srli_epi16(lo, 7), zero);
        hi = _mm256_avg_epu16(_mm256_srli_epi16(hi, 7), zero);
        _mm256_storeu_si256((__m256i *)(dst + x), _mm256_packus_epi16(lo, hi));
    }
    vfilter_body(rows, w, n, dst, vw, width);
}

SW_AVX2 static void vfilter_avx2(const uint8_t *const *rows, const uint16_t *w, int n, uint8_t *dst, int width) {
    switch (n) {
    case 1: vfilter_avx2_n(rows, w, 1, dst, width); break;
    case 2: vfilter_avx2_n(rows, w, 2, dst, width); break;
    case 3: vfilter_avx2_n(rows, w, 3, dst, width); break;
    case 4: vfilter_avx2_n(rows, w, 4, dst, width); break;
    case 5: vfilter_avx2_n(rows, w, 5, dst, width); break;
    case 6: vfilter_avx2_n(rows, w, 6, dst, width); break;
    case 7: vfilter_avx2_n(rows, w, 7, dst, width); break;
    default: vfilter_avx2_n(rows, w, 8, dst, width); break;
    }
}
#endif

SW_INLINE void hfilter_body(const uint8_t *src, const tent_filter *f, uint8_t *dst, int from) {
    int win = 4 * f->quads;
    for (int o = from; o < f->n; o++) {
        const uint8_t *s = src + f->first[o];
        const int16_t *w = f->wh + (size_t)o * win;
        int32_t acc = 8192;
        for (int k = 0; k < win; k++) acc += (int32_t)s[k] * w[k];
        acc >>= 14;
        dst[o] = (uint8_t)(acc < 0 ? 0 : (acc > 255 ? 255 : acc));
    }
}

static void hfilter_base(const uint8_t *src, const tent_filter *f, uint8_t *dst) { hfilter_body(src, f, dst, 0); }

#if SW_X86_DISPATCH
/* 8 outputs a gather: each lane fetches the 4 bytes of one output's window quad; the bytes
   widen to words, vpmaddwd multiplies by the weights and adds pairs, vphaddd adds the pairs'
   sums into one 32-bit total per output, in output order. */
/* 4 taps, no gather: each 128-bit lane loads the 16 bytes under 4 outputs, vpshufb widens
   each output's 4 bytes to words, then the same vpmaddwd/vphaddd as above. */
SW_AVX2 static void hfilter_avx2_shuffle(const uint8_t *src, const tent_filter *f, uint8_t *dst) {
    const __m256i round = _mm256_set1_epi32(8192);
    int n16 = f->n & ~15;
    for (int o = 0; o < n16; o += 16) {
        __m256i r[2];
        for (int half = 0; half < 2; half++) {
            int oo = o + 8 * half, g = oo / 8;
            __m256i d = _mm256_inserti128_si256(
                _mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(src + f->first[oo]))),
                _mm_loadu_si128((const __m128i *)(src + f->first[oo + 4])), 1);
            const uint8_t *m = f->shuf + (size_t)g * 64;
            const int16_t *wg = f->whv + (size_t)g * 32;
            __m256i mlo = _mm256_madd_epi16(_mm256_shuffle_epi8(d, _mm256_loadu_si256((const __m256i *)m)),
                                            _mm256_loadu_si256((const __m256i *)wg));
            __m256i mhi = _mm256_madd_epi16(_mm256_shuffle_epi8(d, _mm256_loadu_si256((const __m256i *)(m + 32))),
                                            _mm256_loadu_si256((const __m256i *)(wg + 16)));
            r[half] = _mm256_srai_epi32(_mm256_add_epi32(round, _mm256_hadd_epi32(mlo, mhi)), 14);
        }
        __m256i w16 = _mm256_permute4x64_epi64(_mm256_packs_epi32(r[0], r[1]), 0xD8);
        __m128i b = _mm_packus_epi16(_mm256_castsi256_si128(w16), _mm256_extracti128_si256(w16, 1));
        _mm_storeu_si128((__m128i *)(dst + o), b);
    }
    hfilter_body(src, f, dst, n16);
}

SW_AVX2 static void hfilter_avx2(const uint8_t *src, const tent_filter *f, uint8_t *dst) {
    if (f->shuf) { hfilter_avx2_shuffle(src, f, dst); return; }
    const __m256i zero = _mm256_setzero_si256(), round = _mm256_set1_epi32(8192);
    int n16 = f->n & ~15, quads = f->quads;
    for (int o = 0; o < n16; o += 16) {
        __m256i r[2];
        for (int half = 0; half < 2; half++) {
            int oo = o + 8 * half;
            __m256i idx = _mm256_loadu_si256((const __m256i *)(f->first + oo));
            const int16_t *wg = f->whv + (size_t)(oo / 8) * quads * 32;
            __m256i acc = round;
            for (int q = 0; q < quads; q++) {
                __m256i d = _mm256_i32gather_epi32((const int *)(src + 4 * q), idx, 1);
                __m256i mlo = _mm256_madd_epi16(_mm256_unpacklo_epi8(d, zero),
                                                _mm256_loadu_si256((const __m256i *)(wg + 32 * q)));
                __m256i mhi = _mm256_madd_epi16(_mm256_unpackhi_epi8(d, zero),
                                                _mm256_loadu_si256((const __m256i *)(wg + 32 * q + 16)));
                acc = _mm256_add_epi32(acc, _mm256_hadd_epi32(mlo, mhi));
            }
            r[half] = _mm256_srai_epi32(acc, 14);
        }
        __m256i w16 = _mm256_permute4x64_epi64(_mm256_packs_epi32(r[0], r[1]), 0xD8);
        __m128i b = _mm_packus_epi16(_mm256_castsi256_si128(w16), _mm256_extracti128_si256(w16, 1));
        _mm_storeu_si128((__m128i *)(dst + o), b);
    }
    hfilter_body(src, f, dst, n16);
}
#endif

static void vfilter(const uint8_t *const *rows, const uint16_t *w, int n, uint8_t *dst, int width) {
#if SW_X86_DISPATCH
    if (sw_avx2_ok()) { vfilter_avx2(rows, w, n, dst, width); return; }
#endif
    vfilter_base(rows, w, n, dst, width);
}

static void hfilter(const uint8_t *src, const tent_filter *f, uint8_t *dst) {
#if SW_X86_DISPATCH
    if (sw_avx2_ok()) { hfilter_avx2(src, f, dst); return; }
#endif
    hfilter_base(src, f, dst);
}

/* MARK: scaler */

void sw_tent_scaler_free(sw_tent_scaler *s) {
    if (!s) return;
    for (int i = 0; i < 3; i++) {
        filter_free(&s->p[i].v); filter_free(&s->p[i].h);
        free(s->p[i].ring); free(s->p[i].tmp);
    }
    free(s);
}

sw_tent_scaler *sw_tent_scaler_create(int srcW, int srcH, int dstW, int dstH) {
    if (srcW % 4 || srcH % 4 || dstW < 2 || dstH < 2 || srcW < 2 * dstW || srcH < 2 * dstH) return NULL;
    sw_tent_scaler *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->srcW = srcW; s->srcH = srcH; s->dstW = dstW; s->dstH = dstH;
    for (int i = 0; i < 3; i++) {
        plane_state *p = &s->p[i];
        p->srcW = i ? srcW / 2 : srcW; p->srcH = i ? srcH / 2 : srcH;
        p->halfW = p->srcW / 2; p->halfH = p->srcH / 2;
        p->outW = i ? (dstW + 1) / 2 : dstW; p->outH = i ? (dstH + 1) / 2 : dstH;
        p->ring = malloc((size_t)SW_RING * p->halfW + 64);
        p->tmp = malloc((size_t)p->halfW + 64);
        if (!p->ring || !p->tmp || vertical_filter(&p->v, p->outH, p->halfH) || horizontal_filter(&p->h, p->outW, p->halfW)) {
            sw_tent_scaler_free(s);
            return NULL;
        }
    }
    return s;
}

size_t sw_tent_scaler_output_size(const sw_tent_scaler *s) {
    return (size_t)s->p[0].outW * s->p[0].outH + 2 * (size_t)s->p[1].outW * s->p[1].outH;
}

void sw_tent_scaler_begin(sw_tent_scaler *s) {
    for (int i = 0; i < 3; i++) s->p[i].halfDone = s->p[i].outDone = 0;
}

/* Consumes the source rows of one plane that are final (`rows` of them from the top). */
static void plane_advance(plane_state *p, const uint8_t *src, int stride, int rows, uint8_t *out) {
    while (p->halfDone < p->halfH && 2 * p->halfDone + 1 < rows) {
        int j = p->halfDone;
        sw_box_halve(src + (size_t)2 * j * stride, stride, p->ring + (size_t)(j % SW_RING) * p->halfW, p->halfW, 1);
        p->halfDone = ++j;
        while (p->outDone < p->outH) {
            int o = p->outDone, first = p->v.first[o], n = p->v.count[o];
            if (first + n > j) break;
            const uint8_t *taps[SW_MAX_TAPS];
            for (int k = 0; k < n; k++) taps[k] = p->ring + (size_t)((first + k) % SW_RING) * p->halfW;
            vfilter(taps, p->v.wv + (size_t)o * SW_MAX_TAPS, n, p->tmp, p->halfW);
            hfilter(p->tmp, &p->h, out + (size_t)o * p->outW);
            p->outDone = o + 1;
        }
    }
}

int sw_tent_scaler_push(sw_tent_scaler *s, const uint8_t *y, int ystride, const uint8_t *u, const uint8_t *v,
                        int cstride, int rows, uint8_t *out) {
    if (rows > s->srcH) rows = s->srcH;
    uint8_t *ou = out + (size_t)s->p[0].outW * s->p[0].outH;
    uint8_t *ov = ou + (size_t)s->p[1].outW * s->p[1].outH;
    plane_advance(&s->p[0], y, ystride, rows, out);
    int crows = rows == s->srcH ? s->p[1].srcH : rows / 2;
    plane_advance(&s->p[1], u, cstride, crows, ou);
    plane_advance(&s->p[2], v, cstride, crows, ov);
    for (int i = 0; i < 3; i++)
        if (s->p[i].outDone < s->p[i].outH) return 0;
    return 1;
}

int sw_tent_scale_yuv420(const uint8_t *y, int ystride, const uint8_t *u, const uint8_t *v, int cstride,
                         int srcW, int srcH, uint8_t *out, int dstW, int dstH) {
    sw_tent_scaler *s = sw_tent_scaler_create(srcW, srcH, dstW, dstH);
    if (!s) return -1;
    sw_tent_scaler_begin(s);
    int done = sw_tent_scaler_push(s, y, ystride, u, v, cstride, srcH, out);
    sw_tent_scaler_free(s);
    return done ? 0 : -1;
}

/* MARK: band hub: pictures scaled while the decoder writes them */

typedef struct {
    const void *key;   /* the picture buffer's luma pointer; NULL = free */
    int complete;
    unsigned long used; /* LRU clock */
    uint8_t *yuv;
} hub_slot;

struct sw_band_hub {
    pthread_mutex_t lock;
    int dstW, dstH;          /* target asked for; 0 = none yet */
    sw_tent_scaler *scaler;  /* for (srcW, srcH) → (dstW, dstH) */
    size_t slotBytes;
    hub_slot slots[SW_MAX_SLOTS];
    int current;             /* slot of the picture in work, -1 = none */
    int rowsFinal;           /* source rows of that picture final so far */
    unsigned long clock;
    long completed, served;
    int disabled;
};

sw_band_hub *sw_band_hub_create(void) {
    sw_band_hub *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    pthread_mutex_init(&h->lock, NULL);
    h->current = -1;
    return h;
}

static void hub_drop_scaler(sw_band_hub *h) {
    sw_tent_scaler_free(h->scaler);
    h->scaler = NULL;
    for (int i = 0; i < SW_MAX_SLOTS; i++) {
        free(h->slots[i].yuv);
        memset(&h->slots[i], 0, sizeof h->slots[i]);
    }
    h->current = -1;
}

void sw_band_hub_free(sw_band_hub *h) {
    if (!h) return;
    hub_drop_scaler(h);
    pthread_mutex_destroy(&h->lock);
    free(h);
}

void sw_band_hub_set_target(sw_band_hub *h, int dstW, int dstH) {
    pthread_mutex_lock(&h->lock);
    /* The first size asked for stays: a consumer alternating between sizes would otherwise
       throw the work away at every switch (the other sizes take the whole-frame path). */
    if (h->dstW <= 0 && dstW > 0 && dstH > 0) {
        h->dstW = dstW; h->dstH = dstH;
    }
    pthread_mutex_unlock(&h->lock);
}

void sw_band_hub_invalidate(sw_band_hub *h, const void *key) {
    pthread_mutex_lock(&h->lock);
    for (int i = 0; i < SW_MAX_SLOTS; i++)
        if (h->slots[i].key == key) {
            h->slots[i].key = NULL;
            h->slots[i].complete = 0;
            if (h->current == i) h->current = -1;
        }
    pthread_mutex_unlock(&h->lock);
}

static int hub_pick_slot(sw_band_hub *h, const void *key) {
    int pick = -1;
    for (int i = 0; i < SW_MAX_SLOTS; i++) if (h->slots[i].key == key) { pick = i; break; }
    if (pick < 0) for (int i = 0; i < SW_MAX_SLOTS; i++) if (!h->slots[i].key) { pick = i; break; }
    if (pick < 0) {
        pick = 0;
        for (int i = 1; i < SW_MAX_SLOTS; i++) if (h->slots[i].used < h->slots[pick].used) pick = i;
    }
    hub_slot *s = &h->slots[pick];
    if (!s->yuv) s->yuv = malloc(h->slotBytes + 64);
    if (!s->yuv) return -1;
    s->key = key;
    s->complete = 0;
    s->used = ++h->clock;
    return pick;
}

void sw_band_hub_push(sw_band_hub *h, const uint8_t *y, int ystride, const uint8_t *u, const uint8_t *v, int cstride,
                      int srcW, int srcH, int top, int rows) {
    pthread_mutex_lock(&h->lock);
    if (h->disabled || h->dstW <= 0) goto done;
    if (top == 0) {
        /* A new picture: (re)build the scaler when the geometry changed, then take a slot. */
        if (h->scaler && (h->scaler->srcW != srcW || h->scaler->srcH != srcH)) hub_drop_scaler(h);
        if (!h->scaler) {
            h->scaler = sw_tent_scaler_create(srcW, srcH, h->dstW, h->dstH);
            if (!h->scaler) { h->disabled = 1; goto done; }
            h->slotBytes = sw_tent_scaler_output_size(h->scaler);
        }
        h->current = hub_pick_slot(h, y);
        h->rowsFinal = 0;
        sw_tent_scaler_begin(h->scaler);
    }
    if (h->current < 0) goto done;
    hub_slot *s = &h->slots[h->current];
    if (s->key != y || top != h->rowsFinal || rows <= 0 || !h->scaler ||
        h->scaler->srcW != srcW || h->scaler->srcH != srcH) {
        h->current = -1;   /* bands out of order or of another picture: this one falls back */
        goto done;
    }
    h->rowsFinal = top + rows;
    if (sw_tent_scaler_push(h->scaler, y, ystride, u, v, cstride, h->rowsFinal, s->yuv)) {
        s->complete = 1;
        h->completed++;
        h->current = -1;
    }
done:
    pthread_mutex_unlock(&h->lock);
}

int sw_band_hub_planar_rgb(sw_band_hub *h, const void *key, int srcW, int srcH, int dstW, int dstH,
                           float yo, float ys, float rv, float gu, float gv, float bu,
                           float *r, float *g, float *b) {
    int result = -1;
    pthread_mutex_lock(&h->lock);
    if (h->scaler && key && h->scaler->srcW == srcW && h->scaler->srcH == srcH && h->dstW == dstW && h->dstH == dstH) {
        for (int i = 0; i < SW_MAX_SLOTS; i++) {
            hub_slot *s = &h->slots[i];
            if (s->key != key || !s->complete) continue;
            int cw = (dstW + 1) / 2, ch = (dstH + 1) / 2;
            const uint8_t *py = s->yuv, *pu = py + (size_t)dstW * dstH, *pv = pu + (size_t)cw * ch;
            result = sw_yuv420_to_planar_rgb(py, dstW, pu, pv, cw, dstW, dstH, yo, ys, rv, gu, gv, bu, r, g, b);
            s->used = ++h->clock;
            if (result == 0) h->served++;
            break;
        }
    }
    pthread_mutex_unlock(&h->lock);
    return result;
}

void sw_band_hub_stats(sw_band_hub *h, long *completed, long *served) {
    pthread_mutex_lock(&h->lock);
    *completed = h->completed;
    *served = h->served;
    pthread_mutex_unlock(&h->lock);
}
