/*
 * Two Ethernet adapters on the simulated wire, in virtual time (spec §2.3,
 * TEST-31): ARP resolution both ways, the timer-driven retry when a request
 * is lost, re-resolution at the 300 s neighbour expiry without losing the
 * packets sent meanwhile, resolution failure and pending-packet drops, and
 * exact interface counters cross-checked against the wire's own.
 *
 * No router here: each node plays the router's counting part (RT-38), i.e.
 * it counts the IP packets recv returns and the frames send returns; the
 * adapters count everything else themselves.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "axnet/errno.h"
#include "axnet/hosted/sim_wire.h"
#include "dev/eth_dev.h"
#include "test_platform.h"
#include "wire/arp.h"
#include "wire/ethernet.h"

#define PREFIX     24u
#define WIRE_DELAY 50u /* µs of propagation: frames are never due at once */
#define MAX_SEEN   64
#define PKT_LEN    100
#define FRAME_LEN  (AXN_ETH_HLEN + PKT_LEN)
#define T_MS(ms)   AXN_MSEC(ms)
#define T_S(s)     AXN_SEC(s)

#define IP_A    AXN_IP4(192, 0, 2, 1)
#define IP_B    AXN_IP4(192, 0, 2, 2)
#define IP_DEAD AXN_IP4(192, 0, 2, 99)

static const struct axn_mac MAC_A = {{0x02, 0, 0, 0, 0, 0x0a}};
static const struct axn_mac MAC_B = {{0x02, 0, 0, 0, 0, 0x0b}};

struct node {
    struct axn_eth_driver drv;
    struct axn_netdev *dev;
    struct axn_if_counters ctr;
    int port;
    axn_ip4_t ip;
    /* IP packets received: their first bytes (tags), in order */
    uint8_t got[MAX_SEEN];
    int n_got;
    int unreachable;
    uint8_t unreachable_tag[MAX_SEEN];
};

/* An ARP packet as it reached a port. */
struct seen_arp {
    int port;
    axn_time_t at;
    struct axn_arp arp;
};

static struct world {
    struct axn_sim_wire *wire;
    struct node a, b;
    struct seen_arp arps[MAX_SEEN];
    int n_arps;
} W;

/* ---- The world ------------------------------------------------------------ */

static void observe(void *ctx, int port, axn_time_t at, const uint8_t *frame, size_t len)
{
    struct world *w = ctx;
    struct axn_eth eth;
    if (axn_eth_parse(frame, len, &eth) != 0 || eth.ethertype != AXN_ETHERTYPE_ARP)
        return;
    if (w->n_arps == MAX_SEEN)
        return;
    struct seen_arp *s = &w->arps[w->n_arps];
    if (axn_arp_parse(eth.payload, eth.payload_len, &s->arp) != 0)
        return;
    s->port = port;
    s->at = at;
    w->n_arps++;
}

static void on_unreachable(void *ctx, uint32_t ifindex, const uint8_t *pkt, size_t len,
                           axn_time_t now)
{
    struct node *n = ctx;
    (void)ifindex;
    (void)len;
    (void)now;
    if (n->unreachable < MAX_SEEN)
        n->unreachable_tag[n->unreachable] = pkt[0];
    n->unreachable++;
}

static void node_up(struct node *n, const struct axn_mac *mac, axn_ip4_t ip, const char *name)
{
    n->port = axn_sim_wire_add_port(W.wire, mac, &n->drv);
    assert_true(n->port >= 0);
    n->ip = ip;
    const struct axn_eth_dev_params p = {
        .plat = axn_test_platform(),
        .driver = &n->drv,
        .name = name,
        .ifindex = AXN_IFINDEX_FIRST_ETH,
        .counters = &n->ctr,
        .unreachable = on_unreachable,
        .unreachable_ctx = n,
    };
    assert_int_equal(axn_eth_dev_create(&p, &n->dev), 0);
    assert_false(n->dev->ops->has_wake_source(n->dev)); /* sim ports have no IRQ */
}

