/*
 * SOL_IP options every IPv4 socket has (spec §12, ip(7)), with Linux's
 * semantics and errno (net/ipv4/ip_sockglue.c do_ip_setsockopt,
 * do_ip_getsockopt). Multicast memberships are stored now and honoured
 * when IGMP lands.
 */
#include "axnet/errno.h"
#include "core/stack_impl.h"
#include "ip/ip4.h"
#include "lib/byteorder.h"
#include "lib/mem.h"
#include "sock/sock_layer.h"
#include "wire/ipv4.h"

/* IP_TTL / IP_MULTICAST_TTL: -1 selects the default. */
#define TTL_DEFAULT_REQ (-1)
#define MC_TTL_DEFAULT  1
#define IP_TTL_MAX      255

static axn_ip4_t in_addr_host(const struct axn_in_addr *a)
{
    return axn_get_be32((const uint8_t *)&a->s_addr);
}

/* ---- Multicast interface and memberships --------------------------------------------- */

/* An ip_mreqn read from an in_addr, an ip_mreq or an ip_mreqn, by length
 * (host order). */
struct mreq {
    axn_ip4_t group;
    axn_ip4_t addr;
    uint32_t ifindex;
};

static void read_mreq(const void *val, axn_socklen_t len, struct mreq *m)
{
    memset(m, 0, sizeof(*m));
    if (len >= sizeof(struct axn_ip_mreqn)) {
        struct axn_ip_mreqn r;
        memcpy(&r, val, sizeof(r));
        m->group = in_addr_host(&r.imr_multiaddr);
        m->addr = in_addr_host(&r.imr_address);
        m->ifindex = r.imr_ifindex > 0 ? (uint32_t)r.imr_ifindex : 0;
    } else if (len >= sizeof(struct axn_ip_mreq)) {
        struct axn_ip_mreq r;
        memcpy(&r, val, sizeof(r));
        m->group = in_addr_host(&r.imr_multiaddr);
        m->addr = in_addr_host(&r.imr_interface);
    }
}

/* The interface `m` names: by index, else by address; 0 if neither. */
static int mreq_iface(struct axn_socket *s, const struct mreq *m, uint32_t *ifindex)
{
    *ifindex = 0;
    if (m->ifindex) {
        *ifindex = m->ifindex;
        return axn_sock_iface_exists(s->st, m->ifindex) ? 0 : -AXN_ENODEV;
    }
    if (m->addr == AXN_INADDR_ANY)
        return 0;
    return axn_ctl_local_binding(&s->st->ctl, m->addr, ifindex) == 0 && *ifindex ? 0 : -AXN_ENODEV;
}

/* IP_MULTICAST_IF: an in_addr, ip_mreq or ip_mreqn; INADDR_ANY with no
 * index resets; an unknown interface is EADDRNOTAVAIL. */
static int set_mc_if(struct axn_socket *s, const void *val, axn_socklen_t len)
{
    struct mreq m;
    if (s->type == AXN_SOCK_STREAM || !val || len < sizeof(struct axn_in_addr))
        return -AXN_EINVAL;
    if (len >= sizeof(struct axn_ip_mreq)) {
        read_mreq(val, len, &m);
    } else {
        struct axn_in_addr a;
        memcpy(&a, val, sizeof(a));
        memset(&m, 0, sizeof(m));
        m.addr = in_addr_host(&a);
    }
    uint32_t ifindex = 0;
    if (mreq_iface(s, &m, &ifindex) != 0 || (ifindex == 0 && m.addr != AXN_INADDR_ANY))
        return -AXN_EADDRNOTAVAIL;
    /* A socket bound to a device may only pick that one. */
    if (ifindex && s->opt.bound_ifindex && ifindex != s->opt.bound_ifindex)
        return -AXN_EINVAL;
    s->opt.ip.mc_if = m.addr;
    s->opt.ip.mc_ifindex = ifindex;
    return 0;
}

static int find_group(const struct axn_sock_ip_opts *ip, axn_ip4_t group, uint32_t ifindex)
{
    for (int i = 0; i < ip->n_groups; i++) {
        if (ip->groups[i].group == group && (ifindex == 0 || ip->groups[i].ifindex == ifindex))
            return i;
    }
    return -1;
}

/* ip_mc_join_group: the group must be multicast; with no interface named
 * the route to the group picks it (ENODEV without one). */
