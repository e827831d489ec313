#ifndef STREETWARDEN_CFFMPEG_SHIM_H
#define STREETWARDEN_CFFMPEG_SHIM_H
// The C edge of StreetWarden: FFmpeg's headers plus static inline wrappers for the macros,
// compound literals and version differences that Swift cannot import. Only VideoIO imports this.
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <sys/mman.h>
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libswscale/swscale.h>
#include <libavutil/avutil.h>
#include <libavutil/error.h>
#include <libavutil/frame.h>
#include <libavutil/dict.h>
#include <libavutil/display.h>
#include <libavutil/imgutils.h>
#include <libavutil/log.h>
#include <libavutil/pixdesc.h>
#include <libavutil/time.h>

// MARK: error codes
static inline int sw_averror(int posix_errno) { return AVERROR(posix_errno); }
static inline int sw_averror_eof(void) { return AVERROR_EOF; }
static inline int sw_averror_eagain(void) { return AVERROR(EAGAIN); }
static inline int sw_averror_exit(void) { return AVERROR_EXIT; }
static inline int sw_averror_invaliddata(void) { return AVERROR_INVALIDDATA; }
static inline int sw_averror_decoder_not_found(void) { return AVERROR_DECODER_NOT_FOUND; }
static inline int sw_averror_stream_not_found(void) { return AVERROR_STREAM_NOT_FOUND; }
static inline int sw_averror_etimedout(void) { return AVERROR(ETIMEDOUT); }

/// FFmpeg's text for an error code, written into buf (what av_err2str gives in C).
static inline const char *sw_err2str(int code, char *buf, size_t size) {
    av_strerror(code, buf, size);
    return buf;
}

// MARK: constants that are macros
static inline int64_t sw_nopts_value(void) { return AV_NOPTS_VALUE; }
static inline int sw_time_base(void) { return AV_TIME_BASE; }
static inline int sw_pkt_flag_key(void) { return AV_PKT_FLAG_KEY; }
static inline int sw_qp2lambda(void) { return FF_QP2LAMBDA; }
static inline int sw_codec_flag_qscale(void) { return AV_CODEC_FLAG_QSCALE; }
static inline int sw_ef_explode(void) { return AV_EF_EXPLODE; }
static inline int sw_ef_crccheck(void) { return AV_EF_CRCCHECK; }
static inline int sw_fmt_flag_nofile(void) { return AVFMT_NOFILE; }
static inline int sw_sws_bilinear(void) { return SWS_BILINEAR; }
static inline int sw_sws_fast_bilinear(void) { return SWS_FAST_BILINEAR; }
static inline int sw_sws_area(void) { return SWS_AREA; }
static inline int sw_sws_point(void) { return SWS_POINT; }
static inline int sw_sws_cs_itu709(void) { return SWS_CS_ITU709; }
static inline int sw_sws_cs_default(void) { return SWS_CS_DEFAULT; }
/// draw_horiz_band's `type` for a whole (progressive) picture: libavcodec's PICT_FRAME, an
/// internal constant (1 and 2 are the top and bottom fields).
static inline int sw_picture_structure_frame(void) { return 3; }

// MARK: frame facts that moved between FFmpeg versions
static inline int sw_frame_is_key(const AVFrame *f) {
#if LIBAVUTIL_VERSION_MAJOR >= 59
    return (f->flags & AV_FRAME_FLAG_KEY) != 0;
#else
    return f->key_frame != 0 || f->pict_type == AV_PICTURE_TYPE_I;
#endif
}
static inline int sw_frame_is_corrupt(const AVFrame *f) {
    return (f->flags & AV_FRAME_FLAG_CORRUPT) != 0 || f->decode_error_flags != 0;
}

/// The stream's display matrix (9 int32: a b u / c d v / x y w, 16.16 and 2.30 fixed point;
/// see libavutil/display.h), or NULL when it has none. MP4/MOV take it from the `tkhd` box.
static inline const int32_t *sw_stream_display_matrix(const AVStream *st) {
#if LIBAVCODEC_VERSION_INT >= AV_VERSION_INT(60, 31, 100)
    /* FFmpeg 6.1 moved stream side data into codecpar (av_stream_get_side_data: gone in 7).
       Not built here (Debian 12 has 5.1). */
    const AVPacketSideData *sd = av_packet_side_data_get(st->codecpar->coded_side_data,
                                                         st->codecpar->nb_coded_side_data,
                                                         AV_PKT_DATA_DISPLAYMATRIX);
    return sd && sd->size >= 9 * sizeof(int32_t) ? (const int32_t *)sd->data : NULL;
#else
    size_t size = 0;
    const uint8_t *data = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, &size);
    return data && size >= 9 * sizeof(int32_t) ? (const int32_t *)data : NULL;
