/*
 * The public DHCP calls (include/axnet/dhcp.h): each takes the core lock,
 * finds the client or server of the interface and asks it.
 */
#include "axnet/errno.h"
#include "axnet/netctl.h"
#include "core/stack_impl.h"
#include "lib/mem.h"
#include "svc/svc.h"

static void lock(struct axn_stack *st)
{
    st->plat->mutex_lock(st->core_lock);
}

static void unlock(struct axn_stack *st)
{
    st->plat->mutex_unlock(st->core_lock);
}

/* ---- Client -------------------------------------------------------------------------- */

int axn_dhcp_client_info(struct axn_stack *st, uint32_t ifindex, struct axn_dhcp_lease_info *out)
{
    struct axn_iface_info info;
    if (axn_ctl_interface_by_index(st, ifindex, &info) < 0)
        return -AXN_ENODEV;
    lock(st);
    struct axn_dhcpc *c = axn_svc_client(st->svc, ifindex);
    if (c != NULL)
        axn_dhcpc_info(c, out);
    unlock(st);
    return c != NULL ? 0 : -AXN_ENOENT;
}

bool axn_dhcp_configured(struct axn_stack *st)
{
    bool any = false;
    lock(st);
    for (size_t i = 0; i < AXN_MAX_DEVICES && !any; i++)
        any = st->svc->clients[i] != NULL && axn_dhcpc_is_bound(st->svc->clients[i]);
    unlock(st);
    return any;
}

/* Length of `s` if it is shorter than `max`, else `max` (no libc here). */
static size_t bounded_len(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n] != '\0')
        n++;
    return n;
}

int axn_dhcp_set_hostname(struct axn_stack *st, const char *hostname)
{
    const size_t n = hostname != NULL ? bounded_len(hostname, AXN_DHCP_HOSTNAME_MAX) : 0;
    if (n >= AXN_DHCP_HOSTNAME_MAX)
        return -AXN_EINVAL;
    lock(st);
    memcpy(st->svc->hostname, hostname != NULL ? hostname : "", n);
    st->svc->hostname[n] = '\0';
    unlock(st);
    return 0;
}

int axn_dhcp_client_set_previous(struct axn_stack *st, uint32_t ifindex, axn_ip4_t addr)
{
    lock(st);
    /* A client made by init may not exist until the first poll. */
    (void)axn_svc_poll(st->svc, st->plat->now(st->plat->ctx));
    struct axn_dhcpc *c = axn_svc_client(st->svc, ifindex);
    const int rc =
        c != NULL ? axn_dhcpc_set_previous(c, addr, st->plat->now(st->plat->ctx)) : -AXN_ENOENT;
    unlock(st);
    axn_stack_request_poll(st);
    return rc;
}

int axn_dhcp_client_release(struct axn_stack *st, uint32_t ifindex)
{
    lock(st);
    struct axn_svc *svc = st->svc;
    int rc = -AXN_ENOENT;
    for (size_t i = 0; i < AXN_MAX_DEVICES; i++) {
        if (svc->clients[i] == NULL || axn_dhcpc_ifindex(svc->clients[i]) != ifindex)
            continue;
        /* Unwanted first, so the poll does not start it again. */
        (void)axn_ctl_set_wants_dhcp(&st->ctl, ifindex, false);
        axn_dhcpc_destroy(svc->clients[i], true, st->plat->now(st->plat->ctx));
        svc->clients[i] = NULL;
        svc->client_bound[i] = false;
        rc = 0;
    }
    unlock(st);
    axn_stack_request_poll(st);
    return rc;
}

int axn_dhcp_client_start(struct axn_stack *st, uint32_t ifindex)
{
    struct axn_iface_info info;
    if (axn_ctl_interface_by_index(st, ifindex, &info) < 0)
        return -AXN_ENODEV;
    if (info.kind != AXN_IFACE_ETHERNET)
        return -AXN_EOPNOTSUPP;
    lock(st);
    /* The interface starts from nothing: no address, routes or DHCP DNS. */
    const struct axn_ctl_commit none = {.ifindex = ifindex,
                                        .dns_source = AXN_DNS_SRC_DHCP,
                                        .mtu = axn_ctl_base_mtu(&st->ctl, ifindex)};
    int rc = axn_ctl_commit(&st->ctl, &none);
    if (rc == 0) {
        axn_stack_sync_device_ipv4(st, ifindex, st->plat->now(st->plat->ctx));
        rc = axn_ctl_set_wants_dhcp(&st->ctl, ifindex, true);
    }
    unlock(st);
    axn_stack_request_poll(st);
    return rc;
}

