/* wire/checksum: the fast Internet checksum against a plain reference. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/byteorder.h"
#include "wire/checksum.h"

#define MAX_LEN       2048
#define MAX_ALIGN     8
#define EDIT_ROUNDS   20000
#define EDIT_BUF_LEN  64
#define CHAIN_ROUNDS  2000
#define PSEUDO4_BYTES 12
#define PSEUDO6_BYTES 40

/* RFC 1071 section 4.1 style: 16-bit big-endian words, 64-bit accumulator. */
static uint16_t ref_sum16(const uint8_t *p, size_t len)
{
    uint64_t acc = 0;
    for (; len >= 2; p += 2, len -= 2)
        acc += (uint32_t)p[0] << 8 | p[1];
    if (len)
        acc += (uint32_t)p[0] << 8;
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    return (uint16_t)acc;
}

static uint16_t ref_csum(const uint8_t *p, size_t len)
{
    return (uint16_t)~ref_sum16(p, len);
}

/* Folds a partial without complementing it, to compare sums. */
static uint16_t fold(uint32_t partial)
{
    return (uint16_t)~axn_csum_finish(partial);
}

/* xorshift64*: a fixed seed, so a failure replays. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

static void fill_random(uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        p[i] = (uint8_t)rnd();
}

static void test_rfc1071_example_sums_to_ddf2(void **state)
{
    (void)state;
    /* RFC 1071 section 3: these bytes sum to ddf2 (folded). */
    const uint8_t bytes[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    assert_int_equal(fold(axn_csum_partial(bytes, sizeof bytes, 0)), 0xddf2);
    assert_int_equal(axn_csum(bytes, sizeof bytes), 0x220d);
    assert_int_equal(ref_sum16(bytes, sizeof bytes), 0xddf2);
}

static void test_empty_and_single_byte(void **state)
{
    (void)state;
    const uint8_t one = 0xab;
    assert_int_equal(fold(axn_csum_partial(&one, 0, 0)), 0);
    assert_int_equal(axn_csum(&one, 0), 0xffff);
    /* An odd last byte is the high half of a big-endian word. */
    assert_int_equal(fold(axn_csum_partial(&one, 1, 0)), 0xab00);
    assert_int_equal(fold(axn_csum_partial(&one, 0, 0x1234)), 0x1234);
}

