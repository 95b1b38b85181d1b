/*
 * Network bring-up and run-time device changes (spec CTL-8, CTL-9, CTL-24,
 * stack.h), with simulated-wire ports as real drivers behind real Ethernet
 * adapters: ids and names, defaults, static install, route selection over
 * two subnets, add/remove, link state, all-or-nothing failures, and the
 * device-facing queries (ETH-16 neighbours and /proc/net/arp, RT-37).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "axnet/errno.h"
#include "axnet/hosted/sim_wire.h"
#include "axnet/netctl.h"
#include "core/stack_impl.h"
#include "ctl/ctl.h"
#include "fake_netdev.h"
#include "sim_stacks.h"
#include "test_platform.h"

#define MAX_PORTS   10u
#define LO          AXN_IFINDEX_LOOPBACK
#define ETH0        2u
#define ETH1        3u
#define ETH2        4u
#define A_ADDR      AXN_IP4(192, 0, 2, 10)
#define B_ADDR      AXN_IP4(192, 0, 2, 20)
#define NET_A       AXN_IP4(192, 0, 2, 0)
#define GW_A        AXN_IP4(192, 0, 2, 1)
#define ADDR_2      AXN_IP4(198, 51, 100, 10)
#define NET_2       AXN_IP4(198, 51, 100, 0)
#define GW_2        AXN_IP4(198, 51, 100, 1)
#define DYN_ADDR    AXN_IP4(203, 0, 113, 10)
#define DYN_NET     AXN_IP4(203, 0, 113, 0)
#define REMOTE      AXN_IP4(8, 8, 8, 8)
#define DNS_A       AXN_IP4(192, 0, 2, 53)
#define DNS_B       AXN_IP4(198, 51, 100, 53)
#define DNS_FB      AXN_IP4(9, 9, 9, 9)
#define PREFIX_24   24u
#define METRIC_HIGH 200u
#define METRIC_LOW  50u
#define ETH_FLAGS   (AXN_IFF_UP | AXN_IFF_RUNNING | AXN_IFF_BROADCAST | AXN_IFF_MULTICAST)
#define LINK_FLAGS  (AXN_IFF_UP | AXN_IFF_RUNNING)
#define NOW         AXN_SEC(1)
#define PAYLOAD     32u
#define LIST_MAX    AXN_ROUTE_TABLE_MAX
#define TEXT_MAX    1024u
#define PUMP_ROUNDS 8
#define IP4_HDR_LEN 20u
#define ICMP_HLEN   8u

static struct {
    struct axn_sim_wire *wire;
    struct axn_eth_driver drv[MAX_PORTS];
    const struct axn_eth_driver *ptr[MAX_PORTS];
    struct axn_mac mac[MAX_PORTS];
    struct axn_stack *st;
    struct axn_stack *peer;
} W;

static int setup(void **state)
{
    (void)state;
    memset(&W, 0, sizeof(W));
    if (axn_sim_wire_create(&W.wire, NULL, 1) != 0)
        return -1;
    for (unsigned i = 0; i < MAX_PORTS; i++) {
        const struct axn_mac mac = {{0x02, 0, 0, 0, 0, (uint8_t)(i + 1)}};
        W.mac[i] = mac;
        if (axn_sim_wire_add_port(W.wire, &W.mac[i], &W.drv[i]) != (int)i)
            return -1;
        W.ptr[i] = &W.drv[i];
    }
    return axn_stack_create(axn_test_logging_platform(), &W.st);
}

static int teardown(void **state)
{
    (void)state;
    axn_stack_destroy(W.st);
    axn_stack_destroy(W.peer);
    axn_sim_wire_destroy(W.wire);
    return axn_test_live_allocs() == 0 ? 0 : -1;
}

/* ---- Helpers ------------------------------------------------------------- */

static struct axn_iface_config static_cfg(uint32_t order, axn_ip4_t addr, axn_ip4_t gw,
                                          uint32_t metric)
{
    return sim_static_iface(order, addr, PREFIX_24, gw, metric);
}

static size_t n_ifaces(struct axn_stack *st)
{
    struct axn_iface_info list[AXN_MAX_DEVICES];
    return axn_ctl_interfaces(st, list, AXN_MAX_DEVICES);
}

