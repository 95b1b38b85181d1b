/*
 * Simulated Ethernet (hosted only): a learning switch in one process that
 * connects up to AXN_SIM_MAX_PORTS devices, driven by a virtual clock.
 *
 * Each port is an ordinary `struct axn_eth_driver`, so a stack uses it like a
 * NIC. Nothing here reads a real clock: the caller moves the wire's time
 * forward with axn_sim_wire_set_time() and may jump straight to
 * axn_sim_wire_next_event(). Every random decision (loss, jitter, reordering,
 * duplication, corruption) comes from one PRNG seeded at creation, so the same
 * seed and the same sequence of calls give the same traffic, frame for frame.
 *
 * What happens to a frame handed to a port's transmit(), in this order, with
 * the impairments of the SENDING port (its override, else the wire default):
 *
 *   1. learning: the source MAC (if unicast) now lives behind this port;
 *   2. bandwidth: the frame waits for the frames before it on this port,
 *      then takes len*8/bandwidth to serialise; a full egress queue drops it
 *      (egress_drops);
 *   3. loss (lost), corruption of one random bit (corrupted), duplication
 *      (duplicated), each drawn in that order; corruption comes before
 *      forwarding, so a flipped destination MAC changes where a frame goes;
 *   4. due time = end of serialisation + delay + uniform[0, jitter]
 *      (+ reorder_delay for a frame picked for reordering: reordered);
 *   5. forwarding: unicast to the port that last sent from the destination
 *      MAC, otherwise (unknown, broadcast, multicast) flooded to every other
 *      port; each copy is one frame in flight (beyond the wire's bound:
 *      inflight_drops).
 *
 * A frame whose due time has come moves to its port's RX queue (beyond its
 * bound: rx_queue_drops at that port) and is then returned by receive().
 * Frames with the same due time arrive in the order they were sent.
 *
 * The driver keeps the contract of axnet/driver.h: one RX buffer and one TX
 * buffer lent at a time per port; frames carry no FCS and are not padded.
 * A port made by axn_sim_wire_add_port has no IRQ: the stack polls it. One
 * made by axn_sim_wire_add_irq_port has an IRQ line (spec DRV-6/7, ETH-2/3):
 * a frame reaching its RX queue raises the line, see there. All calls are
 * thread-safe (one lock per wire).
 */
#ifndef AXNET_HOSTED_SIM_WIRE_H
#define AXNET_HOSTED_SIM_WIRE_H

#include "axnet/config.h"
#include "axnet/driver.h"
#include "axnet/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Probabilities are integers in parts per million: exact and replayable. */
#define AXN_SIM_PPM_ALWAYS 1000000u
/* A percentage (a constant expression, e.g. AXN_SIM_PERCENT(2.5)) in ppm. */
#define AXN_SIM_PERCENT(p) ((uint32_t)((p) * (AXN_SIM_PPM_ALWAYS / 100u)))

/* Largest frame a port accepts or delivers (no FCS). */
#define AXN_SIM_FRAME_MAX AXN_ETH_FRAME_MAX

/* What the link does to the frames a port sends. All zero: a perfect link. */
struct axn_sim_impairments {
    uint32_t loss_ppm;        /* frame vanishes */
    uint32_t corrupt_ppm;     /* one random bit of one random byte flips */
    uint32_t duplicate_ppm;   /* frame arrives twice */
    uint32_t reorder_ppm;     /* frame is held back by reorder_delay */
    axn_time_t delay;         /* fixed propagation delay, µs */
    axn_time_t jitter;        /* extra delay, uniform in [0, jitter] µs */
    axn_time_t reorder_delay; /* hold-back of a reordered frame, µs */
    uint64_t bandwidth_bps;   /* serialisation rate, bits/s; 0 = unlimited */
    /* Frames waiting for or in serialisation before tail drop; 0 means
     * AXN_SIM_EGRESS_QUEUE_LEN, which is also the maximum. */
    uint32_t queue_len;
};

struct axn_sim_wire_config {
    struct axn_sim_impairments impair; /* default for every port */
    axn_time_t start_time;             /* initial virtual time, µs */
    /* Bounds; 0 means the config.h maximum, larger is -AXN_EINVAL. */
    uint32_t max_in_flight; /* AXN_SIM_MAX_IN_FLIGHT */
    uint32_t rx_queue_len;  /* AXN_SIM_PORT_RX_QUEUE_LEN */
};

struct axn_sim_port_stats {
    uint64_t tx_frames; /* accepted by transmit() */
    uint64_t tx_bytes;
    uint64_t rx_frames; /* handed out by receive() */
    uint64_t rx_bytes;
    /* Impairments applied to frames this port sent. */
    uint64_t lost;
    uint64_t corrupted;
    uint64_t duplicated;
    uint64_t reordered;
    /* Bounded-memory drops. */
    uint64_t egress_drops;   /* sent while this port's egress queue was full */
    uint64_t inflight_drops; /* sent while the wire's in-flight bound was hit */
    uint64_t rx_queue_drops; /* due for this port while its RX queue was full */
};

/* Sees every frame as it reaches a port's RX queue, at virtual time `at`.
 * Runs with the wire locked: it must not call back into the wire. */
typedef void (*axn_sim_observer_fn)(void *ctx, int port, axn_time_t at, const uint8_t *frame,
                                    size_t len);

struct axn_sim_wire;

/* Creates a wire with no ports. `cfg` may be NULL (perfect links, time 0).
 * Returns 0, -AXN_EINVAL (bad config) or -AXN_ENOMEM. */
