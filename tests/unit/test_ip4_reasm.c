/* IPv4 fragment reassembly (src/ip/ip4_reasm.c, RFC 791 3.2, RFC 815). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "axnet/config.h"
#include "axnet/errno.h"
#include "ip/ip4_frag.h"
#include "ip/ip4_reasm.h"
#include "test_platform.h"

#define BIG_PAYLOAD 60000u
#define PKT_MAX     65535u
#define MAX_FRAGS   2048u
#define HDR_MIN     20u
#define QUOTE_BYTES 8u
#define TEST_ID     0x1234u
#define TEST_TTL    64u
#define PROTO_UDP   17u
#define PROTO_ICMP  1u
#define SRC         AXN_IP4(10, 99, 0, 1)
#define DST         AXN_IP4(10, 99, 0, 2)
#define T0          AXN_SEC(1000)
#define TIMEOUT     AXN_MSEC(AXN_IP4_REASM_TIMEOUT_MS)
#define MANY        10000u
/* 21 of these fill the default byte cap before 64 datagrams are open. */
#define LARGE 12000u

/* Router Alert and LSRR (copied), Record Route (not copied), RFC 791 3.1. */
static const uint8_t opts[] = {148, 4, 0, 0, 7, 7, 4, 0, 0, 0, 0, 131, 7, 4, 10, 99, 0, 9};

/* ---- Building packets ------------------------------------------------------ */

struct pkt {
    uint8_t *buf;
    size_t len;
};

struct frags {
    struct pkt p[MAX_FRAGS];
    size_t n;
};

static uint8_t original[PKT_MAX];
static size_t original_len;
static struct frags fr;
static uint8_t scratch[PKT_MAX];

static int collect(void *ctx, const uint8_t *frag, size_t len)
{
    struct frags *f = ctx;
    assert_true(f->n < MAX_FRAGS);
    f->p[f->n].buf = malloc(len);
    assert_non_null(f->p[f->n].buf);
    memcpy(f->p[f->n].buf, frag, len);
    f->p[f->n++].len = len;
    return 0;
}

static void frags_free(struct frags *f)
{
    for (size_t i = 0; i < f->n; i++)
        free(f->p[i].buf);
    f->n = 0;
}

struct spec {
    uint16_t id;
    uint8_t protocol;
    size_t payload_len;
    const uint8_t *opts;
    size_t opts_len;
    bool mf;
    uint16_t frag_offset;
    uint8_t fill; /* payload byte i is fill + i*7 */
};

static size_t build(uint8_t *buf, const struct spec *sp)
{
    static uint8_t payload[PKT_MAX];
    for (size_t i = 0; i < sp->payload_len; i++)
        payload[i] = (uint8_t)(sp->fill + i * 7u + (i >> 8));
    struct axn_ipv4 h = {
        .id = sp->id,
        .mf = sp->mf,
        .frag_offset = sp->frag_offset,
        .ttl = TEST_TTL,
        .protocol = sp->protocol,
        .src = SRC,
        .dst = DST,
        .options = sp->opts,
        .options_len = sp->opts_len,
        .payload = payload,
        .payload_len = sp->payload_len,
    };
    int n = axn_ipv4_emit(&h, buf, PKT_MAX);
    assert_true(n > 0);
    return (size_t)n;
}

/* A single fragment of datagram TEST_ID (UDP). */
static struct pkt frag(uint16_t off, size_t len, bool mf)
{
    static uint8_t bufs[8][PKT_MAX];
    static size_t next;
    uint8_t *buf = bufs[next++ % 8];
    struct spec sp = {TEST_ID, PROTO_UDP, len, NULL, 0, mf, off, (uint8_t)off};
    return (struct pkt){buf, build(buf, &sp)};
}

