/*
 * State of the simulated wire, shared by the files of drivers/sim/. Every
 * function declared here expects the wire lock to be held by its caller.
 */
#ifndef AXN_DRIVERS_SIM_INTERNAL_H
#define AXN_DRIVERS_SIM_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "axnet/config.h"
#include "axnet/hosted/sim_wire.h"
#include "sim_prng.h"

/* "sim" + the port index + NUL, with room to spare. */
#define AXN_SIM_PORT_NAME_LEN 16

/* One frame: lent to a driver user, in flight, or queued for reception. */
struct axn_sim_frame {
    struct axn_sim_frame *next; /* RX queue link */
    axn_time_t due;             /* virtual time it reaches its port */
    uint64_t seq;               /* send order: breaks ties between equal due times */
    int dst;                    /* destination port */
    size_t len;
    size_t cap;
    uint8_t data[];
};

/* Frames in flight, a binary min-heap on (due, seq). */
struct axn_sim_heap {
    struct axn_sim_frame **items;
    uint32_t len;
    uint32_t cap;
};

/*
 * A port's IRQ line (sim_wire.h). `present`, `irq`, `raise` and `raise_ctx`
 * are set when the port is added and never change. The handler (DRV-7)
 * gets a pointer to this narrow object, never to the port: it touches only
 * the atomics, so it needs no wire lock and cannot reach the queues.
 */
struct axn_sim_irq_line {
    bool present;
    int irq;
    axn_sim_irq_raise_fn raise;
    void *raise_ctx;
    bool raise_owed; /* wire lock: a frame arrived while enabled; raise on unlock */
    atomic_bool enabled;
    atomic_bool handler_taken;
    atomic_bool rx_latched; /* a frame reached the RX queue since the last handle() */
    _Atomic uint64_t raised;
    _Atomic uint64_t handled;
    _Atomic uint64_t rx_ready;
    _Atomic uint64_t spurious;
    _Atomic uint64_t queue_calls_in_irq;
};

struct axn_sim_port {
    struct axn_sim_wire *wire;
    int index;
    struct axn_mac mac;
    char name[AXN_SIM_PORT_NAME_LEN];

    bool has_override;
    struct axn_sim_impairments override;

    /* Serialisation, in ns so that small frames on fast links do not each
     * round up to a whole µs. The ring holds the finish time of every frame
     * still waiting for or in serialisation, oldest first. */
    uint64_t busy_until_ns;
    uint64_t egress_finish_ns[AXN_SIM_EGRESS_QUEUE_LEN];
    uint32_t egress_head;
    uint32_t egress_count;

    /* Frames due, waiting for receive(). */
    struct axn_sim_frame *rx_head;
    struct axn_sim_frame *rx_tail;
    uint32_t rx_count;

    /* The one buffer per direction currently lent out (driver.h DRV-2). */
    struct axn_sim_frame *lent_rx;
    struct axn_sim_frame *lent_tx;

    struct axn_sim_port_stats stats;
    struct axn_sim_irq_line irq;
};

struct axn_sim_mac_entry {
    struct axn_mac mac;
    int port;
    uint64_t last_seen; /* learning order, to replace the stalest entry */
    bool used;
};

struct axn_sim_wire {
    pthread_mutex_t lock;
    struct axn_sim_prng rng;
    struct axn_sim_impairments impair;
    axn_time_t now;
    uint32_t max_in_flight;
    uint32_t rx_queue_len;
    uint64_t next_seq;
    struct axn_sim_heap in_flight;

    struct axn_sim_mac_entry macs[AXN_SIM_MAC_TABLE_LEN];
    uint64_t learn_clock;

    axn_sim_observer_fn observer;
    void *observer_ctx;

    /* Some port's raise_owed is set: axn_sim_wire_unlock has raising to do. */
    bool irq_owed;

    int nports;
    struct axn_sim_port ports[AXN_SIM_MAX_PORTS];
};

/* ---- sim_frame.c ---- */
struct axn_sim_frame *axn_sim_frame_alloc(size_t cap);
struct axn_sim_frame *axn_sim_frame_clone(const struct axn_sim_frame *frame);
void axn_sim_frame_free(struct axn_sim_frame *frame);

/* ---- sim_heap.c ---- */
int axn_sim_heap_init(struct axn_sim_heap *heap, uint32_t cap);
/* Frees the heap and every frame still in it. */
void axn_sim_heap_destroy(struct axn_sim_heap *heap);
/* Caller checks there is room (len < cap). */
void axn_sim_heap_push(struct axn_sim_heap *heap, struct axn_sim_frame *frame);
struct axn_sim_frame *axn_sim_heap_peek(const struct axn_sim_heap *heap);
struct axn_sim_frame *axn_sim_heap_pop(struct axn_sim_heap *heap);

/* ---- sim_switch.c: the MAC learning table ---- */
void axn_sim_switch_learn(struct axn_sim_wire *wire, const uint8_t *mac, int port);
/* The port behind `mac`, or -1 if unknown. */
int axn_sim_switch_lookup(const struct axn_sim_wire *wire, const uint8_t *mac);

/* ---- sim_egress.c: what transmit() does to a frame ---- */
/* Takes ownership of `frame` (frame->len set) sent by `port`. */
void axn_sim_egress(struct axn_sim_port *port, struct axn_sim_frame *frame);

/* ---- sim_wire.c ---- */
/* Moves every frame due by the wire's time into its port's RX queue. */
void axn_sim_wire_deliver_due(struct axn_sim_wire *wire);
/* Releases the wire lock, then raises the IRQ lines frames reached while it
 * was held (sim_wire.h): every path that delivers unlocks through this. */
void axn_sim_wire_unlock(struct axn_sim_wire *wire);

/* ---- sim_port.c ---- */
void axn_sim_port_init(struct axn_sim_port *port, struct axn_sim_wire *wire, int index,
                       const struct axn_mac *mac, struct axn_eth_driver *driver_out);
/* Frees the RX queue and any lent buffers. */
void axn_sim_port_release(struct axn_sim_port *port);

/* ---- sim_irq.c: the optional IRQ line ---- */
/* Gives a freshly initialised port its line and `driver_out` the IRQ ops. */
void axn_sim_irq_init(struct axn_sim_port *port, const struct axn_sim_irq_config *cfg,
                      struct axn_eth_driver *driver_out);
/* A frame reached the port's RX queue: latch, and owe a raise if enabled. */
void axn_sim_irq_frame_arrived(struct axn_sim_port *port);
/* Raises the line now. Wire lock NOT held: the raise runs the IRQ actions. */
void axn_sim_irq_raise(struct axn_sim_irq_line *line);
/* Counts a queue op on `port` made from inside a raise on this thread. */
void axn_sim_irq_note_queue_call(struct axn_sim_port *port);
/* The driver's IRQ ops (driver.h); `drv` is the port. */
int axn_sim_irq_id(void *drv);
void axn_sim_irq_enable(void *drv);
void axn_sim_irq_disable(void *drv);
int axn_sim_irq_take_handler(void *drv, struct axn_irq_handler *handler);
/* The port driver's ops with those added (sim_port.c). */
extern const struct axn_eth_driver_ops axn_sim_irq_port_ops;

#endif /* AXN_DRIVERS_SIM_INTERNAL_H */
