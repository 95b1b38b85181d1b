/*
 * Bounded FIFO of packets stored inline in fixed slots (spec RT-3..RT-5).
 *
 * Capacity and slot size are fixed at init, when the slot array is
 * allocated in one piece through the platform; pushing and popping never
 * allocate. A packet longer than the slot cannot be queued (RT-3): the
 * caller drops and counts it. A push on a full queue fails and leaves the
 * packet with the caller (RT-5), who decides: drop (TX, RT-23) or keep and
 * retry (RX back-pressure, RT-28).
 *
 * Each element keeps its metadata next to its bytes, so a packet and its L2
 * frame length can never be separated (RT-28), and carries the ingress
 * interface (RX queue) or the next hop (TX queue) chosen by routing (RT-4).
 *
 * Concurrency: single-producer / single-consumer lock-free. The producer
 * side (push, reserve, commit) touches only `tail`, the consumer side (pop,
 * peek, consume) only `head`; they meet in the atomic `count`, which the
 * producer increments with release order after filling a slot and the
 * consumer decrements with release order after it is done reading one. Each
 * side reads `count` with acquire order before touching a slot, so a slot's
 * bytes are never written and read at the same time.
 *   - Several producers (the shared RX queue fed by every device's RX
 *     worker) must serialise among themselves: the router holds a platform
 *     spin lock around push. Likewise several consumers.
 *   - len(), is_empty() and is_full() read `count` alone and may be called
 *     from anywhere without a lock: a snapshot, exact at some instant, the
 *     cheap predicate a waiter re-checks (RT-5).
 */
#ifndef AXN_LIB_PKTQ_H
#define AXN_LIB_PKTQ_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "axnet/platform.h"
#include "axnet/types.h"

struct axn_tx_acct;

/* What travels with a packet through the queue. */
struct axn_pktq_meta {
    uint32_t frame_len; /* L2 frame length the packet came in / goes out as (RT-28) */
    uint32_t ifindex;   /* RX queue: ingress interface id (RT-4) */
    axn_ip4_t next_hop; /* TX queue: next hop chosen by routing (RT-4) */
    uint16_t ethertype; /* RX queue: 0x0800 or 0x86DD, as the device saw it */
    uint8_t offload;    /* RX queue: AXN_OFL_* the device reported (csum verified) */
    /* TX queue: segment payload size of a TSO frame (the device cuts it);
     * RX queue: that of an LRO aggregate. 0: a plain packet. */
    uint16_t gso_size;
    /* TX queue: the sending socket's account (lib/tx_acct.h), charged while
     * queued; NULL when no socket sent it. */
    struct axn_tx_acct *acct;
};

/* Per-slot bookkeeping; the bytes live in a separate area of the same block. */
struct axn_pktq_slot {
    uint32_t len;
    bool big; /* the bytes live in the large-frame lane, not the slot */
    struct axn_pktq_meta meta;
};

struct axn_pktq {
    const struct axn_platform *plat;
    struct axn_pktq_slot *slots; /* `capacity` entries, start of the one block */
    uint8_t *data;               /* `capacity * slot_size` bytes, same block */
    size_t block_size;           /* what was asked of plat->alloc */
    uint32_t capacity;
    uint32_t slot_size;
    uint32_t head;          /* consumer-owned: next slot to read */
    uint32_t tail;          /* producer-owned: next slot to fill */
    _Atomic uint32_t count; /* filled slots; the only shared word */
    /*
     * Large-frame lane (axn_pktq_enable_big), for TSO frames and LRO
     * aggregates: `big_cap` buffers of `big_size` bytes, a second ring
     * used in the same FIFO order as the slots, so a slot holding a large
     * packet names no buffer: it takes the next one. Memory stays bounded
     * by capacity * slot_size + big_cap * big_size.
     */
    uint8_t *big; /* NULL: no lane, packets are at most slot_size */
    size_t big_block;
    uint32_t big_cap;
    uint32_t big_size;
    uint32_t big_head;          /* consumer-owned */
    uint32_t big_tail;          /* producer-owned */
    _Atomic uint32_t big_count; /* big buffers in use, counted before `count` */
    bool reserved_big;          /* producer: the reserved buffer is a big one */
};