static size_t n_routes(struct axn_stack *st)
{
    struct axn_route_info r[LIST_MAX];
    return axn_ctl_routes(st, r, LIST_MAX);
}

static size_t n_dns(struct axn_stack *st)
{
    axn_ip4_t dns[AXN_MAX_DNS_ENTRIES];
    return axn_ctl_dns_servers(st, dns, AXN_MAX_DNS_ENTRIES);
}

static struct axn_iface_info iface(struct axn_stack *st, uint32_t ifindex)
{
    struct axn_iface_info info;
    assert_int_equal(axn_ctl_interface_by_index(st, ifindex, &info), 0);
    return info;
}

/* Only lo, as axn_stack_create left it. */
static void assert_pristine(struct axn_stack *st)
{
    assert_int_equal(n_ifaces(st), 1);
    assert_int_equal(n_routes(st), 1);
    assert_int_equal(n_dns(st), 0);
    assert_int_equal(st->router.n_devs, 1);
    assert_false(st->network_initialised);
    assert_int_equal(axn_ctl_next_ifindex(&st->ctl), ETH0);
}

static uint32_t select_if(struct axn_stack *st, axn_ip4_t dst)
{
    struct axn_route_decision d;
    assert_int_equal(axn_ctl_route_select(&st->ctl, dst, 0, &d), 0);
    return d.ifindex;
}

/* Polls both stacks and moves wire time along until nothing is left. */
static void pump(void)
{
    axn_time_t now = NOW;
    for (int round = 0; round < PUMP_ROUNDS; round++) {
        axn_stack_poll(W.st, now);
        if (W.peer)
            axn_stack_poll(W.peer, now);
        const axn_time_t next = axn_sim_wire_next_event(W.wire);
        if (next != AXN_TIME_NEVER && next > now)
            now = next;
        assert_int_equal(axn_sim_wire_set_time(W.wire, now), 0);
    }
}

/* Stack on port 0 with A_ADDR, peer on port 1 with B_ADDR; A sends one
 * packet to B, which takes an ARP exchange. */
static void arp_exchange(void)
{
    const struct axn_iface_config a = static_cfg(0, A_ADDR, 0, 0);
    struct axn_net_config cfg = sim_net_config(&a, 1);
    assert_int_equal(axn_stack_init_network(W.st, W.ptr, 1, &cfg, NOW), 0);
    assert_int_equal(axn_stack_create(axn_test_platform(), &W.peer), 0);
    const struct axn_iface_config b = static_cfg(0, B_ADDR, 0, 0);
    cfg = sim_net_config(&b, 1);
    assert_int_equal(axn_stack_init_network(W.peer, W.ptr + 1, 1, &cfg, NOW), 0);
    uint8_t pkt[FAKE_NETDEV_PKT_MAX];
    const size_t len = fake_build_ipv4(pkt, sizeof(pkt), A_ADDR, B_ADDR, PAYLOAD, 1);
    assert_int_equal(axn_router_output(&W.st->router, pkt, len, NOW), 0);
    pump();
}

/* ---- CTL-8 / CTL-4: ids, names, defaults ------------------------------------- */

static void init_network_names_and_numbers_devices_in_probe_order(void **state)
{
    (void)state;
    assert_int_equal(axn_stack_init_network(W.st, W.ptr, 3, NULL, NOW), 0);
    struct axn_iface_info list[AXN_MAX_DEVICES];
    assert_int_equal(axn_ctl_interfaces(W.st, list, AXN_MAX_DEVICES), 4);
    assert_int_equal(list[0].ifindex, LO);
    for (unsigned i = 0; i < 3; i++) {
        const struct axn_iface_info *it = &list[i + 1];
        char name[AXN_IFNAMSIZ];
        snprintf(name, sizeof(name), "eth%u", i);
        assert_int_equal(it->ifindex, ETH0 + i);
        assert_string_equal(it->name, name);
        assert_int_equal(it->kind, AXN_IFACE_ETHERNET);
        assert_true(it->has_mac);
        assert_memory_equal(it->mac.b, W.mac[i].b, AXN_MAC_LEN);
        assert_false(it->has_ipv4);
        assert_int_equal(it->mtu, AXN_ETH_MTU);
        assert_int_equal(it->flags, ETH_FLAGS);
        assert_int_equal(it->metric, AXN_DEFAULT_ETH_METRIC);
        /* CTL-4: an unconfigured NIC waits for DHCP. */
        assert_true(axn_ctl_iface_wants_dhcp(&W.st->ctl, ETH0 + i));
        const struct axn_dev_handle *h = axn_router_find(&W.st->router, ETH0 + i);
        assert_non_null(h);
        assert_string_equal(h->dev->name, name);
    }
    assert_int_equal(W.st->router.n_devs, 4);
    assert_int_equal(n_routes(W.st), 1);
    assert_true(W.st->network_initialised);
}

