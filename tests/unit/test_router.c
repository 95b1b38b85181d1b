/*
 * The router (spec §3.3-3.5, RT-16..RT-25, RT-28/29, RT-37/38): fake
 * devices behind a real control plane, real IPv4 packets.
 *
 * Fixture (spec §16.1, split routes): lo (1), eth0 (2, 192.0.2.10/24) and
 * eth1 (3, 198.51.100.20/24), each with its connected route, metric 100.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "axnet/errno.h"
#include "ctl/ctl.h"
#include "dev/eth_dev.h"
#include "dev/loopback.h"
#include "fake_netdev.h"
#include "mock_driver.h"
#include "route/router.h"
#include "route/router_internal.h"
#include "test_platform.h"
#include "wire/arp.h"
#include "wire/ethernet.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"

#define LO         AXN_IFINDEX_LOOPBACK
#define ETH0       2u
#define ETH1       3u
#define ETH0_ADDR  AXN_IP4(192, 0, 2, 10)
#define ETH0_PEER  AXN_IP4(192, 0, 2, 20)
#define ETH0_BCAST AXN_IP4(192, 0, 2, 255)
#define ETH0_GW    AXN_IP4(192, 0, 2, 1)
#define ETH1_ADDR  AXN_IP4(198, 51, 100, 20)
#define ETH1_GW    AXN_IP4(198, 51, 100, 1)
#define REMOTE     AXN_IP4(203, 0, 113, 7)
#define LO_ADDR    AXN_IP4(127, 0, 0, 1)
#define BCAST      AXN_IP4(255, 255, 255, 255)
#define PREFIX     24u
#define NOW        AXN_SEC(1)
#define PAYLOAD    100u
#define MAX_INPUT  (AXN_DEVICE_RX_QUEUE_LEN + AXN_LOOPBACK_QUEUE_LEN + 8)
/* A real Ethernet adapter on a mock driver, next to the fake devices. */
#define ETH2       4u
#define ETH2_ADDR  AXN_IP4(203, 0, 113, 10)
#define ETH2_PEER  AXN_IP4(203, 0, 113, 20)
#define ETH2_PEER2 AXN_IP4(203, 0, 113, 30)
/* Frame sizes of TEST-3's three-path drain (no FCS). */
#define FULL_FRAME_LEN (AXN_ETH_HLEN + AXN_ETH_MTU) /* 1514 */
#define ARP_FRAME_LEN  (AXN_ETH_HLEN + AXN_ARP_LEN) /* 42, unpadded as received */
#define LLDP_FRAME_LEN AXN_ETH_ZLEN                 /* an unknown EtherType */
#define ETHERTYPE_LLDP 0x88CCu

struct input_rec {
    size_t len;
    struct axn_rx_meta meta;
    uint8_t first_payload_byte;
};

static struct fx {
    struct axn_ctl ctl;
    struct axn_router r;
    struct fake_netdev eth0, eth1;
    struct axn_dev_handle *lo, *h0, *h1;
    struct input_rec in[MAX_INPUT];
    size_t n_in;
    size_t poll_requests;
    /* When set, the input hook answers the first packet (or, with
     * reply_always, every packet) with this one. */
    const uint8_t *reply;
    size_t reply_len;
    bool reply_always;
} fx;

static void record_input(void *ctx, const uint8_t *pkt, size_t len, const struct axn_rx_meta *meta,
                         axn_time_t now)
{
    struct fx *f = ctx;
    assert_int_equal(now, NOW);
    struct input_rec *rec = &f->in[f->n_in % MAX_INPUT];
    f->n_in++;
    rec->len = len;
    rec->meta = *meta;
    rec->first_payload_byte = len > AXN_IPV4_HDR_MIN ? pkt[AXN_IPV4_HDR_MIN] : 0;
    if (f->reply && (f->n_in == 1 || f->reply_always))
        assert_int_equal(axn_router_output(&f->r, f->reply, f->reply_len, now), 0);
}

static void count_poll_request(void *ctx)
{
    ((struct fx *)ctx)->poll_requests++;
}

static void register_iface(const char *name, uint32_t ifindex, axn_ip4_t addr, axn_ip4_t gw)
{
    assert_int_equal(fake_ctl_add_iface(&fx.ctl, name, ifindex, addr, PREFIX, gw), 0);
}

static void add_router_devices(void)
{
    const struct axn_platform *plat = axn_test_platform();
    struct axn_dev_handle *h;
    assert_int_equal(axn_router_handle_create(&fx.r, &h), 0);
    struct axn_netdev *lo;
    assert_int_equal(axn_loopback_create(plat, &h->counters, &lo), 0);
    assert_int_equal(axn_router_attach(&fx.r, h, lo), 0);
    fx.lo = h;
    fake_netdev_init(&fx.eth0, plat, ETH0, "eth0", AXN_IFACE_ETHERNET);
    fake_netdev_init(&fx.eth1, plat, ETH1, "eth1", AXN_IFACE_ETHERNET);
    assert_int_equal(axn_router_add_device(&fx.r, &fx.eth0.base, &fx.h0), 0);
    assert_int_equal(axn_router_add_device(&fx.r, &fx.eth1.base, &fx.h1), 0);
}

static int setup_with_gateways(axn_ip4_t gw0, axn_ip4_t gw1)
{
    memset(&fx, 0, sizeof(fx));
    const struct axn_platform *plat = axn_test_platform();
    if (axn_ctl_init(&fx.ctl, plat) != 0)
        return -1;
    register_iface("eth0", ETH0, ETH0_ADDR, gw0);
    register_iface("eth1", ETH1, ETH1_ADDR, gw1);
    if (axn_router_init(&fx.r, plat, &fx.ctl) != 0)
        return -1;
    fx.r.input = record_input;
    fx.r.input_ctx = &fx;
    fx.r.request_poll = count_poll_request;
    fx.r.request_poll_ctx = &fx;
    add_router_devices();
    return 0;
}

