/*
 * send, recv and ioctl on TCP sockets (Linux tcp_sendmsg_locked,
 * tcp_recvmsg_locked, tcp_ioctl).
 *
 * A stream call may need several waits (a blocking send of more than the
 * send ring holds, MSG_WAITALL, SO_RCVLOWAT), and the facade's loop keeps
 * no progress between attempts, so each op runs its own blocking loop
 * (axn_sock_block) with the progress in its argument. It ends with
 * AXN_SOCK_EAGAIN_NOW when it may not wait (non-blocking, timeout), so
 * the facade's loop does not wait a second time.
 *
 * Urgent data: MSG_OOB is not supported (send: EOPNOTSUPP; recv: EINVAL,
 * as Linux with no urgent mark); urgent bytes arrive inline (tcp.h).
 * MSG_NOSIGNAL: SIGPIPE is the kernel's to raise on EPIPE; MSG_MORE is
 * accepted and ignored (the data goes out under Nagle/TCP_CORK rules).
 */
#include "axnet/errno.h"
#include "core/stack_impl.h"
#include "sock/sock_layer.h"
#include "tcp/tcp_sock.h"

/* ---- iovec <-> ring ------------------------------------------------------------------ */

/* Appends up to n bytes of msg's data, from byte `off`, to the ring. */
static size_t push_from_iov(struct axn_tcp_ring *r, const struct axn_msghdr *msg, size_t off,
                            size_t n)
{
    size_t pushed = 0;
    for (size_t i = 0; i < msg->msg_iovlen && pushed < n; i++) {
        const struct axn_iovec *v = &msg->msg_iov[i];
        if (off >= v->iov_len) {
            off -= v->iov_len;
            continue;
        }
        size_t take = v->iov_len - off;
        if (take > n - pushed)
            take = n - pushed;
        const uint32_t got =
            axn_tcp_ring_push(r, (const uint8_t *)v->iov_base + off, (uint32_t)take);
        pushed += got;
        off = 0;
        if (got < take)
            break;
    }
    return pushed;
}

/* Copies n ring bytes from ring offset `roff` into msg's iovecs at `off`. */
static void ring_to_iov(const struct axn_tcp_ring *r, uint32_t roff, const struct axn_msghdr *msg,
                        size_t off, size_t n)
{
    for (size_t i = 0; i < msg->msg_iovlen && n > 0; i++) {
        const struct axn_iovec *v = &msg->msg_iov[i];
        if (off >= v->iov_len) {
            off -= v->iov_len;
            continue;
        }
        size_t take = v->iov_len - off;
        if (take > n)
            take = n;
        axn_tcp_ring_peek(r, roff, (uint8_t *)v->iov_base + off, (uint32_t)take);
        roff += (uint32_t)take;
        n -= take;
        off = 0;
    }
}

static bool handshaking(enum axn_tcp_state st)
{
    return st == AXN_TCP_SYN_SENT || st == AXN_TCP_SYN_RECV;
}

/* ---- send ------------------------------------------------------------------------------ */

struct send_progress {
    const struct axn_msghdr *msg;
    size_t total;
    size_t done;
};

/* tcp_sendmsg_locked's checks: wait for a connect in progress
 * (sk_stream_wait_connect), then the pending error, then EPIPE for a
 * socket that cannot send (never connected, shut for writing, done). */
static long send_check(struct axn_tcp_sock *ts)
{
    const enum axn_tcp_state st = ts->conn->state;
    axn_tcp_sock_sync_err(ts);
    if (st != AXN_TCP_ESTABLISHED && st != AXN_TCP_CLOSE_WAIT) {
        if (ts->base.so_error)
            return axn_sock_take_error(&ts->base);
        return handshaking(st) ? -AXN_EAGAIN : -AXN_EPIPE;
    }
    if (ts->base.so_error)
        return axn_sock_take_error(&ts->base);
    if (axn_tcp_sock_shutdown_bits(ts) & AXN_TCP_SHUT_SEND)
        return -AXN_EPIPE;
    return 0;
}