static int join(struct axn_socket *s, const struct mreq *m)
{
    struct axn_sock_ip_opts *ip = &s->opt.ip;
    if (!axn_ip4_is_multicast(m->group))
        return -AXN_EINVAL;
    uint32_t ifindex;
    int err = mreq_iface(s, m, &ifindex);
    if (err)
        return err;
    if (ifindex == 0) {
        struct axn_route_decision d;
        if (axn_ctl_route_select(&s->st->ctl, m->group, s->opt.bound_ifindex, &d) != 0)
            return -AXN_ENODEV;
        ifindex = d.ifindex;
    }
    if (find_group(ip, m->group, ifindex) >= 0)
        return -AXN_EADDRINUSE;
    if (ip->n_groups >= AXN_SOCK_MAX_MEMBERSHIPS)
        return -AXN_ENOBUFS;
    ip->groups[ip->n_groups].group = m->group;
    ip->groups[ip->n_groups].ifindex = ifindex;
    ip->n_groups++;
    return 0;
}

/* ip_mc_leave_group: the membership of the group on the named interface,
 * or on any when none is named; EADDRNOTAVAIL if there is none. */
static int leave(struct axn_socket *s, const struct mreq *m)
{
    struct axn_sock_ip_opts *ip = &s->opt.ip;
    uint32_t ifindex;
    if (mreq_iface(s, m, &ifindex) != 0)
        ifindex = m->ifindex;
    const int i = find_group(ip, m->group, ifindex);
    if (i < 0)
        return -AXN_EADDRNOTAVAIL;
    ip->n_groups--;
    ip->groups[i] = ip->groups[ip->n_groups];
    return 0;
}

static int set_membership(struct axn_socket *s, int name, const void *val, axn_socklen_t len)
{
    /* Linux: connection-oriented sockets have no memberships (EPROTO). */
    if (s->type == AXN_SOCK_STREAM)
        return -AXN_EPROTO;
    if (!val || len < sizeof(struct axn_ip_mreq))
        return -AXN_EINVAL;
    struct mreq m;
    read_mreq(val, len, &m);
    return name == AXN_IP_ADD_MEMBERSHIP ? join(s, &m) : leave(s, &m);
}

/* ---- Int options ------------------------------------------------------------------------- */

static int set_ttl(struct axn_socket *s, int v)
{
    if (v != TTL_DEFAULT_REQ && (v < 1 || v > IP_TTL_MAX))
        return -AXN_EINVAL;
    s->opt.ip.ttl = v == TTL_DEFAULT_REQ ? 0 : (uint8_t)v;
    return 0;
}

static int set_mc_ttl(struct axn_socket *s, int v)
{
    if (s->type == AXN_SOCK_STREAM)
        return -AXN_EINVAL;
    if (v == TTL_DEFAULT_REQ)
        v = MC_TTL_DEFAULT;
    if (v < 0 || v > IP_TTL_MAX)
        return -AXN_EINVAL;
    s->opt.ip.mc_ttl = (uint8_t)v;
    return 0;
}

/* __ip_sock_set_tos: a datagram socket keeps the ECN bits it is given
 * (ip(7)); a stream socket keeps its own, which TCP manages. */
static void set_tos(struct axn_socket *s, int v)
{
    const uint8_t ecn = AXN_IPV4_ECN_MASK;
    uint8_t tos = (uint8_t)v;
    if (s->type == AXN_SOCK_STREAM)
        tos = (uint8_t)((tos & ~ecn) | (s->opt.ip.tos & ecn));
    s->opt.ip.tos = tos;
}

static int set_bool(struct axn_socket *s, int name, bool b)
{
    struct axn_sock_ip_opts *ip = &s->opt.ip;
    switch (name) {
    case AXN_IP_RECVTOS:
        ip->recvtos = b;
        return 0;
    case AXN_IP_RECVTTL:
        ip->recvttl = b;
        return 0;
    case AXN_IP_PKTINFO:
        ip->pktinfo = b;
        return 0;
    case AXN_IP_RECVERR:
        ip->recverr = b;
        return 0;
    case AXN_IP_FREEBIND:
        ip->freebind = b;
        return 0;
    case AXN_IP_MULTICAST_LOOP:
        ip->mc_loop = b;
        return 0;
    case AXN_IP_HDRINCL:
        /* Raw sockets only (ip_setsockopt). */
        if (s->type != AXN_SOCK_RAW)
            return -AXN_ENOPROTOOPT;
        ip->hdrincl = b;
        return 0;
    default:
        return -AXN_ENOPROTOOPT;
    }
}