static int setup(void **state)
{
    (void)state;
    return setup_with_gateways(0, 0);
}

static int setup_gateways(void **state)
{
    (void)state;
    return setup_with_gateways(ETH0_GW, ETH1_GW);
}

static int teardown(void **state)
{
    (void)state;
    axn_router_destroy(&fx.r);
    axn_ctl_destroy(&fx.ctl);
    fake_netdev_fini(&fx.eth0);
    fake_netdev_fini(&fx.eth1);
    return axn_test_live_allocs() == 0 ? 0 : -1;
}

/* ---- Helpers ---------------------------------------------------------------- */

static struct axn_link_stats stats_of(const struct axn_dev_handle *h)
{
    struct axn_link_stats s;
    axn_if_counters_read(&h->counters, &s);
    return s;
}

static void assert_stats_zero(const struct axn_dev_handle *h)
{
    const struct axn_link_stats zero = {0};
    const struct axn_link_stats s = stats_of(h);
    assert_memory_equal(&s, &zero, sizeof(s));
}

static size_t build(uint8_t *buf, axn_ip4_t src, axn_ip4_t dst, size_t payload, uint8_t fill)
{
    return fake_build_ipv4(buf, FAKE_NETDEV_PKT_MAX, src, dst, payload, fill);
}

static int output(axn_ip4_t src, axn_ip4_t dst)
{
    uint8_t pkt[FAKE_NETDEV_PKT_MAX];
    size_t len = build(pkt, src, dst, PAYLOAD, 0xab);
    return axn_router_output(&fx.r, pkt, len, NOW);
}

static void inject(struct fake_netdev *f, size_t payload, uint32_t frame_len, uint8_t fill)
{
    uint8_t pkt[FAKE_NETDEV_PKT_MAX];
    size_t len = build(pkt, ETH0_PEER, ETH0_ADDR, payload, fill);
    assert_int_equal(fake_netdev_inject(f, pkt, len, frame_len), 0);
}

static size_t rx_service(struct axn_dev_handle *h, bool *more)
{
    return axn_router_rx_service(&fx.r, h, NOW, more);
}

/* ---- RT-20: no route ---------------------------------------------------------- */

static void no_route_does_not_count_interface_tx_dropped(void **state)
{
    (void)state;
    /* No default route: 203.0.113.7 is unreachable from eth0's address. */
    assert_int_equal(output(ETH0_ADDR, REMOTE), -AXN_ENETUNREACH);
    assert_int_equal(atomic_load(&fx.r.ip_out_no_routes), 1);
    assert_stats_zero(fx.lo);
    assert_stats_zero(fx.h0);
    assert_stats_zero(fx.h1);
    assert_int_equal(axn_pktq_len(&fx.h0->txq), 0);
    assert_int_equal(axn_pktq_len(&fx.h1->txq), 0);
}

/* ---- RT-28: RX into the shared queue --------------------------------------------- */

static void fill_shared_queue(void)
{
    uint8_t pkt[FAKE_NETDEV_PKT_MAX];
    size_t len = build(pkt, ETH1_GW, ETH1_ADDR, PAYLOAD, 0x11);
    const struct axn_pktq_meta m = {.frame_len = 1, .ifindex = ETH1};
    for (unsigned i = 0; i < AXN_DEVICE_RX_QUEUE_LEN; i++)
        assert_int_equal(axn_router_rxq_push(&fx.r, pkt, len, &m), 0);
}

static void rx_backpressure_preserves_frame_len_pairing(void **state)
{
    (void)state;
    static const uint32_t frame_lens[] = {100, 200, 300};
    for (unsigned i = 0; i < 3; i++)
        inject(&fx.eth0, PAYLOAD + i, frame_lens[i], (uint8_t)(i + 1));
    fill_shared_queue();

    bool more;
    assert_int_equal(rx_service(fx.h0, &more), 0);
    assert_true(more);
    assert_int_equal(atomic_load(&fx.r.rx_queue_full), 1);
    assert_int_equal(fx.poll_requests, 1);
    /* Kept, not dropped, and not yet counted. */
    assert_int_equal(axn_pktq_len(&fx.h0->rx_batch), 3);
    assert_stats_zero(fx.h0);

    assert_int_equal(axn_router_deliver(&fx.r, NOW), AXN_DEVICE_RX_QUEUE_LEN);
    assert_int_equal(rx_service(fx.h0, &more), 3);
    assert_false(more);
    const struct axn_link_stats s = stats_of(fx.h0);
    assert_int_equal(s.rx_packets, 3);
    assert_int_equal(s.rx_bytes, 600);
    assert_int_equal(s.rx_dropped, 0);

    fx.n_in = 0;
    assert_int_equal(axn_router_deliver(&fx.r, NOW), 3);
    for (unsigned i = 0; i < 3; i++) {
        assert_int_equal(fx.in[i].meta.frame_len, frame_lens[i]);
        assert_int_equal(fx.in[i].meta.ifindex, ETH0);
        assert_int_equal(fx.in[i].meta.ethertype, 0x0800);
        assert_int_equal(fx.in[i].len, AXN_IPV4_HDR_MIN + PAYLOAD + i);
        assert_int_equal(fx.in[i].first_payload_byte, i + 1);
    }
}

