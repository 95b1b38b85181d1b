/*
 * port/posix wait queues: a sequence word slept on with a futex, paired
 * with the futex mutexes of posix_locks.c (a pthread condition variable
 * would need a pthread mutex).
 *
 * waitq_wait counts itself a waiter and reads the sequence while the
 * caller still holds the mutex, drops the mutex and sleeps only while the
 * word still reads that value; waitq_wake_all bumps the word, then makes
 * the FUTEX_WAKE system call only if it sees a waiter (the core wakes a
 * socket's queue on every event, with nobody blocked almost always). A
 * wake that comes after the caller checked its condition (under the mutex)
 * therefore sees the waiter (all four accesses are sequentially
 * consistent) and either changed the word before the sleep, which then
 * returns at once, or finds the caller asleep: no wake-up is lost, as with
 * pthread_cond_wait. Every
 * other return (a signal, a stale wake) is a spurious wake-up, which the
 * contract allows: callers re-check their condition. Deadlines are
 * absolute CLOCK_MONOTONIC (FUTEX_WAIT_BITSET measures on it), so setting
 * the wall clock does not move them.
 */
#include <limits.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "posix_internal.h"

struct posix_waitq {
    atomic_uint seq;     /* bumped by every wake_all; wraps harmlessly */
    atomic_uint waiters; /* threads inside waitq_wait */
};

_Static_assert(sizeof(atomic_uint) == sizeof(uint32_t), "a futex word is 32 bits");

static int waitq_create(void *ctx, void **out)
{
    (void)ctx;
    struct posix_waitq *q = malloc(sizeof *q);
    if (!q)
        return -AXN_ENOMEM;
    atomic_init(&q->seq, 0);
    atomic_init(&q->waiters, 0);
    *out = q;
    return 0;
}

static void waitq_destroy(void *ctx, void *waitq)
{
    (void)ctx;
    free(waitq);
}

/* Sleeps while q->seq == seen, until `ts` (NULL: no limit). Returns 0 or
 * the errno of the futex call (ETIMEDOUT, EAGAIN, EINTR). */
static int futex_sleep(struct posix_waitq *q, unsigned seen, const struct timespec *ts)
{
    long rc = syscall(SYS_futex, &q->seq, FUTEX_WAIT_BITSET_PRIVATE, seen, ts, NULL,
                      FUTEX_BITSET_MATCH_ANY);
    return rc == 0 ? 0 : errno;
}

static int waitq_wait(void *waitq, void *mutex, axn_time_t deadline)
{
    struct posix_waitq *q = waitq;
    struct timespec ts;
    const struct timespec *limit = NULL;
    if (deadline != AXN_TIME_NEVER) {
        ts = axn_posix_deadline_ts(deadline);
        limit = &ts;
    }
    /* Both with the mutex held, in this order: see the header comment. */
    atomic_fetch_add(&q->waiters, 1u);
    const unsigned seen = atomic_load(&q->seq);
    axn_posix_lock_release(mutex);
    const int err = futex_sleep(q, seen, limit);
    atomic_fetch_sub(&q->waiters, 1u);
    axn_posix_lock_acquire(mutex);
    return err == ETIMEDOUT ? -AXN_ETIMEDOUT : 0;
}

static void waitq_wake_all(void *waitq)
{
    struct posix_waitq *q = waitq;
    atomic_fetch_add(&q->seq, 1u);
    if (atomic_load(&q->waiters) != 0)
        (void)syscall(SYS_futex, &q->seq, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

void axn_posix_install_waitq(struct axn_platform *plat)
{
    plat->waitq_create = waitq_create;
    plat->waitq_destroy = waitq_destroy;
    plat->waitq_wait = waitq_wait;
    plat->waitq_wake_all = waitq_wake_all;
}
