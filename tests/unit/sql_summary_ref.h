/* sql_summary_ref.h — the db.query.summary builder as it was before its keyword tests were made
 * cheap: the reference the unit tests compare protocols/sql/sql_summary.c with, statement by
 * statement. Test helper, included by one test file. One change since, made on both sides: a
 * quoted name ends at a NUL byte (a summary holding one broke its contract: a C string of its
 * length). Original description:
 *
 * One pass over the tokens (protocols/sql/sql_sanitize.h lexer). The DML operations SELECT,
 * INSERT, UPDATE, DELETE, REPLACE are appended wherever they appear (subqueries included);
 * the names after FROM (a comma list), JOIN, INTO, UPDATE and the first name of INSERT /
 * REPLACE without INTO are appended as tables. A statement that starts with another keyword
 * gives that keyword, plus the object and its name for DDL (CREATE/DROP/ALTER/TRUNCATE/
 * RENAME) and the procedure for CALL. Statements separated by `;` concatenate. */
#include <string.h>
#include "protocols/sql/sql_summary.h"
#include "tests/unit/sql_sanitize_ref.h"

enum { E_NONE, E_TABLE, E_LIST, E_INSERT, E_DDL_OBJECT, E_DDL_NAME, E_SKIP };

typedef struct refs__sum {
    ga_sql_lex lx;
    char *out;
    size_t cap, len;
    int expect;             /* what the next name is */
    int list;               /* the table being read belongs to a FROM list */
    int first;              /* at the start of a statement */
} refs__sum;

static __attribute__((unused)) const char *const refs__dml[] = { "SELECT", "INSERT", "UPDATE", "DELETE", "REPLACE" };
static __attribute__((unused)) const char *const refs__ddl[] = { "CREATE", "DROP", "ALTER", "TRUNCATE", "RENAME" };
static __attribute__((unused)) const char *const refs__objects[] = {
    "TABLE", "DATABASE", "SCHEMA", "INDEX", "VIEW", "PROCEDURE", "FUNCTION", "TRIGGER", "EVENT",
    "SEQUENCE", "USER", "ROLE", "SERVER", "TABLESPACE",
};
/* Words that end a FROM list (anything else there is an alias). */
static __attribute__((unused)) const char *const refs__clauses[] = {
    "WHERE", "JOIN", "INNER", "LEFT", "RIGHT", "CROSS", "NATURAL", "STRAIGHT_JOIN", "ON",
    "USING", "GROUP", "ORDER", "LIMIT", "HAVING", "UNION", "EXCEPT", "INTERSECT", "FOR", "LOCK",
    "SET", "VALUES", "WINDOW", "INTO", "PARTITION", "SELECT", "RETURNING", "FULL", "OUTER",
};
/* Words that may stand between INSERT/UPDATE/DELETE and the table. */
static __attribute__((unused)) const char *const refs__modifiers[] = {
    "LOW_PRIORITY", "DELAYED", "HIGH_PRIORITY", "IGNORE", "QUICK", "INTO", "FROM",
    "TEMPORARY", "OR", "UNIQUE", "FULLTEXT", "SPATIAL", "ONLINE", "OFFLINE", "IF", "NOT",
    "EXISTS", "DEFINER", "ALGORITHM", "SQL", "SECURITY", "AGGREGATE",
};

static __attribute__((unused)) int refs__in(const refs__sum *s, const ga_sql_token *t, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (ref_sql_word_is(&s->lx, t, list[i]))
            return 1;
    return 0;
}

#define REFS__IN(s, t, list) refs__in((s), (t), (list), sizeof(list) / sizeof((list)[0]))

static void refs__append(refs__sum *s, const char *p, size_t n, int upper)
{
    size_t limit = s->cap - 1 < GA_SQL_SUMMARY_MAX ? s->cap - 1 : GA_SQL_SUMMARY_MAX;
    if (s->len > 0 && s->len < limit)
        s->out[s->len++] = ' ';
    for (size_t i = 0; i < n && s->len < limit; i++) {
        char c = p[i];
        if (upper && c >= 'a' && c <= 'z')
            c = (char)(c - 32);
        s->out[s->len++] = c;
    }
    s->out[s->len] = '\0';
}

static void refs__append_tok(refs__sum *s, const ga_sql_token *t, int upper)
{
    refs__append(s, s->lx.s + t->start, t->len, upper);
}

/* The next token that is not space or comment. */
static int refs__next(refs__sum *s, ga_sql_token *t)
{
    int ty;
    while ((ty = ref_sql_next(&s->lx, t)) == GA_SQL_SPACE || ty == GA_SQL_COMMENT || ty == GA_SQL_EXEC)
        ;
    return ty;
}

