/*
 * ICMPv6 and NDP parse -> emit -> re-parse round trips (src/wire/icmp6.c,
 * src/wire/ndp.c).
 *
 * Input: 4-byte big-endian pseudo-header sum, 1 flag byte (bit 0: the
 * device verified the checksum), then the message. Seeds in
 * fuzz/corpus/icmp6/ are real messages (echo, errors, MLD, RS/RA/NS/NA)
 * with their real pseudo-header sums.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/byteorder.h"
#include "wire/checksum.h"
#include "wire/icmp6.h"
#include "wire/ndp.h"
#include "support/fuzz_check.h"
#include "support/fuzz_l4.h"

#define ROUND_TRIP_PSEUDO 0x2468u

static bool is_parse_error(int err)
{
    return err == AXN_WIRE_ETRUNC || err == AXN_WIRE_ECSUM || err == AXN_WIRE_ELEN ||
           err == AXN_WIRE_EVERSION;
}

static bool is_ndp_error(int err)
{
    return err == AXN_WIRE_ETYPE || err == AXN_WIRE_EFIELD || err == AXN_WIRE_ETRUNC ||
           err == AXN_WIRE_EADDR || err == AXN_WIRE_EOPTLEN || err == AXN_WIRE_ECOUNT;
}

static void check_same_icmp6(const struct axn_icmp6 *a, const struct axn_icmp6 *b)
{
    CHECK(a->type == b->type && a->code == b->code);
    CHECK(a->id == b->id && a->seq == b->seq && a->mtu == b->mtu && a->pointer == b->pointer);
    CHECK(a->body_len == b->body_len && memcmp(a->body, b->body, a->body_len) == 0);
}

static void check_same_prefix(const struct axn_ndp_prefix *a, const struct axn_ndp_prefix *b)
{
    CHECK(a->prefix_len == b->prefix_len && a->on_link == b->on_link);
    CHECK(a->autonomous == b->autonomous && a->valid_lifetime == b->valid_lifetime);
    CHECK(a->preferred_lifetime == b->preferred_lifetime);
    CHECK(memcmp(a->prefix.b, b->prefix.b, sizeof a->prefix.b) == 0);
}

static void check_same_ndp(const struct axn_ndp *a, const struct axn_ndp *b)
{
    CHECK(a->type == b->type && a->cur_hop_limit == b->cur_hop_limit);
    CHECK(a->managed == b->managed && a->other == b->other);
    CHECK(a->router_lifetime == b->router_lifetime && a->reachable_time == b->reachable_time);
    CHECK(a->retrans_timer == b->retrans_timer);
    CHECK(a->router == b->router && a->solicited == b->solicited && a->override == b->override);
    CHECK(memcmp(a->target.b, b->target.b, sizeof a->target.b) == 0);
    CHECK(memcmp(a->dest.b, b->dest.b, sizeof a->dest.b) == 0);
    CHECK(a->has_src_lladdr == b->has_src_lladdr && a->has_tgt_lladdr == b->has_tgt_lladdr);
    CHECK(!a->has_src_lladdr || memcmp(a->src_lladdr.b, b->src_lladdr.b, AXN_MAC_LEN) == 0);
    CHECK(!a->has_tgt_lladdr || memcmp(a->tgt_lladdr.b, b->tgt_lladdr.b, AXN_MAC_LEN) == 0);
    CHECK(a->has_mtu == b->has_mtu && a->mtu == b->mtu);
    CHECK(a->n_prefix == b->n_prefix && b->prefix_dropped == 0);
    for (unsigned i = 0; i < a->n_prefix; i++)
        check_same_prefix(&a->prefix[i], &b->prefix[i]);
    CHECK((a->redirected == NULL) == (b->redirected == NULL));
    CHECK(a->redirected_len == b->redirected_len);
    CHECK(!a->redirected || memcmp(a->redirected, b->redirected, a->redirected_len) == 0);
}

static void ndp_round_trip(const struct axn_icmp6 *m)
{
    struct axn_ndp n;
    int err = axn_ndp_parse(m, &n);
    CHECK(err == 0 || is_ndp_error(err));
    if (err)
        return;
    CHECK(n.n_prefix <= AXN_NDP_MAX_PREFIXES);
    size_t out_len = axn_ndp_len(&n);
    uint8_t *buf = malloc(out_len);
    CHECK(buf != NULL);
    CHECK(axn_ndp_emit(&n, buf, out_len - 1, ROUND_TRIP_PSEUDO) == AXN_WIRE_ENOSPC);
    CHECK(axn_ndp_emit(&n, buf, out_len, ROUND_TRIP_PSEUDO) == (int)out_len);
    struct axn_icmp6 m2;
    struct axn_ndp back;
    CHECK(axn_icmp6_parse(buf, out_len, &m2, ROUND_TRIP_PSEUDO, 0) == 0);
    CHECK(axn_ndp_parse(&m2, &back) == 0);
    check_same_ndp(&n, &back);
    uint8_t *again = malloc(out_len);
    CHECK(again != NULL);
    CHECK(axn_ndp_emit(&back, again, out_len, ROUND_TRIP_PSEUDO) == (int)out_len);
    CHECK(memcmp(buf, again, out_len) == 0);
    free(again);
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_l4_input in;
    if (!fuzz_l4_input(data, size, &in))
        return 0;
    const uint8_t *msg = in.msg;
    size_t len = in.len;

    struct axn_icmp6 m;
    int strict = axn_icmp6_parse(msg, len, &m, in.pseudo, 0);
    unsigned flags = (in.flags & FUZZ_L4_CSUM_OK) ? AXN_ICMP6_PARSE_CSUM_VERIFIED : 0;
    int err = axn_icmp6_parse(msg, len, &m, in.pseudo, flags);
    if (!fuzz_l4_parsed(strict, err, flags != 0, is_parse_error))
        return 0;
    CHECK(m.body == msg + AXN_ICMP6_HDR_LEN && m.body_len == len - AXN_ICMP6_HDR_LEN);
    if (axn_icmp6_is_error(m.type))
        CHECK(m.body_len >= AXN_ICMP6_ORIG_MIN_LEN);

    size_t out_len = axn_icmp6_len(&m);
    CHECK(out_len == len);
    uint8_t *buf = malloc(out_len);
    CHECK(buf != NULL);
    CHECK(axn_icmp6_emit(&m, buf, out_len - 1, ROUND_TRIP_PSEUDO) == AXN_WIRE_ENOSPC);
    CHECK(axn_icmp6_emit(&m, buf, out_len, ROUND_TRIP_PSEUDO) == (int)out_len);
    CHECK(axn_csum_finish(axn_csum_partial(buf, out_len, ROUND_TRIP_PSEUDO)) == 0);
    struct axn_icmp6 back;
    CHECK(axn_icmp6_parse(buf, out_len, &back, ROUND_TRIP_PSEUDO, 0) == 0);
    check_same_icmp6(&m, &back);
    free(buf);

    if (axn_ndp_is_ndp(m.type))
        ndp_round_trip(&m);
    return 0;
}
