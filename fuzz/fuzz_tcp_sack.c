/*
 * The sender's SACK scoreboard alone (tcp_sack.h, tcp_recovery.h; RFC
 * 2018, RFC 2883, RFC 6675): a connection block built in memory, no
 * stack, driven by a sequence of operations from the input, the
 * scoreboard's invariants checked after each.
 *
 * Input:
 *   bytes 0-3   initial SND.UNA (any: wraparound is reached);
 *   bytes 4-5   bytes in flight (snd_max - snd_una);
 *   bytes 6-7   SMSS (clamped to MIN_MSS..MAX_MSS);
 *   byte 8      bit 0: SACK negotiated; bit 1: CUBIC rather than NewReno;
 *   then operations, one opcode byte each and its operands:
 *     OP_SACK     n (1-4) blocks, each int16 left and uint16 length, relative
 *                 to SND.UNA (so below it: D-SACK, and past snd_max:
 *                 invalid), an ACK of nothing new (Update());
 *     OP_ACK      uint16 bytes acknowledged (mod the flight + 1) and a SACK
 *                 block as above: SND.UNA advances, recovery ends at
 *                 RecoveryPoint (RFC 6675 5 step (A)) or a partial ACK;
 *     OP_RTO      the retransmission timer fires (RFC 6675 5.1);
 *     OP_RECOVER  enter RFC 6675 recovery (step 4);
 *     OP_NEXTSEG  NextSeg(), and, when it chose one, its send as
 *                 tcp_sack_send.c moves the pointers (HighRxt, RescueRxt,
 *                 HighData);
 *     OP_WRITE    uint16 bytes queued in the send ring;
 *     OP_WINDOW   uint16 peer window, shifted by a byte's low 4 bits;
 *     OP_FIN      the FIN is queued.
 *
 * Checked after every operation: the ranges sorted, disjoint and not
 * adjacent (merged), each non-empty and inside [SND.UNA, snd_max], at
 * most AXN_TCP_SACK_SB_RANGES; HighRxt inside [SND.UNA, snd_max]; SetPipe()
 * at most twice the unSACKed bytes (RFC 6675 4: an unSACKed byte counts
 * once if not lost and once more if retransmitted) and the lost bytes at
 * most the unSACKed ones; NextSeg() a retransmission inside [SND.UNA,
 * snd_max), at most SMSS, not starting in a SACKed range, or new data at
 * snd_max within the ring and the window; cwnd >= 1 SMSS. With flights
 * up to MODEL_MAX_FLIGHT bytes, SetPipe() and the lost bytes equal a
 * byte-by-byte model of RFC 6675 4 IsLost()/SetPipe().
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/byteorder.h"
#include "support/fuzz_check.h"
#include "tcp/tcp.h"
#include "tcp/tcp_cc.h"
#include "tcp/tcp_conn.h"
#include "tcp/tcp_output.h"
#include "tcp/tcp_recovery.h"
#include "tcp/tcp_sack.h"
#include "tcp/tcp_seq.h"
#include "wire/tcp.h"

#define HDR_LEN     9u
#define MIN_MSS     64u
#define MAX_MSS     9000u
#define MAX_OPS     256u
#define WND_SHIFT   0x0fu
#define MAX_SHIFT   14u
#define BLOCK_BYTES 4u
#define FL_SACK     0x01u
#define FL_CUBIC    0x02u
#define T_STEP      AXN_MSEC(10)
#define INIT_WINDOW 65535u
/* The byte model runs up to this flight (its cost is per byte). */
#define MODEL_MAX_FLIGHT 512u
#define MODEL_DUPTHRESH  ((uint32_t)AXN_TCP_DUPACK_THRESH)

enum op { OP_SACK, OP_ACK, OP_RTO, OP_RECOVER, OP_NEXTSEG, OP_WRITE, OP_WINDOW, OP_FIN, OP_COUNT };

static struct axn_tcp_layer layer;
static struct axn_tcp_conn conn;
static axn_time_t now;