static void init_network_twice_is_ealready(void **state)
{
    (void)state;
    assert_int_equal(axn_stack_init_network(W.st, W.ptr, 1, NULL, NOW), 0);
    assert_int_equal(axn_stack_init_network(W.st, W.ptr + 1, 1, NULL, NOW), -AXN_EALREADY);
    assert_int_equal(n_ifaces(W.st), 2);
}

static void init_network_with_no_device_keeps_lo_and_warns(void **state)
{
    (void)state;
    axn_test_clear_log();
    assert_int_equal(axn_stack_init_network(W.st, NULL, 0, NULL, NOW), 0);
    assert_non_null(strstr(axn_test_last_log(), "only lo is up"));
    assert_int_equal(n_ifaces(W.st), 1);
    assert_int_equal(axn_stack_init_network(W.st, NULL, 0, NULL, NOW), -AXN_EALREADY);
}

static void init_network_installs_static_address_routes_and_dns(void **state)
{
    (void)state;
    struct axn_iface_config ics[2] = {static_cfg(0, A_ADDR, GW_A, 0), static_cfg(1, 0, 0, 0)};
    ics[0].dns[0] = DNS_A;
    ics[0].n_dns = 1;
    /* eth1 is DHCP; its static DNS is recorded all the same (CTL-8). */
    ics[1].ipv4_mode = AXN_IPV4_DHCP;
    ics[1].prefix_len = 0;
    ics[1].dns[0] = DNS_B;
    ics[1].n_dns = 1;
    struct axn_net_config cfg = sim_net_config(ics, 2);
    cfg.fallback_dns[0] = DNS_FB;
    cfg.n_fallback_dns = 1;
    assert_int_equal(axn_stack_init_network(W.st, W.ptr, 2, &cfg, NOW), 0);
    const struct axn_iface_info eth0 = iface(W.st, ETH0);
    assert_true(eth0.has_ipv4);
    assert_int_equal(eth0.addr, A_ADDR);
    assert_int_equal(eth0.prefix_len, PREFIX_24);
    assert_int_equal(eth0.gateway, GW_A);
    assert_false(axn_ctl_iface_wants_dhcp(&W.st->ctl, ETH0));
    assert_true(axn_ctl_iface_wants_dhcp(&W.st->ctl, ETH1));
    struct axn_route_info r[LIST_MAX];
    assert_int_equal(axn_ctl_routes(W.st, r, LIST_MAX), 3);
    assert_int_equal(r[0].prefix, NET_A);
    assert_int_equal(r[0].ifindex, ETH0);
    assert_int_equal(r[2].prefix_len, 0);
    assert_int_equal(r[2].via, GW_A);
    axn_ip4_t dns[AXN_MAX_DNS_ENTRIES];
    assert_int_equal(axn_ctl_dns_servers(W.st, dns, AXN_MAX_DNS_ENTRIES), 3);
    assert_int_equal(dns[0], DNS_A);
    assert_int_equal(dns[1], DNS_B);
    assert_int_equal(dns[2], DNS_FB); /* fallback: lo's, metric UINT32_MAX */
}

