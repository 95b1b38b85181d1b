/*
 * Software GSO for TCP/IPv4 (src/ip/ip4_gso.c through axn_ip4_output with
 * axn_ip4_tx.gso_size): a TCP segment larger than the path leaves as whole
 * TCP segments, exactly as TCP would have sent them one by one: sequence
 * numbers advanced by the offset, the original options in every segment,
 * FIN and PSH on the last only, CWR on the first only, a valid TCP and IP
 * checksum each, a fresh IP ID each (+1 per segment to one destination),
 * DF as the mode says, and never an IP fragment nor EMSGSIZE whatever the
 * DF mode. gso_size smaller than the path sets the segment size; a segment
 * that fits, or one without gso_size, goes as it is. The splitter alone
 * refuses a header that does not parse or a path too small for one byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "axnet/errno.h"
#include "fake_netdev.h"
#include "ip/ip4.h"
#include "ip/ip4_gso.h"
#include "ip4_fx.h"
#include "ip4_rig_names.h"
#include "sim_stacks.h"
#include "wire/checksum.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"

#define SPORT      40000
#define DPORT      5001
#define SEQ0       0xfffff000u /* wraps inside the datagram */
#define ACK0       12345u
#define WINDOW     500
#define TS_VAL     777u
#define TS_ECR     888u
#define MSS        1448u /* 1500 - 20 - 20 - 12 (timestamps) */
#define SMALL_MSS  536u
#define BIG_LEN    5000u /* 3 x 1448 + 656 */
#define FIT_LEN    1000u
#define IFACE_MTU  1500u
#define TCP_HDR_TS 32u /* header with NOP NOP timestamps */
#define SEG_MAX    16u
#define PAT_MUL    7u
#define FLAGS_ALL  (AXN_TCP_ACK | AXN_TCP_PSH | AXN_TCP_FIN | AXN_TCP_CWR | AXN_TCP_ECE)
#define SCRATCH    2048u

static struct ip4_fx fx;
static uint8_t payload[AXN_IPV4_TOTAL_MAX];

static uint8_t pat(size_t i)
{
    return (uint8_t)(i * PAT_MUL + (i >> 8));
}

/* A TCP segment with timestamps, `n` payload bytes, `flags`, in tcp[]. */
static size_t build_tcp(uint8_t *tcp, size_t n, uint16_t flags)
{
    static uint8_t data[AXN_IPV4_TOTAL_MAX];
    for (size_t i = 0; i < n; i++)
        data[i] = pat(i);
    const struct axn_tcp seg = {
        .src_port = SPORT,
        .dst_port = DPORT,
        .seq = SEQ0,
        .ack = ACK0,
        .flags = flags,
        .window = WINDOW,
        .opts = {.has_ts = true, .ts_val = TS_VAL, .ts_ecr = TS_ECR},
        .payload = data,
        .payload_len = n,
    };
    const uint32_t ps = axn_csum_pseudo_v4(ETH0_ADDR, PEER, AXN_TCP_PROTO, (uint16_t)(n + 32));
    const int len = axn_tcp_emit(&seg, tcp, AXN_IPV4_TOTAL_MAX, ps, 0);
    assert_true(len > 0);
    return (size_t)len;
}

static int send_tcp(size_t len, uint16_t gso, uint8_t df)
{
    const struct axn_ip4_tx tx = {
        .dst = PEER, .protocol = AXN_TCP_PROTO, .df = df, .gso_size = gso};
    return axn_ip4_output(fx.rig.ip, &tx, payload, len, fx.now);
}

struct seg_seen {
    struct axn_ipv4 ip;
    struct axn_tcp tcp;
};

/* Every packet eth0 got: parsed with both checksums checked. */
static size_t take_all(struct seg_seen *out, size_t max)
{
    size_t n = ip4_fx_flush0();
    assert_true(n <= max);
    for (size_t i = 0; i < n; i++) {
        const struct fake_sent_pkt *p = sim_fake_take(&fx.rig.eth0, &fx.taken0);
        assert_non_null(p);
        assert_int_equal(axn_ipv4_parse(p->data, p->len, &out[i].ip, 0), 0);
        const uint32_t ps = axn_csum_pseudo_v4(out[i].ip.src, out[i].ip.dst, AXN_TCP_PROTO,
                                               (uint16_t)out[i].ip.payload_len);
        assert_int_equal(
            axn_tcp_parse(out[i].ip.payload, out[i].ip.payload_len, &out[i].tcp, ps, 0), 0);
    }
    return n;
}

