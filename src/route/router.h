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
 *
 * Who may call what (single consumer per queue, so pops need no lock):
 *   - rx_service: one thread per device at a time (its RX worker, or the
 *     caller-polled poll); it is the only user of the device's RX batch.
 *   - tx_service: one thread per device at a time (TX worker or poll); the
 *     only consumer of the device's TX queue.
 *   - deliver, output, send_on_device, add/attach/remove: with the core
 *     lock held (the device table changes only under it). deliver is the
 *     only consumer of the shared RX queue and of the loopback queue.
 *   - axn_router_wake_ifindex: from anywhere, hard-IRQ included (atomic
 *     loads, event_signal and the stack's poll request only). It is safe
 *     against a concurrent removal: removal unpublishes the handle, then
 *     waits until no wake that may have found it is still running, and
 *     only then frees it; a later wake finds nothing and returns.
 *   - axn_router_wake(h) with a handle pointer (the device's IRQ action):
 *     only while the handle lives, which the device guarantees by
 *     unregistering its IRQ in destroy (the platform's irq_unregister
 *     waits for a running action), before the handle is freed.
 *   - axn_router_find: with the core lock held, or with a handle that
 *     cannot be removed meanwhile (it returns a pointer, not a reference).
 *
 * Link state: a down device neither receives nor transmits. Its RX side
 * does not call recv (frames stay in the driver, as Linux does not process
 * frames of a down interface) and drops what its batch held; its TX side
 * drops its queue and does not tick (no ARP retries); its deadline is
 * never.
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
struct axn_router;

/* One device as the router holds it (RT-2). */
struct axn_dev_handle {
    struct axn_netdev *dev; /* NULL until attached */
    uint32_t ifindex;       /* copy of dev->ifindex, set at attach */
    bool is_loopback;       /* lo: no queues, no workers (LO-2) */
    void *dev_lock;         /* platform mutex: serialises calls into `dev` */
    struct axn_pktq txq;    /* AXN_DEVICE_TX_QUEUE_LEN; not for lo */
    void *txq_lock;         /* platform spin lock: serialises TX producers */
    /* The RX side's local batch (RT-28): packets read from the device but
     * not yet in the shared queue. On back-pressure they stay here, paired
     * with their frame lengths, until the shared queue has room. */
    struct axn_pktq rx_batch; /* AXN_DEVICE_RX_BATCH; not for lo */
    struct axn_if_counters counters;
    void *rx_event; /* wakes the RX worker; sticky (RT-33) */
    void *tx_event; /* wakes the TX worker */
    void *rx_thread;
    void *tx_thread;
    /* "{ifname}-rx" / "-tx" (PLAT-20); kept here because a port may keep
     * the name pointer for the thread's life. */
    char rx_name[AXN_IFNAMSIZ + 3];
    char tx_name[AXN_IFNAMSIZ + 3];
    _Atomic bool up;       /* link state; a down device drops its TX queue */
    _Atomic bool stopping; /* asks this device's workers to return */
    struct axn_router *router;
};

/* Called by axn_router_deliver for every IP packet, in order. */
typedef void (*axn_router_input_fn)(void *ctx, const uint8_t *pkt, size_t len,
                                    const struct axn_rx_meta *meta, axn_time_t now);

struct axn_router {
    const struct axn_platform *plat;
    struct axn_ctl *ctl;
    /* [0] is lo; NULL = free slot. Atomic so that the IRQ-side lookup
     * (axn_stack_wake_device) reads whole pointers without the core lock. */
    struct axn_dev_handle *_Atomic devs[AXN_MAX_DEVICES];
    size_t n_devs;       /* attached devices, lo included */
    size_t n_gso_devs;   /* attached devices with TSO (gso_max), lo excluded */
    struct axn_pktq rxq; /* shared RX queue, AXN_DEVICE_RX_QUEUE_LEN */
    void *rxq_lock;      /* spin lock: serialises the RX producers */
    struct axn_pktq loq; /* loopback fast path: TX -> RX within one poll */
    axn_router_input_fn input;
    void *input_ctx;
    /* Some RX batch is waiting for room in the shared queue: deliver wakes
     * the RX workers once it has made room (no busy retry, RT-28). A word,
     * not a bool: RISC-V has no byte-wide atomic exchange, and the
     * freestanding core cannot call libatomic. */
    atomic_uint rx_backpressure;
    _Atomic uint64_t ip_out_no_routes; /* IpOutNoRoutes: counted on no interface */
    _Atomic uint64_t rx_queue_full;    /* times a batch met a full shared queue */
    _Atomic uint64_t arp_unresolved;
    _Atomic uint64_t out_malformed; /* packets from the core that failed parsing */
    /* Packets lost with a removed device: its TX queue, RX batch, packets
     * waiting for ARP, and its packets still in the shared RX queue. */
    _Atomic uint64_t dev_removed_drops;
    /* Core lock: how many packets at the head of the shared RX queue may
     * still come from a removed device. Its RX side is stopped before this
     * is set, so only packets queued by then can be its; deliver checks
     * their ingress device while this is nonzero, and no packet after. */
    uint32_t dead_rx_suspects;
    /* Wakes (axn_router_wake_ifindex) between their table lookup and their
     * last touch of the handle; removal waits for zero. */
    atomic_uint wakes_in_flight;
    void (*request_poll)(void *ctx); /* stack's coalescing poll request */
    /* After a device wake (hard-IRQ safe): the stack asks for a poll when
     * no RX worker will answer the wake. */
    void (*device_woken)(void *ctx);
    void *request_poll_ctx; /* for both */
    /* Some socket's send account fell below half its SO_SNDBUF
     * (axn_router_tx_release): the socket layer reports POLLOUT. */
    atomic_uint wmem_writable;
};

int axn_router_init(struct axn_router *r, const struct axn_platform *plat, struct axn_ctl *ctl);
/* Removes every device (stopping its workers) and frees the queues. */
void axn_router_destroy(struct axn_router *r);

/*
 * Adding a device, in two steps, because a device is created pointing at
 * counters and a wake hook that the router owns:
 *
 *   axn_router_handle_create(r, &h);            counters, events, lock
 *   create the device with &h->counters and wake = axn_router_wake_fn,
 *       wake_ctx = h;
 *   axn_router_attach(r, h, dev);               queues, table slot
 *
 * On failure between the steps, axn_router_handle_discard(r, h).
 * axn_router_add_device() does all of it for a device that already exists:
 * it points dev->counters and dev->wake/wake_ctx at the handle, so the
 * device must not be able to wake yet (no IRQ registered, no OOB driver
 * running): an IRQ action could read the two fields half updated.
 */
int axn_router_handle_create(struct axn_router *r, struct axn_dev_handle **out);
void axn_router_handle_discard(struct axn_router *r, struct axn_dev_handle *h);
/* Takes ownership of `dev` on success (0). -AXN_ENOSPC when AXN_MAX_DEVICES
 * are attached, -AXN_EEXIST for a second device with the same ifindex,
 * -AXN_ENOMEM; on failure the handle is discarded, `dev` stays the caller's. */
int axn_router_attach(struct axn_router *r, struct axn_dev_handle *h, struct axn_netdev *dev);
int axn_router_add_device(struct axn_router *r, struct axn_netdev *dev,
                          struct axn_dev_handle **out);

/* Removes a device: unpublishes it, waits for wakes that may have found
 * it, stops its workers, drops what it held (counted dev_removed_drops,
 * its packets in the shared RX queue too, when deliver reaches them),
 * destroys it and frees its queues. -AXN_ENODEV if unknown, -AXN_EPERM
 * for lo. Core lock held. */
int axn_router_remove_device(struct axn_router *r, uint32_t ifindex);
/* Asks the device's workers (if any) to return and joins them; they may be
 * started again afterwards. Never with the device lock held. */
void axn_router_stop_workers(struct axn_dev_handle *h);
/* Slot i (< AXN_MAX_DEVICES) of the device table, NULL when free; an
 * atomic load, see `devs`. */
static inline struct axn_dev_handle *axn_router_dev_at(const struct axn_router *r, size_t i)
{
    return atomic_load_explicit((struct axn_dev_handle * _Atomic *)&r->devs[i],
                                memory_order_acquire);
}
/* The attached device with this ifindex, or NULL. */
struct axn_dev_handle *axn_router_find(struct axn_router *r, uint32_t ifindex);

/* A walk over the attached devices, slot order: start from {0}. */
struct axn_router_walk {
    size_t slot; /* next slot to look at */
    size_t seen; /* devices returned so far */
};
/* The walk's next device, or NULL after the last. Core lock held (n_devs
 * and the table change only under it): the walk stops at the n_devs-th
 * device instead of visiting every free slot up to AXN_MAX_DEVICES, which
 * the poll path would otherwise do three times a poll. */
static inline struct axn_dev_handle *axn_router_walk_next(const struct axn_router *r,
                                                          struct axn_router_walk *w)
{
    while (w->seen < r->n_devs && w->slot < AXN_MAX_DEVICES) {
        struct axn_dev_handle *h = axn_router_dev_at(r, w->slot++);
        if (h) {
            w->seen++;
            return h;
        }
    }
    return NULL;
}

/* Link state (axn_stack_set_link), see "Link state" above. Tells the
 * device (netdev set_link: down drops and reports its ARP-pending packets
 * and flushes its neighbours; up announces its address) and wakes both of
 * its sides. The state it already has: nothing happens. 0, -AXN_ENODEV.
 * Core lock held. */
int axn_router_set_up(struct axn_router *r, uint32_t ifindex, bool up, axn_time_t now);

/* A device has news (IRQ, out-of-band RX): sets its sticky RX event and
 * calls device_woken. Hard-IRQ safe. axn_router_wake_fn has the
 * axn_netdev_wake_fn shape. */
void axn_router_wake(struct axn_dev_handle *h);
void axn_router_wake_fn(void *handle);
/* The same by ifindex, safe against a concurrent removal (see above); an
 * unknown or removed ifindex is ignored. */
void axn_router_wake_ifindex(struct axn_router *r, uint32_t ifindex);

/* RX side of one device: pulls up to AXN_DEVICE_RX_BATCH packets into the
 * shared queue (RT-28). Returns the number moved; *more says the device may
 * have more (the batch filled up) or the shared queue pushed back. */
size_t axn_router_rx_service(struct axn_router *r, struct axn_dev_handle *h, axn_time_t now,
                             bool *more);
/* TX side of one device: sends what its TX queue holds and runs its timers
 * (RT-29). Returns the number of packets handed to the device. */
size_t axn_router_tx_service(struct axn_router *r, struct axn_dev_handle *h, axn_time_t now);
/* The same, and *next = the device's next deadline (as
 * axn_router_dev_deadline), read in the same device-lock hold as the tick:
 * one lock round trip fewer for callers that sleep until then. */
size_t axn_router_tx_service_next(struct axn_router *r, struct axn_dev_handle *h, axn_time_t now,
                                  axn_time_t *next);

/* Core side: hands queued RX packets (loopback first) to `input` (RT-16),
 * including loopback packets that `input` itself produces, up to one full
 * load of both queues per call. */
size_t axn_router_deliver(struct axn_router *r, axn_time_t now);
/* True when neither the shared RX queue nor the loopback queue holds a
 * packet (a lock-free snapshot). */
bool axn_router_rx_idle(const struct axn_router *r);

/* Core side: routes one IP packet built by the protocol core (RT-20):
 * limited-broadcast fan-out, loopback fast path, source-aware egress to a
 * device TX queue. 0, or a negative errno when the packet was dropped:
 * -AXN_EINVAL (malformed), -AXN_ENETUNREACH (no route), -AXN_ENOBUFS (TX
 * queue full), -AXN_EMSGSIZE (larger than a slot). A full loopback queue
 * returns 0: as on Linux the send succeeded and lo counts rx_dropped. */
int axn_router_output(struct axn_router *r, const uint8_t *pkt, size_t len, axn_time_t now);
/* The same for a socket's datagram: each copy a device TX queue takes is
 * charged to `acct` (NULL: none) until it leaves (lib/tx_acct.h). lo's
 * queue charges nothing (Linux loopback_xmit orphans the skb). */
int axn_router_output_acct(struct axn_router *r, const uint8_t *pkt, size_t len,
                           struct axn_tx_acct *acct, axn_time_t now);
/* The same for a TCP/IPv4 packet above the MTU that the egress device
 * segments itself into `gso_size`-byte pieces (TSO: netdev send_gso).
 * -AXN_EMSGSIZE when the egress has no large-frame lane (no TSO). */
int axn_router_output_gso(struct axn_router *r, const uint8_t *pkt, size_t len,
                          struct axn_tx_acct *acct, uint16_t gso_size, axn_time_t now);
/* The largest IP packet interface `ifindex` segments itself (netdev
 * gso_max), 0 when it has no TSO or is unknown. Lock-free. */
uint32_t axn_router_gso_max(struct axn_router *r, uint32_t ifindex);
/* True if some attached device has TSO: lets TCP skip the route lookup
 * for its send size goal on a stack without one. Lock-free. */
bool axn_router_any_gso(const struct axn_router *r);
/* A TX queue packet with metadata `m` left (sent, dropped): releases its
 * account and, when that made the socket writable, sets wmem_writable and
 * asks for a poll. From any thread; never takes the core lock. */
void axn_router_tx_release(struct axn_router *r, const struct axn_pktq_meta *m, size_t len);

/* Control-plane send bypassing routing (RT-25), e.g. DHCP broadcasts.
 * 0, -AXN_ENODEV, -AXN_ENETDOWN, -AXN_ENOBUFS, -AXN_EMSGSIZE. */
int axn_router_send_on_device(struct axn_router *r, uint32_t ifindex, axn_ip4_t next_hop,
                              const uint8_t *pkt, size_t len, axn_time_t now);

/* Earliest device timer (ARP) over all devices. */
axn_time_t axn_router_next_deadline(struct axn_router *r);
/* The same for one device (its TX worker sleeps until then). */
axn_time_t axn_router_dev_deadline(struct axn_dev_handle *h);

#endif /* AXN_ROUTE_ROUTER_H */
