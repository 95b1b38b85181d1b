/*
 * A stack instance: creation, the caller-polled poll loop, poll requests,
 * device wake-ups, threaded start and destruction (include/axnet/stack.h).
 * Network bring-up and run-time device changes live in src/ctl/.
 */
#include "axnet/errno.h"
#include "core/stack_impl.h"
#include "core/workers.h"
#include "dev/loopback.h"
#include "ip/ip4.h"
#include "lib/log.h"
#include "sock/sock_layer.h"
#include "svc/svc.h"

/* ---- Creation and destruction --------------------------------------------- */

/* lo is dev 0 (RT-6): the first device attached, before any Ethernet one. */
static int add_loopback(struct axn_stack *st)
{
    struct axn_dev_handle *h;
    int err = axn_router_handle_create(&st->router, &h);
    if (err)
        return err;
    struct axn_netdev *lo;
    err = axn_loopback_create(st->plat, &h->counters, &lo);
    if (err) {
        axn_router_handle_discard(&st->router, h);
        return err;
    }
    err = axn_router_attach(&st->router, h, lo);
    if (err)
        lo->ops->destroy(lo);
    return err;
}

static void request_poll_cb(void *ctx)
{
    axn_stack_request_poll(ctx);
}

/* A device was woken (IRQ, out-of-band RX). Threaded, its RX worker
 * answers and asks for a poll only if it moved packets. Caller-polled,
 * nobody waits on the device's RX event: a poll request is how the caller
 * (axn_stack_poll_pending) or the port's poll event learns that
 * axn_stack_poll has work. Hard-IRQ safe, like axn_stack_request_poll. */
static void device_woken_cb(void *ctx)
{
    struct axn_stack *st = ctx;
    if (!atomic_load(&st->threaded))
        axn_stack_request_poll(st);
}

/* Every stack speaks IPv4 from birth: the layer is its protocol core. */
static int add_ip4(struct axn_stack *st)
{
    int err = axn_ip4_create(st->plat, &st->ctl, &st->router, &st->ip4);
    if (err)
        return err;
    const struct axn_proto_hooks hooks = {
        .input = axn_ip4_input,
        .input_ctx = st->ip4,
        .poll = axn_ip4_poll,
        .poll_ctx = st->ip4,
    };
    st->proto = hooks;
    st->router.input = hooks.input;
    st->router.input_ctx = hooks.input_ctx;
    return 0;
}

/* The socket layer, and the news it takes from the stack: unreachable next
 * hops go to the IP layer, which hands them to the sending transport as a
 * local ICMP host unreachable (EHOSTUNREACH); interface events go to the
 * sockets bound to the interface. */
static int add_sockets(struct axn_stack *st)
{
    int err = axn_sock_layer_create(st);
    if (err)
        return err;
    st->proto.unreachable = axn_ip4_local_unreachable;
    st->proto.unreachable_ctx = st->ip4;
    st->proto.iface_event = axn_sock_layer_iface_event;
    st->proto.iface_event_ctx = st->socks;
    return 0;
}

static int stack_init_parts(struct axn_stack *st)
{
    const struct axn_platform *plat = st->plat;
    int err = plat->mutex_create(plat->ctx, &st->core_lock);
    if (err)
        return err;
    err = plat->event_create(plat->ctx, &st->poll_event);
    if (err)
        return err;
    err = axn_unreach_queue_init(&st->unreach, plat);
    if (err)
        return err;
    err = axn_ctl_init(&st->ctl, plat);
    if (err)
        return err;
    st->ctl_ready = true;
    err = axn_router_init(&st->router, plat, &st->ctl);
    if (err)
        return err;
    st->router.request_poll = request_poll_cb;
    st->router.device_woken = device_woken_cb;
    st->router.request_poll_ctx = st;
    err = add_loopback(st);
    if (err)
        return err;
    err = add_ip4(st);
    if (err)
        return err;
    err = add_sockets(st);
    if (err)
        return err;
    return axn_svc_create(st, &st->svc);
}