static long send_attempt(struct axn_socket *s, void *arg)
{
    struct send_progress *p = arg;
    struct axn_tcp_sock *ts = axn_tcp_sock_of(s);
    struct axn_tcp_conn *c = ts->conn;
    const long err = send_check(ts);
    if (err)
        return err;
    /* Linux tcp_sndbuf_expand: the limit follows the congestion window;
     * then the lazy ring grows to what this write needs (tcp_buf.c). */
    axn_tcp_sndbuf_expand(c);
    size_t want = p->total - p->done;
    const uint32_t ask = want > UINT32_MAX ? UINT32_MAX : (uint32_t)want;
    const uint32_t room = axn_tcp_snd_ring_reserve(c, ask, axn_sock_now(s));
    if (room == 0 && axn_tcp_sock_snd_room(c) > 0 && c->snd.len == 0)
        return -AXN_ENOMEM; /* no memory and nothing queued to wait on */
    if (want > room)
        want = room;
    const size_t n = push_from_iov(&c->snd, p->msg, p->done, want);
    if (n > 0) {
        p->done += n;
        axn_tcp_output(c, axn_sock_now(s));
        axn_stack_request_poll(s->st);
    }
    return p->done == p->total ? (long)p->done : -AXN_EAGAIN;
}

/* Blocking: the whole count (spec TCP-35), or what was copied when a
 * timeout, signal or error ends it; non-blocking: what fitted, or EAGAIN. */
long axn_tcp_sock_send(struct axn_socket *s, const struct axn_msghdr *msg,
                       const struct axn_endpoint *dst, int flags)
{
    (void)dst; /* tcp_sendmsg ignores a destination (no Fast Open) */
    if (flags & AXN_MSG_OOB)
        return -AXN_EOPNOTSUPP;
    struct send_progress p = {.msg = msg, .total = axn_sock_iov_len(msg), .done = 0};
    if (p.total == 0) {
        const long err = send_check(axn_tcp_sock_of(s));
        return err == -AXN_EAGAIN ? AXN_SOCK_EAGAIN_NOW : err;
    }
    const long rc =
        axn_sock_block(s, AXN_SOCK_DIR_OUT, flags, AXN_SOCK_EAGAIN_NOW, send_attempt, &p);
    return rc < 0 && p.done > 0 ? (long)p.done : rc;
}

/* ---- recv ------------------------------------------------------------------------------ */

struct recv_progress {
    struct axn_msghdr *msg;
    size_t total;
    size_t target; /* MSG_WAITALL: all; else min(SO_RCVLOWAT, len) */
    size_t done;
    int flags;
};

/* Nothing copied (tcp_recvmsg_locked): end of file, the pending error,
 * shut for reading, never connected, or wait. */
static long recv_nothing(struct axn_tcp_sock *ts)
{
    const struct axn_tcp_conn *c = ts->conn;
    if (c->fin_rcvd)
        return 0;
    if (ts->base.so_error)
        return axn_sock_take_error(&ts->base);
    if (axn_tcp_sock_shutdown_bits(ts) & AXN_TCP_SHUT_RCV)
        return 0;
    return c->state == AXN_TCP_CLOSED ? -AXN_ENOTCONN : -AXN_EAGAIN;
}

static size_t recv_copy(struct axn_tcp_conn *c, struct recv_progress *p, axn_time_t now)
{
    const bool peek = (p->flags & AXN_MSG_PEEK) != 0;
    const uint32_t skip = peek ? (uint32_t)p->done : 0u;
    const uint32_t avail = c->rcv.len > skip ? c->rcv.len - skip : 0u;
    size_t n = p->total - p->done;
    if (n > avail)
        n = avail;
    if (n == 0)
        return 0;
    if (!(p->flags & AXN_MSG_TRUNC)) /* Linux: MSG_TRUNC discards */
        ring_to_iov(&c->rcv, skip, p->msg, p->done, n);
    p->done += n;
    if (!peek) {
        axn_tcp_ring_drop(&c->rcv, (uint32_t)n);
        /* Auto-tuning first, so the window update offers the new limit. */
        axn_tcp_rcv_space_adjust(c, (uint32_t)n, now);
        axn_tcp_rcv_consumed(c, now);
    }
    return n;
}

