/*
 * The socket layer framework (src/sock/, include/axnet/socket.h; spec §6
 * SOCK-*, §12 options) over an in-test transport: socket(2)'s errno
 * matrix, sockaddr conversion and truncation, msghdr checks, control
 * messages, every generic option with Linux's get/set semantics, the
 * blocking loop (O_NONBLOCK vs MSG_DONTWAIT, SO_RCVTIMEO -> EAGAIN on the
 * virtual clock: the SOCK-13 fix), wakers (once per notify, never under a
 * lock, removal, no lost wake-up under a racing thread), interface events
 * on bound sockets and the local EHOSTUNREACH path.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "axnet/errno.h"
#include "axnet/port_posix.h"
#include "core/stack_impl.h"
#include "ip/ip4.h"
#include "sock/sock.h"
#include "test_platform.h"
#include "vtime_platform.h"

#define FAKE_PROTO   253 /* RFC 3692 experimental: no real transport has it */
#define FAKE_LEVEL   FAKE_PROTO
#define FAKE_OPT     1
#define FAKE_RX_MAX  64
#define LO           1u
#define NOW          AXN_SEC(10)
#define RACE_ROUNDS  2000
#define RACE_GUARD_S 10
#define TIMEO_USEC   1500000
#define MEMBER_BASE  AXN_IP4(224, 1, 1, 0)
#define SRC_PORT     7u

/* ---- A platform that knows whether a mutex is held -------------------------- */

static struct axn_platform g_plat;
static void (*g_inner_lock)(void *);
static void (*g_inner_unlock)(void *);
static _Thread_local int g_depth; /* mutexes this thread holds */

static void track_lock(void *m)
{
    g_inner_lock(m);
    g_depth++;
}

static void track_unlock(void *m)
{
    g_depth--;
    g_inner_unlock(m);
}

static void track_mutexes(struct axn_platform *p)
{
    g_inner_lock = p->mutex_lock;
    g_inner_unlock = p->mutex_unlock;
    p->mutex_lock = track_lock;
    p->mutex_unlock = track_unlock;
}

/* ---- The in-test transport: a datagram socket that loops to itself ------------ */

struct fake_sock {
    struct axn_socket base;
    bool readable;
    uint8_t rx[FAKE_RX_MAX];
    size_t rx_len;
    struct axn_endpoint bound, peer, last_dst;
    bool has_dst, connected;
    int fake_opt;
    bool eagain_final; /* recv fails for good, as an exhausted autobind would */
};

static int g_closes;

static struct fake_sock *fk(struct axn_socket *s)
{
    return (struct fake_sock *)s;
}

static int fake_bind(struct axn_socket *s, const struct axn_endpoint *ep)
{
    fk(s)->bound = *ep;
    return 0;
}

static int fake_connect(struct axn_socket *s, const struct axn_endpoint *ep)
{
    fk(s)->peer = *ep;
    fk(s)->connected = ep->family != AXN_AF_UNSPEC;
    return 0;
}

static long fake_send(struct axn_socket *s, const struct axn_msghdr *msg,
                      const struct axn_endpoint *dst, int flags)
{
    (void)flags;
    struct fake_sock *f = fk(s);
    f->has_dst = dst != NULL;
    if (dst)
        f->last_dst = *dst;
    f->rx_len = axn_sock_copy_from_iov(msg, f->rx, sizeof(f->rx));
    f->readable = true;
    axn_sock_notify(s, AXN_POLLIN | AXN_POLLRDNORM);
    return (long)f->rx_len;
}

static long fake_recv(struct axn_socket *s, struct axn_msghdr *msg, struct axn_endpoint *src,
                      int flags)
{
    (void)flags;
    struct fake_sock *f = fk(s);
    if (f->eagain_final)
        return AXN_SOCK_EAGAIN_NOW;
    if (!f->readable)
        return -AXN_EAGAIN;
    f->readable = false;
    src->family = AXN_AF_INET;
    src->v4 = AXN_IP4(127, 0, 0, 1);
    src->port = SRC_PORT;
    if (s->opt.ip.recvttl) {
        const int ttl = AXN_IP4_DEFAULT_TTL;
        axn_sock_put_cmsg(msg, NULL, AXN_SOL_IP, AXN_IP_TTL, &ttl, sizeof(ttl));
    }
    return (long)axn_sock_copy_to_iov(msg, f->rx, f->rx_len);
}

static int fake_getname(struct axn_socket *s, struct axn_endpoint *ep, bool peer)
{
    if (peer && !fk(s)->connected)
        return -AXN_ENOTCONN;
    *ep = peer ? fk(s)->peer : fk(s)->bound;
    return 0;
}

static int fake_setsockopt(struct axn_socket *s, int level, int name, const void *val,
                           axn_socklen_t len)
{
    if (level != FAKE_LEVEL || name != FAKE_OPT)
        return -AXN_ENOPROTOOPT;
    return axn_sock_opt_int(val, len, &fk(s)->fake_opt);
}

static int fake_ioctl(struct axn_socket *s, unsigned long req, int *arg)
{
    if (req != AXN_FIONREAD)
        return -AXN_ENOTTY;
    *arg = fk(s)->readable ? (int)fk(s)->rx_len : 0;
    return 0;
}

static unsigned fake_poll(struct axn_socket *s)
{
    return AXN_POLLOUT | AXN_POLLWRNORM | (fk(s)->readable ? AXN_POLLIN | AXN_POLLRDNORM : 0);
}

static void fake_close(struct axn_socket *s)
{
    (void)s;
    g_closes++;
}

static const struct axn_sock_ops fake_ops = {
    .bind = fake_bind,
    .connect = fake_connect,
    .send = fake_send,
    .recv = fake_recv,
    .getname = fake_getname,
    .setsockopt = fake_setsockopt,
    .ioctl = fake_ioctl,
    .poll = fake_poll,
    .close = fake_close,
};

static int fake_create(struct axn_stack *st, void *state, int protocol, struct axn_socket **out)
{
    (void)state;
    return axn_sock_alloc(st, sizeof(struct fake_sock), AXN_AF_INET, AXN_SOCK_DGRAM, protocol,
                          &fake_ops, out);
}

/* A stream transport with no ops but close: the sock_no_* defaults. */
static const struct axn_sock_ops bare_ops = {.close = fake_close};

static int bare_create(struct axn_stack *st, void *state, int protocol, struct axn_socket **out)
{
    (void)state;
    return axn_sock_alloc(st, sizeof(struct axn_socket), AXN_AF_INET, AXN_SOCK_STREAM, protocol,
                          &bare_ops, out);
}

static const struct axn_sock_proto fake_proto = {
    .name = "fake",
    .domain = AXN_AF_INET,
    .type = AXN_SOCK_DGRAM,
    .protocol = FAKE_PROTO,
    .create = fake_create,
};

static const struct axn_sock_proto bare_proto = {
    .name = "bare",
    .domain = AXN_AF_INET,
    .type = AXN_SOCK_STREAM,
    .protocol = AXN_IPPROTO_TCP,
    .default_for_type = true,
    .create = bare_create,
};

/* ---- Fixture ------------------------------------------------------------------ */

static struct axn_stack *g_st;
static struct axn_socket *g_s;

static int setup_on(struct axn_platform *p)
{
    g_plat = *p;
    track_mutexes(&g_plat);
    g_closes = 0;
    if (axn_stack_create(&g_plat, &g_st) != 0)
        return -1;
    if (axn_sock_layer_add_proto(g_st, &fake_proto) || axn_sock_layer_add_proto(g_st, &bare_proto))
        return -1;
    return axn_socket(g_st, AXN_AF_INET, AXN_SOCK_DGRAM, FAKE_PROTO, &g_s) == 0 ? 0 : -1;
}

static int setup(void **state)
{
    (void)state;
    struct axn_platform p = *axn_test_platform();
    return setup_on(&p);
}

static int teardown(void **state)
{
    (void)state;
    axn_stack_destroy(g_st);
    g_st = NULL;
    return axn_test_live_allocs() == 0 ? 0 : -1;
}

static int teardown_threads(void **state)
{
    (void)state;
    axn_stack_destroy(g_st);
    g_st = NULL;
    return 0;
}

/* ---- Helpers -------------------------------------------------------------------- */

