/* port/none: arena allocator, counted no-op locks, refused blocking. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "axnet/errno.h"
#include "axnet/port_none.h"

#define ARENA_LEN      4096
#define HDR            AXN_PORT_NONE_BLOCK_OVERHEAD
#define SMALL          48
#define FAKE_NOW       123456789u
#define RANDOM_LEN     16
#define ALIGN_STEPS    9 /* alignments 1 .. 256 */
#define STRESS_SLOTS   24
#define STRESS_ROUNDS  20000
#define STRESS_MAX_LEN 300

struct hook_ctx {
    int now_calls;
    int random_calls;
    int log_calls;
    enum axn_log_level last_level;
    const char *last_line;
};

static axn_time_t hook_now(void *ctx)
{
    struct hook_ctx *h = ctx;
    h->now_calls++;
    return FAKE_NOW;
}

static int hook_random(void *ctx, void *buf, size_t len)
{
    struct hook_ctx *h = ctx;
    h->random_calls++;
    memset(buf, 0xa5, len);
    return 0;
}

static void hook_log(void *ctx, enum axn_log_level level, const char *line)
{
    struct hook_ctx *h = ctx;
    h->log_calls++;
    h->last_level = level;
    h->last_line = line;
}

struct fixture {
    _Alignas(64) uint8_t arena[ARENA_LEN];
    struct hook_ctx hooks_ctx;
    struct axn_port_none_hooks hooks;
    struct axn_port_none port;
    struct axn_platform plat;
};

static struct fixture fx;

static int setup(void **state)
{
    memset(&fx, 0, sizeof fx);
    fx.hooks = (struct axn_port_none_hooks){.ctx = &fx.hooks_ctx,
                                            .now = hook_now,
                                            .random = hook_random,
                                            .log = hook_log,
                                            .log_level = AXN_LOG_INFO};
    assert_int_equal(axn_port_none_init(&fx.port, &fx.plat, fx.arena, sizeof fx.arena, &fx.hooks),
                     0);
    *state = &fx;
    return 0;
}

static void test_init_rejects_missing_hooks_and_tiny_arena(void **state)
{
    (void)state;
    struct axn_port_none port;
    struct axn_platform plat;
    struct axn_port_none_hooks h = fx.hooks;
    h.random = NULL;
    assert_int_equal(axn_port_none_init(&port, &plat, fx.arena, ARENA_LEN, &h), -AXN_EINVAL);
    h = fx.hooks;
    h.now = NULL;
    assert_int_equal(axn_port_none_init(&port, &plat, fx.arena, ARENA_LEN, &h), -AXN_EINVAL);
    assert_int_equal(axn_port_none_init(&port, &plat, fx.arena, ARENA_LEN, NULL), -AXN_EINVAL);
    assert_int_equal(axn_port_none_init(&port, &plat, NULL, ARENA_LEN, &fx.hooks), -AXN_EINVAL);
    assert_int_equal(axn_port_none_init(&port, &plat, fx.arena, 2 * HDR - 1, &fx.hooks),
                     -AXN_EINVAL);
    /* Misaligned by 3: 13 bytes are skipped to reach 16-alignment. */
    assert_int_equal(axn_port_none_init(&port, &plat, fx.arena + 3, 2 * HDR + 13, &fx.hooks), 0);
    assert_int_equal(axn_port_none_free_bytes(&port), 2 * HDR);
}

static void test_platform_check_accepts_port(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(axn_platform_check(&f->plat), 0);
    assert_null(f->plat.irq_register);
    assert_null(f->plat.irq_unregister);
    assert_ptr_equal(f->plat.ctx, &f->port);
}

static void test_fresh_arena_is_one_free_block(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(axn_port_none_free_bytes(&f->port), ARENA_LEN);
    assert_int_equal(axn_port_none_largest_free(&f->port), ARENA_LEN - HDR);
    assert_int_equal(f->port.arena_used, 0);
    assert_int_equal(f->port.blocks_in_use, 0);
}

