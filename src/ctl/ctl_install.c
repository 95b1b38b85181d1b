/*
 * Installing planned interfaces into the control plane in one step (spec
 * CTL-8 steps 4-7, CTL-24): registry entries, static addresses and their
 * routes, static and fallback DNS servers. Everything is checked before the
 * first change, so init and run-time registration either happen whole or
 * leave the control plane as it was.
 */
#include "ctl/ctl.h"

#include "axnet/errno.h"
#include "lib/log.h"
#include "lib/mem.h"

/* CTL-8 step 7: fallback servers belong to lo and sort after everything. */
#define FALLBACK_METRIC UINT32_MAX

#define IP4_UNSPECIFIED ((axn_ip4_t)0)

/* CTL-8 step 5: an Ethernet interface starts UP|RUNNING|BROADCAST|MULTICAST. */
#define ETH_IFF (AXN_IFF_UP | AXN_IFF_RUNNING | AXN_IFF_BROADCAST | AXN_IFF_MULTICAST)

static struct axn_route_iface_params route_params(const struct axn_iface_plan *p)
{
    const struct axn_route_iface_params params = {
        .ifindex = p->ifindex,
        .metric = p->metric,
        .has_addr = p->mode == AXN_IPV4_STATIC,
        .addr = p->addr,
        .prefix_len = p->prefix_len,
        .gateway = p->gateway,
    };
    return params;
}

static struct axn_iface_info plan_info(const struct axn_iface_plan *p)
{
    struct axn_iface_info info;
    memset(&info, 0, sizeof(info));
    info.ifindex = p->ifindex;
    memcpy(info.name, p->name, sizeof(info.name));
    info.kind = AXN_IFACE_ETHERNET;
    info.has_mac = true;
    info.mac = p->mac;
    if (p->mode == AXN_IPV4_STATIC) {
        info.has_ipv4 = true;
        info.addr = p->addr;
        info.prefix_len = p->prefix_len;
        info.gateway = p->gateway;
    }
    info.mtu = p->mtu;
    info.flags = ETH_IFF;
    info.metric = p->metric;
    return info;
}

static bool names_unique(const struct axn_iface_plan *plans, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t j = i + 1; j < n; j++) {
            if (memcmp(plans[i].name, plans[j].name, sizeof(plans[i].name)) == 0)
                return false;
        }
    }
    return true;
}

static bool dns_specified(const struct axn_iface_plan *p)
{
    for (size_t i = 0; i < p->n_dns; i++) {
        if (p->dns[i] == IP4_UNSPECIFIED)
            return false;
    }
    return true;
}

/* What the plans need: rules and DNS entries. Also checks each plan. */
static int count_needs(const struct axn_ctl *c, const struct axn_iface_plan *plans, size_t n,
                       size_t *rules, size_t *dns)
{
    *rules = 0;
    *dns = 0;
    for (size_t i = 0; i < n; i++) {
        const struct axn_iface_plan *p = &plans[i];
        struct axn_route_rule tmp[AXN_ROUTE_IFACE_RULES_MAX];
        const struct axn_route_iface_params params = route_params(p);
        const int k = axn_route_interface_rules(&params, tmp);
        const bool bad_addr = p->mode == AXN_IPV4_STATIC && p->addr == IP4_UNSPECIFIED;
        if (k < 0 || bad_addr || !axn_ctl_name_is_valid(p->name) || p->n_dns > AXN_IFACE_MAX_DNS ||
            !dns_specified(p)) {
            AXN_ERROR(c->plat, "ctl: install: plan %zu (ifindex %u) is invalid", i,
                      (unsigned)p->ifindex);
            return -AXN_EINVAL;
        }
        *rules += (size_t)k;
        *dns += p->n_dns;
    }
    if (!names_unique(plans, n)) {
        AXN_ERROR(c->plat, "ctl: install: two plans share a name");
        return -AXN_EINVAL;
    }
    return 0;
}

static size_t count_fallback_locked(const struct axn_ctl *c)
{
    size_t n = 0;
    for (size_t i = 0; i < c->n_dns; i++)
        n += c->dns[i].source == AXN_DNS_SRC_FALLBACK;
    return n;
}

