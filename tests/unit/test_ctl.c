/*
 * The control plane (spec §4): registry and ifindex rules (CTL-10..14,
 * LO-1), route decisions (RT-10/11), transactional commits (CTL-19..22)
 * and the public copies of netctl.h (CTL-13, RT-12, TEST-12).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "axnet/errno.h"
#include "axnet/netctl.h"
#include "core/stack_impl.h"
#include "ctl/ctl.h"
#include "test_platform.h"

/* The split-route fixture of spec §16.1. */
#define ETH0_ADDR   AXN_IP4(192, 0, 2, 10)
#define ETH0_NET    AXN_IP4(192, 0, 2, 0)
#define ETH0_GW     AXN_IP4(192, 0, 2, 1)
#define ETH1_ADDR   AXN_IP4(198, 51, 100, 20)
#define ETH1_NET    AXN_IP4(198, 51, 100, 0)
#define ETH1_GW     AXN_IP4(198, 51, 100, 1)
#define PREFIX_24   24u
#define METRIC      100u
#define METRIC_LOW  50u
#define REMOTE_DST  AXN_IP4(203, 0, 113, 7)
#define DNS_A       AXN_IP4(192, 0, 2, 53)
#define DNS_B       AXN_IP4(198, 51, 100, 53)
#define LO_ADDR     AXN_IP4(127, 0, 0, 1)
#define LO_NET      AXN_IP4(127, 0, 0, 0)
#define LO_PREFIX   8u
#define LO_OTHER    AXN_IP4(127, 0, 0, 2)
#define ETH_FLAGS   (AXN_IFF_UP | AXN_IFF_RUNNING | AXN_IFF_BROADCAST | AXN_IFF_MULTICAST)
#define LO_FLAGS    (AXN_IFF_UP | AXN_IFF_RUNNING | AXN_IFF_LOOPBACK)
#define ETH0        2u
#define ETH1        3u
#define ETH2        4u
#define MANY_IFACES 10u /* more than ax-net's 8-address limit (CTL-20) */
#define LIST_MAX    AXN_ROUTE_TABLE_MAX

/* Queries take a stack; only its control plane is used here. */
static struct axn_stack st;
static struct axn_ctl *const ctl = &st.ctl;

static int setup(void **state)
{
    (void)state;
    memset(&st, 0, sizeof(st));
    return axn_ctl_init(ctl, axn_test_platform());
}

static int teardown(void **state)
{
    (void)state;
    axn_ctl_destroy(ctl);
    return axn_test_live_allocs() == 0 ? 0 : -1;
}

static struct axn_iface_info eth_info(const char *name, uint32_t ifindex, uint32_t metric)
{
    struct axn_iface_info info;
    memset(&info, 0, sizeof(info));
    info.ifindex = ifindex;
    snprintf(info.name, sizeof(info.name), "%s", name);
    info.kind = AXN_IFACE_ETHERNET;
    info.mtu = AXN_ETH_MTU;
    info.flags = ETH_FLAGS;
    info.metric = metric;
    return info;
}

static uint32_t add_eth(const char *name, uint32_t ifindex, uint32_t metric)
{
    const struct axn_iface_info info = eth_info(name, ifindex, metric);
    uint32_t id = 0;
    assert_int_equal(axn_ctl_iface_add(ctl, &info, &id), 0);
    return id;
}

static struct axn_ctl_commit addr_commit(uint32_t ifindex, axn_ip4_t addr, uint8_t prefix,
                                         axn_ip4_t gw)
{
    struct axn_ctl_commit req;
    memset(&req, 0, sizeof(req));
    req.ifindex = ifindex;
    req.has_addr = true;
    req.addr = addr;
    req.prefix_len = prefix;
    req.gateway = gw;
    req.dns_source = AXN_DNS_SRC_STATIC;
    return req;
}

static void commit_addr(uint32_t ifindex, axn_ip4_t addr, uint8_t prefix, axn_ip4_t gw)
{
    const struct axn_ctl_commit req = addr_commit(ifindex, addr, prefix, gw);
    assert_int_equal(axn_ctl_commit(ctl, &req), 0);
}

/* eth0 192.0.2.10/24 and eth1 198.51.100.20/24, metric 100 (spec §16.1). */
static void add_split_fixture(void)
{
    assert_int_equal(add_eth("eth0", ETH0, METRIC), ETH0);
    assert_int_equal(add_eth("eth1", ETH1, METRIC), ETH1);
    commit_addr(ETH0, ETH0_ADDR, PREFIX_24, 0);
    commit_addr(ETH1, ETH1_ADDR, PREFIX_24, 0);
}

static struct axn_iface_info iface(uint32_t ifindex)
{
    struct axn_iface_info info;
    assert_int_equal(axn_ctl_interface_by_index(&st, ifindex, &info), 0);
    return info;
}

static size_t route_count(void)
{
    struct axn_route_info routes[LIST_MAX];
    return axn_ctl_routes(&st, routes, LIST_MAX);
}

static size_t dns_count(void)
{
    axn_ip4_t dns[AXN_MAX_DNS_ENTRIES];
    return axn_ctl_dns_servers(&st, dns, AXN_MAX_DNS_ENTRIES);
}

static uint32_t select_if(axn_ip4_t dst, uint32_t bound)
{
    struct axn_route_decision d;
    assert_int_equal(axn_ctl_route_select(ctl, dst, bound, &d), 0);
    return d.ifindex;
}

/* ---- LO-1, CTL-10..14: the registry ------------------------------------- */

