/* The IPv4 route table (spec RT-7..RT-15, CTL-26) and the §16.1 fixture. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "axnet/errno.h"
#include "route/route_table.h"
#include "test_platform.h"

/* The split-route fixture of spec §16.1. */
#define ETH0       2u
#define ETH1       3u
#define ETH0_ADDR  AXN_IP4(192, 0, 2, 10)
#define ETH1_ADDR  AXN_IP4(198, 51, 100, 20)
#define ETH0_GW    AXN_IP4(192, 0, 2, 1)
#define ETH1_GW    AXN_IP4(198, 51, 100, 1)
#define PREFIX_24  24u
#define METRIC     100u
#define SMALL_CAP  4u
#define REMOTE_DST AXN_IP4(203, 0, 113, 7)

static struct axn_route_table table;

static int setup(void **state)
{
    (void)state;
    return axn_route_table_init(&table, axn_test_platform(), AXN_ROUTE_TABLE_MAX);
}

static int setup_small(void **state)
{
    (void)state;
    return axn_route_table_init(&table, axn_test_platform(), SMALL_CAP);
}

static int teardown(void **state)
{
    (void)state;
    axn_route_table_destroy(&table);
    return axn_test_live_allocs() == 0 ? 0 : -1;
}

static struct axn_route_rule rule(axn_ip4_t prefix, uint8_t len, axn_ip4_t via, uint32_t ifindex,
                                  axn_ip4_t source, uint32_t metric)
{
    const struct axn_route_rule r = {
        .prefix = prefix,
        .prefix_len = len,
        .has_via = via != 0,
        .via = via,
        .ifindex = ifindex,
        .source = source,
        .metric = metric,
    };
    return r;
}

static void add(axn_ip4_t prefix, uint8_t len, axn_ip4_t via, uint32_t ifindex, axn_ip4_t source,
                uint32_t metric)
{
    const struct axn_route_rule r = rule(prefix, len, via, ifindex, source, metric);
    assert_int_equal(axn_route_add(&table, &r), 0);
}

/* eth0 192.0.2.10/24 and eth1 198.51.100.20/24, connected routes only. */
static void add_split_fixture(void)
{
    add(AXN_IP4(192, 0, 2, 0), PREFIX_24, 0, ETH0, ETH0_ADDR, METRIC);
    add(AXN_IP4(198, 51, 100, 0), PREFIX_24, 0, ETH1, ETH1_ADDR, METRIC);
}

static uint32_t lookup_if(axn_ip4_t dst)
{
    struct axn_route_decision d;
    assert_int_equal(axn_route_lookup(&table, dst, NULL, NULL, &d), 0);
    return d.ifindex;
}

static void route_lookup_uses_longest_prefix(void **state)
{
    (void)state;
    /* Added shortest first, so only the sort can put the /16 in front. */
    add(0, 0, ETH0_GW, ETH0, ETH0_ADDR, METRIC);
    add(AXN_IP4(10, 0, 0, 0), 8, 0, ETH0, ETH0_ADDR, METRIC);
    add(AXN_IP4(10, 1, 0, 0), 16, 0, ETH1, ETH1_ADDR, METRIC);

    struct axn_route_decision d;
    assert_int_equal(axn_route_lookup(&table, AXN_IP4(10, 1, 2, 3), NULL, NULL, &d), 0);
    assert_int_equal(d.ifindex, ETH1);
    assert_int_equal(d.prefix_len, 16);
    assert_int_equal(d.source, ETH1_ADDR);
    assert_int_equal(d.next_hop, AXN_IP4(10, 1, 2, 3));

    assert_int_equal(axn_route_lookup(&table, AXN_IP4(10, 2, 0, 1), NULL, NULL, &d), 0);
    assert_int_equal(d.ifindex, ETH0);
    assert_int_equal(d.prefix_len, 8);

    assert_int_equal(axn_route_lookup(&table, REMOTE_DST, NULL, NULL, &d), 0);
    assert_int_equal(d.ifindex, ETH0);
    assert_int_equal(d.prefix_len, 0);
    assert_int_equal(d.next_hop, ETH0_GW);
    assert_int_equal(d.metric, METRIC);
}

