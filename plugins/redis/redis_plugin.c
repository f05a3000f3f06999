/* redis_plugin.c — the Redis plug-in: its descriptor (preload/plugin.h), its configuration
 * entries and their parsing.
 *
 * Wire: resp_handler.c (detection, the RESP session of protocols/resp/, records through
 * resp_emit.c). Library hooks: hook_hiredis.c, linked to the wire by resp_link.c so that one
 * command is one span. Exporter side: resp_ops.c. */
#include <stdlib.h>
#include "preload/plugin.h"
#include "plugins/redis/resp_handler.h"
#include "protocols/resp/resp_sess.h"

/* The plug-in's configuration entries, X(NAME, TYPE, default, meaning[, type arguments]) as in
 * preload/env.h; the table keeps its texts in a string pool (no relocations). */
#define GA__VARS(X)                                                                            \
    X(GENESIS_REDIS_ARGS, ENUM, "keys", "which Redis arguments db.query.text shows",             \
      "keys|none|all")                                                                         \
    X(GENESIS_REDIS_PORTS, STR, "", "extra ports where any inline command word counts as Redis")

GA_PLUGIN_VAR_TABLE(GA__VARS);

ga_redis_cfg_t ga_redis_cfg = { .args_mode = GA_RESP_ARGS_KEYS, .nports = 1, .ports = { 6379 } };

/* 6379, then the listed ports; a bad entry ends the list (the ports before it stay). */
static void ga__parse_ports(ga_var *v)
{
    const char *s = ga_var_raw(v);
    ga_redis_cfg.ports[0] = 6379;
    ga_redis_cfg.nports = 1;
    while (s != NULL && *s != '\0') {
        char *end;
        long p = strtol(s, &end, 10);
        if (end == s || p <= 0 || p > 65535 || (*end != ',' && *end != '\0')) {
            ga_var_warn(v, "a comma-separated list of ports", "the ports before the first bad entry");
            return;
        }
        if (ga_redis_cfg.nports < GA_RESP_MAX_PORTS)
            ga_redis_cfg.ports[ga_redis_cfg.nports++] = (uint16_t)p;
        s = *end == ',' ? end + 1 : end;
    }
}

GA_INIT_PATH static void ga__init(void)
{
    /* In the order of the variable's choices: keys|none|all. */
    static const uint8_t modes[] = { GA_RESP_ARGS_KEYS, GA_RESP_ARGS_NONE, GA_RESP_ARGS_ALL };
    ga_redis_cfg.args_mode = modes[ga_var_enum(&ga__vtab.v[GA_V_GENESIS_REDIS_ARGS])];
    ga__parse_ports(&ga__vtab.v[GA_V_GENESIS_REDIS_PORTS]);
}

extern const struct ga_plugin_exp ga_redis_exp;

const ga_plugin ga_plugin_redis = {
    .name = "redis",
    .detect = ga_redis_detect,
    .data = ga_redis_data,
    .closed = ga_redis_closed,
    .init = ga__init,
    .vars = ga__vtab.v,
    .exp = &ga_redis_exp,
};
