/* SO_REUSEPORT load distribution (issue 6 item 7): a group of N TCP
 * listeners (tcp_table.c axn_tcp_lookup_listener) and a group of N UDP
 * sockets (udp_ports.c axn_udp_lookup) each take a fair share of 10 000
 * 4-tuples (every member within +-30 % of the mean), and one 4-tuple
 * always reaches the same member. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tcp/tcp_sock.h"
#include "test_platform.h"
#include "udp/udp.h"

#define N_FLOWS       10000u
#define MAX_GROUP     8u
#define TOLERANCE_PCT 30u
#define LADDR         AXN_IP4(10, 0, 0, 1)
#define LPORT         80u
#define IFX           2u

/* A deterministic xorshift source of peer addresses and ports. */
static uint32_t g_x;
static uint32_t next_rand(void)
{
    g_x ^= g_x << 13;
    g_x ^= g_x >> 17;
    g_x ^= g_x << 5;
    return g_x;
}

struct peer {
    axn_ip4_t addr;
    uint16_t port;
};

static struct peer random_peer(void)
{
    const uint32_t r = next_rand();
    struct peer p = {.addr = AXN_IP4(100, (r >> 24) & 0xff, (r >> 16) & 0xff, (r >> 8) & 0xff),
                     .port = (uint16_t)(1024u + (next_rand() % 64000u))};
    return p;
}

static void assert_fair(const size_t *hits, size_t n)
{
    const size_t mean = N_FLOWS / n;
    const size_t tol = mean * TOLERANCE_PCT / 100u;
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        print_message("  member %zu: %zu of %u\n", i, hits[i], N_FLOWS);
        assert_true(hits[i] + tol >= mean && hits[i] <= mean + tol);
        total += hits[i];
    }
    assert_int_equal(total, N_FLOWS);
}

/* ---- TCP ------------------------------------------------------------------------ */

static struct axn_tcp_layer g_tl;
static struct axn_tcp_sock g_ts[MAX_GROUP];
static struct axn_tcp_conn g_tc[MAX_GROUP];

static void tcp_group(size_t n)
{
    memset(&g_tl, 0, sizeof(g_tl));
    memset(g_ts, 0, sizeof(g_ts));
    memset(g_tc, 0, sizeof(g_tc));
    for (size_t i = 0; i < sizeof(g_tl.hash_key); i++)
        g_tl.hash_key[i] = (uint8_t)(0xa5u ^ (i * 7u));
    for (size_t i = 0; i < n; i++) {
        g_tc[i].state = AXN_TCP_LISTEN;
        g_ts[i].conn = &g_tc[i];
        g_ts[i].layer = &g_tl;
        g_ts[i].base.opt.reuseport = true;
        assert_int_equal(axn_tcp_port_bind(&g_ts[i], 0, LPORT), 0);
    }
}

static void tcp_spread(size_t n)
{
    size_t hits[MAX_GROUP] = {0};
    tcp_group(n);
    g_x = 0x12345678u + (uint32_t)n;
    for (uint32_t k = 0; k < N_FLOWS; k++) {
        const struct peer p = random_peer();
        struct axn_tcp_conn *c = axn_tcp_lookup_listener(&g_tl, LADDR, LPORT, p.addr, p.port, IFX);
        assert_non_null(c);
        assert_true(c >= g_tc && c < g_tc + n);
        /* One 4-tuple, one listener: every time. */
        for (int again = 0; again < 3; again++)
            assert_ptr_equal(axn_tcp_lookup_listener(&g_tl, LADDR, LPORT, p.addr, p.port, IFX), c);
        hits[c - g_tc]++;
    }
    assert_fair(hits, n);
}

static void tcp_reuseport_group_of_2(void **state)
{
    (void)state;
    tcp_spread(2);
}

static void tcp_reuseport_group_of_4(void **state)
{
    (void)state;
    tcp_spread(4);
}

static void tcp_reuseport_group_of_8(void **state)
{
    (void)state;
    tcp_spread(8);
}

/* The same port from one peer address: only the port differs, still spread. */
static void tcp_reuseport_one_peer_many_ports(void **state)
{
    (void)state;
    size_t hits[4] = {0};
    tcp_group(4);
    for (uint32_t k = 0; k < N_FLOWS; k++) {
        struct axn_tcp_conn *c = axn_tcp_lookup_listener(&g_tl, LADDR, LPORT, AXN_IP4(10, 0, 0, 9),
                                                         (uint16_t)(20000 + k), IFX);
        hits[c - g_tc]++;
    }
    assert_fair(hits, 4);
}

/* ---- UDP ------------------------------------------------------------------------ */

static struct axn_udp_layer *g_ul;
static struct axn_udp_sock g_us[MAX_GROUP];

static int udp_setup(void **state)
{
    (void)state;
    axn_test_seed_random(7);
    memset(g_us, 0, sizeof(g_us));
    return axn_udp_layer_create(axn_test_platform(), &g_ul);
}

static int udp_teardown(void **state)
{
    (void)state;
    axn_udp_layer_free(g_ul);
    g_ul = NULL;
    return axn_test_live_allocs() == 0 ? 0 : -1;
}

static void udp_spread(size_t n)
{
    size_t hits[MAX_GROUP] = {0};
    for (size_t i = 0; i < n; i++) {
        g_us[i].base.opt.reuseport = true;
        assert_int_equal(axn_udp_port_bind(g_ul, &g_us[i], 0, LPORT), 0);
    }
    g_x = 0x9abcdef1u + (uint32_t)n;
    for (uint32_t k = 0; k < N_FLOWS; k++) {
        const struct peer p = random_peer();
        const struct axn_udp_key key = {
            .saddr = p.addr, .sport = p.port, .daddr = LADDR, .dport = LPORT, .ifindex = IFX};
        struct axn_udp_sock *us = axn_udp_lookup(g_ul, &key);
        assert_true(us >= g_us && us < g_us + n);
        /* One source sticks to one socket. */
        for (int again = 0; again < 3; again++)
            assert_ptr_equal(axn_udp_lookup(g_ul, &key), us);
        hits[us - g_us]++;
    }
    assert_fair(hits, n);
    for (size_t i = 0; i < n; i++)
        axn_udp_port_unbind(g_ul, &g_us[i]);
}

static void udp_reuseport_group_of_2(void **state)
{
    (void)state;
    udp_spread(2);
}

static void udp_reuseport_group_of_4(void **state)
{
    (void)state;
    udp_spread(4);
}

static void udp_reuseport_group_of_8(void **state)
{
    (void)state;
    udp_spread(8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tcp_reuseport_group_of_2),
        cmocka_unit_test(tcp_reuseport_group_of_4),
        cmocka_unit_test(tcp_reuseport_group_of_8),
        cmocka_unit_test(tcp_reuseport_one_peer_many_ports),
        cmocka_unit_test_setup_teardown(udp_reuseport_group_of_2, udp_setup, udp_teardown),
        cmocka_unit_test_setup_teardown(udp_reuseport_group_of_4, udp_setup, udp_teardown),
        cmocka_unit_test_setup_teardown(udp_reuseport_group_of_8, udp_setup, udp_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
