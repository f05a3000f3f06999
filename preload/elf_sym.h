/* elf_sym.h — finding a function in the objects loaded after ours, by reading their ELF symbol
 * tables directly (GNU hash), the way dlsym(RTLD_NEXT, name) would.
 *
 * Used to resolve each real libc function on its first use: dlsym costs ~850 instructions a
 * call (most of it error-handling set-up), a direct GNU-hash lookup a few hundred.
 * Only plain definitions are taken (a default-version STT_FUNC with an address); anything
 * else — an IFUNC, a symbol found only with a hidden version, an object without a GNU hash
 * table — answers NULL, and the caller falls back to dlsym. No allocation, no lock, no
 * syscall: reads what the dynamic loader already mapped. */
#ifndef GA_ELF_SYM_H
#define GA_ELF_SYM_H

struct link_map;

/* The object the code at `addr` belongs to (its link map), or NULL. */
struct link_map *ga_elf_object_of(const void *addr);

/* This library's own link map, or NULL: ga_elf_object_of() of our own code, cheaper when the
 * loader left it where lazy binding finds it. */
struct link_map *ga_elf_self(void);

/* The address of the first definition of name in the objects after `self` in the link-map
 * chain (load order), up to and including `last` (NULL: to the chain's end), when that
 * definition is plain; else NULL. Valid while no object is being loaded or unloaded between
 * self and last: `last` = an object of the initial chain (ga_elf_last) makes it valid at any
 * time, as the loader only appends later objects and never unloads initial ones. */
void *ga_elf_next_sym(const struct link_map *self, const struct link_map *last, const char *name);

/* The address of the first definition of the variable `name` in the whole chain from the
 * program (its head) up to and including `last`, i.e. where the program and libc use it: a
 * program's copy (copy relocation) comes first. NULL when that definition is not a plain
 * variable or an object before it has no GNU hash table. Valid as ga_elf_next_sym. */
void *ga_elf_global_data(const struct link_map *self, const struct link_map *last, const char *name);

/* The last object of the chain now (from self), or NULL. Called in our constructor, it is the
 * last object loaded with the program, which stays loaded until the process ends. */
const struct link_map *ga_elf_last(const struct link_map *self);

#endif
