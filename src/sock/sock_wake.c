/*
 * Readiness (spec §6.4; include/axnet/socket.h): blocked callers sleep on
 * the socket's wait queue with the core lock; wakers (epoll hooks) are
 * queued on the stack's deferred list under the core lock, by the same
 * code that changes readiness, and run after it is released (PLAT-19), so
 * a wake callback may call back into axnet.
 *
 * Removal vs. a wake in flight: each waker carries `running`, set under
 * wake_lock when a drainer takes it and cleared when its call returns.
 * axn_socket_remove_waker unlinks it, then spins (taking and releasing
 * wake_lock) until `running` is clear, so after it returns the callback
 * is neither running nor queued. A waker taken by one drainer is skipped
 * by the others and picked up again by the first, so calls of one waker
 * never overlap and no event is lost.
 */
#include "axnet/errno.h"
#include "core/stack_impl.h"
#include "sock/sock_layer.h"

/* Always delivered, whatever the interest (poll(2): POLLERR and POLLHUP
 * need not be asked for). */
#define ALWAYS_EVENTS (AXN_POLLERR | AXN_POLLHUP)

static void enqueue_locked(struct axn_sock_layer *l, struct axn_waker *w, unsigned ev)
{
    w->pending |= ev;
    if (w->queued)
        return;
    w->queued = true;
    w->next_deferred = NULL;
    if (l->deferred_tail)
        l->deferred_tail->next_deferred = w;
    else
        l->deferred_head = w;
    l->deferred_tail = w;
}

static void unqueue_locked(struct axn_sock_layer *l, struct axn_waker *w)
{
    struct axn_waker *prev = NULL;
    for (struct axn_waker *it = l->deferred_head; it; prev = it, it = it->next_deferred) {
        if (it != w)
            continue;
        if (prev)
            prev->next_deferred = w->next_deferred;
        else
            l->deferred_head = w->next_deferred;
        if (l->deferred_tail == w)
            l->deferred_tail = prev;
        break;
    }
    w->queued = false;
    w->pending = 0;
}

void axn_sock_notify(struct axn_socket *s, unsigned events)
{
    const struct axn_platform *plat = s->st->plat;
    struct axn_sock_layer *l = s->st->socks;
    plat->waitq_wake_all(s->waitq);
    if (!s->wakers)
        return;
    unsigned long irq = plat->spin_lock_irqsave(l->wake_lock);
    for (struct axn_waker *w = s->wakers; w; w = w->next) {
        const unsigned ev = events & (w->interest | ALWAYS_EVENTS);
        if (ev)
            enqueue_locked(l, w, ev);
    }
    plat->spin_unlock_irqrestore(l->wake_lock, irq);
}

void axn_sock_set_error(struct axn_socket *s, int err)
{
    s->so_error = err;
    axn_sock_notify(s, AXN_POLLERR);
}

int axn_sock_take_error(struct axn_socket *s)
{
    const int err = s->so_error;
    s->so_error = 0;
    return -err;
}

/* The first queued waker no other drainer is running, taken off the list
 * and marked running; NULL if none. */
static struct axn_waker *take_locked(struct axn_sock_layer *l, unsigned *ev)
{
    for (struct axn_waker *w = l->deferred_head; w; w = w->next_deferred) {
        if (w->running)
            continue;
        *ev = w->pending;
        unqueue_locked(l, w);
        w->running = true;
        return w;
    }
    return NULL;
}

void axn_sock_run_deferred(struct axn_stack *st)
{
    const struct axn_platform *plat = st->plat;
    struct axn_sock_layer *l = st->socks;
    if (!l)
        return;
    for (;;) {
        unsigned ev = 0;
        unsigned long irq = plat->spin_lock_irqsave(l->wake_lock);
        struct axn_waker *w = take_locked(l, &ev);
        plat->spin_unlock_irqrestore(l->wake_lock, irq);
        if (!w)
            return;
        w->wake(w->ctx, ev);
        irq = plat->spin_lock_irqsave(l->wake_lock);
        w->running = false;
        plat->spin_unlock_irqrestore(l->wake_lock, irq);
    }
}

void axn_sock_wake_detach(struct axn_stack *st, struct axn_waker *w)
{
    const struct axn_platform *plat = st->plat;
    struct axn_sock_layer *l = st->socks;
    bool running;
    unsigned long irq = plat->spin_lock_irqsave(l->wake_lock);
    unqueue_locked(l, w);
    running = w->running;
    plat->spin_unlock_irqrestore(l->wake_lock, irq);
    /* The call in flight finishes on its own thread; nothing we hold
     * blocks it (no axnet lock is held here). */
    while (running) {
        irq = plat->spin_lock_irqsave(l->wake_lock);
        running = w->running;
        plat->spin_unlock_irqrestore(l->wake_lock, irq);
    }
}

/* ---- Public calls -------------------------------------------------------------- */

static unsigned poll_locked(struct axn_socket *s)
{
    unsigned ev = s->ops->poll ? s->ops->poll(s) : 0;
    /* A pending error is readiness on every socket (datagram_poll,
     * tcp_poll: sk_err -> EPOLLERR), whatever the transport reports. */
    return s->so_error ? ev | AXN_POLLERR : ev;
}

unsigned axn_socket_poll(struct axn_socket *s)
{
    if (!s)
        return AXN_POLLNVAL;
    const struct axn_platform *plat = s->st->plat;
    plat->mutex_lock(s->st->core_lock);
    const unsigned ev = poll_locked(s);
    plat->mutex_unlock(s->st->core_lock);
    return ev;
}

unsigned axn_socket_add_waker(struct axn_socket *s, struct axn_waker *w)
{
    if (!s || !w || !w->wake)
        return AXN_POLLNVAL;
    const struct axn_platform *plat = s->st->plat;
    w->pending = 0;
    w->queued = false;
    w->running = false;
    w->next_deferred = NULL;
    /* Linked and sampled under the core lock, which every readiness change
     * holds: a change after this sample notifies `w` (edge-safe). */
    plat->mutex_lock(s->st->core_lock);
    w->next = s->wakers;
    s->wakers = w;
    const unsigned ev = poll_locked(s);
    plat->mutex_unlock(s->st->core_lock);
    return ev;
}

void axn_socket_remove_waker(struct axn_socket *s, struct axn_waker *w)
{
    if (!s || !w)
        return;
    const struct axn_platform *plat = s->st->plat;
    plat->mutex_lock(s->st->core_lock);
    for (struct axn_waker **pp = &s->wakers; *pp; pp = &(*pp)->next) {
        if (*pp == w) {
            *pp = w->next;
            break;
        }
    }
    plat->mutex_unlock(s->st->core_lock);
    /* Unlinked: no notify can queue it again; drop what is queued and wait
     * for a call in flight. */
    axn_sock_wake_detach(s->st, w);
    w->next = NULL;
}
