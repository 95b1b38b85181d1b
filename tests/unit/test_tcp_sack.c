/*
 * tcp/tcp_sack.c, tcp_sack_update.c, tcp_recovery.c: the sender's SACK
 * scoreboard on a bare connection struct (SMSS = 1000, SND.UNA = 1000):
 * insert/merge/overlap across the sequence wrap, invalid and D-SACK
 * blocks, the fixed array's fullness, RFC 6675 4 IsLost(), SetPipe() and
 * NextSeg() rules 1-4, reneging (RFC 2018 8), a lost retransmission, the
 * RTO (RFC 6675 5.1) and RFC 6675 5's window on entering recovery.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tcp/tcp_cc.h"
#include "tcp/tcp_recovery.h"
#include "tcp/tcp_sack.h"

#define SMSS 1000u
#define UNA  1000u
#define WND  1000000u

static struct axn_tcp_layer L;

/* `flight` bytes in flight from UNA (all of the send ring: nothing
 * unsent), SACK negotiated. */
static void conn_init(struct axn_tcp_conn *c, uint32_t una, uint32_t flight)
{
    memset(c, 0, sizeof(*c));
    memset(&L, 0, sizeof(L));
    c->layer = &L;
    c->mss = SMSS;
    c->cc = &axn_tcp_cc_newreno;
    c->opt.sack_ok = true;
    c->snd_una = una;
    c->snd_nxt = una + flight;
    c->snd_max = una + flight;
    c->snd_wnd = WND;
    c->snd.len = flight;
    c->cc->init(c, 0);
    axn_tcp_sack_reset(c);
}

/* Segment k (0-based) of SMSS from UNA: [UNA + k*SMSS, +SMSS). */
static uint32_t sg(uint32_t k)
{
    return UNA + k * SMSS;
}

/* An ACK at `ack` carrying the given blocks, through Update(). */
static void ack_with(struct axn_tcp_conn *c, uint32_t ack, const uint32_t *edges, uint8_t n)
{
    struct axn_tcp seg;

    memset(&seg, 0, sizeof(seg));
    seg.flags = AXN_TCP_ACK;
    seg.ack = ack;
    seg.opts.n_sack = n;
    for (uint8_t i = 0; i < n; i++) {
        seg.opts.sack[i].left = edges[2 * i];
        seg.opts.sack[i].right = edges[2 * i + 1];
    }
    c->snd_una = ack;
    axn_tcp_sack_update(c, &seg, 0);
}

static void assert_range(const struct axn_tcp_conn *c, size_t i, uint32_t left, uint32_t right)
{
    assert_true(i < c->sb.n);
    assert_int_equal(c->sb.r[i].left, left);
    assert_int_equal(c->sb.r[i].right, right);
}

static void test_insert_merge(void **state)
{
    struct axn_tcp_conn c;

    (void)state;
    conn_init(&c, UNA, 10 * SMSS);
    assert_int_equal(axn_tcp_sack_insert(&c, sg(3), sg(4)), SMSS);
    assert_int_equal(axn_tcp_sack_insert(&c, sg(6), sg(7)), SMSS);
    assert_int_equal(c.sb.n, 2);
    /* Below both, not touching: a third range, first in order. */
    assert_int_equal(axn_tcp_sack_insert(&c, sg(1), sg(1) + 500), 500);
    assert_range(&c, 0, sg(1), sg(1) + 500);
    /* Adjacent on both sides: one range. */
    assert_int_equal(axn_tcp_sack_insert(&c, sg(4), sg(6)), 2 * SMSS);
    assert_int_equal(c.sb.n, 2);
    assert_range(&c, 1, sg(3), sg(7));
    /* Overlapping: only the new part counts; a duplicate adds nothing. */
    assert_int_equal(axn_tcp_sack_insert(&c, sg(2) + 500, sg(3) + 500), 500);
    assert_range(&c, 1, sg(2) + 500, sg(7));
    assert_int_equal(axn_tcp_sack_insert(&c, sg(4), sg(5)), 0);
    /* Covering everything: one range. */
    assert_int_equal(axn_tcp_sack_insert(&c, sg(1), sg(8)), 2 * SMSS);
    assert_int_equal(c.sb.n, 1);
    assert_range(&c, 0, sg(1), sg(8));
    assert_int_equal(axn_tcp_sack_sacked_bytes(&c), 7 * SMSS);
    /* The cumulative ACK moves into the range: trimmed. */
    c.snd_una = sg(2);
    axn_tcp_sack_trim(&c);
    assert_range(&c, 0, sg(2), sg(8));
    c.snd_una = sg(8);
    axn_tcp_sack_trim(&c);
    assert_int_equal(c.sb.n, 0);
}