static void count_rx_accumulates_bytes_and_packets(void **state)
{
    (void)state;
    bool more;
    inject(&fx.eth0, PAYLOAD, 1514, 1);
    assert_int_equal(rx_service(fx.h0, &more), 1);
    inject(&fx.eth0, PAYLOAD, 60, 2);
    assert_int_equal(rx_service(fx.h0, &more), 1);
    const struct axn_link_stats s = stats_of(fx.h0);
    assert_int_equal(s.rx_packets, 2);
    assert_int_equal(s.rx_bytes, 1574);
    assert_int_equal(fx.poll_requests, 2);
    assert_stats_zero(fx.h1);
}

static void recv_returns_frame_len_rx_counts_it(void **state)
{
    (void)state;
    bool more;
    inject(&fx.eth1, PAYLOAD, 1514, 1);
    assert_int_equal(rx_service(fx.h1, &more), 1);
    const struct axn_link_stats s = stats_of(fx.h1);
    /* The frame length the device reported, not the IP length. */
    assert_int_equal(s.rx_packets, 1);
    assert_int_equal(s.rx_bytes, 1514);
    assert_int_equal(axn_router_deliver(&fx.r, NOW), 1);
    assert_int_equal(fx.in[0].len, AXN_IPV4_HDR_MIN + PAYLOAD);
    assert_int_equal(fx.in[0].meta.frame_len, 1514);
    assert_int_equal(fx.in[0].meta.ifindex, ETH1);
}

static void recv_returns_zero_no_rx_counted(void **state)
{
    (void)state;
    bool more = true;
    assert_int_equal(rx_service(fx.h0, &more), 0);
    assert_false(more);
    assert_int_equal(atomic_load(&fx.eth0.recv_calls), 1);
    assert_stats_zero(fx.h0);
    /* An idle device does not ask for a poll (the RT-28 [HAZARD]). */
    assert_int_equal(fx.poll_requests, 0);
}

static void rx_batch_is_bounded_and_reports_more(void **state)
{
    (void)state;
    for (unsigned i = 0; i < AXN_DEVICE_RX_BATCH + 1; i++)
        inject(&fx.eth0, PAYLOAD, 64, 1);
    bool more;
    assert_int_equal(rx_service(fx.h0, &more), AXN_DEVICE_RX_BATCH);
    assert_true(more);
    assert_int_equal(rx_service(fx.h0, &more), 1);
    assert_false(more);
    assert_int_equal(stats_of(fx.h0).rx_packets, AXN_DEVICE_RX_BATCH + 1);
}

static void rx_over_slot_packet_counts_rx_dropped(void **state)
{
    (void)state;
    uint8_t big[FAKE_NETDEV_PKT_MAX];
    size_t len = build(big, ETH0_PEER, ETH0_ADDR, AXN_PKT_SLOT_SIZE, 7);
    assert_true(len > AXN_PKT_SLOT_SIZE);
    assert_int_equal(fake_netdev_inject(&fx.eth0, big, len, (uint32_t)len + 14), 0);
    inject(&fx.eth0, PAYLOAD, 134, 9);
    bool more;
    assert_int_equal(rx_service(fx.h0, &more), 1);
    const struct axn_link_stats s = stats_of(fx.h0);
    assert_int_equal(s.rx_dropped, 1);
    assert_int_equal(s.rx_packets, 1);
    assert_int_equal(s.rx_bytes, 134);
    assert_int_equal(axn_router_deliver(&fx.r, NOW), 1);
    assert_int_equal(fx.in[0].first_payload_byte, 9);
}

static void deliver_without_input_counts_rx_dropped(void **state)
{
    (void)state;
    fx.r.input = NULL;
    inject(&fx.eth1, PAYLOAD, 200, 1);
    inject(&fx.eth1, PAYLOAD, 200, 1);
    bool more;
    assert_int_equal(rx_service(fx.h1, &more), 2);
    assert_int_equal(axn_router_deliver(&fx.r, NOW), 2);
    const struct axn_link_stats s = stats_of(fx.h1);
    assert_int_equal(s.rx_packets, 2);
    assert_int_equal(s.rx_dropped, 2);
    assert_true(axn_router_rx_idle(&fx.r));
}

/* ---- TEST-3: the three RX paths of one device in one service call ------------- */

static struct mock_driver mock;
static const struct axn_mac ETH2_MAC = {{0x02, 0x00, 0x00, 0x00, 0x02, 0x0a}};
static const struct axn_mac PEER_MAC = {{0x02, 0x00, 0x00, 0x00, 0x02, 0x14}};
static const struct axn_mac PEER2_MAC = {{0x02, 0x00, 0x00, 0x00, 0x02, 0x1e}};
static const struct axn_mac BCAST_MAC = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};

/* An Ethernet adapter over `mock`, attached as ETH2 with ETH2_ADDR/24. */
static struct axn_dev_handle *attach_eth_adapter(void)
{
    mock_driver_init(&mock, &ETH2_MAC);
    struct axn_dev_handle *h;
    assert_int_equal(axn_router_handle_create(&fx.r, &h), 0);
    const struct axn_eth_dev_params p = {
        .plat = axn_test_platform(),
        .driver = &mock.drv,
        .name = "eth2",
        .ifindex = ETH2,
        .counters = &h->counters,
        .wake = axn_router_wake_fn,
        .wake_ctx = h,
    };
    struct axn_netdev *dev;
    assert_int_equal(axn_eth_dev_create(&p, &dev), 0);
    assert_int_equal(axn_router_attach(&fx.r, h, dev), 0);
    const struct axn_ip4_cidr cidr = {.addr = ETH2_ADDR, .prefix_len = PREFIX};
    dev->ops->set_ipv4(dev, &cidr, NOW); /* announces itself: one ARP TX */
    mock_driver_clear_tx(&mock);
    return h;
}

