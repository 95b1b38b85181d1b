/*
 * The public socket calls (include/axnet/socket.h): argument checks as
 * Linux makes them, sockaddr -> endpoint, the core lock around the
 * transport's ops, the blocking loop, and Linux's answers where a
 * transport has no op (sock_no_*: EOPNOTSUPP; ioctl: ENOTTY).
 *
 * Every call takes st->core_lock, calls the op, releases the lock and
 * then runs the wakers the op queued (axn_sock_run_deferred), so a waker
 * never runs under an axnet lock.
 */
#include "axnet/errno.h"
#include "core/stack_impl.h"
#include "sock/sock_layer.h"

/* socket(2) / accept4(2) flag bits that are not a type. */
#define SOCK_FLAG_BITS (AXN_SOCK_NONBLOCK | AXN_SOCK_CLOEXEC)

static void lock(struct axn_stack *st)
{
    st->plat->mutex_lock(st->core_lock);
}

static void unlock(struct axn_stack *st)
{
    st->plat->mutex_unlock(st->core_lock);
    axn_sock_run_deferred(st);
}

/* ---- Lifecycle ------------------------------------------------------------------ */

int axn_socket(struct axn_stack *st, int domain, int type, int protocol, struct axn_socket **out)
{
    if (!st || !out || !st->socks)
        return -AXN_EINVAL;
    const int flags = type & ~AXN_SOCK_TYPE_MASK;
    if (flags & ~SOCK_FLAG_BITS)
        return -AXN_EINVAL;
    type &= AXN_SOCK_TYPE_MASK;
    lock(st);
    const struct axn_sock_proto_slot *slot = NULL;
    int err = axn_sock_layer_find(st->socks, domain, type, protocol, &slot);
    struct axn_socket *s = NULL;
    if (err == 0) {
        /* inet_create: protocol 0 takes the entry's own (SO_PROTOCOL). */
        const int proto =
            protocol == 0 && slot->proto->protocol > 0 ? slot->proto->protocol : protocol;
        err = slot->proto->create(st, slot->state, proto, &s);
    }
    if (err == 0) {
        s->nonblock = (flags & AXN_SOCK_NONBLOCK) != 0;
        *out = s;
    }
    unlock(st);
    return err;
}

static long linger_attempt(struct axn_socket *s, void *arg)
{
    (void)arg;
    return s->ops->linger(s);
}

/* Linux sk_setsockopt(SO_LINGER): l_linger seconds, where a negative
 * value (huge as unsigned) means MAX_SCHEDULE_TIMEOUT, no limit. */
static axn_time_t linger_timeo(const struct axn_linger *lg)
{
    return lg->l_linger < 0 ? 0 : AXN_SEC((axn_time_t)lg->l_linger);
}

/* SO_LINGER's wait asks the transport again at least this often, so a
 * state change that ends the wait without waking the socket (a transport
 * need not notify every one) delays close by no more than this. */
#define LINGER_RECHECK AXN_MSEC(100)

/* The next slice of the linger wait: up to LINGER_RECHECK, never past
 * the linger time (`timeo` 0: none); 0 when the time is up. */
static axn_time_t linger_slice(axn_time_t timeo, axn_time_t spent)
{
    if (timeo == 0)
        return LINGER_RECHECK;
    if (spent >= timeo)
        return 0;
    return timeo - spent < LINGER_RECHECK ? timeo - spent : LINGER_RECHECK;
}

/* inet_release: with SO_LINGER and a time, close waits for the orderly
 * close to finish (socket(7)), whether or not the socket is non-blocking
 * (Linux ignores O_NONBLOCK there); a signal, the time, or a port that
 * cannot block ends the wait and close goes on as without it (returning
 * 0, as Linux). */
