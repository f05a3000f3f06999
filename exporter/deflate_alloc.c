/* deflate_alloc.c — the allocator of the library's private copy of libdeflate.
 *
 * libdeflate keeps its allocator in two data pointers initialised to malloc and free. In a
 * shared object each is a symbol the dynamic loader looks up at every process start (about
 * 500 instructions apiece, for a compressor most processes never use). The library links a
 * copy of libdeflate.a whose references to malloc and free are renamed to these two
 * (Makefile, DEFLATE_A), so the pointers point inside the library and the loader only adds
 * the load address. They call libc's through the lazily bound PLT. */
#include <stdlib.h>

void *ga_deflate_malloc(size_t n);
void ga_deflate_free(void *p);

void *ga_deflate_malloc(size_t n)
{
    return malloc(n);
}

void ga_deflate_free(void *p)
{
    free(p);
}
