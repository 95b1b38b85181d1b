/*
 * The router's device table (spec RT-1, RT-2, RT-6): handles, their queues,
 * locks and events, attaching and removing devices, link state, wake-ups
 * and device timers. RX is in router_rx.c, TX in router_tx.c.
 */
#include "route/router.h"

#include "axnet/errno.h"
#include "lib/mem.h"
#include "route/router_internal.h"

/* ---- Handles ----------------------------------------------------------- */

/* Frees whatever part of a handle exists (creation may have failed half way). */
static void handle_free(const struct axn_platform *plat, struct axn_dev_handle *h)
{
    axn_pktq_destroy(&h->txq);
    axn_pktq_destroy(&h->rx_batch);
    if (h->tx_event)
        plat->event_destroy(plat->ctx, h->tx_event);
    if (h->rx_event)
        plat->event_destroy(plat->ctx, h->rx_event);
    if (h->txq_lock)
        plat->spin_destroy(plat->ctx, h->txq_lock);
    if (h->dev_lock)
        plat->mutex_destroy(plat->ctx, h->dev_lock);
    plat->free(plat->ctx, h, sizeof(*h));
}

int axn_router_handle_create(struct axn_router *r, struct axn_dev_handle **out)
{
    const struct axn_platform *plat = r->plat;
    struct axn_dev_handle *h = plat->alloc(plat->ctx, sizeof(*h), _Alignof(struct axn_dev_handle));
    if (!h)
        return -AXN_ENOMEM;
    h->router = r;
    int err = plat->mutex_create(plat->ctx, &h->dev_lock);
    if (!err)
        err = plat->spin_create(plat->ctx, &h->txq_lock);
    if (!err)
        err = plat->event_create(plat->ctx, &h->rx_event);
    if (!err)
        err = plat->event_create(plat->ctx, &h->tx_event);
    if (err) {
        handle_free(plat, h);
        return err;
    }
    *out = h;
    return 0;
}

void axn_router_handle_discard(struct axn_router *r, struct axn_dev_handle *h)
{
    if (h)
        handle_free(r->plat, h);
}

/* ---- The table ----------------------------------------------------------- */

static int free_slot(const struct axn_router *r, uint32_t ifindex, size_t *slot)
{
    size_t found = AXN_MAX_DEVICES;
    for (size_t i = 0; i < AXN_MAX_DEVICES; i++) {
        const struct axn_dev_handle *h = axn_router_dev_at(r, i);
        if (h && h->ifindex == ifindex)
            return -AXN_EEXIST;
        if (!h && found == AXN_MAX_DEVICES)
            found = i;
    }
    if (found == AXN_MAX_DEVICES)
        return -AXN_ENOSPC;
    *slot = found;
    return 0;
}

/* The shared RX queue gets its large-frame lane with the first LRO
 * device, under the producers' lock (pktq.h): a stack without one pays
 * nothing. */
static int rxq_enable_big(struct axn_router *r)
{
    unsigned long irq = r->plat->spin_lock_irqsave(r->rxq_lock);
    int err = axn_pktq_enable_big(&r->rxq, AXN_LRO_RXQ_BIG_SLOTS, AXN_GSO_MAX_SIZE);
    r->plat->spin_unlock_irqrestore(r->rxq_lock, irq);
    return err;
}

/* Large-frame lanes for a device with TSO (TX queue) or LRO (RX batch and
 * the shared RX queue): a few 64 KiB buffers, never one per slot. */
static int handle_lanes_init(struct axn_router *r, struct axn_dev_handle *h,
                             const struct axn_netdev *dev)
{
    int err = 0;
    if (dev->gso_max > AXN_PKT_SLOT_SIZE)
        err = axn_pktq_enable_big(&h->txq, AXN_GSO_TX_BIG_SLOTS, AXN_GSO_MAX_SIZE);
    if (!err && dev->lro_max > AXN_PKT_SLOT_SIZE)
        err = axn_pktq_enable_big(&h->rx_batch, AXN_LRO_RX_BIG_SLOTS, AXN_GSO_MAX_SIZE);
    if (!err && dev->lro_max > AXN_PKT_SLOT_SIZE)
        err = rxq_enable_big(r);
    return err;
}

/* Loopback has no workers and no queues of its own (LO-2, RT-21). */
static int handle_queues_init(struct axn_router *r, struct axn_dev_handle *h,
                              const struct axn_netdev *dev)
{
    if (h->is_loopback)
        return 0;
    int err = axn_pktq_init(&h->txq, r->plat, AXN_DEVICE_TX_QUEUE_LEN, AXN_PKT_SLOT_SIZE);
    if (!err)
        err = axn_pktq_init(&h->rx_batch, r->plat, AXN_DEVICE_RX_BATCH, AXN_PKT_SLOT_SIZE);
    if (!err)
        err = handle_lanes_init(r, h, dev);
    return err;
}

