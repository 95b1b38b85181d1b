/*
 * Device events on their way to the protocol core (core/proto_hooks.h):
 * unreachable reports (ETH-14 done better) through their bounded queue,
 * device removal (counted losses, the REMOVED event, no delivery tagged
 * with a dead ifindex, wakes of a removed ifindex), admin link state (a
 * down device neither sends nor receives, ARP included; up announces
 * again), device wakes in caller-polled mode, and ETH-12 step 1.
 *
 * A caller-polled stack on the single-threaded test platform, with real
 * Ethernet adapters over scripted mock drivers, on virtual time; one test
 * runs it threaded on the virtual-clock platform, and one races wakes
 * against removals on port/posix with real threads.
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "axnet/errno.h"
#include "axnet/netctl.h"
#include "axnet/port_posix.h"
#include "core/stack_impl.h"
#include "fake_netdev.h"
#include "mock_driver.h"
#include "test_platform.h"
#include "vtime_platform.h"
#include "wire/arp.h"
#include "wire/ethernet.h"
#include "wire/ipv4.h"

#define LO       AXN_IFINDEX_LOOPBACK
#define ETH0     2u
#define ETH1     3u
#define NO_IF    42u
#define LO_ADDR  AXN_IP4(127, 0, 0, 1)
#define OUR_IP   AXN_IP4(192, 0, 2, 10)
#define PEER_IP  AXN_IP4(192, 0, 2, 1)
#define C_IP     AXN_IP4(192, 0, 2, 3)
#define DEAD_IP  AXN_IP4(192, 0, 2, 99)
#define ETH1_IP  AXN_IP4(198, 51, 100, 10)
#define ETH1_SRC AXN_IP4(198, 51, 100, 1)
#define PREFIX   24u
#define NOW      AXN_SEC(10)
#define LATER    AXN_SEC(60)
#define STEP     AXN_MSEC(100)
#define IRQ_LINE 7
#define PAYLOAD  32u
/* A packet longer than a report's quote, and one shorter. */
#define BIG_PAYLOAD   200u
#define SMALL_PAYLOAD 28u
#define MAX_REPORTS   64
#define MAX_EVENTS    8
#define MAX_IN        (AXN_DEVICE_RX_QUEUE_LEN + 8)
#define MAX_POLLS     64
#define MAX_PKT       FAKE_NETDEV_PKT_MAX
#define RACE_ROUNDS   300
/* Real time the wake thread may take to reach a new device. */
#define RACE_PATIENCE_NS 2000000000ll

static const struct axn_mac MAC0 = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};
static const struct axn_mac MAC1 = {{0x02, 0x00, 0x00, 0x00, 0x01, 0x01}};
static const struct axn_mac PEER_MAC = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x02}};
static const struct axn_mac C_MAC = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x03}};
static const struct axn_mac OTHER_MAC = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x77}};
static const struct axn_mac MCAST_MAC = {{0x01, 0x00, 0x5e, 0x00, 0x00, 0x01}};
static const struct axn_mac BCAST = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
static const struct axn_mac ZERO_MAC = {{0}};

struct report {
    uint32_t ifindex;
    size_t len;
    uint8_t quote[AXN_UNREACH_REPORT_BYTES];
    axn_time_t now;
};

struct event {
    uint32_t ifindex;
    enum axn_iface_event ev;
    axn_time_t now;
    bool router_has_it; /* the device as the hook saw the router */
};

/* Static: two mock drivers are large. */
static struct fx {
    struct axn_platform plat;
    struct mock_driver m0, m1;
    struct axn_stack *st;
    size_t n_reports;
    struct report reports[MAX_REPORTS];
    size_t n_events;
    struct event events[MAX_EVENTS];
    size_t n_in;
    struct axn_rx_meta in[MAX_IN];
    axn_irq_action irq_action;
    void *irq_arg;
} F;

/* ---- Hooks ---------------------------------------------------------------- */

static void on_input(void *ctx, const uint8_t *pkt, size_t len, const struct axn_rx_meta *meta,
                     axn_time_t now)
{
    (void)ctx;
    (void)pkt;
    (void)len;
    (void)now;
    if (F.n_in < MAX_IN)
        F.in[F.n_in] = *meta;
    F.n_in++;
}

static void on_unreachable(void *ctx, uint32_t ifindex, const uint8_t *quote, size_t len,
                           axn_time_t now)
{
    (void)ctx;
    assert_true(len <= AXN_UNREACH_REPORT_BYTES);
    if (F.n_reports < MAX_REPORTS) {
        struct report *r = &F.reports[F.n_reports];
        r->ifindex = ifindex;
        r->len = len;
        memcpy(r->quote, quote, len);
        r->now = now;
    }
    F.n_reports++;
}

static void on_iface_event(void *ctx, uint32_t ifindex, enum axn_iface_event ev, axn_time_t now)
{
    (void)ctx;
    if (F.n_events < MAX_EVENTS)
        F.events[F.n_events] = (struct event){
            .ifindex = ifindex,
            .ev = ev,
            .now = now,
            .router_has_it = axn_router_find(&F.st->router, ifindex) != NULL,
        };
    F.n_events++;
}