/* Undoes whatever part of stack_init_parts succeeded. Workers are stopped. */
static void stack_free(struct axn_stack *st)
{
    const struct axn_platform *plat = st->plat;
    /* Devices first: nothing may deliver into the IP layer once it goes. */
    axn_router_destroy(&st->router);
    axn_svc_destroy(st->svc);
    axn_ip4_destroy(st->ip4);
    if (st->ctl_ready)
        axn_ctl_destroy(&st->ctl);
    axn_unreach_queue_destroy(&st->unreach);
    if (st->poll_event)
        plat->event_destroy(plat->ctx, st->poll_event);
    if (st->core_lock)
        plat->mutex_destroy(plat->ctx, st->core_lock);
    plat->free(plat->ctx, st, sizeof(*st));
}

int axn_stack_create(const struct axn_platform *plat, struct axn_stack **out)
{
    if (!out || axn_platform_check(plat) != 0)
        return -AXN_EINVAL;
    struct axn_stack *st = plat->alloc(plat->ctx, sizeof(*st), _Alignof(struct axn_stack));
    if (!st)
        return -AXN_ENOMEM;
    st->plat = plat;
    int err = stack_init_parts(st);
    if (err) {
        axn_sock_layer_destroy(st); /* made before a later part failed */
        stack_free(st);
        return err;
    }
    *out = st;
    return 0;
}

/* Every DHCP lease is released (RFC 2131 4.4.6) and the DHCPRELEASE
 * leaves the devices before they go. Only the poll worker is stopped: a
 * device's TX worker still runs and sends it (woken by the enqueue, or on
 * its way out: workers.c); we send only for a device without one, as a TX
 * queue has one consumer (router.h; two sent the same frame twice). */
static void release_leases(struct axn_stack *st)
{
    if (st->svc == NULL)
        return;
    const axn_time_t now = st->plat->now(st->plat->ctx);
    st->plat->mutex_lock(st->core_lock);
    axn_svc_shutdown_locked(st->svc, now);
    for (size_t i = 0; i < AXN_MAX_DEVICES; i++) {
        struct axn_dev_handle *h = axn_router_dev_at(&st->router, i);
        if (h && !h->tx_thread)
            axn_router_tx_service(&st->router, h, now);
    }
    st->plat->mutex_unlock(st->core_lock);
}

void axn_stack_destroy(struct axn_stack *st)
{
    if (!st)
        return;
    /* The poll worker first (it runs the core over the router); device
     * workers stop as the router removes their devices. */
    axn_workers_stop(st);
    release_leases(st);
    /* Sockets before devices: what they still queue may leave. */
    axn_sock_layer_destroy(st);
    stack_free(st);
}

int axn_stack_start(struct axn_stack *st)
{
    st->plat->mutex_lock(st->core_lock);
    int err = axn_workers_start(st);
    st->plat->mutex_unlock(st->core_lock);
    /* DHCP-14: boot waits (2 s at most) until one DHCP interface is up. */
    if (err == 0 && axn_dhcp_wait_bound(st, 0) == -AXN_ETIMEDOUT)
        AXN_WARN(st->plat, "DHCP bootstrap timed out; the clients go on in the background");
    return err;
}

void axn_stack_set_proto(struct axn_stack *st, const struct axn_proto_hooks *hooks)
{
    st->plat->mutex_lock(st->core_lock);
    st->proto = *hooks;
    st->router.input = hooks->input;
    st->router.input_ctx = hooks->input_ctx;
    st->plat->mutex_unlock(st->core_lock);
}

/* ---- Poll requests and wake-ups ---------------------------------------------- */

void axn_stack_request_poll(struct axn_stack *st)
{
    /* PLAT-16: only the false -> true edge signals; N requests while one
     * is pending cost one wake-up. */
    if (!atomic_exchange(&st->poll_requested, 1u))
        st->plat->event_signal(st->poll_event);
}

bool axn_stack_poll_pending(struct axn_stack *st)
{
    return atomic_load(&st->poll_requested) != 0;
}

