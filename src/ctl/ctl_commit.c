/*
 * The one way an interface's IPv4 state changes (spec CTL-19..22): the
 * registry's address and gateway, the interface's DNS servers and its
 * routes move together under one lock, or nothing moves.
 */
#include "ctl/ctl.h"

#include "axnet/errno.h"
#include "lib/log.h"
#include "route/prefix.h"

#define IP4_UNSPECIFIED ((axn_ip4_t)0)

/* Checks that need no registry: done before the lock so they can log. */
static int validate(const struct axn_ctl *c, const struct axn_ctl_commit *req)
{
    if (req->has_addr && req->prefix_len > AXN_IP4_PREFIX_MAX) {
        AXN_ERROR(c->plat, "ctl: ifindex %u: prefix /%u is longer than 32", (unsigned)req->ifindex,
                  (unsigned)req->prefix_len);
        return -AXN_EINVAL;
    }
    if (req->has_addr && req->addr == IP4_UNSPECIFIED) {
        AXN_ERROR(c->plat, "ctl: ifindex %u: address 0.0.0.0 refused", (unsigned)req->ifindex);
        return -AXN_EINVAL;
    }
    if (!req->has_addr && req->gateway != IP4_UNSPECIFIED) {
        AXN_ERROR(c->plat, "ctl: ifindex %u: a gateway needs an address", (unsigned)req->ifindex);
        return -AXN_EINVAL;
    }
    for (size_t i = 0; i < req->n_dns; i++) {
        if (req->dns[i] == IP4_UNSPECIFIED) {
            AXN_ERROR(c->plat, "ctl: ifindex %u: DNS server 0.0.0.0 refused",
                      (unsigned)req->ifindex);
            return -AXN_EINVAL;
        }
    }
    return 0;
}

/* Room for the new DNS list, counting what dns_clear_all would free. */
static bool dns_fits_locked(struct axn_ctl *c, const struct axn_ctl_commit *req)
{
    if (!req->dns_clear_all)
        return axn_ctl_dns_fits_locked(c, req->ifindex, req->dns_source, req->n_dns);
    size_t others = 0;
    for (size_t i = 0; i < c->n_dns; i++)
        others += c->dns[i].ifindex != req->ifindex;
    return req->n_dns <= AXN_MAX_DNS_ENTRIES - others;
}

static void set_registry(struct axn_iface_info *it, const struct axn_ctl_commit *req)
{
    it->has_ipv4 = req->has_addr;
    it->addr = req->has_addr ? req->addr : IP4_UNSPECIFIED;
    it->prefix_len = req->has_addr ? req->prefix_len : 0;
    it->gateway = req->has_addr ? req->gateway : IP4_UNSPECIFIED;
    if (req->mtu != 0)
        it->mtu = req->mtu; /* DHCP option 26 and its undoing */
}

/*
 * Every check that can fail comes before the first change, so the three
 * changes below cannot fail half-way: the route replacement is the last
 * fallible step and is itself all or nothing (RT-14).
 */
static int commit_locked(struct axn_ctl *c, const struct axn_ctl_commit *req)
{
    struct axn_iface_info *it = axn_ctl_find_locked(c, req->ifindex);
    if (it == NULL)
        return -AXN_ENODEV;
    const struct axn_route_iface_params params = {
        .ifindex = req->ifindex,
        .metric = it->metric,
        .has_addr = req->has_addr,
        .addr = req->addr,
        .prefix_len = req->prefix_len,
        .gateway = req->gateway,
    };
    struct axn_route_rule rules[AXN_ROUTE_IFACE_RULES_MAX];
    const int n_rules = axn_route_interface_rules(&params, rules);
    if (n_rules < 0)
        return n_rules;
    if (!dns_fits_locked(c, req))
        return -AXN_ENOSPC;
    const int rc =
        axn_route_replace_for_interface(&c->routes, req->ifindex, rules, (size_t)n_rules);
    if (rc < 0)
        return rc;
    if (req->dns_clear_all)
        axn_ctl_dns_clear_interface_locked(c, req->ifindex);
    /* Cannot fail: room was checked above (CTL-18). */
    axn_ctl_dns_replace_locked(c, req->ifindex, req->dns_source, it->metric, req->dns, req->n_dns);
    set_registry(it, req);
    return 0;
}

static void log_failure(const struct axn_ctl *c, const struct axn_ctl_commit *req, int rc)
{
    if (rc == -AXN_ENODEV)
        AXN_ERROR(c->plat, "ctl: commit: no interface with ifindex %u", (unsigned)req->ifindex);
    else if (rc == -AXN_ENOSPC)
        AXN_ERROR(c->plat,
                  "ctl: commit for ifindex %u: routes or DNS servers do not fit; "
                  "nothing changed",
                  (unsigned)req->ifindex);
    else
        AXN_ERROR(c->plat, "ctl: commit for ifindex %u failed: %d", (unsigned)req->ifindex, rc);
}

