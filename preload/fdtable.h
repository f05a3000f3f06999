/* fdtable.h — what the library knows about each file descriptor.
 *
 * A two-level array indexed by fd: a static top level of chunk pointers covering fds up to
 * GA_FD_MAX, chunks of 256 entries mmap'd on first use and never freed (so a racing reader
 * never touches freed memory). Lookup is two loads and a branch, which is all a hook on a
 * file, pipe or tty pays.
 *
 * States: an fd starts UNKNOWN and is classified once (fstat) the first time a hook sees
 * it succeed; sockets made through our hooks (socket/accept/socketpair) are SOCKET from
 * birth; close marks the entry OTHER, because any socket later created on that number will
 * come through a hook again (QUIET: see below). INTERNAL entries are the library's own.
 *
 * Ownership is a whitelist kept per (number, generation): the library's code remembers each
 * descriptor it created as a ga_own token, taken when it was created, and uses, polls or
 * closes it only while the token is valid — the entry is still INTERNAL and its generation has
 * not moved. Every close, dup2 over the number, close_range or closefrom the hooks see bumps the
 * generation, so once the application has closed one of ours the token is dead for good:
 * whatever the application opens on that number later (a file the hooks never see created, a
 * socket, another close) can never make it ours again. Closing a dead token touches nothing. */
#ifndef GA_FDTABLE_H
#define GA_FDTABLE_H

#include <sys/socket.h>
#include "preload/ga.h"
#include "preload/record.h"
#include "preload/context.h"
#include "preload/plugins.h"

#define GA_FD_CHUNK_BITS 8
#define GA_FD_CHUNK      (1u << GA_FD_CHUNK_BITS)
#define GA_FD_TOP        65536u
#define GA_FD_MAX        (GA_FD_TOP * GA_FD_CHUNK)      /* 16M descriptors */

enum ga_fd_state { GA_FD_UNKNOWN = 0, GA_FD_OTHER, GA_FD_SOCKET, GA_FD_INTERNAL, GA_FD_QUIET,
                   GA_FD_LOG };

/* QUIET: an application socket with nothing left to observe (a unix socket whose bytes no
 * protocol claimed, no connect pending): its I/O takes the same fast path as a file. It is
 * still the application's (our threads may not touch it) and close still resets it.
 * LOG: a descriptor whose writes are captured as log lines (stdout, stderr, a file named by
 * GENESIS_LOGS_FILES; preload/logcap.h): it leaves the fast path, close resets it. */
enum ga_fd_role  { GA_ROLE_NONE = 0, GA_ROLE_CLIENT, GA_ROLE_SERVER, GA_ROLE_LISTENER };

/* A connect() that returned EINPROGRESS: its span is finished by whoever sees the outcome
 * first (I/O, getsockopt(SO_ERROR), close); `pending` is the claim flag. */
typedef struct ga_pending_connect {
    uint64_t start_ns;
    ga_span_ids ids;
} ga_pending_connect;

typedef struct ga_fd {
    _Atomic uint8_t state;          /* enum ga_fd_state */
    _Atomic uint8_t pending;        /* 1 while a non-blocking connect is in flight */
    uint8_t family;                 /* AF_* */
    uint8_t socktype;               /* SOCK_STREAM, SOCK_DGRAM, ... */
    uint8_t role;                   /* enum ga_fd_role */
    _Atomic uint8_t proto;          /* enum ga_proto (preload/plugins.h): what the bytes turned
                                     * out to be; UNKNOWN until the first data, NONE once no
                                     * protocol claimed it (it is then only counted) */
    _Atomic uint8_t resync;         /* a connection inherited across fork, not claimed again yet:
                                     * chunks left that may fail detection without settling it
                                     * as NONE (the child joins at the next request) */
    _Atomic uint8_t xin;            /* 1 + the inbound-rewrite slot of this descriptor, 0 none
                                     * (preload/inbound.h) */
    _Atomic uint32_t gen;           /* bumped whenever the number is reused */
    uint8_t logs;                   /* LOG state: where the lines go (preload/logcap.h) */
    uint8_t pad2[3];
    ga_addr peer;
    ga_addr local;
    _Atomic uint64_t bytes_in;
    _Atomic uint64_t bytes_out;
    ga_pending_connect pc;
    struct ga_conn *_Atomic conn;   /* protocol parser state, NULL until a protocol is found */
} ga_fd;


extern ga_fd *_Atomic ga_fd_chunks[GA_FD_TOP];

