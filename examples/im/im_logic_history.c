/* im_logic_history.c — im-logic's GET /history: the recipient's last messages from the Redis
 * cache (LRANGE), or on a miss from MySQL — a full scan of `messages`, slow on purpose (no index
 * on to_user, see schema.sql) — after which the cache is refilled (RPUSH + EXPIRE). */
#include <stdlib.h>

#include "im_logic.h"
#include "im_util.h"

/* The cached messages joined with ',' into items: the number of them (0: a miss). */
static size_t hist_from_cache(im_logic *L, const char *user, im_buf *items)
{
    redisReply *r = im_redis_cmd(&L->redis, "LRANGE im:history:%s 0 %d", user,
                                 IM_HISTORY_SHOW - 1);
    size_t n = 0;
    if (r && r->type == REDIS_REPLY_ARRAY) {
        for (size_t i = 0; i < r->elements; i++) {
            const redisReply *e = r->element[i];
            if (e->type != REDIS_REPLY_STRING)
                continue;
            if (n++)
                im_buf_append(items, ",", 1);
            im_buf_append(items, e->str, e->len);
        }
    }
    if (r)
        freeReplyObject(r);
    return n;
}

/* The user's last messages from MySQL, newest first, one JSON text each in msgs. -1 on error. */
static int hist_from_mysql(im_logic *L, const char *user, im_buf *msgs, size_t *n)
{
    im_buf sql;
    im_buf_init(&sql);
    im_buf_puts(&sql, "SELECT id,from_user,to_user,body FROM messages WHERE to_user=");
    int rc = im_mysql_quote(&L->db, &sql, user);
    im_buf_printf(&sql, " ORDER BY created_at DESC, id DESC LIMIT %d", IM_HISTORY_SHOW);
    MYSQL_RES *res = rc == 0 && !sql.oom ? im_mysql_select(&L->db, &sql) : NULL;
    im_buf_free(&sql);
    if (!res)
        return -1;
    MYSQL_ROW row;
    *n = 0;
    while (*n < IM_HISTORY_SHOW && (row = mysql_fetch_row(res)) != NULL) {
        if (!row[0] || !row[1] || !row[2] || !row[3])
            continue;
        im_logic_msg_json(&msgs[(*n)++], row[0], row[1], row[2], row[3]);
    }
    mysql_free_result(res);
    return 0;
}

/* Refills the cache with msgs (newest first, as LPUSH keeps it) for IM_HISTORY_TTL_S. */
static void hist_refill(im_logic *L, const char *user, const im_buf *msgs, size_t n)
{
    const char *argv[2 + IM_HISTORY_SHOW];
    size_t lens[2 + IM_HISTORY_SHOW];
    im_buf key;
    im_buf_init(&key);
    im_buf_printf(&key, "im:history:%s", user);
    argv[0] = "RPUSH";
    lens[0] = 5;
    argv[1] = im_buf_str(&key);
    lens[1] = key.len;
    for (size_t i = 0; i < n; i++) {
        argv[2 + i] = im_buf_str(&msgs[i]);
        lens[2 + i] = msgs[i].len;
    }
    redisReply *r = key.oom ? NULL : im_redis_argv(&L->redis, (int)(2 + n), argv, lens);
    if (!r || im_redis_do(&L->redis, "EXPIRE im:history:%s %d", user, IM_HISTORY_TTL_S) != 0)
        im_log("history cache of %s not refilled", user);
    if (r)
        freeReplyObject(r);
    im_buf_free(&key);
}

/* A miss: from MySQL into items, then the refill. The number of messages, or -1. */
static long hist_miss(im_logic *L, const char *user, im_buf *items)
{
    im_buf msgs[IM_HISTORY_SHOW];
    size_t n = 0;
    for (size_t i = 0; i < IM_HISTORY_SHOW; i++)
        im_buf_init(&msgs[i]);
    int rc = hist_from_mysql(L, user, msgs, &n);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (i)
            im_buf_append(items, ",", 1);
        im_buf_append(items, im_buf_str(&msgs[i]), msgs[i].len);
    }
    if (rc == 0 && n > 0)
        hist_refill(L, user, msgs, n);
    for (size_t i = 0; i < IM_HISTORY_SHOW; i++)
        im_buf_free(&msgs[i]);
    return rc == 0 ? (long)n : -1;
}

void im_logic_history(void *ctx, const im_http_req *req, im_http_resp *resp)
{
    im_logic *L = ctx;
    const char *user = im_params_get(&req->params, "user");
    im_http_what(resp, "user=%s", user ? user : "-");
    if (!user || !im_user_valid(user)) {
        im_http_json_error(resp, 400, "user is required: 1-64 characters of [A-Za-z0-9_.-]");
        return;
    }
    im_buf items;
    im_buf_init(&items);
    const char *source = "cache";
    long n = (long)hist_from_cache(L, user, &items);
    if (n == 0) {
        source = "mysql";
        n = hist_miss(L, user, &items);
    }
    if (n < 0) {
        im_http_json_error(resp, 500, "history failed");
    } else {
        resp->status = 200;
        im_buf_puts(&resp->body, "{\"user\":");
        im_buf_json_str(&resp->body, user);
        im_buf_printf(&resp->body, ",\"source\":\"%s\",\"messages\":[%s]}", source,
                      im_buf_str(&items));
        im_http_note(resp, "source=%s messages=%ld", source, n);
    }
    im_buf_free(&items);
}