/* ---- Input ------------------------------------------------------------------------------- */

struct in {
    const uint8_t *d;
    size_t size, pos;
};

static bool take(struct in *in, size_t n, const uint8_t **p)
{
    if (in->size - in->pos < n)
        return false;
    *p = in->d + in->pos;
    in->pos += n;
    return true;
}

static uint16_t take16(struct in *in)
{
    const uint8_t *p;
    return take(in, 2, &p) ? axn_get_be16(p) : 0;
}

static uint8_t take8(struct in *in)
{
    const uint8_t *p;
    return take(in, 1, &p) ? *p : 0;
}

/* ---- Invariants -------------------------------------------------------------------------- */

static uint32_t flight(const struct axn_tcp_conn *c)
{
    return c->snd_max - c->snd_una;
}

/* ---- A byte-by-byte model of RFC 6675 4 (small flights only) ---------------------------- */

static bool model_sacked(const struct axn_tcp_conn *c, uint32_t seq)
{
    for (size_t i = 0; i < c->sb.n; i++)
        if (seq_geq(seq, c->sb.r[i].left) && seq_lt(seq, c->sb.r[i].right))
            return true;
    return false;
}

/* IsLost(seq) for an unSACKed byte: DupThresh SACKed ranges above it, or
 * more than (DupThresh - 1) * SMSS SACKed bytes; everything after an RTO. */
static bool model_lost(const struct axn_tcp_conn *c, uint32_t seq)
{
    uint32_t ranges = 0, bytes = 0;
    if (c->sb.rto_lost)
        return true;
    for (size_t i = 0; i < c->sb.n; i++) {
        if (seq_gt(c->sb.r[i].left, seq)) {
            ranges++;
            bytes += c->sb.r[i].right - c->sb.r[i].left;
        }
    }
    return ranges >= MODEL_DUPTHRESH || bytes > (MODEL_DUPTHRESH - 1u) * (uint32_t)c->mss;
}

/* SetPipe() and the lost-not-retransmitted bytes, byte by byte. */
static void check_model(const struct axn_tcp_conn *c)
{
    uint32_t pipe = 0, lost = 0;
    if (flight(c) > MODEL_MAX_FLIGHT)
        return;
    for (uint32_t s = c->snd_una; s != c->snd_max; s++) {
        if (model_sacked(c, s))
            continue;
        const bool is_lost = model_lost(c, s);
        const bool rxt = seq_lt(s, c->sb.high_rxt);
        pipe += (is_lost ? 0u : 1u) + (rxt ? 1u : 0u);
        lost += is_lost && !rxt;
    }
    CHECK(axn_tcp_sack_pipe(c) == pipe);
    CHECK(axn_tcp_sack_lost_bytes(c) == lost);
}

static void check_board(const struct axn_tcp_conn *c)
{
    const struct axn_tcp_scoreboard *sb = &c->sb;
    CHECK(sb->n <= AXN_TCP_SACK_SB_RANGES);
    for (size_t i = 0; i < sb->n; i++) {
        const struct axn_tcp_sb_range *r = &sb->r[i];
        CHECK(seq_lt(r->left, r->right));
        CHECK(seq_geq(r->left, c->snd_una) && seq_leq(r->right, c->snd_max));
        /* Sorted, and merged: a gap between neighbours. */
        CHECK(i == 0 || seq_lt(sb->r[i - 1].right, r->left));
    }
    /* Without SACK nothing keeps HighRxt (Update() returns at once). */
    CHECK(!c->opt.sack_ok ||
          (seq_geq(sb->high_rxt, c->snd_una) && seq_leq(sb->high_rxt, c->snd_max)));
    const uint32_t sacked = axn_tcp_sack_sacked_bytes(c);
    CHECK(sacked <= flight(c));
    const uint32_t unsacked = flight(c) - sacked;
    CHECK(axn_tcp_sack_pipe(c) <= 2u * (uint64_t)unsacked);
    CHECK(axn_tcp_sack_lost_bytes(c) <= unsacked);
    CHECK(c->cwnd >= c->mss);
    if (c->opt.sack_ok)
        check_model(c);
}

