/* Two stacks on an in-memory wire, one thread (mem_world.h). */
#include "mem_world.h"
#include "bench_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "axnet/errno.h"
#include "axnet/netif.h"
#include "axnet/port_posix.h"

#define NSEC_PER_SEC 1000000000ull
#define MAC_LOCAL    0x02 /* locally administered unicast */
#define MAC_LAST     5

static const axn_ip4_t ADDRS[MEM_PORTS] = {MEM_ADDR_A, MEM_ADDR_B};

void mem_check(long err, const char *what)
{
    if (err < 0) {
        fprintf(stderr, "%s: error %ld\n", what, err);
        exit(1);
    }
}

static uint64_t clock_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

uint64_t mem_wall_ns(void)
{
    return clock_ns(CLOCK_MONOTONIC);
}

uint64_t mem_cpu_ns(void)
{
    return clock_ns(CLOCK_PROCESS_CPUTIME_ID);
}

/* ---- Platform: counting allocator, fixed-seed random, fake clock --------- */

static void *(*posix_alloc)(void *ctx, size_t size, size_t align);
static void (*posix_free)(void *ctx, void *ptr, size_t size);

static void *count_alloc(void *ctx, size_t size, size_t align)
{
    struct mem_world *w = ctx;
    void *p = posix_alloc(NULL, size, align);
    if (p) {
        w->live_bytes += size;
        w->live_blocks++;
        if (w->live_bytes > w->peak_bytes)
            w->peak_bytes = w->live_bytes;
    }
    return p;
}

static void count_free(void *ctx, void *ptr, size_t size)
{
    struct mem_world *w = ctx;
    if (!ptr)
        return;
    w->live_bytes -= size;
    w->live_blocks--;
    posix_free(NULL, ptr, size);
}

/* xorshift64*: repeatable ISNs, ports and secrets. */
static int seeded_random(void *ctx, void *buf, size_t len)
{
    struct mem_world *w = ctx;
    uint8_t *p = buf;
    for (size_t i = 0; i < len; i++) {
        w->rng ^= w->rng >> 12;
        w->rng ^= w->rng << 25;
        w->rng ^= w->rng >> 27;
        p[i] = (uint8_t)((w->rng * 0x2545f4914f6cdd1dull) >> 56);
    }
    return 0;
}

static axn_time_t world_now(void *ctx)
{
    struct mem_world *w = ctx;
    return w->clock == MEM_CLOCK_REAL ? axn_port_posix_now() : w->now;
}

static void platform_init(struct mem_world *w)
{
    mem_check(axn_port_posix_init(&w->plat, AXN_LOG_WARN), "axn_port_posix_init");
    posix_alloc = w->plat.alloc;
    posix_free = w->plat.free;
    w->plat.ctx = w;
    w->plat.alloc = count_alloc;
    w->plat.free = count_free;
    w->plat.random = seeded_random;
    w->plat.now = world_now;
    w->rng = MEM_RANDOM_SEED;
}

/* ---- The wire ------------------------------------------------------------ */

static const char *link_name(void *drv)
{
    (void)drv;
    return "memlink";
}

static void link_mac(void *drv, struct axn_mac *mac)
{
    *mac = ((struct mem_port *)drv)->mac;
}

static int link_receive(void *drv, struct axn_rx_buf *rx)
{
    struct mem_port *p = drv;
    struct mem_frame *f = p->rx_head;
    if (!f)
        return -AXN_EAGAIN;
    p->rx_head = f->next;
    if (!p->rx_head)
        p->rx_tail = NULL;
    memset(rx, 0, sizeof(*rx));
    rx->data = f->data;
    rx->len = f->len;
    rx->priv = f;
    return 0;
}

static void frame_put(struct mem_world *w, struct mem_frame *f)
{
    f->next = w->free_frames;
    w->free_frames = f;
}

static int link_recycle_rx(void *drv, struct axn_rx_buf *rx)
{
    frame_put(((struct mem_port *)drv)->w, rx->priv);
    return 0;
}

static int link_recycle_tx(void *drv)
{
    (void)drv;
    return 0;
}

static int link_alloc_tx(void *drv, size_t len, struct axn_tx_buf *tx)
{
    struct mem_world *w = ((struct mem_port *)drv)->w;
    struct mem_frame *f = w->free_frames;
    if (len > AXN_ETH_FRAME_MAX)
        return -AXN_EINVAL;
    if (!f)
        return -AXN_EAGAIN;
    w->free_frames = f->next;
    memset(tx, 0, sizeof(*tx));
    tx->data = f->data;
    tx->len = len;
    tx->priv = f;
    return 0;
}

