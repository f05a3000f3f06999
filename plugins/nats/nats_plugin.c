/* nats_plugin.c — the NATS plug-in: its descriptor (preload/plugin.h) and configuration entry.
 *
 * Wire, any client: nats_handler.c (detection, both directions through the parser of
 * protocols/nats/), nats_span.c (records, the thread's active span), nats_inject*.c (the
 * pre-send step that puts the trace context into message headers). libnats hooks: hook_libnats.c
 * (the publisher's context handed to the thread that writes, through nats_hint.c; CONSUMER
 * spans around subscription callbacks). Exporter side: nats_ops.c. Documentation:
 * docs/messaging.md. */
#include "preload/plugin.h"
#include "preload/config.h"
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

static int ga__libnats GA_START_DATA;
int ga_nats_connect_rewrite GA_START_DATA;
_Atomic int ga_nats_lib_consumes;

ga_nats_ctxcfg ga_nats_ctx GA_START_DATA;

_Static_assert(GA_NATS_FMT_TC == GA_PROP_TC && GA_NATS_FMT_B3 == GA_PROP_B3 &&
               GA_NATS_FMT_B3M == GA_PROP_B3MULTI, "NATS formats are the propagator bits");
_Static_assert(10 + GA_NATS_CTX_MAX + 2 <= 9999, "a new block's size fits hdr_txt");

int ga_nats_libnats_on(void)
{
    return ga__libnats;
}

/* v (< 10000) in decimal and a space at out; returns the bytes written. By hand: snprintf at
 * start-up would draw libc's formatter into every process (the icount start-up rows: +700
 * instructions, +6 page faults). */
static uint8_t ga__count_text(char *out, unsigned v)
{
    char tmp[4];
    uint8_t n = 0;
    do
        tmp[n++] = (char)('0' + v % 10);
    while ((v /= 10) > 0 && n < sizeof tmp);
    for (uint8_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = ' ';
    return (uint8_t)(n + 1);
}

GA_INIT_PATH void ga_nats_ctx_setup(void)
{
    ga_nats_ctxcfg *c = &ga_nats_ctx;
    unsigned fmt = ga_cfg.propagators & (GA_PROP_TC | GA_PROP_B3 | GA_PROP_B3MULTI);
    c->fmt = (uint8_t)fmt;
    c->own = (uint8_t)(((fmt & GA_PROP_TC) ? 1u << GA_NATS_F_TP : 0) |
                       ((fmt & (GA_PROP_B3 | GA_PROP_B3MULTI))
                            ? (1u << GA_NATS_F_B3) | (1u << GA_NATS_F_XTID) | (1u << GA_NATS_F_XSID) |
                                  (1u << GA_NATS_F_XSMP) | (1u << GA_NATS_F_XFLG) | (1u << GA_NATS_F_XB3)
                            : 0));
    c->fields = (uint16_t)ga_nats_ctx_len(fmt);
    c->hdr_new = (uint16_t)(10 + c->fields + 2);
    c->hdr_txt_len = ga__count_text(c->hdr_txt, c->hdr_new);
    c->pub_fixed = (uint16_t)(1 + c->hdr_txt_len + 2 + c->hdr_new);
    ga_nats_xorder_set(&c->xo, ga_cfg.prop_order, GA_PROP_MAX);
}

GA_INIT_PATH static void ga__init(void)
{
    ga__libnats = ga_var_bool(&ga__vtab.v[GA_V_GENESIS_NATS_LIBNATS]);
    ga_nats_connect_rewrite = ga_var_bool(&ga__vtab.v[GA_V_GENESIS_NATS_CONNECT_REWRITE]);
    ga_nats_ctx_setup();
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
