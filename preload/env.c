/* env.c — reading the environment into the configuration table, and the typed readers
 * (contracts in env.h). The read runs in the constructor: one pass over the environment block, no
 * allocation (values are copied into a fixed private area). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "preload/env.h"
#include "preload/vars.h"
#include "preload/plugin.h"
#include "preload/log.h"


#define GA_ENV_AREA 16384
static char ga__area[GA_ENV_AREA];
static size_t ga__used GA_START_DATA;

/* Call fn for every table: the core's, then each plug-in's (terminated by a zero name_off). */
static void ga__tables(void (*fn)(ga_var *tab, size_t n, void *ud), void *ud)
{
    fn(ga_core_vtab.v, GA_V_COUNT, ud);
    ga_foreach_plugin(p) {
        if (p != NULL && p->vars != NULL) {
            size_t n = 0;
            while (p->vars[n].name_off != 0)
                n++;
            fn(p->vars, n, ud);
        }
    }
}

/* Byte loops stand in for strlen, strncmp, strchr and memcpy on the constructor's path: its
 * first call into each libc function costs a lazy symbol binding (about 1,000 instructions in
 * ld.so), paid by every process, pass-through ones included. */

/* strlen(s). */
static size_t ga__len(const char *s)
{
    const char *p = s;
    while (*p)
        p++;
    return (size_t)(p - s);
}

/* name equals the n bytes at s (none of them NUL), and ends there? */
static int ga__is(const char *name, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && name[i] == s[i])
        i++;
    return i == n && name[i] == '\0';
}

typedef struct { const char *name; size_t nlen; ga_var *hit; } ga__find;

static void ga__find_in(ga_var *tab, size_t n, void *ud)
{
    ga__find *f = ud;
    for (size_t i = 0; i < n && f->hit == NULL; i++)
        if (ga__is(ga_var_name(&tab[i]), f->name, f->nlen))
            f->hit = &tab[i];
}

/* Forget the values read and the warnings printed. Writes only what is set: at the first read
 * nothing is, and a page of the table never written stays shared with the file (no
 * copy-on-write page fault at start-up). */
static void ga__clear(ga_var *tab, size_t n, void *ud)
{
    (void)ud;
    for (size_t i = 0; i < n; i++) {
        if (tab[i].val != NULL)
            tab[i].val = NULL;
        if (atomic_load_explicit(&tab[i].warned, memory_order_relaxed))
            atomic_store(&tab[i].warned, 0);
    }
}

/* s starts with prefix p? Inline: the constructor avoids first calls into libc, each of which
 * costs a lazy symbol binding. */
static int ga__starts(const char *s, const char *p)
{
    while (*p && *s == *p)
        s++, p++;
    return *p == '\0';
}

/* Only names with these prefixes can be ours: everything else is skipped at once. */
static int ga__candidate(const char *e)
{
    return (e[0] == 'O' && ga__starts(e, "OTEL_")) || (e[0] == 'G' && ga__starts(e, "GENESIS_")) ||
           (e[0] == 'T' && ga__starts(e, "TRACE")) || (e[0] == 'B' && ga__starts(e, "BAGGAGE="));
}

/* Copy the value s into the private area: the copy, or NULL (area unchanged) when it does not
 * fit. */
static const char *ga__keep(const char *s)
{
    char *dst = ga__area + ga__used;
    size_t room = sizeof ga__area - ga__used;
    for (size_t i = 0; i < room; i++) {
        dst[i] = s[i];
        if (s[i] == '\0') {
            ga__used += i + 1;
            return dst;
        }
    }
    return NULL;
}

void ga_env_read(char *const *envp)
{
    /* Nothing to forget at the first read (the constructor's): the tables start with every
     * value unset and no warning printed, and walking them costs ~2,000 instructions. */
    /* An exchange, not a load and a store: the page's first access is then a write, one page
     * fault rather than two (a read maps the zero page, the write faults again). */
    static int ga__read_before GA_START_DATA;
    if (__atomic_exchange_n(&ga__read_before, 1, __ATOMIC_RELAXED))
        ga__tables(ga__clear, NULL);
    ga__used = 0;
    for (char *const *ep = envp; ep != NULL && *ep != NULL; ep++) {
        const char *e = *ep;
        if (!ga__candidate(e))
            continue;
        const char *eq = e;
        while (*eq != '\0' && *eq != '=')
            eq++;
        if (*eq != '=' || eq[1] == '\0')
            continue;                   /* empty means unset */
        ga__find f = { e, (size_t)(eq - e), NULL };
        ga__tables(ga__find_in, &f);
        if (f.hit == NULL || f.hit->val != NULL)
            continue;                   /* not ours, or a duplicate entry (getenv takes the first) */
        f.hit->val = ga__keep(eq + 1);
        if (f.hit->val == NULL)
            ga_var_warn_hidden(f.hit, "short enough to keep (the library keeps 16 KiB of settings)",
                               ga_var_def(f.hit)[0] ? ga_var_def(f.hit) : "nothing");
    }
}

