/* got.c — the walk behind ga_got_redirect (contract in got.h): list the objects of the
 * program's namespace, find the root's DT_NEEDED closure by name as the loader matched it, and
 * rewrite the JUMP_SLOT/GLOB_DAT slots of the chosen functions in each member.
 *
 * All of it runs in the last dl_iterate_phdr() callback: the loader holds its write lock on
 * the list of objects for the whole iteration (and unmaps an object only under that lock), so
 * every object read here stays mapped while it is read. The work arrays come from mmap and
 * are returned before the call ends. */
#include <elf.h>
#include <link.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "preload/got.h"

#if GA_GOT_SUPPORTED

#if defined(__x86_64__)
enum { GA__R_JUMP_SLOT = R_X86_64_JUMP_SLOT, GA__R_GLOB_DAT = R_X86_64_GLOB_DAT };
#else
enum { GA__R_JUMP_SLOT = R_AARCH64_JUMP_SLOT, GA__R_GLOB_DAT = R_AARCH64_GLOB_DAT };
#endif

#define GA__MAX_OBJS 4096u
#define GA__SYM_SLOTS 128u          /* open-addressing table of the symbol names */

typedef struct ga__obj {
    uintptr_t base, lo, hi;         /* load bias; lowest and end of highest PT_LOAD address */
    const ElfW(Phdr) *phdr;
    const ElfW(Dyn) *dyn;
    const char *name;               /* l_name: the path it was loaded from ("" for the program) */
    const char *base_name;          /* the part of `name` after its last '/' (set by ga__names) */
    const char *soname;             /* DT_SONAME, or NULL (set by ga__names) */
    const char *strtab;
    size_t ndyn;                    /* entries in the dynamic section */
    uint32_t h_base, h_soname;
    uint16_t phnum;
    uint8_t mark, named, laid;
} ga__obj;

typedef struct ga__walk {
    const struct link_map *root;
    const ga_got_sym *syms;
    int nsyms;
    const void *const *skip;
    int nskip;
    ga_got_done *done;              /* NULL, or ours to use during the callback */
    ga_got_result *res;
    ga__obj *objs;
    uint32_t *queue;
    unsigned n, expected;
    unsigned long long subs;        /* the loader's unload counter during the walk */
    int state;                      /* 0 collecting, 1 done, -1 gave up */
    uint8_t table[GA__SYM_SLOTS];   /* symbol index + 1, by name hash */
    uint64_t prefixes[8];           /* a 512-bit set of the names' first four bytes (ga__prefix) */
} ga__walk;

/* The state of one object's rewrite: its RELRO pages, and whether they are open. */
typedef struct ga__rw {
    const ga__obj *o;
    uintptr_t relro_lo, relro_hi;   /* the pages the loader made read-only */
    int opened;                     /* 0 closed, 1 writable, -1 could not be opened */
    int incomplete;                 /* a slot failed or was left pending */
} ga__rw;

static uint32_t ga__hash(const char *s)
{
    uint32_t h = 2166136261u;
    while (*s)
        h = (h ^ (uint8_t)*s++) * 16777619u;
    return h;
}

static void ga__fail(ga__walk *w, const ga__obj *o, const char *why)
{
    ga_got_result *r = w->res;
    if (r->failed)
        return;
    r->failed = 1;
    r->why = why;
    const char *n = o && o->base_name && *o->base_name ? o->base_name : "an object";
    size_t l = strnlen(n, sizeof r->failed_obj - 1);
    memcpy(r->failed_obj, n, l);
    r->failed_obj[l] = '\0';
}

static int ga__inside(const ga__obj *o, uintptr_t p, size_t len)
{
    return p >= o->lo && p <= o->hi && len <= o->hi - p;
}

/* A d_ptr value: glibc relocates most of them in place, except in read-only dynamic
 * sections (the vDSO); both forms occur. */
static uintptr_t ga__dptr(const ga__obj *o, ElfW(Addr) v)
{
    return v < o->base ? o->base + v : v;
}

static const ElfW(Dyn) *ga__dyn(const ga__obj *o, ElfW(Sxword) tag)
{
    for (size_t i = 0; i < o->ndyn && o->dyn[i].d_tag != DT_NULL; i++)
        if (o->dyn[i].d_tag == tag)
            return &o->dyn[i];
    return NULL;
}

static const char *ga__str(const ga__obj *o, ElfW(Xword) off)
{
    return o->strtab && ga__inside(o, (uintptr_t)o->strtab + off, 1) ? o->strtab + off : NULL;
}

