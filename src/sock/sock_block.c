/*
 * The blocking loop of every call that may wait (spec SOCK-12..14):
 * attempt, and on -EAGAIN sleep on the socket's wait queue, which releases
 * the core lock, until the transport notifies or the timeout passes.
 *
 * Timeout expiry returns -EAGAIN as Linux does (socket(7) SO_RCVTIMEO:
 * "the call returns ... with errno set to EAGAIN or EWOULDBLOCK"), not
 * ETIMEDOUT (the SOCK-13 hazard). A port that cannot block (port/none)
 * makes every call non-blocking.
 */
#include "axnet/errno.h"
#include "core/stack_impl.h"
#include "sock/sock_layer.h"

/* When a call that starts waiting now gives up. */
static axn_time_t deadline_for(const struct axn_platform *plat, axn_time_t timeo)
{
    if (timeo == 0)
        return AXN_TIME_NEVER;
    const axn_time_t now = plat->now(plat->ctx);
    /* Saturate: a huge SO_*TIMEO means "practically forever". */
    return timeo >= AXN_TIME_NEVER - now ? AXN_TIME_NEVER : now + timeo;
}

/* How one blocking call waits. */
struct block_how {
    bool nonblock;    /* never sleep */
    bool out;         /* an attempt may queue output (SOCK-16) */
    axn_time_t timeo; /* 0: no limit */
    long would_block; /* the answer when it may not wait */
    long timed_out;   /* the answer when the time passed */
};

static long block_loop(struct axn_socket *s, const struct block_how *how, axn_sock_attempt_fn fn,
                       void *arg)
{
    struct axn_stack *st = s->st;
    const struct axn_platform *plat = st->plat;
    bool deadline_set = false, expired = false;
    axn_time_t deadline = AXN_TIME_NEVER;
    for (;;) {
        const long rc = fn(s, arg);
        /* SOCK-16, adapted: output an attempt queued is for the core and
         * the devices to move; ask for a poll (coalesced, PLAT-16). */
        if (how->out && rc != -AXN_EAGAIN && rc != AXN_SOCK_EAGAIN_NOW)
            axn_stack_request_poll(st);
        if (rc == AXN_SOCK_EAGAIN_NOW)
            return -AXN_EAGAIN; /* final: waiting would never cure it */
        if (rc != -AXN_EAGAIN)
            return rc;
        if (expired)
            return how->timed_out;
        if (how->nonblock)
            return how->would_block;
        if (!deadline_set) {
            deadline = deadline_for(plat, how->timeo);
            deadline_set = true;
        }
        const int w = plat->waitq_wait(s->waitq, st->core_lock, deadline);
        /* Timed out: one last attempt, as Linux re-checks after the wait. */
        if (w == -AXN_ETIMEDOUT)
            expired = true;
        else if (w == -AXN_EINTR)
            return -AXN_EINTR; /* a signal for the caller: the kernel restarts or fails */
        else if (w != 0)
            return how->would_block;
    }
}

long axn_sock_block(struct axn_socket *s, enum axn_sock_dir dir, int flags, long would_block,
                    axn_sock_attempt_fn fn, void *arg)
{
    const axn_time_t timeo = dir == AXN_SOCK_DIR_IN ? s->opt.rcvtimeo : s->opt.sndtimeo;
    /* SOCK-8: MSG_DONTWAIT for this call only; O_NONBLOCK stays. */
    const struct block_how how = {
        .nonblock =
            s->nonblock || (flags & AXN_MSG_DONTWAIT) != 0 || timeo == AXN_SOCK_TIMEO_NOWAIT,
        .out = dir == AXN_SOCK_DIR_OUT,
        .timeo = timeo,
        .would_block = would_block,
        .timed_out = would_block,
    };
    return block_loop(s, &how, fn, arg);
}

long axn_sock_block_for(struct axn_socket *s, axn_time_t timeo, axn_sock_attempt_fn fn, void *arg)
{
    const struct block_how how = {
        .nonblock = false,
        .out = true,
        .timeo = timeo,
        .would_block = -AXN_EAGAIN,
        .timed_out = -AXN_ETIMEDOUT,
    };
    return block_loop(s, &how, fn, arg);
}

axn_time_t axn_sock_now(const struct axn_socket *s)
{
    const struct axn_platform *plat = s->st->plat;
    return plat->now(plat->ctx);
}
