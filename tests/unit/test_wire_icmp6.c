/* ICMPv6 and NDP parse/emit (src/wire/icmp6.c, src/wire/ndp.c; RFC 4443, RFC 4861). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../fixtures/l4/icmp6.h"
#include "lib/byteorder.h"
#include "wire/checksum.h"
#include "wire/icmp6.h"
#include "wire/ndp.h"

/* An arbitrary pseudo-header for hand-built messages. */
#define TEST_PSEUDO 0x4242u

static const struct axn_mac router_mac = {{0xea, 0x35, 0xb6, 0x2e, 0xf9, 0x36}};
static const struct axn_mac host_mac = {{0x72, 0x20, 0xd8, 0xdb, 0x11, 0x1b}};
/* fd44:1::7020:d8ff:fedb:111b, the host's SLAAC address. */
static const struct axn_ip6 host_global = {
    {0xfd, 0x44, 0, 1, 0, 0, 0, 0, 0x70, 0x20, 0xd8, 0xff, 0xfe, 0xdb, 0x11, 0x1b}};

static uint32_t fx_pseudo(const struct l4_fixture *f, size_t len)
{
    return l4_fixture_pseudo(f, AXN_ICMP6_NEXT_HEADER, len);
}

static int parse_fx(const struct l4_fixture *f, struct axn_icmp6 *m)
{
    return axn_icmp6_parse(f->bytes, f->len, m, fx_pseudo(f, f->len), 0);
}

static int parse_ndp_fx(const struct l4_fixture *f, struct axn_ndp *n)
{
    struct axn_icmp6 m;
    assert_int_equal(parse_fx(f, &m), 0);
    return axn_ndp_parse(&m, n);
}

/* An NDP message of `type` whose body is `body` (fixed part + options). */
static struct axn_icmp6 ndp_msg(uint8_t type, const uint8_t *body, size_t len)
{
    struct axn_icmp6 m = {.type = type, .body = body, .body_len = len};
    return m;
}

/* A neighbour solicitation for host_global followed by `opt`. */
static int parse_ns_with_options(const uint8_t *opt, size_t opt_len, struct axn_ndp *n)
{
    uint8_t body[256];
    memcpy(body, host_global.b, 16);
    memcpy(body + 16, opt, opt_len);
    struct axn_icmp6 m = ndp_msg(AXN_ICMP6_NEIGH_SOLICIT, body, 16 + opt_len);
    return axn_ndp_parse(&m, n);
}

/* ---- ICMPv6 on real packets ------------------------------------------------- */

static void icmp6_parse_linux_echo_request_and_reply(void **state)
{
    (void)state;
    struct axn_icmp6 req, rep;
    assert_int_equal(parse_fx(&icmp6_echo_request, &req), 0);
    assert_int_equal(req.type, AXN_ICMP6_ECHO_REQUEST);
    assert_int_equal(req.code, 0);
    assert_int_equal(req.csum, 0xe638);
    assert_int_equal(req.id, 10551);
    assert_int_equal(req.seq, 1);
    assert_int_equal(req.body_len, 56);
    assert_ptr_equal(req.body, icmp6_echo_request.bytes + 8);
    assert_false(axn_icmp6_is_error(req.type));

    assert_int_equal(parse_fx(&icmp6_echo_reply, &rep), 0);
    assert_int_equal(rep.type, AXN_ICMP6_ECHO_REPLY);
    assert_int_equal(rep.id, 10551);
    assert_int_equal(rep.seq, 1);
    assert_memory_equal(rep.body, req.body, 56);
}

static void icmp6_parse_linux_port_unreachable_quotes_udp(void **state)
{
    (void)state;
    struct axn_icmp6 m;
    assert_int_equal(parse_fx(&icmp6_dest_unreach_port, &m), 0);
    assert_int_equal(m.type, AXN_ICMP6_DEST_UNREACH);
    assert_int_equal(m.code, AXN_ICMP6_UNREACH_PORT);
    assert_true(axn_icmp6_is_error(m.type));
    assert_int_equal(m.body_len, 62);
    assert_int_equal(m.body[6], 17);                   /* quoted next header: UDP */
    assert_int_equal(axn_get_be16(m.body + 42), 9999); /* quoted destination port */
}

static void icmp6_parse_linux_packet_too_big_reads_mtu(void **state)
{
    (void)state;
    struct axn_icmp6 m;
    assert_int_equal(parse_fx(&icmp6_pkt_too_big, &m), 0);
    assert_int_equal(m.type, AXN_ICMP6_PKT_TOO_BIG);
    assert_int_equal(m.mtu, 1280);
    /* RFC 4443 2.4 (c): the error fits the minimum MTU: 1280 - 40 - 8. */
    assert_int_equal(m.body_len, 1232);
}

