/* tcp/tcp_seq.h: sequence-number comparisons modulo 2^32 (RFC 9293 3.4). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tcp/tcp_seq.h"

#define HALF 0x80000000u /* 2^31 */

static void test_plain_order(void **state)
{
    (void)state;
    assert_true(seq_lt(1, 2));
    assert_false(seq_lt(2, 2));
    assert_true(seq_leq(2, 2));
    assert_true(seq_gt(3, 2));
    assert_false(seq_gt(2, 2));
    assert_true(seq_geq(2, 2));
    assert_false(seq_geq(1, 2));
}

/* Across 2^32: 0xffffffff is just before 0. */
static void test_wrap_at_2_32(void **state)
{
    (void)state;
    assert_true(seq_lt(0xffffffffu, 0));
    assert_true(seq_gt(0, 0xffffffffu));
    assert_true(seq_lt(0xffffff00u, 0x10u));
    assert_true(seq_leq(0xffffff00u, 0x10u));
    assert_false(seq_geq(0xffffff00u, 0x10u));
    assert_int_equal(seq_diff(0x10u, 0xffffff00u), 0x110);
    assert_int_equal(seq_diff(0xffffff00u, 0x10u), -0x110);
    assert_int_equal(seq_diff(0, 0xffffffffu), 1);
}

/* 2^31 - 1 apart is still ordered; 2^31 apart is where it stops: both
 * directions say "less", and the difference is INT32_MIN both ways. */
static void test_limit_at_2_31(void **state)
{
    (void)state;
    assert_true(seq_lt(0, HALF - 1));
    assert_false(seq_lt(HALF - 1, 0));
    assert_int_equal(seq_diff(HALF - 1, 0), INT32_MAX);
    assert_true(seq_lt(0, HALF));
    assert_true(seq_lt(HALF, 0));
    assert_int_equal(seq_diff(HALF, 0), INT32_MIN);
    assert_int_equal(seq_diff(0, HALF), INT32_MIN);
    /* One past 2^31 the order flips: 0 + 2^31 + 1 reads as behind 0. */
    assert_true(seq_gt(0, HALF + 1));
    assert_int_equal(seq_diff(HALF + 1, 0), INT32_MIN + 1);
}

static void test_max_min(void **state)
{
    (void)state;
    assert_int_equal(seq_max(0xfffffff0u, 5), 5);
    assert_int_equal(seq_min(0xfffffff0u, 5), 0xfffffff0u);
    assert_int_equal(seq_max(7, 7), 7);
    assert_int_equal(seq_min(100, 200), 100);
}

/* b <= a < c, with the window straddling 2^32. */
static void test_between(void **state)
{
    (void)state;
    assert_true(seq_between(0xfffffff0u, 0xfffffff0u, 0x10u));
    assert_true(seq_between(0xffffffffu, 0xfffffff0u, 0x10u));
    assert_true(seq_between(0, 0xfffffff0u, 0x10u));
    assert_true(seq_between(0xfu, 0xfffffff0u, 0x10u));
    assert_false(seq_between(0x10u, 0xfffffff0u, 0x10u));
    assert_false(seq_between(0xffffffefu, 0xfffffff0u, 0x10u));
    /* An empty window holds nothing, not even its left edge. */
    assert_false(seq_between(5, 5, 5));
    /* Measured from b, it is still right for a window wider than 2^31. */
    assert_true(seq_between(HALF + 1, 0, HALF + 2));
    assert_false(seq_between(HALF + 2, 0, HALF + 2));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_order),   cmocka_unit_test(test_wrap_at_2_32),
        cmocka_unit_test(test_limit_at_2_31), cmocka_unit_test(test_max_min),
        cmocka_unit_test(test_between),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
