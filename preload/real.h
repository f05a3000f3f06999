/* real.h — the table of the real libc functions behind our hooks.
 *
 * Each hook calls GA_REAL(name). The pointer is resolved on the function's first call, as
 * dlsym(RTLD_NEXT) would: by a direct lookup in the symbol tables of the objects loaded with
 * the program after ours (once the constructor has run), else by dlsym. While a dlsym is in
 * progress on this thread (dlsym itself may read files) or if the lookup fails or finds
 * our own symbol, GA_REAL yields NULL and the hook falls back to a raw syscall():
 * we never call NULL and never recurse into ourselves. */
#ifndef GA_REAL_H
#define GA_REAL_H

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <stdarg.h>
#include <stdio.h>
#include "preload/ga.h"

#define GA_REAL_SYMBOLS(X) \
    X(socket,      int,     (int, int, int)) \
    X(socketpair,  int,     (int, int, int, int *)) \
    X(connect,     int,     (int, const struct sockaddr *, socklen_t)) \
    X(accept,      int,     (int, struct sockaddr *, socklen_t *)) \
    X(accept4,     int,     (int, struct sockaddr *, socklen_t *, int)) \
    X(close,       int,     (int)) \
    X(close_range, int,     (unsigned, unsigned, int)) \
    X(closefrom,   void,    (int)) \
    X(dup,         int,     (int)) \
    X(dup2,        int,     (int, int)) \
    X(dup3,        int,     (int, int, int)) \
    X(fcntl,       int,     (int, int, ...)) \
    X(fcntl64,     int,     (int, int, ...)) \
    X(getsockopt,  int,     (int, int, int, void *, socklen_t *)) \
    X(send,        ssize_t, (int, const void *, size_t, int)) \
    X(sendto,      ssize_t, (int, const void *, size_t, int, const struct sockaddr *, socklen_t)) \
    X(sendmsg,     ssize_t, (int, const struct msghdr *, int)) \
    X(sendmmsg,    int,     (int, struct mmsghdr *, unsigned int, int)) \
    X(recv,        ssize_t, (int, void *, size_t, int)) \
    X(recvfrom,    ssize_t, (int, void *, size_t, int, struct sockaddr *, socklen_t *)) \
    X(recvmsg,     ssize_t, (int, struct msghdr *, int)) \
    X(recvmmsg,    int,     (int, struct mmsghdr *, unsigned int, int, struct timespec *)) \
    X(read,        ssize_t, (int, void *, size_t)) \
    X(write,       ssize_t, (int, const void *, size_t)) \
    X(readv,       ssize_t, (int, const struct iovec *, int)) \
    X(writev,      ssize_t, (int, const struct iovec *, int)) \
    X(sendfile,    ssize_t, (int, int, off_t *, size_t)) \
    X(sendfile64,  ssize_t, (int, int, off64_t *, size_t)) \
    X(__recv_chk,     ssize_t, (int, void *, size_t, size_t, int)) \
    X(__recvfrom_chk, ssize_t, (int, void *, size_t, size_t, int, struct sockaddr *, socklen_t *)) \
    X(__read_chk,     ssize_t, (int, void *, size_t, size_t)) \
    GA_REAL_LOG_SYMBOLS(X)

/* The log capture's (hooks/logs.c). */
#define GA_REAL_LOG_SYMBOLS(X) \
    X(pwrite,         ssize_t, (int, const void *, size_t, off_t)) \
    X(pwrite64,       ssize_t, (int, const void *, size_t, off64_t)) \
    X(vsyslog,        void,    (int, const char *, va_list)) \
    X(__vsyslog_chk,  void,    (int, int, const char *, va_list)) \
    X(open,           int,     (const char *, int, ...)) \
    X(open64,         int,     (const char *, int, ...)) \
    X(openat,         int,     (int, const char *, int, ...)) \
    X(openat64,       int,     (int, const char *, int, ...)) \
    X(fopen,          FILE *,  (const char *, const char *)) \
    X(fopen64,        FILE *,  (const char *, const char *)) \
    X(fwrite,         size_t,  (const void *, size_t, size_t, FILE *)) \
    X(fputs,          int,     (const char *, FILE *)) \
    X(puts,           int,     (const char *)) \
    X(fputc,          int,     (int, FILE *)) \
    X(putc,           int,     (int, FILE *)) \
    X(putchar,        int,     (int)) \
    X(vfprintf,       int,     (FILE *, const char *, va_list)) \
    X(__vfprintf_chk, int,     (FILE *, int, const char *, va_list))

/* The fortified variants are only declared by glibc under _FORTIFY_SOURCE. */
ssize_t __recv_chk(int, void *, size_t, size_t, int);
ssize_t __recvfrom_chk(int, void *, size_t, size_t, int, struct sockaddr *, socklen_t *);
ssize_t __read_chk(int, void *, size_t, size_t);
int fcntl64(int, int, ...);
void __vsyslog_chk(int, int, const char *, va_list);
int __vfprintf_chk(FILE *, int, const char *, va_list);

#define GA_REAL_ENUM(name, ret, args) GA_SYM_##name,
enum ga_sym { GA_REAL_SYMBOLS(GA_REAL_ENUM) GA_SYM_COUNT };

/* The symbol name of sym ("socket", ...): static storage. */
const char *ga_real_name(enum ga_sym sym);

#define GA_REAL_TYPEDEF(name, ret, args) typedef ret (*ga_##name##_fn) args;
GA_REAL_SYMBOLS(GA_REAL_TYPEDEF)

/* Resolved pointers, indexed by enum ga_sym. NULL = not (yet) resolved. */
extern void *_Atomic ga_real_table[GA_SYM_COUNT];

/* Resolve one symbol now. Returns NULL while this thread is already inside a lookup,
 * or when the symbol cannot be found (or resolves to our own hook). Never blocks on
 * another thread. */
void *ga_real_resolve(enum ga_sym sym);

/* The address of libc's variable `name` as the program sees it (its copy, if it has one): a
 * direct lookup in the objects loaded with the program, else dlsym(RTLD_DEFAULT); NULL if
 * neither finds it. For variables read rarely enough that a reference in the library, a
 * lookup at every process start, would cost more (hooks/stdio.c: stdout). */
void *ga_real_data(const char *name);

/* The constructor's part: note where the direct lookup of ga_real_resolve may walk (our
 * object and the objects loaded with the program after it, preload/elf_sym.h). Resolves
 * nothing: each function is resolved on its first call. Idempotent. */
void ga_real_init(void);

/* 1 when p is code of this library (dlsym handed one of our hooks back). */
int ga_real_is_ours(const void *p);

static inline void *ga_real_get(enum ga_sym sym)
{
    void *p = atomic_load_explicit(&ga_real_table[sym], memory_order_relaxed);
    return ga_likely(p != NULL) ? p : ga_real_resolve(sym);
}

#define GA_REAL(name) ((ga_##name##_fn)ga_real_get(GA_SYM_##name))
/* The pointer if already resolved, else NULL (never resolves: for the fast paths). */
#define GA_REAL_LOADED(name) \
    ((ga_##name##_fn)atomic_load_explicit(&ga_real_table[GA_SYM_##name], memory_order_relaxed))

#endif
