/*
 * Router RX: devices -> shared RX queue -> protocol core (spec §3.3, RT-16,
 * RT-17, RT-28, RT-38).
 */
#include "axnet/errno.h"
#include "lib/mem.h"
#include "route/router.h"
#include "route/router_internal.h"

int axn_router_rxq_push(struct axn_router *r, const uint8_t *pkt, size_t len,
                        const struct axn_pktq_meta *meta)
{
    /* One packet per lock hold: the lock may mask IRQs, so keep it short. */
    unsigned long irq = r->plat->spin_lock_irqsave(r->rxq_lock);
    int err = axn_pktq_push(&r->rxq, pkt, len, meta);
    r->plat->spin_unlock_irqrestore(r->rxq_lock, irq);
    return err;
}

static struct axn_pktq_meta rx_queue_meta(const struct axn_dev_handle *h,
                                          const struct axn_rx_meta *m)
{
    const struct axn_pktq_meta q = {
        .frame_len = m->frame_len,
        .ifindex = h->ifindex,
        .ethertype = m->ethertype,
        .offload = m->offload,
        .gso_size = m->gso_size,
    };
    return q;
}

/*
 * The buffer the next packet is read into: with a large-frame lane (an LRO
 * device) always a large one, so an aggregate fits wherever it comes.
 * NULL while the lane is busy: the batch stops there and the device keeps
 * its frames (it is read again after the flush), rather than reading an
 * aggregate into a slot too small for it and dropping it.
 */
static uint8_t *batch_reserve(struct axn_pktq *q, uint32_t *cap)
{
    *cap = axn_pktq_max_len(q);
    return q->big ? axn_pktq_reserve_big(q) : axn_pktq_reserve(q);
}

/* A packet read into a large buffer that fits a slot moves to the slot,
 * freeing the large buffer for the next aggregate. */
static void batch_commit(struct axn_pktq *q, uint8_t *buf, size_t n, const struct axn_pktq_meta *m)
{
    if (q->reserved_big && n <= axn_pktq_slot_size(q)) {
        uint8_t *slot = axn_pktq_reserve(q); /* cancels the large one */
        memcpy(slot, buf, n);
    }
    axn_pktq_commit(q, n, m);
}

/*
 * Reads packets from the device into the local batch (RT-28 step 1), at
 * most AXN_DEVICE_RX_BATCH calls so that a device flooding over-slot
 * packets cannot hold its lock forever. Returns true if the device may have
 * more (it was not seen empty).
 */
static bool batch_fill(struct axn_router *r, struct axn_dev_handle *h, axn_time_t now)
{
    uint32_t cap;
    bool device_more = true;
    r->plat->mutex_lock(h->dev_lock);
    for (unsigned calls = 0; calls < AXN_DEVICE_RX_BATCH; calls++) {
        uint8_t *slot = batch_reserve(&h->rx_batch, &cap);
        if (!slot)
            break;
        struct axn_rx_meta m = {0};
        int n = h->dev->ops->recv(h->dev, slot, cap, &m, now);
        if (n <= 0) {
            device_more = false;
            break;
        }
        if ((size_t)n > cap) {
            /* RT-3: it does not fit a slot; the device did not store it. */
            axn_if_count_add(&h->counters.rx_dropped, 1);
            continue;
        }
        const struct axn_pktq_meta q = rx_queue_meta(h, &m);
        batch_commit(&h->rx_batch, slot, (size_t)n, &q);
    }
    r->plat->mutex_unlock(h->dev_lock);
    return device_more;
}

/*
 * Pushes the batch to the shared queue in order (RT-28 step 3), counting
 * each packet RX with its own frame length as it enters. What does not fit
 * stays in the batch, still paired with its length.
 */
static size_t batch_flush(struct axn_router *r, struct axn_dev_handle *h)
{
    size_t moved = 0;
    struct axn_pktq_view v;
    while (axn_pktq_peek(&h->rx_batch, &v) == 0) {
        if (axn_router_rxq_push(r, v.data, v.len, &v.meta) != 0)
            break;
        axn_if_count_rx(&h->counters, v.meta.frame_len);
        axn_pktq_consume(&h->rx_batch);
        moved++;
    }
    return moved;
}

