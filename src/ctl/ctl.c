/* Control-plane lifecycle, interface registry and route decisions; see ctl.h. */
#include "ctl/ctl.h"

#include "axnet/errno.h"
#include "dev/loopback.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "route/prefix.h"

/* LO-1: lo and its route carry metric 0, so they win every tie. */
#define LOOPBACK_METRIC 0u

/* RFC 3021: a /31 (and a /32) has no broadcast address. */
#define BROADCAST_MAX_PREFIX 30u

/* ---- Small string helpers (no libc in the core) ------------------------- */

static size_t name_len(const char *name)
{
    size_t n = 0;
    while (n < AXN_IFNAMSIZ && name[n] != '\0')
        n++;
    return n;
}

bool axn_ctl_name_is_valid(const char *name)
{
    if (name == NULL)
        return false;
    const size_t n = name_len(name);
    return n > 0 && n < AXN_IFNAMSIZ;
}

bool axn_ctl_name_equal(const char *a, const char *b)
{
    for (size_t i = 0; i < AXN_IFNAMSIZ; i++) {
        if (a[i] != b[i])
            return false;
        if (a[i] == '\0')
            return true;
    }
    return true;
}

/* ---- Lookups under the lock ---------------------------------------------- */

struct axn_iface_info *axn_ctl_find_locked(struct axn_ctl *c, uint32_t ifindex)
{
    for (size_t i = 0; i < c->n_ifaces; i++) {
        if (c->ifaces[i].ifindex == ifindex)
            return &c->ifaces[i];
    }
    return NULL;
}

struct axn_iface_info *axn_ctl_find_name_locked(struct axn_ctl *c, const char *name)
{
    for (size_t i = 0; i < c->n_ifaces; i++) {
        if (axn_ctl_name_equal(c->ifaces[i].name, name))
            return &c->ifaces[i];
    }
    return NULL;
}

/* ---- Lifecycle -------------------------------------------------------------- */

static void loopback_info(struct axn_iface_info *lo)
{
    memset(lo, 0, sizeof(*lo));
    lo->ifindex = AXN_IFINDEX_LOOPBACK;
    memcpy(lo->name, AXN_LOOPBACK_IFNAME, sizeof(AXN_LOOPBACK_IFNAME));
    lo->kind = AXN_IFACE_LOOPBACK;
    lo->has_ipv4 = true;
    lo->addr = AXN_LOOPBACK_ADDR;
    lo->prefix_len = AXN_LOOPBACK_PREFIX;
    lo->mtu = AXN_LOOPBACK_MTU;
    lo->flags = AXN_IFF_UP | AXN_IFF_RUNNING | AXN_IFF_LOOPBACK;
    lo->metric = LOOPBACK_METRIC;
}

/* LO-1: 127.0.0.0/8 -> lo, source 127.0.0.1, the first rule of the table. */
static int add_loopback_route(struct axn_ctl *c)
{
    const struct axn_route_rule lo_route = {
        .prefix = axn_ip4_prefix_network(AXN_LOOPBACK_ADDR, AXN_LOOPBACK_PREFIX),
        .prefix_len = AXN_LOOPBACK_PREFIX,
        .ifindex = AXN_IFINDEX_LOOPBACK,
        .source = AXN_LOOPBACK_ADDR,
        .metric = LOOPBACK_METRIC,
    };
    return axn_route_add(&c->routes, &lo_route);
}

int axn_ctl_init(struct axn_ctl *c, const struct axn_platform *plat)
{
    memset(c, 0, sizeof(*c));
    if (plat == NULL)
        return -AXN_EINVAL;
    c->plat = plat;
    int rc = plat->spin_create(plat->ctx, &c->lock);
    if (rc < 0) {
        c->lock = NULL;
        return rc;
    }
    rc = axn_route_table_init(&c->routes, plat, AXN_ROUTE_TABLE_MAX);
    if (rc == 0)
        rc = add_loopback_route(c);
    if (rc < 0) {
        AXN_ERROR(plat, "ctl: cannot set up the route table (%d)", rc);
        axn_ctl_destroy(c);
        return rc;
    }
    loopback_info(&c->ifaces[0]);
    c->n_ifaces = 1;
    c->max_ifindex = AXN_IFINDEX_LOOPBACK;
    return 0;
}

