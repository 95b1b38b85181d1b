/*
 * Router TX: protocol core -> device TX queues -> devices (spec §3.4, §3.5,
 * RT-19..RT-25, RT-29, RT-38).
 */
#include "axnet/errno.h"
#include "ctl/ctl.h"
#include "lib/log.h"
#include "lib/tx_acct.h"
#include "route/router.h"
#include "route/router_internal.h"
#include "wire/ethernet.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"

/* The limited broadcast: a device sends it to the broadcast MAC. */
#define IP4_LIMITED_BROADCAST AXN_IP4(255, 255, 255, 255)
/* An interface has a subnet broadcast only with a prefix of at most /30
 * (axn_ctl_iface_broadcast): its two lowest host bits are then ones. */
#define IP4_SUBNET_BCAST_LOW_BITS 0x3u

/* ---- Queueing ------------------------------------------------------------ */

/* RT-23: a copy on the device's TX queue, or a counted drop; no
 * back-pressure to the sender but its SO_SNDBUF: a socket's copy is
 * charged to its account until it leaves (skb_set_owner_w). */
static int tx_enqueue_gso(struct axn_router *r, struct axn_dev_handle *h, axn_ip4_t next_hop,
                          const uint8_t *pkt, size_t len, struct axn_tx_acct *acct,
                          uint16_t gso_size)
{
    const struct axn_pktq_meta meta = {.next_hop = next_hop, .acct = acct, .gso_size = gso_size};
    /* Charged before the push: the consumer may release at once. */
    if (acct)
        axn_tx_acct_charge(acct, len);
    unsigned long irq = r->plat->spin_lock_irqsave(h->txq_lock);
    int err = axn_pktq_push(&h->txq, pkt, len, &meta);
    r->plat->spin_unlock_irqrestore(h->txq_lock, irq);
    if (err) {
        (void)axn_tx_acct_release(acct, len); /* back to a level already seen */
        axn_if_count_add(&h->counters.tx_dropped, 1);
        AXN_DEBUG(r->plat, "router: %s TX drop (%d), %zu bytes", h->dev->name, err, len);
        return err;
    }
    r->plat->event_signal(h->tx_event);
    return 0;
}

static int tx_enqueue(struct axn_router *r, struct axn_dev_handle *h, axn_ip4_t next_hop,
                      const uint8_t *pkt, size_t len, struct axn_tx_acct *acct)
{
    return tx_enqueue_gso(r, h, next_hop, pkt, len, acct, 0);
}

/*
 * RT-21: loopback packets go straight to the loopback queue, which deliver
 * drains first. lo counts TX and RX on success; on a full queue it counts
 * rx_dropped only, and the send still succeeded, as on Linux.
 */
static int loopback_inject(struct axn_router *r, struct axn_dev_handle *lo, const uint8_t *pkt,
                           size_t len)
{
    if (len > axn_pktq_slot_size(&r->loq)) {
        axn_if_count_add(&lo->counters.tx_dropped, 1);
        return -AXN_EMSGSIZE;
    }
    const struct axn_pktq_meta meta = {
        .frame_len = (uint32_t)len,
        .ifindex = lo->ifindex,
        .ethertype = AXN_ETHERTYPE_IPV4,
    };
    if (axn_pktq_push(&r->loq, pkt, len, &meta) != 0) {
        axn_if_count_add(&lo->counters.rx_dropped, 1);
        return 0;
    }
    axn_if_count_tx(&lo->counters, len);
    axn_if_count_rx(&lo->counters, len);
    return 0;
}

/* ---- Output ------------------------------------------------------------------ */

/* RT-20: no rule -> dropped, counted on no interface (Linux IpOutNoRoutes). */
static int no_route(struct axn_router *r)
{
    axn_router_count(&r->ip_out_no_routes);
    return -AXN_ENETUNREACH;
}

/* A core bug, never a crash (RT-19, RT-24 [BUG]). */
static int malformed(struct axn_router *r, int wire_err)
{
    axn_router_count(&r->out_malformed);
    AXN_WARN(r->plat, "router: malformed packet from the core: %s", axn_wire_strerror(wire_err));
    return -AXN_EINVAL;
}

/*
 * RT-20 step 3 and its [HAZARD]: ax-net copies a limited broadcast to every
 * device with the source the core chose, so eth1 would send eth0's address.
 * A packet whose source is an interface's address leaves by that interface
 * only (as RT-10 does for unicast); an unspecified source (0.0.0.0, a host
 * without an address) or one no interface owns gets a copy on every up
 * non-loopback device. Never delivered locally. Fails only if no device
 * took a copy.
 */
