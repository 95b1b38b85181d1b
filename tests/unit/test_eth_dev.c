/*
 * The Ethernet adapter over a mock driver (src/dev/eth_*.c, spec §2.3
 * ETH-1..18, counting RT-38, the ethernet tests of TEST-4 and TEST-31).
 *
 * Counting here is direct (netdev.h): the adapter counts side-path frames,
 * errors and drops itself; the IP packets `recv` returns and the frames
 * `send` returns are the router's to count and must NOT move the counters.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "axnet/errno.h"
#include "dev/eth_dev.h"
#include "fake_netdev.h"
#include "mock_driver.h"
#include "test_platform.h"
#include "wire/arp.h"
#include "wire/ethernet.h"

#define IFINDEX 2u
#define PREFIX  24u

#define OUR_IP  AXN_IP4(192, 0, 2, 10)
#define PEER_IP AXN_IP4(192, 0, 2, 1)
#define GW_IP   AXN_IP4(192, 0, 2, 254)
#define DEAD_IP AXN_IP4(192, 0, 2, 99)
#define C_IP    AXN_IP4(192, 0, 2, 3)

#define ARP_FRAME_LEN (AXN_ETH_HLEN + AXN_ARP_LEN) /* 42, unpadded as received */
#define T_MS(ms)      AXN_MSEC(ms)
#define T_S(s)        AXN_SEC(s)
#define MAX_REPORTS   256
#define IP_PAYLOAD    32u
#define NEIGHBOR_TTL  AXN_SEC(AXN_ARP_NEIGHBOR_TTL_S)

static const struct axn_mac OUR_MAC = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};
static const struct axn_mac PEER_MAC = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x02}};
static const struct axn_mac GW_MAC = {{0x02, 0x00, 0x00, 0x00, 0x00, 0xfe}};
static const struct axn_mac C_MAC = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x03}};
static const struct axn_mac OTHER_MAC = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x77}};
static const struct axn_mac BCAST = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
static const struct axn_mac ZERO_MAC = {{0}};
static const struct axn_mac MCAST_MAC = {{0x01, 0x00, 0x5e, 0x00, 0x00, 0x01}};

static int registration_token;

/* Everything a test touches; static because the mock driver is large. */
static struct fx {
    struct mock_driver m;
    struct axn_platform plat;
    struct axn_netdev *dev;
    struct axn_if_counters ctr;
    /* unreachable reports */
    int reports;
    uint8_t report_tag[MAX_REPORTS];
    size_t report_len[MAX_REPORTS];
    uint32_t report_ifindex;
    axn_time_t report_now;
    /* wake calls from the IRQ action */
    int wakes;
    /* IRQ registrar */
    int reg_calls, reg_err, reg_irq, unreg_calls;
    char reg_name[AXN_IFNAMSIZ];
    axn_irq_action action;
    void *action_arg;
    void *unreg_handle;
    /* log */
    int warns;
} F;

/* ---- Fixture ------------------------------------------------------------- */

static void on_unreachable(void *ctx, uint32_t ifindex, const uint8_t *pkt, size_t len,
                           axn_time_t now)
{
    struct fx *f = ctx;
    if (f->reports < MAX_REPORTS) {
        f->report_tag[f->reports] = pkt[0];
        f->report_len[f->reports] = len;
    }
    f->reports++;
    f->report_ifindex = ifindex;
    f->report_now = now;
}

static void on_wake(void *ctx)
{
    ((struct fx *)ctx)->wakes++;
}

static int mock_irq_register(void *ctx, const char *name, int irq, axn_irq_action action, void *arg,
                             void **registration)
{
    (void)ctx;
    F.reg_calls++;
    if (F.reg_err)
        return F.reg_err;
    F.reg_irq = irq;
    snprintf(F.reg_name, sizeof(F.reg_name), "%s", name);
    F.action = action;
    F.action_arg = arg;
    *registration = &registration_token;
    return 0;
}

static void mock_irq_unregister(void *ctx, void *registration)
{
    (void)ctx;
    F.unreg_calls++;
    F.unreg_handle = registration;
}

static void capture_log(void *ctx, enum axn_log_level level, const char *line)
{
    (void)ctx;
    (void)line;
    if (level == AXN_LOG_WARN)
        F.warns++;
}

static void create_dev(bool oob_rx)
{
    const struct axn_eth_dev_params p = {
        .plat = &F.plat,
        .driver = &F.m.drv,
        .name = "eth0",
        .ifindex = IFINDEX,
        .oob_rx = oob_rx,
        .counters = &F.ctr,
        .wake = on_wake,
        .wake_ctx = &F,
        .unreachable = on_unreachable,
        .unreachable_ctx = &F,
    };
    assert_int_equal(axn_eth_dev_create(&p, &F.dev), 0);
}

static void reset_counts(void)
{
    memset(&F.ctr, 0, sizeof(F.ctr));
    mock_driver_clear_tx(&F.m);
    F.m.receives = F.m.recycled_rx = F.m.recycle_tx_calls = F.m.allocs = F.m.aborts = 0;
}

static void set_ip(axn_ip4_t addr, uint8_t prefix, axn_time_t now)
{
    const struct axn_ip4_cidr c = {.addr = addr, .prefix_len = prefix};
    F.dev->ops->set_ipv4(F.dev, &c, now);
}

/* Fresh fixture, no device. */
static int setup_bare(void **state)
{
    (void)state;
    memset(&F, 0, sizeof(F));
    mock_driver_init(&F.m, &OUR_MAC);
    F.plat = *axn_test_platform();
    F.plat.log = capture_log;
    F.plat.log_level = AXN_LOG_WARN;
    return 0;
}

/* Device without an address. */
static int setup_noip(void **state)
{
    setup_bare(state);
    create_dev(false);
    return 0;
}

/* Device with 192.0.2.10/24, counters and TX record cleared. */
static int setup(void **state)
{
    setup_noip(state);
    set_ip(OUR_IP, PREFIX, 0);
    reset_counts();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (F.dev)
        F.dev->ops->destroy(F.dev);
    F.dev = NULL;
    axn_test_fail_alloc_after(SIZE_MAX);
    if (F.m.contract_violations != 0)
        return -1;
    return axn_test_live_allocs() == 0 ? 0 : -1;
}

/* ---- Frames -------------------------------------------------------------- */

static size_t build_eth(uint8_t *buf, const struct axn_mac *dst, const struct axn_mac *src,
                        uint16_t type, const uint8_t *payload, size_t len)
{
    const struct axn_eth e = {
        .dst = *dst, .src = *src, .ethertype = type, .payload = payload, .payload_len = len};
    int n = axn_eth_emit(&e, buf, MOCK_FRAME_MAX, 0);
    assert_true(n > 0);
    return (size_t)n;
}

/* Queues an IP-ish frame whose payload bytes all equal `tag`. */
static void rx_frame(const struct axn_mac *dst, uint16_t type, size_t payload_len, uint8_t tag)
{
    uint8_t payload[MOCK_FRAME_MAX];
    uint8_t frame[MOCK_FRAME_MAX];
    memset(payload, tag, payload_len);
    size_t n = build_eth(frame, dst, &PEER_MAC, type, payload, payload_len);
    assert_int_equal(mock_driver_push_rx(&F.m, frame, n), 0);
}

static void rx_arp_from(const struct axn_mac *eth_dst, uint16_t op, const struct axn_mac *sha,
                        axn_ip4_t spa, const struct axn_mac *tha, axn_ip4_t tpa)
{
    const struct axn_arp a = {
        .op = op, .sender_mac = *sha, .sender_ip = spa, .target_mac = *tha, .target_ip = tpa};
    uint8_t arp[AXN_ARP_LEN];
    uint8_t frame[MOCK_FRAME_MAX];
    assert_int_equal(axn_arp_emit(&a, arp, sizeof(arp)), AXN_ARP_LEN);
    size_t n = build_eth(frame, eth_dst, sha, AXN_ETHERTYPE_ARP, arp, sizeof(arp));
    assert_int_equal(n, ARP_FRAME_LEN);
    assert_int_equal(mock_driver_push_rx(&F.m, frame, n), 0);
}

/* A peer asks for our address (broadcast request). */
static void rx_request_from(const struct axn_mac *mac, axn_ip4_t ip)
{
    rx_arp_from(&BCAST, AXN_ARP_OP_REQUEST, mac, ip, &ZERO_MAC, OUR_IP);
}

/* A peer answers our request (unicast reply). */
static void rx_reply_from(const struct axn_mac *mac, axn_ip4_t ip)
{
    rx_arp_from(&OUR_MAC, AXN_ARP_OP_REPLY, mac, ip, &OUR_MAC, OUR_IP);
}

