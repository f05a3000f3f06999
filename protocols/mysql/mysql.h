/* mysql.h — a pure, incremental, bounded parser of the MySQL/MariaDB client/server protocol
 * (SPECS.md §7.1), as seen from one client connection.
 *
 * Bytes go in per direction, in order, in chunks of any size (a packet may be split across
 * reads; a payload over 16 MiB spans several packets). Events come out through a sink of
 * callbacks: the greeting, the initial database of the login (the user name and the auth data
 * are skipped, never reported), each command sent (its SQL text streamed in chunks), and the
 * end of each command's response with its outcome, and a login the server refused. Result rows are skipped without being
 * buffered: per packet the parser keeps only its first GA_MY_SHEAD bytes.
 *
 * The parser stops for good (stopped() says why, once) when the connection switches to TLS
 * (SSLRequest), to the compressed protocol, when authentication fails, or when the bytes stop
 * making sense. No allocation, no libc beyond memcpy/memset: usable on the application thread
 * and fuzzable on its own. The state is plain data: zeroed = waiting for the greeting.
 *
 * Fast path (mysql_fast.c): a whole COM_QUERY packet written while nothing is in flight, and
 * the whole response to the only command in flight read at once (an OK, or a result set from
 * its column count to its terminator), are taken in one pass instead of packet by packet —
 * the same callbacks (a command's text in one piece), the same state. Anything else takes the
 * general path. */
#ifndef GA_PROTOCOLS_MYSQL_H
#define GA_PROTOCOLS_MYSQL_H

#include <stddef.h>
#include <stdint.h>

/* Commands (first payload byte of a client packet with sequence id 0). */
enum {
    GA_MY_COM_QUIT = 0x01, GA_MY_COM_INIT_DB = 0x02, GA_MY_COM_QUERY = 0x03,
    GA_MY_COM_FIELD_LIST = 0x04, GA_MY_COM_STATISTICS = 0x09, GA_MY_COM_CONNECT = 0x0b,
    GA_MY_COM_PING = 0x0e,
    GA_MY_COM_CHANGE_USER = 0x11, GA_MY_COM_STMT_PREPARE = 0x16, GA_MY_COM_STMT_EXECUTE = 0x17,
    GA_MY_COM_STMT_SEND_LONG_DATA = 0x18, GA_MY_COM_STMT_CLOSE = 0x19, GA_MY_COM_STMT_RESET = 0x1a,
    GA_MY_COM_SET_OPTION = 0x1b, GA_MY_COM_STMT_FETCH = 0x1c, GA_MY_COM_RESET_CONNECTION = 0x1f,
    GA_MY_COM_STMT_BULK_EXECUTE = 0xfa,
};

/* Capability flags (client_flag; MariaDB's extended flags in the upper 32 bits). */
#define GA_MY_CLIENT_MYSQL            0x1u          /* CLIENT_LONG_PASSWORD; unset by MariaDB */
#define GA_MY_CLIENT_CONNECT_WITH_DB  0x8u
#define GA_MY_CLIENT_COMPRESS         0x20u
#define GA_MY_CLIENT_PROTOCOL_41      0x200u
#define GA_MY_CLIENT_SSL              0x800u
#define GA_MY_CLIENT_SECURE_CONN      0x8000u
#define GA_MY_CLIENT_PLUGIN_AUTH      (1u << 19)
#define GA_MY_CLIENT_AUTH_LENENC      (1u << 21)
#define GA_MY_CLIENT_SESSION_TRACK    (1u << 23)
#define GA_MY_CLIENT_DEPRECATE_EOF    (1u << 24)
#define GA_MY_CLIENT_OPTIONAL_META    (1u << 25)
#define GA_MY_CLIENT_ZSTD             (1u << 26)
#define GA_MY_CLIENT_QUERY_ATTRS      (1u << 27)
#define GA_MY_MARIADB_CACHE_META      (1ull << 36)

/* Server status flags. */
#define GA_MY_STATUS_MORE_RESULTS     0x0008u
#define GA_MY_STATUS_CURSOR_EXISTS    0x0040u
#define GA_MY_STATUS_STATE_CHANGED    0x4000u

/* Why the parser stopped. */
enum ga_my_stop {
    GA_MY_STOP_NONE = 0, GA_MY_STOP_TLS, GA_MY_STOP_COMPRESS, GA_MY_STOP_AUTH_FAILED,
    GA_MY_STOP_DESYNC, GA_MY_STOP_UNSUPPORTED,
};

/* Outcome of one command's response. */
enum ga_my_outcome { GA_MY_OK = 0, GA_MY_ERR, GA_MY_CLOSED };

typedef struct ga_my_greeting {
    const char *version;            /* not NUL-terminated; valid during the callback */
    size_t version_len;
    int mariadb;                    /* the server is MariaDB (version string or capabilities) */
    uint64_t caps;                  /* server capabilities (MariaDB extended ones above bit 31) */
} ga_my_greeting;

typedef struct ga_my_result {
    int outcome;                    /* enum ga_my_outcome */
    uint16_t error_code;            /* ERR: the error number */
    char sqlstate[6];               /* ERR: SQLSTATE, NUL-terminated ("" when absent) */
    uint32_t stmt_id;               /* COM_STMT_PREPARE answered OK: the statement id */
    uint64_t rows;                  /* rows received, over every result set */
    uint32_t result_sets;           /* result sets (with columns) received */
} ga_my_result;

