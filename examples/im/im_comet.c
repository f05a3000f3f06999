/* im_comet.c — im-comet, the IM connection node: devices register here (/connect), which
 * records in Redis "user U is online at this node" (the node's NATS delivery subject); on a
 * delivery request from im-logic (NATS, subject im.deliver.<node>, body: the user) it drains
 * the user's push queue (Redis LPOP) and POSTs each message to the device, putting a message
 * back (LPUSH) when the device cannot take it, and answers how it went.
 *
 * HTTP requests are served on the main thread; delivery requests arrive on libnats' callback
 * thread, which has a Redis connection of its own (a hiredis context is not thread-safe). Each
 * delivery request writes one JSON log line on stdout, at level error when a push failed
 * (im_jlog.h). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "im_args.h"
#include "im_http.h"
#include "im_jlog.h"
#include "im_nats.h"
#include "im_redis.h"
#include "im_util.h"

typedef struct im_comet {
    im_redis        redis;       /* the HTTP thread's */
    im_redis        dlv_redis;   /* the delivery thread's */
    natsConnection *nats;
    char            subject[sizeof IM_DELIVER_PREFIX + IM_NODE_MAX];
} im_comet;

/* The user parameter; NULL with a 400 in resp when missing or invalid. */
static const char *comet_user(const im_http_req *req, im_http_resp *resp)
{
    const char *user = im_params_get(&req->params, "user");
    im_http_what(resp, "user=%s", user ? user : "-");
    if (!user || !im_user_valid(user)) {
        im_http_json_error(resp, 400, "user is required: 1-64 characters of [A-Za-z0-9_.-]");
        return NULL;
    }
    return user;
}

static void comet_connect(void *ctx, const im_http_req *req, im_http_resp *resp)
{
    im_comet *c = ctx;
    const char *user = comet_user(req, resp);
    const char *device = im_params_get(&req->params, "device");
    im_url url;
    if (!user)
        return;
    if (!device || im_url_parse(device, &url) != 0) {
        im_http_json_error(resp, 400, "device is required: http://127.0.0.1:PORT/path");
        return;
    }
    if (im_redis_do(&c->redis, "SET im:online:%s %s", user, c->subject) != 0 ||
        im_redis_do(&c->redis, "HSET im:devices %s %s", user, device) != 0) {
        im_http_json_error(resp, 500, "presence update failed");
        return;
    }
    resp->status = 200;
    im_buf_puts(&resp->body, "{\"user\":");
    im_buf_json_str(&resp->body, user);
    im_buf_puts(&resp->body, ",\"online\":true}");
    im_http_note(resp, "device=%s", device);
}

static void comet_disconnect(void *ctx, const im_http_req *req, im_http_resp *resp)
{
    im_comet *c = ctx;
    const char *user = comet_user(req, resp);
    if (!user)
        return;
    if (im_redis_do(&c->redis, "DEL im:online:%s", user) != 0 ||
        im_redis_do(&c->redis, "HDEL im:devices %s", user) != 0) {
        im_http_json_error(resp, 500, "presence update failed");
        return;
    }
    resp->status = 200;
    im_buf_puts(&resp->body, "{\"user\":");
    im_buf_json_str(&resp->body, user);
    im_buf_puts(&resp->body, ",\"online\":false}");
}

/* POSTs one message to the device. 1 if it took it (2xx). */
static int comet_push(const im_url *dev, const char *msg, size_t len)
{
    im_http_result res;
    int rc = im_http_call(&dev->addr, "POST", dev->path[0] ? dev->path : "/", "application/json",
                          msg, len, &res);
    if (rc != IM_HTTP_OK) {
        im_log("device %s:%u%s: %s", dev->addr.host, dev->addr.port, dev->path,
               im_http_strerror(rc));
        return 0;
    }
    im_buf_free(&res.body);
    if (res.status < 200 || res.status > 299)
        im_log("device %s:%u%s answered %d", dev->addr.host, dev->addr.port, dev->path,
               res.status);
    return res.status >= 200 && res.status <= 299;
}

/* LPOP im:push:<user> until empty, pushing each message. The number pushed; *failed is 1 when
 * a push failed (that message is back at the head of the queue). */
static int comet_drain(im_redis *redis, const char *user, const im_url *dev, int *failed)
{
    int pushed = 0;
    *failed = 0;
    for (;;) {
        redisReply *r = im_redis_cmd(redis, "LPOP im:push:%s", user);
        if (!r || r->type != REDIS_REPLY_STRING) {
            if (r)
                freeReplyObject(r);
            return pushed;
        }
        int ok = comet_push(dev, r->str, r->len);
        if (!ok) {
            *failed = 1;
            if (im_redis_do(redis, "LPUSH im:push:%s %b", user, r->str, r->len) != 0)
                im_log("lost a message for %s: cannot put it back", user);
        }
        freeReplyObject(r);
        if (!ok)
            return pushed;
        pushed++;
    }
}

/* The device URL registered for user: 1, 0 when there is none (or a bad one). */
static int comet_device(im_redis *redis, const char *user, im_url *dev)
{
    redisReply *r = im_redis_cmd(redis, "HGET im:devices %s", user);
    int found = r && r->type == REDIS_REPLY_STRING && im_url_parse(r->str, dev) == 0;
    if (r)
        freeReplyObject(r);
    return found;
}

/* The JSON log line of a delivery request (still inside libnats' callback, so a library that
 * links log lines to the span being processed links it to this delivery). error: NULL when
 * every queued message reached the device. */
