/* dlsearch.h — opening a library as if dlopen() had been called from another object.
 *
 * glibc's dlopen() takes two things from the object that called it: a name without a '/' is
 * looked up along that object's DT_RPATH/DT_RUNPATH, and "$ORIGIN" in a name is that object's
 * directory. A hook that must run code after the real dlopen() cannot tail-call it, so the
 * loader sees the hook as the caller; ga_dl_open_as settles those two caller-dependent parts
 * first, so the program gets the library it would have got without us. */
#ifndef GA_DLSEARCH_H
#define GA_DLSEARCH_H

/* The real opener: dlopen() or dlmopen() into a fixed namespace. */
typedef void *(*ga_dl_open_fn)(void *ud, const char *file, int mode);

/* 0 when a call from here cannot be made equivalent to one from the caller (a name with '$' in
 * a secure-execution process, where the loader restricts $ORIGIN by rules of its own): the hook
 * must then leave the call alone. */
int ga_dl_can_open_as(const char *file);

/* Open `file` with `mode` through `open`, as a dlopen() called from the code at `caller`:
 * - "$ORIGIN" / "${ORIGIN}" in `file` become the caller's origin (dlinfo RTLD_DI_ORIGIN);
 * - a name with a '/' is opened as it is;
 * - a bare name: an object already loaded under that name (RTLD_NOLOAD) if any; else the first
 *   directory, among those the caller searches before the ones any object searches (its RPATHs,
 *   LD_LIBRARY_PATH when it has a RUNPATH, its RUNPATH — from dlinfo RTLD_DI_SERINFO), that holds
 *   an ELF file of this machine by that name; else the bare name (what remains — the cache and the
 *   system directories — does not depend on the caller).
 * Returns what the last `open` returned (its dlerror() state is the caller's to see). */
void *ga_dl_open_as(const char *file, int mode, const void *caller, ga_dl_open_fn open, void *ud);

#endif
