/* resp_cmd.c — command classes, subcommands, secrets, pub/sub kinds, error codes
 * (contracts in resp_cmd.h). Runs on the application thread: tables and byte loops only. */
#include "protocols/resp/resp_cmd.h"

static char ga__up(char c)
{
    return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

int ga_resp_ieq(const char *s, size_t len, const char *lit)
{
    size_t i = 0;
    for (; i < len; i++)
        if (lit[i] == '\0' || ga__up(s[i]) != lit[i])
            return 0;
    return lit[i] == '\0';
}

/* s[i..i+4) equals the upper-case 4-letter `lit`, ASCII case-insensitively. */
static int ga__at4(const char *s, const char *lit)
{
    return ga__up(s[0]) == lit[0] && ga__up(s[1]) == lit[1] && ga__up(s[2]) == lit[2] &&
           ga__up(s[3]) == lit[3];
}

/* s contains "pass" or "auth" (any case): one pass over the bytes. */
static int ga__has_pass_or_auth(const char *s, size_t len)
{
    for (size_t i = 0; i + 4 <= len; i++) {
        char c = (char)(s[i] & ~0x20);
        if ((c == 'P' && ga__at4(s + i, "PASS")) || (c == 'A' && ga__at4(s + i, "AUTH")))
            return 1;
    }
    return 0;
}

/* Sorted by length; ga__by_len[l] is the first entry of length l (entries run to the next).
 * Names inline (12 bytes at most, and the NUL): pointers would cost relocations at start. */
static const struct { char name[13]; uint8_t cls; } ga__classes[] = {
    {"ACL", GA_RC_ACL},                                                             /* 3 */
    {"EXEC", GA_RC_EXEC}, {"AUTH", GA_RC_AUTH},                                     /* 4 */
    {"MULTI", GA_RC_MULTI}, {"RESET", GA_RC_RESET}, {"HELLO", GA_RC_SECRETS},
    {"XINFO", GA_RC_CONTAINER},                                                     /* 5 */
    {"SELECT", GA_RC_SELECT}, {"CLIENT", GA_RC_CLIENT}, {"CONFIG", GA_RC_CONTAINER},
    {"OBJECT", GA_RC_CONTAINER}, {"MEMORY", GA_RC_CONTAINER}, {"MODULE", GA_RC_CONTAINER},
    {"SCRIPT", GA_RC_CONTAINER}, {"PUBSUB", GA_RC_CONTAINER}, {"XGROUP", GA_RC_CONTAINER}, /* 6 */
    {"DISCARD", GA_RC_DISCARD}, {"CLUSTER", GA_RC_CONTAINER}, {"COMMAND", GA_RC_CONTAINER},
    {"LATENCY", GA_RC_CONTAINER}, {"SLOWLOG", GA_RC_CONTAINER}, {"MIGRATE", GA_RC_SECRETS}, /* 7 */
    {"FUNCTION", GA_RC_CONTAINER}, {"SENTINEL", GA_RC_CONTAINER},                   /* 8 */
    {"SUBSCRIBE", GA_RC_SUB},                                                       /* 9 */
    {"PSUBSCRIBE", GA_RC_SUB}, {"SSUBSCRIBE", GA_RC_SUB},                           /* 10 */
    {"UNSUBSCRIBE", GA_RC_UNSUB},                                                   /* 11 */
    {"PUNSUBSCRIBE", GA_RC_UNSUB}, {"SUNSUBSCRIBE", GA_RC_UNSUB},                   /* 12 */
};
static const uint8_t ga__by_len[14] = { 0, 0, 0, 0, 1, 3, 7, 16, 22, 24, 25, 27, 28, 30 };
/* The first letters of the names above, per length (keep in step with the table). */
const uint32_t ga_resp_cls_letters[13] = {
    0x0, 0x0, 0x0, 0x1, 0x11, 0x821080, 0x84d004, 0x4180c, 0x40020, 0x40000, 0x48000,
    0x100000, 0x48000,
};

int ga_resp_cmd_class(const char *name, size_t len)
{
    if (!ga_resp_cmd_maybe_special(name, len))
        return GA_RC_NORMAL;
    char first = ga__up(name[0]);
    for (unsigned i = ga__by_len[len]; i < ga__by_len[len + 1]; i++)
        if (ga__classes[i].name[0] == first && ga_resp_ieq(name, len, ga__classes[i].name))
            return ga__classes[i].cls;
    return GA_RC_NORMAL;
}

int ga_resp_is_subcommand(const char *s, size_t len)
{
    if (len == 0 || len > 24)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = ga__up(s[i]);
        if (!((c >= 'A' && c <= 'Z') || (i > 0 && (c == '-' || c == '_'))))
            return 0;
    }
    return 1;
}

int ga_resp_secret_follows(const char *s, size_t len)
{
    if ((len == 4 || len == 5) && (ga_resp_ieq(s, len, "AUTH") || ga_resp_ieq(s, len, "AUTH2")))
        return 2;
    if (len >= 4 && len <= 64 && ga__has_pass_or_auth(s, len))
        return 1;
    return 0;
}

int ga_resp_pubsub_kind(const char *s, size_t len)
{
    if (len < 7 || len > 12)
        return GA_PS_NONE;
    if (ga_resp_ieq(s, len, "MESSAGE") || ga_resp_ieq(s, len, "PMESSAGE") ||
        ga_resp_ieq(s, len, "SMESSAGE"))
        return GA_PS_MESSAGE;
    if (ga_resp_ieq(s, len, "SUBSCRIBE") || ga_resp_ieq(s, len, "PSUBSCRIBE") ||
        ga_resp_ieq(s, len, "SSUBSCRIBE"))
        return GA_PS_SUBSCRIBED;
    if (ga_resp_ieq(s, len, "UNSUBSCRIBE") || ga_resp_ieq(s, len, "PUNSUBSCRIBE") ||
        ga_resp_ieq(s, len, "SUNSUBSCRIBE"))
        return GA_PS_UNSUBSCRIBED;
    return GA_PS_NONE;
}

size_t ga_resp_error_code(const char *msg, size_t len, char *out, size_t cap)
{
    size_t i = 0;
    while (i < len && i + 1 < cap && msg[i] != ' ' && msg[i] != '\r') {
        char c = msg[i];
        if (!((c >= 'A' && c <= 'Z') || (i > 0 && ((c >= '0' && c <= '9') || c == '_' || c == '-'))))
            break;
        out[i] = c;
        i++;
    }
    int whole = i > 0 && (i == len || msg[i] == ' ' || msg[i] == '\r');
    if (!whole) {
        out[0] = 'E'; out[1] = 'R'; out[2] = 'R';
        return 3;
    }
    return i;
}