static void ctl_init_registers_loopback_per_lo_1(void **state)
{
    (void)state;
    const struct axn_iface_info lo = iface(AXN_IFINDEX_LOOPBACK);
    assert_string_equal(lo.name, "lo");
    assert_int_equal(lo.kind, AXN_IFACE_LOOPBACK);
    assert_false(lo.has_mac);
    assert_true(lo.has_ipv4);
    assert_int_equal(lo.addr, LO_ADDR);
    assert_int_equal(lo.prefix_len, LO_PREFIX);
    assert_int_equal(lo.gateway, 0);
    /* LO-1 says 1500 (Linux shows 65536). */
    assert_int_equal(lo.mtu, 1500);
    assert_int_equal(lo.flags, LO_FLAGS);
    assert_int_equal(lo.metric, 0);
}

static void ctl_init_installs_loopback_route_first(void **state)
{
    (void)state;
    struct axn_route_info r[LIST_MAX];
    assert_int_equal(axn_ctl_routes(&st, r, LIST_MAX), 1);
    assert_int_equal(r[0].prefix, LO_NET);
    assert_int_equal(r[0].prefix_len, LO_PREFIX);
    assert_false(r[0].has_via);
    assert_int_equal(r[0].ifindex, AXN_IFINDEX_LOOPBACK);
    assert_int_equal(r[0].source, LO_ADDR);
    assert_int_equal(r[0].metric, 0);
}

static void ctl_init_without_platform_is_einval(void **state)
{
    (void)state;
    struct axn_ctl other;
    assert_int_equal(axn_ctl_init(&other, NULL), -AXN_EINVAL);
}

static void ctl_ethernet_ifindexes_start_at_two_in_order(void **state)
{
    (void)state;
    assert_int_equal(axn_ctl_next_ifindex(ctl), AXN_IFINDEX_FIRST_ETH);
    assert_int_equal(add_eth("eth0", 0, METRIC), ETH0);
    assert_int_equal(add_eth("eth1", 0, METRIC), ETH1);
}

static void ctl_dynamic_ifindex_is_max_plus_one(void **state)
{
    (void)state;
    assert_int_equal(add_eth("eth0", ETH0, METRIC), ETH0);
    assert_int_equal(add_eth("eth1", ETH1, METRIC), ETH1);
    assert_int_equal(axn_ctl_next_ifindex(ctl), ETH2);
    assert_int_equal(add_eth("dyn0", 0, METRIC), ETH2);
}

static void ctl_ifindex_never_reused_after_removal(void **state)
{
    (void)state;
    add_eth("eth0", ETH0, METRIC);
    add_eth("eth1", ETH1, METRIC);
    assert_int_equal(axn_ctl_iface_remove(ctl, ETH1), 0);
    /* The highest id is gone, yet it stays burnt (CTL-11). */
    assert_int_equal(add_eth("eth2", 0, METRIC), ETH2);
    const struct axn_iface_info again = eth_info("eth1", ETH1, METRIC);
    assert_int_equal(axn_ctl_iface_add(ctl, &again, NULL), -AXN_EEXIST);
}

static void ctl_rejects_explicit_ifindex_assigned_before(void **state)
{
    (void)state;
    add_eth("eth0", ETH0, METRIC);
    const struct axn_iface_info dup = eth_info("eth9", ETH0, METRIC);
    assert_int_equal(axn_ctl_iface_add(ctl, &dup, NULL), -AXN_EEXIST);
    const struct axn_iface_info lo_id = eth_info("eth9", AXN_IFINDEX_LOOPBACK, METRIC);
    assert_int_equal(axn_ctl_iface_add(ctl, &lo_id, NULL), -AXN_EEXIST);
}

static void ctl_rejects_duplicate_interface_name(void **state)
{
    (void)state;
    add_eth("eth0", ETH0, METRIC);
    const struct axn_iface_info dup = eth_info("eth0", 0, METRIC);
    assert_int_equal(axn_ctl_iface_add(ctl, &dup, NULL), -AXN_EEXIST);
    const struct axn_iface_info lo = eth_info("lo", 0, METRIC);
    assert_int_equal(axn_ctl_iface_add(ctl, &lo, NULL), -AXN_EEXIST);
    /* A refused add does not burn an id. */
    assert_int_equal(axn_ctl_next_ifindex(ctl), ETH1);
}

static void ctl_rejects_empty_or_unterminated_name(void **state)
{
    (void)state;
    struct axn_iface_info info = eth_info("", 0, METRIC);
    assert_int_equal(axn_ctl_iface_add(ctl, &info, NULL), -AXN_EINVAL);
    memset(info.name, 'x', sizeof(info.name));
    assert_int_equal(axn_ctl_iface_add(ctl, &info, NULL), -AXN_EINVAL);
}

static void ctl_rejects_unknown_interface_kind(void **state)
{
    (void)state;
    struct axn_iface_info info = eth_info("eth0", 0, METRIC);
    info.kind = (enum axn_iface_kind)0;
    assert_int_equal(axn_ctl_iface_add(ctl, &info, NULL), -AXN_EINVAL);
}

static void ctl_registry_full_is_enospc(void **state)
{
    (void)state;
    char name[AXN_IFNAMSIZ];
    for (unsigned i = 1; i < AXN_MAX_DEVICES; i++) {
        snprintf(name, sizeof(name), "eth%u", i);
        add_eth(name, 0, METRIC);
    }
    const struct axn_iface_info extra = eth_info("extra", 0, METRIC);
    assert_int_equal(axn_ctl_iface_add(ctl, &extra, NULL), -AXN_ENOSPC);
}

