/* mysql_diff.h — the differential check of the MySQL parser's fast path (mysql_fast.c): a sink
 * that logs every event in order (a command's text pieces joined, as the fast path hands the
 * text in one piece), so that a parser that may take the fast path and one with
 * general_only = 1, fed the same chunks, compare equal — logs byte for byte and parser states
 * byte for byte — exactly when the fast path did what the general path does. Shared by
 * tests/fuzz/fuzz_mysql.c and tests/unit/test_mysql_fast.c. */
#ifndef GA_TEST_MYSQL_DIFF_H
#define GA_TEST_MYSQL_DIFF_H

#include <string.h>
#include "protocols/mysql/mysql.h"

typedef struct my_log {
    int begun, ended, fast;     /* fast: resp_end calls that ran while the log said so */
    int last_text_tag;          /* the previous event was text of this tag (-2: not text) */
    size_t len;
    int full;
    uint8_t b[16384];
} my_log;

static inline void my_log_put(my_log *l, const void *p, size_t n)
{
    if (n > sizeof l->b - l->len) {
        l->full = 1;
        return;
    }
    memcpy(l->b + l->len, p, n);
    l->len += n;
}

static inline void my_log_event(my_log *l, uint8_t kind, const void *p, size_t n)
{
    uint32_t n32 = (uint32_t)n;
    l->last_text_tag = -2;
    my_log_put(l, &kind, 1);
    my_log_put(l, &n32, 4);
    my_log_put(l, p, n);
}

static inline void my_on_greeting(void *ctx, const ga_my_greeting *g)
{
    my_log *l = ctx;
    my_log_event(l, 'G', g->version, g->version_len);
    my_log_put(l, &g->caps, sizeof g->caps);
    my_log_put(l, &g->mariadb, sizeof g->mariadb);
}
static inline void my_on_db(void *ctx, const uint8_t *p, size_t n) { my_log_event(ctx, 'D', p, n); }
static inline void my_on_stop(void *ctx, int why) { my_log_event(ctx, 'S', &why, sizeof why); }
static inline int my_on_begin(void *ctx, uint8_t cmd, uint32_t id)
{
    my_log *l = ctx;
    uint8_t b[5] = { cmd };
    memcpy(b + 1, &id, 4);
    my_log_event(l, 'B', b, sizeof b);
    return (l->begun++) % 3 - 1;        /* -1 (no span) every third command */
}
/* Text pieces of one command are joined: only where the text breaks matters to no one. */
static inline void my_on_text(void *ctx, int tag, const uint8_t *p, size_t n)
{
    my_log *l = ctx;
    if (l->last_text_tag != tag) {
        uint8_t h[2] = { 'T', (uint8_t)tag };
        my_log_put(l, h, 2);
    }
    my_log_put(l, p, n);
    l->last_text_tag = tag;
}
static inline void my_on_schema(void *ctx, const uint8_t *p, size_t n) { my_log_event(ctx, 'C', p, n); }
static inline void my_on_end(void *ctx, int tag, const ga_my_result *r)
{
    my_log *l = ctx;
    l->ended++;
    my_log_event(l, 'E', &tag, sizeof tag);
    my_log_put(l, &r->outcome, sizeof r->outcome);
    my_log_put(l, &r->error_code, sizeof r->error_code);
    my_log_put(l, r->sqlstate, sizeof r->sqlstate);
    my_log_put(l, &r->stmt_id, sizeof r->stmt_id);
    my_log_put(l, &r->rows, sizeof r->rows);
    my_log_put(l, &r->result_sets, sizeof r->result_sets);
}

static const ga_my_sink my_diff_sink = {
    .greeting = my_on_greeting, .login_db = my_on_db, .stopped = my_on_stop,
    .cmd_begin = my_on_begin, .cmd_text = my_on_text, .schema = my_on_schema, .resp_end = my_on_end,
};

/* 1 when the two parsers (one with general_only set) and their logs are the same. */
static inline int my_diff_same(const ga_my_parser *a, const my_log *la, const ga_my_parser *b,
                               const my_log *lb)
{
    ga_my_parser x = *a, y = *b;
    x.general_only = y.general_only = 0;
    return memcmp(&x, &y, sizeof x) == 0 && la->len == lb->len && la->full == lb->full &&
           memcmp(la->b, lb->b, la->len) == 0;
}

#endif
