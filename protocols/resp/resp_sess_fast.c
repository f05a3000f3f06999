/* resp_sess_fast.c — the RESP session's fast path: the common case of one command at a time
 * (contract in resp_sess.h, "Fast path").
 *
 * A client that waits for each reply before it sends the next command (redis-benchmark -c N,
 * most request/response clients) writes one whole multibulk command per write and reads one
 * whole reply per read while that command is the only one in flight. For exactly those bytes
 * this file does in one pass what the parsers and the grouping machinery do callback by
 * callback, and leaves the session in the same state. Everything else — a command or reply
 * split across calls, several in one buffer (pipelines), inline commands, commands whose
 * class matters (MULTI, SELECT, SUBSCRIBE, AUTH and the other secret carriers, CLIENT,
 * containers), pub/sub mode, CLIENT REPLY OFF/SKIP, RESP3 aggregates, attributes and pushes,
 * anything malformed — is declined before any state changes and takes the general path.
 * tests/unit/test_resp_fast.c and the RESP fuzz target check that both paths produce the same
 * operations and leave the same state for the same bytes (tests/fuzz/resp_diff.h). */
#include "protocols/common/copy.h"
#include "protocols/resp/resp_sess_int.h"
#include "protocols/resp/resp_cmd.h"
#include "protocols/resp/resp_lex.h"
#include "protocols/resp/resp_raw.h"

_Static_assert(GA_RESP_TEXT_MAX + GA_RESP_NAME_CAP <= GA_RESP_ARENA, "the name is copied from the arena");

/* The command's text in the empty arena: its own bytes when they fit a text's budget (up to
 * the end of its first argument when arguments are not copied), flagged GA_RESP_GF_RAW and
 * shaped on the exporter thread; else the blob the general path writes. Returns its length
 * and adds the group flags it needs. */
static size_t ga__text(ga_resp_sess *s, ga_resp_group *g, const uint8_t *p, size_t n,
                       const ga_resp_rarg *a, unsigned nargs, int all)
{
    size_t raw = all ? n : (size_t)(a[0].p + a[0].len + 2 - p);
    if (raw <= GA_RESP_TEXT_MAX) {
        ga_copy_small(s->arena, p, raw);          /* no `rep movsb` (protocols/common/copy.h) */
        g->flags |= GA_RESP_GF_RAW;
        return raw;
    }
    int more;
    size_t len = ga_resp_raw_blob(a, all ? nargs : 1, nargs, s->arena, &more);
    if (more)
        g->flags |= GA_RESP_GF_TRUNC;
    return len;
}

int ga_resp__fast_req(ga_resp_ctx *c, const uint8_t *p, size_t n)
{
    ga_resp_sess *s = c->s;
    if (n < 10 || p[0] != '*' || s->ng != 0 || s->a_used != 0 || s->a_head != 0 ||
        s->hooks_used != 0 || s->reply_mode != GA_RESP_RM_ON || !ga_resp_req_idle(&s->req))
        return 0;
    ga_resp_rarg a[GA_RESP_RAW_ARGS];
    unsigned nargs;
    if (ga_resp_raw_split(p, n, 0, a, &nargs) == 0)
        return 0;
    size_t nl = a[0].len < GA_RESP_CUR_CAP ? a[0].len : GA_RESP_CUR_CAP;
    if (ga_resp_cmd_maybe_special((const char *)a[0].p, nl) &&
        ga_resp_cmd_class((const char *)a[0].p, nl) != GA_RC_NORMAL)
        return 0;
    /* Committed from here on: the bytes are this one command. */
    uint64_t start = ga_resp__now(c);
    int hooked = c->env->claim != NULL &&
                 c->env->claim(c->env->ud, &s->hooks[0], s->host_len ? NULL : s->host, &s->host_len);
    ga_resp_group *g = ga_resp__new_group(s);
    if (hooked) {
        s->hooks_used = 1;
        g->hook = 1;
        g->start_ns = s->hooks[0].start_ns ? s->hooks[0].start_ns : start;
    } else {
        g->start_ns = start;
        g->flags = GA_RESP_GF_OPEN;
    }
    g->ncmds = 1;
    g->left = 1;
    g->text_len = (uint16_t)ga__text(s, g, p, n, a, nargs, c->env->args_mode != GA_RESP_ARGS_NONE);
    s->a_used = g->text_len;
    /* The name from the text just written (raw: where the first argument is; blob: after the
     * 3-byte header and the argument's length byte), a fixed-size copy: the arena is larger
     * than any text plus a name, and only name_len bytes count. */
    size_t at = (g->flags & GA_RESP_GF_RAW) ? (size_t)(a[0].p - p) : 4;
    g->name_len = (uint8_t)(nl < GA_RESP_NAME_CAP - 1 ? nl : GA_RESP_NAME_CAP - 1);
    memcpy(g->name, s->arena + at, GA_RESP_NAME_CAP - 1);
    return 1;
}

