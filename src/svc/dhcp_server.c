/*
 * DHCP server (RFC 2131 4.3) of one interface: creation with its
 * configuration checks, the timers, and what the control plane reads.
 * Messages are handled in dhcp_server_msg.c, leases in dhcp_server_pool.c.
 *
 * Configuration rules (checked by axn_dhcps_create against the interface
 * as it is then):
 * - the interface has an IPv4 address (-AXN_EADDRNOTAVAIL);
 * - the netmask (0: the interface's prefix) is contiguous and leaves at
 *   least two host bits, and the subnet it makes around the interface
 *   address lies inside the interface's own prefix;
 * - pool_first <= pool_last, both inside that subnet, neither its network
 *   nor its broadcast address;
 * - the pool must not hold the interface's own address: -AXN_EINVAL. (If
 *   the address later changes into the pool, the allocator skips it.)
 * - n_dns <= AXN_DHCP_MAX_DNS, a domain shorter than AXN_DHCP_DOMAIN_MAX.
 * The server keeps no global state: several run side by side.
 */
#include "axnet/errno.h"
#include "axnet/netctl.h"
#include "core/stack_impl.h"
#include "lib/mem.h"
#include "route/prefix.h"
#include "svc/dhcp_server.h"

/* A table larger than this is a configuration mistake: a DISCOVER's scan
 * is quadratic in the table (dhcp_server_pool.c), about 10^6 compares here. */
#define DHCPS_TABLE_LIMIT 1024u
/* RFC 950: a subnet needs a network and a broadcast address besides hosts. */
#define DHCPS_MIN_HOST_BITS 2u

static bool mask_ok(axn_ip4_t mask)
{
    const axn_ip4_t host = ~mask;
    /* Contiguous: the host part is 2^n - 1. */
    return (host & (host + 1u)) == 0 && host >= (1u << DHCPS_MIN_HOST_BITS) - 1u;
}

static axn_ip4_t mask_of(axn_ip4_t configured, const struct axn_iface_info *info)
{
    return configured != 0 ? configured : axn_ip4_prefix_mask(info->prefix_len);
}

/* The pool rules of the file comment for the interface as `info` says. */
static int check_pool(axn_ip4_t first, axn_ip4_t last, axn_ip4_t mask,
                      const struct axn_iface_info *info)
{
    const axn_ip4_t ifmask = axn_ip4_prefix_mask(info->prefix_len);
    if (!mask_ok(mask) || (mask & ifmask) != ifmask)
        return -AXN_EINVAL;
    const axn_ip4_t net = info->addr & mask;
    const axn_ip4_t bcast = net | ~mask;
    if (first > last || (first & mask) != net || (last & mask) != net)
        return -AXN_EINVAL;
    if (first == net || last == bcast)
        return -AXN_EINVAL;
    return 0;
}

bool axn_dhcps_iface(const struct axn_dhcps *s, struct dhcps_iface *out)
{
    struct axn_iface_info info;
    if (axn_ctl_interface_by_index(s->svc->st, s->ifindex, &info) < 0 || !info.has_ipv4)
        return false;
    const axn_ip4_t mask = mask_of(s->netmask, &info);
    if (check_pool(s->pool_first, s->pool_last, mask, &info) < 0)
        return false;
    out->server = info.addr;
    out->mask = mask;
    out->net = info.addr & mask;
    return true;
}

/* Length of the domain, or -1 when it is not terminated in its array. */
static int domain_len(const char *d)
{
    for (int n = 0; n < AXN_DHCP_DOMAIN_MAX; n++)
        if (d[n] == '\0')
            return n;
    return -1;
}

