/* record.h — one finished operation, as the application thread hands it to the exporter.
 *
 * A record is a fixed header plus a small typed attribute area (TLV). The application
 * thread only copies raw facts into it (ids, times, a raw socket address, bounded bytes);
 * everything that can wait — formatting addresses, naming the span, sanitising text — is
 * done by the exporter thread. Records live in ring slots of GA_REC_SIZE bytes. */
#ifndef GA_RECORD_H
#define GA_RECORD_H

#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include "preload/ga.h"

#define GA_REC_SIZE 504     /* + 8 bytes of ring sequence = one 512-byte slot */

/* Which operation a record describes: the pair (proto, op). `proto` is the plug-in that wrote
 * it (enum ga_proto, preload/plugins.h) or GA_PROTO_CORE; each plug-in numbers its own ops
 * from 1, so a new plug-in never renumbers anything. The core's ops: */
enum ga_core_op {
    GA_OP_NONE = 0,
    GA_OP_CONNECT,          /* outbound connect(): INTERNAL span `connect {peer}` */
    GA_OP_CONN_CLOSE,       /* socket closed: final byte totals (no span) */
    GA_OP_LOG,              /* bytes written to a captured log stream (preload/logcap.h): raw
                             * bytes in attrs[0..attr_len), not TLV; stream in h.reserved */
};

/* OTLP SpanKind and StatusCode values. */
enum { GA_KIND_INTERNAL = 1, GA_KIND_SERVER = 2, GA_KIND_CLIENT = 3, GA_KIND_PRODUCER = 4,
       GA_KIND_CONSUMER = 5 };
enum { GA_STATUS_UNSET = 0, GA_STATUS_OK = 1, GA_STATUS_ERROR = 2 };

/* A socket address in the compact form the app thread copies without formatting. */
typedef struct ga_addr {
    uint16_t family;        /* AF_INET, AF_INET6, AF_UNIX, or 0 = unknown */
    uint16_t port;          /* host order */
    uint8_t  addr[16];      /* IPv4 in the first 4 bytes */
} ga_addr;

/* Attribute keys carried in the TLV area. Core keys (< GA_A_PLUGIN_FIRST) mean the same in
 * every record and are decoded by exporter/attrs.c; keys from GA_A_PLUGIN_FIRST up belong to
 * the record's plug-in, which numbers its own and decodes them in its op descriptors
 * (exporter/ops.h). */
#define GA_A_PLUGIN_FIRST 32
enum ga_attr_key {
    GA_A_PEER = 1,          /* ga_addr: network.peer.address/port, network.type */
    GA_A_UNIX_PATH,         /* str: network.peer.address for AF_UNIX */
    GA_A_TRANSPORT,         /* int: SOCK_STREAM / SOCK_DGRAM -> network.transport */
    GA_A_ERRNO,             /* int: errno value -> error.type (E-name) */
    GA_A_BYTES_IN,          /* int */
    GA_A_BYTES_OUT,         /* int */
    GA_A_TRACESTATE,        /* str */
    GA_A_FD,                /* int: descriptor number (CONN_CLOSE) */
    GA_A_FD_GEN,            /* int: its generation, to pair with live scans of the table */
    GA_A_ROLE,              /* int: enum ga_fd_role */
    GA_A_TAIL,              /* int: enum ga_tail_why, added by the exporter's tail sampler */
    GA_A_STACK,             /* str: call-site instruction pointers, encoded (preload/stack.h) */
    GA_A_PARENT_TP,         /* str: the parent's traceparent text, undecoded (GA_PARENT_RAW) */
    GA_A_KEY_COUNT
};

enum ga_attr_type { GA_AT_INT = 1, GA_AT_STR, GA_AT_ADDR, GA_AT_DOUBLE, GA_AT_BOOL };

/* ga_rec_hdr.has_parent of a record whose ids are pending and whose parent, if any, is the
 * GA_A_PARENT_TP attribute (preload/context.h: ga_rec_draw_ids). */
#define GA_PARENT_RAW 2

