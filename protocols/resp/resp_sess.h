/* resp_sess.h — one Redis client connection followed from its bytes: requests and replies in,
 * finished operations out.
 *
 * The session feeds the two RESP parsers (resp.h) and matches replies to requests in FIFO
 * order. Requests are grouped into the operations that become spans:
 *  - commands written before any reply is read form one batch: one command = one operation
 *    (`GET`), two or more = a pipeline (`PIPELINE GET` / `PIPELINE`, batch size n);
 *  - MULTI … EXEC/DISCARD is one operation whose replies include the `+QUEUED`s (`MULTI SET`);
 *  - a command that a library hook (hiredis) announced keeps that hook's span identity and is
 *    always its own operation (one API call, one span);
 *  - SUBSCRIBE-family commands end at their last confirmation; pub/sub messages, RESP3 pushes
 *    and unsolicited frames are never taken as replies;
 *  - commands that get no reply (CLIENT REPLY OFF/SKIP) end when written.
 * An operation ends when its last reply has been read completely. SELECT is followed for the
 * database index; AUTH / HELLO … AUTH and other secret arguments are never copied.
 *
 * Bounded: at most GA_RESP_GROUPS operations in flight keep their details (more are still
 * matched, without spans); argument text is kept in a small ring (GA_RESP_ARENA bytes, at most
 * GA_RESP_TEXT_MAX per operation). Pure: no libc beyond memcpy/memchr; time, emission and hook
 * claims come through the environment. The whole struct fits in ga_conn.state (2048 bytes).
 *
 * Fast path (resp_sess_fast.c): a whole multibulk command of an ordinary class written in one
 * call while nothing is in flight, and a whole scalar or flat-array reply read in one call for
 * the only command in flight, are taken in one pass instead of through the parsers' callbacks
 * and the grouping logic — same operations, same state. Anything else takes the general path.
 * Such a command's text is its own bytes (GA_RESP_GF_RAW): shaping them into the blob below,
 * and what they mean for db.query.text (key positions, quoting), is left to the exporter
 * thread (resp_raw.h, resp_text.h). */
#ifndef GA_RESP_SESS_H
#define GA_RESP_SESS_H

#include <stdint.h>
#include "protocols/resp/resp.h"
#include "protocols/w3c/w3c.h"

#define GA_RESP_GROUPS    8
#define GA_RESP_ARENA     512
#define GA_RESP_TEXT_MAX  200
#define GA_RESP_NAME_CAP  24
#define GA_RESP_CODE_CAP  12
#define GA_RESP_HOOKS     6   /* < GA_RESP_GROUPS: unhooked followers still get a group */
#define GA_RESP_HOST_CAP  48
#define GA_RESP_ARG_CAP   126   /* bytes of one argument kept (0x80|126 < the secret mark) */
#define GA_RESP_CUR_CAP   32u   /* bytes of each argument looked at (names, secrets, SELECT) */

/* GENESIS_REDIS_ARGS: what of the arguments is copied (the exporter renders the text). */
enum ga_resp_args { GA_RESP_ARGS_KEYS = 0, GA_RESP_ARGS_NONE, GA_RESP_ARGS_ALL };

enum ga_resp_gkind { GA_RESP_GK_BATCH = 0, GA_RESP_GK_MULTI, GA_RESP_GK_SUB };

/* Group flags. */
#define GA_RESP_GF_OPEN     0x01    /* more commands may still join */
#define GA_RESP_GF_DIFF     0x02    /* its (inner) commands do not all have the same name */
#define GA_RESP_GF_TRUNC    0x04    /* the text of some commands or arguments was not kept */
#define GA_RESP_GF_ERROR    0x08    /* a reply was an error (code[] holds its code) */
#define GA_RESP_GF_EMITTED  0x10    /* handed to emit(); waiting only for ghost replies */
#define GA_RESP_GF_SELECT   0x20    /* a lone SELECT: an error reply restores the database */
#define GA_RESP_GF_CLOSED   0x40    /* the connection closed before the replies (emit only) */
#define GA_RESP_GF_RAW      0x80    /* the text is the command's own RESP bytes (resp_raw.h) */

/* What a library hook knew about the command before it reached the wire. */
typedef struct ga_resp_hook_info {
    ga_span_ids ids;
    uint64_t start_ns;          /* the API call's start; 0 = use the time the wire saw */
    uint64_t caller;            /* return address into the caller (code.function.name) */
} ga_resp_hook_info;

/* Text blob (kept in the arena, copied into the record): per command a 3-byte header
 * [nargs (saturated at 255)][copied args][flags: 1 = later args not copied], then per copied
 * argument a byte [0xFF = secret, not copied | 0x80 truncated + length (0..126)] and its bytes.
 * With GA_RESP_GF_RAW (the fast path, one command of an ordinary class) the text is instead
 * the command's own RESP bytes, at most GA_RESP_TEXT_MAX: all of them, or up to the end of
 * the first argument when arguments are not copied (GA_RESP_ARGS_NONE); ga_resp_raw_blob
 * (resp_raw.h) gives the blob the general path would have kept. */