static void route_lookup_uses_metric_for_same_prefix(void **state)
{
    (void)state;
    add(0, 0, ETH0_GW, ETH0, ETH0_ADDR, 200);
    add(0, 0, ETH1_GW, ETH1, ETH1_ADDR, METRIC);

    struct axn_route_decision d;
    assert_int_equal(axn_route_lookup(&table, REMOTE_DST, NULL, NULL, &d), 0);
    assert_int_equal(d.ifindex, ETH1);
    assert_int_equal(d.next_hop, ETH1_GW);
    assert_int_equal(d.metric, METRIC);
}

static void route_lookup_keeps_stable_order_for_equal_metric(void **state)
{
    (void)state;
    /* Equal rules on ifindex 10..15, interleaved with others that force
     * insertions before and after them. */
    for (uint32_t i = 0; i < 6; i++) {
        add(0, 0, AXN_IP4(192, 0, 2, 100 + i), 10 + i, ETH0_ADDR, METRIC);
        add(AXN_IP4(10, (uint8_t)i, 0, 0), 16, 0, ETH1, ETH1_ADDR, METRIC);
        add(0, 0, ETH1_GW, ETH1, ETH1_ADDR, METRIC + 1);
    }
    assert_int_equal(lookup_if(REMOTE_DST), 10);

    struct axn_route_rule dflt[AXN_ROUTE_TABLE_MAX];
    assert_int_equal(axn_route_default_routes(&table, dflt, AXN_ROUTE_TABLE_MAX), 12);
    for (uint32_t i = 0; i < 6; i++) {
        assert_int_equal(dflt[i].ifindex, 10 + i);
        assert_int_equal(dflt[i].metric, METRIC);
    }
    for (uint32_t i = 6; i < 12; i++)
        assert_int_equal(dflt[i].metric, METRIC + 1);
}

struct usable_ctx {
    uint32_t down; /* this interface is not usable */
    uint32_t calls;
};

static bool usable_unless_down(void *ctx, uint32_t ifindex)
{
    struct usable_ctx *u = ctx;
    u->calls++;
    return ifindex != u->down;
}

static void route_lookup_skips_unusable_interface(void **state)
{
    (void)state;
    add(AXN_IP4(10, 1, 0, 0), 16, 0, ETH1, ETH1_ADDR, METRIC);
    add(0, 0, ETH0_GW, ETH0, ETH0_ADDR, METRIC);

    struct usable_ctx u = {.down = ETH1};
    struct axn_route_decision d;
    assert_int_equal(axn_route_lookup(&table, AXN_IP4(10, 1, 0, 9), usable_unless_down, &u, &d), 0);
    assert_int_equal(d.ifindex, ETH0);
    assert_int_equal(d.next_hop, ETH0_GW);
    assert_int_equal(u.calls, 2);

    u.down = ETH0;
    assert_int_equal(axn_route_lookup(&table, REMOTE_DST, usable_unless_down, &u, &d),
                     -AXN_ENETUNREACH);
    u.down = 0;
    assert_int_equal(axn_route_lookup(&table, AXN_IP4(10, 1, 0, 9), usable_unless_down, &u, &d), 0);
    assert_int_equal(d.ifindex, ETH1);
}

static void default_routes_only_reports_zero_prefix_ipv4_rules(void **state)
{
    (void)state;
    add_split_fixture();
    add(AXN_IP4(10, 0, 0, 0), 8, ETH1_GW, ETH1, ETH1_ADDR, METRIC);
    add(0, 0, ETH1_GW, ETH1, ETH1_ADDR, 200);
    add(AXN_IP4(10, 9, 9, 9), 32, 0, ETH0, ETH0_ADDR, METRIC);
    add(0, 0, ETH0_GW, ETH0, ETH0_ADDR, METRIC);

    struct axn_route_rule out[AXN_ROUTE_TABLE_MAX];
    assert_int_equal(axn_route_default_routes(&table, out, AXN_ROUTE_TABLE_MAX), 2);
    assert_int_equal(out[0].prefix, 0);
    assert_int_equal(out[0].prefix_len, 0);
    assert_int_equal(out[0].ifindex, ETH0);
    assert_true(out[0].has_via);
    assert_int_equal(out[0].via, ETH0_GW);
    assert_int_equal(out[0].source, ETH0_ADDR);
    assert_int_equal(out[0].metric, METRIC);
    assert_int_equal(out[1].ifindex, ETH1);
    assert_int_equal(out[1].via, ETH1_GW);
    assert_int_equal(out[1].metric, 200);

    assert_int_equal(axn_route_default_routes(&table, out, 1), 1);
    assert_int_equal(out[0].ifindex, ETH0);
}

