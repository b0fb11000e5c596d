#ifndef ZOOBENCH_CCODECS_SHIM_H
#define ZOOBENCH_CCODECS_SHIM_H

// The compression libraries librdkafka uses for Kafka's codecs, for measuring
// them offline (`zoobench codecs`). Only ZooPipe imports this module.
#include <zstd.h>
#include <lz4.h>
#include <lz4hc.h>
#include <zlib.h>
#include <snappy-c.h>

// zlib's init functions are macros Swift cannot call; these wrap them.
// windowBits 15 + 16 selects the gzip wrapper, as Kafka's gzip codec uses.
static inline int zoobench_deflate_init_gzip(z_stream *stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}

static inline int zoobench_inflate_init_gzip(z_stream *stream) {
    return inflateInit2(stream, 15 + 16);
}

static inline const char *zoobench_zlib_version(void) {
    return ZLIB_VERSION;
}

#endif
