/* resp_handler.h — the Redis protocol handler's configuration as the exporter sees it
 * (the handler itself is `ga_resp_handler`, found by preload/proto.c). */
#ifndef GA_RESP_HANDLER_H
#define GA_RESP_HANDLER_H

#define GA_RESP_BAD_ARGS  0x1       /* GENESIS_REDIS_ARGS was not none|keys|all */
#define GA_RESP_BAD_PORTS 0x2       /* GENESIS_REDIS_PORTS was not a list of ports */

/* Problems found when the environment was read (0 before it was read). */
int ga_resp_cfg_problems(void);

#endif