static void push_frame(const struct axn_mac *dst, const struct axn_mac *src, uint16_t type,
                       const uint8_t *payload, size_t len)
{
    const struct axn_eth e = {
        .dst = *dst, .src = *src, .ethertype = type, .payload = payload, .payload_len = len};
    uint8_t frame[MOCK_FRAME_MAX];
    const int n = axn_eth_emit(&e, frame, sizeof(frame), 0);
    assert_true(n > 0);
    assert_int_equal(mock_driver_push_rx(&mock, frame, (size_t)n), 0);
}

static void push_arp_request(const struct axn_mac *mac, axn_ip4_t ip)
{
    const struct axn_arp a = {
        .op = AXN_ARP_OP_REQUEST, .sender_mac = *mac, .sender_ip = ip, .target_ip = ETH2_ADDR};
    uint8_t arp[AXN_ARP_LEN];
    assert_int_equal(axn_arp_emit(&a, arp, sizeof(arp)), AXN_ARP_LEN);
    push_frame(&BCAST_MAC, mac, AXN_ETHERTYPE_ARP, arp, sizeof(arp));
}

static void rx_worker_three_path_combined_drain(void **state)
{
    (void)state;
    struct axn_dev_handle *h2 = attach_eth_adapter();
    const struct axn_link_stats before = stats_of(h2);
    assert_int_equal(before.tx_packets, 1);
    assert_int_equal(before.tx_bytes, AXN_ETH_ZLEN);

    /* ARP, ARP, an unknown EtherType, then a full-size IP frame. */
    push_arp_request(&PEER_MAC, ETH2_PEER);
    push_arp_request(&PEER2_MAC, ETH2_PEER2);
    uint8_t lldp[LLDP_FRAME_LEN - AXN_ETH_HLEN];
    memset(lldp, 0, sizeof(lldp));
    push_frame(&ETH2_MAC, &PEER_MAC, ETHERTYPE_LLDP, lldp, sizeof(lldp));
    uint8_t pkt[FAKE_NETDEV_PKT_MAX];
    const size_t ip_len = build(pkt, ETH2_PEER, ETH2_ADDR, AXN_ETH_MTU - AXN_IPV4_HDR_MIN, 0x3c);
    assert_int_equal(ip_len, AXN_ETH_MTU);
    push_frame(&ETH2_MAC, &PEER_MAC, AXN_ETHERTYPE_IPV4, pkt, ip_len);

    bool more;
    assert_int_equal(rx_service(h2, &more), 1);
    assert_false(more);
    assert_int_equal(mock.recycled_rx, 4);
    assert_int_equal(mock.contract_violations, 0);
    assert_int_equal(fx.poll_requests, 1);

    /* RX: 2 ARP (42 each) + LLDP (60, also rx_dropped) + IP (1514).
     * TX: the two ARP replies, padded to 60 each. */
    const struct axn_link_stats s = stats_of(h2);
    assert_int_equal(s.rx_packets, 4);
    assert_int_equal(s.rx_bytes, 2 * ARP_FRAME_LEN + LLDP_FRAME_LEN + FULL_FRAME_LEN);
    assert_int_equal(s.rx_dropped, 1);
    assert_int_equal(s.rx_errors, 0);
    assert_int_equal(s.tx_packets - before.tx_packets, 2);
    assert_int_equal(s.tx_bytes - before.tx_bytes, 2 * AXN_ETH_ZLEN);
    assert_int_equal(s.tx_errors + s.tx_dropped, 0);
    assert_int_equal(mock.tx_count, 2);
    assert_int_equal(mock.tx[0].len, AXN_ETH_ZLEN);
    assert_int_equal(mock.tx[1].len, AXN_ETH_ZLEN);

    /* The one IP packet reaches the core with its own frame length. */
    assert_int_equal(axn_router_deliver(&fx.r, NOW), 1);
    assert_int_equal(fx.n_in, 1);
    assert_int_equal(fx.in[0].len, AXN_ETH_MTU);
    assert_int_equal(fx.in[0].meta.frame_len, FULL_FRAME_LEN);
    assert_int_equal(fx.in[0].meta.ifindex, ETH2);
    assert_int_equal(fx.in[0].meta.ethertype, AXN_ETHERTYPE_IPV4);
    assert_int_equal(fx.in[0].first_payload_byte, 0x3c);
    /* Drained once: a second call finds nothing and counts nothing. */
    assert_int_equal(rx_service(h2, &more), 0);
    const struct axn_link_stats again = stats_of(h2);
    assert_memory_equal(&again, &s, sizeof(s));
    assert_stats_zero(fx.h0);
}

/* ---- RT-29/38: TX counting ---------------------------------------------------------- */

static void send_returns_frame_len_tx_counts_l2_not_ip_payload(void **state)
{
    (void)state;
    fx.eth0.send_result = 1514;
    assert_int_equal(output(ETH0_ADDR, ETH0_PEER), 0);
    assert_int_equal(axn_router_tx_service(&fx.r, fx.h0, NOW), 1);
    const struct axn_link_stats s = stats_of(fx.h0);
    assert_int_equal(s.tx_packets, 1);
    assert_int_equal(s.tx_bytes, 1514);
    assert_int_equal(atomic_load(&fx.eth0.n_sent), 1);
    assert_int_equal(fx.eth0.sent[0].len, AXN_IPV4_HDR_MIN + PAYLOAD);
    assert_int_equal(fx.eth0.sent[0].next_hop, ETH0_PEER);
    assert_int_equal(atomic_load(&fx.eth0.tick_calls), 1);
}

