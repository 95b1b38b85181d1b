/*
 * Large frames through the stack's queues: hardware TSO out, LRO in.
 *
 * The queues' large-frame lane (lib/pktq.h): large packets keep their
 * place in the FIFO among small ones, the lane's few buffers bound the
 * memory (a full lane refuses, it never grows), and a reserved large
 * buffer that ends up holding a small packet is given back.
 *
 * TX: IPv4 output with gso_size towards a device with TSO4 queues ONE
 * datagram (not segments) with gso_size in its queue metadata and the TCP
 * checksum field holding the folded pseudo-header sum over the whole TCP
 * length (Linux's CHECKSUM_PARTIAL convention); the Ethernet adapter
 * hands the driver one frame with exact virtio-style offload metadata.
 * (A device without TSO gets software-GSO segments: test_ip4_gso.c.)
 *
 * RX: the adapter delivers an aggregate the driver marks with a GSO type
 * whole, with its gso_size, and the router's RX batch and shared queue
 * carry it whole to the protocol input; a frame above the MTU without it, or from a
 * device that did not declare LRO, is dropped and counted rx_dropped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "axnet/config.h"
#include "axnet/driver.h"
#include "axnet/errno.h"
#include "ctl/ctl.h"
#include "dev/eth_dev.h"
#include "dev/netdev.h"
#include "ip/ip4.h"
#include "ip4_fx.h"
#include "ip4_rig_names.h"
#include "lib/pktq.h"
#include "route/router.h"
#include "test_platform.h"
#include "wire/checksum.h"
#include "wire/ethernet.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"

#define Q_SLOTS    8u
#define SLOT       1500u
#define BIG_N      2u
#define BIG        65536u
#define LEN_A      100u
#define LEN_B      40000u
#define LEN_C      200u
#define LEN_D      65536u
#define MSS        1448u
#define TCP_HDR_TS 32u
#define SEG_LEN    20000u /* TCP payload of the large segment */
#define SPORT      40000
#define DPORT      5001
#define SEQ0       1000u
#define IFINDEX_E  2u
#define FRAME_BIG  (AXN_GSO_MAX_SIZE + AXN_ETH_HLEN)
#define LRO_LEN    30000u
#define GSO_IP_MAX (AXN_GSO_MAX_SIZE - AXN_ETH_HLEN) /* 65536 - 14 */

static const struct axn_mac OUR = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};
static const struct axn_mac THEM = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x02}};

static uint8_t fill_of(size_t i, uint8_t seed)
{
    return (uint8_t)(i * 7u + (i >> 8) + seed);
}

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = fill_of(i, seed);
}

static void assert_filled(const uint8_t *p, size_t n, uint8_t seed)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != fill_of(i, seed))
            fail_msg("byte %zu of a %zu-byte packet differs", i, n);
}

static uint8_t big_buf[FRAME_BIG];

/* ---- The lane ---------------------------------------------------------------------- */

static void push_filled(struct axn_pktq *q, size_t n, uint8_t seed, int want)
{
    fill(big_buf, n, seed);
    assert_int_equal(axn_pktq_push(q, big_buf, n, NULL), want);
}

static void pop_expect(struct axn_pktq *q, size_t n, uint8_t seed)
{
    struct axn_pktq_view v;
    assert_int_equal(axn_pktq_peek(q, &v), 0);
    assert_int_equal(v.len, n);
    assert_filled(v.data, n, seed);
    axn_pktq_consume(q);
}

