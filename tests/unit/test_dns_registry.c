/* The DNS server registry (spec CTL-16..18, CTL-31) and its public copy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "axnet/errno.h"
#include "axnet/netctl.h"
#include "core/stack_impl.h"
#include "ctl/ctl.h"
#include "test_platform.h"

#define ETH0         2u
#define ETH1         3u
#define METRIC       100u
#define METRIC_LOW   50u
#define FALLBACK     UINT32_MAX
#define DNS_1        AXN_IP4(192, 0, 2, 1)
#define DNS_2        AXN_IP4(192, 0, 2, 2)
#define DNS_3        AXN_IP4(198, 51, 100, 3)
#define DNS_4        AXN_IP4(203, 0, 113, 4)
#define SERVERS_MAX  AXN_MAX_DNS_ENTRIES
#define SENTINEL_IP4 AXN_IP4(255, 255, 255, 254)

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

static void set(uint32_t ifindex, enum axn_dns_source src, uint32_t metric, const axn_ip4_t *s,
                size_t n)
{
    assert_int_equal(axn_ctl_dns_replace(ctl, ifindex, src, metric, s, n), 0);
}

static size_t servers(axn_ip4_t *out)
{
    return axn_ctl_dns_servers(&st, out, SERVERS_MAX);
}

static void dns_servers_are_ordered_by_metric_then_ifindex_then_address(void **state)
{
    (void)state;
    const axn_ip4_t eth1[] = {DNS_4, DNS_3};
    const axn_ip4_t eth0[] = {DNS_2};
    const axn_ip4_t eth1_low[] = {DNS_1};
    set(ETH1, AXN_DNS_SRC_STATIC, METRIC, eth1, 2);
    set(ETH0, AXN_DNS_SRC_STATIC, METRIC, eth0, 1);
    set(ETH1, AXN_DNS_SRC_DHCP, METRIC_LOW, eth1_low, 1);
    axn_ip4_t out[SERVERS_MAX];
    assert_int_equal(servers(out), 4);
    assert_int_equal(out[0], DNS_1); /* lowest metric */
    assert_int_equal(out[1], DNS_2); /* metric 100, lower ifindex */
    assert_int_equal(out[2], DNS_3); /* same key: by address */
    assert_int_equal(out[3], DNS_4);
}

static void dns_servers_drop_duplicates_keeping_first(void **state)
{
    (void)state;
    const axn_ip4_t a[] = {DNS_3, DNS_1, DNS_3};
    const axn_ip4_t b[] = {DNS_1, DNS_2};
    set(ETH1, AXN_DNS_SRC_STATIC, METRIC, a, 3);
    set(ETH0, AXN_DNS_SRC_STATIC, METRIC, b, 2);
    axn_ip4_t out[SERVERS_MAX];
    assert_int_equal(servers(out), 3);
    /* DNS_1 of eth0 ranks first; eth1's copy goes. */
    assert_int_equal(out[0], DNS_1);
    assert_int_equal(out[1], DNS_2);
    assert_int_equal(out[2], DNS_3);
}

/* CTL-17 consequence: within one interface and metric, address decides,
 * not whether the server came from DHCP. */
static void dns_dhcp_and_static_on_one_interface_order_by_address(void **state)
{
    (void)state;
    const axn_ip4_t dhcp[] = {DNS_3};
    const axn_ip4_t stat[] = {DNS_2};
    set(ETH0, AXN_DNS_SRC_DHCP, METRIC, dhcp, 1);
    set(ETH0, AXN_DNS_SRC_STATIC, METRIC, stat, 1);
    axn_ip4_t out[SERVERS_MAX];
    assert_int_equal(servers(out), 2);
    assert_int_equal(out[0], DNS_2);
    assert_int_equal(out[1], DNS_3);
}

static void dns_fallback_servers_come_last(void **state)
{
    (void)state;
    const axn_ip4_t fallback[] = {DNS_1};
    const axn_ip4_t eth[] = {DNS_4};
    set(AXN_IFINDEX_LOOPBACK, AXN_DNS_SRC_FALLBACK, FALLBACK, fallback, 1);
    set(ETH1, AXN_DNS_SRC_DHCP, METRIC, eth, 1);
    axn_ip4_t out[SERVERS_MAX];
    assert_int_equal(servers(out), 2);
    assert_int_equal(out[0], DNS_4);
    assert_int_equal(out[1], DNS_1);
}

