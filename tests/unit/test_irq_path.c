/*
 * The IRQ path end to end (spec PLAT-12, PLAT-21, DRV-6/7, ETH-2/3, ETH-18,
 * RT-28, RT-33, §18 item 1): real Ethernet adapters, brought up by
 * axn_stack_init_network over simulated-wire ports that have IRQ lines,
 * on the virtual-clock platform's IRQ registrar, threaded.
 *
 * Each NIC sits on its own wire with a "peer" port the test drives by hand
 * (a remote host): what the peer transmits reaches the NIC's RX queue,
 * which raises the NIC's IRQ on the thread that moved the frame, and the
 * registrar runs the adapter's action right there, as hard-IRQ context
 * would. Virtual time (vtime_platform.h): idle seconds cost nothing and
 * every wake-up is counted exactly.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "axnet/errno.h"
#include "axnet/hosted/sim_wire.h"
#include "axnet/netctl.h"
#include "core/stack_impl.h"
#include "fake_netdev.h"
#include "vtime_platform.h"
#include "wire/ethernet.h"
#include "wire/ipv4.h"

#define START AXN_SEC(100)
/* §18 item 1: the idle span, and half a poll interval past it so that a
 * polled device's last timeout is not on the test's own wake-up instant. */
#define IDLE_SPAN    AXN_SEC(5)
#define POLL_PERIOD  AXN_MSEC(AXN_DEVICE_IDLE_POLL_MS)
#define HALF_POLL    (POLL_PERIOD / 2)
#define POLLS_IN(us) ((uint64_t)((us) / POLL_PERIOD))
/* A short look at a polled device: ten RT-28 idle polls. */
#define POLL_CHECK_SPAN AXN_MSEC(100)
/* Propagation delay of the wire in irq_delivers_frame_to_core, so that the
 * frame is on the wire, not yet at the NIC, until the test moves time. */
#define LINK_DELAY AXN_MSEC(1)

#define MAX_NICS     2
#define PREFIX       24u
#define PAYLOAD      32u
#define FILL         0x5a
#define FRAME_LEN    (AXN_ETH_HLEN + AXN_IPV4_HDR_MIN + PAYLOAD)
#define WIRE_SEED    7u
#define IRQ_ETH0     5
#define IRQ_ETH1     6
#define ETH0         AXN_IFINDEX_FIRST_ETH
#define ETH1         (AXN_IFINDEX_FIRST_ETH + 1u)
#define LOG_LINES    8
#define LOG_LINE_LEN 160
/* The WARN from ETH-2 when a device falls back to polling. */
#define POLLING_TAIL "using polling"

static const axn_ip4_t NIC_ADDR[MAX_NICS] = {AXN_IP4(192, 0, 2, 10), AXN_IP4(198, 51, 100, 10)};
static const axn_ip4_t PEER_ADDR[MAX_NICS] = {AXN_IP4(192, 0, 2, 20), AXN_IP4(198, 51, 100, 20)};
static const uint8_t NIC_MAC_TAG = 0x01;
static const uint8_t PEER_MAC_TAG = 0xfe;
static const char *const NIC_NAME[MAX_NICS] = {"eth0", "eth1"};
static const uint32_t NIC_IFINDEX[MAX_NICS] = {ETH0, ETH1};

enum nic_kind {
    NIC_POLLED, /* axn_sim_wire_add_port: no IRQ ops at all */
    NIC_IRQ,    /* axn_sim_wire_add_irq_port on its own line */
    NIC_SHARED, /* axn_sim_wire_add_irq_port, every NIC on IRQ_ETH0 */
};

static struct fx {
    bool made; /* make_world ran and world_down has not */
    /* The vtime platform with this test's log (and, for one case, no
     * registrar); the stack keeps a pointer to it. */
    struct axn_platform plat;
    struct axn_stack *st;
    size_t n_nics;
    enum nic_kind kind;
    struct axn_sim_wire *wire[MAX_NICS];
    struct axn_eth_driver nic_drv[MAX_NICS];
    struct axn_eth_driver peer_drv[MAX_NICS];
    int nic_port[MAX_NICS];
    int peer_port[MAX_NICS];
    int irq[MAX_NICS];

    /* The core's input hook. */
    _Atomic size_t n_in;
    _Atomic uint32_t in_ifindex;
    _Atomic size_t in_len;
    _Atomic size_t in_bad_payload;

    pthread_mutex_t log_lock;
    char log[LOG_LINES][LOG_LINE_LEN];
    size_t n_warn;
} fx;