/* Sequence numbers wrap at 2^32: order and merging follow RFC 9293 3.4's
 * modular comparison. */
static void test_wrap(void **state)
{
    struct axn_tcp_conn c;
    const uint32_t una = 0xfffff000u;

    (void)state;
    conn_init(&c, una, 8 * SMSS);
    assert_int_equal(axn_tcp_sack_insert(&c, 0x200u, 0x600u), 0x400);
    assert_int_equal(axn_tcp_sack_insert(&c, 0xfffff800u, 0xfffffc00u), 0x400);
    assert_range(&c, 0, 0xfffff800u, 0xfffffc00u);
    assert_range(&c, 1, 0x200u, 0x600u);
    assert_int_equal(axn_tcp_sack_insert(&c, 0xfffffc00u, 0x200u), 0x600);
    assert_int_equal(c.sb.n, 1);
    assert_range(&c, 0, 0xfffff800u, 0x600u);
    assert_int_equal(axn_tcp_sack_skip(&c, 0x100u), 0x600u);
    assert_int_equal(axn_tcp_sack_next_sacked(&c, una), 0xfffff800u);
}

/* RFC 2018 4 / RFC 6675: blocks past snd_max or empty are invalid
 * (TCPSACKDiscard); blocks below SND.UNA are old news; valid ones land. */
static void test_invalid_blocks(void **state)
{
    struct axn_tcp_conn c;
    const uint32_t e[] = {sg(3), sg(4), sg(9), sg(11), sg(5), sg(5)};
    const uint32_t old[] = {sg(6), sg(7), UNA - 2000, UNA - 1000};

    (void)state;
    conn_init(&c, UNA, 10 * SMSS);
    ack_with(&c, UNA, e, 3);
    assert_int_equal(L.ext.sack_discard, 2);
    assert_int_equal(c.sb.n, 1);
    assert_range(&c, 0, sg(3), sg(4));
    /* Second block below SND.UNA: not a D-SACK (only the first can be),
     * not counted, not kept. */
    ack_with(&c, UNA, old, 2);
    assert_int_equal(L.ext.sack_discard, 2);
    assert_int_equal(c.sb.n, 2);
    assert_int_equal(L.ext.dsack_recv, 0);
    assert_int_equal(c.stats.sacked, 2);
}

/* RFC 2883 4: a first block below the cumulative ACK, or inside the
 * second block, reports a duplicate. */
static void test_dsack(void **state)
{
    struct axn_tcp_conn c;
    const uint32_t below[] = {UNA - SMSS, UNA, sg(4), sg(5)};
    const uint32_t inside[] = {sg(4), sg(5), sg(3), sg(6)};

    (void)state;
    conn_init(&c, UNA, 10 * SMSS);
    ack_with(&c, UNA, below, 2);
    assert_int_equal(L.ext.dsack_recv, 1);
    assert_int_equal(L.ext.dsack_ofo_recv, 0);
    assert_int_equal(c.sb.n, 1);
    assert_range(&c, 0, sg(4), sg(5));
    ack_with(&c, UNA, inside, 2);
    assert_int_equal(L.ext.dsack_recv, 1);
    assert_int_equal(L.ext.dsack_ofo_recv, 1);
    assert_range(&c, 0, sg(3), sg(6));
    assert_int_equal(L.ext.sack_discard, 0);
}

/* The array is bounded: a range more than it holds forgets the smallest
 * (the new one when it is the smallest), keeping order and the largest. */