static void two_subnets_with_metrics_select_the_right_route(void **state)
{
    (void)state;
    const struct axn_iface_config ics[2] = {
        static_cfg(0, A_ADDR, GW_A, METRIC_HIGH),
        static_cfg(1, ADDR_2, GW_2, METRIC_LOW),
    };
    const struct axn_net_config cfg = sim_net_config(ics, 2);
    assert_int_equal(axn_stack_init_network(W.st, W.ptr, 2, &cfg, NOW), 0);
    /* Longest prefix first, then the lower metric (RT-8, RT-11). */
    assert_int_equal(select_if(W.st, A_ADDR + 5), ETH0);
    assert_int_equal(select_if(W.st, ADDR_2 + 5), ETH1);
    assert_int_equal(select_if(W.st, REMOTE), ETH1);
    struct axn_route_info r[LIST_MAX];
    assert_int_equal(axn_ctl_default_routes(W.st, r, LIST_MAX), 2);
    assert_int_equal(r[0].ifindex, ETH1);
    assert_int_equal(r[0].metric, METRIC_LOW);
    assert_int_equal(r[1].ifindex, ETH0);
    /* RT-10: a packet already carrying eth0's address leaves by eth0. */
    struct axn_route_decision d;
    assert_int_equal(axn_ctl_route_for_source(&W.st->ctl, REMOTE, A_ADDR, &d), 0);
    assert_int_equal(d.ifindex, ETH0);
    assert_int_equal(d.next_hop, GW_A);
}

/* ---- CTL-5 through init: nothing changes on error ----------------------------- */

static void init_network_validation_error_changes_nothing(void **state)
{
    (void)state;
    struct axn_iface_config ic = static_cfg(0, A_ADDR, 0, 0);
    strcpy(ic.name, "lo");
    const struct axn_net_config bad = sim_net_config(&ic, 1);
    assert_int_equal(axn_stack_init_network(W.st, W.ptr, 2, &bad, NOW), -AXN_EINVAL);
    assert_pristine(W.st);
    /* Not "initialised": a good configuration still goes through. */
    ic.name[0] = '\0';
    const struct axn_net_config good = sim_net_config(&ic, 1);
    assert_int_equal(axn_stack_init_network(W.st, W.ptr, 2, &good, NOW), 0);
    assert_int_equal(n_ifaces(W.st), 3);
}

static void init_network_that_does_not_fit_changes_nothing(void **state)
{
    (void)state;
    /* Nine interfaces with four DNS servers each: 36 > AXN_MAX_DNS_ENTRIES. */
    struct axn_iface_config ics[9];
    for (unsigned i = 0; i < 9; i++) {
        ics[i] = static_cfg(i, AXN_IP4(10, 0, i, 2), 0, 0);
        for (unsigned k = 0; k < AXN_IFACE_MAX_DNS; k++)
            ics[i].dns[k] = AXN_IP4(10, 0, i, 50 + k);
        ics[i].n_dns = AXN_IFACE_MAX_DNS;
    }
    const struct axn_net_config cfg = sim_net_config(ics, 9);
    assert_int_equal(axn_stack_init_network(W.st, W.ptr, 9, &cfg, NOW), -AXN_ENOSPC);
    assert_pristine(W.st);
    for (unsigned i = 0; i < 9; i++)
        assert_null(axn_router_find(&W.st->router, ETH0 + i));
}

static void init_network_out_of_memory_changes_nothing(void **state)
{
    (void)state;
    const struct axn_iface_config ic = static_cfg(1, A_ADDR, GW_A, 0);
    const struct axn_net_config cfg = sim_net_config(&ic, 1);
    const size_t baseline = axn_test_live_allocs();
    int rc = -AXN_ENOMEM;
    size_t budget = 0;
    /* Every allocation in turn fails once: each failure must unwind. */
    for (; rc == -AXN_ENOMEM; budget++) {
        axn_test_fail_alloc_after(budget);
        rc = axn_stack_init_network(W.st, W.ptr, 3, &cfg, NOW);
        axn_test_fail_alloc_after(SIZE_MAX);
        if (rc == -AXN_ENOMEM) {
            assert_pristine(W.st);
            assert_int_equal(axn_test_live_allocs(), baseline);
        }
    }
    assert_int_equal(rc, 0);
    assert_true(budget > 3);
    assert_int_equal(n_ifaces(W.st), 4);
    assert_int_equal(iface(W.st, ETH1).addr, A_ADDR);
}

static void init_network_after_add_device_is_ebusy(void **state)
{
    (void)state;
    uint32_t id = 0;
    assert_int_equal(axn_stack_add_device(W.st, W.ptr[0], NULL, NOW, &id), 0);
    assert_int_equal(id, ETH0);
    assert_int_equal(axn_stack_init_network(W.st, W.ptr + 1, 1, NULL, NOW), -AXN_EBUSY);
    assert_int_equal(n_ifaces(W.st), 2);
}