/* ---- The world ---------------------------------------------------------------- */

static void capture_log(void *ctx, enum axn_log_level level, const char *line)
{
    (void)ctx;
    if (level > AXN_LOG_WARN)
        return;
    pthread_mutex_lock(&fx.log_lock);
    if (fx.n_warn < LOG_LINES)
        snprintf(fx.log[fx.n_warn], LOG_LINE_LEN, "%s", line);
    fx.n_warn++;
    pthread_mutex_unlock(&fx.log_lock);
}

/* Warnings that say a device fell back to polling; the last one in `out`. */
static size_t polling_warnings(char *out, size_t cap)
{
    size_t n = 0;
    pthread_mutex_lock(&fx.log_lock);
    for (size_t i = 0; i < fx.n_warn && i < LOG_LINES; i++) {
        if (strstr(fx.log[i], POLLING_TAIL)) {
            snprintf(out, cap, "%s", fx.log[i]);
            n++;
        }
    }
    pthread_mutex_unlock(&fx.log_lock);
    return n;
}

static void fx_input(void *ctx, const uint8_t *pkt, size_t len, const struct axn_rx_meta *meta,
                     axn_time_t now)
{
    struct fx *f = ctx;
    (void)now;
    struct axn_ipv4 ip;
    if (axn_ipv4_parse(pkt, len, &ip, 0) != 0 || ip.payload_len != PAYLOAD || ip.payload[0] != FILL)
        atomic_fetch_add(&f->in_bad_payload, 1);
    atomic_store(&f->in_ifindex, meta->ifindex);
    atomic_store(&f->in_len, len);
    atomic_fetch_add(&f->n_in, 1);
}

static struct axn_mac mac_of(size_t nic, uint8_t tag)
{
    struct axn_mac m = {{0x02, 0, 0, 0, (uint8_t)nic, tag}};
    return m;
}

/* Wire `i`: the NIC's port (of fx.kind) and the peer's plain port. */
static void make_wire(size_t i, axn_time_t delay)
{
    struct axn_sim_wire_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.start_time = START;
    cfg.impair.delay = delay;
    assert_int_equal(axn_sim_wire_create(&fx.wire[i], &cfg, WIRE_SEED), 0);
    const struct axn_mac nic = mac_of(i, NIC_MAC_TAG);
    const struct axn_mac peer = mac_of(i, PEER_MAC_TAG);
    fx.irq[i] = fx.kind == NIC_SHARED ? IRQ_ETH0 : (i == 0 ? IRQ_ETH0 : IRQ_ETH1);
    if (fx.kind == NIC_POLLED) {
        fx.nic_port[i] = axn_sim_wire_add_port(fx.wire[i], &nic, &fx.nic_drv[i]);
    } else {
        const struct axn_sim_irq_config irq = {
            .irq = fx.irq[i],
            .raise = axn_vt_irq_raise_hook,
        };
        fx.nic_port[i] = axn_sim_wire_add_irq_port(fx.wire[i], &nic, &irq, &fx.nic_drv[i]);
    }
    fx.peer_port[i] = axn_sim_wire_add_port(fx.wire[i], &peer, &fx.peer_drv[i]);
    assert_true(fx.nic_port[i] >= 0);
    assert_true(fx.peer_port[i] >= 0);
}

/* Clock at START, wires and ports; the stack not made yet. */
static void make_world(enum nic_kind kind, size_t n_nics, axn_time_t delay)
{
    memset(&fx, 0, sizeof(fx));
    fx.made = true;
    pthread_mutex_init(&fx.log_lock, NULL);
    axn_vt_reset(START);
    fx.plat = *axn_vt_platform();
    fx.plat.log = capture_log;
    fx.plat.log_level = AXN_LOG_WARN;
    fx.kind = kind;
    fx.n_nics = n_nics;
    for (size_t i = 0; i < n_nics; i++)
        make_wire(i, delay);
}

/* The stack over the NICs with static addresses (CTL-8), hooks installed,
 * and its IRQs registered as ETH-2 says; not started. */
