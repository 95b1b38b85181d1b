/*
 * Public control-plane calls that reach the router's devices
 * (include/axnet/netctl.h): neighbour tables (ETH-16) and /proc/net/arp,
 * link counters (RT-37), and run-time address changes (CTL-21/22), which
 * commit in the control plane and then push the address into the device.
 *
 * Each takes the core lock, which keeps the device table still (devices
 * are added and removed only under it), then each device's own lock.
 */
#include "axnet/errno.h"
#include "axnet/netctl.h"
#include "core/stack_impl.h"
#include "ctl/ctl.h"
#include "lib/log.h"

static struct axn_dev_handle *device_at(struct axn_stack *st, size_t slot)
{
    return atomic_load(&st->router.devs[slot]);
}

/* Loopback exports nothing (ETH-16). */
static bool has_neighbours(const struct axn_dev_handle *h)
{
    return h != NULL && !h->is_loopback && h->dev->ops->arp_entries != NULL;
}

static size_t device_arp(struct axn_stack *st, struct axn_dev_handle *h, struct axn_arp_entry *out,
                         size_t max, axn_time_t now)
{
    st->plat->mutex_lock(h->dev_lock);
    const size_t n = h->dev->ops->arp_entries(h->dev, out, max, now);
    st->plat->mutex_unlock(h->dev_lock);
    return n;
}

size_t axn_ctl_arp_entries(struct axn_stack *st, struct axn_arp_entry *out, size_t max,
                           axn_time_t now)
{
    size_t n = 0;
    st->plat->mutex_lock(st->core_lock);
    for (size_t i = 0; i < AXN_MAX_DEVICES; i++) {
        struct axn_dev_handle *h = device_at(st, i);
        if (!has_neighbours(h))
            continue;
        const size_t room = n < max ? max - n : 0;
        n += device_arp(st, h, room > 0 ? out + n : NULL, room, now);
    }
    st->plat->mutex_unlock(st->core_lock);
    return n;
}

/* One device's rows, through a scratch table of one full neighbour cache. */
static void format_device(struct axn_stack *st, struct axn_dev_handle *h,
                          struct axn_arp_entry *scratch, struct axn_text_buf *t, axn_time_t now)
{
    size_t n = device_arp(st, h, scratch, AXN_ARP_CACHE_SIZE, now);
    if (n > AXN_ARP_CACHE_SIZE)
        n = AXN_ARP_CACHE_SIZE;
    for (size_t i = 0; i < n; i++)
        axn_proc_net_arp_row(t, &scratch[i]);
}

size_t axn_ctl_format_proc_net_arp(struct axn_stack *st, char *buf, size_t cap, axn_time_t now)
{
    const struct axn_platform *plat = st->plat;
    struct axn_text_buf t;
    axn_text_init(&t, buf, cap);
    axn_proc_net_arp_header(&t);
    /* A whole cache is too large for a kernel stack: borrow it. */
    const size_t scratch_size = AXN_ARP_CACHE_SIZE * sizeof(struct axn_arp_entry);
    struct axn_arp_entry *scratch =
        plat->alloc(plat->ctx, scratch_size, _Alignof(struct axn_arp_entry));
    if (scratch == NULL) {
        AXN_WARN(plat, "/proc/net/arp: no memory for the rows; header only");
        return t.len;
    }
    plat->mutex_lock(st->core_lock);
    for (size_t i = 0; i < AXN_MAX_DEVICES; i++) {
        struct axn_dev_handle *h = device_at(st, i);
        if (has_neighbours(h))
            format_device(st, h, scratch, &t, now);
    }
    plat->mutex_unlock(st->core_lock);
    plat->free(plat->ctx, scratch, scratch_size);
    return t.len;
}

int axn_ctl_link_stats(struct axn_stack *st, uint32_t ifindex, struct axn_link_stats *out)
{
    st->plat->mutex_lock(st->core_lock);
    const struct axn_dev_handle *h = axn_router_find(&st->router, ifindex);
    if (h != NULL)
        axn_if_counters_read(&h->counters, out);
    st->plat->mutex_unlock(st->core_lock);
    return h != NULL ? 0 : -AXN_ENODEV;
}

/* ---- CTL-21/22 ------------------------------------------------------------- */

int axn_ctl_set_ipv4(struct axn_stack *st, uint32_t ifindex, axn_ip4_t addr, uint8_t prefix_len,
                     axn_time_t now)
{
    st->plat->mutex_lock(st->core_lock);
    const int rc = axn_ctl_assign_ipv4(&st->ctl, ifindex, addr, prefix_len);
    if (rc == 0)
        axn_stack_sync_device_ipv4(st, ifindex, now);
    st->plat->mutex_unlock(st->core_lock);
    if (rc == 0)
        axn_stack_request_poll(st);
    return rc;
}

int axn_ctl_remove_ipv4(struct axn_stack *st, uint32_t ifindex, axn_ip4_t addr, uint8_t prefix_len,
                        axn_time_t now)
{
    st->plat->mutex_lock(st->core_lock);
    const int rc = axn_ctl_unassign_ipv4(&st->ctl, ifindex, addr, prefix_len);
    if (rc == 0)
        axn_stack_sync_device_ipv4(st, ifindex, now);
    st->plat->mutex_unlock(st->core_lock);
    if (rc == 0)
        axn_stack_request_poll(st);
    return rc;
}