static int irq_register(void *ctx, const char *name, int irq, axn_irq_action action, void *arg,
                        void **registration)
{
    (void)ctx;
    (void)name;
    assert_int_equal(irq, IRQ_LINE);
    F.irq_action = action;
    F.irq_arg = arg;
    *registration = &F.irq_action;
    return 0;
}

static void irq_unregister(void *ctx, void *registration)
{
    (void)ctx;
    assert_ptr_equal(registration, &F.irq_action);
    F.irq_action = NULL;
}

/* ---- Fixture -------------------------------------------------------------- */

/* A stack on `plat` with every hook installed and lo only. */
static int setup_on(const struct axn_platform *plat)
{
    memset(&F, 0, sizeof(F));
    F.plat = *plat;
    mock_driver_init(&F.m0, &MAC0);
    mock_driver_init(&F.m1, &MAC1);
    if (axn_stack_create(&F.plat, &F.st) != 0)
        return -1;
    const struct axn_proto_hooks hooks = {
        .input = on_input,
        .unreachable = on_unreachable,
        .iface_event = on_iface_event,
    };
    axn_stack_set_proto(F.st, &hooks);
    return 0;
}

/* The single-threaded test platform, with an IRQ registrar. */
static int setup(void **state)
{
    (void)state;
    struct axn_platform plat = *axn_test_platform();
    plat.irq_register = irq_register;
    plat.irq_unregister = irq_unregister;
    return setup_on(&plat);
}

/* Real threads on the virtual clock, which starts at NOW. */
static int setup_vt(void **state)
{
    (void)state;
    axn_vt_reset(NOW);
    return setup_on(axn_vt_platform());
}

/* Real threads, real time. */
static int setup_posix(void **state)
{
    (void)state;
    struct axn_platform plat;
    if (axn_port_posix_init(&plat, AXN_LOG_ERROR) != 0)
        return -1;
    return setup_on(&plat);
}

/* Also after a failed test: no worker outlives it. */
static int destroy_stack(void)
{
    axn_stack_destroy(F.st);
    F.st = NULL;
    return F.m0.contract_violations == 0 && F.m1.contract_violations == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    if (destroy_stack() != 0)
        return -1;
    return axn_test_live_allocs() == 0 ? 0 : -1;
}

static int teardown_vt(void **state)
{
    (void)state;
    if (destroy_stack() != 0)
        return -1;
    return axn_vt_live_allocs() == 0 ? 0 : -1;
}

/* Adds an Ethernet device over `m`, with `addr`/24 unless addr is 0. */
static uint32_t add_eth(struct mock_driver *m, axn_ip4_t addr)
{
    struct axn_device_config dc;
    memset(&dc, 0, sizeof(dc));
    dc.addr = addr;
    dc.prefix_len = addr != 0 ? PREFIX : 0;
    uint32_t id = 0;
    assert_int_equal(axn_stack_add_device(F.st, &m->drv, &dc, NOW, &id), 0);
    return id;
}

static struct axn_dev_handle *handle(uint32_t ifindex)
{
    struct axn_dev_handle *h = axn_router_find(&F.st->router, ifindex);
    assert_non_null(h);
    return h;
}

static struct axn_stack_stats stack_stats(void)
{
    struct axn_stack_stats s;
    axn_ctl_stack_stats(F.st, &s);
    return s;
}

static struct axn_link_stats link_stats(uint32_t ifindex)
{
    struct axn_link_stats s;
    assert_int_equal(axn_ctl_link_stats(F.st, ifindex, &s), 0);
    return s;
}

static size_t arp_entries(axn_time_t now)
{
    return axn_ctl_arp_entries(F.st, NULL, 0, now);
}

/* Polls at every deadline the stack names, from `t` up to `end`; returns
 * the time of the last poll. */
static axn_time_t run_until(axn_time_t t, axn_time_t end)
{
    for (int i = 0; i < MAX_POLLS; i++) {
        const axn_time_t next = axn_stack_poll(F.st, t);
        if (next == AXN_TIME_NEVER || next > end)
            return t;
        t = next;
    }
    fail_msg("the stack never went idle");
    return t;
}

/* ---- Packets and frames ----------------------------------------------------- */

static size_t build_ip(uint8_t *buf, axn_ip4_t src, axn_ip4_t dst, size_t payload, uint8_t fill)
{
    return fake_build_ipv4(buf, MAX_PKT, src, dst, payload, fill);
}

/* The protocol core sends a packet (routed by the stack). */
static int send_ip(axn_ip4_t dst, size_t payload, uint8_t fill)
{
    uint8_t pkt[MAX_PKT];
    const size_t len = build_ip(pkt, OUR_IP, dst, payload, fill);
    return axn_router_output(&F.st->router, pkt, len, NOW);
}