static void ctl_interfaces_are_listed_lo_first_in_registration_order(void **state)
{
    (void)state;
    add_eth("eth0", ETH0, METRIC);
    add_eth("eth1", ETH1, METRIC);
    add_eth("eth2", ETH2, METRIC);
    assert_int_equal(axn_ctl_iface_remove(ctl, ETH1), 0);
    struct axn_iface_info list[AXN_MAX_DEVICES];
    assert_int_equal(axn_ctl_interfaces(&st, list, AXN_MAX_DEVICES), 3);
    assert_int_equal(list[0].ifindex, AXN_IFINDEX_LOOPBACK);
    assert_int_equal(list[1].ifindex, ETH0);
    assert_int_equal(list[2].ifindex, ETH2);
    assert_string_equal(list[2].name, "eth2");
}

static void ctl_interfaces_report_total_beyond_max(void **state)
{
    (void)state;
    add_eth("eth0", ETH0, METRIC);
    struct axn_iface_info list[2];
    memset(list, 0xAB, sizeof(list));
    assert_int_equal(axn_ctl_interfaces(&st, list, 1), 2);
    assert_int_equal(list[0].ifindex, AXN_IFINDEX_LOOPBACK);
    assert_int_equal(list[1].ifindex, 0xABABABABu); /* untouched */
}

static void ctl_interface_lookup_by_name_and_index(void **state)
{
    (void)state;
    add_eth("eth0", ETH0, METRIC);
    struct axn_iface_info info;
    assert_int_equal(axn_ctl_interface_by_name(&st, "eth0", &info), 0);
    assert_int_equal(info.ifindex, ETH0);
    assert_int_equal(info.flags, ETH_FLAGS);
    assert_int_equal(axn_ctl_interface_by_name(&st, "lo", &info), 0);
    assert_int_equal(info.ifindex, AXN_IFINDEX_LOOPBACK);
    assert_int_equal(axn_ctl_interface_by_name(&st, "eth1", &info), -AXN_ENODEV);
    assert_int_equal(axn_ctl_interface_by_name(&st, "", &info), -AXN_ENODEV);
    assert_int_equal(axn_ctl_interface_by_index(&st, ETH1, &info), -AXN_ENODEV);
    assert_int_equal(axn_ctl_interface_by_index(&st, 0, &info), -AXN_ENODEV);
}

static void ctl_remove_drops_routes_and_dns_of_the_interface(void **state)
{
    (void)state;
    add_split_fixture();
    const axn_ip4_t dns0[] = {DNS_A};
    const axn_ip4_t dns1[] = {DNS_B};
    assert_int_equal(axn_ctl_dns_replace(ctl, ETH0, AXN_DNS_SRC_DHCP, METRIC, dns0, 1), 0);
    assert_int_equal(axn_ctl_dns_replace(ctl, ETH0, AXN_DNS_SRC_STATIC, METRIC, dns0, 1), 0);
    assert_int_equal(axn_ctl_dns_replace(ctl, ETH1, AXN_DNS_SRC_STATIC, METRIC, dns1, 1), 0);
    assert_int_equal(axn_ctl_iface_remove(ctl, ETH0), 0);
    struct axn_route_info r[LIST_MAX];
    assert_int_equal(axn_ctl_routes(&st, r, LIST_MAX), 2);
    assert_int_equal(r[0].ifindex, ETH1);
    assert_int_equal(r[1].ifindex, AXN_IFINDEX_LOOPBACK);
    axn_ip4_t dns[AXN_MAX_DNS_ENTRIES];
    assert_int_equal(axn_ctl_dns_servers(&st, dns, AXN_MAX_DNS_ENTRIES), 1);
    assert_int_equal(dns[0], DNS_B);
    struct axn_iface_info info;
    assert_int_equal(axn_ctl_interface_by_index(&st, ETH0, &info), -AXN_ENODEV);
}

static void ctl_remove_refuses_loopback_and_unknown(void **state)
{
    (void)state;
    assert_int_equal(axn_ctl_iface_remove(ctl, AXN_IFINDEX_LOOPBACK), -AXN_EOPNOTSUPP);
    assert_int_equal(axn_ctl_iface_remove(ctl, ETH0), -AXN_ENODEV);
    assert_int_equal(route_count(), 1);
}

/* ---- Link state and RT-10/11 ------------------------------------------------ */

static void ctl_link_down_clears_up_and_running(void **state)
{
    (void)state;
    add_eth("eth0", ETH0, METRIC);
    assert_true(axn_ctl_iface_is_up(ctl, ETH0));
    assert_int_equal(axn_ctl_set_link(ctl, ETH0, false), 0);
    assert_int_equal(iface(ETH0).flags, AXN_IFF_BROADCAST | AXN_IFF_MULTICAST);
    assert_false(axn_ctl_iface_is_up(ctl, ETH0));
    assert_int_equal(axn_ctl_set_link(ctl, ETH0, true), 0);
    assert_int_equal(iface(ETH0).flags, ETH_FLAGS);
    assert_true(axn_ctl_iface_is_up(ctl, ETH0));
    assert_int_equal(axn_ctl_set_link(ctl, ETH1, true), -AXN_ENODEV);
    assert_false(axn_ctl_iface_is_up(ctl, ETH1));
}

static void route_select_skips_down_interface(void **state)
{
    (void)state;
    add_split_fixture();
    /* eth1 has the better default route, eth0 a worse one. */
    struct axn_ctl_commit req = addr_commit(ETH0, ETH0_ADDR, PREFIX_24, ETH0_GW);
    assert_int_equal(axn_ctl_commit(ctl, &req), 0);
    assert_int_equal(axn_ctl_iface_remove(ctl, ETH1), 0);
    add_eth("eth2", ETH2, METRIC_LOW);
    req = addr_commit(ETH2, ETH1_ADDR, PREFIX_24, ETH1_GW);
    assert_int_equal(axn_ctl_commit(ctl, &req), 0);
    assert_int_equal(select_if(REMOTE_DST, 0), ETH2);
    assert_int_equal(axn_ctl_set_link(ctl, ETH2, false), 0);
    assert_int_equal(select_if(REMOTE_DST, 0), ETH0);
    /* eth2's connected route is skipped too: eth0's default takes it. */
    struct axn_route_decision d;
    assert_int_equal(axn_ctl_route_select(ctl, ETH1_ADDR + 1, 0, &d), 0);
    assert_int_equal(d.ifindex, ETH0);
    assert_int_equal(d.next_hop, ETH0_GW);
}