static void lane_keeps_fifo_order_and_refuses_when_full(void **state)
{
    (void)state;
    struct axn_pktq q;
    assert_int_equal(axn_pktq_init(&q, axn_test_platform(), Q_SLOTS, SLOT), 0);
    push_filled(&q, SLOT + 1, 1, -AXN_EMSGSIZE); /* no lane yet */
    assert_int_equal(axn_pktq_enable_big(&q, BIG_N, BIG), 0);
    assert_int_equal(axn_pktq_max_len(&q), BIG);
    push_filled(&q, LEN_A, 'a', 0);
    push_filled(&q, LEN_B, 'b', 0);
    push_filled(&q, LEN_C, 'c', 0);
    push_filled(&q, LEN_D, 'd', 0);
    push_filled(&q, SLOT + 1, 'e', -AXN_ENOBUFS); /* both large buffers in use */
    push_filled(&q, BIG + 1, 'f', -AXN_EMSGSIZE);
    assert_int_equal(axn_pktq_len(&q), 4);
    pop_expect(&q, LEN_A, 'a');
    pop_expect(&q, LEN_B, 'b');
    push_filled(&q, LEN_B, 'g', 0); /* the freed buffer comes back */
    pop_expect(&q, LEN_C, 'c');
    pop_expect(&q, LEN_D, 'd');
    pop_expect(&q, LEN_B, 'g');
    assert_true(axn_pktq_is_empty(&q));
    assert_int_equal(atomic_load(&q.big_count), 0);
    axn_pktq_destroy(&q);
    assert_int_equal(axn_test_live_allocs(), 0);
}

static void a_small_packet_read_into_a_large_buffer_frees_it(void **state)
{
    (void)state;
    struct axn_pktq q;
    assert_int_equal(axn_pktq_init(&q, axn_test_platform(), Q_SLOTS, SLOT), 0);
    assert_int_equal(axn_pktq_enable_big(&q, 1, BIG), 0);
    assert_non_null(axn_pktq_reserve_big(&q));
    uint8_t *slot = axn_pktq_reserve(&q); /* cancels the large one */
    assert_non_null(slot);
    fill(slot, LEN_A, 'x');
    assert_int_equal(axn_pktq_commit(&q, LEN_A, NULL), 0);
    assert_int_equal(atomic_load(&q.big_count), 0);
    assert_non_null(axn_pktq_reserve_big(&q)); /* still free */
    assert_int_equal(axn_pktq_commit(&q, SLOT + 1, NULL), 0);
    assert_null(axn_pktq_reserve_big(&q)); /* one buffer, now taken */
    pop_expect(&q, LEN_A, 'x');
    axn_pktq_destroy(&q);
}

/* The bound: slots as before plus the lane's buffers, nothing per packet.
 * For the router: each TSO device's TX queue gets AXN_GSO_TX_BIG_SLOTS,
 * each LRO device's RX batch AXN_LRO_RX_BIG_SLOTS and the shared RX queue
 * AXN_LRO_RXQ_BIG_SLOTS buffers of AXN_GSO_MAX_SIZE: 1 MiB in all for one
 * TAP with full offloads, against 8 MiB for 128 slots of 64 KiB. */
static void lane_memory_is_bounded(void **state)
{
    (void)state;
    struct axn_pktq q;
    assert_int_equal(
        axn_pktq_init(&q, axn_test_platform(), AXN_DEVICE_TX_QUEUE_LEN, AXN_PKT_SLOT_SIZE), 0);
    const size_t plain = q.block_size;
    assert_int_equal(axn_pktq_enable_big(&q, AXN_GSO_TX_BIG_SLOTS, AXN_GSO_MAX_SIZE), 0);
    assert_int_equal(q.big_block, (size_t)AXN_GSO_TX_BIG_SLOTS * AXN_GSO_MAX_SIZE);
    assert_int_equal(q.block_size, plain);
    assert_int_equal(axn_pktq_enable_big(&q, AXN_GSO_TX_BIG_SLOTS * 2, AXN_GSO_MAX_SIZE), 0);
    assert_int_equal(q.big_cap, AXN_GSO_TX_BIG_SLOTS); /* once only */
    const size_t lanes =
        (size_t)(AXN_GSO_TX_BIG_SLOTS + AXN_LRO_RX_BIG_SLOTS + AXN_LRO_RXQ_BIG_SLOTS) *
        AXN_GSO_MAX_SIZE;
    assert_true(lanes <= (size_t)1 << 20);
    axn_pktq_destroy(&q);
    assert_int_equal(axn_test_live_allocs(), 0);
}

