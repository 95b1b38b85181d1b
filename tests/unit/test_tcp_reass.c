/*
 * tcp/tcp_reass.c: received data into the receive ring, in order and out
 * of order (RFC 9293 3.10.7.4 "seventh"), on a connection built by hand
 * over a local ring buffer.
 *
 * The connection is left in LISTEN so that the ACK policy's output
 * (axn_tcp_ack_schedule -> axn_tcp_output) sends nothing: the tests read
 * its decision from conn->ack_now and the delayed-ACK timer instead.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tcp/tcp_input.h"

#define CAP      1000u
#define SEQ0     0x00001000u
#define SEQ_WRAP 0xffffffc0u /* 64 bytes before 2^32 */
#define PAT_MUL  7u
#define PAT_ADD  3u
#define BIG      2000u

struct fx {
    struct axn_tcp_layer l;
    struct axn_tcp_conn c;
    uint8_t buf[CAP];
    uint8_t src[BIG]; /* the stream: byte i is at base + i */
    uint32_t base;
};

static struct fx *fx_new(uint32_t base)
{
    struct fx *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->base = base;
    f->c.layer = &f->l;
    f->c.state = AXN_TCP_LISTEN;
    f->c.rcv_nxt = base;
    for (int i = 0; i < AXN_TCP_T_COUNT; i++)
        f->c.timer[i] = AXN_TIME_NEVER;
    assert_int_equal(axn_tcp_ring_init(&f->c.rcv, f->buf, CAP), 0);
    for (uint32_t i = 0; i < BIG; i++)
        f->src[i] = (uint8_t)(i * PAT_MUL + PAT_ADD);
    return f;
}

