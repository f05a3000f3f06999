/* env.h — the configuration table: every environment variable the library reads is declared
 * exactly once, as one entry (name, type, default, one-line meaning): the core's and the
 * exporter's in preload/vars.h, each plug-in's in its own folder (ga_plugin.vars).
 *
 * The environment is read once, in the library's constructor (ga_env_read), while the process
 * is still single-threaded: one pass over the environment block, the values of declared variables copied
 * into a bounded private area, so the library never calls getenv() later (that would race the
 * application's setenv()). Empty means unset (OpenTelemetry rule).
 *
 * Values are then parsed with the typed readers below, which share one vocabulary and one
 * warning format: `genesis: NAME=VALUE is not EXPECTED; using APPLIED`, naming the variable
 * actually read and the value that applies instead, at most once per variable. Booleans accept
 * 1/0, true/false, yes/no, on/off in any case, everywhere. */
#ifndef GA_ENV_H
#define GA_ENV_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

enum ga_var_type {
    GA_VT_BOOL = 1,     /* 1/0, true/false, yes/no, on/off, any case */
    GA_VT_INT,          /* a decimal integer in [lo, hi] */
    GA_VT_ENUM,         /* one of `choices` ("keys|none|all"), any case; the first is the default */
    GA_VT_STR,          /* any text, parsed by its owner (URLs, lists, globs, ...) */
};

/* One variable. Its four texts are not pointers but 16-bit byte offsets from the entry itself
 * to a string pool built next to the table (GA_VAR_TABLE_*): a pointer in a table of a shared
 * library is a run-time relocation, which ld.so applies at every start of every process and
 * which turns its page private; an offset costs nothing. Read them with the accessors below. */
typedef struct ga_var {
    uint16_t name_off;          /* the name; 0 only in a plug-in table's terminating entry */
    uint16_t def_off;           /* the default as the documentation shows it */
    uint16_t help_off;          /* one line: what it means */
    uint16_t choices_off;       /* GA_VT_ENUM: "a|b|c"; 0 for the other types */
    uint8_t type;               /* enum ga_var_type */
    /* Set by ga_env_read(): */
    _Atomic uint8_t warned;     /* a warning about this variable was printed */
    long lo, hi;                /* GA_VT_INT: accepted range */
    const char *val;            /* the raw value; NULL when unset or empty */
} ga_var;

/* The texts of an entry (offsets resolved against the entry's own address). */
static inline const char *ga_var_name(const ga_var *v) { return (const char *)v + v->name_off; }
static inline const char *ga_var_def(const ga_var *v) { return (const char *)v + v->def_off; }
static inline const char *ga_var_help(const ga_var *v) { return (const char *)v + v->help_off; }
static inline const char *ga_var_choices(const ga_var *v)
{
    return v->choices_off ? (const char *)v + v->choices_off : NULL;
}

/* ---- building a table ------------------------------------------------------------------
 * A table is declared as an X-macro list of entries X(NAME, TYPE, default, meaning[, type
 * arguments]) with TYPE one of BOOL, INT (lo, hi), ENUM ("a|b|c"), STR. From the list:
 *   enum { LIST(GA_VAR_ID) ... }          the index GA_V_NAME of each entry;
 *   GA_VAR_TABLE_TYPE(tag, LIST, count)   struct tag { ga_var v[count + 1]; pool s; }: the
 *                                          entries, a zero terminator, then every text as a
 *                                          char array member of the pool;
 *   GA_VAR_TABLE_INIT(LIST)               its initialiser, where each entry's offsets are
 *                                          offsetof() differences inside GA_VAR_TABLE_T: the
 *                                          file defines it as its `struct tag` before it includes
 *                                          this header, else it is `struct ga__vtab`;
 *   GA_PLUGIN_VAR_TABLE(LIST)             all of the above for a plug-in, in one line.
 * The pool's member names are NAME__n, __d, __h, __c, so one table holds a name once. */
#define GA_VAR_ID(N, ...) GA_V_##N,

#define GA__VS_DECL(N, T, d, h, ...) char N##__n[sizeof #N]; char N##__d[sizeof d]; \
    char N##__h[sizeof h]; GA__VS_DECL_##T(N, __VA_ARGS__)
#define GA__VS_DECL_ENUM(N, c) char N##__c[sizeof c];
#define GA__VS_DECL_BOOL(...)
#define GA__VS_DECL_INT(...)
#define GA__VS_DECL_STR(...)