/* The BIG_PAYLOAD datagram, fragmented at `mtu` into fr. */
static void make_fragments(size_t mtu, const uint8_t *o, size_t olen)
{
    struct spec sp = {TEST_ID, PROTO_UDP, BIG_PAYLOAD, o, olen, false, 0, 0};
    original_len = build(original, &sp);
    frags_free(&fr);
    int n = axn_ip4_fragment(original, original_len, mtu, scratch, collect, &fr);
    assert_true(n > 1);
    assert_int_equal((size_t)n, fr.n);
}

/* ---- Fixture --------------------------------------------------------------- */

static struct axn_ip4_reasm R;
static struct axn_ip4_datagram out;
static size_t timeout_calls;
static uint8_t timeout_quote[AXN_IPV4_HDR_MAX + QUOTE_BYTES];
static size_t timeout_len;
static axn_time_t timeout_now;

static int setup(void **state)
{
    (void)state;
    timeout_calls = 0;
    memset(&out, 0, sizeof(out));
    return axn_ip4_reasm_init(&R, axn_test_platform());
}

static int teardown(void **state)
{
    (void)state;
    axn_ip4_reasm_release(&R, &out);
    axn_ip4_reasm_destroy(&R);
    frags_free(&fr);
    axn_test_fail_alloc_after(SIZE_MAX);
    return axn_test_live_allocs() == 0 ? 0 : -1;
}

static void on_timeout(void *ctx, const uint8_t *first, size_t len, axn_time_t now)
{
    (void)ctx;
    assert_true(len <= sizeof(timeout_quote));
    memcpy(timeout_quote, first, len);
    timeout_len = len;
    timeout_now = now;
    timeout_calls++;
}

static int feed(struct pkt p, axn_time_t now)
{
    struct axn_ipv4 ip;
    assert_int_equal(axn_ipv4_parse(p.buf, p.len, &ip, 0), 0);
    return axn_ip4_reasm_input(&R, &ip, p.buf, now, &out);
}

/* The bytes one held fragment costs beyond its data, learnt by holding one. */
static size_t frag_overhead(void)
{
    struct axn_ip4_reasm r;
    assert_int_equal(axn_ip4_reasm_init(&r, axn_test_platform()), 0);
    struct pkt p = frag(0, 8, true);
    struct axn_ipv4 ip;
    assert_int_equal(axn_ipv4_parse(p.buf, p.len, &ip, 0), 0);
    assert_int_equal(axn_ip4_reasm_input(&r, &ip, p.buf, T0, &out), 0);
    size_t overhead = r.bytes_held - 8;
    axn_ip4_reasm_destroy(&r);
    return overhead;
}

/* Feeds fr in `order`, checking the running byte count, then the result. */
static void feed_all(const size_t *order)
{
    size_t overhead = frag_overhead();
    size_t held = 0;
    for (size_t k = 0; k < fr.n; k++) {
        struct pkt p = fr.p[order[k]];
        int want = k + 1 == fr.n ? 1 : 0;
        assert_int_equal(feed(p, T0), want);
        struct axn_ipv4 ip;
        assert_int_equal(axn_ipv4_parse(p.buf, p.len, &ip, 0), 0);
        held += ip.payload_len + overhead;
        assert_int_equal(R.bytes_held, want ? 0 : held);
    }
    assert_int_equal(out.len, original_len);
    assert_memory_equal(out.pkt, original, original_len);
    assert_int_equal(R.stats.oks, 1);
    assert_int_equal(R.stats.reqds, fr.n);
    assert_int_equal(R.stats.fails, 0);
    assert_int_equal(axn_ip4_reasm_in_progress(&R), 0);
    axn_ip4_reasm_release(&R, &out);
    assert_int_equal(axn_test_live_allocs(), 1); /* the slot table */
    memset(&R.stats, 0, sizeof(R.stats));
}

enum order { IN_ORDER, REVERSE, SHUFFLED };

