/* test_rng.h — a small deterministic generator (xorshift64*) for the unit tests that draw
 * random inputs: the same seed gives the same inputs on every machine. */
#ifndef GA_TEST_RNG_H
#define GA_TEST_RNG_H

#include <stdint.h>

/* The next number from *state (never 0: seed it with a non-zero value). */
static inline uint64_t test_rnd(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 2685821657736338717ull;
}

#endif
