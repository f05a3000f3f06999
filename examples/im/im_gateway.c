/* im_gateway.c — im-gateway, the IM front door: takes POST /send and GET /history from clients
 * and forwards them to im-logic over HTTP, returning logic's answer unchanged (502 when logic
 * cannot be reached). Each request is handled start to end on the main thread; each message
 * forwarded writes one JSON log line on stdout (im_jlog.h). */
#include <unistd.h>

#include "im_args.h"
#include "im_http.h"
#include "im_jlog.h"
#include "im_util.h"

typedef struct im_gateway {
    im_url logic;
} im_gateway;

/* Forwards to logic and copies its answer into resp. */
static void gw_forward(const im_gateway *g, im_http_resp *resp, const char *method,
                       const im_buf *target, const im_buf *form)
{
    im_http_result res;
    if (target->oom || (form && form->oom)) {
        im_http_json_error(resp, 500, "out of memory");
        return;
    }
    int rc = im_http_call(&g->logic.addr, method, im_buf_str(target),
                          form ? "application/x-www-form-urlencoded" : NULL,
                          form ? im_buf_str(form) : NULL, form ? form->len : 0, &res);
    if (rc != IM_HTTP_OK) {
        im_http_json_error(resp, 502, "logic unavailable");
        im_http_note(resp, "(logic %s:%u: %s)", g->logic.addr.host, g->logic.addr.port,
                     im_http_strerror(rc));
    } else {
        resp->status = res.status;
        im_buf_append(&resp->body, im_buf_str(&res.body), res.body.len);
        im_http_note(resp, "(logic answered %d)", res.status);
    }
    im_buf_free(&res.body);
}

static void gw_send(void *ctx, const im_http_req *req, im_http_resp *resp)
{
    const char *from = im_params_get(&req->params, "from");
    const char *to = im_params_get(&req->params, "to");
    const char *text = im_params_get(&req->params, "text");
    im_http_what(resp, "from=%s to=%s", from ? from : "-", to ? to : "-");
    if (!from || !to || !text || !*from || !*to || !*text) {
        im_http_json_error(resp, 400, "from, to and text are required");
        return;
    }
    im_buf target, form;
    im_buf_init(&target);
    im_buf_init(&form);
    im_buf_printf(&target, "%s/send", ((const im_gateway *)ctx)->logic.path);
    im_buf_puts(&form, "from=");
    im_form_encode(&form, from);
    im_buf_puts(&form, "&to=");
    im_form_encode(&form, to);
    im_buf_puts(&form, "&text=");
    im_form_encode(&form, text);
    gw_forward(ctx, resp, "POST", &target, &form);
    im_buf_free(&target);
    im_buf_free(&form);
    /* one JSON line per message, written while the request is still being served */
    im_buf line;
    im_jlog_begin(&line, resp->status == 200 ? "info" : "error",
                  resp->status == 200 ? "message forwarded" : "message not forwarded");
    im_jlog_str(&line, "from", from);
    im_jlog_str(&line, "to", to);
    im_jlog_int(&line, "status", resp->status);
    im_jlog_end(&line);
}

static void gw_history(void *ctx, const im_http_req *req, im_http_resp *resp)
{
    const char *user = im_params_get(&req->params, "user");
    im_http_what(resp, "user=%s", user ? user : "-");
    if (!user || !*user) {
        im_http_json_error(resp, 400, "user is required");
        return;
    }
    im_buf target;
    im_buf_init(&target);
    im_buf_printf(&target, "%s/history?user=", ((const im_gateway *)ctx)->logic.path);
    im_form_encode(&target, user);
    gw_forward(ctx, resp, "GET", &target, NULL);
    im_buf_free(&target);
}

static const im_route gw_routes[] = {
    { "/send", "POST", gw_send },
    { "/history", "GET", gw_history },
    { "/healthz", "GET", im_http_healthz },
};

int main(int argc, char **argv)
{
    const char *listen = NULL, *logic = NULL;
    const im_opt opts[] = {
        { "listen", "127.0.0.1:PORT", "address to listen on", 1, &listen },
        { "logic", "http://127.0.0.1:PORT", "base URL of im-logic", 1, &logic },
    };
    im_gateway g;
    im_addr addr;
    int lfd;
    im_log_init("im-gateway");
    int rc = im_args_parse(argc, argv, opts, 2,
                           "The IM gateway: forwards POST /send and GET /history to im-logic.");
    if (rc != IM_ARGS_RUN)
        return rc == IM_ARGS_HELP ? 0 : 2;
    if (im_addr_parse(listen, &addr, 1) != 0)
        return im_args_bad_value("listen", listen, "127.0.0.1:PORT");
    if (im_url_parse(logic, &g.logic) != 0)
        return im_args_bad_value("logic", logic, "http://127.0.0.1:PORT");
    im_url_strip_slash(&g.logic);
    if (im_signals_install() != 0 || im_http_listen(&addr, &lfd) != 0)
        return 1;
    im_http_announce(lfd);
    rc = im_http_serve(lfd, gw_routes, sizeof gw_routes / sizeof gw_routes[0], &g);
    close(lfd);
    im_log("stopped");
    return rc == 0 ? 0 : 1;
}