static void close_linger(struct axn_socket *s)
{
    const struct axn_linger *lg = &s->opt.linger;
    if (!s->ops->linger || !lg->l_onoff || lg->l_linger == 0)
        return;
    const axn_time_t timeo = linger_timeo(lg);
    const axn_time_t start = axn_sock_now(s);
    for (;;) {
        const axn_time_t slice = linger_slice(timeo, axn_sock_now(s) - start);
        if (slice == 0)
            return;
        if (axn_sock_block_for(s, slice, linger_attempt, NULL) != -AXN_ETIMEDOUT)
            return;
    }
}

int axn_close(struct axn_socket *s)
{
    if (!s)
        return -AXN_EBADF;
    struct axn_stack *st = s->st;
    lock(st);
    close_linger(s);
    if (s->ops->close)
        s->ops->close(s);
    struct axn_waker *w = s->wakers;
    s->wakers = NULL;
    axn_sock_layer_free(st->socks, s);
    unlock(st);
    /* Unlinked under the lock, so nothing queues them again; drop what is
     * queued and wait for calls in flight (socket.h guarantee). */
    while (w) {
        struct axn_waker *next = w->next;
        axn_sock_wake_detach(st, w);
        w->next = NULL;
        w = next;
    }
    /* What close left queued still leaves. */
    axn_stack_request_poll(st);
    return 0;
}

/* ---- Addresses and state ---------------------------------------------------------- */

int axn_bind(struct axn_socket *s, const struct axn_sockaddr *addr, axn_socklen_t addrlen)
{
    if (!s)
        return -AXN_EBADF;
    struct axn_endpoint ep;
    int err = axn_sock_addr_in(s, addr, addrlen, AXN_SOCK_ADDR_BIND, &ep);
    if (err)
        return err;
    lock(s->st);
    err = s->ops->bind ? s->ops->bind(s, &ep) : -AXN_EOPNOTSUPP;
    unlock(s->st);
    return err;
}

static long connect_attempt(struct axn_socket *s, void *arg)
{
    return s->ops->connect(s, arg);
}

int axn_connect(struct axn_socket *s, const struct axn_sockaddr *addr, axn_socklen_t addrlen)
{
    if (!s)
        return -AXN_EBADF;
    struct axn_endpoint ep;
    int err = axn_sock_addr_in(s, addr, addrlen, AXN_SOCK_ADDR_CONNECT, &ep);
    if (err)
        return err;
    if (!s->ops->connect)
        return -AXN_EOPNOTSUPP;
    lock(s->st);
    /* inet_stream_connect: not finished in time (or non-blocking) is
     * EINPROGRESS, the handshake goes on. */
    err = (int)axn_sock_block(s, AXN_SOCK_DIR_OUT, 0, -AXN_EINPROGRESS, connect_attempt, &ep);
    unlock(s->st);
    return err;
}

int axn_listen(struct axn_socket *s, int backlog)
{
    if (!s)
        return -AXN_EBADF;
    lock(s->st);
    int err = s->ops->listen ? s->ops->listen(s, backlog) : -AXN_EOPNOTSUPP;
    unlock(s->st);
    return err;
}

struct accept_arg {
    struct axn_endpoint peer;
    struct axn_socket *child;
};

static long accept_attempt(struct axn_socket *s, void *arg)
{
    struct accept_arg *a = arg;
    return s->ops->accept(s, &a->peer, &a->child);
}

int axn_accept(struct axn_socket *s, struct axn_sockaddr *addr, axn_socklen_t *addrlen, int flags,
               struct axn_socket **out)
{
    if (!s)
        return -AXN_EBADF;
    if (!out || (addr && !addrlen) || (flags & ~SOCK_FLAG_BITS))
        return -AXN_EINVAL;
    if (!s->ops->accept)
        return -AXN_EOPNOTSUPP;
    struct accept_arg a = {.child = NULL};
    lock(s->st);
    int err = (int)axn_sock_block(s, AXN_SOCK_DIR_IN, 0, -AXN_EAGAIN, accept_attempt, &a);
    if (err == 0) {
        a.child->nonblock = (flags & AXN_SOCK_NONBLOCK) != 0;
        if (addr)
            *addrlen = axn_sock_addr_out(&a.peer, addr, *addrlen);
        *out = a.child;
    }
    unlock(s->st);
    return err;
}