static void push_frame(struct mock_driver *m, const struct axn_mac *dst, const struct axn_mac *src,
                       uint16_t type, const uint8_t *payload, size_t len)
{
    const struct axn_eth e = {
        .dst = *dst, .src = *src, .ethertype = type, .payload = payload, .payload_len = len};
    uint8_t frame[MOCK_FRAME_MAX];
    const int n = axn_eth_emit(&e, frame, sizeof(frame), 0);
    assert_true(n > 0);
    assert_int_equal(mock_driver_push_rx(m, frame, (size_t)n), 0);
}

/* An IPv4 frame to `m`'s MAC whose payload bytes all equal `fill`. */
static void push_ip(struct mock_driver *m, axn_ip4_t src, axn_ip4_t dst, uint8_t fill)
{
    uint8_t pkt[MAX_PKT];
    const size_t len = build_ip(pkt, src, dst, PAYLOAD, fill);
    push_frame(m, &m->mac, &PEER_MAC, AXN_ETHERTYPE_IPV4, pkt, len);
}

static void push_arp(struct mock_driver *m, uint16_t op, const struct axn_mac *sha, axn_ip4_t spa,
                     const struct axn_mac *tha, axn_ip4_t tpa)
{
    const struct axn_arp a = {
        .op = op, .sender_mac = *sha, .sender_ip = spa, .target_mac = *tha, .target_ip = tpa};
    uint8_t arp[AXN_ARP_LEN];
    assert_int_equal(axn_arp_emit(&a, arp, sizeof(arp)), AXN_ARP_LEN);
    push_frame(m, &BCAST, sha, AXN_ETHERTYPE_ARP, arp, sizeof(arp));
}

/* Recorded TX frame `i` of `m`, as ARP. */
static struct axn_arp tx_arp(const struct mock_driver *m, size_t i, struct axn_eth *eth)
{
    assert_true(i < m->tx_count);
    assert_int_equal(axn_eth_parse(m->tx[i].data, m->tx[i].len, eth), 0);
    assert_int_equal(eth->ethertype, AXN_ETHERTYPE_ARP);
    struct axn_arp a;
    assert_int_equal(axn_arp_parse(eth->payload, eth->payload_len, &a), 0);
    return a;
}

/* TX frame `i` is our RFC 5227 announcement: a broadcast request whose
 * sender and target protocol addresses are both OUR_IP. */
static void assert_announcement(const struct mock_driver *m, size_t i)
{
    struct axn_eth e;
    const struct axn_arp a = tx_arp(m, i, &e);
    assert_memory_equal(e.dst.b, BCAST.b, AXN_MAC_LEN);
    assert_int_equal(a.op, AXN_ARP_OP_REQUEST);
    assert_memory_equal(a.sender_mac.b, m->mac.b, AXN_MAC_LEN);
    assert_int_equal(a.sender_ip, OUR_IP);
    assert_int_equal(a.target_ip, OUR_IP);
}

/* TX frame `i` is our reply to a request from (mac, ip). */
static void assert_reply_to(const struct mock_driver *m, size_t i, const struct axn_mac *mac,
                            axn_ip4_t ip)
{
    struct axn_eth e;
    const struct axn_arp a = tx_arp(m, i, &e);
    assert_memory_equal(e.dst.b, mac->b, AXN_MAC_LEN);
    assert_int_equal(a.op, AXN_ARP_OP_REPLY);
    assert_memory_equal(a.sender_mac.b, m->mac.b, AXN_MAC_LEN);
    assert_int_equal(a.sender_ip, OUR_IP);
    assert_memory_equal(a.target_mac.b, mac->b, AXN_MAC_LEN);
    assert_int_equal(a.target_ip, ip);
}

static void assert_event(size_t i, uint32_t ifindex, enum axn_iface_event ev, axn_time_t now)
{
    assert_true(i < F.n_events);
    assert_int_equal(F.events[i].ifindex, ifindex);
    assert_int_equal(F.events[i].ev, ev);
    assert_int_equal(F.events[i].now, now);
}

/* When a packet queued for ARP at NOW is given up: resolution fails after
 * AXN_ARP_MAX_REQUESTS unanswered requests, or it ages out first. A
 * threaded stack too: its clock stands still while any thread works. */
static axn_time_t give_up_time(void)
{
    const axn_time_t failed = NOW + AXN_MSEC(AXN_ARP_REQUEST_RETRY_MS) * AXN_ARP_MAX_REQUESTS;
    const axn_time_t aged = NOW + AXN_MSEC(AXN_ARP_PENDING_MAX_AGE_MS);
    return failed < aged ? failed : aged;
}

/* ---- Unreachable reports ------------------------------------------------------ */

