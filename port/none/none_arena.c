/*
 * port/none memory: a first-fit allocator over the caller's arena.
 *
 * Every block, free or live, starts with a 16-byte header and spans a
 * multiple of 16 bytes, so every block start is 16-aligned. Free blocks sit
 * on a list in ascending address order; on free, a block merges with the
 * free blocks right before and after it, so the arena never splinters into
 * neighbours that could be one. A live block's header carries a tag made
 * from its own address, so a double or stray free is caught and counted
 * instead of corrupting the list.
 */
#include "none_internal.h"

#include <stdint.h>

#include "axnet/errno.h"
#include "lib/mem.h"

#define GRAIN AXN_PORT_NONE_BLOCK_OVERHEAD

/* A leftover smaller than this (a header and one granule) could never be
 * handed out, so it stays with the block it was cut from. */
#define MIN_SPLIT (2 * GRAIN)

/* Tag of a live block (xor its address): catches stray and double frees. */
#define LIVE_TAG ((uintptr_t)0xa11ce5a5u)

struct axn_port_none_block {
    size_t size; /* whole block, header included; a multiple of GRAIN */
    union {
        struct axn_port_none_block *next; /* free: next free block, higher up */
        uintptr_t tag;                    /* live: LIVE_TAG ^ own address */
    } u;
};

_Static_assert(sizeof(struct axn_port_none_block) <= GRAIN, "block header exceeds its granule");

typedef struct axn_port_none_block block_t;

static uintptr_t align_up(uintptr_t v, uintptr_t align)
{
    return (v + align - 1) & ~(align - 1);
}

static bool is_pow2(size_t v)
{
    return v && !(v & (v - 1));
}

static block_t *make_block(uintptr_t at, size_t size, block_t *next)
{
    block_t *b = (block_t *)at;
    b->size = size;
    b->u.next = next;
    return b;
}

int axn_none_arena_init(struct axn_port_none *port, void *arena, size_t len)
{
    uintptr_t start = align_up((uintptr_t)arena, GRAIN);
    size_t skip = start - (uintptr_t)arena;
    if (!arena || len < skip + 2 * GRAIN)
        return -AXN_EINVAL;
    size_t usable = (len - skip) & ~(size_t)(GRAIN - 1);
    port->arena = (unsigned char *)start;
    port->arena_len = usable;
    port->free_list = make_block(start, usable, NULL);
    port->arena_used = 0;
    port->blocks_in_use = 0;
    port->alloc_failures = 0;
    port->bad_frees = 0;
    return 0;
}

/*
 * Carves a live block with payload at `payload` and `need` payload bytes out
 * of free block `b` (linked from *link). The bytes before the header stay a
 * free block; the bytes after it become one if they are MIN_SPLIT or more.
 */
static block_t *carve(block_t **link, block_t *b, uintptr_t payload, size_t need)
{
    uintptr_t start = (uintptr_t)b;
    uintptr_t end = start + b->size;
    uintptr_t hdr = payload - GRAIN;
    uintptr_t used_end = payload + need;
    block_t *after = b->u.next;
    if (end - used_end >= MIN_SPLIT) {
        after = make_block(used_end, end - used_end, after);
        end = used_end;
    }
    if (hdr > start) {
        b->size = hdr - start;
        b->u.next = after;
    } else {
        *link = after;
    }
    block_t *live = make_block(hdr, end - hdr, NULL);
    live->u.tag = LIVE_TAG ^ hdr;
    return live;
}

void *axn_none_arena_alloc(struct axn_port_none *port, size_t size, size_t align)
{
    if (align < GRAIN)
        align = GRAIN;
    if (!is_pow2(align) || align > AXN_PORT_NONE_MAX_ALIGN || size > port->arena_len) {
        port->alloc_failures++;
        return NULL;
    }
    /* Zero-sized requests still get a distinct block. */
    size_t need = size ? align_up(size, GRAIN) : GRAIN;
    for (block_t **link = &port->free_list; *link; link = &(*link)->u.next) {
        block_t *b = *link;
        uintptr_t payload = align_up((uintptr_t)b + GRAIN, align);
        size_t offset = payload - (uintptr_t)b;
        if (offset > b->size || b->size - offset < need)
            continue;
        block_t *live = carve(link, b, payload, need);
        port->arena_used += live->size;
        port->blocks_in_use++;
        memset((void *)payload, 0, live->size - GRAIN);
        return (void *)payload;
    }
    port->alloc_failures++;
    return NULL;
}

/* The live block behind `ptr`, or NULL if `ptr` is not one. */
static block_t *live_block(const struct axn_port_none *port, void *ptr, size_t size)
{
    uintptr_t p = (uintptr_t)ptr;
    uintptr_t lo = (uintptr_t)port->arena + GRAIN;
    uintptr_t hi = (uintptr_t)port->arena + port->arena_len;
    if (p < lo || p >= hi || (p & (GRAIN - 1)))
        return NULL;
    block_t *b = (block_t *)(p - GRAIN);
    if (b->u.tag != (LIVE_TAG ^ (uintptr_t)b) || b->size - GRAIN < size)
        return NULL;
    return b;
}

static bool adjacent(const block_t *a, const block_t *b)
{
    return (uintptr_t)a + a->size == (uintptr_t)b;
}

void axn_none_arena_free(struct axn_port_none *port, void *ptr, size_t size)
{
    if (!ptr)
        return;
    block_t *b = live_block(port, ptr, size);
    if (!b) {
        port->bad_frees++;
        return;
    }
    port->arena_used -= b->size;
    port->blocks_in_use--;
    block_t *prev = NULL;
    block_t *next = port->free_list;
    while (next && next < b) {
        prev = next;
        next = next->u.next;
    }
    b->u.next = next;
    if (next && adjacent(b, next)) {
        b->size += next->size;
        b->u.next = next->u.next;
    }
    if (!prev) {
        port->free_list = b;
    } else if (adjacent(prev, b)) {
        prev->size += b->size;
        prev->u.next = b->u.next;
    } else {
        prev->u.next = b;
    }
}

size_t axn_port_none_free_bytes(const struct axn_port_none *ctx)
{
    size_t total = 0;
    for (const block_t *b = ctx->free_list; b; b = b->u.next)
        total += b->size;
    return total;
}

size_t axn_port_none_largest_free(const struct axn_port_none *ctx)
{
    size_t best = 0;
    for (const block_t *b = ctx->free_list; b; b = b->u.next)
        if (b->size - GRAIN > best)
            best = b->size - GRAIN;
    return best;
}

static void *none_alloc(void *ctx, size_t size, size_t align)
{
    return axn_none_arena_alloc(ctx, size, align);
}

static void none_free(void *ctx, void *ptr, size_t size)
{
    axn_none_arena_free(ctx, ptr, size);
}

void axn_none_install_memory(struct axn_platform *plat)
{
    plat->alloc = none_alloc;
    plat->free = none_free;
}
