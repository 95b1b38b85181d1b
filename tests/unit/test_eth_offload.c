/*
 * Receive checksum offload through the Ethernet adapter and IPv4 input:
 * a frame the driver marks NEEDS_CSUM (virtio 1.x 5.1.6.4: a host's
 * partially summed frame, whose checksums "have been validated") or
 * CSUM_VALID reaches IPv4 as checksum-valid; a plain frame does not.
 * IPv4 hands the flag to the transport in axn_ip4_rx.offload (so TCP
 * skips its own check) and clears it for a reassembled datagram (a device
 * never summed the whole). TCP's use of it: test_tcp_tap's
 * large_transfer_with_csum_offload, where Linux's frames carry partial sums.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "axnet/driver.h"
#include "dev/eth_dev.h"
#include "dev/netdev.h"
#include "ip4_fx.h"
#include "ip4_pkt.h"
#include "ip4_rig_names.h"
#include "mock_driver.h"
#include "test_platform.h"
#include "wire/ethernet.h"
#include "wire/ipv4.h"

#define IFINDEX_E 2u
#define FRAG_OFF  8u /* a second fragment: offset 8 bytes */

static const struct axn_mac OUR = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};
static const struct axn_mac THEM = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x02}};

static struct mock_driver mock;
static struct axn_eth_driver shim; /* mock's ops, with our RX flags */
static struct axn_eth_driver_ops shim_ops;
static uint8_t rx_flags;

static int flagged_receive(void *drv, struct axn_rx_buf *rx)
{
    const int err = mock.drv.ops->receive(drv, rx);
    if (err == 0)
        rx->offload.flags = rx_flags;
    return err;
}

/* The IP packet the adapter delivers for one frame flagged `flags`, and
 * the offload bits that came with it. */
static uint8_t meta_offload_for(uint8_t flags)
{
    struct axn_platform plat = *axn_test_platform();
    struct axn_if_counters ctr;
    memset(&ctr, 0, sizeof(ctr));
    mock_driver_init(&mock, &OUR);
    shim = mock.drv;
    shim_ops = *mock.drv.ops;
    shim_ops.receive = flagged_receive;
    shim.ops = &shim_ops;
    rx_flags = flags;
    const struct axn_eth_dev_params p = {
        .plat = &plat, .driver = &shim, .name = "eth0", .ifindex = IFINDEX_E, .counters = &ctr};
    struct axn_netdev *dev = NULL;
    assert_int_equal(axn_eth_dev_create(&p, &dev), 0);

    uint8_t ip[PKT_MAX], frame[PKT_MAX + AXN_ETH_HLEN];
    const size_t ip_len = ip4_pkt_build_simple(ip, PEER, ETH0_ADDR, UDP_PROTO);
    const struct axn_eth e = {.dst = OUR,
                              .src = THEM,
                              .ethertype = AXN_ETHERTYPE_IPV4,
                              .payload = ip,
                              .payload_len = ip_len};
    const int n = axn_eth_emit(&e, frame, sizeof(frame), AXN_ETH_EMIT_PAD);
    assert_true(n > 0);
    assert_int_equal(mock_driver_push_rx(&mock, frame, (size_t)n), 0);

    uint8_t out[AXN_PKT_SLOT_SIZE];
    struct axn_rx_meta meta;
    memset(&meta, 0, sizeof(meta));
    assert_int_equal(dev->ops->recv(dev, out, sizeof(out), &meta, 0), (int)ip_len);
    dev->ops->destroy(dev);
    return meta.offload;
}

static void needs_csum_from_the_host_counts_as_verified(void **state)
{
    (void)state;
    assert_int_equal(meta_offload_for(AXN_OFL_NEEDS_CSUM), AXN_OFL_CSUM_VALID);
    assert_int_equal(meta_offload_for(AXN_OFL_CSUM_VALID), AXN_OFL_CSUM_VALID);
    assert_int_equal(meta_offload_for(AXN_OFL_NEEDS_CSUM | AXN_OFL_CSUM_VALID), AXN_OFL_CSUM_VALID);
    assert_int_equal(meta_offload_for(0), 0);
}

static struct ip4_fx fx;

static void ipv4_hands_the_flag_to_the_transport(void **state)
{
    (void)state;
    uint8_t pkt[PKT_MAX];
    const size_t len = ip4_pkt_build_simple(pkt, PEER, ETH0_ADDR, UDP_PROTO);
    ip4_fx_rx_flags(pkt, len, ETH0, AXN_OFL_CSUM_VALID);
    ip4_fx_rx(pkt, len, ETH0);
    assert_int_equal(fx.n_in, 2);
    assert_int_equal(fx.in[0].rx.offload, AXN_OFL_CSUM_VALID);
    assert_int_equal(fx.in[1].rx.offload, 0);
}

/* Two fragments, both flagged: the whole was never summed by a device. */
static void a_reassembled_datagram_is_not_vouched_for(void **state)
{
    (void)state;
    const struct axn_ipv4 first = {
        .id = 7, .mf = true, .ttl = TTL, .protocol = UDP_PROTO, .src = PEER, .dst = ETH0_ADDR};
    struct axn_ipv4 second = first;
    second.mf = false;
    second.frag_offset = FRAG_OFF;
    uint8_t a[PKT_MAX], b[PKT_MAX];
    const size_t la = ip4_pkt_build(a, &first, FRAG_OFF);
    const size_t lb = ip4_pkt_build(b, &second, FRAG_OFF);
    ip4_fx_rx_flags(a, la, ETH0, AXN_OFL_CSUM_VALID);
    ip4_fx_rx_flags(b, lb, ETH0, AXN_OFL_CSUM_VALID);
    assert_int_equal(fx.n_in, 1);
    assert_int_equal(fx.in[0].rx.len, AXN_IPV4_HDR_MIN + 2 * FRAG_OFF);
    assert_int_equal(fx.in[0].rx.offload, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(needs_csum_from_the_host_counts_as_verified),
        IP4_FX_TEST(ipv4_hands_the_flag_to_the_transport, &fx),
        IP4_FX_TEST(a_reassembled_datagram_is_not_vouched_for, &fx),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