static int check_config(struct axn_svc *svc, const struct axn_dhcp_server_config *cfg)
{
    struct axn_iface_info info;
    if (axn_ctl_interface_by_index(svc->st, cfg->ifindex, &info) < 0)
        return -AXN_ENODEV;
    if (!info.has_ipv4)
        return -AXN_EADDRNOTAVAIL;
    if (cfg->n_dns > AXN_DHCP_MAX_DNS || domain_len(cfg->domain) < 0 ||
        cfg->max_leases > DHCPS_TABLE_LIMIT)
        return -AXN_EINVAL;
    const int rc = check_pool(cfg->pool_first, cfg->pool_last, mask_of(cfg->netmask, &info), &info);
    if (rc < 0)
        return rc;
    if (info.addr >= cfg->pool_first && info.addr <= cfg->pool_last)
        return -AXN_EINVAL;
    return 0;
}

static size_t server_size(size_t n)
{
    return sizeof(struct axn_dhcps) + n * sizeof(struct dhcps_entry);
}

static void take_config(struct axn_dhcps *s, const struct axn_dhcp_server_config *cfg)
{
    s->ifindex = cfg->ifindex;
    s->pool_first = cfg->pool_first;
    s->pool_last = cfg->pool_last;
    s->netmask = cfg->netmask;
    s->router = cfg->router;
    s->n_dns = cfg->n_dns;
    memcpy(s->dns, cfg->dns, sizeof(s->dns));
    s->domain_len = (uint8_t)domain_len(cfg->domain);
    memcpy(s->domain, cfg->domain, s->domain_len);
    s->lease_secs = cfg->lease_secs != 0 ? cfg->lease_secs : AXN_DHCPS_LEASE_SECS;
}

int axn_dhcps_create(struct axn_svc *svc, const struct axn_dhcp_server_config *cfg, axn_time_t now,
                     struct axn_dhcps **out)
{
    (void)now;
    const int rc = check_config(svc, cfg);
    if (rc < 0)
        return rc;
    const size_t n = cfg->max_leases != 0 ? cfg->max_leases : AXN_DHCPS_MAX_LEASES;
    const struct axn_platform *plat = svc->plat;
    struct axn_dhcps *s = plat->alloc(plat->ctx, server_size(n), _Alignof(struct axn_dhcps));
    if (s == NULL)
        return -AXN_ENOMEM;
    memset(s, 0, server_size(n));
    s->svc = svc;
    s->n_entries = n;
    take_config(s, cfg);
    *out = s;
    return 0;
}

void axn_dhcps_destroy(struct axn_dhcps *s)
{
    s->svc->plat->free(s->svc->plat->ctx, s, server_size(s->n_entries));
}

void axn_dhcps_count_malformed(struct axn_dhcps *s)
{
    s->stats.rx_ignored++;
}

axn_time_t axn_dhcps_poll(struct axn_dhcps *s, axn_time_t now)
{
    return axn_dhcps_expire(s, now);
}

uint32_t axn_dhcps_ifindex(const struct axn_dhcps *s)
{
    return s->ifindex;
}

void axn_dhcps_stats(const struct axn_dhcps *s, struct axn_dhcp_server_stats *out)
{
    *out = s->stats;
}

static void lease_copy(const struct dhcps_entry *e, struct axn_dhcp_server_lease *out)
{
    memset(out, 0, sizeof(*out));
    out->addr = e->addr;
    out->mac = e->key.mac;
    if (e->key.has_cid) {
        out->client_id_len = e->key.cid_len;
        memcpy(out->client_id, e->key.cid, e->key.cid_len);
    }
    out->offered_only = e->state == DHCPS_OFFERED;
    out->declined = e->state == DHCPS_DECLINED;
    out->expires = e->expires;
}

size_t axn_dhcps_leases(const struct axn_dhcps *s, struct axn_dhcp_server_lease *out, size_t max,
                        axn_time_t now)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n_entries; i++) {
        const struct dhcps_entry *e = &s->entries[i];
        /* What ran out is no lease, even before the next poll ends it. */
        if (!axn_dhcps_live(e) || e->expires <= now)
            continue;
        if (n < max)
            lease_copy(e, &out[n]);
        n++;
    }
    return n;
}
