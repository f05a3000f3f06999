/* stack_elf.c — function names from a module's ELF symbol table (.symtab), for the frames
 * dladdr cannot name: static functions, and programs not linked with -rdynamic. Exporter
 * thread only (contract in stack_sym.h, ga_stack_elf_name).
 *
 * A module file is mapped read-only once (the first time one of its frames needs a name) and
 * kept: at most GA__MODS modules, files up to 256 MiB; a stripped file (no .symtab) is
 * remembered as such. The lookup is a linear pass over the function symbols: it runs only for
 * the frames of slow or failed operations whose stack text is not the last one rendered. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "exporter/stack_sym.h"
#include "preload/fdtable.h"

#define GA__MODS 16
#define GA__FILE_MAX (256u << 20)

typedef struct ga__mod {
    char path[256];
    const Elf64_Sym *syms;          /* NULL: no symbol table (or unreadable) */
    size_t nsyms;
    const char *strs;
    size_t strs_len;
    int dyn;                        /* ET_DYN: symbol values are offsets from the load base */
} ga__mod;

static ga__mod ga__mods[GA__MODS];
static int ga__nmods;

/* Map path read-only; NULL on failure. The descriptor is held as an ownership token only for
 * the fstat and the mmap (preload/fdtable.h). */
static const uint8_t *ga__map(const char *path, size_t *len)
{
    int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    ga_own o = ga_fd_own(fd);
    if (o.fd < 0) {
        syscall(SYS_close, fd);
        return NULL;
    }
    struct stat st;
    void *p = MAP_FAILED;
    if (ga_fd_own_valid(o) && syscall(SYS_fstat, fd, &st) == 0 && S_ISREG(st.st_mode) &&
        st.st_size >= (off_t)sizeof(Elf64_Ehdr) && (uint64_t)st.st_size <= GA__FILE_MAX && ga_fd_own_valid(o))
        p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    ga_fd_own_close(&o);
    if (p == MAP_FAILED)
        return NULL;
    *len = (size_t)st.st_size;
    return p;
}

/* Find .symtab and its string table in the mapped file (bounds checked). */
static void ga__load(ga__mod *m)
{
    size_t len = 0;
    const uint8_t *f = ga__map(m->path, &len);
    if (f == NULL)
        return;
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)f;
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
        eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shoff > len ||
        (size_t)eh->e_shnum * sizeof(Elf64_Shdr) > len - eh->e_shoff)
        return;
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(f + eh->e_shoff);
    for (int i = 0; i < eh->e_shnum; i++) {
        if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh->e_shnum)
            continue;
        const Elf64_Shdr *ss = &sh[sh[i].sh_link];
        if (sh[i].sh_offset > len || sh[i].sh_size > len - sh[i].sh_offset ||
            ss->sh_offset > len || ss->sh_size > len - ss->sh_offset)
            return;
        m->syms = (const Elf64_Sym *)(f + sh[i].sh_offset);
        m->nsyms = sh[i].sh_size / sizeof(Elf64_Sym);
        m->strs = (const char *)(f + ss->sh_offset);
        m->strs_len = ss->sh_size;
        m->dyn = eh->e_type == ET_DYN;
        return;
    }
}

static ga__mod *ga__module(const char *path)
{
    for (int i = 0; i < ga__nmods; i++)
        if (strcmp(ga__mods[i].path, path) == 0)
            return &ga__mods[i];
    if (ga__nmods == GA__MODS || strlen(path) >= sizeof ga__mods[0].path)
        return NULL;
    ga__mod *m = &ga__mods[ga__nmods++];
    memset(m, 0, sizeof *m);
    strcpy(m->path, path);
    ga__load(m);
    return m;
}

const char *ga_stack_elf_name(const char *path, uint64_t base, uint64_t ip, uint64_t *sym_addr)
{
    if (path != NULL && path[0] != '/' && ga_argv0 != NULL && strcmp(path, ga_argv0) == 0)
        path = "/proc/self/exe";    /* dladdr names the program by argv[0], maybe relative */
    ga__mod *m = path != NULL && path[0] == '/' ? ga__module(path) : NULL;
    if (m == NULL || m->syms == NULL)
        return NULL;
    uint64_t key = m->dyn ? ip - 1 - base : ip - 1;
    for (size_t i = 0; i < m->nsyms; i++) {
        const Elf64_Sym *s = &m->syms[i];
        if (ELF64_ST_TYPE(s->st_info) != STT_FUNC || s->st_value == 0 || s->st_name >= m->strs_len)
            continue;
        if (key >= s->st_value && key < s->st_value + (s->st_size ? s->st_size : 1)) {
            if (memchr(m->strs + s->st_name, '\0', m->strs_len - s->st_name) == NULL)
                return NULL;
            *sym_addr = m->dyn ? base + s->st_value : s->st_value;
            return m->strs + s->st_name;
        }
    }
    return NULL;
}
