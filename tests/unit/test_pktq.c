/* Bounded inline packet queue (spec RT-3..RT-5, RT-28). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "axnet/errno.h"
#include "lib/pktq.h"
#include "test_platform.h"

#define SLOT_SIZE 1500u

struct fixture {
    struct axn_pktq q;
};

static int make_queue(void **state, uint32_t capacity)
{
    static struct fixture f;
    memset(&f, 0, sizeof(f));
    if (axn_pktq_init(&f.q, axn_test_platform(), capacity, SLOT_SIZE) != 0)
        return -1;
    *state = &f;
    return 0;
}

static int setup_cap2(void **state)
{
    return make_queue(state, 2);
}

static int setup_cap3(void **state)
{
    return make_queue(state, 3);
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    axn_pktq_destroy(&f->q);
    return axn_test_live_allocs() == 0 ? 0 : -1;
}

static struct axn_pktq *queue(void **state)
{
    return &((struct fixture *)*state)->q;
}

/* A packet whose bytes all equal `tag`, so its identity survives a copy. */
static void fill(uint8_t *buf, size_t len, uint8_t tag)
{
    memset(buf, tag, len);
}

static void assert_all(const uint8_t *buf, size_t len, uint8_t tag)
{
    for (size_t i = 0; i < len; i++)
        assert_int_equal(buf[i], tag);
}

static void push_tagged(struct axn_pktq *q, size_t len, uint8_t tag, uint32_t frame_len)
{
    uint8_t pkt[SLOT_SIZE];
    fill(pkt, len, tag);
    const struct axn_pktq_meta meta = {.frame_len = frame_len, .ifindex = tag, .next_hop = tag};
    assert_int_equal(axn_pktq_push(q, pkt, len, &meta), 0);
}

static void bounded_packet_queue_reports_full_and_preserves_order(void **state)
{
    struct axn_pktq *q = queue(state);
    uint8_t pkt[3] = {1, 2, 3};
    assert_int_equal(axn_pktq_push(q, &pkt[0], 1, NULL), 0);
    assert_int_equal(axn_pktq_push(q, &pkt[1], 1, NULL), 0);
    assert_true(axn_pktq_is_full(q));
    assert_int_equal(axn_pktq_push(q, &pkt[2], 1, NULL), -AXN_ENOBUFS);
    assert_int_equal(axn_pktq_len(q), 2);

    uint8_t out = 0;
    size_t len = 0;
    assert_int_equal(axn_pktq_pop(q, &out, sizeof(out), &len, NULL), 0);
    assert_int_equal(out, 1);
    assert_int_equal(len, 1);
    assert_int_equal(axn_pktq_pop(q, &out, sizeof(out), &len, NULL), 0);
    assert_int_equal(out, 2);
    assert_int_equal(axn_pktq_pop(q, &out, sizeof(out), &len, NULL), -AXN_EAGAIN);
    assert_true(axn_pktq_is_empty(q));
}

static void push_rejects_packet_longer_than_slot(void **state)
{
    struct axn_pktq *q = queue(state);
    static uint8_t big[SLOT_SIZE + 1];
    assert_int_equal(axn_pktq_push(q, big, SLOT_SIZE + 1, NULL), -AXN_EMSGSIZE);
    assert_int_equal(axn_pktq_len(q), 0);
    assert_int_equal(axn_pktq_push(q, big, SLOT_SIZE, NULL), 0);
    assert_int_equal(axn_pktq_len(q), 1);
}

/*
 * RT-28 at the queue level: a batch of three packets (frame lengths
 * 100/200/300) meets a queue with room for two. The one refused stays with
 * the caller, goes in once there is room, and every packet comes out with
 * its own frame length: 3 packets, 600 bytes.
 */
static void rx_backpressure_preserves_frame_len_pairing(void **state)
{
    struct axn_pktq *q = queue(state);
    const uint32_t frame_lens[3] = {100, 200, 300};
    uint8_t batch[3][SLOT_SIZE];
    size_t next = 0;
    for (size_t i = 0; i < 3; i++)
        fill(batch[i], frame_lens[i], (uint8_t)(i + 1));

    while (next < 3) {
        const struct axn_pktq_meta meta = {.frame_len = frame_lens[next], .ifindex = 2};
        if (axn_pktq_push(q, batch[next], frame_lens[next], &meta) != 0)
            break;
        next++;
    }
    assert_int_equal(next, 2);

    uint8_t out[SLOT_SIZE];
    size_t len = 0;
    struct axn_pktq_meta meta;
    uint32_t packets = 0;
    uint32_t bytes = 0;
    assert_int_equal(axn_pktq_pop(q, out, sizeof(out), &len, &meta), 0);
    assert_int_equal(meta.frame_len, 100);
    assert_int_equal(len, 100);
    assert_all(out, len, 1);
    packets++;
    bytes += meta.frame_len;

    const struct axn_pktq_meta late = {.frame_len = frame_lens[2], .ifindex = 2};
    assert_int_equal(axn_pktq_push(q, batch[2], frame_lens[2], &late), 0);

    for (uint8_t tag = 2; tag <= 3; tag++) {
        assert_int_equal(axn_pktq_pop(q, out, sizeof(out), &len, &meta), 0);
        assert_int_equal(meta.frame_len, frame_lens[tag - 1]);
        assert_int_equal(meta.ifindex, 2);
        assert_int_equal(len, frame_lens[tag - 1]);
        assert_all(out, len, tag);
        packets++;
        bytes += meta.frame_len;
    }
    assert_int_equal(packets, 3);
    assert_int_equal(bytes, 600);
    assert_true(axn_pktq_is_empty(q));
}

