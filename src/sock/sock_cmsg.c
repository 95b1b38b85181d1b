/*
 * Control messages on send (cmsg(3), ip(7)): the walk and checks of Linux
 * ip_cmsg_send (with __sock_cmsg_send for SOL_SOCKET and udp_cmsg_send
 * for SOL_UDP), into the struct axn_sock_tx_ctl the transports apply
 * (sock.h). Headers are read with memcpy: a caller's buffer need not be
 * aligned.
 *
 * Differences from Linux, by design: SOL_IP IP_RETOPTS is -EINVAL (axnet
 * sends no IP options); SOL_SOCKET SO_TIMESTAMPING is -EINVAL (no
 * transmit timestamps); SO_MARK is checked and ignored (no marks; a
 * kernel checks CAP_NET_RAW/ADMIN itself); SOL_UDP UDP_SEGMENT is -EINVAL
 * (no GSO). The source is checked here, before the transport's own
 * checks, where Linux finds it at route lookup. Every sendmsg with
 * control bytes is parsed, even one appending to a corked UDP datagram
 * (udp_sendmsg skips ip_cmsg_send then); a corked datagram leaves with
 * the control messages of the call that sends it. A raw IP_HDRINCL
 * socket's own header wins: its cmsgs are checked (the source is not,
 * as FLOWI_FLAG_ANYSRC) but not applied.
 */
#include "axnet/errno.h"
#include "core/stack_impl.h"
#include "lib/byteorder.h"
#include "lib/mem.h"
#include "sock/sock.h"

/* SOL_SOCKET types __sock_cmsg_send knows (asm-generic/socket.h,
 * linux/socket.h). */
#define SCM_RIGHTS      1
#define SCM_CREDENTIALS 2
#define SCM_MARK        36 /* SO_MARK */

/* ____sys_sendmsg: msg_controllen over INT_MAX is -ENOBUFS. */
#define CONTROLLEN_MAX ((size_t)INT32_MAX)

/* ip_cmsg_send's value ranges. */
#define CMSG_TTL_MIN 1
#define CMSG_TTL_MAX 255
#define CMSG_TOS_MAX 255

/* One control message, header copied out, data in place. */
struct cmsg_view {
    struct axn_cmsghdr h;
    const uint8_t *data;
};

static int get_int(const struct cmsg_view *c, int *v)
{
    if (c->h.cmsg_len != AXN_CMSG_LEN(sizeof(int)))
        return -AXN_EINVAL;
    memcpy(v, c->data, sizeof(*v));
    return 0;
}

/* ip_cmsg_send IP_PKTINFO: exactly one struct in_pktinfo; a nonzero
 * ipi_ifindex sets the outgoing interface, ipi_spec_dst the source
 * (ip_route_output: a non-local one is -EINVAL). */
static int take_pktinfo(struct axn_socket *s, const struct cmsg_view *c,
                        struct axn_sock_tx_ctl *ctl)
{
    struct axn_in_pktinfo pi;
    if (c->h.cmsg_len != AXN_CMSG_LEN(sizeof(pi)))
        return -AXN_EINVAL;
    memcpy(&pi, c->data, sizeof(pi));
    if (pi.ipi_ifindex < 0)
        return -AXN_ENODEV; /* dev_get_by_index finds none */
    const axn_ip4_t src = axn_get_be32((const uint8_t *)&pi.ipi_spec_dst.s_addr);
    uint32_t ifindex;
    if (src != 0 && !s->opt.ip.hdrincl && axn_ctl_local_binding(&s->st->ctl, src, &ifindex) != 0)
        return -AXN_EINVAL;
    ctl->has_pktinfo = true;
    ctl->src = src;
    ctl->ifindex = (uint32_t)pi.ipi_ifindex;
    return 0;
}