static bool fan_out_takes(struct axn_router *r, const struct axn_dev_handle *h, uint32_t owner)
{
    if (!h || h->is_loopback || !axn_ctl_iface_is_up(r->ctl, h->ifindex))
        return false;
    return owner == 0 || h->ifindex == owner;
}

static int fan_out(struct axn_router *r, const struct axn_ipv4 *ip, const uint8_t *pkt,
                   struct axn_tx_acct *acct)
{
    uint32_t owner = 0;
    if (ip->src != 0 && axn_ctl_local_binding(r->ctl, ip->src, &owner) != 0)
        owner = 0; /* nobody's address: no interface to prefer */
    size_t tried = 0;
    size_t queued = 0;
    int err = 0;
    for (size_t i = 0; i < AXN_MAX_DEVICES; i++) {
        struct axn_dev_handle *h = axn_router_dev_at(r, i);
        if (!fan_out_takes(r, h, owner))
            continue;
        tried++;
        int e = tx_enqueue(r, h, IP4_LIMITED_BROADCAST, pkt, ip->total_len, acct);
        if (e)
            err = e;
        else
            queued++;
    }
    if (tried == 0)
        return no_route(r);
    return queued > 0 ? 0 : err;
}

/* A direct route to the interface's own subnet broadcast: hand the device
 * the limited broadcast, so it sends to the broadcast MAC instead of
 * trying to resolve x.x.x.255 by ARP. */
static axn_ip4_t egress_next_hop(struct axn_router *r, const struct axn_route_decision *d,
                                 axn_ip4_t dst)
{
    /* Most destinations end in other bits: they cannot be a subnet
     * broadcast, and the registry (its lock) is not asked per packet. */
    if ((dst & IP4_SUBNET_BCAST_LOW_BITS) != IP4_SUBNET_BCAST_LOW_BITS)
        return d->next_hop;
    axn_ip4_t bcast;
    if (d->next_hop == dst && axn_ctl_iface_broadcast(r->ctl, d->ifindex, &bcast) && bcast == dst)
        return IP4_LIMITED_BROADCAST;
    return d->next_hop;
}

/* RT-20 step 5, RT-10: egress by (destination, the source the core chose). */
static int route_unicast(struct axn_router *r, const struct axn_ipv4 *ip, const uint8_t *pkt,
                         struct axn_tx_acct *acct, uint16_t gso_size)
{
    struct axn_route_decision d;
    if (axn_ctl_route_for_source(r->ctl, ip->dst, ip->src, &d) != 0)
        return no_route(r);
    struct axn_dev_handle *h = axn_router_find(r, d.ifindex);
    if (!h)
        return no_route(r);
    if (h->is_loopback)
        return loopback_inject(r, h, pkt, ip->total_len);
    return tx_enqueue_gso(r, h, egress_next_hop(r, &d, ip->dst), pkt, ip->total_len, acct,
                          gso_size);
}

/* Not IPv4: a well-formed IPv6 packet has no route yet (no IPv6 routes
 * exist); anything else is malformed. */
static int output_not_ipv4(struct axn_router *r, const uint8_t *pkt, size_t len)
{
    struct axn_ipv6 ip6;
    int err = axn_ipv6_parse(pkt, len, &ip6);
    if (err)
        return malformed(r, err);
    return no_route(r);
}

int axn_router_output(struct axn_router *r, const uint8_t *pkt, size_t len, axn_time_t now)
{
    return axn_router_output_acct(r, pkt, len, NULL, now);
}

int axn_router_output_acct(struct axn_router *r, const uint8_t *pkt, size_t len,
                           struct axn_tx_acct *acct, axn_time_t now)
{
    return axn_router_output_gso(r, pkt, len, acct, 0, now);
}

int axn_router_output_gso(struct axn_router *r, const uint8_t *pkt, size_t len,
                          struct axn_tx_acct *acct, uint16_t gso_size, axn_time_t now)
{
    (void)now;
    /* Parse before reading any field; the parser checks the version too. */
    struct axn_ipv4 ip;
    int err = axn_ipv4_parse(pkt, len, &ip, 0);
    if (err == AXN_WIRE_EVERSION)
        return output_not_ipv4(r, pkt, len);
    if (err)
        return malformed(r, err);
    /* Bytes past Total Length are not part of the packet. */
    if (axn_ip4_is_broadcast(ip.dst))
        return fan_out(r, &ip, pkt, acct);
    return route_unicast(r, &ip, pkt, acct, gso_size);
}

