/* An Ethernet driver with a hook on every transmit (eth_tx_hook.h). */
#include "eth_tx_hook.h"

static struct eth_tx_hook *H(void *drv)
{
    return (struct eth_tx_hook *)drv;
}

static const char *h_name(void *drv)
{
    return H(drv)->inner.ops->name(H(drv)->inner.drv);
}

static void h_mac(void *drv, struct axn_mac *mac)
{
    H(drv)->inner.ops->mac_address(H(drv)->inner.drv, mac);
}

static int h_receive(void *drv, struct axn_rx_buf *rx)
{
    return H(drv)->inner.ops->receive(H(drv)->inner.drv, rx);
}

static int h_recycle_rx(void *drv, struct axn_rx_buf *rx)
{
    return H(drv)->inner.ops->recycle_rx(H(drv)->inner.drv, rx);
}

static int h_recycle_tx(void *drv)
{
    return H(drv)->inner.ops->recycle_tx(H(drv)->inner.drv);
}

static int h_alloc_tx(void *drv, size_t len, struct axn_tx_buf *tx)
{
    return H(drv)->inner.ops->alloc_tx(H(drv)->inner.drv, len, tx);
}

static void h_abort_tx(void *drv, struct axn_tx_buf *tx)
{
    H(drv)->inner.ops->abort_tx(H(drv)->inner.drv, tx);
}

static int h_transmit(void *drv, struct axn_tx_buf *tx)
{
    struct eth_tx_hook *h = H(drv);
    if (!h->on_tx(h->ctx, tx->data, tx->len)) {
        h->inner.ops->abort_tx(h->inner.drv, tx);
        return 0;
    }
    return h->inner.ops->transmit(h->inner.drv, tx);
}

/* Interrupt ops are left out: the simulated and fuzz drivers are polled. */
static const struct axn_eth_driver_ops hook_ops = {.name = h_name,
                                                   .mac_address = h_mac,
                                                   .receive = h_receive,
                                                   .recycle_rx = h_recycle_rx,
                                                   .recycle_tx = h_recycle_tx,
                                                   .alloc_tx = h_alloc_tx,
                                                   .transmit = h_transmit,
                                                   .abort_tx = h_abort_tx};

struct axn_eth_driver eth_tx_hook_driver(struct eth_tx_hook *h)
{
    struct axn_eth_driver d = h->inner;
    d.ops = &hook_ops;
    d.drv = h;
    return d;
}
