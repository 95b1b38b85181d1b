/* The IPv4 route table (spec RT-7..RT-15); see route_table.h. */
#include "route/route_table.h"

#include "axnet/errno.h"
#include "lib/mem.h"

/* The direct-route marker: a gateway of 0.0.0.0 means "no gateway". */
#define ROUTE_NO_GATEWAY ((axn_ip4_t)0)

int axn_route_table_init(struct axn_route_table *t, const struct axn_platform *plat,
                         uint32_t capacity)
{
    memset(t, 0, sizeof(*t));
    /* Only a 32-bit size_t can overflow here; a variable, not a constant,
     * so 64-bit builds do not warn about an always-false comparison. */
    const size_t max_rules = SIZE_MAX / sizeof(struct axn_route_rule);
    if (!plat || capacity == 0 || capacity > max_rules)
        return -AXN_EINVAL;
    t->rules = plat->alloc(plat->ctx, (size_t)capacity * sizeof(struct axn_route_rule),
                           _Alignof(struct axn_route_rule));
    if (!t->rules)
        return -AXN_ENOMEM;
    t->plat = plat;
    t->capacity = capacity;
    return 0;
}

void axn_route_table_destroy(struct axn_route_table *t)
{
    if (t->plat && t->rules)
        t->plat->free(t->plat->ctx, t->rules, (size_t)t->capacity * sizeof(struct axn_route_rule));
    memset(t, 0, sizeof(*t));
}

static bool rule_is_valid(const struct axn_route_rule *r)
{
    if (r->prefix_len > AXN_IP4_PREFIX_MAX || r->ifindex == 0)
        return false;
    /* A prefix with host bits set names no network (Linux: "Invalid prefix"). */
    return axn_ip4_prefix_network(r->prefix, r->prefix_len) == r->prefix;
}

/* RT-8: longest prefix first, then lower metric, then earlier insertion. */
static bool ranks_before(const struct axn_route_rule *a, const struct axn_route_rule *b)
{
    if (a->prefix_len != b->prefix_len)
        return a->prefix_len > b->prefix_len;
    if (a->metric != b->metric)
        return a->metric < b->metric;
    return a->order < b->order;
}

/* RT-7: a saturating counter; once saturated, new rules tie on order and the
 * stable insertion still puts them after every earlier rule. */
static uint64_t take_order(struct axn_route_table *t)
{
    const uint64_t order = t->next_order;
    if (t->next_order != UINT64_MAX)
        t->next_order++;
    return order;
}

/* Inserts a validated rule at its sorted place; the caller checked room. */
static void insert_sorted(struct axn_route_table *t, const struct axn_route_rule *rule)
{
    struct axn_route_rule r = *rule;
    r.order = take_order(t);
    if (r.has_via && r.via == ROUTE_NO_GATEWAY)
        r.has_via = false;
    if (!r.has_via)
        r.via = ROUTE_NO_GATEWAY;
    uint32_t pos = 0;
    /* After every rule that ranks before or ties with it: ties keep the
     * order they were added in. */
    while (pos < t->count && !ranks_before(&r, &t->rules[pos]))
        pos++;
    memmove(&t->rules[pos + 1], &t->rules[pos], (t->count - pos) * sizeof(r));
    t->rules[pos] = r;
    t->count++;
}

static void remove_at(struct axn_route_table *t, uint32_t pos)
{
    memmove(&t->rules[pos], &t->rules[pos + 1], (t->count - pos - 1) * sizeof(t->rules[0]));
    t->count--;
}

int axn_route_add(struct axn_route_table *t, const struct axn_route_rule *rule)
{
    if (!rule_is_valid(rule))
        return -AXN_EINVAL;
    if (t->count >= t->capacity)
        return -AXN_ENOSPC;
    insert_sorted(t, rule);
    return 0;
}

int axn_route_delete(struct axn_route_table *t, axn_ip4_t prefix, uint8_t prefix_len,
                     uint32_t ifindex)
{
    for (uint32_t i = 0; i < t->count; i++) {
        const struct axn_route_rule *r = &t->rules[i];
        if (r->prefix == prefix && r->prefix_len == prefix_len &&
            (ifindex == 0 || r->ifindex == ifindex)) {
            remove_at(t, i);
            return 0;
        }
    }
    return -AXN_ENOENT;
}

static uint32_t count_interface(const struct axn_route_table *t, uint32_t ifindex)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < t->count; i++)
        n += t->rules[i].ifindex == ifindex;
    return n;
}

