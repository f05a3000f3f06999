/* metrics_family.h — one Prometheus endpoint for a family of forked processes (pre-forking
 * servers: gunicorn, nginx, uwsgi workers). docs/metrics.md, "Forking servers".
 *
 * Just before its first fork, a process with the Prometheus exporter configured maps one
 * fixed-size shared region (MAP_SHARED | MAP_ANONYMOUS, GA_FAM_BYTES). Every process forked
 * from it, directly or not, inherits the same region: the family. Each member's exporter
 * thread publishes its own series into the region as deltas (what grew since its last
 * publication), so the region holds, per instrument and attribute set, the sum over every
 * member that ever published; the member that serves the endpoint renders those sums.
 *
 * Contracts:
 * - Nothing is counted twice: a forked child starts with empty series (metrics_reg.h) and
 *   publishes only what it observed itself; what its parent counted before the fork is the
 *   parent's to publish. A member that exits keeps what it published (its last publication
 *   runs in the exit flush); sums never go backwards.
 * - Counters, up-down counters and histograms (bucket by bucket, count, sum, min, max) are
 *   summed; gauges (a member's own queue depth) are not shared: the serving member shows its
 *   own. Exemplars shown are the serving member's.
 * - Bounded: the region never grows. An update whose series finds no room is dropped and
 *   counted (GA_FAM_... in the family's `genesis.sdk.metric_observations.dropped`).
 * - Never blocks the exporter thread: the region's lock is a robust process-shared mutex,
 *   only ever tried (with a few yields); a busy lock means "publish at the next turn" or
 *   "serve the previous view". A member that dies holding it cannot wedge the others.
 * - Every pointer stored in the region (instrument names, units, bucket bounds) points into
 *   the library's read-only data, which is at the same address in every member: members are
 *   forked, never exec'd (exec drops the mapping).
 * - Exporter thread only, except ga_family_create (the forking thread, before fork). */
#ifndef GA_METRICS_FAMILY_H
#define GA_METRICS_FAMILY_H

#include <stdint.h>
#include <sys/types.h>
#include "exporter/metrics.h"

#define GA_FAM_BYTES        (4u << 20)  /* the whole region: header, index, series */
#define GA_FAM_INSTS        64          /* distinct instruments across the family */
#define GA_FAM_INDEX        16384       /* hash index slots (a power of two) */
#define GA_FAM_PUBLISH_MS   500         /* publication period while records arrive */
#define GA_FAM_IDLE_MS      5000        /* ... and while none do */
#define GA_FAM_TAKEOVER_MS  1000        /* how often a non-serving member checks the server */

/* Map the family's region if this process has none yet and the Prometheus exporter is
 * configured. Called in the parent just before fork (pthread_atfork prepare). 0 or -errno. */
int ga_family_create(void);

/* Is this process a member of a family (the region exists)? */
int ga_family_on(void);

/* Publish what grew in arr[0..n) since this process's last publication. Tries the lock up to
 * `spins` times (yielding between). 0 = published, -EBUSY = try again later. */
int ga_family_publish(ga_instrument *arr, int n, int spins);

/* The instruments to render: the family's sums, with this process's gauges (from arr) and
 * exemplars. Fills out[0..max) with pointers (into a view kept by this module, or into arr)
 * and returns their count; when the region is busy, the previous view. */
int ga_family_view(ga_instrument *arr, int n, ga_instrument **out, int max);

/* Updates dropped for lack of room in the region, family-wide. */
uint64_t ga_family_dropped(void);

/* The member serving the endpoint: set after a successful listen, cleared (only by itself)
 * when it stops. A member not serving asks ga_family_server_alive() before trying to bind. */
void ga_family_set_server(int serving);
int ga_family_server_alive(void);

/* Child after fork: forget the view (the region itself is kept: that is the point). */
void ga_family_after_fork(void);

/* Tests: unmap the region and forget everything. */
void ga_family_reset(void);

#endif