static void test_full_array(void **state)
{
    struct axn_tcp_conn c;
    size_t i;

    (void)state;
    conn_init(&c, UNA, 200 * SMSS);
    for (i = 0; i < AXN_TCP_SACK_SB_RANGES; i++) {
        /* Every other segment, the one at index 5 only 100 bytes. */
        uint32_t len = i == 5 ? 100u : SMSS;
        assert_int_equal(axn_tcp_sack_insert(&c, sg(2 * i + 1), sg(2 * i + 1) + len), len);
    }
    assert_int_equal(c.sb.n, AXN_TCP_SACK_SB_RANGES);
    /* A 50-byte range is the smallest: not kept. */
    assert_int_equal(axn_tcp_sack_insert(&c, sg(150), sg(150) + 50), 0);
    assert_int_equal(c.sb.n, AXN_TCP_SACK_SB_RANGES);
    assert_int_equal(axn_tcp_sack_skip(&c, sg(150)), sg(150));
    /* A full segment: the 100-byte range goes instead. */
    assert_int_equal(axn_tcp_sack_insert(&c, sg(151), sg(152)), SMSS);
    assert_int_equal(c.sb.n, AXN_TCP_SACK_SB_RANGES);
    assert_int_equal(axn_tcp_sack_skip(&c, sg(11)), sg(11));
    assert_range(&c, AXN_TCP_SACK_SB_RANGES - 1, sg(151), sg(152));
    for (i = 1; i < c.sb.n; i++) {
        assert_true(c.sb.r[i - 1].right < c.sb.r[i].left);
    }
    /* Merging frees room: a range joining two leaves n - 1. */
    axn_tcp_sack_insert(&c, sg(2), sg(3));
    assert_int_equal(c.sb.n, AXN_TCP_SACK_SB_RANGES - 1);
}

/* RFC 6675 4 IsLost(): more than (DupThresh - 1) * SMSS SACKed bytes
 * above, or DupThresh discontiguous SACKed ranges above. */
static void test_is_lost(void **state)
{
    struct axn_tcp_conn c;

    (void)state;
    conn_init(&c, UNA, 10 * SMSS);
    axn_tcp_sack_insert(&c, sg(3), sg(5)); /* 2 SMSS: not more than 2 SMSS */
    assert_false(axn_tcp_sack_is_lost(&c, UNA));
    assert_int_equal(axn_tcp_sack_lost_edge(&c), UNA);
    axn_tcp_sack_insert(&c, sg(5), sg(6)); /* 3 SMSS above segments 0-2 */
    assert_true(axn_tcp_sack_is_lost(&c, sg(0)));
    assert_true(axn_tcp_sack_is_lost(&c, sg(2)));
    assert_false(axn_tcp_sack_is_lost(&c, sg(3))); /* SACKed */
    assert_false(axn_tcp_sack_is_lost(&c, sg(6)));
    assert_int_equal(axn_tcp_sack_lost_edge(&c), sg(3));

    conn_init(&c, UNA, 10 * SMSS);
    axn_tcp_sack_insert(&c, sg(2), sg(2) + 100);
    axn_tcp_sack_insert(&c, sg(4), sg(4) + 100);
    assert_false(axn_tcp_sack_is_lost(&c, UNA));
    axn_tcp_sack_insert(&c, sg(6), sg(6) + 100); /* 3 discontiguous, 300 bytes */
    assert_true(axn_tcp_sack_is_lost(&c, UNA));
    assert_true(axn_tcp_sack_is_lost(&c, sg(1)));
    assert_false(axn_tcp_sack_is_lost(&c, sg(3))); /* only 2 ranges above */
}

/* RFC 6675 4 SetPipe(): unSACKed bytes not lost, plus retransmitted
 * bytes once more. */
static void test_pipe(void **state)
{
    struct axn_tcp_conn c;

    (void)state;
    conn_init(&c, UNA, 10 * SMSS);
    assert_int_equal(axn_tcp_sack_pipe(&c), 10 * SMSS); /* nothing SACKed */
    axn_tcp_sack_insert(&c, sg(2), sg(5));              /* segments 0-1 lost */
    assert_int_equal(axn_tcp_sack_pipe(&c), 5 * SMSS);
    assert_int_equal(axn_tcp_sack_lost_bytes(&c), 2 * SMSS);
    c.sb.high_rxt = sg(1); /* segment 0 retransmitted */
    assert_int_equal(axn_tcp_sack_pipe(&c), 6 * SMSS);
    assert_int_equal(axn_tcp_sack_lost_bytes(&c), SMSS);
    c.sb.high_rxt = sg(2);
    assert_int_equal(axn_tcp_sack_pipe(&c), 7 * SMSS);
    /* A retransmitted hole not lost counts twice. */
    conn_init(&c, UNA, 10 * SMSS);
    axn_tcp_sack_insert(&c, sg(8), sg(9));
    c.sb.high_rxt = sg(1);
    assert_int_equal(axn_tcp_sack_pipe(&c), 9 * SMSS + SMSS);
}

/* RFC 6675 4 NextSeg(): rule 1 lost holes from HighRxt on, rule 2 new
 * data, rule 3 holes not lost, rule 4 one rescue retransmission. */
