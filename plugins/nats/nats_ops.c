/* nats_ops.c — NATS records → spans and metric series (exporter thread; see exporter/ops.h).
 *
 * Span names (SPECS-2 §4): `publish <subject>` (PRODUCER) and `process <subject>` (CONSUMER);
 * a reply inbox (`_INBOX.…`, temporary and unique per requester) is named `(temporary)` and
 * marked messaging.destination.temporary. Attributes: messaging.system=nats,
 * messaging.operation.name / .type, messaging.destination.name, messaging.message.body.size,
 * messaging.consumer.group.name (queue groups), server.address / server.port,
 * network.transport, genesis.nats.source (wire | libnats) and, on publish,
 * genesis.nats.injected (our context rode in the message's headers). The core decodes
 * network.peer.*.
 *
 * Metrics: every publish adds to messaging.client.sent.messages and its duration goes to
 * messaging.client.operation.duration; every delivered message adds to
 * messaging.client.consumed.messages; messaging.process.duration takes the spans that cover
 * exactly the application's processing (libnats callbacks), not the wire's, whose end is only
 * the thread's next read. Series carry no temporary destination (unbounded names). */
#include <string.h>
#include "exporter/fmt.h"
#include "exporter/ops.h"
#include "plugins/nats/nats_rec.h"

#define GA__INBOX "_INBOX."

/* The raw facts of one record. */
typedef struct ga__nats {
    int64_t info, body, port;
    const char *subj, *queue, *host;
    size_t subj_len, queue_len, host_len;
    ga_addr peer;
} ga__nats;

static void ga__read(const ga_rec *r, ga__nats *x)
{
    memset(x, 0, sizeof *x);
    size_t off = 0, len;
    uint8_t key, type;
    const uint8_t *v;
    while (ga_rec_next(r, &off, &key, &type, &v, &len)) {
        int64_t iv = 0;
        if (type == GA_AT_INT && len == sizeof iv)
            memcpy(&iv, v, sizeof iv);
        switch (key) {
        case GA_A_PEER: if (len == sizeof x->peer) memcpy(&x->peer, v, len); break;
        case GA_A_NATS_INFO: x->info = iv; break;
        case GA_A_NATS_BODY: x->body = iv; break;
        case GA_A_NATS_PORT: x->port = iv; break;
        case GA_A_NATS_SUBJECT: x->subj = (const char *)v; x->subj_len = len; break;
        case GA_A_NATS_QUEUE: x->queue = (const char *)v; x->queue_len = len; break;
        case GA_A_NATS_HOST: x->host = (const char *)v; x->host_len = len; break;
        default: break;
        }
    }
}

static int ga__temporary(const ga__nats *x)
{
    return x->subj_len >= sizeof GA__INBOX - 1 && memcmp(x->subj, GA__INBOX, sizeof GA__INBOX - 1) == 0;
}

static int ga__is_publish(const ga_rec *r)
{
    return r->h.op == GA_OP_NATS_PUBLISH;
}

static size_t ga__name(const ga_rec *r, char *buf, size_t cap)
{
    ga__nats x;
    ga__read(r, &x);
    ga_sb b = ga_sb_init(buf, cap);
    ga_sb_puts(&b, ga__is_publish(r) ? "publish " : "process ");
    if (ga__temporary(&x) || x.subj_len == 0)
        ga_sb_puts(&b, "(temporary)");
    else
        ga_sb_put(&b, x.subj, x.subj_len);
    return b.len;
}

/* messaging.system, messaging.operation.name, and the destination when it is not temporary. */
static void ga__base(const ga_rec *r, const ga__nats *x, ga_aw *w)
{
    int pub = ga__is_publish(r);
    ga_aw_str(w, GA_K("messaging.system"), "nats", 4);
    ga_aw_str(w, GA_K("messaging.operation.name"), pub ? "publish" : "process", 7);
    if (!ga__temporary(x) && x->subj_len > 0)
        ga_aw_str(w, GA_K("messaging.destination.name"), x->subj, x->subj_len);
    if (!pub && x->queue_len > 0)
        ga_aw_str(w, GA_K("messaging.consumer.group.name"), x->queue, x->queue_len);
}