static void route_select_respects_bound_interface(void **state)
{
    (void)state;
    add_split_fixture();
    struct axn_ctl_commit req = addr_commit(ETH0, ETH0_ADDR, PREFIX_24, ETH0_GW);
    assert_int_equal(axn_ctl_commit(ctl, &req), 0);
    req = addr_commit(ETH1, ETH1_ADDR, PREFIX_24, ETH1_GW);
    assert_int_equal(axn_ctl_commit(ctl, &req), 0);
    struct axn_route_decision d;
    assert_int_equal(axn_ctl_route_select(ctl, REMOTE_DST, ETH1, &d), 0);
    assert_int_equal(d.ifindex, ETH1);
    assert_int_equal(d.source, ETH1_ADDR);
    assert_int_equal(d.next_hop, ETH1_GW);
    /* Bound to eth1, eth0's subnet is reached through eth1's default. */
    assert_int_equal(select_if(ETH0_ADDR + 1, ETH1), ETH1);
    assert_int_equal(axn_ctl_route_select(ctl, LO_ADDR, ETH1, &d), 0);
    assert_int_equal(d.next_hop, ETH1_GW);
    assert_int_equal(axn_ctl_set_link(ctl, ETH1, false), 0);
    assert_int_equal(axn_ctl_route_select(ctl, REMOTE_DST, ETH1, &d), -AXN_ENETUNREACH);
}

static void route_select_direct_next_hop_is_destination(void **state)
{
    (void)state;
    add_split_fixture();
    struct axn_route_decision d;
    assert_int_equal(axn_ctl_route_select(ctl, ETH1_ADDR + 1, 0, &d), 0);
    assert_int_equal(d.ifindex, ETH1);
    assert_int_equal(d.source, ETH1_ADDR);
    assert_int_equal(d.next_hop, ETH1_ADDR + 1);
    assert_int_equal(d.metric, METRIC);
    assert_int_equal(d.prefix_len, PREFIX_24);
    assert_int_equal(select_if(LO_OTHER, 0), AXN_IFINDEX_LOOPBACK);
}

static void route_for_source_matches_exact_source(void **state)
{
    (void)state;
    add_split_fixture();
    struct axn_ctl_commit req = addr_commit(ETH0, ETH0_ADDR, PREFIX_24, ETH0_GW);
    assert_int_equal(axn_ctl_commit(ctl, &req), 0);
    req = addr_commit(ETH1, ETH1_ADDR, PREFIX_24, ETH1_GW);
    assert_int_equal(axn_ctl_commit(ctl, &req), 0);
    struct axn_route_decision d;
    /* RT-10: eth1's source never leaves through eth0, whatever ranks first. */
    assert_int_equal(axn_ctl_route_for_source(ctl, REMOTE_DST, ETH1_ADDR, &d), 0);
    assert_int_equal(d.ifindex, ETH1);
    assert_int_equal(d.next_hop, ETH1_GW);
    assert_int_equal(axn_ctl_route_for_source(ctl, REMOTE_DST, ETH0_ADDR, &d), 0);
    assert_int_equal(d.ifindex, ETH0);
    assert_int_equal(axn_ctl_route_for_source(ctl, REMOTE_DST, LO_ADDR, &d), -AXN_ENETUNREACH);
}

static void route_for_source_skips_down_interface(void **state)
{
    (void)state;
    add_split_fixture();
    struct axn_route_decision d;
    assert_int_equal(axn_ctl_set_link(ctl, ETH0, false), 0);
    assert_int_equal(axn_ctl_route_for_source(ctl, ETH0_ADDR + 1, ETH0_ADDR, &d), -AXN_ENETUNREACH);
    assert_int_equal(axn_ctl_set_link(ctl, ETH0, true), 0);
    assert_int_equal(axn_ctl_route_for_source(ctl, ETH0_ADDR + 1, ETH0_ADDR, &d), 0);
    assert_int_equal(d.ifindex, ETH0);
}

static void ctl_broadcast_is_subnet_directed(void **state)
{
    (void)state;
    add_split_fixture();
    axn_ip4_t bcast = 0;
    assert_true(axn_ctl_iface_broadcast(ctl, ETH0, &bcast));
    assert_int_equal(bcast, AXN_IP4(192, 0, 2, 255));
    /* lo has no IFF_BROADCAST; an unknown interface has nothing. */
    assert_false(axn_ctl_iface_broadcast(ctl, AXN_IFINDEX_LOOPBACK, &bcast));
    assert_false(axn_ctl_iface_broadcast(ctl, ETH2, &bcast));
    /* RFC 3021: a /31 has no broadcast. */
    struct axn_ctl_commit req = addr_commit(ETH1, ETH1_ADDR, 31, 0);
    assert_int_equal(axn_ctl_commit(ctl, &req), 0);
    assert_false(axn_ctl_iface_broadcast(ctl, ETH1, &bcast));
    req = addr_commit(ETH1, ETH1_ADDR, 30, 0);
    assert_int_equal(axn_ctl_commit(ctl, &req), 0);
    assert_true(axn_ctl_iface_broadcast(ctl, ETH1, &bcast));
    assert_int_equal(bcast, AXN_IP4(198, 51, 100, 23));
    /* No address, no broadcast. */
    memset(&req, 0, sizeof(req));
    req.ifindex = ETH1;
    assert_int_equal(axn_ctl_commit(ctl, &req), 0);
    assert_false(axn_ctl_iface_broadcast(ctl, ETH1, &bcast));
}

