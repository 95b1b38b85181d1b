/*
 * The TAP's IRQ (driver.h DRV-6/DRV-7): the line is the tun fd itself. On
 * the posix port an fd is an IRQ line (port_posix.h): its registrar runs
 * our handler each time Linux queues new frames on the fd, so a threaded
 * stack's RX worker sleeps until a frame arrives instead of polling the
 * TAP every AXN_DEVICE_IDLE_POLL_MS.
 *
 * Nothing needs acknowledging (the kernel, not a device register, holds
 * the readiness), so the handler only reports RX_READY while enabled. It
 * touches nothing but atomics, never the fd or the buffers, as DRV-7
 * requires of hard-IRQ context.
 */
#include "tap_priv.h"

#include "axnet/errno.h"
#include "axnet/port_posix.h"

static struct axn_tap *tap_of(void *drv)
{
    return drv;
}

int axn_tap_irq_id(void *drv)
{
    const struct axn_tap *tap = tap_of(drv);
    int irq = axn_port_posix_fd_irq(tap->fd);
    return irq < 0 ? -AXN_ENXIO : irq;
}

void axn_tap_irq_enable(void *drv)
{
    atomic_store(&tap_of(drv)->irq_enabled, true);
}

/* The adapter disables before it unregisters: an edge still in flight is
 * then answered as spurious and wakes nobody. */
void axn_tap_irq_disable(void *drv)
{
    atomic_store(&tap_of(drv)->irq_enabled, false);
}

static uint32_t tap_handle_irq(void *arg)
{
    struct axn_tap *tap = arg;
    if (!atomic_load(&tap->irq_enabled))
        return AXN_IRQ_SPURIOUS;
    atomic_fetch_add(&tap->irq_rx_ready, 1);
    return AXN_IRQ_RX_READY;
}

/* DRV-7: the handler moves out of the driver once. */
int axn_tap_irq_take_handler(void *drv, struct axn_irq_handler *handler)
{
    struct axn_tap *tap = tap_of(drv);
    if (!handler || atomic_exchange(&tap->irq_handler_taken, true))
        return -AXN_ENOENT;
    handler->handle = tap_handle_irq;
    handler->arg = tap;
    return 0;
}

uint64_t axn_tap_irq_count(const struct axn_tap *tap)
{
    return atomic_load(&tap->irq_rx_ready);
}