static void dns_replace_is_per_interface_and_source(void **state)
{
    (void)state;
    const axn_ip4_t first[] = {DNS_1, DNS_2};
    const axn_ip4_t keep[] = {DNS_3};
    const axn_ip4_t second[] = {DNS_4};
    set(ETH0, AXN_DNS_SRC_DHCP, METRIC, first, 2);
    set(ETH0, AXN_DNS_SRC_STATIC, METRIC, keep, 1);
    set(ETH1, AXN_DNS_SRC_DHCP, METRIC, keep, 1);
    set(ETH0, AXN_DNS_SRC_DHCP, METRIC, second, 1);
    assert_int_equal(ctl->n_dns, 3);
    axn_ip4_t out[SERVERS_MAX];
    assert_int_equal(servers(out), 2);
    assert_int_equal(out[0], DNS_3);
    assert_int_equal(out[1], DNS_4);
    /* An empty list just removes that interface's source. */
    set(ETH0, AXN_DNS_SRC_DHCP, METRIC, NULL, 0);
    assert_int_equal(ctl->n_dns, 2);
    assert_int_equal(servers(out), 1);
    assert_int_equal(out[0], DNS_3);
}

static void dns_replace_that_does_not_fit_changes_nothing(void **state)
{
    (void)state;
    axn_ip4_t many[AXN_MAX_DNS_ENTRIES + 1];
    for (size_t i = 0; i <= AXN_MAX_DNS_ENTRIES; i++)
        many[i] = DNS_1 + (axn_ip4_t)i;
    const axn_ip4_t one[] = {DNS_4};
    set(ETH0, AXN_DNS_SRC_STATIC, METRIC, one, 1);
    set(ETH1, AXN_DNS_SRC_DHCP, METRIC, many, AXN_MAX_DNS_ENTRIES - 1);
    /* A replacement counts the entries it frees. */
    set(ETH1, AXN_DNS_SRC_DHCP, METRIC, many + 1, AXN_MAX_DNS_ENTRIES - 1);
    assert_int_equal(
        axn_ctl_dns_replace(ctl, ETH1, AXN_DNS_SRC_DHCP, METRIC, many, AXN_MAX_DNS_ENTRIES),
        -AXN_ENOSPC);
    assert_int_equal(ctl->n_dns, AXN_MAX_DNS_ENTRIES);
    axn_ip4_t out[SERVERS_MAX];
    assert_int_equal(servers(out), AXN_MAX_DNS_ENTRIES);
    assert_int_equal(out[0], DNS_4);
    assert_int_equal(out[1], DNS_2);
}

static void dns_replace_rejects_unspecified_server(void **state)
{
    (void)state;
    const axn_ip4_t bad[] = {DNS_1, 0};
    assert_int_equal(axn_ctl_dns_replace(ctl, ETH0, AXN_DNS_SRC_STATIC, METRIC, bad, 2),
                     -AXN_EINVAL);
    assert_int_equal(ctl->n_dns, 0);
}

static void dns_clear_interface_removes_every_source(void **state)
{
    (void)state;
    const axn_ip4_t a[] = {DNS_1};
    const axn_ip4_t b[] = {DNS_2};
    const axn_ip4_t c[] = {DNS_3};
    set(ETH0, AXN_DNS_SRC_DHCP, METRIC, a, 1);
    set(ETH0, AXN_DNS_SRC_STATIC, METRIC, b, 1);
    set(ETH1, AXN_DNS_SRC_STATIC, METRIC, c, 1);
    assert_int_equal(axn_ctl_dns_clear_interface(ctl, ETH0), 2);
    axn_ip4_t out[SERVERS_MAX];
    assert_int_equal(servers(out), 1);
    assert_int_equal(out[0], DNS_3);
    assert_int_equal(axn_ctl_dns_clear_interface(ctl, ETH0), 0);
}

static void dns_servers_report_total_beyond_max(void **state)
{
    (void)state;
    const axn_ip4_t list[] = {DNS_3, DNS_1, DNS_2};
    set(ETH0, AXN_DNS_SRC_STATIC, METRIC, list, 3);
    axn_ip4_t out[2] = {SENTINEL_IP4, SENTINEL_IP4};
    assert_int_equal(axn_ctl_dns_servers(&st, out, 1), 3);
    assert_int_equal(out[0], DNS_1);
    assert_int_equal(out[1], SENTINEL_IP4);
    assert_int_equal(axn_ctl_dns_servers(&st, NULL, 0), 3);
}

static void dns_registry_starts_empty(void **state)
{
    (void)state;
    axn_ip4_t out[SERVERS_MAX];
    assert_int_equal(servers(out), 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(dns_servers_are_ordered_by_metric_then_ifindex_then_address),
        T(dns_servers_drop_duplicates_keeping_first),
        T(dns_dhcp_and_static_on_one_interface_order_by_address),
        T(dns_fallback_servers_come_last),
        T(dns_replace_is_per_interface_and_source),
        T(dns_replace_that_does_not_fit_changes_nothing),
        T(dns_replace_rejects_unspecified_server),
        T(dns_clear_interface_removes_every_source),
        T(dns_servers_report_total_beyond_max),
        T(dns_registry_starts_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