void axn_stack_wake_device(struct axn_stack *st, uint32_t ifindex)
{
    /* Hard-IRQ safe: a lock-free lookup that a concurrent removal waits
     * for, event_signal, and in caller-polled mode a poll request. */
    axn_router_wake_ifindex(&st->router, ifindex);
}

/* ---- Polling --------------------------------------------------------------------- */

static axn_time_t proto_poll(struct axn_stack *st, axn_time_t now)
{
    if (!st->proto.poll)
        return AXN_TIME_NEVER;
    return st->proto.poll(st->proto.poll_ctx, now);
}

axn_time_t axn_stack_run_core_locked(struct axn_stack *st, axn_time_t now)
{
    axn_time_t next = AXN_TIME_NEVER;
    /* Reports first: they are older than anything still queued for RX.
     * Rarely any: the inline check spares the call on every run. */
    if (!axn_unreach_queue_is_empty(&st->unreach))
        (void)axn_stack_drain_unreachable(st, now);
    for (unsigned round = 0; round < AXN_POLL_MAX_ROUNDS; round++) {
        axn_router_deliver(&st->router, now);
        next = proto_poll(st, now);
        const axn_time_t svc_next = axn_svc_poll(st->svc, now);
        next = svc_next < next ? svc_next : next;
        /* The timers may have looped packets back: deliver them too. */
        if (axn_router_rx_idle(&st->router))
            break;
    }
    axn_sock_layer_wmem_wake(st);
    atomic_fetch_add(&st->poll_runs, 1);
    return axn_router_rx_idle(&st->router) ? next : now;
}

static axn_time_t min_time(axn_time_t a, axn_time_t b)
{
    return a < b ? a : b;
}

/* Returns true if some device may have more to read. Core lock held. */
static bool rx_service_all(struct axn_stack *st, axn_time_t now)
{
    bool any_more = false;
    struct axn_router_walk w = {0};
    struct axn_dev_handle *h;
    while ((h = axn_router_walk_next(&st->router, &w)) != NULL) {
        bool more = false;
        axn_router_rx_service(&st->router, h, now, &more);
        any_more = any_more || more;
    }
    return any_more;
}

/* Sends what every device has queued and runs its timers; returns the
 * earliest device deadline, read with each tick (axn_router_next_deadline
 * would take every device lock once more). Core lock held: in
 * caller-polled mode nothing else calls into a device until we return. */
static axn_time_t tx_service_all(struct axn_stack *st, axn_time_t now)
{
    axn_time_t next = AXN_TIME_NEVER;
    struct axn_router_walk w = {0};
    struct axn_dev_handle *h;
    while ((h = axn_router_walk_next(&st->router, &w)) != NULL) {
        axn_time_t dev_next;
        axn_router_tx_service_next(&st->router, h, now, &dev_next);
        next = min_time(next, dev_next);
    }
    return next;
}

/* Caller-polled mode: devices in, core, devices out, all on this thread. */
static axn_time_t poll_everything_locked(struct axn_stack *st, axn_time_t now)
{
    bool rx_more = rx_service_all(st, now);
    axn_time_t next = axn_stack_run_core_locked(st, now);
    next = min_time(next, tx_service_all(st, now));
    axn_sock_layer_wmem_wake(st); /* what the TX side just released */
    /* The TX side just reported unreachable packets: hand them to the
     * core at once rather than at the next timer. */
    const bool reports = !axn_unreach_queue_is_empty(&st->unreach);
    return rx_more || reports ? now : next;
}

axn_time_t axn_stack_poll(struct axn_stack *st, axn_time_t now)
{
    const struct axn_platform *plat = st->plat;
    /* Cleared before processing (PLAT-17 step 3), as the worker does. */
    atomic_store(&st->poll_requested, 0u);
    plat->mutex_lock(st->core_lock);
    /* Threaded: devices belong to their workers; run the core only. */
    axn_time_t next = atomic_load(&st->threaded) ? axn_stack_run_core_locked(st, now)
                                                 : poll_everything_locked(st, now);
    plat->mutex_unlock(st->core_lock);
    /* Wakers the core queued run now, with no lock held (PLAT-19). */
    axn_sock_run_deferred(st);
    return next;
}
