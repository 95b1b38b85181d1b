/*
 * The DHCP client's lease in the control plane (svc/dhcp_client.h): one
 * transactional commit of address, prefix route, default route, DHCP DNS
 * servers and MTU (spec CTL-19, DHCP-9/10), then the address pushed into
 * the device; the lease's timers (RFC 2131 4.4.5); the log lines.
 */
#include "core/stack_impl.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "svc/dhcp_client.h"

/* RFC 2132 5.1 / RFC 791: no interface MTU below 68 octets. */
#define DHCPC_MTU_MIN 68u
/* RFC 2131 4.4.5 defaults: T1 = 0.5 x lease, T2 = 0.875 x lease (7/8). */
#define T2_NUM 7u
#define T2_DEN 8u

/* RFC 2131 4.4.5: T1 and T2 default to 0.5 and 0.875 of the lease; a
 * server's values that break 0 < T1 < T2 < lease are replaced. */
void axn_dhcpc_lease_times(struct dhcpc_lease *l, axn_time_t start)
{
    l->obtained = start;
    if (l->lease_secs == DHCPC_LEASE_INFINITE) {
        l->t1 = l->t2 = l->expires = AXN_TIME_NEVER; /* never renewed (3.3) */
        return;
    }
    const axn_time_t lease = AXN_SEC(l->lease_secs);
    axn_time_t t2 = AXN_SEC(l->t2_secs);
    if (t2 == 0 || t2 >= lease)
        t2 = lease * T2_NUM / T2_DEN;
    axn_time_t t1 = AXN_SEC(l->t1_secs);
    if (t1 == 0 || t1 >= t2)
        t1 = lease / 2;
    if (t1 >= t2)
        t1 = t2 / 2;
    l->t1 = start + t1;
    l->t2 = start + t2;
    l->expires = start + lease;
}

/* Option 26 applied within [68, the device's own MTU]: a server may make
 * packets smaller, never larger than the link carries. */
uint32_t axn_dhcpc_lease_mtu(const struct axn_dhcpc *c, const struct dhcpc_lease *l)
{
    if (l->mtu == 0 || c->base_mtu == 0)
        return c->base_mtu;
    if (l->mtu < DHCPC_MTU_MIN)
        return DHCPC_MTU_MIN;
    return l->mtu > c->base_mtu ? c->base_mtu : l->mtu;
}

static void log_bound(const struct axn_dhcpc *c, const struct dhcpc_lease *l)
{
    if (!AXN_LOG_ENABLED(c->plat, AXN_LOG_INFO))
        return;
    char a[AXN_IP4_STR_LEN], g[AXN_IP4_STR_LEN];
    axn_fmt_ip4(a, sizeof(a), l->addr);
    axn_fmt_ip4(g, sizeof(g), l->router);
    axn_log(c->plat, AXN_LOG_INFO, "%s: DHCP bound %s/%u gw %s lease %u s dns %u mtu %u", c->name,
            a, (unsigned)l->prefix_len, l->router != 0 ? g : "none", (unsigned)l->lease_secs,
            (unsigned)l->n_dns, (unsigned)axn_dhcpc_lease_mtu(c, l));
}

int axn_dhcpc_commit(struct axn_dhcpc *c, const struct dhcpc_lease *l, axn_time_t now)
{
    const struct axn_ctl_commit req = {
        .ifindex = c->ifindex,
        .has_addr = true,
        .addr = l->addr,
        .prefix_len = l->prefix_len,
        .gateway = l->router,
        .dns_source = AXN_DNS_SRC_DHCP,
        .dns = l->dns,
        .n_dns = l->n_dns,
        .mtu = axn_dhcpc_lease_mtu(c, l),
    };
    struct axn_stack *st = c->svc->st;
    const int rc = axn_ctl_commit(&st->ctl, &req);
    if (rc < 0)
        return rc; /* nothing changed (CTL-19); ctl logged why */
    axn_stack_sync_device_ipv4(st, c->ifindex, now);
    c->lease = *l;
    c->has_lease = true;
    log_bound(c, l);
    return 0;
}

void axn_dhcpc_uncommit(struct axn_dhcpc *c, axn_time_t now)
{
    if (!c->has_lease)
        return;
    const struct axn_ctl_commit req = {
        .ifindex = c->ifindex,
        .has_addr = false,
        .dns_source = AXN_DNS_SRC_DHCP,
        .mtu = c->base_mtu,
    };
    struct axn_stack *st = c->svc->st;
    if (axn_ctl_commit(&st->ctl, &req) == 0)
        axn_stack_sync_device_ipv4(st, c->ifindex, now);
    c->has_lease = false;
    c->announce_at = AXN_TIME_NEVER;
}

bool axn_dhcpc_lease_differs(const struct dhcpc_lease *a, const struct dhcpc_lease *b)
{
    if (a->addr != b->addr || a->prefix_len != b->prefix_len || a->router != b->router ||
        a->mtu != b->mtu || a->n_dns != b->n_dns)
        return true;
    return memcmp(a->dns, b->dns, sizeof(a->dns[0]) * a->n_dns) != 0;
}

void axn_dhcpc_log(const struct axn_dhcpc *c, const char *what, axn_ip4_t addr)
{
    if (!AXN_LOG_ENABLED(c->plat, AXN_LOG_INFO))
        return;
    char a[AXN_IP4_STR_LEN];
    axn_fmt_ip4(a, sizeof(a), addr);
    axn_log(c->plat, AXN_LOG_INFO, "%s: DHCP %s %s", c->name, what, a);
}
