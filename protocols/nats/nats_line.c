/* nats_line.c — one NATS control line: the op name (case-insensitive, per direction), its
 * fields split at runs of spaces and tabs, and the byte counts (SPECS-2 §5). */
#include <string.h>
#include "protocols/nats/nats_int.h"

typedef struct ga__opname {
    const char *name;
    uint8_t len, op, dirs;      /* dirs: bit 0 = client to server, bit 1 = server to client */
} ga__opname;

static const ga__opname ga__ops[] = {
    { "pub", 3, GA_NATS_PUB, 1 },       { "hpub", 4, GA_NATS_HPUB, 1 },
    { "msg", 3, GA_NATS_MSG, 2 },       { "hmsg", 4, GA_NATS_HMSG, 2 },
    { "sub", 3, GA_NATS_SUB, 1 },       { "unsub", 5, GA_NATS_UNSUB, 1 },
    { "ping", 4, GA_NATS_PING, 3 },     { "pong", 4, GA_NATS_PONG, 3 },
    { "info", 4, GA_NATS_INFO, 2 },     { "connect", 7, GA_NATS_CONNECT, 1 },
    { "+ok", 3, GA_NATS_OK, 2 },        { "-err", 4, GA_NATS_ERR, 2 },
};

int ga_nats_op_of(const uint8_t *p, size_t n, int dir)
{
    for (size_t i = 0; i < sizeof ga__ops / sizeof ga__ops[0]; i++) {
        const ga__opname *o = &ga__ops[i];
        if (o->len != n || !(o->dirs & (1u << dir)))
            continue;
        size_t k = 0;
        while (k < n && ga_nats_lower(p[k]) == (uint8_t)o->name[k])
            k++;
        if (k == n)
            return o->op;
    }
    return GA_NATS_NONE;
}

int ga_nats_info_prefix(const uint8_t *p, size_t n)
{
    static const char info[] = "info ";
    for (size_t i = 0; i < n && i < 5; i++) {
        uint8_t c = ga_nats_lower(p[i]);
        if (i == 4 ? !ga_nats_ws(c) : c != (uint8_t)info[i])
            return 0;
    }
    return n > 0;
}

/* A byte count: 1 to 10 digits, at most GA_NATS_MAX_SIZE; -1 otherwise. */
static int64_t ga__count(const uint8_t *p, size_t n)
{
    if (n == 0 || n > 10)
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (uint64_t)(p[i] - '0');
    }
    return v <= GA_NATS_MAX_SIZE ? (int64_t)v : -1;
}

#define GA__MAXTOK 6

/* The fields after the op: subject, reply/queue, sid and counts, by op and field count. */
static int ga__fields(ga_nats_line *l, const uint8_t *const *t, const uint16_t *tl, int nt)
{
    int sid_i = -1, subj_i = 0, reply_i = -1, ncounts = 0;
    switch (l->op) {
    case GA_NATS_PUB:   if (nt != 2 && nt != 3) return -1; reply_i = nt == 3 ? 1 : -1; ncounts = 1; break;
    case GA_NATS_HPUB:  if (nt != 3 && nt != 4) return -1; reply_i = nt == 4 ? 1 : -1; ncounts = 2; break;
    case GA_NATS_MSG:   if (nt != 3 && nt != 4) return -1; sid_i = 1; reply_i = nt == 4 ? 2 : -1; ncounts = 1; break;
    case GA_NATS_HMSG:  if (nt != 4 && nt != 5) return -1; sid_i = 1; reply_i = nt == 5 ? 2 : -1; ncounts = 2; break;
    case GA_NATS_SUB:   if (nt != 2 && nt != 3) return -1; reply_i = nt == 3 ? 1 : -1; sid_i = nt - 1; break;
    case GA_NATS_UNSUB: if (nt != 1 && nt != 2) return -1; subj_i = -1; sid_i = 0; break;
    default:            return nt == 0 ? 0 : -1;
    }
    if (subj_i >= 0)
        l->subj = t[subj_i], l->subj_len = tl[subj_i];
    if (reply_i >= 0)
        l->reply = t[reply_i], l->reply_len = tl[reply_i];
    if (sid_i >= 0)
        l->sid = t[sid_i], l->sid_len = tl[sid_i];
    if (ncounts == 0)
        return 0;
    int64_t last = ga__count(t[nt - 1], tl[nt - 1]);
    int64_t first = ncounts == 2 ? ga__count(t[nt - 2], tl[nt - 2]) : 0;
    if (last < 0 || first < 0 || first > last)
        return -1;
    l->total = (uint64_t)last;
    l->hdr = (uint64_t)first;
    l->size_at = (uint16_t)(t[nt - ncounts] - l->raw);
    return 0;
}

int ga_nats_parse_line(ga_nats_line *l, const uint8_t *p, size_t n, int dir)
{
    size_t end = n - 1;                         /* p[end] is the LF */
    if (end > 0 && p[end - 1] == '\r')
        end--;
    size_t i = 0;
    while (i < end && !ga_nats_ws(p[i]))
        i++;
    memset(l, 0, sizeof *l);
    l->raw = p;
    l->len = (uint16_t)n;
    l->op = (uint8_t)ga_nats_op_of(p, i, dir);
    if (l->op == GA_NATS_NONE || l->op == GA_NATS_INFO || l->op == GA_NATS_CONNECT)
        return -1;
    if (l->op == GA_NATS_ERR)
        return 0;                               /* the rest is a quoted message */
    const uint8_t *t[GA__MAXTOK];
    uint16_t tl[GA__MAXTOK];
    int nt = 0;
    for (;;) {
        while (i < end && ga_nats_ws(p[i]))
            i++;
        if (i >= end)
            break;
        size_t s = i;
        while (i < end && !ga_nats_ws(p[i]))
            i++;
        if (nt == GA__MAXTOK)
            return -1;
        t[nt] = p + s;
        tl[nt++] = (uint16_t)(i - s);
    }
    return ga__fields(l, t, tl, nt);
}
