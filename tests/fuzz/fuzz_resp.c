/* fuzz_resp.c — libFuzzer target for the RESP parsers, the session and the text renderer.
 *
 * Input: byte 0 picks the argument mode and whether hooks claim commands; then chunks, each a
 * header byte (bit 7 = direction: 1 client→server, 0 server→client; bits 0-6 = length) and that
 * many bytes. The same bytes also go, whole, to both raw parsers. Invariants checked: every
 * operation's text fits its budget and renders, times are ordered, and the session survives
 * anything (dead or alive) without touching memory outside its struct (ASan). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "protocols/resp/resp.h"
#include "protocols/resp/resp_sess.h"
#include "protocols/resp/resp_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t clock_ns;
static int claims;

static uint64_t f_now(void *ud) { (void)ud; return ++clock_ns; }

static void f_emit(void *ud, const ga_resp_op *op)
{
    (void)ud;
    char out[320];
    uint8_t blob[GA_RESP_TEXT_MAX];
    if (op->l1 + op->l2 > GA_RESP_TEXT_MAX || op->name_len > GA_RESP_NAME_CAP ||
        op->code_len > GA_RESP_CODE_CAP || op->end_ns < op->start_ns)
        abort();
    memcpy(blob, op->t1, op->l1);
    memcpy(blob + op->l1, op->t2, op->l2);
    size_t n = ga_resp_text_render(blob, op->l1 + op->l2, op->args_mode, op->flags & 1, out, sizeof out);
    if (n >= sizeof out || strlen(out) != n)
        abort();
}

static int f_claim(void *ud, ga_resp_hook_info *h, char *host, uint8_t *host_len)
{
    (void)ud;
    if (claims <= 0)
        return 0;
    claims--;
    memset(h, 0, sizeof *h);
    if (host != NULL && host_len != NULL) {
        memcpy(host, "h", 2);
        *host_len = 1;
    }
    return 1;
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

    ga_resp_sess *s = calloc(1, sizeof *s);
    clock_ns = 0;
    claims = (data[0] & 0x4) ? 1000 : 0;
    ga_resp_env env = { .ud = NULL, .now = f_now, .emit = f_emit,
                        .claim = (data[0] & 0x8) ? f_claim : NULL, .args_mode = (uint8_t)(data[0] % 3) };
    size_t off = 1;
    while (off < size) {
        uint8_t h = data[off++];
        size_t len = h & 0x7f;
        if (len > size - off)
            len = size - off;
        ga_resp_sess_feed(s, h >> 7, data + off, len, &env);
        off += len;
    }
    ga_resp_sess_close(s, &env);
    free(s);
    return 0;
}
