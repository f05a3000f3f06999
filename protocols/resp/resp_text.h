/* resp_text.h — rendering a Redis operation's argument blob (resp_sess.h) as `db.query.text`
 * in redis-cli syntax, on the exporter thread.
 *
 * GENESIS_REDIS_ARGS decides what shows: `none` — the command name (and subcommand) only,
 * every argument `?`; `keys` (default) — key arguments as sent, other arguments `?`; `all` —
 * every argument as sent. Secrets (AUTH …) are `?` whatever the mode (they were never copied).
 * Arguments that need it are quoted and escaped like redis-cli does; a truncated argument
 * ends with `...`, omitted arguments show as `...`. Several commands (pipeline, MULTI) are
 * joined with `; `, or shown once when all render the same. */
#ifndef GA_RESP_TEXT_H
#define GA_RESP_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* One argument as found in the blob. */
typedef struct ga_resp_targ {
    const uint8_t *p;
    uint8_t len;
    uint8_t trunc;
    uint8_t secret;
} ga_resp_targ;

#define GA_RESP_TEXT_ARGS 64    /* arguments of one command looked at for rendering */

/* Render blob[0..len) into out (NUL-terminated, at most cap-1 bytes); `more` = some
 * commands' text was not kept. Returns the length written. */
size_t ga_resp_text_render(const uint8_t *blob, size_t len, int mode, int more, char *out, size_t cap);

/* The same for a text kept raw (GA_RESP_GF_RAW, resp_sess.h): the blob the general path would
 * have kept (ga_resp_raw_blob), rendered; bytes not of the raw shape render as `...`. */
size_t ga_resp_text_render_raw(const uint8_t *raw, size_t len, int mode, char *out, size_t cap);

/* Which of the first n arguments of a command are keys (is_key[i] = 1). nargs is the
 * command's real argument count (args beyond n were not kept). Unknown commands: none. */
void ga_resp_key_mask(const ga_resp_targ *a, int n, int nargs, uint8_t *is_key);

#endif
