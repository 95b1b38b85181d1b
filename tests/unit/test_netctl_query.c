/*
 * Control-plane queries that reach the devices: every interface's counters
 * and the /proc/net/dev text (RT-37/38), and interface snapshots that show
 * the MAC a device uses now rather than the one it registered with (the
 * CTL-15 hazard).
 *
 * The stack is real (axn_stack_create, axn_stack_init_network, caller-
 * polled axn_stack_poll) with lo and mock drivers behind real Ethernet
 * adapters; the test plays the peer by queueing frames in the mock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "axnet/errno.h"
#include "axnet/netctl.h"
#include "core/stack_impl.h"
#include "mock_driver.h"
#include "sim_stacks.h"
#include "test_platform.h"

#define LO        AXN_IFINDEX_LOOPBACK
#define ETH0      2u
#define ETH1      3u
#define ETH2      4u /* the device added after eth0 is removed */
#define OUR_ADDR  AXN_IP4(192, 0, 2, 10)
#define ETH1_ADDR AXN_IP4(198, 51, 100, 10)
#define PREFIX_24 24u
#define NOW       AXN_SEC(1)
#define N_MOCKS   3
#define TEXT_MAX  2048u
#define SHORT_CAP 10u
#define LIST_MAX  AXN_MAX_DEVICES

/* Frame lengths of the exchange, as counters count them (RT-38). */
#define ARP_LEN       42u          /* Linux sends ARP unpadded on a TAP */
#define PADDED_LEN    AXN_ETH_ZLEN /* every frame the stack sends here */
#define UNKNOWN_LEN   AXN_ETH_ZLEN /* the frame of an EtherType we lack */
#define ETHERTYPE_LEX 0x88b5u      /* IEEE 802 local experimental */
#define ETH_TYPE_OFF  12u

static const struct axn_mac our_mac = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x0a}};
static const struct axn_mac eth1_mac = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x0b}};
static const struct axn_mac eth2_mac = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x0c}};
static const struct axn_mac new_mac = {{0x02, 0x5e, 0x10, 0x20, 0x30, 0x40}};
static const struct axn_mac newer_mac = {{0x02, 0x5e, 0x10, 0x20, 0x30, 0x41}};

/* The peer 192.0.2.1 (02:00:00:00:00:01) asks who has 192.0.2.10: an
 * ARP request exactly as Linux puts it on a TAP (42 bytes, no padding). */
static const uint8_t arp_request[ARP_LEN] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* to everyone */
    0x02, 0x00, 0x00, 0x00, 0x00, 0x01, /* from the peer */
    0x08, 0x06,                         /* ARP */
    0x00, 0x01, 0x08, 0x00, 6,    4,    /* Ethernet, IPv4 */
    0x00, 0x01,                         /* request */
    0x02, 0x00, 0x00, 0x00, 0x00, 0x01, /* sender MAC */
    192,  0,    2,    1,                /* sender IP */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* target MAC: unknown */
    192,  0,    2,    10,               /* target IP: ours */
};

static struct {
    struct mock_driver mock[N_MOCKS];
    const struct axn_eth_driver *drv[N_MOCKS];
    struct axn_stack *st;
} T;

static int setup(void **state)
{
    (void)state;
    memset(&T, 0, sizeof(T));
    mock_driver_init(&T.mock[0], &our_mac);
    mock_driver_init(&T.mock[1], &eth1_mac);
    mock_driver_init(&T.mock[2], &eth2_mac);
    for (size_t i = 0; i < N_MOCKS; i++)
        T.drv[i] = &T.mock[i].drv;
    return axn_stack_create(axn_test_platform(), &T.st);
}

static int teardown(void **state)
{
    (void)state;
    axn_stack_destroy(T.st);
    for (size_t i = 0; i < N_MOCKS; i++) {
        if (T.mock[i].contract_violations != 0)
            return -1;
    }
    return axn_test_live_allocs() == 0 ? 0 : -1;
}

/* ---- Helpers ------------------------------------------------------------ */

static struct axn_iface_config static_cfg(uint32_t order, axn_ip4_t addr)
{
    return sim_static_iface(order, addr, PREFIX_24, 0, 0);
}

