/*
 * What the wire does to a frame a port transmits: learning, serialisation,
 * impairments, forwarding (the order is documented in sim_wire.h and is part
 * of what a seed replays, so keep it stable).
 */
#include <string.h>

#include "axnet/driver.h"
#include "sim_internal.h"

#define NSEC_PER_USEC 1000ull
#define NSEC_PER_SEC  1000000000ull
#define BITS_PER_BYTE 8u

#define ETH_DST_OFFSET 0
#define ETH_SRC_OFFSET AXN_ETH_ALEN

static const struct axn_sim_impairments *impairments_of(const struct axn_sim_port *port)
{
    return port->has_override ? &port->override : &port->wire->impair;
}

/* Forgets the frames whose serialisation ended by `now_ns`. */
static void retire_serialised(struct axn_sim_port *port, uint64_t now_ns)
{
    while (port->egress_count > 0 && port->egress_finish_ns[port->egress_head] <= now_ns) {
        port->egress_head = (port->egress_head + 1) % AXN_SIM_EGRESS_QUEUE_LEN;
        port->egress_count--;
    }
}

static void queue_finish(struct axn_sim_port *port, uint64_t finish_ns)
{
    uint32_t tail = (port->egress_head + port->egress_count) % AXN_SIM_EGRESS_QUEUE_LEN;
    port->egress_finish_ns[tail] = finish_ns;
    port->egress_count++;
}

/*
 * Sets *depart to the µs the last bit leaves the port (store and forward).
 * Returns false when the egress queue is full and the frame is tail-dropped.
 */
static bool serialise(struct axn_sim_port *port, const struct axn_sim_impairments *imp, size_t len,
                      axn_time_t *depart)
{
    axn_time_t now = port->wire->now;
    if (imp->bandwidth_bps == 0) {
        *depart = now;
        return true;
    }
    uint64_t now_ns = now * NSEC_PER_USEC;
    uint32_t limit = imp->queue_len ? imp->queue_len : AXN_SIM_EGRESS_QUEUE_LEN;
    retire_serialised(port, now_ns);
    if (port->egress_count >= limit)
        return false;

    uint64_t start_ns = port->busy_until_ns > now_ns ? port->busy_until_ns : now_ns;
    uint64_t bits = (uint64_t)len * BITS_PER_BYTE;
    uint64_t finish_ns = start_ns + bits * NSEC_PER_SEC / imp->bandwidth_bps;
    port->busy_until_ns = finish_ns;
    queue_finish(port, finish_ns);
    *depart = (finish_ns + NSEC_PER_USEC - 1) / NSEC_PER_USEC;
    return true;
}

static void corrupt(struct axn_sim_wire *wire, struct axn_sim_frame *frame)
{
    uint64_t byte = axn_sim_prng_below(&wire->rng, frame->len);
    uint64_t bit = axn_sim_prng_below(&wire->rng, BITS_PER_BYTE);
    frame->data[byte] ^= (uint8_t)(1u << bit);
}

static axn_time_t due_time(struct axn_sim_port *port, const struct axn_sim_impairments *imp,
                           axn_time_t depart)
{
    struct axn_sim_wire *wire = port->wire;
    axn_time_t due = depart + imp->delay;
    if (imp->jitter)
        due += axn_sim_prng_below(&wire->rng, imp->jitter + 1);
    if (axn_sim_prng_chance(&wire->rng, imp->reorder_ppm)) {
        due += imp->reorder_delay;
        port->stats.reordered++;
    }
    return due;
}

/* Puts one copy in flight towards `dst`; consumes `copy`. */
static void launch(struct axn_sim_port *port, struct axn_sim_frame *copy, int dst, axn_time_t due)
{
    struct axn_sim_wire *wire = port->wire;
    if (!copy) {
        port->stats.inflight_drops++; /* no memory for the copy */
        return;
    }
    if (wire->in_flight.len >= wire->max_in_flight) {
        port->stats.inflight_drops++;
        axn_sim_frame_free(copy);
        return;
    }
    copy->dst = dst;
    copy->due = due;
    copy->seq = wire->next_seq++;
    copy->next = NULL;
    axn_sim_heap_push(&wire->in_flight, copy);
}

/* Fills `dst` with the ports the frame goes to; returns how many. */
static int destinations(struct axn_sim_port *port, const struct axn_sim_frame *frame,
                        int dst[AXN_SIM_MAX_PORTS])
{
    struct axn_sim_wire *wire = port->wire;
    int known = axn_sim_switch_lookup(wire, frame->data + ETH_DST_OFFSET);
    if (known >= 0) {
        /* A switch never sends a frame back out of the port it came in. */
        if (known == port->index)
            return 0;
        dst[0] = known;
        return 1;
    }
    int n = 0;
    for (int i = 0; i < wire->nports; i++) {
        if (i != port->index)
            dst[n++] = i;
    }
    return n;
}

static void forward(struct axn_sim_port *port, struct axn_sim_frame *frame, int copies,
                    axn_time_t due)
{
    int dst[AXN_SIM_MAX_PORTS];
    int n = destinations(port, frame, dst);
    for (int i = 0; i < n; i++) {
        for (int c = 0; c < copies; c++) {
            bool last = i == n - 1 && c == copies - 1;
            /* The original travels last, so every copy is made from it. */
            launch(port, last ? frame : axn_sim_frame_clone(frame), dst[i], due);
        }
    }
    if (n == 0)
        axn_sim_frame_free(frame);
}

void axn_sim_egress(struct axn_sim_port *port, struct axn_sim_frame *frame)
{
    struct axn_sim_wire *wire = port->wire;
    const struct axn_sim_impairments *imp = impairments_of(port);
    axn_time_t depart;

    port->stats.tx_frames++;
    port->stats.tx_bytes += frame->len;
    axn_sim_switch_learn(wire, frame->data + ETH_SRC_OFFSET, port->index);

    if (!serialise(port, imp, frame->len, &depart)) {
        port->stats.egress_drops++;
        axn_sim_frame_free(frame);
        return;
    }
    if (axn_sim_prng_chance(&wire->rng, imp->loss_ppm)) {
        port->stats.lost++;
        axn_sim_frame_free(frame);
        return;
    }
    if (axn_sim_prng_chance(&wire->rng, imp->corrupt_ppm)) {
        corrupt(wire, frame);
        port->stats.corrupted++;
    }
    int copies = 1;
    if (axn_sim_prng_chance(&wire->rng, imp->duplicate_ppm)) {
        copies = 2;
        port->stats.duplicated++;
    }
    forward(port, frame, copies, due_time(port, imp, depart));
}
