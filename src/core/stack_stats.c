/* Stack-wide counters that belong to no interface (include/axnet/netctl.h). */
#include "axnet/netctl.h"
#include "core/stack_impl.h"

static uint64_t load(_Atomic uint64_t *c)
{
    return atomic_load_explicit(c, memory_order_relaxed);
}

void axn_ctl_stack_stats(struct axn_stack *st, struct axn_stack_stats *out)
{
    struct axn_router *r = &st->router;
    out->ip_out_no_routes = load(&r->ip_out_no_routes);
    out->rx_queue_full = load(&r->rx_queue_full);
    out->arp_unresolved = load(&r->arp_unresolved);
    out->out_malformed = load(&r->out_malformed);
    out->poll_runs = load(&st->poll_runs);
    out->poll_wakeups = load(&st->poll_wakeups);
    out->unreach_reports_dropped = load(&st->unreach.overflow);
    out->dev_removed_drops = load(&r->dev_removed_drops);
}