static void ctl_local_binding_needs_the_exact_assigned_address(void **state)
{
    (void)state;
    add_split_fixture();
    uint32_t id = 99;
    assert_int_equal(axn_ctl_local_binding(ctl, 0, &id), 0);
    assert_int_equal(id, 0);
    assert_int_equal(axn_ctl_local_binding(ctl, ETH1_ADDR, &id), 0);
    assert_int_equal(id, ETH1);
    assert_int_equal(axn_ctl_local_binding(ctl, LO_ADDR, &id), 0);
    assert_int_equal(id, AXN_IFINDEX_LOOPBACK);
    /* CTL-23: 127.0.0.2 is inside lo's subnet but not assigned. */
    assert_int_equal(axn_ctl_local_binding(ctl, LO_OTHER, &id), -AXN_EADDRNOTAVAIL);
    assert_int_equal(id, 0);
    assert_int_equal(axn_ctl_local_binding(ctl, ETH0_ADDR + 1, &id), -AXN_EADDRNOTAVAIL);
}

/* ---- CTL-19/20: transactional commits --------------------------------------- */

static void commit_installs_address_routes_and_dns_together(void **state)
{
    (void)state;
    add_eth("eth0", ETH0, METRIC);
    const axn_ip4_t dns[] = {DNS_A};
    struct axn_ctl_commit req = addr_commit(ETH0, ETH0_ADDR, PREFIX_24, ETH0_GW);
    req.dns = dns;
    req.n_dns = 1;
    assert_int_equal(axn_ctl_commit(ctl, &req), 0);
    const struct axn_iface_info info = iface(ETH0);
    assert_true(info.has_ipv4);
    assert_int_equal(info.addr, ETH0_ADDR);
    assert_int_equal(info.prefix_len, PREFIX_24);
    assert_int_equal(info.gateway, ETH0_GW);
    struct axn_route_info r[LIST_MAX];
    assert_int_equal(axn_ctl_routes(&st, r, LIST_MAX), 3);
    assert_int_equal(r[0].prefix, ETH0_NET);
    assert_int_equal(r[0].prefix_len, PREFIX_24);
    assert_false(r[0].has_via);
    assert_int_equal(r[0].source, ETH0_ADDR);
    assert_int_equal(r[0].metric, METRIC);
    assert_int_equal(r[1].prefix, LO_NET);
    assert_int_equal(r[2].prefix_len, 0);
    assert_true(r[2].has_via);
    assert_int_equal(r[2].via, ETH0_GW);
    assert_int_equal(r[2].ifindex, ETH0);
    assert_int_equal(r[2].source, ETH0_ADDR);
    axn_ip4_t servers[AXN_MAX_DNS_ENTRIES];
    assert_int_equal(axn_ctl_dns_servers(&st, servers, AXN_MAX_DNS_ENTRIES), 1);
    assert_int_equal(servers[0], DNS_A);
}

static void commit_replaces_previous_rules_of_the_interface(void **state)
{
    (void)state;
    add_split_fixture();
    commit_addr(ETH0, AXN_IP4(10, 0, 2, 15), PREFIX_24, AXN_IP4(10, 0, 2, 2));
    struct axn_route_info r[LIST_MAX];
    assert_int_equal(axn_ctl_routes(&st, r, LIST_MAX), 4);
    for (size_t i = 0; i < 4; i++) {
        assert_int_not_equal(r[i].prefix, ETH0_NET);
        assert_int_not_equal(r[i].source, ETH0_ADDR);
    }
    /* RT-14: fresh insertion orders put the new rule after eth1's tie. */
    assert_int_equal(r[0].prefix, ETH1_NET);
    assert_int_equal(r[1].prefix, AXN_IP4(10, 0, 2, 0));
    assert_int_equal(r[3].via, AXN_IP4(10, 0, 2, 2));
}

static void commit_without_address_removes_routes(void **state)
{
    (void)state;
    add_split_fixture();
    struct axn_ctl_commit req;
    memset(&req, 0, sizeof(req));
    req.ifindex = ETH0;
    assert_int_equal(axn_ctl_commit(ctl, &req), 0);
    const struct axn_iface_info info = iface(ETH0);
    assert_false(info.has_ipv4);
    assert_int_equal(info.addr, 0);
    assert_int_equal(info.prefix_len, 0);
    assert_int_equal(route_count(), 2);
}

/* Fills the route table with host routes of a third interface. */
static void fill_route_table(void)
{
    add_eth("filler", ETH2, METRIC);
    while (route_count() < AXN_ROUTE_TABLE_MAX) {
        const struct axn_route_rule r = {
            .prefix = AXN_IP4(10, 9, 0, 0) + (axn_ip4_t)route_count(),
            .prefix_len = 32,
            .ifindex = ETH2,
            .source = AXN_IP4(10, 9, 255, 1),
            .metric = METRIC,
        };
        assert_int_equal(axn_route_add(&ctl->routes, &r), 0);
    }
}

