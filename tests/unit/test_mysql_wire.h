/* test_mysql_wire.h — helpers for the MySQL parser unit tests: build packets, feed a whole
 * conversation in chunks of any size, record what the parser's sink was told, and check the
 * parser's fast path against its general path on the same conversation. */
#ifndef TEST_MYSQL_WIRE_H
#define TEST_MYSQL_WIRE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "protocols/mysql/mysql.h"
#include "tests/fuzz/mysql_diff.h"

/* A conversation: packets in order, each from one side. */
typedef struct wire_msg { int client; uint8_t *p; size_t n; } wire_msg;
typedef struct wire { wire_msg m[64]; int n; } wire;

/* What the sink saw. */
typedef struct seen {
    int greetings, mariadb, stopped, begun, ended, closed;
    int refused;                    /* login_failed calls */
    ga_my_result refusal;
    uint64_t caps;
    char version[64];
    char db[128];
    char schema[128];
    uint8_t cmds[64];
    uint32_t stmt_ids[64];
    char text[8][256];
    size_t text_total[8];
    ga_my_result res[64];
    int tags[64];
    char all[4096];                 /* every byte handed to any callback, concatenated */
    size_t all_len;
} seen;

static inline void seen_bytes(seen *s, const void *p, size_t n)
{
    size_t k = n < sizeof s->all - s->all_len ? n : sizeof s->all - s->all_len;
    memcpy(s->all + s->all_len, p, k);
    s->all_len += k;
}

static inline void on_greeting(void *ctx, const ga_my_greeting *g)
{
    seen *s = ctx;
    s->greetings++;
    s->mariadb = g->mariadb;
    s->caps = g->caps;
    snprintf(s->version, sizeof s->version, "%.*s", (int)g->version_len, g->version);
    seen_bytes(s, g->version, g->version_len);
}

static inline void on_db(void *ctx, const uint8_t *p, size_t n)
{
    seen *s = ctx;
    strncat(s->db, (const char *)p, n < sizeof s->db - strlen(s->db) - 1 ? n : 0);
    seen_bytes(s, p, n);
}

static inline void on_stop(void *ctx, int why) { ((seen *)ctx)->stopped = why; }

static inline int on_begin(void *ctx, uint8_t cmd, uint32_t id)
{
    seen *s = ctx;
    s->cmds[s->begun] = cmd;
    s->stmt_ids[s->begun] = id;
    return s->begun++ % 8;
}

static inline void on_text(void *ctx, int tag, const uint8_t *p, size_t n)
{
    seen *s = ctx;
    size_t have = strlen(s->text[tag]);
    size_t k = n < sizeof s->text[tag] - have - 1 ? n : sizeof s->text[tag] - have - 1;
    memcpy(s->text[tag] + have, p, k);
    s->text_total[tag] += n;
    if (n < 1024)
        seen_bytes(s, p, n);
}

static inline void on_schema(void *ctx, const uint8_t *p, size_t n)
{
    seen *s = ctx;
    snprintf(s->schema, sizeof s->schema, "%.*s", (int)n, (const char *)p);
    seen_bytes(s, p, n);
}

static inline void on_end(void *ctx, int tag, const ga_my_result *r)
{
    seen *s = ctx;
    s->tags[s->ended] = tag;
    s->res[s->ended++] = *r;
}

static inline void on_refused(void *ctx, const ga_my_result *r)
{
    seen *s = ctx;
    assert_int_equal(s->stopped, 0);            /* before stopped() */
    s->refused++;
    s->refusal = *r;
}

static const ga_my_sink test_sink = {
    .greeting = on_greeting, .login_db = on_db, .stopped = on_stop, .cmd_begin = on_begin,
    .cmd_text = on_text, .schema = on_schema, .resp_end = on_end, .login_failed = on_refused,
};

/* Append a packet: 3-byte length, sequence id, payload given as bytes (len n). */
static inline void pkt(wire *w, int client, uint8_t seq, const void *payload, size_t n)
{
    wire_msg *m = &w->m[w->n++];
    m->client = client;
    m->n = n + 4;
    m->p = malloc(m->n);
    m->p[0] = (uint8_t)n;
    m->p[1] = (uint8_t)(n >> 8);
    m->p[2] = (uint8_t)(n >> 16);
    m->p[3] = seq;
    memcpy(m->p + 4, payload, n);
}

