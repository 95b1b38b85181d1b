/* What the files of port/posix share: each fills its part of the table. */
#ifndef AXN_PORT_POSIX_INTERNAL_H
#define AXN_PORT_POSIX_INTERNAL_H

#include <errno.h>
#include <time.h>

#include "axnet/errno.h"
#include "axnet/port_posix.h"

/* Linux hands out the asm-generic numbers axnet uses, so a pthread or
 * system call error converts by negation alone. */
_Static_assert(ENOMEM == AXN_ENOMEM && EAGAIN == AXN_EAGAIN && EINVAL == AXN_EINVAL &&
                   ETIMEDOUT == AXN_ETIMEDOUT && EBUSY == AXN_EBUSY && EPERM == AXN_EPERM &&
                   ENOSYS == AXN_ENOSYS && EINTR == AXN_EINTR && EIO == AXN_EIO &&
                   EBADF == AXN_EBADF,
               "host errno values differ from axnet's");

static inline int axn_posix_err(int host_errno)
{
    return -host_errno;
}

/* The lock behind spin locks and mutexes (posix_locks.c), for the wait
 * queues, which drop and retake the caller's mutex around their sleep. */
void axn_posix_lock_acquire(void *lock);
void axn_posix_lock_release(void *lock);

/* Absolute CLOCK_MONOTONIC time of a deadline in microseconds. */
struct timespec axn_posix_deadline_ts(axn_time_t deadline);

void axn_posix_install_memory(struct axn_platform *plat);
void axn_posix_install_locks(struct axn_platform *plat);
void axn_posix_install_waitq(struct axn_platform *plat);
void axn_posix_install_event(struct axn_platform *plat);
void axn_posix_install_threads(struct axn_platform *plat);
void axn_posix_install_clock(struct axn_platform *plat);
void axn_posix_install_random(struct axn_platform *plat);
void axn_posix_install_log(struct axn_platform *plat);
void axn_posix_install_irq(struct axn_platform *plat);

#endif /* AXN_PORT_POSIX_INTERNAL_H */
