/*
 * RFC 6675 4 Update(): what an ACK's SACK blocks do to the scoreboard
 * (tcp_sack.h), with RFC 2883 4 D-SACK detection, RFC 2018 8 reneging,
 * reordering (TCPSACKReorder) and lost retransmissions
 * (TCPLostRetransmit); and RFC 6675 5.1, the scoreboard after an RTO.
 */
#include "tcp/tcp_sack.h"

#include "tcp/tcp_seq.h"

#define SACK_DUPTHRESH AXN_TCP_DUPACK_THRESH

/* Segments of `bytes` (TCP_INFO counts segments). */
static uint32_t segs_of(const struct axn_tcp_conn *c, uint32_t bytes)
{
    return c->mss != 0 ? (bytes + c->mss - 1u) / c->mss : bytes;
}

/* RFC 2883 4: the first block is a D-SACK when it lies below the
 * cumulative ACK (TCPDSACKRecv) or inside the second block
 * (TCPDSACKOfoRecv). It reports a duplicate, nothing new. */
static bool is_dsack(struct axn_tcp_conn *c, const struct axn_tcp *seg)
{
    const struct axn_tcp_sack_block *b = seg->opts.sack;

    if (seq_lt(b[0].left, seg->ack)) {
        c->layer->ext.dsack_recv++;
        return true;
    }
    if (seg->opts.n_sack > 1 && seq_geq(b[0].left, b[1].left) && seq_leq(b[0].right, b[1].right)) {
        c->layer->ext.dsack_ofo_recv++;
        return true;
    }
    return false;
}

/* A block newly SACKs bytes below the highest SACKed one that were never
 * retransmitted: they were reordered, not lost (Linux
 * tcp_check_sack_reordering). tcpi_reordering keeps the largest
 * distance seen, in segments. */
static void note_reorder(struct axn_tcp_conn *c, uint32_t left, uint32_t prior_high)
{
    uint32_t dist;

    if (!seq_lt(left, prior_high) || c->sb.rto_lost ||
        (c->in_recovery && seq_lt(left, c->sb.high_rxt))) {
        return;
    }
    c->layer->ext.sack_reorder++;
    dist = segs_of(c, prior_high - left);
    if (dist > c->stats.reordering) {
        c->stats.reordering = dist;
    }
}

/* SACKed bytes in [a, b). */
static uint32_t sacked_in(const struct axn_tcp_conn *c, uint32_t a, uint32_t b)
{
    uint32_t sum = 0;

    for (size_t i = 0; i < c->sb.n; i++) {
        uint32_t l = seq_max(c->sb.r[i].left, a);
        uint32_t r = seq_min(c->sb.r[i].right, b);

        sum += seq_lt(l, r) ? r - l : 0;
    }
    return sum;
}

/* RFC 2018 4 / RFC 6675 2: a block outside SND.UNA..snd_max (or empty) is
 * invalid (TCPSACKDiscard); one wholly below SND.UNA is old news. */
static void one_block(struct axn_tcp_conn *c, const struct axn_tcp_sack_block *b,
                      uint32_t prior_high)
{
    uint32_t left;
    uint32_t below;
    uint32_t before;

    if (!seq_lt(b->left, b->right) || seq_gt(b->right, c->snd_max)) {
        c->layer->ext.sack_discard++;
        return;
    }
    if (seq_leq(b->right, c->snd_una)) {
        return;
    }
    left = seq_max(b->left, c->snd_una);
    below = seq_lt(left, prior_high) ? seq_min(b->right, prior_high) : left;
    before = sacked_in(c, left, below);
    if (axn_tcp_sack_insert(c, left, b->right) > 0 && sacked_in(c, left, below) > before) {
        note_reorder(c, left, prior_high);
    }
}

/* TCPLostRetransmit: the head went again when snd_max was rxt_snd_max;
 * as much SACKed above that as IsLost() asks, with the head still
 * missing, says the retransmission was lost too: it goes again
 * (NextSeg takes it first) instead of waiting for the RTO. */
static void check_lost_rxt(struct axn_tcp_conn *c)
{
    struct axn_tcp_scoreboard *sb = &c->sb;

    if (!sb->rxt_pending) {
        return;
    }
    if (seq_gt(c->snd_una, sb->rxt_seq)) {
        sb->rxt_pending = false;
        return;
    }
    if (sacked_in(c, sb->rxt_snd_max, c->snd_max) > (uint32_t)(SACK_DUPTHRESH - 1) * c->mss) {
        c->layer->ext.lost_retransmit++;
        sb->rxt_pending = false;
        sb->rxt_lost = true;
    }
}

/* RFC 2018 8: a cumulative ACK stopping at (or in) a SACKed range means
 * the receiver discarded what it SACKed: forget every mark (the RTO, or
 * recovery, then resends those bytes). */
static void check_reneging(struct axn_tcp_conn *c)
{
    if (c->sb.n > 0 && c->sb.r[0].left == c->snd_una && c->snd_una != c->snd_max) {
        c->layer->ext.sack_reneging++;
        c->sb.n = 0;
    }
}

void axn_tcp_sack_update(struct axn_tcp_conn *c, const struct axn_tcp *seg, axn_time_t now)
{
    uint8_t n = seg->opts.n_sack;
    uint32_t prior_high = c->sb.n > 0 ? c->sb.r[c->sb.n - 1].right : c->snd_una;
    uint8_t i = 0;

    (void)now;
    if (!c->opt.sack_ok) {
        return;
    }
    axn_tcp_sack_trim(c);
    if (c->sb.rto_lost && seq_geq(c->snd_una, c->recover)) {
        c->sb.rto_lost = false; /* RFC 6675 5.1: the RTO's recovery is over */
    }
    if (n > 0 && is_dsack(c, seg)) {
        i = 1;
    }
    for (; i < n && i < AXN_TCP_MAX_SACK_BLOCKS; i++) {
        one_block(c, &seg->opts.sack[i], prior_high);
    }
    check_reneging(c);
    check_lost_rxt(c);
    c->stats.sacked = segs_of(c, axn_tcp_sack_sacked_bytes(c));
    c->stats.lost = segs_of(c, axn_tcp_sack_lost_bytes(c));
}

void axn_tcp_sack_on_rto(struct axn_tcp_conn *c, axn_time_t now)
{
    struct axn_tcp_scoreboard *sb = &c->sb;

    (void)now;
    if (!c->opt.sack_ok) {
        return;
    }
    /* RFC 6675 5.1: recovery ends; SACKed marks are kept (reneging is
     * caught by check_reneging), everything else is lost and goes again
     * from SND.UNA, skipping the SACKed ranges. */
    axn_tcp_sack_trim(c);
    sb->active = false;
    sb->rto_lost = true;
    sb->high_rxt = c->snd_una;
    sb->rescue_set = false;
    sb->rxt_pending = false;
    sb->rxt_lost = false;
}