/* RT-25 for lo: through the shared RX queue, not the fast path. */
static int loopback_send(struct axn_router *r, struct axn_dev_handle *lo, const uint8_t *pkt,
                         size_t len)
{
    const struct axn_pktq_meta meta = {
        .frame_len = (uint32_t)len,
        .ifindex = lo->ifindex,
        .ethertype = AXN_ETHERTYPE_IPV4,
    };
    int err = axn_router_rxq_push(r, pkt, len, &meta);
    if (err) {
        axn_if_count_add(&lo->counters.rx_dropped, 1);
        AXN_WARN(r->plat, "router: lo send dropped (%d), %zu bytes", err, len);
        return err;
    }
    axn_if_count_tx(&lo->counters, len);
    axn_if_count_rx(&lo->counters, len);
    axn_router_request_poll(r);
    return 0;
}

int axn_router_send_on_device(struct axn_router *r, uint32_t ifindex, axn_ip4_t next_hop,
                              const uint8_t *pkt, size_t len, axn_time_t now)
{
    (void)now;
    struct axn_dev_handle *h = axn_router_find(r, ifindex);
    if (!h)
        return -AXN_ENODEV;
    if (h->is_loopback)
        return loopback_send(r, h, pkt, len);
    if (!atomic_load(&h->up))
        return -AXN_ENETDOWN;
    return tx_enqueue(r, h, next_hop, pkt, len, NULL);
}

/* ---- Device side ---------------------------------------------------------------- */

/* Linux sock_wfree when the driver takes the skb. A packet the device parks
 * for ARP is released here too: it no longer counts against the socket. */
void axn_router_tx_release(struct axn_router *r, const struct axn_pktq_meta *m, size_t len)
{
    if (!axn_tx_acct_release(m->acct, len))
        return;
    atomic_store(&r->wmem_writable, 1u);
    if (r->request_poll)
        r->request_poll(r->request_poll_ctx);
}

static void tx_send_one(struct axn_router *r, struct axn_dev_handle *h,
                        const struct axn_pktq_view *v, axn_time_t now)
{
    const struct axn_netdev_ops *ops = h->dev->ops;
    r->plat->mutex_lock(h->dev_lock);
    int n = v->meta.gso_size != 0 && ops->send_gso
                ? ops->send_gso(h->dev, v->meta.next_hop, v->data, v->len, v->meta.gso_size, now)
                : ops->send(h->dev, v->meta.next_hop, v->data, v->len, now);
    r->plat->mutex_unlock(h->dev_lock);
    /* RT-29/38: count the L2 frame the device sent; 0 means parked for ARP
     * (counted when flushed), < 0 was counted by the device. */
    if (n > 0)
        axn_if_count_tx(&h->counters, (uint64_t)n);
}

/* The device's next deadline under its lock (axn_router_dev_deadline). */
static axn_time_t dev_deadline_locked(const struct axn_dev_handle *h)
{
    const struct axn_netdev_ops *ops = h->dev->ops;
    return ops->next_deadline ? ops->next_deadline(h->dev) : AXN_TIME_NEVER;
}

/* Runs the device's timers and, when `next` is not NULL, reads its next
 * deadline in the same lock hold. A down device runs no timers (no ARP
 * retries while down) and has no deadline. */
static void dev_tick(struct axn_router *r, struct axn_dev_handle *h, axn_time_t now,
                     axn_time_t *next)
{
    const struct axn_netdev_ops *ops = h->dev->ops;
    const bool want_next = next != NULL && ops->next_deadline != NULL;
    if (next)
        *next = AXN_TIME_NEVER;
    if ((!ops->tick && !want_next) || !atomic_load(&h->up))
        return;
    r->plat->mutex_lock(h->dev_lock);
    if (ops->tick)
        ops->tick(h->dev, now);
    if (want_next)
        *next = dev_deadline_locked(h);
    r->plat->mutex_unlock(h->dev_lock);
}

size_t axn_router_tx_service_next(struct axn_router *r, struct axn_dev_handle *h, axn_time_t now,
                                  axn_time_t *next)
{
    if (next)
        *next = AXN_TIME_NEVER;
    if (h->is_loopback)
        return 0; /* lo sends inline and has no timers */
    size_t sent = 0;
    /* What is queued now, at most: producers keep adding while we send. */
    for (uint32_t budget = axn_pktq_capacity(&h->txq); budget > 0; budget--) {
        struct axn_pktq_view v;
        if (axn_pktq_peek(&h->txq, &v) != 0)
            break;
        if (atomic_load(&h->up)) {
            tx_send_one(r, h, &v, now);
            sent++;
        } else {
            axn_if_count_add(&h->counters.tx_dropped, 1);
        }
        axn_pktq_consume(&h->txq);
        axn_router_tx_release(r, &v.meta, v.len);
    }
    dev_tick(r, h, now, next);
    return sent;
}

size_t axn_router_tx_service(struct axn_router *r, struct axn_dev_handle *h, axn_time_t now)
{
    return axn_router_tx_service_next(r, h, now, NULL);
}
