/*
 * A stack instance: the public lifecycle API.
 *
 * All state hangs off one `struct axn_stack`; several live in one process
 * (tests put two or three on one simulated wire). The core never reads a
 * clock: every call that advances it takes `now` (µs, monotonic).
 *
 * Two ways to run a stack:
 *
 *   Caller-polled (any port, and the only way with port/none): call
 *   axn_stack_poll(st, now) whenever axn_stack_poll last said, or sooner
 *   when a device or socket has news. It drains devices, runs the protocol
 *   core and timers, and transmits, all on the caller's thread.
 *
 *   Threaded (a port with threads, e.g. port/posix): axn_stack_start()
 *   starts one RX and one TX worker per device and one poll worker (spec
 *   §1.2, §3.6). Devices with a wake source (IRQ, out-of-band RX) sleep
 *   until woken; pure-polling devices are polled every
 *   AXN_DEVICE_IDLE_POLL_MS.
 */
#ifndef AXNET_STACK_H
#define AXNET_STACK_H

#include "axnet/driver.h"
#include "axnet/netif.h"
#include "axnet/platform.h"
#include "axnet/types.h"

#ifdef __cplusplus
extern "C" {
#endif

struct axn_stack;

/* Creates a stack with only `lo` (ifindex 1, 127.0.0.1/8, route
 * 127.0.0.0/8 installed first: LO-1). `plat` must outlive the stack. */
int axn_stack_create(const struct axn_platform *plat, struct axn_stack **out);

/*
 * Brings up the probed Ethernet devices with `cfg` (spec CTL-8): validates
 * the configuration (CTL-5; an invalid one returns -AXN_EINVAL and changes
 * nothing), assigns names and ifindexes in probe order, creates an Ethernet
 * adapter per driver, installs static addresses, routes and DNS servers.
 * Drivers must outlive the stack (or their removal). A second call returns
 * -AXN_EALREADY. `cfg` may be NULL: every NIC then defaults (CTL-4).
 */
int axn_stack_init_network(struct axn_stack *st, const struct axn_eth_driver *const drivers[],
                           size_t n_drivers, const struct axn_net_config *cfg, axn_time_t now);

/* Registers one more Ethernet device at run time (CTL-24): it gets ifindex
 * max + 1, metric AXN_DEFAULT_ETH_METRIC, and `addr/prefix` if prefix_len
 * is nonzero. `oob_rx` marks a device whose driver wakes the stack itself
 * through axn_stack_wake_device(). */
struct axn_device_config {
    char name[AXN_IFNAMSIZ];
    axn_ip4_t addr;
    uint8_t prefix_len;
    bool oob_rx;
};
int axn_stack_add_device(struct axn_stack *st, const struct axn_eth_driver *driver,
                         const struct axn_device_config *cfg, axn_time_t now, uint32_t *ifindex);

/*
 * Removes a device at run time (ax-net cannot): its routes, addresses and
 * DNS servers go, its workers stop, and every packet it still held (TX
 * queue, RX batch, packets waiting for ARP, and its packets not yet
 * delivered from the shared RX queue) is dropped and counted in
 * axn_stack_stats.dev_removed_drops, since its own counters vanish with
 * it, as on Linux. The ifindex is never reused (CTL-11).
 *
 * The driver must stop calling axn_stack_wake_device(ifindex) before this
 * returns; it may then be released. A wake that races the removal is
 * waited for, and one made after it returns finds no device and does
 * nothing, but a driver that keeps the ifindex is racing nothing useful.
 */
int axn_stack_remove_device(struct axn_stack *st, uint32_t ifindex, axn_time_t now);

/*
 * Link up or down (the admin state, as `ip link set dev X down|up`).
 * Down: routes through the interface are not used, its flags lose
 * UP|RUNNING, and it neither receives nor transmits anything, ARP
 * included: frames stay unread in the driver (Linux does not process
 * frames of a down interface) and RX packets already read are dropped
 * (rx_dropped), its TX queue is dropped (tx_dropped), its neighbour cache
 * is flushed (Linux neigh_ifdown), and packets waiting for ARP are
 * dropped (tx_dropped) and reported unreachable to the sender. Up: the
 * interface announces its address with a gratuitous ARP (RFC 5227 2.3),
 * as when an address is set. Setting the state it already has does
 * nothing.
 */
int axn_stack_set_link(struct axn_stack *st, uint32_t ifindex, bool up, axn_time_t now);

/* Caller-polled mode: advances everything due at `now` and returns when
 * the stack next needs a poll (AXN_TIME_NEVER: only on new input). */
axn_time_t axn_stack_poll(struct axn_stack *st, axn_time_t now);

/* "Please make progress soon": coalesces (PLAT-16). Safe from any thread
 * and from hard-IRQ context (an atomic exchange and event_signal). */
void axn_stack_request_poll(struct axn_stack *st);

/* Caller-polled mode: true when a poll was requested since the last
 * axn_stack_poll began (a socket call, a device wake, a device report),
 * so a caller's loop polls now instead of waiting for the deadline. */
bool axn_stack_poll_pending(struct axn_stack *st);

/* A driver with out-of-band RX (or an IRQ handler of the kernel's own)
 * reports that `ifindex` has frames: its RX side runs soon (threaded: its
 * RX worker wakes; caller-polled: a poll is requested). Safe from hard-IRQ
 * context. An unknown or removed ifindex is ignored; see
 * axn_stack_remove_device for the rule during removal. */
void axn_stack_wake_device(struct axn_stack *st, uint32_t ifindex);

/* Threaded mode: starts the workers. -AXN_EOPNOTSUPP without threads. */
int axn_stack_start(struct axn_stack *st);

/* Stops the workers (if started) and frees everything. NULL is ignored. */
void axn_stack_destroy(struct axn_stack *st);

#ifdef __cplusplus
}
#endif

#endif /* AXNET_STACK_H */
