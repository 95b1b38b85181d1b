/*
 * Connection memory (tcp_buf.h).
 *
 * Lazy rings. A connection is born without ring memory; a ring is
 * allocated when data first needs it (the send ring on a write, the
 * receive ring when a segment brings data), AXN_TCP_RING_FIRST bytes or
 * what the data needs, and doubles as needed up to the buffer limit
 * (SO_SNDBUF / SO_RCVBUF as set or auto-tuned). Growing copies the bytes
 * linearised to the new buffer's start, the receive ring's out-of-order
 * bytes too (they sit at their offsets past `len`). A drained ring (send:
 * everything acknowledged and nothing queued; receive: everything read and
 * no out-of-order data held) goes back to the allocator from the reclaim
 * timer, AXN_TCP_RING_IDLE_MS after a read drained it or a write made it
 * (re-armed while it holds data): an idle connection costs its struct and
 * socket only, as in Linux, where the skbs go as they drain, while a busy
 * one does not free and re-grow its ring at every read.
 *
 * The window we advertise never depends on the ring being there: it is
 * computed from the limit and what is queued (tcp_window.c), and
 * axn_tcp_rcv_ring_reserve grows the ring up to the larger of the limit
 * and the edge already offered, so a promise is kept unless the allocator
 * itself fails (the segment is then dropped, TCPRcvQDrop, and the peer
 * retransmits).
 *
 * Auto-tuning (the idea of Linux tcp_rcv_space_adjust, our own code):
 * once per RTT the receive limit becomes twice what the application read
 * in that RTT plus a few segments of headroom (more while the rate is
 * still climbing, as in slow start), up to tcp_rmem[2]; the send limit
 * follows twice what may be in flight (the congestion window, or the
 * peer's window if smaller) up to tcp_wmem[2]. Neither moves
 * once the user set SO_RCVBUF / SO_SNDBUF.
 */
#include "tcp/tcp_buf.h"

#include "axnet/errno.h"
#include "lib/mem.h"
#include "tcp/tcp_seq.h"
#include "tcp/tcp_sock.h"

/* Segments of headroom over twice the bytes read per RTT (Linux adds 16
 * advertised MSS to its rcvwin). */
#define BUF_RCV_HEADROOM_SEGS 16u
/* Receive rate "still climbing" when an RTT read a quarter more than the
 * one before. */
#define BUF_GROW_FAST_SHIFT 2u
/* Twice the bytes per RTT: one RTT in flight, one the reader lags. */
#define BUF_RTT_FACTOR 2u

/* ---- Rings ----------------------------------------------------------------------- */

int axn_tcp_ring_resize(struct axn_tcp_layer *l, struct axn_tcp_ring *r, uint32_t cap,
                        uint32_t keep)
{
    uint8_t *buf = l->plat->alloc(l->plat->ctx, cap, 1);

    if (buf == NULL) {
        return -AXN_ENOMEM;
    }
    if (r->buf != NULL) {
        axn_tcp_ring_peek(r, 0, buf, keep);
        l->plat->free(l->plat->ctx, r->buf, r->cap);
    }
    r->buf = buf;
    r->cap = cap;
    r->head = 0;
    return 0;
}

void axn_tcp_ring_release(struct axn_tcp_layer *l, struct axn_tcp_ring *r)
{
    if (r->buf != NULL) {
        l->plat->free(l->plat->ctx, r->buf, r->cap);
    }
    r->buf = NULL;
    r->cap = 0;
    r->len = 0;
    r->head = 0;
}

uint32_t axn_tcp_rcv_extent(const struct axn_tcp_conn *c)
{
    if (c->n_ooo == 0) {
        return c->rcv.len;
    }
    return c->rcv.len + (c->ooo[c->n_ooo - 1u].right - c->rcv_nxt);
}

/* The capacity a ring needing `want` bytes gets: at least the first
 * chunk, at least double what it has (so n bytes cost O(log n)
 * copies), never past `limit`. */
static uint32_t grow_size(uint32_t cap, uint32_t want, uint32_t limit)
{
    uint32_t next = cap > UINT32_MAX / 2u ? UINT32_MAX : cap * 2u;

    if (next < AXN_TCP_RING_FIRST) {
        next = AXN_TCP_RING_FIRST;
    }
    if (next < want) {
        next = want;
    }
    return next < limit ? next : limit;
}

