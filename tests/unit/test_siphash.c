/* lib/siphash: SipHash-2-4 against the published test vectors (Aumasson
 * and Bernstein, 2012: key 00..0f, message 00..len-1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/siphash.h"

#define MSG_MAX 64

static uint8_t g_key[AXN_SIPHASH_KEY_BYTES];
static uint8_t g_msg[MSG_MAX];

static int setup(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof g_key; i++)
        g_key[i] = (uint8_t)i;
    for (size_t i = 0; i < sizeof g_msg; i++)
        g_msg[i] = (uint8_t)i;
    return 0;
}

/* The paper's appendix A example: 15 bytes, one full block and a tail. */
static void test_paper_vector_15_bytes(void **state)
{
    (void)state;
    assert_int_equal(axn_siphash24(g_key, g_msg, 15), 0xa129ca6149be45e5ull);
}

/* vectors.h entry 0: only the length block. */
static void test_empty_message(void **state)
{
    (void)state;
    assert_int_equal(axn_siphash24(g_key, NULL, 0), 0x726fdb47dd0e0e31ull);
    assert_int_equal(axn_siphash24(g_key, g_msg, 0), 0x726fdb47dd0e0e31ull);
}

/* vectors.h entry 8: exactly one block, no tail. */
static void test_one_full_block(void **state)
{
    (void)state;
    assert_int_equal(axn_siphash24(g_key, g_msg, 8), 0x93f5f5799a932462ull);
}

/* 64 bytes, eight full blocks (beyond the paper's table, which stops at
 * 63): the value from an independent Python transcription of the paper. */
static void test_many_blocks(void **state)
{
    (void)state;
    assert_int_equal(axn_siphash24(g_key, g_msg, MSG_MAX), 0xacd2c40b8502cad8ull);
}

/* The word form (used by IP IDs) is the byte form of the same message and
 * key read little-endian. */
static void test_u64_form_matches_bytes(void **state)
{
    (void)state;
    const uint64_t key[AXN_SIPHASH_KEY_WORDS] = {0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};
    assert_int_equal(axn_siphash24_u64(key, 0x0706050403020100ull), 0x93f5f5799a932462ull);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paper_vector_15_bytes),  cmocka_unit_test(test_empty_message),
        cmocka_unit_test(test_one_full_block),         cmocka_unit_test(test_many_blocks),
        cmocka_unit_test(test_u64_form_matches_bytes),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
