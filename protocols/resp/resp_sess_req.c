/* resp_sess_req.c — the request side of the RESP session: each command's name, class and
 * bounded argument text (secrets never copied), then the operation it joins or opens
 * (contract in resp_sess.h). */
#include <stddef.h>
#include "protocols/resp/resp_sess_int.h"
#include "protocols/resp/resp_cmd.h"

static int ga__container(int cls)
{
    return cls == GA_RC_CLIENT || cls == GA_RC_ACL || cls == GA_RC_CONTAINER;
}

static void ga__begin(void *ud)
{
    ga_resp_ctx *c = ud;
    ga_resp_cmd *m = &c->s->cmd;
    ga_resp_group *last = ga_resp__newest(c->s);
    if (last != NULL && (last->flags & GA_RESP_GF_RAW))
        ga_resp__unraw(c->s, last);           /* it may be joined; texts take the same room */
    memset(m, 0, offsetof(ga_resp_cmd, name));
    m->start_ns = ga_resp__now(c);
    m->select_db = -1;
    m->text_ok = ga_resp__arena_free(c->s) >= 3;
    m->text_len = m->text_ok ? 3 : 0;        /* the command header, written at the end */
}

static void ga__arg_begin(void *ud, uint32_t idx, uint64_t len)
{
    (void)len;
    ga_resp_ctx *c = ud;
    ga_resp_sess *s = c->s;
    ga_resp_cmd *m = &s->cmd;
    int secret = m->redact_rest || m->redact_next > 0;
    if (m->redact_next > 0)
        m->redact_next--;
    m->idx = idx;
    m->cur_len = m->arg_len = m->arg_trunc = 0;
    m->copying = 0;
    m->secret = (uint8_t)secret;
    int want = idx == 0 || (idx == 1 && ga__container(m->cls)) || c->env->args_mode != GA_RESP_ARGS_NONE;
    if (!m->text_ok || m->more || !want)
        return;
    if (ga_resp__arena_free(s) < 1 || m->text_len + 1u > GA_RESP_TEXT_MAX) {
        m->more = 1;
        return;
    }
    m->arg_pos = m->text_len++;
    m->ncopied++;
    m->copying = secret ? 2 : 1;
    if (secret)
        ga_resp__arena_set(s, m->arg_pos, GA_RESP_TXT_SECRET);
}

static void ga__arg_data(void *ud, const uint8_t *p, size_t n)
{
    ga_resp_ctx *c = ud;
    ga_resp_sess *s = c->s;
    ga_resp_cmd *m = &s->cmd;
    if (m->secret)
        return;                               /* a secret: not even looked at */
    if (m->cur_len <= GA_RESP_CUR_CAP && (m->idx <= 2 || ga_resp_cls_scans_secrets(m->cls))) {
        size_t k = n < GA_RESP_CUR_CAP - m->cur_len ? n : GA_RESP_CUR_CAP - m->cur_len;
        memcpy(m->cur + m->cur_len, p, k);
        m->cur_len = (uint8_t)(m->cur_len + k + (k < n));   /* CUR_CAP + 1 = longer */
    }
    if (m->copying != 1)
        return;
    size_t room = GA_RESP_ARG_CAP - m->arg_len;
    size_t free = ga_resp__arena_free(s);
    size_t tmax = GA_RESP_TEXT_MAX - m->text_len;
    if (room > free)
        room = free;
    if (room > tmax)
        room = tmax;
    size_t k = n < room ? n : room;
    ga_resp__arena_put(s, m->text_len, p, k);
    m->text_len = (uint16_t)(m->text_len + k);
    m->arg_len = (uint8_t)(m->arg_len + k);
    if (k < n)
        m->arg_trunc = 1;
}