static void reclaim_arm(struct axn_tcp_conn *c, axn_time_t now)
{
    if (c->timer[AXN_TCP_T_RECLAIM] == AXN_TIME_NEVER) {
        axn_tcp_timer_set(c, AXN_TCP_T_RECLAIM, now + AXN_MSEC(AXN_TCP_RING_IDLE_MS));
    }
}

/* What the receive ring may grow to: the limit, or the right edge
 * already offered if a smaller SO_RCVBUF came after (RFC 9293 3.8.6.2.2:
 * a window offered is not taken back). */
static uint32_t rcv_cap_limit(const struct axn_tcp_conn *c)
{
    const uint32_t offered = seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0u;
    const uint32_t edge = c->rcv.len + offered;

    return edge > c->rcvbuf ? edge : c->rcvbuf;
}

int axn_tcp_rcv_ring_reserve(struct axn_tcp_conn *c, uint32_t bytes)
{
    uint32_t limit;
    uint32_t want;
    int err;

    if (bytes <= c->rcv.cap) {
        return 0;
    }
    if (c->mem.rcv_gone) {
        return -AXN_ENOBUFS; /* TIME-WAIT or an orphan: takes nothing more */
    }
    limit = rcv_cap_limit(c);
    want = bytes < limit ? bytes : limit;
    if (want <= c->rcv.cap) {
        return -AXN_ENOBUFS;
    }
    err = axn_tcp_ring_resize(c->layer, &c->rcv, grow_size(c->rcv.cap, want, limit),
                              axn_tcp_rcv_extent(c));
    if (err != 0) {
        return err;
    }
    return bytes <= c->rcv.cap ? 0 : -AXN_ENOBUFS;
}

uint32_t axn_tcp_snd_ring_reserve(struct axn_tcp_conn *c, uint32_t bytes, axn_time_t now)
{
    const uint32_t limit = c->sndbuf > c->snd.len ? c->sndbuf : c->snd.len;
    uint32_t want = c->snd.len + (bytes < limit - c->snd.len ? bytes : limit - c->snd.len);

    if (want > c->snd.cap &&
        axn_tcp_ring_resize(c->layer, &c->snd, grow_size(c->snd.cap, want, limit), c->snd.len) ==
            0) {
        reclaim_arm(c, now);
    }
    const uint32_t room = axn_tcp_sock_snd_room(c);
    const uint32_t fits = axn_tcp_ring_free_space(&c->snd);
    return room < fits ? room : fits;
}

void axn_tcp_mem_reclaim(struct axn_tcp_conn *c, axn_time_t now)
{
    if (c->snd.buf != NULL && c->snd.len == 0) {
        axn_tcp_ring_release(c->layer, &c->snd);
    }
    if (c->rcv.buf != NULL && c->rcv.len == 0 && c->n_ooo == 0) {
        axn_tcp_ring_release(c->layer, &c->rcv);
    }
    if (c->snd.buf != NULL || c->rcv.buf != NULL) {
        reclaim_arm(c, now);
    }
}

/* ---- Auto-tuning ------------------------------------------------------------------ */

/* Grows c's receive limit to `target` (within tcp_rmem[2]); the socket
 * reports the new size as Linux's SO_RCVBUF reports sk_rcvbuf. */
static void rcvbuf_grow(struct axn_tcp_conn *c, uint64_t target)
{
    const uint32_t max = c->layer->cfg.rmem[2];
    const uint32_t v = target > max ? max : (uint32_t)target;

    if (v <= c->rcvbuf) {
        return;
    }
    c->rcvbuf = v;
    if (c->sock != NULL) {
        c->sock->base.opt.rcvbuf = (int)v;
    }
}

/* The limit for `copied` bytes read in one RTT after `space` the RTT
 * before: twice it plus headroom, scaled up by the growth while the rate
 * climbs (the next RTT will read more still). */