/* Runs recv until the driver is dry; returns the IP packets delivered. */
static int recv_all(axn_time_t now)
{
    uint8_t out[AXN_PKT_SLOT_SIZE];
    struct axn_rx_meta meta;
    int packets = 0;
    while (F.dev->ops->recv(F.dev, out, sizeof(out), &meta, now) > 0)
        packets++;
    return packets;
}

static int send_pkt(axn_ip4_t hop, size_t len, uint8_t tag, axn_time_t now)
{
    uint8_t pkt[AXN_PKT_SLOT_SIZE];
    memset(pkt, tag, len);
    return F.dev->ops->send(F.dev, hop, pkt, len, now);
}

/* Parses recorded TX frame `i`. */
static struct axn_eth tx_eth(size_t i)
{
    assert_true(i < F.m.tx_count);
    struct axn_eth e;
    assert_int_equal(axn_eth_parse(F.m.tx[i].data, F.m.tx[i].len, &e), 0);
    assert_memory_equal(e.src.b, OUR_MAC.b, AXN_MAC_LEN);
    return e;
}

static struct axn_arp tx_arp(size_t i, struct axn_eth *eth)
{
    *eth = tx_eth(i);
    assert_int_equal(eth->ethertype, AXN_ETHERTYPE_ARP);
    struct axn_arp a;
    assert_int_equal(axn_arp_parse(eth->payload, eth->payload_len, &a), 0);
    return a;
}

/* Asserts TX frame `i` is a broadcast ARP request from us for `target`. */
static void assert_tx_request(size_t i, axn_ip4_t target)
{
    struct axn_eth e;
    struct axn_arp a = tx_arp(i, &e);
    assert_int_equal(F.m.tx[i].len, AXN_ETH_ZLEN);
    assert_memory_equal(e.dst.b, BCAST.b, AXN_MAC_LEN);
    assert_int_equal(a.op, AXN_ARP_OP_REQUEST);
    assert_memory_equal(a.sender_mac.b, OUR_MAC.b, AXN_MAC_LEN);
    assert_int_equal(a.sender_ip, OUR_IP);
    assert_memory_equal(a.target_mac.b, ZERO_MAC.b, AXN_MAC_LEN);
    assert_int_equal(a.target_ip, target);
}

/* Asserts TX frame `i` is an IPv4 frame to `dst` of `len` payload bytes,
 * all equal to `tag`. */
static void assert_tx_ip(size_t i, const struct axn_mac *dst, size_t len, uint8_t tag)
{
    struct axn_eth e = tx_eth(i);
    assert_int_equal(e.ethertype, AXN_ETHERTYPE_IPV4);
    assert_memory_equal(e.dst.b, dst->b, AXN_MAC_LEN);
    for (size_t k = 0; k < len; k++)
        assert_int_equal(e.payload[k], tag);
}

static struct axn_link_stats stats(void)
{
    struct axn_link_stats s;
    axn_if_counters_read(&F.ctr, &s);
    return s;
}

static void expect_stats(struct axn_link_stats want)
{
    struct axn_link_stats s = stats();
    assert_int_equal(s.rx_packets, want.rx_packets);
    assert_int_equal(s.rx_bytes, want.rx_bytes);
    assert_int_equal(s.tx_packets, want.tx_packets);
    assert_int_equal(s.tx_bytes, want.tx_bytes);
    assert_int_equal(s.rx_errors, want.rx_errors);
    assert_int_equal(s.tx_errors, want.tx_errors);
    assert_int_equal(s.rx_dropped, want.rx_dropped);
    assert_int_equal(s.tx_dropped, want.tx_dropped);
}

static size_t arp_entries(axn_time_t now, struct axn_arp_entry *out, size_t max)
{
    return F.dev->ops->arp_entries(F.dev, out, max, now);
}

/* Learns PEER (or any neighbour) through its reply. */
static void learn(const struct axn_mac *mac, axn_ip4_t ip, axn_time_t now)
{
    rx_reply_from(mac, ip);
    assert_int_equal(recv_all(now), 0);
}

/* ---- Construction and IRQ (ETH-1..3, ETH-18) ----------------------------- */

static void eth1_create_rejects_incomplete_driver(void **state)
{
    (void)state;
    struct axn_eth_driver_ops ops = *F.m.drv.ops;
    ops.alloc_tx = NULL;
    struct axn_eth_driver broken = {.ops = &ops, .drv = &F.m};
    const struct axn_eth_dev_params p = {.plat = &F.plat, .driver = &broken, .name = "eth0"};
    struct axn_netdev *dev = NULL;
    assert_int_equal(axn_eth_dev_create(&p, &dev), -AXN_EINVAL);
    assert_null(dev);
    assert_int_equal(axn_eth_dev_create(NULL, &dev), -AXN_EINVAL);
}

static void eth1_create_reports_enomem_without_leaks(void **state)
{
    (void)state;
    const struct axn_eth_dev_params p = {.plat = &F.plat, .driver = &F.m.drv, .name = "eth0"};
    struct axn_netdev *dev = NULL;
    axn_test_fail_alloc_after(0); /* the device itself */
    assert_int_equal(axn_eth_dev_create(&p, &dev), -AXN_ENOMEM);
    axn_test_fail_alloc_after(1); /* the pending queue */
    assert_int_equal(axn_eth_dev_create(&p, &dev), -AXN_ENOMEM);
    assert_null(dev);
    axn_test_fail_alloc_after(SIZE_MAX);
    assert_int_equal(axn_test_live_allocs(), 0);
}

static void eth1_device_identity(void **state)
{
    (void)state;
    assert_int_equal(F.dev->ifindex, IFINDEX);
    assert_string_equal(F.dev->name, "eth0");
    assert_int_equal(F.dev->kind, AXN_IFACE_ETHERNET);
    struct axn_mac mac;
    assert_true(F.dev->ops->mac(F.dev, &mac));
    assert_memory_equal(mac.b, OUR_MAC.b, AXN_MAC_LEN);
    /* ETH-6: the MAC is read from the driver each time. */
    F.m.mac = OTHER_MAC;
    assert_true(F.dev->ops->mac(F.dev, &mac));
    assert_memory_equal(mac.b, OTHER_MAC.b, AXN_MAC_LEN);
}

static void eth2_irq_registered_when_driver_and_registrar_agree(void **state)
{
    (void)state;
    F.m.irq = 5;
    F.m.has_handler = true;
    F.plat.irq_register = mock_irq_register;
    F.plat.irq_unregister = mock_irq_unregister;
    create_dev(false);
    assert_int_equal(F.reg_calls, 1);
    assert_int_equal(F.reg_irq, 5);
    assert_string_equal(F.reg_name, "eth0");
    assert_int_equal(F.m.irq_enabled, 1);
    assert_int_equal(F.warns, 0);
    assert_true(F.dev->ops->has_wake_source(F.dev));
}

static void eth2_missing_registrar_polls_with_warning(void **state)
{
    (void)state;
    F.m.irq = 5;
    F.m.has_handler = true;
    create_dev(false);
    assert_int_equal(F.warns, 1);
    assert_int_equal(F.m.take_handler_calls, 0); /* the handler stays with the driver */
    assert_int_equal(F.m.irq_enabled, 0);
    assert_false(F.dev->ops->has_wake_source(F.dev));
}

static void eth2_registration_failure_polls_with_warning(void **state)
{
    (void)state;
    F.m.irq = 5;
    F.m.has_handler = true;
    F.plat.irq_register = mock_irq_register;
    F.plat.irq_unregister = mock_irq_unregister;
    F.reg_err = -AXN_EBUSY;
    create_dev(false);
    assert_int_equal(F.reg_calls, 1);
    assert_int_equal(F.warns, 1);
    assert_int_equal(F.m.irq_enabled, 0);
    assert_false(F.dev->ops->has_wake_source(F.dev));
    F.dev->ops->destroy(F.dev);
    F.dev = NULL;
    assert_int_equal(F.unreg_calls, 0); /* nothing to undo */
}

static void eth2_missing_handler_polls_with_warning(void **state)
{
    (void)state;
    F.m.irq = 5;
    F.m.has_handler = false;
    F.plat.irq_register = mock_irq_register;
    create_dev(false);
    assert_int_equal(F.m.take_handler_calls, 1);
    assert_int_equal(F.reg_calls, 0);
    assert_int_equal(F.warns, 1);
    assert_false(F.dev->ops->has_wake_source(F.dev));
}

