/* fuzz_mysql.c — libFuzzer target for the MySQL wire parser (protocols/mysql/mysql.h).
 *
 * Input: byte 0 = flags (bit 0: start with a canned greeting + login + auth OK so the fuzzer
 * reaches the command phase at once; bits 1-4: capabilities of that login: DEPRECATE_EOF,
 * SESSION_TRACK, QUERY_ATTRIBUTES, MariaDB CACHE_METADATA), then records: one byte (bit 7 =
 * from the client, bits 0-6 = length) and that many bytes, fed as one chunk. Every pointer a
 * callback receives is read in full (ASan checks it); tags must be the ones handed out. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "protocols/mysql/mysql.h"

static unsigned ga__sum;
static int ga__begun, ga__ended;

static void touch(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        ga__sum += b[i];
}

static void on_greeting(void *ctx, const ga_my_greeting *g) { touch(g->version, g->version_len); }
static void on_db(void *ctx, const uint8_t *p, size_t n) { touch(p, n); }
static void on_stop(void *ctx, int why) { if (why <= 0 || why > GA_MY_STOP_UNSUPPORTED) abort(); }
static int on_begin(void *ctx, uint8_t cmd, uint32_t id) { return (ga__begun++) % 3 - 1; }
static void on_text(void *ctx, int tag, const uint8_t *p, size_t n)
{
    if (tag < 0)
        abort();
    touch(p, n);
}
static void on_schema(void *ctx, const uint8_t *p, size_t n) { touch(p, n); }
static void on_end(void *ctx, int tag, const ga_my_result *r)
{
    if (tag < -1 || tag > 1 || r->outcome < GA_MY_OK || r->outcome > GA_MY_CLOSED)
        abort();
    if (++ga__ended > ga__begun)
        abort();
}

static const ga_my_sink sink = {
    .greeting = on_greeting, .login_db = on_db, .stopped = on_stop, .cmd_begin = on_begin,
    .cmd_text = on_text, .schema = on_schema, .resp_end = on_end,
};

/* Greeting (MariaDB, every capability), login with database "db", auth OK. */
static void prologue(ga_my_parser *ps, uint8_t flags)
{
    static const uint8_t greet[] = {
        0x2c, 0, 0, 0, 0x0a, '1', '1', '.', '4', '-', 'M', 'a', 'r', 'i', 'a', 'D', 'B', 0,
        1, 0, 0, 0, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 0, 0xfe, 0xff, 0x21, 2, 0,
        0xff, 0xff, 21, 0, 0, 0, 0, 0, 0, 0x1f, 0, 0, 0 };
    uint8_t login[4 + 32 + 2 + 1 + 3];
    memset(login, 0, sizeof login);
    login[0] = sizeof login - 4;
    login[3] = 1;
    uint32_t caps = 0x200 | 0x8000 | 0x8 | ((flags & 2) ? 1u << 24 : 0) |
                    ((flags & 4) ? 1u << 23 : 0) | ((flags & 8) ? 1u << 27 : 0);
    memcpy(login + 4, &caps, 4);
    login[4 + 28] = (flags & 16) ? 0x10 : 0;
    memcpy(login + 36, "u\0\0db", 5);     /* user "u", empty auth, database "db" */
    static const uint8_t ok[] = { 7, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0 };
    ga_my_feed(ps, 0, greet, sizeof greet, &sink, NULL);
    ga_my_feed(ps, 1, login, sizeof login, &sink, NULL);
    ga_my_feed(ps, 0, ok, sizeof ok, &sink, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ga_my_parser ps;
    memset(&ps, 0, sizeof ps);
    ga__begun = ga__ended = 0;
    if (size == 0)
        return 0;
    if (data[0] & 1)
        prologue(&ps, data[0]);
    size_t i = 1;
    while (i < size) {
        int client = data[i] >> 7;
        size_t n = data[i] & 0x7f;
        i++;
        if (n > size - i)
            n = size - i;
        uint8_t *copy = malloc(n ? n : 1);     /* exact-size buffer: overreads are caught */
        memcpy(copy, data + i, n);
        ga_my_feed(&ps, client, copy, n, &sink, NULL);
        free(copy);
        i += n;
    }
    ga_my_close(&ps, &sink, NULL);
    if (ga__ended > ga__begun)
        abort();
    ga_my_looks_like_greeting(data, size);
    return 0;
}