static void roundtrip(size_t mtu, enum order how, const uint8_t *o, size_t olen)
{
    static size_t order[MAX_FRAGS];
    make_fragments(mtu, o, olen);
    for (size_t i = 0; i < fr.n; i++)
        order[i] = how == REVERSE ? fr.n - 1 - i : i;
    if (how == SHUFFLED) {
        uint32_t x = 0x2545f491u + (uint32_t)mtu; /* fixed seed: replayable */
        for (size_t i = fr.n - 1; i > 0; i--) {
            x = x * 1664525u + 1013904223u;
            size_t j = x % (i + 1);
            size_t t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }
    feed_all(order);
}

static const size_t mtus[] = {1500, 576, 1006};

/* ---- Round trips ----------------------------------------------------------- */

static void test_in_order_fragments_reassemble_byte_exact(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(mtus) / sizeof(mtus[0]); i++)
        roundtrip(mtus[i], IN_ORDER, NULL, 0);
}

static void test_reverse_order_fragments_reassemble_byte_exact(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(mtus) / sizeof(mtus[0]); i++)
        roundtrip(mtus[i], REVERSE, NULL, 0);
}

static void test_shuffled_fragments_reassemble_byte_exact(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(mtus) / sizeof(mtus[0]); i++)
        roundtrip(mtus[i], SHUFFLED, NULL, 0);
}

/* The result carries the first fragment's header, options and all. */
static void test_first_fragment_options_head_the_result(void **state)
{
    (void)state;
    roundtrip(1500, SHUFFLED, opts, sizeof(opts));
    roundtrip(576, REVERSE, opts, sizeof(opts));
}

/* Fragments re-fragmented on a smaller link still reassemble. */
static void test_fragments_of_fragments_reassemble(void **state)
{
    (void)state;
    make_fragments(1500, NULL, 0);
    static struct frags small;
    for (size_t i = 0; i < fr.n; i++) {
        int n = axn_ip4_fragment(fr.p[i].buf, fr.p[i].len, 576, scratch, collect, &small);
        assert_int_equal(n, i + 1 == fr.n ? 2 : 3); /* 1480 = 552+552+376 */
    }
    frags_free(&fr);
    fr = small;
    small.n = 0;
    static size_t order[MAX_FRAGS];
    for (size_t i = 0; i < fr.n; i++)
        order[i] = (i * 37) % fr.n; /* 37 is prime to 122: a permutation */
    assert_int_equal(fr.n, 122);
    feed_all(order);
}

/* ---- Duplicates, overlaps, contradictions ------------------------------- */

static void test_duplicate_fragments_are_ignored(void **state)
{
    (void)state;
    make_fragments(1500, NULL, 0);
    for (size_t i = 0; i + 1 < fr.n; i++) {
        assert_int_equal(feed(fr.p[i], T0), 0);
        size_t held = R.bytes_held;
        assert_int_equal(feed(fr.p[i], T0), 0);
        assert_int_equal(R.bytes_held, held);
    }
    assert_int_equal(feed(fr.p[0], T0), 0);
    assert_int_equal(feed(fr.p[fr.n - 1], T0), 1);
    assert_memory_equal(out.pkt, original, original_len);
    assert_int_equal(R.stats.oks, 1);
    assert_int_equal(R.stats.fails, 0);
    assert_int_equal(R.stats.overlaps, 0);
}

/* Feeds `p` after [0, 1480) and [1480, 2960) are held; wants the whole
 * datagram dropped as an overlap. */
static void expect_overlap(struct pkt p)
{
    assert_int_equal(feed(frag(0, 1480, true), T0), 0);
    assert_int_equal(feed(frag(1480, 1480, true), T0), 0);
    uint64_t overlaps = R.stats.overlaps;
    assert_int_equal(feed(p, T0), -AXN_EINVAL);
    assert_int_equal(R.stats.overlaps, overlaps + 1);
    assert_int_equal(R.bytes_held, 0);
    assert_int_equal(axn_ip4_reasm_in_progress(&R), 0);
    assert_int_equal(axn_test_live_allocs(), 1); /* the slot table */
}

