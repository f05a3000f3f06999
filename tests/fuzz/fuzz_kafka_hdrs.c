/* fuzz_kafka_hdrs.c — libFuzzer target for protocols/kafka/kafka_hdrs.c: any bytes as a header
 * block, in a buffer of exactly their size (ASan sees any read past it); a found value must
 * lie inside the input, nothing is returned unless something was found, the one-header
 * shortcut answers exactly as the header-by-header scan, and a name with the case of its letters
 * swapped is answered exactly as the name (names match in any ASCII case). The B3 headers a consumer reads with
 * b3/b3multi configured (plugins/kafka/kafka_rkm.c) are looked up too and their values fed to
 * the B3 parsers (protocols/w3c/b3.c), single and multi, as the consumer does. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "protocols/kafka/kafka_hdrs.h"
#include "protocols/w3c/b3.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1);    /* exact size: ASan sees any overread */
    if (copy == NULL)
        return 0;
    memcpy(copy, data, size);
    static const char *const names[] = { "traceparent", "", "a", "b3", "X-B3-TraceId", "X-B3-SpanId",
                                         "X-B3-Sampled", "X-B3-Flags" };
    const char *val[8] = { NULL };
    size_t len[8] = { 0 };
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        const uint8_t *v = NULL;
        size_t vl = 0;
        int r = ga_kafka_hdr_last(copy, size, names[k], strlen(names[k]), &v, &vl);
        if (r < -1 || r > 1)
            abort();
        if (r == GA_KAFKA_HDR_FOUND && v != NULL && (v < copy || v + vl > copy + size))
            abort();
        if (r != GA_KAFKA_HDR_FOUND && (v != NULL || vl != 0))
            abort();                            /* nothing returned unless found */
        const uint8_t *sv = NULL;
        size_t svl = 0;                         /* the fast path agrees with the scan */
        if (ga_kafka_hdr_last_scan(copy, size, names[k], strlen(names[k]), &sv, &svl) != r ||
            sv != v || svl != vl)
            abort();
        char swapped[16];                       /* names match in any ASCII case: the same */
        size_t nl = strlen(names[k]);           /* answer for the name with its case swapped */
        for (size_t i = 0; i < nl; i++) {
            unsigned char c = (unsigned char)names[k][i];
            swapped[i] = (char)((c | 0x20) - 'a' < 26u ? c ^ 0x20 : c);
        }
        swapped[nl] = '\0';
        if (ga_kafka_hdr_last(copy, size, swapped, nl, &sv, &svl) != r || sv != v || svl != vl)
            abort();
        if (r == GA_KAFKA_HDR_FOUND) {
            val[k] = (const char *)v;
            len[k] = vl;
        }
    }
    ga_span_ctx ctx;
    int sampling = 0;
    if (val[3] != NULL && ga_b3_parse(val[3], len[3], &ctx, &sampling) == 0 && !ctx.valid)
        abort();
    if (ga_b3_parse_multi(val[4], len[4], val[5], len[5], val[6], len[6], val[7], len[7], &ctx,
                          &sampling) == 0 && !ctx.valid)
        abort();
    free(copy);
    return 0;
}