static void unreachable_report_reaches_proto_hook_with_packet_quote(void **state)
{
    (void)state;
    assert_int_equal(add_eth(&F.m0, OUR_IP), ETH0);
    uint8_t big[MAX_PKT];
    uint8_t small[MAX_PKT];
    const size_t big_len = build_ip(big, OUR_IP, DEAD_IP, BIG_PAYLOAD, 0xb1);
    const size_t small_len = build_ip(small, OUR_IP, DEAD_IP, SMALL_PAYLOAD, 0x5a);
    assert_true(big_len > AXN_UNREACH_REPORT_BYTES);
    assert_true(small_len < AXN_UNREACH_REPORT_BYTES);
    assert_int_equal(axn_router_output(&F.st->router, big, big_len, NOW), 0);
    assert_int_equal(axn_router_output(&F.st->router, small, small_len, NOW), 0);
    const axn_time_t drop = give_up_time();
    run_until(NOW, drop - 1);
    assert_int_equal(F.n_reports, 0);
    /* The poll that drops them says "again, now": the reports wait. */
    assert_int_equal(axn_stack_poll(F.st, drop), drop);
    assert_true(axn_stack_poll_pending(F.st));
    assert_int_equal(F.n_reports, 0);
    assert_int_equal(axn_stack_poll(F.st, drop), AXN_TIME_NEVER);
    assert_false(axn_stack_poll_pending(F.st));
    /* In order, each with its egress interface and the packet's start. */
    assert_int_equal(F.n_reports, 2);
    assert_int_equal(F.reports[0].ifindex, ETH0);
    assert_int_equal(F.reports[0].len, AXN_UNREACH_REPORT_BYTES);
    assert_memory_equal(F.reports[0].quote, big, AXN_UNREACH_REPORT_BYTES);
    assert_int_equal(F.reports[0].now, drop);
    assert_int_equal(F.reports[1].ifindex, ETH0);
    assert_int_equal(F.reports[1].len, small_len);
    assert_memory_equal(F.reports[1].quote, small, small_len);
    const struct axn_stack_stats s = stack_stats();
    assert_int_equal(s.arp_unresolved, 2);
    assert_int_equal(s.unreach_reports_dropped, 0);
    assert_int_equal(link_stats(ETH0).tx_dropped, 2);
}

static void unreachable_queue_overflow_is_counted(void **state)
{
    (void)state;
    assert_int_equal(add_eth(&F.m0, OUR_IP), ETH0);
    /* Full per-next-hop queues to enough dead next hops to overflow the
     * report queue when they all fail in the same tick. */
    const unsigned hops = AXN_UNREACH_QUEUE_LEN / AXN_ARP_PENDING_PER_HOP + 1;
    const unsigned sent = hops * AXN_ARP_PENDING_PER_HOP;
    assert_true(sent > AXN_UNREACH_QUEUE_LEN);
    assert_true(sent <= AXN_ETH_PENDING_PACKETS && sent <= MAX_REPORTS);
    for (unsigned i = 0; i < sent; i++)
        assert_int_equal(send_ip(DEAD_IP + i / AXN_ARP_PENDING_PER_HOP, PAYLOAD, (uint8_t)i), 0);
    run_until(NOW, LATER);
    const struct axn_stack_stats s = stack_stats();
    assert_int_equal(s.arp_unresolved, sent);
    assert_int_equal(s.unreach_reports_dropped, sent - AXN_UNREACH_QUEUE_LEN);
    assert_int_equal(F.n_reports, AXN_UNREACH_QUEUE_LEN);
    /* Each report quotes a distinct packet that was sent. */
    bool seen[MAX_REPORTS] = {false};
    for (size_t i = 0; i < F.n_reports; i++) {
        const uint8_t id = F.reports[i].quote[AXN_IPV4_HDR_MIN];
        assert_true(id < sent);
        assert_false(seen[id]);
        seen[id] = true;
        assert_int_equal(F.reports[i].ifindex, ETH0);
    }
    /* Drained: the queue takes reports again. */
    axn_stack_report_unreachable(F.st, ETH0, F.reports[0].quote, F.reports[0].len);
    axn_stack_poll(F.st, LATER);
    assert_int_equal(F.n_reports, AXN_UNREACH_QUEUE_LEN + 1);
    assert_int_equal(stack_stats().unreach_reports_dropped, sent - AXN_UNREACH_QUEUE_LEN);
}

static void threaded_stack_drains_unreachable_reports(void **state)
{
    (void)state;
    assert_int_equal(add_eth(&F.m0, OUR_IP), ETH0);
    assert_int_equal(axn_stack_start(F.st), 0);
    axn_vt_settle();
    const uint64_t wakeups = atomic_load(&F.st->poll_wakeups);
    uint8_t pkt[MAX_PKT];
    const size_t len = build_ip(pkt, OUR_IP, DEAD_IP, PAYLOAD, 0x42);
    F.plat.mutex_lock(F.st->core_lock);
    assert_int_equal(axn_router_output(&F.st->router, pkt, len, NOW), 0);
    F.plat.mutex_unlock(F.st->core_lock);
    const axn_time_t drop = give_up_time();
    axn_vt_run_until(drop - 1);
    assert_int_equal(F.n_reports, 0);
    /* The TX worker drops it; its report wakes the poll worker, once,
     * which hands it over at that very instant. */
    axn_vt_run_until(LATER);
    assert_int_equal(F.n_reports, 1);
    assert_int_equal(F.reports[0].ifindex, ETH0);
    assert_int_equal(F.reports[0].len, len);
    assert_memory_equal(F.reports[0].quote, pkt, len);
    assert_int_equal(F.reports[0].now, drop);
    assert_int_equal(atomic_load(&F.st->poll_wakeups), wakeups + 1);
    assert_int_equal(stack_stats().arp_unresolved, 1);
}