static void split_fixture_routes_each_subnet_to_its_interface(void **state)
{
    (void)state;
    add_split_fixture();
    struct axn_route_decision d;
    assert_int_equal(axn_route_lookup(&table, AXN_IP4(192, 0, 2, 99), NULL, NULL, &d), 0);
    assert_int_equal(d.ifindex, ETH0);
    assert_int_equal(d.source, ETH0_ADDR);
    assert_int_equal(d.next_hop, AXN_IP4(192, 0, 2, 99));
    assert_int_equal(d.metric, METRIC);
    assert_int_equal(d.prefix_len, PREFIX_24);

    assert_int_equal(axn_route_lookup(&table, AXN_IP4(198, 51, 100, 7), NULL, NULL, &d), 0);
    assert_int_equal(d.ifindex, ETH1);
    assert_int_equal(d.source, ETH1_ADDR);
    assert_int_equal(d.next_hop, AXN_IP4(198, 51, 100, 7));

    /* Connected routes only: anything else is unreachable, no default. */
    assert_int_equal(axn_route_lookup(&table, REMOTE_DST, NULL, NULL, &d), -AXN_ENETUNREACH);
    struct axn_route_rule out[AXN_ROUTE_TABLE_MAX];
    assert_int_equal(axn_route_default_routes(&table, out, AXN_ROUTE_TABLE_MAX), 0);
}

static void route_for_source_never_picks_other_interfaces_source(void **state)
{
    (void)state;
    add_split_fixture();
    struct axn_route_decision d;

    /* eth1's subnet, but eth0's source: not via eth1's connected route. */
    assert_int_equal(axn_route_lookup_for_source(&table, AXN_IP4(198, 51, 100, 5), ETH0_ADDR, &d),
                     -AXN_ENETUNREACH);
    assert_int_equal(axn_route_lookup_for_source(&table, AXN_IP4(198, 51, 100, 5), ETH1_ADDR, &d),
                     0);
    assert_int_equal(d.ifindex, ETH1);

    /* With both defaults, eth0's is better, yet eth1's source goes by eth1. */
    add(0, 0, ETH0_GW, ETH0, ETH0_ADDR, METRIC);
    add(0, 0, ETH1_GW, ETH1, ETH1_ADDR, 200);
    assert_int_equal(axn_route_lookup_for_source(&table, REMOTE_DST, ETH1_ADDR, &d), 0);
    assert_int_equal(d.ifindex, ETH1);
    assert_int_equal(d.next_hop, ETH1_GW);
    assert_int_equal(d.source, ETH1_ADDR);
    assert_int_equal(d.metric, 200);

    /* eth0's source towards eth1's subnet leaves by eth0's gateway. */
    assert_int_equal(axn_route_lookup_for_source(&table, AXN_IP4(198, 51, 100, 5), ETH0_ADDR, &d),
                     0);
    assert_int_equal(d.ifindex, ETH0);
    assert_int_equal(d.next_hop, ETH0_GW);

    /* A source no interface owns has no egress at all. */
    assert_int_equal(axn_route_lookup_for_source(&table, REMOTE_DST, AXN_IP4(192, 0, 2, 11), &d),
                     -AXN_ENETUNREACH);
}

static void snapshot_equal(const struct axn_route_rule *a, size_t n)
{
    struct axn_route_rule now[SMALL_CAP];
    assert_int_equal(axn_route_snapshot(&table, now, SMALL_CAP), n);
    assert_memory_equal(now, a, n * sizeof(*a));
}

