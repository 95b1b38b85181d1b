/*
 * The blocking resolver call and the resolver's control-plane calls
 * (resolver.h). axn_resolve drives the non-blocking query from the
 * caller's thread: between steps it sleeps on a platform event that a
 * waker on the query's socket signals, or until the query's next timer.
 * Someone else must poll the stack meanwhile (a threaded stack's own
 * workers, or a kernel's poll thread); on a caller-polled stack whose
 * platform cannot block (port/none) it returns -AXN_EWOULDBLOCK as soon as
 * it would have to wait: use axn_dns_query_* there.
 */
#include "axnet/errno.h"
#include "core/stack_impl.h"
#include "lib/mem.h"
#include "svc/dns_resolver.h"

void axn_dns_count(struct axn_svc *svc, uint64_t *field, uint64_t n)
{
    const struct axn_platform *plat = svc->plat;
    const unsigned long irq = plat->spin_lock_irqsave(svc->dns_lock);
    *field += n;
    plat->spin_unlock_irqrestore(svc->dns_lock, irq);
}

struct resolve_wait {
    const struct axn_platform *plat;
    void *event;
};

/* A waker's callback: runs with no axnet lock held, must not block. */
static void wake(void *ctx, unsigned events)
{
    (void)events;
    const struct resolve_wait *w = ctx;
    w->plat->event_signal(w->event);
}

/* Sleeps until the query's socket may be ready or `until`. 0, or
 * -AXN_EWOULDBLOCK when the platform cannot sleep. */
static int wait_query(const struct axn_dns_lookup *q, struct resolve_wait *w, axn_time_t until)
{
    struct axn_socket *s = axn_dns_query_socket(q);
    if (s == NULL) {
        const int rc = w->plat->event_wait(w->event, until);
        return rc == -AXN_EWOULDBLOCK ? rc : 0;
    }
    struct axn_waker wk;
    memset(&wk, 0, sizeof(wk));
    wk.wake = wake;
    wk.ctx = w;
    wk.interest = axn_dns_query_interest(q);
    /* Edge-safe: the mask is read under the lock that sets readiness. */
    const unsigned ready = axn_socket_add_waker(s, &wk);
    int rc = 0;
    if (!(ready & (wk.interest | AXN_POLLERR | AXN_POLLHUP)))
        rc = w->plat->event_wait(w->event, until);
    axn_socket_remove_waker(s, &wk);
    return rc == -AXN_EWOULDBLOCK ? rc : 0;
}

static int run(struct axn_dns_lookup *q, struct resolve_wait *w)
{
    const struct axn_platform *plat = w->plat;
    for (;;) {
        axn_time_t next = AXN_TIME_NEVER;
        const int rc = axn_dns_query_step(q, plat->now(plat->ctx), &next);
        if (rc != -AXN_EINPROGRESS)
            return rc;
        const int wr = wait_query(q, w, next);
        if (wr != 0)
            return wr;
    }
}

int axn_resolve(struct axn_stack *st, const char *name, const struct axn_dns_options *opt,
                struct axn_dns_result *out)
{
    if (st == NULL || out == NULL)
        return -AXN_EINVAL;
    const struct axn_platform *plat = st->plat;
    struct resolve_wait w = {.plat = plat, .event = NULL};
    int rc = plat->event_create(plat->ctx, &w.event);
    if (rc != 0)
        return rc;
    struct axn_dns_lookup *q = NULL;
    rc = axn_dns_query_start(st, name, opt, plat->now(plat->ctx), &q);
    if (rc == 0)
        rc = run(q, &w);
    if (rc == 0)
        rc = axn_dns_query_result(q, out);
    axn_dns_query_free(q);
    plat->event_destroy(plat->ctx, w.event);
    return rc;
}

void axn_dns_get_stats(struct axn_stack *st, struct axn_dns_stats *out)
{
    struct axn_svc *svc = st->svc;
    const struct axn_platform *plat = svc->plat;
    const size_t live = axn_dns_cache_count(svc, plat->now(plat->ctx));
    const unsigned long irq = plat->spin_lock_irqsave(svc->dns_lock);
    *out = svc->dns_stats;
    plat->spin_unlock_irqrestore(svc->dns_lock, irq);
    out->cache_entries = live;
}

void axn_dns_cache_flush(struct axn_stack *st)
{
    axn_dns_cache_clear(st->svc);
}