void axn_ctl_destroy(struct axn_ctl *c)
{
    axn_route_table_destroy(&c->routes);
    if (c->plat != NULL && c->lock != NULL)
        c->plat->spin_destroy(c->plat->ctx, c->lock);
    memset(c, 0, sizeof(*c));
}

/* ---- Route decisions ---------------------------------------------------------- */

static bool up_locked(struct axn_ctl *c, uint32_t ifindex)
{
    const struct axn_iface_info *it = axn_ctl_find_locked(c, ifindex);
    return it != NULL && (it->flags & AXN_IFF_UP) != 0;
}

struct select_ctx {
    struct axn_ctl *ctl;
    uint32_t bound_ifindex;
};

/* RT-11: bound interface (if any), present in the registry, and UP. */
static bool select_usable(void *arg, uint32_t ifindex)
{
    const struct select_ctx *s = arg;
    if (s->bound_ifindex != 0 && ifindex != s->bound_ifindex)
        return false;
    return up_locked(s->ctl, ifindex);
}

int axn_ctl_route_select(struct axn_ctl *c, axn_ip4_t dst, uint32_t bound_ifindex,
                         struct axn_route_decision *out)
{
    struct select_ctx s = {.ctl = c, .bound_ifindex = bound_ifindex};
    const unsigned long irq = axn_ctl_lock(c);
    const int rc = axn_route_lookup(&c->routes, dst, select_usable, &s, out);
    axn_ctl_unlock(c, irq);
    return rc;
}

/* RT-10 plus the UP check: walks the sorted rules itself, because the
 * table's source lookup has no usability predicate. */
static int for_source_locked(struct axn_ctl *c, axn_ip4_t dst, axn_ip4_t src,
                             struct axn_route_decision *out)
{
    const struct axn_route_table *t = &c->routes;
    for (uint32_t i = 0; i < t->count; i++) {
        const struct axn_route_rule *r = &t->rules[i];
        if (r->source != src || !axn_ip4_prefix_contains(r->prefix, r->prefix_len, dst))
            continue;
        if (!up_locked(c, r->ifindex))
            continue;
        out->ifindex = r->ifindex;
        out->source = r->source;
        out->next_hop = r->has_via ? r->via : dst; /* RT-9 */
        out->metric = r->metric;
        out->prefix_len = r->prefix_len;
        return 0;
    }
    return -AXN_ENETUNREACH;
}

int axn_ctl_route_for_source(struct axn_ctl *c, axn_ip4_t dst, axn_ip4_t src,
                             struct axn_route_decision *out)
{
    const unsigned long irq = axn_ctl_lock(c);
    const int rc = for_source_locked(c, dst, src, out);
    axn_ctl_unlock(c, irq);
    return rc;
}

bool axn_ctl_iface_is_up(struct axn_ctl *c, uint32_t ifindex)
{
    const unsigned long irq = axn_ctl_lock(c);
    const bool up = up_locked(c, ifindex);
    axn_ctl_unlock(c, irq);
    return up;
}

bool axn_ctl_iface_broadcast(struct axn_ctl *c, uint32_t ifindex, axn_ip4_t *bcast)
{
    bool ok = false;
    const unsigned long irq = axn_ctl_lock(c);
    const struct axn_iface_info *it = axn_ctl_find_locked(c, ifindex);
    if (it != NULL && it->has_ipv4 && (it->flags & AXN_IFF_BROADCAST) != 0 &&
        it->prefix_len <= BROADCAST_MAX_PREFIX) {
        *bcast = it->addr | ~axn_ip4_prefix_mask(it->prefix_len);
        ok = true;
    }
    axn_ctl_unlock(c, irq);
    return ok;
}

static const struct axn_iface_info *owner_locked(struct axn_ctl *c, axn_ip4_t addr)
{
    for (size_t i = 0; i < c->n_ifaces; i++) {
        if (c->ifaces[i].has_ipv4 && c->ifaces[i].addr == addr)
            return &c->ifaces[i];
    }
    return NULL;
}

