/*
 * The TAP driver's virtio_net_hdr_v1 codec (drivers/tap/tap_vnet.c): exact
 * header bytes for each offload, and the metadata it refuses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "axnet/errno.h"
#include "drivers/tap/tap_vnet.h"

#define ETH_IP4_UDP_CSUM_START 34 /* 14 Ethernet + 20 IPv4 */
#define UDP_CSUM_OFFSET        6
#define TCP_CSUM_OFFSET        16
#define ETH_IP4_TCP_HDR_LEN    54 /* 14 + 20 + 20 */
#define ETH_IP6_TCP_CSUM_START 54 /* 14 Ethernet + 40 IPv6 */
#define ETH_IP6_TCP_HDR_LEN    74
#define MSS_IP4                1448
#define MSS_IP6                1428
#define UDP_FRAME_LEN          60
#define TSO_FRAME_LEN          65000
#define FILL_BYTE              0xaa
#define VIRTIO_GSO_UDP         3
#define VIRTIO_GSO_TCPV4_ECN   0x81
#define VIRTIO_FLAG_RSC_INFO   4
#define UNKNOWN_AXN_GSO        7

static void decode_maps_needs_csum_to_offsets_without_gso(void **state)
{
    const uint8_t hdr[AXN_TAP_VNET_HDR_LEN] = {0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
                                               0x22, 0x00, 0x06, 0x00, 0x00, 0x00};
    struct axn_offload ofl;

    (void)state;
    memset(&ofl, FILL_BYTE, sizeof(ofl));
    assert_int_equal(axn_tap_vnet_decode(hdr, &ofl), 0);
    assert_int_equal(ofl.flags, AXN_OFL_NEEDS_CSUM);
    assert_int_equal(ofl.gso_type, AXN_GSO_NONE);
    assert_int_equal(ofl.csum_start, ETH_IP4_UDP_CSUM_START);
    assert_int_equal(ofl.csum_offset, UDP_CSUM_OFFSET);
    assert_int_equal(ofl.hdr_len, 0);
    assert_int_equal(ofl.gso_size, 0);
}

static void decode_maps_data_valid_to_csum_valid(void **state)
{
    const uint8_t hdr[AXN_TAP_VNET_HDR_LEN] = {0x02};
    struct axn_offload ofl;

    (void)state;
    assert_int_equal(axn_tap_vnet_decode(hdr, &ofl), 0);
    assert_int_equal(ofl.flags, AXN_OFL_CSUM_VALID);
    assert_int_equal(ofl.csum_start, 0);
    assert_int_equal(ofl.csum_offset, 0);
}

static void decode_reads_little_endian_tcpv4_gso_fields(void **state)
{
    /* hdr_len 54, gso_size 1448 (0x05a8), csum 34/16. */
    const uint8_t hdr[AXN_TAP_VNET_HDR_LEN] = {0x01, 0x01, 0x36, 0x00, 0xa8, 0x05,
                                               0x22, 0x00, 0x10, 0x00, 0x00, 0x00};
    struct axn_offload ofl;

    (void)state;
    assert_int_equal(axn_tap_vnet_decode(hdr, &ofl), 0);
    assert_int_equal(ofl.flags, AXN_OFL_NEEDS_CSUM);
    assert_int_equal(ofl.gso_type, AXN_GSO_TCPV4);
    assert_int_equal(ofl.hdr_len, ETH_IP4_TCP_HDR_LEN);
    assert_int_equal(ofl.gso_size, MSS_IP4);
    assert_int_equal(ofl.csum_start, ETH_IP4_UDP_CSUM_START);
    assert_int_equal(ofl.csum_offset, TCP_CSUM_OFFSET);
}

static void decode_maps_virtio_tcpv6_type_4(void **state)
{
    /* hdr_len 74, gso_size 1428 (0x0594). */
    const uint8_t hdr[AXN_TAP_VNET_HDR_LEN] = {0x01, 0x04, 0x4a, 0x00, 0x94, 0x05,
                                               0x36, 0x00, 0x10, 0x00, 0x00, 0x00};
    struct axn_offload ofl;

    (void)state;
    assert_int_equal(axn_tap_vnet_decode(hdr, &ofl), 0);
    assert_int_equal(ofl.gso_type, AXN_GSO_TCPV6);
    assert_int_equal(ofl.hdr_len, ETH_IP6_TCP_HDR_LEN);
    assert_int_equal(ofl.gso_size, MSS_IP6);
    assert_int_equal(ofl.csum_start, ETH_IP6_TCP_CSUM_START);
}

static void decode_ignores_hdr_len_and_unknown_flags_of_plain_frame(void **state)
{
    const uint8_t hdr[AXN_TAP_VNET_HDR_LEN] = {VIRTIO_FLAG_RSC_INFO, 0x00, 0x2a, 0x00, 0x10, 0x00};
    struct axn_offload ofl;

    (void)state;
    assert_int_equal(axn_tap_vnet_decode(hdr, &ofl), 0);
    assert_int_equal(ofl.flags, 0);
    assert_int_equal(ofl.hdr_len, 0);
    assert_int_equal(ofl.gso_size, 0);
}

static void decode_rejects_udp_and_ecn_gso(void **state)
{
    uint8_t hdr[AXN_TAP_VNET_HDR_LEN] = {0x01, VIRTIO_GSO_UDP};
    struct axn_offload ofl;

    (void)state;
    assert_int_equal(axn_tap_vnet_decode(hdr, &ofl), -AXN_EOPNOTSUPP);
    hdr[1] = VIRTIO_GSO_TCPV4_ECN;
    assert_int_equal(axn_tap_vnet_decode(hdr, &ofl), -AXN_EOPNOTSUPP);
}

