/* resp_rec.h — the Redis record format: the plug-in's op id and attribute keys, written on
 * the application thread (resp_emit.c) and decoded on the exporter thread (resp_ops.c). */
#ifndef GA_RESP_REC_H
#define GA_RESP_REC_H

#include "preload/record.h"

/* One Redis operation: a command, a pipeline or a MULTI transaction (CLIENT span). */
enum { GA_OP_RESP = 1, GA_OP_RESP_COUNT };

enum ga_resp_attr_key {
    GA_A_RESP_INFO = GA_A_PLUGIN_FIRST,   /* int: see GA_RESP_INFO (always present) */
    GA_A_RESP_NAME,                     /* str: first (inner) command name as sent; absent
                                         * with GA_RESP_GF_RAW: the text's first argument,
                                         * at most GA_RESP_NAME_CAP - 1 bytes */
    GA_A_RESP_CODE,                     /* str: error code (`WRONGTYPE`) */
    GA_A_RESP_TEXT,                     /* str: argument blob (resp_sess.h), rendered by resp_text;
                                         * with GA_RESP_GF_RAW in the flags, the command's own
                                         * RESP bytes instead (resp_raw.h) */
    GA_A_RESP_HOST,                     /* str: host/path given to redisConnect* */
    GA_A_RESP_PORT,                     /* int: port given to redisConnect* (no peer known) */
    GA_A_RESP_CALLER,                   /* int: return address of the hooked API call */
    GA_A_RESP_HOOKERR,                  /* int: hiredis context error (REDIS_ERR_*) */
};

/* GA_A_RESP_INFO packs the small facts in one integer: kind (enum ga_resp_gkind, 8 bits) |
 * group flags (8) | args mode (4) | source (4) | database index (16) | commands (24, saturated;
 * for MULTI the commands between MULTI and EXEC). */
#define GA_RESP_INFO(kind, flags, mode, src, db, ncmds) \
    ((int64_t)(kind) | ((int64_t)(flags) << 8) | ((int64_t)((mode) & 0xf) << 16) | \
     ((int64_t)((src) & 0xf) << 20) | ((int64_t)((db) & 0xffff) << 24) | \
     ((int64_t)((ncmds) > 0xffffff ? 0xffffff : (ncmds)) << 40))
#define GA_RESP_INFO_KIND(v)  ((int)((v) & 0xff))
#define GA_RESP_INFO_FLAGS(v) ((int)(((v) >> 8) & 0xff))
#define GA_RESP_INFO_MODE(v)  ((int)(((v) >> 16) & 0xf))
#define GA_RESP_INFO_SRC(v)   ((int)(((v) >> 20) & 0xf))
#define GA_RESP_INFO_DB(v)    ((int)(((v) >> 24) & 0xffff))
#define GA_RESP_INFO_NCMDS(v) ((int64_t)(((v) >> 40) & 0xffffff))

enum { GA_RESP_SRC_WIRE = 0, GA_RESP_SRC_HOOK_WIRE, GA_RESP_SRC_HOOK };

#endif
