/* prom_server.h — state shared by the Prometheus endpoint's two halves: prom_server.c
 * (listener, responses, component life) and prom_conn.c (client connections in the poll
 * loop). Exporter thread only. */
#ifndef GA_PROM_SERVER_H
#define GA_PROM_SERVER_H

#include <stdint.h>
#include "exporter/buf.h"
#include "exporter/prom.h"
#include "preload/fdtable.h"

#define GA_PROM_MAX_CLIENTS 12      /* connections served at once; a new one beyond closes the
                                     * slowest (exporter thread's poll has 32 entries in all) */
#define GA_PROM_BACKLOG     64
#define GA_PROM_REQ_MAX     8192    /* request line + headers */
#define GA_PROM_READ_MS     2000    /* whole request must arrive within */
#define GA_PROM_WRITE_MS    5000    /* whole response must be taken within */
#define GA_PROM_LINGER_MS   500     /* drain after the response before closing */

enum { GA_CL_FREE = 0, GA_CL_READ, GA_CL_WRITE, GA_CL_LINGER };

typedef struct ga_prom_client {
    ga_own own;                     /* the connection (one of the library's descriptors) */
    int state;
    uint64_t deadline_ms;           /* ga_mono_ms() after which the connection is dropped */
    uint64_t since_ms;              /* accepted at (the oldest reader is the slowest) */
    size_t inlen, off;
    char in[GA_PROM_REQ_MAX];
    ga_buf out;                     /* response being written, from `off` */
} ga_prom_client;

extern ga_own ga_prom_lfd;          /* listener, GA_OWN_NONE when no endpoint */
extern ga_prom_client ga_prom_cl[GA_PROM_MAX_CLIENTS];

/* Close a descriptor only while it is still ours (the application may have taken the number),
 * and forget it. */
void ga_prom_release(ga_own *o);

/* Called each turn: when the application took the listener (closed its number), listen again
 * on a new descriptor, retrying with a growing delay while that fails. */
void ga_prom_relisten(uint64_t now_ms);

/* Close a client connection and free its slot. */
void ga_prom_drop(ga_prom_client *c);

/* Answer a parsed request (collects and renders the metrics for 200). */
void ga_prom_serve(ga_prom_client *c, const ga_prom_req *req);

/* Answer 400/404/405 with a short text body. */
void ga_prom_error(ga_prom_client *c, int code);

/* Component hooks implemented in prom_conn.c. */
struct pollfd;
int  ga_prom_pollfds(struct pollfd *p, int max);
void ga_prom_events(const struct pollfd *p, int n);
int  ga_prom_tick(uint64_t now_ms);
void ga_prom_close_all(void);

/* The port the listener is bound to, -1 without endpoint (tests, debug). */
int ga_prom_port(void);

#endif