/* A packet looked at in place by the consumer (peek). */
struct axn_pktq_view {
    uint8_t *data; /* writable: the consumer may rewrite in place (RT-35) */
    size_t len;
    struct axn_pktq_meta meta;
};

/*
 * Allocates `capacity` slots of `slot_size` bytes. Returns 0, -AXN_EINVAL
 * (zero capacity or slot size, or a size that overflows), -AXN_ENOMEM.
 */
int axn_pktq_init(struct axn_pktq *q, const struct axn_platform *plat, uint32_t capacity,
                  uint32_t slot_size);
/* Releases the slots; queued packets are discarded. Safe on a zeroed queue. */
void axn_pktq_destroy(struct axn_pktq *q);

/*
 * Adds the large-frame lane: `n` buffers of `size` bytes (size above the
 * slot size). Once per queue, before any producer may push a large packet;
 * the caller serialises it with the producers (their lock). Consumers see
 * the lane through the release of the first large packet's count. Returns
 * 0 (also when the lane already exists), -AXN_EINVAL or -AXN_ENOMEM.
 */
int axn_pktq_enable_big(struct axn_pktq *q, uint32_t n, uint32_t size);

/* Largest packet the queue takes: big_size with the lane, else slot_size. */
static inline uint32_t axn_pktq_max_len(const struct axn_pktq *q)
{
    return q->big ? q->big_size : q->slot_size;
}

/*
 * Producer. Copies `len` bytes into the tail slot (or, above the slot
 * size, into the next large buffer) with `meta` (NULL: all zero). Returns
 * 0, -AXN_EMSGSIZE if len exceeds axn_pktq_max_len, or
 * -AXN_ENOBUFS when full; on error nothing is queued.
 */
int axn_pktq_push(struct axn_pktq *q, const void *data, size_t len,
                  const struct axn_pktq_meta *meta);

/*
 * Producer, zero-copy: returns the tail slot's buffer (slot_size bytes) to
 * fill in place, or NULL when full. Nothing is queued until commit; calling
 * reserve again before commit returns the same buffer.
 */
uint8_t *axn_pktq_reserve(struct axn_pktq *q);
/* Same with the next large buffer (big_size bytes): NULL when there is no
 * lane, no free large buffer or no free slot. The packet committed after it
 * stays in the large buffer whatever its length; a later plain reserve
 * cancels it (nothing was queued). */
uint8_t *axn_pktq_reserve_big(struct axn_pktq *q);
/* Queues the reserved slot holding `len` bytes. Returns 0, -AXN_EMSGSIZE, or
 * -AXN_ENOBUFS if the queue is full (no slot was reserved). */
int axn_pktq_commit(struct axn_pktq *q, size_t len, const struct axn_pktq_meta *meta);

/*
 * Consumer. Copies the head packet into buf[0 .. cap), stores its length in
 * *len and its metadata in *meta (either may be NULL), and removes it.
 * Returns 0, -AXN_EAGAIN when empty, or -AXN_EMSGSIZE if cap is too small
 * (the packet stays queued).
 */
int axn_pktq_pop(struct axn_pktq *q, void *buf, size_t cap, size_t *len,
                 struct axn_pktq_meta *meta);

/*
 * Consumer, zero-copy: describes the head packet in place. Returns 0 or
 * -AXN_EAGAIN when empty. The view stays valid until consume.
 */
int axn_pktq_peek(struct axn_pktq *q, struct axn_pktq_view *view);
/* Removes the head packet after a successful peek. No-op when empty. */
void axn_pktq_consume(struct axn_pktq *q);

/* Lock-free snapshots (see the concurrency note above). */
uint32_t axn_pktq_len(const struct axn_pktq *q);
bool axn_pktq_is_empty(const struct axn_pktq *q);
bool axn_pktq_is_full(const struct axn_pktq *q);

static inline uint32_t axn_pktq_capacity(const struct axn_pktq *q)
{
    return q->capacity;
}

static inline uint32_t axn_pktq_slot_size(const struct axn_pktq *q)
{
    return q->slot_size;
}

#endif /* AXN_LIB_PKTQ_H */
