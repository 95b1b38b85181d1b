/*
 * Network configuration: validation (spec CTL-5), matching (CTL-3, CTL-6)
 * and defaults (CTL-4, CTL-9). Every refusal has its own log line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "axnet/errno.h"
#include "ctl/ctl.h"
#include "sim_stacks.h"
#include "test_platform.h"

#define N_DEVS      3u
#define ADDR        AXN_IP4(192, 0, 2, 10)
#define GW          AXN_IP4(192, 0, 2, 1)
#define DNS_A       AXN_IP4(192, 0, 2, 53)
#define DNS_B       AXN_IP4(198, 51, 100, 53)
#define PREFIX_24   24u
#define METRIC_LOW  50u
#define BAD_ENUM    7
#define DEFAULT_IDX 2u /* eth<order> of the device no config names */

/* A probed NIC as far as matching cares: a driver name and a MAC. */
struct fake_nic {
    const char *name;
    struct axn_mac mac;
};

static const char *fake_name(void *drv)
{
    return ((const struct fake_nic *)drv)->name;
}

static void fake_mac(void *drv, struct axn_mac *mac)
{
    *mac = ((const struct fake_nic *)drv)->mac;
}

static const struct axn_eth_driver_ops fake_ops = {
    .name = fake_name,
    .mac_address = fake_mac,
};

static struct fake_nic nics[N_DEVS] = {
    {"virtio-net", {{0x02, 0, 0, 0, 0, 0x01}}},
    {"e1000", {{0x02, 0, 0, 0, 0, 0x02}}},
    {"virtio-net", {{0x02, 0, 0, 0, 0, 0x03}}},
};
static struct axn_eth_driver drivers[N_DEVS];
static const struct axn_eth_driver *driver_ptrs[N_DEVS];
static struct axn_iface_plan plans[N_DEVS];
static const struct axn_platform *plat;

static int setup(void **state)
{
    (void)state;
    plat = axn_test_logging_platform();
    axn_test_clear_log();
    for (size_t i = 0; i < N_DEVS; i++) {
        drivers[i].ops = &fake_ops;
        drivers[i].drv = &nics[i];
        driver_ptrs[i] = &drivers[i];
    }
    memset(plans, 0, sizeof(plans));
    return 0;
}

static struct axn_iface_config by_order(uint32_t order)
{
    struct axn_iface_config ic;
    memset(&ic, 0, sizeof(ic));
    ic.match = AXN_MATCH_ORDER;
    ic.match_order = order;
    return ic;
}

static struct axn_iface_config static_config(uint32_t order)
{
    struct axn_iface_config ic = by_order(order);
    ic.ipv4_mode = AXN_IPV4_STATIC;
    ic.addr = ADDR;
    ic.prefix_len = PREFIX_24;
    ic.gateway = GW;
    return ic;
}

static int plan(const struct axn_net_config *cfg)
{
    return axn_net_config_plan(plat, driver_ptrs, N_DEVS, cfg, plans);
}

/* Refused with -EINVAL, logging a line that contains `why`. */
static void expect_refused(const struct axn_net_config *cfg, const char *why)
{
    axn_test_clear_log();
    assert_int_equal(plan(cfg), -AXN_EINVAL);
    assert_int_equal(axn_test_log_count(), 1);
    assert_non_null(strstr(axn_test_last_log(), why));
}

static void expect_one_refused(const struct axn_iface_config *ic, const char *why)
{
    const struct axn_net_config cfg = sim_net_config(ic, 1);
    expect_refused(&cfg, why);
}

/* ---- CTL-5: each violation has its own message ---------------------------- */

static void ctl_rejects_name_lo(void **state)
{
    (void)state;
    struct axn_iface_config ic = by_order(0);
    strcpy(ic.name, "lo");
    expect_one_refused(&ic, "reserved for loopback");
}

