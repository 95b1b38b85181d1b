/*
 * The options UDP answers itself (udp(7), ip(7)): SOL_UDP UDP_CORK, and
 * IP_MTU on a connected socket. Everything else is the socket layer's
 * generic handlers' (-ENOPROTOOPT here means "not mine", sock/sock.h).
 */
#include "axnet/errno.h"
#include "lib/mem.h"
#include "udp/udp.h"
#include "wire/udp.h"

static int set_cork(struct axn_udp_sock *us, const void *val, axn_socklen_t len)
{
    int v;
    if (len < sizeof(v))
        return -AXN_EINVAL; /* udp_lib_setsockopt */
    memcpy(&v, val, sizeof(v));
    us->cork_opt = v != 0;
    /* udp(7): "When this option is turned off, data is sent". */
    return us->cork_opt ? 0 : axn_udp_cork_flush(us);
}

int axn_udp_setsockopt(struct axn_socket *s, int level, int name, const void *val,
                       axn_socklen_t len)
{
    struct axn_udp_sock *us = (struct axn_udp_sock *)s;
    axn_udp_sync_rcvbuf(us);
    if (level != AXN_SOL_UDP)
        return -AXN_ENOPROTOOPT;
    if (name == AXN_UDP_CORK)
        return set_cork(us, val, len);
    return -AXN_ENOPROTOOPT;
}

/* ip(7) IP_MTU: the known path MTU of a connected socket. */
static int path_mtu(struct axn_udp_sock *us, int *mtu)
{
    if (!us->connected)
        return -AXN_ENOTCONN;
    const struct axn_ip4_tx tx = {
        .dst = us->raddr, .protocol = AXN_UDP_PROTO, .ifindex = us->base.opt.bound_ifindex};
    struct axn_ip4_path path;
    const int err = axn_ip4_route(us->layer->ip, &tx, axn_sock_now(&us->base), &path);
    if (err)
        return err;
    /* The route's MTU is the learned path MTU when smaller (RFC 1191). */
    *mtu = (int)path.mtu;
    return 0;
}

/* udp_lib_getsockopt: the int, truncated to the room given. */
static int put_int(void *val, axn_socklen_t *len, int v)
{
    const axn_socklen_t n = *len < sizeof(v) ? *len : (axn_socklen_t)sizeof(v);
    memcpy(val, &v, n);
    *len = n;
    return 0;
}

int axn_udp_getsockopt(struct axn_socket *s, int level, int name, void *val, axn_socklen_t *len)
{
    struct axn_udp_sock *us = (struct axn_udp_sock *)s;
    axn_udp_sync_rcvbuf(us);
    int v;
    if (level == AXN_SOL_UDP && name == AXN_UDP_CORK)
        v = us->cork_opt;
    else if (level == AXN_SOL_IP && name == AXN_IP_MTU) {
        const int err = path_mtu(us, &v);
        if (err)
            return err;
    } else {
        return -AXN_ENOPROTOOPT;
    }
    return put_int(val, len, v);
}
