/*
 * The receive window we offer (RFC 1122 4.2.3.3, RFC 9293 3.8.6.2.2):
 * receiver silly window avoidance, never shrinking an offered edge, and
 * the window update after the application reads.
 */
#include "tcp/tcp_output.h"

#include "tcp/tcp_seq.h"

/* RFC 1122 4.2.3.3: the receiver's SWS threshold, min(ring / 2, MSS). */
#define OUT_RCV_SWS_SHIFT 1

/* The receive buffer the window is measured against: the limit
 * (SO_RCVBUF as set or auto-tuned), never the ring, which is lazy and
 * grows to the limit when data needs it (tcp_buf.c). */
static uint32_t rcv_space(const struct axn_tcp_conn *c)
{
    return c->rcvbuf;
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

/* What the receive buffer can still take (`ring`: the most any window
 * may promise) and what SO_RCVBUF lets us offer now (`limit`). Both come
 * from the limit and the bytes queued, not from the ring, which
 * axn_tcp_rcv_ring_reserve grows to hold what was offered. A connection
 * that takes no more data (TIME-WAIT, an orphan: tcp_conn.c) keeps the
 * edge it offered. */
static void rcv_room(const struct axn_tcp_conn *c, uint32_t *ring, uint32_t *limit)
{
    const uint32_t offered = rcv_offered(c);

    if (c->mem.rcv_gone) {
        *ring = offered;
        *limit = offered;
        return;
    }
    *limit = c->rcvbuf > c->rcv.len ? c->rcvbuf - c->rcv.len : 0;
    *ring = *limit > offered ? *limit : offered;
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
    /* RFC 7323 2.2: with window scaling the 16-bit field is shifted. */
    const uint32_t max =
        c->opt.wscale_ok ? AXN_TCP_MAX_UNSCALED_WND << c->opt.rcv_wscale : AXN_TCP_MAX_UNSCALED_WND;
    return wnd > max ? max : wnd;
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
