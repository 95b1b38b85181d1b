/*
 * The inside of a stack instance. Everything a stack owns hangs off this
 * struct: no library state lives anywhere else (DESIGN.md principle 1).
 *
 * Locks, outermost first (spec PLAT-26..28, adapted):
 *   core_lock (mutex)      protocol core, router input/output, timers
 *   handle->dev_lock       one device's adapter state (ARP, driver)
 *   ctl.lock (spin)        registry, route table, DNS: short copies only
 *   rxq_lock / txq_lock    queue pushes and pops
 *   unreach.lock (spin)    unreachable reports: one copy in or out
 *   socks->wake_lock (spin) deferred wakers (sock/sock_layer.h); wakers
 *                          themselves run with no lock held
 * A device lock is never held while taking core_lock; ctl.lock,
 * unreach.lock and wake_lock are leaves.
 */
#ifndef AXN_CORE_STACK_IMPL_H
#define AXN_CORE_STACK_IMPL_H

#include <stdatomic.h>

#include "axnet/stack.h"
#include "core/proto_hooks.h"
#include "core/unreach_queue.h"
#include "ctl/ctl.h"
#include "route/router.h"

struct axn_ip4;
struct axn_sock_layer;
struct axn_svc;

struct axn_stack {
    const struct axn_platform *plat;
    void *core_lock;
    struct axn_ctl ctl;
    struct axn_router router;
    struct axn_proto_hooks proto;
    /* The IPv4 layer (ip/ip4.h), made with the stack and installed as its
     * protocol hooks; tests may replace the hooks, the layer stays. */
    struct axn_ip4 *ip4;
    /* The socket layer (sock/sock_layer.h): transports, open sockets,
     * deferred wakers; made after the IP layer, which its transports
     * register with. */
    struct axn_sock_layer *socks;
    /* DHCP clients and servers, the resolver's cache (svc/svc.h). */
    struct axn_svc *svc;
    bool network_initialised;
    bool ctl_ready; /* axn_ctl_init succeeded: destroy must undo it */
    /* Reports from the adapters' unreachable callback, drained by the core
     * (unreach_queue.h); it has its own spin lock, a leaf. */
    struct axn_unreach_queue unreach;

    /* Poll requests coalesce: only the false -> true edge signals the
     * worker (PLAT-16); the worker clears the flag BEFORE it polls, so a
     * request made during a poll causes one more (PLAT-17 step 3).
     * Exchanged flags are words: RISC-V has no byte-wide atomic exchange
     * and the freestanding core cannot call libatomic. */
    atomic_uint poll_requested;
    void *poll_event;
    void *poll_thread;
    atomic_uint threaded;
    _Atomic bool stopping;
    _Atomic uint64_t poll_runs;
    _Atomic uint64_t poll_wakeups; /* times the poll worker woke up */
};

/* Installs the protocol core's hooks (used by the IP layer and by tests). */
void axn_stack_set_proto(struct axn_stack *st, const struct axn_proto_hooks *hooks);

/* ---- stack_events.c: device news for the protocol core ------------------ */

/*
 * Queues an unreachable report for `ifindex` quoting `pkt` and asks for a
 * poll, which hands it to proto.unreachable. Called from an adapter's
 * unreachable callback under its device lock: takes no core lock, only the
 * queue's spin lock, and never blocks.
 */
void axn_stack_report_unreachable(struct axn_stack *st, uint32_t ifindex, const uint8_t *pkt,
                                  size_t len);
/* Core lock held: hands the reports queued so far to proto.unreachable
 * (or drops them without a hook). Returns how many were taken. */
size_t axn_stack_drain_unreachable(struct axn_stack *st, axn_time_t now);
/* Core lock held: tells proto.iface_event, if installed. */
void axn_stack_iface_event(struct axn_stack *st, uint32_t ifindex, enum axn_iface_event ev,
                           axn_time_t now);

/*
 * One run of the protocol core, core lock held: deliver queued RX packets
 * (loopback first), run the protocol timers, and repeat while loopback
 * traffic keeps coming, at most AXN_POLL_MAX_ROUNDS times. Returns when the
 * core next needs to run (`now` if packets are still queued). Shared by
 * axn_stack_poll and the poll worker.
 */
axn_time_t axn_stack_run_core_locked(struct axn_stack *st, axn_time_t now);

#endif /* AXN_CORE_STACK_IMPL_H */
