/* tcp/tcp_syncookie: SYN cookie encode/decode (RFC 4987 3.6): round trip
 * for every MSS index and option combination; rejection of forged (any
 * bit flipped), expired and wrong-4-tuple cookies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "axnet/types.h"
#include "tcp/tcp_syncookie.h"

#define T0 AXN_SEC(100000) /* an arbitrary start time */

static const uint8_t g_key[AXN_SIPHASH_KEY_BYTES] = {1, 2,  3,  4,  5,  6,  7,  8,
                                                     9, 10, 11, 12, 13, 14, 15, 16};

static struct axn_tcp_cookie_tuple tuple(void)
{
    struct axn_tcp_cookie_tuple t = {.laddr = AXN_IP4(10, 0, 0, 1),
                                     .raddr = AXN_IP4(10, 0, 0, 2),
                                     .lport = 80,
                                     .rport = 40000,
                                     .peer_isn = 0x12345678u};
    return t;
}

static void test_mss_table(void **state)
{
    (void)state;
    for (uint8_t i = 0; i < AXN_TCP_COOKIE_N_MSS; i++) {
        assert_int_equal(axn_tcp_cookie_mss_index(axn_tcp_cookie_mss(i)), i);
        if (i > 0)
            assert_true(axn_tcp_cookie_mss(i) > axn_tcp_cookie_mss(i - 1));
    }
    /* Never above the peer's MSS (but the smallest entry when it is tiny). */
    assert_int_equal(axn_tcp_cookie_mss(axn_tcp_cookie_mss_index(1459)), 1452);
    assert_int_equal(axn_tcp_cookie_mss(axn_tcp_cookie_mss_index(65535)), 8960);
    assert_int_equal(axn_tcp_cookie_mss_index(100), 0);
}

static void test_round_trip_every_index(void **state)
{
    (void)state;
    struct axn_tcp_cookie_tuple t = tuple();
    uint32_t ctr = axn_tcp_cookie_counter(T0);
    for (uint8_t i = 0; i < AXN_TCP_COOKIE_N_MSS; i++) {
        uint32_t c = axn_tcp_cookie_make(g_key, &t, ctr, i);
        uint8_t idx = 0xff;
        assert_true(axn_tcp_cookie_check(g_key, &t, c, ctr, &idx));
        assert_int_equal(idx, i);
        /* Still valid one period later (the ACK may come late). */
        idx = 0xff;
        assert_true(axn_tcp_cookie_check(g_key, &t, c, ctr + 1, &idx));
        assert_int_equal(idx, i);
    }
}

static void test_round_trip_many_tuples(void **state)
{
    (void)state;
    struct axn_tcp_cookie_tuple t = tuple();
    for (uint32_t k = 0; k < 4096; k++) {
        t.rport = (uint16_t)(1024 + k * 7);
        t.peer_isn = k * 2654435761u;
        t.raddr = AXN_IP4(192, 168, (k >> 8) & 0xff, k & 0xff);
        uint32_t ctr = axn_tcp_cookie_counter(T0 + AXN_SEC(k));
        uint8_t i = (uint8_t)(k % AXN_TCP_COOKIE_N_MSS), idx = 0xff;
        uint32_t c = axn_tcp_cookie_make(g_key, &t, ctr, i);
        assert_true(axn_tcp_cookie_check(g_key, &t, c, ctr, &idx));
        assert_int_equal(idx, i);
    }
}

static void test_forged_bit_flips(void **state)
{
    (void)state;
    struct axn_tcp_cookie_tuple t = tuple();
    uint32_t ctr = axn_tcp_cookie_counter(T0);
    for (uint8_t i = 0; i < AXN_TCP_COOKIE_N_MSS; i++) {
        uint32_t c = axn_tcp_cookie_make(g_key, &t, ctr, i);
        for (unsigned b = 0; b < 32; b++) {
            uint8_t idx = 0xff;
            assert_false(axn_tcp_cookie_check(g_key, &t, c ^ (1u << b), ctr, &idx));
            assert_int_equal(idx, 0xff);
        }
    }
    /* Another secret: another MAC. */
    uint8_t key2[AXN_SIPHASH_KEY_BYTES];
    memcpy(key2, g_key, sizeof(key2));
    key2[0] ^= 1;
    uint8_t idx;
    assert_false(axn_tcp_cookie_check(key2, &t, axn_tcp_cookie_make(g_key, &t, ctr, 3), ctr, &idx));
}