#endif
}

// MARK: interrupt callback
/// State shared between a Swift source and FFmpeg's interrupt callback; read with atomics
/// because stop() may be called from another thread (signal handler queue, pipeline).
typedef struct sw_interrupt_state {
    int64_t deadline_us;   /* av_gettime_relative() deadline; 0 = none */
    int stop;              /* non-zero: abort every blocking call now */
    int timed_out;         /* set by the callback when the deadline passed */
    const int *external_stop; /* optional: a stop flag shared by several sources */
} sw_interrupt_state;

static inline int sw_interrupt_cb(void *opaque) {
    sw_interrupt_state *s = (sw_interrupt_state *)opaque;
    if (__atomic_load_n(&s->stop, __ATOMIC_RELAXED)) return 1;
    if (s->external_stop && __atomic_load_n(s->external_stop, __ATOMIC_RELAXED)) return 1;
    int64_t d = __atomic_load_n(&s->deadline_us, __ATOMIC_RELAXED);
    if (d > 0 && av_gettime_relative() > d) {
        __atomic_store_n(&s->timed_out, 1, __ATOMIC_RELAXED);
        return 1;
    }
    return 0;
}
static inline void sw_install_interrupt(AVFormatContext *ctx, sw_interrupt_state *s) {
    ctx->interrupt_callback.callback = sw_interrupt_cb;
    ctx->interrupt_callback.opaque = s;
}
/// Sets a deadline `timeout_us` from now (0 = none). timed_out stays set once a deadline has
/// passed: FFmpeg's I/O layer keeps returning the interrupt's error on later calls.
static inline void sw_interrupt_arm(sw_interrupt_state *s, int64_t timeout_us) {
    __atomic_store_n(&s->deadline_us, timeout_us > 0 ? av_gettime_relative() + timeout_us : 0,
                     __ATOMIC_RELAXED);
}
static inline void sw_interrupt_reset_timeout(sw_interrupt_state *s) {
    __atomic_store_n(&s->timed_out, 0, __ATOMIC_RELAXED);
}
/// Clears the deadline but keeps timed_out, so the caller can still see why a call failed.
static inline void sw_interrupt_disarm(sw_interrupt_state *s) {
    __atomic_store_n(&s->deadline_us, 0, __ATOMIC_RELAXED);
}
static inline void sw_interrupt_stop(sw_interrupt_state *s) {
    __atomic_store_n(&s->stop, 1, __ATOMIC_RELAXED);
}
static inline int sw_interrupt_stopped(sw_interrupt_state *s) {
    return __atomic_load_n(&s->stop, __ATOMIC_RELAXED)
        || (s->external_stop && __atomic_load_n(s->external_stop, __ATOMIC_RELAXED));
}
static inline void sw_flag_set(int *flag) { __atomic_store_n(flag, 1, __ATOMIC_RELAXED); }
static inline int sw_flag_get(const int *flag) { return __atomic_load_n(flag, __ATOMIC_RELAXED); }
static inline int sw_interrupt_timed_out(sw_interrupt_state *s) {
    return __atomic_load_n(&s->timed_out, __ATOMIC_RELAXED);
}

// MARK: signals
#include <signal.h>
#include <unistd.h>
/* Only StopSignal.swift uses these, so the static fd and the handler share one object file. */
static int sw_signal_pipe_write_fd = -1;
static inline void sw_signal_handler(int sig) {
    unsigned char b = (unsigned char)sig;
    ssize_t r = write(sw_signal_pipe_write_fd, &b, 1);
    (void)r;
}
/// Routes `sig` to a byte on `fd` (async-signal-safe); restore with sw_signal_default.
static inline int sw_signal_route(int sig, int fd) {
    sw_signal_pipe_write_fd = fd;
    struct sigaction sa;
    sa.sa_handler = sw_signal_handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    return sigaction(sig, &sa, 0);
}
static inline void sw_signal_default(int sig) {
    struct sigaction sa;
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    sigaction(sig, &sa, 0);
}

// MARK: logging
/// Quiet FFmpeg's own stderr chatter; errors reach the caller as typed Swift errors instead.
static inline void sw_set_log_level(int level) { av_log_set_level(level); }
static inline int sw_log_quiet(void) { return AV_LOG_QUIET; }
static inline int sw_log_error(void) { return AV_LOG_ERROR; }
static inline int sw_log_warning(void) { return AV_LOG_WARNING; }