static void ctl_rejects_dhcp_and_static_together(void **state)
{
    (void)state;
    struct axn_iface_config ic = static_config(0);
    ic.ipv4_mode = AXN_IPV4_DHCP;
    expect_one_refused(&ic, "DHCP and a static address together");
    ic = by_order(0);
    ic.gateway = GW; /* a gateway is a static setting too */
    expect_one_refused(&ic, "DHCP and a static address together");
}

static void ctl_rejects_static_address_with_mode_none(void **state)
{
    (void)state;
    struct axn_iface_config ic = static_config(0);
    ic.ipv4_mode = AXN_IPV4_NONE;
    expect_one_refused(&ic, "with IPv4 mode none");
}

static void ctl_rejects_static_unspecified_address(void **state)
{
    (void)state;
    struct axn_iface_config ic = static_config(0);
    ic.addr = 0;
    expect_one_refused(&ic, "static address 0.0.0.0");
}

static void ctl_rejects_prefix_over_32(void **state)
{
    (void)state;
    struct axn_iface_config ic = static_config(0);
    ic.prefix_len = 33;
    expect_one_refused(&ic, "prefix /33 is longer than 32");
}

static void ctl_rejects_unspecified_interface_dns(void **state)
{
    (void)state;
    struct axn_iface_config ic = by_order(0);
    ic.dns[0] = DNS_A;
    ic.n_dns = 2; /* dns[1] is 0.0.0.0 */
    expect_one_refused(&ic, "config 0: DNS server 0.0.0.0");
}

static void ctl_rejects_too_many_interface_dns(void **state)
{
    (void)state;
    struct axn_iface_config ic = by_order(0);
    ic.n_dns = AXN_IFACE_MAX_DNS + 1;
    expect_one_refused(&ic, "DNS servers, at most");
}

static void ctl_rejects_unspecified_fallback_dns(void **state)
{
    (void)state;
    struct axn_net_config cfg = sim_net_config(NULL, 0);
    cfg.fallback_dns[0] = DNS_A;
    cfg.n_fallback_dns = 2;
    expect_refused(&cfg, "fallback DNS server 0.0.0.0");
    cfg.n_fallback_dns = AXN_MAX_FALLBACK_DNS + 1;
    expect_refused(&cfg, "fallback DNS servers, at most");
}

static void ctl_rejects_device_matched_by_two_configs(void **state)
{
    (void)state;
    struct axn_iface_config ics[2] = {by_order(1), by_order(0)};
    ics[1].match = AXN_MATCH_MAC;
    ics[1].match_mac = nics[1].mac;
    const struct axn_net_config cfg = sim_net_config(ics, 2);
    expect_refused(&cfg, "device 1 is matched by configs 0 and 1");
}

static void ctl_rejects_config_matching_no_device(void **state)
{
    (void)state;
    struct axn_iface_config ic = by_order(N_DEVS);
    expect_one_refused(&ic, "config 0 matched no device");
    ic.match = AXN_MATCH_DRIVER_NAME;
    strcpy(ic.match_driver, "rtl8139");
    expect_one_refused(&ic, "config 0 matched no device");
}

static void ctl_rejects_duplicate_names(void **state)
{
    (void)state;
    /* Device 0 is named eth2, which is device 2's default name. */
    struct axn_iface_config ic = by_order(0);
    strcpy(ic.name, "eth2");
    expect_one_refused(&ic, "devices 0 and 2 are both named eth2");
    struct axn_iface_config two[2] = {by_order(0), by_order(1)};
    strcpy(two[0].name, "wan");
    strcpy(two[1].name, "wan");
    const struct axn_net_config cfg = sim_net_config(two, 2);
    expect_refused(&cfg, "devices 0 and 1 are both named wan");
}

static void ctl_rejects_name_too_long(void **state)
{
    (void)state;
    struct axn_iface_config ic = by_order(0);
    memset(ic.name, 'n', sizeof(ic.name));
    expect_one_refused(&ic, "interface name is longer than 15 bytes");
}