static void test_next_seg(void **state)
{
    struct axn_tcp_conn c;
    struct axn_tcp_sack_seg s;

    (void)state;
    conn_init(&c, UNA, 10 * SMSS);
    c.recover = c.snd_max;
    axn_tcp_sack_insert(&c, sg(2) + 300, sg(6)); /* 0, 1 and 300 bytes of 2 lost */
    axn_tcp_sack_next_seg(&c, &s);
    assert_int_equal(s.kind, AXN_TCP_SACK_LOST);
    assert_int_equal(s.seq, sg(0));
    assert_int_equal(s.len, SMSS);
    c.sb.high_rxt = sg(2);
    axn_tcp_sack_next_seg(&c, &s); /* up to the SACKed range, not past it */
    assert_int_equal(s.kind, AXN_TCP_SACK_LOST);
    assert_int_equal(s.seq, sg(2));
    assert_int_equal(s.len, 300);
    c.sb.high_rxt = sg(2) + 300;
    c.snd.len += 5 * SMSS; /* unsent data: rule 2 */
    axn_tcp_sack_next_seg(&c, &s);
    assert_int_equal(s.kind, AXN_TCP_SACK_NEW);
    assert_int_equal(s.seq, c.snd_max);
    assert_int_equal(s.len, 5 * SMSS);
    c.snd_wnd = 10 * SMSS + 2 * SMSS; /* the peer's window caps it */
    axn_tcp_sack_next_seg(&c, &s);
    assert_int_equal(s.len, 2 * SMSS);
    c.snd_wnd = 10 * SMSS; /* full: no rule 2; no hole below sg(6) left */
    axn_tcp_sack_next_seg(&c, &s);
    assert_int_equal(s.kind, AXN_TCP_SACK_NONE); /* rule 4 waits for a partial ACK */
    c.sb.partial_ack = true;
    axn_tcp_sack_next_seg(&c, &s);
    assert_int_equal(s.kind, AXN_TCP_SACK_RESCUE);
    assert_int_equal(s.seq, sg(9)); /* the highest unSACKed segment */
    assert_int_equal(s.len, SMSS);
    c.sb.rescue_set = true;
    c.sb.rescue_rxt = c.recover;
    axn_tcp_sack_next_seg(&c, &s);
    assert_int_equal(s.kind, AXN_TCP_SACK_NONE);

    /* Rule 3: holes below the highest SACKed byte, not yet lost. */
    conn_init(&c, UNA, 10 * SMSS);
    axn_tcp_sack_insert(&c, sg(3), sg(4));
    axn_tcp_sack_insert(&c, sg(7), sg(8));
    axn_tcp_sack_next_seg(&c, &s);
    assert_int_equal(s.kind, AXN_TCP_SACK_HOLE);
    assert_int_equal(s.seq, UNA);
    c.sb.high_rxt = sg(3);
    axn_tcp_sack_next_seg(&c, &s);
    assert_int_equal(s.kind, AXN_TCP_SACK_HOLE);
    assert_int_equal(s.seq, sg(4));
    c.sb.high_rxt = sg(7);
    c.sb.partial_ack = true;
    axn_tcp_sack_next_seg(&c, &s); /* the tail above the last range: rescue */
    assert_int_equal(s.kind, AXN_TCP_SACK_RESCUE);
    assert_int_equal(s.seq, sg(9));
}

/* RFC 2018 8: the cumulative ACK stopping at a SACKed range means the
 * receiver threw it away (TCPSACKReneging): the marks are forgotten. */
static void test_reneging(void **state)
{
    struct axn_tcp_conn c;
    const uint32_t e[] = {sg(3), sg(5)};

    (void)state;
    conn_init(&c, UNA, 10 * SMSS);
    ack_with(&c, UNA, e, 1);
    assert_int_equal(c.sb.n, 1);
    ack_with(&c, sg(2), NULL, 0);
    assert_int_equal(L.ext.sack_reneging, 0);
    assert_int_equal(c.sb.n, 1);
    ack_with(&c, sg(3), NULL, 0);
    assert_int_equal(L.ext.sack_reneging, 1);
    assert_int_equal(c.sb.n, 0);
}

/* TCPSACKReorder: a hole filled by a SACK, never retransmitted, below
 * the highest SACKed byte was reordered. */
