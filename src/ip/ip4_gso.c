/*
 * Software GSO for TCP/IPv4 (ip4_gso.h): the segmentation a TSO device
 * does (AXN_DRV_CAP_TSO4), done by the stack when the device cannot.
 */
#include "ip/ip4_gso.h"

#include "axnet/errno.h"
#include "lib/byteorder.h"
#include "lib/mem.h"
#include "wire/checksum.h"
#include "wire/tcp.h"

/* RFC 9293 3.1: the header field offsets used here. */
#define TCP_OFF_SEQ        4
#define TCP_OFF_DATA_OFF   12
#define TCP_OFF_FLAGS      13
#define TCP_DATA_OFF_SHIFT 4
#define TCP_WORD           4u
/* Flags in byte 13 of the header (AE lives in byte 12: untouched). */
#define TCP_LAST_ONLY  (AXN_TCP_FIN | AXN_TCP_PSH)
#define TCP_FIRST_ONLY AXN_TCP_CWR

static size_t header_len(const uint8_t *tcp, size_t len)
{
    size_t hl;

    if (len < AXN_TCP_HDR_LEN)
        return 0;
    hl = (size_t)(tcp[TCP_OFF_DATA_OFF] >> TCP_DATA_OFF_SHIFT) * TCP_WORD;
    return hl >= AXN_TCP_HDR_LEN && hl <= len ? hl : 0;
}

/* The flags of segment [off, off + n) of a payload of `total` bytes. */
static uint8_t seg_flags(uint8_t flags, size_t off, size_t n, size_t total)
{
    if (off + n < total)
        flags &= (uint8_t)~TCP_LAST_ONLY;
    if (off != 0)
        flags &= (uint8_t)~TCP_FIRST_ONLY;
    return flags;
}

static int emit_one(const struct axn_ip4_gso *g, const uint8_t *tcp, size_t hl, size_t off,
                    size_t n, size_t total)
{
    uint8_t *seg = g->scratch + g->hdr_room;
    const uint32_t seq = axn_get_be32(tcp + TCP_OFF_SEQ) + (uint32_t)off;
    const size_t seg_len = hl + n;
    uint32_t sum;

    memcpy(seg, tcp, hl);
    memcpy(seg + hl, tcp + hl + off, n);
    axn_put_be32(seg + TCP_OFF_SEQ, seq);
    seg[TCP_OFF_FLAGS] = seg_flags(tcp[TCP_OFF_FLAGS], off, n, total);
    axn_put_be16(seg + AXN_TCP_CSUM_OFFSET, 0);
    sum = axn_csum_pseudo_v4(g->src, g->dst, AXN_TCP_PROTO, (uint16_t)seg_len);
    axn_put_be16(seg + AXN_TCP_CSUM_OFFSET, axn_csum_finish(axn_csum_partial(seg, seg_len, sum)));
    return g->emit(g->ctx, seg, seg_len);
}

int axn_ip4_gso_split(const struct axn_ip4_gso *g, const uint8_t *tcp, size_t len)
{
    const size_t hl = header_len(tcp, len);
    size_t per = g->mss;
    size_t total;
    size_t off = 0;
    int count = 0;

    if (hl == 0 || g->max_tcp_len <= hl)
        return -AXN_EINVAL;
    if (per > g->max_tcp_len - hl)
        per = g->max_tcp_len - hl;
    if (per == 0 || g->hdr_room + hl + per > g->scratch_cap)
        return -AXN_EINVAL;
    total = len - hl;
    do {
        const size_t n = total - off < per ? total - off : per;
        const int err = emit_one(g, tcp, hl, off, n, total);
        if (err)
            return err;
        count++;
        off += n;
    } while (off < total);
    return count;
}
