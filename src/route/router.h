/*
 * The router: many devices behind one protocol core (spec §3).
 *
 * It owns the device handles (device + lock + TX queue + counters + wake
 * state), the shared bounded RX queue every device feeds, and the loopback
 * fast path. The route table itself lives in the control plane (src/ctl),
 * which owns its lock; the router only asks it for decisions.
 *
 * Threads: an RX worker per device runs axn_router_rx_service(), a TX
 * worker per device runs axn_router_tx_service(), the poll path runs
 * axn_router_deliver() and axn_router_output() under the core lock. In
 * caller-polled mode axn_stack_poll() runs all of them in turn.
 */
#ifndef AXN_ROUTE_ROUTER_H
#define AXN_ROUTE_ROUTER_H

#include <stdatomic.h>

#include "axnet/config.h"
#include "axnet/netif.h"
#include "axnet/platform.h"
#include "dev/netdev.h"
#include "lib/pktq.h"

struct axn_ctl;

/* One device as the router holds it (RT-2). */
struct axn_dev_handle {
    struct axn_netdev *dev;
    void *dev_lock; /* platform mutex: serialises calls into `dev` */
    struct axn_pktq txq;
    void *txq_lock; /* platform spin lock */
    struct axn_if_counters counters;
    void *rx_event; /* wakes the RX worker; sticky (RT-33) */
    void *tx_event; /* wakes the TX worker */
    void *rx_thread;
    void *tx_thread;
    _Atomic bool up;
    _Atomic bool stopping;
    struct axn_router *router;
};

/* Called by axn_router_deliver for every IP packet, in order. */
typedef void (*axn_router_input_fn)(void *ctx, const uint8_t *pkt, size_t len,
                                    const struct axn_rx_meta *meta, axn_time_t now);

struct axn_router {
    const struct axn_platform *plat;
    struct axn_ctl *ctl;
    struct axn_dev_handle *devs[AXN_MAX_DEVICES]; /* [0] is lo; NULL = removed */
    size_t n_devs;
    struct axn_pktq rxq; /* shared RX queue, AXN_DEVICE_RX_QUEUE_LEN */
    void *rxq_lock;
    struct axn_pktq loq; /* loopback fast path: TX -> RX within one poll */
    axn_router_input_fn input;
    void *input_ctx;
    _Atomic uint64_t ip_out_no_routes;
    _Atomic uint64_t rx_queue_full;
    _Atomic uint64_t arp_unresolved;
    void (*request_poll)(void *ctx); /* stack's coalescing poll request */
    void *request_poll_ctx;
};

int axn_router_init(struct axn_router *r, const struct axn_platform *plat, struct axn_ctl *ctl);
void axn_router_destroy(struct axn_router *r);

/* Adds a device (it takes ownership of `dev`); returns its handle. */
int axn_router_add_device(struct axn_router *r, struct axn_netdev *dev,
                          struct axn_dev_handle **out);
/* Removes a device: drains and frees its queues, stops its workers. */
int axn_router_remove_device(struct axn_router *r, uint32_t ifindex);
struct axn_dev_handle *axn_router_find(struct axn_router *r, uint32_t ifindex);

/* RX side of one device: pulls up to AXN_DEVICE_RX_BATCH packets into the
 * shared queue (RT-28). Returns the number moved; *more says the device may
 * have more. */
size_t axn_router_rx_service(struct axn_router *r, struct axn_dev_handle *h, axn_time_t now,
                             bool *more);
/* TX side of one device: sends what its TX queue holds and runs its timers
 * (RT-29). Returns the number of packets handed to the device. */
size_t axn_router_tx_service(struct axn_router *r, struct axn_dev_handle *h, axn_time_t now);

/* Core side: hands queued RX packets (loopback first) to `input` (RT-16). */
size_t axn_router_deliver(struct axn_router *r, axn_time_t now);

/* Core side: routes one IP packet built by the protocol core (RT-20):
 * limited-broadcast fan-out, loopback fast path, source-aware egress to a
 * device TX queue. 0 or a negative errno (-AXN_ENETUNREACH, -AXN_ENOBUFS). */
int axn_router_output(struct axn_router *r, const uint8_t *pkt, size_t len, axn_time_t now);

/* Control-plane send bypassing routing (RT-25), e.g. DHCP broadcasts. */
int axn_router_send_on_device(struct axn_router *r, uint32_t ifindex, axn_ip4_t next_hop,
                              const uint8_t *pkt, size_t len, axn_time_t now);

/* Earliest device timer (ARP) over all devices. */
axn_time_t axn_router_next_deadline(struct axn_router *r);

#endif /* AXN_ROUTE_ROUTER_H */
