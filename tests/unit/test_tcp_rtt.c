/* tcp/tcp_rtt.c: the RFC 6298 retransmission timeout estimator. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tcp/tcp.h"

#define MS(x) AXN_MSEC(x)

static void conn_init(struct axn_tcp_conn *c)
{
    memset(c, 0, sizeof(*c));
    c->rto = MS(AXN_TCP_RTO_INITIAL_MS);
}

/* RFC 6298 2.2: first sample R: SRTT = R, RTTVAR = R/2,
 * RTO = SRTT + max(G, 4 RTTVAR) = 3R. */
static void test_first_sample(void **state)
{
    struct axn_tcp_conn c;

    (void)state;
    conn_init(&c);
    axn_tcp_rtt_sample(&c, MS(100), 0);
    assert_int_equal(c.srtt, MS(100));
    assert_int_equal(c.rttvar, MS(50));
    assert_int_equal(c.rto, MS(300));
    assert_int_equal(c.min_rtt, MS(100));
}

/* RFC 6298 2.3 with alpha 1/8, beta 1/4:
 *   RTTVAR = 3/4 * 50 + 1/4 * |100 - 200| = 62.5 ms
 *   SRTT   = 7/8 * 100 + 1/8 * 200      = 112.5 ms
 *   RTO    = 112.5 + 4 * 62.5           = 362.5 ms */
static void test_second_sample(void **state)
{
    struct axn_tcp_conn c;

    (void)state;
    conn_init(&c);
    axn_tcp_rtt_sample(&c, MS(100), 0);
    axn_tcp_rtt_sample(&c, MS(200), 0);
    assert_int_equal(c.rttvar, 62500);
    assert_int_equal(c.srtt, 112500);
    assert_int_equal(c.rto, 362500);
    assert_int_equal(c.min_rtt, MS(100));
}

/* A third, smaller sample: RTTVAR = 3/4 * 62.5 + 1/4 * |112.5 - 50|
 * = 62.5 ms; SRTT = 7/8 * 112.5 + 1/8 * 50 = 104.6875 ms;
 * RTO = SRTT + 250 ms. */
static void test_third_sample(void **state)
{
    struct axn_tcp_conn c;

    (void)state;
    conn_init(&c);
    axn_tcp_rtt_sample(&c, MS(100), 0);
    axn_tcp_rtt_sample(&c, MS(200), 0);
    axn_tcp_rtt_sample(&c, MS(50), 0);
    assert_int_equal(c.rttvar, 62500);
    /* 104687.5: the shifts truncate 112500 / 8 to 14062, giving 104688. */
    assert_int_equal(c.srtt, 104688);
    assert_int_equal(c.rto, 104688 + 250000);
    assert_int_equal(c.min_rtt, MS(50));
}

/* Steady 10 ms samples converge below the 200 ms floor (Linux
 * TCP_RTO_MIN), which clamps. */
static void test_clamp_min(void **state)
{
    struct axn_tcp_conn c;
    int i;

    (void)state;
    conn_init(&c);
    axn_tcp_rtt_sample(&c, MS(10), 0);
    assert_int_equal(c.rto, MS(AXN_TCP_RTO_MIN_MS)); /* 30 ms computed */
    for (i = 0; i < 50; i++) {
        axn_tcp_rtt_sample(&c, MS(10), 0);
    }
    assert_int_equal(c.srtt, MS(10));
    assert_int_equal(c.rto, MS(AXN_TCP_RTO_MIN_MS));
}

/* A 50 s sample: 150 s computed, 120 s (RFC 6298 2.5 / Linux TCP_RTO_MAX). */
static void test_clamp_max(void **state)
{
    struct axn_tcp_conn c;

    (void)state;
    conn_init(&c);
    axn_tcp_rtt_sample(&c, AXN_SEC(50), 0);
    assert_int_equal(c.rto, MS(AXN_TCP_RTO_MAX_MS));
}

/* RFC 6298 5.5: each expiry doubles the RTO up to the maximum; a new
 * sample (5.7 / 2.3) starts over from the estimate. */
static void test_backoff(void **state)
{
    struct axn_tcp_conn c;
    int i;

    (void)state;
    conn_init(&c);
    axn_tcp_rto_backoff(&c);
    assert_int_equal(c.rto, MS(2000));
    assert_int_equal(c.backoff, 1);
    axn_tcp_rto_backoff(&c);
    assert_int_equal(c.rto, MS(4000));
    assert_int_equal(c.backoff, 2);
    for (i = 0; i < 10; i++) {
        axn_tcp_rto_backoff(&c);
    }
    assert_int_equal(c.rto, MS(AXN_TCP_RTO_MAX_MS));
    axn_tcp_rtt_sample(&c, MS(100), 0);
    assert_int_equal(c.backoff, 0);
    assert_int_equal(c.rto, MS(300));
}

/* A zero measurement (same-tick ACK) still counts as a sample. */
static void test_zero_sample(void **state)
{
    struct axn_tcp_conn c;

    (void)state;
    conn_init(&c);
    axn_tcp_rtt_sample(&c, 0, 0);
    assert_true(c.srtt > 0);
    assert_int_equal(c.rto, MS(AXN_TCP_RTO_MIN_MS));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_sample), cmocka_unit_test(test_second_sample),
        cmocka_unit_test(test_third_sample), cmocka_unit_test(test_clamp_min),
        cmocka_unit_test(test_clamp_max),    cmocka_unit_test(test_backoff),
        cmocka_unit_test(test_zero_sample),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