static void test_overlap_drops_the_whole_datagram(void **state)
{
    (void)state;
    expect_overlap(frag(8, 1480, true));     /* straddles both */
    expect_overlap(frag(0, 8, true));        /* same start, shorter */
    expect_overlap(frag(1472, 16, true));    /* across the seam */
    expect_overlap(frag(2952, 100, false));  /* tail overlap, last */
    expect_overlap(frag(1480, 2960, false)); /* same start, longer */
    assert_int_equal(R.stats.overlaps, 5);
    assert_int_equal(R.stats.fails, 5);
    /* The datagram is gone: its old pieces no longer complete it. */
    assert_int_equal(feed(frag(0, 1480, true), T0), 0);
    assert_int_equal(feed(frag(2960, 10, false), T0), 0);
    assert_int_equal(axn_ip4_reasm_in_progress(&R), 1);
}

/* Holds [0, 16) with MF clear, then feeds `p`, which contradicts it. */
static void expect_contradiction(struct pkt first, struct pkt p)
{
    assert_int_equal(feed(first, T0), 0);
    uint64_t fails = R.stats.fails;
    assert_int_equal(feed(p, T0), -AXN_EINVAL);
    assert_int_equal(R.stats.fails, fails + 1);
    assert_int_equal(R.bytes_held, 0);
    assert_int_equal(axn_ip4_reasm_in_progress(&R), 0);
}

/* RFC 791 3.2: the fragment with MF clear fixes the length. */
static void test_last_fragment_fixes_the_length(void **state)
{
    (void)state;
    /* Data beyond the end. */
    expect_contradiction(frag(16, 8, false), frag(24, 8, true));
    /* A second last fragment ending elsewhere. */
    expect_contradiction(frag(16, 8, false), frag(32, 8, false));
    /* A last fragment ending before data already held. */
    expect_contradiction(frag(32, 8, true), frag(16, 8, false));
    assert_int_equal(R.stats.overlaps, 0);
    /* The same last fragment twice is a duplicate. */
    assert_int_equal(feed(frag(16, 8, false), T0), 0);
    assert_int_equal(feed(frag(16, 8, false), T0), 0);
    assert_int_equal(feed(frag(0, 16, true), T0), 1);
    assert_int_equal(out.len, HDR_MIN + 24);
}

/* RFC 791 3.1: the result must fit the 16-bit Total Length. */
static void test_datagram_longer_than_65535_is_dropped(void **state)
{
    (void)state;
    static uint8_t buf[PKT_MAX];
    static const uint8_t pad40[40] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
                                      1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0};
    struct spec sp = {TEST_ID, PROTO_UDP, 8, pad40, sizeof(pad40), true, 0, 0};
    struct pkt first = {buf, build(buf, &sp)}; /* a 60-byte header */
    /* The last fragment may end at 65515: a 20-byte header fits with it. */
    struct pkt last = frag(65512, 3, false);
    assert_int_equal(feed(last, T0), 0);
    assert_int_equal(feed(first, T0), -AXN_EINVAL);
    assert_int_equal(axn_ip4_reasm_in_progress(&R), 0);
    assert_int_equal(R.bytes_held, 0);
    /* The other order too. */
    assert_int_equal(feed(first, T0), 0);
    assert_int_equal(feed(last, T0), -AXN_EINVAL);
    assert_int_equal(axn_ip4_reasm_in_progress(&R), 0);
    assert_int_equal(R.stats.fails, 2);
}

static void test_empty_fragment_with_more_to_come_is_refused(void **state)
{
    (void)state;
    assert_int_equal(feed(frag(0, 0, true), T0), -AXN_EINVAL);
    assert_int_equal(feed(frag(800, 0, true), T0), -AXN_EINVAL);
    assert_int_equal(axn_ip4_reasm_in_progress(&R), 0);
    assert_int_equal(R.stats.fails, 2);
    assert_int_equal(R.stats.reqds, 2);
    assert_int_equal(axn_test_live_allocs(), 1);
}