/* ---- warnings ------------------------------------------------------------------------- */

static int ga__first_warning(ga_var *v)
{
    return atomic_exchange(&v->warned, 1) == 0;
}

void ga_var_warn(ga_var *v, const char *expected, const char *applied)
{
    if (ga__first_warning(v))
        ga_log(GA_LOG_WARN, GA_LK_CONFIG, "%s=%.200s is not %s; using %s", ga_var_name(v),
               v->val ? v->val : "", expected, applied);
}

void ga_var_warn_hidden(ga_var *v, const char *expected, const char *applied)
{
    if (ga__first_warning(v))
        ga_log(GA_LOG_WARN, GA_LK_CONFIG, "%s is not %s; using %s", ga_var_name(v), expected, applied);
}

/* ---- typed readers -------------------------------------------------------------------- */

/* a equals the lower-case word w, in any case? */
static int ga__ieq(const char *a, size_t n, const char *w)
{
    size_t i = 0;
    for (; i < n && w[i]; i++)
        if ((a[i] | 0x20) != w[i])
            return 0;
    return i == n && w[i] == '\0';
}

int ga_parse_bool(const char *s)
{
    static const char yes[][5] = { "1", "true", "yes", "on" }, no[][6] = { "0", "false", "no", "off" };
    size_t n = ga__len(s);
    for (size_t i = 0; i < 4; i++) {
        if (ga__ieq(s, n, yes[i]))
            return 1;
        if (ga__ieq(s, n, no[i]))
            return 0;
    }
    return -1;
}

int ga_var_bool(ga_var *v)
{
    int def = ga_var_def(v)[0] == 't' || ga_var_def(v)[0] == '1';     /* defaults are written true/false */
    if (v->val == NULL)
        return def;
    int b = ga_parse_bool(v->val);
    if (b < 0) {
        ga_var_warn(v, "a boolean (true/false, 1/0, yes/no, on/off)", def ? "true" : "false");
        return def;
    }
    return b;
}

/* The default of an integer entry (written as plain decimal digits). */
static long ga__int_def(const ga_var *v)
{
    long x = 0;
    for (const char *p = ga_var_def(v); *p >= '0' && *p <= '9'; p++)
        x = x * 10 + (*p - '0');
    return x;
}

long ga_var_int(ga_var *v)
{
    long def = ga__int_def(v);
    if (v->val == NULL)
        return def;
    char *end;
    long x = strtol(v->val, &end, 10);
    if (end == v->val || *end != '\0' || x < v->lo || x > v->hi) {
        char exp[64];
        snprintf(exp, sizeof exp, "an integer in [%ld, %ld]", v->lo, v->hi);
        ga_var_warn(v, exp, ga_var_def(v));
        return def;
    }
    return x;
}

/* Index of the choice (lower case, '|'-separated) that matches s[0..n) in any case, or -1. */
static int ga__choice(const char *choices, const char *s, size_t n)
{
    int i = 0;
    for (const char *c = choices; *c; i++) {
        size_t k = 0;
        while (k < n && c[k] != '|' && c[k] != '\0' && c[k] == (char)(s[k] | (s[k] >= 'A' && s[k] <= 'Z' ? 0x20 : 0)))
            k++;
        if (k == n && (c[k] == '|' || c[k] == '\0'))
            return i;
        while (*c != '|' && *c != '\0')
            c++;
        c += *c == '|';
    }
    return -1;
}

int ga_var_enum(ga_var *v)
{
    /* The default is the first choice (test_config_doc checks every table): an unset
     * variable, the common case in every process's constructor, needs no matching. */
    if (v->val == NULL)
        return 0;
    int i = ga__choice(ga_var_choices(v), v->val, ga__len(v->val));
    if (i < 0) {
        char exp[256];
        snprintf(exp, sizeof exp, "one of %s", ga_var_choices(v));
        ga_var_warn(v, exp, ga_var_def(v));
        return 0;
    }
    return i;
}

/* ---- enumeration ---------------------------------------------------------------------- */

typedef struct { void (*fn)(ga_var *, void *); void *ud; } ga__each;

static void ga__each_in(ga_var *tab, size_t n, void *ud)
{
    ga__each *e = ud;
    for (size_t i = 0; i < n; i++)
        e->fn(&tab[i], e->ud);
}

void ga_env_foreach(void (*fn)(ga_var *v, void *ud), void *ud)
{
    ga__each e = { fn, ud };
    ga__tables(ga__each_in, &e);
}
