/*
 * Our DHCP client against our DHCP server on the simulated wire, in
 * virtual time: a server stack at 192.0.2.1/24 leasing 192.0.2.100-109
 * and two client stacks whose interfaces are AXN_IPV4_DHCP.
 *
 * Covered: both clients bind, to different addresses of the pool, with
 * the router and DNS server the server hands out, and exchange UDP over
 * the addresses they got; a RELEASE frees the lease in the server's table;
 * a restarted client gets the same address back (the server remembers a
 * released binding, RFC 2131 4.3.1); renewal at T1 extends the lease
 * (seen in both the client's and the server's counters); a host already
 * using the first pool address makes the client's ARP probe fail, the
 * client DECLINEs, the server quarantines the address and leases the next.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "axnet/dhcp.h"
#include "axnet/errno.h"
#include "axnet/netctl.h"
#include "axnet/socket.h"
#include "dhcp_world.h"
#include "sim_stacks.h"
#include "test_platform.h"

#define SRV_ADDR   AXN_IP4(192, 0, 2, 1)
#define POOL_FIRST AXN_IP4(192, 0, 2, 100)
#define POOL_LAST  AXN_IP4(192, 0, 2, 109)
#define DNS1       AXN_IP4(203, 0, 113, 53)
#define PREFIX_24  24u
#define ETH0       DHCP_WORLD_ETH0
#define LEASE      600u /* T1 300 s, T2 525 s */
#define BIND_SPAN  AXN_SEC(30)
#define STEP       AXN_MSEC(100)
#define SRV        0u
#define C1         1u
#define C2         2u
#define N_PORTS    3u
#define SQUATTER   2 /* port of a static host on the pool's first address */
#define PORT_A     7000u
#define PORT_B     7001u
#define MSG        "dhcp sim"

static struct {
    struct sim_stacks sim;
} W;

/* The world with a server at SRV leasing the pool; with `options` it also
 * hands out itself as the router and DNS1. */
static void world_up(bool options)
{
    memset(&W, 0, sizeof(W));
    dhcp_world_create(&W.sim, N_PORTS, NULL);
    sim_stacks_add_node(&W.sim, (int)SRV, SRV_ADDR, PREFIX_24);
    struct axn_dhcp_server_config c = dhcp_pkt_pool(ETH0, POOL_FIRST, POOL_LAST, LEASE);
    if (options) {
        c.router = SRV_ADDR;
        c.dns[0] = DNS1;
        c.n_dns = 1;
    }
    dhcp_world_serve(W.sim.st[SRV], &c);
}

static int setup(void **state)
{
    (void)state;
    world_up(true);
    sim_stacks_add_dhcp_node(&W.sim, (int)C1);
    sim_stacks_add_dhcp_node(&W.sim, (int)C2);
    sim_stacks_poll_all(&W.sim); /* the clients start at the first poll */
    return 0;
}

/* Server, one client, and a host that already uses 192.0.2.100. */
static int setup_squatter(void **state)
{
    (void)state;
    world_up(false);
    sim_stacks_add_dhcp_node(&W.sim, (int)C1);
    sim_stacks_add_node(&W.sim, SQUATTER, POOL_FIRST, PREFIX_24);
    sim_stacks_poll_all(&W.sim);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return sim_stacks_teardown(&W.sim, NULL, 0);
}

static struct axn_dhcp_lease_info info(size_t node)
{
    return dhcp_world_client(W.sim.st[node]);
}

/* A client started by a call exists from the next poll on. */
static bool bound(size_t node)
{
    struct axn_dhcp_lease_info li;
    return axn_dhcp_client_info(W.sim.st[node], ETH0, &li) == 0 && li.state == AXN_DHCPC_BOUND;
}

/* Runs until both clients are bound, at most `span`. */
static void run_until_bound(size_t a, size_t b, axn_time_t span)
{
    const axn_time_t end = W.sim.now + span;
    while (W.sim.now < end && !(bound(a) && bound(b)))
        sim_stacks_run_until(&W.sim, W.sim.now + STEP);
    assert_true(bound(a));
    assert_true(bound(b));
}

static struct axn_iface_info iface(size_t node)
{
    return dhcp_world_iface(W.sim.st[node]);
}

static struct axn_dhcp_server_stats srv_stats(void)
{
    struct axn_dhcp_server_stats s;
    assert_int_equal(axn_dhcp_server_stats(W.sim.st[SRV], ETH0, &s), 0);
    return s;
}

static long srv_leases(struct axn_dhcp_server_lease *out, size_t max)
{
    return axn_dhcp_server_leases(W.sim.st[SRV], ETH0, out, max);
}

static void assert_configured(size_t node)
{
    const struct axn_dhcp_lease_info li = info(node);
    assert_true(li.has_lease);
    assert_true(li.addr >= POOL_FIRST && li.addr <= POOL_LAST);
    assert_int_equal(li.prefix_len, PREFIX_24);
    assert_int_equal(li.router, SRV_ADDR);
    assert_int_equal(li.server, SRV_ADDR);
    assert_int_equal(li.n_dns, 1);
    assert_int_equal(li.dns[0], DNS1);
    assert_int_equal(li.lease_secs, LEASE);
    const struct axn_iface_info ii = iface(node);
    assert_true(ii.has_ipv4);
    assert_int_equal(ii.addr, li.addr);
    assert_int_equal(ii.prefix_len, PREFIX_24);
}