static void check_next_seg(const struct axn_tcp_conn *c, const struct axn_tcp_sack_seg *s)
{
    switch (s->kind) {
    case AXN_TCP_SACK_NONE:
        return;
    case AXN_TCP_SACK_NEW:
        CHECK(s->seq == c->snd_max && s->len > 0);
        CHECK(s->len <= axn_tcp_unsent(c) || (axn_tcp_unsent(c) == 0 && s->len == 1));
        CHECK(axn_tcp_unsent(c) == 0 || seq_leq(s->seq + s->len, c->snd_una + c->snd_wnd));
        return;
    default:
        CHECK(s->len > 0 && s->len <= c->mss);
        CHECK(seq_geq(s->seq, c->snd_una) && seq_lt(s->seq, c->snd_max));
        CHECK(seq_leq(s->seq + s->len, c->snd_max));
        CHECK(s->kind == AXN_TCP_SACK_RESCUE || axn_tcp_sack_skip(c, s->seq) == s->seq);
        return;
    }
}

/* ---- Operations -------------------------------------------------------------------------- */

/* Up to 4 blocks relative to SND.UNA into seg->opts. */
static void take_blocks(struct in *in, struct axn_tcp *seg, uint8_t n)
{
    seg->opts.n_sack = 0;
    for (uint8_t i = 0; i < n && i < AXN_TCP_MAX_SACK_BLOCKS; i++) {
        const uint8_t *p;
        if (!take(in, BLOCK_BYTES, &p))
            return;
        const uint32_t left = conn.snd_una + (uint32_t)(int32_t)(int16_t)axn_get_be16(p);
        seg->opts.sack[i] = (struct axn_tcp_sack_block){left, left + axn_get_be16(p + 2)};
        seg->opts.n_sack++;
    }
}

static void op_sack(struct in *in)
{
    struct axn_tcp seg;
    memset(&seg, 0, sizeof(seg));
    seg.ack = conn.snd_una;
    take_blocks(in, &seg, (uint8_t)(take8(in) % AXN_TCP_MAX_SACK_BLOCKS + 1u));
    conn.sb.partial_ack = false;
    axn_tcp_sack_update(&conn, &seg, now);
}

/* tcp_ack.c's order: SND.UNA moves, Update(), then recovery's end at
 * RecoveryPoint or a partial ACK (RFC 6675 5 (A), 4 rule 4 note). */
static void op_ack(struct in *in)
{
    struct axn_tcp seg;
    memset(&seg, 0, sizeof(seg));
    const uint32_t acked = take16(in) % (flight(&conn) + 1u);
    conn.snd_una += acked;
    if (seq_lt(conn.snd_nxt, conn.snd_una))
        conn.snd_nxt = conn.snd_una;
    conn.snd.len = acked <= conn.snd.len ? conn.snd.len - acked : 0;
    if (acked > 0)
        conn.backoff = 0;
    seg.ack = conn.snd_una;
    take_blocks(in, &seg, 1);
    conn.sb.partial_ack = acked > 0 && conn.in_recovery && seq_lt(conn.snd_una, conn.recover);
    axn_tcp_sack_update(&conn, &seg, now);
    if (conn.in_recovery && seq_geq(conn.snd_una, conn.recover))
        axn_tcp_recovery_exit(&conn, now);
}

static void op_rto(void)
{
    axn_tcp_sack_on_rto(&conn, now);
    axn_tcp_recovery_on_rto(&conn, now);
    conn.snd_nxt = conn.snd_una;
    if (conn.backoff < UINT8_MAX)
        conn.backoff++;
}

