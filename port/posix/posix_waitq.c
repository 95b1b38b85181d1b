/*
 * port/posix wait queues: condition variables timed on CLOCK_MONOTONIC.
 *
 * The `mutex` handed to waitq_wait is one made by mutex_create, which is a
 * plain pthread_mutex_t.
 */
#include <pthread.h>
#include <stdlib.h>

#include "posix_internal.h"

static int waitq_create(void *ctx, void **out)
{
    (void)ctx;
    pthread_cond_t *c = malloc(sizeof *c);
    if (!c)
        return -AXN_ENOMEM;
    pthread_condattr_t attr;
    int rc = pthread_condattr_init(&attr);
    if (rc == 0) {
        /* Deadlines are monotonic: setting the wall clock must not move them. */
        rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        if (rc == 0)
            rc = pthread_cond_init(c, &attr);
        pthread_condattr_destroy(&attr);
    }
    if (rc) {
        free(c);
        return axn_posix_err(rc);
    }
    *out = c;
    return 0;
}

static void waitq_destroy(void *ctx, void *waitq)
{
    (void)ctx;
    if (!waitq)
        return;
    pthread_cond_destroy(waitq);
    free(waitq);
}

static int waitq_wait(void *waitq, void *mutex, axn_time_t deadline)
{
    if (deadline == AXN_TIME_NEVER) {
        int rc = pthread_cond_wait(waitq, mutex);
        return rc ? axn_posix_err(rc) : 0;
    }
    struct timespec ts = axn_posix_deadline_ts(deadline);
    int rc = pthread_cond_timedwait(waitq, mutex, &ts);
    return rc ? axn_posix_err(rc) : 0;
}

static void waitq_wake_all(void *waitq)
{
    pthread_cond_broadcast(waitq);
}

void axn_posix_install_waitq(struct axn_platform *plat)
{
    plat->waitq_create = waitq_create;
    plat->waitq_destroy = waitq_destroy;
    plat->waitq_wait = waitq_wait;
    plat->waitq_wake_all = waitq_wake_all;
}
