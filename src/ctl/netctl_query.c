/*
 * Public control-plane queries over the registry, route table and DNS
 * registry (include/axnet/netctl.h, spec CTL-13, CTL-17, RT-12). Each one
 * copies under the ctl lock and returns with no lock held.
 *
 * MACs (CTL-15): a device reports a MAC its driver changed through
 * axn_ctl_set_mac, so these copies never reach into devices (PLAT-29).
 */
#include "axnet/netctl.h"

#include "axnet/errno.h"
#include "core/stack_impl.h"
#include "ctl/ctl.h"

/* Copies are bounded by the sizes the registry and table can reach, so the
 * lock is held for a few hundred bytes of copying at most. */

/* ---- Copies ------------------------------------------------------------------ */

size_t axn_ctl_interfaces(struct axn_stack *st, struct axn_iface_info *out, size_t max)
{
    struct axn_ctl *c = &st->ctl;
    const unsigned long irq = axn_ctl_lock(c);
    const size_t n = c->n_ifaces;
    for (size_t i = 0; i < n && i < max; i++)
        out[i] = c->ifaces[i];
    axn_ctl_unlock(c, irq);
    return n;
}

int axn_ctl_interface_by_name(struct axn_stack *st, const char *name, struct axn_iface_info *out)
{
    if (!axn_ctl_name_is_valid(name))
        return -AXN_ENODEV;
    struct axn_ctl *c = &st->ctl;
    const unsigned long irq = axn_ctl_lock(c);
    const struct axn_iface_info *it = axn_ctl_find_name_locked(c, name);
    if (it != NULL)
        *out = *it;
    axn_ctl_unlock(c, irq);
    return it != NULL ? 0 : -AXN_ENODEV;
}

int axn_ctl_interface_by_index(struct axn_stack *st, uint32_t ifindex, struct axn_iface_info *out)
{
    struct axn_ctl *c = &st->ctl;
    const unsigned long irq = axn_ctl_lock(c);
    const struct axn_iface_info *it = axn_ctl_find_locked(c, ifindex);
    if (it != NULL)
        *out = *it;
    axn_ctl_unlock(c, irq);
    return it != NULL ? 0 : -AXN_ENODEV;
}

/* RT-12: the public view drops the insertion order. */
static void route_info(const struct axn_route_rule *r, struct axn_route_info *out)
{
    out->prefix = r->prefix;
    out->prefix_len = r->prefix_len;
    out->has_via = r->has_via;
    out->via = r->via;
    out->ifindex = r->ifindex;
    out->source = r->source;
    out->metric = r->metric;
}

static size_t copy_routes(struct axn_stack *st, struct axn_route_info *out, size_t max,
                          bool defaults_only)
{
    struct axn_ctl *c = &st->ctl;
    size_t n = 0;
    const unsigned long irq = axn_ctl_lock(c);
    for (uint32_t i = 0; i < c->routes.count; i++) {
        const struct axn_route_rule *r = &c->routes.rules[i];
        if (defaults_only && r->prefix_len != 0)
            continue;
        if (n < max)
            route_info(r, &out[n]);
        n++;
    }
    axn_ctl_unlock(c, irq);
    return n;
}

size_t axn_ctl_routes(struct axn_stack *st, struct axn_route_info *out, size_t max)
{
    return copy_routes(st, out, max, false);
}

size_t axn_ctl_default_routes(struct axn_stack *st, struct axn_route_info *out, size_t max)
{
    return copy_routes(st, out, max, true);
}

size_t axn_ctl_dns_servers(struct axn_stack *st, axn_ip4_t *out, size_t max)
{
    struct axn_ctl *c = &st->ctl;
    /* Sorted outside the lock, on a private copy. */
    struct axn_dns_entry copy[AXN_MAX_DNS_ENTRIES];
    const unsigned long irq = axn_ctl_lock(c);
    const size_t n = c->n_dns;
    for (size_t i = 0; i < n; i++)
        copy[i] = c->dns[i];
    axn_ctl_unlock(c, irq);
    return axn_ctl_dns_order(copy, n, out, max);
}
