/* resp_cmd.h — what the RESP session needs to know about Redis commands: the few whose
 * replies or effects are special (MULTI/EXEC, SELECT, pub/sub, CLIENT REPLY, RESET), the
 * container commands whose name includes a subcommand (`CLIENT SETNAME`), the arguments that
 * are secrets (AUTH, HELLO … AUTH, options named like pass or auth, ACL SETUSER rules) and the kinds of
 * pub/sub frames. Pure functions of their inputs; names compare ASCII case-insensitively. */
#ifndef GA_RESP_CMD_H
#define GA_RESP_CMD_H

#include <stddef.h>
#include <stdint.h>

enum ga_resp_cls {
    GA_RC_NORMAL = 0,
    GA_RC_MULTI, GA_RC_EXEC, GA_RC_DISCARD,
    GA_RC_SUB,          /* SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE: one confirmation per channel */
    GA_RC_UNSUB,        /* UNSUBSCRIBE, PUNSUBSCRIBE, SUNSUBSCRIBE */
    GA_RC_SELECT, GA_RC_RESET, GA_RC_AUTH, GA_RC_CLIENT, GA_RC_ACL,
    GA_RC_CONTAINER,    /* another command whose second word is a subcommand */
    GA_RC_SECRETS,      /* HELLO, MIGRATE: may carry AUTH <user> <password> */
};

/* Commands whose arguments are looked at for secrets (AUTH tokens, *pass* / *auth* options):
 * containers (CONFIG SET, SENTINEL SET, ACL ...) and GA_RC_SECRETS. Data commands are not. */
static inline int ga_resp_cls_scans_secrets(int cls)
{
    return cls == GA_RC_CONTAINER || cls == GA_RC_CLIENT || cls == GA_RC_ACL || cls == GA_RC_SECRETS;
}

/* The class of a command from its first argument. */
int ga_resp_cmd_class(const char *name, size_t len);

/* Bit (letter - 'A') of ga_resp_cls_letters[len]: some command of a class other than
 * GA_RC_NORMAL has this length and first letter (resp_cmd.c, next to the class table). */
extern const uint32_t ga_resp_cls_letters[13];

/* 0 when a command named s[0..len) is certainly GA_RC_NORMAL (by its length and first letter:
 * GET, SET, HGET ...), 1 when ga_resp_cmd_class must decide. */
static inline int ga_resp_cmd_maybe_special(const char *s, size_t len)
{
    if (len < 3 || len > 12)
        return 0;
    unsigned c = (unsigned)((uint8_t)s[0] | 0x20) - 'a';
    return c < 26 && ((ga_resp_cls_letters[len] >> c) & 1);
}

/* 1 when an argument is a subcommand word worth putting in the operation name. */
int ga_resp_is_subcommand(const char *s, size_t len);

/* ASCII case-insensitive equality of s[0..len) with the NUL-terminated upper-case `lit`. */
int ga_resp_ieq(const char *s, size_t len, const char *lit);

/* How many arguments after this one are secrets (0, 1 or 2), judged from its bytes (the
 * complete argument when len <= cap of the caller's buffer): `AUTH`/`AUTH2` tokens (HELLO,
 * MIGRATE) hide the next two; option names containing "pass" or "auth" hide the next one. */
int ga_resp_secret_follows(const char *s, size_t len);

/* Pub/sub frame kinds, from the first element of an array or push frame. */
enum ga_resp_ps { GA_PS_NONE = 0, GA_PS_MESSAGE, GA_PS_SUBSCRIBED, GA_PS_UNSUBSCRIBED };
int ga_resp_pubsub_kind(const char *s, size_t len);

/* The error code of an error message: its first word when it is an upper-case identifier
 * (`WRONGTYPE`, `ERR`, `NOAUTH`), else "ERR". Writes at most cap-1 bytes; returns the length. */
size_t ga_resp_error_code(const char *msg, size_t len, char *out, size_t cap);

#endif