/* A down device receives nothing: what its batch read while it was up is
 * dropped, and frames stay unread in the driver (router.h, "Link state"). */
static void batch_drop(struct axn_dev_handle *h)
{
    struct axn_pktq_view v;
    while (axn_pktq_peek(&h->rx_batch, &v) == 0) {
        axn_if_count_add(&h->counters.rx_dropped, 1);
        axn_pktq_consume(&h->rx_batch);
    }
}

size_t axn_router_rx_service(struct axn_router *r, struct axn_dev_handle *h, axn_time_t now,
                             bool *more)
{
    *more = false;
    if (h->is_loopback)
        return 0;
    if (!atomic_load(&h->up)) {
        batch_drop(h);
        return 0;
    }
    bool device_more = batch_fill(r, h, now);
    size_t moved = batch_flush(r, h);
    bool kept = !axn_pktq_is_empty(&h->rx_batch);
    if (kept) {
        /* Back-pressure: keep the batch, let deliver make room and wake us. */
        axn_router_count(&r->rx_queue_full);
        atomic_store(&r->rx_backpressure, 1u);
    }
    /* Only real news asks for a poll: an idle device must not wake the
     * poll worker every round (the RT-28 [HAZARD]). Requested after the
     * back-pressure flag is set, so the poll it causes sees the flag. */
    if (moved > 0 || kept)
        axn_router_request_poll(r);
    *more = device_more || kept;
    return moved;
}

/* ---- Core side ----------------------------------------------------------- */

static void deliver_one(struct axn_router *r, const struct axn_pktq_view *v, axn_time_t now)
{
    const struct axn_rx_meta meta = {
        .ifindex = v->meta.ifindex,
        .ethertype = v->meta.ethertype,
        .frame_len = v->meta.frame_len,
        .offload = v->meta.offload,
        .gso_size = v->meta.gso_size,
    };
    if (r->input) {
        r->input(r->input_ctx, v->data, v->len, &meta, now);
        return;
    }
    /* No protocol core yet: the packet is lost on its ingress interface. */
    struct axn_dev_handle *h = axn_router_find(r, meta.ifindex);
    if (h)
        axn_if_count_add(&h->counters.rx_dropped, 1);
}

static void wake_rx_sides(struct axn_router *r)
{
    for (size_t i = 0; i < AXN_MAX_DEVICES; i++) {
        struct axn_dev_handle *h = axn_router_dev_at(r, i);
        if (h && !h->is_loopback)
            r->plat->event_signal(h->rx_event);
    }
}

/* A packet at the head of the shared queue whose device was removed
 * after queueing it: dropped and counted, never delivered tagged with a
 * dead ifindex. Only the packets queued at the removal are looked at. */
static bool from_removed_device(struct axn_router *r, const struct axn_pktq_view *v)
{
    if (r->dead_rx_suspects == 0)
        return false;
    r->dead_rx_suspects--;
    if (axn_router_find(r, v->meta.ifindex))
        return false;
    axn_router_count(&r->dev_removed_drops);
    return true;
}

size_t axn_router_deliver(struct axn_router *r, axn_time_t now)
{
    /* Loopback first (RT-21: it progresses within the same poll), including
     * what `input` loops back while we run; one full load of both queues at
     * most, so a loopback ping-pong cannot keep us here forever. */
    const size_t budget = (size_t)axn_pktq_capacity(&r->loq) + axn_pktq_capacity(&r->rxq);
    size_t moved = 0;
    struct axn_pktq_view v;
    while (moved < budget) {
        struct axn_pktq *q = axn_pktq_is_empty(&r->loq) ? &r->rxq : &r->loq;
        if (axn_pktq_peek(q, &v) != 0)
            break;
        if (q == &r->loq || !from_removed_device(r, &v))
            deliver_one(r, &v, now);
        axn_pktq_consume(q);
        moved++;
    }
    if (atomic_exchange(&r->rx_backpressure, 0u))
        wake_rx_sides(r);
    return moved;
}

bool axn_router_rx_idle(const struct axn_router *r)
{
    return axn_pktq_is_empty(&r->rxq) && axn_pktq_is_empty(&r->loq);
}
