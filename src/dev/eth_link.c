/*
 * Ethernet adapter, admin link state and removal (netdev.h set_link and
 * discard). ax-net has neither: its devices are up for their whole life.
 */
#include "dev/eth_priv.h"
#include "lib/log.h"

/*
 * Down: nothing goes out or comes in (eth_priv.h `up`). As Linux
 * neigh_ifdown does, the neighbours go (they may be stale when the link
 * returns) and the packets waiting for them are dropped; unlike an address
 * change (ETH-15) their senders are told, since their route is what broke.
 * Up: peers may have cached an old MAC for our address while we were
 * away, so announce it again, as when an address is set (RFC 5227 2.3).
 */
void axn_eth_set_link(struct axn_netdev *dev, bool up, axn_time_t now)
{
    struct axn_eth_dev *d = axn_eth_of(dev);
    if (d->up == up)
        return;
    AXN_INFO(d->base.plat, "%s: link %s", d->base.name, up ? "up" : "down");
    d->up = up;
    if (up) {
        axn_eth_arp_announce(d);
        return;
    }
    axn_arp_cache_clear(&d->neigh);
    (void)axn_eth_pending_drop_all(d, true, now);
}

/* The device is going away: its interface counters with it, so the caller
 * counts what is lost here; nobody is told (the stack reports the removal
 * itself, as an interface event). */
size_t axn_eth_discard(struct axn_netdev *dev)
{
    struct axn_eth_dev *d = axn_eth_of(dev);
    axn_arp_cache_clear(&d->neigh);
    return axn_eth_pending_drop_all(d, false, 0);
}