int axn_router_attach(struct axn_router *r, struct axn_dev_handle *h, struct axn_netdev *dev)
{
    size_t slot;
    int err = free_slot(r, dev->ifindex, &slot);
    if (!err) {
        h->is_loopback = dev->kind == AXN_IFACE_LOOPBACK;
        err = handle_queues_init(r, h, dev);
    }
    if (err) {
        handle_free(r->plat, h);
        return err;
    }
    h->dev = dev;
    h->ifindex = dev->ifindex;
    atomic_store_explicit(&h->up, true, memory_order_relaxed);
    /* Release: the handle is complete before anyone can find it. */
    atomic_store_explicit(&r->devs[slot], h, memory_order_release);
    r->n_devs++;
    if (!h->is_loopback && dev->gso_max != 0)
        r->n_gso_devs++;
    return 0;
}

int axn_router_add_device(struct axn_router *r, struct axn_netdev *dev, struct axn_dev_handle **out)
{
    struct axn_dev_handle *h;
    int err = axn_router_handle_create(r, &h);
    if (err)
        return err;
    dev->counters = &h->counters;
    /* Plain stores an IRQ action could see half done: this path is only
     * for devices that cannot wake yet (router.h); a device with an IRQ is
     * created with the handle's hook instead (axn_router_handle_create). */
    dev->wake_ctx = h;
    dev->wake = axn_router_wake_fn;
    err = axn_router_attach(r, h, dev);
    if (err)
        return err;
    if (out)
        *out = h;
    return 0;
}

uint32_t axn_router_gso_max(struct axn_router *r, uint32_t ifindex)
{
    const struct axn_dev_handle *h = axn_router_find(r, ifindex);
    return h && h->dev && !h->is_loopback ? h->dev->gso_max : 0;
}

bool axn_router_any_gso(const struct axn_router *r)
{
    /* Kept at attach and removal: asked for every TCP segment sent. */
    return r->n_gso_devs != 0;
}

struct axn_dev_handle *axn_router_find(struct axn_router *r, uint32_t ifindex)
{
    for (size_t i = 0; i < AXN_MAX_DEVICES; i++) {
        struct axn_dev_handle *h = axn_router_dev_at(r, i);
        if (h && h->ifindex == ifindex)
            return h;
    }
    return NULL;
}

/* Device workers never take the core lock, so joining them under it cannot
 * deadlock. */
void axn_router_stop_workers(struct axn_dev_handle *h)
{
    const struct axn_platform *plat = h->router->plat;
    if (!h->rx_thread && !h->tx_thread)
        return;
    atomic_store(&h->stopping, true);
    plat->event_signal(h->rx_event);
    plat->event_signal(h->tx_event);
    if (h->rx_thread)
        plat->thread_join(plat->ctx, h->rx_thread);
    if (h->tx_thread)
        plat->thread_join(plat->ctx, h->tx_thread);
    h->rx_thread = NULL;
    h->tx_thread = NULL;
    atomic_store(&h->stopping, false);
}

/*
 * Waits until no axn_router_wake_ifindex that may have found an
 * unpublished handle still runs. Both sides are sequentially consistent:
 * a wake that raised the count after we read zero looks the table up after
 * our unpublish and cannot find the handle. A wake holds the count for a
 * few instructions, and an IRQ on our own CPU runs to completion before we
 * resume, so the spin is short.
 */
static void wait_for_wakes(struct axn_router *r)
{
    while (atomic_load(&r->wakes_in_flight) != 0) {
    }
}

/* Everything the device still held dies with it; its interface counters
 * vanish too (as on Linux), so the loss is counted stack-wide. */
static void discard_held(struct axn_router *r, struct axn_dev_handle *h)
{
    uint64_t lost = (uint64_t)axn_pktq_len(&h->txq) + axn_pktq_len(&h->rx_batch);
    if (h->dev && h->dev->ops->discard) {
        r->plat->mutex_lock(h->dev_lock);
        lost += h->dev->ops->discard(h->dev);
        r->plat->mutex_unlock(h->dev_lock);
    }
    atomic_fetch_add_explicit(&r->dev_removed_drops, lost, memory_order_relaxed);
    /* Its workers are stopped: we are the TX queue's only consumer. */
    struct axn_pktq_view v;
    while (axn_pktq_peek(&h->txq, &v) == 0) {
        axn_pktq_consume(&h->txq);
        axn_router_tx_release(r, &v.meta, v.len);
    }
    /* Its packets in the shared queue can only be among those queued now
     * (its RX side is stopped): deliver checks that many (FIFO). */
    r->dead_rx_suspects = axn_pktq_len(&r->rxq);
}

/* Unpublish first (no new wake or route finds it), wait for wakes that may
 * have found it, stop its workers (they may be inside the device), count
 * what it held, destroy the device (which unregisters its IRQ, the last
 * thing that could wake the handle), and free the handle last. */
static void remove_slot(struct axn_router *r, size_t slot)
{
    struct axn_dev_handle *h = axn_router_dev_at(r, slot);
    atomic_store(&r->devs[slot], NULL);
    r->n_devs--;
    if (h->dev && !h->is_loopback && h->dev->gso_max != 0)
        r->n_gso_devs--;
    wait_for_wakes(r);
    axn_router_stop_workers(h);
    discard_held(r, h);
    if (h->dev && h->dev->ops->destroy)
        h->dev->ops->destroy(h->dev);
    handle_free(r->plat, h);
}

