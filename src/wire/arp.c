/* ARP (RFC 826) for Ethernet hardware and IPv4 protocol addresses. */
#include "wire/arp.h"

#include "lib/byteorder.h"
#include "lib/mem.h"
#include "wire/ethernet.h"

/* RFC 826 packet layout: the fixed part, then sha, spa, tha, tpa. */
#define ARP_OFF_HTYPE 0
#define ARP_OFF_PTYPE 2
#define ARP_OFF_HLEN  4
#define ARP_OFF_PLEN  5
#define ARP_OFF_OP    6
#define ARP_FIXED_LEN 8
#define ARP_OFF_SHA   8
#define ARP_OFF_SPA   14
#define ARP_OFF_THA   18
#define ARP_OFF_TPA   24

#define ARP_IP4_LEN 4

/* RFC 826: only (ar$hrd, ar$pro, ar$hln, ar$pln) = (Ethernet, IPv4, 6, 4). */
static bool is_ethernet_ipv4(const uint8_t *buf)
{
    return axn_get_be16(buf + ARP_OFF_HTYPE) == AXN_ARP_HTYPE_ETHERNET &&
           axn_get_be16(buf + ARP_OFF_PTYPE) == AXN_ETHERTYPE_IPV4 &&
           buf[ARP_OFF_HLEN] == AXN_MAC_LEN && buf[ARP_OFF_PLEN] == ARP_IP4_LEN;
}

int axn_arp_parse(const uint8_t *buf, size_t len, struct axn_arp *out)
{
    if (len < ARP_FIXED_LEN)
        return AXN_WIRE_ETRUNC;
    if (!is_ethernet_ipv4(buf))
        return AXN_WIRE_EUNSUPP;
    if (len < AXN_ARP_LEN)
        return AXN_WIRE_ETRUNC;
    out->op = axn_get_be16(buf + ARP_OFF_OP);
    memcpy(out->sender_mac.b, buf + ARP_OFF_SHA, AXN_MAC_LEN);
    out->sender_ip = axn_get_be32(buf + ARP_OFF_SPA);
    memcpy(out->target_mac.b, buf + ARP_OFF_THA, AXN_MAC_LEN);
    out->target_ip = axn_get_be32(buf + ARP_OFF_TPA);
    return 0;
}

int axn_arp_emit(const struct axn_arp *in, uint8_t *buf, size_t cap)
{
    if (cap < AXN_ARP_LEN)
        return AXN_WIRE_ENOSPC;
    axn_put_be16(buf + ARP_OFF_HTYPE, AXN_ARP_HTYPE_ETHERNET);
    axn_put_be16(buf + ARP_OFF_PTYPE, AXN_ETHERTYPE_IPV4);
    buf[ARP_OFF_HLEN] = AXN_MAC_LEN;
    buf[ARP_OFF_PLEN] = ARP_IP4_LEN;
    axn_put_be16(buf + ARP_OFF_OP, in->op);
    memcpy(buf + ARP_OFF_SHA, in->sender_mac.b, AXN_MAC_LEN);
    axn_put_be32(buf + ARP_OFF_SPA, in->sender_ip);
    memcpy(buf + ARP_OFF_THA, in->target_mac.b, AXN_MAC_LEN);
    axn_put_be32(buf + ARP_OFF_TPA, in->target_ip);
    return AXN_ARP_LEN;
}

bool axn_arp_op_is_known(uint16_t op)
{
    return op == AXN_ARP_OP_REQUEST || op == AXN_ARP_OP_REPLY;
}
