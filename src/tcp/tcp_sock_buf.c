/*
 * SO_SNDBUF / SO_RCVBUF on a connection whose rings exist. Linux lets
 * both change at any time (it reads sk_sndbuf / sk_rcvbuf at every
 * enqueue); axnet's rings are fixed memory, so:
 *
 *  - a larger value grows the ring now: a new buffer of the new size,
 *    the queued bytes copied to its start (offsets from the head kept, so
 *    the send ring's in-flight bytes and the receive ring's out-of-order
 *    ranges stay where sequence numbers say they are). When the
 *    allocation fails the old ring stays, as a smaller value would.
 *  - a smaller value never shrinks memory (bytes already queued or a
 *    window already offered may need it): it is a limit. The send side
 *    queues no more than conn->sndbuf bytes (axn_tcp_sock_snd_room); the
 *    receive side's limit is the engine's (conn->rcvbuf).
 *
 * Only socket calls resize, never input: a segment never allocates.
 */
#include "axnet/errno.h"
#include "core/stack_impl.h"
#include "sock/sock_layer.h"
#include "tcp/tcp_sock.h"

uint32_t axn_tcp_sock_snd_room(const struct axn_tcp_conn *c)
{
    const uint32_t free_bytes = axn_tcp_ring_free_space(&c->snd);
    const uint32_t below_limit = c->sndbuf > c->snd.len ? c->sndbuf - c->snd.len : 0u;
    return free_bytes < below_limit ? free_bytes : below_limit;
}

/* Replaces r's buffer by one of `cap` bytes holding its first `keep`
 * bytes (from the head) at the start; whether it did. */
static bool ring_grow(struct axn_tcp_layer *l, struct axn_tcp_ring *r, uint32_t cap, uint32_t keep)
{
    if (!r->buf || cap <= r->cap)
        return false;
    uint8_t *buf = l->plat->alloc(l->plat->ctx, cap, 1);
    if (!buf)
        return false; /* Linux's setsockopt cannot fail here: the old size stays */
    axn_tcp_ring_peek(r, 0, buf, keep);
    l->plat->free(l->plat->ctx, r->buf, r->cap);
    r->buf = buf;
    r->cap = cap;
    r->head = 0;
    return true;
}

/* The receive ring's bytes that matter: the in-order ones, then up to the
 * end of the last out-of-order range (held at its offset past them). */
static uint32_t rcv_extent(const struct axn_tcp_conn *c)
{
    if (c->n_ooo == 0)
        return c->rcv.len;
    return c->rcv.len + (c->ooo[c->n_ooo - 1u].right - c->rcv_nxt);
}

void axn_tcp_sock_bufs_changed(struct axn_tcp_sock *ts)
{
    struct axn_tcp_conn *c = ts->conn;
    struct axn_tcp_layer *l = ts->layer;
    const axn_time_t now = axn_sock_now(&ts->base);
    (void)ring_grow(l, &c->snd, c->sndbuf, c->snd.len);
    /* More room: the window update a read would send (RFC 1122
     * 4.2.3.3), and writers blocked on the old size (a larger ring or a
     * raised limit) may go on. */
    if (ring_grow(l, &c->rcv, c->rcvbuf, rcv_extent(c))) {
        axn_tcp_rcv_consumed(c, now);
        axn_stack_request_poll(ts->base.st);
    }
    if (c->snd.buf && axn_tcp_sock_snd_room(c) > 0)
        axn_sock_notify(&ts->base, AXN_POLLOUT | AXN_POLLWRNORM);
}
