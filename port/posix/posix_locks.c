/*
 * port/posix spin locks and sleeping mutexes: both the same three-state
 * futex lock (U. Drepper, "Futexes Are Tricky", mutex3).
 *
 * Taking a free lock is one atomic compare-exchange and releasing it one
 * exchange; a system call happens only when another thread sleeps on it.
 * The core takes these locks many times per packet (the core mutex per
 * socket call and poll, a device mutex per device call, spin locks for
 * queue and registry copies), almost always uncontended, and
 * pthread_mutex_lock/unlock cost several times more instructions there
 * (their type dispatch and owner bookkeeping). glibc's default mutex is
 * this same algorithm, so waiting behaves as before.
 *
 * Spin locks do not spin either: a hosted thread can be preempted while it
 * holds one, and real spinning would then burn the waiter's time slice on
 * a machine with few cores. There are no IRQs to mask, so the saved IRQ
 * state is always 0. Wait queues (posix_waitq.c) release and retake the
 * mutex through axn_posix_lock_release/acquire.
 */
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "posix_internal.h"

/* The futex word. */
enum {
    LOCK_FREE = 0,
    LOCK_HELD = 1,         /* held, nobody asleep on it */
    LOCK_HELD_WAITERS = 2, /* held, someone may be asleep: release wakes one */
};

struct posix_lock {
    atomic_uint state;
};

_Static_assert(sizeof(atomic_uint) == sizeof(uint32_t), "a futex word is 32 bits");

static int lock_create(void *ctx, void **out)
{
    (void)ctx;
    struct posix_lock *l = malloc(sizeof *l);
    if (!l)
        return -AXN_ENOMEM;
    atomic_init(&l->state, LOCK_FREE);
    *out = l;
    return 0;
}

static void lock_destroy(void *ctx, void *lock)
{
    (void)ctx;
    free(lock);
}

/* Sleeps while the word still reads HELD_WAITERS; returns at once if it
 * changed meanwhile (EAGAIN), on a signal (EINTR) or a spurious wake-up:
 * the caller tries again either way. */
static void futex_wait_held(struct posix_lock *l)
{
    (void)syscall(SYS_futex, &l->state, FUTEX_WAIT_PRIVATE, LOCK_HELD_WAITERS, NULL, NULL, 0);
}

static void futex_wake_one(struct posix_lock *l)
{
    (void)syscall(SYS_futex, &l->state, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* Contended: mark the lock as having waiters and sleep until an exchange
 * finds it free. The mark may outlive the last waiter, which only costs
 * one unneeded FUTEX_WAKE. */
static void acquire_slow(struct posix_lock *l, unsigned seen)
{
    if (seen != LOCK_HELD_WAITERS)
        seen = atomic_exchange_explicit(&l->state, LOCK_HELD_WAITERS, memory_order_acquire);
    while (seen != LOCK_FREE) {
        futex_wait_held(l);
        seen = atomic_exchange_explicit(&l->state, LOCK_HELD_WAITERS, memory_order_acquire);
    }
}

void axn_posix_lock_acquire(void *lock)
{
    struct posix_lock *l = lock;
    unsigned seen = LOCK_FREE;
    if (!atomic_compare_exchange_strong_explicit(&l->state, &seen, LOCK_HELD, memory_order_acquire,
                                                 memory_order_relaxed))
        acquire_slow(l, seen);
}

void axn_posix_lock_release(void *lock)
{
    struct posix_lock *l = lock;
    if (atomic_exchange_explicit(&l->state, LOCK_FREE, memory_order_release) == LOCK_HELD_WAITERS)
        futex_wake_one(l);
}

static unsigned long spin_lock_irqsave(void *lock)
{
    axn_posix_lock_acquire(lock);
    return 0;
}

static void spin_unlock_irqrestore(void *lock, unsigned long irq_state)
{
    (void)irq_state;
    axn_posix_lock_release(lock);
}

void axn_posix_install_locks(struct axn_platform *plat)
{
    plat->spin_create = lock_create;
    plat->spin_destroy = lock_destroy;
    plat->spin_lock_irqsave = spin_lock_irqsave;
    plat->spin_unlock_irqrestore = spin_unlock_irqrestore;
    plat->mutex_create = lock_create;
    plat->mutex_destroy = lock_destroy;
    plat->mutex_lock = axn_posix_lock_acquire;
    plat->mutex_unlock = axn_posix_lock_release;
}