/* ---- IPv4 output to a TSO device ---------------------------------------------------- */

static struct ip4_fx fx;
static uint8_t seg[AXN_IPV4_TOTAL_MAX];

static size_t build_seg(uint8_t *tcp, size_t n)
{
    static uint8_t data[AXN_IPV4_TOTAL_MAX];
    fill(data, n, 's');
    const struct axn_tcp t = {
        .src_port = SPORT,
        .dst_port = DPORT,
        .seq = SEQ0,
        .flags = AXN_TCP_ACK | AXN_TCP_PSH,
        .window = 1000,
        .opts = {.has_ts = true, .ts_val = 1, .ts_ecr = 2},
        .payload = data,
        .payload_len = n,
    };
    const uint32_t ps =
        axn_csum_pseudo_v4(ETH0_ADDR, PEER, AXN_TCP_PROTO, (uint16_t)(n + TCP_HDR_TS));
    const int len = axn_tcp_emit(&t, tcp, AXN_IPV4_TOTAL_MAX, ps, 0);
    assert_true(len > 0);
    return (size_t)len;
}

/* What the router does when it attaches a device with TSO: eth0 declares
 * gso_max and its TX queue gets the lane. */
static void give_eth0_tso(void)
{
    fx.rig.eth0.base.gso_max = GSO_IP_MAX;
    assert_int_equal(axn_pktq_enable_big(&fx.rig.h0->txq, AXN_GSO_TX_BIG_SLOTS, AXN_GSO_MAX_SIZE),
                     0);
}

static uint16_t folded(uint32_t sum)
{
    return (uint16_t)~axn_csum_finish(sum);
}

static void tso_device_gets_one_datagram_with_partial_checksum(void **state)
{
    (void)state;
    give_eth0_tso();
    const size_t len = build_seg(seg, SEG_LEN);
    const struct axn_snmp before = ip4_fx_snmp();
    const struct axn_ip4_tx tx = {
        .dst = PEER, .protocol = AXN_TCP_PROTO, .df = AXN_IP4_DF_WANT, .gso_size = MSS};
    assert_int_equal(axn_ip4_output(fx.rig.ip, &tx, seg, len, fx.now), 0);
    assert_int_equal(axn_pktq_len(&fx.rig.h0->txq), 1);
    struct axn_pktq_view v;
    assert_int_equal(axn_pktq_peek(&fx.rig.h0->txq, &v), 0);
    assert_int_equal(v.meta.gso_size, MSS);
    assert_int_equal(v.len, AXN_IPV4_HDR_MIN + len);
    struct axn_ipv4 ip;
    assert_int_equal(axn_ipv4_parse(v.data, v.len, &ip, 0), 0); /* IP checksum valid */
    assert_int_equal(ip.total_len, v.len);
    assert_int_equal(ip.protocol, AXN_TCP_PROTO);
    const uint8_t *tcp = ip.payload;
    const uint16_t want = folded(axn_csum_pseudo_v4(ETH0_ADDR, PEER, AXN_TCP_PROTO, (uint16_t)len));
    assert_int_equal(((uint16_t)tcp[AXN_TCP_CSUM_OFFSET] << 8) | tcp[AXN_TCP_CSUM_OFFSET + 1],
                     want);
    assert_memory_equal(tcp, seg, AXN_TCP_CSUM_OFFSET); /* the rest of the header as TCP made it */
    assert_filled(tcp + TCP_HDR_TS, SEG_LEN, 's');
    /* OutRequests counts the segments the device will make. */
    const struct axn_snmp after = ip4_fx_snmp();
    assert_int_equal(after.ip.out_requests - before.ip.out_requests, (SEG_LEN + MSS - 1) / MSS);
    axn_pktq_consume(&fx.rig.h0->txq);
}

/* A segment whose pieces would not fit the path MTU with their headers
 * (gso_size too large) is cut in software even towards a TSO device. */
