/*
 * Ethernet adapter: construction, IRQ wiring (ETH-1..3, ETH-18), the
 * netdev ops table and the queries. The data paths live in eth_rx.c,
 * eth_tx.c and eth_arp.c.
 */
#include "axnet/config.h"
#include "axnet/errno.h"
#include "dev/eth_priv.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "wire/ipv4.h"

/* Where the allocation of the device itself is aligned. */
#define ETH_DEV_ALIGN 16u

void axn_eth_own_mac(const struct axn_eth_dev *d, struct axn_mac *mac)
{
    d->drv->ops->mac_address(d->drv->drv, mac);
}

void axn_eth_track_mac(struct axn_eth_dev *d)
{
    struct axn_mac now;
    axn_eth_own_mac(d, &now);
    if (memcmp(&now, &d->mac_seen, sizeof(now)) == 0)
        return;
    d->mac_seen = now;
    AXN_INFO(d->base.plat, "%s: MAC changed", d->base.name);
    if (d->base.mac_changed)
        d->base.mac_changed(d->base.mac_changed_ctx, d->base.ifindex, &now);
}

/* ---- IRQ (ETH-2, ETH-3) ------------------------------------------------- */

/* Hard-IRQ context: only the driver's narrow handler runs (DRV-7); the
 * stack is woken only for events that mean work (DRV-6). */
static int eth_irq_action(void *arg)
{
    struct axn_eth_dev *d = arg;
    uint32_t events = d->irq_handler.handle(d->irq_handler.arg);
    if ((events & AXN_IRQ_WAKE_MASK) == 0)
        return 0;
    if (d->base.wake)
        d->base.wake(d->base.wake_ctx);
    return 1;
}

/* Whether the driver has an IRQ at all; none means quietly polled. */
static bool driver_irq(const struct axn_eth_dev *d, int *irq)
{
    const struct axn_eth_driver_ops *ops = d->drv->ops;
    if (!ops->irq_id)
        return false;
    *irq = ops->irq_id(d->drv->drv);
    return *irq >= 0;
}

static void register_irq(struct axn_eth_dev *d)
{
    const struct axn_platform *plat = d->base.plat;
    const struct axn_eth_driver *drv = d->drv;
    int irq;
    if (!driver_irq(d, &irq))
        return;
    if (!plat->irq_register) {
        AXN_WARN(plat, "%s: no IRQ registrar for irq %d; using polling", d->base.name, irq);
        return;
    }
    if (!drv->ops->take_irq_handler || drv->ops->take_irq_handler(drv->drv, &d->irq_handler) < 0 ||
        !d->irq_handler.handle) {
        AXN_WARN(plat, "%s: driver gave no IRQ handler for irq %d; using polling", d->base.name,
                 irq);
        return;
    }
    int r =
        plat->irq_register(plat->ctx, d->base.name, irq, eth_irq_action, d, &d->irq_registration);
    if (r < 0) {
        AXN_WARN(plat, "%s: registering irq %d failed (%d); using polling", d->base.name, irq, r);
        return;
    }
    d->irq_registered = true;
    if (drv->ops->enable_irq)
        drv->ops->enable_irq(drv->drv);
}

static void unregister_irq(struct axn_eth_dev *d)
{
    const struct axn_platform *plat = d->base.plat;
    if (!d->irq_registered)
        return;
    if (d->drv->ops->disable_irq)
        d->drv->ops->disable_irq(d->drv->drv);
    if (plat->irq_unregister)
        plat->irq_unregister(plat->ctx, d->irq_registration);
    d->irq_registered = false;
}

/* ---- Queries ------------------------------------------------------------ */

static size_t eth_arp_entries(const struct axn_netdev *dev, struct axn_arp_entry *out, size_t max,
                              axn_time_t now)
{
    const struct axn_eth_dev *d = axn_eth_of_const(dev);
    return axn_arp_cache_export(&d->neigh, now, d->base.name, out, max);
}

/* ETH-18 / DEV-5: a device nobody can wake must be polled. */
static bool eth_has_wake_source(const struct axn_netdev *dev)
{
    const struct axn_eth_dev *d = axn_eth_of_const(dev);
    return d->irq_registered || d->oob_rx;
}

static bool eth_mac(const struct axn_netdev *dev, struct axn_mac *mac)
{
    axn_eth_own_mac(axn_eth_of_const(dev), mac);
    return true;
}

