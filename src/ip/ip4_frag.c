/* IPv4 fragmentation on output (RFC 791 3.2, RFC 1122 3.3.3); see ip4_frag.h. */
#include "ip/ip4_frag.h"

#include "axnet/errno.h"
#include "lib/mem.h"

/* RFC 791 3.2: fragment data (all but the last piece) comes in 8-octet
 * blocks, the unit of Fragment Offset. */
#define FRAG_UNIT 8u
/* RFC 791 3.1: the header is padded to a multiple of 32 bits. */
#define OPT_ALIGN 4u
/* RFC 791 3.1: a multi-octet option starts with its type and length. */
#define OPT_HDR_LEN 2u
/* RFC 791 3.1: the top bit of an option type is its "copied" flag. */
#define OPT_COPIED 0x80u

/* One fragmentation job: the parsed original and where pieces go. */
struct job {
    const struct axn_ipv4 *ip;
    size_t mtu;
    uint8_t *scratch;
    const uint8_t *later_opts; /* options of every fragment but the first */
    size_t later_opts_len;
    axn_ip4_frag_emit_fn emit;
    void *ctx;
};

/*
 * RFC 791 3.1: options with the copied flag go into every fragment, the
 * rest only into the first. Writes the copied ones to `out` (at most
 * `len` bytes) and returns their length. NOP and EOL are not copied: emit
 * pads what is left to a 32-bit edge.
 */
static size_t copied_options(const uint8_t *opt, size_t len, uint8_t *out)
{
    size_t i = 0;
    size_t n = 0;
    while (i < len && opt[i] != AXN_IPV4_OPT_EOL) {
        if (opt[i] == AXN_IPV4_OPT_NOP) {
            i++;
            continue;
        }
        /* The parser checked the framing; stop rather than trust it twice. */
        if (len - i < OPT_HDR_LEN || opt[i + 1] < OPT_HDR_LEN || opt[i + 1] > len - i)
            break;
        size_t olen = opt[i + 1];
        if (opt[i] & OPT_COPIED) {
            memcpy(out + n, opt + i, olen);
            n += olen;
        }
        i += olen;
    }
    return n;
}

static size_t header_len(size_t options_len)
{
    return AXN_IPV4_HDR_MIN + (options_len + OPT_ALIGN - 1) / OPT_ALIGN * OPT_ALIGN;
}

/* Emits the piece of the payload at `off`, its length in *taken: 0 or an error. */
static int emit_piece(const struct job *j, size_t off, size_t *taken)
{
    struct axn_ipv4 f = *j->ip;
    if (off) {
        f.options = j->later_opts;
        f.options_len = j->later_opts_len;
    }
    size_t room = (j->mtu - header_len(f.options_len)) / FRAG_UNIT * FRAG_UNIT;
    size_t left = j->ip->payload_len - off;
    size_t chunk = left < room ? left : room;
    f.payload = j->ip->payload + off;
    f.payload_len = chunk;
    /* Offsets stay relative to the original's own: a fragment splits into
     * fragments of the same datagram, MF set unless this is its end. */
    f.frag_offset = (uint16_t)(j->ip->frag_offset + off);
    f.mf = j->ip->mf || chunk < left;
    int n = axn_ipv4_emit(&f, j->scratch, j->mtu);
    if (n < 0)
        return -AXN_EINVAL;
    *taken = chunk;
    int err = j->emit(j->ctx, j->scratch, (size_t)n);
    return err < 0 ? err : 0;
}

static int split(const struct job *j)
{
    size_t off = 0;
    int count = 0;
    do {
        size_t taken = 0;
        int err = emit_piece(j, off, &taken);
        if (err)
            return err;
        off += taken;
        count++;
    } while (off < j->ip->payload_len);
    return count;
}

int axn_ip4_fragment(const uint8_t *pkt, size_t len, size_t mtu, uint8_t *scratch,
                     axn_ip4_frag_emit_fn emit, void *ctx)
{
    struct axn_ipv4 ip;
    if (axn_ipv4_parse(pkt, len, &ip, 0) != 0)
        return -AXN_EINVAL;
    if (ip.total_len <= mtu) {
        int err = emit(ctx, pkt, ip.total_len);
        return err < 0 ? err : 1;
    }
    /* RFC 1191 / RFC 791 3.2: DF forbids it; the caller reports it. */
    if (ip.df)
        return -AXN_EMSGSIZE;
    /* RFC 791 3.2: the first fragment needs its whole header and one
     * 8-octet block (later ones carry fewer options, never more). */
    if (mtu < ip.hdr_len + FRAG_UNIT)
        return -AXN_EINVAL;
    uint8_t later[AXN_IPV4_OPT_MAX];
    struct job j = {&ip, mtu, scratch, later, 0, emit, ctx};
    j.later_opts_len = copied_options(ip.options, ip.options_len, later);
    return split(&j);
}
