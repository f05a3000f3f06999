/* memo.h — a small cache of values derived from a byte string, on the exporter thread: work
 * that depends only on a text (a SQL statement's summary and sanitised form) is done once per
 * distinct text instead of once per span. Direct-mapped, keyed by a 64-bit hash of the bytes
 * and confirmed by comparing them, so a hit is exact. Memory: nslots * (key_max + val_size)
 * bytes, allocated on first use; a forked child starts empty (the parent's cache is
 * forgotten, never freed: its thread may have been writing to it). */
#ifndef GA_MEMO_H
#define GA_MEMO_H

#include <stddef.h>
#include <stdint.h>

typedef struct ga_memo {
    size_t key_max;         /* longer texts are not cached */
    size_t val_size;        /* bytes of value per entry */
    unsigned nslots;        /* a power of two */
    unsigned epoch;         /* the fork generation `mem` belongs to */
    unsigned char *mem;     /* NULL until first use */
} ga_memo;

#define GA_MEMO_ZEROED 16

#define GA_MEMO_INIT(kmax, vsize, slots) { .key_max = (kmax), .val_size = (vsize), .nslots = (slots) }

/* The value area (val_size bytes, aligned for any type) for `key`: *fresh = 0 when it holds
 * the value derived from these very bytes before; *fresh = 1 when the entry was (re)assigned
 * to this key, the first GA_MEMO_ZEROED bytes of its value zeroed: the caller fills it (keep
 * the flags that say what is derived there: zeroes must mean "not derived yet"). NULL when
 * the key is longer than key_max or memory is short (derive into the caller's own buffer
 * then). The area stays valid until the next ga_memo_get() on the same memo. */
void *ga_memo_get(ga_memo *m, const void *key, size_t len, int *fresh);

/* The same for the key (tag, key[0..len)): a small number that must match too. */
void *ga_memo_get_tagged(ga_memo *m, uint32_t tag, const void *key, size_t len, int *fresh);

/* Give the memory back (ga_memo_get starts afresh). */
void ga_memo_free(ga_memo *m);

/* Child after fork: every memo starts empty on its next use. */
void ga_memo_after_fork(void);

#endif