static void icmp6_parse_linux_time_exceeded(void **state)
{
    (void)state;
    struct axn_icmp6 m;
    assert_int_equal(parse_fx(&icmp6_time_exceeded, &m), 0);
    assert_int_equal(m.type, AXN_ICMP6_TIME_EXCEEDED);
    assert_int_equal(m.code, AXN_ICMP6_EXC_HOPLIMIT);
    assert_int_equal(m.body_len, 104);
    assert_int_equal(m.body[7], 1); /* the quoted hop limit that ran out */
}

static void icmp6_parse_linux_parameter_problem_pointer(void **state)
{
    (void)state;
    struct axn_icmp6 m;
    assert_int_equal(parse_fx(&icmp6_param_problem, &m), 0);
    assert_int_equal(m.type, AXN_ICMP6_PARAM_PROBLEM);
    assert_int_equal(m.code, AXN_ICMP6_PARAM_NEXTHEADER);
    assert_int_equal(m.pointer, 6); /* the next-header octet */
    assert_int_equal(m.body[6], 253);
    assert_memory_equal(m.body + 40, "axnet-proto-253", 15);
}

static void icmp6_parse_linux_mld_report_generically(void **state)
{
    (void)state;
    struct axn_icmp6 m;
    assert_int_equal(parse_fx(&icmp6_mld2_report, &m), 0);
    assert_int_equal(m.type, 143);
    static const uint8_t rest[] = {0, 0, 0, 4}; /* reserved, 4 records */
    assert_memory_equal(m.rest, rest, 4);
    assert_int_equal(m.body_len, 80);
    assert_int_equal(m.id, 0);
    assert_int_equal(m.mtu, 0);
}

static void icmp6_emit_reproduces_linux_messages_byte_for_byte(void **state)
{
    (void)state;
    const struct l4_fixture *all[] = {
        &icmp6_echo_request,
        &icmp6_echo_reply,
        &icmp6_dest_unreach_port,
        &icmp6_pkt_too_big,
        &icmp6_time_exceeded,
        &icmp6_param_problem,
        &icmp6_mld2_report,
        &ndp_rs,
        &ndp_ra,
        &ndp_ns_dad,
        &ndp_ns,
        &ndp_na_router,
        &ndp_na_no_opts,
    };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        struct axn_icmp6 m;
        uint8_t out[2048];
        assert_int_equal(parse_fx(all[i], &m), 0);
        assert_int_equal(axn_icmp6_len(&m), all[i]->len);
        assert_int_equal(axn_icmp6_emit(&m, out, sizeof out, fx_pseudo(all[i], all[i]->len)),
                         (int)all[i]->len);
        assert_memory_equal(out, all[i]->bytes, all[i]->len);
    }
}

/* ---- ICMPv6 emit and round trips ---------------------------------------------- */

static void icmp6_round_trip_echo(void **state)
{
    (void)state;
    struct axn_icmp6 in = {.type = AXN_ICMP6_ECHO_REPLY,
                           .id = 0x1234,
                           .seq = 0xfffe,
                           .body = (const uint8_t *)"pong!",
                           .body_len = 5};
    uint8_t buf[32];
    assert_int_equal(axn_icmp6_emit(&in, buf, sizeof buf, TEST_PSEUDO), 13);
    static const uint8_t rest[] = {0x12, 0x34, 0xff, 0xfe};
    assert_memory_equal(buf + 4, rest, 4);
    struct axn_icmp6 out;
    assert_int_equal(axn_icmp6_parse(buf, 13, &out, TEST_PSEUDO, 0), 0);
    assert_int_equal(out.type, AXN_ICMP6_ECHO_REPLY);
    assert_int_equal(out.id, 0x1234);
    assert_int_equal(out.seq, 0xfffe);
    assert_memory_equal(out.body, "pong!", 5);
}

static void icmp6_round_trip_error_words(void **state)
{
    (void)state;
    uint8_t quote[48] = {0x60};
    uint8_t buf[64];
    struct axn_icmp6 in = {.type = AXN_ICMP6_PKT_TOO_BIG,
                           .mtu = 0x00012345,
                           .rest = {9, 9, 9, 9},
                           .body = quote,
                           .body_len = sizeof quote};
    struct axn_icmp6 out;
    assert_int_equal(axn_icmp6_emit(&in, buf, sizeof buf, TEST_PSEUDO), 56);
    assert_int_equal(axn_icmp6_parse(buf, 56, &out, TEST_PSEUDO, 0), 0);
    assert_int_equal(out.mtu, 0x00012345);

    in.type = AXN_ICMP6_PARAM_PROBLEM;
    in.pointer = 0x00010203;
    assert_int_equal(axn_icmp6_emit(&in, buf, sizeof buf, TEST_PSEUDO), 56);
    assert_int_equal(axn_icmp6_parse(buf, 56, &out, TEST_PSEUDO, 0), 0);
    assert_int_equal(out.pointer, 0x00010203);

    /* RFC 4443 3.1: the unused word of other errors is sent as zero. */
    in.type = AXN_ICMP6_DEST_UNREACH;
    assert_int_equal(axn_icmp6_emit(&in, buf, sizeof buf, TEST_PSEUDO), 56);
    assert_int_equal(axn_get_be32(buf + 4), 0);
}