/* The sink. `tag` is whatever cmd_begin returned for that command (-1 = not wanted). Every
 * pointer handed to a callback is valid only during that callback. */
typedef struct ga_my_sink {
    void (*greeting)(void *ctx, const ga_my_greeting *g);
    /* A piece of the initial database named in the handshake response (several calls
     * concatenate; never called when the login names none). */
    void (*login_db)(void *ctx, const uint8_t *p, size_t n);
    void (*stopped)(void *ctx, int why);
    /* The server refused the login (ERR instead of the greeting or as the verdict of the
     * authentication): r->outcome GA_MY_ERR, its error number and SQLSTATE. stopped() with
     * GA_MY_STOP_AUTH_FAILED follows. */
    void (*login_failed)(void *ctx, const ga_my_result *r);
    /* A command starts (client packet, sequence id 0). stmt_id: for the COM_STMT_* commands
     * that carry one, else 0. Returns a tag for the command's later events, or -1. */
    int (*cmd_begin)(void *ctx, uint8_t cmd, uint32_t stmt_id);
    /* The next piece of the command's text (COM_QUERY, COM_STMT_PREPARE, COM_INIT_DB). */
    void (*cmd_text)(void *ctx, int tag, const uint8_t *p, size_t n);
    /* The server reported a new default schema (session tracking, SESSION_TRACK_SCHEMA). */
    void (*schema)(void *ctx, const uint8_t *p, size_t n);
    /* The response to the command tagged `tag` is complete (for a result set: after its last
     * row; for multi-statements: after the last result). Called once per command that
     * expects a response, in command order; with GA_MY_CLOSED from ga_my_close(). */
    void (*resp_end)(void *ctx, int tag, const ga_my_result *r);
} ga_my_sink;

/* Internal sizes. */
#define GA_MY_SHEAD 160             /* bytes kept of each server packet */
#define GA_MY_CHEAD 64              /* bytes kept of each client packet */
#define GA_MY_QMAX 4                /* commands in flight (pipelining) */

/* One direction's framing. */
typedef struct ga_my_dir {
    uint32_t left;                  /* payload bytes still to come in this physical packet */
    uint32_t plen;                  /* payload length of the first physical packet */
    uint16_t head_len;              /* bytes of the logical packet kept in head[] */
    uint16_t text_from;             /* offset in the logical packet where streamed text starts */
    uint16_t head_cap;              /* head bytes wanted, fixed when the packet starts */
    uint16_t pad16;
    uint8_t hdr[4];
    uint8_t hdr_have;               /* header bytes seen; 4 = inside the payload */
    uint8_t seq;                    /* sequence id of the logical packet's first packet */
    uint8_t cont;                   /* this physical packet continues the logical packet */
    uint8_t more;                   /* this physical packet is 0xffffff long: another follows */
    uint8_t head_done;              /* the head was processed */
    uint8_t streaming;              /* what the payload bytes after the head are for */
    int8_t tag;                     /* streaming text: the command's tag */
    uint8_t pad;
} ga_my_dir;

/* A command waiting for (the rest of) its response. */
typedef struct ga_my_cmd {
    uint8_t cmd;
    int8_t tag;
    uint8_t state;                  /* response state (mysql_resp.c) */
    uint8_t pad;
    uint32_t count;                 /* column definitions still to skip */
    uint32_t cols;                  /* PREPARE: column definitions after the parameters */
} ga_my_cmd;

/* The handshake response is parsed as a stream (user, auth data, database). */
typedef struct ga_my_login {
    uint8_t step;
    uint8_t lenenc_have, lenenc_need;
    uint8_t pad;
    uint32_t skip;                  /* auth bytes left to skip */
    uint32_t caps;                  /* the client's flags: they decide the layout */
    uint8_t lenenc[9];
} ga_my_login;

typedef struct ga_my_parser {
    uint8_t phase;                  /* enum in mysql_int.h */
    uint8_t stop;                   /* enum ga_my_stop once stopped */
    uint8_t qn;                     /* commands in flight */
    uint8_t qhead;
    uint8_t general_only;           /* 1 = never the fast path (differential tests) */
    uint8_t pad[3];
    uint64_t server_caps;
    uint64_t caps;                  /* negotiated */
    ga_my_result res;               /* outcome of the response being read */
    ga_my_cmd q[GA_MY_QMAX];
    ga_my_login login;
    ga_my_dir d[2];                 /* [0] server → client, [1] client → server */
    uint8_t shead[GA_MY_SHEAD];
    uint8_t chead[GA_MY_CHEAD];
} ga_my_parser;

/* Feed bytes that went from the client to the server (from_client = 1) or back. */
void ga_my_feed(ga_my_parser *ps, int from_client, const uint8_t *p, size_t n,
                const ga_my_sink *sink, void *ctx);

/* The connection is gone: every command still in flight ends with GA_MY_CLOSED. */
void ga_my_close(ga_my_parser *ps, const ga_my_sink *sink, void *ctx);

/* Stop parsing without a callback (bytes were lost): GA_MY_STOP_DESYNC, nothing in flight. */
void ga_my_give_up(ga_my_parser *ps);

/* 1 when these first bytes read by a client look like a server greeting (HandshakeV10). */
int ga_my_looks_like_greeting(const uint8_t *p, size_t n);

#endif