static void replace_for_interface_is_all_or_nothing(void **state)
{
    (void)state;
    add_split_fixture();
    add(0, 0, ETH1_GW, ETH1, ETH1_ADDR, METRIC);
    add(AXN_IP4(10, 0, 0, 0), 8, ETH1_GW, ETH1, ETH1_ADDR, METRIC);
    struct axn_route_rule before[SMALL_CAP];
    assert_int_equal(axn_route_snapshot(&table, before, SMALL_CAP), 4);

    /* eth0 has 1 rule, the other 3 stay: 2 new ones make 5 > 4. */
    const struct axn_route_rule two[2] = {
        rule(AXN_IP4(192, 0, 2, 0), PREFIX_24, 0, ETH0, ETH0_ADDR, METRIC),
        rule(0, 0, ETH0_GW, ETH0, ETH0_ADDR, METRIC),
    };
    assert_int_equal(axn_route_replace_for_interface(&table, ETH0, two, 2), -AXN_ENOSPC);
    snapshot_equal(before, 4);

    /* One invalid rule spoils the lot: host bits set, or another interface. */
    const struct axn_route_rule bad_bits[1] = {
        rule(ETH0_ADDR, PREFIX_24, 0, ETH0, ETH0_ADDR, METRIC),
    };
    assert_int_equal(axn_route_replace_for_interface(&table, ETH0, bad_bits, 1), -AXN_EINVAL);
    const struct axn_route_rule other_if[1] = {
        rule(AXN_IP4(192, 0, 2, 0), PREFIX_24, 0, ETH1, ETH0_ADDR, METRIC),
    };
    assert_int_equal(axn_route_replace_for_interface(&table, ETH0, other_if, 1), -AXN_EINVAL);
    snapshot_equal(before, 4);

    /* What fits goes in whole: eth1's three rules become one. */
    const struct axn_route_rule one[1] = {
        rule(AXN_IP4(198, 51, 100, 0), 25, 0, ETH1, ETH1_ADDR, 50),
    };
    assert_int_equal(axn_route_replace_for_interface(&table, ETH1, one, 1), 0);
    struct axn_route_rule after[SMALL_CAP];
    assert_int_equal(axn_route_snapshot(&table, after, SMALL_CAP), 2);
    assert_int_equal(after[0].ifindex, ETH1);
    assert_int_equal(after[0].prefix_len, 25);
    assert_int_equal(after[1].ifindex, ETH0);

    /* An empty replacement just removes. */
    assert_int_equal(axn_route_replace_for_interface(&table, ETH1, NULL, 0), 0);
    assert_int_equal(axn_route_count(&table), 1);
}

static void replace_for_interface_gives_fresh_insertion_order(void **state)
{
    (void)state;
    add(0, 0, ETH0_GW, ETH0, ETH0_ADDR, METRIC);
    add(0, 0, ETH1_GW, ETH1, ETH1_ADDR, METRIC);
    assert_int_equal(lookup_if(REMOTE_DST), ETH0);
    struct axn_route_rule out[2];
    assert_int_equal(axn_route_snapshot(&table, out, 2), 2);
    const uint64_t eth1_order = out[1].order;

    /* Same rule again (a DHCP renewal): it now ties with eth1's and is newer. */
    const struct axn_route_rule renewed[1] = {rule(0, 0, ETH0_GW, ETH0, ETH0_ADDR, METRIC)};
    assert_int_equal(axn_route_replace_for_interface(&table, ETH0, renewed, 1), 0);
    assert_int_equal(lookup_if(REMOTE_DST), ETH1);
    assert_int_equal(axn_route_snapshot(&table, out, 2), 2);
    assert_int_equal(out[0].ifindex, ETH1);
    assert_int_equal(out[0].order, eth1_order);
    assert_int_equal(out[1].ifindex, ETH0);
    assert_true(out[1].order > eth1_order);
}

