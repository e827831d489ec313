#ifndef STREETWARDEN_CFFMPEG_SHIM_H
#define STREETWARDEN_CFFMPEG_SHIM_H
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libswscale/swscale.h>
#include <libavutil/avutil.h>
#endif