static void commit_is_all_or_nothing_when_routes_do_not_fit(void **state)
{
    (void)state;
    add_split_fixture();
    const axn_ip4_t old_dns[] = {DNS_A};
    assert_int_equal(axn_ctl_dns_replace(ctl, ETH0, AXN_DNS_SRC_DHCP, METRIC, old_dns, 1), 0);
    fill_route_table();
    /* eth0 has one rule; address + gateway need two. */
    const axn_ip4_t new_dns[] = {DNS_B};
    struct axn_ctl_commit req = addr_commit(ETH0, AXN_IP4(10, 0, 2, 15), PREFIX_24, ETH0_GW);
    req.dns_source = AXN_DNS_SRC_DHCP;
    req.dns = new_dns;
    req.n_dns = 1;
    assert_int_equal(axn_ctl_commit(ctl, &req), -AXN_ENOSPC);
    const struct axn_iface_info info = iface(ETH0);
    assert_int_equal(info.addr, ETH0_ADDR);
    assert_int_equal(info.gateway, 0);
    axn_ip4_t dns[AXN_MAX_DNS_ENTRIES];
    assert_int_equal(axn_ctl_dns_servers(&st, dns, AXN_MAX_DNS_ENTRIES), 1);
    assert_int_equal(dns[0], DNS_A);
    struct axn_route_decision d;
    assert_int_equal(axn_ctl_route_select(ctl, ETH0_ADDR + 1, 0, &d), 0);
    assert_int_equal(d.ifindex, ETH0);
    assert_int_equal(d.source, ETH0_ADDR);
    assert_int_equal(axn_ctl_route_select(ctl, REMOTE_DST, 0, &d), -AXN_ENETUNREACH);
    /* Without the gateway the single rule fits in eth0's freed slot. */
    req.gateway = 0;
    assert_int_equal(axn_ctl_commit(ctl, &req), 0);
    assert_int_equal(iface(ETH0).addr, AXN_IP4(10, 0, 2, 15));
}

static void commit_is_all_or_nothing_when_dns_does_not_fit(void **state)
{
    (void)state;
    add_split_fixture();
    axn_ip4_t many[AXN_MAX_DNS_ENTRIES];
    for (size_t i = 0; i < AXN_MAX_DNS_ENTRIES; i++)
        many[i] = DNS_A + (axn_ip4_t)i;
    assert_int_equal(
        axn_ctl_dns_replace(ctl, ETH1, AXN_DNS_SRC_STATIC, METRIC, many, AXN_MAX_DNS_ENTRIES), 0);
    const axn_ip4_t one[] = {DNS_B};
    struct axn_ctl_commit req = addr_commit(ETH0, AXN_IP4(10, 0, 2, 15), PREFIX_24, ETH0_GW);
    req.dns = one;
    req.n_dns = 1;
    assert_int_equal(axn_ctl_commit(ctl, &req), -AXN_ENOSPC);
    assert_int_equal(iface(ETH0).addr, ETH0_ADDR);
    assert_int_equal(route_count(), 3);
    assert_int_equal(dns_count(), AXN_MAX_DNS_ENTRIES);
}

static void commit_rejects_invalid_requests_and_changes_nothing(void **state)
{
    (void)state;
    add_split_fixture();
    struct axn_ctl_commit req = addr_commit(ETH0, ETH0_ADDR, 33, 0);
    assert_int_equal(axn_ctl_commit(ctl, &req), -AXN_EINVAL);
    req = addr_commit(ETH0, 0, PREFIX_24, 0);
    assert_int_equal(axn_ctl_commit(ctl, &req), -AXN_EINVAL);
    memset(&req, 0, sizeof(req));
    req.ifindex = ETH0;
    req.gateway = ETH0_GW; /* a gateway without an address */
    assert_int_equal(axn_ctl_commit(ctl, &req), -AXN_EINVAL);
    const axn_ip4_t zero_dns[] = {DNS_A, 0};
    req = addr_commit(ETH0, ETH0_ADDR, PREFIX_24, 0);
    req.dns = zero_dns;
    req.n_dns = 2;
    assert_int_equal(axn_ctl_commit(ctl, &req), -AXN_EINVAL);
    req = addr_commit(ETH2, ETH0_ADDR, PREFIX_24, 0);
    assert_int_equal(axn_ctl_commit(ctl, &req), -AXN_ENODEV);
    assert_int_equal(iface(ETH0).addr, ETH0_ADDR);
    assert_int_equal(route_count(), 3);
    assert_int_equal(dns_count(), 0);
}

static void commit_accepts_more_than_eight_addresses(void **state)
{
    (void)state;
    char name[AXN_IFNAMSIZ];
    for (unsigned i = 0; i < MANY_IFACES; i++) {
        snprintf(name, sizeof(name), "eth%u", i);
        const uint32_t id = add_eth(name, 0, METRIC);
        commit_addr(id, AXN_IP4(10, 0, i, 15), PREFIX_24, 0);
    }
    struct axn_iface_info list[AXN_MAX_DEVICES];
    assert_int_equal(axn_ctl_interfaces(&st, list, AXN_MAX_DEVICES), MANY_IFACES + 1);
    for (unsigned i = 0; i <= MANY_IFACES; i++)
        assert_true(list[i].has_ipv4);
    assert_int_equal(route_count(), MANY_IFACES + 1);
    assert_int_equal(select_if(AXN_IP4(10, 0, 9, 1), 0), AXN_IFINDEX_FIRST_ETH + 9);
}

static void commit_dns_clear_all_drops_other_sources(void **state)
{
    (void)state;
    add_split_fixture();
    const axn_ip4_t dhcp[] = {DNS_A};
    assert_int_equal(axn_ctl_dns_replace(ctl, ETH0, AXN_DNS_SRC_DHCP, METRIC, dhcp, 1), 0);
    const axn_ip4_t other[] = {DNS_B};
    assert_int_equal(axn_ctl_dns_replace(ctl, ETH1, AXN_DNS_SRC_DHCP, METRIC, other, 1), 0);
    /* A static commit alone keeps eth0's DHCP server (the CTL-31 hazard)... */
    struct axn_ctl_commit req = addr_commit(ETH0, ETH0_ADDR, PREFIX_24, 0);
    assert_int_equal(axn_ctl_commit(ctl, &req), 0);
    assert_int_equal(dns_count(), 2);
    /* ...dns_clear_all drops it, and only eth0's. */
    req.dns_clear_all = true;
    assert_int_equal(axn_ctl_commit(ctl, &req), 0);
    axn_ip4_t dns[AXN_MAX_DNS_ENTRIES];
    assert_int_equal(axn_ctl_dns_servers(&st, dns, AXN_MAX_DNS_ENTRIES), 1);
    assert_int_equal(dns[0], DNS_B);
}

