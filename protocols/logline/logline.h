/* logline.h — pure helpers for captured log lines: is a line exportable text, its body with
 * terminal escape sequences removed, and its severity from the forms programs commonly write
 * (JSON level fields, syslog priorities, ERROR/WARN words, nginx's `[error]`, Python logging's
 * `ERROR:root:`, glog's `E1206 `). Bytes in, answers out: no allocation, no state, only C
 * library includes. The exporter thread runs them once per line (exporter/logs_asm.c). */
#ifndef GA_LOGLINE_H
#define GA_LOGLINE_H

#include <stddef.h>
#include <stdint.h>

/* OTLP SeverityNumber values used here (SPECS-2 §1.2). */
enum {
    GA_SEV_UNSET = 0, GA_SEV_TRACE = 1, GA_SEV_DEBUG = 5, GA_SEV_INFO = 9, GA_SEV_NOTICE = 10,
    GA_SEV_WARN = 13, GA_SEV_ERROR = 17, GA_SEV_CRIT = 18, GA_SEV_ALERT = 19, GA_SEV_FATAL = 21
};

/* A line's severity: the OTLP number (0 = unset) and the source word as written (points
 * into the line, or to a static string for syslog priorities; len 0 when unset). */
typedef struct ga_ll_sev {
    int number;
    const char *text;
    size_t text_len;
} ga_ll_sev;

/* 1 when s[0..n) may be exported: no NUL byte and valid UTF-8 (no overlong forms, no
 * surrogates, nothing above U+10FFFF); 0 otherwise. */
int ga_ll_is_text(const char *s, size_t n);

/* Copy s[0..n) to dst (room for n bytes) without terminal escape sequences (CSI `ESC [ ...`,
 * OSC `ESC ] ... BEL|ESC \`, two-byte `ESC x`), carriage returns and other C0 controls but
 * tab, and without trailing white space. Returns the bytes written. */
size_t ga_ll_strip(char *dst, const char *s, size_t n);

/* Both in one pass, as the exporter uses them: the stripped line into dst (room for n bytes)
 * and its length, or -1 when s[0..n) is not exportable text (ga_ll_is_text). Runs of
 * printable ASCII are checked and copied eight bytes at a time. */
long ga_ll_clean(char *dst, const char *s, size_t n);

/* 1 when the line (leading and trailing white space ignored) is a JSON object: `{ ... }`. */
int ga_ll_is_json_object(const char *s, size_t n);

/* The severity of a line from its content; number 0 when none is recognised. */
void ga_ll_severity(const char *s, size_t n, ga_ll_sev *out);

/* The severity of a syslog priority (LOG_PRI: pri & 7): text `emerg` .. `debug`. */
void ga_ll_syslog_severity(int pri, ga_ll_sev *out);

/* The severity of a level word (`error`, `WARNING`, `info`, `E` ...; case-insensitive);
 * 0 when the word is not a level. */
int ga_ll_level_word(const char *w, size_t n);

#endif