#define PKT(w, client, seq, ...) do { static const uint8_t b_[] = { __VA_ARGS__ }; \
    pkt((w), (client), (seq), b_, sizeof b_); } while (0)

/* A command with a text (COM_QUERY, COM_STMT_PREPARE, COM_INIT_DB). */
static inline void cmd_text(wire *w, uint8_t cmd, const char *text)
{
    size_t n = strlen(text);
    uint8_t *b = malloc(n + 1);
    b[0] = cmd;
    memcpy(b + 1, text, n);
    pkt(w, 1, 0, b, n + 1);
    free(b);
}

/* ERR packet with a code and SQLSTATE. */
static inline void err_pkt(wire *w, uint8_t seq, uint16_t code, const char *state)
{
    uint8_t b[32] = { 0xff, (uint8_t)code, (uint8_t)(code >> 8), '#' };
    memcpy(b + 4, state, 5);
    memcpy(b + 9, "oops", 4);
    pkt(w, 0, seq, b, 13);
}

/* Greeting: MariaDB (10.11, extended capabilities) or MySQL (8.0, CLIENT_MYSQL set). */
static inline void greeting(wire *w, int mariadb, uint32_t caps)
{
    const char *v = mariadb ? "5.5.5-10.11.6-MariaDB-0+deb12u1" : "8.0.36";
    uint8_t b[128];
    size_t o = 0, vl = strlen(v);
    b[o++] = 0x0a;
    memcpy(b + o, v, vl + 1);
    o += vl + 1;
    memset(b + o, 1, 4 + 8);                    /* thread id, scramble part 1 */
    o += 12;
    b[o++] = 0;
    if (!mariadb)
        caps |= GA_MY_CLIENT_MYSQL;
    b[o++] = (uint8_t)caps;
    b[o++] = (uint8_t)(caps >> 8);
    b[o++] = 33;
    b[o++] = 2;
    b[o++] = 0;
    b[o++] = (uint8_t)(caps >> 16);
    b[o++] = (uint8_t)(caps >> 24);
    b[o++] = 21;
    memset(b + o, 0, 6);
    o += 6;
    uint32_t ext = mariadb ? 0x1d : 0;          /* progress, bulk, extended + cache metadata */
    memcpy(b + o, &ext, 4);
    o += 4;
    memcpy(b + o, "abcdefghijkl", 13);
    o += 13;
    memcpy(b + o, "mysql_native_password", 22);
    o += 22;
    pkt(w, 0, 0, b, o);
}

/* HandshakeResponse41: caps, user, 20-byte auth (lenenc), optional db, plugin. */
static inline void login(wire *w, uint32_t caps, uint32_t ext, const char *user, const char *db)
{
    uint8_t b[256];
    memset(b, 0, sizeof b);
    caps |= GA_MY_CLIENT_PROTOCOL_41 | GA_MY_CLIENT_SECURE_CONN | GA_MY_CLIENT_PLUGIN_AUTH |
            GA_MY_CLIENT_AUTH_LENENC | (db ? GA_MY_CLIENT_CONNECT_WITH_DB : 0);
    memcpy(b, &caps, 4);
    b[4] = 0xff;
    b[8] = 33;
    memcpy(b + 28, &ext, 4);
    size_t o = 32, ul = strlen(user);
    memcpy(b + o, user, ul + 1);
    o += ul + 1;
    b[o++] = 20;
    memset(b + o, 0x5a, 20);
    o += 20;
    if (db) {
        memcpy(b + o, db, strlen(db) + 1);
        o += strlen(db) + 1;
    }
    memcpy(b + o, "mysql_native_password", 22);
    o += 22;
    pkt(w, 1, 1, b, o);
}

static inline void ok_pkt(wire *w, uint8_t seq, uint16_t status)
{
    uint8_t b[7] = { 0, 0, 0, (uint8_t)status, (uint8_t)(status >> 8), 0, 0 };
    pkt(w, 0, seq, b, sizeof b);
}

static inline void eof_pkt(wire *w, uint8_t seq, uint16_t status)
{
    uint8_t b[5] = { 0xfe, 0, 0, (uint8_t)status, (uint8_t)(status >> 8) };
    pkt(w, 0, seq, b, sizeof b);
}

