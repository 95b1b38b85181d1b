/* Packets waiting for ARP resolution (ETH-10f, ETH-12 step 7, ETH-14). */
#include "dev/arp_pending.h"

#include "axnet/errno.h"
#include "lib/mem.h"

/* Alignment of the block and of the byte area: packets start where any
 * scalar could, so in-place header readers never see a misaligned start. */
#define PENDING_ALIGN 16u

static size_t round_up(size_t n, size_t align)
{
    return (n + align - 1) / align * align;
}

/* Block layout: descriptors, free-slot stack, padding, packet bytes. */
static int block_layout(uint32_t capacity, uint32_t slot_size, size_t *free_off, size_t *data_off,
                        size_t *total)
{
    const size_t desc = (size_t)capacity * sizeof(struct axn_arp_pending_pkt);
    const size_t stack = (size_t)capacity * sizeof(uint32_t);
    const size_t off = round_up(desc + stack, PENDING_ALIGN);
    if (SIZE_MAX / capacity < slot_size)
        return -AXN_EINVAL;
    const size_t bytes = (size_t)capacity * slot_size;
    if (SIZE_MAX - off < bytes)
        return -AXN_EINVAL;
    *free_off = desc;
    *data_off = off;
    *total = off + bytes;
    return 0;
}

int axn_arp_pending_init(struct axn_arp_pending *q, const struct axn_platform *plat,
                         uint32_t capacity, uint32_t slot_size, uint32_t per_hop)
{
    memset(q, 0, sizeof(*q));
    if (!plat || capacity == 0 || slot_size == 0 || per_hop == 0)
        return -AXN_EINVAL;
    size_t free_off;
    size_t data_off;
    size_t total;
    int err = block_layout(capacity, slot_size, &free_off, &data_off, &total);
    if (err)
        return err;
    uint8_t *block = plat->alloc(plat->ctx, total, PENDING_ALIGN);
    if (!block)
        return -AXN_ENOMEM;
    q->plat = plat;
    q->pkts = (struct axn_arp_pending_pkt *)(void *)block;
    q->free_slots = (uint32_t *)(void *)(block + free_off);
    q->data = block + data_off;
    q->block_size = total;
    q->capacity = capacity;
    q->slot_size = slot_size;
    q->per_hop = per_hop;
    for (uint32_t i = 0; i < capacity; i++)
        q->free_slots[i] = capacity - 1 - i; /* slot 0 is used first */
    q->n_free = capacity;
    return 0;
}

void axn_arp_pending_destroy(struct axn_arp_pending *q)
{
    if (q->plat && q->pkts)
        q->plat->free(q->plat->ctx, q->pkts, q->block_size);
    memset(q, 0, sizeof(*q));
}

static uint8_t *slot_data(const struct axn_arp_pending *q, uint32_t slot)
{
    return q->data + (size_t)slot * q->slot_size;
}

uint32_t axn_arp_pending_count(const struct axn_arp_pending *q)
{
    return q->count;
}

uint32_t axn_arp_pending_count_for(const struct axn_arp_pending *q, axn_ip4_t next_hop)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < q->count; i++)
        if (q->pkts[i].next_hop == next_hop)
            n++;
    return n;
}

axn_time_t axn_arp_pending_oldest(const struct axn_arp_pending *q)
{
    axn_time_t oldest = AXN_TIME_NEVER;
    for (uint32_t i = 0; i < q->count; i++)
        if (q->pkts[i].enqueued < oldest)
            oldest = q->pkts[i].enqueued;
    return oldest;
}

int axn_arp_pending_push(struct axn_arp_pending *q, axn_ip4_t next_hop, const uint8_t *pkt,
                         size_t len, axn_time_t now)
{
    if (len > q->slot_size)
        return -AXN_EMSGSIZE;
    if (q->count == q->capacity)
        return -AXN_ENOBUFS;
    if (axn_arp_pending_count_for(q, next_hop) >= q->per_hop)
        return -AXN_ENOSPC;
    const uint32_t slot = q->free_slots[--q->n_free];
    memcpy(slot_data(q, slot), pkt, len);
    q->pkts[q->count++] = (struct axn_arp_pending_pkt){
        .next_hop = next_hop,
        .enqueued = now,
        .len = (uint32_t)len,
        .slot = slot,
    };
    return 0;
}

size_t axn_arp_pending_filter(struct axn_arp_pending *q, axn_arp_pending_keep_fn keep, void *ctx)
{
    /* One pass with a write index: kept descriptors slide down over removed
     * ones, so survivors stay in arrival order (ETH-12 step 7). */
    uint32_t kept = 0;
    const uint32_t n = q->count;
    for (uint32_t i = 0; i < n; i++) {
        const struct axn_arp_pending_pkt p = q->pkts[i];
        const struct axn_arp_pending_view v = {
            .next_hop = p.next_hop,
            .enqueued = p.enqueued,
            .data = slot_data(q, p.slot),
            .len = p.len,
        };
        if (keep(ctx, &v))
            q->pkts[kept++] = p;
        else
            q->free_slots[q->n_free++] = p.slot;
    }
    q->count = kept;
    return n - kept;
}