static void icmp6_emit_builds_in_place(void **state)
{
    (void)state;
    uint8_t buf[32];
    memcpy(buf + AXN_ICMP6_HDR_LEN, "in place", 8);
    struct axn_icmp6 in = {.type = AXN_ICMP6_ECHO_REQUEST, .body = buf + 8, .body_len = 8};
    assert_int_equal(axn_icmp6_emit(&in, buf, sizeof buf, TEST_PSEUDO), 16);
    struct axn_icmp6 out;
    assert_int_equal(axn_icmp6_parse(buf, 16, &out, TEST_PSEUDO, 0), 0);
    assert_memory_equal(out.body, "in place", 8);
}

static void icmp6_emit_rejects_small_buffer_and_oversize(void **state)
{
    (void)state;
    uint8_t buf[16];
    struct axn_icmp6 in = {.type = AXN_ICMP6_ECHO_REQUEST, .body = buf, .body_len = 4};
    assert_int_equal(axn_icmp6_emit(&in, buf, 11, TEST_PSEUDO), AXN_WIRE_ENOSPC);
    in.body_len = 65535 - 7;
    assert_int_equal(axn_icmp6_emit(&in, buf, sizeof buf, TEST_PSEUDO), AXN_WIRE_ELEN);
}

/* ---- ICMPv6 rejections ------------------------------------------------------------ */

static void icmp6_parse_rejects_truncated_header(void **state)
{
    (void)state;
    struct axn_icmp6 m;
    assert_int_equal(axn_icmp6_parse(ndp_rs.bytes, 7, &m, 0, AXN_ICMP6_PARSE_CSUM_VERIFIED),
                     AXN_WIRE_ETRUNC);
}

static void icmp6_parse_rejects_bad_checksum(void **state)
{
    (void)state;
    uint8_t buf[128];
    memcpy(buf, icmp6_echo_request.bytes, icmp6_echo_request.len);
    buf[63] ^= 0x04;
    struct axn_icmp6 m;
    assert_int_equal(axn_icmp6_parse(buf, icmp6_echo_request.len, &m,
                                     fx_pseudo(&icmp6_echo_request, icmp6_echo_request.len), 0),
                     AXN_WIRE_ECSUM);
    /* Good bytes under a pseudo-header with another length fail too. */
    assert_int_equal(axn_icmp6_parse(icmp6_echo_request.bytes, icmp6_echo_request.len, &m,
                                     fx_pseudo(&icmp6_echo_request, 65), 0),
                     AXN_WIRE_ECSUM);
}

static void icmp6_parse_skip_csum_flag_accepts_bad_checksum(void **state)
{
    (void)state;
    uint8_t buf[128];
    memcpy(buf, icmp6_echo_request.bytes, icmp6_echo_request.len);
    buf[2] ^= 0x10;
    struct axn_icmp6 m;
    assert_int_equal(
        axn_icmp6_parse(buf, icmp6_echo_request.len, &m, 0, AXN_ICMP6_PARSE_CSUM_VERIFIED), 0);
    assert_int_equal(m.id, 10551);
}

static void icmp6_error_rejects_quote_shorter_than_ipv6_header(void **state)
{
    (void)state;
    struct axn_icmp6 m;
    /* The port unreachable cut inside its quoted IPv6 header. */
    assert_int_equal(
        axn_icmp6_parse(icmp6_dest_unreach_port.bytes, 47, &m, 0, AXN_ICMP6_PARSE_CSUM_VERIFIED),
        AXN_WIRE_ELEN);
    assert_int_equal(
        axn_icmp6_parse(icmp6_dest_unreach_port.bytes, 48, &m, 0, AXN_ICMP6_PARSE_CSUM_VERIFIED),
        0);
}

