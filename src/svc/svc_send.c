/*
 * How the services put a datagram on the wire and ask devices about ARP
 * conflicts (svc/svc.h). DHCP cannot use a UDP socket: a client without
 * an address sends from 0.0.0.0 and must leave by one device, whatever
 * the routes say (RT-25), so the datagram is built here.
 */
#include "axnet/errno.h"
#include "core/stack_impl.h"
#include "svc/svc.h"
#include "wire/checksum.h"

/* RFC 1122 3.2.1.7: the default TTL (Linux ip_default_ttl). */
#define SVC_TTL 64

static int build(struct axn_svc *svc, const struct axn_svc_udp_out *o, uint8_t *buf, size_t cap)
{
    const size_t udp_len = AXN_UDP_HDR_LEN + o->len;
    if (AXN_IPV4_HDR_MIN + udp_len > cap)
        return -AXN_EMSGSIZE;
    const struct axn_udp udp = {.src_port = o->src_port,
                                .dst_port = o->dst_port,
                                .payload = o->payload,
                                .payload_len = o->len};
    const uint32_t pseudo = axn_csum_pseudo_v4(o->src, o->dst, AXN_UDP_PROTO, (uint16_t)udp_len);
    const int n = axn_udp_emit(&udp, buf + AXN_IPV4_HDR_MIN, cap - AXN_IPV4_HDR_MIN, pseudo, 0);
    if (n < 0)
        return -AXN_EMSGSIZE;
    struct axn_ip4 *ip = svc->st->ip4;
    const struct axn_ipv4 h = {
        .id = axn_ip4_id_next(&ip->ids, o->src, o->dst, AXN_UDP_PROTO),
        .ttl = SVC_TTL,
        .protocol = AXN_UDP_PROTO,
        .src = o->src,
        .dst = o->dst,
        .payload = buf + AXN_IPV4_HDR_MIN,
        .payload_len = (size_t)n,
    };
    const int len = axn_ipv4_emit(&h, buf, cap);
    return len < 0 ? -AXN_EMSGSIZE : len;
}

int axn_svc_send_udp(struct axn_svc *svc, const struct axn_svc_udp_out *o, axn_time_t now)
{
    struct axn_stack *st = svc->st;
    const int len = build(svc, o, svc->tx_buf, sizeof(svc->tx_buf));
    if (len < 0)
        return len;
    axn_ip4_t hop = o->link_broadcast ? AXN_IP4(255, 255, 255, 255) : o->dst;
    uint32_t ifindex = o->ifindex;
    if (!axn_ip4_is_broadcast(hop)) {
        struct axn_route_decision d;
        const int rc = axn_ctl_route_select(&st->ctl, o->dst, o->ifindex, &d);
        if (rc < 0)
            return rc;
        hop = d.next_hop;
        ifindex = d.ifindex;
    }
    st->ip4->stats.out_requests++;
    return axn_router_send_on_device(&st->router, ifindex, hop, svc->tx_buf, (size_t)len, now);
}

/* ---- RFC 5227 through the device ------------------------------------------------ */

static struct axn_dev_handle *eth_handle(struct axn_svc *svc, uint32_t ifindex)
{
    struct axn_dev_handle *h = axn_router_find(&svc->st->router, ifindex);
    return h != NULL && !h->is_loopback && h->dev != NULL ? h : NULL;
}

void axn_svc_acd_watch(struct axn_svc *svc, uint32_t ifindex, axn_ip4_t ip)
{
    struct axn_dev_handle *h = eth_handle(svc, ifindex);
    if (h == NULL || h->dev->ops->acd_watch == NULL)
        return;
    svc->plat->mutex_lock(h->dev_lock);
    h->dev->ops->acd_watch(h->dev, ip);
    svc->plat->mutex_unlock(h->dev_lock);
}

int axn_svc_acd_send(struct axn_svc *svc, uint32_t ifindex, axn_ip4_t ip, bool announce)
{
    struct axn_dev_handle *h = eth_handle(svc, ifindex);
    if (h == NULL)
        return -AXN_ENODEV;
    if (h->dev->ops->acd_send == NULL)
        return -AXN_EOPNOTSUPP;
    svc->plat->mutex_lock(h->dev_lock);
    const int rc = h->dev->ops->acd_send(h->dev, ip, announce);
    svc->plat->mutex_unlock(h->dev_lock);
    return rc;
}

uint32_t axn_svc_acd_conflicts(struct axn_svc *svc, uint32_t ifindex)
{
    struct axn_dev_handle *h = eth_handle(svc, ifindex);
    if (h == NULL || h->dev->ops->acd_conflicts == NULL)
        return 0;
    svc->plat->mutex_lock(h->dev_lock);
    const uint32_t n = h->dev->ops->acd_conflicts(h->dev);
    svc->plat->mutex_unlock(h->dev_lock);
    return n;
}