static void make_stack(void)
{
    assert_int_equal(axn_stack_create(&fx.plat, &fx.st), 0);
    const struct axn_proto_hooks hooks = {.input = fx_input, .input_ctx = &fx};
    axn_stack_set_proto(fx.st, &hooks);
    struct axn_iface_config ics[MAX_NICS];
    const struct axn_eth_driver *drivers[MAX_NICS];
    memset(ics, 0, sizeof(ics));
    for (size_t i = 0; i < fx.n_nics; i++) {
        ics[i].match = AXN_MATCH_ORDER;
        ics[i].match_order = (uint32_t)i;
        ics[i].ipv4_mode = AXN_IPV4_STATIC;
        ics[i].addr = NIC_ADDR[i];
        ics[i].prefix_len = PREFIX;
        drivers[i] = &fx.nic_drv[i];
    }
    struct axn_net_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.ifaces = ics;
    cfg.n_ifaces = fx.n_nics;
    assert_int_equal(axn_stack_init_network(fx.st, drivers, fx.n_nics, &cfg, START), 0);
}

/* Threaded, and every thread asleep. */
static void start(void)
{
    assert_int_equal(axn_stack_start(fx.st), 0);
    axn_vt_settle();
}

static void world_up(enum nic_kind kind, size_t n_nics, axn_time_t delay)
{
    make_world(kind, n_nics, delay);
    make_stack();
    start();
}

static struct axn_dev_handle *handle(size_t nic)
{
    struct axn_dev_handle *h = axn_router_find(&fx.st->router, NIC_IFINDEX[nic]);
    assert_non_null(h);
    return h;
}

static struct axn_sim_irq_stats nic_irq(size_t nic)
{
    struct axn_sim_irq_stats s;
    assert_int_equal(axn_sim_port_irq_stats(fx.wire[nic], fx.nic_port[nic], &s), 0);
    return s;
}

static struct axn_vt_irq_stats line(int irq)
{
    struct axn_vt_irq_stats s;
    axn_vt_irq_stats(irq, &s);
    return s;
}

static struct axn_stack_stats stack_stats(void)
{
    struct axn_stack_stats s;
    axn_ctl_stack_stats(fx.st, &s);
    return s;
}

/* The peer of NIC `nic` sends it one IPv4 frame (PAYLOAD bytes of FILL). */
static void peer_send(size_t nic)
{
    uint8_t ip[AXN_IPV4_HDR_MIN + PAYLOAD];
    const size_t ip_len =
        fake_build_ipv4(ip, sizeof(ip), PEER_ADDR[nic], NIC_ADDR[nic], PAYLOAD, FILL);
    const struct axn_eth eth = {
        .dst = mac_of(nic, NIC_MAC_TAG),
        .src = mac_of(nic, PEER_MAC_TAG),
        .ethertype = AXN_ETHERTYPE_IPV4,
        .payload = ip,
        .payload_len = ip_len,
    };
    const struct axn_eth_driver *d = &fx.peer_drv[nic];
    struct axn_tx_buf tx;
    assert_int_equal(d->ops->alloc_tx(d->drv, FRAME_LEN, &tx), 0);
    assert_int_equal(axn_eth_emit(&eth, tx.data, tx.len, 0), FRAME_LEN);
    assert_int_equal(d->ops->transmit(d->drv, &tx), 0);
}

/* Stack first (its workers stop, its adapters unregister their IRQs and
 * disable them: ETH-2 undone), then the wires it used. Checks both. */
static bool world_down(void)
{
    if (!fx.made)
        return axn_vt_live_allocs() == 0;
    bool ok = true;
    if (fx.st) {
        axn_stack_destroy(fx.st);
        fx.st = NULL;
        ok = axn_vt_irq_registered(IRQ_ETH0) == 0 && axn_vt_irq_registered(IRQ_ETH1) == 0;
        for (size_t i = 0; i < fx.n_nics && fx.kind != NIC_POLLED; i++) {
            struct axn_sim_irq_stats s;
            ok = ok && axn_sim_port_irq_stats(fx.wire[i], fx.nic_port[i], &s) == 0 && !s.enabled;
        }
    }
    for (size_t i = 0; i < MAX_NICS; i++) {
        axn_sim_wire_destroy(fx.wire[i]);
        fx.wire[i] = NULL;
    }
    pthread_mutex_destroy(&fx.log_lock);
    fx.made = false;
    return ok && axn_vt_live_allocs() == 0;
}

/* Runs after every test, also one that failed half way, so that no worker
 * outlives its test. */
static int teardown(void **state)
{
    (void)state;
    return world_down() ? 0 : -1;
}

/* ---- (a) §18 item 1: idle IRQ NICs sleep; polled NICs wake every 10 ms -------------- */

struct idle_counts {
    uint64_t poll_wakeups;
    uint64_t poll_runs;
    uint64_t rx_wakeups[MAX_NICS];
    uint64_t rx_timeouts[MAX_NICS];
    uint64_t tx_timeouts[MAX_NICS];
    uint64_t irqs_raised;
};