/* An empty last fragment still tells where the datagram ends. */
static void test_empty_last_fragment_marks_the_end(void **state)
{
    (void)state;
    assert_int_equal(feed(frag(16, 0, false), T0), 0);
    assert_int_equal(R.bytes_held, 0);
    assert_int_equal(axn_ip4_reasm_in_progress(&R), 1);
    assert_int_equal(feed(frag(16, 0, false), T0), 0); /* again: no change */
    assert_int_equal(feed(frag(8, 8, true), T0), 0);
    assert_int_equal(feed(frag(0, 8, true), T0), 1);
    assert_int_equal(out.len, HDR_MIN + 16);
    assert_int_equal(R.stats.oks, 1);
}

static void test_middle_fragment_not_multiple_of_8_is_refused(void **state)
{
    (void)state;
    assert_int_equal(feed(frag(0, 12, true), T0), -AXN_EINVAL);
    assert_int_equal(axn_ip4_reasm_in_progress(&R), 0);
    assert_int_equal(R.bytes_held, 0);
}

static void test_unfragmented_packet_is_refused(void **state)
{
    (void)state;
    assert_int_equal(feed(frag(0, 100, false), T0), -AXN_EINVAL);
    assert_int_equal(axn_ip4_reasm_in_progress(&R), 0);
}

/* RFC 791 3.2: (src, dst, protocol, id) names a datagram. */
static void test_protocol_and_id_keep_datagrams_apart(void **state)
{
    (void)state;
    static uint8_t b[4][PKT_MAX];
    struct spec a0 = {TEST_ID, PROTO_UDP, 8, NULL, 0, true, 0, 1};
    struct spec i0 = {TEST_ID, PROTO_ICMP, 8, NULL, 0, true, 0, 2};
    struct spec d0 = {TEST_ID + 1, PROTO_UDP, 8, NULL, 0, true, 0, 3};
    struct spec i1 = {TEST_ID, PROTO_ICMP, 4, NULL, 0, false, 8, 4};
    assert_int_equal(feed((struct pkt){b[0], build(b[0], &a0)}, T0), 0);
    assert_int_equal(feed((struct pkt){b[1], build(b[1], &i0)}, T0), 0);
    assert_int_equal(feed((struct pkt){b[2], build(b[2], &d0)}, T0), 0);
    assert_int_equal(axn_ip4_reasm_in_progress(&R), 3);
    assert_int_equal(feed((struct pkt){b[3], build(b[3], &i1)}, T0), 1);
    assert_int_equal(out.len, HDR_MIN + 12);
    assert_int_equal(out.pkt[9], PROTO_ICMP);
    assert_int_equal(out.pkt[HDR_MIN], 2); /* the ICMP datagram's fill */
    assert_int_equal(axn_ip4_reasm_in_progress(&R), 2);
}

/* ---- Timeouts ---------------------------------------------------------------- */

static void test_timeout_at_exact_deadline_quotes_first_fragment(void **state)
{
    (void)state;
    make_fragments(1500, opts, sizeof(opts));
    for (size_t i = 0; i + 1 < fr.n; i++)
        assert_int_equal(feed(fr.p[i], T0 + i), 0); /* the clock starts at the first */
    assert_int_equal(axn_ip4_reasm_expire(&R, T0 + TIMEOUT - 1, on_timeout, NULL), T0 + TIMEOUT);
    assert_int_equal(timeout_calls, 0);
    assert_int_equal(axn_ip4_reasm_in_progress(&R), 1);
    assert_int_equal(axn_ip4_reasm_expire(&R, T0 + TIMEOUT, on_timeout, NULL), AXN_TIME_NEVER);
    assert_int_equal(timeout_calls, 1);
    assert_int_equal(timeout_now, T0 + TIMEOUT);
    /* RFC 792: its header (40 bytes, options and all) and 8 data bytes. */
    assert_int_equal(timeout_len, 40 + QUOTE_BYTES);
    assert_memory_equal(timeout_quote, fr.p[0].buf, 40 + QUOTE_BYTES);
    assert_int_equal(R.stats.timeouts, 1);
    assert_int_equal(R.stats.fails, 1);
    assert_int_equal(R.bytes_held, 0);
    assert_int_equal(axn_ip4_reasm_in_progress(&R), 0);
    assert_int_equal(axn_test_live_allocs(), 1);
    /* Too late: the last fragment now starts a datagram of its own. */
    assert_int_equal(feed(fr.p[fr.n - 1], T0 + TIMEOUT), 0);
}

