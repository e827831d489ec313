#ifndef STREETWARDEN_CFFMPEG_SHIM_H
#define STREETWARDEN_CFFMPEG_SHIM_H
// The C edge of StreetWarden: FFmpeg's headers plus static inline wrappers for the macros,
// compound literals and version differences that Swift cannot import. Only VideoIO imports this.
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libswscale/swscale.h>
#include <libavutil/avutil.h>
#include <libavutil/error.h>
#include <libavutil/frame.h>
#include <libavutil/dict.h>
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

#endif
