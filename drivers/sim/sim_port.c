/*
 * A port of the simulated wire seen as an Ethernet driver (axnet/driver.h).
 * Strict about the ownership contract, so that a stack bug shows up in the
 * simulation rather than on hardware: one RX and one TX buffer lent at a
 * time, and only the lent buffer may be handed back.
 */
#include <stdio.h>
#include <string.h>

#include "axnet/errno.h"
#include "sim_internal.h"

static const char *sim_name(void *drv)
{
    struct axn_sim_port *port = drv;
    return port->name;
}

static void sim_mac_address(void *drv, struct axn_mac *mac)
{
    struct axn_sim_port *port = drv;
    *mac = port->mac;
}

static struct axn_sim_frame *pop_rx(struct axn_sim_port *port)
{
    struct axn_sim_frame *frame = port->rx_head;
    if (!frame)
        return NULL;
    port->rx_head = frame->next;
    if (!port->rx_head)
        port->rx_tail = NULL;
    port->rx_count--;
    frame->next = NULL;
    return frame;
}

static int sim_receive(void *drv, struct axn_rx_buf *rx)
{
    struct axn_sim_port *port = drv;
    struct axn_sim_wire *wire = port->wire;
    int err = 0;

    axn_sim_irq_note_queue_call(port);
    pthread_mutex_lock(&wire->lock);
    axn_sim_wire_deliver_due(wire);
    struct axn_sim_frame *frame = NULL;
    if (port->lent_rx)
        err = -AXN_EBADFD; /* the previous frame was never recycled */
    else if (!(frame = pop_rx(port)))
        err = -AXN_EAGAIN;
    if (frame) {
        port->lent_rx = frame;
        port->stats.rx_frames++;
        port->stats.rx_bytes += frame->len;
        memset(rx, 0, sizeof(*rx));
        rx->data = frame->data;
        rx->len = frame->len;
        rx->priv = frame;
    }
    axn_sim_wire_unlock(wire);
    return err;
}

static int sim_recycle_rx(void *drv, struct axn_rx_buf *rx)
{
    struct axn_sim_port *port = drv;
    struct axn_sim_wire *wire = port->wire;
    int err = -AXN_EINVAL;

    axn_sim_irq_note_queue_call(port);
    pthread_mutex_lock(&wire->lock);
    if (rx && rx->priv && rx->priv == port->lent_rx) {
        axn_sim_frame_free(port->lent_rx);
        port->lent_rx = NULL;
        memset(rx, 0, sizeof(*rx));
        err = 0;
    }
    pthread_mutex_unlock(&wire->lock);
    return err;
}

static int sim_recycle_tx(void *drv)
{
    /* transmit completes at once: nothing to reclaim */
    axn_sim_irq_note_queue_call(drv);
    return 0;
}

static int sim_alloc_tx(void *drv, size_t len, struct axn_tx_buf *tx)
{
    struct axn_sim_port *port = drv;
    struct axn_sim_wire *wire = port->wire;

    axn_sim_irq_note_queue_call(port);
    if (len < AXN_ETH_HLEN || len > AXN_SIM_FRAME_MAX)
        return -AXN_EINVAL;
    pthread_mutex_lock(&wire->lock);
    int err = 0;
    struct axn_sim_frame *frame = NULL;
    if (port->lent_tx)
        err = -AXN_EBADFD; /* the previous buffer was neither sent nor aborted */
    else if (!(frame = axn_sim_frame_alloc(len)))
        err = -AXN_ENOMEM;
    if (frame) {
        port->lent_tx = frame;
        memset(tx, 0, sizeof(*tx));
        tx->data = frame->data;
        tx->len = len;
        tx->priv = frame;
    }
    pthread_mutex_unlock(&wire->lock);
    return err;
}

/* Takes back the lent TX buffer `tx` names; NULL if it names none. */
static struct axn_sim_frame *take_tx(struct axn_sim_port *port, struct axn_tx_buf *tx)
{
    if (!tx || !tx->priv || tx->priv != port->lent_tx)
        return NULL;
    struct axn_sim_frame *frame = port->lent_tx;
    port->lent_tx = NULL;
    return frame;
}

static int sim_transmit(void *drv, struct axn_tx_buf *tx)
{
    struct axn_sim_port *port = drv;
    struct axn_sim_wire *wire = port->wire;
    int err = 0;

    axn_sim_irq_note_queue_call(port);
    pthread_mutex_lock(&wire->lock);
    struct axn_sim_frame *frame = take_tx(port, tx);
    if (!frame) {
        err = -AXN_EINVAL;
    } else if (tx->len < AXN_ETH_HLEN || tx->len > frame->cap) {
        axn_sim_frame_free(frame); /* the buffer is ours again, sent or not */
        err = -AXN_EINVAL;
    } else {
        frame->len = tx->len;
        axn_sim_egress(port, frame);
        /* A frame due now is receivable (and observed) at once. */
        axn_sim_wire_deliver_due(wire);
    }
    if (frame)
        memset(tx, 0, sizeof(*tx));
    axn_sim_wire_unlock(wire);
    return err;
}

static void sim_abort_tx(void *drv, struct axn_tx_buf *tx)
{
    struct axn_sim_port *port = drv;
    struct axn_sim_wire *wire = port->wire;

    axn_sim_irq_note_queue_call(port);
    pthread_mutex_lock(&wire->lock);
    struct axn_sim_frame *frame = take_tx(port, tx);
    if (frame) {
        axn_sim_frame_free(frame);
        memset(tx, 0, sizeof(*tx));
    }
    pthread_mutex_unlock(&wire->lock);
}

/* No IRQ ops: a plain simulated port is polled. */
static const struct axn_eth_driver_ops sim_ops = {
    .name = sim_name,
    .mac_address = sim_mac_address,
    .receive = sim_receive,
    .recycle_rx = sim_recycle_rx,
    .recycle_tx = sim_recycle_tx,
    .alloc_tx = sim_alloc_tx,
    .transmit = sim_transmit,
    .abort_tx = sim_abort_tx,
};

/* A port with an IRQ line (axn_sim_wire_add_irq_port, sim_irq.c). */
const struct axn_eth_driver_ops axn_sim_irq_port_ops = {
    .name = sim_name,
    .mac_address = sim_mac_address,
    .receive = sim_receive,
    .recycle_rx = sim_recycle_rx,
    .recycle_tx = sim_recycle_tx,
    .alloc_tx = sim_alloc_tx,
    .transmit = sim_transmit,
    .abort_tx = sim_abort_tx,
    .irq_id = axn_sim_irq_id,
    .enable_irq = axn_sim_irq_enable,
    .disable_irq = axn_sim_irq_disable,
    .take_irq_handler = axn_sim_irq_take_handler,
};

void axn_sim_port_init(struct axn_sim_port *port, struct axn_sim_wire *wire, int index,
                       const struct axn_mac *mac, struct axn_eth_driver *driver_out)
{
    memset(port, 0, sizeof(*port));
    port->wire = wire;
    port->index = index;
    port->mac = *mac;
    snprintf(port->name, sizeof(port->name), "sim%d", index);

    memset(driver_out, 0, sizeof(*driver_out));
    driver_out->ops = &sim_ops;
    driver_out->drv = port;
}

void axn_sim_port_release(struct axn_sim_port *port)
{
    struct axn_sim_frame *frame;
    while ((frame = pop_rx(port)))
        axn_sim_frame_free(frame);
    axn_sim_frame_free(port->lent_rx);
    axn_sim_frame_free(port->lent_tx);
    port->lent_rx = NULL;
    port->lent_tx = NULL;
}