/* The n segments carry payload[0 .. total) of pattern bytes, in order,
 * `per` bytes each but the last, with the header fields of the original. */
static void assert_split(const struct seg_seen *s, size_t n, size_t total, size_t per)
{
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        const struct axn_tcp *t = &s[i].tcp;
        assert_int_equal(t->seq, (uint32_t)(SEQ0 + off));
        assert_int_equal(t->ack, ACK0);
        assert_int_equal(t->window, WINDOW);
        assert_int_equal(t->src_port, SPORT);
        assert_true(t->opts.has_ts);
        assert_int_equal(t->opts.ts_val, TS_VAL);
        assert_int_equal(t->opts.ts_ecr, TS_ECR);
        assert_int_equal(t->payload_len, i + 1 < n ? per : total - off);
        for (size_t k = 0; k < t->payload_len; k++)
            if (t->payload[k] != pat(off + k))
                fail_msg("segment %zu byte %zu differs", i, k);
        assert_false(s[i].ip.is_fragment);
        assert_true(s[i].ip.total_len <= IFACE_MTU);
        if (i > 0)
            assert_int_equal(s[i].ip.id, (uint16_t)(s[i - 1].ip.id + 1));
        off += t->payload_len;
    }
    assert_int_equal(off, total);
}

static void splits_at_the_mss_with_exact_fields(void **state)
{
    (void)state;
    const size_t len = build_tcp(payload, BIG_LEN, FLAGS_ALL);
    const struct axn_snmp before = ip4_fx_snmp();
    assert_int_equal(send_tcp(len, MSS, AXN_IP4_DF_WANT), 0);
    struct seg_seen s[SEG_MAX];
    const size_t n = take_all(s, SEG_MAX);
    assert_int_equal(n, 4);
    assert_split(s, n, BIG_LEN, MSS);
    assert_int_equal(s[0].ip.total_len, IFACE_MTU); /* 20 + 32 + 1448 */
    for (size_t i = 0; i < n; i++) {
        const uint16_t f = s[i].tcp.flags;
        assert_true(s[i].ip.df); /* WANT on an unlocked path: DF */
        assert_true(f & AXN_TCP_ACK);
        assert_true(f & AXN_TCP_ECE);
        assert_int_equal(!!(f & AXN_TCP_CWR), i == 0);
        assert_int_equal(!!(f & AXN_TCP_PSH), i == n - 1);
        assert_int_equal(!!(f & AXN_TCP_FIN), i == n - 1);
    }
    const struct axn_snmp after = ip4_fx_snmp();
    assert_int_equal(after.ip.out_requests - before.ip.out_requests, n);
    assert_int_equal(after.ip.frag_creates, before.ip.frag_creates);
    assert_int_equal(after.ip.frag_fails, before.ip.frag_fails);
}

/* The largest datagram TCP can hand over: 45 segments, none fragmented. */
static void a_64k_datagram_is_never_fragmented(void **state)
{
    (void)state;
    const size_t n_payload = AXN_IPV4_TOTAL_MAX - AXN_IPV4_HDR_MIN - TCP_HDR_TS;
    const size_t len = build_tcp(payload, n_payload, AXN_TCP_ACK);
    static const uint8_t modes[] = {AXN_IP4_DF_DONT, AXN_IP4_DF_DO, AXN_IP4_DF_IFACE};
    for (size_t m = 0; m < sizeof(modes); m++) {
        assert_int_equal(send_tcp(len, MSS, modes[m]), 0);
        static struct seg_seen s[FAKE_NETDEV_SENT_MAX];
        const size_t n = take_all(s, FAKE_NETDEV_SENT_MAX / 3);
        assert_int_equal(n, (n_payload + MSS - 1) / MSS);
        assert_split(s, n, n_payload, MSS);
        assert_int_equal(s[0].ip.df, modes[m] == AXN_IP4_DF_DO);
    }
    assert_int_equal(ip4_fx_snmp().ip.frag_creates, 0);
    assert_int_equal(ip4_fx_snmp().ip.frag_fails, 0);
}