static void tso_device_with_oversized_gso_size_falls_back_to_software(void **state)
{
    (void)state;
    give_eth0_tso();
    const size_t len = build_seg(seg, SEG_LEN);
    const struct axn_ip4_tx tx = {
        .dst = PEER, .protocol = AXN_TCP_PROTO, .df = AXN_IP4_DF_WANT, .gso_size = SLOT};
    assert_int_equal(axn_ip4_output(fx.rig.ip, &tx, seg, len, fx.now), 0);
    assert_true(axn_pktq_len(&fx.rig.h0->txq) > 1);
    struct axn_pktq_view v;
    while (axn_pktq_peek(&fx.rig.h0->txq, &v) == 0) {
        assert_true(v.len <= SLOT);
        assert_int_equal(v.meta.gso_size, 0);
        axn_pktq_consume(&fx.rig.h0->txq);
    }
}

/* ---- The Ethernet adapter with a large-frame driver ----------------------------------- */

/* A driver of one RX frame and one TX frame, both up to 64 KiB + header. */
static struct {
    uint8_t rx[FRAME_BIG];
    size_t rx_len;
    struct axn_offload rx_ofl;
    bool rx_ready;
    uint8_t tx[FRAME_BIG];
    size_t tx_len;
    struct axn_offload tx_ofl;
    int transmits;
} big;

static const char *big_name(void *drv)
{
    (void)drv;
    return "big";
}

static void big_mac(void *drv, struct axn_mac *mac)
{
    (void)drv;
    *mac = OUR;
}

static int big_receive(void *drv, struct axn_rx_buf *rx)
{
    (void)drv;
    if (!big.rx_ready)
        return -AXN_EAGAIN;
    big.rx_ready = false;
    rx->data = big.rx;
    rx->len = big.rx_len;
    rx->offload = big.rx_ofl;
    return 0;
}

static int big_recycle_rx(void *drv, struct axn_rx_buf *rx)
{
    (void)drv;
    (void)rx;
    return 0;
}

static int big_recycle_tx(void *drv)
{
    (void)drv;
    return 0;
}

static int big_alloc_tx(void *drv, size_t len, struct axn_tx_buf *tx)
{
    (void)drv;
    if (len > sizeof(big.tx))
        return -AXN_EINVAL;
    tx->data = big.tx;
    tx->len = len;
    return 0;
}

static int big_transmit(void *drv, struct axn_tx_buf *tx)
{
    (void)drv;
    big.tx_len = tx->len;
    big.tx_ofl = tx->offload;
    big.transmits++;
    return 0;
}

static void big_abort_tx(void *drv, struct axn_tx_buf *tx)
{
    (void)drv;
    (void)tx;
}

static const struct axn_eth_driver_ops big_ops = {
    .name = big_name,
    .mac_address = big_mac,
    .receive = big_receive,
    .recycle_rx = big_recycle_rx,
    .recycle_tx = big_recycle_tx,
    .alloc_tx = big_alloc_tx,
    .transmit = big_transmit,
    .abort_tx = big_abort_tx,
};

static struct axn_if_counters ctr;
static struct axn_eth_driver big_drv;

static struct axn_netdev *big_dev(uint32_t caps)
{
    memset(&big, 0, sizeof(big));
    memset(&ctr, 0, sizeof(ctr));
    big_drv =
        (struct axn_eth_driver){.ops = &big_ops, .caps = caps, .gso_max_size = AXN_GSO_MAX_SIZE};
    const struct axn_eth_dev_params p = {.plat = axn_test_platform(),
                                         .driver = &big_drv,
                                         .name = "eth0",
                                         .ifindex = IFINDEX_E,
                                         .counters = &ctr};
    struct axn_netdev *dev = NULL;
    assert_int_equal(axn_eth_dev_create(&p, &dev), 0);
    return dev;
}

/* An IPv4/TCP datagram of `n` payload bytes in big_buf; its length. */
static size_t build_datagram(size_t n)
{
    const size_t tcp_len = build_seg(seg, n);
    const struct axn_ipv4 h = {.ttl = 64,
                               .protocol = AXN_TCP_PROTO,
                               .src = ETH0_ADDR,
                               .dst = PEER,
                               .df = true,
                               .payload = seg,
                               .payload_len = tcp_len};
    const int len = axn_ipv4_emit(&h, big_buf, sizeof(big_buf));
    assert_true(len > 0);
    return (size_t)len;
}