int axn_dhcp_wait_bound(struct axn_stack *st, axn_time_t timeout)
{
    const struct axn_platform *plat = st->plat;
    struct axn_ctl_dhcp_want want[AXN_MAX_DEVICES];
    uint32_t gen;
    if (axn_ctl_dhcp_wanted(&st->ctl, want, AXN_MAX_DEVICES, &gen) == 0)
        return -AXN_ENOENT;
    if (timeout == 0)
        timeout = AXN_MSEC((axn_time_t)AXN_DHCP_BOOTSTRAP_ATTEMPTS * AXN_DHCP_BOOTSTRAP_POLL_MS);
    const axn_time_t deadline = plat->now(plat->ctx) + timeout;
    /* DHCP-14: one interface suffices; a dead NIC costs at most timeout. */
    while (!axn_dhcp_configured(st)) {
        const axn_time_t now = plat->now(plat->ctx);
        if (now >= deadline)
            return -AXN_ETIMEDOUT;
        axn_stack_request_poll(st);
        const axn_time_t slice = now + AXN_MSEC(AXN_DHCP_BOOTSTRAP_POLL_MS);
        (void)plat->event_wait(st->svc->bound_event, slice < deadline ? slice : deadline);
    }
    return 0;
}

/* ---- Server --------------------------------------------------------------------------- */

static int server_index(struct axn_svc *svc, uint32_t ifindex)
{
    for (size_t i = 0; i < AXN_DHCPS_MAX_SERVERS; i++)
        if (svc->servers[i] != NULL && axn_dhcps_ifindex(svc->servers[i]) == ifindex)
            return (int)i;
    return -1;
}

static int server_start_locked(struct axn_stack *st, const struct axn_dhcp_server_config *cfg)
{
    struct axn_svc *svc = st->svc;
    int i = server_index(svc, cfg->ifindex);
    struct axn_dhcps *old = i >= 0 ? svc->servers[i] : NULL;
    for (size_t k = 0; i < 0 && k < AXN_DHCPS_MAX_SERVERS; k++)
        if (svc->servers[k] == NULL)
            i = (int)k;
    if (i < 0)
        return -AXN_ENOSPC;
    struct axn_dhcps *s;
    const int rc = axn_dhcps_create(svc, cfg, st->plat->now(st->plat->ctx), &s);
    if (rc < 0)
        return rc; /* the old server, if any, keeps running */
    if (old != NULL)
        axn_dhcps_destroy(old);
    svc->servers[i] = s;
    return 0;
}

int axn_dhcp_server_start(struct axn_stack *st, const struct axn_dhcp_server_config *cfg)
{
    if (cfg == NULL)
        return -AXN_EINVAL;
    struct axn_iface_info info;
    if (axn_ctl_interface_by_index(st, cfg->ifindex, &info) < 0)
        return -AXN_ENODEV;
    lock(st);
    const int rc = server_start_locked(st, cfg);
    unlock(st);
    return rc;
}

int axn_dhcp_server_stop(struct axn_stack *st, uint32_t ifindex)
{
    lock(st);
    const int i = server_index(st->svc, ifindex);
    if (i >= 0) {
        axn_dhcps_destroy(st->svc->servers[i]);
        st->svc->servers[i] = NULL;
    }
    unlock(st);
    return i >= 0 ? 0 : -AXN_ENOENT;
}

int axn_dhcp_server_stats(struct axn_stack *st, uint32_t ifindex, struct axn_dhcp_server_stats *out)
{
    lock(st);
    const int i = server_index(st->svc, ifindex);
    if (i >= 0)
        axn_dhcps_stats(st->svc->servers[i], out);
    unlock(st);
    return i >= 0 ? 0 : -AXN_ENOENT;
}

long axn_dhcp_server_leases(struct axn_stack *st, uint32_t ifindex,
                            struct axn_dhcp_server_lease *out, size_t max)
{
    lock(st);
    const int i = server_index(st->svc, ifindex);
    long n = -AXN_ENOENT;
    if (i >= 0)
        n = (long)axn_dhcps_leases(st->svc->servers[i], out, max, st->plat->now(st->plat->ctx));
    unlock(st);
    return n;
}
