/* IPv6 address classes and derived addresses (RFC 4291, RFC 2464). */
#include "wire/ipv6.h"

#include "lib/mem.h"

#define IP6_MCAST_PREFIX    0xFFu /* ff00::/8 */
#define IP6_LL_BYTE0        0xFEu /* fe80::/10 */
#define IP6_LL_BYTE1        0x80u
#define IP6_LL_BYTE1_MASK   0xC0u
#define IP6_MCAST_SCOPE_OFF 1
#define IP6_MCAST_SCOPE_MSK 0x0Fu
#define IP6_LAST            (AXN_IPV6_ADDR_LEN - 1)

/* RFC 4291 2.7.1: ff02:0:0:0:0:1:ff00::/104, the low 24 bits appended. */
static const uint8_t solicited_prefix[] = {0xFF, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xFF};
#define SOLICITED_PREFIX_LEN sizeof(solicited_prefix)

/* RFC 2464 7: 33:33 then the last four octets of the group. */
#define MCAST_MAC_PREFIX 0x33u
#define MCAST_MAC_TAIL   4
#define MCAST_MAC_HEAD   2

bool axn_ip6_is_multicast(const struct axn_ip6 *a)
{
    return a->b[0] == IP6_MCAST_PREFIX;
}

bool axn_ip6_is_link_local(const struct axn_ip6 *a)
{
    return a->b[0] == IP6_LL_BYTE0 && (a->b[1] & IP6_LL_BYTE1_MASK) == IP6_LL_BYTE1;
}

static bool zero_through(const struct axn_ip6 *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a->b[i] != 0)
            return false;
    return true;
}

bool axn_ip6_is_unspecified(const struct axn_ip6 *a)
{
    return zero_through(a, AXN_IPV6_ADDR_LEN);
}

bool axn_ip6_is_loopback(const struct axn_ip6 *a)
{
    return zero_through(a, IP6_LAST) && a->b[IP6_LAST] == 1;
}

bool axn_ip6_equal(const struct axn_ip6 *a, const struct axn_ip6 *b)
{
    return memcmp(a->b, b->b, AXN_IPV6_ADDR_LEN) == 0;
}

uint8_t axn_ip6_multicast_scope(const struct axn_ip6 *a)
{
    return a->b[IP6_MCAST_SCOPE_OFF] & IP6_MCAST_SCOPE_MSK;
}

void axn_ip6_solicited_node(const struct axn_ip6 *addr, struct axn_ip6 *out)
{
    struct axn_ip6 tmp = *addr; /* out may alias addr */
    memcpy(out->b, solicited_prefix, SOLICITED_PREFIX_LEN);
    memcpy(out->b + SOLICITED_PREFIX_LEN, tmp.b + SOLICITED_PREFIX_LEN,
           AXN_IPV6_ADDR_LEN - SOLICITED_PREFIX_LEN);
}

void axn_ip6_multicast_mac(const struct axn_ip6 *group, struct axn_mac *out)
{
    out->b[0] = MCAST_MAC_PREFIX;
    out->b[1] = MCAST_MAC_PREFIX;
    memcpy(out->b + MCAST_MAC_HEAD, group->b + AXN_IPV6_ADDR_LEN - MCAST_MAC_TAIL, MCAST_MAC_TAIL);
}