static void eth_hands_the_driver_one_frame_with_offload_metadata(void **state)
{
    (void)state;
    struct axn_netdev *dev = big_dev(AXN_DRV_CAP_TX_CSUM | AXN_DRV_CAP_TSO4);
    assert_int_equal(dev->gso_max, GSO_IP_MAX);
    assert_int_equal(dev->lro_max, 0);
    const size_t len = build_datagram(SEG_LEN);
    const int n = dev->ops->send_gso(dev, AXN_IP4(255, 255, 255, 255), big_buf, len, MSS, 0);
    assert_int_equal(n, AXN_ETH_HLEN + len);
    assert_int_equal(big.transmits, 1);
    assert_int_equal(big.tx_len, AXN_ETH_HLEN + len);
    assert_memory_equal(big.tx + AXN_ETH_HLEN, big_buf, len);
    assert_int_equal(big.tx_ofl.flags, AXN_OFL_NEEDS_CSUM);
    assert_int_equal(big.tx_ofl.gso_type, AXN_GSO_TCPV4);
    assert_int_equal(big.tx_ofl.gso_size, MSS);
    assert_int_equal(big.tx_ofl.hdr_len, AXN_ETH_HLEN + AXN_IPV4_HDR_MIN + TCP_HDR_TS);
    assert_int_equal(big.tx_ofl.csum_start, AXN_ETH_HLEN + AXN_IPV4_HDR_MIN);
    assert_int_equal(big.tx_ofl.csum_offset, AXN_TCP_CSUM_OFFSET);
    dev->ops->destroy(dev);
    assert_int_equal(axn_test_live_allocs(), 0);
}

/* The frame of datagram big_buf[0 .. len), queued for receive. */
static void queue_rx(size_t len, uint8_t gso_type)
{
    const struct axn_eth e = {.dst = OUR,
                              .src = THEM,
                              .ethertype = AXN_ETHERTYPE_IPV4,
                              .payload = big_buf,
                              .payload_len = len};
    const int n = axn_eth_emit(&e, big.rx, sizeof(big.rx), AXN_ETH_EMIT_PAD);
    assert_true(n > 0);
    big.rx_len = (size_t)n;
    big.rx_ofl = (struct axn_offload){.flags = AXN_OFL_NEEDS_CSUM,
                                      .gso_type = gso_type,
                                      .gso_size = gso_type ? MSS : 0,
                                      .hdr_len = AXN_ETH_HLEN + AXN_IPV4_HDR_MIN + TCP_HDR_TS,
                                      .csum_start = AXN_ETH_HLEN + AXN_IPV4_HDR_MIN,
                                      .csum_offset = AXN_TCP_CSUM_OFFSET};
    big.rx_ready = true;
}

static uint8_t rx_out[AXN_GSO_MAX_SIZE];

static void lro_aggregate_is_delivered_whole(void **state)
{
    (void)state;
    struct axn_netdev *dev = big_dev(AXN_DRV_CAP_RX_CSUM | AXN_DRV_CAP_LRO);
    assert_int_equal(dev->lro_max, AXN_IPV4_TOTAL_MAX);
    const size_t len = build_datagram(LRO_LEN);
    queue_rx(len, AXN_GSO_TCPV4);
    struct axn_rx_meta m = {0};
    const int n = dev->ops->recv(dev, rx_out, sizeof(rx_out), &m, 0);
    assert_int_equal(n, len);
    assert_memory_equal(rx_out, big_buf, len);
    assert_int_equal(m.gso_size, MSS);
    assert_int_equal(m.offload, AXN_OFL_CSUM_VALID);
    assert_int_equal(m.frame_len, AXN_ETH_HLEN + len);
    assert_int_equal(atomic_load(&ctr.rx_dropped), 0);
    dev->ops->destroy(dev);
}