static void test_alloc_exhausts_then_returns_null(void **state)
{
    struct fixture *f = *state;
    const struct axn_platform *p = &f->plat;
    void *blocks[ARENA_LEN / (SMALL + HDR) + 1];
    size_t n = 0;
    while ((blocks[n] = p->alloc(p->ctx, SMALL, 1)) != NULL)
        n++;
    /* Each block costs its 16-byte header on top of 48 bytes. */
    assert_int_equal(n, ARENA_LEN / (SMALL + HDR));
    assert_int_equal(f->port.blocks_in_use, n);
    assert_int_equal(f->port.arena_used, n * (SMALL + HDR));
    assert_int_equal(f->port.alloc_failures, 1);
    for (size_t i = 0; i < n; i++)
        p->free(p->ctx, blocks[i], SMALL);
    assert_int_equal(f->port.blocks_in_use, 0);
    assert_int_equal(f->port.arena_used, 0);
    assert_int_equal(axn_port_none_largest_free(&f->port), ARENA_LEN - HDR);
    assert_null(p->alloc(p->ctx, ARENA_LEN, 1));
    assert_non_null(p->alloc(p->ctx, ARENA_LEN - HDR, 1));
}

static void test_free_coalesces_with_both_neighbours(void **state)
{
    struct fixture *f = *state;
    const struct axn_platform *p = &f->plat;
    const size_t third = ARENA_LEN / 4;
    uint8_t *a = p->alloc(p->ctx, third, 1);
    uint8_t *b = p->alloc(p->ctx, third, 1);
    uint8_t *c = p->alloc(p->ctx, third, 1);
    assert_non_null(a);
    assert_ptr_equal(b, a + third + HDR);
    assert_ptr_equal(c, b + third + HDR);
    size_t rest = ARENA_LEN - 3 * (third + HDR) - HDR;
    assert_int_equal(axn_port_none_largest_free(&f->port), rest);

    p->free(p->ctx, a, third);
    p->free(p->ctx, c, third); /* merges with the free tail */
    assert_int_equal(axn_port_none_largest_free(&f->port), rest + third + HDR);
    /* b's neighbours are both free: freeing it leaves one block. */
    p->free(p->ctx, b, third);
    assert_int_equal(axn_port_none_largest_free(&f->port), ARENA_LEN - HDR);
    assert_int_equal(axn_port_none_free_bytes(&f->port), ARENA_LEN);
}

static void test_coalesced_neighbours_serve_a_larger_block(void **state)
{
    struct fixture *f = *state;
    const struct axn_platform *p = &f->plat;
    const size_t quarter = ARENA_LEN / 4 - HDR;
    uint8_t *blk[4];
    for (int i = 0; i < 4; i++)
        assert_non_null(blk[i] = p->alloc(p->ctx, quarter, 1));
    assert_null(p->alloc(p->ctx, 1, 1));
    p->free(p->ctx, blk[1], quarter);
    p->free(p->ctx, blk[2], quarter);
    /* Two quarters and one header's worth: only fits if they merged. */
    uint8_t *big = p->alloc(p->ctx, 2 * quarter + HDR, 1);
    assert_ptr_equal(big, blk[1]);
}

static void test_freed_block_is_reused_first_fit_and_zeroed(void **state)
{
    struct fixture *f = *state;
    const struct axn_platform *p = &f->plat;
    uint8_t *a = p->alloc(p->ctx, 100, 8);
    uint8_t *b = p->alloc(p->ctx, 100, 8);
    assert_non_null(b);
    memset(a, 0xee, 100);
    p->free(p->ctx, a, 100);
    uint8_t *again = p->alloc(p->ctx, 90, 8);
    assert_ptr_equal(again, a);
    for (int i = 0; i < 90; i++)
        assert_int_equal(again[i], 0);
}

