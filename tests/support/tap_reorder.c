/* The reordering shim of tap_reorder.h. */
#include "tap_reorder.h"

#include <stdlib.h>
#include <string.h>

#include "axnet/errno.h"

static struct tap_reorder *of(void *drv)
{
    return drv;
}

static bool take_this_one(struct tap_reorder *r, struct tap_reorder_dir *d, size_t len)
{
    if (d->holding || len <= TAP_REORDER_MIN_DATA_FRAME || len > TAP_REORDER_FRAME_MAX)
        return false;
    return ++d->seen % r->every == 0;
}

static void hold(struct tap_reorder_dir *d, const uint8_t *data, size_t len,
                 const struct axn_offload *ofl)
{
    memcpy(d->held, data, len);
    d->held_len = len;
    d->held_ofl = *ofl;
    d->holding = true;
    d->since = 0;
    d->reordered++;
}

/* ---- RX ----------------------------------------------------------------------- */

static int lend_held(struct tap_reorder_dir *d, struct axn_rx_buf *rx)
{
    memset(rx, 0, sizeof(*rx));
    rx->data = d->held;
    rx->len = d->held_len;
    rx->offload = d->held_ofl;
    rx->priv = d;
    d->lent_held = true;
    return 0;
}

static void release_tx(struct tap_reorder *r);

/* Linux has nothing more for us: it may be waiting on our held frame
 * (the end of a flight). Sent from here only when the TX side is between
 * frames (its lock free), so the driver still sees one TX call at a time. */
static void flush_tx_when_idle(struct tap_reorder *r)
{
    if (!r->tx.holding || pthread_mutex_trylock(&r->tx_lock) != 0)
        return;
    if (r->tx.holding)
        release_tx(r);
    pthread_mutex_unlock(&r->tx_lock);
}

static int rx_receive(void *drv, struct axn_rx_buf *rx)
{
    struct tap_reorder *r = of(drv);
    struct tap_reorder_dir *d = &r->rx;
    if (d->holding && d->since >= r->after)
        return lend_held(d, rx);
    for (;;) {
        const int err = r->inner.ops->receive(r->inner.drv, rx);
        if (err == -AXN_EAGAIN && d->holding)
            return lend_held(d, rx); /* nothing behind it: let it go now */
        if (err == -AXN_EAGAIN)
            flush_tx_when_idle(r);
        if (err)
            return err;
        if (!take_this_one(r, d, rx->len)) {
            d->since += d->holding;
            return 0;
        }
        hold(d, rx->data, rx->len, &rx->offload);
        (void)r->inner.ops->recycle_rx(r->inner.drv, rx);
    }
}

static int rx_recycle(void *drv, struct axn_rx_buf *rx)
{
    struct tap_reorder *r = of(drv);
    if (rx->priv == &r->rx && r->rx.lent_held) {
        r->rx.lent_held = false;
        r->rx.holding = false;
        return 0;
    }
    return r->inner.ops->recycle_rx(r->inner.drv, rx);
}

/* ---- TX ----------------------------------------------------------------------- */

static int tx_recycle(void *drv)
{
    struct tap_reorder *r = of(drv);
    return r->inner.ops->recycle_tx(r->inner.drv);
}

/* tx_lock is held from alloc_tx to transmit / abort_tx (same thread). */
static int tx_alloc(void *drv, size_t len, struct axn_tx_buf *tx)
{
    struct tap_reorder *r = of(drv);
    pthread_mutex_lock(&r->tx_lock);
    const int err = r->inner.ops->alloc_tx(r->inner.drv, len, tx);
    if (err)
        pthread_mutex_unlock(&r->tx_lock);
    return err;
}

static void tx_abort(void *drv, struct axn_tx_buf *tx)
{
    struct tap_reorder *r = of(drv);
    r->inner.ops->abort_tx(r->inner.drv, tx);
    pthread_mutex_unlock(&r->tx_lock);
}

