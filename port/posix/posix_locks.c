/*
 * port/posix spin locks and sleeping mutexes, both pthread mutexes.
 *
 * Spin locks are mutexes too: a hosted thread can be preempted while it
 * holds one, and real spinning would then burn the waiter's time slice on
 * a machine with few cores. There are no IRQs to mask, so the saved IRQ
 * state is always 0.
 */
#include <pthread.h>
#include <stdlib.h>

#include "posix_internal.h"

static int mutex_create(void *ctx, void **out)
{
    (void)ctx;
    pthread_mutex_t *m = malloc(sizeof *m);
    if (!m)
        return -AXN_ENOMEM;
    int rc = pthread_mutex_init(m, NULL);
    if (rc) {
        free(m);
        return axn_posix_err(rc);
    }
    *out = m;
    return 0;
}

static void mutex_destroy(void *ctx, void *mutex)
{
    (void)ctx;
    if (!mutex)
        return;
    pthread_mutex_destroy(mutex);
    free(mutex);
}

static void mutex_lock(void *mutex)
{
    pthread_mutex_lock(mutex);
}

static void mutex_unlock(void *mutex)
{
    pthread_mutex_unlock(mutex);
}

static unsigned long spin_lock_irqsave(void *lock)
{
    pthread_mutex_lock(lock);
    return 0;
}

static void spin_unlock_irqrestore(void *lock, unsigned long irq_state)
{
    (void)irq_state;
    pthread_mutex_unlock(lock);
}

void axn_posix_install_locks(struct axn_platform *plat)
{
    plat->spin_create = mutex_create;
    plat->spin_destroy = mutex_destroy;
    plat->spin_lock_irqsave = spin_lock_irqsave;
    plat->spin_unlock_irqrestore = spin_unlock_irqrestore;
    plat->mutex_create = mutex_create;
    plat->mutex_destroy = mutex_destroy;
    plat->mutex_lock = mutex_lock;
    plat->mutex_unlock = mutex_unlock;
}
