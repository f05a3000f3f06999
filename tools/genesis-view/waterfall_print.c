/* genesis-view: prints one buffered trace as an indented waterfall:
 *
 *   trace 4bf92f3577b34da6a3ce929d0e0e4736  3 spans  12.345 ms  1 error
 *   [====================] GET /users [shop] SERVER 12.345 ms  http.request.method=GET
 *   [ ==                 ]   SELECT [shop] CLIENT 1.100 ms ERROR: timeout  db.system.name=mysql
 *
 * Children are indented two spaces under their parent and ordered by start time; spans whose
 * parent did not arrive are printed as roots with a note. The trace's log lines follow
 * (waterfall_logs.c). */
#include "tools/genesis-view/waterfall_store.h"

#include <stdlib.h>
#include <string.h>

#include "tools/genesis-view/text.h"

#define BAR_W 20
#define MAX_INDENT 32

struct id_ix {
    uint8_t id[8];
    long i;
};

static int cmp_start(const void *a, const void *b)
{
    const struct wf_span *x = a, *y = b;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    return memcmp(x->span_id, y->span_id, 8);
}

static int cmp_id(const void *a, const void *b)
{
    return memcmp(((const struct id_ix *)a)->id, ((const struct id_ix *)b)->id, 8);
}

static long *link_parents(const struct wf_trace *t)
{
    long n = (long)t->n, *parent = malloc((size_t)(n ? n : 1) * sizeof *parent);
    struct id_ix *ix = malloc((size_t)(n ? n : 1) * sizeof *ix);
    if (!parent || !ix) abort();
    for (long i = 0; i < n; i++) {
        memcpy(ix[i].id, t->spans[i].span_id, 8);
        ix[i].i = i;
    }
    qsort(ix, (size_t)n, sizeof *ix, cmp_id);
    for (long i = 0; i < n; i++) {
        struct id_ix key, *hit;
        memcpy(key.id, t->spans[i].parent_id, 8);
        hit = t->spans[i].has_parent ? bsearch(&key, ix, (size_t)n, sizeof *ix, cmp_id) : NULL;
        parent[i] = hit ? hit->i : -1;
    }
    free(ix);
    return parent;
}

/* Make the parent graph a forest: cut one edge of every cycle (garbage input). */
static void cut_cycles(long *parent, long n)
{
    long *mark = malloc((size_t)(n ? n : 1) * sizeof *mark);
    if (!mark) abort();
    for (long i = 0; i < n; i++) mark[i] = -1;
    for (long i = 0; i < n; i++) {
        long j = i;
        while (j >= 0 && mark[j] == -1) {
            mark[j] = i;
            j = parent[j];
        }
        if (j >= 0 && mark[j] == i)
            parent[j] = -1;
    }
    free(mark);
}

static void bar(struct gv_buf *b, const struct wf_span *s, uint64_t t0, uint64_t total)
{
    uint64_t rs = s->start - t0, re = s->end > s->start ? s->end - t0 : rs;
    int from = total ? (int)((double)rs * BAR_W / (double)total) : 0;
    int to = total ? (int)((double)re * BAR_W / (double)total + 0.999) : BAR_W;
    if (from >= BAR_W) from = BAR_W - 1;
    if (to > BAR_W) to = BAR_W;
    if (to <= from) to = from + 1;
    gv_buf_addc(b, '[');
    for (int i = 0; i < BAR_W; i++) gv_buf_addc(b, i >= from && i < to ? '=' : ' ');
    gv_buf_adds(b, "] ");
}

static const char *kind_name(int k)
{
    static const char *const names[] = {"UNSPECIFIED", "INTERNAL", "SERVER", "CLIENT", "PRODUCER",
                                        "CONSUMER"};
    return k >= 0 && k <= 5 ? names[k] : "KIND?";
}

