/*
 * port/posix: the hosted platform (Linux): pthreads, clock_gettime
 * (CLOCK_MONOTONIC), getrandom(2), futex(2), logging to stderr.
 *
 * - alloc: posix_memalign, zeroed; any power-of-two alignment.
 * - spin locks are pthread mutexes: a hosted thread can be preempted while
 *   holding one, and a true spin would then burn the waiter's time slice.
 *   spin_lock_irqsave returns 0 (no IRQs to mask).
 * - waitq: a pthread condition variable on CLOCK_MONOTONIC, so deadlines
 *   do not move when the wall clock is set.
 * - event: an atomic flag plus a futex. event_signal is one atomic
 *   exchange and at most one futex-wake system call, takes no lock and is
 *   async-signal-safe, so it may be called from a signal handler or from
 *   a thread that plays a device's interrupt.
 * - threads carry their name (pthread_setname_np; cut to 15 characters).
 * - there is no IRQ registrar: every hosted device is polled.
 *
 * The port keeps no state of its own (plat->ctx is NULL), so any number of
 * stacks may share it.
 */
#ifndef AXNET_PORT_POSIX_H
#define AXNET_PORT_POSIX_H

#include "axnet/platform.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Longest thread name the kernel keeps (16 bytes with the NUL). */
#define AXN_PORT_POSIX_NAME_MAX 15

/* Fills every callback of `plat`; lines above `lvl` are not formatted.
 * Returns 0, or -AXN_EINVAL if `plat` is NULL. */
int axn_port_posix_init(struct axn_platform *plat, enum axn_log_level lvl);

/* CLOCK_MONOTONIC in microseconds: what plat->now returns. */
axn_time_t axn_port_posix_now(void);

#ifdef __cplusplus
}
#endif

#endif /* AXNET_PORT_POSIX_H */
