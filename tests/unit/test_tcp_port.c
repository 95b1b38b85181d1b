/* tcp/tcp_port: RFC 6056 3.3.4 double-hash ephemeral ports. The fake
 * random hook gives the offset key 00..0f and the index key 10..1f;
 * expected ports were computed from them by an independent reference. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "axnet/errno.h"
#include "axnet/platform.h"
#include "tcp/tcp_port.h"
#include "test_platform.h"

#define LOCAL       AXN_IP4(10, 0, 0, 1)
#define REMOTE      AXN_IP4(10, 0, 0, 2)
#define OTHER       AXN_IP4(10, 0, 0, 3)
#define RPORT       80
#define FIRST_PORT  57576 /* 10.0.0.1 -> 10.0.0.2:80 (bucket 197) */
#define OTHER_PORT  50127 /* 10.0.0.1 -> 10.0.0.3:80 (bucket 254) */
#define RANGE       (AXN_TCP_EPHEMERAL_MAX - AXN_TCP_EPHEMERAL_MIN + 1)
#define PORT_SPACE  65536
#define TAKEN_FIRST 3

static struct axn_test_counting_rng g_rng;
static const struct axn_platform g_plat = {.ctx = &g_rng, .random = axn_test_counting_random};
static struct axn_tcp_ports g_ports;

/* What the predicate saw, and how many candidates it refuses first. */
static struct {
    unsigned calls;
    unsigned refuse;
    uint16_t first, last, after_max;
    bool saw_max;
    uint8_t seen[PORT_SPACE];
    bool tuple_intact;
} g_probe;

static bool probe_free(void *arg, const struct axn_tcp_tuple *t)
{
    const struct axn_tcp_tuple *want = arg;
    if (g_probe.calls == 0)
        g_probe.first = t->local_port;
    if (g_probe.saw_max && g_probe.after_max == 0)
        g_probe.after_max = t->local_port;
    g_probe.saw_max = g_probe.saw_max || t->local_port == AXN_TCP_EPHEMERAL_MAX;
    g_probe.last = t->local_port;
    g_probe.seen[t->local_port]++;
    g_probe.tuple_intact = g_probe.tuple_intact && t->remote_port == want->remote_port &&
                           memcmp(t->remote_addr, want->remote_addr, AXN_TCP_ADDR_MAX) == 0 &&
                           memcmp(t->local_addr, want->local_addr, AXN_TCP_ADDR_MAX) == 0;
    return ++g_probe.calls > g_probe.refuse;
}

static int setup(void **state)
{
    (void)state;
    memset(&g_probe, 0, sizeof g_probe);
    g_probe.tuple_intact = true;
    g_rng = (struct axn_test_counting_rng){0};
    return axn_tcp_ports_init(&g_ports, &g_plat);
}

static struct axn_tcp_tuple tuple_to(axn_ip4_t remote)
{
    struct axn_tcp_tuple t;
    axn_tcp_tuple_ip4(&t, LOCAL, 0, remote, RPORT);
    return t;
}

/* One destination's ports move forward by one per connection. */
static void test_consecutive_picks(void **state)
{
    (void)state;
    struct axn_tcp_tuple t = tuple_to(REMOTE);
    assert_int_equal(axn_tcp_port_pick(&g_ports, &t, probe_free, &t), 0);
    assert_int_equal(t.local_port, FIRST_PORT);
    assert_int_equal(axn_tcp_port_pick(&g_ports, &t, probe_free, &t), 0);
    assert_int_equal(t.local_port, FIRST_PORT + 1);
    assert_int_equal(g_probe.calls, 2);
    assert_true(g_probe.tuple_intact);
}

/* Taken ports are skipped, and their increments are kept. */
static void test_skips_taken_ports(void **state)
{
    (void)state;
    struct axn_tcp_tuple t = tuple_to(REMOTE);
    g_probe.refuse = TAKEN_FIRST;
    assert_int_equal(axn_tcp_port_pick(&g_ports, &t, probe_free, &t), 0);
    assert_int_equal(t.local_port, FIRST_PORT + TAKEN_FIRST);
    assert_int_equal(g_probe.calls, TAKEN_FIRST + 1);
    assert_int_equal(axn_tcp_port_pick(&g_ports, &t, probe_free, &t), 0);
    assert_int_equal(t.local_port, FIRST_PORT + TAKEN_FIRST + 1);
}

/* Another destination in another bucket starts at its own offset. */
static void test_other_destination_independent(void **state)
{
    (void)state;
    struct axn_tcp_tuple t = tuple_to(REMOTE);
    assert_int_equal(axn_tcp_port_pick(&g_ports, &t, probe_free, &t), 0);
    struct axn_tcp_tuple o = tuple_to(OTHER);
    assert_int_equal(axn_tcp_port_pick(&g_ports, &o, probe_free, &o), 0);
    assert_int_equal(o.local_port, OTHER_PORT);
}

/* A full range: every port tried exactly once, wrapping from MAX to MIN,
 * then EADDRNOTAVAIL as Linux connect(). */
static void test_exhausted_range(void **state)
{
    (void)state;
    struct axn_tcp_tuple t = tuple_to(REMOTE);
    g_probe.refuse = UINT32_MAX;
    assert_int_equal(axn_tcp_port_pick(&g_ports, &t, probe_free, &t), -AXN_EADDRNOTAVAIL);
    assert_int_equal(g_probe.calls, RANGE);
    assert_int_equal(g_probe.first, FIRST_PORT);
    assert_int_equal(g_probe.after_max, AXN_TCP_EPHEMERAL_MIN);
    assert_int_equal(g_probe.last, FIRST_PORT - 1);
    for (unsigned p = 0; p < PORT_SPACE; p++) {
        const bool in_range = p >= AXN_TCP_EPHEMERAL_MIN && p <= AXN_TCP_EPHEMERAL_MAX;
        assert_int_equal(g_probe.seen[p], in_range ? 1 : 0);
    }
}

static void test_init_returns_random_error(void **state)
{
    (void)state;
    struct axn_tcp_ports p;
    g_rng = (struct axn_test_counting_rng){.err = -AXN_EIO};
    assert_int_equal(axn_tcp_ports_init(&p, &g_plat), -AXN_EIO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_consecutive_picks, setup),
        cmocka_unit_test_setup(test_skips_taken_ports, setup),
        cmocka_unit_test_setup(test_other_destination_independent, setup),
        cmocka_unit_test_setup(test_exhausted_range, setup),
        cmocka_unit_test(test_init_returns_random_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