static struct axn_sockaddr_in sin4(uint16_t family, axn_ip4_t a, uint16_t port)
{
    struct axn_sockaddr_in s;
    memset(&s, 0, sizeof(s));
    s.sin_family = family;
    uint8_t *p = (uint8_t *)&s.sin_port;
    p[0] = (uint8_t)(port >> 8);
    p[1] = (uint8_t)port;
    uint8_t *q = (uint8_t *)&s.sin_addr.s_addr;
    q[0] = (uint8_t)(a >> 24);
    q[1] = (uint8_t)(a >> 16);
    q[2] = (uint8_t)(a >> 8);
    q[3] = (uint8_t)a;
    return s;
}

static const struct axn_sockaddr *sa(const struct axn_sockaddr_in *s)
{
    return (const struct axn_sockaddr *)s;
}

static int set_int(int level, int name, int v)
{
    return axn_setsockopt(g_s, level, name, &v, sizeof(v));
}

static int get_int(int level, int name)
{
    int v = -12345;
    axn_socklen_t len = sizeof(v);
    assert_int_equal(axn_getsockopt(g_s, level, name, &v, &len), 0);
    assert_int_equal(len, sizeof(v));
    return v;
}

/* ---- socket(2) ------------------------------------------------------------------- */

static void socket_errno_matrix_as_linux(void **state)
{
    (void)state;
    struct axn_socket *s = NULL;
    assert_int_equal(axn_socket(g_st, 99, AXN_SOCK_DGRAM, 0, &s), -AXN_EAFNOSUPPORT);
    assert_int_equal(axn_socket(g_st, -1, AXN_SOCK_DGRAM, 0, &s), -AXN_EAFNOSUPPORT);
    assert_int_equal(axn_socket(g_st, AXN_AF_UNIX, AXN_SOCK_DGRAM, 0, &s), -AXN_EAFNOSUPPORT);
    assert_int_equal(axn_socket(g_st, AXN_AF_INET, AXN_SOCK_SEQPACKET, 0, &s),
                     -AXN_ESOCKTNOSUPPORT);
    assert_int_equal(axn_socket(g_st, AXN_AF_INET, AXN_SOCK_DGRAM, 254, &s), -AXN_EPROTONOSUPPORT);
    assert_int_equal(axn_socket(g_st, AXN_AF_INET, AXN_SOCK_STREAM, AXN_IPPROTO_UDP, &s),
                     -AXN_EPROTONOSUPPORT);
    assert_int_equal(axn_socket(g_st, AXN_AF_INET, AXN_SOCK_DGRAM, AXN_IPPROTO_MAX, &s),
                     -AXN_EINVAL);
    assert_int_equal(axn_socket(g_st, AXN_AF_INET, AXN_SOCK_DGRAM, -2, &s), -AXN_EINVAL);
    assert_int_equal(axn_socket(g_st, AXN_AF_INET, AXN_SOCK_TYPE_MAX, 0, &s), -AXN_EINVAL);
    assert_int_equal(axn_socket(g_st, AXN_AF_INET, AXN_SOCK_DGRAM | 0x1000, FAKE_PROTO, &s),
                     -AXN_EINVAL);
    assert_null(s);
}

static void socket_identity_flags_and_default_protocol(void **state)
{
    (void)state;
    struct axn_socket *s;
    const int type = AXN_SOCK_DGRAM | AXN_SOCK_NONBLOCK | AXN_SOCK_CLOEXEC;
    assert_int_equal(axn_socket(g_st, AXN_AF_INET, type, FAKE_PROTO, &s), 0);
    assert_true(axn_socket_nonblock(s));
    assert_false(axn_socket_nonblock(g_s));
    assert_int_equal(axn_close(s), 0);
    assert_int_equal(get_int(AXN_SOL_SOCKET, AXN_SO_TYPE), AXN_SOCK_DGRAM);
    assert_int_equal(get_int(AXN_SOL_SOCKET, AXN_SO_PROTOCOL), FAKE_PROTO);
    assert_int_equal(get_int(AXN_SOL_SOCKET, AXN_SO_DOMAIN), AXN_AF_INET);
    assert_int_equal(set_int(AXN_SOL_SOCKET, AXN_SO_TYPE, 1), -AXN_ENOPROTOOPT);
    assert_int_equal(set_int(AXN_SOL_SOCKET, AXN_SO_PROTOCOL, 1), -AXN_ENOPROTOOPT);
    assert_int_equal(set_int(AXN_SOL_SOCKET, AXN_SO_DOMAIN, 1), -AXN_ENOPROTOOPT);
    /* Protocol 0 takes the type's default, which SO_PROTOCOL reports. */
    assert_int_equal(axn_socket(g_st, AXN_AF_INET, AXN_SOCK_STREAM, 0, &s), 0);
    int v = 0;
    axn_socklen_t len = sizeof(v);
    assert_int_equal(axn_getsockopt(s, AXN_SOL_SOCKET, AXN_SO_PROTOCOL, &v, &len), 0);
    assert_int_equal(v, AXN_IPPROTO_TCP);
    assert_int_equal(axn_close(s), 0);
    assert_int_equal(g_closes, 2);
}

static void missing_ops_answer_linux_defaults(void **state)
{
    (void)state;
    struct axn_socket *s, *child = NULL;
    assert_int_equal(axn_socket(g_st, AXN_AF_INET, AXN_SOCK_STREAM, 0, &s), 0);
    const struct axn_sockaddr_in a = sin4(AXN_AF_INET, 0, 0);
    uint8_t buf[4] = {0};
    axn_socklen_t len = sizeof(a);
    struct axn_sockaddr_in out;
    assert_int_equal(axn_bind(s, sa(&a), sizeof(a)), -AXN_EOPNOTSUPP);
    assert_int_equal(axn_connect(s, sa(&a), sizeof(a)), -AXN_EOPNOTSUPP);
    assert_int_equal(axn_listen(s, 1), -AXN_EOPNOTSUPP);
    assert_int_equal(axn_accept(s, NULL, NULL, 0, &child), -AXN_EOPNOTSUPP);
    assert_int_equal(axn_send(s, buf, sizeof(buf), 0), -AXN_EOPNOTSUPP);
    assert_int_equal(axn_recv(s, buf, sizeof(buf), 0), -AXN_EOPNOTSUPP);
    assert_int_equal(axn_shutdown(s, AXN_SHUT_RD), -AXN_EOPNOTSUPP);
    assert_int_equal(axn_shutdown(s, 3), -AXN_EINVAL);
    assert_int_equal(axn_getsockname(s, (struct axn_sockaddr *)&out, &len), -AXN_EOPNOTSUPP);
    int n;
    assert_int_equal(axn_ioctl(s, AXN_FIONREAD, &n), -AXN_ENOTTY);
    assert_int_equal(axn_ioctl(g_s, 0x1234, &n), -AXN_ENOTTY);
    assert_int_equal(axn_accept(g_s, NULL, NULL, 0, &child), -AXN_EOPNOTSUPP);
    assert_int_equal(axn_listen(g_s, 1), -AXN_EOPNOTSUPP);
    assert_int_equal(axn_close(s), 0);
}

/* ---- Addresses ------------------------------------------------------------------- */

static void sockaddr_converted_from_network_order(void **state)
{
    (void)state;
    const struct axn_sockaddr_in a = sin4(AXN_AF_INET, AXN_IP4(192, 0, 2, 1), 0x1234);
    assert_int_equal(axn_bind(g_s, sa(&a), sizeof(a)), 0);
    assert_int_equal(fk(g_s)->bound.family, AXN_AF_INET);
    assert_int_equal(fk(g_s)->bound.v4, AXN_IP4(192, 0, 2, 1));
    assert_int_equal(fk(g_s)->bound.port, 0x1234);
    struct axn_sockaddr_in out;
    axn_socklen_t len = sizeof(out);
    assert_int_equal(axn_getsockname(g_s, (struct axn_sockaddr *)&out, &len), 0);
    assert_int_equal(len, sizeof(out));
    assert_memory_equal(&out, &a, sizeof(a));
}