static void snapshot(struct idle_counts *c)
{
    const struct axn_stack_stats s = stack_stats();
    c->poll_wakeups = s.poll_wakeups;
    c->poll_runs = s.poll_runs;
    for (size_t i = 0; i < fx.n_nics; i++) {
        c->rx_wakeups[i] = axn_vt_event_wakeups(handle(i)->rx_event);
        c->rx_timeouts[i] = axn_vt_event_timeouts(handle(i)->rx_event);
        c->tx_timeouts[i] = axn_vt_event_timeouts(handle(i)->tx_event);
    }
    c->irqs_raised = line(IRQ_ETH0).raised + line(IRQ_ETH1).raised;
}

/* Two NICs of `kind` up and started, then IDLE_SPAN with no traffic:
 * what woke during it. */
static void measure_idle(enum nic_kind kind, struct idle_counts *during)
{
    world_up(kind, MAX_NICS, 0);
    struct idle_counts before, after;
    snapshot(&before);
    /* The start-up: the one poll request axn_stack_init_network made
     * (PLAT-16), answered by the worker's first wait; nothing else. */
    assert_int_equal(before.poll_wakeups, 1);
    assert_int_equal(before.poll_runs, 2);
    axn_vt_run_until(START + IDLE_SPAN + HALF_POLL);
    snapshot(&after);
    during->poll_wakeups = after.poll_wakeups - before.poll_wakeups;
    during->poll_runs = after.poll_runs - before.poll_runs;
    for (size_t i = 0; i < MAX_NICS; i++) {
        during->rx_wakeups[i] = after.rx_wakeups[i] - before.rx_wakeups[i];
        during->rx_timeouts[i] = after.rx_timeouts[i] - before.rx_timeouts[i];
        during->tx_timeouts[i] = after.tx_timeouts[i] - before.tx_timeouts[i];
    }
    during->irqs_raised = after.irqs_raised - before.irqs_raised;
    /* The static address was announced once per NIC (RFC 5227 2.3) and
     * reached the peer: the NICs really are on their wires. */
    for (size_t i = 0; i < MAX_NICS; i++)
        assert_int_equal(axn_sim_port_rx_pending(fx.wire[i], fx.peer_port[i]), 1);
    assert_true(world_down());
}

static void idle_stack_with_irq_nics_sleeps_5s(void **state)
{
    (void)state;
    struct idle_counts irq, polled;
    measure_idle(NIC_IRQ, &irq);
    /* ETH-18: a registered IRQ is a wake source, so the RX workers wait
     * with no deadline (RT-28 without its [HAZARD]); no ARP entry and no
     * pending packet means no TX timer; the core has no timer. Nothing at
     * all wakes in 5 s. */
    assert_int_equal(irq.poll_wakeups, 0);
    assert_int_equal(irq.poll_runs, 0);
    assert_int_equal(irq.irqs_raised, 0);
    for (size_t i = 0; i < MAX_NICS; i++) {
        assert_int_equal(irq.rx_wakeups[i], 0);
        assert_int_equal(irq.rx_timeouts[i], 0);
        assert_int_equal(irq.tx_timeouts[i], 0);
    }

    /* The same stack over the same ports without IRQ lines: each RX worker
     * polls its NIC every AXN_DEVICE_IDLE_POLL_MS (RT-28), 500 times in
     * 5 s, still without waking the poll worker (nothing was moved). */
    measure_idle(NIC_POLLED, &polled);
    assert_int_equal(POLLS_IN(IDLE_SPAN), 500);
    for (size_t i = 0; i < MAX_NICS; i++) {
        assert_int_equal(polled.rx_timeouts[i], POLLS_IN(IDLE_SPAN));
        assert_int_equal(polled.rx_wakeups[i], 0);
        assert_int_equal(polled.tx_timeouts[i], 0);
    }
    assert_int_equal(polled.poll_wakeups, 0);
    assert_int_equal(polled.irqs_raised, 0);
    print_message("idle %llu s, RX worker wakes per NIC: IRQ %llu, polling %llu\n",
                  (unsigned long long)(IDLE_SPAN / AXN_SEC(1)),
                  (unsigned long long)(irq.rx_wakeups[0] + irq.rx_timeouts[0]),
                  (unsigned long long)(polled.rx_wakeups[0] + polled.rx_timeouts[0]));
}

