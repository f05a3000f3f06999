/* fuzz_kafka_hdrs.c — libFuzzer target for protocols/kafka/kafka_hdrs.c: any bytes as a header
 * block, in a buffer of exactly their size (ASan sees any read past it); a found value must
 * lie inside the input, nothing is returned unless something was found, and the one-header
 * shortcut answers exactly as the header-by-header scan. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "protocols/kafka/kafka_hdrs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1);    /* exact size: ASan sees any overread */
    if (copy == NULL)
        return 0;
    memcpy(copy, data, size);
    static const char *const names[] = { "traceparent", "", "a" };
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
    }
    free(copy);
    return 0;
}
