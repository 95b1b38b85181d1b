/*
 * port/none entry point: fills the platform table, and forwards time,
 * randomness and logging to the caller's hooks. Threads are refused.
 */
#include "none_internal.h"

#include "axnet/errno.h"
#include "lib/mem.h"

static axn_time_t none_now(void *ctx)
{
    const struct axn_port_none *port = ctx;
    return port->hooks.now(port->hooks.ctx);
}

static int none_random(void *ctx, void *buf, size_t len)
{
    const struct axn_port_none *port = ctx;
    return port->hooks.random(port->hooks.ctx, buf, len);
}

static void none_log(void *ctx, enum axn_log_level level, const char *line)
{
    const struct axn_port_none *port = ctx;
    port->hooks.log(port->hooks.ctx, level, line);
}

/* One thread only: the caller runs the stack from its own loop. */
static int none_thread_start(void *ctx, const char *name, axn_worker_fn fn, void *arg,
                             void **thread)
{
    (void)ctx;
    (void)name;
    (void)fn;
    (void)arg;
    if (thread)
        *thread = NULL;
    return -AXN_EOPNOTSUPP;
}

static int none_thread_join(void *ctx, void *thread)
{
    (void)ctx;
    (void)thread;
    return -AXN_EOPNOTSUPP;
}

int axn_port_none_init(struct axn_port_none *ctx, struct axn_platform *plat, void *arena,
                       size_t arena_len, const struct axn_port_none_hooks *hooks)
{
    if (!ctx || !plat || !hooks || !hooks->now || !hooks->random)
        return -AXN_EINVAL;
    memset(ctx, 0, sizeof *ctx);
    int rc = axn_none_arena_init(ctx, arena, arena_len);
    if (rc)
        return rc;
    ctx->hooks = *hooks;
    memset(plat, 0, sizeof *plat);
    plat->ctx = ctx;
    axn_none_install_memory(plat);
    axn_none_install_sync(plat);
    plat->thread_start = none_thread_start;
    plat->thread_join = none_thread_join;
    plat->now = none_now;
    plat->random = none_random;
    plat->log = hooks->log ? none_log : NULL;
    plat->log_level = hooks->log_level;
    return 0;
}