/* ---- CTL-24: run-time devices -------------------------------------------------- */

static void add_device_takes_max_plus_one_and_installs_connected_route(void **state)
{
    (void)state;
    assert_int_equal(axn_stack_init_network(W.st, W.ptr, 2, NULL, NOW), 0);
    struct axn_device_config dc;
    memset(&dc, 0, sizeof(dc));
    strcpy(dc.name, "dyn0");
    dc.addr = DYN_ADDR;
    dc.prefix_len = PREFIX_24;
    uint32_t id = 0;
    assert_int_equal(axn_stack_add_device(W.st, W.ptr[2], &dc, NOW, &id), 0);
    assert_int_equal(id, ETH2);
    const struct axn_iface_info info = iface(W.st, ETH2);
    assert_string_equal(info.name, "dyn0");
    assert_int_equal(info.addr, DYN_ADDR);
    assert_int_equal(info.gateway, 0);
    assert_int_equal(info.metric, AXN_DEFAULT_ETH_METRIC);
    assert_int_equal(info.flags, ETH_FLAGS);
    assert_false(axn_ctl_iface_wants_dhcp(&W.st->ctl, ETH2));
    struct axn_route_info r[LIST_MAX];
    assert_int_equal(axn_ctl_routes(W.st, r, LIST_MAX), 2);
    assert_int_equal(r[0].prefix, DYN_NET);
    assert_int_equal(r[0].ifindex, ETH2);
    assert_int_equal(select_if(W.st, DYN_ADDR + 1), ETH2);
    assert_non_null(axn_router_find(&W.st->router, ETH2));
    /* No name: eth<id - 2>. */
    assert_int_equal(axn_stack_add_device(W.st, W.ptr[3], NULL, NOW, &id), 0);
    assert_string_equal(iface(W.st, id).name, "eth3");
    assert_false(iface(W.st, id).has_ipv4);
}

static void add_device_refusals_change_nothing(void **state)
{
    (void)state;
    assert_int_equal(axn_stack_init_network(W.st, W.ptr, 1, NULL, NOW), 0);
    struct axn_device_config dc;
    memset(&dc, 0, sizeof(dc));
    strcpy(dc.name, "eth0");
    uint32_t id = 0;
    assert_int_equal(axn_stack_add_device(W.st, W.ptr[1], &dc, NOW, &id), -AXN_EEXIST);
    strcpy(dc.name, "x");
    dc.prefix_len = 33;
    dc.addr = DYN_ADDR;
    assert_int_equal(axn_stack_add_device(W.st, W.ptr[1], &dc, NOW, &id), -AXN_EINVAL);
    dc.prefix_len = PREFIX_24;
    dc.addr = 0;
    assert_int_equal(axn_stack_add_device(W.st, W.ptr[1], &dc, NOW, &id), -AXN_EINVAL);
    assert_int_equal(axn_stack_add_device(W.st, NULL, NULL, NOW, &id), -AXN_EINVAL);
    assert_int_equal(n_ifaces(W.st), 2);
    assert_int_equal(W.st->router.n_devs, 2);
    /* Refusals burn no id. */
    assert_int_equal(axn_stack_add_device(W.st, W.ptr[1], NULL, NOW, &id), 0);
    assert_int_equal(id, ETH1);
}

