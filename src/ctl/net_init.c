/*
 * Stack glue of the control plane: bringing the probed devices up (spec
 * CTL-8), adding and removing devices at run time (CTL-24), link state,
 * and pushing committed addresses into devices (RT-13).
 *
 * Every entry point holds the core lock, so device-table changes never
 * race the poll path, and follows one pattern: validate, create and attach
 * the devices (the only steps that allocate), then install them into the
 * control plane in one all-or-nothing step; on failure the devices are
 * removed again and nothing is left behind.
 */
#include "axnet/errno.h"
#include "axnet/netctl.h"
#include "axnet/stack.h"
#include "core/stack_impl.h"
#include "core/workers.h"
#include "ctl/ctl.h"
#include "sock/sock.h"
#include "dev/eth_dev.h"
#include "lib/fmt.h"
#include "lib/log.h"
#include "lib/mem.h"

#define IP4_UNSPECIFIED ((axn_ip4_t)0)

/*
 * Packets an Ethernet adapter dropped while they waited for ARP: their
 * next hop never answered, they waited too long (ETH-14), or the link went
 * down. Counted stack-wide (axn_ctl_stack_stats), and reported to the
 * protocol core, which tells the sender EHOSTUNREACH as Linux does. We run
 * under the device lock (TX worker or poll path): the report is queued,
 * not delivered, since the core lock may not be taken here.
 */
static void on_unreachable(void *ctx, uint32_t ifindex, const uint8_t *pkt, size_t len,
                           axn_time_t now)
{
    struct axn_stack *st = ctx;
    (void)now; /* the core gets its own `now` when it drains the report */
    atomic_fetch_add_explicit(&st->router.arp_unresolved, 1, memory_order_relaxed);
    axn_stack_report_unreachable(st, ifindex, pkt, len);
}

/* The driver changed the device's MAC (CTL-15): the registry follows, so
 * queries never report a stale MAC and never need the core lock. */
static void on_mac_changed(void *ctx, uint32_t ifindex, const struct axn_mac *mac)
{
    struct axn_stack *st = ctx;
    (void)axn_ctl_set_mac(&st->ctl, ifindex, mac); /* gone: nothing to follow */
}

/* ---- Devices ------------------------------------------------------------ */

/* Handle, Ethernet adapter (its IRQ is registered now: ETH-2), router slot,
 * and workers when the stack is threaded. */
static int create_device(struct axn_stack *st, const struct axn_eth_driver *drv,
                         const struct axn_iface_plan *p, bool oob_rx)
{
    struct axn_dev_handle *h;
    int rc = axn_router_handle_create(&st->router, &h);
    if (rc < 0)
        return rc;
    const struct axn_eth_dev_params params = {
        .plat = st->plat,
        .driver = drv,
        .name = p->name,
        .ifindex = p->ifindex,
        .oob_rx = oob_rx,
        .counters = &h->counters,
        .wake = axn_router_wake_fn,
        .wake_ctx = h,
        .unreachable = on_unreachable,
        .unreachable_ctx = st,
        .mac_changed = on_mac_changed,
        .mac_changed_ctx = st,
    };
    struct axn_netdev *dev;
    rc = axn_eth_dev_create(&params, &dev);
    if (rc < 0) {
        axn_router_handle_discard(&st->router, h);
        return rc;
    }
    rc = axn_router_attach(&st->router, h, dev);
    if (rc < 0) {
        dev->ops->destroy(dev); /* the failed attach discarded the handle */
        return rc;
    }
    rc = axn_workers_start_device(st, h);
    if (rc < 0)
        axn_router_remove_device(&st->router, p->ifindex);
    return rc;
}

static void remove_devices(struct axn_stack *st, const struct axn_iface_plan *plans, size_t n)
{
    for (size_t i = 0; i < n; i++)
        axn_router_remove_device(&st->router, plans[i].ifindex);
}

void axn_stack_sync_device_ipv4(struct axn_stack *st, uint32_t ifindex, axn_time_t now)
{
    struct axn_iface_info info;
    struct axn_dev_handle *h = axn_router_find(&st->router, ifindex);
    if (h == NULL || h->is_loopback || axn_ctl_interface_by_index(st, ifindex, &info) < 0)
        return;
    const struct axn_ip4_cidr cidr = {.addr = info.addr, .prefix_len = info.prefix_len};
    st->plat->mutex_lock(h->dev_lock);
    h->dev->ops->set_ipv4(h->dev, info.has_ipv4 ? &cidr : NULL, now);
    st->plat->mutex_unlock(h->dev_lock);
}

/* Creates every planned device, installs them all, pushes static addresses. */
static int bring_up(struct axn_stack *st, const struct axn_eth_driver *const drivers[],
                    const struct axn_iface_plan *plans, size_t n, const axn_ip4_t *fallback,
                    size_t n_fallback, axn_time_t now)
{
    int rc;
    for (size_t i = 0; i < n; i++) {
        rc = create_device(st, drivers[i], &plans[i], false);
        if (rc < 0) {
            remove_devices(st, plans, i);
            return rc;
        }
    }
    rc = axn_ctl_install(&st->ctl, plans, n, fallback, n_fallback);
    if (rc < 0) {
        remove_devices(st, plans, n);
        return rc;
    }
    for (size_t i = 0; i < n; i++) {
        if (plans[i].mode == AXN_IPV4_STATIC)
            axn_stack_sync_device_ipv4(st, plans[i].ifindex, now);
    }
    return 0;
}