int axn_ctl_local_binding(struct axn_ctl *c, axn_ip4_t addr, uint32_t *ifindex)
{
    *ifindex = 0;
    if (addr == 0)
        return 0; /* the wildcard binds no interface */
    const unsigned long irq = axn_ctl_lock(c);
    const struct axn_iface_info *it = owner_locked(c, addr);
    if (it != NULL)
        *ifindex = it->ifindex;
    axn_ctl_unlock(c, irq);
    return it != NULL ? 0 : -AXN_EADDRNOTAVAIL;
}

/* ---- Registry changes ---------------------------------------------------------- */

static uint32_t next_ifindex_locked(const struct axn_ctl *c)
{
    return c->max_ifindex < AXN_CTL_IFINDEX_MAX ? c->max_ifindex + 1 : 0;
}

uint32_t axn_ctl_next_ifindex(struct axn_ctl *c)
{
    const unsigned long irq = axn_ctl_lock(c);
    const uint32_t next = next_ifindex_locked(c);
    axn_ctl_unlock(c, irq);
    return next;
}

int axn_ctl_iface_add_locked(struct axn_ctl *c, const struct axn_iface_info *info, bool dhcp,
                             uint32_t *id)
{
    if (axn_ctl_find_name_locked(c, info->name) != NULL)
        return -AXN_EEXIST;
    if (c->n_ifaces >= AXN_MAX_DEVICES)
        return -AXN_ENOSPC;
    /* CTL-11: an id is handed out once; a removed device's id stays burnt. */
    if (info->ifindex == 0) {
        *id = next_ifindex_locked(c);
        if (*id == 0)
            return -AXN_ENOSPC;
    } else if (info->ifindex <= c->max_ifindex || info->ifindex > AXN_CTL_IFINDEX_MAX) {
        return -AXN_EEXIST;
    } else {
        *id = info->ifindex;
    }
    c->dhcp[c->n_ifaces] = dhcp;
    c->dhcp_epoch[c->n_ifaces] = 0;
    c->base_mtu[c->n_ifaces] = info->mtu;
    axn_ctl_svc_changed_locked(c);
    struct axn_iface_info *slot = &c->ifaces[c->n_ifaces++];
    *slot = *info;
    slot->ifindex = *id;
    c->max_ifindex = *id;
    return 0;
}

int axn_ctl_iface_add(struct axn_ctl *c, const struct axn_iface_info *info, uint32_t *ifindex)
{
    if (!axn_ctl_name_is_valid(info->name)) {
        AXN_ERROR(c->plat, "ctl: interface name is empty or longer than %d bytes",
                  AXN_IFNAMSIZ - 1);
        return -AXN_EINVAL;
    }
    if (info->kind != AXN_IFACE_LOOPBACK && info->kind != AXN_IFACE_ETHERNET) {
        AXN_ERROR(c->plat, "ctl: %s: unknown interface kind %d", info->name, (int)info->kind);
        return -AXN_EINVAL;
    }
    uint32_t id = 0;
    const unsigned long irq = axn_ctl_lock(c);
    const int rc = axn_ctl_iface_add_locked(c, info, false, &id);
    axn_ctl_unlock(c, irq);
    if (rc < 0) {
        AXN_ERROR(c->plat, "ctl: cannot register %s (ifindex %u): %d", info->name,
                  (unsigned)info->ifindex, rc);
        return rc;
    }
    if (ifindex != NULL)
        *ifindex = id;
    return 0;
}

static int remove_locked(struct axn_ctl *c, uint32_t ifindex)
{
    struct axn_iface_info *it = axn_ctl_find_locked(c, ifindex);
    if (it == NULL)
        return -AXN_ENODEV;
    if (it->kind == AXN_IFACE_LOOPBACK)
        return -AXN_EOPNOTSUPP;
    axn_route_remove_interface(&c->routes, ifindex);
    axn_ctl_dns_clear_interface_locked(c, ifindex);
    /* Keep registration order for the survivors (CTL-13). */
    const size_t pos = (size_t)(it - c->ifaces);
    const size_t after = c->n_ifaces - pos - 1;
    memmove(it, it + 1, after * sizeof(*it));
    memmove(&c->dhcp[pos], &c->dhcp[pos + 1], after * sizeof(c->dhcp[0]));
    memmove(&c->dhcp_epoch[pos], &c->dhcp_epoch[pos + 1], after * sizeof(c->dhcp_epoch[0]));
    memmove(&c->base_mtu[pos], &c->base_mtu[pos + 1], after * sizeof(c->base_mtu[0]));
    c->n_ifaces--;
    axn_ctl_svc_changed_locked(c);
    return 0;
}