static void eth_destroy(struct axn_netdev *dev)
{
    struct axn_eth_dev *d = axn_eth_of(dev);
    const struct axn_platform *plat = d->base.plat;
    unregister_irq(d);
    axn_arp_pending_destroy(&d->pending);
    plat->free(plat->ctx, d, sizeof(*d));
}

static const struct axn_netdev_ops eth_ops = {
    .recv = axn_eth_recv,
    .send = axn_eth_send,
    .send_gso = axn_eth_send_gso,
    .set_ipv4 = axn_eth_set_ipv4,
    .tick = axn_eth_tick,
    .next_deadline = axn_eth_next_deadline,
    .arp_entries = eth_arp_entries,
    .has_wake_source = eth_has_wake_source,
    .mac = eth_mac,
    .set_link = axn_eth_set_link,
    .discard = axn_eth_discard,
    .acd_watch = axn_eth_acd_watch,
    .acd_send = axn_eth_acd_send,
    .acd_conflicts = axn_eth_acd_conflicts,
    .destroy = eth_destroy,
};

/* ---- Construction (ETH-1) ----------------------------------------------- */

static bool driver_complete(const struct axn_eth_driver *drv)
{
    const struct axn_eth_driver_ops *o = drv ? drv->ops : NULL;
    return o && o->mac_address && o->receive && o->recycle_rx && o->recycle_tx && o->alloc_tx &&
           o->transmit && o->abort_tx;
}

static void copy_name(char *dst, const char *src)
{
    size_t i = 0;
    for (; src && src[i] != '\0' && i + 1 < AXN_IFNAMSIZ; i++)
        dst[i] = src[i];
    dst[i] = '\0';
}

static void init_base(struct axn_eth_dev *d, const struct axn_eth_dev_params *p)
{
    struct axn_netdev *b = &d->base;
    b->ops = &eth_ops;
    b->ifindex = p->ifindex;
    copy_name(b->name, p->name);
    b->kind = AXN_IFACE_ETHERNET;
    b->plat = p->plat;
    b->counters = p->counters ? p->counters : &d->own_counters;
    b->unreachable = p->unreachable;
    b->unreachable_ctx = p->unreachable_ctx;
    b->wake = p->wake;
    b->wake_ctx = p->wake_ctx;
    b->mac_changed = p->mac_changed;
    b->mac_changed_ctx = p->mac_changed_ctx;
}

/* The driver's offloads as IP packet sizes: a TSO frame is at most what
 * the driver takes less the Ethernet header, and never above IPv4's
 * Total Length or the router's large-frame buffers; an LRO aggregate is
 * one IPv4 datagram at most. */
static void init_offloads(struct axn_eth_dev *d)
{
    const struct axn_eth_driver *drv = d->drv;
    uint32_t tso = drv->gso_max_size > AXN_ETH_HLEN ? drv->gso_max_size - AXN_ETH_HLEN : 0;
    if (tso > AXN_IPV4_TOTAL_MAX)
        tso = AXN_IPV4_TOTAL_MAX;
    if (tso > AXN_GSO_MAX_SIZE)
        tso = AXN_GSO_MAX_SIZE;
    d->base.gso_max = (drv->caps & AXN_DRV_CAP_TSO4) && tso > AXN_PKT_SLOT_SIZE ? tso : 0;
    d->base.lro_max = (drv->caps & AXN_DRV_CAP_LRO) ? AXN_IPV4_TOTAL_MAX : 0;
}

int axn_eth_dev_create(const struct axn_eth_dev_params *params, struct axn_netdev **out)
{
    if (!params || !out || !params->plat || !driver_complete(params->driver))
        return -AXN_EINVAL;
    const struct axn_platform *plat = params->plat;
    struct axn_eth_dev *d = plat->alloc(plat->ctx, sizeof(*d), ETH_DEV_ALIGN);
    if (!d)
        return -AXN_ENOMEM;
    init_base(d, params);
    d->drv = params->driver;
    init_offloads(d);
    d->oob_rx = params->oob_rx;
    d->up = true;                     /* a new device is up, as the router attaches it */
    axn_eth_own_mac(d, &d->mac_seen); /* what the registry records now */
    axn_arp_cache_clear(&d->neigh);
    int r = axn_arp_pending_init(&d->pending, plat, AXN_ETH_PENDING_PACKETS, AXN_PKT_SLOT_SIZE,
                                 AXN_ARP_PENDING_PER_HOP);
    if (r < 0) {
        plat->free(plat->ctx, d, sizeof(*d));
        return r;
    }
    register_irq(d);
    *out = &d->base;
    return 0;
}