#define GA_RESP_TXT_SECRET  0xFF
#define GA_RESP_TXT_TRUNC   0x80
#define GA_RESP_TXT_MORE    0x01

/* One finished operation, as emit() receives it (pointers valid during the call only). */
typedef struct ga_resp_op {
    uint64_t start_ns, end_ns;
    uint32_t ncmds;             /* commands; for MULTI the commands between MULTI and EXEC */
    uint16_t db;
    uint8_t kind;               /* enum ga_resp_gkind */
    uint8_t flags;              /* GA_RESP_GF_* */
    uint8_t args_mode;          /* enum ga_resp_args */
    uint8_t name_len, code_len, host_len;
    const char *name;           /* first (inner) command's name as sent, e.g. "CLIENT SETNAME" */
    const char *code;           /* error code when GA_RESP_GF_ERROR */
    const char *host;           /* server name the hook connected to (may be empty) */
    const uint8_t *t1, *t2;     /* text blob in up to two pieces */
    size_t l1, l2;
    const ga_resp_hook_info *hook;  /* NULL when only the wire saw the command */
} ga_resp_op;

typedef struct ga_resp_env {
    void *ud;
    uint64_t (*now)(void *ud);                          /* ns, CLOCK_REALTIME */
    void (*emit)(void *ud, const ga_resp_op *op);
    /* A hook announced the command just written: fill *h (and host when known) and return
     * 1, else 0. NULL when no hook can be active. */
    int (*claim)(void *ud, ga_resp_hook_info *h, char *host, uint8_t *host_len);
    uint8_t args_mode;                                  /* enum ga_resp_args */
    uint8_t general_only;                               /* 1 = never the fast path (tests) */
} ga_resp_env;

typedef struct ga_resp_group {
    uint64_t start_ns;
    uint32_t ncmds;             /* commands (MULTI: inner commands) */
    uint32_t left;              /* replies still owed to it */
    uint32_t ghost;             /* replies owed after it to commands that have no group */
    uint16_t text_len;
    uint16_t db;                /* database when its first command was written */
    uint8_t kind, flags, hook, name_len, code_len;
    uint8_t pad[3];
    char name[GA_RESP_NAME_CAP];
    char code[GA_RESP_CODE_CAP];
} ga_resp_group;

/* The command being written (between the parser's begin and end). */
typedef struct ga_resp_cmd {
    uint64_t start_ns;
    uint16_t text_len;          /* tentative bytes at the arena tail */
    uint16_t arg_pos;           /* offset (from the tail) of the current argument's byte */
    uint8_t cls, sub;           /* enum ga_resp_cls; sub: 1 = CLIENT REPLY, 2 = ACL SETUSER */
    uint8_t copying;            /* 0 no, 1 bytes, 2 secret */
    uint8_t arg_len, arg_trunc, ncopied, more, text_ok;
    uint8_t redact_next, redact_rest, name_len, cur_len;
    uint8_t reply_arg;          /* CLIENT REPLY argument: 1 ON, 2 OFF, 3 SKIP */
    uint8_t secret;             /* the current argument is a secret: never copied nor read */
    uint8_t pad[2];
    int32_t select_db;          /* SELECT argument, -1 unknown */
    uint32_t idx;
    char name[GA_RESP_NAME_CAP];
    char cur[GA_RESP_CUR_CAP];
} ga_resp_cmd;

/* Session flags. */
#define GA_RESP_SF_CONFIRMED 0x01   /* a well-formed reply was seen: it is Redis */
#define GA_RESP_SF_DEAD      0x02   /* not (or no longer) followed */
#define GA_RESP_SF_PUBSUB    0x04   /* RESP2 pub/sub frames may arrive */

enum { GA_RESP_RM_ON = 0, GA_RESP_RM_OFF, GA_RESP_RM_SKIP };

typedef struct ga_resp_sess {
    ga_resp_req req;
    ga_resp_rep rep;
    ga_resp_cmd cmd;
    uint8_t flags, reply_mode, ng, gh;  /* groups in flight, index of the oldest */
    uint8_t hooks_used, host_len;
    uint16_t db;                /* database as of the last command written */
    uint16_t a_head, a_used;    /* arena: start of the oldest text, bytes committed */
    uint8_t pad[4];
    ga_resp_group g[GA_RESP_GROUPS];
    ga_resp_hook_info hooks[GA_RESP_HOOKS];
    char host[GA_RESP_HOST_CAP];
    uint8_t arena[GA_RESP_ARENA];
} ga_resp_sess;

/* Bytes the client sent (out = 1) or received (out = 0). */
void ga_resp_sess_feed(ga_resp_sess *s, int out, const uint8_t *p, size_t n, const ga_resp_env *env);

/* The connection is closing: operations still waiting for replies end as failed (only once
 * the peer was confirmed to speak RESP). */
void ga_resp_sess_close(ga_resp_sess *s, const ga_resp_env *env);

static inline int ga_resp_sess_dead(const ga_resp_sess *s) { return (s->flags & GA_RESP_SF_DEAD) != 0; }

#endif