static void test_alignment_is_honoured(void **state)
{
    struct fixture *f = *state;
    const struct axn_platform *p = &f->plat;
    /* Misalign the next free address first. */
    void *first = p->alloc(p->ctx, 1, 1);
    assert_non_null(first);
    uint8_t *x[ALIGN_STEPS];
    size_t align = 1;
    for (int i = 0; i < ALIGN_STEPS; i++, align *= 2) {
        x[i] = p->alloc(p->ctx, 24, align);
        assert_non_null(x[i]);
        assert_int_equal((uintptr_t)x[i] % align, 0);
        for (int j = 0; j < 24; j++)
            assert_int_equal(x[i][j], 0);
    }
    /* The gaps in front of aligned blocks went back to the free list. */
    size_t live = f->port.arena_used;
    assert_int_equal(axn_port_none_free_bytes(&f->port) + live, ARENA_LEN);
    /* ... and merge back into one block once everything is freed. */
    p->free(p->ctx, first, 1);
    for (int i = 0; i < ALIGN_STEPS; i++)
        p->free(p->ctx, x[i], 24);
    assert_int_equal(axn_port_none_largest_free(&f->port), ARENA_LEN - HDR);
    assert_int_equal(f->port.bad_frees, 0);
}

/* xorshift64: a fixed seed, so a failure replays. */
static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void test_random_alloc_free_keeps_blocks_disjoint(void **state)
{
    struct fixture *f = *state;
    const struct axn_platform *p = &f->plat;
    struct {
        uint8_t *ptr;
        size_t len;
    } live[STRESS_SLOTS] = {{0}};
    uint64_t seed = 0x5eed;
    for (int round = 0; round < STRESS_ROUNDS; round++) {
        size_t i = rnd(&seed) % STRESS_SLOTS;
        if (live[i].ptr) {
            /* Every byte still carries this block's own pattern. */
            for (size_t j = 0; j < live[i].len; j++)
                assert_int_equal(live[i].ptr[j], (uint8_t)i);
            p->free(p->ctx, live[i].ptr, live[i].len);
            live[i].ptr = NULL;
            continue;
        }
        size_t len = rnd(&seed) % STRESS_MAX_LEN;
        size_t align = (size_t)1 << (rnd(&seed) % 7);
        live[i].ptr = p->alloc(p->ctx, len, align);
        live[i].len = len;
        if (live[i].ptr) {
            assert_int_equal((uintptr_t)live[i].ptr % align, 0);
            memset(live[i].ptr, (int)i, len);
        }
    }
    for (size_t i = 0; i < STRESS_SLOTS; i++)
        if (live[i].ptr)
            p->free(p->ctx, live[i].ptr, live[i].len);
    assert_int_equal(f->port.bad_frees, 0);
    assert_int_equal(f->port.blocks_in_use, 0);
    assert_int_equal(axn_port_none_largest_free(&f->port), ARENA_LEN - HDR);
}

static void test_bad_alignment_and_oversize_fail(void **state)
{
    struct fixture *f = *state;
    const struct axn_platform *p = &f->plat;
    assert_null(p->alloc(p->ctx, 16, 24));
    assert_null(p->alloc(p->ctx, 16, 2 * AXN_PORT_NONE_MAX_ALIGN));
    assert_null(p->alloc(p->ctx, SIZE_MAX, 8));
    assert_int_equal(f->port.alloc_failures, 3);
    assert_int_equal(f->port.blocks_in_use, 0);
}

static void test_double_and_stray_frees_are_counted_not_applied(void **state)
{
    struct fixture *f = *state;
    const struct axn_platform *p = &f->plat;
    uint8_t *a = p->alloc(p->ctx, 32, 1);
    p->free(p->ctx, a, 32);
    p->free(p->ctx, a, 32);
    int outside;
    p->free(p->ctx, &outside, sizeof outside);
    p->free(p->ctx, f->arena + 8, 8);
    p->free(p->ctx, NULL, 0); /* NULL is ignored, not an error */
    assert_int_equal(f->port.bad_frees, 3);
    assert_int_equal(axn_port_none_free_bytes(&f->port), ARENA_LEN);
    /* A size larger than the block is a caller bug too. */
    uint8_t *b = p->alloc(p->ctx, 32, 1);
    p->free(p->ctx, b, 64);
    assert_int_equal(f->port.bad_frees, 4);
    assert_int_equal(f->port.blocks_in_use, 1);
}

static void test_zero_sized_alloc_gets_distinct_blocks(void **state)
{
    struct fixture *f = *state;
    const struct axn_platform *p = &f->plat;
    void *a = p->alloc(p->ctx, 0, 1);
    void *b = p->alloc(p->ctx, 0, 1);
    assert_non_null(a);
    assert_non_null(b);
    assert_ptr_not_equal(a, b);
    p->free(p->ctx, a, 0);
    p->free(p->ctx, b, 0);
    assert_int_equal(f->port.bad_frees, 0);
}

