/*
 * port/posix spin locks and mutexes (posix_locks.c): one three-state futex
 * lock. Mutual exclusion under contention (both APIs), a waiter put to
 * sleep is woken by the unlock, and the lock is usable again after every
 * kind of hand-over.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "axnet/port_posix.h"

#define THREADS 4
#define ROUNDS  20000u
/* How long the holder keeps the lock while a waiter must sleep on it. */
#define HOLD_US 20000u
/* A guard far above HOLD_US: a lost wake-up fails the test, not hangs it. */
#define GUARD_US AXN_SEC(5)

static struct axn_platform plat;

static int setup(void **state)
{
    (void)state;
    return axn_port_posix_init(&plat, AXN_LOG_INFO);
}

struct shared {
    void *lock;
    uint64_t counter;   /* plain: only the lock protects it */
    atomic_uint inside; /* holders right now: never above 1 */
    atomic_uint overlaps;
    atomic_uint waiting; /* the waiter is about to block */
    atomic_uint got;     /* the waiter holds the lock */
};

/* One turn inside the critical section: counts, and notes an overlap. */
static void critical(struct shared *s)
{
    if (atomic_fetch_add(&s->inside, 1) != 0)
        atomic_fetch_add(&s->overlaps, 1);
    s->counter++;
    atomic_fetch_sub(&s->inside, 1);
}

static void *hammer_spin(void *arg)
{
    struct shared *s = arg;
    for (unsigned i = 0; i < ROUNDS; i++) {
        unsigned long irq = plat.spin_lock_irqsave(s->lock);
        critical(s);
        plat.spin_unlock_irqrestore(s->lock, irq);
    }
    return NULL;
}

static void *hammer_mutex(void *arg)
{
    struct shared *s = arg;
    for (unsigned i = 0; i < ROUNDS; i++) {
        plat.mutex_lock(s->lock);
        critical(s);
        plat.mutex_unlock(s->lock);
    }
    return NULL;
}

/* Every increment survives and no two threads were ever inside together. */
static void run_contention(void *(*fn)(void *), bool mutex)
{
    struct shared s = {0};
    const int made =
        mutex ? plat.mutex_create(plat.ctx, &s.lock) : plat.spin_create(plat.ctx, &s.lock);
    assert_int_equal(made, 0);
    pthread_t t[THREADS];
    for (unsigned i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, fn, &s), 0);
    for (unsigned i = 0; i < THREADS; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
    assert_int_equal(s.counter, (uint64_t)THREADS * ROUNDS);
    assert_int_equal(atomic_load(&s.overlaps), 0);
    if (mutex)
        plat.mutex_destroy(plat.ctx, s.lock);
    else
        plat.spin_destroy(plat.ctx, s.lock);
}

static void test_spin_lock_excludes_under_contention(void **state)
{
    (void)state;
    run_contention(hammer_spin, false);
}

static void test_mutex_excludes_under_contention(void **state)
{
    (void)state;
    run_contention(hammer_mutex, true);
}

static void *waiter(void *arg)
{
    struct shared *s = arg;
    atomic_store(&s->waiting, 1);
    unsigned long irq = plat.spin_lock_irqsave(s->lock);
    atomic_store(&s->got, 1);
    plat.spin_unlock_irqrestore(s->lock, irq);
    return NULL;
}

/* A thread that finds the lock held sleeps (it does not get it while the
 * holder keeps it) and the unlock wakes it: the slow path and its wake. */
static void test_spin_unlock_wakes_a_sleeping_waiter(void **state)
{
    (void)state;
    struct shared s = {0};
    assert_int_equal(plat.spin_create(plat.ctx, &s.lock), 0);
    unsigned long irq = plat.spin_lock_irqsave(s.lock);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, waiter, &s), 0);
    while (!atomic_load(&s.waiting))
        usleep(1);
    usleep(HOLD_US); /* long enough for the waiter to reach its futex wait */
    assert_int_equal(atomic_load(&s.got), 0);
    plat.spin_unlock_irqrestore(s.lock, irq);
    const axn_time_t limit = plat.now(plat.ctx) + GUARD_US;
    while (!atomic_load(&s.got) && plat.now(plat.ctx) < limit)
        usleep(1);
    assert_int_equal(atomic_load(&s.got), 1);
    assert_int_equal(pthread_join(t, NULL), 0);
    /* Free again after a hand-over through the sleeping path. */
    irq = plat.spin_lock_irqsave(s.lock);
    assert_int_equal(irq, 0);
    plat.spin_unlock_irqrestore(s.lock, irq);
    plat.spin_destroy(plat.ctx, s.lock);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spin_lock_excludes_under_contention),
        cmocka_unit_test(test_mutex_excludes_under_contention),
        cmocka_unit_test(test_spin_unlock_wakes_a_sleeping_waiter),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
