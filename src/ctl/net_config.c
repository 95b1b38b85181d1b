/*
 * Network configuration: validation (spec CTL-5) and matching of
 * configurations to probed devices (CTL-3, CTL-4, CTL-6). Pure: it changes
 * nothing, so init can refuse a bad configuration before touching anything.
 */
#include "ctl/ctl.h"

#include "axnet/errno.h"
#include "lib/fmt.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "route/prefix.h"

#define IP4_UNSPECIFIED ((axn_ip4_t)0)

/* "No config matched this device". */
#define NO_CONFIG SIZE_MAX

/* Default interface names are eth<probe order> (CTL-4). */
#define DEFAULT_NAME_PREFIX "eth"

static size_t bounded_len(const char *s, size_t cap)
{
    size_t n = 0;
    while (n < cap && s[n] != '\0')
        n++;
    return n;
}

static bool str_equal(const char *a, const char *b, size_t cap)
{
    for (size_t i = 0; i < cap; i++) {
        if (a[i] != b[i])
            return false;
        if (a[i] == '\0')
            return true;
    }
    return true;
}

/* ---- Per-configuration checks (CTL-5) ----------------------------------- */

static int check_name(const struct axn_platform *plat, size_t idx, const char *name)
{
    const size_t len = bounded_len(name, AXN_IFNAMSIZ);
    if (len == AXN_IFNAMSIZ) {
        AXN_ERROR(plat, "net config %zu: interface name is longer than %d bytes", idx,
                  AXN_IFNAMSIZ - 1);
        return -AXN_EINVAL;
    }
    if (str_equal(name, AXN_LOOPBACK_IFNAME, AXN_IFNAMSIZ)) {
        AXN_ERROR(plat, "net config %zu: the name \"lo\" is reserved for loopback", idx);
        return -AXN_EINVAL;
    }
    return 0;
}

static int check_match(const struct axn_platform *plat, size_t idx,
                       const struct axn_iface_config *ic)
{
    switch (ic->match) {
    case AXN_MATCH_ORDER:
    case AXN_MATCH_MAC:
        return 0;
    case AXN_MATCH_DRIVER_NAME:
        if (bounded_len(ic->match_driver, sizeof(ic->match_driver)) == sizeof(ic->match_driver)) {
            AXN_ERROR(plat, "net config %zu: driver name to match is not terminated", idx);
            return -AXN_EINVAL;
        }
        return 0;
    }
    AXN_ERROR(plat, "net config %zu: unknown matcher %d", idx, (int)ic->match);
    return -AXN_EINVAL;
}

/* Address fields given with a mode that takes no static address. */
static bool has_static_fields(const struct axn_iface_config *ic)
{
    return ic->addr != IP4_UNSPECIFIED || ic->prefix_len != 0 || ic->gateway != IP4_UNSPECIFIED;
}

static int check_ipv4(const struct axn_platform *plat, size_t idx,
                      const struct axn_iface_config *ic)
{
    switch (ic->ipv4_mode) {
    case AXN_IPV4_DHCP:
        if (has_static_fields(ic)) {
            AXN_ERROR(plat, "net config %zu: DHCP and a static address together", idx);
            return -AXN_EINVAL;
        }
        return 0;
    case AXN_IPV4_NONE:
        if (has_static_fields(ic)) {
            AXN_ERROR(plat, "net config %zu: a static address with IPv4 mode none", idx);
            return -AXN_EINVAL;
        }
        return 0;
    case AXN_IPV4_STATIC:
        if (ic->addr == IP4_UNSPECIFIED) {
            AXN_ERROR(plat, "net config %zu: static address 0.0.0.0", idx);
            return -AXN_EINVAL;
        }
        if (ic->prefix_len > AXN_IP4_PREFIX_MAX) {
            AXN_ERROR(plat, "net config %zu: prefix /%u is longer than 32", idx,
                      (unsigned)ic->prefix_len);
            return -AXN_EINVAL;
        }
        return 0;
    }
    AXN_ERROR(plat, "net config %zu: unknown IPv4 mode %d", idx, (int)ic->ipv4_mode);
    return -AXN_EINVAL;
}