#define GA__VS_INIT(N, T, d, h, ...) .N##__n = #N, .N##__d = d, .N##__h = h, \
    GA__VS_INIT_##T(N, __VA_ARGS__)
#define GA__VS_INIT_ENUM(N, c) .N##__c = c,
#define GA__VS_INIT_BOOL(...)
#define GA__VS_INIT_INT(...)
#define GA__VS_INIT_STR(...)

/* Offset from entry GA_V_N to pool member m (positive: the pool follows the entries). */
#define GA__VS_OFF(N, m) \
    (uint16_t)(offsetof(GA_VAR_TABLE_T, s.m) - offsetof(GA_VAR_TABLE_T, v[GA_V_##N]))

#define GA__VS_ENTRY(N, T, d, h, ...) [GA_V_##N] = { .name_off = GA__VS_OFF(N, N##__n), \
    .def_off = GA__VS_OFF(N, N##__d), .help_off = GA__VS_OFF(N, N##__h), .type = GA_VT_##T, \
    GA__VS_ENTRY_##T(N, __VA_ARGS__) },
#define GA__VS_ENTRY_ENUM(N, c) .choices_off = GA__VS_OFF(N, N##__c)
#define GA__VS_ENTRY_INT(N, l, u) .lo = (l), .hi = (u)
#define GA__VS_ENTRY_BOOL(...)
#define GA__VS_ENTRY_STR(...)

#define GA_VAR_TABLE_TYPE(tag, LIST, count) \
    struct tag { ga_var v[(count) + 1]; struct { LIST(GA__VS_DECL) } s; }
#define GA_VAR_TABLE_INIT(LIST) { .v = { LIST(GA__VS_ENTRY) }, .s = { LIST(GA__VS_INIT) } }

/* The offsets are 16-bit: a table with its pool must stay under 64 KiB. */
#define GA_VAR_TABLE_CHECK(tag) \
    _Static_assert(sizeof(struct tag) < 65536, #tag ": the variable table outgrew 16-bit offsets")

/* A plug-in's whole table in one line, from its X-macro list: the ids GA_V_<NAME> and
 * GA__NVARS, the type `struct ga__vtab`, its size check, and the static table `ga__vtab`
 * (its entries are ga__vtab.v). The offsets name the type through GA_VAR_TABLE_T, which is
 * `struct ga__vtab` unless the file defined another before including this header. */
#ifndef GA_VAR_TABLE_T
#define GA_VAR_TABLE_T struct ga__vtab
#endif
#define GA_PLUGIN_VAR_TABLE(LIST)                                                               \
    enum { LIST(GA_VAR_ID) GA__NVARS };                                                         \
    GA_VAR_TABLE_TYPE(ga__vtab, LIST, GA__NVARS);                                               \
    GA_VAR_TABLE_CHECK(ga__vtab);                                                               \
    static struct ga__vtab ga__vtab = GA_VAR_TABLE_INIT(LIST)

/* Read the environment block envp (NULL-terminated "NAME=value" strings; NULL: empty) into
 * every declared variable (core, exporter, plug-ins). Called by the constructor with the
 * block the loader hands to it (no reference to `environ`: that would be one more symbol for
 * the loader to look up in every process); tests call it again after setenv(), with
 * `environ`. Values that do not fit the private area are treated as unset and warned about. */
void ga_env_read(char *const *envp);

/* The raw value, or NULL when unset. */
static inline const char *ga_var_raw(const ga_var *v) { return v->val; }

/* Typed readers: the parsed value, or the default after one warning when the value is bad. */
int ga_var_bool(ga_var *v);
long ga_var_int(ga_var *v);
int ga_var_enum(ga_var *v);         /* index in choices (0, the default, when unset or bad) */

/* 1 = true, 0 = false, -1 = not a boolean (the shared spellings). */
int ga_parse_bool(const char *s);

/* Warn once about v's value: `genesis: NAME=VALUE is not EXPECTED; using APPLIED`. With
 * show_value 0 the value is not printed (it may hold credentials). */
void ga_var_warn(ga_var *v, const char *expected, const char *applied);
void ga_var_warn_hidden(ga_var *v, const char *expected, const char *applied);

/* Every declared variable, in table order (core first, then each plug-in's): for the
 * documentation check and diagnostics. Calls fn(v, ud) for each. */
void ga_env_foreach(void (*fn)(ga_var *v, void *ud), void *ud);

#endif