static void send_returns_zero_no_tx_counted(void **state)
{
    (void)state;
    /* 0: parked for ARP (counted when flushed); < 0: counted by the device. */
    fx.eth0.send_result = 0;
    assert_int_equal(output(ETH0_ADDR, ETH0_PEER), 0);
    assert_int_equal(axn_router_tx_service(&fx.r, fx.h0, NOW), 1);
    fx.eth0.send_result = -AXN_EIO;
    assert_int_equal(output(ETH0_ADDR, ETH0_PEER), 0);
    assert_int_equal(axn_router_tx_service(&fx.r, fx.h0, NOW), 1);
    assert_int_equal(atomic_load(&fx.eth0.n_sent), 2);
    assert_stats_zero(fx.h0);
}

static void count_tx_accumulates_bytes_and_packets(void **state)
{
    (void)state;
    assert_int_equal(output(ETH0_ADDR, ETH0_PEER), 0);
    assert_int_equal(output(ETH0_ADDR, ETH0_PEER), 0);
    assert_int_equal(axn_router_tx_service(&fx.r, fx.h0, NOW), 2);
    const struct axn_link_stats s = stats_of(fx.h0);
    assert_int_equal(s.tx_packets, 2);
    assert_int_equal(s.tx_bytes, 2 * (FAKE_ETH_HLEN + AXN_IPV4_HDR_MIN + PAYLOAD));
}

static void stats_starts_at_zero(void **state)
{
    (void)state;
    assert_stats_zero(fx.lo);
    assert_stats_zero(fx.h0);
    assert_stats_zero(fx.h1);
    assert_int_equal(atomic_load(&fx.r.ip_out_no_routes), 0);
    assert_int_equal(atomic_load(&fx.r.rx_queue_full), 0);
    assert_int_equal(atomic_load(&fx.r.out_malformed), 0);
}

/* ---- RT-21: loopback ----------------------------------------------------------------- */

static void router_loopback_fast_path_delivers_within_same_poll(void **state)
{
    (void)state;
    /* A packet from eth0 whose handling loops one back through lo: both
     * reach the core in the same deliver call. */
    uint8_t reply[FAKE_NETDEV_PKT_MAX];
    fx.reply_len = build(reply, LO_ADDR, LO_ADDR, PAYLOAD, 0x55);
    fx.reply = reply;
    inject(&fx.eth0, PAYLOAD, 134, 0x44);
    bool more;
    assert_int_equal(rx_service(fx.h0, &more), 1);
    assert_int_equal(axn_router_deliver(&fx.r, NOW), 2);
    assert_int_equal(fx.n_in, 2);
    assert_int_equal(fx.in[0].meta.ifindex, ETH0);
    assert_int_equal(fx.in[1].meta.ifindex, LO);
    assert_int_equal(fx.in[1].meta.frame_len, fx.reply_len);
    assert_int_equal(fx.in[1].first_payload_byte, 0x55);
    const struct axn_link_stats s = stats_of(fx.lo);
    assert_int_equal(s.tx_packets, 1);
    assert_int_equal(s.rx_packets, 1);
    assert_int_equal(s.tx_bytes, fx.reply_len);
    assert_int_equal(s.rx_bytes, fx.reply_len);
    assert_true(axn_router_rx_idle(&fx.r));
}

static void router_deliver_serves_loopback_first(void **state)
{
    (void)state;
    inject(&fx.eth0, PAYLOAD, 134, 1);
    bool more;
    assert_int_equal(rx_service(fx.h0, &more), 1);
    assert_int_equal(output(LO_ADDR, LO_ADDR), 0);
    assert_int_equal(axn_router_deliver(&fx.r, NOW), 2);
    assert_int_equal(fx.in[0].meta.ifindex, LO);
    assert_int_equal(fx.in[1].meta.ifindex, ETH0);
}

static void router_loopback_full_counts_rx_dropped_on_lo(void **state)
{
    (void)state;
    for (unsigned i = 0; i < AXN_LOOPBACK_QUEUE_LEN; i++)
        assert_int_equal(output(LO_ADDR, LO_ADDR), 0);
    /* The send still succeeds, as on Linux: lo counts rx_dropped only. */
    assert_int_equal(output(LO_ADDR, LO_ADDR), 0);
    struct axn_link_stats s = stats_of(fx.lo);
    assert_int_equal(s.tx_packets, AXN_LOOPBACK_QUEUE_LEN);
    assert_int_equal(s.rx_packets, AXN_LOOPBACK_QUEUE_LEN);
    assert_int_equal(s.rx_dropped, 1);
    assert_int_equal(s.tx_dropped, 0);
    assert_int_equal(axn_router_deliver(&fx.r, NOW), AXN_LOOPBACK_QUEUE_LEN);
    assert_stats_zero(fx.h0);
}

/* ---- RT-20: fan-out, source-aware egress --------------------------------------------------- */

