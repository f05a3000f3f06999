/* crt_weak.c — local definitions of the weak symbols the compiler's start files ask for.
 *
 * crtbeginS.o and crti.o, linked into every shared object, refer weakly to
 * _ITM_registerTMCloneTable, _ITM_deregisterTMCloneTable (transactional memory, libitm) and
 * __gmon_start__ (gprof). Left undefined, each is a symbol the dynamic loader searches every
 * loaded object for at every process start and does not find: about 650 instructions apiece.
 * Defined here (hidden), the linker binds them inside the library. The start files call them
 * only when they are non-null and the library has something for them (no transactional-memory
 * clones, no profiling): the empty bodies are never reached in practice and do nothing if
 * they are. __cxa_finalize stays libc's: it runs our atexit handler when the library is
 * finalised. */

void __gmon_start__(void);
void _ITM_deregisterTMCloneTable(void *table);
void _ITM_registerTMCloneTable(void *table, unsigned long size);

__attribute__((visibility("hidden"))) void __gmon_start__(void)
{
}

__attribute__((visibility("hidden"))) void _ITM_deregisterTMCloneTable(void *table)
{
    (void)table;
}

__attribute__((visibility("hidden"))) void _ITM_registerTMCloneTable(void *table, unsigned long size)
{
    (void)table;
    (void)size;
}