/* ---------------------------------------------------------------- collecting the objects */

static unsigned ga__chain_len(const struct link_map *l)
{
    unsigned n = 0;
    while (l->l_prev != NULL && n++ <= GA__MAX_OBJS)
        l = l->l_prev;
    for (n = 0; l != NULL && n <= GA__MAX_OBJS; l = l->l_next)
        n++;
    return n;
}

/* What the callback learns of every object: four fields, nothing read from the object yet. */
static void ga__describe(ga__obj *o, const struct dl_phdr_info *info)
{
    o->base = info->dlpi_addr;
    o->phdr = info->dlpi_phdr;
    o->phnum = info->dlpi_phnum;
    o->name = info->dlpi_name ? info->dlpi_name : "";
    o->base_name = NULL;
    o->mark = o->named = o->laid = 0;
}

/* Its extent and dynamic section, worked out on first need. */
static void ga__layout(ga__obj *o)
{
    if (o->laid)
        return;
    o->laid = 1;
    o->lo = UINTPTR_MAX;
    o->hi = 0;
    o->dyn = NULL;
    o->ndyn = 0;
    for (unsigned i = 0; i < o->phnum; i++) {
        const ElfW(Phdr) *p = &o->phdr[i];
        uintptr_t a = o->base + p->p_vaddr;
        if (p->p_type == PT_LOAD) {
            o->lo = a < o->lo ? a : o->lo;
            o->hi = a + p->p_memsz > o->hi ? a + p->p_memsz : o->hi;
        } else if (p->p_type == PT_DYNAMIC) {
            o->dyn = (const ElfW(Dyn) *)a;
            o->ndyn = p->p_memsz / sizeof(ElfW(Dyn));
        }
    }
    if (o->lo > o->hi || o->dyn == NULL || !ga__inside(o, (uintptr_t)o->dyn, o->ndyn * sizeof *o->dyn)) {
        o->dyn = NULL;              /* nothing of it is read */
        o->ndyn = 0;
    }
}

/* The names an object is known by, worked out on first need (most objects are never asked). */
static void ga__names(ga__obj *o)
{
    if (o->named)
        return;
    o->named = 1;
    const char *slash = strrchr(o->name, '/');
    o->base_name = slash ? slash + 1 : o->name;
    o->h_base = ga__hash(o->base_name);
    o->strtab = o->soname = NULL;
    ga__layout(o);
    if (o->dyn == NULL)
        return;
    const ElfW(Dyn) *d = ga__dyn(o, DT_STRTAB);
    o->strtab = d && ga__inside(o, ga__dptr(o, d->d_un.d_ptr), 1) ? (const char *)ga__dptr(o, d->d_un.d_ptr) : NULL;
    d = ga__dyn(o, DT_SONAME);
    o->soname = d ? ga__str(o, d->d_un.d_val) : NULL;
    o->h_soname = o->soname ? ga__hash(o->soname) : 0;
}

/* ---------------------------------------------------------------- the closure */

/* The object a DT_NEEDED entry names, as the loader matched it: the first loaded object whose
 * path (for a name with a '/') or whose soname or file name (otherwise) is that name. */
static int ga__find(ga__walk *w, const char *need)
{
    int path = strchr(need, '/') != NULL;
    uint32_t h = ga__hash(need);
    for (unsigned j = 0; j < w->n; j++) {
        ga__obj *o = &w->objs[j];
        if (path) {
            if (strcmp(o->name, need) == 0)
                return (int)j;
            continue;
        }
        ga__names(o);
        if ((o->h_base == h && strcmp(o->base_name, need) == 0) ||
            (o->soname && o->h_soname == h && strcmp(o->soname, need) == 0))
            return (int)j;
    }
    return -1;
}

/* Breadth-first from the root (the loader's search order); returns the member count. */
static unsigned ga__closure(ga__walk *w, unsigned root)
{
    unsigned head = 0, tail = 0;
    w->objs[root].mark = 1;
    w->queue[tail++] = root;
    while (head < tail) {
        ga__obj *o = &w->objs[w->queue[head++]];
        ga__names(o);
        for (size_t i = 0; i < o->ndyn && o->dyn[i].d_tag != DT_NULL; i++) {
            if (o->dyn[i].d_tag != DT_NEEDED)
                continue;
            const char *need = ga__str(o, o->dyn[i].d_un.d_val);
            int j = need ? ga__find(w, need) : -1;
            if (j >= 0 && !w->objs[j].mark) {
                w->objs[j].mark = 1;
                w->queue[tail++] = (uint32_t)j;
            }
        }
    }
    return tail;
}