static void eth2_device_without_irq_polls_silently(void **state)
{
    (void)state;
    F.plat.irq_register = mock_irq_register;
    create_dev(false);
    assert_int_equal(F.reg_calls, 0);
    assert_int_equal(F.warns, 0);
    assert_false(F.dev->ops->has_wake_source(F.dev));
}

static void eth18_oob_rx_is_a_wake_source(void **state)
{
    (void)state;
    create_dev(true);
    assert_true(F.dev->ops->has_wake_source(F.dev));
}

static void eth3_irq_action_wakes_only_for_work_events(void **state)
{
    (void)state;
    F.m.irq = 9;
    F.m.has_handler = true;
    F.plat.irq_register = mock_irq_register;
    F.plat.irq_unregister = mock_irq_unregister;
    create_dev(false);
    const struct {
        uint32_t events;
        int wake;
    } cases[] = {
        {AXN_IRQ_RX_READY, 1},
        {AXN_IRQ_TX_DONE, 1},
        {AXN_IRQ_RX_ERROR, 1},
        {AXN_IRQ_SPURIOUS, 0},
        {0, 0},
        {AXN_IRQ_SPURIOUS | AXN_IRQ_TX_DONE, 1},
    };
    int wakes = 0;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        F.m.irq_events = cases[i].events;
        assert_int_equal(F.action(F.action_arg), cases[i].wake);
        wakes += cases[i].wake;
        assert_int_equal(F.wakes, wakes);
    }
    assert_int_equal(F.m.handler_calls, 6);
}

static void eth2_destroy_unregisters_irq(void **state)
{
    (void)state;
    F.m.irq = 5;
    F.m.has_handler = true;
    F.plat.irq_register = mock_irq_register;
    F.plat.irq_unregister = mock_irq_unregister;
    create_dev(false);
    F.dev->ops->destroy(F.dev);
    F.dev = NULL;
    assert_int_equal(F.m.irq_disabled, 1);
    assert_int_equal(F.unreg_calls, 1);
    assert_ptr_equal(F.unreg_handle, &registration_token);
}

/* ---- Receive (ETH-4..9) -------------------------------------------------- */

static void eth7_ipv4_frame_delivered_with_meta(void **state)
{
    (void)state;
    rx_frame(&OUR_MAC, AXN_ETHERTYPE_IPV4, 100, 0x45);
    uint8_t out[AXN_PKT_SLOT_SIZE];
    struct axn_rx_meta meta;
    memset(&meta, 0, sizeof(meta));
    assert_int_equal(F.dev->ops->recv(F.dev, out, sizeof(out), &meta, 0), 100);
    for (size_t i = 0; i < 100; i++)
        assert_int_equal(out[i], 0x45);
    assert_int_equal(meta.ifindex, IFINDEX);
    assert_int_equal(meta.ethertype, AXN_ETHERTYPE_IPV4);
    assert_int_equal(meta.frame_len, 114);
    assert_int_equal(F.m.recycled_rx, 1);
    /* The router counts IP RX when it queues the packet (RT-38). */
    expect_stats((struct axn_link_stats){0});
    assert_int_equal(F.dev->ops->recv(F.dev, out, sizeof(out), &meta, 0), 0);
}

static void eth6_filter_accepts_broadcast_zero_and_own_mac(void **state)
{
    (void)state;
    rx_frame(&BCAST, AXN_ETHERTYPE_IPV4, 20, 1);
    rx_frame(&ZERO_MAC, AXN_ETHERTYPE_IPV4, 20, 2);
    rx_frame(&OUR_MAC, AXN_ETHERTYPE_IPV4, 20, 3);
    uint8_t out[AXN_PKT_SLOT_SIZE];
    struct axn_rx_meta meta;
    for (uint8_t tag = 1; tag <= 3; tag++) {
        assert_int_equal(F.dev->ops->recv(F.dev, out, sizeof(out), &meta, 0), 20);
        assert_int_equal(out[0], tag);
    }
}

static void eth6_filter_ignores_other_unicast_and_multicast_uncounted(void **state)
{
    (void)state;
    rx_frame(&OTHER_MAC, AXN_ETHERTYPE_IPV4, 20, 1);
    rx_frame(&MCAST_MAC, AXN_ETHERTYPE_IPV4, 20, 2);
    rx_arp_from(&OTHER_MAC, AXN_ARP_OP_REQUEST, &PEER_MAC, PEER_IP, &ZERO_MAC, OUR_IP);
    assert_int_equal(recv_all(0), 0);
    assert_int_equal(F.m.recycled_rx, 3);
    assert_int_equal(F.m.tx_count, 0);
    expect_stats((struct axn_link_stats){0});
}

static void eth9_unknown_ethertype_counted_rx_and_dropped(void **state)
{
    (void)state;
    rx_frame(&OUR_MAC, 0x88CC, 46, 0); /* LLDP, 60 bytes */
    assert_int_equal(recv_all(0), 0);
    expect_stats((struct axn_link_stats){.rx_packets = 1, .rx_bytes = 60, .rx_dropped = 1});
}

static void eth9_vlan_frame_counted_rx_and_dropped(void **state)
{
    (void)state;
    rx_frame(&OUR_MAC, AXN_ETHERTYPE_VLAN, 46, 0); /* TEST-4: 0x8100, 60 bytes */
    assert_int_equal(recv_all(0), 0);
    expect_stats((struct axn_link_stats){.rx_packets = 1, .rx_bytes = 60, .rx_dropped = 1});
}

static void eth_ipv6_frame_delivered_with_its_ethertype(void **state)
{
    (void)state;
    rx_frame(&OUR_MAC, AXN_ETHERTYPE_IPV6, 60, 0x60);
    uint8_t out[AXN_PKT_SLOT_SIZE];
    struct axn_rx_meta meta;
    assert_int_equal(F.dev->ops->recv(F.dev, out, sizeof(out), &meta, 0), 60);
    assert_int_equal(meta.ethertype, AXN_ETHERTYPE_IPV6);
    assert_int_equal(meta.frame_len, 74);
    expect_stats((struct axn_link_stats){0});
}

static void eth5_malformed_frame_is_rx_error(void **state)
{
    (void)state;
    const uint8_t runt[10] = {0};
    assert_int_equal(mock_driver_push_rx(&F.m, runt, sizeof(runt)), 0);
    assert_int_equal(recv_all(0), 0);
    expect_stats((struct axn_link_stats){.rx_errors = 1});
    assert_int_equal(F.m.recycled_rx, 1);
}

static void eth4_driver_receive_error_counted_eagain_not(void **state)
{
    (void)state;
    uint8_t out[AXN_PKT_SLOT_SIZE];
    struct axn_rx_meta meta;
    assert_int_equal(F.dev->ops->recv(F.dev, out, sizeof(out), &meta, 0), 0); /* EAGAIN */
    expect_stats((struct axn_link_stats){0});
    F.m.receive_err = -AXN_EIO;
    assert_int_equal(F.dev->ops->recv(F.dev, out, sizeof(out), &meta, 0), 0);
    expect_stats((struct axn_link_stats){.rx_errors = 1});
}

static void eth4_recycle_failure_counted_packet_still_delivered(void **state)
{
    (void)state;
    F.m.recycle_rx_err = -AXN_EIO;
    rx_frame(&OUR_MAC, AXN_ETHERTYPE_IPV4, 40, 7);
    uint8_t out[AXN_PKT_SLOT_SIZE];
    struct axn_rx_meta meta;
    assert_int_equal(F.dev->ops->recv(F.dev, out, sizeof(out), &meta, 0), 40);
    expect_stats((struct axn_link_stats){.rx_errors = 1});
}

static void eth_oversized_frame_rx_dropped(void **state)
{
    (void)state;
    rx_frame(&OUR_MAC, AXN_ETHERTYPE_IPV4, AXN_PKT_SLOT_SIZE + 1, 1);
    rx_frame(&OUR_MAC, AXN_ETHERTYPE_IPV4, AXN_PKT_SLOT_SIZE, 2);
    uint8_t out[MOCK_FRAME_MAX]; /* room to spare: the frame size decides */
    struct axn_rx_meta meta;
    assert_int_equal(F.dev->ops->recv(F.dev, out, sizeof(out), &meta, 0), AXN_PKT_SLOT_SIZE);
    assert_int_equal(out[0], 2);
    expect_stats((struct axn_link_stats){.rx_dropped = 1});
    assert_int_equal(F.m.recycled_rx, 2);
}

static void eth_ip_packet_larger_than_out_buffer_dropped(void **state)
{
    (void)state;
    rx_frame(&OUR_MAC, AXN_ETHERTYPE_IPV4, 100, 1);
    uint8_t out[50];
    struct axn_rx_meta meta;
    assert_int_equal(F.dev->ops->recv(F.dev, out, sizeof(out), &meta, 0), 0);
    expect_stats((struct axn_link_stats){.rx_dropped = 1});
}