static void ga__server(const ga__nats *x, ga_aw *w)
{
    int ip = x->peer.family == AF_INET || x->peer.family == AF_INET6;
    if (x->host_len > 0) {
        ga_aw_str(w, GA_K("server.address"), x->host, x->host_len);
    } else if (ip) {
        size_t l;
        const char *a = ga_attr_peer(w->sc, &x->peer, &l);
        ga_aw_str(w, GA_K("server.address"), a, l);
    }
    int port = x->port ? (int)x->port : ip ? x->peer.port : 0;
    if (port > 0)
        ga_aw_int(w, GA_K("server.port"), port);
}

static void ga__op_type(const ga_rec *r, ga_aw *w)
{
    ga_aw_str(w, GA_K("messaging.operation.type"), ga__is_publish(r) ? "send" : "process",
              ga__is_publish(r) ? 4 : 7);
}

/* Everything is decoded once, at the INFO key (always present). */
static void ga__attr(const ga_rec *r, uint8_t key, uint8_t type, const uint8_t *v, size_t len,
                     ga_aw *w)
{
    (void)type, (void)v, (void)len;
    if (key != GA_A_NATS_INFO)
        return;
    ga__nats x;
    ga__read(r, &x);
    ga__base(r, &x, w);
    ga__op_type(r, w);
    if (ga__temporary(&x)) {
        ga_aw_str(w, GA_K("messaging.destination.name"), x.subj, x.subj_len);
        ga_aw_bool(w, GA_K("messaging.destination.temporary"), 1);
    }
    ga_aw_int(w, GA_K("messaging.message.body.size"), x.body);
    ga__server(&x, w);
    if (x.peer.family == AF_INET || x.peer.family == AF_INET6 || x.host_len > 0)
        ga_aw_str(w, GA_K("network.transport"), "tcp", 3);
    int lib = (x.info & GA_NATS_I_LIBNATS) != 0;
    ga_aw_str(w, GA_K("genesis.nats.source"), lib ? "libnats" : "wire", lib ? 7 : 4);
    if (ga__is_publish(r))
        ga_aw_bool(w, GA_K("genesis.nats.injected"), (x.info & GA_NATS_I_INJECTED) != 0);
}

/* messaging.client.operation.duration and messaging.process.duration series. */
static int ga__duration_attrs(const ga_rec *r, ga_attr *out, int max, ga_attr_scratch *sc)
{
    ga__nats x;
    ga__read(r, &x);
    ga_attr_scratch_reset(sc);
    ga_aw w = ga_aw_array(out, max, sc);
    ga__base(r, &x, &w);
    if (ga__is_publish(r))
        ga__op_type(r, &w);
    ga__server(&x, &w);
    return w.n;
}

/* messaging.client.sent.messages and .consumed.messages series (no operation type). */
static int ga__count_attrs(const ga_rec *r, ga_attr *out, int max, ga_attr_scratch *sc)
{
    ga__nats x;
    ga__read(r, &x);
    ga_attr_scratch_reset(sc);
    ga_aw w = ga_aw_array(out, max, sc);
    ga__base(r, &x, &w);
    ga__server(&x, &w);
    return w.n;
}

/* The descriptors of the plug-in's ops into o[0 .. nops), when the exporter reads its first
 * record (ops.h: a function, not a table of pointers the loader would relocate). */
static void ga__ops(ga_op_desc *o)
{
    o[GA_OP_NATS_PUBLISH - 1] = (ga_op_desc){ .name = ga__name, .attr = ga__attr,
                                              .metric = &ga_inst_msg_client_duration,
                                              .metric_attrs = ga__duration_attrs,
                                              .count = &ga_inst_msg_sent,
                                              .count_attrs = ga__count_attrs };
    o[GA_OP_NATS_PROCESS - 1] = (ga_op_desc){ .name = ga__name, .attr = ga__attr,
                                              .metric = &ga_inst_msg_process_duration,
                                              .metric_attrs = ga__duration_attrs,
                                              .count = &ga_inst_msg_consumed,
                                              .count_attrs = ga__count_attrs };
    o[GA_OP_NATS_DELIVER - 1] = (ga_op_desc){ .name = ga__name, .attr = ga__attr,
                                              .count = &ga_inst_msg_consumed,
                                              .count_attrs = ga__count_attrs };
}

const struct ga_plugin_exp ga_nats_exp = { .fill = ga__ops, .nops = GA_OP_NATS_COUNT - 1 };