static long recv_attempt(struct axn_socket *s, void *arg)
{
    struct recv_progress *p = arg;
    struct axn_tcp_sock *ts = axn_tcp_sock_of(s);
    struct axn_tcp_conn *c = ts->conn;
    axn_tcp_sock_sync_err(ts);
    if (c->state == AXN_TCP_LISTEN)
        return -AXN_ENOTCONN;
    if (recv_copy(c, p, axn_sock_now(s)) > 0 && !(p->flags & AXN_MSG_PEEK))
        axn_stack_request_poll(s->st);
    if (p->done >= p->target)
        return (long)p->done;
    if (p->done == 0)
        return recv_nothing(ts);
    const bool ended = s->so_error || c->state == AXN_TCP_CLOSED ||
                       (axn_tcp_sock_shutdown_bits(ts) & AXN_TCP_SHUT_RCV);
    return ended ? (long)p->done : -AXN_EAGAIN;
}

static size_t recv_target(const struct axn_socket *s, size_t len, int flags)
{
    if (flags & AXN_MSG_WAITALL)
        return len;
    const size_t lowat = s->opt.rcvlowat > 0 ? (size_t)s->opt.rcvlowat : 1u;
    return lowat < len ? lowat : len;
}

long axn_tcp_sock_recv(struct axn_socket *s, struct axn_msghdr *msg, struct axn_endpoint *src,
                       int flags)
{
    src->family = AXN_AF_UNSPEC; /* a stream has no per-message source */
    if (flags & AXN_MSG_ERRQUEUE)
        return AXN_SOCK_EAGAIN_NOW; /* nothing is kept on an error queue */
    if (flags & AXN_MSG_OOB)
        return -AXN_EINVAL; /* tcp_recv_urg: no urgent mark is ever kept */
    struct axn_tcp_sock *ts = axn_tcp_sock_of(s);
    if (ts->conn->state == AXN_TCP_LISTEN)
        return -AXN_ENOTCONN;
    struct recv_progress p = {.msg = msg, .total = axn_sock_iov_len(msg), .flags = flags};
    if (p.total == 0)
        return 0;
    p.target = recv_target(s, p.total, flags);
    const long rc =
        axn_sock_block(s, AXN_SOCK_DIR_IN, flags, AXN_SOCK_EAGAIN_NOW, recv_attempt, &p);
    return rc < 0 && p.done > 0 ? (long)p.done : rc;
}

/* ---- ioctl ------------------------------------------------------------------------------ */

/* The FIN counts as one byte of the send queue (Linux write_seq) from
 * the moment it is queued until it is acknowledged. */
static uint32_t fin_in_queue(const struct axn_tcp_conn *c)
{
    if (!c->fin_queued)
        return 0;
    const bool unacked = c->state == AXN_TCP_FIN_WAIT1 || c->state == AXN_TCP_CLOSING ||
                         c->state == AXN_TCP_LAST_ACK;
    return unacked ? 1u : 0u;
}

/* tcp_ioctl: SIOCINQ bytes readable (the FIN not counted, tcp_inq),
 * SIOCOUTQ write_seq - snd_una, SIOCOUTQNSD write_seq - snd_nxt (Linux's
 * snd_nxt is axnet's snd_max: never rewound by a retransmission); a
 * listener is EINVAL, a handshake 0. */
int axn_tcp_sock_ioctl(struct axn_socket *s, unsigned long req, int *arg)
{
    const struct axn_tcp_conn *c = axn_tcp_sock_of(s)->conn;
    if (req != AXN_SIOCINQ && req != AXN_SIOCOUTQ && req != AXN_SIOCOUTQNSD)
        return -AXN_ENOTTY;
    if (c->state == AXN_TCP_LISTEN)
        return -AXN_EINVAL;
    if (handshaking(c->state)) {
        *arg = 0;
        return 0;
    }
    const uint32_t queued = c->snd.len + fin_in_queue(c); /* write_seq - snd_una */
    const uint32_t sent = c->snd_max - c->snd_una;
    uint32_t v = c->rcv.len;
    if (req == AXN_SIOCOUTQ)
        v = queued;
    else if (req == AXN_SIOCOUTQNSD)
        v = queued > sent ? queued - sent : 0u;
    *arg = (int)v;
    return 0;
}
