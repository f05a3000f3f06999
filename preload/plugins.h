/* plugins.h — the registry of protocol plug-ins: one line per protocol.
 *
 * Each line X(ID, name) stands for the folder plugins/<name>/, which defines
 * `const ga_plugin ga_plugin_<name>` (preload/plugin.h). The list generates the protocol ids
 * (enum ga_proto: what a connection's bytes turned out to be, and which plug-in a record
 * belongs to) and the descriptor table (preload/plugins.c). The order is the detection order:
 * the protocol with the most specific first bytes first.
 *
 * Adding a protocol: a new folder plugins/<name>/ and one line here. Nothing is renumbered:
 * ids only live inside one process, and every plug-in numbers its own ops and attribute keys
 * (preload/record.h). */
#ifndef GA_PLUGINS_H
#define GA_PLUGINS_H

#define GA_PLUGINS(X) \
    X(MYSQL, mysql)   \
    X(NATS,  nats)    \
    X(HTTP,  http)    \
    X(REDIS, redis)   \
    X(KAFKA, kafka)

/* What a connection's bytes turned out to be (ga_fd.proto), and which plug-in a record
 * belongs to (ga_rec_hdr.proto; GA_PROTO_CORE for the core's own connect and close records). */
#define GA__PROTO_ENUM(ID, name) GA_PROTO_##ID,
enum ga_proto {
    GA_PROTO_UNKNOWN = 0,           /* no data yet (fd); the core (record) */
    GA_PROTO_NONE,                  /* no protocol claimed it: only counted */
    GA_PROTO_TLS,                   /* TLS records: never parsed */
    GA_PLUGINS(GA__PROTO_ENUM)
    GA_PROTO_COUNT
};
#define GA_PROTO_CORE GA_PROTO_UNKNOWN
#define GA_PROTO_FIRST_PLUGIN (GA_PROTO_TLS + 1)

#endif
