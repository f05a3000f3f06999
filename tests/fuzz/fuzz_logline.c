/* fuzz_logline.c — libFuzzer target for the log-line helpers (protocols/logline/): every
 * function on arbitrary bytes must stay inside them, and what strip() writes must be no
 * longer than its input, hold no ESC and no C0 control but tab, and be text when the input
 * was text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "protocols/logline/logline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    char *out = malloc(size + 1);
    if (out == NULL)
        return 0;
    int text = ga_ll_is_text(s, size);
    size_t n = ga_ll_strip(out, s, size);
    if (n > size)
        abort();
    for (size_t i = 0; i < n; i++)
        if (((uint8_t)out[i] < 0x20 && out[i] != '\t') || out[i] == 0x7F)
            abort();
    char *out2 = malloc(size + 1);
    if (out2 != NULL) {                     /* the one-pass form agrees with the two others */
        long c = ga_ll_clean(out2, s, size);
        if (text ? (c != (long)n || memcmp(out, out2, n) != 0) : c != -1)
            abort();
        free(out2);
    }
    ga_ll_sev v;
    ga_ll_severity(s, size, &v);
    if (v.text_len && (v.text < s || v.text + v.text_len > s + size))
        abort();
    if (v.number < 0 || v.number > 24)
        abort();
    ga_ll_severity(out, n, &v);
    (void)ga_ll_is_json_object(s, size);
    free(out);
    return 0;
}