/* RT-38: above the MTU without a GSO type is an over-MTU frame, dropped
 * and counted; so is an aggregate from a device that declared no LRO. */
static void over_mtu_frames_that_are_not_aggregates_are_dropped(void **state)
{
    (void)state;
    struct axn_netdev *dev = big_dev(AXN_DRV_CAP_RX_CSUM | AXN_DRV_CAP_LRO);
    const size_t len = build_datagram(LRO_LEN);
    queue_rx(len, AXN_GSO_NONE);
    struct axn_rx_meta m = {0};
    assert_int_equal(dev->ops->recv(dev, rx_out, sizeof(rx_out), &m, 0), 0);
    assert_int_equal(atomic_load(&ctr.rx_dropped), 1);
    dev->ops->destroy(dev);

    dev = big_dev(AXN_DRV_CAP_RX_CSUM);
    queue_rx(len, AXN_GSO_TCPV4);
    assert_int_equal(dev->ops->recv(dev, rx_out, sizeof(rx_out), &m, 0), 0);
    assert_int_equal(atomic_load(&ctr.rx_dropped), 1);
    dev->ops->destroy(dev);
    assert_int_equal(axn_test_live_allocs(), 0);
}

/* ---- Through the router's queues ---------------------------------------------------- */

static struct {
    size_t n, len;
    uint16_t gso_size;
    bool same;
} got;

static void record_input(void *ctx, const uint8_t *pkt, size_t len, const struct axn_rx_meta *m,
                         axn_time_t now)
{
    (void)ctx;
    (void)now;
    got.n++;
    got.len = len;
    got.gso_size = m->gso_size;
    got.same = memcmp(pkt, big_buf, len) == 0;
}

/* An LRO device gets lanes on its RX batch and the shared RX queue (none
 * on its TX queue: no TSO); an aggregate crosses both whole, in one
 * piece, with its gso_size. */
static void router_delivers_an_aggregate_whole(void **state)
{
    (void)state;
    struct axn_ctl ctl;
    struct axn_router r;
    memset(&got, 0, sizeof(got));
    assert_int_equal(axn_ctl_init(&ctl, axn_test_platform()), 0);
    assert_int_equal(axn_router_init(&r, axn_test_platform(), &ctl), 0);
    r.input = record_input;
    struct axn_netdev *dev = big_dev(AXN_DRV_CAP_RX_CSUM | AXN_DRV_CAP_LRO);
    struct axn_dev_handle *h = NULL;
    assert_int_equal(axn_router_add_device(&r, dev, &h), 0);
    assert_non_null(h->rx_batch.big);
    assert_non_null(r.rxq.big);
    assert_null(h->txq.big);
    const size_t len = build_datagram(LRO_LEN);
    queue_rx(len, AXN_GSO_TCPV4);
    bool more = false;
    assert_int_equal(axn_router_rx_service(&r, h, 0, &more), 1);
    assert_int_equal(axn_router_deliver(&r, 0), 1);
    assert_int_equal(got.n, 1);
    assert_int_equal(got.len, len);
    assert_int_equal(got.gso_size, MSS);
    assert_true(got.same);
    axn_router_destroy(&r);
    axn_ctl_destroy(&ctl);
    assert_int_equal(axn_test_live_allocs(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lane_keeps_fifo_order_and_refuses_when_full),
        cmocka_unit_test(a_small_packet_read_into_a_large_buffer_frees_it),
        cmocka_unit_test(lane_memory_is_bounded),
        IP4_FX_TEST(tso_device_gets_one_datagram_with_partial_checksum, &fx),
        IP4_FX_TEST(tso_device_with_oversized_gso_size_falls_back_to_software, &fx),
        cmocka_unit_test(eth_hands_the_driver_one_frame_with_offload_metadata),
        cmocka_unit_test(lro_aggregate_is_delivered_whole),
        cmocka_unit_test(over_mtu_frames_that_are_not_aggregates_are_dropped),
        cmocka_unit_test(router_delivers_an_aggregate_whole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
