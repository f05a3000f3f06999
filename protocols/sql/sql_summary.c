/* sql_summary.c — db.query.summary from SQL text (contract in sql_summary.h).
 *
 * One pass over the tokens (protocols/sql/sql_sanitize.h lexer). The DML operations SELECT,
 * INSERT, UPDATE, DELETE, REPLACE are appended wherever they appear (subqueries included);
 * the names after FROM (a comma list), JOIN, INTO, UPDATE and the first name of INSERT /
 * REPLACE without INTO are appended as tables. A statement that starts with another keyword
 * gives that keyword, plus the object and its name for DDL (CREATE/DROP/ALTER/TRUNCATE/
 * RENAME) and the procedure for CALL. Statements separated by `;` concatenate.
 *
 * Every word is classified once (ga__classify): upper-cased into two machine words and found
 * among the keywords of its length, which gives the classes it belongs to (DML operation,
 * DDL verb, DDL object, clause, modifier) and, for the few the rules name, which word it is. */
#include <stdint.h>
#include <string.h>
#include "protocols/sql/sql_summary.h"
#include "protocols/sql/sql_sanitize.h"

enum { E_NONE, E_TABLE, E_LIST, E_INSERT, E_DDL_OBJECT, E_DDL_NAME, E_SKIP };

/* Classes of a word. */
#define C_DML      0x01     /* SELECT INSERT UPDATE DELETE REPLACE */
#define C_DDL      0x02     /* CREATE DROP ALTER TRUNCATE RENAME */
#define C_OBJECT   0x04     /* what DDL acts on: TABLE, INDEX, ... */
#define C_CLAUSE   0x08     /* words that end a FROM list (anything else there is an alias) */
#define C_MODIFIER 0x10     /* words that may stand between INSERT/UPDATE/DELETE and the table */

/* The words the rules name one by one. */
enum { K_OTHER = 0, K_SELECT, K_UPDATE, K_DELETE, K_WITH, K_CALL, K_FROM, K_JOIN, K_INTO };

typedef struct ga__kw {
    char name[14];
    uint8_t cls, id;
} ga__kw;

/* The keywords, one table per length (a word is only compared with those of its length). */
static const ga__kw ga__k2[] = { {"ON", C_CLAUSE, 0}, {"OR", C_MODIFIER, 0}, {"IF", C_MODIFIER, 0} };
static const ga__kw ga__k3[] = {
    {"FOR", C_CLAUSE, 0}, {"SET", C_CLAUSE, 0}, {"NOT", C_MODIFIER, 0}, {"SQL", C_MODIFIER, 0},
};
static const ga__kw ga__k4[] = {
    {"DROP", C_DDL, 0}, {"VIEW", C_OBJECT, 0}, {"USER", C_OBJECT, 0}, {"ROLE", C_OBJECT, 0},
    {"JOIN", C_CLAUSE, K_JOIN}, {"LEFT", C_CLAUSE, 0}, {"LOCK", C_CLAUSE, 0},
    {"INTO", C_CLAUSE | C_MODIFIER, K_INTO}, {"FULL", C_CLAUSE, 0}, {"FROM", C_MODIFIER, K_FROM},
    {"WITH", 0, K_WITH}, {"CALL", 0, K_CALL},
};
static const ga__kw ga__k5[] = {
    {"WHERE", C_CLAUSE, 0}, {"TABLE", C_OBJECT, 0}, {"ALTER", C_DDL, 0}, {"INDEX", C_OBJECT, 0},
    {"EVENT", C_OBJECT, 0}, {"INNER", C_CLAUSE, 0}, {"RIGHT", C_CLAUSE, 0}, {"CROSS", C_CLAUSE, 0},
    {"USING", C_CLAUSE, 0}, {"GROUP", C_CLAUSE, 0}, {"ORDER", C_CLAUSE, 0}, {"LIMIT", C_CLAUSE, 0},
    {"UNION", C_CLAUSE, 0}, {"OUTER", C_CLAUSE, 0}, {"QUICK", C_MODIFIER, 0},
};
static const ga__kw ga__k6[] = {
    {"SELECT", C_DML | C_CLAUSE, K_SELECT}, {"INSERT", C_DML, 0}, {"UPDATE", C_DML, K_UPDATE},
    {"DELETE", C_DML, K_DELETE}, {"VALUES", C_CLAUSE, 0}, {"CREATE", C_DDL, 0},
    {"RENAME", C_DDL, 0}, {"SCHEMA", C_OBJECT, 0}, {"SERVER", C_OBJECT, 0},
    {"HAVING", C_CLAUSE, 0}, {"EXCEPT", C_CLAUSE, 0}, {"WINDOW", C_CLAUSE, 0},
    {"IGNORE", C_MODIFIER, 0}, {"UNIQUE", C_MODIFIER, 0}, {"ONLINE", C_MODIFIER, 0},
    {"EXISTS", C_MODIFIER, 0},
};
static const ga__kw ga__k7[] = {
    {"REPLACE", C_DML, 0}, {"TRIGGER", C_OBJECT, 0}, {"NATURAL", C_CLAUSE, 0},
    {"DELAYED", C_MODIFIER, 0}, {"SPATIAL", C_MODIFIER, 0}, {"OFFLINE", C_MODIFIER, 0},
    {"DEFINER", C_MODIFIER, 0},
};
static const ga__kw ga__k8[] = {
    {"TRUNCATE", C_DDL, 0}, {"DATABASE", C_OBJECT, 0}, {"FUNCTION", C_OBJECT, 0},
    {"SEQUENCE", C_OBJECT, 0}, {"FULLTEXT", C_MODIFIER, 0}, {"SECURITY", C_MODIFIER, 0},
};
static const ga__kw ga__k9[] = {
    {"PROCEDURE", C_OBJECT, 0}, {"INTERSECT", C_CLAUSE, 0}, {"PARTITION", C_CLAUSE, 0},
    {"RETURNING", C_CLAUSE, 0}, {"TEMPORARY", C_MODIFIER, 0}, {"ALGORITHM", C_MODIFIER, 0},
    {"AGGREGATE", C_MODIFIER, 0},
};
static const ga__kw ga__k10[] = { {"TABLESPACE", C_OBJECT, 0} };
static const ga__kw ga__k12[] = { {"LOW_PRIORITY", C_MODIFIER, 0} };
static const ga__kw ga__k13[] = { {"STRAIGHT_JOIN", C_CLAUSE, 0}, {"HIGH_PRIORITY", C_MODIFIER, 0} };

