/* fuzz_resp.c — libFuzzer target for the RESP parsers, the session and the text renderer.
 *
 * Input: byte 0 picks the argument mode, whether hooks claim commands and whether client
 * chunks are taken as words of one command (as_command); then chunks, each a
 * header byte (bit 7 = direction: 1 client→server, 0 server→client; bits 0-6 = length) and that
 * many bytes. The same bytes also go, whole, to both raw parsers. Invariants checked: every
 * operation's text fits its budget and renders, times are ordered, the session survives
 * anything (dead or alive) without touching memory outside its struct (ASan), and the fast
 * path changes nothing: a second session fed the same chunks with env.general_only emits the
 * same operations and ends every chunk in the same state (tests/fuzz/resp_diff.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "protocols/resp/resp.h"
#include "protocols/resp/resp_sess.h"
#include "protocols/resp/resp_text.h"
#include "tests/fuzz/resp_diff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One session's environment: its clock, hook announcements, and the operations it emitted
 * since the last comparison (normalised, resp_diff.h). */
typedef struct fsess {
    uint64_t clock_ns;
    int claims;
    int nops;
    resp_nop ops[32];
} fsess;

static uint64_t f_now(void *ud) { return ++((fsess *)ud)->clock_ns; }

static void f_emit(void *ud, const ga_resp_op *op)
{
    fsess *f = ud;
    char out[320];
    uint8_t blob[GA_RESP_TEXT_MAX];
    if (op->l1 + op->l2 > GA_RESP_TEXT_MAX || op->name_len > GA_RESP_NAME_CAP ||
        op->code_len > GA_RESP_CODE_CAP || op->end_ns < op->start_ns)
        abort();
    if (op->l1 > 0)
        memcpy(blob, op->t1, op->l1);
    if (op->l2 > 0)
        memcpy(blob + op->l1, op->t2, op->l2);
    size_t n = (op->flags & GA_RESP_GF_RAW) ?
               ga_resp_text_render_raw(blob, op->l1 + op->l2, op->args_mode, out, sizeof out) :
               ga_resp_text_render(blob, op->l1 + op->l2, op->args_mode, op->flags & 1, out, sizeof out);
    if (n >= sizeof out || strlen(out) != n)
        abort();
    if (f->nops == (int)(sizeof f->ops / sizeof f->ops[0]))
        abort();                                /* one chunk of <= 127 bytes: far fewer */
    resp_diff_op(op, &f->ops[f->nops++]);
}

static int f_claim(void *ud, ga_resp_hook_info *h, char *host, uint8_t *host_len)
{
    fsess *f = ud;
    if (f->claims <= 0)
        return 0;
    f->claims--;
    memset(h, 0, sizeof *h);
    h->start_ns = f->clock_ns;                   /* the command's own start, or 0 */
    if (host != NULL && host_len != NULL) {
        memcpy(host, "h", 2);
        *host_len = 1;
    }
    return 1;
}


/* Bytes as one well-formed multibulk command: its words split on spaces (byte 0 bit 4 asks
 * for this on every client chunk, so whole commands of any shape reach the session). */
static size_t as_command(const uint8_t *p, size_t len, uint8_t *out)
{
    size_t starts[64], ends[64], nw = 0, i = 0;
    while (i < len && nw < 64) {
        while (i < len && p[i] == ' ')
            i++;
        if (i == len)
            break;
        starts[nw] = i;
        while (i < len && p[i] != ' ')
            i++;
        ends[nw++] = i;
    }
    size_t o = (size_t)sprintf((char *)out, "*%zu\r\n", nw);
    for (size_t w = 0; w < nw; w++) {
        o += (size_t)sprintf((char *)out + o, "$%zu\r\n", ends[w] - starts[w]);
        memcpy(out + o, p + starts[w], ends[w] - starts[w]);
        o += ends[w] - starts[w];
        memcpy(out + o, "\r\n", 2);
        o += 2;
    }
    return o;
}

static void raw_noop(void *ud) { (void)ud; }
static void raw_arg_begin(void *ud, uint32_t i, uint64_t l) { (void)ud; (void)i; (void)l; }
static void raw_arg_data(void *ud, const uint8_t *p, size_t n) { (void)ud; (void)p; (void)n; }
static void raw_end(void *ud, uint32_t n) { (void)ud; (void)n; }
static void raw_reply(void *ud, const ga_resp_reply *r) { (void)ud; (void)r; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const ga_resp_req_cb rcb = { raw_noop, raw_arg_begin, raw_arg_data, raw_noop, raw_end };
    ga_resp_req rq = {0};
    ga_resp_rep rp = {0};
    ga_resp_req_feed(&rq, data + 1, size - 1, &rcb, NULL);
    ga_resp_rep_feed(&rp, data + 1, size - 1, raw_reply, NULL);

    /* The same chunks to a session that may take the fast path and to one that may not:
     * after every chunk they must have emitted the same operations and be in the same state. */
    ga_resp_sess *s = calloc(1, sizeof *s), *g = calloc(1, sizeof *g);
    fsess *fs = calloc(1, sizeof *fs), *fg = calloc(1, sizeof *fg);
    fs->claims = fg->claims = (data[0] & 0x4) ? 1000 : 0;
    ga_resp_env env = { .ud = fs, .now = f_now, .emit = f_emit,
                        .claim = (data[0] & 0x8) ? f_claim : NULL, .args_mode = (uint8_t)(data[0] % 3) };
    ga_resp_env genv = env;
    genv.ud = fg;
    genv.general_only = 1;
    size_t off = 1;
    while (off < size) {
        uint8_t h = data[off++];
        size_t len = h & 0x7f;
        if (len > size - off)
            len = size - off;
        const uint8_t *p = data + off;
        size_t n = len;
        uint8_t words[1024];
        if ((data[0] & 0x10) && (h >> 7)) {
            n = as_command(p, len, words);
            p = words;
        }
        ga_resp_sess_feed(s, h >> 7, p, n, &env);
        ga_resp_sess_feed(g, h >> 7, p, n, &genv);
        off += len;
        if (fs->nops != fg->nops || memcmp(fs->ops, fg->ops, sizeof fs->ops[0] * (size_t)fs->nops) != 0 ||
            !resp_diff_same(s, g))
            abort();
        fs->nops = fg->nops = 0;
    }
    ga_resp_sess_close(s, &env);
    ga_resp_sess_close(g, &genv);
    if (fs->nops != fg->nops || memcmp(fs->ops, fg->ops, sizeof fs->ops[0] * (size_t)fs->nops) != 0)
        abort();
    free(s);
    free(g);
    free(fs);
    free(fg);
    return 0;
}