/* Contract in resp_sess_int.h. The raw text was written at the arena's start (a_head was 0
 * and stays 0 while its group is in flight, being the oldest). */
void ga_resp__unraw(ga_resp_sess *s, ga_resp_group *g)
{
    ga_resp_rarg a[GA_RESP_RAW_ARGS];
    unsigned nargs, k = ga_resp_raw_split(s->arena, g->text_len, 1, a, &nargs);
    uint8_t blob[GA_RESP_TEXT_MAX];
    int more;
    size_t len = k ? ga_resp_raw_blob(a, k, nargs, blob, &more) : 0;
    memcpy(s->arena, blob, len);
    s->a_used = (uint16_t)(s->a_used - g->text_len + len);
    g->text_len = (uint16_t)len;
    g->flags &= (uint8_t)~GA_RESP_GF_RAW;
    if (k && more)
        g->flags |= GA_RESP_GF_TRUNC;
}

/* ------------------------------------------------------------------ replies */

/* A line value `<type><anything but LF>\r\n` filling p[0..n). */
static int ga__one_line(const uint8_t *p, size_t n)
{
    return memchr(p + 1, '\n', n - 1) == p + n - 1;
}

/* A bulk string `$<len>\r\n<bytes>\r\n` or `$-1\r\n` at p, within n bytes: its size, else 0. */
static size_t ga__bulk_size(const uint8_t *p, size_t n)
{
    uint64_t len;
    if (n >= 5 && p[1] == '-' && p[2] == '1' && p[3] == '\r' && p[4] == '\n')
        return 5;
    size_t h = ga_resp_fast_num(p + 1, n - 1, &len);
    if (h == 0 || len > n - 1 - h || n - 1 - h - len < 2 || p[1 + h + len] != '\r' ||
        p[2 + h + len] != '\n')
        return 0;
    return 1 + h + (size_t)len + 2;
}

/* One scalar value (bulk string or a line type the session takes as it comes) at p, within
 * n bytes: its size, else 0 (aggregates, attributes, pushes, blob errors and verbatim strings,
 * streamed strings: the general path). */
static size_t ga__scalar_size(const uint8_t *p, size_t n)
{
    switch (p[0]) {
    case '$':
        return ga__bulk_size(p, n);
    case '+': case '-': case ':': case '_': case ',': case '#': case '(': {
        const uint8_t *nl = memchr(p + 1, '\n', n - 1);
        return nl != NULL && nl[-1] == '\r' ? (size_t)(nl - p) + 1 : 0;
    }
    default:
        return 0;
    }
}

/* p[0..n) is one flat RESP2 array whose elements are all scalars. The session keeps nothing
 * of its elements unless pub/sub frames may arrive or the operation is a MULTI, neither of
 * which comes here. */
static int ga__flat_array(const uint8_t *p, size_t n)
{
    uint64_t cnt;
    size_t h = ga_resp_fast_num(p + 1, n - 1, &cnt), o = 1 + h;
    if (h == 0 || cnt > GA_RESP_COUNT_MAX)
        return 0;
    for (uint64_t i = 0; i < cnt; i++) {
        size_t k = o < n ? ga__scalar_size(p + o, n - o) : 0;
        if (k == 0)
            return 0;
        o += k;
    }
    return o == n;
}

int ga_resp__fast_rep(ga_resp_ctx *c, const uint8_t *p, size_t n)
{
    ga_resp_sess *s = c->s;
    if (n < 3 || s->ng != 1 || (s->flags & GA_RESP_SF_PUBSUB) || !ga_resp_rep_idle(&s->rep) ||
        p[n - 2] != '\r' || p[n - 1] != '\n')
        return 0;
    ga_resp_group *g = ga_resp__head(s);
    if (g->left != 1 || g->ghost != 0 || g->kind != GA_RESP_GK_BATCH || (g->flags & GA_RESP_GF_OPEN))
        return 0;
    int ok;
    switch (p[0]) {
    case '$':
        ok = ga__bulk_size(p, n) == n;
        break;
    case '*':
        ok = ga__flat_array(p, n);
        break;
    case '+': case '-': case ':': case '_': case ',': case '#': case '(':
        ok = ga__one_line(p, n);
        break;
    default:
        ok = 0;
        break;
    }
    if (!ok)
        return 0;
    s->flags |= GA_RESP_SF_CONFIRMED;
    g->left = 0;
    if (p[0] == '-') {
        size_t el = n - 3 < GA_RESP_ERR_CAP ? n - 3 : GA_RESP_ERR_CAP;
        ga_resp__set_error(g, (const char *)p + 1, el);
        if (g->flags & GA_RESP_GF_SELECT)
            s->db = g->db;
    }
    ga_resp__emit_head(c, 0);
    ga_resp__pop(s);
    return 1;
}