/* The deadline holds even before expire runs: a fragment arriving at it
 * starts a new datagram instead of completing the old one. */
static void test_fragment_at_deadline_does_not_complete(void **state)
{
    (void)state;
    make_fragments(1500, NULL, 0);
    for (size_t i = 0; i + 1 < fr.n; i++)
        assert_int_equal(feed(fr.p[i], T0), 0);
    assert_int_equal(feed(fr.p[fr.n - 1], T0 + TIMEOUT), 0);
    assert_int_equal(R.stats.timeouts, 1);
    assert_int_equal(R.stats.fails, 1);
    assert_int_equal(R.stats.oks, 0);
    assert_int_equal(axn_ip4_reasm_in_progress(&R), 1);
    assert_int_equal(R.bytes_held, frag_overhead() + BIG_PAYLOAD % 1480);
    /* One microsecond earlier it would have completed. */
    assert_int_equal(feed(fr.p[0], T0 + TIMEOUT), 0);
    assert_int_equal(axn_ip4_reasm_expire(&R, T0 + 2 * TIMEOUT, on_timeout, NULL), AXN_TIME_NEVER);
    axn_time_t t1 = T0 + 3 * TIMEOUT;
    for (size_t i = 0; i + 1 < fr.n; i++)
        assert_int_equal(feed(fr.p[i], t1), 0);
    assert_int_equal(feed(fr.p[fr.n - 1], t1 + TIMEOUT - 1), 1);
    assert_memory_equal(out.pkt, original, original_len);
}

/* RFC 1122 3.3.2: no Time Exceeded unless fragment zero arrived. */
static void test_timeout_without_first_fragment_is_silent(void **state)
{
    (void)state;
    assert_int_equal(feed(frag(1480, 1480, true), T0), 0);
    assert_int_equal(feed(frag(2960, 10, false), T0), 0);
    assert_int_equal(axn_ip4_reasm_expire(&R, T0 + TIMEOUT, on_timeout, NULL), AXN_TIME_NEVER);
    assert_int_equal(timeout_calls, 0);
    assert_int_equal(R.stats.timeouts, 1);
    assert_int_equal(R.bytes_held, 0);
}

static void test_expire_reports_the_earliest_deadline(void **state)
{
    (void)state;
    assert_int_equal(axn_ip4_reasm_expire(&R, T0, on_timeout, NULL), AXN_TIME_NEVER);
    static uint8_t b[PKT_MAX];
    struct spec later = {TEST_ID + 1, PROTO_UDP, 8, NULL, 0, true, 0, 0};
    assert_int_equal(feed((struct pkt){b, build(b, &later)}, T0 + 5), 0);
    assert_int_equal(feed(frag(0, 8, true), T0), 0);
    assert_int_equal(axn_ip4_reasm_expire(&R, T0, NULL, NULL), T0 + TIMEOUT);
    /* A NULL fn drops silently. */
    assert_int_equal(axn_ip4_reasm_expire(&R, T0 + TIMEOUT, NULL, NULL), T0 + 5 + TIMEOUT);
    assert_int_equal(axn_ip4_reasm_in_progress(&R), 1);
    assert_int_equal(R.stats.timeouts, 1);
    /* The earliest leaving by completion moves the answer on too. */
    axn_time_t t1 = T0 + 2 * TIMEOUT;
    assert_int_equal(feed(frag(0, 8, true), t1), 0);
    assert_int_equal(feed((struct pkt){b, build(b, &later)}, t1 + 7), 0); /* a new one */
    assert_int_equal(axn_ip4_reasm_expire(&R, t1 + 7, NULL, NULL), t1 + TIMEOUT);
    assert_int_equal(feed(frag(8, 8, false), t1 + 9), 1);
    assert_int_equal(axn_ip4_reasm_expire(&R, t1 + 9, NULL, NULL), t1 + 7 + TIMEOUT);
}

