/* im_logic_send.c — im-logic's POST /send: store the message (MySQL), push it on the recipient's
 * recent-history cache (Redis), find the comet node holding the recipient (Redis), queue the
 * message for it and ask it to push (a NATS request to the node's delivery subject, answered
 * once the node has pushed); keep an offline copy when that fails (MySQL). Each message stored
 * writes one JSON log line on stdout, a failed delivery one more at level error (im_jlog.h). */
#include <stdio.h>
#include <string.h>

#include "im_jlog.h"
#include "im_logic.h"
#include "im_util.h"

/* from, to and text; 0, or -1 with a 400 in resp. */
static int send_args(const im_http_req *req, im_http_resp *resp, const char **from,
                     const char **to, const char **text)
{
    *from = im_params_get(&req->params, "from");
    *to = im_params_get(&req->params, "to");
    *text = im_params_get(&req->params, "text");
    im_http_what(resp, "from=%s to=%s", *from ? *from : "-", *to ? *to : "-");
    if (!*from || !*to || !*text || !**text) {
        im_http_json_error(resp, 400, "from, to and text are required");
        return -1;
    }
    if (!im_user_valid(*from) || !im_user_valid(*to)) {
        im_http_json_error(resp, 400, "user names are 1-64 characters of [A-Za-z0-9_.-]");
        return -1;
    }
    return 0;
}

/* a) INSERT INTO messages; *id. 0 or -1. */
static int send_store(im_logic *L, const char *from, const char *to, const char *text,
                      unsigned long long *id)
{
    im_buf sql;
    im_buf_init(&sql);
    im_buf_puts(&sql, "INSERT INTO messages (from_user,to_user,body) VALUES (");
    int rc = im_mysql_quote(&L->db, &sql, from);
    im_buf_puts(&sql, ",");
    rc |= im_mysql_quote(&L->db, &sql, to);
    im_buf_puts(&sql, ",");
    rc |= im_mysql_quote(&L->db, &sql, text);
    im_buf_puts(&sql, ")");
    if (rc == 0 && !sql.oom)
        rc = im_mysql_exec(&L->db, &sql);
    *id = rc == 0 ? im_mysql_insert_id(&L->db) : 0;
    im_buf_free(&sql);
    return rc == 0 && *id ? 0 : -1;
}

/* b) the recipient's recent-history cache: LPUSH, then LTRIM to the last 50. */
static void send_cache(im_logic *L, const char *to, const im_buf *msg)
{
    if (im_redis_do(&L->redis, "LPUSH im:history:%s %b", to, msg->data, msg->len) != 0 ||
        im_redis_do(&L->redis, "LTRIM im:history:%s 0 %d", to, IM_HISTORY_KEEP - 1) != 0)
        im_log("history cache of %s not updated", to);
}

/* c) GET im:online:<to>: 1 with the delivery subject of the comet node holding the recipient
 * (im.deliver.<node>), 0 when offline (or unknown). */
static int send_lookup(im_logic *L, const char *to, char *subject, size_t cap)
{
    redisReply *r = im_redis_cmd(&L->redis, "GET im:online:%s", to);
    int online = 0;
    if (r && r->type == REDIS_REPLY_STRING) {
        size_t pre = strlen(IM_DELIVER_PREFIX);
        online = r->len > pre && r->len < cap && strncmp(r->str, IM_DELIVER_PREFIX, pre) == 0 &&
                 im_node_valid(r->str + pre);
        if (online)
            memcpy(subject, r->str, r->len + 1);
        else
            im_log("im:online:%s holds a bad delivery subject: %s", to, r->str);
    }
    if (r)
        freeReplyObject(r);
    return online;
}

/* d) RPUSH im:push:<to>, then a NATS request to the node: "<to>", answered {"pushed":N} or
 * {"pushed":N,"failed":1,...}. 1 if delivered. */
