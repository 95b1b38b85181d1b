/*
 * port/posix: the hosted platform (Linux): pthreads, clock_gettime
 * (CLOCK_MONOTONIC), getrandom(2), futex(2), logging to stderr.
 *
 * - alloc: posix_memalign, zeroed; any power-of-two alignment.
 * - spin locks and mutexes are one futex lock (three states: free, held,
 *   held with sleepers): one atomic compare-exchange to take a free lock,
 *   one exchange to release it, a system call only under contention. A
 *   waiter sleeps rather than spins: a hosted thread can be preempted
 *   while holding one, and a true spin would then burn the waiter's time
 *   slice. spin_lock_irqsave returns 0 (no IRQs to mask).
 * - waitq: a futex sequence word, deadlines on CLOCK_MONOTONIC, so they
 *   do not move when the wall clock is set.
 * - event: an atomic flag plus a futex. event_signal is one atomic
 *   exchange and at most one futex-wake system call, takes no lock and is
 *   async-signal-safe, so it may be called from a signal handler or from
 *   a thread that plays a device's interrupt.
 * - threads carry their name (pthread_setname_np; cut to 15 characters).
 * - IRQ registrar: a hosted IRQ line is a file descriptor, named by the
 *   number axn_port_posix_fd_irq(fd) (a hosted driver's irq_id returns
 *   it). The line fires each time new data makes the fd readable
 *   (edge-triggered epoll, one thread per registration that runs the
 *   action); irq_unregister joins that thread. Numbers below
 *   AXN_PORT_POSIX_IRQ_FD_BASE (e.g. a simulated wire's lines) are refused
 *   with -AXN_EINVAL, so such devices stay polled.
 *
 * The port keeps no state of its own (plat->ctx is NULL), so any number of
 * stacks may share it.
 */
#ifndef AXNET_PORT_POSIX_H
#define AXNET_PORT_POSIX_H

#include "axnet/errno.h"
#include "axnet/platform.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Longest thread name the kernel keeps (16 bytes with the NUL). */
#define AXN_PORT_POSIX_NAME_MAX 15

/* Where fd-backed IRQ numbers start: far above any small line number a
 * simulated or test driver uses. Real fds stay far below it (Linux's
 * default fs.nr_open is 2^20); a larger fd gets no IRQ number. */
#define AXN_PORT_POSIX_IRQ_FD_BASE 0x40000000

/* The IRQ number of "fd became readable", or -AXN_EBADF for a bad fd. */
static inline int axn_port_posix_fd_irq(int fd)
{
    return fd >= 0 && fd < AXN_PORT_POSIX_IRQ_FD_BASE ? AXN_PORT_POSIX_IRQ_FD_BASE + fd
                                                      : -AXN_EBADF;
}

/* Fills every callback of `plat`; lines above `lvl` are not formatted.
 * Returns 0, or -AXN_EINVAL if `plat` is NULL. */
int axn_port_posix_init(struct axn_platform *plat, enum axn_log_level lvl);

/* CLOCK_MONOTONIC in microseconds: what plat->now returns. */
axn_time_t axn_port_posix_now(void);

#ifdef __cplusplus
}
#endif

#endif /* AXNET_PORT_POSIX_H */
