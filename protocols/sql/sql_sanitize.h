/* sql_sanitize.h — an SQL lexer (MySQL/MariaDB dialect) and the sanitiser that replaces every
 * literal of a query text with `?` (SPECS.md §5.3): strings ('..', "..", N'..', X'..', B'..',
 * _charset'..'), numbers (integers, decimals, exponents, 0x.., 0b..), booleans TRUE/FALSE.
 * Comments are dropped (their content may hold anything); executable comments and optimizer
 * hints (slash-star-bang, slash-star-M-bang, slash-star-plus) are kept, their bodies sanitised
 * like the rest.
 * `IN (?, ?, ?)` collapses to `IN (?)`. A text cut short (truncated by the capture) is safe:
 * an unterminated literal still becomes `?`.
 *
 * Pure functions, no allocation; used on the exporter thread (and by the summary builder,
 * protocols/sql/sql_summary.h). */
#ifndef GA_SQL_SANITIZE_H
#define GA_SQL_SANITIZE_H

#include <stddef.h>

enum ga_sql_tok {
    GA_SQL_END = 0,
    GA_SQL_SPACE,           /* a run of whitespace */
    GA_SQL_COMMENT,         /* a comment */
    GA_SQL_EXEC,            /* opening (with its version) or closing of an executable comment */
    GA_SQL_WORD,            /* keyword or bare identifier (also @var, @@var) */
    GA_SQL_QIDENT,          /* `quoted identifier` */
    GA_SQL_STRING,          /* string literal, with its prefix (N, X, B, _charset) */
    GA_SQL_NUMBER,          /* numeric or 0x/0b literal */
    GA_SQL_PARAM,           /* ? */
    GA_SQL_PUNCT,           /* any other single byte */
};

typedef struct ga_sql_lex {
    const char *s;
    size_t n;
    size_t pos;
    int in_exec;            /* inside an executable comment or a hint */
    int prev;               /* type of the last token that was not space/comment */
} ga_sql_lex;

typedef struct ga_sql_token {
    int type;               /* enum ga_sql_tok */
    size_t start, len;      /* bytes of the token in the text */
} ga_sql_token;

void ga_sql_lex_init(ga_sql_lex *lx, const char *s, size_t n);

/* The next token; type GA_SQL_END at the end of the text. */
int ga_sql_next(ga_sql_lex *lx, ga_sql_token *t);

/* 1 when the token is a literal the sanitiser replaces (STRING, NUMBER, TRUE, FALSE). */
int ga_sql_is_literal(const ga_sql_lex *lx, const ga_sql_token *t);

/* Case-insensitive comparison of a WORD token with an upper-case keyword. */
int ga_sql_word_is(const ga_sql_lex *lx, const ga_sql_token *t, const char *kw);

/* Sanitise `in` (n bytes) into out (at most cap bytes, not NUL-terminated); returns the
 * length written. The result is never longer than the input. */
size_t ga_sql_sanitize(const char *in, size_t n, char *out, size_t cap);

#endif
