/* memo.c — the derived-value cache (contract in memo.h). Entry layout: a header (hash, key
 * length, used flag), the key bytes, then the value, each entry padded to 16 bytes. */
#include <stdlib.h>
#include <string.h>
#include "exporter/hash.h"
#include "exporter/memo.h"

typedef struct ga__memo_hdr {
    uint64_t hash;
    uint32_t len;
    uint32_t used;
} ga__memo_hdr;

static unsigned ga__epoch;

static size_t ga__round16(size_t n) { return (n + 15) & ~(size_t)15; }

static size_t ga__entry_size(const ga_memo *m)
{
    return sizeof(ga__memo_hdr) + ga__round16(m->key_max) + ga__round16(m->val_size);
}

void *ga_memo_get(ga_memo *m, const void *key, size_t len, int *fresh)
{
    if (len > m->key_max)
        return NULL;
    if (m->mem == NULL || m->epoch != ga__epoch) {
        m->mem = calloc(m->nslots, ga__entry_size(m));    /* (a parent's memory is left alone) */
        m->epoch = ga__epoch;
        if (m->mem == NULL)
            return NULL;
    }
    uint64_t h = ga_hash_bytes(key, len, 0);
    unsigned char *e = m->mem + (h & (m->nslots - 1)) * ga__entry_size(m);
    ga__memo_hdr *hd = (ga__memo_hdr *)e;
    unsigned char *k = e + sizeof *hd, *v = k + ga__round16(m->key_max);
    if (hd->used && hd->hash == h && hd->len == len && memcmp(k, key, len) == 0) {
        *fresh = 0;
        return v;
    }
    hd->used = 1;
    hd->hash = h;
    hd->len = (uint32_t)len;
    memcpy(k, key, len);
    memset(v, 0, m->val_size);
    *fresh = 1;
    return v;
}

void ga_memo_after_fork(void)
{
    ga__epoch++;
}
