/* resp_diff.h — the differential check of the RESP session's fast path (resp_sess_fast.c):
 * operations and session states normalised so that a session that took the fast path and one
 * fed the same bytes with env.general_only compare equal exactly when the fast path did what
 * the general path does. A raw text (GA_RESP_GF_RAW) is turned into the blob the general path
 * keeps (ga_resp_raw_blob) and compared byte for byte. Shared by tests/fuzz/fuzz_resp.c and
 * tests/unit/test_resp_fast.c. */
#ifndef GA_TEST_RESP_DIFF_H
#define GA_TEST_RESP_DIFF_H

#include <string.h>
#include "protocols/resp/resp_raw.h"
#include "protocols/resp/resp_sess.h"

typedef struct resp_nop {
    uint64_t start, end, hook_start, hook_caller;
    uint32_t ncmds;
    uint16_t db, text_len;
    uint8_t kind, flags, args_mode, hooked, name_len, code_len, host_len;
    uint8_t span[8];
    char name[GA_RESP_NAME_CAP], code[GA_RESP_CODE_CAP], host[GA_RESP_HOST_CAP];
    uint8_t text[GA_RESP_TEXT_MAX];
} resp_nop;

/* A text in one or two pieces as the general path keeps it; adds GA_RESP_GF_TRUNC to *flags
 * when a raw text's blob says so. Returns its length (0 for a raw text not of the raw shape:
 * never produced by the session). */
static inline size_t resp_diff_text(const uint8_t *t1, size_t l1, const uint8_t *t2, size_t l2,
                                    uint8_t *flags, uint8_t *out)
{
    uint8_t joined[GA_RESP_TEXT_MAX];
    if (l1 + l2 > GA_RESP_TEXT_MAX)
        return 0;
    if (l1 > 0)
        memcpy(joined, t1, l1);
    if (l2 > 0)
        memcpy(joined + l1, t2, l2);
    if (!(*flags & GA_RESP_GF_RAW)) {
        memcpy(out, joined, l1 + l2);
        return l1 + l2;
    }
    ga_resp_rarg a[GA_RESP_RAW_ARGS];
    unsigned nargs, k = ga_resp_raw_split(joined, l1 + l2, 1, a, &nargs);
    int more = 0;
    size_t n = k ? ga_resp_raw_blob(a, k, nargs, out, &more) : 0;
    *flags = (uint8_t)((*flags & ~GA_RESP_GF_RAW) | (more ? GA_RESP_GF_TRUNC : 0));
    return n;
}

static inline void resp_diff_op(const ga_resp_op *op, resp_nop *o)
{
    memset(o, 0, sizeof *o);
    o->start = op->start_ns;
    o->end = op->end_ns;
    o->ncmds = op->ncmds;
    o->db = op->db;
    o->kind = op->kind;
    o->flags = op->flags;
    o->args_mode = op->args_mode;
    o->name_len = op->name_len;
    memcpy(o->name, op->name, op->name_len);
    if (op->flags & GA_RESP_GF_ERROR) {
        o->code_len = op->code_len;
        memcpy(o->code, op->code, op->code_len);
    }
    o->host_len = op->host_len;
    memcpy(o->host, op->host, op->host_len);
    if (op->hook != NULL) {
        o->hooked = 1;
        o->hook_start = op->hook->start_ns;
        o->hook_caller = op->hook->caller;
        memcpy(o->span, op->hook->ids.span_id, 8);
    }
    o->text_len = (uint16_t)resp_diff_text(op->t1, op->l1, op->t2, op->l2, &o->flags, o->text);
}

/* Group k of s (0 = oldest) normalised like an operation. */
static inline void resp_diff_group(const ga_resp_sess *s, unsigned k, size_t text_pos, resp_nop *o)
{
    const ga_resp_group *g = &s->g[(s->gh + k) % GA_RESP_GROUPS];
    ga_resp_op op = {0};
    op.start_ns = g->start_ns;
    op.end_ns = (uint64_t)g->left << 32 | g->ghost;     /* compared as well */
    op.ncmds = g->ncmds;
    op.db = g->db;
    op.kind = g->kind;
    op.flags = g->flags;
    op.name = g->name;
    op.name_len = g->name_len;
    op.code = g->code;
    op.code_len = g->code_len;
    op.host = s->host;
    op.host_len = s->host_len;
    op.hook = g->hook ? &s->hooks[g->hook - 1] : NULL;
    size_t first = GA_RESP_ARENA - text_pos < g->text_len ? GA_RESP_ARENA - text_pos : g->text_len;
    op.t1 = s->arena + text_pos;
    op.l1 = first;
    op.t2 = s->arena;
    op.l2 = g->text_len - first;
    resp_diff_op(&op, o);
}

/* 1 when the two sessions are in the same state as far as anything they will do depends on
 * it: flags, database, reply mode, hook slots, and every operation in flight with its text. */
static inline int resp_diff_same(const ga_resp_sess *a, const ga_resp_sess *b)
{
    if (a->flags != b->flags || a->db != b->db || a->reply_mode != b->reply_mode ||
        a->ng != b->ng || a->hooks_used != b->hooks_used || a->host_len != b->host_len ||
        memcmp(a->host, b->host, a->host_len) != 0)
        return 0;
    size_t pa = a->a_head, pb = b->a_head;
    for (unsigned k = 0; k < a->ng; k++) {
        resp_nop x, y;
        resp_diff_group(a, k, pa, &x);
        resp_diff_group(b, k, pb, &y);
        if (memcmp(&x, &y, sizeof x) != 0)
            return 0;
        pa = (pa + a->g[(a->gh + k) % GA_RESP_GROUPS].text_len) % GA_RESP_ARENA;
        pb = (pb + b->g[(b->gh + k) % GA_RESP_GROUPS].text_len) % GA_RESP_ARENA;
    }
    return 1;
}

#endif
