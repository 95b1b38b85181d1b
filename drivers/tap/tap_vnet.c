/*
 * virtio_net_hdr_v1 codec. Fields are read and written byte by byte so the
 * code is the same on big- and little-endian hosts (the device was told
 * TUNSETVNETLE) and never depends on struct layout.
 */
#include "tap_vnet.h"

#include "axnet/errno.h"

#include <linux/virtio_net.h>
#include <string.h>

enum {
    VNET_OFF_FLAGS = 0,
    VNET_OFF_GSO_TYPE = 1,
    VNET_OFF_HDR_LEN = 2,
    VNET_OFF_GSO_SIZE = 4,
    VNET_OFF_CSUM_START = 6,
    VNET_OFF_CSUM_OFFSET = 8,
};

/* Bytes of the checksum field that csum_start + csum_offset points at. */
#define VNET_CSUM_FIELD_LEN 2u
#define BITS_PER_BYTE       8u
#define BYTE_MASK           0xffu

static uint16_t get_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << BITS_PER_BYTE));
}

static void put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v & BYTE_MASK);
    p[1] = (uint8_t)(v >> BITS_PER_BYTE);
}

static int gso_from_virtio(uint8_t vtype, uint8_t *gso_type)
{
    switch (vtype) {
    case VIRTIO_NET_HDR_GSO_NONE:
        *gso_type = AXN_GSO_NONE;
        return 0;
    case VIRTIO_NET_HDR_GSO_TCPV4:
        *gso_type = AXN_GSO_TCPV4;
        return 0;
    case VIRTIO_NET_HDR_GSO_TCPV6:
        *gso_type = AXN_GSO_TCPV6;
        return 0;
    default:
        return -AXN_EOPNOTSUPP;
    }
}

static int gso_to_virtio(uint8_t gso_type, uint8_t *vtype)
{
    switch (gso_type) {
    case AXN_GSO_NONE:
        *vtype = VIRTIO_NET_HDR_GSO_NONE;
        return 0;
    case AXN_GSO_TCPV4:
        *vtype = VIRTIO_NET_HDR_GSO_TCPV4;
        return 0;
    case AXN_GSO_TCPV6:
        *vtype = VIRTIO_NET_HDR_GSO_TCPV6;
        return 0;
    default:
        return -AXN_EINVAL;
    }
}

int axn_tap_vnet_decode(const uint8_t *hdr, struct axn_offload *ofl)
{
    uint8_t vflags = hdr[VNET_OFF_FLAGS];
    int err;

    memset(ofl, 0, sizeof(*ofl));
    err = gso_from_virtio(hdr[VNET_OFF_GSO_TYPE], &ofl->gso_type);
    if (err)
        return err;
    if (vflags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
        ofl->flags |= AXN_OFL_NEEDS_CSUM;
        ofl->csum_start = get_le16(hdr + VNET_OFF_CSUM_START);
        ofl->csum_offset = get_le16(hdr + VNET_OFF_CSUM_OFFSET);
    }
    if (vflags & VIRTIO_NET_HDR_F_DATA_VALID)
        ofl->flags |= AXN_OFL_CSUM_VALID;
    /* hdr_len and gso_size mean something only for an aggregated frame. */
    if (ofl->gso_type != AXN_GSO_NONE) {
        ofl->hdr_len = get_le16(hdr + VNET_OFF_HDR_LEN);
        ofl->gso_size = get_le16(hdr + VNET_OFF_GSO_SIZE);
    }
    return 0;
}

static bool csum_fits(const struct axn_offload *ofl, size_t frame_len)
{
    size_t end = (size_t)ofl->csum_start + ofl->csum_offset + VNET_CSUM_FIELD_LEN;

    return end <= frame_len;
}

static int check_tx_offload(const struct axn_offload *ofl, size_t frame_len)
{
    bool needs_csum = (ofl->flags & AXN_OFL_NEEDS_CSUM) != 0;

    if (ofl->flags & ~AXN_OFL_NEEDS_CSUM)
        return -AXN_EINVAL;
    if (needs_csum && !csum_fits(ofl, frame_len))
        return -AXN_EINVAL;
    /* virtio: a GSO frame always leaves its TCP checksum to the device. */
    if (ofl->gso_type != AXN_GSO_NONE && (!needs_csum || ofl->gso_size == 0))
        return -AXN_EINVAL;
    return 0;
}

int axn_tap_vnet_encode(const struct axn_offload *ofl, size_t frame_len, uint8_t *hdr)
{
    uint8_t vtype;
    int err;

    err = check_tx_offload(ofl, frame_len);
    if (!err)
        err = gso_to_virtio(ofl->gso_type, &vtype);
    if (err)
        return err;
    memset(hdr, 0, AXN_TAP_VNET_HDR_LEN);
    hdr[VNET_OFF_GSO_TYPE] = vtype;
    if (ofl->flags & AXN_OFL_NEEDS_CSUM) {
        hdr[VNET_OFF_FLAGS] = VIRTIO_NET_HDR_F_NEEDS_CSUM;
        put_le16(hdr + VNET_OFF_CSUM_START, ofl->csum_start);
        put_le16(hdr + VNET_OFF_CSUM_OFFSET, ofl->csum_offset);
    }
    if (vtype != VIRTIO_NET_HDR_GSO_NONE) {
        put_le16(hdr + VNET_OFF_HDR_LEN, ofl->hdr_len);
        put_le16(hdr + VNET_OFF_GSO_SIZE, ofl->gso_size);
    }
    return 0;
}