/* A datagram from `from` to `to`'s address, received there. */
static void udp_across(size_t from, size_t to)
{
    struct axn_socket *tx, *rx;
    const axn_ip4_t dst = info(to).addr;
    assert_int_equal(axn_socket(W.sim.st[from], AXN_AF_INET, AXN_SOCK_DGRAM, 0, &tx), 0);
    assert_int_equal(axn_socket(W.sim.st[to], AXN_AF_INET, AXN_SOCK_DGRAM, 0, &rx), 0);
    assert_int_equal(sim_bind4(rx, 0, PORT_B), 0);
    assert_int_equal(sim_bind4(tx, 0, PORT_A), 0);
    assert_int_equal(sim_sendto4(tx, MSG, sizeof(MSG), dst, PORT_B), (long)sizeof(MSG));
    sim_stacks_settle(&W.sim, AXN_MSEC(50));
    uint8_t buf[sizeof(MSG)];
    struct axn_sockaddr_in fromaddr;
    assert_int_equal(sim_recvfrom4(rx, buf, sizeof(buf), 0, &fromaddr), (long)sizeof(MSG));
    assert_memory_equal(buf, MSG, sizeof(MSG));
    assert_int_equal(sim_host32(fromaddr.sin_addr.s_addr), info(from).addr);
    assert_int_equal(axn_close(tx), 0);
    assert_int_equal(axn_close(rx), 0);
}

static void test_two_clients_share_server(void **state)
{
    (void)state;
    run_until_bound(C1, C2, BIND_SPAN);
    assert_configured(C1);
    assert_configured(C2);
    assert_int_not_equal(info(C1).addr, info(C2).addr);
    struct axn_dhcp_server_lease l[4];
    assert_int_equal(srv_leases(l, 4), 2);
    assert_false(l[0].offered_only);
    assert_false(l[1].offered_only);
    const struct axn_dhcp_server_stats s = srv_stats();
    assert_int_equal(s.acks, 2);
    assert_int_equal(s.naks, 0);
    assert_int_equal(s.declines, 0);
    udp_across(C1, C2);
    udp_across(C2, C1);
}

static void test_release_and_restart(void **state)
{
    (void)state;
    run_until_bound(C1, C2, BIND_SPAN);
    const axn_ip4_t had = info(C1).addr;
    assert_int_equal(axn_dhcp_client_release(W.sim.st[C1], ETH0), 0);
    sim_stacks_settle(&W.sim, AXN_MSEC(50));
    {
        struct axn_dhcp_server_stats d = srv_stats();
        fprintf(stderr, "DBG rel=%lu ign=%lu req=%lu cli_rel=%lu\n", (unsigned long)d.releases,
                (unsigned long)d.rx_ignored, (unsigned long)d.requests, 0ul);
    }
    assert_int_equal(srv_stats().releases, 1);
    struct axn_dhcp_server_lease l[4];
    assert_int_equal(srv_leases(l, 4), 1);
    assert_int_equal(l[0].addr, info(C2).addr);
    assert_false(iface(C1).has_ipv4);
    /* Started again: the server gives the released address back. */
    assert_int_equal(axn_dhcp_client_start(W.sim.st[C1], ETH0), 0);
    run_until_bound(C1, C2, BIND_SPAN);
    assert_int_equal(info(C1).addr, had);
    assert_int_equal(srv_leases(l, 4), 2);
}

static void test_renew_at_t1(void **state)
{
    (void)state;
    run_until_bound(C1, C2, BIND_SPAN);
    const struct axn_dhcp_lease_info before = info(C1);
    const uint64_t acks = srv_stats().acks;
    /* Past T1 (half the lease), well before T2. */
    sim_stacks_run_until(&W.sim, before.obtained + AXN_SEC(LEASE / 2) + AXN_SEC(5));
    const struct axn_dhcp_lease_info after = info(C1);
    assert_int_equal(after.state, AXN_DHCPC_BOUND);
    assert_int_equal(after.addr, before.addr);
    assert_true(after.stats.renewals >= 1);
    assert_true(after.expires > before.expires);
    assert_true(srv_stats().acks >= acks + 2); /* both clients renewed */
    struct axn_dhcp_server_lease l[4];
    assert_int_equal(srv_leases(l, 4), 2);
    assert_true(l[0].expires > before.expires);
}

/* RFC 2131 4.4.1 / RFC 5227: the client's ARP probe finds the offered
 * address in use, it DECLINEs, the server quarantines the address and the
 * client's next DISCOVER gets another one. */
static void test_conflict_declined(void **state)
{
    (void)state;
    run_until_bound(C1, C1, BIND_SPAN);
    assert_int_equal(info(C1).addr, POOL_FIRST + 1);
    const struct axn_dhcp_server_stats s = srv_stats();
    assert_int_equal(s.declines, 1);
    assert_int_equal(s.offers, 2);
    struct axn_dhcp_server_lease l[4];
    assert_int_equal(srv_leases(l, 4), 2);
    assert_true(l[0].declined);
    assert_int_equal(l[0].addr, POOL_FIRST);
    assert_int_equal(l[1].addr, POOL_FIRST + 1);
    assert_false(l[1].offered_only);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_two_clients_share_server),
        T(test_release_and_restart),
        T(test_renew_at_t1),
        cmocka_unit_test_setup_teardown(test_conflict_declined, setup_squatter, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