typedef struct ga_rec_hdr {
    uint8_t  proto;         /* enum ga_proto: the plug-in that wrote it, GA_PROTO_CORE = 0 */
    uint8_t  op;            /* the plug-in's op (enum ga_core_op for the core) */
    uint8_t  kind;          /* GA_KIND_*; 0 = not a span (feeds metrics only) */
    uint8_t  status;        /* GA_STATUS_* */
    uint8_t  trace_flags;   /* W3C flags; bit 0 = sampled */
    uint8_t  has_parent;
    uint8_t  parent_remote;
    uint8_t  reserved;
    uint16_t attr_len;      /* bytes used in attrs[] */
    uint16_t reserved2;
    uint32_t tid;           /* the writing thread (gettid) */
    uint64_t start_ns;      /* CLOCK_REALTIME, ns since the epoch */
    uint64_t end_ns;
    uint8_t  trace_id[16];
    uint8_t  span_id[8];
    uint8_t  parent_id[8];
} ga_rec_hdr;

#define GA_REC_ATTR_CAP (GA_REC_SIZE - sizeof(ga_rec_hdr))

typedef struct ga_rec {
    ga_rec_hdr h;
    uint8_t attrs[GA_REC_ATTR_CAP];
} ga_rec;

_Static_assert(sizeof(ga_rec) == GA_REC_SIZE, "record size");

/* Span records become spans (when sampled); the others only feed metrics. */
static inline int ga_rec_is_span(const ga_rec *r) { return r->h.kind != 0; }

/* A span record whose span id is all zero (never a valid one) is a leaf span whose identity the
 * exporter thread draws when it takes the record: its span id — nobody on the application thread
 * reads it, since nothing descends from the span — and, when its trace id is zero too (a root),
 * its trace id and sampling decision (preload/context.h: ga_span_start_leaf, ga_rec_draw_ids). */
static inline int ga_rec_ids_pending(const ga_rec *r)
{
    uint64_t sp;
    memcpy(&sp, r->h.span_id, 8);
    return sp == 0 && ga_rec_is_span(r);
}

/* TLV entry: key (1), type (1), length (2, host order), value bytes. Values that do not
 * fit are truncated (strings) or dropped (fixed types): a record never overflows. */
static inline void ga_rec_put(ga_rec *r, uint8_t key, uint8_t type, const void *v, size_t len)
{
    size_t room = GA_REC_ATTR_CAP - r->h.attr_len;
    if (room < 4 + (type == GA_AT_STR ? 1 : len))
        return;
    if (len > room - 4)
        len = room - 4;
    uint8_t *p = r->attrs + r->h.attr_len;
    uint16_t l16 = (uint16_t)len;
    p[0] = key;
    p[1] = type;
    memcpy(p + 2, &l16, 2);
    memcpy(p + 4, v, len);
    r->h.attr_len = (uint16_t)(r->h.attr_len + 4 + len);
}

static inline void ga_rec_put_int(ga_rec *r, uint8_t key, int64_t v)
{
    ga_rec_put(r, key, GA_AT_INT, &v, sizeof v);
}

static inline void ga_rec_put_addr(ga_rec *r, uint8_t key, const ga_addr *a)
{
    ga_rec_put(r, key, GA_AT_ADDR, a, sizeof *a);
}

/* Iterate the TLV area: returns 0 at the end, else fills key/type/value/len and advances. */
static inline int ga_rec_next(const ga_rec *r, size_t *off, uint8_t *key, uint8_t *type,
                              const uint8_t **val, size_t *len)
{
    if (*off + 4 > r->h.attr_len || r->h.attr_len > GA_REC_ATTR_CAP)
        return 0;
    const uint8_t *p = r->attrs + *off;
    uint16_t l16;
    memcpy(&l16, p + 2, 2);
    if (*off + 4 + l16 > r->h.attr_len)
        return 0;
    *key = p[0];
    *type = p[1];
    *val = p + 4;
    *len = l16;
    *off += 4 + (size_t)l16;
    return 1;
}

/* Copy a sockaddr into the compact form (unknown families give family 0). */
void ga_addr_from_sockaddr(ga_addr *out, const struct sockaddr *sa, socklen_t len);

#endif