static int set_int(struct axn_socket *s, int name, int v)
{
    switch (name) {
    case AXN_IP_TTL:
        return set_ttl(s, v);
    case AXN_IP_MULTICAST_TTL:
        return set_mc_ttl(s, v);
    case AXN_IP_TOS:
        set_tos(s, v);
        return 0;
    case AXN_IP_MTU_DISCOVER:
        if (v < AXN_IP_PMTUDISC_DONT || v > AXN_IP_PMTUDISC_OMIT)
            return -AXN_EINVAL;
        s->opt.ip.pmtudisc = (uint8_t)v;
        return 0;
    default:
        return set_bool(s, name, v != 0);
    }
}

/* The options ip_setsockopt reads as an int or a single byte. */
static bool is_int_option(int name)
{
    switch (name) {
    case AXN_IP_TTL:
    case AXN_IP_TOS:
    case AXN_IP_HDRINCL:
    case AXN_IP_PKTINFO:
    case AXN_IP_MTU_DISCOVER:
    case AXN_IP_RECVERR:
    case AXN_IP_RECVTTL:
    case AXN_IP_RECVTOS:
    case AXN_IP_FREEBIND:
    case AXN_IP_MULTICAST_TTL:
    case AXN_IP_MULTICAST_LOOP:
        return true;
    default:
        return false;
    }
}

int axn_sock_opt_set_ip(struct axn_socket *s, int name, const void *val, axn_socklen_t len)
{
    if (name == AXN_IP_MULTICAST_IF)
        return set_mc_if(s, val, len);
    if (name == AXN_IP_ADD_MEMBERSHIP || name == AXN_IP_DROP_MEMBERSHIP)
        return set_membership(s, name, val, len);
    if (!is_int_option(name))
        return -AXN_ENOPROTOOPT;
    int v;
    int err = axn_sock_opt_ip_int(val, len, &v);
    return err ? err : set_int(s, name, v);
}

/* ---- Get --------------------------------------------------------------------------------- */

static bool int_value(const struct axn_socket *s, int name, int *v)
{
    const struct axn_sock_ip_opts *ip = &s->opt.ip;
    const int values[][2] = {
        {AXN_IP_TTL, ip->ttl ? ip->ttl : AXN_IP4_DEFAULT_TTL},
        {AXN_IP_TOS, ip->tos},
        {AXN_IP_HDRINCL, ip->hdrincl},
        {AXN_IP_PKTINFO, ip->pktinfo},
        {AXN_IP_MTU_DISCOVER, ip->pmtudisc},
        {AXN_IP_RECVERR, ip->recverr},
        {AXN_IP_RECVTTL, ip->recvttl},
        {AXN_IP_RECVTOS, ip->recvtos},
        {AXN_IP_FREEBIND, ip->freebind},
        {AXN_IP_MULTICAST_TTL, ip->mc_ttl},
        {AXN_IP_MULTICAST_LOOP, ip->mc_loop},
    };
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        if (values[i][0] == name) {
            *v = values[i][1];
            return true;
        }
    }
    return false;
}

/* ip(7) IP_MTU, Linux do_ip_getsockopt: the MTU of the connected peer's
 * route, a learned path MTU included (RFC 1191); -ENOTCONN without a
 * peer. UDP answers it itself (udp_opt.c). */
static int path_mtu(struct axn_socket *s, int *mtu)
{
    struct axn_endpoint peer;
    if (!s->ops->getname || s->ops->getname(s, &peer, true) != 0 || peer.family != AXN_AF_INET)
        return -AXN_ENOTCONN;
    const struct axn_ip4_tx tx = {
        .dst = peer.v4, .protocol = (uint8_t)s->protocol, .ifindex = s->opt.bound_ifindex};
    struct axn_ip4_path path;
    const int err = axn_ip4_route(s->st->ip4, &tx, axn_sock_now(s), &path);
    if (err)
        return err;
    *mtu = (int)path.mtu;
    return 0;
}

int axn_sock_opt_get_ip(struct axn_socket *s, int name, void *val, axn_socklen_t *len)
{
    int v;
    if (name == AXN_IP_MULTICAST_IF) {
        struct axn_in_addr a;
        axn_put_be32((uint8_t *)&a.s_addr, s->opt.ip.mc_if);
        return axn_sock_opt_put(val, len, &a, sizeof(a));
    }
    if (name == AXN_IP_MTU) {
        const int err = path_mtu(s, &v);
        return err ? err : axn_sock_opt_put_ip_int(val, len, v);
    }
    if (!int_value(s, name, &v))
        return -AXN_ENOPROTOOPT;
    return axn_sock_opt_put_ip_int(val, len, v);
}
