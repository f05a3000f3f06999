/* genesis-view: listening socket and the single-threaded ppoll() loop. */
#ifndef GV_SERVER_H
#define GV_SERVER_H

#include <signal.h>
#include <stddef.h>

#include "tools/genesis-view/ctx.h"

/* Bind + listen (non-blocking). Writes "host:port" actually bound into where. -1 on error. */
int gv_listen(const char *host, int port, char *where, size_t where_len);

/* Serve until *stop is set; signals are only delivered inside ppoll (waitmask). */
void gv_serve(struct gv_ctx *c, int lfd, volatile sig_atomic_t *stop, const sigset_t *waitmask);

#endif