static void set_ip(struct node *n, axn_time_t now)
{
    const struct axn_ip4_cidr c = {.addr = n->ip, .prefix_len = PREFIX};
    n->dev->ops->set_ipv4(n->dev, &c, now);
}

static int setup(void **state)
{
    (void)state;
    memset(&W, 0, sizeof(W));
    struct axn_sim_wire_config cfg = {.impair = {.delay = WIRE_DELAY}};
    assert_int_equal(axn_sim_wire_create(&W.wire, &cfg, 1), 0);
    axn_sim_wire_set_observer(W.wire, observe, &W);
    node_up(&W.a, &MAC_A, IP_A, "eth0");
    node_up(&W.b, &MAC_B, IP_B, "eth0");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    W.a.dev->ops->destroy(W.a.dev);
    W.b.dev->ops->destroy(W.b.dev);
    axn_sim_wire_destroy(W.wire);
    return axn_test_live_allocs() == 0 ? 0 : -1;
}

/* The router's part of RX: pull IP packets, count them (RT-38). */
static void node_poll(struct node *n, axn_time_t now)
{
    uint8_t pkt[AXN_PKT_SLOT_SIZE];
    struct axn_rx_meta meta;
    int len;
    while ((len = n->dev->ops->recv(n->dev, pkt, sizeof(pkt), &meta, now)) > 0) {
        axn_if_count_rx(&n->ctr, meta.frame_len);
        if (n->n_got < MAX_SEEN)
            n->got[n->n_got] = pkt[0];
        n->n_got++;
    }
    n->dev->ops->tick(n->dev, now);
}

/* The router's part of TX: send one IP packet, count what went out. */
static int node_send(struct node *n, axn_ip4_t hop, uint8_t tag)
{
    uint8_t pkt[PKT_LEN];
    memset(pkt, tag, sizeof(pkt));
    int r = n->dev->ops->send(n->dev, hop, pkt, sizeof(pkt), axn_sim_wire_time(W.wire));
    if (r > 0)
        axn_if_count_tx(&n->ctr, (uint64_t)r);
    return r;
}

static axn_time_t min_time(axn_time_t x, axn_time_t y)
{
    return x < y ? x : y;
}

/* Advances virtual time event by event up to `until`, polling both nodes
 * at every frame arrival and every adapter deadline. */
static void run_until(axn_time_t until)
{
    for (;;) {
        axn_time_t next = axn_sim_wire_next_event(W.wire);
        next = min_time(next, W.a.dev->ops->next_deadline(W.a.dev));
        next = min_time(next, W.b.dev->ops->next_deadline(W.b.dev));
        if (next > until)
            break;
        if (next > axn_sim_wire_time(W.wire))
            assert_int_equal(axn_sim_wire_set_time(W.wire, next), 0);
        const axn_time_t now = axn_sim_wire_time(W.wire);
        node_poll(&W.a, now);
        node_poll(&W.b, now);
    }
    assert_int_equal(axn_sim_wire_set_time(W.wire, until), 0);
    node_poll(&W.a, until);
    node_poll(&W.b, until);
}

/* Both nodes get their addresses at t = 0 and announce them. */
static void bring_up(void)
{
    set_ip(&W.a, 0);
    set_ip(&W.b, 0);
    run_until(T_MS(1));
}

static void assert_counters_match_wire(const struct node *n)
{
    struct axn_link_stats s;
    struct axn_sim_port_stats p;
    axn_if_counters_read(&n->ctr, &s);
    assert_int_equal(axn_sim_port_stats(W.wire, n->port, &p), 0);
    assert_int_equal(s.tx_packets, p.tx_frames);
    assert_int_equal(s.tx_bytes, p.tx_bytes);
    assert_int_equal(s.rx_packets, p.rx_frames);
    assert_int_equal(s.rx_bytes, p.rx_bytes);
    assert_int_equal(s.rx_errors + s.tx_errors + s.rx_dropped + s.tx_dropped, 0);
}

