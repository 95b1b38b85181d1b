/* Ethernet II header parse/emit and MAC address classes. */
#include "wire/ethernet.h"

#include "lib/byteorder.h"
#include "lib/mem.h"

#define ETH_OFF_DST  0
#define ETH_OFF_SRC  6
#define ETH_OFF_TYPE 12

/* IEEE 802-2014 8.2: the I/G bit, first bit on the wire of the first octet. */
#define MAC_GROUP_BIT 0x01u
#define MAC_OCTET_ALL 0xFFu

/* Largest frame whose length still fits the int return value. */
#define ETH_EMIT_MAX ((size_t)INT32_MAX)

static bool is_vlan_tag(uint16_t type)
{
    return type == AXN_ETHERTYPE_VLAN || type == AXN_ETHERTYPE_QINQ ||
           type == AXN_ETHERTYPE_QINQ_LEGACY;
}

int axn_eth_parse(const uint8_t *buf, size_t len, struct axn_eth *out)
{
    if (len < AXN_ETH_HLEN)
        return AXN_WIRE_ETRUNC;
    uint16_t type = axn_get_be16(buf + ETH_OFF_TYPE);
    if (type < AXN_ETHERTYPE_MIN)
        return AXN_WIRE_EUNSUPP; /* 802.3 length field: an LLC frame */
    if (is_vlan_tag(type))
        return AXN_WIRE_EVLAN;
    memcpy(out->dst.b, buf + ETH_OFF_DST, AXN_ETH_ALEN);
    memcpy(out->src.b, buf + ETH_OFF_SRC, AXN_ETH_ALEN);
    out->ethertype = type;
    out->payload = buf + AXN_ETH_HLEN;
    out->payload_len = len - AXN_ETH_HLEN;
    return 0;
}

int axn_eth_emit(const struct axn_eth *in, uint8_t *buf, size_t cap, unsigned flags)
{
    if (in->payload_len > ETH_EMIT_MAX - AXN_ETH_HLEN)
        return AXN_WIRE_ELEN;
    size_t len = AXN_ETH_HLEN + in->payload_len;
    size_t total = len;
    if ((flags & AXN_ETH_EMIT_PAD) && total < AXN_ETH_ZLEN)
        total = AXN_ETH_ZLEN;
    if (cap < total)
        return AXN_WIRE_ENOSPC;
    /* Payload first: it may overlap the header bytes of a caller that built
     * the packet slightly off its final place. memmove is a no-op in place. */
    if (in->payload_len && in->payload != buf + AXN_ETH_HLEN)
        memmove(buf + AXN_ETH_HLEN, in->payload, in->payload_len);
    memcpy(buf + ETH_OFF_DST, in->dst.b, AXN_ETH_ALEN);
    memcpy(buf + ETH_OFF_SRC, in->src.b, AXN_ETH_ALEN);
    axn_put_be16(buf + ETH_OFF_TYPE, in->ethertype);
    if (total > len)
        memset(buf + len, 0, total - len);
    return (int)total;
}

bool axn_mac_is_broadcast(const struct axn_mac *mac)
{
    for (size_t i = 0; i < AXN_ETH_ALEN; i++)
        if (mac->b[i] != MAC_OCTET_ALL)
            return false;
    return true;
}

bool axn_mac_is_multicast(const struct axn_mac *mac)
{
    return (mac->b[0] & MAC_GROUP_BIT) != 0;
}

bool axn_mac_is_zero(const struct axn_mac *mac)
{
    for (size_t i = 0; i < AXN_ETH_ALEN; i++)
        if (mac->b[i] != 0)
            return false;
    return true;
}

bool axn_mac_is_unicast(const struct axn_mac *mac)
{
    return !axn_mac_is_multicast(mac) && !axn_mac_is_zero(mac);
}

bool axn_mac_equal(const struct axn_mac *a, const struct axn_mac *b)
{
    return memcmp(a->b, b->b, AXN_ETH_ALEN) == 0;
}
