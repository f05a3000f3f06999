/* dlsearch.c — ga_dl_open_as (contract in dlsearch.h). Runs only for the dlopen(RTLD_DEEPBIND)
 * calls hooks/dl.c redirects: a few dlinfo() calls and, for a bare name that the caller looks up
 * in directories of its own, one openat()+pread() per such directory (raw system calls: nothing
 * here is observed). Memory comes from one mmap, returned before the call ends. */
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "preload/dlsearch.h"

#define GA__SCRATCH (96 * 1024)             /* two PATH_MAX buffers, two search lists */
#define GA__LIST_CAP ((GA__SCRATCH - 2 * PATH_MAX) / 2)

#if defined(__x86_64__)
#define GA__MACHINE EM_X86_64
#elif defined(__aarch64__)
#define GA__MACHINE EM_AARCH64
#else
#define GA__MACHINE EM_NONE                 /* class checked only */
#endif

int ga_dl_can_open_as(const char *file)
{
    return strchr(file, '$') == NULL || getauxval(AT_SECURE) == 0;
}

static struct link_map *ga__map_at(const void *addr)
{
    Dl_info info;
    struct link_map *lm = NULL;
    return dladdr1(addr, &info, (void **)&lm, RTLD_DL_LINKMAP) != 0 ? lm : NULL;
}

/* The object holding `addr`; the program when none does (the loader assumes the same). The
 * program is found through its program headers (AT_PHDR), which it maps. */
static struct link_map *ga__map_of(const void *addr)
{
    struct link_map *lm = ga__map_at(addr);
    return lm != NULL ? lm : ga__map_at((const void *)getauxval(AT_PHDR));
}

/* `file` with every $ORIGIN / ${ORIGIN} replaced by `origin`, into out; 0 when it does not fit. */
static int ga__expand(const char *file, const char *origin, char *out, size_t cap)
{
    size_t n = 0, ol = strlen(origin);
    for (const char *p = file; *p != '\0';) {
        size_t tok = 0;
        if (strncmp(p, "${ORIGIN}", 9) == 0)
            tok = 9;
        else if (strncmp(p, "$ORIGIN", 7) == 0 && p[7] != '_' && !((p[7] | 0x20) >= 'a' && (p[7] | 0x20) <= 'z') &&
                 !(p[7] >= '0' && p[7] <= '9'))
            tok = 7;
        if (tok != 0) {
            if (n + ol >= cap)
                return 0;
            memcpy(out + n, origin, ol);
            n += ol;
            p += tok;
        } else {
            if (n + 1 >= cap)
                return 0;
            out[n++] = *p++;
        }
    }
    out[n] = '\0';
    return 1;
}

/* The directories the loader would search for a bare name dlopen()ed from `lm`, in order. */
static Dl_serinfo *ga__search_list(struct link_map *lm, void *buf, size_t cap)
{
    Dl_serinfo size;
    if (dlinfo(lm, RTLD_DI_SERINFOSIZE, &size) != 0 || size.dls_size > cap)
        return NULL;
    Dl_serinfo *si = buf;
    si->dls_size = size.dls_size;
    si->dls_cnt = size.dls_cnt;
    return dlinfo(lm, RTLD_DI_SERINFO, si) == 0 ? si : NULL;
}

/* How many leading directories of the caller's list `c` are its own: what follows them is a
 * tail of `s`, the list of an object without RPATH or RUNPATH (this library), which a call from
 * here searches anyway. */
static unsigned ga__own_dirs(const Dl_serinfo *c, const Dl_serinfo *s)
{
    unsigned k = 0;
    while (k < c->dls_cnt && k < s->dls_cnt &&
           strcmp(c->dls_serpath[c->dls_cnt - 1 - k].dls_name, s->dls_serpath[s->dls_cnt - 1 - k].dls_name) == 0)
        k++;
    return c->dls_cnt - k;
}

/* Is `path` an ELF object of this machine's class (and machine)? The loader skips others. */
static int ga__elf_here(const char *path)
{
    long fd = syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ElfW(Ehdr) eh;
    long r = syscall(SYS_pread64, fd, &eh, sizeof eh, 0L);
    syscall(SYS_close, fd);
    return r == (long)sizeof eh && memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0 &&
           eh.e_ident[EI_CLASS] == (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32) &&
           (GA__MACHINE == EM_NONE || eh.e_machine == GA__MACHINE);
}

static void *ga__open_as(const char *file, int mode, const void *caller, ga_dl_open_fn open, void *ud,
                         char *mem)
{
    char *name = mem, *path = mem + PATH_MAX;
    struct link_map *lm = ga__map_of(caller);
    if (lm == NULL)
        return open(ud, file, mode);
    if (strchr(file, '$') != NULL) {
        if (dlinfo(lm, RTLD_DI_ORIGIN, path) == 0 && ga__expand(file, path, name, PATH_MAX))
            file = name;
        if (strchr(file, '/') != NULL)
            return open(ud, file, mode);
    }
    void *h = open(ud, file, mode | RTLD_NOLOAD);
    if (h != NULL)
        return h;
    char *lists = mem + 2 * PATH_MAX;
    Dl_serinfo *c = ga__search_list(lm, lists, GA__LIST_CAP);
    struct link_map *self = ga__map_at((const void *)ga_dl_open_as);
    Dl_serinfo *s = c && self ? ga__search_list(self, lists + GA__LIST_CAP, GA__LIST_CAP) : NULL;
    unsigned own = c && s ? ga__own_dirs(c, s) : 0;
    for (unsigned i = 0; i < own; i++) {
        int n = snprintf(path, PATH_MAX, "%s/%s", c->dls_serpath[i].dls_name, file);
        if (n > 0 && n < PATH_MAX && ga__elf_here(path))
            return open(ud, path, mode);
    }
    return open(ud, file, mode);
}

void *ga_dl_open_as(const char *file, int mode, const void *caller, ga_dl_open_fn open, void *ud)
{
    if (strchr(file, '/') != NULL && strchr(file, '$') == NULL)
        return open(ud, file, mode);
    char *mem = mmap(NULL, GA__SCRATCH, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED)
        return open(ud, file, mode);
    void *h = ga__open_as(file, mode, caller, open, ud, mem);
    munmap(mem, GA__SCRATCH);
    return h;
}
