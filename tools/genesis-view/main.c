/* genesis-view: embedded OTLP/HTTP receiver and viewer — entry point.
 * Parses options, opens the outputs, listens, serves until SIGINT/SIGTERM, then prints every
 * pending trace and exits 0. Usage: docs/genesis-view.md or `genesis-view --help`. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tools/genesis-view/clock.h"
#include "tools/genesis-view/ctx.h"
#include "tools/genesis-view/opts.h"
#include "tools/genesis-view/server.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

/* Block SIGINT/SIGTERM except inside ppoll (no lost wake-up); returns the wait mask. */
static void setup_signals(sigset_t *waitmask)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigprocmask(SIG_BLOCK, &block, waitmask);
    sigdelset(waitmask, SIGINT);
    sigdelset(waitmask, SIGTERM);
}

static int open_outputs(struct gv_ctx *c, const struct gv_opts *o)
{
    memset(c, 0, sizeof *c);
    c->opts = o;
    c->text = o->quiet ? NULL : stdout;
    if (o->jsonl_path && !(c->jsonl = fopen(o->jsonl_path, "w"))) {
        fprintf(stderr, "genesis-view: cannot open %s: %m\n", o->jsonl_path);
        return -1;
    }
    gv_wf_init(&c->wf, c->text, o->settle_ms);
    gv_counts_write(c);
    return 0;
}

int main(int argc, char **argv)
{
    struct gv_opts o;
    int rc = gv_opts_parse(&o, argc, argv);
    if (rc)
        return rc > 0 ? 0 : 2;
    struct gv_ctx c;
    if (open_outputs(&c, &o))
        return 1;
    char where[80];
    int lfd = gv_listen(o.host, o.port, where, sizeof where);
    if (lfd < 0)
        return 1;
    sigset_t waitmask;
    setup_signals(&waitmask);
    fprintf(stderr, "genesis-view: listening on http://%s (POST /v1/traces /v1/metrics /v1/logs)\n", where);
    gv_serve(&c, lfd, &stop_flag, &waitmask);
    gv_wf_flush(&c.wf);
    if (c.text) fflush(c.text);
    if (c.jsonl) fclose(c.jsonl);
    gv_counts_write(&c);
    close(lfd);
    return 0;
}
