/* fuzz_mysql.c — libFuzzer target for the MySQL wire parser (protocols/mysql/mysql.h).
 *
 * Input: byte 0 = flags (bit 0: start with a canned greeting + login + auth OK so the fuzzer
 * reaches the command phase at once; bits 1-4: capabilities of that login: DEPRECATE_EOF,
 * SESSION_TRACK, QUERY_ATTRIBUTES, MariaDB CACHE_METADATA), then records: one byte (bit 7 =
 * from the client, bits 0-6 = length) and that many bytes, fed as one chunk. Every pointer a
 * callback receives is read in full (ASan checks it); no more responses end than commands
 * began; and a second parser fed the same chunks with general_only set (no fast path) must
 * report the same events and be in the same state after every chunk (mysql_diff.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "protocols/mysql/mysql.h"
#include "tests/fuzz/mysql_diff.h"

/* Greeting (MariaDB, every capability), login with database "db", auth OK. */
static void prologue(ga_my_parser *ps, uint8_t flags, my_log *l)
{
    static const uint8_t greet[] = {
        0x2d, 0, 0, 0, 0x0a, '1', '1', '.', '4', '-', 'M', 'a', 'r', 'i', 'a', 'D', 'B', 0,
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
    ga_my_feed(ps, 0, greet, sizeof greet, &my_diff_sink, l);
    ga_my_feed(ps, 1, login, sizeof login, &my_diff_sink, l);
    ga_my_feed(ps, 0, ok, sizeof ok, &my_diff_sink, l);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Two parsers, the second never on the fast path: after every chunk, the same events and
     * the same state (tests/fuzz/mysql_diff.h). */
    static ga_my_parser ps, pg;
    static my_log ls, lg;
    memset(&ps, 0, sizeof ps);
    memset(&pg, 0, sizeof pg);
    memset(&ls, 0, sizeof ls);
    memset(&lg, 0, sizeof lg);
    pg.general_only = 1;
    if (size == 0)
        return 0;
    if (data[0] & 1) {
        prologue(&ps, data[0], &ls);
        prologue(&pg, data[0], &lg);
    }
    size_t i = 1;
    while (i < size) {
        int client = data[i] >> 7;
        size_t n = data[i] & 0x7f;
        i++;
        if (n > size - i)
            n = size - i;
        uint8_t *copy = malloc(n ? n : 1);     /* exact-size buffer: overreads are caught */
        memcpy(copy, data + i, n);
        ga_my_feed(&ps, client, copy, n, &my_diff_sink, &ls);
        ga_my_feed(&pg, client, copy, n, &my_diff_sink, &lg);
        free(copy);
        i += n;
        if (!my_diff_same(&ps, &ls, &pg, &lg))
            abort();
    }
    ga_my_close(&ps, &my_diff_sink, &ls);
    ga_my_close(&pg, &my_diff_sink, &lg);
    if (ls.ended > ls.begun || !my_diff_same(&ps, &ls, &pg, &lg))
        abort();
    ga_my_looks_like_greeting(data, size);
    return 0;
}