static void commit_dns_takes_the_interface_metric(void **state)
{
    (void)state;
    assert_int_equal(add_eth("eth0", ETH0, METRIC), ETH0);
    assert_int_equal(add_eth("eth1", ETH1, METRIC_LOW), ETH1);
    const axn_ip4_t dns0[] = {DNS_A};
    struct axn_ctl_commit req = addr_commit(ETH0, ETH0_ADDR, PREFIX_24, 0);
    req.dns = dns0;
    req.n_dns = 1;
    assert_int_equal(axn_ctl_commit(ctl, &req), 0);
    const axn_ip4_t dns1[] = {DNS_B};
    req = addr_commit(ETH1, ETH1_ADDR, PREFIX_24, 0);
    req.dns = dns1;
    req.n_dns = 1;
    assert_int_equal(axn_ctl_commit(ctl, &req), 0);
    axn_ip4_t dns[AXN_MAX_DNS_ENTRIES];
    assert_int_equal(axn_ctl_dns_servers(&st, dns, AXN_MAX_DNS_ENTRIES), 2);
    assert_int_equal(dns[0], DNS_B); /* eth1's lower metric wins over its higher id */
    assert_int_equal(dns[1], DNS_A);
}

/* TEST-12: lo + 10.0.2.15/24 + 10.0.3.15/24 coexist. */
static void interface_address_table_handles_loopback_and_two_ethernet_addresses(void **state)
{
    (void)state;
    add_eth("eth0", ETH0, METRIC);
    add_eth("eth1", ETH1, METRIC);
    commit_addr(ETH0, AXN_IP4(10, 0, 2, 15), PREFIX_24, 0);
    commit_addr(ETH1, AXN_IP4(10, 0, 3, 15), PREFIX_24, 0);
    struct axn_iface_info list[AXN_MAX_DEVICES];
    assert_int_equal(axn_ctl_interfaces(&st, list, AXN_MAX_DEVICES), 3);
    assert_int_equal(list[0].addr, LO_ADDR);
    assert_int_equal(list[0].prefix_len, LO_PREFIX);
    assert_int_equal(list[1].addr, AXN_IP4(10, 0, 2, 15));
    assert_int_equal(list[2].addr, AXN_IP4(10, 0, 3, 15));
    assert_int_equal(list[1].prefix_len, PREFIX_24);
    assert_int_equal(list[2].prefix_len, PREFIX_24);
    assert_int_equal(select_if(AXN_IP4(10, 0, 2, 2), 0), ETH0);
    assert_int_equal(select_if(AXN_IP4(10, 0, 3, 2), 0), ETH1);
    assert_int_equal(select_if(LO_ADDR, 0), AXN_IFINDEX_LOOPBACK);
}

static void default_routes_only_reports_zero_prefix_rules(void **state)
{
    (void)state;
    add_split_fixture();
    struct axn_ctl_commit req = addr_commit(ETH1, ETH1_ADDR, PREFIX_24, ETH1_GW);
    assert_int_equal(axn_ctl_commit(ctl, &req), 0);
    struct axn_route_info r[LIST_MAX];
    assert_int_equal(axn_ctl_default_routes(&st, r, LIST_MAX), 1);
    assert_int_equal(r[0].prefix, 0);
    assert_int_equal(r[0].prefix_len, 0);
    assert_int_equal(r[0].via, ETH1_GW);
    assert_int_equal(r[0].ifindex, ETH1);
    assert_int_equal(axn_ctl_default_routes(&st, r, 0), 1);
    assert_int_equal(axn_ctl_routes(&st, r, 1), 4);
}

/* ---- CTL-21/22: runtime address changes ------------------------------------- */

static void ctl_set_ipv4_errno_cases(void **state)
{
    (void)state;
    add_split_fixture();
    add_eth("eth2", ETH2, METRIC);
    assert_int_equal(axn_ctl_assign_ipv4(ctl, ETH2, AXN_IP4(10, 0, 4, 1), 33), -AXN_EINVAL);
    assert_int_equal(axn_ctl_assign_ipv4(ctl, ETH2, 0, PREFIX_24), -AXN_EINVAL);
    assert_int_equal(axn_ctl_assign_ipv4(ctl, ETH2 + 1, AXN_IP4(10, 0, 4, 1), PREFIX_24),
                     -AXN_ENODEV);
    assert_int_equal(axn_ctl_assign_ipv4(ctl, AXN_IFINDEX_LOOPBACK, LO_OTHER, LO_PREFIX),
                     -AXN_EOPNOTSUPP);
    /* CTL-21: no secondary address and no silent replace. */
    assert_int_equal(axn_ctl_assign_ipv4(ctl, ETH0, AXN_IP4(10, 0, 4, 1), PREFIX_24), -AXN_EEXIST);
    assert_int_equal(iface(ETH0).addr, ETH0_ADDR);
    assert_false(iface(ETH2).has_ipv4);
}