uint32_t axn_route_remove_interface(struct axn_route_table *t, uint32_t ifindex)
{
    /* A stable in-place filter keeps the survivors' relative order. */
    uint32_t kept = 0;
    for (uint32_t i = 0; i < t->count; i++) {
        if (t->rules[i].ifindex != ifindex)
            t->rules[kept++] = t->rules[i];
    }
    const uint32_t removed = t->count - kept;
    t->count = kept;
    return removed;
}

int axn_route_replace_for_interface(struct axn_route_table *t, uint32_t ifindex,
                                    const struct axn_route_rule *rules, size_t n)
{
    /* Check everything before touching anything: RT-14 is all or nothing. */
    for (size_t i = 0; i < n; i++) {
        if (!rule_is_valid(&rules[i]) || rules[i].ifindex != ifindex)
            return -AXN_EINVAL;
    }
    const size_t kept = t->count - count_interface(t, ifindex);
    if (n > t->capacity - kept)
        return -AXN_ENOSPC;
    axn_route_remove_interface(t, ifindex);
    for (size_t i = 0; i < n; i++)
        insert_sorted(t, &rules[i]);
    return 0;
}

static void decide(const struct axn_route_rule *r, axn_ip4_t dst, struct axn_route_decision *out)
{
    out->ifindex = r->ifindex;
    out->source = r->source;
    /* RT-9: next hop is the gateway if there is one, else the destination. */
    out->next_hop = r->has_via ? r->via : dst;
    out->metric = r->metric;
    out->prefix_len = r->prefix_len;
}

int axn_route_lookup(const struct axn_route_table *t, axn_ip4_t dst, axn_route_usable_fn usable,
                     void *usable_ctx, struct axn_route_decision *out)
{
    for (uint32_t i = 0; i < t->count; i++) {
        const struct axn_route_rule *r = &t->rules[i];
        if (!axn_ip4_prefix_contains(r->prefix, r->prefix_len, dst))
            continue;
        if (usable && !usable(usable_ctx, r->ifindex))
            continue;
        decide(r, dst, out);
        return 0;
    }
    return -AXN_ENETUNREACH;
}

int axn_route_lookup_for_source(const struct axn_route_table *t, axn_ip4_t dst, axn_ip4_t src,
                                struct axn_route_decision *out)
{
    for (uint32_t i = 0; i < t->count; i++) {
        const struct axn_route_rule *r = &t->rules[i];
        if (r->source == src && axn_ip4_prefix_contains(r->prefix, r->prefix_len, dst)) {
            decide(r, dst, out);
            return 0;
        }
    }
    return -AXN_ENETUNREACH;
}

size_t axn_route_default_routes(const struct axn_route_table *t, struct axn_route_rule *out,
                                size_t max)
{
    size_t n = 0;
    for (uint32_t i = 0; i < t->count && n < max; i++) {
        if (t->rules[i].prefix_len == 0)
            out[n++] = t->rules[i];
    }
    return n;
}

size_t axn_route_snapshot(const struct axn_route_table *t, struct axn_route_rule *out, size_t max)
{
    const size_t n = t->count < max ? t->count : max;
    if (n > 0)
        memcpy(out, t->rules, n * sizeof(out[0]));
    return n;
}

int axn_route_interface_rules(const struct axn_route_iface_params *p,
                              struct axn_route_rule out[AXN_ROUTE_IFACE_RULES_MAX])
{
    if (p->ifindex == 0)
        return -AXN_EINVAL;
    if (!p->has_addr)
        return 0; /* RT-13: no address, no rules */
    if (p->prefix_len > AXN_IP4_PREFIX_MAX)
        return -AXN_EINVAL;
    const struct axn_route_rule connected = {
        .prefix = axn_ip4_prefix_network(p->addr, p->prefix_len),
        .prefix_len = p->prefix_len,
        .has_via = false,
        .via = ROUTE_NO_GATEWAY,
        .ifindex = p->ifindex,
        .source = p->addr,
        .metric = p->metric,
    };
    int n = 0;
    out[n++] = connected;
    if (p->gateway != ROUTE_NO_GATEWAY) {
        struct axn_route_rule *dflt = &out[n++];
        *dflt = connected;
        dflt->prefix = 0;
        dflt->prefix_len = 0;
        dflt->has_via = true;
        dflt->via = p->gateway;
    }
    return n;
}
