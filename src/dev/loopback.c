/*
 * The loopback device `lo` (LO-1..3): a placeholder that makes `lo` an
 * ordinary interface for the registry, the route table and ifindex 1.
 * Loopback traffic never reaches it: the router's fast path carries it
 * (RT-20/21), so its data ops do nothing.
 */
#include "dev/loopback.h"

#include "axnet/errno.h"
#include "lib/log.h"
#include "lib/mem.h"

#define LO_NAME  "lo"
#define LO_ALIGN 16u

struct lo_dev {
    struct axn_netdev base; /* first: the router holds &base */
    /* Used until the router points base.counters at its own. */
    struct axn_if_counters own_counters;
};

static int lo_recv(struct axn_netdev *dev, uint8_t *out, size_t cap, struct axn_rx_meta *meta,
                   axn_time_t now)
{
    (void)dev;
    (void)out;
    (void)cap;
    (void)meta;
    (void)now;
    return 0; /* LO-2: nothing ever arrives here */
}

static int lo_send(struct axn_netdev *dev, axn_ip4_t next_hop, const uint8_t *pkt, size_t len,
                   axn_time_t now)
{
    (void)next_hop;
    (void)pkt;
    (void)len;
    (void)now;
    /* LO-2: a caller that gets here bypassed the fast path: a bug. */
    AXN_WARN(dev->plat, "%s: send called on the loopback placeholder", dev->name);
    return -AXN_EOPNOTSUPP;
}

static void lo_set_ipv4(struct axn_netdev *dev, const struct axn_ip4_cidr *cidr, axn_time_t now)
{
    (void)dev;
    (void)cidr;
    (void)now;
}

static void lo_tick(struct axn_netdev *dev, axn_time_t now)
{
    (void)dev;
    (void)now;
}

static axn_time_t lo_next_deadline(const struct axn_netdev *dev)
{
    (void)dev;
    return AXN_TIME_NEVER;
}

static size_t lo_arp_entries(const struct axn_netdev *dev, struct axn_arp_entry *out, size_t max,
                             axn_time_t now)
{
    (void)dev;
    (void)out;
    (void)max;
    (void)now;
    return 0; /* ETH-16: loopback has no neighbours */
}

/* LO-2: no RX worker, nothing to wake. */
static bool lo_has_wake_source(const struct axn_netdev *dev)
{
    (void)dev;
    return false;
}

static bool lo_mac(const struct axn_netdev *dev, struct axn_mac *mac)
{
    (void)dev;
    (void)mac;
    return false; /* LO-1: no MAC */
}

static void lo_destroy(struct axn_netdev *dev)
{
    const struct axn_platform *plat = dev->plat;
    plat->free(plat->ctx, dev, sizeof(struct lo_dev));
}

static const struct axn_netdev_ops lo_ops = {
    .recv = lo_recv,
    .send = lo_send,
    .set_ipv4 = lo_set_ipv4,
    .tick = lo_tick,
    .next_deadline = lo_next_deadline,
    .arp_entries = lo_arp_entries,
    .has_wake_source = lo_has_wake_source,
    .mac = lo_mac,
    .destroy = lo_destroy,
};

int axn_loopback_create(const struct axn_platform *plat, struct axn_if_counters *counters,
                        struct axn_netdev **out)
{
    if (!plat || !out)
        return -AXN_EINVAL;
    struct lo_dev *lo = plat->alloc(plat->ctx, sizeof(*lo), LO_ALIGN);
    if (!lo)
        return -AXN_ENOMEM;
    struct axn_netdev *b = &lo->base;
    b->ops = &lo_ops;
    b->ifindex = AXN_IFINDEX_LOOPBACK;
    memcpy(b->name, LO_NAME, sizeof(LO_NAME));
    b->kind = AXN_IFACE_LOOPBACK;
    b->plat = plat;
    b->counters = counters ? counters : &lo->own_counters;
    *out = b;
    return 0;
}
