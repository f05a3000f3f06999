/* genesis-view: command-line parsing and --help text. */
#include "tools/genesis-view/opts.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
    "usage: genesis-view [options]\n"
    "OTLP/HTTP protobuf receiver (POST /v1/traces, /v1/metrics, /v1/logs) and viewer.\n"
    "\n"
    "  --host ADDR            listen address (default 127.0.0.1)\n"
    "  --port N               listen port (default 4318; 0 = pick a free port)\n"
    "  --jsonl FILE           write one JSON object per span / data point / log record\n"
    "  --count-file FILE      keep request and item counters in FILE (JSON)\n"
    "  --settle-ms N          print a trace N ms after its last span arrived (default 1000)\n"
    "  --quiet                print nothing on stdout\n"
    "  --sink                 accept every export without decoding it (counts requests and\n"
    "                         bytes only): a receiver that costs next to nothing, for wall-clock\n"
    "                         benchmarks on the host that runs the measured program\n"
    "fault injection (exports on the three OTLP paths only):\n"
    "  --status CODE          answer every export with CODE (non-2xx: data is not recorded)\n"
    "  --retry-after SECS     add Retry-After: SECS to non-2xx export answers\n"
    "  --delay-ms N           wait N ms before answering\n"
    "  --blackhole            read requests, never answer\n"
    "  --drop                 close the connection instead of answering\n"
    "  --partial-success N:MSG  answer 200 with partial_success rejected=N, error_message=MSG\n"
    "  --help                 this text\n";

static int parse_int(const char *s, long lo, long hi, const char *what, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) {
        fprintf(stderr, "genesis-view: bad %s '%s' (%ld..%ld)\n", what, s, lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_partial(struct gv_opts *o, const char *arg)
{
    const char *colon = strchr(arg, ':');
    char *end;
    errno = 0;
    long long n = strtoll(arg, &end, 10);
    if (errno || end == arg || (colon ? end != colon : *end != '\0') || n < 0) {
        fprintf(stderr, "genesis-view: bad --partial-success '%s' (want N:MSG)\n", arg);
        return -1;
    }
    o->partial = 1;
    o->partial_rejected = (int64_t)n;
    o->partial_msg = colon ? colon + 1 : "";
    return 0;
}

enum { O_HOST = 256, O_PORT, O_JSONL, O_COUNT, O_SETTLE, O_QUIET, O_SINK, O_STATUS, O_RETRY,
       O_DELAY, O_BLACKHOLE, O_DROP, O_PARTIAL, O_HELP };

static const struct option longopts[] = {
    {"host", required_argument, NULL, O_HOST},       {"port", required_argument, NULL, O_PORT},
    {"jsonl", required_argument, NULL, O_JSONL},     {"count-file", required_argument, NULL, O_COUNT},
    {"settle-ms", required_argument, NULL, O_SETTLE}, {"quiet", no_argument, NULL, O_QUIET},
    {"sink", no_argument, NULL, O_SINK},
    {"status", required_argument, NULL, O_STATUS},   {"retry-after", required_argument, NULL, O_RETRY},
    {"delay-ms", required_argument, NULL, O_DELAY},  {"blackhole", no_argument, NULL, O_BLACKHOLE},
    {"drop", no_argument, NULL, O_DROP},             {"partial-success", required_argument, NULL, O_PARTIAL},
    {"help", no_argument, NULL, O_HELP},             {NULL, 0, NULL, 0},
};

static int apply(struct gv_opts *o, int c, const char *arg)
{
    long v = 0;
    switch (c) {
    case O_HOST: o->host = arg; return 0;
    case O_PORT: if (parse_int(arg, 0, 65535, "--port", &v)) return -1; o->port = (int)v; return 0;
    case O_JSONL: o->jsonl_path = arg; return 0;
    case O_COUNT: o->count_path = arg; return 0;
    case O_SETTLE:
        if (parse_int(arg, 0, 86400000, "--settle-ms", &v)) return -1;
        o->settle_ms = (int)v; return 0;
    case O_QUIET: o->quiet = 1; return 0;
    case O_SINK: o->sink = 1; return 0;
    case O_STATUS: if (parse_int(arg, 100, 599, "--status", &v)) return -1; o->status = (int)v; return 0;
    case O_RETRY:
        if (parse_int(arg, 0, 86400, "--retry-after", &v)) return -1;
        o->retry_after = (int)v; return 0;
    case O_DELAY:
        if (parse_int(arg, 0, 3600000, "--delay-ms", &v)) return -1;
        o->delay_ms = (int)v; return 0;
    case O_BLACKHOLE: o->blackhole = 1; return 0;
    case O_DROP: o->drop = 1; return 0;
    case O_PARTIAL: return parse_partial(o, arg);
    default: return -1;
    }
}

int gv_opts_parse(struct gv_opts *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    o->host = "127.0.0.1";
    o->port = 4318;
    o->settle_ms = 1000;
    o->retry_after = -1;
    int c;
    while ((c = getopt_long(argc, argv, "hq", longopts, NULL)) != -1) {
        if (c == 'h' || c == O_HELP) {
            fputs(usage_text, stdout);
            return 1;
        }
        if (c == 'q')
            c = O_QUIET;
        if (apply(o, c, optarg) != 0) {
            fputs(usage_text, stderr);
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "genesis-view: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    return 0;
}
