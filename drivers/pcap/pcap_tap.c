/*
 * A driver wrapper that records into a pcap file every frame the inner
 * driver receives and every frame sent through it, and otherwise forwards
 * each op untouched. Its ops table is per tap, not shared, because an
 * optional op must stay NULL exactly when the inner driver's is NULL (the
 * stack decides between IRQ and polling on that).
 */
#include <stdlib.h>

#include "axnet/errno.h"
#include "axnet/hosted/pcap.h"

struct axn_pcap_tap {
    struct axn_eth_driver inner;
    struct axn_pcap *pcap;
    axn_pcap_clock_fn clock;
    void *clock_ctx;
    struct axn_eth_driver_ops ops;
};

/* A failed capture write must not cost the stack its frame: it is ignored. */
static void record(struct axn_pcap_tap *tap, const void *frame, size_t len)
{
    (void)axn_pcap_write(tap->pcap, tap->clock(tap->clock_ctx), frame, len);
}

static const char *tap_name(void *drv)
{
    struct axn_pcap_tap *tap = drv;
    return tap->inner.ops->name(tap->inner.drv);
}

static void tap_mac_address(void *drv, struct axn_mac *mac)
{
    struct axn_pcap_tap *tap = drv;
    tap->inner.ops->mac_address(tap->inner.drv, mac);
}

static int tap_receive(void *drv, struct axn_rx_buf *rx)
{
    struct axn_pcap_tap *tap = drv;
    int err = tap->inner.ops->receive(tap->inner.drv, rx);
    if (err == 0)
        record(tap, rx->data, rx->len);
    return err;
}

static int tap_recycle_rx(void *drv, struct axn_rx_buf *rx)
{
    struct axn_pcap_tap *tap = drv;
    return tap->inner.ops->recycle_rx(tap->inner.drv, rx);
}

static int tap_recycle_tx(void *drv)
{
    struct axn_pcap_tap *tap = drv;
    return tap->inner.ops->recycle_tx(tap->inner.drv);
}

static int tap_alloc_tx(void *drv, size_t len, struct axn_tx_buf *tx)
{
    struct axn_pcap_tap *tap = drv;
    return tap->inner.ops->alloc_tx(tap->inner.drv, len, tx);
}

static int tap_transmit(void *drv, struct axn_tx_buf *tx)
{
    struct axn_pcap_tap *tap = drv;
    /* Recorded first: after transmit the buffer belongs to the driver. */
    record(tap, tx->data, tx->len);
    return tap->inner.ops->transmit(tap->inner.drv, tx);
}

static void tap_abort_tx(void *drv, struct axn_tx_buf *tx)
{
    struct axn_pcap_tap *tap = drv;
    tap->inner.ops->abort_tx(tap->inner.drv, tx);
}

static int tap_irq_id(void *drv)
{
    struct axn_pcap_tap *tap = drv;
    return tap->inner.ops->irq_id(tap->inner.drv);
}

static void tap_enable_irq(void *drv)
{
    struct axn_pcap_tap *tap = drv;
    tap->inner.ops->enable_irq(tap->inner.drv);
}

static void tap_disable_irq(void *drv)
{
    struct axn_pcap_tap *tap = drv;
    tap->inner.ops->disable_irq(tap->inner.drv);
}

static int tap_take_irq_handler(void *drv, struct axn_irq_handler *handler)
{
    struct axn_pcap_tap *tap = drv;
    return tap->inner.ops->take_irq_handler(tap->inner.drv, handler);
}

static void fill_ops(struct axn_eth_driver_ops *ops, const struct axn_eth_driver_ops *inner)
{
    ops->name = tap_name;
    ops->mac_address = tap_mac_address;
    ops->receive = tap_receive;
    ops->recycle_rx = tap_recycle_rx;
    ops->recycle_tx = tap_recycle_tx;
    ops->alloc_tx = tap_alloc_tx;
    ops->transmit = tap_transmit;
    ops->abort_tx = tap_abort_tx;
    ops->irq_id = inner->irq_id ? tap_irq_id : NULL;
    ops->enable_irq = inner->enable_irq ? tap_enable_irq : NULL;
    ops->disable_irq = inner->disable_irq ? tap_disable_irq : NULL;
    ops->take_irq_handler = inner->take_irq_handler ? tap_take_irq_handler : NULL;
}

int axn_pcap_tap_wrap(struct axn_pcap_tap **out, const struct axn_eth_driver *inner,
                      struct axn_pcap *pcap, axn_pcap_clock_fn clock, void *clock_ctx,
                      struct axn_eth_driver *outer)
{
    if (!out || !inner || !inner->ops || !pcap || !clock || !outer)
        return -AXN_EINVAL;
    struct axn_pcap_tap *tap = calloc(1, sizeof(*tap));
    if (!tap)
        return -AXN_ENOMEM;
    tap->inner = *inner;
    tap->pcap = pcap;
    tap->clock = clock;
    tap->clock_ctx = clock_ctx;
    fill_ops(&tap->ops, inner->ops);

    *outer = *inner; /* same caps, MTU and GSO limit */
    outer->ops = &tap->ops;
    outer->drv = tap;
    *out = tap;
    return 0;
}

void axn_pcap_tap_free(struct axn_pcap_tap *tap)
{
    free(tap);
}
