/*
 * DHCP messages and frames for the DHCP tests and fuzz targets
 * (dhcp_pkt.h). Every layer goes through the wire emitters and parsers.
 */
#include "dhcp_pkt.h"

#include <string.h>

#include "wire/checksum.h"

/* Room for any datagram built: the fuzz targets feed frames over the MTU. */
#define DHCP_PKT_FRAME_MAX 2048u

static uint32_t pseudo(const struct dhcp_pkt_route *r, size_t udp_len)
{
    return axn_csum_pseudo_v4(r->src, r->dst, AXN_UDP_PROTO, (uint16_t)udp_len);
}

size_t dhcp_pkt_udp(const struct dhcp_pkt_route *r, const uint8_t *payload, size_t len,
                    uint8_t *out, size_t cap)
{
    const struct axn_udp u = {
        .src_port = r->sport, .dst_port = r->dport, .payload = payload, .payload_len = len};
    const int n = axn_udp_emit(&u, out, cap, pseudo(r, len + AXN_UDP_HDR_LEN), 0);
    return n > 0 ? (size_t)n : 0;
}

size_t dhcp_pkt_frame(const struct dhcp_pkt_route *r, const uint8_t *payload, size_t len,
                      uint8_t *out, size_t cap)
{
    static uint8_t udp[DHCP_PKT_FRAME_MAX], ip[DHCP_PKT_FRAME_MAX];
    const size_t un = dhcp_pkt_udp(r, payload, len, udp, sizeof(udp));
    if (un == 0)
        return 0;
    const struct axn_ipv4 ih = {.ttl = DHCP_PKT_TTL,
                                .protocol = AXN_UDP_PROTO,
                                .src = r->src,
                                .dst = r->dst,
                                .payload = udp,
                                .payload_len = un};
    const int in = axn_ipv4_emit(&ih, ip, sizeof(ip));
    if (in <= 0)
        return 0;
    const struct axn_eth e = {.dst = r->eth_dst,
                              .src = r->eth_src,
                              .ethertype = AXN_ETHERTYPE_IPV4,
                              .payload = ip,
                              .payload_len = (size_t)in};
    const int fn = axn_eth_emit(&e, out, cap, 0);
    return fn > 0 ? (size_t)fn : 0;
}

bool dhcp_pkt_parse(const uint8_t *frame, size_t len, struct dhcp_pkt_in *out)
{
    if (axn_eth_parse(frame, len, &out->eth) != 0 || out->eth.ethertype != AXN_ETHERTYPE_IPV4)
        return false;
    const struct axn_ipv4 *ip = &out->ip;
    if (axn_ipv4_parse(out->eth.payload, out->eth.payload_len, &out->ip, 0) != 0 ||
        ip->protocol != AXN_UDP_PROTO)
        return false;
    const uint32_t ps =
        axn_csum_pseudo_v4(ip->src, ip->dst, AXN_UDP_PROTO, (uint16_t)ip->payload_len);
    return axn_udp_parse(ip->payload, ip->payload_len, &out->udp, ps, 0) == 0;
}

void dhcp_pkt_reply(struct axn_dhcp_msg *m, uint8_t type, uint32_t xid, const uint8_t *chaddr)
{
    memset(m, 0, sizeof(*m));
    m->op = AXN_DHCP_OP_REPLY;
    m->htype = AXN_DHCP_HTYPE_ETHER;
    m->hlen = AXN_MAC_LEN;
    m->xid = xid;
    memcpy(m->chaddr, chaddr, AXN_MAC_LEN);
    m->present = AXN_DHCP_HAS_MSG_TYPE;
    m->msg_type = type;
}

struct axn_dhcp_server_config dhcp_pkt_pool(uint32_t ifindex, axn_ip4_t first, axn_ip4_t last,
                                            uint32_t lease_secs)
{
    struct axn_dhcp_server_config c;
    memset(&c, 0, sizeof(c));
    c.ifindex = ifindex;
    c.pool_first = first;
    c.pool_last = last;
    c.lease_secs = lease_secs;
    return c;
}