/* lo + eth0 (192.0.2.10/24 on mock 0), and eth1 on mock 1 when asked. */
static void bring_up(size_t n_devices)
{
    const struct axn_iface_config ics[] = {static_cfg(0, OUR_ADDR), static_cfg(1, ETH1_ADDR)};
    struct axn_net_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.ifaces = ics;
    cfg.n_ifaces = n_devices;
    assert_int_equal(axn_stack_init_network(T.st, T.drv, n_devices, &cfg, NOW), 0);
}

/* The known exchange: the peer's ARP request (we learn it and reply) and a
 * frame of an EtherType we do not speak (counted received and dropped,
 * ETH-9). With the announcement eth0 made when its address was set, the
 * counters must read: rx 2 frames, 42 + 60 bytes, 1 dropped; tx 2 frames
 * (announcement, reply), 60 bytes each. */
static void exchange(void)
{
    uint8_t unknown[UNKNOWN_LEN];
    memset(unknown, 0, sizeof(unknown));
    memcpy(unknown, our_mac.b, AXN_MAC_LEN);
    memcpy(unknown + AXN_MAC_LEN, arp_request + AXN_MAC_LEN, AXN_MAC_LEN);
    unknown[ETH_TYPE_OFF] = (uint8_t)(ETHERTYPE_LEX >> 8);
    unknown[ETH_TYPE_OFF + 1] = (uint8_t)ETHERTYPE_LEX;
    assert_int_equal(mock_driver_push_rx(&T.mock[0], arp_request, sizeof(arp_request)), 0);
    assert_int_equal(mock_driver_push_rx(&T.mock[0], unknown, sizeof(unknown)), 0);
    axn_stack_poll(T.st, NOW);
    axn_stack_poll(T.st, NOW);
}

static struct axn_iface_info by_index(uint32_t ifindex)
{
    struct axn_iface_info info;
    assert_int_equal(axn_ctl_interface_by_index(T.st, ifindex, &info), 0);
    return info;
}

static struct axn_iface_info by_name(const char *name)
{
    struct axn_iface_info info;
    assert_int_equal(axn_ctl_interface_by_name(T.st, name, &info), 0);
    return info;
}

/* The entry of `ifindex` in a full axn_ctl_interfaces list. */
static struct axn_iface_info listed(uint32_t ifindex)
{
    struct axn_iface_info list[LIST_MAX];
    const size_t n = axn_ctl_interfaces(T.st, list, LIST_MAX);
    for (size_t i = 0; i < n; i++) {
        if (list[i].ifindex == ifindex)
            return list[i];
    }
    fail_msg("ifindex %u not listed", (unsigned)ifindex);
    return list[0];
}

static struct axn_if_counters *counters_of(uint32_t ifindex)
{
    struct axn_dev_handle *h = axn_router_find(&T.st->router, ifindex);
    assert_non_null(h);
    return &h->counters;
}

/* ---- RT-37: every interface's counters ------------------------------------ */

static void link_stats_all_lists_lo_first_with_the_exchange_counted(void **state)
{
    (void)state;
    bring_up(1);
    exchange();
    struct axn_link_stats_entry e[LIST_MAX];
    memset(e, 0, sizeof(e));
    assert_int_equal(axn_ctl_link_stats_all(T.st, e, LIST_MAX), 2);
    assert_int_equal(e[0].ifindex, LO);
    assert_string_equal(e[0].name, "lo");
    assert_int_equal(e[0].stats.rx_packets + e[0].stats.tx_packets, 0);
    assert_int_equal(e[1].ifindex, ETH0);
    assert_string_equal(e[1].name, "eth0");
    assert_int_equal(e[1].stats.rx_packets, 2);
    assert_int_equal(e[1].stats.rx_bytes, ARP_LEN + UNKNOWN_LEN);
    assert_int_equal(e[1].stats.rx_dropped, 1);
    assert_int_equal(e[1].stats.rx_errors, 0);
    assert_int_equal(e[1].stats.tx_packets, 2);
    assert_int_equal(e[1].stats.tx_bytes, 2 * PADDED_LEN);
    assert_int_equal(e[1].stats.tx_errors + e[1].stats.tx_dropped, 0);
    /* The same numbers as the one-interface query. */
    struct axn_link_stats one;
    assert_int_equal(axn_ctl_link_stats(T.st, ETH0, &one), 0);
    assert_memory_equal(&one, &e[1].stats, sizeof(one));
    /* The peer is what the exchange taught us; our reply went to it. */
    assert_int_equal(T.mock[0].tx_count, 2);
}

