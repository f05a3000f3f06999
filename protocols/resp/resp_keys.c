/* resp_keys.c — which arguments of a Redis command are keys, from the key specifications of
 * the commands in common use (the `first, last, step` of COMMAND INFO, numkeys commands,
 * XREAD's STREAMS). Exporter thread only (contract in resp_text.h). */
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include "protocols/resp/resp_text.h"

enum { KS_RANGE, KS_NUMKEYS, KS_STREAMS, KS_SUBKEY };

/* Names are stored inline, not as pointers: a table of pointers in a shared library costs a
 * run-time relocation per entry at every start of every process. The longest name
 * (GEORADIUSBYMEMBER_RO) has 20 bytes and its NUL. A name filling all GA__KS_NAME bytes would
 * still compare right (ga__cmp stops at the array's end); a longer one does not compile. */
#define GA__KS_NAME 21

typedef struct ga_keyspec {
    char name[GA__KS_NAME];
    uint8_t type;
    int8_t a, b, c;     /* RANGE: first, last (<0: from the end), step; NUMKEYS: numkeys at a,
                         * destination key at b (0 none) */
} ga_keyspec;

#define R11(n) {n, KS_RANGE, 1, 1, 1}
#define RALL(n) {n, KS_RANGE, 1, -1, 1}

