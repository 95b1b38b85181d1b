/* IPv4 address classes and prefix arithmetic (host-order axn_ip4_t). */
#include "wire/ipv4.h"

#define IP4_BITS           32
#define IP4_ALL_ONES       0xFFFFFFFFu
#define IP4_MCAST_MASK     0xF0000000u /* 224.0.0.0/4 */
#define IP4_MCAST_NET      0xE0000000u
#define IP4_LOOPBACK_MASK  0xFF000000u /* 127.0.0.0/8 */
#define IP4_LOOPBACK_NET   0x7F000000u
#define IP4_LINKLOCAL_MASK 0xFFFF0000u /* 169.254.0.0/16 */
#define IP4_LINKLOCAL_NET  0xA9FE0000u

/* RFC 1112 6.4: 01-00-5E-00-00-00 plus the group's low 23 bits. */
#define IP4_MCAST_MAC_0    0x01u
#define IP4_MCAST_MAC_1    0x00u
#define IP4_MCAST_MAC_2    0x5Eu
#define IP4_MCAST_MAC_BITS 0x007FFFFFu

bool axn_ip4_is_broadcast(axn_ip4_t a)
{
    return a == IP4_ALL_ONES;
}

bool axn_ip4_is_multicast(axn_ip4_t a)
{
    return (a & IP4_MCAST_MASK) == IP4_MCAST_NET;
}

bool axn_ip4_is_loopback(axn_ip4_t a)
{
    return (a & IP4_LOOPBACK_MASK) == IP4_LOOPBACK_NET;
}

bool axn_ip4_is_unspecified(axn_ip4_t a)
{
    return a == 0;
}

bool axn_ip4_is_link_local(axn_ip4_t a)
{
    return (a & IP4_LINKLOCAL_MASK) == IP4_LINKLOCAL_NET;
}

/* Host-bit mask of a prefix length: the complement of the netmask. */
static axn_ip4_t host_mask(unsigned prefix_len)
{
    /* A shift by the full width is undefined in C: handle both ends. */
    if (prefix_len == 0)
        return IP4_ALL_ONES;
    if (prefix_len >= IP4_BITS)
        return 0;
    return IP4_ALL_ONES >> prefix_len;
}

axn_ip4_t axn_ip4_subnet_broadcast(axn_ip4_t addr, unsigned prefix_len)
{
    return addr | host_mask(prefix_len);
}

void axn_ip4_multicast_mac(axn_ip4_t group, struct axn_mac *out)
{
    uint32_t low = group & IP4_MCAST_MAC_BITS;
    out->b[0] = IP4_MCAST_MAC_0;
    out->b[1] = IP4_MCAST_MAC_1;
    out->b[2] = IP4_MCAST_MAC_2;
    out->b[3] = (uint8_t)(low >> 16);
    out->b[4] = (uint8_t)(low >> 8);
    out->b[5] = (uint8_t)low;
}