static void sockaddr_errno_as_linux(void **state)
{
    (void)state;
    const struct axn_sockaddr_in a = sin4(AXN_AF_INET, AXN_IP4(192, 0, 2, 1), 1);
    assert_int_equal(axn_bind(g_s, sa(&a), sizeof(a) - 1), -AXN_EINVAL);
    assert_int_equal(axn_bind(g_s, NULL, sizeof(a)), -AXN_EINVAL);
    const struct axn_sockaddr_in six = sin4(AXN_AF_INET6, 0, 1);
    assert_int_equal(axn_bind(g_s, sa(&six), sizeof(six)), -AXN_EAFNOSUPPORT);
    assert_int_equal(axn_connect(g_s, sa(&six), sizeof(six)), -AXN_EAFNOSUPPORT);
    /* inet_bind: AF_UNSPEC passes only with INADDR_ANY. */
    const struct axn_sockaddr_in any = sin4(AXN_AF_UNSPEC, AXN_INADDR_ANY, 9);
    assert_int_equal(axn_bind(g_s, sa(&any), sizeof(any)), 0);
    assert_int_equal(fk(g_s)->bound.family, AXN_AF_INET);
    assert_int_equal(fk(g_s)->bound.port, 9);
    const struct axn_sockaddr_in unspec = sin4(AXN_AF_UNSPEC, AXN_IP4(192, 0, 2, 1), 9);
    assert_int_equal(axn_bind(g_s, sa(&unspec), sizeof(unspec)), -AXN_EAFNOSUPPORT);
    /* connect(AF_UNSPEC) dissolves; only the family is needed. */
    assert_int_equal(axn_connect(g_s, sa(&a), sizeof(a)), 0);
    assert_true(fk(g_s)->connected);
    assert_int_equal(axn_connect(g_s, sa(&unspec), sizeof(uint16_t)), 0);
    assert_false(fk(g_s)->connected);
    assert_int_equal(axn_connect(g_s, sa(&unspec), 1), -AXN_EINVAL);
    assert_int_equal(axn_connect(g_s, sa(&a), sizeof(a) - 1), -AXN_EINVAL);
}

static void sendto_and_sendmsg_names(void **state)
{
    (void)state;
    uint8_t buf[3] = {1, 2, 3};
    const struct axn_sockaddr_in unspec = sin4(AXN_AF_UNSPEC, AXN_IP4(192, 0, 2, 9), 53);
    /* udp_sendmsg: AF_UNSPEC is taken as AF_INET. */
    assert_int_equal(axn_sendto(g_s, buf, sizeof(buf), 0, sa(&unspec), sizeof(unspec)), 3);
    assert_true(fk(g_s)->has_dst);
    assert_int_equal(fk(g_s)->last_dst.family, AXN_AF_INET);
    assert_int_equal(fk(g_s)->last_dst.v4, AXN_IP4(192, 0, 2, 9));
    assert_int_equal(fk(g_s)->last_dst.port, 53);
    /* A given address with length 0 is too short (sendto) ... */
    assert_int_equal(axn_sendto(g_s, buf, sizeof(buf), 0, sa(&unspec), 0), -AXN_EINVAL);
    /* ... but a msghdr name of length 0 is no name. */
    struct axn_iovec iov = {buf, sizeof(buf)};
    struct axn_msghdr m = {
        .msg_name = (void *)&unspec, .msg_namelen = 0, .msg_iov = &iov, .msg_iovlen = 1};
    assert_int_equal(axn_sendmsg(g_s, &m, 0), 3);
    assert_false(fk(g_s)->has_dst);
    assert_int_equal(axn_send(g_s, buf, sizeof(buf), 0), 3);
    assert_false(fk(g_s)->has_dst);
}

static void name_out_params_truncate_and_report_full_length(void **state)
{
    (void)state;
    const struct axn_sockaddr_in a = sin4(AXN_AF_INET, AXN_IP4(10, 1, 2, 3), 80);
    assert_int_equal(axn_bind(g_s, sa(&a), sizeof(a)), 0);
    uint8_t out[sizeof(a)];
    memset(out, 0xee, sizeof(out));
    axn_socklen_t len = 4;
    assert_int_equal(axn_getsockname(g_s, (struct axn_sockaddr *)out, &len), 0);
    assert_int_equal(len, sizeof(a));
    assert_memory_equal(out, &a, 4);
    assert_int_equal(out[4], 0xee);
    len = sizeof(out);
    assert_int_equal(axn_getpeername(g_s, (struct axn_sockaddr *)out, &len), -AXN_ENOTCONN);
    /* recvfrom: the sender, truncated the same way. */
    uint8_t buf[8];
    assert_int_equal(axn_send(g_s, "hi", 2, 0), 2);
    len = 6;
    memset(out, 0xee, sizeof(out));
    assert_int_equal(axn_recvfrom(g_s, buf, sizeof(buf), 0, (struct axn_sockaddr *)out, &len), 2);
    assert_int_equal(len, sizeof(struct axn_sockaddr_in));
    const struct axn_sockaddr_in from = sin4(AXN_AF_INET, AXN_IP4(127, 0, 0, 1), SRC_PORT);
    assert_memory_equal(out, &from, 6);
    assert_int_equal(out[6], 0xee);
}

/* ---- Messages -------------------------------------------------------------------- */

static void msghdr_checks(void **state)
{
    (void)state;
    uint8_t buf[4];
    struct axn_iovec iov = {buf, sizeof(buf)};
    struct axn_msghdr m = {.msg_iov = &iov, .msg_iovlen = AXN_SOCK_MAX_IOV + 1};
    assert_int_equal(axn_sendmsg(g_s, &m, 0), -AXN_EMSGSIZE);
    assert_int_equal(axn_recvmsg(g_s, &m, 0), -AXN_EMSGSIZE);
    m.msg_iov = NULL;
    m.msg_iovlen = 1;
    assert_int_equal(axn_sendmsg(g_s, &m, 0), -AXN_EINVAL);
    struct axn_iovec bad = {NULL, 5};
    m.msg_iov = &bad;
    assert_int_equal(axn_sendmsg(g_s, &m, 0), -AXN_EINVAL);
    assert_int_equal(axn_sendmsg(g_s, NULL, 0), -AXN_EINVAL);
    /* Gathered from several iovecs. */
    struct axn_iovec two[2] = {{"ab", 2}, {"cde", 3}};
    struct axn_msghdr g = {.msg_iov = two, .msg_iovlen = 2};
    assert_int_equal(axn_sendmsg(g_s, &g, 0), 5);
    assert_memory_equal(fk(g_s)->rx, "abcde", 5);
}

static void recvmsg_control_messages(void **state)
{
    (void)state;
    assert_int_equal(set_int(AXN_SOL_IP, AXN_IP_RECVTTL, 1), 0);
    _Alignas(8) uint8_t ctl[64];
    uint8_t buf[8];
    struct axn_sockaddr_in from;
    struct axn_iovec iov = {buf, sizeof(buf)};
    struct axn_msghdr m = {.msg_name = &from,
                           .msg_namelen = sizeof(from),
                           .msg_iov = &iov,
                           .msg_iovlen = 1,
                           .msg_control = ctl,
                           .msg_controllen = sizeof(ctl)};
    assert_int_equal(axn_send(g_s, "xyz", 3, 0), 3);
    assert_int_equal(axn_recvmsg(g_s, &m, 0), 3);
    assert_ptr_equal(m.msg_control, ctl);
    assert_int_equal(m.msg_controllen, AXN_CMSG_SPACE(sizeof(int)));
    assert_int_equal(m.msg_flags, 0);
    assert_int_equal(m.msg_namelen, sizeof(from));
    struct axn_cmsghdr h;
    memcpy(&h, ctl, sizeof(h));
    assert_int_equal(h.cmsg_len, AXN_CMSG_LEN(sizeof(int)));
    assert_int_equal(h.cmsg_level, AXN_SOL_IP);
    assert_int_equal(h.cmsg_type, AXN_IP_TTL);
    int ttl;
    memcpy(&ttl, AXN_CMSG_DATA(ctl), sizeof(ttl));
    assert_int_equal(ttl, AXN_IP4_DEFAULT_TTL);
    /* Room for the header only: cut, MSG_CTRUNC. */
    m.msg_controllen = sizeof(struct axn_cmsghdr);
    assert_int_equal(axn_send(g_s, "xyz", 3, 0), 3);
    assert_int_equal(axn_recvmsg(g_s, &m, 0), 3);
    assert_int_equal(m.msg_flags, AXN_MSG_CTRUNC);
    assert_int_equal(m.msg_controllen, sizeof(struct axn_cmsghdr));
    /* A failed recvmsg writes nothing back. */
    m.msg_controllen = sizeof(ctl);
    m.msg_flags = 0x77;
    assert_int_equal(axn_recvmsg(g_s, &m, AXN_MSG_DONTWAIT), -AXN_EAGAIN);
    assert_int_equal(m.msg_controllen, sizeof(ctl));
    assert_int_equal(m.msg_flags, 0x77);
    assert_ptr_equal(m.msg_control, ctl);
    /* No room at all. */
    m.msg_controllen = 0;
    assert_int_equal(axn_send(g_s, "xyz", 3, 0), 3);
    assert_int_equal(axn_recvmsg(g_s, &m, 0), 3);
    assert_int_equal(m.msg_flags, AXN_MSG_CTRUNC);
    assert_int_equal(m.msg_controllen, 0);
}

