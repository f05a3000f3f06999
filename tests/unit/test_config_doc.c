/* test_config_doc.c — docs/configuration.md and the configuration table (preload/env.h) list the
 * same variables: every variable the library reads is documented, and every documented
 * variable of the library is read. Run from the repository root (make unit does).
 *
 * The documentation's tables under "## Every variable" (up to the launcher's section) are read:
 * the first cell of a row names a variable in backquotes; `OTEL_EXPORTER_OTLP_X` (`_TRACES_`,
 * `_METRICS_`, `_LOGS_`) stands for the generic variable and one per signal. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "preload/env.h"

#define MAX_NAMES 256

typedef struct names { int n; char v[MAX_NAMES][64]; } names;

static void add(names *s, const char *name, size_t len)
{
    if (s->n < MAX_NAMES && len < sizeof s->v[0]) {
        memcpy(s->v[s->n], name, len);
        s->v[s->n++][len] = '\0';
    }
}

static int has(const names *s, const char *name)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->v[i], name) == 0)
            return 1;
    return 0;
}

/* The backquoted tokens of a table row's first cell. */
static void row(names *doc, const char *line)
{
    const char *end = strstr(line + 1, " |");
    char base[64] = "";
    for (const char *p = strchr(line, '`'); p != NULL && (end == NULL || p < end); p = strchr(p, '`')) {
        const char *q = strchr(p + 1, '`');
        if (q == NULL)
            break;
        size_t len = (size_t)(q - p - 1);
        if (base[0] == '\0' && len < sizeof base) {
            memcpy(base, p + 1, len);
            base[len] = '\0';
            add(doc, base, len);
        } else if (len > 2 && p[1] == '_' && p[len] == '_' &&
                   strncmp(base, "OTEL_EXPORTER_OTLP_", 19) == 0) {
            char full[64];          /* OTEL_EXPORTER_OTLP_ + TRACES_ + the option */
            int n = snprintf(full, sizeof full, "OTEL_EXPORTER_OTLP_%.*s%s", (int)len - 1, p + 2, base + 19);
            add(doc, full, (size_t)n);
        }
        p = q + 1;
    }
}

static void read_doc(names *doc)
{
    FILE *f = fopen("docs/configuration.md", "r");
    if (f == NULL)
        fail_msg("docs/configuration.md not found (run from the repository root)");
    char line[2048];
    int in = 0;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "## Every variable", 17) == 0)
            in = 1;
        else if (strncmp(line, "### genesis-run", 15) == 0 || (in && strncmp(line, "## ", 3) == 0))
            in = 0;
        else if (in && strncmp(line, "| `", 3) == 0)
            row(doc, line);
    }
    fclose(f);
}

static void collect(ga_var *v, void *ud)
{
    add(ud, ga_var_name(v), strlen(ga_var_name(v)));
}

static void test_same_variables(void **state)
{
    (void)state;
    static names doc, table;
    read_doc(&doc);
    ga_env_foreach(collect, &table);
    assert_true(table.n > 40);
    int missing = 0;
    for (int i = 0; i < table.n; i++)
        if (!has(&doc, table.v[i])) {
            print_error("read by the library, missing from docs/configuration.md: %s\n", table.v[i]);
            missing++;
        }
    for (int i = 0; i < doc.n; i++)
        if (!has(&table, doc.v[i])) {
            print_error("in docs/configuration.md, not in the configuration table: %s\n", doc.v[i]);
            missing++;
        }
    assert_int_equal(missing, 0);
}

/* Every entry is complete: a name, a type, a default (possibly empty) and a meaning. */
static void check_entry(ga_var *v, void *ud)
{
    (void)ud;
    if (v->type < GA_VT_BOOL || v->type > GA_VT_STR || v->name_off == 0 || v->def_off == 0 ||
        v->help_off == 0 || ga_var_help(v)[0] == '\0' ||
        (v->type == GA_VT_ENUM && ga_var_choices(v) == NULL) ||
        (v->type == GA_VT_INT && v->lo > v->hi))
        fail_msg("incomplete configuration entry: %s", ga_var_name(v));
    if (v->type == GA_VT_ENUM) {        /* ga_var_enum answers 0 for an unset variable */
        const char *c = ga_var_choices(v), *d = ga_var_def(v);
        size_t n = strlen(d);
        if (strncmp(c, d, n) != 0 || (c[n] != '|' && c[n] != '\0'))
            fail_msg("%s: the default %s is not the first of its choices %s", ga_var_name(v), d, c);
    }
}

static void test_entries_complete(void **state)
{
    (void)state;
    ga_env_foreach(check_entry, NULL);
}

/* The shared boolean vocabulary. */
static void test_bool_spellings(void **state)
{
    (void)state;
    const char *yes[] = { "1", "true", "TRUE", "Yes", "on", "ON" };
    const char *no[] = { "0", "false", "False", "no", "NO", "off" };
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(ga_parse_bool(yes[i]), 1);
        assert_int_equal(ga_parse_bool(no[i]), 0);
    }
    assert_int_equal(ga_parse_bool("maybe"), -1);
    assert_int_equal(ga_parse_bool(""), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_variables),
        cmocka_unit_test(test_entries_complete),
        cmocka_unit_test(test_bool_spellings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