#define GA__KW_MAXLEN 13
#define GA__GROUP(k) (*n = sizeof k / sizeof k[0], k)

/* The keywords of length len, *n of them. A switch, not a table of pointers to the groups:
 * each pointer in a table would be a relocation the loader applies at every process start. */
static const ga__kw *ga__by_len(size_t len, unsigned *n)
{
    switch (len) {
    case 2: return GA__GROUP(ga__k2);
    case 3: return GA__GROUP(ga__k3);
    case 4: return GA__GROUP(ga__k4);
    case 5: return GA__GROUP(ga__k5);
    case 6: return GA__GROUP(ga__k6);
    case 7: return GA__GROUP(ga__k7);
    case 8: return GA__GROUP(ga__k8);
    case 9: return GA__GROUP(ga__k9);
    case 10: return GA__GROUP(ga__k10);
    case 12: return GA__GROUP(ga__k12);
    case 13: return GA__GROUP(ga__k13);
    default: *n = 0; return NULL;
    }
}

typedef struct ga__word_class {
    uint8_t cls, id;
} ga__word_class;

/* The classes of a token (none for anything but a WORD that is one of the keywords above,
 * in any case). */
static ga__word_class ga__classify(const ga_sql_lex *lx, const ga_sql_token *t)
{
    ga__word_class c = { 0, K_OTHER };
    if (t->type != GA_SQL_WORD || t->len < 2 || t->len > GA__KW_MAXLEN)
        return c;
    char up[16] = {0};
    const char *s = lx->s + t->start;
    for (size_t i = 0; i < t->len; i++) {
        char ch = s[i];
        up[i] = (ch >= 'a' && ch <= 'z') ? (char)(ch - 32) : ch;
    }
    uint64_t w0, w1;
    memcpy(&w0, up, 8);
    memcpy(&w1, up + 8, 8);
    unsigned n;
    const ga__kw *k = ga__by_len(t->len, &n);
    for (unsigned i = 0; i < n; i++) {
        uint64_t k0, k1 = 0;
        memcpy(&k0, k[i].name, 8);
        memcpy(&k1, k[i].name + 8, 6);      /* the name is zero-padded to 14 bytes */
        if (k0 == w0 && k1 == w1) {
            c.cls = k[i].cls;
            c.id = k[i].id;
            break;
        }
    }
    return c;
}

typedef struct ga__sum {
    ga_sql_lex lx;
    char *out;
    size_t cap, len;
    int expect;             /* what the next name is */
    int list;               /* the table being read belongs to a FROM list */
    int first;              /* at the start of a statement */
} ga__sum;