/// Receives each formatted FFmpeg log line at or above the installed level.
typedef void (*sw_log_sink)(int level, const char *line);
/* Only one Swift file (FFmpegSupport.swift) calls sw_install_log_sink, so the static below and
   the callback that reads it live in the same object file. */
static sw_log_sink sw_current_log_sink = 0;
static int sw_current_log_level = AV_LOG_ERROR;
static inline void sw_log_callback(void *avcl, int level, const char *fmt, va_list vl) {
    (void)avcl;
    if (level > sw_current_log_level || !sw_current_log_sink) return;
    char line[1024];
    vsnprintf(line, sizeof line, fmt, vl);
    sw_current_log_sink(level, line);
}
static inline void sw_install_log_sink(sw_log_sink sink, int level) {
    sw_current_log_sink = sink;
    sw_current_log_level = level;
    av_log_set_callback(sw_log_callback);
}

// MARK: scaling into separate planes
/// One sws_scale call writing three float planes (GBRPF32LE order: G, B, R).
static inline int sw_scale_to_planes(struct SwsContext *sws, const AVFrame *src,
                                     uint8_t *p0, uint8_t *p1, uint8_t *p2, int stride) {
    uint8_t *dst[4] = { p0, p1, p2, NULL };
    int lines[4] = { stride, stride, stride, 0 };
    return sws_scale(sws, (const uint8_t *const *)src->data, src->linesize, 0, src->height, dst, lines);
}
/// One sws_scale call writing one packed plane (RGB24 and the like).
static inline int sw_scale_to_packed(struct SwsContext *sws, const AVFrame *src, uint8_t *p0, int stride) {
    uint8_t *dst[4] = { p0, NULL, NULL, NULL };
    int lines[4] = { stride, 0, 0, 0 };
    return sws_scale(sws, (const uint8_t *const *)src->data, src->linesize, 0, src->height, dst, lines);
}
/// Packed RGB24 source (an evidence image) into an allocated AVFrame of another format.
static inline int sw_scale_packed_to_frame(struct SwsContext *sws, const uint8_t *src, int stride,
                                           int height, AVFrame *dst) {
    const uint8_t *srcp[4] = { src, NULL, NULL, NULL };
    int lines[4] = { stride, 0, 0, 0 };
    return sws_scale(sws, srcp, lines, 0, height, dst->data, dst->linesize);
}


// MARK: memory in 2 MiB pages
/// `bytes` (rounded up to 2 MiB) of zeroed memory in their own mapping, 2 MiB aligned and
/// marked MADV_HUGEPAGE: with transparent huge pages in "madvise" mode (Debian's default) the
/// kernel backs it with 2 MiB pages, so first writes take one fault per 2 MiB instead of one per
/// 4 KiB, and a 1080p picture or a model input spans 1–2 TLB entries instead of hundreds.
/// Without THP it is ordinary memory. `*mapped` receives the length to pass to `munmap`.
static inline void *sw_huge_map(size_t bytes, size_t *mapped) {
    const size_t huge = (size_t)2 << 20;
    size_t len = (bytes + huge - 1) & ~(huge - 1);
    uint8_t *raw = (uint8_t *)mmap(NULL, len + huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == (uint8_t *)MAP_FAILED) return NULL;
    uint8_t *base = (uint8_t *)(((uintptr_t)raw + huge - 1) & ~(uintptr_t)(huge - 1));
    if (base > raw) munmap(raw, (size_t)(base - raw));
    if (raw + len + huge > base + len) munmap(base + len, (size_t)(raw + len + huge - (base + len)));
    (void)madvise(base, len, MADV_HUGEPAGE);   // a hint; refused where THP is off
    *mapped = len;
    return base;
}

// MARK: decoder callbacks: frame buffers in 2 MiB pages
/// What a decoder's callbacks reach through `AVCodecContext.opaque` (see VideoSource).
typedef struct sw_decoder_hooks {
    /// The band scaler fed by draw_horiz_band (a CVideoKernels `sw_band_hub`), or NULL.
    void *band_hub;
    /// 1: 8-bit 4:2:0 pictures get one block from `pool` (below); 0: FFmpeg's default buffers.
    int huge_frames;
    AVBufferPool *pool;
    size_t pool_block;
} sw_decoder_hooks;

/// Frees a block of `sw_huge_block_alloc` (its mapping's length is stored in its first bytes).
static void sw_huge_block_free(void *base, uint8_t *data) {
    (void)data;
    munmap(base, *(size_t *)base);
}