static int send_deliver(im_logic *L, const char *to, const char *subject, const im_buf *msg,
                        char *why, size_t whylen)
{
    natsMsg *reply = NULL;
    if (im_redis_do(&L->redis, "RPUSH im:push:%s %b", to, msg->data, msg->len) != 0) {
        snprintf(why, whylen, "push queue failed");
        return 0;
    }
    natsStatus s = natsConnection_RequestString(&reply, L->nats, subject, to, 5000);
    if (s != NATS_OK) {
        snprintf(why, whylen, "%s: %s", subject, natsStatus_GetText(s));
        return 0;
    }
    const char *data = natsMsg_GetData(reply);
    int len = natsMsg_GetDataLength(reply);
    int failed = len <= 0 || memmem(data, (size_t)len, "\"failed\"", 8) != NULL;
    snprintf(why, whylen, "comet answered %.*s", len > 100 ? 100 : len, data);
    natsMsg_Destroy(reply);
    return !failed;
}

/* The JSON log lines of one message: "message stored", and "delivery failed" when the
 * recipient was online but the message did not reach them. */
static void send_log(unsigned long long id, const char *from, const char *to, int online,
                     int delivered, const char *why)
{
    im_buf line;
    im_jlog_begin(&line, "info", "message stored");
    im_jlog_int(&line, "id", (long long)id);
    im_jlog_str(&line, "from", from);
    im_jlog_str(&line, "to", to);
    im_jlog_str(&line, "recipient", online ? "online" : "offline");
    im_jlog_end(&line);
    if (!online || delivered)
        return;
    im_jlog_begin(&line, "error", "delivery failed, offline copy kept");
    im_jlog_int(&line, "id", (long long)id);
    im_jlog_str(&line, "to", to);
    im_jlog_str(&line, "error", why);
    im_jlog_end(&line);
}

/* e) INSERT INTO offline_messages. 0 or -1. */
static int send_offline(im_logic *L, unsigned long long id, const char *to)
{
    im_buf sql;
    im_buf_init(&sql);
    im_buf_printf(&sql, "INSERT INTO offline_messages (msg_id,to_user) VALUES (%llu,", id);
    int rc = im_mysql_quote(&L->db, &sql, to);
    im_buf_puts(&sql, ")");
    if (rc == 0 && sql.oom)
        rc = -1;
    if (rc == 0)
        rc = im_mysql_exec(&L->db, &sql);
    im_buf_free(&sql);
    return rc;
}

void im_logic_send(void *ctx, const im_http_req *req, im_http_resp *resp)
{
    im_logic *L = ctx;
    const char *from, *to, *text;
    unsigned long long id;
    char idstr[24], why[160] = "offline", subject[128];
    if (send_args(req, resp, &from, &to, &text) != 0)
        return;
    if (send_store(L, from, to, text, &id) != 0) {
        im_http_json_error(resp, 500, "store failed");
        return;
    }
    im_buf msg;
    im_buf_init(&msg);
    snprintf(idstr, sizeof idstr, "%llu", id);
    im_logic_msg_json(&msg, idstr, from, to, text);
    if (msg.oom) {
        im_buf_free(&msg);
        im_http_json_error(resp, 500, "out of memory");
        return;
    }
    send_cache(L, to, &msg);
    int online = send_lookup(L, to, subject, sizeof subject);
    int delivered = online && send_deliver(L, to, subject, &msg, why, sizeof why);
    im_buf_free(&msg);
    send_log(id, from, to, online, delivered, why);
    if (!delivered && send_offline(L, id, to) != 0) {
        im_http_json_error(resp, 500, "store failed");
        im_http_note(resp, "id=%llu (offline copy not stored)", id);
        return;
    }
    resp->status = 200;
    im_buf_printf(&resp->body, "{\"id\":%llu,\"delivered\":%s,\"online\":%s}", id,
                  delivered ? "true" : "false", online ? "true" : "false");
    im_http_note(resp, "id=%llu delivered=%d online=%d%s%s", id, delivered, online,
                 delivered ? "" : " ", delivered ? "" : why);
}
