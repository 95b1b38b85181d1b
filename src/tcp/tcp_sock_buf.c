/*
 * SO_SNDBUF / SO_RCVBUF. Linux lets both change at any time (it reads
 * sk_sndbuf / sk_rcvbuf at every enqueue); in axnet they are limits the
 * lazy rings grow to when data needs it (tcp_buf.c), so:
 *
 *  - a larger value takes effect at once: more may be queued (the send
 *    ring grows on the next write) and the receive window opens (the
 *    receive ring grows as data arrives), so a read's window update goes
 *    out now;
 *  - a smaller value never shrinks memory (bytes already queued or a
 *    window already offered may need it): it is a limit. The send side
 *    queues no more than conn->sndbuf bytes (axn_tcp_sock_snd_room); the
 *    receive side's limit is the engine's (conn->rcvbuf).
 *
 * Setting either stops its auto-tuning (Linux SOCK_*BUF_LOCK; tcp_opt.c
 * calls axn_tcp_buf_lock).
 */
#include "axnet/errno.h"
#include "core/stack_impl.h"
#include "sock/sock_layer.h"
#include "tcp/tcp_sock.h"

/* Room under the send limit: the ring grows to it on the write
 * (axn_tcp_snd_ring_reserve), so what is allocated does not matter. */
uint32_t axn_tcp_sock_snd_room(const struct axn_tcp_conn *c)
{
    return c->sndbuf > c->snd.len ? c->sndbuf - c->snd.len : 0u;
}

void axn_tcp_sock_bufs_changed(struct axn_tcp_sock *ts)
{
    struct axn_tcp_conn *c = ts->conn;
    const axn_time_t now = axn_sock_now(&ts->base);
    /* More room: the window update a read would send (RFC 1122
     * 4.2.3.3), and writers blocked on the old size may go on. */
    axn_tcp_rcv_consumed(c, now);
    axn_stack_request_poll(ts->base.st);
    if (axn_tcp_sock_snd_room(c) > 0)
        axn_sock_notify(&ts->base, AXN_POLLOUT | AXN_POLLWRNORM);
}
