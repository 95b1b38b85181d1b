/*
 * The optional IRQ line of a simulated port (sim_wire.h; spec DRV-6, DRV-7,
 * ETH-2/3). A frame reaching the port latches "RX ready" and, with the IRQ
 * enabled, owes a raise, made once the wire lock is dropped. The handler
 * handed out by take_irq_handler sees only the line's atomics, never the
 * port's queues: what a real NIC's ISR may touch.
 */
#include <string.h>

#include "axnet/errno.h"
#include "sim_internal.h"

/*
 * How deep the calling thread is inside `raise` callbacks: nonzero means it
 * plays hard-IRQ context now. A property of the thread (as IRQ state is of
 * a CPU), not of a wire, hence thread-local; it only feeds the
 * queue_calls_in_irq check and never changes what the wire does.
 */
static _Thread_local unsigned sim_irq_depth;

static struct axn_sim_port *port_of(void *drv)
{
    return drv;
}

void axn_sim_irq_init(struct axn_sim_port *port, const struct axn_sim_irq_config *cfg,
                      struct axn_eth_driver *driver_out)
{
    struct axn_sim_irq_line *line = &port->irq;
    line->present = true;
    line->irq = cfg->irq;
    line->raise = cfg->raise;
    line->raise_ctx = cfg->ctx;
    line->raise_owed = false;
    atomic_init(&line->enabled, false);
    atomic_init(&line->handler_taken, false);
    atomic_init(&line->rx_latched, false);
    atomic_init(&line->raised, 0);
    atomic_init(&line->handled, 0);
    atomic_init(&line->rx_ready, 0);
    atomic_init(&line->spurious, 0);
    atomic_init(&line->queue_calls_in_irq, 0);
    driver_out->ops = &axn_sim_irq_port_ops;
}

void axn_sim_irq_frame_arrived(struct axn_sim_port *port)
{
    struct axn_sim_irq_line *line = &port->irq;
    if (!line->present)
        return;
    /* Latched before the raise is owed, so the handler the raise runs
     * always sees it (DRV-6: RX_READY, never a lost event). */
    atomic_store(&line->rx_latched, true);
    if (atomic_load(&line->enabled) && line->raise) {
        line->raise_owed = true;
        port->wire->irq_owed = true;
    }
}

void axn_sim_irq_raise(struct axn_sim_irq_line *line)
{
    /* Disabled since the frame arrived (device going away): no IRQ. */
    if (!atomic_load(&line->enabled))
        return;
    atomic_fetch_add(&line->raised, 1);
    sim_irq_depth++;
    line->raise(line->raise_ctx, line->irq);
    sim_irq_depth--;
}

void axn_sim_irq_note_queue_call(struct axn_sim_port *port)
{
    if (sim_irq_depth > 0 && port->irq.present)
        atomic_fetch_add(&port->irq.queue_calls_in_irq, 1);
}

/* ---- The driver's IRQ ops ------------------------------------------------ */

int axn_sim_irq_id(void *drv)
{
    return port_of(drv)->irq.irq;
}

void axn_sim_irq_enable(void *drv)
{
    atomic_store(&port_of(drv)->irq.enabled, true);
}

void axn_sim_irq_disable(void *drv)
{
    atomic_store(&port_of(drv)->irq.enabled, false);
}

/* DRV-7: hard-IRQ context only acknowledges. Reads and clears the latch;
 * no lock, no queue. */
static uint32_t sim_handle_irq(void *arg)
{
    struct axn_sim_irq_line *line = arg;
    atomic_fetch_add(&line->handled, 1);
    if (atomic_exchange(&line->rx_latched, false)) {
        atomic_fetch_add(&line->rx_ready, 1);
        return AXN_IRQ_RX_READY;
    }
    atomic_fetch_add(&line->spurious, 1);
    return AXN_IRQ_SPURIOUS;
}

/* DRV-7: the handler moves out of the driver once. */
int axn_sim_irq_take_handler(void *drv, struct axn_irq_handler *handler)
{
    struct axn_sim_irq_line *line = &port_of(drv)->irq;
    if (!handler || atomic_exchange(&line->handler_taken, true))
        return -AXN_ENOENT;
    handler->handle = sim_handle_irq;
    handler->arg = line;
    return 0;
}

/* ---- Public ---------------------------------------------------------------- */

int axn_sim_wire_add_irq_port(struct axn_sim_wire *wire, const struct axn_mac *mac,
                              const struct axn_sim_irq_config *irq,
                              struct axn_eth_driver *driver_out)
{
    if (!wire || !mac || !irq || !driver_out || irq->irq < 0)
        return -AXN_EINVAL;
    pthread_mutex_lock(&wire->lock);
    int index = wire->nports;
    if (index >= AXN_SIM_MAX_PORTS) {
        pthread_mutex_unlock(&wire->lock);
        return -AXN_ENOSPC;
    }
    struct axn_sim_port *port = &wire->ports[index];
    axn_sim_port_init(port, wire, index, mac, driver_out);
    axn_sim_irq_init(port, irq, driver_out);
    wire->nports++;
    pthread_mutex_unlock(&wire->lock);
    return index;
}

int axn_sim_port_irq_stats(struct axn_sim_wire *wire, int index, struct axn_sim_irq_stats *out)
{
    if (!wire || !out)
        return -AXN_EINVAL;
    pthread_mutex_lock(&wire->lock);
    const struct axn_sim_irq_line *line =
        index >= 0 && index < wire->nports ? &wire->ports[index].irq : NULL;
    pthread_mutex_unlock(&wire->lock);
    /* Ports never go away before the wire; the line is atomics. */
    if (!line || !line->present)
        return -AXN_EINVAL;
    memset(out, 0, sizeof(*out));
    out->enabled = atomic_load(&line->enabled);
    out->handler_taken = atomic_load(&line->handler_taken);
    out->raised = atomic_load(&line->raised);
    out->handled = atomic_load(&line->handled);
    out->rx_ready = atomic_load(&line->rx_ready);
    out->spurious = atomic_load(&line->spurious);
    out->queue_calls_in_irq = atomic_load(&line->queue_calls_in_irq);
    return 0;
}