/* A table name: ident [. ident], backquotes removed, appended as one word. */
static void refs__name(refs__sum *s, const ga_sql_token *t)
{
    const char *p = s->lx.s + t->start;
    size_t n = t->len;
    if (t->type == GA_SQL_QIDENT && n >= 2) {
        p++;
        n -= (p[n - 2] == '`') ? 2 : 1;
    }
    n = strnlen(p, n);                  /* a quoted name ends at a NUL: the summary is a C string */
    refs__append(s, p, n, 0);
    ga_sql_lex save = s->lx;
    ga_sql_token dot, part;
    if (ref_sql_next(&s->lx, &dot) == GA_SQL_PUNCT && s->lx.s[dot.start] == '.' &&
        ((ref_sql_next(&s->lx, &part) == GA_SQL_WORD) || part.type == GA_SQL_QIDENT)) {
        const char *q = s->lx.s + part.start;
        size_t k = part.len;
        if (part.type == GA_SQL_QIDENT && k >= 2) {
            q++;
            k -= (q[k - 2] == '`') ? 2 : 1;
        }
        k = strnlen(q, k);
        if (s->len + 1 + k < s->cap && s->len + 1 + k <= GA_SQL_SUMMARY_MAX) {
            s->out[s->len++] = '.';
            memcpy(s->out + s->len, q, k);
            s->len += k;
            s->out[s->len] = '\0';
        }
    } else {
        s->lx = save;
    }
}

/* The first word of a statement that is not a DML operation. */
static void refs__statement(refs__sum *s, const ga_sql_token *t)
{
    if (ref_sql_word_is(&s->lx, t, "WITH"))
        return;                         /* common table expressions: their SELECTs count */
    refs__append_tok(s, t, 1);
    if (REFS__IN(s, t, refs__ddl))
        s->expect = E_DDL_OBJECT;
    else if (ref_sql_word_is(&s->lx, t, "CALL"))
        s->expect = E_DDL_NAME;
    else
        s->expect = E_SKIP;
}

static void refs__word(refs__sum *s, const ga_sql_token *t)
{
    int e = s->expect;
    if (e == E_DDL_OBJECT) {
        if (REFS__IN(s, t, refs__objects)) {
            refs__append_tok(s, t, 1);
            s->expect = E_DDL_NAME;
        }
        return;
    }
    if ((e == E_TABLE || e == E_INSERT || e == E_DDL_NAME) && REFS__IN(s, t, refs__modifiers))
        return;
    if (e == E_TABLE || e == E_INSERT || e == E_DDL_NAME) {
        if (!(REFS__IN(s, t, refs__dml) || REFS__IN(s, t, refs__clauses))) {
            refs__name(s, t);
            s->expect = s->list ? E_LIST : (e == E_DDL_NAME ? E_SKIP : E_NONE);
            return;
        }
    }
    if (e == E_LIST && !REFS__IN(s, t, refs__clauses))
        return;                                         /* an alias */
    if (e == E_SKIP)
        return;
    s->list = 0;
    s->expect = E_NONE;
    if (REFS__IN(s, t, refs__dml)) {
        refs__append_tok(s, t, 1);
        if (ref_sql_word_is(&s->lx, t, "UPDATE"))
            s->expect = E_TABLE;
        else if (!ref_sql_word_is(&s->lx, t, "SELECT") && !ref_sql_word_is(&s->lx, t, "DELETE"))
            s->expect = E_INSERT;
    } else if (ref_sql_word_is(&s->lx, t, "FROM")) {
        s->expect = E_TABLE;
        s->list = 1;
    } else if (ref_sql_word_is(&s->lx, t, "JOIN") || ref_sql_word_is(&s->lx, t, "INTO")) {
        s->expect = E_TABLE;
    }
}

static size_t ref_sql_summary(const char *in, size_t n, char *out, size_t cap)
{
    if (cap == 0)
        return 0;
    refs__sum s = { .out = out, .cap = cap, .first = 1 };
    ref_sql_lex_init(&s.lx, in, n);
    out[0] = '\0';
    ga_sql_token t;
    int ty;
    while ((ty = refs__next(&s, &t)) != GA_SQL_END) {
        char c = ty == GA_SQL_PUNCT ? in[t.start] : 0;
        if (c == ';') {
            s.first = 1;
            s.expect = E_NONE;
            s.list = 0;
        } else if (c == ',' && s.expect == E_LIST) {
            s.expect = E_TABLE;
        } else if (c == '(' || c == ')') {
            if (s.expect != E_SKIP && s.expect != E_DDL_OBJECT)
                s.expect = E_NONE;
            s.list = 0;
        } else if (ty == GA_SQL_WORD || ty == GA_SQL_QIDENT) {
            if (s.first && ty == GA_SQL_WORD && !REFS__IN(&s, &t, refs__dml))
                refs__statement(&s, &t);
            else if (ty == GA_SQL_QIDENT && (s.expect == E_TABLE || s.expect == E_INSERT ||
                                            s.expect == E_DDL_NAME)) {
                refs__name(&s, &t);
                s.expect = s.list ? E_LIST : E_NONE;
            } else if (ty == GA_SQL_WORD)
                refs__word(&s, &t);
            s.first = 0;
        } else {
            s.first = 0;
        }
    }
    while (s.len > 0 && out[s.len - 1] == ' ')
        out[--s.len] = '\0';                            /* a separator cut by the limit */
    return s.len;
}
