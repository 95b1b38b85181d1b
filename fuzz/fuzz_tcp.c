/*
 * TCP parse -> emit -> re-parse round trip (src/wire/tcp.c).
 *
 * Input: 4-byte big-endian pseudo-header sum, 1 flag byte (bit 0: the
 * device verified the checksum), then the segment. Seeds in
 * fuzz/corpus/tcp/ are real segments with their real pseudo-header sums.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/byteorder.h"
#include "wire/checksum.h"
#include "wire/tcp.h"
#include "support/fuzz_check.h"
#include "support/fuzz_l4.h"

#define ROUND_TRIP_PSEUDO 0x9abcu

static bool is_parse_error(int err)
{
    return err == AXN_WIRE_ETRUNC || err == AXN_WIRE_EHDRLEN || err == AXN_WIRE_ECSUM ||
           err == AXN_WIRE_EOPTLEN;
}

static void check_same(const struct axn_tcp *a, const struct axn_tcp *b)
{
    CHECK(a->src_port == b->src_port && a->dst_port == b->dst_port);
    CHECK(a->seq == b->seq && a->ack == b->ack && a->flags == b->flags);
    CHECK(a->window == b->window && a->urg_ptr == b->urg_ptr);
    const struct axn_tcp_opts *x = &a->opts, *y = &b->opts;
    CHECK(x->has_mss == y->has_mss && x->mss == y->mss);
    CHECK(x->has_wscale == y->has_wscale && x->wscale == y->wscale);
    CHECK(x->sack_perm == y->sack_perm && x->has_ts == y->has_ts);
    CHECK(x->ts_val == y->ts_val && x->ts_ecr == y->ts_ecr);
    CHECK(x->n_sack == y->n_sack);
    for (unsigned i = 0; i < x->n_sack; i++)
        CHECK(x->sack[i].left == y->sack[i].left && x->sack[i].right == y->sack[i].right);
    CHECK(a->payload_len == b->payload_len);
    CHECK(memcmp(a->payload, b->payload, a->payload_len) == 0);
}

static void check_invariants(const struct axn_tcp *t, const uint8_t *seg, size_t len)
{
    CHECK(t->hdr_len >= AXN_TCP_HDR_LEN && t->hdr_len <= AXN_TCP_MAX_HDR_LEN);
    CHECK(t->hdr_len % 4 == 0 && t->hdr_len <= len);
    CHECK(t->payload == seg + t->hdr_len && t->payload_len == len - t->hdr_len);
    CHECK(t->flags <= AXN_TCP_FLAGS_MASK);
    CHECK(t->opts.n_sack <= AXN_TCP_MAX_SACK_BLOCKS);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_l4_input in;
    if (!fuzz_l4_input(data, size, &in))
        return 0;
    const uint8_t *seg = in.msg;
    size_t len = in.len;

    struct axn_tcp t;
    int strict = axn_tcp_parse(seg, len, &t, in.pseudo, 0);
    unsigned flags = (in.flags & FUZZ_L4_CSUM_OK) ? AXN_TCP_PARSE_CSUM_VERIFIED : 0;
    int err = axn_tcp_parse(seg, len, &t, in.pseudo, flags);
    if (!fuzz_l4_parsed(strict, err, flags != 0, is_parse_error))
        return 0;
    check_invariants(&t, seg, len);

    size_t olen = axn_tcp_opts_len(&t.opts);
    size_t out_len = axn_tcp_len(&t);
    CHECK(out_len == AXN_TCP_HDR_LEN + olen + t.payload_len);
    uint8_t *buf = malloc(out_len + 1);
    CHECK(buf != NULL);
    int n = axn_tcp_emit(&t, buf, out_len + 1, ROUND_TRIP_PSEUDO, 0);
    if (olen > AXN_TCP_MAX_OPT_LEN) {
        /* Options that fit the received header may not fit Linux's layout. */
        CHECK(n == AXN_WIRE_EOPTLEN);
        free(buf);
        return 0;
    }
    CHECK(n == (int)out_len);
    CHECK(axn_tcp_emit(&t, buf, out_len - 1, ROUND_TRIP_PSEUDO, 0) == AXN_WIRE_ENOSPC);
    CHECK(axn_tcp_emit(&t, buf, out_len, ROUND_TRIP_PSEUDO, 0) == (int)out_len);

    struct axn_tcp back;
    CHECK(axn_tcp_parse(buf, out_len, &back, ROUND_TRIP_PSEUDO, 0) == 0);
    CHECK(back.hdr_len == AXN_TCP_HDR_LEN + olen);
    check_same(&t, &back);

    /* Emitting what was re-parsed gives the same bytes. */
    uint8_t *again = malloc(out_len);
    CHECK(again != NULL);
    CHECK(axn_tcp_emit(&back, again, out_len, ROUND_TRIP_PSEUDO, 0) == (int)out_len);
    CHECK(memcmp(buf, again, out_len) == 0);
    free(again);
    free(buf);
    return 0;
}