static int check_dns(const struct axn_platform *plat, size_t idx, const struct axn_iface_config *ic)
{
    if (ic->n_dns > AXN_IFACE_MAX_DNS) {
        AXN_ERROR(plat, "net config %zu: %u DNS servers, at most %d", idx, (unsigned)ic->n_dns,
                  AXN_IFACE_MAX_DNS);
        return -AXN_EINVAL;
    }
    for (size_t i = 0; i < ic->n_dns; i++) {
        if (ic->dns[i] == IP4_UNSPECIFIED) {
            AXN_ERROR(plat, "net config %zu: DNS server 0.0.0.0", idx);
            return -AXN_EINVAL;
        }
    }
    return 0;
}

static int check_fallback_dns(const struct axn_platform *plat, const struct axn_net_config *cfg)
{
    if (cfg->n_fallback_dns > AXN_MAX_FALLBACK_DNS) {
        AXN_ERROR(plat, "net config: %u fallback DNS servers, at most %d",
                  (unsigned)cfg->n_fallback_dns, AXN_MAX_FALLBACK_DNS);
        return -AXN_EINVAL;
    }
    for (size_t i = 0; i < cfg->n_fallback_dns; i++) {
        if (cfg->fallback_dns[i] == IP4_UNSPECIFIED) {
            AXN_ERROR(plat, "net config: fallback DNS server 0.0.0.0");
            return -AXN_EINVAL;
        }
    }
    return 0;
}

static int check_config(const struct axn_platform *plat, const struct axn_net_config *cfg)
{
    if (cfg->n_ifaces > 0 && cfg->ifaces == NULL) {
        AXN_ERROR(plat, "net config: %zu interface configs but no array", cfg->n_ifaces);
        return -AXN_EINVAL;
    }
    /* Each config binds one device and lo needs no config: more configs
     * than Ethernet slots can never all match. */
    if (cfg->n_ifaces > AXN_MAX_DEVICES - 1) {
        AXN_ERROR(plat, "net config: %zu interface configs, at most %d", cfg->n_ifaces,
                  AXN_MAX_DEVICES - 1);
        return -AXN_EINVAL;
    }
    for (size_t i = 0; i < cfg->n_ifaces; i++) {
        const struct axn_iface_config *ic = &cfg->ifaces[i];
        int rc = check_name(plat, i, ic->name);
        if (rc == 0)
            rc = check_match(plat, i, ic);
        if (rc == 0)
            rc = check_ipv4(plat, i, ic);
        if (rc == 0)
            rc = check_dns(plat, i, ic);
        if (rc < 0)
            return rc;
    }
    return check_fallback_dns(plat, cfg);
}

/* ---- Matching (CTL-3, CTL-6) ----------------------------------------------- */

static bool config_matches(const struct axn_iface_config *ic, const struct axn_eth_driver *drv,
                           size_t order)
{
    switch (ic->match) {
    case AXN_MATCH_ORDER:
        return ic->match_order == order;
    case AXN_MATCH_MAC: {
        struct axn_mac mac;
        drv->ops->mac_address(drv->drv, &mac);
        return memcmp(mac.b, ic->match_mac.b, AXN_MAC_LEN) == 0;
    }
    case AXN_MATCH_DRIVER_NAME: {
        const char *name = drv->ops->name(drv->drv);
        return name != NULL && str_equal(name, ic->match_driver, sizeof(ic->match_driver));
    }
    }
    return false;
}

/* CTL-6: among the configs not used yet, at most one may match. */
static int match_device(const struct axn_platform *plat, const struct axn_net_config *cfg,
                        const struct axn_eth_driver *drv, size_t order, bool *used, size_t *which)
{
    *which = NO_CONFIG;
    for (size_t i = 0; i < cfg->n_ifaces; i++) {
        if (used[i] || !config_matches(&cfg->ifaces[i], drv, order))
            continue;
        if (*which != NO_CONFIG) {
            AXN_ERROR(plat, "net config: device %zu is matched by configs %zu and %zu", order,
                      *which, i);
            return -AXN_EINVAL;
        }
        *which = i;
    }
    if (*which != NO_CONFIG)
        used[*which] = true;
    return 0;
}

/* ---- Plans (CTL-4) ------------------------------------------------------------ */