/* ---------------------------------------------------------------- the rewrite */

/* A bit for the first four bytes of a name (fewer if it is shorter): a cheap first test, since
 * most relocations name functions that are not ours. `room` is how many bytes may be read. */
static unsigned ga__prefix(const char *s, size_t room)
{
    uint32_t p = 0;
    if (room >= 4) {
        memcpy(&p, s, 4);                   /* little-endian: keep the bytes before the first NUL */
        uint32_t z = (p - 0x01010101u) & ~p & 0x80808080u;
        if (z != 0)
            p &= (uint32_t)((1ull << (__builtin_ctz(z) & ~7u)) - 1);
    } else {
        for (size_t i = 0; i < room && s[i] != '\0'; i++)
            p |= (uint32_t)(uint8_t)s[i] << (8 * i);
    }
    return (p * 2654435761u) >> 23;
}

static int ga__sym_index(const ga__walk *w, const char *name, size_t room)
{
    unsigned b = ga__prefix(name, room);
    if (!((w->prefixes[b >> 6] >> (b & 63)) & 1))
        return -1;
    uint32_t h = ga__hash(name);
    for (unsigned k = 0; k < GA__SYM_SLOTS; k++) {
        unsigned e = w->table[(h + k) % GA__SYM_SLOTS];
        if (e == 0)
            return -1;
        if (strcmp(w->syms[e - 1].name, name) == 0)
            return (int)e - 1;
    }
    return -1;
}

static int ga__writable(const ga__obj *o, uintptr_t a)
{
    for (unsigned i = 0; i < o->phnum; i++) {
        const ElfW(Phdr) *p = &o->phdr[i];
        if (p->p_type == PT_LOAD && (p->p_flags & PF_W) &&
            a >= o->base + p->p_vaddr && a - (o->base + p->p_vaddr) < p->p_memsz)
            return 1;
    }
    return 0;
}

static void ga__store(ga__walk *w, ga__rw *rw, void **slot, void *to)
{
    uintptr_t a = (uintptr_t)slot;
    if (a >= rw->relro_lo && a < rw->relro_hi) {
        if (rw->opened == 0)
            rw->opened = mprotect((void *)rw->relro_lo, rw->relro_hi - rw->relro_lo,
                                  PROT_READ | PROT_WRITE) == 0 ? 1 : -1;
        if (rw->opened < 0) {
            ga__fail(w, rw->o, "its read-only relocations could not be made writable");
            rw->incomplete = 1;
            return;
        }
    } else if (!ga__writable(rw->o, a)) {
        ga__fail(w, rw->o, "a relocation lies outside its writable segments");
        rw->incomplete = 1;
        return;
    }
    __atomic_store_n(slot, to, __ATOMIC_RELAXED);    /* one aligned word: callers see old or new */
    w->res->rewritten++;
}

/* One slot naming g (index i): rewritten if bound to g->real, or not bound yet and g->lazy set. */
static void ga__slot(ga__walk *w, ga__rw *rw, int i, unsigned type, uintptr_t a)
{
    const ga__obj *o = rw->o;
    const ga_got_sym *g = &w->syms[i];
    void *v = *(void *const *)a, *to = NULL;
    if (v == g->hook)
        return;
    if (g->real != NULL && v == g->real) {
        to = g->hook;
    } else if (type == GA__R_JUMP_SLOT && (uintptr_t)v >= o->lo && (uintptr_t)v < o->hi) {
        to = g->lazy;           /* an undefined symbol's slot inside the object: not bound yet */
        if (to == NULL) {
            w->res->lazy_pending |= 1ull << i;
            rw->incomplete = 1;
        }
    }
    if (to != NULL)
        ga__store(w, rw, (void **)a, to);
}

/* One relocation table (Rel or Rela: r_offset and r_info sit alike), from entry `first`. Every
 * pointer taken from the object is checked to stay inside its mapping before it is read. */