static int take_ttl(const struct cmsg_view *c, struct axn_sock_tx_ctl *ctl)
{
    int v;
    if (get_int(c, &v) != 0 || v < CMSG_TTL_MIN || v > CMSG_TTL_MAX)
        return -AXN_EINVAL;
    ctl->has_ttl = true;
    ctl->ttl = (uint8_t)v;
    return 0;
}

/* ip_cmsg_send IP_TOS: an int, or one byte. */
static int take_tos(const struct cmsg_view *c, struct axn_sock_tx_ctl *ctl)
{
    int v;
    if (c->h.cmsg_len == AXN_CMSG_LEN(sizeof(uint8_t)))
        v = c->data[0];
    else if (get_int(c, &v) != 0)
        return -AXN_EINVAL;
    if (v < 0 || v > CMSG_TOS_MAX)
        return -AXN_EINVAL;
    ctl->has_tos = true;
    ctl->tos = (uint8_t)v;
    return 0;
}

static int take_ip(struct axn_socket *s, const struct cmsg_view *c, struct axn_sock_tx_ctl *ctl)
{
    switch (c->h.cmsg_type) {
    case AXN_IP_PKTINFO:
        return take_pktinfo(s, c, ctl);
    case AXN_IP_TTL:
        return take_ttl(c, ctl);
    case AXN_IP_TOS:
        return take_tos(c, ctl);
    default:
        return -AXN_EINVAL;
    }
}

/* __sock_cmsg_send: SCM_RIGHTS / SCM_CREDENTIALS belong to AF_UNIX and
 * are skipped; SO_MARK needs a u32; SCM_TXTIME needs SO_TXTIME, which
 * axnet never sets; anything else is -EINVAL. */
static int take_socket(const struct cmsg_view *c)
{
    switch (c->h.cmsg_type) {
    case SCM_RIGHTS:
    case SCM_CREDENTIALS:
        return 0;
    case SCM_MARK:
        return c->h.cmsg_len == AXN_CMSG_LEN(sizeof(uint32_t)) ? 0 : -AXN_EINVAL;
    default:
        return -AXN_EINVAL;
    }
}

static int take_one(struct axn_socket *s, const struct cmsg_view *c, struct axn_sock_tx_ctl *ctl)
{
    if (c->h.cmsg_level == AXN_SOL_SOCKET)
        return take_socket(c);
    if (c->h.cmsg_level == AXN_SOL_IP && s->domain == AXN_AF_INET)
        return take_ip(s, c, ctl);
    /* udp_cmsg_send: UDP_SEGMENT / UDP_GRO only (no GSO here). */
    if (c->h.cmsg_level == AXN_SOL_UDP && s->protocol == AXN_IPPROTO_UDP)
        return -AXN_EINVAL;
    return 0; /* another level: not this socket's (ip_cmsg_send skips it) */
}

/* for_each_cmsghdr with CMSG_OK: each header must fit before the end,
 * each cmsg_len be at least a header and end by msg_controllen. */
int axn_sock_cmsg_send(struct axn_socket *s, const struct axn_msghdr *msg,
                       struct axn_sock_tx_ctl *ctl)
{
    memset(ctl, 0, sizeof(*ctl));
    const size_t len = msg->msg_controllen;
    if (len > CONTROLLEN_MAX)
        return -AXN_ENOBUFS;
    if (len > 0 && !msg->msg_control)
        return -AXN_EFAULT; /* copy_from_user of the control buffer */
    const uint8_t *base = msg->msg_control;
    for (size_t off = 0; len - off >= sizeof(struct axn_cmsghdr);) {
        struct cmsg_view c;
        memcpy(&c.h, base + off, sizeof(c.h));
        if (c.h.cmsg_len < sizeof(struct axn_cmsghdr) || c.h.cmsg_len > len - off)
            return -AXN_EINVAL;
        c.data = base + off + AXN_CMSG_LEN(0);
        const int err = take_one(s, &c, ctl);
        if (err)
            return err;
        const size_t step = AXN_CMSG_ALIGN(c.h.cmsg_len);
        if (step > len - off)
            break;
        off += step;
    }
    return 0;
}
