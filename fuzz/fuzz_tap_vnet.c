/*
 * The virtio-net header a TAP device puts before every received frame is
 * input from the kernel: decode it, and when it decodes, encoding the
 * result must give a header that decodes to the same metadata.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "drivers/tap/tap_vnet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < AXN_TAP_VNET_HDR_LEN)
        return 0;
    struct axn_offload ofl;
    if (axn_tap_vnet_decode(data, &ofl) != 0)
        return 0;
    /* Frame length: the rest of the input, at least large enough that any
     * checksum position the header names could be inside it. */
    size_t frame_len = size - AXN_TAP_VNET_HDR_LEN + 65536;
    uint8_t hdr[AXN_TAP_VNET_HDR_LEN];
    if (axn_tap_vnet_encode(&ofl, frame_len, hdr) != 0)
        return 0; /* decodable but not something we would send: fine */
    struct axn_offload again;
    if (axn_tap_vnet_decode(hdr, &again) != 0 || memcmp(&ofl, &again, sizeof(ofl)) != 0)
        __builtin_trap();
    return 0;
}