/* Sorted by name as strcasecmp orders them (ga__find searches it). */
static const ga_keyspec ga__specs[] = {
    R11("APPEND"), R11("BITCOUNT"), R11("BITFIELD"), R11("BITFIELD_RO"), R11("BITPOS"),
    {"BLMOVE", KS_RANGE, 1, 2, 1}, {"BLMPOP", KS_NUMKEYS, 2, 0, 0},
    {"BLPOP", KS_RANGE, 1, -2, 1}, {"BRPOP", KS_RANGE, 1, -2, 1},
    {"BRPOPLPUSH", KS_RANGE, 1, 2, 1}, {"BZMPOP", KS_NUMKEYS, 2, 0, 0},
    {"BZPOPMAX", KS_RANGE, 1, -2, 1}, {"BZPOPMIN", KS_RANGE, 1, -2, 1},
    {"COPY", KS_RANGE, 1, 2, 1}, R11("DECR"), R11("DECRBY"), RALL("DEL"), R11("DUMP"),
    {"EVAL", KS_NUMKEYS, 2, 0, 0}, {"EVAL_RO", KS_NUMKEYS, 2, 0, 0},
    {"EVALSHA", KS_NUMKEYS, 2, 0, 0}, {"EVALSHA_RO", KS_NUMKEYS, 2, 0, 0},
    RALL("EXISTS"), R11("EXPIRE"), R11("EXPIREAT"), R11("EXPIRETIME"),
    {"FCALL", KS_NUMKEYS, 2, 0, 0}, {"FCALL_RO", KS_NUMKEYS, 2, 0, 0},
    R11("GEOADD"), R11("GEODIST"), R11("GEOHASH"), R11("GEOPOS"), R11("GEORADIUS"),
    R11("GEORADIUS_RO"), R11("GEORADIUSBYMEMBER"), R11("GEORADIUSBYMEMBER_RO"), R11("GEOSEARCH"),
    {"GEOSEARCHSTORE", KS_RANGE, 1, 2, 1}, R11("GET"), R11("GETBIT"), R11("GETDEL"), R11("GETEX"),
    R11("GETRANGE"), R11("GETSET"), R11("HDEL"), R11("HEXISTS"), R11("HGET"), R11("HGETALL"),
    R11("HINCRBY"), R11("HINCRBYFLOAT"), R11("HKEYS"), R11("HLEN"), R11("HMGET"), R11("HMSET"),
    R11("HRANDFIELD"), R11("HSCAN"), R11("HSET"), R11("HSETNX"), R11("HSTRLEN"), R11("HVALS"),
    R11("INCR"), R11("INCRBY"), R11("INCRBYFLOAT"), {"LCS", KS_RANGE, 1, 2, 1}, R11("LINDEX"),
    R11("LINSERT"), R11("LLEN"), {"LMOVE", KS_RANGE, 1, 2, 1}, {"LMPOP", KS_NUMKEYS, 1, 0, 0},
    R11("LPOP"), R11("LPOS"), R11("LPUSH"), R11("LPUSHX"), R11("LRANGE"), R11("LREM"), R11("LSET"),
    R11("LTRIM"), {"MEMORY", KS_SUBKEY, 2, 0, 0}, RALL("MGET"), {"MIGRATE", KS_RANGE, 3, 3, 1},
    {"MSET", KS_RANGE, 1, -1, 2}, {"MSETNX", KS_RANGE, 1, -1, 2}, {"OBJECT", KS_SUBKEY, 2, 0, 0},
    R11("PERSIST"), R11("PEXPIRE"), R11("PEXPIREAT"), R11("PEXPIRETIME"), R11("PFADD"),
    RALL("PFCOUNT"), RALL("PFMERGE"), R11("PSETEX"), R11("PTTL"), {"RENAME", KS_RANGE, 1, 2, 1},
    {"RENAMENX", KS_RANGE, 1, 2, 1}, R11("RESTORE"), R11("RPOP"), {"RPOPLPUSH", KS_RANGE, 1, 2, 1},
    R11("RPUSH"), R11("RPUSHX"), R11("SADD"), R11("SCARD"), RALL("SDIFF"), RALL("SDIFFSTORE"),
    R11("SET"), R11("SETBIT"), R11("SETEX"), R11("SETNX"), R11("SETRANGE"), RALL("SINTER"),
    {"SINTERCARD", KS_NUMKEYS, 1, 0, 0}, RALL("SINTERSTORE"), R11("SISMEMBER"), R11("SMEMBERS"),
    R11("SMISMEMBER"), {"SMOVE", KS_RANGE, 1, 2, 1}, R11("SORT"), R11("SORT_RO"), R11("SPOP"),
    R11("SRANDMEMBER"), R11("SREM"), R11("SSCAN"), R11("STRLEN"), R11("SUBSTR"), RALL("SUNION"),
    RALL("SUNIONSTORE"), RALL("TOUCH"), R11("TTL"), R11("TYPE"), RALL("UNLINK"), RALL("WATCH"),
    R11("XACK"), R11("XADD"), R11("XAUTOCLAIM"), R11("XCLAIM"), R11("XDEL"),
    {"XGROUP", KS_SUBKEY, 2, 0, 0}, {"XINFO", KS_SUBKEY, 2, 0, 0}, R11("XLEN"), R11("XPENDING"),
    R11("XRANGE"), {"XREAD", KS_STREAMS, 0, 0, 0}, {"XREADGROUP", KS_STREAMS, 0, 0, 0},
    R11("XREVRANGE"), R11("XSETID"), R11("XTRIM"), R11("ZADD"), R11("ZCARD"), R11("ZCOUNT"),
    {"ZDIFF", KS_NUMKEYS, 1, 0, 0}, {"ZDIFFSTORE", KS_NUMKEYS, 2, 1, 0}, R11("ZINCRBY"),
    {"ZINTER", KS_NUMKEYS, 1, 0, 0}, {"ZINTERCARD", KS_NUMKEYS, 1, 0, 0},
    {"ZINTERSTORE", KS_NUMKEYS, 2, 1, 0}, R11("ZLEXCOUNT"), {"ZMPOP", KS_NUMKEYS, 1, 0, 0},
    R11("ZMSCORE"), R11("ZPOPMAX"), R11("ZPOPMIN"), R11("ZRANDMEMBER"), R11("ZRANGE"),
    R11("ZRANGEBYLEX"), R11("ZRANGEBYSCORE"), {"ZRANGESTORE", KS_RANGE, 1, 2, 1}, R11("ZRANK"),
    R11("ZREM"), R11("ZREMRANGEBYLEX"), R11("ZREMRANGEBYRANK"), R11("ZREMRANGEBYSCORE"),
    R11("ZREVRANGE"), R11("ZREVRANGEBYLEX"), R11("ZREVRANGEBYSCORE"), R11("ZREVRANK"), R11("ZSCAN"),
    R11("ZSCORE"), {"ZUNION", KS_NUMKEYS, 1, 0, 0}, {"ZUNIONSTORE", KS_NUMKEYS, 2, 1, 0},
};