/* ---- (b) PLAT-21, DRV-7, ETH-3: an arriving frame raises the IRQ ------------------- */

static void irq_delivers_frame_to_core(void **state)
{
    (void)state;
    world_up(NIC_IRQ, 1, LINK_DELAY);
    /* ETH-2: one shared action, named after the interface, enabled. */
    char name[AXN_VT_IRQ_NAME_LEN];
    assert_int_equal(axn_vt_irq_registered(IRQ_ETH0), 1);
    assert_true(axn_vt_irq_name(IRQ_ETH0, name, sizeof(name)));
    assert_string_equal(name, NIC_NAME[0]);
    assert_true(nic_irq(0).enabled);
    assert_true(nic_irq(0).handler_taken);
    struct axn_dev_handle *h = handle(0);
    const uint64_t rx_wakeups = axn_vt_event_wakeups(h->rx_event);
    const uint64_t poll_wakeups = stack_stats().poll_wakeups;

    /* On the wire, not at the NIC yet: no IRQ, nothing delivered. */
    peer_send(0);
    axn_vt_run_until(START + LINK_DELAY);
    assert_int_equal(line(IRQ_ETH0).raised, 0);
    assert_int_equal(nic_irq(0).raised, 0);
    assert_int_equal(atomic_load(&fx.n_in), 0);

    /* The frame reaches the NIC now; this thread raises the IRQ and runs
     * the action before set_time returns. */
    assert_int_equal(axn_sim_wire_set_time(fx.wire[0], axn_vt_now()), 0);
    const struct axn_vt_irq_stats l = line(IRQ_ETH0);
    assert_int_equal(l.raised, 1);
    assert_int_equal(l.woke, 1);
    assert_int_equal(l.handled, 0);
    const struct axn_sim_irq_stats s = nic_irq(0);
    assert_int_equal(s.raised, 1);
    assert_int_equal(s.handled, 1);
    assert_int_equal(s.rx_ready, 1);
    assert_int_equal(s.spurious, 0);

    /* The RX worker, not the IRQ, moves the frame to the core. */
    axn_vt_settle();
    assert_int_equal(atomic_load(&fx.n_in), 1);
    assert_int_equal(atomic_load(&fx.in_ifindex), ETH0);
    assert_int_equal(atomic_load(&fx.in_len), AXN_IPV4_HDR_MIN + PAYLOAD);
    assert_int_equal(atomic_load(&fx.in_bad_payload), 0);
    /* DRV-7 / PLAT-21: the action touched no RX/TX queue of the driver
     * and made no platform call but event_signal. */
    assert_int_equal(nic_irq(0).queue_calls_in_irq, 0);
    assert_int_equal(axn_vt_irq_context_violations(), 0);
    /* RT-33: one sticky wake, observed once; no timeout (no polling). */
    assert_int_equal(axn_vt_event_wakeups(h->rx_event), rx_wakeups + 1);
    assert_int_equal(axn_vt_event_timeouts(h->rx_event), 0);
    /* The RX worker moved a packet: exactly one poll. */
    assert_int_equal(stack_stats().poll_wakeups, poll_wakeups + 1);
    struct axn_link_stats ls;
    assert_int_equal(axn_ctl_link_stats(fx.st, ETH0, &ls), 0);
    assert_int_equal(ls.rx_packets, 1);
    assert_int_equal(ls.rx_bytes, FRAME_LEN);
    struct axn_sim_port_stats ps;
    assert_int_equal(axn_sim_port_stats(fx.wire[0], fx.nic_port[0], &ps), 0);
    assert_int_equal(ps.rx_frames, 1);
}

/* ---- (c) ETH-2: no IRQ after all -> a warning, and polling ------------------------- */

/* One NIC that fell back: the warning says why, it is polled every 10 ms
 * (ETH-18, RT-28), its IRQ stays disabled, and a frame still arrives. */
static void expect_polled_fallback(const char *why)
{
    char warning[LOG_LINE_LEN] = "";
    assert_int_equal(polling_warnings(warning, sizeof(warning)), 1);
    assert_string_equal(warning, why);
    assert_int_equal(axn_vt_irq_registered(IRQ_ETH0), 0);
    assert_false(nic_irq(0).enabled);

    start();
    struct axn_dev_handle *h = handle(0);
    axn_vt_run_until(START + POLL_CHECK_SPAN + HALF_POLL);
    assert_int_equal(axn_vt_event_timeouts(h->rx_event), POLLS_IN(POLL_CHECK_SPAN));

    peer_send(0);
    assert_int_equal(nic_irq(0).raised, 0); /* disabled: nothing raised */
    axn_vt_run_until(axn_vt_now() + POLL_PERIOD);
    assert_int_equal(atomic_load(&fx.n_in), 1);
    assert_int_equal(atomic_load(&fx.in_ifindex), ETH0);
    assert_int_equal(axn_vt_event_timeouts(h->rx_event), POLLS_IN(POLL_CHECK_SPAN) + 1);
    assert_int_equal(line(IRQ_ETH0).raised, 0);
}