/* ---- SOL_SOCKET options -------------------------------------------------------------- */

static void so_buf_sizes_double_and_clamp(void **state)
{
    (void)state;
    assert_int_equal(get_int(AXN_SOL_SOCKET, AXN_SO_RCVBUF), AXN_SOCK_RCVBUF_DEFAULT);
    assert_int_equal(get_int(AXN_SOL_SOCKET, AXN_SO_SNDBUF), AXN_SOCK_SNDBUF_DEFAULT);
    const struct {
        int name, set, got;
    } cases[] = {
        {AXN_SO_RCVBUF, 5000, 10000},
        {AXN_SO_RCVBUF, 1000, 2304},
        {AXN_SO_RCVBUF, 0, 2304},
        {AXN_SO_RCVBUF, 1 << 20, 2 * AXN_SOCK_RMEM_MAX},
        {AXN_SO_RCVBUF, -1, 2 * AXN_SOCK_RMEM_MAX},
        {AXN_SO_SNDBUF, 100, 4608},
        {AXN_SO_SNDBUF, 10000, 20000},
        {AXN_SO_SNDBUF, 1 << 20, 2 * AXN_SOCK_WMEM_MAX},
        {AXN_SO_RCVBUFFORCE, 1 << 20, 2 << 20},
        {AXN_SO_RCVBUFFORCE, -5, 2304},
        {AXN_SO_SNDBUFFORCE, 1 << 20, 2 << 20},
        {AXN_SO_SNDBUFFORCE, -5, 4608},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(set_int(AXN_SOL_SOCKET, cases[i].name, cases[i].set), 0);
        const int read = cases[i].name == AXN_SO_RCVBUFFORCE   ? AXN_SO_RCVBUF
                         : cases[i].name == AXN_SO_SNDBUFFORCE ? AXN_SO_SNDBUF
                                                               : cases[i].name;
        assert_int_equal(get_int(AXN_SOL_SOCKET, read), cases[i].got);
    }
    const short two = 1;
    assert_int_equal(axn_setsockopt(g_s, AXN_SOL_SOCKET, AXN_SO_RCVBUF, &two, sizeof(two)),
                     -AXN_EINVAL);
    /* A short room gets a truncated int and its length. */
    uint8_t out[4] = {0xee, 0xee, 0xee, 0xee};
    axn_socklen_t len = 2;
    assert_int_equal(axn_getsockopt(g_s, AXN_SOL_SOCKET, AXN_SO_SNDBUF, out, &len), 0);
    assert_int_equal(len, 2);
    assert_int_equal(out[2], 0xee);
}

static void so_timeouts_validate_and_round_trip(void **state)
{
    (void)state;
    struct axn_timeval tv = {1, 1000000};
    assert_int_equal(axn_setsockopt(g_s, AXN_SOL_SOCKET, AXN_SO_RCVTIMEO, &tv, sizeof(tv)),
                     -AXN_EDOM);
    tv.tv_usec = -1;
    assert_int_equal(axn_setsockopt(g_s, AXN_SOL_SOCKET, AXN_SO_SNDTIMEO, &tv, sizeof(tv)),
                     -AXN_EDOM);
    tv.tv_usec = 500;
    assert_int_equal(axn_setsockopt(g_s, AXN_SOL_SOCKET, AXN_SO_RCVTIMEO, &tv, 8), -AXN_EINVAL);
    assert_int_equal(axn_setsockopt(g_s, AXN_SOL_SOCKET, AXN_SO_RCVTIMEO, &tv, sizeof(tv)), 0);
    assert_int_equal(g_s->opt.rcvtimeo, AXN_SEC(1) + 500);
    struct axn_timeval got = {0, 0};
    axn_socklen_t len = sizeof(got);
    assert_int_equal(axn_getsockopt(g_s, AXN_SOL_SOCKET, AXN_SO_RCVTIMEO, &got, &len), 0);
    assert_int_equal(len, sizeof(got));
    assert_int_equal(got.tv_sec, 1);
    assert_int_equal(got.tv_usec, 500);
    /* Negative seconds: Linux stores "no wait", read back as {0, 0}. */
    tv.tv_sec = -1;
    assert_int_equal(axn_setsockopt(g_s, AXN_SOL_SOCKET, AXN_SO_SNDTIMEO, &tv, sizeof(tv)), 0);
    assert_int_equal(g_s->opt.sndtimeo, AXN_SOCK_TIMEO_NOWAIT);
    assert_int_equal(axn_getsockopt(g_s, AXN_SOL_SOCKET, AXN_SO_SNDTIMEO, &got, &len), 0);
    assert_int_equal(got.tv_sec, 0);
    assert_int_equal(got.tv_usec, 0);
}

static void so_priority_linger_lowat_bools_error(void **state)
{
    (void)state;
    assert_int_equal(set_int(AXN_SOL_SOCKET, AXN_SO_PRIORITY, 6), 0);
    assert_int_equal(set_int(AXN_SOL_SOCKET, AXN_SO_PRIORITY, 7), -AXN_EPERM);
    assert_int_equal(set_int(AXN_SOL_SOCKET, AXN_SO_PRIORITY, -1), -AXN_EPERM);
    assert_int_equal(get_int(AXN_SOL_SOCKET, AXN_SO_PRIORITY), 6);
    struct axn_linger l = {1, 10}, got;
    assert_int_equal(axn_setsockopt(g_s, AXN_SOL_SOCKET, AXN_SO_LINGER, &l, sizeof(int)),
                     -AXN_EINVAL);
    assert_int_equal(axn_setsockopt(g_s, AXN_SOL_SOCKET, AXN_SO_LINGER, &l, sizeof(l)), 0);
    l.l_onoff = 0;
    l.l_linger = 5;
    assert_int_equal(axn_setsockopt(g_s, AXN_SOL_SOCKET, AXN_SO_LINGER, &l, sizeof(l)), 0);
    axn_socklen_t len = sizeof(got);
    assert_int_equal(axn_getsockopt(g_s, AXN_SOL_SOCKET, AXN_SO_LINGER, &got, &len), 0);
    assert_int_equal(got.l_onoff, 0);
    assert_int_equal(got.l_linger, 10);
    assert_int_equal(get_int(AXN_SOL_SOCKET, AXN_SO_RCVLOWAT), 1);
    assert_int_equal(set_int(AXN_SOL_SOCKET, AXN_SO_RCVLOWAT, 0), 0);
    assert_int_equal(get_int(AXN_SOL_SOCKET, AXN_SO_RCVLOWAT), 1);
    assert_int_equal(set_int(AXN_SOL_SOCKET, AXN_SO_RCVLOWAT, -3), 0);
    assert_int_equal(get_int(AXN_SOL_SOCKET, AXN_SO_RCVLOWAT), INT32_MAX);
    const int bools[] = {AXN_SO_REUSEADDR, AXN_SO_REUSEPORT, AXN_SO_BROADCAST,
                         AXN_SO_KEEPALIVE, AXN_SO_DONTROUTE, AXN_SO_TIMESTAMP};
    for (size_t i = 0; i < sizeof(bools) / sizeof(bools[0]); i++) {
        assert_int_equal(get_int(AXN_SOL_SOCKET, bools[i]), 0);
        assert_int_equal(set_int(AXN_SOL_SOCKET, bools[i], 5), 0);
        assert_int_equal(get_int(AXN_SOL_SOCKET, bools[i]), 1);
    }
    assert_int_equal(get_int(AXN_SOL_SOCKET, AXN_SO_ACCEPTCONN), 0);
    assert_int_equal(set_int(AXN_SOL_SOCKET, 999, 1), -AXN_ENOPROTOOPT);
    const char c = 1;
    assert_int_equal(axn_setsockopt(g_s, AXN_SOL_SOCKET, 999, &c, 1), -AXN_EINVAL);
    /* SO_ERROR: read and clear. */
    g_plat.mutex_lock(g_st->core_lock);
    axn_sock_set_error(g_s, AXN_ECONNREFUSED);
    g_plat.mutex_unlock(g_st->core_lock);
    assert_true(axn_socket_poll(g_s) & AXN_POLLERR);
    assert_int_equal(get_int(AXN_SOL_SOCKET, AXN_SO_ERROR), AXN_ECONNREFUSED);
    assert_int_equal(get_int(AXN_SOL_SOCKET, AXN_SO_ERROR), 0);
    assert_false(axn_socket_poll(g_s) & AXN_POLLERR);
    assert_int_equal(set_int(AXN_SOL_SOCKET, AXN_SO_ERROR, 0), -AXN_ENOPROTOOPT);
}