/* ---- Device removal -------------------------------------------------------------- */

/* Fills the shared RX queue through lo's control-plane path (RT-25). */
static void fill_shared_rx_queue(void)
{
    uint8_t pkt[MAX_PKT];
    const size_t len = build_ip(pkt, LO_ADDR, LO_ADDR, PAYLOAD, 0);
    for (unsigned i = 0; i < AXN_DEVICE_RX_QUEUE_LEN; i++)
        assert_int_equal(axn_router_send_on_device(&F.st->router, LO, LO_ADDR, pkt, len, NOW), 0);
}

static void remove_device_counts_discarded_packets_and_fires_removed_event(void **state)
{
    (void)state;
    enum { PENDING = 2, BATCH = 4, QUEUED = 3 };
    assert_int_equal(add_eth(&F.m0, OUR_IP), ETH0);
    struct axn_dev_handle *h = handle(ETH0);
    /* Packets waiting for ARP. */
    for (uint8_t i = 0; i < PENDING; i++)
        assert_int_equal(send_ip(DEAD_IP, PAYLOAD, i), 0);
    axn_stack_poll(F.st, NOW);
    /* Packets read from the device, held back by a full shared queue. */
    for (uint8_t i = 0; i < BATCH; i++)
        push_ip(&F.m0, PEER_IP, OUR_IP, i);
    fill_shared_rx_queue();
    bool more;
    assert_int_equal(axn_router_rx_service(&F.st->router, h, NOW, &more), 0);
    assert_int_equal(axn_pktq_len(&h->rx_batch), BATCH);
    /* Packets in its TX queue. */
    for (uint8_t i = 0; i < QUEUED; i++)
        assert_int_equal(send_ip(DEAD_IP, PAYLOAD, i), 0);
    assert_int_equal(axn_pktq_len(&h->txq), QUEUED);
    assert_int_equal(stack_stats().dev_removed_drops, 0);

    assert_int_equal(axn_stack_remove_device(F.st, ETH0, NOW + STEP), 0);
    assert_int_equal(stack_stats().dev_removed_drops, PENDING + BATCH + QUEUED);
    assert_int_equal(F.n_events, 1);
    assert_event(0, ETH0, AXN_IFACE_EV_REMOVED, NOW + STEP);
    assert_false(F.events[0].router_has_it); /* told once it is gone */
    /* lo's packets still arrive; nothing was reported unreachable. */
    axn_stack_poll(F.st, NOW + STEP);
    assert_int_equal(F.n_in, AXN_DEVICE_RX_QUEUE_LEN);
    for (size_t i = 0; i < F.n_in; i++)
        assert_int_equal(F.in[i].ifindex, LO);
    assert_int_equal(F.n_reports, 0);
    assert_int_equal(stack_stats().dev_removed_drops, PENDING + BATCH + QUEUED);
    assert_int_equal(axn_stack_remove_device(F.st, ETH0, NOW), -AXN_ENODEV);
    assert_int_equal(F.n_events, 1);
}

static void rx_packets_of_removed_device_are_not_delivered(void **state)
{
    (void)state;
    enum { FROM_ETH0 = 3 };
    assert_int_equal(add_eth(&F.m0, OUR_IP), ETH0);
    assert_int_equal(add_eth(&F.m1, ETH1_IP), ETH1);
    bool more;
    /* Shared queue: eth1, eth0 x3, eth1. */
    push_ip(&F.m1, ETH1_SRC, ETH1_IP, 1);
    assert_int_equal(axn_router_rx_service(&F.st->router, handle(ETH1), NOW, &more), 1);
    for (uint8_t i = 0; i < FROM_ETH0; i++)
        push_ip(&F.m0, PEER_IP, OUR_IP, i);
    assert_int_equal(axn_router_rx_service(&F.st->router, handle(ETH0), NOW, &more), FROM_ETH0);
    push_ip(&F.m1, ETH1_SRC, ETH1_IP, 2);
    assert_int_equal(axn_router_rx_service(&F.st->router, handle(ETH1), NOW, &more), 1);

    assert_int_equal(axn_stack_remove_device(F.st, ETH0, NOW), 0);
    assert_int_equal(stack_stats().dev_removed_drops, 0);
    axn_stack_poll(F.st, NOW);
    assert_int_equal(F.n_in, 2);
    assert_int_equal(F.in[0].ifindex, ETH1);
    assert_int_equal(F.in[1].ifindex, ETH1);
    assert_int_equal(stack_stats().dev_removed_drops, FROM_ETH0);
    /* Only what was queued at the removal was suspect. */
    push_ip(&F.m1, ETH1_SRC, ETH1_IP, 3);
    axn_stack_poll(F.st, NOW + STEP);
    assert_int_equal(F.n_in, 3);
    assert_int_equal(F.in[2].ifindex, ETH1);
    assert_int_equal(F.st->router.dead_rx_suspects, 0);
}