static void test_reorder(void **state)
{
    struct axn_tcp_conn c;
    const uint32_t hi[] = {sg(5), sg(6)};
    const uint32_t lo[] = {sg(2), sg(3), sg(5), sg(6)};

    (void)state;
    conn_init(&c, UNA, 10 * SMSS);
    ack_with(&c, UNA, hi, 1);
    assert_int_equal(L.ext.sack_reorder, 0);
    ack_with(&c, UNA, lo, 2);
    assert_int_equal(L.ext.sack_reorder, 1);
    assert_int_equal(c.stats.reordering, 4);
}

/* TCPLostRetransmit: the head went again when snd_max was S; more than
 * (DupThresh - 1) SMSS SACKed above S with the head still missing: it
 * is lost again, and NextSeg offers it first. */
static void test_lost_retransmit(void **state)
{
    struct axn_tcp_conn c;
    struct axn_tcp_sack_seg s;
    const uint32_t e[] = {sg(10), sg(13), sg(2), sg(9)};

    (void)state;
    conn_init(&c, UNA, 9 * SMSS);
    c.in_recovery = true;
    c.sb.active = true;
    axn_tcp_sack_insert(&c, sg(2), sg(9));
    c.sb.high_rxt = sg(2);
    c.sb.rxt_pending = true;
    c.sb.rxt_seq = UNA;
    c.sb.rxt_snd_max = c.snd_max;
    c.snd_max = sg(13); /* new data sent after the retransmission */
    c.snd_nxt = c.snd_max;
    c.snd.len = 13 * SMSS;
    ack_with(&c, UNA, e, 2);
    assert_int_equal(L.ext.lost_retransmit, 1);
    axn_tcp_sack_next_seg(&c, &s);
    assert_int_equal(s.kind, AXN_TCP_SACK_LOST);
    assert_int_equal(s.seq, UNA);
    assert_int_equal(s.len, SMSS);
}

/* RFC 6675 5.1: after an RTO every unSACKed byte is lost (the SACKed
 * marks stay), until the cumulative ACK reaches the recovery point. */
static void test_rto(void **state)
{
    struct axn_tcp_conn c;

    (void)state;
    conn_init(&c, UNA, 10 * SMSS);
    axn_tcp_sack_insert(&c, sg(4), sg(5));
    axn_tcp_sack_on_rto(&c, 0);
    axn_tcp_recovery_on_rto(&c, 0);
    assert_int_equal(c.cwnd, SMSS);
    assert_int_equal(c.recover, sg(10));
    assert_true(axn_tcp_sack_is_lost(&c, sg(9)));
    assert_false(axn_tcp_sack_is_lost(&c, sg(4)));
    assert_int_equal(axn_tcp_sack_lost_bytes(&c), 9 * SMSS);
    assert_int_equal(axn_tcp_sack_pipe(&c), 0);
    /* Go-back-N skips the SACKed range. */
    assert_int_equal(axn_tcp_sack_next_sacked(&c, UNA), sg(4));
    assert_int_equal(axn_tcp_sack_skip(&c, sg(4)), sg(5));
    ack_with(&c, sg(10), NULL, 0);
    assert_false(c.sb.rto_lost);
    assert_int_equal(c.sb.n, 0);
}

/* RFC 6675 5 step 4.2: cwnd = ssthresh = the algorithm's (FlightSize / 2
 * for NewReno), no inflation; exit as RFC 6582 option (1). */
static void test_recovery_window(void **state)
{
    struct axn_tcp_conn c;

    (void)state;
    conn_init(&c, UNA, 20 * SMSS);
    axn_tcp_recovery_enter_sack(&c, 0);
    assert_true(c.in_recovery);
    assert_int_equal(c.ssthresh, 10 * SMSS);
    assert_int_equal(c.cwnd, 10 * SMSS);
    assert_int_equal(c.recover, sg(20));
    c.snd_una = sg(20);
    axn_tcp_recovery_exit(&c, 0);
    assert_false(c.in_recovery);
    assert_int_equal(c.cwnd, 2 * SMSS); /* an empty pipe: two segments */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_insert_merge),
        cmocka_unit_test(test_wrap),
        cmocka_unit_test(test_invalid_blocks),
        cmocka_unit_test(test_dsack),
        cmocka_unit_test(test_full_array),
        cmocka_unit_test(test_is_lost),
        cmocka_unit_test(test_pipe),
        cmocka_unit_test(test_next_seg),
        cmocka_unit_test(test_reneging),
        cmocka_unit_test(test_reorder),
        cmocka_unit_test(test_lost_retransmit),
        cmocka_unit_test(test_rto),
        cmocka_unit_test(test_recovery_window),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