static void wrap_around_many_times_keeps_fifo_and_metadata(void **state)
{
    struct axn_pktq *q = queue(state);
    uint32_t pushed = 0;
    uint32_t popped = 0;
    /* Uneven fill levels make head and tail wrap at different moments. */
    for (int round = 0; round < 500; round++) {
        const int burst = 1 + round % 3;
        for (int i = 0; i < burst && !axn_pktq_is_full(q); i++) {
            push_tagged(q, 1 + pushed % 64, (uint8_t)pushed, 1000u + pushed);
            pushed++;
        }
        const int drain = 1 + (round * 7) % 3;
        for (int i = 0; i < drain && !axn_pktq_is_empty(q); i++) {
            uint8_t out[SLOT_SIZE];
            size_t len = 0;
            struct axn_pktq_meta meta;
            assert_int_equal(axn_pktq_pop(q, out, sizeof(out), &len, &meta), 0);
            assert_int_equal(len, 1 + popped % 64);
            assert_all(out, len, (uint8_t)popped);
            assert_int_equal(meta.frame_len, 1000u + popped);
            assert_int_equal(meta.ifindex, (uint8_t)popped);
            assert_int_equal(meta.next_hop, (uint8_t)popped);
            popped++;
        }
        assert_int_equal(axn_pktq_len(q), pushed - popped);
    }
    /* Hundreds of laps round a 3-slot ring, and the 8-bit tag wrapped too. */
    assert_true(pushed > 300);
    assert_true(popped + axn_pktq_len(q) == pushed);
}

static void peek_reads_head_in_place_until_consumed(void **state)
{
    struct axn_pktq *q = queue(state);
    struct axn_pktq_view view;
    assert_int_equal(axn_pktq_peek(q, &view), -AXN_EAGAIN);

    push_tagged(q, 40, 7, 54);
    push_tagged(q, 20, 8, 60);
    assert_int_equal(axn_pktq_peek(q, &view), 0);
    assert_int_equal(view.len, 40);
    assert_int_equal(view.meta.frame_len, 54);
    assert_all(view.data, view.len, 7);

    /* The view is the slot itself: a rewrite is seen by the next peek. */
    view.data[0] = 0xAA;
    struct axn_pktq_view again;
    assert_int_equal(axn_pktq_peek(q, &again), 0);
    assert_ptr_equal(again.data, view.data);
    assert_int_equal(again.data[0], 0xAA);
    assert_int_equal(axn_pktq_len(q), 2);

    axn_pktq_consume(q);
    assert_int_equal(axn_pktq_len(q), 1);
    assert_int_equal(axn_pktq_peek(q, &view), 0);
    assert_int_equal(view.len, 20);
    assert_int_equal(view.meta.frame_len, 60);
    assert_all(view.data, view.len, 8);
    axn_pktq_consume(q);
    assert_true(axn_pktq_is_empty(q));
    axn_pktq_consume(q); /* no-op on empty */
    assert_int_equal(axn_pktq_len(q), 0);
}

static void reserve_commit_fills_slot_in_place(void **state)
{
    struct axn_pktq *q = queue(state);
    uint8_t *slot = axn_pktq_reserve(q);
    assert_non_null(slot);
    assert_ptr_equal(axn_pktq_reserve(q), slot); /* nothing queued yet */
    assert_int_equal(axn_pktq_len(q), 0);

    fill(slot, SLOT_SIZE, 0x5A);
    const struct axn_pktq_meta meta = {.frame_len = 1514, .next_hop = AXN_IP4(192, 0, 2, 1)};
    assert_int_equal(axn_pktq_commit(q, SLOT_SIZE + 1, &meta), -AXN_EMSGSIZE);
    assert_int_equal(axn_pktq_len(q), 0);
    assert_int_equal(axn_pktq_commit(q, SLOT_SIZE, &meta), 0);
    assert_int_equal(axn_pktq_len(q), 1);

    assert_non_null(axn_pktq_reserve(q));
    assert_int_equal(axn_pktq_commit(q, 0, NULL), 0);
    assert_null(axn_pktq_reserve(q));
    assert_int_equal(axn_pktq_commit(q, 1, NULL), -AXN_ENOBUFS);

    struct axn_pktq_view view;
    assert_int_equal(axn_pktq_peek(q, &view), 0);
    assert_ptr_equal(view.data, slot);
    assert_int_equal(view.len, SLOT_SIZE);
    assert_int_equal(view.meta.frame_len, 1514);
    assert_int_equal(view.meta.next_hop, AXN_IP4(192, 0, 2, 1));
    assert_all(view.data, view.len, 0x5A);
    axn_pktq_consume(q);

    /* NULL metadata queues zeros. */
    assert_int_equal(axn_pktq_peek(q, &view), 0);
    assert_int_equal(view.len, 0);
    assert_int_equal(view.meta.frame_len, 0);
    assert_int_equal(view.meta.ifindex, 0);
    assert_int_equal(view.meta.next_hop, 0);
}