static void icmp6_error_rejects_quote_that_is_not_ipv6(void **state)
{
    (void)state;
    uint8_t buf[128];
    memcpy(buf, icmp6_dest_unreach_port.bytes, icmp6_dest_unreach_port.len);
    buf[8] = 0x45;
    struct axn_icmp6 m;
    assert_int_equal(
        axn_icmp6_parse(buf, icmp6_dest_unreach_port.len, &m, 0, AXN_ICMP6_PARSE_CSUM_VERIFIED),
        AXN_WIRE_EVERSION);
}

/* ---- NDP on real packets ------------------------------------------------------- */

static void ndp_parse_linux_router_solicitation(void **state)
{
    (void)state;
    struct axn_ndp n;
    assert_int_equal(parse_ndp_fx(&ndp_rs, &n), 0);
    assert_int_equal(n.type, AXN_ICMP6_ROUTER_SOLICIT);
    assert_true(n.has_src_lladdr);
    assert_memory_equal(n.src_lladdr.b, host_mac.b, 6);
    assert_false(n.has_tgt_lladdr);
    assert_false(n.has_mtu);
    assert_int_equal(n.n_prefix, 0);
}

static void ndp_parse_linux_router_advertisement(void **state)
{
    (void)state;
    struct axn_ndp n;
    assert_int_equal(parse_ndp_fx(&ndp_ra, &n), 0);
    assert_int_equal(n.type, AXN_ICMP6_ROUTER_ADVERT);
    assert_int_equal(n.cur_hop_limit, 64);
    assert_true(n.managed);
    assert_true(n.other);
    assert_int_equal(n.router_lifetime, 1800);
    assert_int_equal(n.reachable_time, 30000);
    assert_int_equal(n.retrans_timer, 1000);
    assert_true(n.has_mtu);
    assert_int_equal(n.mtu, 1500);
    assert_true(n.has_src_lladdr);
    assert_memory_equal(n.src_lladdr.b, router_mac.b, 6);
    assert_int_equal(n.n_prefix, 1);
    assert_int_equal(n.prefix_dropped, 0);
    assert_int_equal(n.prefix[0].prefix_len, 64);
    assert_true(n.prefix[0].on_link);
    assert_true(n.prefix[0].autonomous);
    assert_int_equal(n.prefix[0].valid_lifetime, 86400);
    assert_int_equal(n.prefix[0].preferred_lifetime, 14400);
    static const uint8_t pfx[16] = {0xfd, 0x44, 0, 1};
    assert_memory_equal(n.prefix[0].prefix.b, pfx, 16);
}

static void ndp_parse_linux_dad_solicitation_skips_nonce_option(void **state)
{
    (void)state;
    struct axn_ndp n;
    assert_int_equal(parse_ndp_fx(&ndp_ns_dad, &n), 0);
    assert_int_equal(n.type, AXN_ICMP6_NEIGH_SOLICIT);
    static const uint8_t target[16] = {0xfe, 0x80, 0,    0,    0,    0,    0,    0,
                                       0xe8, 0x35, 0xb6, 0xff, 0xfe, 0x2e, 0xf9, 0x36};
    assert_memory_equal(n.target.b, target, 16);
    /* The nonce option (RFC 7527, type 14) is unknown here and skipped. */
    assert_false(n.has_src_lladdr);
    assert_false(n.has_tgt_lladdr);
}

static void ndp_parse_linux_neighbour_solicitation(void **state)
{
    (void)state;
    struct axn_ndp n;
    assert_int_equal(parse_ndp_fx(&ndp_ns, &n), 0);
    assert_memory_equal(n.target.b, host_global.b, 16);
    assert_true(n.has_src_lladdr);
    assert_memory_equal(n.src_lladdr.b, router_mac.b, 6);
}

static void ndp_parse_linux_router_neighbour_advertisement(void **state)
{
    (void)state;
    struct axn_ndp n;
    assert_int_equal(parse_ndp_fx(&ndp_na_router, &n), 0);
    assert_int_equal(n.type, AXN_ICMP6_NEIGH_ADVERT);
    assert_true(n.router);
    assert_true(n.solicited);
    assert_true(n.override);
    static const uint8_t target[16] = {0xfd, 0x44, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    assert_memory_equal(n.target.b, target, 16);
    assert_true(n.has_tgt_lladdr);
    assert_memory_equal(n.tgt_lladdr.b, router_mac.b, 6);
}

static void ndp_parse_linux_advertisement_without_options(void **state)
{
    (void)state;
    struct axn_ndp n;
    assert_int_equal(parse_ndp_fx(&ndp_na_no_opts, &n), 0);
    assert_false(n.router);
    assert_true(n.solicited);
    assert_false(n.override);
    assert_false(n.has_tgt_lladdr);
    assert_int_equal(n.target.b[0], 0xfe);
    assert_int_equal(n.target.b[15], 0x1b);
}

static void ndp_emit_reproduces_linux_messages_byte_for_byte(void **state)
{
    (void)state;
    const struct l4_fixture *all[] = {&ndp_rs, &ndp_ra, &ndp_ns, &ndp_na_router, &ndp_na_no_opts};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        struct axn_ndp n;
        uint8_t out[256];
        assert_int_equal(parse_ndp_fx(all[i], &n), 0);
        assert_int_equal(axn_ndp_len(&n), all[i]->len);
        assert_int_equal(axn_ndp_emit(&n, out, sizeof out, fx_pseudo(all[i], all[i]->len)),
                         (int)all[i]->len);
        assert_memory_equal(out, all[i]->bytes, all[i]->len);
    }
}