static void link_stats_all_reports_how_many_exist_beyond_max(void **state)
{
    (void)state;
    bring_up(2);
    struct axn_link_stats_entry e[1];
    memset(e, 0, sizeof(e));
    assert_int_equal(axn_ctl_link_stats_all(T.st, e, 1), 3);
    assert_int_equal(e[0].ifindex, LO);
    assert_int_equal(axn_ctl_link_stats_all(T.st, NULL, 0), 3);
}

/* Router slots are reused after a removal; the list keeps registration
 * order all the same (lo, eth1, then the device added last). */
static void link_stats_all_follows_registration_order_not_slots(void **state)
{
    (void)state;
    bring_up(2);
    assert_int_equal(axn_stack_remove_device(T.st, ETH0, NOW), 0);
    uint32_t id = 0;
    assert_int_equal(axn_stack_add_device(T.st, T.drv[2], NULL, NOW, &id), 0);
    assert_int_equal(id, ETH2);
    struct axn_link_stats_entry e[LIST_MAX];
    assert_int_equal(axn_ctl_link_stats_all(T.st, e, LIST_MAX), 3);
    assert_int_equal(e[0].ifindex, LO);
    assert_int_equal(e[1].ifindex, ETH1);
    assert_string_equal(e[1].name, "eth1");
    assert_int_equal(e[2].ifindex, ETH2);
    assert_string_equal(e[2].name, "eth2");
}

/* ---- /proc/net/dev ------------------------------------------------------------ */

#define PROC_NET_DEV_HEADER                                                                        \
    "Inter-|   Receive                                                |  Transmit\n"               \
    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs "     \
    "drop fifo colls carrier compressed\n"

static void proc_net_dev_matches_linux_byte_for_byte(void **state)
{
    (void)state;
    bring_up(1);
    exchange();
    const char *expect = PROC_NET_DEV_HEADER
        "    lo:       0       0    0    0    0     0          0         0        0       0    0 "
        "   0    0     0       0          0\n"
        "  eth0:     102       2    0    1    0     0          0         0      120       2    0 "
        "   0    0     0       0          0\n";
    char buf[TEXT_MAX];
    const size_t n = axn_ctl_format_proc_net_dev(T.st, buf, sizeof(buf));
    assert_string_equal(buf, expect);
    assert_int_equal(n, strlen(expect));
}

/* Numbers wider than their column push the rest of the row right, as on
 * Linux. Expected row and its counters copied from a Linux 6.18
 * /proc/net/dev: 8 digits of receive bytes in a 7-wide column. */
#define LINUX_RX_BYTES   48632429u
#define LINUX_RX_PACKETS 979u
#define LINUX_TX_BYTES   47636u
#define LINUX_TX_PACKETS 600u

static void proc_net_dev_wide_numbers_push_the_row_right(void **state)
{
    (void)state;
    bring_up(1);
    struct axn_if_counters *c = counters_of(ETH0);
    struct axn_link_stats now;
    axn_if_counters_read(c, &now);
    /* Make the counters read exactly as the Linux row below. */
    axn_if_count_add(&c->rx_bytes, LINUX_RX_BYTES - now.rx_bytes);
    axn_if_count_add(&c->rx_packets, LINUX_RX_PACKETS - now.rx_packets);
    axn_if_count_add(&c->tx_bytes, LINUX_TX_BYTES - now.tx_bytes);
    axn_if_count_add(&c->tx_packets, LINUX_TX_PACKETS - now.tx_packets);
    const char *row = "  eth0: 48632429     979    0    0    0     0          0         0    47636 "
                      "    600    0    0    0     0       0          0\n";
    char buf[TEXT_MAX];
    axn_ctl_format_proc_net_dev(T.st, buf, sizeof(buf));
    const char *at = strstr(buf, "  eth0:");
    assert_non_null(at);
    assert_string_equal(at, row);
}