static void is_empty_and_len_track_each_push_and_pop(void **state)
{
    struct axn_pktq *q = queue(state);
    assert_true(axn_pktq_is_empty(q));
    assert_false(axn_pktq_is_full(q));
    assert_int_equal(axn_pktq_len(q), 0);
    assert_int_equal(axn_pktq_capacity(q), 3);
    assert_int_equal(axn_pktq_slot_size(q), SLOT_SIZE);
    for (uint32_t i = 1; i <= 3; i++) {
        push_tagged(q, 10, (uint8_t)i, 10);
        assert_false(axn_pktq_is_empty(q));
        assert_int_equal(axn_pktq_len(q), i);
    }
    assert_true(axn_pktq_is_full(q));
    for (uint32_t i = 3; i > 0; i--) {
        uint8_t out[SLOT_SIZE];
        assert_int_equal(axn_pktq_pop(q, out, sizeof(out), NULL, NULL), 0);
        assert_false(axn_pktq_is_full(q));
        assert_int_equal(axn_pktq_len(q), i - 1);
    }
    assert_true(axn_pktq_is_empty(q));
}

static void pop_into_short_buffer_keeps_packet_queued(void **state)
{
    struct axn_pktq *q = queue(state);
    push_tagged(q, 100, 9, 114);
    uint8_t out[SLOT_SIZE];
    size_t len = 12345;
    assert_int_equal(axn_pktq_pop(q, out, 99, &len, NULL), -AXN_EMSGSIZE);
    assert_int_equal(len, 12345);
    assert_int_equal(axn_pktq_len(q), 1);
    assert_int_equal(axn_pktq_pop(q, out, 100, &len, NULL), 0);
    assert_int_equal(len, 100);
    assert_all(out, len, 9);
}

static void init_rejects_bad_sizes_and_reports_enomem(void **state)
{
    (void)state;
    struct axn_pktq q;
    const struct axn_platform *plat = axn_test_platform();
    assert_int_equal(axn_pktq_init(&q, plat, 0, SLOT_SIZE), -AXN_EINVAL);
    assert_int_equal(axn_pktq_init(&q, plat, 4, 0), -AXN_EINVAL);
    assert_int_equal(axn_pktq_init(&q, NULL, 4, SLOT_SIZE), -AXN_EINVAL);

    axn_test_fail_alloc_after(0);
    assert_int_equal(axn_pktq_init(&q, plat, 4, SLOT_SIZE), -AXN_ENOMEM);
    axn_test_fail_alloc_after(SIZE_MAX);
    axn_pktq_destroy(&q); /* zeroed by the failed init: harmless */

    assert_int_equal(axn_pktq_init(&q, plat, 4, SLOT_SIZE), 0);
    assert_int_equal(axn_test_live_allocs(), 1); /* one block, whatever the capacity */
    axn_pktq_destroy(&q);
    assert_int_equal(axn_test_live_allocs(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(bounded_packet_queue_reports_full_and_preserves_order,
                                        setup_cap2, teardown),
        cmocka_unit_test_setup_teardown(push_rejects_packet_longer_than_slot, setup_cap2, teardown),
        cmocka_unit_test_setup_teardown(rx_backpressure_preserves_frame_len_pairing, setup_cap2,
                                        teardown),
        cmocka_unit_test_setup_teardown(wrap_around_many_times_keeps_fifo_and_metadata, setup_cap3,
                                        teardown),
        cmocka_unit_test_setup_teardown(peek_reads_head_in_place_until_consumed, setup_cap3,
                                        teardown),
        cmocka_unit_test_setup_teardown(reserve_commit_fills_slot_in_place, setup_cap2, teardown),
        cmocka_unit_test_setup_teardown(is_empty_and_len_track_each_push_and_pop, setup_cap3,
                                        teardown),
        cmocka_unit_test_setup_teardown(pop_into_short_buffer_keeps_packet_queued, setup_cap2,
                                        teardown),
        cmocka_unit_test(init_rejects_bad_sizes_and_reports_enomem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