static void ndp_emit_leaves_out_unknown_options(void **state)
{
    (void)state;
    struct axn_ndp n;
    uint8_t out[64];
    assert_int_equal(parse_ndp_fx(&ndp_ns_dad, &n), 0);
    uint32_t ps = fx_pseudo(&ndp_ns_dad, 24);
    assert_int_equal(axn_ndp_emit(&n, out, sizeof out, ps), 24);
    assert_memory_equal(out + 4, ndp_ns_dad.bytes + 4, 20);
    struct axn_icmp6 m;
    assert_int_equal(axn_icmp6_parse(out, 24, &m, ps, 0), 0);
}

/* ---- NDP emit and round trips ----------------------------------------------------- */

static void ndp_round_trip_redirect_with_padded_quote(void **state)
{
    (void)state;
    static const uint8_t quoted[13] = "quoted packet";
    struct axn_ndp in = {.type = AXN_ICMP6_REDIRECT,
                         .target = {{0xfe, 0x80, [15] = 1}},
                         .dest = host_global,
                         .has_tgt_lladdr = true,
                         .tgt_lladdr = router_mac,
                         .redirected = quoted,
                         .redirected_len = sizeof quoted};
    /* 40 fixed + 8 target lladdr + 8 + 13 quoted rounded up to 24. */
    assert_int_equal(axn_ndp_len(&in), 72);
    uint8_t buf[128];
    memset(buf, 0xee, sizeof buf);
    assert_int_equal(axn_ndp_emit(&in, buf, sizeof buf, TEST_PSEUDO), 72);
    static const uint8_t redir_hdr[] = {AXN_NDP_OPT_REDIRECTED, 3, 0, 0, 0, 0, 0, 0};
    assert_memory_equal(buf + 48, redir_hdr, 8);
    static const uint8_t pad[3] = {0};
    assert_memory_equal(buf + 69, pad, 3);

    struct axn_icmp6 m;
    struct axn_ndp out;
    assert_int_equal(axn_icmp6_parse(buf, 72, &m, TEST_PSEUDO, 0), 0);
    assert_int_equal(axn_ndp_parse(&m, &out), 0);
    assert_memory_equal(out.target.b, in.target.b, 16);
    assert_memory_equal(out.dest.b, host_global.b, 16);
    assert_true(out.has_tgt_lladdr);
    assert_memory_equal(out.tgt_lladdr.b, router_mac.b, 6);
    assert_int_equal(out.redirected_len, 16);
    assert_memory_equal(out.redirected, quoted, sizeof quoted);
}