/* ---- Caps and memory ----------------------------------------------------------- */

/* A flood of first fragments with distinct ids: both caps hold, the
 * newcomers are refused and counted, the first ones stay. */
static void test_ten_thousand_partial_datagrams_stay_within_caps(void **state)
{
    (void)state;
    static uint8_t b[PKT_MAX];
    size_t refused = 0;
    size_t refused_for_bytes = 0;
    for (size_t i = 0; i < MANY; i++) {
        /* Large and tiny ones in turn: the byte cap binds first for the
         * large, the datagram cap later for all. */
        size_t len = i % 2 ? 8 : LARGE;
        struct spec sp = {(uint16_t)i, PROTO_UDP, len, NULL, 0, true, 0, 0};
        bool slots_left = axn_ip4_reasm_in_progress(&R) < AXN_IP4_REASM_MAX_DATAGRAMS;
        int err = feed((struct pkt){b, build(b, &sp)}, T0 + i);
        if (err)
            refused++;
        if (err && slots_left)
            refused_for_bytes++;
        assert_true(err == 0 || err == -AXN_ENOBUFS);
        assert_true(R.bytes_held <= AXN_IP4_REASM_MAX_BYTES);
        assert_true(axn_ip4_reasm_in_progress(&R) <= AXN_IP4_REASM_MAX_DATAGRAMS);
    }
    assert_int_equal(axn_ip4_reasm_in_progress(&R), AXN_IP4_REASM_MAX_DATAGRAMS);
    assert_int_equal(refused, MANY - AXN_IP4_REASM_MAX_DATAGRAMS);
    assert_int_equal(R.stats.over_limit, refused);
    assert_int_equal(R.stats.fails, refused);
    assert_int_equal(R.stats.reqds, MANY);
    assert_true(refused_for_bytes > 0);
    assert_true(R.bytes_held > AXN_IP4_REASM_MAX_BYTES - 2 * LARGE);
    /* The oldest is never evicted: datagram 0 still completes. */
    struct spec end = {0, PROTO_UDP, 8, NULL, 0, false, LARGE, 0};
    assert_int_equal(feed((struct pkt){b, build(b, &end)}, T0 + MANY), 1);
    assert_int_equal(out.len, HDR_MIN + LARGE + 8);
    axn_ip4_reasm_release(&R, &out);
    axn_ip4_reasm_destroy(&R);
    assert_int_equal(axn_test_live_allocs(), 0);
}

static void test_byte_cap_refuses_newcomer_keeps_datagram(void **state)
{
    (void)state;
    R.max_bytes = 2 * 1480; /* less than two such fragments with overhead */
    assert_int_equal(feed(frag(0, 1480, true), T0), 0);
    size_t held = R.bytes_held;
    assert_int_equal(feed(frag(1480, 1480, true), T0), -AXN_ENOBUFS);
    assert_int_equal(R.stats.over_limit, 1);
    assert_int_equal(R.bytes_held, held);
    assert_int_equal(feed(frag(1480, 100, false), T0), 1);
    assert_int_equal(out.len, HDR_MIN + 1580);
}

/* Fragments of 8 bytes with 8-byte gaps: the datagram can never complete
 * within AXN_IP4_REASM_MAX_FRAGS, so one more drops it whole. */