static uint64_t rcv_target(const struct axn_tcp_conn *c, uint32_t copied, uint32_t space)
{
    uint64_t t = (uint64_t)BUF_RTT_FACTOR * copied + (uint64_t)BUF_RCV_HEADROOM_SEGS * c->adv_mss;

    if (space != 0 && copied >= space + (space >> BUF_GROW_FAST_SHIFT)) {
        uint64_t more = t * (copied - space) / space;
        t += more < t ? more : t;
    }
    return t;
}

/* Gain of the receiver's RTT average: 1/8 per sample (RFC 6298's
 * alpha). */
#define BUF_RTT_SHIFT 3u

/* One window's worth arrived since the mark: its time is an RTT sample
 * (too long when the sender was not window-limited, which only slows
 * the growth). The next mark is set at once. */
static void rcv_rtt_measure(struct axn_tcp_conn *c, axn_time_t now)
{
    struct axn_tcp_conn_mem *m = &c->mem;
    const uint32_t wnd = seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0u;

    if (m->mark_at != 0 && seq_lt(c->rcv_nxt, m->mark_seq)) {
        return;
    }
    if (m->mark_at != 0 && now > m->mark_at) {
        const axn_time_t sample = now - m->mark_at;
        m->rcv_rtt = m->rcv_rtt == 0
                         ? sample
                         : m->rcv_rtt - (m->rcv_rtt >> BUF_RTT_SHIFT) + (sample >> BUF_RTT_SHIFT);
    }
    m->mark_at = now;
    m->mark_seq = c->rcv_nxt + (wnd > c->adv_mss ? wnd : c->adv_mss);
}

/* The receiver's own estimate first (srtt may be a stale handshake
 * sample on a connection that only receives), then srtt, min_rtt. */
static axn_time_t rcv_rtt(const struct axn_tcp_conn *c)
{
    if (c->mem.rcv_rtt != 0) {
        return c->mem.rcv_rtt;
    }
    return c->srtt != 0 ? c->srtt : c->min_rtt;
}

void axn_tcp_rcv_space_adjust(struct axn_tcp_conn *c, uint32_t bytes, axn_time_t now)
{
    struct axn_tcp_conn_mem *m = &c->mem;
    axn_time_t rtt;
    uint32_t copied;

    reclaim_arm(c, now);
    m->copied += bytes;
    if (m->rcvbuf_locked || !c->layer->cfg.moderate_rcvbuf) {
        return;
    }
    rcv_rtt_measure(c, now);
    rtt = rcv_rtt(c);
    if (rtt == 0) {
        return;
    }
    if (m->space_at == 0) {
        m->space_at = now;
        m->space_copied = m->copied;
        return;
    }
    if (now - m->space_at < rtt) {
        return;
    }
    copied = m->copied - m->space_copied;
    if (copied > m->space) {
        rcvbuf_grow(c, rcv_target(c, copied, m->space));
    }
    m->space = copied;
    m->space_copied = m->copied;
    m->space_at = now;
}

void axn_tcp_sndbuf_expand(struct axn_tcp_conn *c)
{
    const uint32_t max = c->layer->cfg.wmem[2];
    /* What can be in flight is the smaller of cwnd and the peer's window:
     * a buffer past twice that only holds bytes that cannot leave. */
    const uint32_t flight = c->cwnd < c->max_snd_wnd ? c->cwnd : c->max_snd_wnd;
    const uint64_t target = (uint64_t)BUF_RTT_FACTOR * flight;
    const uint32_t v = target > max ? max : (uint32_t)target;

    /* Growth follows what ACKs taught (Linux expands on tcp_new_space):
     * not before cwnd grew past the initial window, so a fresh
     * connection queues tcp_wmem[1] as before. */
    if (c->mem.sndbuf_locked || v <= c->sndbuf || c->cwnd <= (uint32_t)AXN_TCP_INIT_CWND * c->mss) {
        return;
    }
    c->sndbuf = v;
    if (c->sock != NULL) {
        c->sock->base.opt.sndbuf = (int)v;
    }
}

void axn_tcp_buf_lock(struct axn_tcp_conn *c, bool rcv)
{
    if (rcv) {
        c->mem.rcvbuf_locked = true;
    } else {
        c->mem.sndbuf_locked = true;
    }
}