static void irq_registration_failure_falls_back_to_polling(void **state)
{
    (void)state;
    /* The registrar refuses the line (PLAT-12 Busy). */
    make_world(NIC_IRQ, 1, 0);
    axn_vt_irq_refuse(IRQ_ETH0, -AXN_EBUSY);
    make_stack();
    expect_polled_fallback("eth0: registering irq 5 failed (-16); using polling");
    assert_true(world_down());

    /* No registrar installed at all. */
    make_world(NIC_IRQ, 1, 0);
    fx.plat.irq_register = NULL;
    fx.plat.irq_unregister = NULL;
    make_stack();
    expect_polled_fallback("eth0: no IRQ registrar for irq 5; using polling");
    assert_false(nic_irq(0).handler_taken); /* ETH-2: nothing to hand it to */
}

static void irq_without_driver_handler_falls_back_to_polling(void **state)
{
    (void)state;
    /* DRV-7: the handler moves out once; someone took it already. */
    make_world(NIC_IRQ, 1, 0);
    struct axn_irq_handler stolen = {0};
    const struct axn_eth_driver *d = &fx.nic_drv[0];
    assert_int_equal(d->ops->take_irq_handler(d->drv, &stolen), 0);
    assert_int_equal(d->ops->take_irq_handler(d->drv, &stolen), -AXN_ENOENT);
    make_stack();
    expect_polled_fallback("eth0: driver gave no IRQ handler for irq 5; using polling");
}

/* ---- (d) DRV-6: an IRQ with no work is Handled, and wakes nobody ------------------- */

static void irq_handler_without_wake_events_does_not_wake(void **state)
{
    (void)state;
    world_up(NIC_IRQ, 1, 0);
    struct axn_dev_handle *h = handle(0);
    const uint64_t rx_wakeups = axn_vt_event_wakeups(h->rx_event);
    const uint64_t poll_wakeups = stack_stats().poll_wakeups;

    /* Nothing arrived: the handler reports SPURIOUS only. */
    assert_int_equal(axn_vt_irq_raise(IRQ_ETH0), 0);
    struct axn_vt_irq_stats l = line(IRQ_ETH0);
    assert_int_equal(l.raised, 1);
    assert_int_equal(l.handled, 1);
    assert_int_equal(l.woke, 0);
    struct axn_sim_irq_stats s = nic_irq(0);
    assert_int_equal(s.handled, 1);
    assert_int_equal(s.spurious, 1);
    assert_int_equal(s.rx_ready, 0);
    axn_vt_settle();
    assert_int_equal(axn_vt_event_wakeups(h->rx_event), rx_wakeups);
    assert_int_equal(axn_vt_event_timeouts(h->rx_event), 0);
    assert_int_equal(stack_stats().poll_wakeups, poll_wakeups);
    assert_int_equal(atomic_load(&fx.n_in), 0);

    /* The spurious IRQ ate no event: a real frame still wakes. */
    peer_send(0);
    l = line(IRQ_ETH0);
    assert_int_equal(l.raised, 2);
    assert_int_equal(l.woke, 1);
    axn_vt_settle();
    assert_int_equal(atomic_load(&fx.n_in), 1);
    assert_int_equal(axn_vt_event_wakeups(h->rx_event), rx_wakeups + 1);
    assert_int_equal(axn_vt_irq_context_violations(), 0);
    s = nic_irq(0);
    assert_int_equal(s.queue_calls_in_irq, 0);
}

/* ---- PLAT-12 shared lines, and unregistering on removal ----------------------------- */