/* tcp_sack_send.c's enter_recovery without the segment it sends. */
static void op_recover(void)
{
    if (!conn.opt.sack_ok || conn.in_recovery)
        return;
    conn.snd_nxt = conn.snd_max;
    axn_tcp_recovery_enter_sack(&conn, now);
    conn.sb.active = true;
    conn.sb.rto_lost = false;
    conn.sb.rescue_set = false;
    if (seq_lt(conn.sb.high_rxt, conn.snd_una))
        conn.sb.high_rxt = conn.snd_una;
}

/* NextSeg() and its send, moving what tcp_sack_send.c's send_rxt and
 * axn_tcp_send_next move. */
static void op_nextseg(void)
{
    struct axn_tcp_sack_seg s;
    struct axn_tcp_scoreboard *sb = &conn.sb;
    axn_tcp_sack_next_seg(&conn, &s);
    check_next_seg(&conn, &s);
    if (s.kind == AXN_TCP_SACK_NONE)
        return;
    if (s.kind == AXN_TCP_SACK_NEW) {
        if (axn_tcp_unsent(&conn) == 0)
            conn.fin_sent = true;
        conn.snd_max += s.len;
        conn.snd_nxt = conn.snd_max;
        return;
    }
    if (s.kind == AXN_TCP_SACK_RESCUE) {
        sb->rescue_set = true;
        sb->rescue_rxt = conn.recover;
    } else if (seq_gt(s.seq + s.len, sb->high_rxt)) {
        sb->high_rxt = s.seq + s.len;
    }
    if (s.seq == conn.snd_una) {
        sb->rxt_lost = false;
        sb->rxt_pending = true;
        sb->rxt_seq = s.seq;
        sb->rxt_snd_max = conn.snd_max;
    }
}

static void run_op(struct in *in, uint8_t op)
{
    switch (op % OP_COUNT) {
    case OP_SACK:
        op_sack(in);
        break;
    case OP_ACK:
        op_ack(in);
        break;
    case OP_RTO:
        op_rto();
        break;
    case OP_RECOVER:
        op_recover();
        break;
    case OP_NEXTSEG:
        op_nextseg();
        break;
    case OP_WRITE:
        if (!conn.fin_queued)
            conn.snd.len += take16(in);
        break;
    case OP_WINDOW: {
        const uint32_t w = take16(in);
        const uint8_t sh = (uint8_t)(take8(in) & WND_SHIFT);
        conn.snd_wnd = w << (sh > MAX_SHIFT ? MAX_SHIFT : sh);
        break;
    }
    default:
        conn.fin_queued = true;
        break;
    }
}

/* ---- Setup ------------------------------------------------------------------------------- */

static void setup(struct in *in)
{
    const uint8_t *h;
    memset(&layer, 0, sizeof(layer));
    memset(&conn, 0, sizeof(conn));
    now = AXN_SEC(1);
    if (!take(in, HDR_LEN, &h))
        h = (const uint8_t[HDR_LEN]){0};
    conn.layer = &layer;
    conn.snd_una = axn_get_be32(h);
    conn.snd_max = conn.snd_nxt = conn.snd_una + axn_get_be16(h + 4);
    conn.snd.len = axn_get_be16(h + 4); /* the flight is in the ring */
    uint32_t mss = axn_get_be16(h + 6);
    conn.mss = (uint16_t)(mss < MIN_MSS ? MIN_MSS : mss > MAX_MSS ? MAX_MSS : mss);
    conn.opt.sack_ok = (h[8] & FL_SACK) != 0;
    conn.cc = (h[8] & FL_CUBIC) ? &axn_tcp_cc_cubic : &axn_tcp_cc_newreno;
    conn.snd_wnd = conn.max_snd_wnd = INIT_WINDOW;
    conn.state = AXN_TCP_ESTABLISHED;
    conn.cc->init(&conn, now);
    axn_tcp_sack_reset(&conn);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct in in = {.d = data, .size = size};
    setup(&in);
    check_board(&conn);
    for (size_t n = 0; n < MAX_OPS && in.pos < in.size; n++) {
        run_op(&in, take8(&in));
        now += T_STEP;
        check_board(&conn);
    }
    return 0;
}