static void ga__scan(ga__walk *w, ga__rw *rw, const ElfW(Sym) *symtab, uintptr_t tab, size_t size,
                     size_t ent, size_t first)
{
    const ga__obj *o = rw->o;
    uintptr_t lo = o->lo, span = o->hi - o->lo;
    if (tab == 0 || ent < sizeof(ElfW(Rel)) || span < 64 || !ga__inside(o, tab, size))
        return;
    for (size_t k = first, n = size / ent; k < n; k++) {
        const ElfW(Rel) *r = (const ElfW(Rel) *)(tab + k * ent);
        unsigned type = (unsigned)ELF64_R_TYPE(r->r_info);
        if (type != GA__R_JUMP_SLOT && type != GA__R_GLOB_DAT)
            continue;
        const ElfW(Sym) *s = symtab + ELF64_R_SYM(r->r_info);
        if ((uintptr_t)s - lo > span - sizeof *s || s->st_shndx != SHN_UNDEF)
            continue;           /* an object defining the function itself is left alone */
        const char *name = o->strtab + s->st_name;
        uintptr_t a = o->base + r->r_offset;
        if ((uintptr_t)name - lo >= span || (a & (sizeof(void *) - 1)) || a - lo > span - sizeof(void *))
            continue;
        int i = ga__sym_index(w, name, span - ((uintptr_t)name - lo));
        if (i >= 0)
            ga__slot(w, rw, i, type, a);
    }
}

static size_t ga__dval(const ga__obj *o, ElfW(Sxword) tag)
{
    const ElfW(Dyn) *d = ga__dyn(o, tag);
    return d ? (size_t)d->d_un.d_val : 0;
}

static uintptr_t ga__dtab(const ga__obj *o, ElfW(Sxword) tag)
{
    const ElfW(Dyn) *d = ga__dyn(o, tag);
    return d ? ga__dptr(o, d->d_un.d_ptr) : 0;
}

/* Rewrite one object; 1 when every slot of ours in it now holds what it should. */
static int ga__patch(ga__walk *w, const ga__obj *o)
{
    uintptr_t symtab = ga__dtab(o, DT_SYMTAB);
    if (o->strtab == NULL || symtab == 0 || !ga__inside(o, symtab, sizeof(ElfW(Sym))))
        return 1;               /* no symbols: no relocation can name a hooked function */
    ga__rw rw = { .o = o };
    long pg = sysconf(_SC_PAGESIZE);
    uintptr_t mask = (uintptr_t)(pg > 0 ? pg : 4096) - 1;
    for (unsigned i = 0; i < o->phnum; i++)
        if (o->phdr[i].p_type == PT_GNU_RELRO) {    /* glibc protects whole pages only */
            rw.relro_lo = (o->base + o->phdr[i].p_vaddr) & ~mask;
            rw.relro_hi = (o->base + o->phdr[i].p_vaddr + o->phdr[i].p_memsz) & ~mask;
        }
    const ElfW(Sym) *st = (const ElfW(Sym) *)symtab;
    size_t pltent = ga__dval(o, DT_PLTREL) == DT_REL ? sizeof(ElfW(Rel)) : sizeof(ElfW(Rela));
    ga__scan(w, &rw, st, ga__dtab(o, DT_JMPREL), ga__dval(o, DT_PLTRELSZ), pltent, 0);
    size_t ent = ga__dval(o, DT_RELAENT);
    ga__scan(w, &rw, st, ga__dtab(o, DT_RELA), ga__dval(o, DT_RELASZ), ent ? ent : sizeof(ElfW(Rela)),
             ga__dval(o, DT_RELACOUNT));          /* the leading RELATIVE entries name nothing */
    ent = ga__dval(o, DT_RELENT);
    ga__scan(w, &rw, st, ga__dtab(o, DT_REL), ga__dval(o, DT_RELSZ), ent ? ent : sizeof(ElfW(Rel)),
             ga__dval(o, DT_RELCOUNT));
    if (rw.opened > 0 && mprotect((void *)rw.relro_lo, rw.relro_hi - rw.relro_lo, PROT_READ) != 0)
        ga__fail(w, o, "its relocations could not be made read-only again");
    return !rw.incomplete;
}

static int ga__skipped(const ga__walk *w, const ga__obj *o)
{
    for (int k = 0; k < w->nskip; k++)
        if ((uintptr_t)w->skip[k] >= o->lo && (uintptr_t)w->skip[k] < o->hi)
            return 1;
    return 0;
}

/* ---------------------------------------------------------------- objects already done */

/* Take the `done` list for this callback (or do without it), and forget it if some object was
 * unloaded since it was written. */
static void ga__done_open(ga__walk *w)
{
    int idle = 0;
    if (w->done == NULL || !atomic_compare_exchange_strong(&w->done->busy, &idle, 1)) {
        w->done = NULL;
        return;
    }
    if (w->done->subs != w->subs) {
        w->done->n = 0;
        w->done->subs = w->subs;
    }
}

