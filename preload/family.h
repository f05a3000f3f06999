/* family.h — what a fork family shares: one page mapped MAP_SHARED by the process that loaded
 * the library (when its exporter starts, before any child can be forked from its state), and
 * kept across fork by every descendant that does not exec. It holds what one member learns and
 * every other member should know at once:
 *   - which `genesis:` warnings were already printed (preload/log.c: a child, or a sibling,
 *     never repeats a line the family printed);
 *   - which OTLP collectors are unreachable and until when nobody retries them
 *     (exporter/otlp_health.c): 2,000 children exiting against a dead collector make a few
 *     connection attempts in all, not two each.
 * Everything in it is an atomic word written with plain compare-and-swap: members may die at
 * any instruction and no lock is ever held. A process with no page (its exporter never
 * started, or the mapping failed) simply keeps its knowledge to itself. */
#ifndef GA_FAMILY_H
#define GA_FAMILY_H

#include <stdatomic.h>
#include <stdint.h>

#define GA_FAMILY_SITES 64      /* ga_warn_once call sites remembered family-wide */
#define GA_FAMILY_EPS 4         /* collector endpoints followed */

/* One collector endpoint (scheme://host:port), times in CLOCK_MONOTONIC ms (one clock for
 * every process of the machine). */
typedef struct ga_family_ep {
    _Atomic uint64_t key;           /* hash of the endpoint; 0 = free slot */
    _Atomic uint64_t down_until;    /* nobody connects before this */
    _Atomic uint64_t probe_until;   /* one member is trying it; the others wait until this */
    _Atomic uint32_t failures;      /* consecutive connection failures; 0 = reachable */
} ga_family_ep;

typedef struct ga_family {
    _Atomic uint64_t log_seen;                      /* bits of enum ga_log_kind */
    _Atomic uintptr_t sites[GA_FAMILY_SITES];       /* ga_warn_once flags already said */
    ga_family_ep ep[GA_FAMILY_EPS];
} ga_family;

/* The family page, NULL before ga_family_ensure() succeeded in this process or an ancestor. */
extern ga_family *_Atomic ga_family_page;

/* Map the page if this process has none (inherited or its own). Any thread; cheap once done.
 * Called by the application thread that starts the exporter, so a parent that forks after its
 * first record hands the page to every child. */
void ga_family_ensure(void);

/* Claim `site` (a ga_warn_once flag's address: the same in every member) for the family:
 * 1 when no member claimed it before, 0 otherwise; 1 when there is no page or it is full. */
int ga_family_claim_site(const void *site);

#endif