static void expect_link(const struct node *n, uint64_t rx_packets, uint64_t rx_bytes,
                        uint64_t tx_packets, uint64_t tx_bytes)
{
    struct axn_link_stats s;
    axn_if_counters_read(&n->ctr, &s);
    assert_int_equal(s.rx_packets, rx_packets);
    assert_int_equal(s.rx_bytes, rx_bytes);
    assert_int_equal(s.tx_packets, tx_packets);
    assert_int_equal(s.tx_bytes, tx_bytes);
}

static int count_requests(int port, axn_ip4_t target)
{
    int n = 0;
    for (int i = 0; i < W.n_arps; i++)
        n += W.arps[i].port == port && W.arps[i].arp.op == AXN_ARP_OP_REQUEST &&
             W.arps[i].arp.target_ip == target;
    return n;
}

/* ---- Tests ---------------------------------------------------------------- */

static void sim_adapters_resolve_each_other_and_exchange_ip(void **state)
{
    (void)state;
    bring_up();
    /* Each saw the other's RFC 5227 announcement, and learned nothing. */
    assert_int_equal(W.n_arps, 2);
    assert_int_equal(W.a.dev->ops->arp_entries(W.a.dev, NULL, 0, T_MS(1)), 0);

    assert_int_equal(node_send(&W.a, IP_B, 0xA1), 0); /* waits for ARP */
    run_until(T_MS(2));
    assert_int_equal(W.b.n_got, 1);
    assert_int_equal(W.b.got[0], 0xA1);
    /* B learned A from the request: its answer goes straight out. */
    assert_int_equal(node_send(&W.b, IP_A, 0xB1), FRAME_LEN);
    run_until(T_MS(3));
    assert_int_equal(W.a.n_got, 1);
    assert_int_equal(W.a.got[0], 0xB1);

    struct axn_arp_entry e;
    assert_int_equal(W.a.dev->ops->arp_entries(W.a.dev, &e, 1, T_MS(3)), 1);
    assert_int_equal(e.ip, IP_B);
    assert_memory_equal(e.mac.b, MAC_B.b, AXN_MAC_LEN);
    assert_int_equal(W.b.dev->ops->arp_entries(W.b.dev, &e, 1, T_MS(3)), 1);
    assert_int_equal(e.ip, IP_A);
}

static void sim_counters_exact_after_scripted_exchange(void **state)
{
    (void)state;
    bring_up();
    assert_int_equal(node_send(&W.a, IP_B, 1), 0);
    assert_int_equal(node_send(&W.a, IP_B, 2), 0);
    run_until(T_MS(2));
    assert_int_equal(node_send(&W.b, IP_A, 3), FRAME_LEN);
    assert_int_equal(node_send(&W.a, AXN_IP4(192, 0, 2, 255), 4), FRAME_LEN);
    run_until(T_MS(3));
    assert_int_equal(W.b.n_got, 3);
    assert_int_equal(W.a.n_got, 1);
    /*
     * A sent: announcement 60, request 60, two flushed packets 114 each,
     * a subnet broadcast 114. B sent: announcement 60, reply 60, one
     * packet 114. Each received exactly what the other sent.
     */
    const uint64_t a_tx = 60 + 60 + 3 * FRAME_LEN;
    const uint64_t b_tx = 60 + 60 + FRAME_LEN;
    expect_link(&W.a, 3, b_tx, 5, a_tx);
    expect_link(&W.b, 5, a_tx, 3, b_tx);
    assert_counters_match_wire(&W.a);
    assert_counters_match_wire(&W.b);
}

