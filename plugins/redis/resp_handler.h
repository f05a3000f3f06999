/* resp_handler.h — the Redis plug-in's settings and wire entry points, shared by its
 * descriptor (redis_plugin.c) and the wire side (resp_handler.c). */
#ifndef GA_RESP_HANDLER_H
#define GA_RESP_HANDLER_H

#include <stdint.h>
#include "preload/conn.h"
#include "preload/fdtable.h"

#define GA_RESP_MAX_PORTS 16

/* Parsed in the constructor (redis_plugin.c); read-only afterwards. */
typedef struct ga_redis_cfg {
    uint8_t args_mode;                  /* GENESIS_REDIS_ARGS: enum ga_resp_args */
    int nports;                         /* 6379, then GENESIS_REDIS_PORTS */
    uint16_t ports[GA_RESP_MAX_PORTS];
} ga_redis_cfg_t;

extern ga_redis_cfg_t ga_redis_cfg;

/* The wire entry points (contracts in preload/plugin.h). */
int ga_redis_detect(const ga_fd *e, int out, const uint8_t *p, size_t n);
void ga_redis_data(int fd, ga_fd *e, ga_conn *c, int out, const uint8_t *p, size_t n);
void ga_redis_closed(ga_conn *c);

#endif
