/* genesis-view: command-line options. */
#ifndef GV_OPTS_H
#define GV_OPTS_H

#include <stdint.h>

#define GV_MAX_BODY (64u * 1024u * 1024u) /* 64 MiB, before and after gunzip (SPECS §1.3) */

struct gv_opts {
    const char *host;          /* --host, default 127.0.0.1 */
    int port;                  /* --port, default 4318 (0 = any free port) */
    const char *jsonl_path;    /* --jsonl FILE */
    const char *count_path;    /* --count-file FILE */
    int settle_ms;             /* --settle-ms, default 1000 */
    int quiet;                 /* --quiet: nothing on stdout */
    int sink;                  /* --sink: accept exports without decoding them */
    int status;                /* --status CODE, 0 = normal */
    int retry_after;           /* --retry-after SECS, -1 = none */
    int delay_ms;              /* --delay-ms N */
    int blackhole;             /* --blackhole */
    int drop;                  /* --drop */
    int partial;               /* --partial-success given */
    int64_t partial_rejected;  /* N of --partial-success N:MSG */
    const char *partial_msg;   /* MSG of --partial-success N:MSG */
};

/* Returns 0 to run, 1 when --help was printed (exit 0), -1 on a usage error (exit 2). */
int gv_opts_parse(struct gv_opts *o, int argc, char **argv);

#endif