static void interface_rules_connected_and_default_via_gateway(void **state)
{
    (void)state;
    const struct axn_route_iface_params p = {
        .ifindex = ETH0,
        .metric = METRIC,
        .has_addr = true,
        .addr = ETH0_ADDR,
        .prefix_len = PREFIX_24,
        .gateway = ETH0_GW,
    };
    struct axn_route_rule out[AXN_ROUTE_IFACE_RULES_MAX];
    assert_int_equal(axn_route_interface_rules(&p, out), 2);

    assert_int_equal(out[0].prefix, AXN_IP4(192, 0, 2, 0));
    assert_int_equal(out[0].prefix_len, PREFIX_24);
    assert_false(out[0].has_via);
    assert_int_equal(out[0].ifindex, ETH0);
    assert_int_equal(out[0].source, ETH0_ADDR);
    assert_int_equal(out[0].metric, METRIC);

    assert_int_equal(out[1].prefix, 0);
    assert_int_equal(out[1].prefix_len, 0);
    assert_true(out[1].has_via);
    assert_int_equal(out[1].via, ETH0_GW);
    assert_int_equal(out[1].ifindex, ETH0);
    assert_int_equal(out[1].source, ETH0_ADDR);
    assert_int_equal(out[1].metric, METRIC);

    /* They are valid table input as they are. */
    assert_int_equal(axn_route_replace_for_interface(&table, ETH0, out, 2), 0);
    assert_int_equal(lookup_if(REMOTE_DST), ETH0);
}

static void interface_rules_none_without_address(void **state)
{
    (void)state;
    const struct axn_route_iface_params p = {
        .ifindex = ETH1,
        .metric = METRIC,
        .has_addr = false,
        .gateway = ETH1_GW, /* a gateway alone makes no route */
    };
    struct axn_route_rule out[AXN_ROUTE_IFACE_RULES_MAX];
    assert_int_equal(axn_route_interface_rules(&p, out), 0);

    struct axn_route_iface_params bad = p;
    bad.ifindex = 0;
    assert_int_equal(axn_route_interface_rules(&bad, out), -AXN_EINVAL);
    bad = p;
    bad.has_addr = true;
    bad.addr = ETH1_ADDR;
    bad.prefix_len = 33;
    assert_int_equal(axn_route_interface_rules(&bad, out), -AXN_EINVAL);
}

static void gateway_zero_means_no_default_route(void **state)
{
    (void)state;
    const struct axn_route_iface_params p = {
        .ifindex = ETH1,
        .metric = METRIC,
        .has_addr = true,
        .addr = ETH1_ADDR,
        .prefix_len = PREFIX_24,
        .gateway = 0,
    };
    struct axn_route_rule out[AXN_ROUTE_IFACE_RULES_MAX];
    assert_int_equal(axn_route_interface_rules(&p, out), 1);
    assert_int_equal(out[0].prefix, AXN_IP4(198, 51, 100, 0));
    assert_false(out[0].has_via);

    /* On add too: "via 0.0.0.0" is stored as a direct route. */
    struct axn_route_rule r = rule(AXN_IP4(10, 0, 0, 0), 8, 0, ETH1, ETH1_ADDR, METRIC);
    r.has_via = true;
    assert_int_equal(axn_route_add(&table, &r), 0);
    struct axn_route_decision d;
    assert_int_equal(axn_route_lookup(&table, AXN_IP4(10, 3, 3, 3), NULL, NULL, &d), 0);
    assert_int_equal(d.next_hop, AXN_IP4(10, 3, 3, 3));
    struct axn_route_rule snap[1];
    assert_int_equal(axn_route_snapshot(&table, snap, 1), 1);
    assert_false(snap[0].has_via);
}