static void deliver_log(const char *user, int pushed, const char *error)
{
    im_buf line;
    im_jlog_begin(&line, error ? "error" : "info", error ? "push to device failed" : "messages pushed");
    im_jlog_str(&line, "to", user);
    im_jlog_int(&line, "pushed", pushed);
    if (error)
        im_jlog_str(&line, "error", error);
    im_jlog_end(&line);
}

/* A delivery request (libnats' callback thread): the body names the user; drain their queue to
 * the device and answer {"pushed":N} or {"pushed":N,"failed":1,"error":"..."}. */
static void comet_deliver(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *ctx)
{
    im_comet *c = ctx;
    char user[IM_NODE_MAX + 1], answer[128];
    int len = natsMsg_GetDataLength(msg), failed = 0, pushed = 0;
    const char *error = NULL;
    im_url dev;
    (void)sub;
    snprintf(user, sizeof user, "%.*s", len, natsMsg_GetData(msg));
    if (!im_user_valid(user))
        error = "bad user";
    else if (!comet_device(&c->dlv_redis, user, &dev))
        error = "no device";
    else if ((pushed = comet_drain(&c->dlv_redis, user, &dev, &failed)), failed)
        error = "device unreachable";
    if (error)
        snprintf(answer, sizeof answer, "{\"pushed\":%d,\"failed\":1,\"error\":\"%s\"}", pushed, error);
    else
        snprintf(answer, sizeof answer, "{\"pushed\":%d}", pushed);
    deliver_log(user, pushed, error);
    const char *reply = natsMsg_GetReply(msg);
    if (reply != NULL && natsConnection_PublishString(nc, reply, answer) != NATS_OK)
        im_log("could not answer the delivery request for %s", user);
    im_log("deliver user=%s pushed=%d%s", user, pushed, failed ? " failed=1" : "");
    natsMsg_Destroy(msg);
}

static const im_route comet_routes[] = {
    { "/connect", "POST", comet_connect },
    { "/disconnect", "POST", comet_disconnect },
    { "/healthz", "GET", im_http_healthz },
};

typedef struct comet_args {
    const char *listen, *redis, *nats, *node;
    im_addr     listen_addr, redis_addr, nats_addr;
} comet_args;

static int comet_parse_args(int argc, char **argv, comet_args *a)
{
    const im_opt opts[] = {
        { "listen", "127.0.0.1:PORT", "address to listen on", 1, &a->listen },
        { "redis", "127.0.0.1:PORT", "Redis server", 1, &a->redis },
        { "nats", "127.0.0.1:PORT", "NATS server (delivery requests from im-logic)", 1, &a->nats },
        { "node", "NAME", "this node's name: it takes deliveries on im.deliver.NAME (default comet-1)",
          0, &a->node },
    };
    int rc = im_args_parse(argc, argv, opts, sizeof opts / sizeof opts[0],
                           "The IM comet node: device presence, and pushes to devices.");
    if (rc != IM_ARGS_RUN)
        return rc;
    if (im_addr_parse(a->listen, &a->listen_addr, 0) != 0)
        return im_args_bad_value("listen", a->listen, "127.0.0.1:PORT");
    if (im_addr_parse(a->redis, &a->redis_addr, 0) != 0)
        return im_args_bad_value("redis", a->redis, "127.0.0.1:PORT");
    if (im_addr_parse(a->nats, &a->nats_addr, 0) != 0)
        return im_args_bad_value("nats", a->nats, "127.0.0.1:PORT");
    if (!im_node_valid(a->node))
        return im_args_bad_value("node", a->node, "1-64 characters of [A-Za-z0-9_-]");
    return IM_ARGS_RUN;
}

/* Redis twice, NATS, the delivery subscription. 0 or -1 (what was opened is closed). */
static int comet_open(im_comet *c, const comet_args *a, natsSubscription **sub)
{
    snprintf(c->subject, sizeof c->subject, "%s%s", IM_DELIVER_PREFIX, a->node);
    if (im_redis_open(&c->redis, &a->redis_addr) != 0)
        return -1;
    if (im_redis_open(&c->dlv_redis, &a->redis_addr) == 0 &&
        im_nats_open(&c->nats, &a->nats_addr, "im-comet") == 0) {
        natsStatus s = natsConnection_Subscribe(sub, c->nats, c->subject, comet_deliver, c);
        if (s == NATS_OK)
            s = natsConnection_FlushTimeout(c->nats, 5000);
        if (s == NATS_OK)
            return 0;
        im_log("subscribe %s: %s", c->subject, natsStatus_GetText(s));
    }
    im_nats_close(c->nats);
    im_redis_close(&c->dlv_redis);
    im_redis_close(&c->redis);
    return -1;
}

int main(int argc, char **argv)
{
    im_comet c = { 0 };
    comet_args a = { .node = "comet-1" };
    natsSubscription *sub = NULL;
    int lfd, rc;
    im_log_init("im-comet");
    rc = comet_parse_args(argc, argv, &a);
    if (rc != IM_ARGS_RUN)
        return rc == IM_ARGS_HELP ? 0 : 2;
    if (im_signals_install() != 0 || comet_open(&c, &a, &sub) != 0)
        return 1;
    if (im_http_listen(&a.listen_addr, &lfd) != 0) {
        rc = 1;
    } else {
        im_log("delivering on %s", c.subject);
        im_http_announce(lfd);
        rc = im_http_serve(lfd, comet_routes, sizeof comet_routes / sizeof comet_routes[0], &c);
        close(lfd);
    }
    natsSubscription_Unsubscribe(sub);
    natsSubscription_Destroy(sub);
    im_nats_close(c.nats);
    nats_Close();
    im_redis_close(&c.dlv_redis);
    im_redis_close(&c.redis);
    im_log("stopped");
    return rc == 0 ? 0 : 1;
}
