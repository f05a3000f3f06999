/* memo.c — the derived-value cache (contract in memo.h). Entry layout: a header (hash, key
 * length, used flag), the key bytes, then the value, each entry padded to 16 bytes. */
#include <stdlib.h>
#include <string.h>
#include "exporter/hash.h"
#include "exporter/memo.h"

typedef struct ga__memo_hdr {
    uint64_t hash;
    uint32_t len;
    uint32_t tag;
    uint32_t used;
    uint32_t pad[3];                /* 32 bytes: keys and values stay 16-byte aligned */
} ga__memo_hdr;

_Static_assert(sizeof(ga__memo_hdr) % 16 == 0, "entry alignment");

static unsigned ga__epoch;

static size_t ga__round16(size_t n) { return (n + 15) & ~(size_t)15; }

static size_t ga__entry_size(const ga_memo *m)
{
    return sizeof(ga__memo_hdr) + ga__round16(m->key_max) + ga__round16(m->val_size);
}

void *ga_memo_get(ga_memo *m, const void *key, size_t len, int *fresh)
{
    return ga_memo_get_tagged(m, 0, key, len, fresh);
}

void *ga_memo_get_tagged(ga_memo *m, uint32_t tag, const void *key, size_t len, int *fresh)
{
    if (len > m->key_max)
        return NULL;
    if (m->mem == NULL || m->epoch != ga__epoch) {
        m->mem = calloc(m->nslots, ga__entry_size(m));    /* (a parent's memory is left alone) */
        m->epoch = ga__epoch;
        if (m->mem == NULL)
            return NULL;
    }
    uint64_t h = ga_hash_bytes(key, len, tag);
    unsigned char *e = m->mem + (h & (m->nslots - 1)) * ga__entry_size(m);
    ga__memo_hdr *hd = (ga__memo_hdr *)e;
    unsigned char *k = e + sizeof *hd, *v = k + ga__round16(m->key_max);
    if (hd->used && hd->hash == h && hd->len == len && hd->tag == tag && memcmp(k, key, len) == 0) {
        *fresh = 0;
        return v;
    }
    hd->used = 1;
    hd->hash = h;
    hd->len = (uint32_t)len;
    hd->tag = tag;
    memcpy(k, key, len);
    memset(v, 0, m->val_size < GA_MEMO_ZEROED ? m->val_size : GA_MEMO_ZEROED);
    *fresh = 1;
    return v;
}

void ga_memo_free(ga_memo *m)
{
    free(m->mem);
    m->mem = NULL;
}

void ga_memo_after_fork(void)
{
    ga__epoch++;
}