static void test_known_ipv4_header_checksum(void **state)
{
    (void)state;
    /* A real IPv4 header (checksum field 0xb861 included): sums to 0xffff,
     * so a receiver's check of it yields 0. */
    const uint8_t hdr[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                             0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
    assert_int_equal(axn_csum(hdr, sizeof hdr), 0);
    uint8_t zeroed[20];
    memcpy(zeroed, hdr, sizeof hdr);
    zeroed[10] = zeroed[11] = 0;
    assert_int_equal(axn_csum(zeroed, sizeof zeroed), 0xb861);
}

static void test_fast_matches_reference_every_length_and_alignment(void **state)
{
    (void)state;
    static uint8_t storage[MAX_LEN + MAX_ALIGN + 8];
    fill_random(storage, sizeof storage);
    for (size_t align = 0; align < MAX_ALIGN; align++) {
        const uint8_t *p = storage + align;
        for (size_t len = 0; len <= MAX_LEN; len++) {
            uint16_t want = ref_sum16(p, len);
            uint16_t got = fold(axn_csum_partial(p, len, 0));
            if (got != want)
                fail_msg("align %zu len %zu: got %04x want %04x", align, len, got, want);
        }
    }
}

static void test_all_ones_data_does_not_lose_carries(void **state)
{
    (void)state;
    static uint8_t ones[MAX_LEN + 1];
    memset(ones, 0xff, sizeof ones);
    for (size_t len = 0; len <= sizeof ones; len += 7)
        assert_int_equal(fold(axn_csum_partial(ones, len, 0)), ref_sum16(ones, len));
    /* A carried-in partial of 2^32 - 1 (== 0 mod 0xffff, but not +0). */
    assert_int_equal(fold(axn_csum_partial(ones, 64, 0xffffffffu)), 0xffff);
}

static void test_chained_partials_equal_one_pass(void **state)
{
    (void)state;
    static uint8_t buf[MAX_LEN];
    for (int round = 0; round < CHAIN_ROUNDS; round++) {
        size_t len = rnd() % MAX_LEN;
        fill_random(buf, len);
        /* Every piece but the last has an even length (checksum.h). */
        size_t cut1 = (rnd() % (len + 1)) & ~(size_t)1;
        size_t cut2 = cut1 + ((rnd() % (len - cut1 + 1)) & ~(size_t)1);
        uint32_t s = axn_csum_partial(buf, cut1, 0);
        s = axn_csum_partial(buf + cut1, cut2 - cut1, s);
        s = axn_csum_partial(buf + cut2, len - cut2, s);
        assert_int_equal(axn_csum_finish(s), ref_csum(buf, len));
    }
}

static void test_partial_carried_in_is_added(void **state)
{
    (void)state;
    uint8_t buf[100];
    fill_random(buf, sizeof buf);
    uint16_t data = ref_sum16(buf, sizeof buf);
    const uint32_t starts[] = {0, 1, 0xffff, 0x10000, 0x1fffe, 0xfffffffeu, 0xffffffffu};
    for (size_t i = 0; i < sizeof starts / sizeof starts[0]; i++) {
        uint64_t want = (uint64_t)data + starts[i];
        while (want >> 16)
            want = (want & 0xffff) + (want >> 16);
        assert_int_equal(fold(axn_csum_partial(buf, sizeof buf, starts[i])), want);
    }
}

static void test_ipv4_pseudo_header_hand_computed(void **state)
{
    (void)state;
    /* 192.168.0.1 -> 192.168.0.199, UDP, length 12:
     * c0a8 + 0001 + c0a8 + 00c7 + 0011 + 000c = 0x18235 -> 0x8236. */
    uint32_t s = axn_csum_pseudo_v4(AXN_IP4(192, 168, 0, 1), AXN_IP4(192, 168, 0, 199), 17, 12);
    assert_int_equal(fold(s), 0x8236);
    assert_int_equal(axn_csum_finish(s), 0x7dc9);

    uint8_t ph[PSEUDO4_BYTES] = {192, 168, 0, 1, 192, 168, 0, 199, 0, 17, 0, 12};
    assert_int_equal(fold(s), ref_sum16(ph, sizeof ph));
}

static void test_udp_datagram_checksum_over_pseudo_header(void **state)
{
    (void)state;
    /* UDP 1234 -> 53, length 12, payload "abcd", checksum field zero. */
    uint8_t udp[12] = {0x04, 0xd2, 0x00, 0x35, 0x00, 0x0c, 0x00, 0x00, 'a', 'b', 'c', 'd'};
    uint32_t s = axn_csum_pseudo_v4(AXN_IP4(10, 0, 0, 1), AXN_IP4(10, 0, 0, 2), 17, sizeof udp);
    s = axn_csum_partial(udp, sizeof udp, s);
    /* 0a00+0001+0a00+0002+0011+000c = 0x1420 (pseudo-header)
     * 04d2+0035+000c+0000+6162+6364 = 0xc9d9 (datagram)
     * 0x1420 + 0xc9d9 = 0xddf9; complemented: 0x2206. */
    assert_int_equal(axn_csum_finish(s), 0x2206);
}

static void test_ipv6_pseudo_header_hand_computed(void **state)
{
    (void)state;
    struct axn_ip6 src = {{0x20, 0x01, 0x0d, 0xb8, [15] = 0x01}};
    struct axn_ip6 dst = {{0x20, 0x01, 0x0d, 0xb8, [15] = 0x02}};
    /* 2*(2001 + 0db8) + 0001 + 0002 + 0000 + 0020 + 003a = 0x5bcf. */
    uint32_t s = axn_csum_pseudo_v6(&src, &dst, 58, 32);
    assert_int_equal(fold(s), 0x5bcf);
    assert_int_equal(axn_csum_finish(s), 0xa430);

    /* A jumbo length uses both halves of the 32-bit field (RFC 8200 8.1):
     * 0x5b75 + 0x0001 + 0x2345 + 0x003a = 0x7ef5. */
    s = axn_csum_pseudo_v6(&src, &dst, 58, 0x12345);
    assert_int_equal(fold(s), 0x7ef5);

    uint8_t ph[PSEUDO6_BYTES] = {0};
    memcpy(ph, src.b, 16);
    memcpy(ph + 16, dst.b, 16);
    axn_put_be32(ph + 32, 0x12345);
    ph[39] = 58;
    assert_int_equal(fold(s), ref_sum16(ph, sizeof ph));
}

static void test_rfc1624_section3_corner_case(void **state)
{
    (void)state;
    /* RFC 1624 section 3: other words sum to 0xCD7A; m = 0x5555 -> 0x3285.
     * The old checksum is 0xDD2F; the right new one is 0x0000 (eqn. 2
     * would give 0xFFFF). */
    uint8_t data[4];
    axn_put_be16(data, 0xcd7a);
    axn_put_be16(data + 2, 0x5555);
    uint16_t hc = axn_csum(data, sizeof data);
    assert_int_equal(hc, 0xdd2f);
    uint16_t updated = axn_csum_update16(hc, 0x5555, 0x3285);
    assert_int_equal(updated, 0x0000);
    axn_put_be16(data + 2, 0x3285);
    assert_int_equal(axn_csum(data, sizeof data), updated);
}

static uint16_t pick_word(void)
{
    /* Bias towards the corner values of RFC 1624 section 3. */
    switch (rnd() % 4) {
    case 0:
        return 0x0000;
    case 1:
        return 0xffff;
    default:
        return (uint16_t)rnd();
    }
}

static void test_incremental_update16_equals_recompute(void **state)
{
    (void)state;
    uint8_t buf[EDIT_BUF_LEN];
    for (int round = 0; round < EDIT_ROUNDS; round++) {
        fill_random(buf, sizeof buf);
        /* Corner words everywhere make 0x0000 / 0xFFFF sums likely. */
        for (size_t i = 0; i < sizeof buf; i += 2)
            if (rnd() % 2)
                axn_put_be16(buf + i, pick_word());
        uint16_t hc = axn_csum(buf, sizeof buf);
        size_t at = (rnd() % (sizeof buf / 2)) * 2;
        uint16_t old_word = axn_get_be16(buf + at);
        uint16_t new_word = pick_word();
        axn_put_be16(buf + at, new_word);
        uint16_t want = axn_csum(buf, sizeof buf);
        uint16_t got = axn_csum_update16(hc, old_word, new_word);
        if (got != want)
            fail_msg("round %d: %04x -> %04x at %zu: got %04x want %04x", round, old_word, new_word,
                     at, got, want);
    }
}

static void test_incremental_update32_equals_recompute(void **state)
{
    (void)state;
    uint8_t buf[EDIT_BUF_LEN];
    for (int round = 0; round < EDIT_ROUNDS; round++) {
        fill_random(buf, sizeof buf);
        uint16_t hc = axn_csum(buf, sizeof buf);
        size_t at = (rnd() % (sizeof buf / 4)) * 4;
        uint32_t old_val = axn_get_be32(buf + at);
        uint32_t new_val = (uint32_t)pick_word() << 16 | pick_word();
        axn_put_be32(buf + at, new_val);
        assert_int_equal(axn_csum_update32(hc, old_val, new_val), axn_csum(buf, sizeof buf));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc1071_example_sums_to_ddf2),
        cmocka_unit_test(test_empty_and_single_byte),
        cmocka_unit_test(test_known_ipv4_header_checksum),
        cmocka_unit_test(test_fast_matches_reference_every_length_and_alignment),
        cmocka_unit_test(test_all_ones_data_does_not_lose_carries),
        cmocka_unit_test(test_chained_partials_equal_one_pass),
        cmocka_unit_test(test_partial_carried_in_is_added),
        cmocka_unit_test(test_ipv4_pseudo_header_hand_computed),
        cmocka_unit_test(test_udp_datagram_checksum_over_pseudo_header),
        cmocka_unit_test(test_ipv6_pseudo_header_hand_computed),
        cmocka_unit_test(test_rfc1624_section3_corner_case),
        cmocka_unit_test(test_incremental_update16_equals_recompute),
        cmocka_unit_test(test_incremental_update32_equals_recompute),
    };
    return cmocka_run_group_tests(tests, 0, NULL);
}
