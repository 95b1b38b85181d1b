/*
 * port/posix events: a sticky flag in one atomic word, slept on with a
 * futex.
 *
 * event_signal is one atomic exchange plus, on the clear-to-set edge, one
 * FUTEX_WAKE system call. It takes no lock, so it is async-signal-safe and
 * cannot deadlock against a waiter it interrupts: the hosted analogue of
 * the IRQ-safety platform.h asks for. A condition variable could not give
 * that (pthread_mutex_lock is not async-signal-safe).
 *
 * Waiting consumes the flag with an exchange, then sleeps only while the
 * word still reads "clear"; a signal landing in between makes the futex
 * call return at once, so no wake-up is lost.
 */
#include <limits.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "posix_internal.h"

enum { EVENT_CLEAR = 0, EVENT_SET = 1 };

struct posix_event {
    atomic_uint state;
};

_Static_assert(sizeof(atomic_uint) == sizeof(uint32_t), "a futex word is 32 bits");

static int event_create(void *ctx, void **out)
{
    (void)ctx;
    struct posix_event *e = malloc(sizeof *e);
    if (!e)
        return -AXN_ENOMEM;
    atomic_init(&e->state, EVENT_CLEAR);
    *out = e;
    return 0;
}

static void event_destroy(void *ctx, void *event)
{
    (void)ctx;
    free(event);
}

static bool consume(struct posix_event *e)
{
    return atomic_exchange(&e->state, EVENT_CLEAR) == EVENT_SET;
}

/* Sleeps while the word is clear, until `ts` (absolute CLOCK_MONOTONIC;
 * NULL: no limit). FUTEX_WAIT_BITSET takes an absolute time, and measures
 * it on CLOCK_MONOTONIC unless FUTEX_CLOCK_REALTIME is given. */
static int futex_sleep(struct posix_event *e, const struct timespec *ts)
{
    long rc = syscall(SYS_futex, &e->state, FUTEX_WAIT_BITSET_PRIVATE, EVENT_CLEAR, ts, NULL,
                      FUTEX_BITSET_MATCH_ANY);
    return rc == 0 ? 0 : errno;
}

static int event_wait(void *event, axn_time_t deadline)
{
    struct posix_event *e = event;
    struct timespec ts;
    const struct timespec *limit = NULL;
    if (deadline != AXN_TIME_NEVER) {
        ts = axn_posix_deadline_ts(deadline);
        limit = &ts;
    }
    for (;;) {
        if (consume(e))
            return 0;
        /* EAGAIN: signalled meanwhile; EINTR: a signal handler ran. */
        if (futex_sleep(e, limit) == ETIMEDOUT)
            return consume(e) ? 0 : -AXN_ETIMEDOUT;
    }
}

static void event_signal(void *event)
{
    struct posix_event *e = event;
    if (atomic_exchange(&e->state, EVENT_SET) == EVENT_CLEAR)
        syscall(SYS_futex, &e->state, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

void axn_posix_install_event(struct axn_platform *plat)
{
    plat->event_create = event_create;
    plat->event_destroy = event_destroy;
    plat->event_wait = event_wait;
    plat->event_signal = event_signal;
}