/* The held frame, now: a failure is a lost frame, as on a real wire. */
static void release_tx(struct tap_reorder *r)
{
    struct tap_reorder_dir *d = &r->tx;
    struct axn_tx_buf tx;
    d->holding = false;
    if (r->inner.ops->alloc_tx(r->inner.drv, d->held_len, &tx) != 0)
        return;
    memcpy(tx.data, d->held, d->held_len);
    tx.len = d->held_len;
    tx.offload = d->held_ofl;
    (void)r->inner.ops->transmit(r->inner.drv, &tx);
}

static int tx_transmit(void *drv, struct axn_tx_buf *tx)
{
    struct tap_reorder *r = of(drv);
    struct tap_reorder_dir *d = &r->tx;
    if (take_this_one(r, d, tx->len)) {
        hold(d, tx->data, tx->len, &tx->offload);
        r->inner.ops->abort_tx(r->inner.drv, tx);
        pthread_mutex_unlock(&r->tx_lock);
        return 0;
    }
    const int err = r->inner.ops->transmit(r->inner.drv, tx);
    if (d->holding && ++d->since >= r->after)
        release_tx(r);
    pthread_mutex_unlock(&r->tx_lock);
    return err;
}

/* ---- The rest passes through ---------------------------------------------------- */

static const char *pass_name(void *drv)
{
    struct tap_reorder *r = of(drv);
    return r->inner.ops->name(r->inner.drv);
}

static void pass_mac(void *drv, struct axn_mac *mac)
{
    struct tap_reorder *r = of(drv);
    r->inner.ops->mac_address(r->inner.drv, mac);
}

static int pass_irq_id(void *drv)
{
    struct tap_reorder *r = of(drv);
    return r->inner.ops->irq_id ? r->inner.ops->irq_id(r->inner.drv) : -AXN_ENXIO;
}

static void pass_enable_irq(void *drv)
{
    struct tap_reorder *r = of(drv);
    if (r->inner.ops->enable_irq)
        r->inner.ops->enable_irq(r->inner.drv);
}

static void pass_disable_irq(void *drv)
{
    struct tap_reorder *r = of(drv);
    if (r->inner.ops->disable_irq)
        r->inner.ops->disable_irq(r->inner.drv);
}

static int pass_take_irq(void *drv, struct axn_irq_handler *h)
{
    struct tap_reorder *r = of(drv);
    if (!r->inner.ops->take_irq_handler)
        return -AXN_ENOENT;
    return r->inner.ops->take_irq_handler(r->inner.drv, h);
}

static const struct axn_eth_driver_ops reorder_ops = {
    .name = pass_name,
    .mac_address = pass_mac,
    .receive = rx_receive,
    .recycle_rx = rx_recycle,
    .recycle_tx = tx_recycle,
    .alloc_tx = tx_alloc,
    .transmit = tx_transmit,
    .abort_tx = tx_abort,
    .irq_id = pass_irq_id,
    .enable_irq = pass_enable_irq,
    .disable_irq = pass_disable_irq,
    .take_irq_handler = pass_take_irq,
};

int tap_reorder_wrap(struct tap_reorder *r, struct axn_eth_driver *drv, uint32_t every,
                     uint32_t after)
{
    memset(r, 0, sizeof(*r));
    r->rx.held = malloc(TAP_REORDER_FRAME_MAX);
    r->tx.held = malloc(TAP_REORDER_FRAME_MAX);
    if (!r->rx.held || !r->tx.held) {
        tap_reorder_free(r);
        return -1;
    }
    if (pthread_mutex_init(&r->tx_lock, NULL) != 0) {
        tap_reorder_free(r);
        return -1;
    }
    r->lock_ok = true;
    r->inner = *drv;
    r->every = every;
    r->after = after;
    drv->ops = &reorder_ops;
    drv->drv = r;
    return 0;
}

void tap_reorder_free(struct tap_reorder *r)
{
    if (r->lock_ok)
        pthread_mutex_destroy(&r->tx_lock);
    r->lock_ok = false;
    free(r->rx.held);
    free(r->tx.held);
    r->rx.held = NULL;
    r->tx.held = NULL;
}
