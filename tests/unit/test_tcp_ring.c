/* tcp/tcp_ring.c: the byte rings of a connection, and the size of the
 * fixed per-connection struct (reported by the issue). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "axnet/errno.h"
#include "tcp/tcp_conn.h"

#define CAP 10

static void test_push_peek_drop(void **state)
{
    struct axn_tcp_ring r;
    uint8_t buf[CAP];
    uint8_t out[CAP];

    (void)state;
    assert_int_equal(axn_tcp_ring_init(&r, buf, CAP), 0);
    assert_int_equal(axn_tcp_ring_free_space(&r), CAP);
    assert_int_equal(axn_tcp_ring_push(&r, (const uint8_t *)"abcdef", 6), 6);
    assert_int_equal(r.len, 6);
    axn_tcp_ring_peek(&r, 2, out, 3);
    assert_memory_equal(out, "cde", 3);
    axn_tcp_ring_drop(&r, 4);
    assert_int_equal(r.len, 2);
    assert_int_equal(r.head, 4);
    axn_tcp_ring_peek(&r, 0, out, 2);
    assert_memory_equal(out, "ef", 2);
}

/* Pushes past the end wrap to the start; peeks across the wrap. */
static void test_wrap(void **state)
{
    struct axn_tcp_ring r;
    uint8_t buf[CAP];
    uint8_t out[CAP];

    (void)state;
    axn_tcp_ring_init(&r, buf, CAP);
    axn_tcp_ring_push(&r, (const uint8_t *)"01234567", 8);
    axn_tcp_ring_drop(&r, 7);
    assert_int_equal(axn_tcp_ring_push(&r, (const uint8_t *)"ABCDEFGHIJ", 10), 9);
    assert_int_equal(r.len, CAP);
    assert_int_equal(axn_tcp_ring_free_space(&r), 0);
    axn_tcp_ring_peek(&r, 0, out, CAP);
    assert_memory_equal(out, "7ABCDEFGHI", CAP);
    assert_memory_equal(buf, "CDEFGHI7AB", CAP);
    axn_tcp_ring_peek(&r, 2, out, 5);
    assert_memory_equal(out, "BCDEF", 5);
    axn_tcp_ring_drop(&r, CAP);
    assert_int_equal(r.len, 0);
    assert_int_equal(r.head, 7);
}

/* Out-of-order bytes written past len (receive ring), later covered. */
static void test_write_at(void **state)
{
    struct axn_tcp_ring r;
    uint8_t buf[CAP];
    uint8_t out[CAP];

    (void)state;
    axn_tcp_ring_init(&r, buf, CAP);
    axn_tcp_ring_push(&r, (const uint8_t *)"xxxxxx", 6);
    axn_tcp_ring_drop(&r, 6); /* head 6, empty */
    axn_tcp_ring_write_at(&r, 3, (const uint8_t *)"DEFG", 4);
    assert_int_equal(r.len, 0);
    assert_int_equal(axn_tcp_ring_push(&r, (const uint8_t *)"abc", 3), 3);
    r.len += 4; /* the gap is filled: the out-of-order bytes count */
    axn_tcp_ring_peek(&r, 0, out, 7);
    assert_memory_equal(out, "abcDEFG", 7);
}

static void test_drop_more_than_len(void **state)
{
    struct axn_tcp_ring r;
    uint8_t buf[CAP];

    (void)state;
    axn_tcp_ring_init(&r, buf, CAP);
    axn_tcp_ring_push(&r, (const uint8_t *)"abc", 3);
    axn_tcp_ring_drop(&r, 5);
    assert_int_equal(r.len, 0);
    assert_int_equal(axn_tcp_ring_init(&r, NULL, 4), -AXN_EINVAL);
}

/* The per-connection struct has a fixed size (its rings are separate
 * allocations of SO_SNDBUF / SO_RCVBUF bytes). 688 bytes on x86-64 when
 * written; the bound catches accidental growth. */
static void test_conn_size(void **state)
{
    (void)state;
    printf("sizeof(struct axn_tcp_conn) = %zu bytes\n", sizeof(struct axn_tcp_conn));
    assert_true(sizeof(struct axn_tcp_conn) <= 1024);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_push_peek_drop), cmocka_unit_test(test_wrap),
        cmocka_unit_test(test_write_at),       cmocka_unit_test(test_drop_more_than_len),
        cmocka_unit_test(test_conn_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