int axn_router_remove_device(struct axn_router *r, uint32_t ifindex)
{
    for (size_t i = 0; i < AXN_MAX_DEVICES; i++) {
        const struct axn_dev_handle *h = axn_router_dev_at(r, i);
        if (!h || h->ifindex != ifindex)
            continue;
        if (h->is_loopback)
            return -AXN_EPERM;
        remove_slot(r, i);
        return 0;
    }
    return -AXN_ENODEV;
}

static void dev_set_link(struct axn_router *r, struct axn_dev_handle *h, bool up, axn_time_t now)
{
    if (!h->dev->ops->set_link)
        return;
    r->plat->mutex_lock(h->dev_lock);
    h->dev->ops->set_link(h->dev, up, now);
    r->plat->mutex_unlock(h->dev_lock);
}

int axn_router_set_up(struct axn_router *r, uint32_t ifindex, bool up, axn_time_t now)
{
    struct axn_dev_handle *h = axn_router_find(r, ifindex);
    if (!h)
        return -AXN_ENODEV;
    if (atomic_load(&h->up) == up)
        return 0;
    /* The device first: a worker that still saw the old flag meets a
     * device that already refuses (and counts) what it hands over. */
    dev_set_link(r, h, up, now);
    atomic_store(&h->up, up);
    /* Down: the TX side drops its queue, the RX side its batch. Up: frames
     * left in the driver are read, timers run again. */
    r->plat->event_signal(h->tx_event);
    r->plat->event_signal(h->rx_event);
    return 0;
}

/* ---- Wake-ups and timers ----------------------------------------------------- */

void axn_router_wake(struct axn_dev_handle *h)
{
    struct axn_router *r = h->router;
    r->plat->event_signal(h->rx_event);
    if (r->device_woken)
        r->device_woken(r->request_poll_ctx);
}

void axn_router_wake_fn(void *handle)
{
    axn_router_wake(handle);
}

/* axn_router_find with sequentially consistent loads (wait_for_wakes). */
static struct axn_dev_handle *find_for_wake(struct axn_router *r, uint32_t ifindex)
{
    for (size_t i = 0; i < AXN_MAX_DEVICES; i++) {
        struct axn_dev_handle *h = atomic_load(&r->devs[i]);
        if (h && h->ifindex == ifindex)
            return h;
    }
    return NULL;
}

void axn_router_wake_ifindex(struct axn_router *r, uint32_t ifindex)
{
    atomic_fetch_add(&r->wakes_in_flight, 1u);
    struct axn_dev_handle *h = find_for_wake(r, ifindex);
    if (h)
        axn_router_wake(h);
    atomic_fetch_sub(&r->wakes_in_flight, 1u);
}

axn_time_t axn_router_dev_deadline(struct axn_dev_handle *h)
{
    /* A down device runs no timers (no ARP retries while down). */
    if (h->is_loopback || !h->dev->ops->next_deadline || !atomic_load(&h->up))
        return AXN_TIME_NEVER;
    const struct axn_platform *plat = h->router->plat;
    plat->mutex_lock(h->dev_lock);
    axn_time_t t = h->dev->ops->next_deadline(h->dev);
    plat->mutex_unlock(h->dev_lock);
    return t;
}

axn_time_t axn_router_next_deadline(struct axn_router *r)
{
    axn_time_t next = AXN_TIME_NEVER;
    struct axn_router_walk w = {0};
    struct axn_dev_handle *h;
    while ((h = axn_router_walk_next(r, &w)) != NULL) {
        axn_time_t t = axn_router_dev_deadline(h);
        if (t < next)
            next = t;
    }
    return next;
}

/* ---- Router lifecycle ----------------------------------------------------------- */

int axn_router_init(struct axn_router *r, const struct axn_platform *plat, struct axn_ctl *ctl)
{
    memset(r, 0, sizeof(*r));
    r->plat = plat;
    r->ctl = ctl;
    int err = plat->spin_create(plat->ctx, &r->rxq_lock);
    if (err) {
        r->rxq_lock = NULL;
        return err;
    }
    err = axn_pktq_init(&r->rxq, plat, AXN_DEVICE_RX_QUEUE_LEN, AXN_PKT_SLOT_SIZE);
    if (!err)
        err = axn_pktq_init(&r->loq, plat, AXN_LOOPBACK_QUEUE_LEN, AXN_PKT_SLOT_SIZE);
    if (err)
        axn_router_destroy(r);
    return err;
}

void axn_router_destroy(struct axn_router *r)
{
    if (!r->plat)
        return;
    for (size_t i = 0; i < AXN_MAX_DEVICES; i++) {
        if (axn_router_dev_at(r, i))
            remove_slot(r, i);
    }
    axn_pktq_destroy(&r->rxq);
    axn_pktq_destroy(&r->loq);
    if (r->rxq_lock)
        r->plat->spin_destroy(r->plat->ctx, r->rxq_lock);
    r->rxq_lock = NULL;
}