static void ctl_rejects_unknown_mode_and_matcher(void **state)
{
    (void)state;
    struct axn_iface_config ic = by_order(0);
    ic.ipv4_mode = (enum axn_ipv4_mode)BAD_ENUM;
    expect_one_refused(&ic, "unknown IPv4 mode 7");
    ic = by_order(0);
    ic.match = (enum axn_iface_match)BAD_ENUM;
    expect_one_refused(&ic, "unknown matcher 7");
    ic = by_order(0);
    ic.match = AXN_MATCH_DRIVER_NAME;
    memset(ic.match_driver, 'd', sizeof(ic.match_driver));
    expect_one_refused(&ic, "driver name to match is not terminated");
}

static void ctl_rejects_missing_config_array(void **state)
{
    (void)state;
    const struct axn_net_config cfg = sim_net_config(NULL, 1);
    expect_refused(&cfg, "1 interface configs but no array");
}

static void ctl_rejects_null_driver(void **state)
{
    (void)state;
    driver_ptrs[1] = NULL;
    expect_refused(NULL, "device 1 has no driver operations");
}

static void ctl_rejects_more_devices_than_the_registry_holds(void **state)
{
    (void)state;
    const struct axn_eth_driver *many[AXN_MAX_DEVICES];
    for (size_t i = 0; i < AXN_MAX_DEVICES; i++)
        many[i] = &drivers[0];
    axn_test_clear_log();
    assert_int_equal(axn_net_config_plan(plat, many, AXN_MAX_DEVICES, NULL, plans), -AXN_ENOSPC);
    assert_non_null(strstr(axn_test_last_log(), "devices, at most"));
}

/* ---- CTL-3/4/6: matching and defaults ---------------------------------------- */

static void ctl_defaults_unconfigured_nics_to_dhcp_eth_order(void **state)
{
    (void)state;
    assert_int_equal(plan(NULL), 0);
    assert_int_equal(axn_test_log_count(), 0);
    for (size_t i = 0; i < N_DEVS; i++) {
        char name[AXN_IFNAMSIZ];
        snprintf(name, sizeof(name), "eth%zu", i);
        assert_string_equal(plans[i].name, name);
        assert_int_equal(plans[i].ifindex, i + 2);
        assert_int_equal(plans[i].metric, 100);
        assert_int_equal(plans[i].mode, AXN_IPV4_DHCP);
        assert_int_equal(plans[i].addr, 0);
        assert_int_equal(plans[i].n_dns, 0);
        assert_memory_equal(plans[i].mac.b, nics[i].mac.b, AXN_MAC_LEN);
    }
}

static void ctl_ifindex_follows_probe_order_not_config_order(void **state)
{
    (void)state;
    struct axn_iface_config ics[2] = {static_config(2), by_order(0)};
    strcpy(ics[0].name, "wan");
    strcpy(ics[1].name, "lan");
    ics[1].metric = METRIC_LOW;
    ics[1].dns[0] = DNS_B;
    ics[1].n_dns = 1;
    const struct axn_net_config cfg = sim_net_config(ics, 2);
    assert_int_equal(plan(&cfg), 0);
    assert_string_equal(plans[0].name, "lan");
    assert_int_equal(plans[0].ifindex, 2);
    assert_int_equal(plans[0].metric, METRIC_LOW);
    assert_int_equal(plans[0].mode, AXN_IPV4_DHCP);
    assert_int_equal(plans[0].n_dns, 1);
    assert_int_equal(plans[0].dns[0], DNS_B);
    assert_string_equal(plans[1].name, "eth1");
    assert_int_equal(plans[1].ifindex, 3);
    assert_string_equal(plans[2].name, "wan");
    assert_int_equal(plans[2].ifindex, 4);
    assert_int_equal(plans[2].mode, AXN_IPV4_STATIC);
    assert_int_equal(plans[2].addr, ADDR);
    assert_int_equal(plans[2].prefix_len, PREFIX_24);
    assert_int_equal(plans[2].gateway, GW);
    assert_int_equal(plans[2].metric, 100); /* metric 0 means the default */
}

