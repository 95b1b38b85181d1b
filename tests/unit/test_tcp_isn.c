/* tcp/tcp_isn: RFC 6528 initial sequence numbers. Expected values are
 * SipHash-2-4 of the tuple bytes under the key the fake random hook hands
 * out (00..0f first, 10..1f next), computed by an independent reference. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "axnet/errno.h"
#include "axnet/platform.h"
#include "tcp/tcp_isn.h"
#include "test_platform.h"

#define LOCAL   AXN_IP4(10, 0, 0, 1)
#define REMOTE  AXN_IP4(10, 0, 0, 2)
#define LPORT   40000
#define RPORT   80
#define F_BASE  0xf217ef84u   /* F(10.0.0.1:40000, 10.0.0.2:80) under key 00..0f */
#define F_LPORT 0x1e1b0451u   /* the same with local port 40001 */
#define F_KEY2  0x9574bc92u   /* the base tuple under key 10..1f */
#define F_IP6   0xedf7b5ffu   /* [2001:db8::1]:40000 -> [2001:db8::2]:80, key 00..0f */
#define T0      AXN_SEC(1000) /* an arbitrary start time */

/* Random bytes: a running count, so the first key is 00..0f. */
static struct axn_test_counting_rng g_rng;
static const struct axn_platform g_plat = {.ctx = &g_rng, .random = axn_test_counting_random};

static struct axn_tcp_isn make_isn(uint8_t first_byte)
{
    struct axn_tcp_isn g;
    g_rng = (struct axn_test_counting_rng){.next = first_byte};
    assert_int_equal(axn_tcp_isn_init(&g, &g_plat), 0);
    return g;
}

static struct axn_tcp_tuple base_tuple(void)
{
    struct axn_tcp_tuple t;
    axn_tcp_tuple_ip4(&t, LOCAL, LPORT, REMOTE, RPORT);
    return t;
}

static void test_same_tuple_same_time_same_isn(void **state)
{
    (void)state;
    const struct axn_tcp_isn g = make_isn(0);
    const struct axn_tcp_tuple t = base_tuple();
    assert_int_equal(axn_tcp_isn(&g, &t, 0), F_BASE);
    assert_int_equal(axn_tcp_isn(&g, &t, T0), axn_tcp_isn(&g, &t, T0));
    /* M = now / 4 us. */
    assert_int_equal(axn_tcp_isn(&g, &t, T0), (uint32_t)(F_BASE + T0 / AXN_TCP_ISN_TICK_US));
}

/* RFC 6528 3: M ticks every 4 us; partial ticks do not count. */
static void test_clock_ticks_every_4us(void **state)
{
    (void)state;
    const struct axn_tcp_isn g = make_isn(0);
    const struct axn_tcp_tuple t = base_tuple();
    const uint32_t isn0 = axn_tcp_isn(&g, &t, T0);
    assert_int_equal((uint32_t)(axn_tcp_isn(&g, &t, T0 + 4000) - isn0), 1000);
    assert_int_equal((uint32_t)(axn_tcp_isn(&g, &t, T0 + 3) - isn0), 0);
    assert_int_equal((uint32_t)(axn_tcp_isn(&g, &t, T0 + 4) - isn0), 1);
}

/* M wraps with the 32-bit space after 2^32 ticks (about 4.77 hours). */
static void test_clock_wraps(void **state)
{
    (void)state;
    const struct axn_tcp_isn g = make_isn(0);
    const struct axn_tcp_tuple t = base_tuple();
    const axn_time_t wrap = (axn_time_t)AXN_TCP_ISN_TICK_US << 32;
    assert_int_equal(axn_tcp_isn(&g, &t, wrap), F_BASE);
    assert_int_equal(axn_tcp_isn(&g, &t, wrap - AXN_TCP_ISN_TICK_US), F_BASE - 1);
}

static void test_different_tuples_differ(void **state)
{
    (void)state;
    const struct axn_tcp_isn g = make_isn(0);
    struct axn_tcp_tuple t = base_tuple();
    t.local_port = LPORT + 1;
    assert_int_equal(axn_tcp_isn(&g, &t, 0), F_LPORT);
    /* Swapping the ends is another tuple. */
    struct axn_tcp_tuple swapped;
    axn_tcp_tuple_ip4(&swapped, REMOTE, RPORT, LOCAL, LPORT);
    assert_int_not_equal(axn_tcp_isn(&g, &swapped, 0), F_BASE);
}

static void test_different_secrets_differ(void **state)
{
    (void)state;
    const struct axn_tcp_isn g = make_isn(AXN_SIPHASH_KEY_BYTES);
    const struct axn_tcp_tuple t = base_tuple();
    assert_int_equal(axn_tcp_isn(&g, &t, 0), F_KEY2);
}

/* The tuple is bytes: IPv6 endpoints hash the same way, 16-byte addresses. */
static void test_ipv6_tuple(void **state)
{
    (void)state;
    const struct axn_tcp_isn g = make_isn(0);
    struct axn_tcp_tuple t = {
        .addr_len = AXN_TCP_ADDR_MAX, .local_port = LPORT, .remote_port = RPORT};
    const uint8_t prefix[] = {0x20, 0x01, 0x0d, 0xb8};
    memcpy(t.local_addr, prefix, sizeof prefix);
    memcpy(t.remote_addr, prefix, sizeof prefix);
    t.local_addr[AXN_TCP_ADDR_MAX - 1] = 1;
    t.remote_addr[AXN_TCP_ADDR_MAX - 1] = 2;
    assert_int_equal(axn_tcp_isn(&g, &t, 0), F_IP6);
}

static void test_init_returns_random_error(void **state)
{
    (void)state;
    struct axn_tcp_isn g;
    g_rng = (struct axn_test_counting_rng){.err = -AXN_EIO};
    assert_int_equal(axn_tcp_isn_init(&g, &g_plat), -AXN_EIO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_tuple_same_time_same_isn),
        cmocka_unit_test(test_clock_ticks_every_4us),
        cmocka_unit_test(test_clock_wraps),
        cmocka_unit_test(test_different_tuples_differ),
        cmocka_unit_test(test_different_secrets_differ),
        cmocka_unit_test(test_ipv6_tuple),
        cmocka_unit_test(test_init_returns_random_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