/* The connection phase of a client with capabilities `caps` (database "test"). */
static inline void connected(wire *w, int mariadb, uint32_t caps, uint32_t ext)
{
    greeting(w, mariadb, 0xffffffffu & ~GA_MY_CLIENT_MYSQL & ~GA_MY_CLIENT_COMPRESS &
                         ~GA_MY_CLIENT_SSL & ~GA_MY_CLIENT_ZSTD);
    login(w, caps, ext, "secretuser", "test");
    ok_pkt(w, 2, 2);
}

/* Feed the conversation in chunks of `step` bytes (0 = one chunk per packet), in order. */
static inline void feed(ga_my_parser *ps, const wire *w, size_t step, seen *s)
{
    for (int i = 0; i < w->n; i++) {
        const wire_msg *m = &w->m[i];
        size_t k = step ? step : m->n;
        for (size_t o = 0; o < m->n; o += k) {
            size_t n = m->n - o < k ? m->n - o : k;
            uint8_t *copy = malloc(n);          /* exact size: overreads show under ASan */
            memcpy(copy, m->p + o, n);
            ga_my_feed(ps, m->client, copy, n, &test_sink, s);
            free(copy);
        }
    }
}

/* The conversation fed to a parser that may take the fast path and to one that may not
 * (general_only), chunk by chunk — one chunk per packet (grouped = 0) or one per run of
 * packets in the same direction (grouped = 1: how client libraries write and read): after
 * every chunk both must have told the same and be in the same state (tests/fuzz/mysql_diff.h).
 * Returns the chunks fed. */
static inline int diff_fast_general(const wire *w, int grouped)
{
    ga_my_parser *ps = calloc(2, sizeof *ps);
    my_log *lg = calloc(2, sizeof *lg);
    ps[1].general_only = 1;
    int chunks = 0;
    for (int i = 0; i < w->n;) {
        int j = i + 1;
        size_t n = w->m[i].n;
        while (grouped && j < w->n && w->m[j].client == w->m[i].client)
            n += w->m[j++].n;
        uint8_t *chunk = malloc(n);             /* exact size: overreads show under ASan */
        for (size_t o = 0; i < j; i++) {
            memcpy(chunk + o, w->m[i].p, w->m[i].n);
            o += w->m[i].n;
        }
        for (int k = 0; k < 2; k++)
            ga_my_feed(&ps[k], w->m[j - 1].client, chunk, n, &my_diff_sink, &lg[k]);
        free(chunk);
        chunks++;
        assert_true(my_diff_same(&ps[0], &lg[0], &ps[1], &lg[1]));
    }
    for (int k = 0; k < 2; k++)
        ga_my_close(&ps[k], &my_diff_sink, &lg[k]);
    assert_true(my_diff_same(&ps[0], &lg[0], &ps[1], &lg[1]));
    free(ps);
    free(lg);
    return chunks;
}

/* Run the conversation whole and in 1, 2, 3, 7-byte chunks: the events must not depend on
 * how the bytes were cut; and the fast path against the general one, one chunk per packet and
 * one per run of packets (diff_fast_general). Leaves the one-chunk-per-packet run in *out. */
static inline void run_all_splits(const wire *w, seen *out, ga_my_parser *ps_out)
{
    diff_fast_general(w, 0);
    diff_fast_general(w, 1);
    static const size_t steps[] = { 1, 2, 3, 7, 0 };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        ga_my_parser ps;
        memset(&ps, 0, sizeof ps);
        seen *s = calloc(1, sizeof *s);
        feed(&ps, w, steps[i], s);
        if (i > 0) {
            assert_int_equal(s->ended, out->ended);
            assert_int_equal(s->begun, out->begun);
            assert_int_equal(s->stopped, out->stopped);
            assert_string_equal(s->db, out->db);
            assert_string_equal(s->schema, out->schema);
            for (int t = 0; t < 8; t++)
                assert_string_equal(s->text[t], out->text[t]);
            for (int e = 0; e < s->ended; e++) {
                assert_int_equal(s->res[e].outcome, out->res[e].outcome);
                assert_int_equal(s->res[e].rows, out->res[e].rows);
                assert_int_equal(s->res[e].error_code, out->res[e].error_code);
            }
        }
        if (i == 0 || steps[i] == 0) {
            *out = *s;
            if (ps_out)
                *ps_out = ps;
        }
        free(s);
    }
}

static inline void wire_free(wire *w)
{
    for (int i = 0; i < w->n; i++)
        free(w->m[i].p);
    w->n = 0;
}

#endif