static void ndp_round_trip_every_advertisement_field(void **state)
{
    (void)state;
    struct axn_ndp in = {.type = AXN_ICMP6_ROUTER_ADVERT,
                         .cur_hop_limit = 255,
                         .managed = false,
                         .other = true,
                         .router_lifetime = 0xfffe,
                         .reachable_time = 0x01020304,
                         .retrans_timer = 0xa0b0c0d0,
                         .has_mtu = true,
                         .mtu = 9000,
                         .has_src_lladdr = true,
                         .src_lladdr = router_mac,
                         .n_prefix = AXN_NDP_MAX_PREFIXES};
    for (unsigned i = 0; i < AXN_NDP_MAX_PREFIXES; i++) {
        in.prefix[i].prefix_len = (uint8_t)(48 + i);
        in.prefix[i].on_link = i & 1;
        in.prefix[i].autonomous = !(i & 1);
        in.prefix[i].valid_lifetime = AXN_NDP_INFINITE_LIFETIME - i;
        in.prefix[i].preferred_lifetime = 1000 + i;
        in.prefix[i].prefix.b[0] = 0x20;
        in.prefix[i].prefix.b[1] = 0x01;
        in.prefix[i].prefix.b[5] = (uint8_t)i;
    }
    uint8_t buf[512];
    size_t len = axn_ndp_len(&in);
    assert_int_equal(len, 16 + 32 * AXN_NDP_MAX_PREFIXES + 16);
    assert_int_equal(axn_ndp_emit(&in, buf, sizeof buf, TEST_PSEUDO), (int)len);
    struct axn_icmp6 m;
    struct axn_ndp out;
    assert_int_equal(axn_icmp6_parse(buf, len, &m, TEST_PSEUDO, 0), 0);
    assert_int_equal(axn_ndp_parse(&m, &out), 0);
    assert_int_equal(out.cur_hop_limit, 255);
    assert_false(out.managed);
    assert_true(out.other);
    assert_int_equal(out.router_lifetime, 0xfffe);
    assert_int_equal(out.reachable_time, 0x01020304);
    assert_int_equal(out.retrans_timer, 0xa0b0c0d0);
    assert_int_equal(out.mtu, 9000);
    assert_memory_equal(out.src_lladdr.b, router_mac.b, 6);
    assert_int_equal(out.n_prefix, AXN_NDP_MAX_PREFIXES);
    for (unsigned i = 0; i < AXN_NDP_MAX_PREFIXES; i++) {
        assert_int_equal(out.prefix[i].prefix_len, in.prefix[i].prefix_len);
        assert_int_equal(out.prefix[i].on_link, in.prefix[i].on_link);
        assert_int_equal(out.prefix[i].autonomous, in.prefix[i].autonomous);
        assert_int_equal(out.prefix[i].valid_lifetime, in.prefix[i].valid_lifetime);
        assert_int_equal(out.prefix[i].preferred_lifetime, in.prefix[i].preferred_lifetime);
        assert_memory_equal(out.prefix[i].prefix.b, in.prefix[i].prefix.b, 16);
    }
}

static void ndp_parse_counts_prefixes_beyond_the_bound(void **state)
{
    (void)state;
    uint8_t body[8 + 32 * (AXN_NDP_MAX_PREFIXES + 2)];
    memset(body, 0, sizeof body);
    for (unsigned i = 0; i < AXN_NDP_MAX_PREFIXES + 2; i++) {
        uint8_t *o = body + 8 + 32 * i;
        o[0] = AXN_NDP_OPT_PREFIX_INFO;
        o[1] = 4;
        o[2] = 64;
        o[16] = (uint8_t)i;
    }
    struct axn_icmp6 m = ndp_msg(AXN_ICMP6_ROUTER_ADVERT, body, sizeof body);
    struct axn_ndp n;
    assert_int_equal(axn_ndp_parse(&m, &n), 0);
    assert_int_equal(n.n_prefix, AXN_NDP_MAX_PREFIXES);
    assert_int_equal(n.prefix_dropped, 2);
    assert_int_equal(n.prefix[AXN_NDP_MAX_PREFIXES - 1].prefix.b[0], AXN_NDP_MAX_PREFIXES - 1);
}

static void ndp_parse_keeps_first_of_duplicate_options(void **state)
{
    (void)state;
    static const uint8_t opt[] = {1, 1, 1, 2, 3, 4, 5, 6, 1, 1, 9, 9, 9, 9, 9, 9};
    struct axn_ndp n;
    assert_int_equal(parse_ns_with_options(opt, sizeof opt, &n), 0);
    static const uint8_t first[] = {1, 2, 3, 4, 5, 6};
    assert_memory_equal(n.src_lladdr.b, first, 6);
}

static void ndp_hop_limit_must_be_255(void **state)
{
    (void)state;
    assert_true(axn_ndp_hop_limit_ok(255));
    assert_false(axn_ndp_hop_limit_ok(254));
    assert_false(axn_ndp_hop_limit_ok(64));
    assert_false(axn_ndp_hop_limit_ok(0));
}

static void ndp_is_ndp_covers_types_133_to_137(void **state)
{
    (void)state;
    assert_false(axn_ndp_is_ndp(132));
    for (unsigned t = 133; t <= 137; t++)
        assert_true(axn_ndp_is_ndp((uint8_t)t));
    assert_false(axn_ndp_is_ndp(138));
    assert_false(axn_ndp_is_ndp(AXN_ICMP6_ECHO_REQUEST));
}

static void ndp_emit_rejects_bad_input(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct axn_ndp in = {.type = AXN_ICMP6_ECHO_REQUEST};
    assert_int_equal(axn_ndp_emit(&in, buf, sizeof buf, 0), AXN_WIRE_ETYPE);
    in.type = AXN_ICMP6_NEIGH_SOLICIT;
    assert_int_equal(axn_ndp_emit(&in, buf, 23, 0), AXN_WIRE_ENOSPC);
    assert_int_equal(axn_ndp_emit(&in, buf, 24, 0), 24);
    in.type = AXN_ICMP6_ROUTER_ADVERT;
    in.n_prefix = AXN_NDP_MAX_PREFIXES + 1;
    assert_int_equal(axn_ndp_emit(&in, buf, sizeof buf, 0), AXN_WIRE_EFIELD);
    in.n_prefix = 1;
    in.prefix[0].prefix_len = 129;
    assert_int_equal(axn_ndp_emit(&in, buf, sizeof buf, 0), AXN_WIRE_EFIELD);
}