static void router_limited_broadcast_fans_out_to_every_non_loopback_device(void **state)
{
    (void)state;
    assert_int_equal(output(0, BCAST), 0);
    assert_int_equal(axn_pktq_len(&fx.h0->txq), 1);
    assert_int_equal(axn_pktq_len(&fx.h1->txq), 1);
    assert_int_equal(axn_router_tx_service(&fx.r, fx.h0, NOW), 1);
    assert_int_equal(axn_router_tx_service(&fx.r, fx.h1, NOW), 1);
    assert_int_equal(fx.eth0.sent[0].next_hop, BCAST);
    assert_int_equal(fx.eth1.sent[0].next_hop, BCAST);
    /* Not delivered locally, nothing on lo. */
    assert_int_equal(axn_router_deliver(&fx.r, NOW), 0);
    assert_stats_zero(fx.lo);

    /* A down interface gets no copy. */
    assert_int_equal(axn_ctl_set_link(&fx.ctl, ETH1, false), 0);
    assert_int_equal(output(0, BCAST), 0);
    assert_int_equal(axn_pktq_len(&fx.h0->txq), 1);
    assert_int_equal(axn_pktq_len(&fx.h1->txq), 0);
    /* None up: no route. */
    assert_int_equal(axn_ctl_set_link(&fx.ctl, ETH0, false), 0);
    assert_int_equal(output(0, BCAST), -AXN_ENETUNREACH);
    assert_int_equal(atomic_load(&fx.r.ip_out_no_routes), 1);
}

/* RT-20 [HAZARD]: a limited broadcast carrying eth1's address leaves by
 * eth1 only, never by eth0 with eth1's source; one from lo's address has
 * no Ethernet interface to leave by. */
static void router_limited_broadcast_from_an_address_leaves_by_its_owner(void **state)
{
    (void)state;
    assert_int_equal(output(ETH1_ADDR, BCAST), 0);
    assert_int_equal(axn_pktq_len(&fx.h0->txq), 0);
    assert_int_equal(axn_pktq_len(&fx.h1->txq), 1);
    assert_int_equal(output(ETH0_ADDR, BCAST), 0);
    assert_int_equal(axn_pktq_len(&fx.h0->txq), 1);
    assert_int_equal(axn_pktq_len(&fx.h1->txq), 1);
    /* The owner is down: no other interface sends it in its place. */
    assert_int_equal(axn_ctl_set_link(&fx.ctl, ETH1, false), 0);
    assert_int_equal(output(ETH1_ADDR, BCAST), -AXN_ENETUNREACH);
    assert_int_equal(axn_pktq_len(&fx.h0->txq), 1);
    assert_int_equal(output(LO_ADDR, BCAST), -AXN_ENETUNREACH);
    assert_int_equal(atomic_load(&fx.r.ip_out_no_routes), 2);
}

static void router_source_aware_egress(void **state)
{
    (void)state;
    /* Both default routes tie (0/0, metric 100): eth0's comes first, but a
     * packet carrying eth1's address must leave through eth1 (RT-10). */
    assert_int_equal(output(ETH1_ADDR, REMOTE), 0);
    assert_int_equal(axn_pktq_len(&fx.h0->txq), 0);
    assert_int_equal(axn_pktq_len(&fx.h1->txq), 1);
    assert_int_equal(output(ETH0_ADDR, REMOTE), 0);
    assert_int_equal(axn_pktq_len(&fx.h0->txq), 1);
    assert_int_equal(axn_router_tx_service(&fx.r, fx.h0, NOW), 1);
    assert_int_equal(axn_router_tx_service(&fx.r, fx.h1, NOW), 1);
    assert_int_equal(fx.eth0.sent[0].next_hop, ETH0_GW);
    assert_int_equal(fx.eth1.sent[0].next_hop, ETH1_GW);
    /* A source no rule carries: no route, counted nowhere. */
    assert_int_equal(output(AXN_IP4(10, 9, 9, 9), REMOTE), -AXN_ENETUNREACH);
    assert_int_equal(atomic_load(&fx.r.ip_out_no_routes), 1);
    assert_int_equal(stats_of(fx.h0).tx_dropped + stats_of(fx.h1).tx_dropped, 0);
}

static void router_directed_broadcast_goes_to_broadcast_next_hop(void **state)
{
    (void)state;
    assert_int_equal(output(ETH0_ADDR, ETH0_BCAST), 0);
    assert_int_equal(axn_router_tx_service(&fx.r, fx.h0, NOW), 1);
    assert_int_equal(fx.eth0.sent[0].next_hop, BCAST);
    assert_int_equal(axn_pktq_len(&fx.h1->txq), 0);
}

/* ---- RT-24 [BUG]: malformed packets from the core ---------------------------------------- */

/* Each case lives in a heap block of exactly its length, so a read past it
 * trips AddressSanitizer. */
static void expect_malformed(const uint8_t *bytes, size_t len, uint64_t nth)
{
    uint8_t *exact = malloc(len ? len : 1);
    assert_non_null(exact);
    if (len)
        memcpy(exact, bytes, len);
    assert_int_equal(axn_router_output(&fx.r, exact, len, NOW), -AXN_EINVAL);
    free(exact);
    assert_int_equal(atomic_load(&fx.r.out_malformed), nth);
}

static void router_drops_malformed_packet_from_core_without_reading_past_it(void **state)
{
    (void)state;
    uint8_t pkt[FAKE_NETDEV_PKT_MAX];
    size_t len = build(pkt, ETH0_ADDR, ETH0_PEER, PAYLOAD, 1);

    expect_malformed(pkt, 0, 1); /* empty */
    uint8_t v5[FAKE_NETDEV_PKT_MAX];
    memcpy(v5, pkt, len);
    v5[0] = (uint8_t)((5u << 4) | (v5[0] & 0x0fu));
    expect_malformed(v5, len, 2);                    /* version 5 */
    expect_malformed(pkt, AXN_IPV4_HDR_MIN - 1, 3);  /* truncated header */
    expect_malformed(pkt, AXN_IPV4_HDR_MIN + 10, 4); /* Total Length past the end */
    uint8_t ihl[FAKE_NETDEV_PKT_MAX];
    memcpy(ihl, pkt, AXN_IPV4_HDR_MIN);
    ihl[0] = (uint8_t)((4u << 4) | 15u); /* 60-byte header in 20 bytes */
    expect_malformed(ihl, AXN_IPV4_HDR_MIN, 5);
    const uint8_t one = 0x60; /* a lone IPv6 version nibble */
    expect_malformed(&one, 1, 6);

    assert_int_equal(atomic_load(&fx.r.ip_out_no_routes), 0);
    assert_stats_zero(fx.lo);
    assert_stats_zero(fx.h0);
    assert_stats_zero(fx.h1);
}