static int ga__done_has(const ga__walk *w, const ga__obj *o)
{
    for (unsigned i = 0; w->done != NULL && i < w->done->n; i++)
        if (w->done->dyn[i] == (uintptr_t)o->dyn)
            return 1;
    return 0;
}

static void ga__done_add(ga__walk *w, const ga__obj *o)
{
    if (w->done != NULL && w->done->n < GA_GOT_DONE_MAX)
        w->done->dyn[w->done->n++] = (uintptr_t)o->dyn;
}

static void ga__work(ga__walk *w)
{
    unsigned root = w->n;
    for (unsigned i = 0; i < w->n; i++)     /* dl_iterate_phdr hands out l_addr and l_name as they are */
        if (w->objs[i].name == w->root->l_name && w->objs[i].base == w->root->l_addr)
            root = i;
    if (root == w->n) {
        ga__fail(w, NULL, "it was not found among the loaded objects");
        return;
    }
    ga__names(&w->objs[root]);
    if (w->objs[root].dyn != (const ElfW(Dyn) *)w->root->l_ld) {
        ga__fail(w, &w->objs[root], "its program headers do not match its link map");
        return;
    }
    unsigned members = ga__closure(w, root);
    ga__done_open(w);
    for (unsigned k = 0; k < members; k++) {
        const ga__obj *o = &w->objs[w->queue[k]];
        if (o->dyn == NULL || ga__skipped(w, o) || ga__done_has(w, o))
            continue;
        w->res->objects++;
        if (ga__patch(w, o))
            ga__done_add(w, o);
    }
    if (w->done != NULL)
        atomic_store(&w->done->busy, 0);
}

static int ga__cb(struct dl_phdr_info *info, size_t size, void *data)
{
    ga__walk *w = data;
    if (w->n == 0) {
        w->expected = ga__chain_len(w->root);   /* the list cannot change until we return */
        w->subs = size >= offsetof(struct dl_phdr_info, dlpi_subs) + sizeof info->dlpi_subs
                  ? info->dlpi_subs : ~0ull;    /* unknown: the `done` list is never trusted */
    }
    if (w->n >= w->expected || w->n >= GA__MAX_OBJS) {
        w->state = -1;
        return 1;
    }
    ga__describe(&w->objs[w->n++], info);
    if (w->n < w->expected)
        return 0;
    ga__work(w);
    w->state = 1;
    return 1;
}

int ga_got_redirect(const void *root, const ga_got_sym *syms, int nsyms,
                    const void *const *skip, int nskip, ga_got_done *done, ga_got_result *res)
{
    memset(res, 0, sizeof *res);
    if (root == NULL || nsyms <= 0 || nsyms > GA_GOT_MAX_SYMS) {
        res->why = "nothing to redirect";
        return -1;
    }
    size_t bytes = GA__MAX_OBJS * (sizeof(ga__obj) + sizeof(uint32_t));
    void *mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) {
        res->why = "no memory for the walk";
        return -1;
    }
    ga__walk w = { .root = root, .syms = syms, .nsyms = nsyms, .skip = skip, .nskip = nskip, .done = done,
                   .res = res, .objs = mem, .queue = (uint32_t *)((ga__obj *)mem + GA__MAX_OBJS) };
    for (int i = 0; i < nsyms; i++) {
        unsigned b = ga__prefix(syms[i].name, strlen(syms[i].name) + 1);
        w.prefixes[b >> 6] |= 1ull << (b & 63);
        uint32_t h = ga__hash(syms[i].name);
        unsigned k = 0;
        while (w.table[(h + k) % GA__SYM_SLOTS] != 0)
            k++;
        w.table[(h + k) % GA__SYM_SLOTS] = (uint8_t)(i + 1);
    }
    dl_iterate_phdr(ga__cb, &w);
    munmap(mem, bytes);
    if (w.state != 1) {         /* more objects than GA__MAX_OBJS, or a list that changed shape */
        res->why = "the list of loaded objects could not be walked";
        return -1;
    }
    return 0;
}

#else /* !GA_GOT_SUPPORTED */

int ga_got_redirect(const void *root, const ga_got_sym *syms, int nsyms,
                    const void *const *skip, int nskip, ga_got_done *done, ga_got_result *res)
{
    (void)root; (void)syms; (void)nsyms; (void)skip; (void)nskip; (void)done;
    memset(res, 0, sizeof *res);
    res->why = "relocations cannot be rewritten on this architecture";
    return -1;
}

#endif