static void test_forged_random(void **state)
{
    (void)state;
    /* Guesses: with a 27-bit MAC, 100 000 tries find none in practice. */
    struct axn_tcp_cookie_tuple t = tuple();
    uint32_t ctr = axn_tcp_cookie_counter(T0), x = 0x9e3779b9u, hits = 0;
    for (unsigned k = 0; k < 100000; k++) {
        uint8_t idx;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        hits += axn_tcp_cookie_check(g_key, &t, x, ctr, &idx);
    }
    assert_true(hits <= 1);
}

static void test_expired(void **state)
{
    (void)state;
    struct axn_tcp_cookie_tuple t = tuple();
    uint32_t ctr = axn_tcp_cookie_counter(T0);
    uint32_t c = axn_tcp_cookie_make(g_key, &t, ctr, 5);
    uint8_t idx;
    /* Two, three, four and many periods later: rejected. */
    for (uint32_t later = AXN_TCP_COOKIE_PERIODS; later < 70; later++)
        assert_false(axn_tcp_cookie_check(g_key, &t, c, ctr + later, &idx));
    /* From the future (a counter before it was made): rejected. */
    assert_false(axn_tcp_cookie_check(g_key, &t, c, ctr - 1, &idx));
    /* The period boundary in time: valid up to the end of the next period. */
    axn_time_t made = (axn_time_t)ctr * AXN_TCP_COOKIE_PERIOD_US;
    assert_true(axn_tcp_cookie_check(
        g_key, &t, c, axn_tcp_cookie_counter(made + 2 * AXN_TCP_COOKIE_PERIOD_US - 1), &idx));
    assert_false(axn_tcp_cookie_check(
        g_key, &t, c, axn_tcp_cookie_counter(made + 2 * AXN_TCP_COOKIE_PERIOD_US), &idx));
}

static void test_wrong_tuple(void **state)
{
    (void)state;
    const struct axn_tcp_cookie_tuple t = tuple();
    uint32_t ctr = axn_tcp_cookie_counter(T0);
    uint32_t c = axn_tcp_cookie_make(g_key, &t, ctr, 6);
    struct axn_tcp_cookie_tuple w[5];
    for (int k = 0; k < 5; k++)
        w[k] = t;
    w[0].laddr ^= 1;
    w[1].raddr ^= 0x100;
    w[2].lport++;
    w[3].rport ^= 0x8000;
    w[4].peer_isn++;
    for (int k = 0; k < 5; k++) {
        uint8_t idx;
        assert_false(axn_tcp_cookie_check(g_key, &w[k], c, ctr, &idx));
    }
}

static void test_ts_options_round_trip(void **state)
{
    (void)state;
    const uint32_t clocks[] = {0, 1, 63, 64, 1000, 0x7fffffffu, 0xffffffc0u, 0xffffffffu};
    for (size_t k = 0; k < sizeof(clocks) / sizeof(clocks[0]); k++) {
        for (unsigned combo = 0; combo < 4 * 16; combo++) {
            struct axn_tcp_cookie_opts o = {.wscale_ok = (combo & 15) != 15,
                                            .snd_wscale = (uint8_t)((combo & 15) % 15),
                                            .sack_ok = (combo & 16) != 0,
                                            .ecn_ok = (combo & 32) != 0};
            if (!o.wscale_ok)
                o.snd_wscale = 0;
            uint32_t ts = axn_tcp_cookie_ts_encode(clocks[k], &o);
            /* Never ahead of the clock, and at most 64 behind. */
            assert_true((int32_t)(ts - clocks[k]) <= 0);
            assert_true(clocks[k] - ts < 128u);
            struct axn_tcp_cookie_opts d;
            assert_true(axn_tcp_cookie_ts_decode(ts, &d));
            assert_int_equal(d.wscale_ok, o.wscale_ok);
            assert_int_equal(d.snd_wscale, o.snd_wscale);
            assert_int_equal(d.sack_ok, o.sack_ok);
            assert_int_equal(d.ecn_ok, o.ecn_ok);
        }
    }
    /* Shift 15 means none; nothing else above 14 is possible: 4 bits. */
    struct axn_tcp_cookie_opts d;
    assert_true(axn_tcp_cookie_ts_decode(0xf, &d));
    assert_false(d.wscale_ok);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mss_table),
        cmocka_unit_test(test_round_trip_every_index),
        cmocka_unit_test(test_round_trip_many_tuples),
        cmocka_unit_test(test_forged_bit_flips),
        cmocka_unit_test(test_forged_random),
        cmocka_unit_test(test_expired),
        cmocka_unit_test(test_wrong_tuple),
        cmocka_unit_test(test_ts_options_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