static void test_too_many_fragments_drop_the_datagram(void **state)
{
    (void)state;
    for (size_t i = 0; i < AXN_IP4_REASM_MAX_FRAGS; i++)
        assert_int_equal(feed(frag((uint16_t)(i * 16), 8, true), T0), 0);
    assert_int_equal(R.bytes_held, AXN_IP4_REASM_MAX_FRAGS * (8 + frag_overhead()));
    /* A duplicate is not one more. */
    assert_int_equal(feed(frag(0, 8, true), T0), 0);
    assert_int_equal(feed(frag(8, 8, true), T0), -AXN_ENOBUFS);
    assert_int_equal(R.stats.over_limit, 1);
    assert_int_equal(R.stats.fails, 1);
    assert_int_equal(axn_ip4_reasm_in_progress(&R), 0);
    assert_int_equal(R.bytes_held, 0);
    assert_int_equal(axn_test_live_allocs(), 1);
}

static void test_allocation_failure_drops_cleanly(void **state)
{
    (void)state;
    axn_test_fail_alloc_after(0);
    assert_int_equal(feed(frag(0, 8, true), T0), -AXN_ENOMEM);
    assert_int_equal(axn_ip4_reasm_in_progress(&R), 0);
    assert_int_equal(R.bytes_held, 0);
    /* The fragment is held; the result's block cannot be had. */
    axn_test_fail_alloc_after(SIZE_MAX);
    assert_int_equal(feed(frag(0, 8, true), T0), 0);
    axn_test_fail_alloc_after(1);
    assert_int_equal(feed(frag(8, 8, false), T0), -AXN_ENOMEM);
    assert_int_equal(axn_ip4_reasm_in_progress(&R), 0);
    assert_int_equal(R.bytes_held, 0);
    assert_int_equal(R.stats.fails, 2);
    axn_test_fail_alloc_after(SIZE_MAX);
    assert_int_equal(axn_test_live_allocs(), 1);
}

static void test_destroy_frees_partial_datagrams(void **state)
{
    (void)state;
    make_fragments(576, NULL, 0);
    for (size_t i = 1; i < fr.n; i += 2)
        assert_int_equal(feed(fr.p[i], T0), 0);
    assert_true(axn_test_live_allocs() > fr.n / 2);
    axn_ip4_reasm_destroy(&R);
    assert_int_equal(axn_test_live_allocs(), 0);
    axn_ip4_reasm_destroy(&R); /* twice is harmless */
}

static void test_init_without_memory_is_enomem(void **state)
{
    (void)state;
    struct axn_ip4_reasm r;
    axn_test_fail_alloc_after(0);
    assert_int_equal(axn_ip4_reasm_init(&r, axn_test_platform()), -AXN_ENOMEM);
    axn_ip4_reasm_destroy(&r);
    axn_test_fail_alloc_after(SIZE_MAX);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_in_order_fragments_reassemble_byte_exact),
        T(test_reverse_order_fragments_reassemble_byte_exact),
        T(test_shuffled_fragments_reassemble_byte_exact),
        T(test_first_fragment_options_head_the_result),
        T(test_fragments_of_fragments_reassemble),
        T(test_duplicate_fragments_are_ignored),
        T(test_overlap_drops_the_whole_datagram),
        T(test_last_fragment_fixes_the_length),
        T(test_datagram_longer_than_65535_is_dropped),
        T(test_empty_fragment_with_more_to_come_is_refused),
        T(test_empty_last_fragment_marks_the_end),
        T(test_middle_fragment_not_multiple_of_8_is_refused),
        T(test_unfragmented_packet_is_refused),
        T(test_protocol_and_id_keep_datagrams_apart),
        T(test_timeout_at_exact_deadline_quotes_first_fragment),
        T(test_fragment_at_deadline_does_not_complete),
        T(test_timeout_without_first_fragment_is_silent),
        T(test_expire_reports_the_earliest_deadline),
        T(test_ten_thousand_partial_datagrams_stay_within_caps),
        T(test_byte_cap_refuses_newcomer_keeps_datagram),
        T(test_too_many_fragments_drop_the_datagram),
        T(test_allocation_failure_drops_cleanly),
        T(test_destroy_frees_partial_datagrams),
        T(test_init_without_memory_is_enomem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
