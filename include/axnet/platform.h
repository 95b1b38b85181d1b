/*
 * The platform contract: everything axnet needs from the system it runs on.
 *
 * A porter fills one `struct axn_platform` and hands it to the stack. The
 * library calls nothing else: no libc, no clock, no threads of its own.
 * Two ports ship with axnet: port/posix (pthreads, hosted Linux) and
 * port/none (one thread, the caller polls, blocking refused). A kernel
 * writes a third; docs/porting.md walks through it.
 *
 * Handles (locks, wait queues, events, threads) are opaque `void *` made by
 * the port, so a kernel can back them with whatever it has.
 *
 * Rules the library keeps, and a port may rely on:
 * - spin locks are held only for a few instructions and never across a call
 *   that may sleep, allocate, log or wake;
 * - a sleeping mutex is never taken with a spin lock held;
 * - `event_signal` and `irq` callbacks may run in hard-IRQ context; nothing
 *   else is called from there.
 */
#ifndef AXNET_PLATFORM_H
#define AXNET_PLATFORM_H

#include "axnet/types.h"

#ifdef __cplusplus
extern "C" {
#endif

enum axn_log_level {
    AXN_LOG_ERROR = 0,
    AXN_LOG_WARN = 1,
    AXN_LOG_INFO = 2,
    AXN_LOG_DEBUG = 3,
    AXN_LOG_TRACE = 4,
};

/* Signature of a worker's body. */
typedef void (*axn_worker_fn)(void *arg);

/*
 * Action run in hard-IRQ context. It only acknowledges the device and tells
 * whether the stack must be woken: return nonzero to wake.
 */
typedef int (*axn_irq_action)(void *arg);

struct axn_platform {
    /* Passed back as the first argument of every callback that takes one. */
    void *ctx;

    /* ---- Memory ------------------------------------------------------- */
    /* Zeroed memory of `size` bytes aligned to at least `align` (a power of
     * two, at most 64), or NULL. Never called in IRQ context. */
    void *(*alloc)(void *ctx, size_t size, size_t align);
    /* Releases memory from `alloc`; `size` is the size that was asked for,
     * so a simple kernel allocator need not remember it. NULL is ignored. */
    void (*free)(void *ctx, void *ptr, size_t size);

    /* ---- Spin lock, usable with IRQs off ------------------------------ */
    int (*spin_create)(void *ctx, void **lock);
    void (*spin_destroy)(void *ctx, void *lock);
    /* Disables local IRQs (where the port has them), takes the lock, and
     * returns the previous IRQ state for the matching unlock. */
    unsigned long (*spin_lock_irqsave)(void *lock);
    void (*spin_unlock_irqrestore)(void *lock, unsigned long irq_state);

    /* ---- Sleeping mutex ------------------------------------------------ */
    int (*mutex_create)(void *ctx, void **mutex);
    void (*mutex_destroy)(void *ctx, void *mutex);
    void (*mutex_lock)(void *mutex);
    void (*mutex_unlock)(void *mutex);

    /* ---- Wait queue: wait for a condition guarded by a mutex ----------- */
    int (*waitq_create)(void *ctx, void **waitq);
    void (*waitq_destroy)(void *ctx, void *waitq);
    /* Called with `mutex` held; releases it while asleep and holds it again
     * on return. Returns 0 when woken (possibly spuriously: re-check the
     * condition), -AXN_ETIMEDOUT once the monotonic clock passes `deadline`
     * (AXN_TIME_NEVER: no deadline), -AXN_EWOULDBLOCK if the port cannot
     * block at all (port/none), or -AXN_EINTR when the sleeping thread has a
     * signal to handle: the blocked socket call then returns -EINTR, which
     * the syscall layer may turn into a restart. */
    int (*waitq_wait)(void *waitq, void *mutex, axn_time_t deadline);
    void (*waitq_wake_all)(void *waitq);

    /* ---- Event: a sticky wake-up flag with one waiter ------------------ */
    int (*event_create)(void *ctx, void **event);
    void (*event_destroy)(void *ctx, void *event);
    /* Sleeps until the event is signalled or `deadline` passes, then clears
     * it. A signal that came before the wait is not lost: the wait returns at
     * once. Returns 0 if signalled, -AXN_ETIMEDOUT, or -AXN_EWOULDBLOCK if
     * the port cannot block. */
    int (*event_wait)(void *event, axn_time_t deadline);
    /* Sets the event and wakes its waiter. Safe from hard-IRQ context. */
    void (*event_signal)(void *event);

    /* ---- Workers --------------------------------------------------------- */
    /* Starts `fn(arg)` on its own thread of execution named `name`.
     * -AXN_EOPNOTSUPP where the port has no threads (port/none). */
    int (*thread_start)(void *ctx, const char *name, axn_worker_fn fn, void *arg, void **thread);
    /* Waits for a worker to return and releases it. */
    int (*thread_join)(void *ctx, void *thread);

    /* ---- Time ------------------------------------------------------------ */
    /* Monotonic microseconds. Used by workers and hosted runners to pass
     * `now` into the core; the core itself never calls it. */
    axn_time_t (*now)(void *ctx);

    /* ---- Randomness ------------------------------------------------------ */
    /* Fills `buf` with unpredictable bytes (ISNs, ephemeral ports, DNS ids,
     * secrets). Returns 0 or a negative errno. Must not be a fixed seed. */
    int (*random)(void *ctx, void *buf, size_t len);

    /* ---- Logging --------------------------------------------------------- */
    /* One formatted line, no trailing newline. May be NULL (silent). */
    void (*log)(void *ctx, enum axn_log_level level, const char *line);
    /* Lines above this level are not formatted at all. */
    enum axn_log_level log_level;

    /* ---- IRQ registrar (optional: NULL means every device is polled) ---- */
    /* Registers `action(arg)` for shared IRQ `irq` under `name`. Returns 0
     * and a registration handle, or -AXN_EINVAL (bad IRQ), -AXN_EBUSY,
     * -AXN_EOPNOTSUPP. */
    int (*irq_register)(void *ctx, const char *name, int irq, axn_irq_action action, void *arg,
                        void **registration);
    /* Must not return while `action` still runs on another CPU (as Linux
     * free_irq): the device the action points at is freed right after. */
    void (*irq_unregister)(void *ctx, void *registration);
};

/*
 * Checks that every mandatory callback is present. Returns 0, or
 * -AXN_EINVAL naming nothing: a port is either complete or it is not.
 * Optional: log, irq_register/irq_unregister.
 */
int axn_platform_check(const struct axn_platform *plat);

#ifdef __cplusplus
}
#endif

#endif /* AXNET_PLATFORM_H */
