/* im_jlog.h — structured log lines of the IM programs: one JSON object per line on stdout,
 *   {"ts":"2026-12-06T23:59:01.123Z","level":"info","msg":"message stored","from":"alice",...}
 * written with a single write(2), so a line is never interleaved with another thread's.
 * (The text lines of im_util.h's im_log stay on stderr.) Nothing here knows about tracing: a
 * library preloaded under the program may link each line to the request being served. */
#ifndef IM_JLOG_H
#define IM_JLOG_H

#include "im_buf.h"

/* Starts a line in b (initialised here): ts, level ("info", "warn", "error") and msg. */
void im_jlog_begin(im_buf *b, const char *level, const char *msg);
/* Adds "key":"value" (NULL value: null) / "key":number. */
void im_jlog_str(im_buf *b, const char *key, const char *value);
void im_jlog_int(im_buf *b, const char *key, long long value);
/* Closes the object, writes the line to stdout (dropped on out-of-memory) and frees b. */
void im_jlog_end(im_buf *b);

#endif