/* ---- Wakes ----------------------------------------------------------------------------- */

static void wake_of_removed_ifindex_is_ignored(void **state)
{
    (void)state;
    assert_int_equal(add_eth(&F.m0, OUR_IP), ETH0);
    axn_stack_poll(F.st, NOW);
    assert_false(axn_stack_poll_pending(F.st));
    axn_stack_wake_device(F.st, ETH0);
    assert_true(axn_stack_poll_pending(F.st));
    assert_int_equal(axn_stack_remove_device(F.st, ETH0, NOW), 0);
    axn_stack_poll(F.st, NOW);
    assert_false(axn_stack_poll_pending(F.st));
    /* Gone (ASan would catch a touch of the freed handle): no effect. */
    axn_stack_wake_device(F.st, ETH0);
    axn_stack_wake_device(F.st, NO_IF);
    assert_false(axn_stack_poll_pending(F.st));
    assert_int_equal(atomic_load(&F.st->router.wakes_in_flight), 0);
}

/* Real threads: one keeps waking the newest device (and the one removed
 * before it) while the test adds and removes devices. */
static struct race {
    _Atomic uint32_t target;
    _Atomic bool stop;
    _Atomic uint64_t wakes;
} R;

static void *wake_forever(void *arg)
{
    (void)arg;
    while (!atomic_load(&R.stop)) {
        const uint32_t id = atomic_load(&R.target);
        axn_stack_wake_device(F.st, id);
        axn_stack_wake_device(F.st, id - 1);
        atomic_fetch_add(&R.wakes, 1);
    }
    return NULL;
}

static long long mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* Yields until the wake thread has gone round once more. */
static bool wake_thread_went_round(void)
{
    const uint64_t seen = atomic_load(&R.wakes);
    const long long give_up = mono_ns() + RACE_PATIENCE_NS;
    while (atomic_load(&R.wakes) < seen + 1) {
        if (mono_ns() > give_up)
            return false;
        sched_yield();
    }
    return true;
}

static void wake_racing_removal_never_touches_a_freed_handle(void **state)
{
    (void)state;
    memset(&R, 0, sizeof(R));
    atomic_store(&R.target, ETH0);
    pthread_t waker;
    assert_int_equal(pthread_create(&waker, NULL, wake_forever, NULL), 0);
    for (uint32_t i = 0; i < RACE_ROUNDS; i++) {
        const uint32_t id = add_eth(&F.m0, 0);
        assert_int_equal(id, ETH0 + i);
        atomic_store(&R.target, id);
        assert_true(wake_thread_went_round());
        /* ASan reports it if a wake touches the handle after its free. */
        assert_int_equal(axn_stack_remove_device(F.st, id, NOW), 0);
    }
    atomic_store(&R.stop, true);
    assert_int_equal(pthread_join(waker, NULL), 0);
    assert_true(atomic_load(&R.wakes) >= RACE_ROUNDS);
    assert_int_equal(atomic_load(&F.st->router.wakes_in_flight), 0);
    assert_int_equal(F.st->router.n_devs, 1);
    assert_int_equal(F.n_events, RACE_ROUNDS);
}

static void device_wake_in_caller_polled_mode_requests_a_poll(void **state)
{
    (void)state;
    F.m0.irq = IRQ_LINE;
    F.m0.has_handler = true;
    assert_int_equal(add_eth(&F.m0, OUR_IP), ETH0);
    assert_non_null(F.irq_action);
    axn_stack_poll(F.st, NOW);
    assert_false(axn_stack_poll_pending(F.st));
    /* An interrupt that means work: a poll is wanted, and it finds it. */
    push_ip(&F.m0, PEER_IP, OUR_IP, 1);
    F.m0.irq_events = AXN_IRQ_RX_READY;
    assert_int_equal(F.irq_action(F.irq_arg), 1);
    assert_true(axn_stack_poll_pending(F.st));
    axn_stack_poll(F.st, NOW + STEP);
    assert_int_equal(F.n_in, 1);
    /* (That poll's RX side asked for one more, having moved a packet.) */
    axn_stack_poll(F.st, NOW + STEP);
    assert_false(axn_stack_poll_pending(F.st));
    /* One that does not: nothing asked. */
    F.m0.irq_events = AXN_IRQ_SPURIOUS;
    assert_int_equal(F.irq_action(F.irq_arg), 0);
    assert_false(axn_stack_poll_pending(F.st));
    /* An out-of-band wake by ifindex, likewise. */
    axn_stack_wake_device(F.st, ETH0);
    assert_true(axn_stack_poll_pending(F.st));
}

/* ---- Link state -------------------------------------------------------------------------- */

