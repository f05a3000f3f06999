/* namepool.h — the names of an X-macro list of functions, X(name, ...), kept as one string pool
 * reached by 16-bit offsets instead of a `const char *` table.
 *
 * Why: every pointer stored in a table of a shared library is a run-time relocation that ld.so
 * applies at every start of every process, and the page it writes becomes a private copy (a
 * page fault). The pool is a struct whose members, named after the functions, hold the names'
 * bytes; offsetof() gives each name's place, so the compiler computes everything and nothing
 * is left to the loader.
 *
 * Use, once per file (the pool has a fixed name):
 *     GA_NAMEPOOL(GA_REAL_SYMBOLS, GA_SYM_COUNT);
 *     ... GA_NAMEPOOL_NAME(i) ...      the name of entry i, NUL-terminated, static storage */
#ifndef GA_NAMEPOOL_H
#define GA_NAMEPOOL_H

#include <stddef.h>
#include <stdint.h>

#define GA__NAMEPOOL_MEMBER(name, ...) char name[sizeof #name];
#define GA__NAMEPOOL_TEXT(name, ...) #name,
#define GA__NAMEPOOL_OFF(name, ...) (uint16_t)offsetof(struct ga__namepool, name),

#define GA_NAMEPOOL(LIST, count)                                                               \
    static const struct ga__namepool { LIST(GA__NAMEPOOL_MEMBER) } ga__namepool = {           \
        LIST(GA__NAMEPOOL_TEXT)                                                                \
    };                                                                                         \
    static const uint16_t ga__namepool_off[count] = { LIST(GA__NAMEPOOL_OFF) };               \
    _Static_assert(sizeof ga__namepool < 65536, "a name pool outgrew its 16-bit offsets")

#define GA_NAMEPOOL_NAME(i) ((const char *)&ga__namepool + ga__namepool_off[i])

#endif
