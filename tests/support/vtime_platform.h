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
 */
#ifndef AXN_TEST_VTIME_PLATFORM_H
#define AXN_TEST_VTIME_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

#include "axnet/platform.h"

const struct axn_platform *axn_vt_platform(void);

/* Sets the clock; only while no platform thread runs. */
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

#endif /* AXN_TEST_VTIME_PLATFORM_H */
