/* env.h — the configuration table: every environment variable the library reads is declared
 * exactly once, as one entry (name, type, default, one-line meaning): the core's and the
 * exporter's in preload/vars.h, each plug-in's in its own folder (ga_plugin.vars).
 *
 * The environment is read once, in the library's constructor (ga_env_read), while the process
 * is still single-threaded: one pass over `environ`, the values of declared variables copied
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
    GA_VT_ENUM,         /* one of `choices` ("none|keys|all"), any case */
    GA_VT_STR,          /* any text, parsed by its owner (URLs, lists, globs, ...) */
};

typedef struct ga_var {
    const char *name;
    uint8_t type;               /* enum ga_var_type */
    const char *def;            /* the default as the documentation shows it */
    const char *help;           /* one line: what it means */
    long lo, hi;                /* GA_VT_INT: accepted range */
    const char *choices;        /* GA_VT_ENUM: "a|b|c" */
    /* Set by ga_env_read(): */
    const char *val;            /* the raw value; NULL when unset or empty */
    _Atomic uint8_t warned;     /* a warning about this variable was printed */
} ga_var;

/* Initialisers for table entries: name, default, meaning, then what the type needs. */
#define GA_VAR_BOOL(n, d, h)          { .name = n, .type = GA_VT_BOOL, .def = d, .help = h }
#define GA_VAR_INT(n, d, h, l, u)     { .name = n, .type = GA_VT_INT, .def = d, .help = h, .lo = l, .hi = u }
#define GA_VAR_ENUM(n, d, h, c)       { .name = n, .type = GA_VT_ENUM, .def = d, .help = h, .choices = c }
#define GA_VAR_STR(n, d, h)           { .name = n, .type = GA_VT_STR, .def = d, .help = h }

/* Read the environment into every declared variable (core, exporter, plug-ins). Called by the
 * constructor; tests call it again after setenv(). Values that do not fit the private area
 * are treated as unset and warned about. */
void ga_env_read(void);

/* The raw value, or NULL when unset. */
static inline const char *ga_var_raw(const ga_var *v) { return v->val; }

/* Typed readers: the parsed value, or the default after one warning when the value is bad. */
int ga_var_bool(ga_var *v);
long ga_var_int(ga_var *v);
int ga_var_enum(ga_var *v);         /* index in choices */

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