static void remove_device_drops_routes_dns_and_never_reuses_its_id(void **state)
{
    (void)state;
    struct axn_iface_config ics[2] = {static_cfg(0, A_ADDR, GW_A, 0),
                                      static_cfg(1, ADDR_2, GW_2, 0)};
    ics[1].dns[0] = DNS_B;
    ics[1].n_dns = 1;
    const struct axn_net_config cfg = sim_net_config(ics, 2);
    assert_int_equal(axn_stack_init_network(W.st, W.ptr, 2, &cfg, NOW), 0);
    assert_int_equal(axn_stack_remove_device(W.st, ETH1, NOW), 0);
    struct axn_iface_info info;
    assert_int_equal(axn_ctl_interface_by_index(W.st, ETH1, &info), -AXN_ENODEV);
    assert_null(axn_router_find(&W.st->router, ETH1));
    assert_int_equal(W.st->router.n_devs, 2);
    assert_int_equal(n_routes(W.st), 3); /* lo + eth0 connected + default */
    assert_int_equal(n_dns(W.st), 0);
    assert_int_equal(select_if(W.st, ADDR_2 + 5), ETH0); /* via eth0's default */
    struct axn_link_stats s;
    assert_int_equal(axn_ctl_link_stats(W.st, ETH1, &s), -AXN_ENODEV);
    uint32_t id = 0;
    assert_int_equal(axn_stack_add_device(W.st, W.ptr[1], NULL, NOW, &id), 0);
    assert_int_equal(id, ETH2); /* CTL-11: 3 stays burnt */
    assert_int_equal(axn_stack_remove_device(W.st, ETH1, NOW), -AXN_ENODEV);
    assert_int_equal(axn_stack_remove_device(W.st, LO, NOW), -AXN_EOPNOTSUPP);
    assert_non_null(axn_router_find(&W.st->router, LO));
}

/* ---- Link state ----------------------------------------------------------------- */

static void link_down_clears_flags_and_routes_skip_it(void **state)
{
    (void)state;
    const struct axn_iface_config ics[2] = {
        static_cfg(0, A_ADDR, GW_A, METRIC_LOW),
        static_cfg(1, ADDR_2, GW_2, METRIC_HIGH),
    };
    const struct axn_net_config cfg = sim_net_config(ics, 2);
    assert_int_equal(axn_stack_init_network(W.st, W.ptr, 2, &cfg, NOW), 0);
    assert_int_equal(select_if(W.st, REMOTE), ETH0);
    assert_int_equal(axn_stack_set_link(W.st, ETH0, false, NOW), 0);
    assert_int_equal(iface(W.st, ETH0).flags & LINK_FLAGS, 0);
    assert_int_equal(iface(W.st, ETH0).flags, ETH_FLAGS & ~LINK_FLAGS);
    assert_false(atomic_load(&axn_router_find(&W.st->router, ETH0)->up));
    assert_int_equal(select_if(W.st, REMOTE), ETH1);
    assert_int_equal(select_if(W.st, A_ADDR + 5), ETH1);
    /* A packet from eth0's address has nowhere to go now (RT-10). */
    uint8_t pkt[FAKE_NETDEV_PKT_MAX];
    const size_t len = fake_build_ipv4(pkt, sizeof(pkt), A_ADDR, REMOTE, PAYLOAD, 1);
    assert_int_equal(axn_router_output(&W.st->router, pkt, len, NOW), -AXN_ENETUNREACH);
    assert_int_equal(axn_stack_set_link(W.st, ETH0, true, NOW), 0);
    assert_int_equal(iface(W.st, ETH0).flags, ETH_FLAGS);
    assert_true(atomic_load(&axn_router_find(&W.st->router, ETH0)->up));
    assert_int_equal(select_if(W.st, REMOTE), ETH0);
    assert_int_equal(axn_stack_set_link(W.st, ETH2, true, NOW), -AXN_ENODEV);
}

/* ---- CTL-21/22 through the stack --------------------------------------------------- */

