/* sql_sanitize_ref.h — the SQL lexer and sanitiser as they were before the lexer used a
 * character table: the reference tests/unit/test_sql_summary_ref.c compares
 * protocols/sql/sql_sanitize.c with (token streams, sanitised texts). Same contracts as
 * sql_sanitize.h, every name prefixed ref_. Test helper, included by one test file. */
#include <string.h>
#include "protocols/sql/sql_sanitize.h"   /* the types and token kinds */

static __attribute__((unused)) int ref__ident_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '$' || c >= 0x80;
}

static __attribute__((unused)) int ref__digit(unsigned char c) { return c >= '0' && c <= '9'; }

static __attribute__((unused)) int ref__space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static __attribute__((unused)) void ref_sql_lex_init(ga_sql_lex *lx, const char *s, size_t n)
{
    lx->s = s;
    lx->n = n;
    lx->pos = 0;
    lx->in_exec = 0;
    lx->prev = GA_SQL_END;
}

/* End of a quoted run starting at i (the opening quote q): backslash escapes, doubled quotes.
 * Unterminated → the end of the text. */
static __attribute__((unused)) size_t ref__quoted(const char *s, size_t n, size_t i, char q, int backslash)
{
    for (i++; i < n; i++) {
        if (backslash && s[i] == '\\') {
            i++;
            continue;
        }
        if (s[i] == q) {
            if (i + 1 < n && s[i + 1] == q) {
                i++;
                continue;
            }
            return i + 1;
        }
    }
    return n;
}

/* Numeric literal at i; returns its end. */
static __attribute__((unused)) size_t ref__number(const char *s, size_t n, size_t i)
{
    if (s[i] == '0' && i + 1 < n && (s[i + 1] == 'x' || s[i + 1] == 'X' || s[i + 1] == 'b' ||
                                     s[i + 1] == 'B')) {
        size_t j = i + 2;
        while (j < n && ref__ident_char((unsigned char)s[j]))
            j++;
        return j;
    }
    while (i < n && ref__digit((unsigned char)s[i]))
        i++;
    if (i < n && s[i] == '.')
        for (i++; i < n && ref__digit((unsigned char)s[i]); i++)
            ;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t j = i + 1;
        if (j < n && (s[j] == '+' || s[j] == '-'))
            j++;
        if (j < n && ref__digit((unsigned char)s[j])) {
            for (i = j; i < n && ref__digit((unsigned char)s[i]); i++)
                ;
        }
    }
    return i;
}

/* A comment starting at i, or 0 when there is none. The opening of an executable comment or
 * a hint (slash-star followed by !, M! or +, and a version number) and its closing star-slash
 * are tokens of their own (*exec = 1): what is between them is lexed as SQL. */
static __attribute__((unused)) size_t ref__comment(ga_sql_lex *lx, size_t i, int *exec)
{
    *exec = 0;
    const char *s = lx->s;
    size_t n = lx->n;
    if (s[i] == '#' || (s[i] == '-' && i + 1 < n && s[i + 1] == '-' &&
                        (i + 2 >= n || ref__space((unsigned char)s[i + 2])))) {
        while (i < n && s[i] != '\n')
            i++;
        return i;
    }
    if (lx->in_exec && s[i] == '*' && i + 1 < n && s[i + 1] == '/') {
        lx->in_exec = 0;
        *exec = 1;
        return i + 2;
    }
    if (s[i] != '/' || i + 1 >= n || s[i + 1] != '*')
        return 0;
    size_t j = i + 2;
    if (j < n && s[j] == 'M' && j + 1 < n && s[j + 1] == '!')
        j++;
    if (j < n && (s[j] == '!' || s[j] == '+') && !lx->in_exec) {
        for (j++; j < n && ref__digit((unsigned char)s[j]); j++)
            ;
        lx->in_exec = 1;
        *exec = 1;
        return j;
    }
    for (; j + 1 < n; j++)
        if (s[j] == '*' && s[j + 1] == '/')
            return j + 2;
    return n;
}

/* A word at i: identifier or keyword, or a prefixed string (N'..', X'..', _utf8'..'). */
static __attribute__((unused)) int ref__word(ga_sql_lex *lx, size_t i, size_t *end)
{
    const char *s = lx->s;
    size_t j = i;
    while (j < lx->n && ref__ident_char((unsigned char)s[j]))
        j++;
    if (j < lx->n && s[j] == '\'') {
        size_t w = j - i;
        char c = s[i];
        if ((w == 1 && (c == 'N' || c == 'n' || c == 'X' || c == 'x' || c == 'B' || c == 'b')) ||
            c == '_') {
            *end = ref__quoted(s, lx->n, j, '\'', 1);
            return GA_SQL_STRING;
        }
    }
    *end = j;
    return GA_SQL_WORD;
}

/* Token type and end of whatever starts at i (not space, not comment). */
static __attribute__((unused)) int ref__scan(ga_sql_lex *lx, size_t i, size_t *end)
{
    const char *s = lx->s;
    size_t n = lx->n;
    unsigned char c = (unsigned char)s[i];
    if (c == '\'' || c == '"') {
        *end = ref__quoted(s, n, i, (char)c, 1);
        return GA_SQL_STRING;
    }
    if (c == '`') {
        *end = ref__quoted(s, n, i, '`', 0);
        return GA_SQL_QIDENT;
    }
    int after_name = lx->prev == GA_SQL_WORD || lx->prev == GA_SQL_QIDENT;
    if (ref__digit(c) || (c == '.' && i + 1 < n && ref__digit((unsigned char)s[i + 1]) && !after_name)) {
        size_t j = ref__number(s, n, i);
        if (j < n && ref__ident_char((unsigned char)s[j]) && c != '.') {
            while (j < n && ref__ident_char((unsigned char)s[j]))
                j++;
            *end = j;                   /* an identifier that starts with digits */
            return GA_SQL_WORD;
        }
        *end = j;
        return GA_SQL_NUMBER;
    }
    if (ref__ident_char(c))
        return ref__word(lx, i, end);
    if (c == '@') {
        size_t j = i + 1;
        while (j < n && (s[j] == '@' || s[j] == '.' || ref__ident_char((unsigned char)s[j])))
            j++;
        if (j > i + 1) {
            *end = j;
            return GA_SQL_WORD;
        }
    }
    *end = i + 1;
    return c == '?' ? GA_SQL_PARAM : GA_SQL_PUNCT;
}

