/* logcap.h — log capture on the application thread: the bytes a program writes to its
 * standard output and error, to the files GENESIS_LOGS_FILES names, and its syslog(3)
 * messages become log-chunk records (record.h: GA_OP_LOG) in the ring.
 *
 * A captured descriptor is in the fd table's LOG state, so writes to it leave the hooks' fast
 * path; every other descriptor keeps it. The application thread only copies: the bytes of a
 * successful write (at most GA_LOGCAP_WRITE_MAX of one call, in record-sized chunks), the time,
 * and the trace context active on the thread. Lines are assembled, checked, stripped and given
 * a severity on the exporter thread (exporter/logs_asm.c). A write holding a NUL byte is not
 * copied (binary output); when the ring is more than half full, chunks are dropped (counted) so
 * that a flood of output never crowds spans out. */
#ifndef GA_LOGCAP_H
#define GA_LOGCAP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include <stdarg.h>
#include <stdio.h>
#include "preload/fdtable.h"

/* Where a chunk comes from (the record's h.reserved byte; ga_fd.logs). */
enum { GA_LOGS_NONE = 0, GA_LOGS_STDOUT = 1, GA_LOGS_STDERR = 2, GA_LOGS_SYSLOG = 3,
       GA_LOGS_FILE0 = 16 };
#define GA_LOGS_MAX_FILES 32
#define GA_LOGCAP_WRITE_MAX (64u << 10)     /* bytes copied of one write; the rest is counted */

/* Chunk flags (the record's h.has_parent byte). */
#define GA_LOGF_MORE 0x1        /* the next chunk of this thread continues the same call */
#define GA_LOGF_SKIP 0x2        /* bytes of this call were left out after this chunk */

/* 1 when capture is on (GENESIS_LOGS and a logs exporter); set by ga_logcap_init. */
extern int ga_logs_on;
/* 1 when GENESIS_LOGS_FILES names files to capture. */
extern int ga_logs_files_on;

/* GENESIS_LOGS_INJECT: which lines written while a span is active get its ids added. */
enum { GA_INJECT_OFF = 0, GA_INJECT_JSON, GA_INJECT_TEXT, GA_INJECT_AUTO };
extern int ga_logs_inject;

/* Counters (relaxed, racy like the byte counters): chunks dropped because the ring was too
 * full, writes not copied because they held a NUL byte, bytes left out of long writes. */
extern _Atomic uint64_t ga_logs_dropped_queue, ga_logs_binary_writes, ga_logs_skipped_bytes;

/* Constructor, after the configuration: decide whether capture is on, mark fds 1 and 2. */
void ga_logcap_init(void);

/* fd (1 or 2) now refers to something new (dup2 over it): capture it again. */
void ga_logcap_mark_std(int fd);

/* After a successful write of n bytes from buf (or from iov[0..cnt)) on a descriptor whose
 * entry e is in the LOG state. Keeps errno. */
void ga_logcap_write(const ga_fd *e, const void *buf, size_t n);
void ga_logcap_writev(const ga_fd *e, const struct iovec *iov, int cnt, size_t n);

/* Injection (GENESIS_LOGS_INJECT): the application writes buf[0..n) to LOG descriptor fd with
 * the real `wr` while a span is active. When the write is whole lines (ends with a newline, at
 * most 4 KiB, no NUL), each JSON object line gets `,"trace_id":"…","span_id":"…"` before its
 * closing brace and each text line ` trace_id=… span_id=…` before its newline (per the mode;
 * lines that already carry a trace_id are left alone); the result is written completely
 * (short writes continued, EINTR retried, EAGAIN waited for at most 1 s) and *ret is n, as if
 * the application's bytes had been written; the original bytes are captured. Returns 0 (nothing
 * done: the caller writes) when the write does not qualify. */
int ga_logcap_inject_write(int fd, const ga_fd *e, const void *buf, size_t n,
                           ssize_t (*wr)(int, const void *, size_t), ssize_t *ret);

/* Pure: the injected form of buf[0..n) (whole lines) into out (cap bytes) for ids given as
 * lowercase hex; returns its length, or 0 when nothing was injected or it does not fit. */
size_t ga_logcap_inject_lines(int mode, const char *buf, size_t n, const char trace_hex[32],
                              const char span_hex[16], char *out, size_t cap);

/* A stdio call (fwrite, fputs, printf, ...) put n bytes into fp: captured when fp's descriptor
 * is a LOG one. glibc's stdio writes through its internal write, which no hook sees, so stdio
 * output is captured here, when the program hands it over (the context is the caller's). */
void ga_logcap_stdio(FILE *fp, const void *buf, size_t n);

/* The same for a printf-family call: the output formatted again (bounded) from a copy of ap. */
void ga_logcap_stdio_fmt(FILE *fp, const char *fmt, va_list ap);

/* A syslog message (already formatted) of priority pri. */
void ga_logcap_syslog(int pri, const char *msg, size_t n);

/* open/openat/fopen returned fd for path: capture it when a GENESIS_LOGS_FILES glob matches. */
void ga_logcap_opened(int fd, const char *path);

/* The path of captured file i (stream GA_LOGS_FILE0 + i), or NULL. Any thread. */
const char *ga_logcap_path(unsigned i);

#endif
