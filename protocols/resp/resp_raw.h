/* resp_raw.h — one Redis command kept as its own RESP bytes: splitting a multibulk command
 * that is whole in a buffer into its arguments, and the argument blob (resp_sess.h) the
 * session's general path writes for it.
 *
 * The session's fast path (resp_sess_fast.c) copies a short command's bytes verbatim instead
 * of shaping them (GA_RESP_GF_RAW); the exporter thread turns them into the blob
 * (ga_resp_text_render_raw, resp_text.h), so both paths end in the same text. Pure functions
 * of their inputs; no allocation. */
#ifndef GA_RESP_RAW_H
#define GA_RESP_RAW_H

#include <stddef.h>
#include <stdint.h>

#define GA_RESP_RAW_ARGS 8      /* commands with more arguments are never kept raw */

typedef struct ga_resp_rarg {
    const uint8_t *p;
    size_t len;
} ga_resp_rarg;

/* p[0..n) is `*<count>\r\n` then `$<len>\r\n<bytes>\r\n` arguments written the way the
 * request parser's own one-step paths take them (plain digits, CRLF), with 1 <= count <=
 * GA_RESP_RAW_ARGS: all `count` arguments, ending exactly at n — or, when `prefix` is 1, at
 * least the first one, ending exactly after one of them. Returns the arguments present (a[]
 * filled) and the declared count in *count; 0 when the bytes are not of that shape. */
unsigned ga_resp_raw_split(const uint8_t *p, size_t n, int prefix, ga_resp_rarg *a, unsigned *count);

/* Write into out (room for GA_RESP_TEXT_MAX bytes) the blob the general path writes for a
 * command of `nargs` arguments of which a[0..k) are copied: the 3-byte header, each argument
 * cut to GA_RESP_ARG_CAP, the whole to GA_RESP_TEXT_MAX (then *more = 1). Returns its length. */
size_t ga_resp_raw_blob(const ga_resp_rarg *a, unsigned k, unsigned nargs, uint8_t *out, int *more);

#endif