static void so_bindtodevice_by_name_and_index(void **state)
{
    (void)state;
    assert_int_equal(axn_setsockopt(g_s, AXN_SOL_SOCKET, AXN_SO_BINDTODEVICE, "nope", 5),
                     -AXN_ENODEV);
    assert_int_equal(axn_setsockopt(g_s, AXN_SOL_SOCKET, AXN_SO_BINDTODEVICE, "lo", 3), 0);
    assert_int_equal(get_int(AXN_SOL_SOCKET, AXN_SO_BINDTOIFINDEX), LO);
    char name[AXN_IFNAMSIZ];
    axn_socklen_t len = 8;
    assert_int_equal(axn_getsockopt(g_s, AXN_SOL_SOCKET, AXN_SO_BINDTODEVICE, name, &len),
                     -AXN_EINVAL);
    len = sizeof(name);
    assert_int_equal(axn_getsockopt(g_s, AXN_SOL_SOCKET, AXN_SO_BINDTODEVICE, name, &len), 0);
    assert_int_equal(len, 3);
    assert_string_equal(name, "lo");
    /* "" or optlen 0 unbinds; unbound reads back as length 0. */
    assert_int_equal(axn_setsockopt(g_s, AXN_SOL_SOCKET, AXN_SO_BINDTODEVICE, "", 1), 0);
    assert_int_equal(g_s->opt.bound_ifindex, 0);
    len = sizeof(name);
    assert_int_equal(axn_getsockopt(g_s, AXN_SOL_SOCKET, AXN_SO_BINDTODEVICE, name, &len), 0);
    assert_int_equal(len, 0);
    assert_int_equal(set_int(AXN_SOL_SOCKET, AXN_SO_BINDTOIFINDEX, (int)LO), 0);
    assert_int_equal(axn_setsockopt(g_s, AXN_SOL_SOCKET, AXN_SO_BINDTODEVICE, NULL, 0), 0);
    assert_int_equal(g_s->opt.bound_ifindex, 0);
    assert_int_equal(set_int(AXN_SOL_SOCKET, AXN_SO_BINDTOIFINDEX, 999), -AXN_ENODEV);
    assert_int_equal(set_int(AXN_SOL_SOCKET, AXN_SO_BINDTOIFINDEX, -1), -AXN_EINVAL);
    assert_int_equal(set_int(AXN_SOL_SOCKET, AXN_SO_BINDTOIFINDEX, (int)LO), 0);
    assert_int_equal(set_int(AXN_SOL_SOCKET, AXN_SO_BINDTOIFINDEX, 0), 0);
    assert_int_equal(get_int(AXN_SOL_SOCKET, AXN_SO_BINDTOIFINDEX), 0);
}

/* ---- SOL_IP options ------------------------------------------------------------------ */

static void ip_ttl_tos_and_int_conventions(void **state)
{
    (void)state;
    assert_int_equal(get_int(AXN_SOL_IP, AXN_IP_TTL), AXN_IP4_DEFAULT_TTL);
    assert_int_equal(set_int(AXN_SOL_IP, AXN_IP_TTL, 0), -AXN_EINVAL);
    assert_int_equal(set_int(AXN_SOL_IP, AXN_IP_TTL, 256), -AXN_EINVAL);
    assert_int_equal(set_int(AXN_SOL_IP, AXN_IP_TTL, -2), -AXN_EINVAL);
    assert_int_equal(set_int(AXN_SOL_IP, AXN_IP_TTL, 200), 0);
    assert_int_equal(get_int(AXN_SOL_IP, AXN_IP_TTL), 200);
    assert_int_equal(set_int(AXN_SOL_IP, AXN_IP_TTL, -1), 0);
    assert_int_equal(get_int(AXN_SOL_IP, AXN_IP_TTL), AXN_IP4_DEFAULT_TTL);
    /* ip_setsockopt reads one byte when optlen is short ... */
    const unsigned char seven = 7;
    assert_int_equal(axn_setsockopt(g_s, AXN_SOL_IP, AXN_IP_TTL, &seven, 1), 0);
    assert_int_equal(axn_setsockopt(g_s, AXN_SOL_IP, AXN_IP_TTL, &seven, 0), -AXN_EINVAL);
    /* ... and do_ip_getsockopt answers a short room with one byte. */
    unsigned char out[4] = {0, 0xee, 0xee, 0xee};
    axn_socklen_t len = 2;
    assert_int_equal(axn_getsockopt(g_s, AXN_SOL_IP, AXN_IP_TTL, out, &len), 0);
    assert_int_equal(len, 1);
    assert_int_equal(out[0], 7);
    assert_int_equal(out[1], 0xee);
    /* A datagram socket keeps the ECN bits it is given. */
    assert_int_equal(set_int(AXN_SOL_IP, AXN_IP_TOS, 0x2f), 0);
    assert_int_equal(get_int(AXN_SOL_IP, AXN_IP_TOS), 0x2f);
    assert_int_equal(get_int(AXN_SOL_IP, AXN_IP_MTU_DISCOVER), AXN_IP_PMTUDISC_WANT);
    assert_int_equal(set_int(AXN_SOL_IP, AXN_IP_MTU_DISCOVER, AXN_IP_PMTUDISC_OMIT), 0);
    assert_int_equal(set_int(AXN_SOL_IP, AXN_IP_MTU_DISCOVER, AXN_IP_PMTUDISC_OMIT + 1),
                     -AXN_EINVAL);
    assert_int_equal(get_int(AXN_SOL_IP, AXN_IP_MULTICAST_TTL), 1);
    assert_int_equal(set_int(AXN_SOL_IP, AXN_IP_MULTICAST_TTL, 256), -AXN_EINVAL);
    assert_int_equal(set_int(AXN_SOL_IP, AXN_IP_MULTICAST_TTL, 9), 0);
    assert_int_equal(set_int(AXN_SOL_IP, AXN_IP_MULTICAST_TTL, -1), 0);
    assert_int_equal(get_int(AXN_SOL_IP, AXN_IP_MULTICAST_TTL), 1);
    assert_int_equal(get_int(AXN_SOL_IP, AXN_IP_MULTICAST_LOOP), 1);
    const int flags[] = {AXN_IP_RECVTOS, AXN_IP_RECVTTL, AXN_IP_PKTINFO, AXN_IP_RECVERR,
                         AXN_IP_FREEBIND};
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
        assert_int_equal(set_int(AXN_SOL_IP, flags[i], 3), 0);
        assert_int_equal(get_int(AXN_SOL_IP, flags[i]), 1);
    }
    assert_int_equal(set_int(AXN_SOL_IP, AXN_IP_HDRINCL, 1), -AXN_ENOPROTOOPT);
    int v;
    len = sizeof(v);
    assert_int_equal(axn_getsockopt(g_s, AXN_SOL_IP, AXN_IP_MTU, &v, &len), -AXN_ENOTCONN);
    assert_int_equal(set_int(AXN_SOL_IP, 999, 1), -AXN_ENOPROTOOPT);
    assert_int_equal(axn_getsockopt(g_s, 77, 1, &v, &len), -AXN_EOPNOTSUPP);
    /* The transport answers first; what it leaves falls through. */
    assert_int_equal(set_int(FAKE_LEVEL, FAKE_OPT, 42), 0);
    assert_int_equal(fk(g_s)->fake_opt, 42);
    assert_int_equal(set_int(FAKE_LEVEL, FAKE_OPT + 1, 1), -AXN_ENOPROTOOPT);
}

static void ip_tos_on_stream_keeps_its_ecn(void **state)
{
    (void)state;
    struct axn_socket *s;
    assert_int_equal(axn_socket(g_st, AXN_AF_INET, AXN_SOCK_STREAM, 0, &s), 0);
    int v = 0xff;
    assert_int_equal(axn_setsockopt(s, AXN_SOL_IP, AXN_IP_TOS, &v, sizeof(v)), 0);
    axn_socklen_t len = sizeof(v);
    assert_int_equal(axn_getsockopt(s, AXN_SOL_IP, AXN_IP_TOS, &v, &len), 0);
    assert_int_equal(v, 0xfc);
    assert_int_equal(axn_close(s), 0);
}

