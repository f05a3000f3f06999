/* scratch_exhaust.h — cmocka group setup/teardown that take every slot of the scratch pool
 * (preload/scratch.h) and give them back, so a group of tests runs a second time on the
 * callers' stack fallback. Included by the injection tests. */
#ifndef TEST_SCRATCH_EXHAUST_H
#define TEST_SCRATCH_EXHAUST_H

#include "preload/scratch.h"

static void *scratch_held[GA_SCRATCH_SLOTS];

static int exhaust_scratch(void **state)
{
    (void)state;
    for (int i = 0; i < GA_SCRATCH_SLOTS; i++)
        if ((scratch_held[i] = ga_scratch_get()) == NULL)
            return -1;
    return ga_scratch_get() == NULL ? 0 : -1;
}

static int release_scratch(void **state)
{
    (void)state;
    for (int i = 0; i < GA_SCRATCH_SLOTS; i++)
        ga_scratch_put(scratch_held[i]);
    return 0;
}

#endif