static void shared_irq_wakes_only_the_nic_with_a_frame(void **state)
{
    (void)state;
    world_up(NIC_SHARED, MAX_NICS, 0);
    assert_int_equal(axn_vt_irq_registered(IRQ_ETH0), 2);
    const uint64_t w0 = axn_vt_event_wakeups(handle(0)->rx_event);
    const uint64_t w1 = axn_vt_event_wakeups(handle(1)->rx_event);

    peer_send(1);
    /* Both actions ran: eth0's handler had nothing (Handled), eth1's had
     * the frame (Wake). */
    const struct axn_vt_irq_stats l = line(IRQ_ETH0);
    assert_int_equal(l.raised, 1);
    assert_int_equal(l.woke, 1);
    assert_int_equal(l.handled, 1);
    assert_int_equal(nic_irq(0).spurious, 1);
    assert_int_equal(nic_irq(1).rx_ready, 1);
    axn_vt_settle();
    assert_int_equal(axn_vt_event_wakeups(handle(0)->rx_event), w0);
    assert_int_equal(axn_vt_event_wakeups(handle(1)->rx_event), w1 + 1);
    assert_int_equal(atomic_load(&fx.n_in), 1);
    assert_int_equal(atomic_load(&fx.in_ifindex), ETH1);
    assert_int_equal(axn_vt_irq_context_violations(), 0);
}

static void removed_nic_unregisters_and_disables_its_irq(void **state)
{
    (void)state;
    world_up(NIC_IRQ, MAX_NICS, 0);
    assert_int_equal(axn_stack_remove_device(fx.st, ETH0, axn_vt_now()), 0);
    axn_vt_settle();
    assert_int_equal(axn_vt_irq_registered(IRQ_ETH0), 0);
    assert_int_equal(axn_vt_irq_registered(IRQ_ETH1), 1);
    assert_false(nic_irq(0).enabled);
    assert_true(nic_irq(1).enabled);
    /* A frame for the removed NIC raises nothing. */
    peer_send(0);
    assert_int_equal(nic_irq(0).raised, 0);
    assert_int_equal(line(IRQ_ETH0).raised, 0);
    axn_vt_settle();
    assert_int_equal(atomic_load(&fx.n_in), 0);
}

/* ---- The test rig itself: the sim IRQ line and the IRQ-context checks ----------------- */

struct raise_log {
    int n;
    int irq;
};

static void count_raise(void *ctx, int irq)
{
    struct raise_log *r = ctx;
    r->n++;
    r->irq = irq;
}

static void sim_irq_line_raises_once_per_arrival_only_when_enabled(void **state)
{
    (void)state;
    struct raise_log raised = {0};
    make_world(NIC_POLLED, 1, LINK_DELAY); /* wire 0: a plain port and a peer */
    /* A plain port keeps no IRQ ops (the default is unchanged). */
    assert_null(fx.nic_drv[0].ops->irq_id);
    assert_null(fx.nic_drv[0].ops->take_irq_handler);
    struct axn_sim_irq_stats s;
    assert_int_equal(axn_sim_port_irq_stats(fx.wire[0], fx.nic_port[0], &s), -AXN_EINVAL);

    const struct axn_mac mac = mac_of(0, NIC_MAC_TAG);
    const struct axn_sim_irq_config bad = {.irq = -1, .raise = count_raise, .ctx = &raised};
    struct axn_eth_driver drv;
    assert_int_equal(axn_sim_wire_add_irq_port(fx.wire[0], &mac, &bad, &drv), -AXN_EINVAL);
    /* A port with an IRQ line and the NIC's MAC: nobody sent from that MAC,
     * so the switch floods frames for it to both NIC ports. */
    const struct axn_sim_irq_config cfg = {.irq = IRQ_ETH1, .raise = count_raise, .ctx = &raised};
    const int port = axn_sim_wire_add_irq_port(fx.wire[0], &mac, &cfg, &drv);
    assert_true(port >= 0);
    assert_int_equal(drv.ops->irq_id(drv.drv), IRQ_ETH1);
    struct axn_irq_handler h;
    assert_int_equal(drv.ops->take_irq_handler(drv.drv, &h), 0);
    assert_int_equal(drv.ops->take_irq_handler(drv.drv, &h), -AXN_ENOENT);

    /* Disabled: the arrival is latched, nothing is raised. */
    peer_send(0);
    assert_int_equal(axn_sim_wire_set_time(fx.wire[0], START + LINK_DELAY), 0);
    assert_int_equal(raised.n, 0);
    assert_int_equal(h.handle(h.arg), AXN_IRQ_RX_READY);
    assert_int_equal(h.handle(h.arg), AXN_IRQ_SPURIOUS);

    /* Enabled: two frames reaching the port in one wire call raise once. */
    drv.ops->enable_irq(drv.drv);
    peer_send(0);
    peer_send(0);
    assert_int_equal(raised.n, 0); /* still on the wire */
    assert_int_equal(axn_sim_wire_set_time(fx.wire[0], START + 2 * LINK_DELAY), 0);
    assert_int_equal(raised.n, 1);
    assert_int_equal(raised.irq, IRQ_ETH1);
    assert_int_equal(h.handle(h.arg), AXN_IRQ_RX_READY);

    drv.ops->disable_irq(drv.drv);
    peer_send(0);
    assert_int_equal(axn_sim_wire_set_time(fx.wire[0], START + 3 * LINK_DELAY), 0);
    assert_int_equal(raised.n, 1);
    assert_int_equal(axn_sim_port_irq_stats(fx.wire[0], port, &s), 0);
    assert_false(s.enabled);
    assert_true(s.handler_taken);
    assert_int_equal(s.raised, 1);
    assert_int_equal(s.handled, 3);
    assert_int_equal(s.rx_ready, 2);
    assert_int_equal(s.spurious, 1);
    assert_int_equal(s.queue_calls_in_irq, 0);
    assert_int_equal(axn_sim_port_rx_pending(fx.wire[0], port), 4);
}

