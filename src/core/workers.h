/*
 * Threaded mode (spec §1.2, §3.6): per device an RX and a TX worker, and
 * one poll worker per stack, all through the platform's threads and events.
 * The workers never take the core lock except the poll worker, which takes
 * it to run the protocol core; device workers only take their device lock
 * and queue locks (PLAT-20, PLAT-27).
 */
#ifndef AXN_CORE_WORKERS_H
#define AXN_CORE_WORKERS_H

#include "core/stack_impl.h"

/* Starts the workers of every attached device, then the poll worker; marks
 * the stack threaded. On failure every started worker is stopped again.
 * Core lock held. -AXN_EALREADY if started, -AXN_EOPNOTSUPP without threads. */
int axn_workers_start(struct axn_stack *st);

/* Starts the RX and TX workers of a device attached to a threaded stack
 * (run-time registration, CTL-24). 0 and nothing done when the stack is
 * not threaded or the device is lo. Core lock held. */
int axn_workers_start_device(struct axn_stack *st, struct axn_dev_handle *h);

/* Stops the poll worker (device workers stop when the router removes their
 * device). Core lock NOT held: the poll worker may be waiting for it. */
void axn_workers_stop(struct axn_stack *st);

#endif /* AXN_CORE_WORKERS_H */