int axn_ctl_commit(struct axn_ctl *c, const struct axn_ctl_commit *req)
{
    int rc = validate(c, req);
    if (rc < 0)
        return rc;
    const unsigned long irq = axn_ctl_lock(c);
    rc = commit_locked(c, req);
    axn_ctl_unlock(c, irq);
    if (rc < 0)
        log_failure(c, req, rc);
    return rc;
}

/* ---- Runtime address changes (CTL-21/22) ------------------------------------ */

/* Checks whose outcome depends on the registry, made under the same lock as
 * the commit so nothing can slip in between. */
static int assign_checks_locked(struct axn_ctl *c, uint32_t ifindex)
{
    const struct axn_iface_info *it = axn_ctl_find_locked(c, ifindex);
    if (it == NULL)
        return -AXN_ENODEV;
    if (it->kind == AXN_IFACE_LOOPBACK)
        return -AXN_EOPNOTSUPP;
    if (it->has_ipv4)
        return -AXN_EEXIST; /* CTL-21: no secondary address, no silent replace */
    return 0;
}

static int unassign_checks_locked(struct axn_ctl *c, uint32_t ifindex, axn_ip4_t addr,
                                  uint8_t prefix_len)
{
    const struct axn_iface_info *it = axn_ctl_find_locked(c, ifindex);
    if (it == NULL)
        return -AXN_ENODEV;
    /* Better than ax-net (CTL-22 hazard): lo keeps 127.0.0.1/8. */
    if (it->kind == AXN_IFACE_LOOPBACK)
        return -AXN_EOPNOTSUPP;
    if (!it->has_ipv4 || it->addr != addr || it->prefix_len != prefix_len)
        return -AXN_ENOENT;
    return 0;
}

/* CTL-21/22: a runtime address change stops the interface's DHCP client. */
static void stop_dhcp_locked(struct axn_ctl *c, uint32_t ifindex)
{
    const struct axn_iface_info *it = axn_ctl_find_locked(c, ifindex);
    if (it != NULL && c->dhcp[it - c->ifaces]) {
        c->dhcp[it - c->ifaces] = false;
        /* A lease's MTU (option 26) goes with the lease. */
        c->ifaces[it - c->ifaces].mtu = c->base_mtu[it - c->ifaces];
        axn_ctl_svc_changed_locked(c);
    }
}

/* The commit of a runtime change: no gateway, the DHCP servers learnt for
 * the interface go with the address they came with (CTL-21/22). */
static struct axn_ctl_commit runtime_commit(uint32_t ifindex, bool has_addr, axn_ip4_t addr,
                                            uint8_t prefix_len)
{
    const struct axn_ctl_commit req = {
        .ifindex = ifindex,
        .has_addr = has_addr,
        .addr = addr,
        .prefix_len = prefix_len,
        .dns_source = AXN_DNS_SRC_DHCP,
    };
    return req;
}

int axn_ctl_assign_ipv4(struct axn_ctl *c, uint32_t ifindex, axn_ip4_t addr, uint8_t prefix_len)
{
    const struct axn_ctl_commit req = runtime_commit(ifindex, true, addr, prefix_len);
    int rc = validate(c, &req);
    if (rc < 0)
        return rc;
    const unsigned long irq = axn_ctl_lock(c);
    rc = assign_checks_locked(c, ifindex);
    if (rc == 0)
        rc = commit_locked(c, &req);
    if (rc == 0)
        stop_dhcp_locked(c, ifindex);
    axn_ctl_unlock(c, irq);
    if (rc < 0)
        AXN_WARN(c->plat, "ctl: cannot add an address to ifindex %u: %d", (unsigned)ifindex, rc);
    return rc;
}

int axn_ctl_unassign_ipv4(struct axn_ctl *c, uint32_t ifindex, axn_ip4_t addr, uint8_t prefix_len)
{
    if (prefix_len > AXN_IP4_PREFIX_MAX) {
        AXN_WARN(c->plat, "ctl: ifindex %u: prefix /%u is longer than 32", (unsigned)ifindex,
                 (unsigned)prefix_len);
        return -AXN_EINVAL;
    }
    const struct axn_ctl_commit req = runtime_commit(ifindex, false, 0, 0);
    const unsigned long irq = axn_ctl_lock(c);
    int rc = unassign_checks_locked(c, ifindex, addr, prefix_len);
    if (rc == 0)
        rc = commit_locked(c, &req);
    if (rc == 0)
        stop_dhcp_locked(c, ifindex);
    axn_ctl_unlock(c, irq);
    if (rc < 0)
        AXN_WARN(c->plat, "ctl: cannot remove an address from ifindex %u: %d", (unsigned)ifindex,
                 rc);
    return rc;
}