int axn_ctl_iface_remove(struct axn_ctl *c, uint32_t ifindex)
{
    const unsigned long irq = axn_ctl_lock(c);
    const int rc = remove_locked(c, ifindex);
    axn_ctl_unlock(c, irq);
    if (rc < 0)
        AXN_ERROR(c->plat, "ctl: cannot remove ifindex %u: %d", (unsigned)ifindex, rc);
    return rc;
}

int axn_ctl_set_link(struct axn_ctl *c, uint32_t ifindex, bool up)
{
    /* Unlike ax-net (CTL-14) flags follow the link, so lookups skip it. */
    const uint32_t link_flags = AXN_IFF_UP | AXN_IFF_RUNNING;
    int rc = 0;
    const unsigned long irq = axn_ctl_lock(c);
    struct axn_iface_info *it = axn_ctl_find_locked(c, ifindex);
    if (it == NULL)
        rc = -AXN_ENODEV;
    else if (up)
        it->flags |= link_flags;
    else
        it->flags &= ~link_flags;
    axn_ctl_unlock(c, irq);
    return rc;
}

int axn_ctl_set_mac(struct axn_ctl *c, uint32_t ifindex, const struct axn_mac *mac)
{
    int rc = 0;
    const unsigned long irq = axn_ctl_lock(c);
    struct axn_iface_info *it = axn_ctl_find_locked(c, ifindex);
    if (it == NULL || !it->has_mac)
        rc = -AXN_ENODEV;
    else
        it->mac = *mac;
    axn_ctl_unlock(c, irq);
    return rc;
}

bool axn_ctl_iface_wants_dhcp(struct axn_ctl *c, uint32_t ifindex)
{
    const unsigned long irq = axn_ctl_lock(c);
    const struct axn_iface_info *it = axn_ctl_find_locked(c, ifindex);
    const bool dhcp = it != NULL && c->dhcp[it - c->ifaces];
    axn_ctl_unlock(c, irq);
    return dhcp;
}

uint32_t axn_ctl_base_mtu(struct axn_ctl *c, uint32_t ifindex)
{
    const unsigned long irq = axn_ctl_lock(c);
    const struct axn_iface_info *it = axn_ctl_find_locked(c, ifindex);
    const uint32_t mtu = it != NULL ? c->base_mtu[it - c->ifaces] : 0;
    axn_ctl_unlock(c, irq);
    return mtu;
}

size_t axn_ctl_dhcp_wanted(struct axn_ctl *c, struct axn_ctl_dhcp_want *out, size_t max,
                           uint32_t *gen)
{
    size_t n = 0;
    const unsigned long irq = axn_ctl_lock(c);
    *gen = atomic_load_explicit(&c->svc_gen, memory_order_acquire);
    for (size_t i = 0; i < c->n_ifaces && n < max; i++) {
        const struct axn_iface_info *it = &c->ifaces[i];
        if (!c->dhcp[i] || it->kind != AXN_IFACE_ETHERNET || !it->has_mac)
            continue;
        out[n++] = (struct axn_ctl_dhcp_want){.ifindex = it->ifindex,
                                              .epoch = c->dhcp_epoch[i],
                                              .metric = it->metric,
                                              .mac = it->mac};
    }
    axn_ctl_unlock(c, irq);
    return n;
}

int axn_ctl_set_wants_dhcp(struct axn_ctl *c, uint32_t ifindex, bool wants)
{
    const unsigned long irq = axn_ctl_lock(c);
    const struct axn_iface_info *it = axn_ctl_find_locked(c, ifindex);
    if (it != NULL) {
        /* CTL-30: wanting it again means a fresh client, not the old one. */
        c->dhcp[it - c->ifaces] = wants;
        c->dhcp_epoch[it - c->ifaces]++;
        axn_ctl_svc_changed_locked(c);
    }
    axn_ctl_unlock(c, irq);
    return it != NULL ? 0 : -AXN_ENODEV;
}