static void ga__append(ga__sum *s, const char *p, size_t n, int upper)
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

static void ga__append_tok(ga__sum *s, const ga_sql_token *t, int upper)
{
    ga__append(s, s->lx.s + t->start, t->len, upper);
}

/* The next token that is not space or comment. */
static int ga__next(ga__sum *s, ga_sql_token *t)
{
    int ty;
    while ((ty = ga_sql_next(&s->lx, t)) == GA_SQL_SPACE || ty == GA_SQL_COMMENT || ty == GA_SQL_EXEC)
        ;
    return ty;
}

/* A table name: ident [. ident], backquotes removed, appended as one word. */
static void ga__name(ga__sum *s, const ga_sql_token *t)
{
    const char *p = s->lx.s + t->start;
    size_t n = t->len;
    if (t->type == GA_SQL_QIDENT && n >= 2) {
        p++;
        n -= (p[n - 2] == '`') ? 2 : 1;
    }
    n = strnlen(p, n);                  /* a quoted name ends at a NUL: the summary is a C string */
    ga__append(s, p, n, 0);
    ga_sql_lex save = s->lx;
    ga_sql_token dot, part;
    if (ga_sql_next(&s->lx, &dot) == GA_SQL_PUNCT && s->lx.s[dot.start] == '.' &&
        ((ga_sql_next(&s->lx, &part) == GA_SQL_WORD) || part.type == GA_SQL_QIDENT)) {
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
static void ga__statement(ga__sum *s, const ga_sql_token *t, ga__word_class c)
{
    if (c.id == K_WITH)
        return;                         /* common table expressions: their SELECTs count */
    ga__append_tok(s, t, 1);
    if (c.cls & C_DDL)
        s->expect = E_DDL_OBJECT;
    else if (c.id == K_CALL)
        s->expect = E_DDL_NAME;
    else
        s->expect = E_SKIP;
}

static void ga__word(ga__sum *s, const ga_sql_token *t, ga__word_class c)
{
    int e = s->expect;
    if (e == E_DDL_OBJECT) {
        if (c.cls & C_OBJECT) {
            ga__append_tok(s, t, 1);
            s->expect = E_DDL_NAME;
        }
        return;
    }
    int naming = e == E_TABLE || e == E_INSERT || e == E_DDL_NAME;
    if (naming && (c.cls & C_MODIFIER))
        return;
    if (naming && !(c.cls & (C_DML | C_CLAUSE))) {
        ga__name(s, t);
        s->expect = s->list ? E_LIST : (e == E_DDL_NAME ? E_SKIP : E_NONE);
        return;
    }
    if (e == E_LIST && !(c.cls & C_CLAUSE))
        return;                                         /* an alias */
    if (e == E_SKIP)
        return;
    s->list = 0;
    s->expect = E_NONE;
    if (c.cls & C_DML) {
        ga__append_tok(s, t, 1);
        if (c.id == K_UPDATE)
            s->expect = E_TABLE;
        else if (c.id != K_SELECT && c.id != K_DELETE)
            s->expect = E_INSERT;
    } else if (c.id == K_FROM) {
        s->expect = E_TABLE;
        s->list = 1;
    } else if (c.id == K_JOIN || c.id == K_INTO) {
        s->expect = E_TABLE;
    }
}

size_t ga_sql_summary(const char *in, size_t n, char *out, size_t cap)
{
    if (cap == 0)
        return 0;
    ga__sum s = { .out = out, .cap = cap, .first = 1 };
    ga_sql_lex_init(&s.lx, in, n);
    out[0] = '\0';
    ga_sql_token t;
    int ty;
    while ((ty = ga__next(&s, &t)) != GA_SQL_END) {
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
            ga__word_class wc = ga__classify(&s.lx, &t);
            if (s.first && ty == GA_SQL_WORD && !(wc.cls & C_DML))
                ga__statement(&s, &t, wc);
            else if (ty == GA_SQL_QIDENT && (s.expect == E_TABLE || s.expect == E_INSERT ||
                                            s.expect == E_DDL_NAME)) {
                ga__name(&s, &t);
                s.expect = s.list ? E_LIST : E_NONE;
            } else if (ty == GA_SQL_WORD)
                ga__word(&s, &t, wc);
            s.first = 0;
        } else {
            s.first = 0;
        }
    }
    while (s.len > 0 && out[s.len - 1] == ' ')
        out[--s.len] = '\0';                            /* a separator cut by the limit */
    return s.len;
}
