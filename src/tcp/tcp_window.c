/*
 * The receive window we offer (RFC 1122 4.2.3.3, RFC 9293 3.8.6.2.2):
 * receiver silly window avoidance, never shrinking an offered edge, and
 * the window update after the application reads.
 */
#include "tcp/tcp_output.h"

#include "tcp/tcp_seq.h"

/* RFC 1122 4.2.3.3: the receiver's SWS threshold, min(ring / 2, MSS). */
#define OUT_RCV_SWS_SHIFT 1

/* The receive buffer the window is measured against: the ring, or a
 * smaller SO_RCVBUF set after it was allocated (tcp_sock_buf.c never
 * shrinks a ring; the value is a limit, as Linux reads sk_rcvbuf). */
static uint32_t rcv_space(const struct axn_tcp_conn *c)
{
    if (c->rcv.buf == NULL) {
        return c->rcvbuf;
    }
    return c->rcv.cap < c->rcvbuf ? c->rcv.cap : c->rcvbuf;
}

/* RFC 1122 4.2.3.3: the smallest window increase worth offering. */
static uint32_t rcv_sws_threshold(const struct axn_tcp_conn *c)
{
    uint32_t half = rcv_space(c) >> OUT_RCV_SWS_SHIFT;

    return half < c->adv_mss ? half : c->adv_mss;
}

/* The right edge already offered, as a window from rcv_nxt. */
static uint32_t rcv_offered(const struct axn_tcp_conn *c)
{
    return seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
}

/* What the receive ring can hold now, and what SO_RCVBUF lets us offer
 * (at most the former). Without a ring: a child in SYN-RECEIVED gets its
 * ring once established (tcp_conn.h), so its SYN-ACK offers the ring it
 * will have; a connection whose ring was freed (TIME-WAIT, an orphan:
 * tcp_conn.c) takes nothing more, so it keeps the edge it offered. */
static void rcv_room(const struct axn_tcp_conn *c, uint32_t *ring, uint32_t *limit)
{
    if (c->rcv.buf == NULL) {
        *ring = c->state == AXN_TCP_SYN_RECV ? c->rcvbuf : rcv_offered(c);
        *limit = *ring;
        return;
    }
    *ring = axn_tcp_ring_free_space(&c->rcv);
    *limit = c->rcvbuf > c->rcv.len ? c->rcvbuf - c->rcv.len : 0;
    if (*limit > *ring) {
        *limit = *ring;
    }
}

uint32_t axn_tcp_rcv_window(const struct axn_tcp_conn *c)
{
    uint32_t ring;
    uint32_t wnd;
    uint32_t cur = rcv_offered(c);

    rcv_room(c, &ring, &wnd);
    if (cur > ring) {
        cur = ring; /* never promise what the ring cannot hold */
    }
    if (wnd > cur && wnd - cur < rcv_sws_threshold(c)) {
        wnd = cur; /* receiver SWS: hold the edge until it moves enough */
    }
    if (wnd < cur) {
        wnd = cur; /* RFC 9293 3.8.6.2.2: never shrink the window */
    }
    return wnd > AXN_TCP_MAX_UNSCALED_WND ? AXN_TCP_MAX_UNSCALED_WND : wnd;
}

void axn_tcp_rcv_consumed(struct axn_tcp_conn *c, axn_time_t now)
{
    uint32_t cur = rcv_offered(c);
    uint32_t wnd;

    if (c->state != AXN_TCP_ESTABLISHED && c->state != AXN_TCP_FIN_WAIT1 &&
        c->state != AXN_TCP_FIN_WAIT2) {
        return;
    }
    wnd = axn_tcp_rcv_window(c);
    /* Linux tcp_cleanup_rbuf: tell the peer once the window at least
     * doubled (from zero: as soon as it passes the SWS threshold). */
    if (wnd > cur && wnd >= 2 * cur) {
        c->ack_now = true;
        axn_tcp_output(c, now);
    }
}
