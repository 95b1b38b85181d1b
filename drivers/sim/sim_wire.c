/*
 * The simulated wire: lifecycle, virtual clock, delivery of due frames to
 * the ports' RX queues, configuration and counters.
 */
#include <stdlib.h>
#include <string.h>

#include "axnet/errno.h"
#include "sim_internal.h"

static bool impairments_valid(const struct axn_sim_impairments *imp)
{
    return imp->loss_ppm <= AXN_SIM_PPM_ALWAYS && imp->corrupt_ppm <= AXN_SIM_PPM_ALWAYS &&
           imp->duplicate_ppm <= AXN_SIM_PPM_ALWAYS && imp->reorder_ppm <= AXN_SIM_PPM_ALWAYS &&
           imp->queue_len <= AXN_SIM_EGRESS_QUEUE_LEN;
}

static bool config_valid(const struct axn_sim_wire_config *cfg)
{
    return impairments_valid(&cfg->impair) && cfg->max_in_flight <= AXN_SIM_MAX_IN_FLIGHT &&
           cfg->rx_queue_len <= AXN_SIM_PORT_RX_QUEUE_LEN;
}

/* Called with the lock held: ports are added concurrently. */
static struct axn_sim_port *port_at(struct axn_sim_wire *wire, int index)
{
    if (index < 0 || index >= wire->nports)
        return NULL;
    return &wire->ports[index];
}

int axn_sim_wire_create(struct axn_sim_wire **out, const struct axn_sim_wire_config *cfg,
                        uint64_t seed)
{
    static const struct axn_sim_wire_config perfect;
    if (!out)
        return -AXN_EINVAL;
    if (!cfg)
        cfg = &perfect;
    if (!config_valid(cfg))
        return -AXN_EINVAL;

    struct axn_sim_wire *wire = calloc(1, sizeof(*wire));
    if (!wire)
        return -AXN_ENOMEM;
    wire->max_in_flight = cfg->max_in_flight ? cfg->max_in_flight : AXN_SIM_MAX_IN_FLIGHT;
    wire->rx_queue_len = cfg->rx_queue_len ? cfg->rx_queue_len : AXN_SIM_PORT_RX_QUEUE_LEN;
    if (axn_sim_heap_init(&wire->in_flight, wire->max_in_flight) != 0) {
        free(wire);
        return -AXN_ENOMEM;
    }
    if (pthread_mutex_init(&wire->lock, NULL) != 0) {
        axn_sim_heap_destroy(&wire->in_flight);
        free(wire);
        return -AXN_ENOMEM;
    }
    wire->impair = cfg->impair;
    wire->now = cfg->start_time;
    axn_sim_prng_seed(&wire->rng, seed);
    *out = wire;
    return 0;
}

void axn_sim_wire_destroy(struct axn_sim_wire *wire)
{
    if (!wire)
        return;
    for (int i = 0; i < wire->nports; i++)
        axn_sim_port_release(&wire->ports[i]);
    axn_sim_heap_destroy(&wire->in_flight);
    pthread_mutex_destroy(&wire->lock);
    free(wire);
}

int axn_sim_wire_add_port(struct axn_sim_wire *wire, const struct axn_mac *mac,
                          struct axn_eth_driver *driver_out)
{
    if (!wire || !mac || !driver_out)
        return -AXN_EINVAL;
    pthread_mutex_lock(&wire->lock);
    int index = wire->nports;
    if (index >= AXN_SIM_MAX_PORTS) {
        pthread_mutex_unlock(&wire->lock);
        return -AXN_ENOSPC;
    }
    axn_sim_port_init(&wire->ports[index], wire, index, mac, driver_out);
    wire->nports++;
    pthread_mutex_unlock(&wire->lock);
    return index;
}

static void enqueue_rx(struct axn_sim_wire *wire, struct axn_sim_frame *frame)
{
    struct axn_sim_port *port = &wire->ports[frame->dst];
    if (port->rx_count >= wire->rx_queue_len) {
        port->stats.rx_queue_drops++;
        axn_sim_frame_free(frame);
        return;
    }
    if (wire->observer)
        wire->observer(wire->observer_ctx, frame->dst, frame->due, frame->data, frame->len);
    frame->next = NULL;
    if (port->rx_tail)
        port->rx_tail->next = frame;
    else
        port->rx_head = frame;
    port->rx_tail = frame;
    port->rx_count++;
    axn_sim_irq_frame_arrived(port);
}

