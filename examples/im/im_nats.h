/* im_nats.h — the IM programs' NATS connection (libnats): connect to a numeric loopback
 * server, and the subject a comet node receives delivery requests on. */
#ifndef IM_NATS_H
#define IM_NATS_H

#include <nats/nats.h>

#include "im_args.h"

#define IM_DELIVER_PREFIX "im.deliver."     /* + the comet node's name */
#define IM_NODE_MAX       64

/* Connects to 127.0.0.1:PORT (5 s timeout, no reconnect noise); 0 with *nc, or -1 with the
 * reason logged. */
int  im_nats_open(natsConnection **nc, const im_addr *a, const char *name);
void im_nats_close(natsConnection *nc);

/* 1 if s is a valid node name: [A-Za-z0-9_-]{1,64} (it becomes a subject token). */
int  im_node_valid(const char *s);

#endif
