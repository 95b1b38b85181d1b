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

/* Loopback has no workers and no queues of its own (LO-2, RT-21). */
static int handle_queues_init(struct axn_router *r, struct axn_dev_handle *h)
{
    if (h->is_loopback)
        return 0;
    int err = axn_pktq_init(&h->txq, r->plat, AXN_DEVICE_TX_QUEUE_LEN, AXN_PKT_SLOT_SIZE);
    if (!err)
        err = axn_pktq_init(&h->rx_batch, r->plat, AXN_DEVICE_RX_BATCH, AXN_PKT_SLOT_SIZE);
    return err;
}

int axn_router_attach(struct axn_router *r, struct axn_dev_handle *h, struct axn_netdev *dev)
{
    size_t slot;
    int err = free_slot(r, dev->ifindex, &slot);
    if (!err) {
        h->is_loopback = dev->kind == AXN_IFACE_LOOPBACK;
        err = handle_queues_init(r, h);
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
    return 0;
}

int axn_router_add_device(struct axn_router *r, struct axn_netdev *dev, struct axn_dev_handle **out)
{
    struct axn_dev_handle *h;
    int err = axn_router_handle_create(r, &h);
    if (err)
        return err;
    dev->counters = &h->counters;
    /* Context before function: an IRQ in between calls the old hook. */
    dev->wake_ctx = h;
    dev->wake = axn_router_wake_fn;
    err = axn_router_attach(r, h, dev);
    if (err)
        return err;
    if (out)
        *out = h;
    return 0;
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

/* Workers first (they may be inside the device), then the table slot, then
 * the device (which unregisters its IRQ, the last thing that could wake the
 * handle), and the handle last. */
static void remove_slot(struct axn_router *r, size_t slot)
{
    struct axn_dev_handle *h = axn_router_dev_at(r, slot);
    axn_router_stop_workers(h);
    atomic_store_explicit(&r->devs[slot], NULL, memory_order_release);
    r->n_devs--;
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

int axn_router_set_up(struct axn_router *r, uint32_t ifindex, bool up)
{
    struct axn_dev_handle *h = axn_router_find(r, ifindex);
    if (!h)
        return -AXN_ENODEV;
    atomic_store(&h->up, up);
    /* The TX side drops what is queued for a down link; wake it to do so. */
    if (!up)
        r->plat->event_signal(h->tx_event);
    return 0;
}

/* ---- Wake-ups and timers ----------------------------------------------------- */

void axn_router_wake(struct axn_dev_handle *h)
{
    h->router->plat->event_signal(h->rx_event);
}

void axn_router_wake_fn(void *handle)
{
    axn_router_wake(handle);
}

axn_time_t axn_router_dev_deadline(struct axn_dev_handle *h)
{
    if (h->is_loopback || !h->dev->ops->next_deadline)
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
    for (size_t i = 0; i < AXN_MAX_DEVICES; i++) {
        struct axn_dev_handle *h = axn_router_dev_at(r, i);
        if (!h)
            continue;
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