static void eth4_recv_consumes_side_frames_until_one_ip_packet(void **state)
{
    (void)state;
    rx_frame(&OUR_MAC, 0x88CC, 46, 0);
    rx_reply_from(&PEER_MAC, PEER_IP);
    rx_frame(&OUR_MAC, AXN_ETHERTYPE_IPV4, 30, 1);
    rx_frame(&OUR_MAC, AXN_ETHERTYPE_IPV4, 31, 2);
    uint8_t out[AXN_PKT_SLOT_SIZE];
    struct axn_rx_meta meta;
    assert_int_equal(F.dev->ops->recv(F.dev, out, sizeof(out), &meta, 0), 30);
    assert_int_equal(F.m.receives, 3); /* stopped right after the first IP packet */
    assert_int_equal(F.dev->ops->recv(F.dev, out, sizeof(out), &meta, 0), 31);
    assert_int_equal(F.dev->ops->recv(F.dev, out, sizeof(out), &meta, 0), 0);
    assert_int_equal(F.m.recycled_rx, 4);
}

/* ---- ARP input (ETH-12) -------------------------------------------------- */

static void eth12_request_for_us_learns_and_replies(void **state)
{
    (void)state;
    rx_request_from(&PEER_MAC, PEER_IP);
    assert_int_equal(recv_all(T_S(1)), 0);
    /* The reply, byte for byte. */
    assert_int_equal(F.m.tx_count, 1);
    uint8_t want_arp[AXN_ARP_LEN];
    const struct axn_arp r = {.op = AXN_ARP_OP_REPLY,
                              .sender_mac = OUR_MAC,
                              .sender_ip = OUR_IP,
                              .target_mac = PEER_MAC,
                              .target_ip = PEER_IP};
    axn_arp_emit(&r, want_arp, sizeof(want_arp));
    uint8_t want[AXN_ETH_ZLEN];
    const struct axn_eth e = {.dst = PEER_MAC,
                              .src = OUR_MAC,
                              .ethertype = AXN_ETHERTYPE_ARP,
                              .payload = want_arp,
                              .payload_len = sizeof(want_arp)};
    assert_int_equal(axn_eth_emit(&e, want, sizeof(want), AXN_ETH_EMIT_PAD), AXN_ETH_ZLEN);
    assert_int_equal(F.m.tx[0].len, AXN_ETH_ZLEN);
    assert_memory_equal(F.m.tx[0].data, want, AXN_ETH_ZLEN);
    /* TEST-4: request RX counted as 42, reply TX as 60. */
    expect_stats((struct axn_link_stats){
        .rx_packets = 1, .rx_bytes = ARP_FRAME_LEN, .tx_packets = 1, .tx_bytes = AXN_ETH_ZLEN});
    struct axn_arp_entry ent[2];
    assert_int_equal(arp_entries(T_S(1), ent, 2), 1);
    assert_int_equal(ent[0].ip, PEER_IP);
    assert_memory_equal(ent[0].mac.b, PEER_MAC.b, AXN_MAC_LEN);
}

static void eth12_reply_for_us_learns_without_replying(void **state)
{
    (void)state;
    learn(&PEER_MAC, PEER_IP, 0);
    assert_int_equal(F.m.tx_count, 0);
    expect_stats((struct axn_link_stats){.rx_packets = 1, .rx_bytes = ARP_FRAME_LEN});
    struct axn_arp_entry ent[1];
    assert_int_equal(arp_entries(0, ent, 1), 1);
}

static void eth12_step1_ignores_unicast_target_mac_not_ours(void **state)
{
    (void)state;
    rx_arp_from(&BCAST, AXN_ARP_OP_REQUEST, &PEER_MAC, PEER_IP, &OTHER_MAC, OUR_IP);
    assert_int_equal(recv_all(0), 0);
    assert_int_equal(F.m.tx_count, 0);
    assert_int_equal(arp_entries(0, NULL, 0), 0);
    expect_stats((struct axn_link_stats){.rx_packets = 1, .rx_bytes = ARP_FRAME_LEN});
    /* Broadcast and multicast target MACs name no one station: accepted
     * (only a unicast one not ours is ignored). */
    rx_arp_from(&BCAST, AXN_ARP_OP_REQUEST, &PEER_MAC, PEER_IP, &BCAST, OUR_IP);
    assert_int_equal(recv_all(0), 0);
    assert_int_equal(arp_entries(0, NULL, 0), 1);
    rx_arp_from(&BCAST, AXN_ARP_OP_REQUEST, &C_MAC, C_IP, &MCAST_MAC, OUR_IP);
    assert_int_equal(recv_all(0), 0);
    assert_int_equal(arp_entries(0, NULL, 0), 2);
}

static void eth12_step2_ignores_unknown_operation(void **state)
{
    (void)state;
    rx_arp_from(&BCAST, 3 /* RARP request */, &PEER_MAC, PEER_IP, &ZERO_MAC, OUR_IP);
    assert_int_equal(recv_all(0), 0);
    assert_int_equal(F.m.tx_count, 0);
    assert_int_equal(arp_entries(0, NULL, 0), 0);
}

static void eth12_step3_ignores_invalid_sender(void **state)
{
    (void)state;
    rx_request_from(&MCAST_MAC, PEER_IP);
    rx_request_from(&ZERO_MAC, PEER_IP);
    rx_request_from(&BCAST, PEER_IP);
    rx_request_from(&PEER_MAC, AXN_IP4(255, 255, 255, 255));
    rx_request_from(&PEER_MAC, AXN_IP4(224, 0, 0, 1));
    /* (Sender 0.0.0.0 asking for our address is an RFC 5227 probe: it is
     * answered, learning nothing; test_dhcp_client's conflict test.) */
    assert_int_equal(recv_all(0), 0);
    assert_int_equal(F.m.tx_count, 0);
    assert_int_equal(arp_entries(0, NULL, 0), 0);
    expect_stats((struct axn_link_stats){.rx_packets = 5, .rx_bytes = 5 * ARP_FRAME_LEN});
}

static void eth12_step4_ignores_other_target_ip(void **state)
{
    (void)state;
    /* Another host's gratuitous ARP is not learned. */
    rx_arp_from(&BCAST, AXN_ARP_OP_REQUEST, &PEER_MAC, PEER_IP, &ZERO_MAC, PEER_IP);
    rx_arp_from(&BCAST, AXN_ARP_OP_REQUEST, &PEER_MAC, PEER_IP, &ZERO_MAC, C_IP);
    assert_int_equal(recv_all(0), 0);
    assert_int_equal(F.m.tx_count, 0);
    assert_int_equal(arp_entries(0, NULL, 0), 0);
}

#define GARP_TEST_PKT_LEN 40
#define GARP_TEST_FILL    0x5a

/* Linux arp_process, better than ETH-12 step 4: an ARP from a host we are
 * resolving updates its entry even when not aimed at us, so a gratuitous
 * announcement flushes the packet waiting for it; no reply is sent. */
static void eth12_gratuitous_arp_completes_a_pending_entry(void **state)
{
    (void)state;
    uint8_t pkt[GARP_TEST_PKT_LEN];
    memset(pkt, GARP_TEST_FILL, sizeof(pkt));
    assert_int_equal(F.dev->ops->send(F.dev, PEER_IP, pkt, sizeof(pkt), 0), 0);
    assert_int_equal(F.m.tx_count, 1); /* our request */
    rx_arp_from(&BCAST, AXN_ARP_OP_REQUEST, &PEER_MAC, PEER_IP, &ZERO_MAC, PEER_IP);
    assert_int_equal(recv_all(0), 0);
    assert_int_equal(F.m.tx_count, 2); /* the waiting packet, no reply */
    assert_memory_equal(F.m.tx[1].data, PEER_MAC.b, AXN_MAC_LEN);
    struct axn_arp_entry ent[1];
    assert_int_equal(arp_entries(0, ent, 1), 1);
    assert_memory_equal(ent[0].mac.b, PEER_MAC.b, AXN_MAC_LEN);
}

static void eth12_step4_ignores_everything_without_ipv4(void **state)
{
    (void)state;
    rx_request_from(&PEER_MAC, PEER_IP);
    assert_int_equal(recv_all(0), 0);
    assert_int_equal(F.m.tx_count, 0);
    assert_int_equal(arp_entries(0, NULL, 0), 0);
    expect_stats((struct axn_link_stats){.rx_packets = 1, .rx_bytes = ARP_FRAME_LEN});
}