static int member(int name, axn_ip4_t group, int ifindex, axn_socklen_t len)
{
    struct axn_ip_mreqn m;
    memset(&m, 0, sizeof(m));
    const struct axn_sockaddr_in g = sin4(AXN_AF_INET, group, 0);
    m.imr_multiaddr = g.sin_addr;
    m.imr_ifindex = ifindex;
    return axn_setsockopt(g_s, AXN_SOL_IP, name, &m, len);
}

static void ip_memberships_as_linux(void **state)
{
    (void)state;
    const axn_socklen_t n = sizeof(struct axn_ip_mreqn);
    assert_int_equal(member(AXN_IP_ADD_MEMBERSHIP, MEMBER_BASE + 1, LO, n), 0);
    assert_int_equal(member(AXN_IP_ADD_MEMBERSHIP, MEMBER_BASE + 1, LO, n), -AXN_EADDRINUSE);
    assert_int_equal(member(AXN_IP_ADD_MEMBERSHIP, AXN_IP4(10, 0, 0, 1), LO, n), -AXN_EINVAL);
    assert_int_equal(member(AXN_IP_ADD_MEMBERSHIP, MEMBER_BASE + 2, 99, n), -AXN_ENODEV);
    assert_int_equal(member(AXN_IP_ADD_MEMBERSHIP, MEMBER_BASE + 2, LO, 4), -AXN_EINVAL);
    assert_int_equal(member(AXN_IP_DROP_MEMBERSHIP, MEMBER_BASE + 2, LO, n), -AXN_EADDRNOTAVAIL);
    assert_int_equal(member(AXN_IP_DROP_MEMBERSHIP, MEMBER_BASE + 1, LO, n), 0);
    assert_int_equal(member(AXN_IP_DROP_MEMBERSHIP, MEMBER_BASE + 1, LO, n), -AXN_EADDRNOTAVAIL);
    for (int i = 0; i < AXN_SOCK_MAX_MEMBERSHIPS; i++)
        assert_int_equal(member(AXN_IP_ADD_MEMBERSHIP, MEMBER_BASE + 10 + (axn_ip4_t)i, LO, n), 0);
    assert_int_equal(member(AXN_IP_ADD_MEMBERSHIP, MEMBER_BASE + 9, LO, n), -AXN_ENOBUFS);
    assert_int_equal(g_s->opt.ip.n_groups, AXN_SOCK_MAX_MEMBERSHIPS);
}

static void ip_multicast_if(void **state)
{
    (void)state;
    const struct axn_sockaddr_in lo = sin4(AXN_AF_INET, AXN_IP4(127, 0, 0, 1), 0);
    const struct axn_sockaddr_in far = sin4(AXN_AF_INET, AXN_IP4(10, 9, 9, 9), 0);
    assert_int_equal(axn_setsockopt(g_s, AXN_SOL_IP, AXN_IP_MULTICAST_IF, &far.sin_addr, 4),
                     -AXN_EADDRNOTAVAIL);
    assert_int_equal(axn_setsockopt(g_s, AXN_SOL_IP, AXN_IP_MULTICAST_IF, &lo.sin_addr, 2),
                     -AXN_EINVAL);
    assert_int_equal(axn_setsockopt(g_s, AXN_SOL_IP, AXN_IP_MULTICAST_IF, &lo.sin_addr, 4), 0);
    assert_int_equal(g_s->opt.ip.mc_ifindex, LO);
    struct axn_in_addr got;
    axn_socklen_t len = sizeof(got);
    assert_int_equal(axn_getsockopt(g_s, AXN_SOL_IP, AXN_IP_MULTICAST_IF, &got, &len), 0);
    assert_int_equal(len, sizeof(got));
    assert_memory_equal(&got, &lo.sin_addr, sizeof(got));
}

/* ---- Blocking, non-blocking ---------------------------------------------------------- */

