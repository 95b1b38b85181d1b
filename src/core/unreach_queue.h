/*
 * Unreachable reports on their way from the devices to the protocol core
 * (spec ETH-14, done better: ax-net tells nobody).
 *
 * An Ethernet adapter drops a packet whose next hop never resolved while
 * its device lock is held, in a TX worker or on the poll path: it may not
 * take the core lock there (lock order, stack_impl.h), so it only queues a
 * report here; the core drains the queue under the core lock and hands each
 * report to the proto `unreachable` hook (core/proto_hooks.h).
 *
 * Bounded and inline: AXN_UNREACH_QUEUE_LEN reports of at most
 * AXN_UNREACH_REPORT_BYTES quoted bytes live in the struct itself, so a
 * report never allocates (DESIGN.md principle 4). A push on a full queue
 * drops the report and counts it in `overflow`.
 *
 * Concurrency: any number of producers and one consumer (the core), all
 * serialised by the queue's own spin lock, which is held only to copy one
 * report in or out. Hard-IRQ safe, but no IRQ path reports today.
 */
#ifndef AXN_CORE_UNREACH_QUEUE_H
#define AXN_CORE_UNREACH_QUEUE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "axnet/config.h"
#include "axnet/platform.h"

struct axn_unreach_report {
    uint32_t ifindex;   /* egress interface of the dropped packet */
    uint32_t quote_len; /* bytes of `quote` in use */
    uint8_t quote[AXN_UNREACH_REPORT_BYTES];
};

struct axn_unreach_queue {
    const struct axn_platform *plat;
    void *lock; /* platform spin lock over head, count and the slots */
    uint32_t head;
    _Atomic uint32_t count; /* atomic only for the lock-free is_empty */
    _Atomic uint64_t overflow;
    struct axn_unreach_report slots[AXN_UNREACH_QUEUE_LEN];
};

/* Creates the lock. 0 or the platform's error. */
int axn_unreach_queue_init(struct axn_unreach_queue *q, const struct axn_platform *plat);
/* Releases the lock; queued reports vanish. Safe after a failed init. */
void axn_unreach_queue_destroy(struct axn_unreach_queue *q);

/* Queues a report quoting pkt[0 .. min(len, AXN_UNREACH_REPORT_BYTES)).
 * false when the queue was full (the report is dropped and counted). */
bool axn_unreach_queue_push(struct axn_unreach_queue *q, uint32_t ifindex, const uint8_t *pkt,
                            size_t len);
/* Takes the oldest report into *out; false when there is none. */
bool axn_unreach_queue_pop(struct axn_unreach_queue *q, struct axn_unreach_report *out);

/* A lock-free snapshot. Inline: every core run and every caller-polled
 * poll asks, and the answer is nearly always yes. */
static inline bool axn_unreach_queue_is_empty(const struct axn_unreach_queue *q)
{
    return atomic_load_explicit(&q->count, memory_order_acquire) == 0;
}

#endif /* AXN_CORE_UNREACH_QUEUE_H */
