/*
 * Packets waiting for address resolution on one Ethernet device (ETH-10f,
 * ETH-12 step 7, and the bounds ax-net lacks, ETH-14).
 *
 * Bounded twice: `capacity` packets in all (AXN_ETH_PENDING_PACKETS) and
 * `per_hop` packets per next hop (AXN_ARP_PENDING_PER_HOP), so one
 * unresolvable neighbour cannot fill the queue and starve the others.
 * Packet bytes live inline in fixed slots of `slot_size` bytes allocated in
 * one piece at init; push and filter never allocate.
 *
 * Order matters: packets leave in arrival order, and a filter pass (the
 * drain after ARP input, aging, resolution failure) visits every packet
 * once, removes the ones its callback chooses and keeps the others in
 * their original order. Only small descriptors move; packet bytes stay in
 * their slot.
 *
 * Not locked: the device calls it under its own lock.
 */
#ifndef AXN_DEV_ARP_PENDING_H
#define AXN_DEV_ARP_PENDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "axnet/platform.h"
#include "axnet/types.h"

struct axn_arp_pending_pkt {
    axn_ip4_t next_hop;
    axn_time_t enqueued;
    uint32_t len;
    uint32_t slot; /* index of its bytes in `data` */
};

struct axn_arp_pending {
    const struct axn_platform *plat;
    struct axn_arp_pending_pkt *pkts; /* [0 .. count) in arrival order */
    uint32_t *free_slots;             /* stack of unused slot indices */
    uint8_t *data;                    /* capacity * slot_size bytes */
    size_t block_size;                /* what was asked of plat->alloc */
    uint32_t capacity;
    uint32_t slot_size;
    uint32_t per_hop;
    uint32_t count;
    uint32_t n_free;
};

/* A queued packet as a filter callback sees it. */
struct axn_arp_pending_view {
    axn_ip4_t next_hop;
    axn_time_t enqueued;
    const uint8_t *data;
    size_t len;
};

/*
 * Filter callback: return true to keep the packet, false to remove it (the
 * callback has sent it or dropped it). It must not push into or filter the
 * same queue.
 */
typedef bool (*axn_arp_pending_keep_fn)(void *ctx, const struct axn_arp_pending_view *pkt);

/* Allocates the slots. 0, -AXN_EINVAL (a zero bound, an overflowing size),
 * -AXN_ENOMEM. */
int axn_arp_pending_init(struct axn_arp_pending *q, const struct axn_platform *plat,
                         uint32_t capacity, uint32_t slot_size, uint32_t per_hop);
/* Frees the slots; queued packets vanish uncounted. Safe on a zeroed queue. */
void axn_arp_pending_destroy(struct axn_arp_pending *q);

/*
 * Queues a copy of pkt[0 .. len) for `next_hop`. Returns 0, -AXN_EMSGSIZE
 * (longer than a slot), -AXN_ENOBUFS (queue full), or -AXN_ENOSPC (already
 * `per_hop` packets for this next hop). On error nothing is queued.
 */
int axn_arp_pending_push(struct axn_arp_pending *q, axn_ip4_t next_hop, const uint8_t *pkt,
                         size_t len, axn_time_t now);

/* Visits every packet once in arrival order; see axn_arp_pending_keep_fn.
 * Returns the number removed. */
size_t axn_arp_pending_filter(struct axn_arp_pending *q, axn_arp_pending_keep_fn keep, void *ctx);

uint32_t axn_arp_pending_count(const struct axn_arp_pending *q);
/* Packets queued for `next_hop`. */
uint32_t axn_arp_pending_count_for(const struct axn_arp_pending *q, axn_ip4_t next_hop);
/* Enqueue time of the longest-waiting packet; AXN_TIME_NEVER when empty. */
axn_time_t axn_arp_pending_oldest(const struct axn_arp_pending *q);

#endif /* AXN_DEV_ARP_PENDING_H */
