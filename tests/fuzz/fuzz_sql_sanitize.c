/* fuzz_sql_sanitize.c — libFuzzer target for the SQL sanitiser and the summary builder.
 * Invariants: the sanitised text is never longer than the input and holds no string literal
 * any more (lexing it again finds none); the summary is NUL-terminated, at most
 * GA_SQL_SUMMARY_MAX characters. Buffers are exact-size so ASan catches any overrun. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "protocols/sql/sql_sanitize.h"
#include "protocols/sql/sql_summary.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = malloc(size ? size : 1);
    memcpy(in, data, size);
    char *out = malloc(size ? size : 1);
    size_t n = ga_sql_sanitize(in, size, out, size);
    if (n > size)
        abort();
    /* A sanitised text has no string literal left: lexing it finds none. */
    ga_sql_lex lx;
    ga_sql_token t;
    ga_sql_lex_init(&lx, out, n);
    while (ga_sql_next(&lx, &t) != GA_SQL_END)
        if (t.type == GA_SQL_STRING)
            abort();
    char sum[GA_SQL_SUMMARY_MAX + 1];
    size_t k = ga_sql_summary(in, size, sum, sizeof sum);
    if (k > GA_SQL_SUMMARY_MAX || sum[k] != '\0' || strlen(sum) != k)
        abort();
    free(out);
    free(in);
    return 0;
}
