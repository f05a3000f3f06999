/* plugin.h — what a protocol plug-in is to the core: one descriptor per protocol, listed in
 * the registry (preload/plugins.h), that the core, the hooks and the exporter use without
 * knowing the protocol.
 *
 * A plug-in folder (plugins/<name>/) holds everything of its protocol except the pure parser
 * (protocols/<parser>/): the application-thread session that turns parser events into records
 * through the emit door (preload/emit.h), its library symbol hooks (hook_*.c), its
 * configuration entries, and its exporter-side description (<name>_ops.c: record → span name,
 * attributes, metric points; exporter/ops.h). Every slot is optional.
 *
 * The split of work: on the application thread a plug-in frames messages, takes timestamps
 * and trace context, and copies the raw bytes the exporter will need into a record; naming,
 * attributes, summaries, sanitising and encoding run on the exporter thread. */
#ifndef GA_PLUGIN_H
#define GA_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include "preload/plugins.h"
#include "preload/fdtable.h"
#include "preload/conn.h"
#include "preload/env.h"

struct ga_plugin_exp;           /* exporter/ops.h: the exporter-side description */

typedef struct ga_plugin {
    const char *name;           /* "http": self-metrics, messages, docs */

    /* ---- application thread, the wire (hot path rules: no malloc, no lock, no stdio) ---- */

    /* 1 when these first bytes of a connection (direction `out`, socket role e->role) are
     * this protocol's; 0 otherwise. Pure; must not keep pointers. */
    int (*detect)(const ga_fd *e, int out, const uint8_t *p, size_t n);
    /* The next `n` bytes in direction `out`; c->state is the plug-in's, zeroed at first and
     * locked during the call. p == NULL: n bytes moved that the library could not see
     * (sendfile). n == 0 (only with wants_eof): the peer closed its side. A plug-in that
     * finds the connection is not its protocol after all may set e->proto = GA_PROTO_NONE. */
    void (*data)(int fd, ga_fd *e, ga_conn *c, int out, const uint8_t *p, size_t n);
    /* Optional: the next `n` bytes in direction `out` in iov[0..cnt) (iov[0] not empty), as
     * data() would get them one buffer after another; c locked. Returns 1 when it took them
     * (an HTTP server's response head and body in one entry), 0 to decline, having done
     * nothing: the core then calls data() per buffer. */
    int (*data_iov)(int fd, ga_fd *e, ga_conn *c, int out, const struct iovec *iov, int cnt,
                    size_t n);
    /* The connection is closing (c locked): finish or drop what is in flight. */
    void (*closed)(ga_conn *c);
    uint8_t wants_eof;          /* data(n == 0) when a read returns 0 */

    /* The pre-send step of the write hooks (trace-context injection). The application asks
     * to send m->msg_iov[0..msg_iovlen) on client socket fd: with sendmsg(fd, m, flags) when
     * use_msg, else writev. Returns 0 to decline (nothing sent: the hook makes the call), or
     * 1 with *ret = the application's result (its own bytes accepted, or -1 with errno).
     * Offered for client sockets of this protocol and, when presend_unknown, for client
     * sockets whose protocol is not known yet. Only installed while propagation is on. */
    int (*presend)(int fd, ga_fd *e, const struct msghdr *m, int flags, int use_msg, ssize_t *ret);
    uint8_t presend_unknown;

    /* ---- process life ---- */
    void (*init)(void);         /* in the constructor, after the configuration was read */
    void (*after_fork)(void);   /* in the child after fork (the forking thread only) */

    /* ---- configuration: the plug-in's entries of the configuration table ---- */
    ga_var *vars;               /* terminated by an entry with name_off 0 (env.h) */

    /* ---- exporter thread ---- */
    const struct ga_plugin_exp *exp;
} ga_plugin;

/* The descriptors, indexed by enum ga_proto (NULL for the ids below GA_PROTO_FIRST_PLUGIN). */
extern const ga_plugin *const ga_plugins[GA_PROTO_COUNT];

static inline const ga_plugin *ga_plugin_get(unsigned proto)
{
    return proto < GA_PROTO_COUNT ? ga_plugins[proto] : NULL;
}

#define ga_foreach_plugin(p)                                                      \
    for (const ga_plugin *const *p##_it = &ga_plugins[GA_PROTO_FIRST_PLUGIN], *p; \
         p##_it < &ga_plugins[GA_PROTO_COUNT] && ((p = *p##_it), 1); p##_it++)

#endif