/* ---- Init (CTL-8) ---------------------------------------------------------- */

static void log_plan(const struct axn_platform *plat, const struct axn_iface_plan *p)
{
    char mac[AXN_MAC_STR_LEN];
    char addr[AXN_IP4_STR_LEN];
    axn_fmt_mac(mac, sizeof(mac), &p->mac);
    axn_fmt_ip4(addr, sizeof(addr), p->addr);
    if (p->mode == AXN_IPV4_STATIC)
        AXN_INFO(plat, "%s: ifindex %u, mac %s, static %s/%u, metric %u", p->name,
                 (unsigned)p->ifindex, mac, addr, (unsigned)p->prefix_len, (unsigned)p->metric);
    else
        AXN_INFO(plat, "%s: ifindex %u, mac %s, %s, metric %u", p->name, (unsigned)p->ifindex, mac,
                 p->mode == AXN_IPV4_DHCP ? "DHCP" : "no IPv4", (unsigned)p->metric);
}

/* Ids follow probe order (CTL-4): devices added at run time before init
 * would have taken them. */
static int check_fresh(struct axn_stack *st, size_t n)
{
    if (n > 0 && axn_ctl_next_ifindex(&st->ctl) != AXN_IFINDEX_FIRST_ETH) {
        AXN_ERROR(st->plat, "init_network: devices were added before it; ifindexes taken");
        return -AXN_EBUSY;
    }
    return 0;
}

static int init_network_locked(struct axn_stack *st, const struct axn_eth_driver *const drivers[],
                               size_t n, const struct axn_net_config *cfg, axn_time_t now)
{
    const struct axn_platform *plat = st->plat;
    if (st->network_initialised) {
        AXN_ERROR(plat, "init_network called twice");
        return -AXN_EALREADY;
    }
    const size_t plans_size = n * sizeof(struct axn_iface_plan);
    struct axn_iface_plan *plans = NULL;
    /* Too many drivers: no array, and the plan refuses them (-ENOSPC). */
    if (n > 0 && n < AXN_MAX_DEVICES) {
        plans = plat->alloc(plat->ctx, plans_size, _Alignof(struct axn_iface_plan));
        if (plans == NULL)
            return -AXN_ENOMEM;
    }
    int rc = axn_net_config_plan(plat, drivers, n, cfg, plans);
    if (rc == 0)
        rc = check_fresh(st, n);
    if (rc == 0) {
        const axn_ip4_t none[1] = {0};
        rc = bring_up(st, drivers, plans, n, cfg ? cfg->fallback_dns : none,
                      cfg ? cfg->n_fallback_dns : 0, now);
    }
    for (size_t i = 0; rc == 0 && i < n; i++)
        log_plan(plat, &plans[i]);
    plat->free(plat->ctx, plans, plans_size);
    return rc;
}

int axn_stack_init_network(struct axn_stack *st, const struct axn_eth_driver *const drivers[],
                           size_t n_drivers, const struct axn_net_config *cfg, axn_time_t now)
{
    const struct axn_platform *plat = st->plat;
    plat->mutex_lock(st->core_lock);
    const int rc = init_network_locked(st, drivers, n_drivers, cfg, now);
    if (rc == 0)
        st->network_initialised = true;
    plat->mutex_unlock(st->core_lock);
    if (rc < 0)
        return rc;
    if (n_drivers == 0)
        AXN_WARN(plat, "init_network: no Ethernet device; only lo is up (CTL-9)");
    axn_stack_request_poll(st);
    return 0;
}

/* ---- Run-time devices (CTL-24) ------------------------------------------------ */

static int check_device_config(const struct axn_platform *plat, const struct axn_eth_driver *drv,
                               const struct axn_device_config *cfg)
{
    if (drv == NULL || drv->ops == NULL || drv->ops->mac_address == NULL) {
        AXN_ERROR(plat, "add_device: no driver");
        return -AXN_EINVAL;
    }
    if (cfg == NULL)
        return 0;
    if (cfg->name[0] != '\0' && !axn_ctl_name_is_valid(cfg->name)) {
        AXN_ERROR(plat, "add_device: name longer than %d bytes", AXN_IFNAMSIZ - 1);
        return -AXN_EINVAL;
    }
    if (cfg->prefix_len > AXN_IP4_PREFIX_MAX) {
        AXN_ERROR(plat, "add_device: prefix /%u is longer than 32", (unsigned)cfg->prefix_len);
        return -AXN_EINVAL;
    }
    if ((cfg->prefix_len != 0) != (cfg->addr != IP4_UNSPECIFIED)) {
        AXN_ERROR(plat, "add_device: an address needs a prefix length and the reverse");
        return -AXN_EINVAL;
    }
    return 0;
}

