/* port/posix memory: aligned, zeroed heap blocks. */
#include <stdlib.h>
#include <string.h>

#include "posix_internal.h"

static void *posix_alloc(void *ctx, size_t size, size_t align)
{
    (void)ctx;
    if (align == 0 || (align & (align - 1)))
        return NULL;
    /* posix_memalign wants a multiple of sizeof(void *). */
    if (align < sizeof(void *))
        align = sizeof(void *);
    /* A zero-sized request still gets a distinct, freeable block. */
    if (size == 0)
        size = 1;
    void *p = NULL;
    if (posix_memalign(&p, align, size) != 0)
        return NULL;
    memset(p, 0, size);
    return p;
}

static void posix_free(void *ctx, void *ptr, size_t size)
{
    (void)ctx;
    (void)size;
    free(ptr);
}

void axn_posix_install_memory(struct axn_platform *plat)
{
    plat->alloc = posix_alloc;
    plat->free = posix_free;
}
