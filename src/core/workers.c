/*
 * Threaded mode (spec PLAT-17, PLAT-20, RT-26..RT-29, RT-33): the RX and TX
 * worker of each device and the stack's poll worker. Time comes from the
 * platform's clock (plat->now), which workers may read; the core they call
 * still gets it as an argument.
 */
#include "core/workers.h"

#include "axnet/errno.h"
#include "lib/fmt.h"
#include "sock/sock.h"

static axn_time_t plat_now(const struct axn_platform *plat)
{
    return plat->now(plat->ctx);
}

/* A device that can wake us sleeps until it does (RT-33: the event is
 * sticky, so a wake racing our sleep is not lost). Only a device with no
 * wake source is polled every AXN_DEVICE_IDLE_POLL_MS (RT-28); ax-net's
 * 10 ms idle wake for every device is not copied (the RT-28 [HAZARD]). */
static axn_time_t rx_idle_deadline(const struct axn_platform *plat, const struct axn_dev_handle *h)
{
    const struct axn_netdev *dev = h->dev;
    if (dev->ops->has_wake_source && dev->ops->has_wake_source(dev))
        return AXN_TIME_NEVER;
    return plat_now(plat) + AXN_MSEC(AXN_DEVICE_IDLE_POLL_MS);
}

/* RT-28. rx_service asks for a poll itself when it moved packets. */
static void rx_worker(void *arg)
{
    struct axn_dev_handle *h = arg;
    struct axn_router *r = h->router;
    const struct axn_platform *plat = r->plat;
    while (!atomic_load(&h->stopping)) {
        bool more;
        size_t moved = axn_router_rx_service(r, h, plat_now(plat), &more);
        /* Progress with more waiting: go on. Nothing moved (device empty,
         * or back-pressure, where deliver wakes us once it made room): wait. */
        if (moved > 0 && more)
            continue;
        plat->event_wait(h->rx_event, rx_idle_deadline(plat, h));
    }
}

/* RT-29: send what is queued, run the ARP timers, sleep until the next
 * packet or the device's next timer. */
static void tx_worker(void *arg)
{
    struct axn_dev_handle *h = arg;
    struct axn_router *r = h->router;
    const struct axn_platform *plat = r->plat;
    while (!atomic_load(&h->stopping)) {
        /* The deadline is read with the tick, under one device-lock hold.
         * A packet queued after it sets our sticky event, so the wait
         * below returns at once rather than sleeping past it. */
        axn_time_t next;
        axn_router_tx_service_next(r, h, plat_now(plat), &next);
        if (!axn_pktq_is_empty(&h->txq))
            continue;
        plat->event_wait(h->tx_event, next);
    }
    /* What was queued before the stop still leaves (the DHCPRELEASE of
     * axn_stack_destroy): until joined we are the queue's one consumer. */
    axn_router_tx_service(r, h, plat_now(plat));
}

static axn_time_t run_core(struct axn_stack *st)
{
    const struct axn_platform *plat = st->plat;
    plat->mutex_lock(st->core_lock);
    axn_time_t next = axn_stack_run_core_locked(st, plat_now(plat));
    plat->mutex_unlock(st->core_lock);
    /* Wakers the core queued run now, with no lock held (PLAT-19). */
    axn_sock_run_deferred(st);
    return next;
}

/*
 * PLAT-17, adapted: sleep until a poll request or the core's next timer,
 * never on an idle timer (AXN_TIME_NEVER when the core has none), so an
 * idle stack whose devices can wake it does not wake at all. Devices are
 * not polled from here: each has its own RX worker.
 */
static void poll_worker(void *arg)
{
    struct axn_stack *st = arg;
    const struct axn_platform *plat = st->plat;
    atomic_store(&st->poll_requested, 0u);
    axn_time_t deadline = run_core(st);
    while (!atomic_load(&st->stopping)) {
        plat->event_wait(st->poll_event, deadline);
        if (atomic_load(&st->stopping))
            break;
        atomic_fetch_add(&st->poll_wakeups, 1);
        /* Clear BEFORE polling (PLAT-17 step 3): a request made while we
         * poll stays pending and causes one more round. */
        atomic_store(&st->poll_requested, 0u);
        deadline = run_core(st);
    }
}

int axn_workers_start_device(struct axn_stack *st, struct axn_dev_handle *h)
{
    const struct axn_platform *plat = st->plat;
    if (!atomic_load(&st->threaded) || h->is_loopback || h->rx_thread)
        return 0;
    axn_snprintf(h->rx_name, sizeof(h->rx_name), "%s-rx", h->dev->name);
    axn_snprintf(h->tx_name, sizeof(h->tx_name), "%s-tx", h->dev->name);
    int err = plat->thread_start(plat->ctx, h->rx_name, rx_worker, h, &h->rx_thread);
    if (err) {
        h->rx_thread = NULL;
        return err;
    }
    err = plat->thread_start(plat->ctx, h->tx_name, tx_worker, h, &h->tx_thread);
    if (err) {
        h->tx_thread = NULL;
        axn_router_stop_workers(h);
    }
    return err;
}

static void stop_device_workers(struct axn_stack *st)
{
    for (size_t i = 0; i < AXN_MAX_DEVICES; i++) {
        struct axn_dev_handle *h = axn_router_dev_at(&st->router, i);
        if (h)
            axn_router_stop_workers(h);
    }
}

static int start_device_workers(struct axn_stack *st)
{
    for (size_t i = 0; i < AXN_MAX_DEVICES; i++) {
        struct axn_dev_handle *h = axn_router_dev_at(&st->router, i);
        int err = h ? axn_workers_start_device(st, h) : 0;
        if (err)
            return err;
    }
    return 0;
}

int axn_workers_start(struct axn_stack *st)
{
    const struct axn_platform *plat = st->plat;
    if (atomic_exchange(&st->threaded, 1u))
        return -AXN_EALREADY;
    atomic_store(&st->stopping, false);
    int err = start_device_workers(st);
    if (!err)
        err = plat->thread_start(plat->ctx, "axnet-poll", poll_worker, st, &st->poll_thread);
    if (err) {
        st->poll_thread = NULL;
        stop_device_workers(st);
        atomic_store(&st->threaded, 0u);
    }
    return err;
}

void axn_workers_stop(struct axn_stack *st)
{
    const struct axn_platform *plat = st->plat;
    if (!st->poll_thread)
        return;
    atomic_store(&st->stopping, true);
    plat->event_signal(st->poll_event);
    plat->thread_join(plat->ctx, st->poll_thread);
    st->poll_thread = NULL;
}
