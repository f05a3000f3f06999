/* stack_sym.h — the exporter side of call-site stacks (docs/stacks.md): a record's encoded
 * instruction pointers (preload/stack.h) become `code.stacktrace` and `code.function.name`.
 * Exporter thread only. */
#ifndef GA_STACK_SYM_H
#define GA_STACK_SYM_H

#include <stddef.h>
#include <stdint.h>
#include "exporter/attrs.h"

/* Write code.function.name (the first application frame's function, when it has a symbol)
 * and code.stacktrace for the GA_A_STACK value v[0 .. len) into w. The strings stay valid
 * until the next call. */
void ga_stack_attrs(ga_aw *w, const uint8_t *v, size_t len);

/* Render the stack text into buf (NUL-terminated): one line per frame, innermost first,
 * `function+0xoff (module+0xoff)` or `module+0xoff`; the leading frames of libunwind, of this
 * library and of the known client libraries (libc, libmariadb/libmysqlclient, libhiredis,
 * libcurl, libnats, librdkafka) are left out. *fn gets the first remaining frame's function
 * name (NUL-terminated, empty when it has none). Returns the text's length. */
size_t ga_stack_render(const uint64_t *ips, int n, char *buf, size_t cap, char *fn, size_t fn_cap);

/* The name of the function of `path` (a module loaded at `base`) holding the return address
 * ip, from the file's .symtab (stack_elf.c); NULL when the file has none or no function
 * holds it. *sym_addr gets the function's run-time address. */
const char *ga_stack_elf_name(const char *path, uint64_t base, uint64_t ip, uint64_t *sym_addr);

/* genesis.sdk.stacks{outcome=captured|unavailable|skipped}: refreshed at each collection. */
void ga_stack_collect(void);

#endif
