/* elf_sym.c — direct GNU-hash symbol lookup in loaded objects (contract in elf_sym.h). */
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <stdint.h>
#include <string.h>
#include "preload/elf_sym.h"

/* What one object's dynamic section says about its symbols. */
typedef struct ga__dyn {
    const ElfW(Sym) *symtab;
    const char *strtab;
    const uint32_t *gnu_hash;
    const ElfW(Half) *versym;
} ga__dyn;

/* A dynamic-section pointer: the loader relocates most of them in place, but not for every
 * object (the vDSO): an address below the load base is still an offset. */
static const void *ga__ptr(const struct link_map *l, ElfW(Addr) p)
{
    return (const void *)(p < l->l_addr ? p + l->l_addr : p);
}

static int ga__dyn_of(const struct link_map *l, ga__dyn *d)
{
    memset(d, 0, sizeof *d);
    if (l->l_ld == NULL)
        return 0;
    for (const ElfW(Dyn) *e = l->l_ld; e->d_tag != DT_NULL; e++) {
        switch (e->d_tag) {
        case DT_SYMTAB:   d->symtab = ga__ptr(l, e->d_un.d_ptr); break;
        case DT_STRTAB:   d->strtab = ga__ptr(l, e->d_un.d_ptr); break;
        case DT_GNU_HASH: d->gnu_hash = ga__ptr(l, e->d_un.d_ptr); break;
        case DT_VERSYM:   d->versym = ga__ptr(l, e->d_un.d_ptr); break;
        default: break;
        }
    }
    return d->symtab != NULL && d->strtab != NULL && d->gnu_hash != NULL;
}

static uint32_t ga__hash(const char *s)
{
    uint32_t h = 5381;
    for (; *s; s++)
        h = h * 33 + (uint8_t)*s;
    return h;
}

/* strcmp(a, b) == 0, inline: a PLT call here would make the dynamic loader bind strcmp
 * lazily in the middle of the constructor. */
static int ga__streq(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

/* A definition dlsym would take: defined, global or weak, the default version. */
static int ga__defines(const ga__dyn *d, uint32_t i)
{
    const ElfW(Sym) *s = &d->symtab[i];
    int bind = ELF64_ST_BIND(s->st_info);
    return s->st_shndx != SHN_UNDEF && (bind == STB_GLOBAL || bind == STB_WEAK) &&
           (d->versym == NULL || (d->versym[i] & 0x8000) == 0);     /* not a hidden version */
}

/* A definition we can use as it is: a function with an address (not an IFUNC resolver). */
static int ga__plain(const ga__dyn *d, uint32_t i)
{
    return ELF64_ST_TYPE(d->symtab[i].st_info) == STT_FUNC && d->symtab[i].st_value != 0;
}

/* The symbol index of the definition of name in one object (ga__defines), or 0. */
static uint32_t ga__lookup(const ga__dyn *d, const char *name, uint32_t h)
{
    uint32_t nbuckets = d->gnu_hash[0], symoffset = d->gnu_hash[1];
    uint32_t bloom_size = d->gnu_hash[2];
    if (nbuckets == 0)
        return 0;
    const uint32_t *buckets = d->gnu_hash + 4 + bloom_size * (sizeof(ElfW(Addr)) / 4);
    const uint32_t *chain = buckets + nbuckets;
    uint32_t i = buckets[h % nbuckets];
    if (i < symoffset)
        return 0;
    for (;; i++) {
        uint32_t h2 = chain[i - symoffset];
        if ((h | 1) == (h2 | 1) && ga__streq(name, d->strtab + d->symtab[i].st_name) &&
            ga__defines(d, i))
            return i;
        if (h2 & 1)
            return 0;
    }
}

struct link_map *ga_elf_object_of(const void *addr)
{
    Dl_info info;
    struct link_map *l = NULL;
    if (dladdr1(addr, &info, (void **)&l, RTLD_DL_LINKMAP) == 0)
        return NULL;
    return l;
}

/* Linker-defined, hidden: our GOT and our dynamic section (PC-relative, no relocation). */
extern ElfW(Addr) _GLOBAL_OFFSET_TABLE_[] __attribute__((visibility("hidden")));
extern ElfW(Dyn) _DYNAMIC[] __attribute__((visibility("hidden")));

struct link_map *ga_elf_self(void)
{
    /* With lazy binding the loader stores our link map in GOT[1] (x86-64 psABI: reserved for
     * it; its PLT resolver reads it there): taken when it is really ours, i.e. its dynamic
     * section is ours. Otherwise (LD_BIND_NOW, another loader) dladdr1, about 5,000
     * instructions and a lazy binding more. */
    struct link_map *l = (struct link_map *)_GLOBAL_OFFSET_TABLE_[1];
    if (l != NULL && l->l_ld == _DYNAMIC)
        return l;
    return ga_elf_object_of((const void *)&ga_elf_self);
}

void *ga_elf_next_sym(const struct link_map *self, const struct link_map *last, const char *name)
{
    uint32_t h = ga__hash(name);
    const struct link_map *l = self != NULL && self != last ? self->l_next : NULL;
    for (; l != NULL; l = l == last ? NULL : l->l_next) {
        ga__dyn d;
        uint32_t i = ga__dyn_of(l, &d) ? ga__lookup(&d, name, h) : 0;
        if (i != 0)             /* the first definition wins; one we cannot use: dlsym's turn */
            return ga__plain(&d, i) ? (void *)(l->l_addr + d.symtab[i].st_value) : NULL;
    }
    return NULL;
}

void *ga_elf_global_data(const struct link_map *self, const struct link_map *last, const char *name)
{
    uint32_t h = ga__hash(name);
    const struct link_map *l = self;
    while (l != NULL && l->l_prev != NULL)
        l = l->l_prev;                  /* the program: the head of the chain */
    for (; l != NULL; l = l == last ? NULL : l->l_next) {
        ga__dyn d;
        if (!ga__dyn_of(l, &d))
            return NULL;                /* an object we cannot read could hold it first */
        uint32_t i = ga__lookup(&d, name, h);
        if (i != 0)
            return ELF64_ST_TYPE(d.symtab[i].st_info) == STT_OBJECT && d.symtab[i].st_value != 0
                       ? (void *)(l->l_addr + d.symtab[i].st_value) : NULL;
    }
    return NULL;
}

const struct link_map *ga_elf_last(const struct link_map *self)
{
    const struct link_map *l = self;
    while (l != NULL && l->l_next != NULL)
        l = l->l_next;
    return l;
}
