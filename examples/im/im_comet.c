/* im_comet.c — im-comet, the IM connection node: devices register here (/connect), which
 * publishes "user U is online at this node" in Redis; on /notify from im-logic it drains the
 * user's push queue (Redis LPOP) and POSTs each message to the device, putting a message back
 * (LPUSH) when the device cannot take it. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "im_args.h"
#include "im_http.h"
#include "im_redis.h"
#include "im_util.h"

typedef struct im_comet {
    im_redis    redis;
    const char *advertise;   /* the URL im-logic reaches this node at */
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
    if (im_redis_do(&c->redis, "SET im:online:%s %s", user, c->advertise) != 0 ||
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
static int comet_drain(im_comet *c, const char *user, const im_url *dev, int *failed)
{
    int pushed = 0;
    *failed = 0;
    for (;;) {
        redisReply *r = im_redis_cmd(&c->redis, "LPOP im:push:%s", user);
        if (!r || r->type != REDIS_REPLY_STRING) {
            if (r)
                freeReplyObject(r);
            return pushed;
        }
        int ok = comet_push(dev, r->str, r->len);
        if (!ok) {
            *failed = 1;
            if (im_redis_do(&c->redis, "LPUSH im:push:%s %b", user, r->str, r->len) != 0)
                im_log("lost a message for %s: cannot put it back", user);
        }
        freeReplyObject(r);
        if (!ok)
            return pushed;
        pushed++;
    }
}

/* The device URL registered for user: 1, 0 when there is none (or a bad one). */
static int comet_device(im_comet *c, const char *user, im_url *dev)
{
    redisReply *r = im_redis_cmd(&c->redis, "HGET im:devices %s", user);
    int found = r && r->type == REDIS_REPLY_STRING && im_url_parse(r->str, dev) == 0;
    if (r)
        freeReplyObject(r);
    return found;
}

static void comet_notify(void *ctx, const im_http_req *req, im_http_resp *resp)
{
    im_comet *c = ctx;
    const char *user = comet_user(req, resp);
    im_url dev;
    int failed;
    if (!user)
        return;
    if (!comet_device(c, user, &dev)) {
        im_http_json_error(resp, 404, "no device");
        return;
    }
    int pushed = comet_drain(c, user, &dev, &failed);
    resp->status = failed ? 502 : 200;
    if (failed)
        im_buf_printf(&resp->body, "{\"pushed\":%d,\"failed\":1,\"error\":\"device unreachable\"}",
                      pushed);
    else
        im_buf_printf(&resp->body, "{\"pushed\":%d}", pushed);
    im_http_note(resp, "pushed=%d%s", pushed, failed ? " failed=1" : "");
}

static const im_route comet_routes[] = {
    { "/connect", "POST", comet_connect },
    { "/disconnect", "POST", comet_disconnect },
    { "/notify", "POST", comet_notify },
    { "/healthz", "GET", im_http_healthz },
};

static int comet_parse_args(int argc, char **argv, im_addr *listen_addr, im_addr *redis_addr,
                            const char **advertise, char *fallback, size_t fallback_len)
{
    const char *listen = NULL, *redis = NULL;
    const im_opt opts[] = {
        { "listen", "127.0.0.1:PORT", "address to listen on", 1, &listen },
        { "redis", "127.0.0.1:PORT", "Redis server", 1, &redis },
        { "advertise", "http://127.0.0.1:PORT",
          "URL im-logic reaches this node at (default: http:// + the listen address)", 0, advertise },
    };
    im_url url;
    int rc = im_args_parse(argc, argv, opts, sizeof opts / sizeof opts[0],
                           "The IM comet node: device presence, and pushes to devices.");
    if (rc != IM_ARGS_RUN)
        return rc;
    if (im_addr_parse(listen, listen_addr, 0) != 0)
        return im_args_bad_value("listen", listen, "127.0.0.1:PORT");
    if (im_addr_parse(redis, redis_addr, 0) != 0)
        return im_args_bad_value("redis", redis, "127.0.0.1:PORT");
    if (*advertise && im_url_parse(*advertise, &url) != 0)
        return im_args_bad_value("advertise", *advertise, "http://127.0.0.1:PORT");
    if (!*advertise) {
        snprintf(fallback, fallback_len, "http://%s", listen);
        *advertise = fallback;
    }
    return IM_ARGS_RUN;
}

int main(int argc, char **argv)
{
    im_comet c = { 0 };
    im_addr listen_addr, redis_addr;
    char fallback[64];
    int lfd, rc;
    im_log_init("im-comet");
    rc = comet_parse_args(argc, argv, &listen_addr, &redis_addr, &c.advertise, fallback,
                          sizeof fallback);
    if (rc != IM_ARGS_RUN)
        return rc == IM_ARGS_HELP ? 0 : 2;
    if (im_signals_install() != 0 || im_redis_open(&c.redis, &redis_addr) != 0)
        return 1;
    if (im_http_listen(&listen_addr, &lfd) != 0) {
        im_redis_close(&c.redis);
        return 1;
    }
    im_http_announce(lfd);
    rc = im_http_serve(lfd, comet_routes, sizeof comet_routes / sizeof comet_routes[0], &c);
    close(lfd);
    im_redis_close(&c.redis);
    im_log("stopped");
    return rc == 0 ? 0 : 1;
}