static void link_down_device_neither_sends_nor_receives_arp(void **state)
{
    (void)state;
    assert_int_equal(add_eth(&F.m0, OUR_IP), ETH0);
    axn_stack_poll(F.st, NOW);
    mock_driver_clear_tx(&F.m0);
    const struct axn_link_stats before = link_stats(ETH0);
    assert_int_equal(axn_stack_set_link(F.st, ETH0, false, NOW), 0);
    assert_int_equal(axn_stack_set_link(F.st, ETH0, false, NOW), 0); /* no news */
    push_arp(&F.m0, AXN_ARP_OP_REQUEST, &PEER_MAC, PEER_IP, &ZERO_MAC, OUR_IP);
    push_ip(&F.m0, PEER_IP, OUR_IP, 1);
    axn_stack_wake_device(F.st, ETH0);
    run_until(NOW, LATER);
    /* Frames stay unread in the driver; no reply, no learning. */
    assert_int_equal(F.m0.receives, 0);
    assert_int_equal(F.m0.tx_count, 0);
    assert_int_equal(F.n_in, 0);
    assert_int_equal(arp_entries(NOW), 0);
    /* Nothing routes through it, nothing is sent on it. */
    assert_int_equal(send_ip(PEER_IP, PAYLOAD, 1), -AXN_ENETUNREACH);
    uint8_t pkt[MAX_PKT];
    const size_t len = build_ip(pkt, OUR_IP, PEER_IP, PAYLOAD, 1);
    assert_int_equal(axn_router_send_on_device(&F.st->router, ETH0, PEER_IP, pkt, len, NOW),
                     -AXN_ENETDOWN);
    /* A new address on a down link is not announced. */
    assert_int_equal(axn_ctl_remove_ipv4(F.st, ETH0, OUR_IP, PREFIX, NOW), 0);
    assert_int_equal(axn_ctl_set_ipv4(F.st, ETH0, OUR_IP, PREFIX, NOW), 0);
    assert_int_equal(F.m0.tx_count, 0);
    const struct axn_link_stats down = link_stats(ETH0);
    assert_memory_equal(&down, &before, sizeof(down));

    /* Up: announced, then the waiting frames are read and answered. */
    assert_int_equal(axn_stack_set_link(F.st, ETH0, true, LATER), 0);
    assert_int_equal(F.m0.tx_count, 1);
    axn_stack_poll(F.st, LATER);
    assert_int_equal(F.m0.receives, 2);
    assert_int_equal(F.m0.tx_count, 2);
    assert_announcement(&F.m0, 0);
    assert_reply_to(&F.m0, 1, &PEER_MAC, PEER_IP);
    assert_int_equal(F.n_in, 1);
    assert_int_equal(F.in[0].ifindex, ETH0);
    assert_int_equal(arp_entries(LATER), 1);
    assert_int_equal(F.n_events, 2);
    assert_event(0, ETH0, AXN_IFACE_EV_LINK_DOWN, NOW);
    assert_event(1, ETH0, AXN_IFACE_EV_LINK_UP, LATER);
    assert_true(F.events[0].router_has_it);
}

static void link_down_drops_pending_and_reports_unreachable(void **state)
{
    (void)state;
    enum { WAITING = 2 };
    assert_int_equal(add_eth(&F.m0, OUR_IP), ETH0);
    /* A resolved neighbour, and packets waiting for a dead one. */
    push_arp(&F.m0, AXN_ARP_OP_REPLY, &PEER_MAC, PEER_IP, &MAC0, OUR_IP);
    uint8_t pkt[WAITING][MAX_PKT];
    size_t len[WAITING];
    for (uint8_t i = 0; i < WAITING; i++) {
        len[i] = build_ip(pkt[i], OUR_IP, DEAD_IP, PAYLOAD, i);
        assert_int_equal(axn_router_output(&F.st->router, pkt[i], len[i], NOW), 0);
    }
    axn_stack_poll(F.st, NOW);
    assert_int_equal(arp_entries(NOW), 1);
    mock_driver_clear_tx(&F.m0);
    const axn_time_t down_at = NOW + STEP;
    assert_int_equal(axn_stack_set_link(F.st, ETH0, false, down_at), 0);
    /* Dropped and counted at once; the neighbours are gone (neigh_ifdown). */
    assert_int_equal(link_stats(ETH0).tx_dropped, WAITING);
    assert_int_equal(stack_stats().arp_unresolved, WAITING);
    assert_int_equal(arp_entries(down_at), 0);
    /* Reported on the next poll; no timer is left on a down device. */
    assert_int_equal(F.n_reports, 0);
    assert_true(axn_stack_poll_pending(F.st));
    const axn_time_t poll_at = down_at + STEP;
    assert_int_equal(axn_stack_poll(F.st, poll_at), AXN_TIME_NEVER);
    assert_int_equal(F.n_reports, WAITING);
    for (size_t i = 0; i < WAITING; i++) {
        assert_int_equal(F.reports[i].ifindex, ETH0);
        assert_int_equal(F.reports[i].len, len[i]);
        assert_memory_equal(F.reports[i].quote, pkt[i], len[i]);
        assert_int_equal(F.reports[i].now, poll_at);
    }
    /* No ARP retries while down. */
    run_until(poll_at, LATER);
    assert_int_equal(F.m0.tx_count, 0);
    assert_int_equal(F.n_events, 1);
    assert_event(0, ETH0, AXN_IFACE_EV_LINK_DOWN, down_at);
}