static void eth12_malformed_arp_is_rx_error_and_still_counted(void **state)
{
    (void)state;
    uint8_t junk[20];
    memset(junk, 0, sizeof(junk));
    uint8_t frame[MOCK_FRAME_MAX];
    size_t n = build_eth(frame, &BCAST, &PEER_MAC, AXN_ETHERTYPE_ARP, junk, sizeof(junk));
    assert_int_equal(mock_driver_push_rx(&F.m, frame, n), 0);
    assert_int_equal(recv_all(0), 0);
    expect_stats((struct axn_link_stats){.rx_packets = 1, .rx_bytes = n, .rx_errors = 1});
}

static void eth12_consecutive_arp_frames_accumulate(void **state)
{
    (void)state;
    learn(&PEER_MAC, PEER_IP, 0);
    learn(&GW_MAC, GW_IP, 0);
    rx_request_from(&C_MAC, C_IP);
    assert_int_equal(recv_all(0), 0);
    expect_stats((struct axn_link_stats){
        .rx_packets = 3, .rx_bytes = 3 * ARP_FRAME_LEN, .tx_packets = 1, .tx_bytes = AXN_ETH_ZLEN});
    assert_int_equal(arp_entries(0, NULL, 0), 3);
}

/* ETH-4/8 (TEST-4 name): an ARP request then an IP frame in one recv. */
static void combined_arp_ip_recv_drain_cycle(void **state)
{
    (void)state;
    rx_request_from(&PEER_MAC, PEER_IP);
    rx_frame(&OUR_MAC, AXN_ETHERTYPE_IPV4, 1500, 9);
    uint8_t out[AXN_PKT_SLOT_SIZE];
    struct axn_rx_meta meta;
    assert_int_equal(F.dev->ops->recv(F.dev, out, sizeof(out), &meta, 0), 1500);
    assert_int_equal(meta.frame_len, 1514);
    /* Side path only: ARP RX 42, reply TX 60. */
    expect_stats((struct axn_link_stats){
        .rx_packets = 1, .rx_bytes = ARP_FRAME_LEN, .tx_packets = 1, .tx_bytes = AXN_ETH_ZLEN});
}

static void eth12_step5_learning_ends_resolution(void **state)
{
    (void)state;
    assert_int_equal(send_pkt(PEER_IP, 50, 1, 0), 0);
    assert_int_equal(F.dev->ops->next_deadline(F.dev), T_S(1));
    learn(&PEER_MAC, PEER_IP, T_MS(200));
    assert_int_equal(F.dev->ops->next_deadline(F.dev), AXN_TIME_NEVER);
    F.dev->ops->tick(F.dev, T_S(5));
    assert_int_equal(F.m.tx_count, 2); /* request + the drained packet, no retry */
}

/* A real IPv4 packet src_ip -> OUR_IP in a frame from src_mac to us. */
static void rx_ipv4_from(const struct axn_mac *src_mac, axn_ip4_t src_ip, uint8_t tag)
{
    uint8_t pkt[FAKE_NETDEV_PKT_MAX];
    uint8_t frame[MOCK_FRAME_MAX];
    const size_t len = fake_build_ipv4(pkt, sizeof(pkt), src_ip, OUR_IP, IP_PAYLOAD, tag);
    const size_t n = build_eth(frame, &OUR_MAC, src_mac, AXN_ETHERTYPE_IPV4, pkt, len);
    assert_int_equal(mock_driver_push_rx(&F.m, frame, n), 0);
}

static void eth13_no_learning_or_refresh_from_ip(void **state)
{
    (void)state;
    /* An IP frame from a station we never resolved teaches us nothing. */
    rx_ipv4_from(&C_MAC, C_IP, 1);
    assert_int_equal(recv_all(T_S(1)), 1);
    assert_int_equal(arp_entries(T_S(1), NULL, 0), 0);
    /* Sending to it still has to ask. */
    assert_int_equal(send_pkt(C_IP, 60, 2, T_S(1)), 0);
    assert_int_equal(F.m.tx_count, 1);
    assert_tx_request(0, C_IP);
    mock_driver_clear_tx(&F.m);

    /* A neighbour learned at 0 expires at NEIGHBOR_TTL whatever IP traffic
     * it sends meanwhile: no refresh on traffic. */
    learn(&PEER_MAC, PEER_IP, 0);
    rx_ipv4_from(&PEER_MAC, PEER_IP, 3);
    assert_int_equal(recv_all(T_S(100)), 1);
    rx_ipv4_from(&PEER_MAC, PEER_IP, 4);
    assert_int_equal(recv_all(NEIGHBOR_TTL - 1), 1);
    struct axn_arp_entry ent[1];
    assert_int_equal(arp_entries(NEIGHBOR_TTL - 1, ent, 1), 1);
    assert_int_equal(ent[0].ip, PEER_IP);
    assert_int_equal(arp_entries(NEIGHBOR_TTL, NULL, 0), 0);
    /* At the expiry a send re-resolves instead of using the old MAC. */
    mock_driver_clear_tx(&F.m);
    assert_int_equal(send_pkt(PEER_IP, 60, 5, NEIGHBOR_TTL), 0);
    assert_int_equal(F.m.tx_count, 1);
    assert_tx_request(0, PEER_IP);
}

/* ---- Send (ETH-10, ETH-11, ETH-17) --------------------------------------- */

static void eth10a_limited_broadcast_sent_to_ff(void **state)
{
    (void)state;
    assert_int_equal(send_pkt(AXN_IP4(255, 255, 255, 255), 100, 3, 0), 114);
    assert_int_equal(F.m.tx_count, 1);
    assert_tx_ip(0, &BCAST, 100, 3);
    expect_stats((struct axn_link_stats){0}); /* the router counts it */
}

static void eth10a_subnet_broadcast_sent_to_ff(void **state)
{
    (void)state;
    assert_int_equal(send_pkt(AXN_IP4(192, 0, 2, 255), 100, 3, 0), 114);
    assert_tx_ip(0, &BCAST, 100, 3);
}

static void eth10a_slash31_has_no_directed_broadcast(void **state)
{
    (void)state;
    set_ip(AXN_IP4(192, 0, 2, 10), 31, 0);
    reset_counts();
    assert_int_equal(send_pkt(AXN_IP4(192, 0, 2, 11), 100, 3, 0), 0);
    assert_tx_request(0, AXN_IP4(192, 0, 2, 11));
}

static void eth_multicast_next_hop_sent_to_group_mac(void **state)
{
    (void)state;
    assert_int_equal(send_pkt(AXN_IP4(224, 0, 0, 251), 100, 3, 0), 114);
    const struct axn_mac group = {{0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb}};
    assert_tx_ip(0, &group, 100, 3);
}

static void eth10b_resolved_next_hop_sent_to_cached_mac(void **state)
{
    (void)state;
    learn(&PEER_MAC, PEER_IP, 0);
    reset_counts();
    assert_int_equal(send_pkt(PEER_IP, 100, 4, T_S(299)), 114);
    assert_int_equal(F.m.tx_count, 1);
    assert_tx_ip(0, &PEER_MAC, 100, 4);
    expect_stats((struct axn_link_stats){0});
}

static void eth10c_expired_neighbour_asked_again(void **state)
{
    (void)state;
    learn(&PEER_MAC, PEER_IP, 0);
    reset_counts();
    /* NEIGHBOR_TTL = 300 s: valid while expires > now. */
    assert_int_equal(send_pkt(PEER_IP, 100, 4, T_S(300)), 0);
    assert_int_equal(F.m.tx_count, 1);
    assert_tx_request(0, PEER_IP);
    expect_stats((struct axn_link_stats){.tx_packets = 1, .tx_bytes = AXN_ETH_ZLEN});
}

static void eth10d_one_request_per_retry_interval(void **state)
{
    (void)state;
    assert_int_equal(send_pkt(PEER_IP, 100, 1, 0), 0);
    assert_int_equal(send_pkt(PEER_IP, 100, 2, T_MS(999)), 0);
    assert_int_equal(F.m.tx_count, 1);
    assert_int_equal(send_pkt(PEER_IP, 100, 3, T_MS(1000)), 0);
    assert_int_equal(F.m.tx_count, 2);
    assert_tx_request(0, PEER_IP);
    assert_tx_request(1, PEER_IP);
    /* A different next hop is asked at once. */
    assert_int_equal(send_pkt(GW_IP, 100, 4, T_MS(1000)), 0);
    assert_tx_request(2, GW_IP);
    expect_stats((struct axn_link_stats){.tx_packets = 3, .tx_bytes = 3 * AXN_ETH_ZLEN});
}