static void sim_arp_retry_at_exactly_one_second_when_first_request_lost(void **state)
{
    (void)state;
    bring_up();
    const axn_time_t t0 = T_MS(1);
    const struct axn_sim_impairments lossy = {.loss_ppm = AXN_SIM_PPM_ALWAYS, .delay = WIRE_DELAY};
    assert_int_equal(axn_sim_port_set_impairments(W.wire, W.a.port, &lossy), 0);
    assert_int_equal(node_send(&W.a, IP_B, 0xA1), 0);
    assert_int_equal(axn_sim_port_set_impairments(W.wire, W.a.port, NULL), 0);
    assert_int_equal(W.a.dev->ops->next_deadline(W.a.dev), t0 + T_S(1));

    run_until(t0 + T_S(1) - 1);
    assert_int_equal(count_requests(W.b.port, IP_B), 0);
    run_until(t0 + T_S(1) + T_MS(1));
    assert_int_equal(count_requests(W.b.port, IP_B), 1);
    const struct seen_arp *req = &W.arps[W.n_arps - 2]; /* then B's reply */
    assert_int_equal(req->arp.op, AXN_ARP_OP_REQUEST);
    assert_int_equal(req->at, t0 + T_S(1) + WIRE_DELAY);
    assert_int_equal(W.b.n_got, 1);
    assert_int_equal(W.b.got[0], 0xA1);
    struct axn_sim_port_stats p;
    assert_int_equal(axn_sim_port_stats(W.wire, W.a.port, &p), 0);
    assert_int_equal(p.lost, 1);
}

static void sim_neighbour_expiry_at_300s_re_resolves_without_loss(void **state)
{
    (void)state;
    bring_up();
    assert_int_equal(node_send(&W.a, IP_B, 1), 0);
    run_until(T_MS(2));
    /* A learned B from the reply that reached it at 1 ms + 2 hops. */
    const axn_time_t learned = T_MS(1) + 2 * WIRE_DELAY;
    const int requests = count_requests(W.b.port, IP_B);
    assert_int_equal(requests, 1);

    run_until(learned + T_S(300) - 1);
    assert_int_equal(node_send(&W.a, IP_B, 2), FRAME_LEN); /* still valid */
    run_until(learned + T_S(300));
    /* Expired: a burst of ACK-like packets waits for re-resolution. */
    for (uint8_t k = 3; k < 8; k++)
        assert_int_equal(node_send(&W.a, IP_B, k), 0);
    run_until(learned + T_S(300) + T_MS(1));
    assert_int_equal(count_requests(W.b.port, IP_B), requests + 1);
    assert_int_equal(W.b.n_got, 7);
    for (int k = 0; k < 7; k++)
        assert_int_equal(W.b.got[k], k + 1);
    assert_counters_match_wire(&W.a);
    assert_counters_match_wire(&W.b);
}

static void sim_pending_packets_dropped_and_reported_when_peer_silent(void **state)
{
    (void)state;
    bring_up();
    assert_int_equal(node_send(&W.a, IP_DEAD, 1), 0);
    run_until(T_MS(1500));
    assert_int_equal(node_send(&W.a, IP_DEAD, 2), 0);
    run_until(T_S(10));
    /* Three requests a second apart, then the next hop is given up. */
    assert_int_equal(count_requests(W.b.port, IP_DEAD), AXN_ARP_MAX_REQUESTS);
    assert_int_equal(W.a.unreachable, 2);
    assert_int_equal(W.a.unreachable_tag[0], 1);
    assert_int_equal(W.a.unreachable_tag[1], 2);
    struct axn_link_stats s;
    axn_if_counters_read(&W.a.ctr, &s);
    assert_int_equal(s.tx_dropped, 2);
    assert_int_equal(W.a.dev->ops->next_deadline(W.a.dev), AXN_TIME_NEVER);
    assert_int_equal(W.b.n_got, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(sim_adapters_resolve_each_other_and_exchange_ip, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(sim_counters_exact_after_scripted_exchange, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(sim_arp_retry_at_exactly_one_second_when_first_request_lost,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(sim_neighbour_expiry_at_300s_re_resolves_without_loss,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(sim_pending_packets_dropped_and_reported_when_peer_silent,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
