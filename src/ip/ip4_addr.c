/*
 * What an address is to this host, from the interface registry (ip4.h):
 * local (any interface's: the weak host model of RFC 1122 3.3.4.2, as
 * Linux), a broadcast, or someone else's.
 */
#include "ctl/ctl.h"
#include "ip/ip4.h"
#include "route/prefix.h"

/* RFC 3021: a /31 or /32 has no broadcast address. */
#define IP4_BCAST_MAX_PREFIX 30u

static bool is_subnet_broadcast_locked(const struct axn_iface_info *it, axn_ip4_t a)
{
    if (!it->has_ipv4 || (it->flags & AXN_IFF_BROADCAST) == 0 ||
        it->prefix_len > IP4_BCAST_MAX_PREFIX)
        return false;
    return a == (it->addr | ~axn_ip4_prefix_mask(it->prefix_len));
}

bool axn_ip4_is_any_subnet_broadcast(struct axn_ip4 *ip, axn_ip4_t a)
{
    struct axn_ctl *c = ip->ctl;
    bool found = false;
    const unsigned long irq = axn_ctl_lock(c);
    for (size_t i = 0; i < c->n_ifaces && !found; i++)
        found = is_subnet_broadcast_locked(&c->ifaces[i], a);
    axn_ctl_unlock(c, irq);
    return found;
}

static enum axn_ip4_dst_kind classify_registry(struct axn_ip4 *ip, axn_ip4_t dst)
{
    struct axn_ctl *c = ip->ctl;
    enum axn_ip4_dst_kind kind = AXN_IP4_DST_OTHER;
    const unsigned long irq = axn_ctl_lock(c);
    for (size_t i = 0; i < c->n_ifaces && kind == AXN_IP4_DST_OTHER; i++) {
        const struct axn_iface_info *it = &c->ifaces[i];
        if (it->has_ipv4 && it->addr == dst)
            kind = AXN_IP4_DST_LOCAL;
        else if (is_subnet_broadcast_locked(it, dst))
            kind = AXN_IP4_DST_BROADCAST;
    }
    axn_ctl_unlock(c, irq);
    return kind;
}

enum axn_ip4_dst_kind axn_ip4_classify_dst(struct axn_ip4 *ip, axn_ip4_t dst, uint32_t ifindex)
{
    if (axn_ip4_is_broadcast(dst))
        return AXN_IP4_DST_BROADCAST;
    if (axn_ip4_is_multicast(dst))
        return AXN_IP4_DST_MULTICAST;
    /* Linux routes all of 127.0.0.0/8 to lo as local (RFC 1122
     * 3.2.1.3: "addresses of this form MUST NOT appear outside a host"). */
    if (axn_ip4_is_loopback(dst))
        return ifindex == AXN_IFINDEX_LOOPBACK ? AXN_IP4_DST_LOCAL : AXN_IP4_DST_OTHER;
    return classify_registry(ip, dst);
}

bool axn_ip4_iface_addr(struct axn_ip4 *ip, uint32_t ifindex, axn_ip4_t *addr)
{
    struct axn_ctl *c = ip->ctl;
    const unsigned long irq = axn_ctl_lock(c);
    const struct axn_iface_info *it = axn_ctl_find_locked(c, ifindex);
    const bool ok = it != NULL && it->has_ipv4;
    if (ok)
        *addr = it->addr;
    axn_ctl_unlock(c, irq);
    return ok;
}

size_t axn_ip4_iface_mtu(struct axn_ip4 *ip, uint32_t ifindex)
{
    struct axn_ctl *c = ip->ctl;
    size_t mtu = AXN_ETH_MTU;
    const unsigned long irq = axn_ctl_lock(c);
    const struct axn_iface_info *it = axn_ctl_find_locked(c, ifindex);
    if (it != NULL && it->mtu != 0)
        mtu = it->mtu;
    axn_ctl_unlock(c, irq);
    /* The router's queues carry packets of at most one slot. */
    return mtu < AXN_PKT_SLOT_SIZE ? mtu : AXN_PKT_SLOT_SIZE;
}