static int setup(void **state)
{
    *state = fx_new(SEQ0);
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

/* Stream bytes [off, off + len) arrive. */
static void rx(struct fx *f, uint32_t off, uint32_t len)
{
    axn_tcp_reass(&f->c, f->base + off, f->src + off, len, false, 0);
}

/* The ring's in-order bytes are stream bytes [from, from + len). */
static void assert_ring(struct fx *f, uint32_t from, uint32_t len)
{
    uint8_t out[CAP];
    assert_int_equal(f->c.rcv.len, len);
    axn_tcp_ring_peek(&f->c.rcv, 0, out, len);
    assert_memory_equal(out, f->src + from, len);
}

static void assert_range(struct fx *f, unsigned i, uint32_t left, uint32_t right)
{
    assert_true(i < f->c.n_ooo);
    assert_int_equal(f->c.ooo[i].left, f->base + left);
    assert_int_equal(f->c.ooo[i].right, f->base + right);
}

static void test_in_order_appends(void **state)
{
    struct fx *f = *state;
    rx(f, 0, 100);
    assert_int_equal(f->c.rcv_nxt, SEQ0 + 100);
    assert_ring(f, 0, 100);
    assert_int_equal(f->c.stats.bytes_received, 100);
    assert_int_equal(f->c.n_ooo, 0);
    /* No quick-ACKs left, first segment: a delayed ACK (RFC 1122 4.2.3.2). */
    assert_false(f->c.ack_now);
    assert_int_not_equal(f->c.timer[AXN_TCP_T_DELACK], AXN_TIME_NEVER);
    rx(f, 100, 50);
    assert_ring(f, 0, 150);
}

/* A gap, then the segment that fills it: the held bytes join at once. */
static void test_gap_then_fill(void **state)
{
    struct fx *f = *state;
    rx(f, 100, 100);
    assert_int_equal(f->c.rcv_nxt, SEQ0);
    assert_int_equal(f->c.rcv.len, 0);
    assert_int_equal(f->c.n_ooo, 1);
    assert_range(f, 0, 100, 200);
    assert_int_equal(f->l.ext.ofo_queue, 1);
    assert_true(f->c.ack_now); /* RFC 5681 4.2: an immediate duplicate ACK */
    f->c.ack_now = false;
    rx(f, 0, 100);
    assert_int_equal(f->c.rcv_nxt, SEQ0 + 200);
    assert_ring(f, 0, 200);
    assert_int_equal(f->c.n_ooo, 0);
    assert_int_equal(f->c.stats.bytes_received, 200);
    assert_true(f->c.ack_now); /* the gap just filled: ACK at once too */
}

/* Ranges that touch or overlap become one; disjoint ones stay sorted. */
static void test_ranges_merge(void **state)
{
    struct fx *f = *state;
    rx(f, 300, 100);
    rx(f, 100, 100);
    assert_int_equal(f->c.n_ooo, 2);
    assert_range(f, 0, 100, 200);
    assert_range(f, 1, 300, 400);
    rx(f, 200, 100); /* touches both */
    assert_int_equal(f->c.n_ooo, 1);
    assert_range(f, 0, 100, 400);
    rx(f, 150, 200); /* inside: a duplicate */
    assert_int_equal(f->c.n_ooo, 1);
    assert_range(f, 0, 100, 400);
    rx(f, 50, 100); /* overlaps the left edge */
    assert_range(f, 0, 50, 400);
    rx(f, 0, 50);
    assert_int_equal(f->c.n_ooo, 0);
    assert_int_equal(f->c.rcv_nxt, SEQ0 + 400);
    assert_ring(f, 0, 400);
}

/* In-order data overlapping held data: both absorbed, bytes exact. */
static void test_in_order_overlaps_held(void **state)
{
    struct fx *f = *state;
    rx(f, 100, 100);
    rx(f, 0, 150);
    assert_int_equal(f->c.n_ooo, 0);
    assert_ring(f, 0, 200);
    rx(f, 300, 10);
    rx(f, 400, 10);
    rx(f, 200, 250); /* covers both holes and both ranges */
    assert_int_equal(f->c.n_ooo, 0);
    assert_ring(f, 0, 450);
}

/* More disjoint ranges than AXN_TCP_OOO_RANGES: the new one is dropped
 * (TCPOFODrop); one that merges is still taken. */
static void test_range_limit(void **state)
{
    struct fx *f = *state;
    const uint32_t step = 20;
    for (uint32_t i = 0; i < AXN_TCP_OOO_RANGES; i++)
        rx(f, step * (i + 1), step / 2);
    assert_int_equal(f->c.n_ooo, AXN_TCP_OOO_RANGES);
    assert_int_equal(f->l.ext.ofo_queue, AXN_TCP_OOO_RANGES);
    rx(f, step * (AXN_TCP_OOO_RANGES + 1), step / 2);
    assert_int_equal(f->c.n_ooo, AXN_TCP_OOO_RANGES);
    assert_int_equal(f->l.ext.ofo_drop, 1);
    rx(f, step + step / 2, step / 2); /* joins the first two */
    assert_int_equal(f->c.n_ooo, AXN_TCP_OOO_RANGES - 1);
    assert_range(f, 0, step, 3 * step / 2 + step);
    rx(f, 0, step);
    assert_int_equal(f->c.rcv_nxt, SEQ0 + 3 * step - step / 2);
    assert_ring(f, 0, 3 * step - step / 2);
}

/* A full ring: in-order data beyond the room is cut (TCPRcvQDrop) and
 * an ACK carries the window; none at all when nothing fits. */
static void test_no_room(void **state)
{
    struct fx *f = *state;
    rx(f, 0, CAP - 50);
    rx(f, CAP - 50, 100);
    assert_int_equal(f->c.rcv_nxt, SEQ0 + CAP);
    assert_int_equal(f->l.ext.rcvq_drop, 1);
    assert_ring(f, 0, CAP);
    f->c.ack_now = false;
    rx(f, CAP, 10);
    assert_int_equal(f->c.rcv_nxt, SEQ0 + CAP);
    assert_int_equal(f->l.ext.rcvq_drop, 2);
    assert_true(f->c.ack_now);
}

/* Out of order past the ring's room: dropped, not recorded. */
static void test_out_of_order_no_room(void **state)
{
    struct fx *f = *state;
    rx(f, 0, 900);
    rx(f, 950, 100); /* room is 100: offset 50 leaves 50 */
    assert_int_equal(f->c.n_ooo, 1);
    assert_range(f, 0, 950, 1000);
    assert_int_equal(f->l.ext.rcvq_drop, 1);
    rx(f, 1100, 10); /* offset 200 > room */
    assert_int_equal(f->c.n_ooo, 1);
    assert_int_equal(f->l.ext.rcvq_drop, 2);
    rx(f, 900, 50);
    assert_ring(f, 0, CAP);
}

/* The reader consumes between arrivals: held data keeps its place. */
static void test_reads_between(void **state)
{
    struct fx *f = *state;
    rx(f, 0, 600);
    rx(f, 700, 200);
    axn_tcp_ring_drop(&f->c.rcv, 500);
    rx(f, 900, 400); /* room now 900 - 0: offset 300 + 400 fits */
    assert_int_equal(f->c.n_ooo, 1);
    assert_range(f, 0, 700, 1300);
    rx(f, 600, 100);
    assert_int_equal(f->c.rcv_nxt, SEQ0 + 1300);
    assert_ring(f, 500, 800);
}

/* Sequence numbers across 2^32 and a ring position across its end. */
static void test_wraps(void **state)
{
    struct fx *f = *state;
    free(f);
    f = fx_new(SEQ_WRAP);
    *state = f;
    rx(f, 0, 900);
    axn_tcp_ring_drop(&f->c.rcv, 900); /* head at 900: data wraps the buffer */
    rx(f, 1000, 300);                  /* seq past 0 */
    assert_range(f, 0, 1000, 1300);
    assert_true(f->c.ooo[0].left < f->c.ooo[0].right);
    rx(f, 900, 100);
    assert_int_equal(f->c.rcv_nxt, SEQ_WRAP + 1300);
    assert_ring(f, 900, 400);
}

/* After SHUT_RD, as Linux (tcp_data_queue knows nothing of
 * RCV_SHUTDOWN; recv returns what is queued, then 0): data is queued as
 * before, in order and out of order. Resetting in FIN-WAIT-1/2 is
 * tcp_input_data.c's. */
static void test_shut_rd_still_queues(void **state)
{
    struct fx *f = *state;
    f->c.shut_rd = true;
    rx(f, 0, 100);
    assert_int_equal(f->c.rcv_nxt, SEQ0 + 100);
    assert_ring(f, 0, 100);
    rx(f, 300, 100);
    assert_int_equal(f->c.rcv_nxt, SEQ0 + 100);
    assert_int_equal(f->c.n_ooo, 1);
    assert_range(f, 0, 300, 400);
    rx(f, 100, 200);
    assert_ring(f, 0, 400);
}

/* Data with a FIN right after it: the FIN's own ACK covers it, so no
 * delayed ACK is scheduled here. */
static void test_fin_follows(void **state)
{
    struct fx *f = *state;
    axn_tcp_reass(&f->c, SEQ0, f->src, 10, true, 0);
    assert_int_equal(f->c.rcv_nxt, SEQ0 + 10);
    assert_int_equal(f->c.unacked_rx, 0);
    assert_int_equal(f->c.timer[AXN_TCP_T_DELACK], AXN_TIME_NEVER);
}

/* Old data (before RCV.NXT) is the caller's to trim: ignored here. */
static void test_old_ignored(void **state)
{
    struct fx *f = *state;
    rx(f, 0, 100);
    axn_tcp_reass(&f->c, SEQ0 + 50, f->src + 50, 10, false, 0);
    assert_int_equal(f->c.rcv_nxt, SEQ0 + 100);
    assert_ring(f, 0, 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_in_order_appends, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gap_then_fill, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ranges_merge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_in_order_overlaps_held, setup, teardown),
        cmocka_unit_test_setup_teardown(test_range_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_room, setup, teardown),
        cmocka_unit_test_setup_teardown(test_out_of_order_no_room, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reads_between, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wraps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shut_rd_still_queues, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fin_follows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_old_ignored, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