static void span_line(struct gv_buf *b, const struct wf_span *s, int depth, int orphan,
                      uint64_t t0, uint64_t total)
{
    bar(b, s, t0, total);
    for (int i = 0; i < (depth < MAX_INDENT ? depth : MAX_INDENT); i++) gv_buf_adds(b, "  ");
    double ms = s->end >= s->start ? (double)(s->end - s->start) / 1e6 : -(double)(s->start - s->end) / 1e6;
    gv_buf_printf(b, "%s [%s] %s %.3f ms", s->name, s->service, kind_name(s->kind), ms);
    if (s->status == 2)
        gv_buf_printf(b, " ERROR%s%s", s->status_msg[0] ? ": " : "", s->status_msg);
    if (orphan) {
        char hex[17];
        gv_text_hex(hex, s->parent_id, 8);
        int remote = (s->flags & 0x300u) == 0x300u;
        gv_buf_printf(b, " (%s parent %s)", remote ? "remote" : "missing", hex);
    }
    if (s->attrs[0]) gv_buf_printf(b, "  %s", s->attrs);
    gv_buf_addc(b, '\n');
}

static void print_tree(struct gv_buf *b, const struct wf_trace *t, const long *parent,
                       const long *first_child, const long *next_sib, long root,
                       uint64_t t0, uint64_t total)
{
    long node = root;
    int depth = 0;
    for (;;) {
        span_line(b, &t->spans[node], depth, node == root && t->spans[node].has_parent, t0, total);
        if (first_child[node] >= 0) {
            node = first_child[node];
            depth++;
            continue;
        }
        while (node != root && next_sib[node] < 0) {
            node = parent[node];
            depth--;
        }
        if (node == root) break;
        node = next_sib[node];
    }
}

static void header(struct gv_buf *b, const struct wf_trace *t, uint64_t total)
{
    char hex[33];
    size_t errors = 0;
    gv_text_hex(hex, t->trace_id, 16);
    for (size_t i = 0; i < t->n; i++) errors += t->spans[i].status == 2;
    if (t->n || t->not_kept)
        gv_buf_printf(b, "trace %s  %zu span%s  %.3f ms", hex, t->n, t->n == 1 ? "" : "s",
                      (double)total / 1e6);
    else
        gv_buf_printf(b, "trace %s  no spans received", hex);
    if (errors) gv_buf_printf(b, "  %zu error%s", errors, errors == 1 ? "" : "s");
    if (t->not_kept) gv_buf_printf(b, "  (+%zu spans not shown)", t->not_kept);
    size_t logs = t->n_logs + t->logs_not_kept;
    if (logs) gv_buf_printf(b, "  %zu log line%s", logs, logs == 1 ? "" : "s");
    gv_buf_addc(b, '\n');
}

void gv_wf_print_trace(FILE *out, struct wf_trace *t)
{
    long n = (long)t->n;
    if (n) /* a trace of log records only has no span array */
        qsort(t->spans, t->n, sizeof *t->spans, cmp_start);
    uint64_t t0 = n ? t->spans[0].start : 0, t1 = t0;
    for (long i = 0; i < n; i++) if (t->spans[i].end > t1) t1 = t->spans[i].end;
    long *parent = link_parents(t);
    cut_cycles(parent, n);
    long *first_child = malloc((size_t)(n ? n : 1) * sizeof(long));
    long *next_sib = malloc((size_t)(n ? n : 1) * sizeof(long));
    if (!first_child || !next_sib) abort();
    for (long i = 0; i < n; i++) first_child[i] = next_sib[i] = -1;
    for (long i = n - 1; i >= 0; i--)
        if (parent[i] >= 0) {
            next_sib[i] = first_child[parent[i]];
            first_child[parent[i]] = i;
        }
    struct gv_buf b = {0};
    header(&b, t, t1 - t0);
    for (long i = 0; i < n; i++)
        if (parent[i] < 0) print_tree(&b, t, parent, first_child, next_sib, i, t0, t1 - t0);
    gv_wf_print_logs(&b, t, t0);
    gv_buf_addc(&b, '\n');
    fwrite(b.p, 1, b.len, out);
    gv_buf_free(&b);
    free(parent);
    free(first_child);
    free(next_sib);
}