static void test_locks_are_counted_and_balanced(void **state)
{
    struct fixture *f = *state;
    const struct axn_platform *p = &f->plat;
    void *spin, *mutex;
    assert_int_equal(p->spin_create(p->ctx, &spin), 0);
    assert_int_equal(p->mutex_create(p->ctx, &mutex), 0);
    assert_int_equal(f->port.blocks_in_use, 2);

    p->mutex_lock(mutex);
    unsigned long irq = p->spin_lock_irqsave(spin);
    assert_int_equal(irq, 0);
    assert_int_equal(f->port.spin_held, 1);
    assert_int_equal(f->port.mutex_held, 1);
    p->spin_unlock_irqrestore(spin, irq);
    p->mutex_unlock(mutex);
    assert_int_equal(f->port.spin_held, 0);
    assert_int_equal(f->port.mutex_held, 0);
    assert_int_equal(f->port.lock_errors, 0);

    p->spin_destroy(p->ctx, spin);
    p->mutex_destroy(p->ctx, mutex);
    assert_int_equal(f->port.blocks_in_use, 0);
    assert_int_equal(f->port.lock_errors, 0);
}

static void test_broken_lock_rules_are_counted(void **state)
{
    struct fixture *f = *state;
    const struct axn_platform *p = &f->plat;
    void *spin, *mutex;
    assert_int_equal(p->spin_create(p->ctx, &spin), 0);
    assert_int_equal(p->mutex_create(p->ctx, &mutex), 0);

    p->mutex_unlock(mutex); /* not held */
    assert_int_equal(f->port.lock_errors, 1);
    assert_int_equal(f->port.mutex_held, 0);

    unsigned long irq = p->spin_lock_irqsave(spin);
    p->spin_lock_irqsave(spin); /* re-lock: a deadlock on a real port */
    assert_int_equal(f->port.lock_errors, 2);
    p->mutex_lock(mutex); /* mutex under a spin lock */
    assert_int_equal(f->port.lock_errors, 3);
    p->mutex_unlock(mutex);
    p->spin_unlock_irqrestore(spin, irq);

    p->mutex_lock(mutex);
    p->mutex_destroy(p->ctx, mutex); /* destroyed while held */
    assert_int_equal(f->port.lock_errors, 4);
    p->spin_destroy(p->ctx, spin);
}

static void test_waitq_wait_refuses_to_block(void **state)
{
    struct fixture *f = *state;
    const struct axn_platform *p = &f->plat;
    void *mutex, *wq;
    assert_int_equal(p->mutex_create(p->ctx, &mutex), 0);
    assert_int_equal(p->waitq_create(p->ctx, &wq), 0);
    p->mutex_lock(mutex);
    assert_int_equal(p->waitq_wait(wq, mutex, AXN_TIME_NEVER), -AXN_EWOULDBLOCK);
    assert_int_equal(p->waitq_wait(wq, mutex, 0), -AXN_EWOULDBLOCK);
    p->waitq_wake_all(wq);
    assert_int_equal(f->port.mutex_held, 1); /* still held on return */
    p->mutex_unlock(mutex);
    assert_int_equal(f->port.lock_errors, 0);
    /* Waiting without the mutex breaks the contract. */
    assert_int_equal(p->waitq_wait(wq, mutex, 0), -AXN_EWOULDBLOCK);
    assert_int_equal(f->port.lock_errors, 1);
    p->waitq_destroy(p->ctx, wq);
    p->mutex_destroy(p->ctx, mutex);
    assert_int_equal(f->port.blocks_in_use, 0);
}