static void set_ipv4_commits_and_reaches_the_device(void **state)
{
    (void)state;
    assert_int_equal(axn_stack_init_network(W.st, W.ptr, 1, NULL, NOW), 0);
    assert_int_equal(axn_stack_create(axn_test_platform(), &W.peer), 0);
    const struct axn_iface_config b = static_cfg(0, B_ADDR, 0, 0);
    const struct axn_net_config cfg = sim_net_config(&b, 1);
    assert_int_equal(axn_stack_init_network(W.peer, W.ptr + 1, 1, &cfg, NOW), 0);
    assert_int_equal(axn_ctl_set_ipv4(W.st, ETH0, A_ADDR, PREFIX_24, NOW), 0);
    assert_false(axn_ctl_iface_wants_dhcp(&W.st->ctl, ETH0));
    assert_int_equal(axn_ctl_set_ipv4(W.st, ETH0, A_ADDR, PREFIX_24, NOW), -AXN_EEXIST);
    assert_int_equal(axn_ctl_set_ipv4(W.st, LO, A_ADDR, PREFIX_24, NOW), -AXN_EOPNOTSUPP);
    /* The adapter got the address: it can resolve and reach the peer. */
    uint8_t pkt[FAKE_NETDEV_PKT_MAX];
    const size_t len = fake_build_ipv4(pkt, sizeof(pkt), A_ADDR, B_ADDR, PAYLOAD, 1);
    assert_int_equal(axn_router_output(&W.st->router, pkt, len, NOW), 0);
    pump();
    struct axn_arp_entry e[2];
    assert_int_equal(axn_ctl_arp_entries(W.st, e, 2, NOW), 1);
    assert_int_equal(e[0].ip, B_ADDR);
    assert_int_equal(axn_ctl_remove_ipv4(W.st, ETH0, A_ADDR, PREFIX_24, NOW), 0);
    assert_false(iface(W.st, ETH0).has_ipv4);
    /* ETH-15: the device forgot its neighbours with its address. */
    assert_int_equal(axn_ctl_arp_entries(W.st, e, 2, NOW), 0);
    assert_int_equal(axn_ctl_remove_ipv4(W.st, LO, AXN_IP4(127, 0, 0, 1), 8, NOW), -AXN_EOPNOTSUPP);
    assert_int_equal(axn_ctl_remove_ipv4(W.st, ETH0, A_ADDR, PREFIX_24, NOW), -AXN_ENOENT);
}

/* ---- ETH-16, RT-37: neighbours and counters ------------------------------------------ */

static void arp_entries_report_resolved_neighbours(void **state)
{
    (void)state;
    arp_exchange();
    struct axn_arp_entry e[4];
    memset(e, 0, sizeof(e));
    assert_int_equal(axn_ctl_arp_entries(W.st, e, 4, NOW), 1);
    assert_int_equal(e[0].ip, B_ADDR);
    assert_int_equal(e[0].hw_type, AXN_ARPHRD_ETHER);
    assert_int_equal(e[0].flags, AXN_ATF_COM);
    assert_memory_equal(e[0].mac.b, W.mac[1].b, AXN_MAC_LEN);
    assert_string_equal(e[0].dev, "eth0");
    assert_int_equal(axn_ctl_arp_entries(W.st, NULL, 0, NOW), 1);
    /* Expired neighbours are not reported. */
    const axn_time_t later = NOW + AXN_SEC(AXN_ARP_NEIGHBOR_TTL_S) + AXN_SEC(1);
    assert_int_equal(axn_ctl_arp_entries(W.st, e, 4, later), 0);
}

static void proc_net_arp_matches_linux_byte_for_byte(void **state)
{
    (void)state;
    /* Header and row taken from a Linux 6.x /proc/net/arp (veth pair). */
    const struct axn_arp_entry e = {
        .ip = AXN_IP4(192, 0, 2, 2),
        .hw_type = AXN_ARPHRD_ETHER,
        .flags = AXN_ATF_COM,
        .mac = {{0x32, 0x72, 0x95, 0x43, 0x37, 0x74}},
        .dev = "ctlva",
    };
    const char *expect =
        "IP address       HW type     Flags       HW address            Mask     Device\n"
        "192.0.2.2        0x1         0x2         32:72:95:43:37:74     *        ctlva\n";
    char buf[TEXT_MAX];
    struct axn_text_buf t;
    axn_text_init(&t, buf, sizeof(buf));
    axn_proc_net_arp_header(&t);
    axn_proc_net_arp_row(&t, &e);
    assert_string_equal(buf, expect);
    assert_int_equal(t.len, strlen(expect));
    /* A short buffer keeps a terminated prefix and reports the full need. */
    char small[10];
    axn_text_init(&t, small, sizeof(small));
    axn_proc_net_arp_header(&t);
    axn_proc_net_arp_row(&t, &e);
    assert_string_equal(small, "IP addres");
    assert_int_equal(t.len, strlen(expect));
}

static void proc_net_arp_lists_the_stack_neighbours(void **state)
{
    (void)state;
    arp_exchange();
    char buf[TEXT_MAX];
    const size_t n = axn_ctl_format_proc_net_arp(W.st, buf, sizeof(buf), NOW);
    const char *expect =
        "IP address       HW type     Flags       HW address            Mask     Device\n"
        "192.0.2.20       0x1         0x2         02:00:00:00:00:02     *        eth0\n";
    assert_string_equal(buf, expect);
    assert_int_equal(n, strlen(expect));
    assert_int_equal(axn_ctl_format_proc_net_arp(W.st, NULL, 0, NOW), strlen(expect));
}

