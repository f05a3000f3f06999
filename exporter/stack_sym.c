/* stack_sym.c — symbolising call-site stacks on the exporter thread (contract in stack_sym.h).
 *
 * dladdr() per frame (the dynamic symbol tables: a program built with -rdynamic, a shared
 * library's exported functions), then the module file's .symtab for what dladdr cannot name
 * (static functions, programs without -rdynamic: stack_elf.c); a frame without any symbol (a
 * stripped file) is module+offset, which `addr2line -e module offset-1` resolves offline.
 * Offsets are those of the return addresses unw_backtrace reports. The text of the last stack
 * is kept: a span re-encoded with more room (exporter/otlp_span.c) does not redo the lookups. */
#include <dlfcn.h>
#include <string.h>
#include "exporter/metrics_reg.h"
#include "exporter/stack_sym.h"
#include "preload/stack.h"

#define GA__TEXT_MAX 4096
#define GA__FN_MAX 256

/* Leading frames of these objects are not the application's (matched on the file name). */
static const char ga__skip[][16] = {
    "libgenesis_auto", "libunwind", "libc.so", "libc-", "libpthread", "ld-linux", "libmariadb",
    "libmysqlclient", "libhiredis", "libcurl", "libnats", "librdkafka", "libssl", "libcrypto",
};

static int ga__skipped_module(const char *path)
{
    const char *base = path ? strrchr(path, '/') : NULL;
    base = base ? base + 1 : path ? path : "";
    for (size_t i = 0; i < GA_ARRAY_LEN(ga__skip); i++)
        if (strncmp(base, ga__skip[i], strlen(ga__skip[i])) == 0)
            return 1;
    return 0;
}

/* Append "0x<hex>" to p (room checked by the caller). */
static char *ga__hex(char *p, uint64_t v)
{
    char tmp[16];
    int n = 0;
    do {
        tmp[n++] = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v != 0);
    *p++ = '0';
    *p++ = 'x';
    while (n > 0)
        *p++ = tmp[--n];
    return p;
}

static char *ga__str(char *p, const char *end, const char *s)
{
    size_t l = strlen(s);
    if (l > (size_t)(end - p))
        l = (size_t)(end - p);
    memcpy(p, s, l);
    return p + l;
}

size_t ga_stack_render(const uint64_t *ips, int n, char *buf, size_t cap, char *fn, size_t fn_cap)
{
    char *p = buf, *end = buf + cap - 1;
    int app = 0;
    fn[0] = '\0';
    for (int i = 0; i < n; i++) {
        Dl_info di;
        memset(&di, 0, sizeof di);
        int ok = ips[i] != 0 && dladdr((void *)(uintptr_t)(ips[i] - 1), &di) != 0;
        uint64_t sym_addr = 0;
        if (ok && di.dli_sname == NULL && (app || !ga__skipped_module(di.dli_fname))) {
            di.dli_sname = ga_stack_elf_name(di.dli_fname, (uint64_t)(uintptr_t)di.dli_fbase,
                                             ips[i], &sym_addr);
            di.dli_saddr = di.dli_sname != NULL ? (void *)(uintptr_t)sym_addr : NULL;
        }
        if (!app && ok && ga__skipped_module(di.dli_fname))
            continue;
        if (!app && ok && di.dli_sname != NULL) {
            size_t l = strlen(di.dli_sname);
            l = l < fn_cap - 1 ? l : fn_cap - 1;
            memcpy(fn, di.dli_sname, l);
            fn[l] = '\0';
        }
        app = 1;
        if (end - p < 2 * 20 + 8 + 2)           /* the numbers and separators of one line */
            break;
        if (p != buf)
            *p++ = '\n';
        if (ok && di.dli_sname != NULL && di.dli_saddr != NULL) {
            p = ga__str(p, end - 48, di.dli_sname);
            *p++ = '+';
            p = ga__hex(p, ips[i] - (uint64_t)(uintptr_t)di.dli_saddr);
            *p++ = ' ';
            *p++ = '(';
        }
        if (ok && di.dli_fname != NULL && di.dli_fname[0] != '\0') {
            p = ga__str(p, end - 24, di.dli_fname);
            *p++ = '+';
            p = ga__hex(p, ips[i] - (uint64_t)(uintptr_t)di.dli_fbase);
        } else {
            p = ga__str(p, end - 24, "?+");
            p = ga__hex(p, ips[i]);
        }
        if (ok && di.dli_sname != NULL && di.dli_saddr != NULL)
            *p++ = ')';
    }
    *p = '\0';
    return (size_t)(p - buf);
}

/* The text of the last stack rendered, and its encoded bytes. */
static struct {
    uint8_t key[GA_REC_ATTR_CAP];
    size_t klen;
    int valid;
    char text[GA__TEXT_MAX];
    size_t tlen;
    char fn[GA__FN_MAX];
} ga__last;

void ga_stack_attrs(ga_aw *w, const uint8_t *v, size_t len)
{
    if (len == 0 || len > sizeof ga__last.key)
        return;
    if (!ga__last.valid || ga__last.klen != len || memcmp(ga__last.key, v, len) != 0) {
        uint64_t ips[GA_STACK_DEPTH];
        int n = ga_stack_decode(v, len, ips, GA_STACK_DEPTH);
        ga__last.tlen = ga_stack_render(ips, n, ga__last.text, sizeof ga__last.text, ga__last.fn,
                                        sizeof ga__last.fn);
        memcpy(ga__last.key, v, len);
        ga__last.klen = len;
        ga__last.valid = 1;
    }
    if (ga__last.fn[0] != '\0')
        ga_aw_str(w, GA_K("code.function.name"), ga__last.fn, strlen(ga__last.fn));
    if (ga__last.tlen > 0)
        ga_aw_str(w, GA_K("code.stacktrace"), ga__last.text, ga__last.tlen);
}

static const ga_instrument ga__stacks = { .name = "genesis.sdk.stacks",
    .description = "Call-site stacks of slow or failed client operations, by outcome.",
    .unit = "{stack}", .kind = GA_MK_COUNTER, .max_series = 4 };

static void ga__set(ga_instrument *m, const char *outcome, uint64_t v)
{
    ga_attr a = { .key = "outcome", .type = GA_V_STR, .s = outcome, .slen = strlen(outcome) };
    ga_series_set(ga_series_get(m, &a, 1), (int64_t)v);
}

void ga_stack_collect(void)
{
    uint64_t c = atomic_load_explicit(&ga_stack_captured, memory_order_relaxed);
    uint64_t u = atomic_load_explicit(&ga_stack_unavailable, memory_order_relaxed);
    uint64_t s = atomic_load_explicit(&ga_stack_skipped, memory_order_relaxed);
    if (c + u + s == 0)
        return;                             /* no instrument until a stack was wanted */
    ga_instrument *m = ga_metrics_instrument(&ga__stacks);
    if (m == NULL)
        return;
    ga__set(m, "captured", c);
    ga__set(m, "unavailable", u);
    ga__set(m, "skipped", s);
}