static void add_rejects_host_bits_and_long_prefix(void **state)
{
    (void)state;
    struct axn_route_rule r = rule(ETH0_ADDR, PREFIX_24, 0, ETH0, ETH0_ADDR, METRIC);
    assert_int_equal(axn_route_add(&table, &r), -AXN_EINVAL);
    r = rule(AXN_IP4(0, 0, 0, 1), 0, 0, ETH0, ETH0_ADDR, METRIC);
    assert_int_equal(axn_route_add(&table, &r), -AXN_EINVAL);
    r = rule(ETH0_ADDR, 33, 0, ETH0, ETH0_ADDR, METRIC);
    assert_int_equal(axn_route_add(&table, &r), -AXN_EINVAL);
    r = rule(AXN_IP4(192, 0, 2, 0), PREFIX_24, 0, 0, ETH0_ADDR, METRIC);
    assert_int_equal(axn_route_add(&table, &r), -AXN_EINVAL);
    assert_int_equal(axn_route_count(&table), 0);

    r = rule(ETH0_ADDR, 32, 0, ETH0, ETH0_ADDR, METRIC);
    assert_int_equal(axn_route_add(&table, &r), 0);
    r = rule(0, 0, ETH0_GW, ETH0, ETH0_ADDR, METRIC);
    assert_int_equal(axn_route_add(&table, &r), 0);
    assert_int_equal(axn_route_count(&table), 2);
}

static void table_full_returns_enospc(void **state)
{
    (void)state;
    for (uint32_t i = 0; i < SMALL_CAP; i++)
        add(AXN_IP4(10, (uint8_t)i, 0, 0), 16, 0, ETH0, ETH0_ADDR, METRIC);
    struct axn_route_rule r = rule(0, 0, ETH0_GW, ETH1, ETH1_ADDR, METRIC);
    assert_int_equal(axn_route_add(&table, &r), -AXN_ENOSPC);
    assert_int_equal(axn_route_count(&table), SMALL_CAP);

    assert_int_equal(axn_route_delete(&table, AXN_IP4(10, 2, 0, 0), 16, 0), 0);
    assert_int_equal(axn_route_add(&table, &r), 0);
    assert_int_equal(axn_route_count(&table), SMALL_CAP);
}