static void link_stats_count_the_exchange(void **state)
{
    (void)state;
    arp_exchange();
    struct axn_link_stats s;
    assert_int_equal(axn_ctl_link_stats(W.st, ETH0, &s), 0);
    /* Out: the gratuitous ARP of the address push, the ARP request, the IP
     * packet. In: the peer's gratuitous ARP and its reply, and the peer's
     * ICMP protocol unreachable (the test packet carries an experimental
     * protocol no transport claims: RFC 1122 3.2.2.1), quoting the whole
     * packet. ARP frames count padded to 60
     * bytes (RT-38). */
    assert_int_equal(s.tx_packets, 3);
    assert_int_equal(s.tx_bytes, 2 * AXN_ETH_ZLEN + AXN_ETH_HLEN + IP4_HDR_LEN + PAYLOAD);
    assert_int_equal(s.rx_packets, 3);
    assert_int_equal(s.rx_bytes, 2 * AXN_ETH_ZLEN + AXN_ETH_HLEN + IP4_HDR_LEN + ICMP_HLEN +
                                     IP4_HDR_LEN + PAYLOAD);
    assert_int_equal(s.tx_errors + s.rx_errors + s.tx_dropped + s.rx_dropped, 0);
    assert_int_equal(axn_ctl_link_stats(W.st, LO, &s), 0);
    assert_int_equal(s.tx_packets, 0);
    assert_int_equal(axn_ctl_link_stats(W.st, ETH2, &s), -AXN_ENODEV);
}

/* The adapters' unreachable hook feeds the stack-wide counter (ETH-14). */
static void unanswered_arp_counts_arp_unresolved(void **state)
{
    (void)state;
    const struct axn_iface_config a = static_cfg(0, A_ADDR, 0, 0);
    const struct axn_net_config cfg = sim_net_config(&a, 1);
    assert_int_equal(axn_stack_init_network(W.st, W.ptr, 1, &cfg, NOW), 0);
    uint8_t pkt[FAKE_NETDEV_PKT_MAX];
    const size_t len = fake_build_ipv4(pkt, sizeof(pkt), A_ADDR, B_ADDR, PAYLOAD, 1);
    assert_int_equal(axn_router_output(&W.st->router, pkt, len, NOW), 0);
    const axn_time_t step = AXN_MSEC(AXN_ARP_REQUEST_RETRY_MS) / 2;
    const axn_time_t give_up = AXN_MSEC(AXN_ARP_REQUEST_RETRY_MS) * (AXN_ARP_MAX_REQUESTS + 2) +
                               AXN_MSEC(AXN_ARP_PENDING_MAX_AGE_MS);
    for (axn_time_t t = NOW; t <= NOW + give_up; t += step) {
        assert_int_equal(axn_sim_wire_set_time(W.wire, t), 0);
        axn_stack_poll(W.st, t);
    }
    struct axn_stack_stats stats;
    axn_ctl_stack_stats(W.st, &stats);
    assert_int_equal(stats.arp_unresolved, 1);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(init_network_names_and_numbers_devices_in_probe_order),
        T(init_network_twice_is_ealready),
        T(init_network_with_no_device_keeps_lo_and_warns),
        T(init_network_installs_static_address_routes_and_dns),
        T(two_subnets_with_metrics_select_the_right_route),
        T(init_network_validation_error_changes_nothing),
        T(init_network_that_does_not_fit_changes_nothing),
        T(init_network_out_of_memory_changes_nothing),
        T(init_network_after_add_device_is_ebusy),
        T(add_device_takes_max_plus_one_and_installs_connected_route),
        T(add_device_refusals_change_nothing),
        T(remove_device_drops_routes_dns_and_never_reuses_its_id),
        T(link_down_clears_flags_and_routes_skip_it),
        T(set_ipv4_commits_and_reaches_the_device),
        T(arp_entries_report_resolved_neighbours),
        T(proc_net_arp_matches_linux_byte_for_byte),
        T(proc_net_arp_lists_the_stack_neighbours),
        T(link_stats_count_the_exchange),
        T(unanswered_arp_counts_arp_unresolved),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