static void encode_writes_zero_header_for_plain_frame(void **state)
{
    const uint8_t want[AXN_TAP_VNET_HDR_LEN] = {0};
    struct axn_offload ofl = {0};
    uint8_t hdr[AXN_TAP_VNET_HDR_LEN];

    (void)state;
    memset(hdr, FILL_BYTE, sizeof(hdr));
    assert_int_equal(axn_tap_vnet_encode(&ofl, UDP_FRAME_LEN, hdr), 0);
    assert_memory_equal(hdr, want, sizeof(want));
}

static void encode_writes_needs_csum_offsets_little_endian(void **state)
{
    const uint8_t want[AXN_TAP_VNET_HDR_LEN] = {0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
                                                0x22, 0x00, 0x06, 0x00, 0x00, 0x00};
    struct axn_offload ofl = {.flags = AXN_OFL_NEEDS_CSUM,
                              .csum_start = ETH_IP4_UDP_CSUM_START,
                              .csum_offset = UDP_CSUM_OFFSET};
    uint8_t hdr[AXN_TAP_VNET_HDR_LEN];

    (void)state;
    memset(hdr, FILL_BYTE, sizeof(hdr));
    assert_int_equal(axn_tap_vnet_encode(&ofl, UDP_FRAME_LEN, hdr), 0);
    assert_memory_equal(hdr, want, sizeof(want));
}

static void encode_writes_tso6_type_and_segment_fields(void **state)
{
    const uint8_t want[AXN_TAP_VNET_HDR_LEN] = {0x01, 0x04, 0x4a, 0x00, 0x94, 0x05,
                                                0x36, 0x00, 0x10, 0x00, 0x00, 0x00};
    struct axn_offload ofl = {.flags = AXN_OFL_NEEDS_CSUM,
                              .gso_type = AXN_GSO_TCPV6,
                              .hdr_len = ETH_IP6_TCP_HDR_LEN,
                              .gso_size = MSS_IP6,
                              .csum_start = ETH_IP6_TCP_CSUM_START,
                              .csum_offset = TCP_CSUM_OFFSET};
    uint8_t hdr[AXN_TAP_VNET_HDR_LEN];

    (void)state;
    assert_int_equal(axn_tap_vnet_encode(&ofl, TSO_FRAME_LEN, hdr), 0);
    assert_memory_equal(hdr, want, sizeof(want));
}

static void encode_accepts_csum_field_ending_exactly_at_frame_end(void **state)
{
    struct axn_offload ofl = {.flags = AXN_OFL_NEEDS_CSUM,
                              .csum_start = ETH_IP4_UDP_CSUM_START,
                              .csum_offset = UDP_CSUM_OFFSET};
    size_t end = ETH_IP4_UDP_CSUM_START + UDP_CSUM_OFFSET + 2;
    uint8_t hdr[AXN_TAP_VNET_HDR_LEN];

    (void)state;
    assert_int_equal(axn_tap_vnet_encode(&ofl, end, hdr), 0);
    assert_int_equal(axn_tap_vnet_encode(&ofl, end - 1, hdr), -AXN_EINVAL);
}

static void encode_rejects_inconsistent_offloads(void **state)
{
    struct axn_offload gso_no_csum = {.gso_type = AXN_GSO_TCPV4, .gso_size = MSS_IP4};
    struct axn_offload gso_no_mss = {.flags = AXN_OFL_NEEDS_CSUM,
                                     .gso_type = AXN_GSO_TCPV4,
                                     .csum_start = ETH_IP4_UDP_CSUM_START,
                                     .csum_offset = TCP_CSUM_OFFSET};
    struct axn_offload bad_type = gso_no_mss;
    struct axn_offload rx_flag = {.flags = AXN_OFL_CSUM_VALID};
    uint8_t hdr[AXN_TAP_VNET_HDR_LEN];

    (void)state;
    bad_type.gso_size = MSS_IP4;
    bad_type.gso_type = UNKNOWN_AXN_GSO;
    assert_int_equal(axn_tap_vnet_encode(&gso_no_csum, TSO_FRAME_LEN, hdr), -AXN_EINVAL);
    assert_int_equal(axn_tap_vnet_encode(&gso_no_mss, TSO_FRAME_LEN, hdr), -AXN_EINVAL);
    assert_int_equal(axn_tap_vnet_encode(&bad_type, TSO_FRAME_LEN, hdr), -AXN_EINVAL);
    assert_int_equal(axn_tap_vnet_encode(&rx_flag, TSO_FRAME_LEN, hdr), -AXN_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decode_maps_needs_csum_to_offsets_without_gso),
        cmocka_unit_test(decode_maps_data_valid_to_csum_valid),
        cmocka_unit_test(decode_reads_little_endian_tcpv4_gso_fields),
        cmocka_unit_test(decode_maps_virtio_tcpv6_type_4),
        cmocka_unit_test(decode_ignores_hdr_len_and_unknown_flags_of_plain_frame),
        cmocka_unit_test(decode_rejects_udp_and_ecn_gso),
        cmocka_unit_test(encode_writes_zero_header_for_plain_frame),
        cmocka_unit_test(encode_writes_needs_csum_offsets_little_endian),
        cmocka_unit_test(encode_writes_tso6_type_and_segment_fields),
        cmocka_unit_test(encode_accepts_csum_field_ending_exactly_at_frame_end),
        cmocka_unit_test(encode_rejects_inconsistent_offloads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