static void test_event_is_sticky_and_otherwise_refuses(void **state)
{
    struct fixture *f = *state;
    const struct axn_platform *p = &f->plat;
    void *ev;
    assert_int_equal(p->event_create(p->ctx, &ev), 0);
    assert_int_equal(p->event_wait(ev, AXN_TIME_NEVER), -AXN_EWOULDBLOCK);
    p->event_signal(ev);
    p->event_signal(ev); /* signals coalesce */
    assert_int_equal(p->event_wait(ev, AXN_TIME_NEVER), 0);
    assert_int_equal(p->event_wait(ev, AXN_TIME_NEVER), -AXN_EWOULDBLOCK);
    p->event_destroy(p->ctx, ev);
    assert_int_equal(f->port.blocks_in_use, 0);
}

static void test_thread_start_is_refused(void **state)
{
    struct fixture *f = *state;
    const struct axn_platform *p = &f->plat;
    void *thread = &thread;
    assert_int_equal(p->thread_start(p->ctx, "net-poll", (axn_worker_fn)NULL, NULL, &thread),
                     -AXN_EOPNOTSUPP);
    assert_null(thread);
    assert_int_equal(p->thread_join(p->ctx, NULL), -AXN_EOPNOTSUPP);
}

static void test_handles_fail_with_enomem_when_arena_is_full(void **state)
{
    struct fixture *f = *state;
    const struct axn_platform *p = &f->plat;
    assert_non_null(p->alloc(p->ctx, ARENA_LEN - HDR, 1));
    void *h = &h;
    assert_int_equal(p->spin_create(p->ctx, &h), -AXN_ENOMEM);
    assert_int_equal(p->mutex_create(p->ctx, &h), -AXN_ENOMEM);
    assert_int_equal(p->waitq_create(p->ctx, &h), -AXN_ENOMEM);
    assert_int_equal(p->event_create(p->ctx, &h), -AXN_ENOMEM);
}

static void test_time_random_and_log_come_from_hooks(void **state)
{
    struct fixture *f = *state;
    const struct axn_platform *p = &f->plat;
    assert_int_equal(p->now(p->ctx), FAKE_NOW);
    uint8_t buf[RANDOM_LEN] = {0};
    assert_int_equal(p->random(p->ctx, buf, sizeof buf), 0);
    assert_int_equal(buf[0], 0xa5);
    assert_int_equal(buf[RANDOM_LEN - 1], 0xa5);
    assert_int_equal(p->log_level, AXN_LOG_INFO);
    p->log(p->ctx, AXN_LOG_WARN, "hello");
    assert_int_equal(f->hooks_ctx.now_calls, 1);
    assert_int_equal(f->hooks_ctx.random_calls, 1);
    assert_int_equal(f->hooks_ctx.log_calls, 1);
    assert_int_equal(f->hooks_ctx.last_level, AXN_LOG_WARN);
    assert_string_equal(f->hooks_ctx.last_line, "hello");
}

static void test_without_log_hook_the_port_is_silent(void **state)
{
    (void)state;
    struct axn_port_none port;
    struct axn_platform plat;
    struct axn_port_none_hooks h = fx.hooks;
    h.log = NULL;
    assert_int_equal(axn_port_none_init(&port, &plat, fx.arena, ARENA_LEN, &h), 0);
    assert_null(plat.log);
    assert_int_equal(axn_platform_check(&plat), 0);
}

#define T(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_init_rejects_missing_hooks_and_tiny_arena),
        T(test_platform_check_accepts_port),
        T(test_fresh_arena_is_one_free_block),
        T(test_alloc_exhausts_then_returns_null),
        T(test_free_coalesces_with_both_neighbours),
        T(test_coalesced_neighbours_serve_a_larger_block),
        T(test_freed_block_is_reused_first_fit_and_zeroed),
        T(test_alignment_is_honoured),
        T(test_random_alloc_free_keeps_blocks_disjoint),
        T(test_bad_alignment_and_oversize_fail),
        T(test_double_and_stray_frees_are_counted_not_applied),
        T(test_zero_sized_alloc_gets_distinct_blocks),
        T(test_locks_are_counted_and_balanced),
        T(test_broken_lock_rules_are_counted),
        T(test_waitq_wait_refuses_to_block),
        T(test_event_is_sticky_and_otherwise_refuses),
        T(test_thread_start_is_refused),
        T(test_handles_fail_with_enomem_when_arena_is_full),
        T(test_time_random_and_log_come_from_hooks),
        T(test_without_log_hook_the_port_is_silent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