/* What the first arguments say: the name, the class, SELECT's index, CLIENT REPLY's mode. */
static void ga__arg_meaning(ga_resp_cmd *m)
{
    size_t len = m->cur_len > GA_RESP_CUR_CAP ? GA_RESP_CUR_CAP : m->cur_len;
    if (m->idx == 0) {
        size_t k = len < GA_RESP_NAME_CAP - 1 ? len : GA_RESP_NAME_CAP - 1;
        memcpy(m->name, m->cur, k);
        m->name_len = (uint8_t)k;
        m->cls = (uint8_t)ga_resp_cmd_class(m->cur, len);
        if (m->cls == GA_RC_AUTH)
            m->redact_rest = 1;
        return;
    }
    if (m->idx == 1 && ga__container(m->cls) && ga_resp_is_subcommand(m->cur, len) &&
        m->name_len + 1u + len < GA_RESP_NAME_CAP) {
        m->name[m->name_len] = ' ';
        memcpy(m->name + m->name_len + 1, m->cur, len);
        m->name_len = (uint8_t)(m->name_len + 1 + len);
        if (m->cls == GA_RC_CLIENT && ga_resp_ieq(m->cur, len, "REPLY"))
            m->sub = 1;
        if (m->cls == GA_RC_ACL && ga_resp_ieq(m->cur, len, "SETUSER"))
            m->sub = 2;
    }
    if (m->idx == 1 && m->cls == GA_RC_SELECT && m->cur_len <= 5) {
        int v = 0;
        for (size_t i = 0; i < len && v >= 0; i++)
            v = (m->cur[i] >= '0' && m->cur[i] <= '9') ? v * 10 + (m->cur[i] - '0') : -1;
        m->select_db = len > 0 ? v : -1;
    }
    if (m->idx == 2 && m->sub == 1)
        m->reply_arg = ga_resp_ieq(m->cur, len, "ON") ? 1 : ga_resp_ieq(m->cur, len, "OFF") ? 2 :
                       ga_resp_ieq(m->cur, len, "SKIP") ? 3 : 0;
    if (m->idx == 2 && m->sub == 2)
        m->redact_rest = 1;                   /* ACL SETUSER <user> <rules...> */
}

static void ga__arg_end(void *ud)
{
    ga_resp_ctx *c = ud;
    ga_resp_cmd *m = &c->s->cmd;
    if (m->copying == 1)
        ga_resp__arena_set(c->s, m->arg_pos,
                           (uint8_t)(m->arg_len | (m->arg_trunc ? GA_RESP_TXT_TRUNC : 0)));
    if (m->secret)
        return;
    ga__arg_meaning(m);
    if (m->idx >= 1 && m->cur_len <= GA_RESP_CUR_CAP && ga_resp_cls_scans_secrets(m->cls)) {
        int k = ga_resp_secret_follows(m->cur, m->cur_len);
        if (k > m->redact_next)
            m->redact_next = (uint8_t)k;
    }
}

/* ------------------------------------------------------------------ command complete */

/* The command's text joins group g (or is dropped when the group's share is used up). */
static void ga__commit_text(ga_resp_sess *s, ga_resp_group *g)
{
    ga_resp_cmd *m = &s->cmd;
    if (!m->text_ok || m->more) {
        g->flags |= GA_RESP_GF_TRUNC;
        if (!m->text_ok)
            return;
    }
    if (g->text_len + m->text_len > GA_RESP_TEXT_MAX) {
        g->flags |= GA_RESP_GF_TRUNC;
        return;
    }
    g->text_len = (uint16_t)(g->text_len + m->text_len);
    s->a_used = (uint16_t)(s->a_used + m->text_len);
    m->text_len = 0;
}

/* The command joins g as one more of its operations. */
static void ga__join(ga_resp_sess *s, ga_resp_group *g)
{
    ga_resp_cmd *m = &s->cmd;
    if (g->ncmds == 0) {
        memcpy(g->name, m->name, m->name_len);
        g->name_len = m->name_len;
    } else if (g->name_len != m->name_len || memcmp(g->name, m->name, m->name_len) != 0) {
        g->flags |= GA_RESP_GF_DIFF;
    }
    g->ncmds++;
    g->left++;
    ga__commit_text(s, g);
}

/* Inside MULTI: every command is queued (its reply is +QUEUED or an error) until EXEC. */
static void ga__in_multi(ga_resp_sess *s, ga_resp_group *g)
{
    int cls = s->cmd.cls;
    if (cls == GA_RC_EXEC || cls == GA_RC_DISCARD || cls == GA_RC_MULTI) {
        g->left++;
        if (cls != GA_RC_MULTI)
            g->flags &= (uint8_t)~GA_RESP_GF_OPEN;
        return;
    }
    ga__join(s, g);
}

/* A group of its own with the hook's identity, when a hook announced this command. With no
 * group left the announcement stays pending (the hook ends it: the wire has no span for it);
 * with no hook slot left it is consumed and the command is followed as the wire sees it. */
static int ga__hooked(ga_resp_ctx *c)
{
    ga_resp_sess *s = c->s;
    if (c->env->claim == NULL || s->ng == GA_RESP_GROUPS)
        return 0;
    if (s->hooks_used == (1u << GA_RESP_HOOKS) - 1) {
        ga_resp_hook_info dummy;
        c->env->claim(c->env->ud, &dummy, NULL, NULL);
        return 0;
    }
    unsigned slot = 0;
    while (s->hooks_used & (1u << slot))
        slot++;
    if (!c->env->claim(c->env->ud, &s->hooks[slot], s->host_len ? NULL : s->host, &s->host_len))
        return 0;
    ga_resp_group *g = ga_resp__new_group(s);
    s->hooks_used |= (uint8_t)(1u << slot);
    g->hook = (uint8_t)(slot + 1);
    if (s->cmd.cls == GA_RC_SELECT)
        g->flags |= GA_RESP_GF_SELECT;
    g->start_ns = s->hooks[slot].start_ns ? s->hooks[slot].start_ns : s->cmd.start_ns;
    ga__join(s, g);
    return 1;
}