/* ---- NDP rejections ------------------------------------------------------------------ */

static void ndp_parse_rejects_option_length_zero(void **state)
{
    (void)state;
    static const uint8_t opt[] = {1, 0, 1, 2, 3, 4, 5, 6};
    struct axn_ndp n;
    assert_int_equal(parse_ns_with_options(opt, sizeof opt, &n), AXN_WIRE_EOPTLEN);
}

static void ndp_parse_rejects_option_overrunning_message(void **state)
{
    (void)state;
    static const uint8_t opt[] = {1, 2, 1, 2, 3, 4, 5, 6};
    struct axn_ndp n;
    assert_int_equal(parse_ns_with_options(opt, sizeof opt, &n), AXN_WIRE_EOPTLEN);
}

static void ndp_parse_rejects_partial_option_header(void **state)
{
    (void)state;
    static const uint8_t opt[] = {1, 1, 1, 2, 3, 4, 5, 6, 1};
    struct axn_ndp n;
    assert_int_equal(parse_ns_with_options(opt, sizeof opt, &n), AXN_WIRE_EOPTLEN);
}

static void ndp_parse_rejects_wrong_fixed_option_lengths(void **state)
{
    (void)state;
    uint8_t opt[40] = {0};
    struct axn_ndp n;
    /* An Ethernet link-layer address option is one unit (RFC 2464 8). */
    opt[0] = AXN_NDP_OPT_TGT_LLADDR;
    opt[1] = 2;
    assert_int_equal(parse_ns_with_options(opt, 16, &n), AXN_WIRE_EOPTLEN);
    opt[0] = AXN_NDP_OPT_MTU;
    assert_int_equal(parse_ns_with_options(opt, 16, &n), AXN_WIRE_EOPTLEN);
    opt[0] = AXN_NDP_OPT_PREFIX_INFO;
    opt[1] = 3;
    assert_int_equal(parse_ns_with_options(opt, 24, &n), AXN_WIRE_EOPTLEN);
}

static void ndp_parse_rejects_prefix_length_over_128(void **state)
{
    (void)state;
    uint8_t opt[32] = {AXN_NDP_OPT_PREFIX_INFO, 4, 129};
    struct axn_ndp n;
    assert_int_equal(parse_ns_with_options(opt, sizeof opt, &n), AXN_WIRE_EFIELD);
    opt[2] = 128;
    assert_int_equal(parse_ns_with_options(opt, sizeof opt, &n), 0);
}

static void ndp_parse_rejects_more_than_max_options(void **state)
{
    (void)state;
    uint8_t opt[8 * (AXN_NDP_MAX_OPTIONS + 1)];
    memset(opt, 0, sizeof opt);
    for (unsigned i = 0; i <= AXN_NDP_MAX_OPTIONS; i++) {
        opt[8 * i] = 200; /* unknown type */
        opt[8 * i + 1] = 1;
    }
    struct axn_ndp n;
    assert_int_equal(parse_ns_with_options(opt, sizeof opt, &n), AXN_WIRE_ECOUNT);
    assert_int_equal(parse_ns_with_options(opt, sizeof opt - 8, &n), 0);
}

static void ndp_parse_rejects_nonzero_code(void **state)
{
    (void)state;
    struct axn_icmp6 m;
    assert_int_equal(parse_fx(&ndp_na_router, &m), 0);
    m.code = 1;
    struct axn_ndp n;
    assert_int_equal(axn_ndp_parse(&m, &n), AXN_WIRE_EFIELD);
}

static void ndp_parse_rejects_truncated_fixed_part(void **state)
{
    (void)state;
    struct axn_icmp6 m;
    struct axn_ndp n;
    assert_int_equal(parse_fx(&ndp_na_no_opts, &m), 0);
    m.body_len = 15;
    assert_int_equal(axn_ndp_parse(&m, &n), AXN_WIRE_ETRUNC);
    assert_int_equal(parse_fx(&ndp_ra, &m), 0);
    m.body_len = 7;
    assert_int_equal(axn_ndp_parse(&m, &n), AXN_WIRE_ETRUNC);
}