/* Ids strictly increasing and above every id ever given; names free. */
static int check_ids_and_names_locked(struct axn_ctl *c, const struct axn_iface_plan *plans,
                                      size_t n)
{
    uint32_t last = c->max_ifindex;
    for (size_t i = 0; i < n; i++) {
        if (plans[i].ifindex <= last || plans[i].ifindex > AXN_CTL_IFINDEX_MAX)
            return -AXN_EEXIST;
        if (axn_ctl_find_name_locked(c, plans[i].name) != NULL)
            return -AXN_EEXIST;
        last = plans[i].ifindex;
    }
    return 0;
}

static int check_room_locked(struct axn_ctl *c, size_t n, size_t rules, size_t dns,
                             bool replace_fallback)
{
    if (n > AXN_MAX_DEVICES - c->n_ifaces)
        return -AXN_ENOSPC;
    if (rules > (size_t)(c->routes.capacity - c->routes.count))
        return -AXN_ENOSPC;
    const size_t freed = replace_fallback ? count_fallback_locked(c) : 0;
    if (dns > AXN_MAX_DNS_ENTRIES - (c->n_dns - freed))
        return -AXN_ENOSPC;
    return 0;
}

/* Cannot fail: every check ran before. */
static void apply_plan_locked(struct axn_ctl *c, const struct axn_iface_plan *p)
{
    const struct axn_iface_info info = plan_info(p);
    uint32_t id;
    axn_ctl_iface_add_locked(c, &info, p->mode == AXN_IPV4_DHCP, &id);
    struct axn_route_rule rules[AXN_ROUTE_IFACE_RULES_MAX];
    const struct axn_route_iface_params params = route_params(p);
    const int k = axn_route_interface_rules(&params, rules);
    for (int i = 0; i < k; i++)
        axn_route_add(&c->routes, &rules[i]);
    /* CTL-8: static DNS is recorded even for a DHCP interface. */
    axn_ctl_dns_replace_locked(c, p->ifindex, AXN_DNS_SRC_STATIC, p->metric, p->dns, p->n_dns);
}

static int install_locked(struct axn_ctl *c, const struct axn_iface_plan *plans, size_t n,
                          const axn_ip4_t *fallback_dns, size_t n_fallback, size_t rules,
                          size_t dns)
{
    int rc = check_ids_and_names_locked(c, plans, n);
    if (rc == 0)
        rc = check_room_locked(c, n, rules, dns + n_fallback, fallback_dns != NULL);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n; i++)
        apply_plan_locked(c, &plans[i]);
    if (fallback_dns != NULL)
        axn_ctl_dns_replace_locked(c, AXN_IFINDEX_LOOPBACK, AXN_DNS_SRC_FALLBACK, FALLBACK_METRIC,
                                   fallback_dns, n_fallback);
    return 0;
}

static int check_fallback(const struct axn_ctl *c, const axn_ip4_t *fallback_dns, size_t n)
{
    if (fallback_dns == NULL)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (fallback_dns[i] == IP4_UNSPECIFIED) {
            AXN_ERROR(c->plat, "ctl: install: fallback DNS server 0.0.0.0");
            return -AXN_EINVAL;
        }
    }
    return 0;
}

int axn_ctl_install(struct axn_ctl *c, const struct axn_iface_plan *plans, size_t n,
                    const axn_ip4_t *fallback_dns, size_t n_fallback)
{
    size_t rules;
    size_t dns;
    int rc = count_needs(c, plans, n, &rules, &dns);
    if (rc == 0)
        rc = check_fallback(c, fallback_dns, n_fallback);
    if (rc < 0)
        return rc;
    const unsigned long irq = axn_ctl_lock(c);
    rc = install_locked(c, plans, n, fallback_dns, n_fallback, rules, dns);
    axn_ctl_unlock(c, irq);
    if (rc == -AXN_EEXIST)
        AXN_ERROR(c->plat, "ctl: install: an interface name or id is already taken");
    else if (rc < 0)
        AXN_ERROR(c->plat, "ctl: install: interfaces, routes or DNS servers do not fit");
    return rc;
}
