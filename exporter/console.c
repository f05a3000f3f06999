/* console.c — the console span exporter (OTEL_TRACES_EXPORTER=console): one JSON object
 * per span, per line, to stderr or GENESIS_CONSOLE_FILE (`%p` → pid). Lines are batched
 * and written whole with raw syscalls, so nothing here is observed and a line is never
 * split between processes appending to the same file. The file's descriptor is the
 * library's (a ga_own token, checked before every write): when the application closes its
 * number, the file is opened again on a new one, and the number is never written again. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "exporter/exporter.h"
#include "exporter/tail.h"
#include "exporter/attrs.h"
#include "exporter/buf.h"
#include "exporter/console.h"
#include "exporter/fmt.h"
#include "exporter/resource.h"
#include "preload/config.h"
#include "preload/context.h"
#include "preload/fdtable.h"
#include "preload/log.h"
#include "preload/logcap.h"
#include "exporter/logs.h"      /* the log line the console prints (after the core's headers) */

static int ga__con_opened;          /* ga__con_open ran (by this component or the metrics) */
static int ga__con_stderr;          /* 1: writing to the application's stderr (no file set) */
static ga_own ga__con_file = { .fd = -1 };
static int ga__con_reopen;          /* 1 once the file was open: reopen it when it is taken */
static uint64_t ga__con_retry_ms;   /* a failed reopen is tried again from then on */
static ga_buf ga__con_buf;
static ga_buf ga__con_res;          /* the resource object, rendered once */
static int ga__con_spans, ga__con_logs;     /* what it prints */

/* Expand `%p` in the configured path to our pid. */
static void ga__con_path(char *out, size_t cap)
{
    const char *in = ga_cfg.console_file;
    size_t o = 0;
    for (size_t i = 0; in[i] && o + 1 < cap; i++) {
        if (in[i] == '%' && in[i + 1] == 'p') {
            int n = snprintf(out + o, cap - o, "%d", (int)getpid());
            o += n > 0 ? (size_t)n : 0;
            i++;
        } else {
            out[o++] = in[i];
        }
    }
    out[o < cap ? o : cap - 1] = '\0';
}

/* Numbers without the printf family: the span path writes several per span. */
static void ga__put_u64(ga_buf *b, uint64_t v)
{
    char t[24];
    ga_buf_put(b, t, ga_fmt_u64(t, v));
}

static void ga__put_i64(ga_buf *b, int64_t v)
{
    char t[24];
    ga_buf_put(b, t, ga_fmt_i64(t, v));
}

/* `,"<key>":"<value>"` for a text without anything to escape (a fixed name, hex digits). */
static void ga__put_kv(ga_buf *b, const char *key, const char *v)
{
    ga_buf_puts(b, ",\"");
    ga_buf_puts(b, key);
    ga_buf_puts(b, "\":\"");
    ga_buf_puts(b, v);
    ga_buf_puts(b, "\"");
}

static void ga__json_attrs(ga_buf *b, const ga_attr *a, int n)
{
    ga_buf_puts(b, "{");
    for (int i = 0; i < n; i++) {
        if (i)
            ga_buf_puts(b, ",");
        ga_json_str(b, a[i].key, strlen(a[i].key));
        ga_buf_puts(b, ":");
        switch (a[i].type) {
        case GA_V_STR:    ga_json_str(b, a[i].s, a[i].slen); break;
        case GA_V_INT:    ga__put_i64(b, a[i].i); break;
        case GA_V_DOUBLE: ga_buf_printf(b, "%.17g", a[i].d); break;
        case GA_V_BOOL:   ga_buf_puts(b, a[i].i ? "true" : "false"); break;
        default:          ga_buf_puts(b, "null"); break;
        }
    }
    ga_buf_puts(b, "}");
}

/* Open GENESIS_CONSOLE_FILE (appending) as one of the library's descriptors. */
static int ga__con_open_file(void)
{
    char path[600];
    ga__con_path(path, sizeof path);
    int saved = errno;
    int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    errno = saved;
    ga__con_file = ga_fd_own(fd);
    if (fd >= 0 && ga__con_file.fd < 0)
        syscall(SYS_close, fd);     /* the table cannot hold it: unusable, and known to nobody */
    if (ga__con_file.fd < 0) {
        ga_warn(GA_LK_CONSOLE, "cannot open GENESIS_CONSOLE_FILE=%s; console output dropped", path);
        return -1;
    }
    return 0;
}

static int ga__con_open(void)
{
    ga__con_opened = 1;
    ga_buf_reset(&ga__con_res);
    ga__json_attrs(&ga__con_res, ga_res.attrs, ga_res.n);
    ga__con_stderr = ga_cfg.console_file[0] == '\0';
    if (ga__con_stderr)
        return 0;
    ga__con_reopen = ga__con_open_file() == 0;
    return ga__con_reopen ? 0 : -1;
}

