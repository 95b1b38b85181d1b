/*
 * port/none locks, wait queues and events.
 *
 * With one thread nothing can contend, so locks only count: each handle
 * knows whether it is held, and the port counts what is held and every
 * broken rule of platform.h in `lock_errors`, which tests assert on.
 * Waiting would hang the only thread, so it is refused (-AXN_EWOULDBLOCK);
 * the caller polls instead. No IRQs are masked: a kernel that signals an
 * event from an IRQ handler gets a single volatile store, which a
 * single-CPU main loop observes on its next event_wait.
 */
#include "none_internal.h"

#include "axnet/errno.h"

/* A spin lock or a mutex: both are counters here. */
struct none_lock {
    struct axn_port_none *port;
    bool held;
};

struct none_waitq {
    struct axn_port_none *port;
};

struct none_event {
    struct axn_port_none *port;
    volatile bool signalled;
};

static int new_handle(struct axn_port_none *port, size_t size, void **out)
{
    *out = axn_none_arena_alloc(port, size, sizeof(void *));
    return *out ? 0 : -AXN_ENOMEM;
}

static int lock_create(void *ctx, void **lock)
{
    int rc = new_handle(ctx, sizeof(struct none_lock), lock);
    if (rc == 0)
        ((struct none_lock *)*lock)->port = ctx;
    return rc;
}

static void lock_destroy(void *ctx, void *lock)
{
    struct none_lock *l = lock;
    if (!l)
        return;
    if (l->held)
        l->port->lock_errors++;
    axn_none_arena_free(ctx, l, sizeof *l);
}

/* Marks `l` held; a second take would deadlock a real port. */
static void take(struct none_lock *l, long *held_count)
{
    if (l->held) {
        l->port->lock_errors++;
        return;
    }
    l->held = true;
    (*held_count)++;
}

static void release(struct none_lock *l, long *held_count)
{
    if (!l->held) {
        l->port->lock_errors++;
        return;
    }
    l->held = false;
    (*held_count)--;
}

static unsigned long spin_lock_irqsave(void *lock)
{
    struct none_lock *l = lock;
    take(l, &l->port->spin_held);
    return 0; /* no IRQ state to restore */
}

static void spin_unlock_irqrestore(void *lock, unsigned long irq_state)
{
    struct none_lock *l = lock;
    (void)irq_state;
    release(l, &l->port->spin_held);
}

static void mutex_lock(void *mutex)
{
    struct none_lock *l = mutex;
    /* platform.h: a sleeping mutex is never taken with a spin lock held. */
    if (l->port->spin_held > 0)
        l->port->lock_errors++;
    take(l, &l->port->mutex_held);
}

static void mutex_unlock(void *mutex)
{
    struct none_lock *l = mutex;
    release(l, &l->port->mutex_held);
}

static int waitq_create(void *ctx, void **waitq)
{
    int rc = new_handle(ctx, sizeof(struct none_waitq), waitq);
    if (rc == 0)
        ((struct none_waitq *)*waitq)->port = ctx;
    return rc;
}

static void waitq_destroy(void *ctx, void *waitq)
{
    axn_none_arena_free(ctx, waitq, sizeof(struct none_waitq));
}

static int waitq_wait(void *waitq, void *mutex, axn_time_t deadline)
{
    struct none_waitq *w = waitq;
    const struct none_lock *m = mutex;
    (void)deadline;
    /* The contract: called with `mutex` held and no spin lock. */
    if (!m->held || w->port->spin_held > 0)
        w->port->lock_errors++;
    return -AXN_EWOULDBLOCK;
}

static void waitq_wake_all(void *waitq)
{
    (void)waitq; /* nobody can be asleep */
}

static int event_create(void *ctx, void **event)
{
    int rc = new_handle(ctx, sizeof(struct none_event), event);
    if (rc == 0)
        ((struct none_event *)*event)->port = ctx;
    return rc;
}

static void event_destroy(void *ctx, void *event)
{
    axn_none_arena_free(ctx, event, sizeof(struct none_event));
}

static int event_wait(void *event, axn_time_t deadline)
{
    struct none_event *e = event;
    (void)deadline;
    if (e->port->spin_held > 0)
        e->port->lock_errors++;
    /* Sticky: a signal that came first is consumed without blocking. */
    if (e->signalled) {
        e->signalled = false;
        return 0;
    }
    return -AXN_EWOULDBLOCK;
}

static void event_signal(void *event)
{
    struct none_event *e = event;
    e->signalled = true;
}

void axn_none_install_sync(struct axn_platform *plat)
{
    plat->spin_create = lock_create;
    plat->spin_destroy = lock_destroy;
    plat->spin_lock_irqsave = spin_lock_irqsave;
    plat->spin_unlock_irqrestore = spin_unlock_irqrestore;
    plat->mutex_create = lock_create;
    plat->mutex_destroy = lock_destroy;
    plat->mutex_lock = mutex_lock;
    plat->mutex_unlock = mutex_unlock;
    plat->waitq_create = waitq_create;
    plat->waitq_destroy = waitq_destroy;
    plat->waitq_wait = waitq_wait;
    plat->waitq_wake_all = waitq_wake_all;
    plat->event_create = event_create;
    plat->event_destroy = event_destroy;
    plat->event_wait = event_wait;
    plat->event_signal = event_signal;
}