/// One pool block of `size` bytes from `sw_huge_map`. Successive blocks start at different
/// offsets from their 2 MiB boundary (64 bytes, plus 0–7 steps of 3 × 4 KiB + 11 cache lines):
/// with every picture at the same offset, a reference picture and the picture being decoded
/// share their L1 and L2 cache sets at every position, and motion compensation evicts its own
/// lines. Staggered, cachegrind (L1 32 KiB, L2 512 KiB, both 8-way) counts 14 % fewer L1 and
/// 5 % fewer L2 data misses decoding 1080p H.264 (docs/architecture.md).
static AVBufferRef *sw_huge_block_alloc(void *opaque, size_t size) {
    (void)opaque;
    static _Atomic unsigned counter;
    size_t lead = 64 + (size_t)(counter++ % 8) * (3 * 4096 + 11 * 64);
    size_t len = 0;
    uint8_t *base = (uint8_t *)sw_huge_map(size + lead, &len);
    if (!base) return NULL;
    *(size_t *)base = len;
    AVBufferRef *ref = av_buffer_create(base + lead, size, sw_huge_block_free, base, 0);
    if (!ref) munmap(base, len);
    return ref;
}

/// get_buffer2 for one decoder on one thread. An 8-bit 4:2:0 picture gets one pool block for
/// its three planes, laid out as FFmpeg's default allocator lays out its separate buffers
/// (dimensions aligned by `avcodec_align_dimensions2`, 64-byte line sizes, each plane padded
/// by 16 + 63 bytes for the decoder's overreads), but not zero-filled first: the kernel's
/// fresh pages are zero, and a reused block holds an earlier picture, as FFmpeg's own pool
/// does. Anything else goes to FFmpeg's default.
static inline int sw_decoder_get_buffer(sw_decoder_hooks *h, AVCodecContext *ctx, AVFrame *frame, int flags) {
    if (!h->huge_frames || ctx->codec_type != AVMEDIA_TYPE_VIDEO || !ctx->codec
        || !(ctx->codec->capabilities & AV_CODEC_CAP_DR1)
        || (frame->format != AV_PIX_FMT_YUV420P && frame->format != AV_PIX_FMT_YUVJ420P)
        || frame->width <= 0 || frame->height <= 0)
        return avcodec_default_get_buffer2(ctx, frame, flags);
    int w = frame->width, ht = frame->height;
    int align[AV_NUM_DATA_POINTERS];
    avcodec_align_dimensions2(ctx, &w, &ht, align);
    int linesize[4];
    for (int tries = 0;; tries++) {
        if (tries > 16 || av_image_fill_linesizes(linesize, (enum AVPixelFormat)frame->format, w) < 0)
            return avcodec_default_get_buffer2(ctx, frame, flags);
        int unaligned = 0;
        for (int i = 0; i < 4; i++)
            unaligned |= (linesize[i] % 64) | (align[i] > 0 ? linesize[i] % align[i] : 0);
        if (!unaligned) break;
        w += w & ~(w - 1);   // FFmpeg's own step: the next power-of-two multiple
    }
    ptrdiff_t ls[4] = { linesize[0], linesize[1], linesize[2], linesize[3] };
    size_t sizes[4];
    if (av_image_fill_plane_sizes(sizes, (enum AVPixelFormat)frame->format, ht, ls) < 0)
        return avcodec_default_get_buffer2(ctx, frame, flags);
    size_t offset[4], total = 0;
    for (int i = 0; i < 4; i++) {
        offset[i] = total;
        if (sizes[i]) total += (sizes[i] + 16 + 63 + 63) & ~(size_t)63;
    }
    if (!h->pool || h->pool_block != total) {
        av_buffer_pool_uninit(&h->pool);   // blocks still out are freed when returned
        h->pool = av_buffer_pool_init2(total, NULL, sw_huge_block_alloc, NULL);
        h->pool_block = h->pool ? total : 0;
        if (!h->pool) return AVERROR(ENOMEM);
    }
    frame->buf[0] = av_buffer_pool_get(h->pool);
    if (!frame->buf[0]) return AVERROR(ENOMEM);
    for (int i = 0; i < 4; i++) {
        frame->data[i] = sizes[i] ? frame->buf[0]->data + offset[i] : NULL;
        frame->linesize[i] = sizes[i] ? linesize[i] : 0;
    }
    frame->extended_data = frame->data;
    return 0;
}

/// Releases the pool (blocks still held by frames stay valid until those are freed).
static inline void sw_decoder_hooks_release(sw_decoder_hooks *h) { av_buffer_pool_uninit(&h->pool); }

#endif