static void router_ipv6_packet_has_no_route_yet(void **state)
{
    (void)state;
    uint8_t pkt[AXN_IPV6_HDR_LEN] = {0x60};
    /* Payload length 0, next header 59 (none), hop limit 64, :: -> ::1. */
    pkt[6] = 59;
    pkt[7] = 64;
    pkt[AXN_IPV6_HDR_LEN - 1] = 1;
    assert_int_equal(axn_router_output(&fx.r, pkt, sizeof(pkt), NOW), -AXN_ENETUNREACH);
    assert_int_equal(atomic_load(&fx.r.ip_out_no_routes), 1);
    assert_int_equal(atomic_load(&fx.r.out_malformed), 0);
    assert_stats_zero(fx.lo);
}

/* ---- RT-23: TX queue limits --------------------------------------------------------------- */

static void router_tx_queue_full_counts_tx_dropped(void **state)
{
    (void)state;
    for (unsigned i = 0; i < AXN_DEVICE_TX_QUEUE_LEN; i++)
        assert_int_equal(output(ETH0_ADDR, ETH0_PEER), 0);
    assert_int_equal(output(ETH0_ADDR, ETH0_PEER), -AXN_ENOBUFS);
    assert_int_equal(stats_of(fx.h0).tx_dropped, 1);

    /* A packet larger than a slot is dropped too (RT-3). */
    assert_int_equal(axn_router_tx_service(&fx.r, fx.h0, NOW), AXN_DEVICE_TX_QUEUE_LEN);
    uint8_t big[FAKE_NETDEV_PKT_MAX];
    size_t len = build(big, ETH0_ADDR, ETH0_PEER, AXN_PKT_SLOT_SIZE - AXN_IPV4_HDR_MIN + 1, 3);
    assert_int_equal(axn_router_output(&fx.r, big, len, NOW), -AXN_EMSGSIZE);
    const struct axn_link_stats s = stats_of(fx.h0);
    assert_int_equal(s.tx_dropped, 2);
    assert_int_equal(s.tx_packets, AXN_DEVICE_TX_QUEUE_LEN);
    assert_stats_zero(fx.h1);
}

static void router_down_interface_not_used(void **state)
{
    (void)state;
    /* Queued before the link went down: dropped by the TX side, counted. */
    assert_int_equal(output(ETH0_ADDR, ETH0_PEER), 0);
    assert_int_equal(axn_ctl_set_link(&fx.ctl, ETH0, false), 0);
    assert_int_equal(axn_router_set_up(&fx.r, ETH0, false, NOW), 0);
    assert_int_equal(axn_router_tx_service(&fx.r, fx.h0, NOW), 0);
    assert_int_equal(atomic_load(&fx.eth0.n_sent), 0);
    assert_int_equal(stats_of(fx.h0).tx_dropped, 1);
    /* Routes through it are skipped; control-plane sends refused. */
    assert_int_equal(output(ETH0_ADDR, ETH0_PEER), -AXN_ENETUNREACH);
    uint8_t pkt[FAKE_NETDEV_PKT_MAX];
    size_t len = build(pkt, 0, BCAST, PAYLOAD, 1);
    assert_int_equal(axn_router_send_on_device(&fx.r, ETH0, BCAST, pkt, len, NOW), -AXN_ENETDOWN);
    assert_int_equal(axn_pktq_len(&fx.h0->txq), 0);
    /* Up again: used again. */
    assert_int_equal(axn_ctl_set_link(&fx.ctl, ETH0, true), 0);
    assert_int_equal(axn_router_set_up(&fx.r, ETH0, true, NOW), 0);
    assert_int_equal(output(ETH0_ADDR, ETH0_PEER), 0);
    assert_int_equal(axn_router_tx_service(&fx.r, fx.h0, NOW), 1);
}

/* ---- RT-25: send_on_device ------------------------------------------------------------------ */

static void send_on_device_bypasses_routing(void **state)
{
    (void)state;
    uint8_t pkt[FAKE_NETDEV_PKT_MAX];
    size_t len = build(pkt, 0, BCAST, PAYLOAD, 1);
    assert_int_equal(axn_router_send_on_device(&fx.r, ETH1, BCAST, pkt, len, NOW), 0);
    assert_int_equal(axn_pktq_len(&fx.h1->txq), 1);
    assert_int_equal(axn_pktq_len(&fx.h0->txq), 0);
    assert_int_equal(axn_router_send_on_device(&fx.r, 42, BCAST, pkt, len, NOW), -AXN_ENODEV);

    /* lo: through the shared RX queue, counted TX+RX on lo. */
    assert_int_equal(axn_router_send_on_device(&fx.r, LO, BCAST, pkt, len, NOW), 0);
    assert_int_equal(axn_pktq_len(&fx.r.rxq), 1);
    assert_int_equal(fx.poll_requests, 1);
    struct axn_link_stats s = stats_of(fx.lo);
    assert_int_equal(s.tx_packets, 1);
    assert_int_equal(s.rx_packets, 1);
    assert_int_equal(axn_router_deliver(&fx.r, NOW), 1);
    assert_int_equal(fx.in[0].meta.ifindex, LO);

    fill_shared_queue();
    assert_int_equal(axn_router_send_on_device(&fx.r, LO, BCAST, pkt, len, NOW), -AXN_ENOBUFS);
    s = stats_of(fx.lo);
    assert_int_equal(s.rx_dropped, 1);
    assert_int_equal(s.tx_packets, 1);
}

