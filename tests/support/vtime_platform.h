/*
 * A threaded platform on a VIRTUAL clock, for exact tests of the workers.
 *
 * Threads, locks and memory are real (pthreads, calloc), but time only
 * moves when every thread started through the platform, and the test's
 * own thread, is asleep in event_wait (or in axn_vt_run_until): it then
 * jumps to the earliest deadline and releases the sleepers whose deadline
 * passed, with -AXN_ETIMEDOUT. A discrete-event simulation: what a real
 * clock would do in seconds happens at once, and counts are exact.
 *
 * Events are sticky (platform.h) and count, per event, the waits that
 * ended signalled and the ones that timed out. Wait queues refuse to block
 * (the workers do not use them). One virtual world per process.
 *
 * It also has an IRQ registrar (platform.h irq_register/irq_unregister,
 * spec PLAT-12): shared lines, and axn_vt_irq_raise to play an interrupt.
 * The raising thread runs the registered actions itself, as hard-IRQ
 * context would interrupt whatever the CPU was doing, and every platform
 * call an action makes other than event_signal is counted as a breach of
 * the contract (platform.h: nothing else is called from there).
 */
#ifndef AXN_TEST_VTIME_PLATFORM_H
#define AXN_TEST_VTIME_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "axnet/platform.h"

const struct axn_platform *axn_vt_platform(void);

/* Sets the clock, and zeroes the IRQ counters and refusals (registrations
 * stay: they belong to live devices); only while no platform thread runs. */
void axn_vt_reset(axn_time_t now);
axn_time_t axn_vt_now(void);

/* Sleeps the calling (test) thread until virtual time reaches `t` and every
 * platform thread is asleep: the world is quiet at `t`. */
void axn_vt_run_until(axn_time_t t);
/* axn_vt_run_until(now): waits until every thread is asleep. */
void axn_vt_settle(void);

/* Per event (a handle from event_create): waits that returned 0, and
 * waits that returned -AXN_ETIMEDOUT. */
uint64_t axn_vt_event_wakeups(void *event);
uint64_t axn_vt_event_timeouts(void *event);

/* Allocations not yet freed. */
size_t axn_vt_live_allocs(void);

/* ---- IRQ registrar ---------------------------------------------------------- */

/* Lines 0 .. AXN_VT_IRQ_LINES - 1; other numbers are -AXN_EINVAL. */
#define AXN_VT_IRQ_LINES 32
/* Registrations alive at once, all lines together; beyond: -AXN_EBUSY. */
#define AXN_VT_IRQ_REGISTRATIONS 16
/* Longest registration name kept, NUL included. */
#define AXN_VT_IRQ_NAME_LEN 16

/* Raises `irq` on the calling thread: runs every action registered on it,
 * in registration order, and returns how many asked to wake (nonzero),
 * -AXN_EINVAL for a bad line, -AXN_EBUSY when called from an action.
 * Registering and unregistering wait for a raise in progress (as Linux's
 * free_irq waits for running handlers). */
int axn_vt_irq_raise(int irq);
/* axn_vt_irq_raise with the shape of a device's raise hook
 * (axn_sim_irq_raise_fn); `ctx` is unused. */
void axn_vt_irq_raise_hook(void *ctx, int irq);

/* Until axn_vt_reset (or a call with 0), registering on `irq` fails with
 * `err`, a negative errno (-AXN_EBUSY, -AXN_EINVAL, -AXN_EOPNOTSUPP). */
void axn_vt_irq_refuse(int irq, int err);

/* Actions registered on `irq` now. */
int axn_vt_irq_registered(int irq);
/* Copies the name the first action on `irq` was registered under; false
 * (and "") when none is. */
bool axn_vt_irq_name(int irq, char *buf, size_t len);

/* Per line, since axn_vt_reset. */
struct axn_vt_irq_stats {
    uint64_t raised;    /* axn_vt_irq_raise calls */
    uint64_t woke;      /* actions that returned nonzero (PLAT-12 "Wake") */
    uint64_t handled;   /* actions that returned 0 (PLAT-12 "Handled") */
    uint64_t unclaimed; /* raises that found no action */
};
void axn_vt_irq_stats(int irq, struct axn_vt_irq_stats *out);

/* Platform calls other than event_signal made from inside an action, since
 * axn_vt_reset. A correct stack keeps it at 0. */
uint64_t axn_vt_irq_context_violations(void);
/* Whether the calling thread is running IRQ actions now. */
bool axn_vt_in_irq(void);

#endif /* AXN_TEST_VTIME_PLATFORM_H */