static void eth10e_failed_request_drops_the_packet(void **state)
{
    (void)state;
    F.m.alloc_err = -AXN_ENOMEM;
    assert_true(send_pkt(PEER_IP, 100, 1, 0) < 0);
    expect_stats((struct axn_link_stats){.tx_errors = 1});
    F.m.alloc_err = 0;
    /* Nothing was queued and no request is outstanding: the next send asks. */
    assert_int_equal(send_pkt(PEER_IP, 100, 2, T_MS(1)), 0);
    assert_tx_request(0, PEER_IP);
    learn(&PEER_MAC, PEER_IP, T_MS(2));
    assert_int_equal(F.m.tx_count, 2);
    assert_tx_ip(1, &PEER_MAC, 100, 2);
}

static void eth11_request_without_ipv4_is_tx_error(void **state)
{
    (void)state;
    assert_int_equal(send_pkt(PEER_IP, 100, 1, 0), -AXN_EADDRNOTAVAIL);
    assert_int_equal(F.m.tx_count, 0);
    expect_stats((struct axn_link_stats){.tx_errors = 1});
    assert_int_equal(F.dev->ops->next_deadline(F.dev), AXN_TIME_NEVER);
}

static void eth11_arp_request_frame_exact(void **state)
{
    (void)state;
    assert_int_equal(send_pkt(PEER_IP, 100, 1, 0), 0);
    assert_int_equal(F.m.tx_count, 1);
    assert_tx_request(0, PEER_IP);
    /* 42 bytes of header and ARP, then 18 zero bytes of padding. */
    for (size_t i = ARP_FRAME_LEN; i < AXN_ETH_ZLEN; i++)
        assert_int_equal(F.m.tx[0].data[i], 0);
    expect_stats((struct axn_link_stats){.tx_packets = 1, .tx_bytes = AXN_ETH_ZLEN});
}

static void eth10f_pending_full_drops_after_128_queued(void **state)
{
    (void)state;
    const uint32_t hops = AXN_ETH_PENDING_PACKETS / AXN_ARP_PENDING_PER_HOP;
    for (uint32_t h = 0; h < hops; h++)
        for (uint32_t k = 0; k < AXN_ARP_PENDING_PER_HOP; k++)
            assert_int_equal(send_pkt(AXN_IP4(192, 0, 2, 100 + h), 64, 1, 0), 0);
    expect_stats((struct axn_link_stats){.tx_packets = hops, .tx_bytes = hops * AXN_ETH_ZLEN});
    assert_int_equal(send_pkt(AXN_IP4(192, 0, 2, 200), 64, 1, 0), -AXN_ENOBUFS);
    expect_stats((struct axn_link_stats){
        .tx_packets = hops + 1, .tx_bytes = (hops + 1) * AXN_ETH_ZLEN, .tx_dropped = 1});
}

static void eth_per_next_hop_bound(void **state)
{
    (void)state;
    for (uint32_t k = 0; k < AXN_ARP_PENDING_PER_HOP; k++)
        assert_int_equal(send_pkt(DEAD_IP, 64, (uint8_t)k, 0), 0);
    assert_int_equal(send_pkt(DEAD_IP, 64, 0xEE, 0), -AXN_ENOBUFS);
    expect_stats(
        (struct axn_link_stats){.tx_packets = 1, .tx_bytes = AXN_ETH_ZLEN, .tx_dropped = 1});
    /* Another next hop still gets its packets queued. */
    assert_int_equal(send_pkt(GW_IP, 64, 0x77, 0), 0);
    learn(&GW_MAC, GW_IP, T_MS(10));
    assert_tx_ip(F.m.tx_count - 1, &GW_MAC, 64, 0x77);
}

static void eth10_packet_larger_than_a_slot_not_queued(void **state)
{
    (void)state;
    uint8_t big[AXN_PKT_SLOT_SIZE + 1];
    memset(big, 0, sizeof(big));
    assert_int_equal(F.dev->ops->send(F.dev, PEER_IP, big, sizeof(big), 0), -AXN_EMSGSIZE);
    expect_stats(
        (struct axn_link_stats){.tx_packets = 1, .tx_bytes = AXN_ETH_ZLEN, .tx_dropped = 1});
}

/* ETH-17 (TEST-4 name): payload 0 -> 60, 46 -> 60, 100 -> 114. */
static void send_to_wire_len_respects_eth_zlen_padding(void **state)
{
    (void)state;
    const struct {
        size_t payload;
        int frame;
    } cases[] = {{0, 60}, {46, 60}, {100, 114}};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(send_pkt(AXN_IP4(255, 255, 255, 255), cases[i].payload, 0x5A, 0),
                         cases[i].frame);
        assert_int_equal(F.m.tx[i].len, (size_t)cases[i].frame);
        for (size_t k = AXN_ETH_HLEN + cases[i].payload; k < F.m.tx[i].len; k++)
            assert_int_equal(F.m.tx[i].data[k], 0);
    }
}

static void eth17_alloc_failure_on_broadcast_is_one_tx_error(void **state)
{
    (void)state;
    F.m.alloc_err = -AXN_ENOMEM;
    assert_int_equal(send_pkt(AXN_IP4(255, 255, 255, 255), 100, 1, 0), -AXN_ENOMEM);
    assert_int_equal(F.m.tx_count, 0);
    expect_stats((struct axn_link_stats){.tx_errors = 1});
}

static void eth17_transmit_and_recycle_failures_are_tx_errors(void **state)
{
    (void)state;
    F.m.transmit_err = -AXN_EIO;
    assert_int_equal(send_pkt(AXN_IP4(255, 255, 255, 255), 100, 1, 0), -AXN_EIO);
    F.m.transmit_err = 0;
    F.m.recycle_tx_err = -AXN_EIO;
    assert_int_equal(send_pkt(AXN_IP4(255, 255, 255, 255), 100, 1, 0), -AXN_EIO);
    assert_int_equal(F.m.allocs, 1); /* no allocation after a failed recycle */
    F.m.recycle_tx_err = 0;
    F.m.alloc_err = -AXN_EAGAIN;
    /* A transient "try later" still means this packet is gone. */
    assert_int_equal(send_pkt(AXN_IP4(255, 255, 255, 255), 100, 1, 0), -AXN_ENOBUFS);
    assert_int_equal(F.m.tx_count, 0);
    expect_stats((struct axn_link_stats){.tx_errors = 3});
}

static void eth17_frame_emission_recycles_tx_first(void **state)
{
    (void)state;
    assert_int_equal(send_pkt(AXN_IP4(255, 255, 255, 255), 10, 1, 0), 60);
    assert_int_equal(F.m.recycle_tx_calls, 1);
    assert_int_equal(F.m.allocs, 1);
}

/* ---- Pending queue (ETH-12 step 7, ETH-14, TEST-31) ---------------------- */

static void eth_pending_queue_drains_all_in_order(void **state)
{
    (void)state;
    assert_int_equal(send_pkt(PEER_IP, 60, 1, 0), 0);
    assert_int_equal(send_pkt(GW_IP, 61, 2, 0), 0);
    assert_int_equal(send_pkt(PEER_IP, 62, 3, 0), 0);
    assert_int_equal(send_pkt(C_IP, 63, 4, 0), 0);
    assert_int_equal(send_pkt(GW_IP, 64, 5, 0), 0);
    assert_int_equal(send_pkt(PEER_IP, 65, 6, 0), 0);
    assert_int_equal(F.m.tx_count, 3); /* one request per next hop */
    reset_counts();

    learn(&PEER_MAC, PEER_IP, T_MS(10));
    assert_int_equal(F.m.tx_count, 3);
    assert_tx_ip(0, &PEER_MAC, 60, 1);
    assert_tx_ip(1, &PEER_MAC, 62, 3);
    assert_tx_ip(2, &PEER_MAC, 65, 6);
    /* Flushed packets are the adapter's to count. */
    expect_stats((struct axn_link_stats){
        .rx_packets = 1, .rx_bytes = ARP_FRAME_LEN, .tx_packets = 3, .tx_bytes = 74 + 76 + 79});

    mock_driver_clear_tx(&F.m);
    learn(&GW_MAC, GW_IP, T_MS(20));
    assert_int_equal(F.m.tx_count, 2);
    assert_tx_ip(0, &GW_MAC, 61, 2);
    assert_tx_ip(1, &GW_MAC, 64, 5);

    mock_driver_clear_tx(&F.m);
    rx_request_from(&C_MAC, C_IP); /* a request teaches us too */
    assert_int_equal(recv_all(T_MS(30)), 0);
    assert_int_equal(F.m.tx_count, 2); /* the reply, then the packet */
    assert_tx_ip(1, &C_MAC, 63, 4);
    assert_int_equal(F.dev->ops->next_deadline(F.dev), AXN_TIME_NEVER);
}