int axn_sim_wire_create(struct axn_sim_wire **out, const struct axn_sim_wire_config *cfg,
                        uint64_t seed);

/* Frees the wire, every frame in it and every buffer still lent out: the
 * drivers of its ports must no longer be used. NULL is ignored. */
void axn_sim_wire_destroy(struct axn_sim_wire *wire);

/* Adds a port with MAC `mac` and fills `driver_out` with its driver.
 * Returns the port index (0, 1, ...) or -AXN_ENOSPC / -AXN_EINVAL. */
int axn_sim_wire_add_port(struct axn_sim_wire *wire, const struct axn_mac *mac,
                          struct axn_eth_driver *driver_out);

/* Moves virtual time to `now` (µs); frames due at or before it become
 * receivable. Returns 0, or -AXN_EINVAL if `now` is earlier than the wire's
 * time (time never goes back). */
int axn_sim_wire_set_time(struct axn_sim_wire *wire, axn_time_t now);

axn_time_t axn_sim_wire_time(struct axn_sim_wire *wire);

/* Due time of the earliest frame still in flight, or AXN_TIME_NEVER. Frames
 * already in RX queues are not pending: they are receivable now. */
axn_time_t axn_sim_wire_next_event(struct axn_sim_wire *wire);

/* Frames in flight (sent, not yet due). */
uint32_t axn_sim_wire_in_flight(struct axn_sim_wire *wire);

/* Replaces the default impairments (ports without an override follow).
 * Returns 0 or -AXN_EINVAL. */
int axn_sim_wire_set_impairments(struct axn_sim_wire *wire, const struct axn_sim_impairments *imp);

/* Overrides the impairments of frames `port` sends; NULL returns it to the
 * wire default. Returns 0 or -AXN_EINVAL. */
int axn_sim_port_set_impairments(struct axn_sim_wire *wire, int port,
                                 const struct axn_sim_impairments *imp);

/* Copies the counters of `port`. Returns 0 or -AXN_EINVAL. */
int axn_sim_port_stats(struct axn_sim_wire *wire, int port, struct axn_sim_port_stats *out);

/* Frames waiting in the RX queue of `port` (receivable now), or -AXN_EINVAL. */
int axn_sim_port_rx_pending(struct axn_sim_wire *wire, int port);

/* Installs (or with NULL removes) the delivery observer. */
void axn_sim_wire_set_observer(struct axn_sim_wire *wire, axn_sim_observer_fn fn, void *ctx);

/* ---- Optional IRQ line of a port (DRV-6, DRV-7) ----------------------------
 *
 * The wire plays the NIC's interrupt controller output: when a frame
 * reaches the RX queue of a port with an IRQ line, the port latches
 * "RX ready" and, if its IRQ is enabled (enable_irq), raises the line by
 * calling `raise(ctx, irq)`. Several frames reaching the port in one wire
 * call raise it once. The call is made after the wire lock is released, on
 * the thread whose wire call moved the frame (transmit, set_time, receive,
 * rx_pending): that thread plays hard-IRQ context while it runs, and the
 * wire counts any RX/TX queue call it makes meanwhile (queue_calls_in_irq),
 * which the driver contract forbids (DRV-7). Edge semantics, as an MSI: a
 * frame arriving while the IRQ is disabled raises nothing later; the stack's
 * first look at the device after it starts finds such frames.
 *
 * The driver's irq_id reports `irq`; take_irq_handler hands out, once, a
 * handler whose handle() only reads and clears the latch: AXN_IRQ_RX_READY
 * if a frame reached the port since the last call, else AXN_IRQ_SPURIOUS.
 * It takes no lock, so it is safe wherever `raise` runs it.
 */

/* Raises IRQ `irq`: typically the platform's registrar running the actions
 * registered for it (e.g. a test platform's "raise" hook). */
typedef void (*axn_sim_irq_raise_fn)(void *ctx, int irq);

struct axn_sim_irq_config {
    int irq;                    /* what irq_id() reports; must be >= 0 */
    axn_sim_irq_raise_fn raise; /* NULL: the latch is kept, nothing is raised */
    void *ctx;
};

struct axn_sim_irq_stats {
    bool enabled;       /* enable_irq called, disable_irq not since */
    bool handler_taken; /* take_irq_handler succeeded (DRV-7: once) */
    uint64_t raised;    /* calls of `raise` */
    uint64_t handled;   /* calls of the handler's handle() */
    uint64_t rx_ready;  /* ... that reported AXN_IRQ_RX_READY */
    uint64_t spurious;  /* ... that reported AXN_IRQ_SPURIOUS only */
    /* receive, recycle_rx, recycle_tx, alloc_tx, transmit or abort_tx on
     * this port from a thread inside `raise`: a contract breach, must be 0. */
    uint64_t queue_calls_in_irq;
};

/* Like axn_sim_wire_add_port, but the port's driver has an IRQ line as
 * `irq` says (irq_id, enable_irq, disable_irq, take_irq_handler). Returns
 * the port index, -AXN_ENOSPC, or -AXN_EINVAL (also for a negative irq). */
int axn_sim_wire_add_irq_port(struct axn_sim_wire *wire, const struct axn_mac *mac,
                              const struct axn_sim_irq_config *irq,
                              struct axn_eth_driver *driver_out);

/* Copies the IRQ counters of `port`. Returns 0, or -AXN_EINVAL (no such
 * port, or a port without an IRQ line). */
int axn_sim_port_irq_stats(struct axn_sim_wire *wire, int port, struct axn_sim_irq_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* AXNET_HOSTED_SIM_WIRE_H */