static void gso_size_below_the_path_sets_the_segment_size(void **state)
{
    (void)state;
    const size_t len = build_tcp(payload, BIG_LEN, AXN_TCP_ACK | AXN_TCP_PSH);
    assert_int_equal(send_tcp(len, SMALL_MSS, AXN_IP4_DF_WANT), 0);
    struct seg_seen s[SEG_MAX];
    const size_t n = take_all(s, SEG_MAX);
    assert_int_equal(n, (BIG_LEN + SMALL_MSS - 1) / SMALL_MSS);
    assert_split(s, n, BIG_LEN, SMALL_MSS);
}

/* gso_size above what the path carries: the path wins (a learned PMTU
 * below the MSS TCP used). */
static void the_path_caps_a_larger_gso_size(void **state)
{
    (void)state;
    const size_t len = build_tcp(payload, BIG_LEN, AXN_TCP_ACK);
    assert_int_equal(send_tcp(len, UINT16_MAX, AXN_IP4_DF_WANT), 0);
    struct seg_seen s[SEG_MAX];
    const size_t n = take_all(s, SEG_MAX);
    assert_int_equal(n, 4);
    assert_split(s, n, BIG_LEN, IFACE_MTU - AXN_IPV4_HDR_MIN - TCP_HDR_TS);
}

static void a_segment_that_fits_goes_unchanged(void **state)
{
    (void)state;
    const size_t len = build_tcp(payload, FIT_LEN, FLAGS_ALL);
    assert_int_equal(send_tcp(len, MSS, AXN_IP4_DF_WANT), 0);
    struct seg_seen s[SEG_MAX];
    assert_int_equal(take_all(s, SEG_MAX), 1);
    assert_int_equal(s[0].tcp.flags, FLAGS_ALL);
    assert_int_equal(s[0].tcp.payload_len, FIT_LEN);
}

/* Without gso_size a too-big datagram is IP's business: DF DO refuses it. */
static void without_gso_size_df_still_refuses(void **state)
{
    (void)state;
    const size_t len = build_tcp(payload, BIG_LEN, AXN_TCP_ACK);
    assert_int_equal(send_tcp(len, 0, AXN_IP4_DF_DO), -AXN_EMSGSIZE);
    assert_int_equal(ip4_fx_flush0(), 0);
}

static int count_emit(void *ctx, uint8_t *tcp, size_t len)
{
    (void)tcp;
    (void)len;
    (*(int *)ctx)++;
    return 0;
}

static void splitter_refuses_what_it_cannot_cut(void **state)
{
    (void)state;
    static uint8_t scratch[SCRATCH];
    int calls = 0;
    struct axn_ip4_gso g = {.src = ETH0_ADDR,
                            .dst = PEER,
                            .mss = MSS,
                            .max_tcp_len = IFACE_MTU - AXN_IPV4_HDR_MIN,
                            .scratch = scratch,
                            .scratch_cap = sizeof(scratch),
                            .hdr_room = AXN_IPV4_HDR_MIN,
                            .emit = count_emit,
                            .ctx = &calls};
    const size_t len = build_tcp(payload, BIG_LEN, AXN_TCP_ACK);
    assert_int_equal(axn_ip4_gso_split(&g, payload, len), 4);
    assert_int_equal(axn_ip4_gso_split(&g, payload, AXN_TCP_HDR_LEN - 1), -AXN_EINVAL);
    g.max_tcp_len = TCP_HDR_TS; /* room for the header and no byte */
    assert_int_equal(axn_ip4_gso_split(&g, payload, len), -AXN_EINVAL);
    g.max_tcp_len = IFACE_MTU - AXN_IPV4_HDR_MIN;
    g.scratch_cap = MSS; /* one segment does not fit */
    assert_int_equal(axn_ip4_gso_split(&g, payload, len), -AXN_EINVAL);
    assert_int_equal(calls, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        IP4_FX_TEST(splits_at_the_mss_with_exact_fields, &fx),
        IP4_FX_TEST(a_64k_datagram_is_never_fragmented, &fx),
        IP4_FX_TEST(gso_size_below_the_path_sets_the_segment_size, &fx),
        IP4_FX_TEST(the_path_caps_a_larger_gso_size, &fx),
        IP4_FX_TEST(a_segment_that_fits_goes_unchanged, &fx),
        IP4_FX_TEST(without_gso_size_df_still_refuses, &fx),
        IP4_FX_TEST(splitter_refuses_what_it_cannot_cut, &fx),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
