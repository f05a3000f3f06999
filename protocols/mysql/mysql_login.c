/* mysql_login.c — the MySQL connection phase (see mysql.h): the server greeting
 * (HandshakeV10: version, MariaDB or MySQL, capabilities), the client's SSLRequest (stop: TLS
 * follows) or HandshakeResponse41 (negotiated capabilities, then, streamed: user name and auth
 * data skipped unseen, the initial database reported), and the server's verdict (OK → the
 * command phase, or the compressed protocol; ERR → login_failed, then stop). */
#include <string.h>
#include "protocols/mysql/mysql_int.h"

/* Streaming steps through the variable part of the handshake response. */
enum { L_USER = 0, L_AUTH_LEN, L_AUTH_LENENC, L_AUTH_SKIP, L_AUTH_NUL, L_DB, L_DONE };

static int ga__has(const uint8_t *h, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(h + i, needle, k) == 0)
            return 1;
    return 0;
}

/* The server refused the connection or the login: report its ERR, then stop. */
static void ga__refused(ga_my_parser *ps, const uint8_t *h, size_t n, const ga_my_sink *sink,
                        void *ctx)
{
    memset(&ps->res, 0, sizeof ps->res);
    ga_my__err(ps, h, n);
    ps->res.outcome = GA_MY_ERR;
    if (sink->login_failed != NULL)
        sink->login_failed(ctx, &ps->res);
    ga_my__stop(ps, GA_MY_STOP_AUTH_FAILED, sink, ctx);
}

void ga_my__greeting(ga_my_parser *ps, const uint8_t *h, size_t n, const ga_my_sink *sink,
                     void *ctx)
{
    if (n >= 1 && h[0] == 0xff) {
        ga__refused(ps, h, n, sink, ctx);       /* too many connections, host not allowed */
        return;
    }
    if (n < 1 || h[0] != 0x0a) {
        ga_my__stop(ps, GA_MY_STOP_UNSUPPORTED, sink, ctx);
        return;
    }
    size_t vlen = 0;
    while (1 + vlen < n && h[1 + vlen] != 0)
        vlen++;
    size_t o = 1 + vlen + 1;                     /* after the version's NUL */
    uint64_t caps = 0;
    if (o + 15 <= n)
        caps = ga_my_le16(h + o + 13);
    if (o + 20 <= n)
        caps |= (uint64_t)ga_my_le16(h + o + 18) << 16;
    if (o + 31 <= n && !(caps & GA_MY_CLIENT_MYSQL))
        caps |= (uint64_t)ga_my_le32(h + o + 27) << 32;   /* MariaDB extended capabilities */
    ps->server_caps = caps;
    ga_my_greeting g = {
        .version = (const char *)h + 1, .version_len = vlen, .caps = caps,
        .mariadb = ga__has(h + 1, vlen, "MariaDB") || (o + 20 <= n && !(caps & GA_MY_CLIENT_MYSQL)),
    };
    if (sink->greeting != NULL)
        sink->greeting(ctx, &g);
    ps->phase = GA_MY_PH_LOGIN;
}

/* The fixed 32 bytes of SSLRequest / HandshakeResponse41. */
void ga_my__login_head(ga_my_parser *ps, const uint8_t *h, size_t n, const ga_my_sink *sink,
                       void *ctx)
{
    ga_my_dir *d = &ps->d[GA_MY_DIR_CLIENT];
    if (n < 32) {
        ga_my__stop(ps, GA_MY_STOP_UNSUPPORTED, sink, ctx);     /* pre-4.1 protocol */
        return;
    }
    uint32_t client = ga_my_le32(h);
    uint64_t caps = client;
    if (!(ps->server_caps & GA_MY_CLIENT_MYSQL))
        caps |= (uint64_t)ga_my_le32(h + 28) << 32;
    ps->caps = caps & ps->server_caps;
    if (!(client & GA_MY_CLIENT_PROTOCOL_41)) {
        ga_my__stop(ps, GA_MY_STOP_UNSUPPORTED, sink, ctx);
        return;
    }
    if (d->plen == 32 && (client & GA_MY_CLIENT_SSL)) {
        ga_my__stop(ps, GA_MY_STOP_TLS, sink, ctx);
        return;
    }
    memset(&ps->login, 0, sizeof ps->login);
    ps->login.step = L_USER;
    ps->login.caps = client;
    d->text_from = 32;
    d->streaming = GA_MY_ST_LOGIN;
}

