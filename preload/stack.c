/* stack.c — capture of call-site stacks on the application thread (contract in stack.h).
 *
 * The first capture loads libunwind.so.8 with dlopen(RTLD_NOW | RTLD_LOCAL): its symbols stay
 * out of the global scope, so the host's `throw` keeps binding _Unwind_RaiseException to
 * libgcc_s (tests/integration/test_stacks.py counts the instructions of throws). The thread
 * that wins the load does it (a slow or failed operation: the ~1 ms is paid once); threads
 * that want a stack meanwhile go without one (counted). The same load finds the address range
 * of this library's code, whose frames (the hook, the parser, the emit door) are dropped. */
#include <dlfcn.h>
#include <link.h>
#include <string.h>
#include "preload/stack.h"
#include "preload/env.h"
#include "preload/vars.h"

uint64_t ga_stack_slow_ns = UINT64_MAX;
uint8_t ga_stack_err_status = 0xff;
_Atomic uint64_t ga_stack_captured, ga_stack_unavailable, ga_stack_skipped;

#define GA__EXPORTER_ROOM (4 + 8)     /* one integer TLV entry */

enum { GA__UNW_NONE, GA__UNW_LOADING, GA__UNW_READY, GA__UNW_FAILED };
static _Atomic int ga__unw_state;
static int (*ga__unw_backtrace)(void **buffer, int size);
static uintptr_t ga__own_lo, ga__own_hi;        /* this library's executable segment */

void ga_stack_configure(void)
{
    /* choices: "slow,errors|errors|off" (vars.h) */
    int mode = ga_var_enum(GA_VAR(GENESIS_STACKS));
    long ms = ga_var_int(GA_VAR(GENESIS_STACK_SLOW_MS));
    ga_stack_slow_ns = mode == 0 ? (uint64_t)ms * 1000000u : UINT64_MAX;
    ga_stack_err_status = mode <= 1 ? GA_STATUS_ERROR : 0xff;
}

static int ga__own_segment(struct dl_phdr_info *info, size_t size, void *base)
{
    if ((void *)info->dlpi_addr != base)
        return 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X)) {
            ga__own_lo = info->dlpi_addr + ph->p_vaddr;
            ga__own_hi = ga__own_lo + ph->p_memsz;
        }
    }
    return 1;
}

/* Load libunwind (once, by the first thread that gets here). 1 when ready. */
static int ga__unw_ready(void)
{
    int st = atomic_load_explicit(&ga__unw_state, memory_order_acquire);
    if (ga_likely(st == GA__UNW_READY))
        return 1;
    int none = GA__UNW_NONE;
    if (st != GA__UNW_NONE || !atomic_compare_exchange_strong(&ga__unw_state, &none, GA__UNW_LOADING))
        return 0;
    if (dlsym(RTLD_DEFAULT, "__tsan_init") != NULL) {
        /* ThreadSanitizer finishes a thread before glibc runs its key destructors, and
         * libunwind's (which locks a mutex through TSan's interceptor) then crashes the exit
         * of every thread that captured a stack. Under TSan: no stacks (counted). */
        atomic_store_explicit(&ga__unw_state, GA__UNW_FAILED, memory_order_release);
        return 0;
    }
    Dl_info self;
    void *lib = dlopen("libunwind.so.8", RTLD_NOW | RTLD_LOCAL);
    void *fn = lib != NULL ? dlsym(lib, "unw_backtrace") : NULL;
    if (fn != NULL && dladdr((void *)&ga_stack_attach, &self) && self.dli_fbase != NULL)
        dl_iterate_phdr(ga__own_segment, self.dli_fbase);
    if (fn == NULL || ga__own_hi == 0) {
        atomic_store_explicit(&ga__unw_state, GA__UNW_FAILED, memory_order_release);
        return 0;
    }
    *(void **)&ga__unw_backtrace = fn;
    atomic_store_explicit(&ga__unw_state, GA__UNW_READY, memory_order_release);
    return 1;
}

size_t ga_stack_encode(const uint64_t *ips, int n, uint8_t *out, size_t cap)
{
    size_t used = 0;
    uint64_t prev = 0;
    for (int i = 0; i < n; i++) {
        int64_t d = (int64_t)(ips[i] - prev);
        uint64_t z = ((uint64_t)d << 1) ^ (uint64_t)(d >> 63);
        uint8_t tmp[10];
        size_t k = 0;
        do {
            tmp[k++] = (uint8_t)((z & 0x7f) | (z > 0x7f ? 0x80 : 0));
            z >>= 7;
        } while (z != 0);
        if (used + k > cap)
            break;
        memcpy(out + used, tmp, k);
        used += k;
        prev = ips[i];
    }
    return used;
}

int ga_stack_decode(const uint8_t *v, size_t len, uint64_t *ips, int max)
{
    int n = 0;
    uint64_t prev = 0;
    size_t i = 0;
    while (i < len && n < max) {
        uint64_t z = 0;
        int shift = 0;
        for (;;) {
            if (i >= len || shift > 63)
                return n;                               /* a cut varint: stop */
            uint8_t b = v[i++];
            z |= (uint64_t)(b & 0x7f) << shift;
            shift += 7;
            if (!(b & 0x80))
                break;
        }
        int64_t d = (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
        prev += (uint64_t)d;
        ips[n++] = prev;
    }
    return n;
}

void ga_stack_attach(ga_rec *r)
{
    if ((r->h.kind != GA_KIND_CLIENT && r->h.kind != GA_KIND_PRODUCER) || ga_tls_internal)
        return;
    if (!ga__unw_ready()) {
        int failed = atomic_load_explicit(&ga__unw_state, memory_order_relaxed) == GA__UNW_FAILED;
        atomic_fetch_add_explicit(failed ? &ga_stack_unavailable : &ga_stack_skipped, 1,
                                  memory_order_relaxed);
        return;
    }
    void *raw[GA_STACK_DEPTH + 24];
    int n = ga__unw_backtrace(raw, (int)GA_ARRAY_LEN(raw));
    int first = 0;
    while (first < n && (uintptr_t)raw[first] >= ga__own_lo && (uintptr_t)raw[first] < ga__own_hi)
        first++;
    uint64_t ips[GA_STACK_DEPTH];
    int k = 0;
    for (int i = first; i < n && k < GA_STACK_DEPTH; i++)
        ips[k++] = (uint64_t)(uintptr_t)raw[i];
    /* The TLV header, and an integer attribute's worth left for the exporter's own additions
     * to the record (the tail sampler's GA_A_TAIL). */
    size_t room = GA_REC_ATTR_CAP - r->h.attr_len, keep = 4 + GA__EXPORTER_ROOM;
    uint8_t enc[GA_STACK_DEPTH * 10];
    size_t len = room > keep ? ga_stack_encode(ips, k, enc, room - keep < sizeof enc ? room - keep : sizeof enc) : 0;
    if (len == 0) {
        atomic_fetch_add_explicit(&ga_stack_skipped, 1, memory_order_relaxed);
        return;
    }
    ga_rec_put(r, GA_A_STACK, GA_AT_STR, enc, len);
    atomic_fetch_add_explicit(&ga_stack_captured, 1, memory_order_relaxed);
}