/* ---- Device table ------------------------------------------------------------------------------
 */

static void router_remove_device_stops_using_it(void **state)
{
    (void)state;
    size_t live = axn_test_live_allocs();
    assert_int_equal(axn_router_remove_device(&fx.r, LO), -AXN_EPERM);
    assert_int_equal(axn_router_remove_device(&fx.r, 42), -AXN_ENODEV);
    assert_int_equal(output(ETH1_ADDR, AXN_IP4(198, 51, 100, 9)), 0);
    assert_int_equal(axn_router_remove_device(&fx.r, ETH1), 0);
    assert_true(atomic_load(&fx.eth1.destroyed));
    assert_null(axn_router_find(&fx.r, ETH1));
    assert_int_equal(fx.r.n_devs, 2);
    /* Handle and both of its queues are gone. */
    assert_int_equal(axn_test_live_allocs(), live - 3);
    /* The registry still routes to it, the router no longer has it. */
    assert_int_equal(output(ETH1_ADDR, AXN_IP4(198, 51, 100, 9)), -AXN_ENETUNREACH);
    assert_int_equal(axn_router_remove_device(&fx.r, ETH1), -AXN_ENODEV);
}

static void router_attach_refuses_duplicate_ifindex(void **state)
{
    (void)state;
    struct fake_netdev dup;
    fake_netdev_init(&dup, axn_test_platform(), ETH0, "dup", AXN_IFACE_ETHERNET);
    size_t live = axn_test_live_allocs();
    assert_int_equal(axn_router_add_device(&fx.r, &dup.base, NULL), -AXN_EEXIST);
    assert_int_equal(axn_test_live_allocs(), live);
    assert_false(atomic_load(&dup.destroyed));
    assert_ptr_equal(axn_router_find(&fx.r, ETH0), fx.h0);
    fake_netdev_fini(&dup);
}

static void router_next_deadline_is_earliest_device_timer(void **state)
{
    (void)state;
    assert_int_equal(axn_router_next_deadline(&fx.r), AXN_TIME_NEVER);
    fx.eth0.deadline = AXN_SEC(7);
    fx.eth1.deadline = AXN_SEC(5);
    assert_int_equal(axn_router_next_deadline(&fx.r), AXN_SEC(5));
    assert_int_equal(axn_router_dev_deadline(fx.h0), AXN_SEC(7));
    assert_int_equal(axn_router_dev_deadline(fx.lo), AXN_TIME_NEVER);
}

static void router_deliver_is_bounded_per_call(void **state)
{
    (void)state;
    /* An input hook that loops every packet back would never end; deliver
     * stops after one full load of both queues and leaves the rest. */
    uint8_t reply[FAKE_NETDEV_PKT_MAX];
    fx.reply_len = build(reply, LO_ADDR, LO_ADDR, PAYLOAD, 0x55);
    fx.reply = reply;
    fx.reply_always = true;
    assert_int_equal(output(LO_ADDR, LO_ADDR), 0);
    const size_t budget = AXN_DEVICE_RX_QUEUE_LEN + AXN_LOOPBACK_QUEUE_LEN;
    assert_int_equal(axn_router_deliver(&fx.r, NOW), budget);
    assert_int_equal(fx.n_in, budget);
    assert_false(axn_router_rx_idle(&fx.r));
    assert_int_equal(axn_pktq_len(&fx.r.loq), 1);
}

#define T(fn)  cmocka_unit_test_setup_teardown(fn, setup, teardown)
#define TG(fn) cmocka_unit_test_setup_teardown(fn, setup_gateways, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(no_route_does_not_count_interface_tx_dropped),
        T(rx_backpressure_preserves_frame_len_pairing),
        T(count_rx_accumulates_bytes_and_packets),
        T(recv_returns_frame_len_rx_counts_it),
        T(recv_returns_zero_no_rx_counted),
        T(rx_batch_is_bounded_and_reports_more),
        T(rx_over_slot_packet_counts_rx_dropped),
        T(deliver_without_input_counts_rx_dropped),
        T(rx_worker_three_path_combined_drain),
        T(send_returns_frame_len_tx_counts_l2_not_ip_payload),
        T(send_returns_zero_no_tx_counted),
        T(count_tx_accumulates_bytes_and_packets),
        T(stats_starts_at_zero),
        T(router_loopback_fast_path_delivers_within_same_poll),
        T(router_deliver_serves_loopback_first),
        T(router_loopback_full_counts_rx_dropped_on_lo),
        T(router_limited_broadcast_fans_out_to_every_non_loopback_device),
        T(router_limited_broadcast_from_an_address_leaves_by_its_owner),
        TG(router_source_aware_egress),
        T(router_directed_broadcast_goes_to_broadcast_next_hop),
        T(router_drops_malformed_packet_from_core_without_reading_past_it),
        T(router_ipv6_packet_has_no_route_yet),
        T(router_tx_queue_full_counts_tx_dropped),
        T(router_down_interface_not_used),
        T(send_on_device_bypasses_routing),
        T(router_remove_device_stops_using_it),
        T(router_attach_refuses_duplicate_ifindex),
        T(router_next_deadline_is_earliest_device_timer),
        T(router_deliver_is_bounded_per_call),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