/* Next step after the user name / the auth data. */
static void ga__after_user(ga_my_login *l)
{
    if (l->caps & GA_MY_CLIENT_AUTH_LENENC)
        l->step = L_AUTH_LENENC;
    else if (l->caps & GA_MY_CLIENT_SECURE_CONN)
        l->step = L_AUTH_LEN;
    else
        l->step = L_AUTH_NUL;
}

static void ga__after_auth(ga_my_login *l)
{
    l->step = (l->caps & GA_MY_CLIENT_CONNECT_WITH_DB) ? L_DB : L_DONE;
}

/* One length byte (or the pieces of a lenenc length) of the auth data. */
static void ga__auth_len_byte(ga_my_login *l, uint8_t b)
{
    if (l->step == L_AUTH_LEN || (l->lenenc_have == 0 && b < 0xfb)) {
        l->skip = b;
    } else {
        if (l->lenenc_have == 0) {
            l->lenenc_need = b == 0xfc ? 3 : b == 0xfd ? 4 : 9;
            l->lenenc[l->lenenc_have++] = b;
            return;
        }
        l->lenenc[l->lenenc_have++] = b;
        if (l->lenenc_have < l->lenenc_need)
            return;
        uint64_t v = 0;
        for (int i = l->lenenc_need - 1; i >= 1; i--)
            v = v << 8 | l->lenenc[i];
        l->skip = v > 0xffffffffu ? 0xffffffffu : (uint32_t)v;
    }
    l->step = L_AUTH_SKIP;
    if (l->skip == 0)
        ga__after_auth(l);
}

void ga_my__login_bytes(ga_my_parser *ps, const uint8_t *p, size_t n,
                        const ga_my_sink *sink, void *ctx)
{
    ga_my_login *l = &ps->login;
    size_t i = 0;
    while (i < n && l->step != L_DONE) {
        switch (l->step) {
        case L_USER:                      /* skipped unseen: the user is never reported */
        case L_AUTH_NUL:
            while (i < n && p[i] != 0)
                i++;
            if (i < n) {
                i++;
                if (l->step == L_USER)
                    ga__after_user(l);
                else
                    ga__after_auth(l);
            }
            break;
        case L_AUTH_LEN:
        case L_AUTH_LENENC:
            ga__auth_len_byte(l, p[i++]);
            break;
        case L_AUTH_SKIP: {
            size_t k = n - i < l->skip ? n - i : l->skip;
            i += k;
            l->skip -= (uint32_t)k;
            if (l->skip == 0)
                ga__after_auth(l);
            break;
        }
        case L_DB: {
            size_t s = i;
            while (i < n && p[i] != 0)
                i++;
            if (i > s && sink->login_db != NULL)
                sink->login_db(ctx, p + s, i - s);
            if (i < n)
                l->step = L_DONE;
            break;
        }
        default:
            l->step = L_DONE;
            break;
        }
    }
}

/* A server packet during authentication: OK ends it, ERR ends the connection, anything else
 * (auth switch 0xfe, more data 0x01) continues the exchange. */
void ga_my__auth_reply(ga_my_parser *ps, const uint8_t *h, size_t n, const ga_my_sink *sink,
                       void *ctx)
{
    if (n == 0)
        return;
    uint8_t b = h[0];
    if (b == 0xff) {
        ga__refused(ps, h, n, sink, ctx);
    } else if (b == 0x00 && ps->phase == GA_MY_PH_AUTH) {
        if (ps->caps & (GA_MY_CLIENT_COMPRESS | GA_MY_CLIENT_ZSTD))
            ga_my__stop(ps, GA_MY_STOP_COMPRESS, sink, ctx);
        else
            ps->phase = GA_MY_PH_CMD;
    }
}