/* The frame joins the other port's receive FIFO. */
static int link_transmit(void *drv, struct axn_tx_buf *tx)
{
    struct mem_port *p = drv;
    struct mem_port *peer = &p->w->port[1u - p->idx];
    struct mem_frame *f = tx->priv;
    f->len = tx->len;
    f->next = NULL;
    if (peer->rx_tail)
        peer->rx_tail->next = f;
    else
        peer->rx_head = f;
    peer->rx_tail = f;
    p->w->frames_moved++;
    return 0;
}

static void link_abort_tx(void *drv, struct axn_tx_buf *tx)
{
    frame_put(((struct mem_port *)drv)->w, tx->priv);
}

static const struct axn_eth_driver_ops LINK_OPS = {
    .name = link_name,
    .mac_address = link_mac,
    .receive = link_receive,
    .recycle_rx = link_recycle_rx,
    .recycle_tx = link_recycle_tx,
    .alloc_tx = link_alloc_tx,
    .transmit = link_transmit,
    .abort_tx = link_abort_tx,
};

static void link_create(struct mem_world *w)
{
    w->frames = calloc(MEM_FRAMES, sizeof(*w->frames));
    if (!w->frames)
        mem_check(-AXN_ENOMEM, "frames");
    for (size_t i = 0; i < MEM_FRAMES; i++)
        frame_put(w, &w->frames[i]);
    for (unsigned i = 0; i < MEM_PORTS; i++) {
        struct mem_port *p = &w->port[i];
        p->w = w;
        p->idx = i;
        p->mac = (struct axn_mac){{MAC_LOCAL, 0, 0, 0, 0, 0}};
        p->mac.b[MAC_LAST] = (uint8_t)(i + 1);
        w->drv[i] = (struct axn_eth_driver){.ops = &LINK_OPS, .drv = p};
    }
}

/* ---- Stacks --------------------------------------------------------------- */

static void stack_create(struct mem_world *w, unsigned i)
{
    const struct axn_iface_config ic = bench_static_iface(ADDRS[i], MEM_PREFIX);
    struct axn_net_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.ifaces = &ic;
    cfg.n_ifaces = 1;
    const struct axn_eth_driver *drv[1] = {&w->drv[i]};
    mem_check(axn_stack_create(&w->plat, &w->st[i]), "axn_stack_create");
    mem_check(axn_stack_init_network(w->st[i], drv, 1, &cfg, world_now(w)),
              "axn_stack_init_network");
}

void mem_world_create(struct mem_world *w, enum mem_clock clock)
{
    memset(w, 0, sizeof(*w));
    w->clock = clock;
    w->now = 1;
    platform_init(w);
    link_create(w);
    for (unsigned i = 0; i < MEM_PORTS; i++)
        stack_create(w, i);
}

void mem_world_destroy(struct mem_world *w)
{
    for (unsigned i = 0; i < MEM_PORTS; i++)
        axn_stack_destroy(w->st[i]);
    free(w->frames);
    w->frames = NULL;
}

void mem_world_poll(struct mem_world *w)
{
    for (unsigned i = 0; i < MEM_PORTS; i++)
        w->next[i] = axn_stack_poll(w->st[i], world_now(w));
}

bool mem_world_advance(struct mem_world *w, bool moved)
{
    if (w->clock == MEM_CLOCK_REAL)
        return true;
    if (moved) {
        w->now += MEM_FAKE_TICK_US;
        return true;
    }
    axn_time_t next = AXN_TIME_NEVER;
    for (unsigned i = 0; i < MEM_PORTS; i++)
        next = w->next[i] < next ? w->next[i] : next;
    if (next == AXN_TIME_NEVER)
        return false;
    w->now = next > w->now ? next : w->now + MEM_FAKE_TICK_US;
    return true;
}

struct axn_socket *mem_socket(struct mem_world *w, unsigned n)
{
    struct axn_socket *s = NULL;
    mem_check(axn_socket(w->st[n], AXN_AF_INET, AXN_SOCK_STREAM | AXN_SOCK_NONBLOCK, 0, &s),
              "axn_socket");
    return s;
}

void mem_world_poll_due(struct mem_world *w)
{
    const axn_time_t now = world_now(w);
    for (unsigned i = 0; i < MEM_PORTS; i++)
        if (w->port[i].rx_head || axn_stack_poll_pending(w->st[i]) || w->next[i] <= now)
            w->next[i] = axn_stack_poll(w->st[i], now);
}