/* No room for another group: the newest one owes this reply too, without a span. */
static void ga__ghost(ga_resp_sess *s)
{
    ga_resp_group *g = ga_resp__newest(s);
    if (s->cmd.cls == GA_RC_SUB || s->cmd.cls == GA_RC_UNSUB) {
        s->flags |= GA_RESP_SF_DEAD;          /* their reply count cannot be followed */
        return;
    }
    g->flags &= (uint8_t)~GA_RESP_GF_OPEN;
    g->ghost++;
}

static void ga__assign(ga_resp_ctx *c, uint32_t nargs)
{
    ga_resp_sess *s = c->s;
    int cls = s->cmd.cls;
    ga_resp_group *last = ga_resp__newest(s);
    if (last != NULL && (last->flags & GA_RESP_GF_OPEN) && last->kind == GA_RESP_GK_MULTI) {
        ga__in_multi(s, last);
        return;
    }
    if (ga__hooked(c))
        return;
    if (last != NULL && (last->flags & GA_RESP_GF_OPEN) && cls != GA_RC_MULTI &&
        cls != GA_RC_SUB && cls != GA_RC_UNSUB) {
        ga__join(s, last);
        return;
    }
    ga_resp_group *g = ga_resp__new_group(s);
    if (g == NULL) {
        ga__ghost(s);
        return;
    }
    g->start_ns = s->cmd.start_ns;
    if (cls == GA_RC_MULTI) {
        g->kind = GA_RESP_GK_MULTI;
        g->flags = GA_RESP_GF_OPEN;
        g->left = 1;
    } else if (cls == GA_RC_SUB || cls == GA_RC_UNSUB) {
        g->kind = GA_RESP_GK_SUB;
        ga__join(s, g);
        g->left = nargs > 1 ? nargs - 1 : 1;  /* one confirmation per channel */
    } else {
        g->flags = GA_RESP_GF_OPEN;
        if (cls == GA_RC_SELECT)
            g->flags |= GA_RESP_GF_SELECT;
        ga__join(s, g);
    }
}

/* CLIENT REPLY OFF/SKIP: does this command get a reply? Updates the connection's mode. */
static int ga__expects_reply(ga_resp_sess *s)
{
    ga_resp_cmd *m = &s->cmd;
    if (m->sub == 1 && m->reply_arg != 0) {
        if (m->reply_arg == 1) {
            s->reply_mode = GA_RESP_RM_ON;
            return 1;
        }
        if (m->reply_arg == 2)
            s->reply_mode = GA_RESP_RM_OFF;
        else if (s->reply_mode == GA_RESP_RM_ON)
            s->reply_mode = GA_RESP_RM_SKIP;
        return 0;
    }
    if (s->reply_mode == GA_RESP_RM_SKIP) {
        s->reply_mode = GA_RESP_RM_ON;
        return 0;
    }
    return s->reply_mode == GA_RESP_RM_ON;
}

static void ga__end(void *ud, uint32_t nargs)
{
    ga_resp_ctx *c = ud;
    ga_resp_sess *s = c->s;
    ga_resp_cmd *m = &s->cmd;
    if (m->text_ok) {
        ga_resp__arena_set(s, 0, (uint8_t)(nargs > 255 ? 255 : nargs));
        ga_resp__arena_set(s, 1, m->ncopied);
        ga_resp__arena_set(s, 2, m->more ? GA_RESP_TXT_MORE : 0);
    }
    if (!ga__expects_reply(s)) {
        ga_resp__emit_now(c);
    } else {
        if (m->cls == GA_RC_SUB || m->cls == GA_RC_UNSUB)
            s->flags |= GA_RESP_SF_PUBSUB;
        ga__assign(c, nargs);
    }
    if (m->cls == GA_RC_SELECT && m->select_db >= 0 && m->select_db <= 0xFFFF)
        s->db = (uint16_t)m->select_db;
    if (m->cls == GA_RC_RESET) {
        s->db = 0;
        s->flags &= (uint8_t)~GA_RESP_SF_PUBSUB;
        s->reply_mode = GA_RESP_RM_ON;
    }
    m->text_len = 0;                          /* uncommitted text is dropped */
}

const ga_resp_req_cb ga_resp__req_cb = {
    .begin = ga__begin, .arg_begin = ga__arg_begin, .arg_data = ga__arg_data,
    .arg_end = ga__arg_end, .end = ga__end,
};
