/*
 * virtio_net_hdr_v1 <-> struct axn_offload, for the TAP driver's offload
 * mode. Pure functions over the 12 header bytes (virtio 1.0 layout, all
 * fields little-endian), so they are unit-tested without a device.
 */
#ifndef AXN_DRIVERS_TAP_VNET_H
#define AXN_DRIVERS_TAP_VNET_H

#include "axnet/driver.h"

/* flags, gso_type, hdr_len, gso_size, csum_start, csum_offset, num_buffers */
#define AXN_TAP_VNET_HDR_LEN 12

/*
 * Maps the header Linux put before a received frame. Returns 0, or
 * -AXN_EOPNOTSUPP for a GSO type struct axn_offload cannot describe (UDP,
 * ECN: never produced with the offloads we enable).
 */
int axn_tap_vnet_decode(const uint8_t *hdr, struct axn_offload *ofl);

/*
 * Writes the header for a frame of `frame_len` bytes about to be sent.
 * Returns 0, or -AXN_EINVAL when the metadata is inconsistent: flags other
 * than AXN_OFL_NEEDS_CSUM, a checksum field past the frame, an unknown GSO
 * type, or GSO without NEEDS_CSUM or without a segment size.
 */
int axn_tap_vnet_encode(const struct axn_offload *ofl, size_t frame_len, uint8_t *hdr);

#endif /* AXN_DRIVERS_TAP_VNET_H */
