/* hash.h — a fast 64-bit hash of short byte strings for the exporter's caches (statement
 * texts, metric series keys): eight bytes per step, a multiply and a rotate each. Not
 * cryptographic: every cache confirms a hit by comparing the bytes themselves. */
#ifndef GA_HASH_H
#define GA_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define GA_HASH_K 0x9e3779b97f4a7c15ull

static inline uint64_t ga_hash_step(uint64_t h, uint64_t w)
{
    h = (h ^ w) * GA_HASH_K;
    return (h << 31) | (h >> 33);
}

static inline uint64_t ga_hash_bytes(const void *p, size_t n, uint64_t seed)
{
    const unsigned char *s = p;
    uint64_t h = seed ^ (n * GA_HASH_K), w;
    for (; n >= 8; s += 8, n -= 8) {
        memcpy(&w, s, 8);
        h = ga_hash_step(h, w);
    }
    if (n > 0) {
        w = 0;
        memcpy(&w, s, n);
        h = ga_hash_step(h, w);
    }
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    return h ^ (h >> 32);
}

#endif