/* The descriptor to write to now: stderr, or the file while it is still ours. A file whose
 * number the application took is opened again (at most once a second while that fails).
 * -1 when there is none. */
static int ga__con_fd(void)
{
    if (ga__con_stderr)
        return 2;
    if (ga_fd_own_valid(ga__con_file))
        return ga__con_file.fd;
    uint64_t now = ga_mono_ms();
    if (!ga__con_reopen || now < ga__con_retry_ms)
        return -1;
    if (ga__con_open_file() < 0) {
        ga__con_retry_ms = now + 1000;
        return -1;
    }
    return ga__con_file.fd;
}

static const char *ga__kind_name(int k)
{
    static const char names[][12] = {"UNSPECIFIED", "INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER"};
    return k >= 0 && k < 6 ? names[k] : "UNSPECIFIED";
}

static void ga__con_span(const ga_rec *r)
{
    ga_buf *b = &ga__con_buf;
    char name[256], hex[33];
    ga_rec_span_name(r, name, sizeof name);
    ga_buf_puts(b, "{\"type\":\"span\",\"name\":");
    ga_json_str(b, name, strlen(name));
    ga__put_kv(b, "kind", ga__kind_name(r->h.kind));
    ga_hex(r->h.trace_id, 16, hex);
    ga__put_kv(b, "trace_id", hex);
    ga_hex(r->h.span_id, 8, hex);
    ga__put_kv(b, "span_id", hex);
    if (r->h.has_parent) {
        ga_hex(r->h.parent_id, 8, hex);
        ga__put_kv(b, "parent_span_id", hex);
        ga_buf_puts(b, r->h.parent_remote ? ",\"parent_remote\":true" : ",\"parent_remote\":false");
    }
    uint8_t flags = r->h.trace_flags;
    ga_hex(&flags, 1, hex);
    ga__put_kv(b, "trace_flags", hex);
    ga_buf_puts(b, ",\"start_time_unix_nano\":");
    ga__put_u64(b, r->h.start_ns);
    ga_buf_puts(b, ",\"end_time_unix_nano\":");
    ga__put_u64(b, r->h.end_ns);
    static const char codes[][6] = {"UNSET", "OK", "ERROR"};
    ga_buf_puts(b, ",\"status\":{\"code\":\"");
    ga_buf_puts(b, codes[r->h.status <= 2 ? r->h.status : 0]);
    ga_buf_puts(b, "\"}");
    ga_attr attrs[GA_MAX_ATTRS];
    ga_attr_scratch sc;
    int n = ga_rec_attrs(r, attrs, GA_MAX_ATTRS, &sc);
    ga_buf_puts(b, ",\"attributes\":");
    ga__json_attrs(b, attrs, n);
    ga_buf_puts(b, ",\"resource\":");
    ga_buf_put(b, ga__con_res.data, ga__con_res.len);
    ga_buf_puts(b, "}\n");
}

/* Write the whole buffer; short writes are retried, errors drop the batch. Bracketed so
 * that the process exiting never leaves half a line in the file. */
static void ga__con_write(const char *p, size_t n)
{
    if (!ga_exporter_io_begin())
        return;
    int saved = errno;
    while (n > 0) {
        int fd = ga__con_fd();      /* checked before every write: the number may be taken */
        if (fd < 0) {
            ga_self_export_failed(GA_FAIL_OTHER);
            break;
        }
        ssize_t w = syscall(SYS_write, fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            ga_self_export_failed(GA_FAIL_OTHER);
            break;
        }
        p += w;
        n -= (size_t)w;
    }
    errno = saved;
    ga_exporter_io_end();
}

static void ga__con_self_line(void)
{
    static const char reasons[GA_FAIL_COUNT][12] = {
        "connect", "timeout", "http_4xx", "http_5xx", "throttled", "encode", "unavailable", "other" };
    ga_buf *b = &ga__con_buf;
    ga_buf_printf(b, "{\"type\":\"self\",\"pid\":%d,\"operations\":%llu,\"spans_exported\":%llu,"
                  "\"spans_sampled_out\":%llu,\"dropped_queue_full\":%llu,\"spans_dropped_batch_full\":%llu,"
                  "\"spans_dropped_export\":%llu,\"spans_rejected\":%llu,\"export_failures\":%llu,"
                  "\"export_failures_by\":{",
                  (int)getpid(), (unsigned long long)ga_self.operations,
                  (unsigned long long)ga_self.spans_exported, (unsigned long long)ga_self.spans_sampled_out,
                  (unsigned long long)ga_self.dropped_queue_full,
                  (unsigned long long)ga_self.spans_dropped_batch_full,
                  (unsigned long long)ga_self.spans_dropped_export,
                  (unsigned long long)ga_self.spans_rejected, (unsigned long long)ga_self.export_failures);
    for (int i = 0; i < GA_FAIL_COUNT; i++)
        ga_buf_printf(b, "%s\"%s\":%llu", i ? "," : "", reasons[i],
                      (unsigned long long)ga_self.export_failures_by[i]);
    if (ga_tail_on())
        ga_buf_printf(b, "},\"tail_segments\":{\"kept\":%llu,\"discarded\":%llu,\"overflowed\":%llu",
                      (unsigned long long)ga_tail_self.kept, (unsigned long long)ga_tail_self.discarded,
                      (unsigned long long)ga_tail_self.overflowed);
    ga_buf_puts(b, "}}\n");
}