static void dontwait_and_fionbio(void **state)
{
    (void)state;
    uint8_t buf[4];
    assert_int_equal(axn_recv(g_s, buf, sizeof(buf), AXN_MSG_DONTWAIT), -AXN_EAGAIN);
    assert_false(axn_socket_nonblock(g_s)); /* SOCK-8: never changes O_NONBLOCK */
    int on = 1, n = -1;
    assert_int_equal(axn_ioctl(g_s, AXN_FIONBIO, &on), 0);
    assert_true(axn_socket_nonblock(g_s));
    assert_int_equal(axn_recv(g_s, buf, sizeof(buf), 0), -AXN_EAGAIN);
    on = 0;
    assert_int_equal(axn_ioctl(g_s, AXN_FIONBIO, &on), 0);
    assert_false(axn_socket_nonblock(g_s));
    /* A port that cannot block makes a blocking call non-blocking. */
    assert_int_equal(axn_recv(g_s, buf, sizeof(buf), 0), -AXN_EAGAIN);
    assert_int_equal(axn_send(g_s, "ab", 2, 0), 2);
    assert_int_equal(axn_ioctl(g_s, AXN_FIONREAD, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(axn_recv(g_s, buf, sizeof(buf), 0), 2);
    assert_true(axn_stack_poll_pending(g_st)); /* the send asked for a poll */
}

/* Wait queues on the virtual clock, built from its events (the vtime
 * platform's own refuse to block): one sleeper per queue is all we need. */
static int vq_create(void *ctx, void **q)
{
    return axn_vt_platform()->event_create(ctx, q);
}

static void vq_destroy(void *ctx, void *q)
{
    axn_vt_platform()->event_destroy(ctx, q);
}

static int vq_wait(void *q, void *m, axn_time_t deadline)
{
    g_plat.mutex_unlock(m);
    const int rc = axn_vt_platform()->event_wait(q, deadline);
    g_plat.mutex_lock(m);
    return rc;
}

static void vq_wake_all(void *q)
{
    axn_vt_platform()->event_signal(q);
}

static int setup_vt(void **state)
{
    (void)state;
    axn_vt_reset(NOW);
    struct axn_platform p = *axn_vt_platform();
    p.waitq_create = vq_create;
    p.waitq_destroy = vq_destroy;
    p.waitq_wait = vq_wait;
    p.waitq_wake_all = vq_wake_all;
    return setup_on(&p);
}

static void rcvtimeo_expiry_is_eagain_at_the_deadline(void **state)
{
    (void)state;
    const struct axn_timeval tv = {TIMEO_USEC / 1000000, TIMEO_USEC % 1000000};
    assert_int_equal(axn_setsockopt(g_s, AXN_SOL_SOCKET, AXN_SO_RCVTIMEO, &tv, sizeof(tv)), 0);
    uint8_t buf[4];
    const axn_time_t start = axn_vt_now();
    assert_int_equal(axn_recv(g_s, buf, sizeof(buf), 0), -AXN_EAGAIN);
    assert_int_equal(axn_vt_now(), start + TIMEO_USEC);
    /* MSG_DONTWAIT does not wait at all. */
    assert_int_equal(axn_recv(g_s, buf, sizeof(buf), AXN_MSG_DONTWAIT), -AXN_EAGAIN);
    assert_int_equal(axn_vt_now(), start + TIMEO_USEC);
    /* Nor does a socket whose SO_RCVTIMEO had a negative tv_sec. */
    const struct axn_timeval neg = {-1, 0};
    assert_int_equal(axn_setsockopt(g_s, AXN_SOL_SOCKET, AXN_SO_RCVTIMEO, &neg, sizeof(neg)), 0);
    assert_int_equal(axn_recv(g_s, buf, sizeof(buf), 0), -AXN_EAGAIN);
    assert_int_equal(axn_vt_now(), start + TIMEO_USEC);
}

/* A port whose sleeping thread has a signal to handle: waitq_wait says
 * -EINTR and the blocked call gives it to the syscall layer. */
static int g_intr_waits;

static int intr_wait(void *q, void *m, axn_time_t deadline)
{
    (void)q;
    (void)m;
    (void)deadline;
    g_intr_waits++;
    return -AXN_EINTR;
}

static int setup_intr(void **state)
{
    (void)state;
    g_intr_waits = 0;
    struct axn_platform p = *axn_test_platform();
    p.waitq_wait = intr_wait;
    return setup_on(&p);
}

static void signal_during_a_blocking_recv_returns_eintr(void **state)
{
    (void)state;
    uint8_t buf[4];
    assert_int_equal(axn_recv(g_s, buf, sizeof(buf), 0), -AXN_EINTR);
    assert_int_equal(g_intr_waits, 1);
    /* MSG_DONTWAIT never sleeps, so no signal can interrupt it. */
    assert_int_equal(axn_recv(g_s, buf, sizeof(buf), AXN_MSG_DONTWAIT), -AXN_EAGAIN);
    assert_int_equal(g_intr_waits, 1);
}

/* An EAGAIN no wait can cure (no ephemeral port left, an empty error
 * queue) returns at once even from a blocking call, as Linux does; a
 * blocking call never sleeps on it. */
static void final_eagain_never_waits(void **state)
{
    (void)state;
    uint8_t buf[4];
    fk(g_s)->eagain_final = true;
    assert_int_equal(axn_recv(g_s, buf, sizeof(buf), 0), -AXN_EAGAIN);
    assert_int_equal(g_intr_waits, 0);
}

/* ---- Wakers ---------------------------------------------------------------------------- */

struct wake_rec {
    int calls;
    unsigned events;
    int depth_seen;
};

static void on_wake(void *ctx, unsigned events)
{
    struct wake_rec *r = ctx;
    r->calls++;
    r->events = events;
    r->depth_seen += g_depth; /* any axnet mutex held right now? */
    /* Calling back into axnet is allowed. */
    (void)axn_socket_poll(g_s);
}

static void waker_once_per_notify_never_under_lock(void **state)
{
    (void)state;
    struct wake_rec rin = {0}, rout = {0};
    struct axn_waker win = {.wake = on_wake, .ctx = &rin, .interest = AXN_POLLIN};
    struct axn_waker wout = {.wake = on_wake, .ctx = &rout, .interest = AXN_POLLOUT};
    assert_int_equal(axn_socket_add_waker(g_s, &win), AXN_POLLOUT | AXN_POLLWRNORM);
    assert_int_equal(axn_socket_add_waker(g_s, &wout), AXN_POLLOUT | AXN_POLLWRNORM);
    assert_int_equal(axn_send(g_s, "a", 1, 0), 1);
    assert_int_equal(rin.calls, 1);
    assert_int_equal(rin.events, AXN_POLLIN);
    assert_int_equal(rin.depth_seen, 0);
    assert_int_equal(rout.calls, 0);
    assert_int_equal(axn_send(g_s, "b", 1, 0), 1);
    assert_int_equal(rin.calls, 2);
    /* ERR is delivered whatever the interest. */
    g_plat.mutex_lock(g_st->core_lock);
    axn_sock_set_error(g_s, AXN_ENETDOWN);
    g_plat.mutex_unlock(g_st->core_lock);
    assert_int_equal(rin.calls, 2); /* queued until someone runs the deferred list */
    axn_stack_poll(g_st, NOW);
    assert_int_equal(rin.calls, 3);
    assert_int_equal(rin.events, AXN_POLLERR);
    assert_int_equal(rout.calls, 1);
    assert_int_equal(rout.events, AXN_POLLERR);
    assert_int_equal(rin.depth_seen + rout.depth_seen, 0);
    axn_socket_remove_waker(g_s, &win);
    assert_int_equal(axn_send(g_s, "c", 1, 0), 1);
    assert_int_equal(rin.calls, 3);
    /* Queued but not yet run when removed: never runs. */
    g_plat.mutex_lock(g_st->core_lock);
    axn_sock_set_error(g_s, AXN_ENETDOWN);
    g_plat.mutex_unlock(g_st->core_lock);
    axn_socket_remove_waker(g_s, &wout);
    axn_stack_poll(g_st, NOW);
    assert_int_equal(rout.calls, 1);
    /* Registered at close: dropped with the socket. */
    assert_int_equal(axn_socket_add_waker(g_s, &win) & AXN_POLLERR, AXN_POLLERR);
    assert_int_equal(axn_close(g_s), 0);
    g_s = NULL;
}

/* ---- Interface events -------------------------------------------------------------------- */

static void iface_events_fail_bound_sockets_only(void **state)
{
    (void)state;
    struct axn_socket *other;
    assert_int_equal(axn_socket(g_st, AXN_AF_INET, AXN_SOCK_DGRAM, FAKE_PROTO, &other), 0);
    assert_int_equal(set_int(AXN_SOL_SOCKET, AXN_SO_BINDTOIFINDEX, (int)LO), 0);
    struct wake_rec r = {0};
    struct axn_waker w = {.wake = on_wake, .ctx = &r, .interest = AXN_POLLIN};
    (void)axn_socket_add_waker(g_s, &w);
    g_plat.mutex_lock(g_st->core_lock);
    axn_stack_iface_event(g_st, LO, AXN_IFACE_EV_LINK_DOWN, NOW);
    g_plat.mutex_unlock(g_st->core_lock);
    axn_stack_poll(g_st, NOW);
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.events, AXN_POLLERR);
    assert_true(axn_socket_poll(g_s) & AXN_POLLERR);
    assert_false(axn_socket_poll(other) & AXN_POLLERR);
    assert_int_equal(get_int(AXN_SOL_SOCKET, AXN_SO_ERROR), AXN_ENETDOWN);
    g_plat.mutex_lock(g_st->core_lock);
    axn_stack_iface_event(g_st, LO, AXN_IFACE_EV_LINK_UP, NOW);
    g_plat.mutex_unlock(g_st->core_lock);
    assert_false(axn_socket_poll(g_s) & AXN_POLLERR);
    g_plat.mutex_lock(g_st->core_lock);
    axn_stack_iface_event(g_st, LO, AXN_IFACE_EV_REMOVED, NOW);
    g_plat.mutex_unlock(g_st->core_lock);
    assert_int_equal(get_int(AXN_SOL_SOCKET, AXN_SO_ERROR), AXN_ENODEV);
    int v = -1;
    axn_socklen_t len = sizeof(v);
    assert_int_equal(axn_getsockopt(other, AXN_SOL_SOCKET, AXN_SO_ERROR, &v, &len), 0);
    assert_int_equal(v, 0);
    axn_socket_remove_waker(g_s, &w);
    assert_int_equal(axn_close(other), 0);
}

/* ---- EHOSTUNREACH from a failed ARP -------------------------------------------------------- */

static struct axn_icmp4_err g_err;
static int g_err_calls;

static void on_err(void *ctx, const struct axn_icmp4_err *e, axn_time_t now)
{
    (void)ctx;
    (void)now;
    g_err = *e;
    g_err_calls++;
}

static void unreachable_report_becomes_host_unreachable(void **state)
{
    (void)state;
    assert_int_equal(axn_ip4_set_err_handler(g_st->ip4, FAKE_PROTO, on_err, NULL), 0);
    /* An IPv4 header (IHL 5) from 192.0.2.1 to 192.0.2.99, then ports. */
    const uint8_t quote[28] = {0x45, 0, 0,   28, 0, 0,  0,    0,    64, FAKE_PROTO, 0, 0, 192, 0,
                               2,    1, 192, 0,  2, 99, 0x30, 0x39, 0,  53,         0, 8, 0,   0};
    g_plat.mutex_lock(g_st->core_lock);
    g_st->proto.unreachable(g_st->proto.unreachable_ctx, LO, quote, sizeof(quote), NOW);
    g_st->proto.unreachable(g_st->proto.unreachable_ctx, LO, quote, 10, NOW);
    g_plat.mutex_unlock(g_st->core_lock);
    assert_int_equal(g_err_calls, 1);
    assert_int_equal(g_err.type, 3);
    assert_int_equal(g_err.code, 1);
    assert_int_equal(g_err.orig_protocol, FAKE_PROTO);
    assert_int_equal(g_err.orig_src, AXN_IP4(192, 0, 2, 1));
    assert_int_equal(g_err.orig_dst, AXN_IP4(192, 0, 2, 99));
    assert_int_equal(g_err.orig_l4_len, 8);
    assert_int_equal(g_err.orig_l4[1], 0x39);
    assert_int_equal(g_err.ifindex, LO);
}

/* ---- A notify racing add_waker (posix threads) ------------------------------------------------
 */

static pthread_barrier_t g_bar;
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;
static bool g_woken;

static void race_wake(void *ctx, unsigned events)
{
    (void)ctx;
    if (!(events & AXN_POLLIN))
        return;
    pthread_mutex_lock(&g_mu);
    g_woken = true;
    pthread_cond_signal(&g_cv);
    pthread_mutex_unlock(&g_mu);
}

static void *race_sender(void *arg)
{
    (void)arg;
    for (int i = 0; i < RACE_ROUNDS; i++) {
        pthread_barrier_wait(&g_bar);
        (void)axn_send(g_s, "x", 1, 0);
        pthread_barrier_wait(&g_bar);
    }
    return NULL;
}

/* True once woken, false if the guard (a hang, i.e. a lost wake) passed. */
static bool wait_woken(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += RACE_GUARD_S;
    pthread_mutex_lock(&g_mu);
    int rc = 0;
    while (!g_woken && rc == 0)
        rc = pthread_cond_timedwait(&g_cv, &g_mu, &ts);
    const bool ok = g_woken;
    pthread_mutex_unlock(&g_mu);
    return ok;
}

static int setup_posix(void **state)
{
    (void)state;
    struct axn_platform p;
    if (axn_port_posix_init(&p, AXN_LOG_ERROR) != 0)
        return -1;
    return setup_on(&p);
}

static void notify_racing_add_waker_is_never_lost(void **state)
{
    (void)state;
    pthread_t t;
    assert_int_equal(pthread_barrier_init(&g_bar, NULL, 2), 0);
    assert_int_equal(pthread_create(&t, NULL, race_sender, NULL), 0);
    int lost = 0, seen_at_add = 0;
    uint8_t buf[4];
    for (int i = 0; i < RACE_ROUNDS; i++) {
        (void)axn_recv(g_s, buf, sizeof(buf), AXN_MSG_DONTWAIT);
        g_woken = false;
        struct axn_waker w = {.wake = race_wake, .interest = AXN_POLLIN};
        pthread_barrier_wait(&g_bar);
        const unsigned ev = axn_socket_add_waker(g_s, &w);
        if (ev & AXN_POLLIN)
            seen_at_add++;
        else if (!wait_woken())
            lost++;
        axn_socket_remove_waker(g_s, &w);
        pthread_barrier_wait(&g_bar);
    }
    pthread_join(t, NULL);
    pthread_barrier_destroy(&g_bar);
    assert_int_equal(lost, 0);
    (void)seen_at_add;
}

static long g_blocked_rc;

static void *blocking_reader(void *arg)
{
    (void)arg;
    uint8_t buf[4];
    g_blocked_rc = axn_recv(g_s, buf, sizeof(buf), 0);
    return NULL;
}

/* A blocked recv (no timeout) sleeps on the wait queue, releasing the
 * core lock, and the send's notify wakes it. */
static void blocking_recv_is_woken_by_notify(void **state)
{
    (void)state;
    pthread_t t;
    g_blocked_rc = 0;
    assert_int_equal(pthread_create(&t, NULL, blocking_reader, NULL), 0);
    assert_int_equal(axn_send(g_s, "abc", 3, 0), 3);
    pthread_join(t, NULL);
    assert_int_equal(g_blocked_rc, 3);
}

/* ---- A real UDP socket on the virtual clock (UDP-17, SOCK-12..14) ------------------------------
 */

#define UDP_PORT      5353u
#define SNDTIMEO_USEC 250000

/* UDP-17, SOCK-12, SOCK-13 [HAZARD fixed], SOCK-14: a blocking recv on a
 * real, bound UDP socket with nothing queued waits SO_RCVTIMEO on the
 * virtual clock and returns -EAGAIN exactly at the deadline (Linux, not
 * ETIMEDOUT); MSG_DONTWAIT and O_NONBLOCK return -EAGAIN at once; a send
 * to 127.0.0.1 never waits for SO_SNDTIMEO (lo charges nothing to
 * SO_SNDBUF: Linux loopback_xmit orphans the skb). */
static void udp_17_rcvtimeo_on_real_udp_is_eagain_at_the_deadline(void **state)
{
    (void)state;
    struct axn_socket *u = NULL;
    assert_int_equal(axn_socket(g_st, AXN_AF_INET, AXN_SOCK_DGRAM, 0, &u), 0);
    const struct axn_sockaddr_in any = sin4(AXN_AF_INET, 0, UDP_PORT);
    assert_int_equal(axn_bind(u, sa(&any), sizeof(any)), 0);
    const struct axn_timeval tv = {TIMEO_USEC / 1000000, TIMEO_USEC % 1000000};
    assert_int_equal(axn_setsockopt(u, AXN_SOL_SOCKET, AXN_SO_RCVTIMEO, &tv, sizeof(tv)), 0);
    const struct axn_timeval stv = {0, SNDTIMEO_USEC};
    assert_int_equal(axn_setsockopt(u, AXN_SOL_SOCKET, AXN_SO_SNDTIMEO, &stv, sizeof(stv)), 0);
    uint8_t buf[4] = {0};
    const axn_time_t start = axn_vt_now();
    assert_int_equal(axn_recv(u, buf, sizeof(buf), 0), -AXN_EAGAIN);
    assert_int_equal(axn_vt_now(), start + TIMEO_USEC);
    assert_int_equal(axn_recv(u, buf, sizeof(buf), AXN_MSG_DONTWAIT), -AXN_EAGAIN);
    assert_int_equal(axn_vt_now(), start + TIMEO_USEC);
    int on = 1;
    assert_int_equal(axn_ioctl(u, AXN_FIONBIO, &on), 0);
    assert_int_equal(axn_recv(u, buf, sizeof(buf), 0), -AXN_EAGAIN);
    assert_int_equal(axn_vt_now(), start + TIMEO_USEC);
    on = 0;
    assert_int_equal(axn_ioctl(u, AXN_FIONBIO, &on), 0);
    const struct axn_sockaddr_in self = sin4(AXN_AF_INET, AXN_IP4(127, 0, 0, 1), UDP_PORT);
    assert_int_equal(axn_sendto(u, buf, sizeof(buf), 0, sa(&self), sizeof(self)), sizeof(buf));
    assert_int_equal(axn_vt_now(), start + TIMEO_USEC);
    assert_int_equal(axn_close(u), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(socket_errno_matrix_as_linux, setup, teardown),
        cmocka_unit_test_setup_teardown(socket_identity_flags_and_default_protocol, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(missing_ops_answer_linux_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(sockaddr_converted_from_network_order, setup, teardown),
        cmocka_unit_test_setup_teardown(sockaddr_errno_as_linux, setup, teardown),
        cmocka_unit_test_setup_teardown(sendto_and_sendmsg_names, setup, teardown),
        cmocka_unit_test_setup_teardown(name_out_params_truncate_and_report_full_length, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(msghdr_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(recvmsg_control_messages, setup, teardown),
        cmocka_unit_test_setup_teardown(so_buf_sizes_double_and_clamp, setup, teardown),
        cmocka_unit_test_setup_teardown(so_timeouts_validate_and_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(so_priority_linger_lowat_bools_error, setup, teardown),
        cmocka_unit_test_setup_teardown(so_bindtodevice_by_name_and_index, setup, teardown),
        cmocka_unit_test_setup_teardown(ip_ttl_tos_and_int_conventions, setup, teardown),
        cmocka_unit_test_setup_teardown(ip_tos_on_stream_keeps_its_ecn, setup, teardown),
        cmocka_unit_test_setup_teardown(ip_memberships_as_linux, setup, teardown),
        cmocka_unit_test_setup_teardown(ip_multicast_if, setup, teardown),
        cmocka_unit_test_setup_teardown(dontwait_and_fionbio, setup, teardown),
        cmocka_unit_test_setup_teardown(rcvtimeo_expiry_is_eagain_at_the_deadline, setup_vt,
                                        teardown_threads),
        cmocka_unit_test_setup_teardown(signal_during_a_blocking_recv_returns_eintr, setup_intr,
                                        teardown),
        cmocka_unit_test_setup_teardown(final_eagain_never_waits, setup_intr, teardown),
        cmocka_unit_test_setup_teardown(waker_once_per_notify_never_under_lock, setup, teardown),
        cmocka_unit_test_setup_teardown(iface_events_fail_bound_sockets_only, setup, teardown),
        cmocka_unit_test_setup_teardown(unreachable_report_becomes_host_unreachable, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(notify_racing_add_waker_is_never_lost, setup_posix,
                                        teardown_threads),
        cmocka_unit_test_setup_teardown(blocking_recv_is_woken_by_notify, setup_posix,
                                        teardown_threads),
        cmocka_unit_test_setup_teardown(udp_17_rcvtimeo_on_real_udp_is_eagain_at_the_deadline,
                                        setup_vt, teardown_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