/* What a broken IRQ action would do: read the RX queue and call the
 * platform from hard-IRQ context. */
struct bad_action {
    const struct axn_eth_driver *drv;
    const struct axn_platform *plat;
    int received;
};

static int misbehaving_action(void *arg)
{
    struct bad_action *b = arg;
    struct axn_rx_buf rx;
    if (b->drv->ops->receive(b->drv->drv, &rx) == 0) {
        b->received++;
        (void)b->drv->ops->recycle_rx(b->drv->drv, &rx);
    }
    (void)b->plat->now(b->plat->ctx);
    return 1;
}

/* The checks the IRQ-path tests rely on can fail: a bad action is caught. */
static void irq_context_checks_catch_a_misbehaving_action(void **state)
{
    (void)state;
    make_world(NIC_IRQ, 1, 0);
    struct bad_action bad = {.drv = &fx.nic_drv[0], .plat = &fx.plat};
    void *reg = NULL;
    assert_int_equal(
        fx.plat.irq_register(fx.plat.ctx, "bad", IRQ_ETH0, misbehaving_action, &bad, &reg), 0);
    fx.nic_drv[0].ops->enable_irq(fx.nic_drv[0].drv);
    peer_send(0);
    assert_int_equal(bad.received, 1);
    struct axn_sim_irq_stats s = nic_irq(0);
    assert_int_equal(s.raised, 1);
    assert_int_equal(s.queue_calls_in_irq, 2);            /* receive and recycle_rx */
    assert_int_equal(axn_vt_irq_context_violations(), 1); /* now() */
    assert_false(axn_vt_in_irq());
    /* Refusals and bad lines (PLAT-12 errors). */
    void *other = NULL;
    assert_int_equal(
        fx.plat.irq_register(fx.plat.ctx, "x", AXN_VT_IRQ_LINES, misbehaving_action, &bad, &other),
        -AXN_EINVAL);
    axn_vt_irq_refuse(IRQ_ETH1, -AXN_EOPNOTSUPP);
    assert_int_equal(
        fx.plat.irq_register(fx.plat.ctx, "x", IRQ_ETH1, misbehaving_action, &bad, &other),
        -AXN_EOPNOTSUPP);
    fx.plat.irq_unregister(fx.plat.ctx, reg);
    assert_int_equal(axn_vt_irq_registered(IRQ_ETH0), 0);
    assert_int_equal(axn_vt_irq_raise(IRQ_ETH0), 0);
    assert_int_equal(line(IRQ_ETH0).unclaimed, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(idle_stack_with_irq_nics_sleeps_5s, teardown),
        cmocka_unit_test_teardown(irq_delivers_frame_to_core, teardown),
        cmocka_unit_test_teardown(irq_registration_failure_falls_back_to_polling, teardown),
        cmocka_unit_test_teardown(irq_without_driver_handler_falls_back_to_polling, teardown),
        cmocka_unit_test_teardown(irq_handler_without_wake_events_does_not_wake, teardown),
        cmocka_unit_test_teardown(shared_irq_wakes_only_the_nic_with_a_frame, teardown),
        cmocka_unit_test_teardown(removed_nic_unregisters_and_disables_its_irq, teardown),
        cmocka_unit_test_teardown(sim_irq_line_raises_once_per_arrival_only_when_enabled, teardown),
        cmocka_unit_test_teardown(irq_context_checks_catch_a_misbehaving_action, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