static void proc_net_dev_short_buffer_keeps_a_prefix_and_the_full_length(void **state)
{
    (void)state;
    bring_up(1);
    char full[TEXT_MAX];
    const size_t need = axn_ctl_format_proc_net_dev(T.st, full, sizeof(full));
    assert_int_equal(need, strlen(full));
    char small[SHORT_CAP];
    assert_int_equal(axn_ctl_format_proc_net_dev(T.st, small, sizeof(small)), need);
    assert_string_equal(small, "Inter-|  ");
    assert_int_equal(axn_ctl_format_proc_net_dev(T.st, NULL, 0), need);
}

/* ---- CTL-15: the MAC a device uses now ------------------------------------------ */

/* The adapter reads its driver's MAC at every receive and reports a change
 * to the registry, so every query shows the new MAC after the next poll
 * without ever taking the core lock (PLAT-29). */
static void registry_follows_the_mac_the_driver_has_now(void **state)
{
    (void)state;
    bring_up(2);
    assert_memory_equal(listed(ETH0).mac.b, our_mac.b, AXN_MAC_LEN);
    /* The drivers change their addresses (a Wi-Fi role switch would). */
    T.mock[0].mac = new_mac;
    T.mock[1].mac = newer_mac;
    axn_stack_poll(T.st, NOW);
    const struct axn_iface_info it = listed(ETH0);
    assert_true(it.has_mac);
    assert_memory_equal(it.mac.b, new_mac.b, AXN_MAC_LEN);
    assert_memory_equal(by_index(ETH0).mac.b, new_mac.b, AXN_MAC_LEN);
    assert_memory_equal(by_name("eth1").mac.b, newer_mac.b, AXN_MAC_LEN);
    /* Nothing else of the snapshot moved, and lo has no MAC and gets none. */
    assert_true(it.has_ipv4);
    assert_int_equal(it.addr, OUR_ADDR);
    assert_int_equal(it.prefix_len, PREFIX_24);
    assert_false(listed(LO).has_mac);
    assert_false(by_index(LO).has_mac);
}

/* The adapter uses the new address too: our reply to the peer carries it
 * as its source, the address the snapshot now reports. */
static void followed_mac_is_the_one_on_the_wire(void **state)
{
    (void)state;
    bring_up(1);
    T.mock[0].mac = new_mac;
    mock_driver_clear_tx(&T.mock[0]);
    assert_int_equal(mock_driver_push_rx(&T.mock[0], arp_request, sizeof(arp_request)), 0);
    axn_stack_poll(T.st, NOW);
    assert_int_equal(T.mock[0].tx_count, 1);
    const struct axn_iface_info it = listed(ETH0);
    assert_memory_equal(it.mac.b, new_mac.b, AXN_MAC_LEN);
    assert_memory_equal(T.mock[0].tx[0].data + AXN_MAC_LEN, it.mac.b, AXN_MAC_LEN);
}

/* Before any poll the registry still shows the old MAC: the change is
 * pushed by the device, not pulled by the query (which must not reach into
 * devices, PLAT-29). */
static void mac_change_is_seen_only_after_the_device_runs(void **state)
{
    (void)state;
    bring_up(1);
    T.mock[0].mac = new_mac;
    assert_memory_equal(listed(ETH0).mac.b, our_mac.b, AXN_MAC_LEN);
    axn_stack_poll(T.st, NOW);
    assert_memory_equal(listed(ETH0).mac.b, new_mac.b, AXN_MAC_LEN);
}

#define TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(link_stats_all_lists_lo_first_with_the_exchange_counted),
        TEST(link_stats_all_reports_how_many_exist_beyond_max),
        TEST(link_stats_all_follows_registration_order_not_slots),
        TEST(proc_net_dev_matches_linux_byte_for_byte),
        TEST(proc_net_dev_wide_numbers_push_the_row_right),
        TEST(proc_net_dev_short_buffer_keeps_a_prefix_and_the_full_length),
        TEST(registry_follows_the_mac_the_driver_has_now),
        TEST(followed_mac_is_the_one_on_the_wire),
        TEST(mac_change_is_seen_only_after_the_device_runs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