static __attribute__((unused)) int ref_sql_next(ga_sql_lex *lx, ga_sql_token *t)
{
    size_t i = lx->pos, end;
    int exec;
    t->start = i;
    if (i >= lx->n) {
        t->len = 0;
        return t->type = GA_SQL_END;
    }
    if (ref__space((unsigned char)lx->s[i])) {
        for (end = i; end < lx->n && ref__space((unsigned char)lx->s[end]); end++)
            ;
        t->type = GA_SQL_SPACE;
    } else if ((end = ref__comment(lx, i, &exec)) != 0) {
        t->type = exec ? GA_SQL_EXEC : GA_SQL_COMMENT;
    } else {
        t->type = ref__scan(lx, i, &end);
        lx->prev = t->type;
    }
    t->len = end - i;
    lx->pos = end;
    return t->type;
}

static __attribute__((unused)) int ref_sql_word_is(const ga_sql_lex *lx, const ga_sql_token *t, const char *kw)
{
    size_t k = strlen(kw);
    if (t->type != GA_SQL_WORD || t->len != k)
        return 0;
    for (size_t i = 0; i < k; i++) {
        char c = lx->s[t->start + i];
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 32);
        if (c != kw[i])
            return 0;
    }
    return 1;
}

static __attribute__((unused)) int ref_sql_is_literal(const ga_sql_lex *lx, const ga_sql_token *t)
{
    return t->type == GA_SQL_STRING || t->type == GA_SQL_NUMBER ||
           ref_sql_word_is(lx, t, "TRUE") || ref_sql_word_is(lx, t, "FALSE");
}

/* IN ( literal-or-? [, ...] ): the position after ')' when the list holds only literals and
 * placeholders (it then becomes `(?)`), else 0. */
static __attribute__((unused)) size_t ref__in_list(const ga_sql_lex *at)
{
    ga_sql_lex lx = *at;
    ga_sql_token t;
    int values = 0, open = 0;
    while (ref_sql_next(&lx, &t) != GA_SQL_END) {
        if (t.type == GA_SQL_SPACE || t.type == GA_SQL_COMMENT || t.type == GA_SQL_EXEC)
            continue;
        char c = t.type == GA_SQL_PUNCT ? lx.s[t.start] : 0;
        if (!open) {
            if (c != '(')
                return 0;
            open = 1;
        } else if (c == ')') {
            return values > 0 ? lx.pos : 0;
        } else if (ref_sql_is_literal(&lx, &t) || t.type == GA_SQL_PARAM) {
            values++;
        } else if (c != ',' && c != '-' && c != '+') {
            return 0;
        }
    }
    return 0;
}

static __attribute__((unused)) void ref__put(char *out, size_t cap, size_t *o, const char *p, size_t n)
{
    size_t k = cap - *o < n ? cap - *o : n;
    memcpy(out + *o, p, k);
    *o += k;
}

/* A comment is dropped. Its neighbours are kept apart when nothing else does, and `--` before
 * it must not become the start of a line comment: then an empty block comment stays. */
static __attribute__((unused)) void ref__drop_comment(const char *in, size_t n, const ga_sql_token *t, char *out,
                             size_t cap, size_t *o)
{
    size_t next = t->start + t->len;
    int block = in[t->start] == '/';
    if (*o >= 2 && out[*o - 1] == '-' && out[*o - 2] == '-' && block)
        ref__put(out, cap, o, "/**/", 4);
    else if (*o > 0 && !ref__space((unsigned char)out[*o - 1]) && next < n &&
             !ref__space((unsigned char)in[next]))
        ref__put(out, cap, o, " ", 1);
}

static __attribute__((unused)) size_t ref_sql_sanitize(const char *in, size_t n, char *out, size_t cap)
{
    ga_sql_lex lx;
    ga_sql_token t;
    size_t o = 0;
    ref_sql_lex_init(&lx, in, n);
    while (ref_sql_next(&lx, &t) != GA_SQL_END && o < cap) {
        if (t.type == GA_SQL_COMMENT) {
            ref__drop_comment(in, n, &t, out, cap, &o);
        } else if (t.type == GA_SQL_SPACE && o == 0) {
            continue;                                   /* no leading blanks */
        } else if (ref_sql_is_literal(&lx, &t)) {
            ref__put(out, cap, &o, "?", 1);
        } else {
            ref__put(out, cap, &o, in + t.start, t.len);
            size_t end;
            if (ref_sql_word_is(&lx, &t, "IN") && (end = ref__in_list(&lx)) != 0) {
                int spaced = lx.pos < n && ref__space((unsigned char)in[lx.pos]);
                ref__put(out, cap, &o, spaced ? " (?)" : "(?)", spaced ? 4 : 3);
                lx.pos = end;
                lx.prev = GA_SQL_PUNCT;
            }
        }
    }
    return o;
}