/* The entry for fd if its chunk exists, else NULL. Never allocates. */
static inline ga_fd *ga_fd_peek(int fd)
{
    if (ga_unlikely((unsigned)fd >= GA_FD_MAX))
        return NULL;
    ga_fd *c = atomic_load_explicit(&ga_fd_chunks[(unsigned)fd >> GA_FD_CHUNK_BITS],
                                    memory_order_acquire);
    return c ? &c[(unsigned)fd & (GA_FD_CHUNK - 1)] : NULL;
}

/* The entry for fd, allocating its chunk if needed; NULL if fd is out of range or memory
 * could not be mapped (the fd is then simply not observed). */
ga_fd *ga_fd_get(int fd);

static inline int ga_fd_state(const ga_fd *e)
{
    return atomic_load_explicit(&e->state, memory_order_relaxed);
}

/* The socket entry for an fd the application just used successfully: classifies UNKNOWN
 * fds once (fstat), returns NULL for anything that is not an application socket. */
static inline ga_fd *ga_fd_socket(int fd);
ga_fd *ga_fd_classify(int fd);

static inline ga_fd *ga_fd_socket(int fd)
{
    ga_fd *e = ga_fd_peek(fd);
    if (ga_likely(e != NULL)) {
        int st = ga_fd_state(e);
        if (st == GA_FD_SOCKET)
            return e;
        if (st != GA_FD_UNKNOWN)
            return NULL;
    }
    return ga_fd_classify(fd);
}

/* A new socket from socket()/accept()/socketpair(): reset the entry for this generation.
 * Sockets created by our own threads become INTERNAL. */
ga_fd *ga_fd_new_socket(int fd, int family, int socktype, int role);

/* The application (or we) closed fd: finish what was pending, mark the number free. */
void ga_fd_closed(int fd);

/* newfd now refers to the same open file as oldfd (dup, dup2, dup3, F_DUPFD). */
void ga_fd_duped(int oldfd, int newfd);

/* A descriptor the library created, as its code remembers it: the number and the generation
 * of the entry when it was made ours. Only valid tokens may be used (ga_fd_own_valid). */
typedef struct ga_own {
    int fd;                         /* -1: none */
    uint32_t gen;
} ga_own;

#define GA_OWN_NONE ((ga_own){ .fd = -1, .gen = 0 })

/* fd was just created by the library's own code (eventfd, the console file, a listener, a
 * socket for libcurl): make it INTERNAL and return its token. GA_OWN_NONE for fd < 0 or when
 * the table cannot hold it (the caller must then close fd itself and not use it). */
ga_own ga_fd_own(int fd);

/* Is the descriptor still the library's: the entry INTERNAL and of the token's generation?
 * Any thread; a few loads. */
static inline int ga_fd_own_valid(ga_own o)
{
    ga_fd *e = o.fd >= 0 ? ga_fd_peek(o.fd) : NULL;
    return e != NULL &&
           atomic_load_explicit(&e->gen, memory_order_acquire) == o.gen &&
           atomic_load_explicit(&e->state, memory_order_acquire) == GA_FD_INTERNAL;
}

/* The library closes one of its descriptors and forgets the token (*o = GA_OWN_NONE). A dead
 * token (the application closed the number, and may have reopened it) is answered 0 without
 * any system call; a valid one is marked free, then closed. Returns close's result, errno kept. */
int ga_fd_own_close(ga_own *o);

/* Tokens that must be read and written by different threads (the wake descriptor) travel as
 * one 64-bit word. */
static inline uint64_t ga_own_pack(ga_own o)
{
    return (uint64_t)o.gen << 32 | (uint32_t)o.fd;
}

static inline ga_own ga_own_unpack(uint64_t v)
{
    return (ga_own){ .fd = (int)(uint32_t)v, .gen = (uint32_t)(v >> 32) };
}

/* For the hooks, which know only a number, when one of our threads calls them: may it use fd?
 * Only if the entry is INTERNAL (a whitelist): never an application socket, file or pipe, never
 * a number the application took from us. */
int ga_fd_internal_may_use(int fd);

/* The constructor's first use of the table, before it marks stdout and stderr: the first chunk
 * (descriptors 0 .. GA_FD_CHUNK - 1, in .bss) installed and the high-water mark raised past 2,
 * each page written before it is read (one page fault each instead of two). Idempotent. */
void ga_fd_prepare(void);

/* Child after fork: close the parent's internal descriptors (exporter sockets, listener);
 * the application's stream sockets are detected afresh from the child's own next bytes (the
 * parent's parser states are not the child's; its byte totals were the parent's). */
void ga_fd_after_fork(void);

/* Iterate allocated entries in [first, last] (close_range). */
void ga_fd_closed_range(unsigned first, unsigned last);

#endif