static void remove_interface_keeps_other_rules_in_order(void **state)
{
    (void)state;
    add(0, 0, ETH0_GW, ETH0, ETH0_ADDR, METRIC);
    add_split_fixture();
    add(0, 0, ETH1_GW, ETH1, ETH1_ADDR, METRIC);
    add(AXN_IP4(10, 0, 0, 0), 8, 0, ETH1, ETH1_ADDR, METRIC);

    assert_int_equal(axn_route_remove_interface(&table, ETH0), 2);
    assert_int_equal(axn_route_remove_interface(&table, 9), 0);
    struct axn_route_rule out[AXN_ROUTE_TABLE_MAX];
    assert_int_equal(axn_route_snapshot(&table, out, AXN_ROUTE_TABLE_MAX), 3);
    assert_int_equal(out[0].prefix_len, PREFIX_24);
    assert_int_equal(out[1].prefix_len, 8);
    assert_int_equal(out[2].prefix_len, 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(out[i].ifindex, ETH1);
}

static void delete_removes_best_exact_prefix_match(void **state)
{
    (void)state;
    add(0, 0, ETH0_GW, ETH0, ETH0_ADDR, 200);
    add(0, 0, ETH1_GW, ETH1, ETH1_ADDR, METRIC);
    add(AXN_IP4(10, 0, 0, 0), 8, 0, ETH0, ETH0_ADDR, METRIC);

    assert_int_equal(axn_route_delete(&table, AXN_IP4(10, 0, 0, 0), 16, 0), -AXN_ENOENT);
    assert_int_equal(axn_route_delete(&table, AXN_IP4(10, 0, 0, 0), 8, ETH1), -AXN_ENOENT);
    assert_int_equal(axn_route_delete(&table, 0, 0, 0), 0); /* the metric-100 one */
    assert_int_equal(lookup_if(REMOTE_DST), ETH0);
    assert_int_equal(axn_route_delete(&table, 0, 0, ETH0), 0);
    struct axn_route_decision d;
    assert_int_equal(axn_route_lookup(&table, REMOTE_DST, NULL, NULL, &d), -AXN_ENETUNREACH);
    assert_int_equal(axn_route_count(&table), 1);
}

static void insertion_order_saturates_and_stays_stable(void **state)
{
    (void)state;
    table.next_order = UINT64_MAX - 1;
    for (uint32_t i = 0; i < 3; i++)
        add(0, 0, ETH0_GW, 10 + i, ETH0_ADDR, METRIC);
    struct axn_route_rule out[3];
    assert_int_equal(axn_route_snapshot(&table, out, 3), 3);
    assert_int_equal(out[0].order, UINT64_MAX - 1);
    assert_int_equal(out[1].order, UINT64_MAX);
    assert_int_equal(out[2].order, UINT64_MAX);
    for (uint32_t i = 0; i < 3; i++)
        assert_int_equal(out[i].ifindex, 10 + i);
}

static void prefix_mask_and_contains_follow_ctl26(void **state)
{
    (void)state;
    assert_int_equal(axn_ip4_prefix_mask(0), 0);
    assert_int_equal(axn_ip4_prefix_mask(1), 0x80000000u);
    assert_int_equal(axn_ip4_prefix_mask(24), 0xFFFFFF00u);
    assert_int_equal(axn_ip4_prefix_mask(32), 0xFFFFFFFFu);
    assert_int_equal(axn_ip4_prefix_mask(40), 0xFFFFFFFFu);
    assert_int_equal(axn_ip4_prefix_network(ETH0_ADDR, 24), AXN_IP4(192, 0, 2, 0));

    assert_true(axn_ip4_prefix_contains(0, 0, REMOTE_DST));
    assert_true(axn_ip4_prefix_contains(AXN_IP4(192, 0, 2, 0), 24, AXN_IP4(192, 0, 2, 255)));
    assert_false(axn_ip4_prefix_contains(AXN_IP4(192, 0, 2, 0), 24, AXN_IP4(192, 0, 3, 0)));
    assert_true(axn_ip4_prefix_contains(ETH0_ADDR, 32, ETH0_ADDR));
    assert_false(axn_ip4_prefix_contains(ETH0_ADDR, 32, ETH0_ADDR + 1));
}

static void init_rejects_zero_capacity_and_reports_enomem(void **state)
{
    (void)state;
    struct axn_route_table t;
    assert_int_equal(axn_route_table_init(&t, axn_test_platform(), 0), -AXN_EINVAL);
    assert_int_equal(axn_route_table_init(&t, NULL, 4), -AXN_EINVAL);
    axn_test_fail_alloc_after(0);
    assert_int_equal(axn_route_table_init(&t, axn_test_platform(), 4), -AXN_ENOMEM);
    axn_test_fail_alloc_after(SIZE_MAX);
    axn_route_table_destroy(&t);
    assert_int_equal(axn_test_live_allocs(), 0);
}

#define TEST(fn)       cmocka_unit_test_setup_teardown(fn, setup, teardown)
#define TEST_SMALL(fn) cmocka_unit_test_setup_teardown(fn, setup_small, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(route_lookup_uses_longest_prefix),
        TEST(route_lookup_uses_metric_for_same_prefix),
        TEST(route_lookup_keeps_stable_order_for_equal_metric),
        TEST(route_lookup_skips_unusable_interface),
        TEST(default_routes_only_reports_zero_prefix_ipv4_rules),
        TEST(split_fixture_routes_each_subnet_to_its_interface),
        TEST(route_for_source_never_picks_other_interfaces_source),
        TEST_SMALL(replace_for_interface_is_all_or_nothing),
        TEST(replace_for_interface_gives_fresh_insertion_order),
        TEST(interface_rules_connected_and_default_via_gateway),
        TEST(interface_rules_none_without_address),
        TEST(gateway_zero_means_no_default_route),
        TEST(add_rejects_host_bits_and_long_prefix),
        TEST_SMALL(table_full_returns_enospc),
        TEST(remove_interface_keeps_other_rules_in_order),
        TEST(delete_removes_best_exact_prefix_match),
        TEST(insertion_order_saturates_and_stays_stable),
        cmocka_unit_test(prefix_mask_and_contains_follow_ctl26),
        cmocka_unit_test(init_rejects_zero_capacity_and_reports_enomem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