static void ndp_parse_rejects_multicast_target_and_redirect_destination(void **state)
{
    (void)state;
    uint8_t body[32] = {0xff, 0x02, [15] = 1};
    struct axn_ndp n;
    struct axn_icmp6 m = ndp_msg(AXN_ICMP6_NEIGH_SOLICIT, body, 16);
    assert_int_equal(axn_ndp_parse(&m, &n), AXN_WIRE_EADDR);
    m.type = AXN_ICMP6_NEIGH_ADVERT;
    assert_int_equal(axn_ndp_parse(&m, &n), AXN_WIRE_EADDR);
    /* Redirect: unicast target, multicast destination. */
    memcpy(body, host_global.b, 16);
    body[16] = 0xff;
    m = ndp_msg(AXN_ICMP6_REDIRECT, body, 32);
    assert_int_equal(axn_ndp_parse(&m, &n), AXN_WIRE_EADDR);
    body[16] = 0xfd;
    assert_int_equal(axn_ndp_parse(&m, &n), 0);
}

static void ndp_parse_rejects_non_ndp_type(void **state)
{
    (void)state;
    struct axn_icmp6 m;
    struct axn_ndp n;
    assert_int_equal(parse_fx(&icmp6_echo_request, &m), 0);
    assert_int_equal(axn_ndp_parse(&m, &n), AXN_WIRE_ETYPE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(icmp6_parse_linux_echo_request_and_reply),
        cmocka_unit_test(icmp6_parse_linux_port_unreachable_quotes_udp),
        cmocka_unit_test(icmp6_parse_linux_packet_too_big_reads_mtu),
        cmocka_unit_test(icmp6_parse_linux_time_exceeded),
        cmocka_unit_test(icmp6_parse_linux_parameter_problem_pointer),
        cmocka_unit_test(icmp6_parse_linux_mld_report_generically),
        cmocka_unit_test(icmp6_emit_reproduces_linux_messages_byte_for_byte),
        cmocka_unit_test(icmp6_round_trip_echo),
        cmocka_unit_test(icmp6_round_trip_error_words),
        cmocka_unit_test(icmp6_emit_builds_in_place),
        cmocka_unit_test(icmp6_emit_rejects_small_buffer_and_oversize),
        cmocka_unit_test(icmp6_parse_rejects_truncated_header),
        cmocka_unit_test(icmp6_parse_rejects_bad_checksum),
        cmocka_unit_test(icmp6_parse_skip_csum_flag_accepts_bad_checksum),
        cmocka_unit_test(icmp6_error_rejects_quote_shorter_than_ipv6_header),
        cmocka_unit_test(icmp6_error_rejects_quote_that_is_not_ipv6),
        cmocka_unit_test(ndp_parse_linux_router_solicitation),
        cmocka_unit_test(ndp_parse_linux_router_advertisement),
        cmocka_unit_test(ndp_parse_linux_dad_solicitation_skips_nonce_option),
        cmocka_unit_test(ndp_parse_linux_neighbour_solicitation),
        cmocka_unit_test(ndp_parse_linux_router_neighbour_advertisement),
        cmocka_unit_test(ndp_parse_linux_advertisement_without_options),
        cmocka_unit_test(ndp_emit_reproduces_linux_messages_byte_for_byte),
        cmocka_unit_test(ndp_emit_leaves_out_unknown_options),
        cmocka_unit_test(ndp_round_trip_redirect_with_padded_quote),
        cmocka_unit_test(ndp_round_trip_every_advertisement_field),
        cmocka_unit_test(ndp_parse_counts_prefixes_beyond_the_bound),
        cmocka_unit_test(ndp_parse_keeps_first_of_duplicate_options),
        cmocka_unit_test(ndp_hop_limit_must_be_255),
        cmocka_unit_test(ndp_is_ndp_covers_types_133_to_137),
        cmocka_unit_test(ndp_emit_rejects_bad_input),
        cmocka_unit_test(ndp_parse_rejects_option_length_zero),
        cmocka_unit_test(ndp_parse_rejects_option_overrunning_message),
        cmocka_unit_test(ndp_parse_rejects_partial_option_header),
        cmocka_unit_test(ndp_parse_rejects_wrong_fixed_option_lengths),
        cmocka_unit_test(ndp_parse_rejects_prefix_length_over_128),
        cmocka_unit_test(ndp_parse_rejects_more_than_max_options),
        cmocka_unit_test(ndp_parse_rejects_nonzero_code),
        cmocka_unit_test(ndp_parse_rejects_truncated_fixed_part),
        cmocka_unit_test(ndp_parse_rejects_multicast_target_and_redirect_destination),
        cmocka_unit_test(ndp_parse_rejects_non_ndp_type),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