int axn_shutdown(struct axn_socket *s, int how)
{
    if (!s)
        return -AXN_EBADF;
    if (how < AXN_SHUT_RD || how > AXN_SHUT_RDWR)
        return -AXN_EINVAL;
    lock(s->st);
    int err = s->ops->shutdown ? s->ops->shutdown(s, how) : -AXN_EOPNOTSUPP;
    unlock(s->st);
    axn_stack_request_poll(s->st);
    return err;
}

static int getname(struct axn_socket *s, struct axn_sockaddr *addr, axn_socklen_t *addrlen,
                   bool peer)
{
    if (!s)
        return -AXN_EBADF;
    if (!addr || !addrlen)
        return -AXN_EINVAL;
    struct axn_endpoint ep = {.family = AXN_AF_UNSPEC};
    lock(s->st);
    int err = s->ops->getname ? s->ops->getname(s, &ep, peer) : -AXN_EOPNOTSUPP;
    unlock(s->st);
    if (err == 0)
        *addrlen = axn_sock_addr_out(&ep, addr, *addrlen);
    return err;
}

int axn_getsockname(struct axn_socket *s, struct axn_sockaddr *addr, axn_socklen_t *addrlen)
{
    return getname(s, addr, addrlen, false);
}

int axn_getpeername(struct axn_socket *s, struct axn_sockaddr *addr, axn_socklen_t *addrlen)
{
    return getname(s, addr, addrlen, true);
}

/* ---- Options, ioctl, O_NONBLOCK ------------------------------------------------------ */

int axn_setsockopt(struct axn_socket *s, int level, int optname, const void *optval,
                   axn_socklen_t optlen)
{
    if (!s)
        return -AXN_EBADF;
    lock(s->st);
    /* OPT-2: the transport first; "not mine" falls through. */
    int err = -AXN_ENOPROTOOPT;
    if (s->ops->setsockopt)
        err = s->ops->setsockopt(s, level, optname, optval, optlen);
    if (err == -AXN_ENOPROTOOPT)
        err = axn_sock_opt_set(s, level, optname, optval, optlen);
    unlock(s->st);
    return err;
}

int axn_getsockopt(struct axn_socket *s, int level, int optname, void *optval,
                   axn_socklen_t *optlen)
{
    if (!s)
        return -AXN_EBADF;
    if (!optlen)
        return -AXN_EINVAL;
    lock(s->st);
    int err = -AXN_ENOPROTOOPT;
    if (s->ops->getsockopt)
        err = s->ops->getsockopt(s, level, optname, optval, optlen);
    if (err == -AXN_ENOPROTOOPT)
        err = axn_sock_opt_get(s, level, optname, optval, optlen);
    unlock(s->st);
    return err;
}

int axn_ioctl(struct axn_socket *s, unsigned long request, void *arg)
{
    if (!s)
        return -AXN_EBADF;
    if (!arg)
        return -AXN_EINVAL;
    if (request == AXN_FIONBIO)
        return axn_socket_set_nonblock(s, *(const int *)arg != 0);
    lock(s->st);
    /* sock_do_ioctl: what the protocol does not know is ENOTTY. */
    int err = s->ops->ioctl ? s->ops->ioctl(s, request, arg) : -AXN_ENOTTY;
    unlock(s->st);
    return err;
}

int axn_socket_set_nonblock(struct axn_socket *s, bool nonblock)
{
    if (!s)
        return -AXN_EBADF;
    lock(s->st);
    s->nonblock = nonblock;
    unlock(s->st);
    return 0;
}

bool axn_socket_nonblock(const struct axn_socket *s)
{
    return s && s->nonblock;
}
