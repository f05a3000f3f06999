/* nats_plugin.c — the NATS plug-in: its descriptor (preload/plugin.h) and configuration entry.
 *
 * Wire, any client: nats_handler.c (detection, both directions through the parser of
 * protocols/nats/), nats_span.c (records, the thread's active span), nats_inject*.c (the
 * pre-send step that puts traceparent into message headers). libnats hooks: hook_libnats.c
 * (the publisher's context handed to the thread that writes, through nats_hint.c; CONSUMER
 * spans around subscription callbacks). Exporter side: nats_ops.c. Documentation:
 * docs/messaging.md. */
#include "preload/plugin.h"
#include "plugins/nats/nats_state.h"
#include "plugins/nats/nats_hint.h"
#include "plugins/nats/nats_inject.h"

/* The plug-in's configuration entries, X(NAME, TYPE, default, meaning[, type arguments]) as in
 * preload/env.h; the table keeps its texts in a string pool (no relocations). */
#define GA__VARS(X)                                                                            \
    X(GENESIS_NATS_LIBNATS, BOOL, "true", "libnats symbol hooks: publisher context, callback spans") \
    X(GENESIS_NATS_CONNECT_REWRITE, BOOL, "true",                                              \
      "make a client's CONNECT without headers declare them, so its messages can carry context")

GA_PLUGIN_VAR_TABLE(GA__VARS);

static int ga__libnats;
int ga_nats_connect_rewrite;
_Atomic int ga_nats_lib_consumes;

int ga_nats_libnats_on(void)
{
    return ga__libnats;
}

static void ga__init(void)
{
    ga__libnats = ga_var_bool(&ga__vtab.v[GA_V_GENESIS_NATS_LIBNATS]);
    ga_nats_connect_rewrite = ga_var_bool(&ga__vtab.v[GA_V_GENESIS_NATS_CONNECT_REWRITE]);
}

GA_FORK_PATH static void ga__after_fork(void)
{
    ga_nats_hint_after_fork();
}

extern const struct ga_plugin_exp ga_nats_exp;

const ga_plugin ga_plugin_nats = {
    .name = "nats",
    .detect = ga_nats_detect,
    .data = ga_nats_data,
    .closed = ga_nats_closed,
    .presend = ga_nats_send,
    .init = ga__init,
    .after_fork = ga__after_fork,
    .vars = ga__vtab.v,
    .exp = &ga_nats_exp,
};
