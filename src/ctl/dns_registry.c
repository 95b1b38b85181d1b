/* The DNS server registry (spec CTL-16..18, CTL-31); see ctl.h. */
#include "ctl/ctl.h"

#include "axnet/errno.h"
#include "lib/log.h"

/* "No DNS server" is never a valid entry. */
#define DNS_UNSPECIFIED ((axn_ip4_t)0)

static bool entry_matches(const struct axn_dns_entry *e, uint32_t ifindex,
                          enum axn_dns_source source)
{
    return e->ifindex == ifindex && e->source == source;
}

static size_t count_matching(const struct axn_ctl *c, uint32_t ifindex, enum axn_dns_source source)
{
    size_t n = 0;
    for (size_t i = 0; i < c->n_dns; i++)
        n += entry_matches(&c->dns[i], ifindex, source);
    return n;
}

bool axn_ctl_dns_fits_locked(const struct axn_ctl *c, uint32_t ifindex, enum axn_dns_source source,
                             size_t n)
{
    const size_t kept = c->n_dns - count_matching(c, ifindex, source);
    return n <= AXN_MAX_DNS_ENTRIES - kept;
}

/* Stable in-place filter: survivors keep their insertion order. */
static size_t remove_where(struct axn_ctl *c, uint32_t ifindex, bool any_source,
                           enum axn_dns_source source)
{
    size_t kept = 0;
    for (size_t i = 0; i < c->n_dns; i++) {
        const struct axn_dns_entry *e = &c->dns[i];
        const bool drop = e->ifindex == ifindex && (any_source || e->source == source);
        if (!drop)
            c->dns[kept++] = *e;
    }
    const size_t removed = c->n_dns - kept;
    c->n_dns = kept;
    return removed;
}

int axn_ctl_dns_replace_locked(struct axn_ctl *c, uint32_t ifindex, enum axn_dns_source source,
                               uint32_t metric, const axn_ip4_t *servers, size_t n)
{
    if (!axn_ctl_dns_fits_locked(c, ifindex, source, n))
        return -AXN_ENOSPC;
    remove_where(c, ifindex, false, source);
    for (size_t i = 0; i < n; i++) {
        const struct axn_dns_entry e = {
            .server = servers[i],
            .ifindex = ifindex,
            .metric = metric,
            .source = source,
        };
        c->dns[c->n_dns++] = e;
    }
    return 0;
}

size_t axn_ctl_dns_clear_interface_locked(struct axn_ctl *c, uint32_t ifindex)
{
    return remove_where(c, ifindex, true, AXN_DNS_SRC_DHCP);
}

int axn_ctl_dns_replace(struct axn_ctl *c, uint32_t ifindex, enum axn_dns_source source,
                        uint32_t metric, const axn_ip4_t *servers, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (servers[i] == DNS_UNSPECIFIED) {
            AXN_ERROR(c->plat, "ctl: DNS server 0.0.0.0 for ifindex %u refused", (unsigned)ifindex);
            return -AXN_EINVAL;
        }
    }
    const unsigned long irq = axn_ctl_lock(c);
    const int rc = axn_ctl_dns_replace_locked(c, ifindex, source, metric, servers, n);
    axn_ctl_unlock(c, irq);
    if (rc < 0)
        AXN_ERROR(c->plat, "ctl: %zu DNS servers for ifindex %u do not fit (%d entries max)", n,
                  (unsigned)ifindex, AXN_MAX_DNS_ENTRIES);
    return rc;
}

size_t axn_ctl_dns_clear_interface(struct axn_ctl *c, uint32_t ifindex)
{
    const unsigned long irq = axn_ctl_lock(c);
    const size_t n = axn_ctl_dns_clear_interface_locked(c, ifindex);
    axn_ctl_unlock(c, irq);
    return n;
}

/* CTL-17 sort key: metric, then interface id, then address (comparing host
 * order integers is comparing the network-order bytes). */
static bool dns_before(const struct axn_dns_entry *a, const struct axn_dns_entry *b)
{
    if (a->metric != b->metric)
        return a->metric < b->metric;
    if (a->ifindex != b->ifindex)
        return a->ifindex < b->ifindex;
    return a->server < b->server;
}

/* Insertion sort: stable and at most AXN_MAX_DNS_ENTRIES elements. */
static void sort_entries(struct axn_dns_entry *e, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        const struct axn_dns_entry key = e[i];
        size_t j = i;
        while (j > 0 && dns_before(&key, &e[j - 1])) {
            e[j] = e[j - 1];
            j--;
        }
        e[j] = key;
    }
}

static bool seen_before(const struct axn_dns_entry *e, size_t upto, axn_ip4_t server)
{
    for (size_t i = 0; i < upto; i++) {
        if (e[i].server == server)
            return true;
    }
    return false;
}

size_t axn_ctl_dns_order(struct axn_dns_entry *entries, size_t n, axn_ip4_t *out, size_t max)
{
    sort_entries(entries, n);
    size_t distinct = 0;
    for (size_t i = 0; i < n; i++) {
        if (seen_before(entries, i, entries[i].server))
            continue; /* CTL-17: the first occurrence wins */
        if (distinct < max)
            out[distinct] = entries[i].server;
        distinct++;
    }
    return distinct;
}