static void ctl_matches_by_mac(void **state)
{
    (void)state;
    struct axn_iface_config ic = static_config(0);
    ic.match = AXN_MATCH_MAC;
    ic.match_mac = nics[2].mac;
    const struct axn_net_config cfg = sim_net_config(&ic, 1);
    assert_int_equal(plan(&cfg), 0);
    assert_int_equal(plans[0].mode, AXN_IPV4_DHCP);
    assert_int_equal(plans[2].mode, AXN_IPV4_STATIC);
    assert_string_equal(plans[2].name, "eth2");
}

static void ctl_matches_by_driver_name_binding_one_device(void **state)
{
    (void)state;
    /* Two virtio-net devices: the config binds the first only (CTL-6). */
    struct axn_iface_config ic = by_order(0);
    ic.match = AXN_MATCH_DRIVER_NAME;
    strcpy(ic.match_driver, "virtio-net");
    ic.ipv4_mode = AXN_IPV4_NONE;
    strcpy(ic.name, "virt");
    const struct axn_net_config cfg = sim_net_config(&ic, 1);
    assert_int_equal(plan(&cfg), 0);
    assert_string_equal(plans[0].name, "virt");
    assert_int_equal(plans[0].mode, AXN_IPV4_NONE);
    assert_string_equal(plans[2].name, "eth2");
    assert_int_equal(plans[2].mode, AXN_IPV4_DHCP);
    ic.match_order = DEFAULT_IDX; /* ignored by the driver-name matcher */
    assert_int_equal(plan(&cfg), 0);
    assert_string_equal(plans[0].name, "virt");
}

static void ctl_accepts_an_empty_device_list(void **state)
{
    (void)state;
    assert_int_equal(axn_net_config_plan(plat, NULL, 0, NULL, NULL), 0);
    const struct axn_iface_config ic = by_order(0);
    const struct axn_net_config cfg = sim_net_config(&ic, 1);
    axn_test_clear_log();
    assert_int_equal(axn_net_config_plan(plat, NULL, 0, &cfg, NULL), -AXN_EINVAL);
    assert_non_null(strstr(axn_test_last_log(), "matched no device"));
}

static void ctl_accepts_gateway_zero_and_static_dns(void **state)
{
    (void)state;
    struct axn_iface_config ic = static_config(1);
    ic.gateway = 0;
    ic.dns[0] = DNS_A;
    ic.dns[1] = DNS_B;
    ic.n_dns = 2;
    const struct axn_net_config cfg = sim_net_config(&ic, 1);
    assert_int_equal(plan(&cfg), 0);
    assert_int_equal(plans[1].gateway, 0);
    assert_int_equal(plans[1].n_dns, 2);
    assert_int_equal(plans[1].dns[1], DNS_B);
}

#define T(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(ctl_rejects_name_lo),
        T(ctl_rejects_dhcp_and_static_together),
        T(ctl_rejects_static_address_with_mode_none),
        T(ctl_rejects_static_unspecified_address),
        T(ctl_rejects_prefix_over_32),
        T(ctl_rejects_unspecified_interface_dns),
        T(ctl_rejects_too_many_interface_dns),
        T(ctl_rejects_unspecified_fallback_dns),
        T(ctl_rejects_device_matched_by_two_configs),
        T(ctl_rejects_config_matching_no_device),
        T(ctl_rejects_duplicate_names),
        T(ctl_rejects_name_too_long),
        T(ctl_rejects_unknown_mode_and_matcher),
        T(ctl_rejects_missing_config_array),
        T(ctl_rejects_null_driver),
        T(ctl_rejects_more_devices_than_the_registry_holds),
        T(ctl_defaults_unconfigured_nics_to_dhcp_eth_order),
        T(ctl_ifindex_follows_probe_order_not_config_order),
        T(ctl_matches_by_mac),
        T(ctl_matches_by_driver_name_binding_one_device),
        T(ctl_accepts_an_empty_device_list),
        T(ctl_accepts_gateway_zero_and_static_dns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