static void link_up_announces_address_again(void **state)
{
    (void)state;
    assert_int_equal(add_eth(&F.m0, OUR_IP), ETH0);
    assert_int_equal(add_eth(&F.m1, 0), ETH1);
    mock_driver_clear_tx(&F.m0);
    mock_driver_clear_tx(&F.m1);
    const uint64_t sent = link_stats(ETH0).tx_packets;
    assert_int_equal(axn_stack_set_link(F.st, ETH0, false, NOW), 0);
    assert_int_equal(axn_stack_set_link(F.st, ETH1, false, NOW), 0);
    assert_int_equal(F.m0.tx_count, 0);
    assert_int_equal(axn_stack_set_link(F.st, ETH0, true, NOW + STEP), 0);
    assert_int_equal(F.m0.tx_count, 1);
    assert_announcement(&F.m0, 0);
    assert_int_equal(link_stats(ETH0).tx_packets, sent + 1);
    /* Already up: nothing more. No address: nothing to announce. */
    assert_int_equal(axn_stack_set_link(F.st, ETH0, true, NOW + STEP), 0);
    assert_int_equal(axn_stack_set_link(F.st, ETH1, true, NOW + STEP), 0);
    assert_int_equal(F.m0.tx_count, 1);
    assert_int_equal(F.m1.tx_count, 0);
    assert_int_equal(F.n_events, 4);
    assert_event(0, ETH0, AXN_IFACE_EV_LINK_DOWN, NOW);
    assert_event(1, ETH1, AXN_IFACE_EV_LINK_DOWN, NOW);
    assert_event(2, ETH0, AXN_IFACE_EV_LINK_UP, NOW + STEP);
    assert_event(3, ETH1, AXN_IFACE_EV_LINK_UP, NOW + STEP);
    assert_int_equal(axn_stack_set_link(F.st, NO_IF, false, NOW), -AXN_ENODEV);
    assert_int_equal(F.n_events, 4);
}

/* ---- ETH-12 step 1 ----------------------------------------------------------------------- */

static void arp_request_with_multicast_target_mac_is_answered(void **state)
{
    (void)state;
    assert_int_equal(add_eth(&F.m0, OUR_IP), ETH0);
    mock_driver_clear_tx(&F.m0);
    /* Multicast target MAC: names no one station; the target IP decides. */
    push_arp(&F.m0, AXN_ARP_OP_REQUEST, &PEER_MAC, PEER_IP, &MCAST_MAC, OUR_IP);
    axn_stack_poll(F.st, NOW);
    assert_int_equal(F.m0.tx_count, 1);
    assert_reply_to(&F.m0, 0, &PEER_MAC, PEER_IP);
    assert_int_equal(arp_entries(NOW), 1);
    /* A unicast target MAC not ours: for another station, ignored. */
    push_arp(&F.m0, AXN_ARP_OP_REQUEST, &C_MAC, C_IP, &OTHER_MAC, OUR_IP);
    axn_stack_poll(F.st, NOW);
    assert_int_equal(F.m0.tx_count, 1);
    assert_int_equal(arp_entries(NOW), 1);
    /* Zero and broadcast target MACs are answered too. */
    push_arp(&F.m0, AXN_ARP_OP_REQUEST, &C_MAC, C_IP, &ZERO_MAC, OUR_IP);
    push_arp(&F.m0, AXN_ARP_OP_REQUEST, &C_MAC, C_IP, &BCAST, OUR_IP);
    axn_stack_poll(F.st, NOW);
    assert_int_equal(F.m0.tx_count, 3);
    assert_reply_to(&F.m0, 1, &C_MAC, C_IP);
    assert_reply_to(&F.m0, 2, &C_MAC, C_IP);
    assert_int_equal(arp_entries(NOW), 2);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(unreachable_report_reaches_proto_hook_with_packet_quote),
        T(unreachable_queue_overflow_is_counted),
        cmocka_unit_test_setup_teardown(threaded_stack_drains_unreachable_reports, setup_vt,
                                        teardown_vt),
        T(remove_device_counts_discarded_packets_and_fires_removed_event),
        T(rx_packets_of_removed_device_are_not_delivered),
        T(wake_of_removed_ifindex_is_ignored),
        cmocka_unit_test_setup_teardown(wake_racing_removal_never_touches_a_freed_handle,
                                        setup_posix, teardown),
        T(device_wake_in_caller_polled_mode_requests_a_poll),
        T(link_down_device_neither_sends_nor_receives_arp),
        T(link_down_drops_pending_and_reports_unreachable),
        T(link_up_announces_address_again),
        T(arp_request_with_multicast_target_mac_is_answered),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