static void ctl_set_ipv4_installs_connected_route_and_drops_dhcp_dns(void **state)
{
    (void)state;
    add_eth("eth0", ETH0, METRIC);
    const axn_ip4_t dhcp[] = {DNS_A};
    const axn_ip4_t stat[] = {DNS_B};
    assert_int_equal(axn_ctl_dns_replace(ctl, ETH0, AXN_DNS_SRC_DHCP, METRIC, dhcp, 1), 0);
    assert_int_equal(axn_ctl_dns_replace(ctl, ETH0, AXN_DNS_SRC_STATIC, METRIC, stat, 1), 0);
    assert_int_equal(axn_ctl_assign_ipv4(ctl, ETH0, ETH0_ADDR, PREFIX_24), 0);
    const struct axn_iface_info info = iface(ETH0);
    assert_int_equal(info.addr, ETH0_ADDR);
    assert_int_equal(info.gateway, 0);
    struct axn_route_info r[LIST_MAX];
    assert_int_equal(axn_ctl_routes(&st, r, LIST_MAX), 2);
    assert_int_equal(r[0].prefix, ETH0_NET);
    assert_int_equal(axn_ctl_default_routes(&st, r, LIST_MAX), 0);
    axn_ip4_t dns[AXN_MAX_DNS_ENTRIES];
    assert_int_equal(axn_ctl_dns_servers(&st, dns, AXN_MAX_DNS_ENTRIES), 1);
    assert_int_equal(dns[0], DNS_B);
}

static void ctl_remove_ipv4_errno_cases(void **state)
{
    (void)state;
    add_split_fixture();
    assert_int_equal(axn_ctl_unassign_ipv4(ctl, ETH0, ETH0_ADDR, 33), -AXN_EINVAL);
    assert_int_equal(axn_ctl_unassign_ipv4(ctl, ETH2, ETH0_ADDR, PREFIX_24), -AXN_ENODEV);
    /* Better than ax-net (CTL-22 hazard): lo keeps its address. */
    assert_int_equal(axn_ctl_unassign_ipv4(ctl, AXN_IFINDEX_LOOPBACK, LO_ADDR, LO_PREFIX),
                     -AXN_EOPNOTSUPP);
    /* Exactly the current address and prefix, or ENOENT. */
    assert_int_equal(axn_ctl_unassign_ipv4(ctl, ETH0, ETH0_ADDR + 1, PREFIX_24), -AXN_ENOENT);
    assert_int_equal(axn_ctl_unassign_ipv4(ctl, ETH0, ETH0_ADDR, PREFIX_24 + 1), -AXN_ENOENT);
    assert_int_equal(iface(ETH0).addr, ETH0_ADDR);
    assert_int_equal(iface(AXN_IFINDEX_LOOPBACK).addr, LO_ADDR);
    assert_int_equal(route_count(), 3);
}

static void ctl_remove_ipv4_drops_address_and_routes(void **state)
{
    (void)state;
    add_split_fixture();
    assert_int_equal(axn_ctl_unassign_ipv4(ctl, ETH0, ETH0_ADDR, PREFIX_24), 0);
    assert_false(iface(ETH0).has_ipv4);
    assert_int_equal(route_count(), 2);
    struct axn_route_decision d;
    assert_int_equal(axn_ctl_route_select(ctl, ETH0_ADDR + 1, 0, &d), -AXN_ENETUNREACH);
    assert_int_equal(axn_ctl_unassign_ipv4(ctl, ETH0, ETH0_ADDR, PREFIX_24), -AXN_ENOENT);
    /* Now an address may be added again. */
    assert_int_equal(axn_ctl_assign_ipv4(ctl, ETH0, ETH0_ADDR, PREFIX_24), 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(ctl_init_registers_loopback_per_lo_1),
        T(ctl_init_installs_loopback_route_first),
        T(ctl_init_without_platform_is_einval),
        T(ctl_ethernet_ifindexes_start_at_two_in_order),
        T(ctl_dynamic_ifindex_is_max_plus_one),
        T(ctl_ifindex_never_reused_after_removal),
        T(ctl_rejects_explicit_ifindex_assigned_before),
        T(ctl_rejects_duplicate_interface_name),
        T(ctl_rejects_empty_or_unterminated_name),
        T(ctl_rejects_unknown_interface_kind),
        T(ctl_registry_full_is_enospc),
        T(ctl_interfaces_are_listed_lo_first_in_registration_order),
        T(ctl_interfaces_report_total_beyond_max),
        T(ctl_interface_lookup_by_name_and_index),
        T(ctl_remove_drops_routes_and_dns_of_the_interface),
        T(ctl_remove_refuses_loopback_and_unknown),
        T(ctl_link_down_clears_up_and_running),
        T(route_select_skips_down_interface),
        T(route_select_respects_bound_interface),
        T(route_select_direct_next_hop_is_destination),
        T(route_for_source_matches_exact_source),
        T(route_for_source_skips_down_interface),
        T(ctl_broadcast_is_subnet_directed),
        T(ctl_local_binding_needs_the_exact_assigned_address),
        T(commit_installs_address_routes_and_dns_together),
        T(commit_replaces_previous_rules_of_the_interface),
        T(commit_without_address_removes_routes),
        T(commit_is_all_or_nothing_when_routes_do_not_fit),
        T(commit_is_all_or_nothing_when_dns_does_not_fit),
        T(commit_rejects_invalid_requests_and_changes_nothing),
        T(commit_accepts_more_than_eight_addresses),
        T(commit_dns_clear_all_drops_other_sources),
        T(commit_dns_takes_the_interface_metric),
        T(interface_address_table_handles_loopback_and_two_ethernet_addresses),
        T(default_routes_only_reports_zero_prefix_rules),
        T(ctl_set_ipv4_errno_cases),
        T(ctl_set_ipv4_installs_connected_route_and_drops_dhcp_dns),
        T(ctl_remove_ipv4_errno_cases),
        T(ctl_remove_ipv4_drops_address_and_routes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