static void default_plan(struct axn_iface_plan *p, const struct axn_eth_driver *drv, size_t order)
{
    memset(p, 0, sizeof(*p));
    axn_snprintf(p->name, sizeof(p->name), DEFAULT_NAME_PREFIX "%zu", order);
    p->ifindex = (uint32_t)(order + AXN_IFINDEX_FIRST_ETH);
    p->metric = AXN_DEFAULT_ETH_METRIC;
    p->mode = AXN_IPV4_DHCP;
    drv->ops->mac_address(drv->drv, &p->mac);
    p->mtu = drv->mtu != 0 ? drv->mtu : AXN_ETH_MTU;
}

static void apply_config(struct axn_iface_plan *p, const struct axn_iface_config *ic)
{
    if (ic->name[0] != '\0')
        memcpy(p->name, ic->name, sizeof(p->name));
    if (ic->metric != 0)
        p->metric = ic->metric;
    p->mode = ic->ipv4_mode;
    if (ic->ipv4_mode == AXN_IPV4_STATIC) {
        p->addr = ic->addr;
        p->prefix_len = ic->prefix_len;
        p->gateway = ic->gateway;
    }
    memcpy(p->dns, ic->dns, sizeof(p->dns));
    p->n_dns = ic->n_dns;
}

static int check_unique_names(const struct axn_platform *plat, const struct axn_iface_plan *plans,
                              size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t j = i + 1; j < n; j++) {
            if (str_equal(plans[i].name, plans[j].name, AXN_IFNAMSIZ)) {
                AXN_ERROR(plat, "net config: devices %zu and %zu are both named %s", i, j,
                          plans[i].name);
                return -AXN_EINVAL;
            }
        }
    }
    return 0;
}

static int check_all_used(const struct axn_platform *plat, const bool *used, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!used[i]) {
            AXN_ERROR(plat, "net config %zu matched no device", i);
            return -AXN_EINVAL;
        }
    }
    return 0;
}

static int check_drivers(const struct axn_platform *plat,
                         const struct axn_eth_driver *const drivers[], size_t n)
{
    /* lo takes one registry slot. */
    if (n > AXN_MAX_DEVICES - 1) {
        AXN_ERROR(plat, "net config: %zu devices, at most %d besides lo", n, AXN_MAX_DEVICES - 1);
        return -AXN_ENOSPC;
    }
    for (size_t i = 0; i < n; i++) {
        const struct axn_eth_driver *d = drivers[i];
        if (d == NULL || d->ops == NULL || d->ops->name == NULL || d->ops->mac_address == NULL) {
            AXN_ERROR(plat, "net config: device %zu has no driver operations", i);
            return -AXN_EINVAL;
        }
    }
    return 0;
}

/* Resolves every device into plans[], marking configs in `used`. */
static int resolve(const struct axn_platform *plat, const struct axn_eth_driver *const drivers[],
                   size_t n_drivers, const struct axn_net_config *cfg, bool *used,
                   struct axn_iface_plan *plans)
{
    for (size_t order = 0; order < n_drivers; order++) {
        size_t which;
        const int rc = match_device(plat, cfg, drivers[order], order, used, &which);
        if (rc < 0)
            return rc;
        default_plan(&plans[order], drivers[order], order);
        if (which != NO_CONFIG)
            apply_config(&plans[order], &cfg->ifaces[which]);
    }
    const int rc = check_all_used(plat, used, cfg->n_ifaces);
    return rc < 0 ? rc : check_unique_names(plat, plans, n_drivers);
}

int axn_net_config_plan(const struct axn_platform *plat,
                        const struct axn_eth_driver *const drivers[], size_t n_drivers,
                        const struct axn_net_config *cfg, struct axn_iface_plan *plans)
{
    const struct axn_net_config empty_config = {0}; /* CTL-1: the default */
    if (cfg == NULL)
        cfg = &empty_config;
    int rc = check_drivers(plat, drivers, n_drivers);
    if (rc == 0)
        rc = check_config(plat, cfg);
    if (rc < 0)
        return rc;
    bool used[AXN_MAX_DEVICES] = {false};
    return resolve(plat, drivers, n_drivers, cfg, used, plans);
}
