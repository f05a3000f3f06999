/* nats_strip.h — what a NATS server sends, turned into what it would have sent to a client
 * that did not declare headers: every `HMSG <subject> <sid> [reply] <h> <t>` with its h-byte
 * header block becomes `MSG <subject> <sid> [reply] <t-h>` with the payload alone, as the
 * server itself strips headers for such a client. Every other byte passes unchanged.
 *
 * Used when the library rewrote a client's CONNECT to declare headers (so that it may inject
 * a traceparent into what the client publishes): the server then delivers HMSG to a client
 * that cannot read it, and the receive hooks give it back the MSG it expects.
 *
 * The rewrite runs in place and only shrinks: the output of a run is never longer than its
 * input. A control line that starts a message (MSG, HMSG) must be seen whole before it is
 * written; when a run ends inside one, its bytes are left after the output for the caller to
 * present again, first, with the next bytes (the "tail"). Other lines pass as they come.
 *
 * Pure code: no allocation, no system call, no global state. */
#ifndef GA_NATS_STRIP_H
#define GA_NATS_STRIP_H

#include <stddef.h>
#include <stdint.h>

/* The longest message control line held across reads. The server keeps a client's control
 * lines under 4096 bytes (max_control_line), and a MSG line repeats a client's subject and
 * reply; a longer one turns the rewrite off for the connection (GA_NATS_SX_OFF). */
#define GA_NATS_STRIP_LINE 4352u

enum ga_nats_sx_mode {
    GA_NATS_SX_LINE = 0,        /* at the first byte of a control line */
    GA_NATS_SX_PASSLINE,        /* inside a line that is not a message: pass to its LF */
    GA_NATS_SX_SKIP,            /* inside a header block being dropped */
    GA_NATS_SX_PASS,            /* inside a payload (and its CR LF) being passed */
    GA_NATS_SX_OFF              /* gave up: everything passes unchanged */
};

typedef struct ga_nats_strip {
    uint8_t mode;               /* enum ga_nats_sx_mode */
    uint8_t pad[7];
    uint64_t left;              /* SKIP, PASS: bytes left */
    uint64_t after;             /* SKIP: bytes to pass once the header block is dropped */
} ga_nats_strip;

/* Start at a line boundary (mid_line = 0), or inside a line that is not a message, e.g. an
 * INFO not yet read whole (mid_line = 1). */
void ga_nats_strip_init(ga_nats_strip *s, int mid_line);

/* Rewrite b[0..n) in place: the first bytes are the tail of the previous run, if it left one.
 * Returns the output length o (o <= n); *tail = the bytes of an unfinished message line now
 * at b[o..o + *tail), to be presented again first (they are not output). */
size_t ga_nats_strip_run(ga_nats_strip *s, uint8_t *b, size_t n, size_t *tail);

#endif
