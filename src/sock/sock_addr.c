/*
 * sockaddr <-> endpoint at the API boundary: sockaddrs carry ports and
 * addresses in network order (ip(7), ipv6(7)), endpoints in host order.
 */
#include "axnet/errno.h"
#include "lib/byteorder.h"
#include "lib/mem.h"
#include "sock/sock_layer.h"

/* ipv6(7): Linux takes the RFC 2133 sockaddr_in6, without sin6_scope_id. */
#define SIN6_LEN_RFC2133 24u
#define IP6_ADDR_LEN     16u

static int in4(const struct axn_sockaddr *sa, axn_socklen_t len, enum axn_sock_addr_use use,
               struct axn_endpoint *ep)
{
    if (len < sizeof(struct axn_sockaddr_in))
        return -AXN_EINVAL;
    const struct axn_sockaddr_in *sin = (const struct axn_sockaddr_in *)sa;
    const uint8_t *port = (const uint8_t *)&sin->sin_port;
    const uint8_t *addr = (const uint8_t *)&sin->sin_addr.s_addr;
    const axn_ip4_t v4 = axn_get_be32(addr);
    if (sin->sin_family != AXN_AF_INET) {
        /* inet_bind: AF_UNSPEC passes with INADDR_ANY (old programs);
         * udp_sendmsg and raw_sendmsg take AF_UNSPEC as AF_INET. */
        const bool unspec_ok =
            use == AXN_SOCK_ADDR_SENDTO || (use == AXN_SOCK_ADDR_BIND && v4 == AXN_INADDR_ANY);
        if (sin->sin_family != AXN_AF_UNSPEC || !unspec_ok)
            return -AXN_EAFNOSUPPORT;
    }
    ep->family = AXN_AF_INET;
    ep->port = axn_get_be16(port);
    ep->v4 = v4;
    return 0;
}

static int in6(const struct axn_sockaddr *sa, axn_socklen_t len, struct axn_endpoint *ep)
{
    if (len < SIN6_LEN_RFC2133)
        return -AXN_EINVAL;
    const struct axn_sockaddr_in6 *sin6 = (const struct axn_sockaddr_in6 *)sa;
    if (sin6->sin6_family != AXN_AF_INET6)
        return -AXN_EAFNOSUPPORT;
    ep->family = AXN_AF_INET6;
    ep->port = axn_get_be16((const uint8_t *)&sin6->sin6_port);
    memcpy(ep->v6.b, sin6->sin6_addr.u6_addr8, IP6_ADDR_LEN);
    ep->scope_id = len >= sizeof(*sin6) ? sin6->sin6_scope_id : 0;
    return 0;
}

int axn_sock_addr_in(const struct axn_socket *s, const struct axn_sockaddr *sa, axn_socklen_t len,
                     enum axn_sock_addr_use use, struct axn_endpoint *ep)
{
    if (!sa || !ep)
        return -AXN_EINVAL;
    memset(ep, 0, sizeof(*ep));
    /* inet_dgram_connect: only the family is needed to dissolve. */
    if (use == AXN_SOCK_ADDR_CONNECT) {
        if (len < sizeof(sa->sa_family))
            return -AXN_EINVAL;
        if (sa->sa_family == AXN_AF_UNSPEC)
            return 0;
    }
    switch (s->domain) {
    case AXN_AF_INET:
        return in4(sa, len, use, ep);
    case AXN_AF_INET6:
        return in6(sa, len, ep);
    default:
        return -AXN_EAFNOSUPPORT;
    }
}

/* Copies min(room, full) bytes of `src` and returns `full`. */
static axn_socklen_t put_trunc(struct axn_sockaddr *sa, axn_socklen_t room, const void *src,
                               axn_socklen_t full)
{
    if (sa && room > 0)
        memcpy(sa, src, room < full ? room : full);
    return full;
}

axn_socklen_t axn_sock_addr_out(const struct axn_endpoint *ep, struct axn_sockaddr *sa,
                                axn_socklen_t room)
{
    if (ep->family == AXN_AF_INET) {
        struct axn_sockaddr_in sin;
        memset(&sin, 0, sizeof(sin));
        sin.sin_family = AXN_AF_INET;
        axn_put_be16((uint8_t *)&sin.sin_port, ep->port);
        axn_put_be32((uint8_t *)&sin.sin_addr.s_addr, ep->v4);
        return put_trunc(sa, room, &sin, sizeof(sin));
    }
    if (ep->family == AXN_AF_INET6) {
        struct axn_sockaddr_in6 sin6;
        memset(&sin6, 0, sizeof(sin6));
        sin6.sin6_family = AXN_AF_INET6;
        axn_put_be16((uint8_t *)&sin6.sin6_port, ep->port);
        memcpy(sin6.sin6_addr.u6_addr8, ep->v6.b, IP6_ADDR_LEN);
        sin6.sin6_scope_id = ep->scope_id;
        return put_trunc(sa, room, &sin6, sizeof(sin6));
    }
    return 0;
}