static void ga__con_flush(int final, uint64_t deadline_ms)
{
    (void)deadline_ms;
    if (final)
        ga__con_self_line();
    if (ga__con_buf.failed)
        ga_self_export_failed(GA_FAIL_ENCODE);
    else if (ga__con_buf.len)
        ga__con_write(ga__con_buf.data, ga__con_buf.len);
    ga_buf_reset(&ga__con_buf);
}

static void ga__con_span_counted(const ga_rec *r)
{
    if (!ga__con_spans)
        return;
    ga__con_span(r);
    if (ga__con_buf.len > 60000)
        ga__con_flush(0, 0);
}

/* The parent's buffers may have been mid-update at fork time: leak them, start clean.
 * The parent's file descriptor was closed by the fd table's fork handler. */
static void ga__con_after_fork(void)
{
    ga__con_opened = ga__con_stderr = ga__con_reopen = 0;
    ga__con_retry_ms = 0;
    ga__con_file = GA_OWN_NONE;
    ga__con_buf = (ga_buf){0};
    ga__con_res = (ga_buf){0};
}

/* One JSON object per log line (OTEL_LOGS_EXPORTER=console), in the span objects' style. */
static void ga__con_log(const ga_logline *l)
{
    if (!ga__con_logs)
        return;
    ga_buf *b = &ga__con_buf;
    char hex[33];
    ga_buf_printf(b, "{\"type\":\"log\",\"time_unix_nano\":%llu", (unsigned long long)l->time_ns);
    if (l->severity) {
        ga_buf_printf(b, ",\"severity_number\":%d,\"severity_text\":", l->severity);
        ga_json_str(b, l->sev_text ? l->sev_text : "", l->sev_len);
    }
    ga_buf_puts(b, ",\"body\":");
    ga_json_str(b, l->body, l->len);
    if (l->has_ctx) {
        ga_hex(l->trace_id, 16, hex);
        ga_buf_printf(b, ",\"trace_id\":\"%s\"", hex);
        ga_hex(l->span_id, 8, hex);
        ga_buf_printf(b, ",\"span_id\":\"%s\",\"trace_flags\":\"%02x\"", hex, l->trace_flags);
    }
    ga_buf_puts(b, ",\"attributes\":{");
    const char *io = ga_logs_iostream(l->stream);
    int first = 1;
    if (io != NULL) {
        ga_buf_printf(b, "\"log.iostream\":\"%s\"", io);
        first = 0;
    }
    if (l->path != NULL) {
        ga_buf_puts(b, first ? "\"log.file.path\":" : ",\"log.file.path\":");
        ga_json_str(b, l->path, strlen(l->path));
        first = 0;
    }
    if (l->cut)
        ga_buf_puts(b, first ? "\"genesis.log.truncated\":true" : ",\"genesis.log.truncated\":true");
    ga_buf_puts(b, "},\"resource\":");
    ga_buf_put(b, ga__con_res.data, ga__con_res.len);
    ga_buf_puts(b, "}\n");
    if (ga__con_buf.len > 60000)
        ga__con_flush(0, 0);
}

/* When OTEL_TRACES_EXPORTER names console (spans), OTEL_LOGS_EXPORTER does (log lines), or both. */
static int ga__con_open_if_wanted(void)
{
    ga__con_spans = (ga_cfg.traces_exporters & GA_EXP_CONSOLE) != 0;
    ga__con_logs = ga_logs_on && (ga_cfg.logs_exporters & GA_EXP_CONSOLE) != 0;
    return ga__con_spans || ga__con_logs ? ga__con_open() : -1;
}

/* The console metrics exporter's lines go to the same destination (console.h). */
void ga_console_write(const char *p, size_t n)
{
    if (!ga__con_opened && ga__con_open() < 0)
        return;
    ga__con_write(p, n);
}

void ga_console_json_attrs(ga_buf *b, const ga_attr *a, int n)
{
    ga__json_attrs(b, a, n);
}

/* The component (exporter.h), described at the exporter thread's start: a function, not a
 * const struct, whose function pointers the loader would relocate in every process. */
void ga_console_component_get(ga_component *c)
{
    *c = (ga_component){
        .name = "console",
        .open = ga__con_open_if_wanted,
        .span = ga__con_span_counted,
        .flush = ga__con_flush,
        .after_fork = ga__con_after_fork,
        .log = ga__con_log,
    };
}