/* CTL-24: metric 100, no gateway, no DHCP; "" names it eth<id - 2>. */
static void device_plan(struct axn_iface_plan *p, const struct axn_eth_driver *drv,
                        const struct axn_device_config *cfg, uint32_t ifindex)
{
    memset(p, 0, sizeof(*p));
    if (cfg != NULL && cfg->name[0] != '\0')
        memcpy(p->name, cfg->name, sizeof(p->name));
    else
        axn_snprintf(p->name, sizeof(p->name), "eth%u",
                     (unsigned)(ifindex - AXN_IFINDEX_FIRST_ETH));
    p->ifindex = ifindex;
    p->metric = AXN_DEFAULT_ETH_METRIC;
    p->mode = AXN_IPV4_NONE;
    if (cfg != NULL && cfg->prefix_len != 0) {
        p->mode = AXN_IPV4_STATIC;
        p->addr = cfg->addr;
        p->prefix_len = cfg->prefix_len;
    }
    drv->ops->mac_address(drv->drv, &p->mac);
    p->mtu = drv->mtu != 0 ? drv->mtu : AXN_ETH_MTU;
}

static int add_device_locked(struct axn_stack *st, const struct axn_eth_driver *drv,
                             const struct axn_device_config *cfg, axn_time_t now)
{
    const uint32_t id = axn_ctl_next_ifindex(&st->ctl);
    if (id == 0)
        return -AXN_ENOSPC;
    struct axn_iface_plan plan;
    device_plan(&plan, drv, cfg, id);
    struct axn_iface_info taken;
    if (axn_ctl_interface_by_name(st, plan.name, &taken) == 0) {
        AXN_ERROR(st->plat, "add_device: the name %s is taken", plan.name);
        return -AXN_EEXIST;
    }
    int rc = create_device(st, drv, &plan, cfg != NULL && cfg->oob_rx);
    if (rc < 0)
        return rc;
    rc = axn_ctl_install(&st->ctl, &plan, 1, NULL, 0);
    if (rc < 0) {
        remove_devices(st, &plan, 1);
        return rc;
    }
    if (plan.mode == AXN_IPV4_STATIC)
        axn_stack_sync_device_ipv4(st, id, now);
    log_plan(st->plat, &plan);
    return (int)id;
}

int axn_stack_add_device(struct axn_stack *st, const struct axn_eth_driver *driver,
                         const struct axn_device_config *cfg, axn_time_t now, uint32_t *ifindex)
{
    int rc = check_device_config(st->plat, driver, cfg);
    if (rc < 0)
        return rc;
    st->plat->mutex_lock(st->core_lock);
    rc = add_device_locked(st, driver, cfg, now);
    st->plat->mutex_unlock(st->core_lock);
    if (rc < 0)
        return rc;
    if (ifindex != NULL)
        *ifindex = (uint32_t)rc;
    axn_stack_request_poll(st);
    return 0;
}

int axn_stack_remove_device(struct axn_stack *st, uint32_t ifindex, axn_time_t now)
{
    st->plat->mutex_lock(st->core_lock);
    /* Routes, addresses and DNS first, so nothing is routed to the device
     * while the router drains and frees it. The core hears of it last,
     * when the ifindex is gone everywhere (sockets bound to it: ENODEV). */
    int rc = axn_ctl_iface_remove(&st->ctl, ifindex);
    if (rc == 0)
        rc = axn_router_remove_device(&st->router, ifindex);
    if (rc == 0)
        axn_stack_iface_event(st, ifindex, AXN_IFACE_EV_REMOVED, now);
    st->plat->mutex_unlock(st->core_lock);
    axn_sock_run_deferred(st); /* wakers of sockets that event failed */
    if (rc == 0)
        axn_stack_request_poll(st);
    return rc;
}

/* Whether the router's device for `ifindex` is up now (false if none). */
static bool router_link_up(struct axn_stack *st, uint32_t ifindex)
{
    const struct axn_dev_handle *h = axn_router_find(&st->router, ifindex);
    return h != NULL && atomic_load(&h->up);
}

int axn_stack_set_link(struct axn_stack *st, uint32_t ifindex, bool up, axn_time_t now)
{
    st->plat->mutex_lock(st->core_lock);
    const bool was_up = router_link_up(st, ifindex);
    int rc = axn_ctl_set_link(&st->ctl, ifindex, up);
    if (rc == 0)
        rc = axn_router_set_up(&st->router, ifindex, up, now);
    /* Only a change is news (sockets bound to it: ENETDOWN while down). */
    if (rc == 0 && was_up != up)
        axn_stack_iface_event(st, ifindex, up ? AXN_IFACE_EV_LINK_UP : AXN_IFACE_EV_LINK_DOWN, now);
    st->plat->mutex_unlock(st->core_lock);
    axn_sock_run_deferred(st); /* wakers of sockets that event failed */
    if (rc == 0)
        axn_stack_request_poll(st);
    return rc;
}
