/* gzip_codecs.c — what gzip costs per span of a trace request, codec by codec, for
 * docs/otlp.md#encoding-and-compression: a request of 512 spans written by the library's
 * encoder (HTTP server spans with random ids, times and client ports, or Redis GETs), then
 * compressed REPS times by zlib (level L), libdeflate (level L) or the library's span encoder.
 * Run under callgrind with REPS 1 and 3 and difference (`make bench-gzip` does it); prints the
 * sizes on stderr.
 *
 *   gzip_codecs zlib|libdeflate|spans LEVEL REPS [http|redis] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <libdeflate.h>
#include "exporter/otlp_gzip.h"
#include "exporter/otlp_span.h"
#include "exporter/resource.h"
#include "plugins/http/http_rec.h"
#include "plugins/redis/resp_rec.h"
#include "preload/emit.h"
#include "protocols/http1/http1.h"

static void http_record(ga_rec *r, int i)
{
    ga_rec_put_int(r, GA_A_HTTP_METHOD, GA_H1_M_GET);
    ga_rec_put_int(r, GA_A_HTTP_STATUS, 200);
    ga_rec_put_int(r, GA_A_HTTP_VERSION, 11);
    ga_rec_put_int(r, GA_A_HTTP_REQ_BODY, 0);
    ga_rec_put_int(r, GA_A_HTTP_RESP_BODY, 1400);
    ga_addr a = { .family = 2, .port = (uint16_t)(40000 + i % 3), .addr = { 127, 0, 0, 1 } };
    ga_rec_put_addr(r, GA_A_PEER, &a);
    ga_rec_put(r, GA_A_HTTP_HOST, GA_AT_STR, "127.0.0.1:8080", 14);
    ga_rec_put(r, GA_A_HTTP_TARGET, GA_AT_STR, "/index.html", 11);
    ga_rec_put(r, GA_A_HTTP_UA, GA_AT_STR, "exporter-cost/1.0", 17);
}

static void redis_record(ga_rec *r)
{
    static const uint8_t blob[] = { 2, 2, 0, 3, 'G', 'E', 'T', 16, 'k', 'e', 'y', ':', '_', '_',
                                    'r', 'a', 'n', 'd', '_', 'i', 'n', 't', '_', '_' };
    ga_rec_put_int(r, GA_A_RESP_INFO, GA_RESP_INFO(0, 0, 0, 0, 0, 1));
    ga_addr a = { .family = 2, .port = 6379, .addr = { 127, 0, 0, 1 } };
    ga_rec_put_addr(r, GA_A_PEER, &a);
    ga_rec_put(r, GA_A_RESP_NAME, GA_AT_STR, "GET", 3);
    ga_rec_put(r, GA_A_RESP_TEXT, GA_AT_STR, blob, sizeof blob);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s zlib|libdeflate|spans LEVEL REPS [http|redis]\n", argv[0]);
        return 2;
    }
    int level = atoi(argv[2]), reps = atoi(argv[3]), redis = argc > 4 && strcmp(argv[4], "redis") == 0;
    ga_resource_build(&ga_res);
    ga_otlp_tr tr = {0};
    ga_buf body = {0}, gz = {0};
    ga_otlp_tr_init(&tr, ga_res.attrs, ga_res.n, "genesis-auto", "0.1.0");
    ga_otlp_tr_begin(&tr, &body);
    srand(1);
    for (int i = 0; i < 512; i++) {
        ga_span_ids id = { .flags = 1 };
        for (int k = 0; k < 16; k++)
            id.trace_id[k] = (uint8_t)rand();
        for (int k = 0; k < 8; k++)
            id.span_id[k] = (uint8_t)rand();
        uint64_t t = 1700000000000000000ull + (uint64_t)i * 123457 + (uint64_t)(rand() % 1000);
        ga_rec r;
        ga_rec_init(&r, redis ? GA_PROTO_REDIS : GA_PROTO_HTTP, redis ? GA_OP_RESP : GA_OP_HTTP_SERVER,
                    redis ? GA_KIND_CLIENT : GA_KIND_SERVER, &id, t, t + 50000 + (uint64_t)(rand() % 10000));
        if (redis)
            redis_record(&r);
        else
            http_record(&r, i);
        ga_otlp_tr_span(&body, &r);
    }
    size_t start;
    ga_otlp_tr_end(&tr, &body, &start);
    const char *in = body.data + start;
    size_t n = body.len - start, out = 0;
    struct libdeflate_compressor *ld = NULL;
    char *dst = malloc(2 * n + 1024);
    for (int k = 0; k < reps; k++) {
        if (strcmp(argv[1], "zlib") == 0) {
            uLongf len = 2 * n + 1024;
            z_stream z;
            memset(&z, 0, sizeof z);
            deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
            z.next_in = (Bytef *)(uintptr_t)in;
            z.avail_in = (uInt)n;
            z.next_out = (Bytef *)dst;
            z.avail_out = (uInt)len;
            deflate(&z, Z_FINISH);
            out = z.total_out;
            deflateEnd(&z);
        } else if (strcmp(argv[1], "libdeflate") == 0) {
            if (ld == NULL)
                ld = libdeflate_alloc_compressor(level);
            out = libdeflate_gzip_compress(ld, in, n, dst, 2 * n + 1024);
        } else {
            ga_otlp_gzip_spans(in, n, &gz);
            out = gz.len;
        }
    }
    fprintf(stderr, "%s level %d: %zu -> %zu bytes (%.1f%%), %zu bytes per span\n", argv[1], level,
            n, out, 100.0 * (double)out / (double)n, n / 512);
    return 0;
}
