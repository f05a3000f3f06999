/* mysql_int.h — internals shared by the MySQL parser's files (mysql_frame.c: framing;
 * mysql_login.c: connection phase; mysql_resp.c: commands and responses). Not an API. */
#ifndef GA_PROTOCOLS_MYSQL_INT_H
#define GA_PROTOCOLS_MYSQL_INT_H

#include "protocols/mysql/mysql.h"

enum ga_my_phase { GA_MY_PH_GREETING = 0, GA_MY_PH_LOGIN, GA_MY_PH_AUTH, GA_MY_PH_CMD,
                   GA_MY_PH_STOPPED };

/* What the payload bytes after the head of a logical packet are used for. */
enum ga_my_stream { GA_MY_ST_NONE = 0, GA_MY_ST_TEXT, GA_MY_ST_LOGIN };

/* Response states of a command in flight. */
enum ga_my_rstate {
    GA_MY_R_FIRST = 1,      /* OK / ERR / LOCAL INFILE / column count */
    GA_MY_R_COLS,           /* column definitions (count left) */
    GA_MY_R_COLS_EOF,       /* the EOF after them (no CLIENT_DEPRECATE_EOF) */
    GA_MY_R_ROWS,           /* rows until EOF / OK(0xfe) / ERR */
    GA_MY_R_INFILE,         /* the client sends a file, ending with an empty packet */
    GA_MY_R_PREP,           /* COM_STMT_PREPARE_OK or ERR */
    GA_MY_R_PREP_PARAMS, GA_MY_R_PREP_PARAMS_EOF, GA_MY_R_PREP_COLS, GA_MY_R_PREP_COLS_EOF,
    GA_MY_R_ONE,            /* any single packet */
    GA_MY_R_FIELDS,         /* column definitions until EOF (COM_FIELD_LIST) */
    GA_MY_R_AUTH,           /* COM_CHANGE_USER: until OK / ERR */
};

#define GA_MY_DIR_SERVER 0
#define GA_MY_DIR_CLIENT 1

/* Stop parsing for good and say why (once). */
void ga_my__stop(ga_my_parser *ps, int why, const ga_my_sink *sink, void *ctx);

/* A logical packet's head is complete: its first n bytes are at h (in the caller's buffer
 * when the chunk held them all, else in ps->shead / ps->chead). */
void ga_my__login_head(ga_my_parser *ps, const uint8_t *h, size_t n, const ga_my_sink *sink,
                       void *ctx);
void ga_my__greeting(ga_my_parser *ps, const uint8_t *h, size_t n, const ga_my_sink *sink,
                     void *ctx);
void ga_my__auth_reply(ga_my_parser *ps, const uint8_t *h, size_t n, const ga_my_sink *sink,
                       void *ctx);
void ga_my__client_cmd(ga_my_parser *ps, const uint8_t *h, size_t n, const ga_my_sink *sink,
                       void *ctx);
void ga_my__server_resp(ga_my_parser *ps, const uint8_t *h, size_t n, const ga_my_sink *sink,
                        void *ctx);

/* Streamed handshake-response bytes after the fixed 32. */
void ga_my__login_bytes(ga_my_parser *ps, const uint8_t *p, size_t n,
                        const ga_my_sink *sink, void *ctx);

/* The oldest command in flight is done (mysql_resp.c): its resp_end with `outcome`. */
void ga_my__finish(ga_my_parser *ps, int outcome, const ga_my_sink *sink, void *ctx);

/* The fast path (mysql_fast.c), command phase, no packet in progress in that direction:
 * 1 when p[0..n) was taken whole — one COM_QUERY packet while nothing is in flight, or the
 * whole response to the only command in flight — with the same callbacks and state as the
 * general path; 0 when declined, nothing changed. */
int ga_my__fast_cmd(ga_my_parser *ps, const uint8_t *p, size_t n, const ga_my_sink *sink, void *ctx);
int ga_my__fast_resp(ga_my_parser *ps, const uint8_t *p, size_t n, const ga_my_sink *sink, void *ctx);

/* An ERR packet's error number and SQLSTATE into ps->res. Returns 0 for a MariaDB progress
 * report (code 0xffff), which is not the end of anything. */
int ga_my__err(ga_my_parser *ps, const uint8_t *h, size_t n);

/* Parse an OK packet's status flags and session-state changes (schema). Returns the status
 * flags, 0 when the packet is too short to tell. */
uint16_t ga_my__ok_packet(ga_my_parser *ps, const uint8_t *h, size_t n,
                          const ga_my_sink *sink, void *ctx);

static inline uint16_t ga_my_le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t ga_my_le24(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
}
static inline uint32_t ga_my_le32(const uint8_t *p) { return ga_my_le24(p) | (uint32_t)p[3] << 24; }

/* Length-encoded integer at h[*o] (bounded by n). Returns 0 and advances *o, or -1 when it
 * does not fit or is not a valid lenenc (0xfb NULL, 0xff). */
static inline int ga_my_lenenc(const uint8_t *h, size_t n, size_t *o, uint64_t *v)
{
    if (*o >= n)
        return -1;
    uint8_t b = h[*o];
    size_t need = b < 0xfb ? 0 : b == 0xfc ? 2 : b == 0xfd ? 3 : b == 0xfe ? 8 : 99;
    if (need == 99 || *o + 1 + need > n)
        return -1;
    uint64_t x = need ? 0 : b;
    for (size_t i = 0; i < need; i++)
        x |= (uint64_t)h[*o + 1 + i] << (8 * i);
    *o += 1 + need;
    *v = x;
    return 0;
}

/* Skip a length-encoded string; -1 when it does not fit. */
static inline int ga_my_skip_lenenc_str(const uint8_t *h, size_t n, size_t *o)
{
    uint64_t len;
    if (ga_my_lenenc(h, n, o, &len) < 0 || len > n - *o)
        return -1;
    *o += (size_t)len;
    return 0;
}

#endif
