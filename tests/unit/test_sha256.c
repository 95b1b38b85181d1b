/*
 * The tests' SHA-256 (tests/support/sha256.c) against the FIPS 180-4
 * examples (NIST "SHA256.pdf", "SHA2_Additional.pdf"): the one-block and
 * two-block messages, the empty message, one million 'a', the 896-bit
 * message; and every split of a message into two updates giving the same
 * digest as one update (padding across block boundaries).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "sha256.h"

#define MILLION       1000000u
#define CHUNK         1000u
#define SPLIT_MSG_LEN 200u /* over three blocks: every padding case is crossed */
#define SPLIT_MUL     31u

static void assert_hex(const uint8_t d[AXN_SHA256_DIGEST_LEN], const char *want)
{
    char hex[AXN_SHA256_HEX_LEN];
    axn_sha256_hex(d, hex);
    assert_string_equal(hex, want);
}

static void check(const char *msg, const char *want)
{
    uint8_t d[AXN_SHA256_DIGEST_LEN];
    axn_sha256(msg, strlen(msg), d);
    assert_hex(d, want);
}

static void sha256_fips_one_block_abc(void **state)
{
    (void)state;
    check("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void sha256_fips_two_blocks_448_bits(void **state)
{
    (void)state;
    check("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void sha256_empty_message(void **state)
{
    (void)state;
    check("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void sha256_896_bit_message(void **state)
{
    (void)state;
    check("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqr"
          "lmnopqrsmnopqrstnopqrstu",
          "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

static void sha256_million_a_in_chunks(void **state)
{
    (void)state;
    uint8_t chunk[CHUNK];
    memset(chunk, 'a', sizeof(chunk));
    struct axn_sha256 c;
    axn_sha256_init(&c);
    for (unsigned i = 0; i < MILLION / CHUNK; i++)
        axn_sha256_update(&c, chunk, sizeof(chunk));
    uint8_t d[AXN_SHA256_DIGEST_LEN];
    axn_sha256_final(&c, d);
    assert_hex(d, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* Every length up to SPLIT_MSG_LEN, split at every point, hashes as in one
 * piece: the buffered and direct paths of update agree. */
static void sha256_any_split_matches_one_shot(void **state)
{
    (void)state;
    uint8_t msg[SPLIT_MSG_LEN];
    for (unsigned i = 0; i < sizeof(msg); i++)
        msg[i] = (uint8_t)(i * SPLIT_MUL);
    for (size_t len = 0; len <= sizeof(msg); len++) {
        uint8_t want[AXN_SHA256_DIGEST_LEN];
        axn_sha256(msg, len, want);
        for (size_t cut = 0; cut <= len; cut++) {
            struct axn_sha256 c;
            uint8_t got[AXN_SHA256_DIGEST_LEN];
            axn_sha256_init(&c);
            axn_sha256_update(&c, msg, cut);
            axn_sha256_update(&c, msg + cut, len - cut);
            axn_sha256_final(&c, got);
            assert_memory_equal(got, want, sizeof(want));
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sha256_fips_one_block_abc),
        cmocka_unit_test(sha256_fips_two_blocks_448_bits),
        cmocka_unit_test(sha256_empty_message),
        cmocka_unit_test(sha256_896_bit_message),
        cmocka_unit_test(sha256_million_a_in_chunks),
        cmocka_unit_test(sha256_any_split_matches_one_shot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