static void eth_dead_next_hop_does_not_block_live_one(void **state)
{
    (void)state;
    /* A SYN to a bogus address at the head, the gateway's behind it. */
    assert_int_equal(send_pkt(DEAD_IP, 60, 0xDD, 0), 0);
    assert_int_equal(send_pkt(GW_IP, 60, 0x66, 0), 0);
    mock_driver_clear_tx(&F.m);
    learn(&GW_MAC, GW_IP, T_MS(100));
    assert_int_equal(F.m.tx_count, 1);
    assert_tx_ip(0, &GW_MAC, 60, 0x66);
    /* The dead one still waits (its retry is due at 1 s). */
    assert_int_equal(F.dev->ops->next_deadline(F.dev), T_S(1));
    assert_int_equal(F.reports, 0);
}

static void eth_arp_retry_driven_by_timer(void **state)
{
    (void)state;
    assert_int_equal(send_pkt(DEAD_IP, 60, 1, 0), 0);
    assert_int_equal(F.dev->ops->next_deadline(F.dev), T_S(1));
    F.dev->ops->tick(F.dev, T_MS(999));
    assert_int_equal(F.m.tx_count, 1);
    F.dev->ops->tick(F.dev, T_S(1));
    assert_int_equal(F.m.tx_count, 2);
    assert_tx_request(1, DEAD_IP);
    assert_int_equal(F.dev->ops->next_deadline(F.dev), T_S(2));
    F.dev->ops->tick(F.dev, T_S(2));
    assert_int_equal(F.m.tx_count, 3);
    assert_tx_request(2, DEAD_IP);
    assert_int_equal(F.dev->ops->next_deadline(F.dev), T_S(3));
    expect_stats((struct axn_link_stats){.tx_packets = 3, .tx_bytes = 3 * AXN_ETH_ZLEN});
    assert_int_equal(F.reports, 0);
}

static void eth_resolution_failure_drops_and_reports_unreachable(void **state)
{
    (void)state;
    assert_int_equal(send_pkt(DEAD_IP, 60, 1, 0), 0);
    assert_int_equal(send_pkt(GW_IP, 61, 2, T_MS(100)), 0);
    assert_int_equal(send_pkt(DEAD_IP, 62, 3, T_MS(500)), 0);
    F.dev->ops->tick(F.dev, T_S(1)); /* request #2 to DEAD (GW is due at 1.1 s) */
    learn(&GW_MAC, GW_IP, T_MS(1500));
    F.dev->ops->tick(F.dev, T_S(2)); /* request #3 to DEAD */
    assert_int_equal(F.reports, 0);
    reset_counts();

    /* AXN_ARP_MAX_REQUESTS unanswered, the last one RETRY ago: failed. */
    F.dev->ops->tick(F.dev, T_S(3));
    assert_int_equal(F.reports, 2);
    assert_int_equal(F.report_tag[0], 1);
    assert_int_equal(F.report_len[0], 60);
    assert_int_equal(F.report_tag[1], 3);
    assert_int_equal(F.report_len[1], 62);
    assert_int_equal(F.report_ifindex, IFINDEX);
    assert_int_equal(F.report_now, T_S(3));
    assert_int_equal(F.m.tx_count, 0); /* no 4th request */
    expect_stats((struct axn_link_stats){.tx_dropped = 2});
    assert_int_equal(F.dev->ops->next_deadline(F.dev), AXN_TIME_NEVER);
    /* A new packet starts a new resolution at once. */
    assert_int_equal(send_pkt(DEAD_IP, 60, 4, T_MS(3001)), 0);
    assert_tx_request(0, DEAD_IP);
}

static void eth_pending_packets_age_out(void **state)
{
    (void)state;
    assert_int_equal(send_pkt(DEAD_IP, 60, 1, 0), 0);
    assert_int_equal(send_pkt(DEAD_IP, 61, 2, T_MS(800)), 0);
    reset_counts();
    /* The timer runs late: at 3.5 s only one retry is due, resolution has
     * not failed yet, but the first packet waited longer than 3 s. */
    F.dev->ops->tick(F.dev, T_MS(3500));
    assert_int_equal(F.m.tx_count, 1);
    assert_tx_request(0, DEAD_IP);
    assert_int_equal(F.reports, 1);
    assert_int_equal(F.report_tag[0], 1);
    expect_stats(
        (struct axn_link_stats){.tx_packets = 1, .tx_bytes = AXN_ETH_ZLEN, .tx_dropped = 1});
    /* The second packet is due to age out at 3.8 s, before the next retry. */
    assert_int_equal(F.dev->ops->next_deadline(F.dev), T_MS(3800));
    F.dev->ops->tick(F.dev, T_MS(3799));
    assert_int_equal(F.reports, 1);
    F.dev->ops->tick(F.dev, T_MS(3800));
    assert_int_equal(F.reports, 2);
    assert_int_equal(F.report_tag[1], 2);
}

static void eth_evicted_resolution_restarted_for_waiting_packets(void **state)
{
    (void)state;
    assert_int_equal(send_pkt(DEAD_IP, 60, 1, 0), 0);
    mock_driver_clear_tx(&F.m);
    /* A table full of new neighbours pushes the oldest entry, DEAD's
     * resolution, out with the last one learned. */
    for (uint32_t i = 0; i < AXN_ARP_CACHE_SIZE; i++) {
        const struct axn_mac m = {{0x02, 0x00, 0x00, 0x00, 0x01, (uint8_t)i}};
        rx_reply_from(&m, AXN_IP4(192, 0, 2, 100 + i));
    }
    assert_int_equal(recv_all(T_MS(500)), 0);
    /* The drain after that ARP input sees the packet still waiting with
     * nobody asking for its next hop, and asks again (taking a slot). */
    assert_int_equal(F.m.tx_count, 1);
    assert_tx_request(0, DEAD_IP);
    assert_int_equal(arp_entries(T_MS(500), NULL, 0), AXN_ARP_CACHE_SIZE - 1);
    assert_int_equal(F.dev->ops->next_deadline(F.dev), T_MS(1500));
    F.dev->ops->tick(F.dev, T_MS(1500));
    assert_int_equal(F.m.tx_count, 2);
    assert_tx_request(1, DEAD_IP);
}

/* ---- Reconfiguration and export (ETH-15, ETH-16, RFC 5227) --------------- */

static void eth_gratuitous_arp_on_set_ipv4(void **state)
{
    (void)state;
    set_ip(OUR_IP, PREFIX, 0);
    assert_int_equal(F.m.tx_count, 1);
    struct axn_eth e;
    struct axn_arp a = tx_arp(0, &e);
    assert_memory_equal(e.dst.b, BCAST.b, AXN_MAC_LEN);
    assert_int_equal(F.m.tx[0].len, AXN_ETH_ZLEN);
    assert_int_equal(a.op, AXN_ARP_OP_REQUEST);
    assert_memory_equal(a.sender_mac.b, OUR_MAC.b, AXN_MAC_LEN);
    assert_int_equal(a.sender_ip, OUR_IP);
    assert_int_equal(a.target_ip, OUR_IP);
    assert_memory_equal(a.target_mac.b, ZERO_MAC.b, AXN_MAC_LEN);
    expect_stats((struct axn_link_stats){.tx_packets = 1, .tx_bytes = AXN_ETH_ZLEN});
    /* Clearing the address announces nothing. */
    F.dev->ops->set_ipv4(F.dev, NULL, 0);
    assert_int_equal(F.m.tx_count, 1);
}

static void eth15_set_ipv4_clears_neighbours_requests_and_pending(void **state)
{
    (void)state;
    learn(&GW_MAC, GW_IP, 0);
    assert_int_equal(send_pkt(PEER_IP, 60, 1, 0), 0);
    assert_int_equal(send_pkt(PEER_IP, 60, 2, 0), 0);
    reset_counts();
    set_ip(AXN_IP4(198, 51, 100, 20), PREFIX, T_MS(100));
    assert_int_equal(arp_entries(T_MS(100), NULL, 0), 0);
    /* Pending packets dropped and counted, not reported. */
    expect_stats((struct axn_link_stats){
        .tx_packets = 1, .tx_bytes = AXN_ETH_ZLEN, .tx_dropped = 2}); /* + announcement */
    assert_int_equal(F.reports, 0);
    assert_int_equal(F.dev->ops->next_deadline(F.dev), AXN_TIME_NEVER);
    /* The outstanding request is forgotten: asking again within 1 s. */
    mock_driver_clear_tx(&F.m);
    assert_int_equal(send_pkt(AXN_IP4(198, 51, 100, 1), 60, 3, T_MS(200)), 0);
    assert_int_equal(F.m.tx_count, 1);
    /* Replies now target the new address. */
    rx_arp_from(&OUR_MAC, AXN_ARP_OP_REPLY, &GW_MAC, GW_IP, &OUR_MAC, OUR_IP);
    assert_int_equal(recv_all(T_MS(300)), 0);
    assert_int_equal(arp_entries(T_MS(300), NULL, 0), 0);
}

