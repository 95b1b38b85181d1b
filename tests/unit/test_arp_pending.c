/* The pending-packet queue of the Ethernet adapter (src/dev/arp_pending.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "axnet/errno.h"
#include "dev/arp_pending.h"
#include "test_platform.h"

#define CAP     6u
#define SLOT    64u
#define PER_HOP 3u
#define HOP_A   AXN_IP4(10, 0, 0, 1)
#define HOP_B   AXN_IP4(10, 0, 0, 2)
#define HOP_C   AXN_IP4(10, 0, 0, 3)

static struct axn_arp_pending Q;

static int setup(void **state)
{
    (void)state;
    return axn_arp_pending_init(&Q, axn_test_platform(), CAP, SLOT, PER_HOP);
}

static int teardown(void **state)
{
    (void)state;
    axn_arp_pending_destroy(&Q);
    axn_test_fail_alloc_after(SIZE_MAX);
    return axn_test_live_allocs() == 0 ? 0 : -1;
}

/* A packet of `len` bytes all equal to `tag`. */
static int push(axn_ip4_t hop, uint8_t tag, size_t len, axn_time_t now)
{
    uint8_t buf[SLOT + 1];
    memset(buf, tag, sizeof(buf));
    return axn_arp_pending_push(&Q, hop, buf, len, now);
}

/* What a filter pass saw, and which tags it removes. */
struct visit {
    uint8_t seen[CAP];
    axn_ip4_t hop[CAP];
    size_t n;
    uint8_t remove_mask; /* bit t set: remove tag t */
};

static bool record(void *ctx, const struct axn_arp_pending_view *p)
{
    struct visit *v = ctx;
    for (size_t i = 1; i < p->len; i++)
        assert_int_equal(p->data[i], p->data[0]); /* bytes intact */
    v->seen[v->n] = p->data[0];
    v->hop[v->n] = p->next_hop;
    v->n++;
    return (v->remove_mask & (1u << p->data[0])) == 0;
}

static struct visit walk(uint8_t remove_mask)
{
    struct visit v;
    memset(&v, 0, sizeof(v));
    v.remove_mask = remove_mask;
    axn_arp_pending_filter(&Q, record, &v);
    return v;
}

static void pending_push_rejects_oversize_full_and_per_hop(void **state)
{
    (void)state;
    assert_int_equal(push(HOP_A, 1, SLOT + 1, 0), -AXN_EMSGSIZE);
    for (uint8_t t = 1; t <= PER_HOP; t++)
        assert_int_equal(push(HOP_A, t, SLOT, 0), 0);
    assert_int_equal(push(HOP_A, 4, 10, 0), -AXN_ENOSPC);
    assert_int_equal(axn_arp_pending_count_for(&Q, HOP_A), PER_HOP);
    assert_int_equal(push(HOP_B, 4, 10, 0), 0);
    assert_int_equal(push(HOP_B, 5, 10, 0), 0);
    assert_int_equal(push(HOP_C, 6, 10, 0), 0);
    assert_int_equal(axn_arp_pending_count(&Q), CAP);
    assert_int_equal(push(HOP_C, 7, 10, 0), -AXN_ENOBUFS);
    assert_int_equal(axn_arp_pending_count(&Q), CAP);
    assert_int_equal(axn_arp_pending_count_for(&Q, HOP_C), 1);
}

static void pending_filter_keeps_survivors_in_arrival_order(void **state)
{
    (void)state;
    assert_int_equal(push(HOP_A, 1, 20, 0), 0);
    assert_int_equal(push(HOP_B, 2, 21, 0), 0);
    assert_int_equal(push(HOP_A, 3, 22, 0), 0);
    assert_int_equal(push(HOP_C, 4, 23, 0), 0);
    assert_int_equal(push(HOP_B, 5, 24, 0), 0);
    struct visit v = walk((1u << 2) | (1u << 4));
    assert_int_equal(v.n, 5);
    const uint8_t all[] = {1, 2, 3, 4, 5};
    assert_memory_equal(v.seen, all, sizeof(all));
    assert_int_equal(axn_arp_pending_count(&Q), 3);
    v = walk(0);
    const uint8_t kept[] = {1, 3, 5};
    assert_int_equal(v.n, 3);
    assert_memory_equal(v.seen, kept, sizeof(kept));
    assert_int_equal(v.hop[2], HOP_B);
}

static void pending_filter_frees_slots_for_reuse(void **state)
{
    (void)state;
    for (uint8_t t = 1; t <= CAP; t++)
        assert_int_equal(push(AXN_IP4(10, 0, 1, t), t, SLOT, 0), 0);
    assert_int_equal(axn_arp_pending_filter(&Q, record, &(struct visit){.remove_mask = 0x7e}), CAP);
    assert_int_equal(axn_arp_pending_count(&Q), 0);
    /* Every slot is free again and bytes do not bleed between slots. */
    for (uint8_t t = 1; t <= CAP; t++)
        assert_int_equal(push(AXN_IP4(10, 0, 2, t), (uint8_t)(t + 10), SLOT, 0), 0);
    struct visit v = walk(0);
    for (size_t i = 0; i < CAP; i++)
        assert_int_equal(v.seen[i], i + 11);
}

static void pending_oldest_tracks_enqueue_times(void **state)
{
    (void)state;
    assert_int_equal(axn_arp_pending_oldest(&Q), AXN_TIME_NEVER);
    assert_int_equal(push(HOP_A, 1, 10, 500), 0);
    assert_int_equal(push(HOP_B, 2, 10, 700), 0);
    assert_int_equal(axn_arp_pending_oldest(&Q), 500);
    walk(1u << 1);
    assert_int_equal(axn_arp_pending_oldest(&Q), 700);
}

static void pending_init_rejects_bad_sizes_and_reports_enomem(void **state)
{
    (void)state;
    struct axn_arp_pending q;
    const struct axn_platform *p = axn_test_platform();
    assert_int_equal(axn_arp_pending_init(&q, p, 0, SLOT, 1), -AXN_EINVAL);
    assert_int_equal(axn_arp_pending_init(&q, p, CAP, 0, 1), -AXN_EINVAL);
    assert_int_equal(axn_arp_pending_init(&q, p, CAP, SLOT, 0), -AXN_EINVAL);
    assert_int_equal(axn_arp_pending_init(&q, NULL, CAP, SLOT, 1), -AXN_EINVAL);
    axn_test_fail_alloc_after(0);
    assert_int_equal(axn_arp_pending_init(&q, p, CAP, SLOT, 1), -AXN_ENOMEM);
    axn_arp_pending_destroy(&q); /* safe on a failed init */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(pending_push_rejects_oversize_full_and_per_hop, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(pending_filter_keeps_survivors_in_arrival_order, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(pending_filter_frees_slots_for_reuse, setup, teardown),
        cmocka_unit_test_setup_teardown(pending_oldest_tracks_enqueue_times, setup, teardown),
        cmocka_unit_test_setup_teardown(pending_init_rejects_bad_sizes_and_reports_enomem, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