void axn_sim_wire_deliver_due(struct axn_sim_wire *wire)
{
    struct axn_sim_frame *top;
    while ((top = axn_sim_heap_peek(&wire->in_flight)) && top->due <= wire->now)
        enqueue_rx(wire, axn_sim_heap_pop(&wire->in_flight));
}

void axn_sim_wire_unlock(struct axn_sim_wire *wire)
{
    struct axn_sim_irq_line *owed[AXN_SIM_MAX_PORTS];
    int n = 0;
    if (wire->irq_owed) {
        wire->irq_owed = false;
        for (int i = 0; i < wire->nports; i++) {
            struct axn_sim_irq_line *line = &wire->ports[i].irq;
            if (line->raise_owed) {
                line->raise_owed = false;
                owed[n++] = line;
            }
        }
    }
    pthread_mutex_unlock(&wire->lock);
    /* Outside the lock: the raise runs the IRQ actions, which may call
     * back into the wire (they must not touch the queues, but may read
     * counters), and a NIC's interrupt is not raised under its queue lock. */
    for (int i = 0; i < n; i++)
        axn_sim_irq_raise(owed[i]);
}

int axn_sim_wire_set_time(struct axn_sim_wire *wire, axn_time_t now)
{
    if (!wire)
        return -AXN_EINVAL;
    pthread_mutex_lock(&wire->lock);
    int err = 0;
    if (now < wire->now) {
        err = -AXN_EINVAL;
    } else {
        wire->now = now;
        axn_sim_wire_deliver_due(wire);
    }
    axn_sim_wire_unlock(wire);
    return err;
}

axn_time_t axn_sim_wire_time(struct axn_sim_wire *wire)
{
    pthread_mutex_lock(&wire->lock);
    axn_time_t now = wire->now;
    pthread_mutex_unlock(&wire->lock);
    return now;
}

axn_time_t axn_sim_wire_next_event(struct axn_sim_wire *wire)
{
    pthread_mutex_lock(&wire->lock);
    const struct axn_sim_frame *top = axn_sim_heap_peek(&wire->in_flight);
    axn_time_t next = top ? top->due : AXN_TIME_NEVER;
    pthread_mutex_unlock(&wire->lock);
    return next;
}

uint32_t axn_sim_wire_in_flight(struct axn_sim_wire *wire)
{
    pthread_mutex_lock(&wire->lock);
    uint32_t n = wire->in_flight.len;
    pthread_mutex_unlock(&wire->lock);
    return n;
}

int axn_sim_wire_set_impairments(struct axn_sim_wire *wire, const struct axn_sim_impairments *imp)
{
    if (!wire || !imp || !impairments_valid(imp))
        return -AXN_EINVAL;
    pthread_mutex_lock(&wire->lock);
    wire->impair = *imp;
    pthread_mutex_unlock(&wire->lock);
    return 0;
}

int axn_sim_port_set_impairments(struct axn_sim_wire *wire, int index,
                                 const struct axn_sim_impairments *imp)
{
    if (!wire || (imp && !impairments_valid(imp)))
        return -AXN_EINVAL;
    pthread_mutex_lock(&wire->lock);
    struct axn_sim_port *port = port_at(wire, index);
    if (port) {
        port->has_override = imp != NULL;
        if (imp)
            port->override = *imp;
    }
    pthread_mutex_unlock(&wire->lock);
    return port ? 0 : -AXN_EINVAL;
}

int axn_sim_port_stats(struct axn_sim_wire *wire, int index, struct axn_sim_port_stats *out)
{
    if (!wire || !out)
        return -AXN_EINVAL;
    pthread_mutex_lock(&wire->lock);
    struct axn_sim_port *port = port_at(wire, index);
    if (port)
        *out = port->stats;
    pthread_mutex_unlock(&wire->lock);
    return port ? 0 : -AXN_EINVAL;
}

int axn_sim_port_rx_pending(struct axn_sim_wire *wire, int index)
{
    if (!wire)
        return -AXN_EINVAL;
    pthread_mutex_lock(&wire->lock);
    axn_sim_wire_deliver_due(wire);
    struct axn_sim_port *port = port_at(wire, index);
    int n = port ? (int)port->rx_count : -AXN_EINVAL;
    axn_sim_wire_unlock(wire);
    return n;
}

void axn_sim_wire_set_observer(struct axn_sim_wire *wire, axn_sim_observer_fn fn, void *ctx)
{
    pthread_mutex_lock(&wire->lock);
    wire->observer = fn;
    wire->observer_ctx = ctx;
    pthread_mutex_unlock(&wire->lock);
}
