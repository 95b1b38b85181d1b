/*
 * Interface counters of the whole stack (spec RT-37/38) and the Linux
 * /proc/net/dev text built from them, byte for byte as Linux prints it
 * (net/core/net-procfs.c, dev_seq_printf_stats), checked against a real
 * kernel.
 *
 * Interfaces come in registration order (the registry's, lo first), not
 * in router slot order, which a removal leaves with holes that later
 * devices fill. The core lock is held throughout: registry and router
 * change together only under it, so every registered interface has its
 * device and counters while we read them (netctl_device.c does the same
 * for one interface).
 */
#include "axnet/netctl.h"

#include "core/stack_impl.h"
#include "ctl/ctl.h"
#include "lib/fmt.h"
#include "lib/mem.h"

/* Linux's two header lines. */
#define PROC_NET_DEV_HEADER                                                                        \
    "Inter-|   Receive                                                |  Transmit\n"               \
    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs "     \
    "drop fifo colls carrier compressed\n"

/*
 * Linux's row: name right-aligned in 6 columns, then receive bytes,
 * packets, errs, drop, fifo, frame, compressed, multicast and transmit
 * bytes, packets, errs, drop, fifo, colls, carrier, compressed, each in
 * the width Linux gives it (wider numbers simply push the row right).
 */
#define PROC_NET_DEV_ROW                                                                           \
    "%6.*s: %7llu %7llu %4llu %4llu %4llu %5llu %10llu %9llu %8llu %7llu %4llu %4llu %4llu %5llu " \
    "%7llu %10llu\n"

/* What axnet does not count (no FIFO, framing, compression, multicast,
 * collisions or carrier errors: RT-37 keeps eight counters) prints as 0. */
#define NOT_COUNTED 0ull

/* Longest name printed, without the NUL (names are terminated anyway). */
#define IFNAME_MAX_CHARS ((int)(AXN_IFNAMSIZ - 1))

/* ---- Walking the interfaces --------------------------------------------- */

struct link_id {
    uint32_t ifindex;
    char name[AXN_IFNAMSIZ];
};

typedef void (*link_visit_fn)(void *ctx, const struct axn_link_stats_entry *e);

/* The registry's order and names, copied under the ctl lock (a leaf: no
 * device is touched while it is held). */
static size_t registry_order(struct axn_ctl *c, struct link_id *ids)
{
    const unsigned long irq = axn_ctl_lock(c);
    const size_t n = c->n_ifaces;
    for (size_t i = 0; i < n; i++) {
        ids[i].ifindex = c->ifaces[i].ifindex;
        memcpy(ids[i].name, c->ifaces[i].name, sizeof(ids[i].name));
    }
    axn_ctl_unlock(c, irq);
    return n;
}

/* Calls `visit` for every interface with its counters, in registration
 * order; returns how many there were. */
static size_t for_each_link(struct axn_stack *st, link_visit_fn visit, void *ctx)
{
    const struct axn_platform *plat = st->plat;
    struct link_id ids[AXN_MAX_DEVICES];
    size_t visited = 0;
    plat->mutex_lock(st->core_lock);
    const size_t n = registry_order(&st->ctl, ids);
    for (size_t i = 0; i < n; i++) {
        const struct axn_dev_handle *h = axn_router_find(&st->router, ids[i].ifindex);
        /* Cannot happen under the core lock (see the top); skipped rather
         * than reported with counters that do not exist. */
        if (h == NULL)
            continue;
        struct axn_link_stats_entry e;
        e.ifindex = ids[i].ifindex;
        memcpy(e.name, ids[i].name, sizeof(e.name));
        axn_if_counters_read(&h->counters, &e.stats);
        visit(ctx, &e);
        visited++;
    }
    plat->mutex_unlock(st->core_lock);
    return visited;
}

/* ---- RT-37 ------------------------------------------------------------------ */

struct collect {
    struct axn_link_stats_entry *out;
    size_t max;
    size_t n;
};

static void collect_one(void *ctx, const struct axn_link_stats_entry *e)
{
    struct collect *col = ctx;
    if (col->n < col->max)
        col->out[col->n] = *e;
    col->n++;
}

size_t axn_ctl_link_stats_all(struct axn_stack *st, struct axn_link_stats_entry *out, size_t max)
{
    struct collect col = {.out = out, .max = out != NULL ? max : 0, .n = 0};
    return for_each_link(st, collect_one, &col);
}

/* ---- /proc/net/dev text ------------------------------------------------------ */

static void format_row(void *ctx, const struct axn_link_stats_entry *e)
{
    struct axn_text_buf *t = ctx;
    const struct axn_link_stats *s = &e->stats;
    axn_text_appendf(t, PROC_NET_DEV_ROW, IFNAME_MAX_CHARS, e->name,
                     (unsigned long long)s->rx_bytes, (unsigned long long)s->rx_packets,
                     (unsigned long long)s->rx_errors, (unsigned long long)s->rx_dropped,
                     NOT_COUNTED, NOT_COUNTED, NOT_COUNTED, NOT_COUNTED,
                     (unsigned long long)s->tx_bytes, (unsigned long long)s->tx_packets,
                     (unsigned long long)s->tx_errors, (unsigned long long)s->tx_dropped,
                     NOT_COUNTED, NOT_COUNTED, NOT_COUNTED, NOT_COUNTED);
}

size_t axn_ctl_format_proc_net_dev(struct axn_stack *st, char *buf, size_t cap)
{
    struct axn_text_buf t;
    axn_text_init(&t, buf, cap);
    axn_text_appendf(&t, "%s", PROC_NET_DEV_HEADER);
    /* Rows are formatted under the core lock: pure text work, no
     * allocation, no log, so the lock is held no longer than a copy. */
    (void)for_each_link(st, format_row, &t);
    return t.len;
}
