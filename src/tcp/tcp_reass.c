/*
 * Received data into the receive ring (RFC 9293 3.10.7.4 "seventh,
 * process the segment text"), in order and out of order.
 *
 * Out-of-order data is not queued as segments: it is written straight
 * into the ring at its offset past the in-order bytes (offset seq -
 * rcv_nxt from the ring's end of data), and conn->ooo records which
 * sequence ranges are there, sorted and disjoint. When the gap fills, the
 * bytes are already in place: the ring's length just grows over them. So
 * reassembly never allocates and is bounded by the ring and by
 * AXN_TCP_OOO_RANGES (part 2's SACK blocks report the same ranges).
 */
#include "axnet/socket.h"
#include "lib/mem.h"
#include "tcp/tcp_buf.h"
#include "tcp/tcp_input.h"
#include "tcp/tcp_options.h"
#include "tcp/tcp_seq.h"

/* ---- Out-of-order ranges --------------------------------------------------------- */

static void ooo_remove_first(struct axn_tcp_conn *c)
{
    c->n_ooo--;
    memmove(&c->ooo[0], &c->ooo[1], c->n_ooo * sizeof(c->ooo[0]));
}

/* Adds [left, right) to the ranges, merging those it overlaps or touches.
 * False (nothing changed) when that would need more than
 * AXN_TCP_OOO_RANGES ranges. */
static bool ooo_insert(struct axn_tcp_conn *c, uint32_t left, uint32_t right)
{
    struct axn_tcp_ooo_range out[AXN_TCP_OOO_RANGES + 1];
    unsigned n = 0;
    bool placed = false;
    for (unsigned i = 0; i < c->n_ooo; i++) {
        const struct axn_tcp_ooo_range r = c->ooo[i];
        if (seq_lt(r.right, left)) {
            out[n++] = r; /* wholly before */
        } else if (seq_gt(r.left, right)) {
            if (!placed)
                out[n++] = (struct axn_tcp_ooo_range){left, right};
            placed = true;
            out[n++] = r; /* wholly after */
        } else {
            left = seq_min(left, r.left);
            right = seq_max(right, r.right);
        }
    }
    if (!placed)
        out[n++] = (struct axn_tcp_ooo_range){left, right};
    if (n > AXN_TCP_OOO_RANGES)
        return false;
    memcpy(c->ooo, out, n * sizeof(out[0]));
    c->n_ooo = (uint8_t)n;
    return true;
}

/* RCV.NXT reached the first range(s): their bytes are already in the ring
 * right after the in-order data, so the ring's length grows over them. */
static void ooo_absorb(struct axn_tcp_conn *c)
{
    while (c->n_ooo > 0 && seq_leq(c->ooo[0].left, c->rcv_nxt)) {
        if (seq_gt(c->ooo[0].right, c->rcv_nxt)) {
            const uint32_t more = c->ooo[0].right - c->rcv_nxt;
            c->rcv.len += more;
            c->rcv_nxt += more;
        }
        ooo_remove_first(c);
    }
}

/* RFC 2883 4.1.2: the part of [left, right) already held out of order (the
 * first overlap) is a duplicate the next ACK reports. */
static void ooo_note_dup(struct axn_tcp_conn *c, uint32_t left, uint32_t right)
{
    for (unsigned i = 0; i < c->n_ooo; i++) {
        const uint32_t l = seq_max(left, c->ooo[i].left);
        const uint32_t r = seq_min(right, c->ooo[i].right);
        if (seq_lt(l, r)) {
            axn_tcp_sack_rx_dup(c, l, r, true);
            return;
        }
    }
}

/* ---- Data ------------------------------------------------------------------------- */

/* An aggregate from a device with LRO/GRO carries several segments' worth
 * of data in one: count each MSS of it toward the every-second-segment
 * ACK (RFC 1122 4.2.3.2, Linux acks each 2 x rcv_mss received), or the
 * sender would see one ACK per two 64 KiB aggregates. */
static void rx_count_aggregate(struct axn_tcp_conn *c, uint32_t n)
{
    const uint32_t mss = c->adv_mss != 0 ? c->adv_mss : AXN_TCP_DEFAULT_MSS;

    if (n > mss) {
        c->unacked_rx += (n - 1u) / mss;
    }
}

static void in_order(struct axn_tcp_conn *c, const uint8_t *data, uint32_t len, bool fin,
                     axn_time_t now)
{
    const bool had_gap = c->n_ooo > 0;
    const uint32_t before = c->rcv_nxt;
    (void)axn_tcp_rcv_ring_reserve(c, c->rcv.len + len);
    const uint32_t n = axn_tcp_ring_push(&c->rcv, data, len);
    if (n < len)
        c->layer->ext.rcvq_drop++;
    if (n == 0) {
        c->ack_now = true; /* our (zero) window, at once */
        return;
    }
    c->rcv_nxt += n;
    ooo_absorb(c);
    c->stats.bytes_received += c->rcv_nxt - before;
    /* A FIN right after this data (this segment's, or one held): its own
     * ACK, sent at once (fin_step), covers both. */
    const bool fin_next =
        (fin && n == len && !had_gap) || (c->fin_held && c->fin_held_seq == c->rcv_nxt);
    if (!fin_next) {
        rx_count_aggregate(c, n);
        axn_tcp_ack_schedule(c, had_gap, now);
    }
    axn_tcp_sock_event(c, AXN_POLLIN | AXN_POLLRDNORM);
}

/* RFC 9293 3.10.7.4: segments beyond RCV.NXT "should be held for later
 * processing"; RFC 5681 4.2: an immediate (duplicate) ACK tells the
 * sender. */
static void out_of_order(struct axn_tcp_conn *c, uint32_t seq, const uint8_t *data, uint32_t len,
                         axn_time_t now)
{
    const uint32_t off = seq - c->rcv_nxt;
    (void)axn_tcp_rcv_ring_reserve(c, c->rcv.len + off + len);
    const uint32_t room = axn_tcp_ring_free_space(&c->rcv);
    if (off >= room) {
        c->layer->ext.rcvq_drop++;
        axn_tcp_ack_schedule(c, true, now);
        return;
    }
    if (len > room - off) {
        len = room - off;
        c->layer->ext.rcvq_drop++;
    }
    ooo_note_dup(c, seq, seq + len);
    if (!ooo_insert(c, seq, seq + len)) {
        c->layer->ext.ofo_drop++;
        axn_tcp_ack_schedule(c, true, now);
        return;
    }
    /* RFC 2018 4: its block leads the SACK option of the ACK below. */
    axn_tcp_sack_rx_note(c, seq, seq + len);
    axn_tcp_ring_write_at(&c->rcv, c->rcv.len + off, data, len);
    c->layer->ext.ofo_queue++;
    axn_tcp_ack_schedule(c, true, now);
}

void axn_tcp_reass(struct axn_tcp_conn *c, uint32_t seq, const uint8_t *data, uint32_t len,
                   bool fin, axn_time_t now)
{
    /* SHUT_RD changes nothing here: Linux queues data after it and recv
     * returns it (tcp_input_data.c resets in FIN-WAIT-1/2 instead). */
    if (len == 0 || !seq_geq(seq, c->rcv_nxt))
        return;
    if (seq == c->rcv_nxt)
        in_order(c, data, len, fin, now);
    else
        out_of_order(c, seq, data, len, now);
}