/* ETH-15 (TEST-4 name): counters are cumulative across reconfiguration. */
static void set_ipv4_addr_preserves_undrained_frame_lens(void **state)
{
    (void)state;
    learn(&PEER_MAC, PEER_IP, 0);
    rx_frame(&OUR_MAC, 0x88CC, 46, 0);
    assert_int_equal(recv_all(0), 0);
    set_ip(OUR_IP, PREFIX, T_MS(1));
    expect_stats((struct axn_link_stats){.rx_packets = 2,
                                         .rx_bytes = ARP_FRAME_LEN + 60,
                                         .tx_packets = 1,
                                         .tx_bytes = AXN_ETH_ZLEN,
                                         .rx_dropped = 1});
}

static void eth16_arp_entries_export(void **state)
{
    (void)state;
    learn(&PEER_MAC, PEER_IP, 0);
    learn(&GW_MAC, GW_IP, T_S(10));
    struct axn_arp_entry ent[2];
    memset(ent, 0x55, sizeof(ent));
    assert_int_equal(arp_entries(T_S(20), ent, 2), 2);
    for (int i = 0; i < 2; i++) {
        const bool peer = ent[i].ip == PEER_IP;
        assert_true(peer || ent[i].ip == GW_IP);
        assert_memory_equal(ent[i].mac.b, (peer ? PEER_MAC : GW_MAC).b, AXN_MAC_LEN);
        assert_int_equal(ent[i].hw_type, AXN_ARPHRD_ETHER);
        assert_int_equal(ent[i].flags, AXN_ATF_COM);
        assert_string_equal(ent[i].dev, "eth0");
    }
    assert_int_equal(arp_entries(T_S(20), ent, 1), 2); /* total, one written */
    /* Expired entries vanish: PEER learned at 0 expires at 300 s. */
    assert_int_equal(arp_entries(T_S(300), ent, 2), 1);
    assert_int_equal(ent[0].ip, GW_IP);
    assert_int_equal(arp_entries(T_S(310), ent, 2), 0);
    /* Incomplete entries are not shown. */
    assert_int_equal(send_pkt(C_IP, 60, 1, T_S(310)), 0);
    assert_int_equal(arp_entries(T_S(310), ent, 2), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(eth1_create_rejects_incomplete_driver, setup_bare,
                                        teardown),
        cmocka_unit_test_setup_teardown(eth1_create_reports_enomem_without_leaks, setup_bare,
                                        teardown),
        cmocka_unit_test_setup_teardown(eth1_device_identity, setup, teardown),
        cmocka_unit_test_setup_teardown(eth2_irq_registered_when_driver_and_registrar_agree,
                                        setup_bare, teardown),
        cmocka_unit_test_setup_teardown(eth2_missing_registrar_polls_with_warning, setup_bare,
                                        teardown),
        cmocka_unit_test_setup_teardown(eth2_registration_failure_polls_with_warning, setup_bare,
                                        teardown),
        cmocka_unit_test_setup_teardown(eth2_missing_handler_polls_with_warning, setup_bare,
                                        teardown),
        cmocka_unit_test_setup_teardown(eth2_device_without_irq_polls_silently, setup_bare,
                                        teardown),
        cmocka_unit_test_setup_teardown(eth18_oob_rx_is_a_wake_source, setup_bare, teardown),
        cmocka_unit_test_setup_teardown(eth3_irq_action_wakes_only_for_work_events, setup_bare,
                                        teardown),
        cmocka_unit_test_setup_teardown(eth2_destroy_unregisters_irq, setup_bare, teardown),
        cmocka_unit_test_setup_teardown(eth7_ipv4_frame_delivered_with_meta, setup, teardown),
        cmocka_unit_test_setup_teardown(eth6_filter_accepts_broadcast_zero_and_own_mac, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(eth6_filter_ignores_other_unicast_and_multicast_uncounted,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(eth9_unknown_ethertype_counted_rx_and_dropped, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(eth9_vlan_frame_counted_rx_and_dropped, setup, teardown),
        cmocka_unit_test_setup_teardown(eth_ipv6_frame_delivered_with_its_ethertype, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(eth5_malformed_frame_is_rx_error, setup, teardown),
        cmocka_unit_test_setup_teardown(eth4_driver_receive_error_counted_eagain_not, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(eth4_recycle_failure_counted_packet_still_delivered, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(eth_oversized_frame_rx_dropped, setup, teardown),
        cmocka_unit_test_setup_teardown(eth_ip_packet_larger_than_out_buffer_dropped, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(eth4_recv_consumes_side_frames_until_one_ip_packet, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(eth12_request_for_us_learns_and_replies, setup, teardown),
        cmocka_unit_test_setup_teardown(eth12_reply_for_us_learns_without_replying, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(eth12_step1_ignores_unicast_target_mac_not_ours, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(eth12_step2_ignores_unknown_operation, setup, teardown),
        cmocka_unit_test_setup_teardown(eth12_step3_ignores_invalid_sender, setup, teardown),
        cmocka_unit_test_setup_teardown(eth12_step4_ignores_other_target_ip, setup, teardown),
        cmocka_unit_test_setup_teardown(eth12_gratuitous_arp_completes_a_pending_entry, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(eth12_step4_ignores_everything_without_ipv4, setup_noip,
                                        teardown),
        cmocka_unit_test_setup_teardown(eth12_malformed_arp_is_rx_error_and_still_counted, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(eth12_consecutive_arp_frames_accumulate, setup, teardown),
        cmocka_unit_test_setup_teardown(combined_arp_ip_recv_drain_cycle, setup, teardown),
        cmocka_unit_test_setup_teardown(eth12_step5_learning_ends_resolution, setup, teardown),
        cmocka_unit_test_setup_teardown(eth13_no_learning_or_refresh_from_ip, setup, teardown),
        cmocka_unit_test_setup_teardown(eth10a_limited_broadcast_sent_to_ff, setup, teardown),
        cmocka_unit_test_setup_teardown(eth10a_subnet_broadcast_sent_to_ff, setup, teardown),
        cmocka_unit_test_setup_teardown(eth10a_slash31_has_no_directed_broadcast, setup, teardown),
        cmocka_unit_test_setup_teardown(eth_multicast_next_hop_sent_to_group_mac, setup, teardown),
        cmocka_unit_test_setup_teardown(eth10b_resolved_next_hop_sent_to_cached_mac, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(eth10c_expired_neighbour_asked_again, setup, teardown),
        cmocka_unit_test_setup_teardown(eth10d_one_request_per_retry_interval, setup, teardown),
        cmocka_unit_test_setup_teardown(eth10e_failed_request_drops_the_packet, setup, teardown),
        cmocka_unit_test_setup_teardown(eth11_request_without_ipv4_is_tx_error, setup_noip,
                                        teardown),
        cmocka_unit_test_setup_teardown(eth11_arp_request_frame_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(eth10f_pending_full_drops_after_128_queued, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(eth_per_next_hop_bound, setup, teardown),
        cmocka_unit_test_setup_teardown(eth10_packet_larger_than_a_slot_not_queued, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(send_to_wire_len_respects_eth_zlen_padding, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(eth17_alloc_failure_on_broadcast_is_one_tx_error, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(eth17_transmit_and_recycle_failures_are_tx_errors, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(eth17_frame_emission_recycles_tx_first, setup, teardown),
        cmocka_unit_test_setup_teardown(eth_pending_queue_drains_all_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(eth_dead_next_hop_does_not_block_live_one, setup, teardown),
        cmocka_unit_test_setup_teardown(eth_arp_retry_driven_by_timer, setup, teardown),
        cmocka_unit_test_setup_teardown(eth_resolution_failure_drops_and_reports_unreachable, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(eth_pending_packets_age_out, setup, teardown),
        cmocka_unit_test_setup_teardown(eth_evicted_resolution_restarted_for_waiting_packets, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(eth_gratuitous_arp_on_set_ipv4, setup_noip, teardown),
        cmocka_unit_test_setup_teardown(eth15_set_ipv4_clears_neighbours_requests_and_pending,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(set_ipv4_addr_preserves_undrained_frame_lens, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(eth16_arp_entries_export, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