/* strcasecmp(key[0..n), name) by sign, for the n-byte key and a table name (NUL-terminated
 * or filling its GA__KS_NAME bytes): ASCII letters folded to lower case (as strcasecmp does in
 * the C locale), no strlen, no call. */
static int ga__cmp(const char *key, size_t n, const char name[GA__KS_NAME])
{
    for (size_t i = 0;; i++) {
        unsigned a = i < n ? (unsigned char)key[i] : 0;
        unsigned b = i < GA__KS_NAME ? (unsigned char)name[i] : 0;
        a += (a - 'A' < 26u) << 5;
        b += (b - 'A' < 26u) << 5;
        if (a != b || a == 0)
            return (int)a - (int)b;
    }
}

/* The key specification of a command name (n bytes), or NULL: binary search of the table. The
 * last name looked up is remembered with its answer: spans of one command follow each other
 * (exporter thread only, like everything here). */
static const ga_keyspec *ga__find(const char *name, size_t n)
{
    static char last[24];
    static size_t last_n;
    static const ga_keyspec *last_spec;
    if (n == last_n && n <= sizeof last && memcmp(name, last, n) == 0)
        return last_spec;
    const ga_keyspec *found = NULL;
    size_t lo = 0, hi = sizeof ga__specs / sizeof ga__specs[0];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = ga__cmp(name, n, ga__specs[mid].name);
        if (c == 0) {
            found = &ga__specs[mid];
            break;
        }
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    if (n <= sizeof last) {             /* in an order a fork can never see half-done */
        last_n = SIZE_MAX;
        __atomic_signal_fence(__ATOMIC_SEQ_CST);
        memcpy(last, name, n);
        last_spec = found;
        __atomic_signal_fence(__ATOMIC_SEQ_CST);
        last_n = n;
    }
    return found;
}

/* The argument as a small non-negative integer, or -1. */
static long ga__small_int(const ga_resp_targ *a)
{
    if (a->secret || a->trunc || a->len == 0 || a->len > 6)
        return -1;
    long v = 0;
    for (int i = 0; i < a->len; i++) {
        if (a->p[i] < '0' || a->p[i] > '9')
            return -1;
        v = v * 10 + (a->p[i] - '0');
    }
    return v;
}

static void ga__range(int first, int last, int step, int n, int nargs, uint8_t *k)
{
    if (last < 0)
        last = nargs + last;
    for (int i = first; i <= last && i < n && step > 0; i += step)
        k[i] = 1;
}

static void ga__streams(const ga_resp_targ *a, int n, int nargs, uint8_t *k)
{
    for (int i = 1; i < n; i++) {
        if (a[i].secret || a[i].len != 7 || strncasecmp((const char *)a[i].p, "STREAMS", 7) != 0)
            continue;
        int count = (nargs - i - 1) / 2;            /* keys, then as many ids */
        ga__range(i + 1, i + count, 1, n, nargs, k);
        return;
    }
}

void ga_resp_key_mask(const ga_resp_targ *a, int n, int nargs, uint8_t *is_key)
{
    for (int i = 0; i < n; i++)
        is_key[i] = 0;
    if (n == 0 || a[0].secret || a[0].trunc || a[0].len == 0 || a[0].len > 24)
        return;
    /* (the name up to a NUL, as the C-string comparison this replaced saw it) */
    const ga_keyspec *s = ga__find((const char *)a[0].p, strnlen((const char *)a[0].p, a[0].len));
    if (s == NULL)
        return;
    long nk;
    switch (s->type) {
    case KS_RANGE:
        ga__range(s->a, s->b, s->c, n, nargs, is_key);
        break;
    case KS_NUMKEYS:
        if (s->b > 0 && s->b < n)
            is_key[s->b] = 1;
        if (s->a < n && (nk = ga__small_int(&a[s->a])) > 0)
            ga__range(s->a + 1, s->a + (int)nk, 1, n, nargs, is_key);
        break;
    case KS_STREAMS:
        ga__streams(a, n, nargs, is_key);
        break;
    default:
        if (s->a < n)
            is_key[s->a] = 1;
        break;
    }
}
