/*
 * Whole stacks on simulated wires, caller-polled in virtual time (spec
 * §2.3, §3, §4; TEST-31, TEST-32; DESIGN.md "Testing layers" 2): every
 * stack is axn_stack_create + axn_stack_init_network over sim-wire ports,
 * the protocol core is a recording input hook, and packets enter through
 * the router as the core will send them (axn_router_output, core lock
 * held). What reaches each wire is captured frame by frame.
 *
 * Covered: two stacks resolving each other by ARP; a dead next hop not
 * holding back a live one; route selection by metric over two wires and
 * two subnets; source-aware egress (RT-10) with real frames; exact
 * counters on both ends of an exchange (RT-38); more than 8 addresses
 * (the CTL-20 hazard); a stack on port/none; and, on port/posix threads,
 * readers racing a commit (CTL-19).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "axnet/errno.h"
#include "axnet/hosted/sim_wire.h"
#include "axnet/netctl.h"
#include "axnet/port_none.h"
#include "axnet/port_posix.h"
#include "core/stack_impl.h"
#include "ctl/ctl.h"
#include "fake_netdev.h"
#include "sim_stacks.h"
#include "test_platform.h"
#include "wire/arp.h"
#include "wire/ethernet.h"
#include "wire/ipv4.h"

/* ---- Addresses and constants ----------------------------------------------------- */

#define ETH0       AXN_IFINDEX_FIRST_ETH
#define ETH1       (AXN_IFINDEX_FIRST_ETH + 1u)
#define PREFIX_24  24u
#define A_ADDR     AXN_IP4(192, 0, 2, 10)
#define B_ADDR     AXN_IP4(192, 0, 2, 20)
#define DEAD_ADDR  AXN_IP4(192, 0, 2, 99)
#define NET1_BCAST AXN_IP4(192, 0, 2, 255)
#define GW1_ADDR   AXN_IP4(192, 0, 2, 1)
#define S_ADDR1    AXN_IP4(198, 51, 100, 10)
#define GW2_ADDR   AXN_IP4(198, 51, 100, 1)
#define ON_NET1    AXN_IP4(192, 0, 2, 77) /* in eth0's subnet, no host there */
#define REMOTE     AXN_IP4(203, 0, 113, 7)
#define BCAST_ADDR AXN_IP4(255, 255, 255, 255)
#define LO         AXN_IFINDEX_LOOPBACK

#define METRIC_LOW  50u
#define METRIC_HIGH 200u

/* 10.0.k.0/24 for the k-th of many interfaces; the host .2 is the stack,
 * .20 the responder on the same wire. */
#define MANY_NET(k)  AXN_IP4(10, 0, (k), 0)
#define MANY_ADDR(k) AXN_IP4(10, 0, (k), 2)
#define MANY_PEER(k) AXN_IP4(10, 0, (k), 20)
/* More interfaces than ax-net's 8 core addresses (lo + 7) allow (CTL-20). */
#define N_MANY 10u

#define T0         AXN_SEC(1) /* every world starts here */
#define WIRE_DELAY 50u        /* µs per hop: frames are never due at once */
#define SETTLE     AXN_MSEC(1)
#define PAYLOAD    32u
#define IP_FRAME   (AXN_ETH_HLEN + AXN_IPV4_HDR_MIN + PAYLOAD) /* 66: no padding */
#define ARP_RETRY  AXN_MSEC(AXN_ARP_REQUEST_RETRY_MS)
/* When resolution of a silent next hop asked at t fails (eth_arp.c). */
#define ARP_GIVE_UP (ARP_RETRY * AXN_ARP_MAX_REQUESTS)
#define NEVER       AXN_TIME_NEVER

#define MAX_NODES   12u
#define MAX_WIRES   N_MANY
#define MAX_PORTS   4u
#define MAX_IN      64u
#define MAX_FRAMES  256u
#define LIST_MAX    AXN_ROUTE_TABLE_MAX
#define MAX_STEPS   100000u /* events in one run_until, far above any test's */
#define ARENA_BYTES (8u * 1024u * 1024u)
#define RACE_ITERS  2000u

/* ---- The world: stacks, wires, responders ----------------------------------------- */

/* An IP packet a stack's core received. */
struct got {
    uint32_t ifindex;
    axn_ip4_t src, dst;
    uint8_t tag; /* first payload byte */
    uint32_t frame_len;
};

struct node {
    struct axn_stack *st;
    axn_time_t next; /* what its last poll asked for */
    struct got in[MAX_IN];
    size_t n_in;
};

/* A frame as it reached some port of a wire. */
struct frame {
    int port;
    axn_time_t at;
    struct axn_mac src, dst;
    uint16_t ethertype;
    size_t len;
    bool is_ip;
    axn_ip4_t ip_src, ip_dst;
    uint8_t tag;
    bool is_arp;
    struct axn_arp arp;
};

struct wire {
    struct axn_sim_wire *w;
    struct axn_eth_driver drv[MAX_PORTS];
    struct axn_mac mac[MAX_PORTS];
    int n_ports;
    struct frame seen[MAX_FRAMES];
    size_t n_seen;
};

/* A bare port the test answers ARP on (a host that is no stack). */
struct responder {
    struct wire *wire;
    int port;
    axn_ip4_t ip;
};

static struct world {
    axn_time_t now;
    struct wire wires[MAX_WIRES];
    size_t n_wires;
    struct node nodes[MAX_NODES];
    size_t n_nodes;
    struct responder resp[MAX_WIRES];
    size_t n_resp;
} W;

static void decode(struct frame *f, const uint8_t *data, size_t len)
{
    memset(f, 0, sizeof(*f));
    f->len = len;
    struct axn_eth eth;
    if (axn_eth_parse(data, len, &eth) != 0)
        return;
    f->src = eth.src;
    f->dst = eth.dst;
    f->ethertype = eth.ethertype;
    struct axn_ipv4 ip;
    if (eth.ethertype == AXN_ETHERTYPE_IPV4 &&
        axn_ipv4_parse(eth.payload, eth.payload_len, &ip, 0) == 0) {
        f->is_ip = true;
        f->ip_src = ip.src;
        f->ip_dst = ip.dst;
        f->tag = ip.payload_len > 0 ? ip.payload[0] : 0;
    }
    if (eth.ethertype == AXN_ETHERTYPE_ARP &&
        axn_arp_parse(eth.payload, eth.payload_len, &f->arp) == 0)
        f->is_arp = true;
}

/* Runs with the wire locked: records only. */
static void observe(void *ctx, int port, axn_time_t at, const uint8_t *data, size_t len)
{
    struct wire *w = ctx;
    if (w->n_seen == MAX_FRAMES)
        return;
    struct frame *f = &w->seen[w->n_seen++];
    decode(f, data, len);
    f->port = port;
    f->at = at;
}

static struct wire *new_wire(void)
{
    assert_true(W.n_wires < MAX_WIRES);
    struct wire *w = &W.wires[W.n_wires++];
    const struct axn_sim_wire_config cfg = {.impair = {.delay = WIRE_DELAY}, .start_time = T0};
    assert_int_equal(axn_sim_wire_create(&w->w, &cfg, W.n_wires), 0);
    axn_sim_wire_set_observer(w->w, observe, w);
    return w;
}

/* A port with a MAC unique in the world: 02:00:00:00:<wire>:<port>. */
static int new_port(struct wire *w)
{
    assert_true(w->n_ports < (int)MAX_PORTS);
    const int i = w->n_ports++;
    const struct axn_mac mac = {{0x02, 0, 0, 0, (uint8_t)(w - W.wires), (uint8_t)(i + 1)}};
    w->mac[i] = mac;
    assert_int_equal(axn_sim_wire_add_port(w->w, &w->mac[i], &w->drv[i]), i);
    return i;
}

static void record_input(void *ctx, const uint8_t *pkt, size_t len, const struct axn_rx_meta *meta,
                         axn_time_t now)
{
    (void)now;
    struct node *n = ctx;
    struct axn_ipv4 ip;
    if (n->n_in == MAX_IN || axn_ipv4_parse(pkt, len, &ip, 0) != 0)
        return;
    const struct got g = {
        .ifindex = meta->ifindex,
        .src = ip.src,
        .dst = ip.dst,
        .tag = ip.payload_len > 0 ? ip.payload[0] : 0,
        .frame_len = meta->frame_len,
    };
    n->in[n->n_in++] = g;
}

static struct node *new_node_on(const struct axn_platform *plat)
{
    assert_true(W.n_nodes < MAX_NODES);
    struct node *n = &W.nodes[W.n_nodes++];
    assert_int_equal(axn_stack_create(plat, &n->st), 0);
    const struct axn_proto_hooks hooks = {.input = record_input, .input_ctx = n};
    axn_stack_set_proto(n->st, &hooks);
    n->next = W.now;
    return n;
}

static struct node *new_node(void)
{
    return new_node_on(axn_test_platform());
}

static struct axn_iface_config static_cfg(uint32_t order, axn_ip4_t addr, axn_ip4_t gw,
                                          uint32_t metric)
{
    return sim_static_iface(order, addr, PREFIX_24, gw, metric);
}

/* Brings `n` up with one interface, `addr`/24 (no gateway), on `port` of
 * `w`. Ports are all made first, so that every announcement is heard. */
static void host_up(struct node *n, struct wire *w, int port, axn_ip4_t addr)
{
    const struct axn_eth_driver *drv[1] = {&w->drv[port]};
    const struct axn_iface_config ic = static_cfg(0, addr, 0, 0);
    const struct axn_net_config cfg = {.ifaces = &ic, .n_ifaces = 1};
    assert_int_equal(axn_stack_init_network(n->st, drv, 1, &cfg, W.now), 0);
}

/* A new stack with one interface, `addr`/24, on `port` of `w`. */
static struct node *host_at(struct wire *w, int port, axn_ip4_t addr)
{
    struct node *n = new_node();
    host_up(n, w, port, addr);
    return n;
}

static void add_responder(struct wire *w, axn_ip4_t ip)
{
    assert_true(W.n_resp < MAX_WIRES);
    struct responder *r = &W.resp[W.n_resp++];
    r->wire = w;
    r->port = new_port(w);
    r->ip = ip;
}

static int setup(void **state)
{
    (void)state;
    memset(&W, 0, sizeof(W));
    W.now = T0;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < W.n_nodes; i++)
        axn_stack_destroy(W.nodes[i].st);
    for (size_t i = 0; i < W.n_wires; i++)
        axn_sim_wire_destroy(W.wires[i].w);
    return axn_test_live_allocs() == 0 ? 0 : -1;
}

/* ---- Running ------------------------------------------------------------------------- */

/* Answers ARP requests for its address with a reply from its port. */
static void responder_poll(struct responder *r)
{
    const struct axn_eth_driver *d = &r->wire->drv[r->port];
    struct axn_rx_buf rx;
    while (d->ops->receive(d->drv, &rx) == 0) {
        struct frame f;
        decode(&f, rx.data, rx.len);
        assert_int_equal(d->ops->recycle_rx(d->drv, &rx), 0);
        if (!f.is_arp || f.arp.op != AXN_ARP_OP_REQUEST || f.arp.target_ip != r->ip)
            continue;
        const struct axn_arp reply = {
            .op = AXN_ARP_OP_REPLY,
            .sender_mac = r->wire->mac[r->port],
            .sender_ip = r->ip,
            .target_mac = f.arp.sender_mac,
            .target_ip = f.arp.sender_ip,
        };
        uint8_t arp[AXN_ARP_LEN];
        assert_int_equal(axn_arp_emit(&reply, arp, sizeof(arp)), AXN_ARP_LEN);
        const struct axn_eth eth = {.dst = f.arp.sender_mac,
                                    .src = r->wire->mac[r->port],
                                    .ethertype = AXN_ETHERTYPE_ARP,
                                    .payload = arp,
                                    .payload_len = sizeof(arp)};
        struct axn_tx_buf tx;
        assert_int_equal(d->ops->alloc_tx(d->drv, AXN_ETH_ZLEN, &tx), 0);
        assert_int_equal(axn_eth_emit(&eth, tx.data, tx.len, AXN_ETH_EMIT_PAD), AXN_ETH_ZLEN);
        assert_int_equal(d->ops->transmit(d->drv, &tx), 0);
    }
}

static axn_time_t min_time(axn_time_t a, axn_time_t b)
{
    return a < b ? a : b;
}

/* The earliest thing that wants to happen: a poll a stack asked for, or a
 * frame falling due on some wire. */
static axn_time_t next_event(void)
{
    axn_time_t next = NEVER;
    for (size_t i = 0; i < W.n_nodes; i++)
        next = min_time(next, W.nodes[i].next);
    for (size_t i = 0; i < W.n_wires; i++)
        next = min_time(next, axn_sim_wire_next_event(W.wires[i].w));
    return next;
}

static void set_time(axn_time_t t)
{
    W.now = t;
    for (size_t i = 0; i < W.n_wires; i++)
        assert_int_equal(axn_sim_wire_set_time(W.wires[i].w, t), 0);
}

static void poll_all(void)
{
    for (size_t i = 0; i < W.n_resp; i++)
        responder_poll(&W.resp[i]);
    for (size_t i = 0; i < W.n_nodes; i++)
        W.nodes[i].next = axn_stack_poll(W.nodes[i].st, W.now);
    /* Frames the polls just sent may be due now, in this same instant. */
    for (size_t i = 0; i < W.n_resp; i++)
        responder_poll(&W.resp[i]);
}

/* Event by event up to `until` (inclusive), polling everyone each time. */
static void run_until(axn_time_t until)
{
    for (unsigned steps = 0;; steps++) {
        assert_true(steps < MAX_STEPS);
        const axn_time_t next = next_event();
        if (next > until)
            break;
        if (next > W.now)
            set_time(next);
        poll_all();
    }
    set_time(until);
    poll_all();
}

/* Hands one IP packet to `n`'s router as its core would, core lock held. */
static int send_ip(struct node *n, axn_ip4_t src, axn_ip4_t dst, uint8_t tag)
{
    uint8_t pkt[FAKE_NETDEV_PKT_MAX];
    const size_t len = fake_build_ipv4(pkt, sizeof(pkt), src, dst, PAYLOAD, tag);
    n->st->plat->mutex_lock(n->st->core_lock);
    const int rc = axn_router_output(&n->st->router, pkt, len, W.now);
    n->st->plat->mutex_unlock(n->st->core_lock);
    n->next = W.now;
    return rc;
}

/* ---- Queries ----------------------------------------------------------------------------- */

static struct axn_link_stats link_of(struct node *n, uint32_t ifindex)
{
    struct axn_link_stats s;
    assert_int_equal(axn_ctl_link_stats(n->st, ifindex, &s), 0);
    return s;
}

static struct axn_stack_stats stack_stats(struct node *n)
{
    struct axn_stack_stats s;
    axn_ctl_stack_stats(n->st, &s);
    return s;
}

/* Asserts `n` holds exactly one neighbour: ip at mac, on `dev`. */
static void assert_one_neighbour(struct node *n, axn_ip4_t ip, const struct axn_mac *mac,
                                 const char *dev)
{
    struct axn_arp_entry e[2];
    memset(e, 0, sizeof(e));
    assert_int_equal(axn_ctl_arp_entries(n->st, e, 2, W.now), 1);
    assert_int_equal(e[0].ip, ip);
    assert_memory_equal(e[0].mac.b, mac->b, AXN_MAC_LEN);
    assert_int_equal(e[0].hw_type, AXN_ARPHRD_ETHER);
    assert_int_equal(e[0].flags, AXN_ATF_COM);
    assert_string_equal(e[0].dev, dev);
}

/* IPv4 frames that reached `port` of `w` carrying `tag`. */
static size_t ip_frames_to(const struct wire *w, int port, uint8_t tag)
{
    size_t n = 0;
    for (size_t i = 0; i < w->n_seen; i++)
        n += w->seen[i].port == port && w->seen[i].is_ip && w->seen[i].tag == tag;
    return n;
}

/* IPv4 frames anywhere on `w`. */
static size_t ip_frames(const struct wire *w)
{
    size_t n = 0;
    for (size_t i = 0; i < w->n_seen; i++)
        n += w->seen[i].is_ip;
    return n;
}

/* ARP requests for `target` (not announcements) that reached `port`. */
static size_t arp_requests(const struct wire *w, int port, axn_ip4_t target)
{
    size_t n = 0;
    for (size_t i = 0; i < w->n_seen; i++) {
        const struct frame *f = &w->seen[i];
        n += f->port == port && f->is_arp && f->arp.op == AXN_ARP_OP_REQUEST &&
             f->arp.target_ip == target && f->arp.sender_ip != target;
    }
    return n;
}

static const struct frame *find_ip_frame(const struct wire *w, int port, uint8_t tag)
{
    for (size_t i = 0; i < w->n_seen; i++)
        if (w->seen[i].port == port && w->seen[i].is_ip && w->seen[i].tag == tag)
            return &w->seen[i];
    fail_msg("no IPv4 frame with tag %u reached port %d", tag, port);
    return NULL;
}

/* ---- Two stacks on one wire ------------------------------------------------------------- */

struct pair {
    struct wire *w;
    struct node *a, *b;
    int pa, pb;
};

/* A (192.0.2.10) and B (192.0.2.20) on one wire, announced and quiet. */
static struct pair two_hosts(void)
{
    struct pair p;
    p.w = new_wire();
    p.pa = new_port(p.w);
    p.pb = new_port(p.w);
    p.a = host_at(p.w, p.pa, A_ADDR);
    p.b = host_at(p.w, p.pb, B_ADDR);
    run_until(W.now + SETTLE);
    return p;
}

static void two_stacks_resolve_each_other_by_arp(void **state)
{
    (void)state;
    struct pair p = two_hosts();
    /* Each saw the other's announcement (RFC 5227) and learned nothing. */
    assert_int_equal(axn_ctl_arp_entries(p.a->st, NULL, 0, W.now), 0);
    assert_int_equal(axn_ctl_arp_entries(p.b->st, NULL, 0, W.now), 0);

    assert_int_equal(send_ip(p.a, A_ADDR, B_ADDR, 0xA1), 0);
    run_until(W.now + SETTLE);
    assert_int_equal(p.b->n_in, 1);
    assert_int_equal(p.b->in[0].ifindex, ETH0);
    assert_int_equal(p.b->in[0].src, A_ADDR);
    assert_int_equal(p.b->in[0].tag, 0xA1);
    /* A learned B from the reply; B learned A from the request. */
    assert_one_neighbour(p.a, B_ADDR, &p.w->mac[p.pb], "eth0");
    assert_one_neighbour(p.b, A_ADDR, &p.w->mac[p.pa], "eth0");

    /* So B answers without asking anything. */
    assert_int_equal(send_ip(p.b, B_ADDR, A_ADDR, 0xB1), 0);
    run_until(W.now + SETTLE);
    assert_int_equal(p.a->n_in, 1);
    assert_int_equal(p.a->in[0].src, B_ADDR);
    assert_int_equal(p.a->in[0].tag, 0xB1);
    assert_int_equal(arp_requests(p.w, p.pb, B_ADDR), 1);
    assert_int_equal(arp_requests(p.w, p.pa, A_ADDR), 0);
    const struct frame *f = find_ip_frame(p.w, p.pa, 0xB1);
    assert_memory_equal(f->src.b, p.w->mac[p.pb].b, AXN_MAC_LEN);
    assert_memory_equal(f->dst.b, p.w->mac[p.pa].b, AXN_MAC_LEN);
}

/* TEST-31 on whole stacks: the unresolvable next hop queued first does not
 * hold back the live one, and is given up (and counted) on its own clock. */
static void dead_next_hop_does_not_block_traffic_to_live_one(void **state)
{
    (void)state;
    struct pair p = two_hosts();
    const axn_time_t t0 = W.now;
    assert_int_equal(send_ip(p.a, A_ADDR, DEAD_ADDR, 0xDD), 0);
    assert_int_equal(send_ip(p.a, A_ADDR, B_ADDR, 0xB0), 0);
    run_until(t0 + SETTLE);
    /* Request out, reply back, packet out: three hops, one round. */
    assert_int_equal(p.b->n_in, 1);
    assert_int_equal(p.b->in[0].tag, 0xB0);
    assert_int_equal(find_ip_frame(p.w, p.pb, 0xB0)->at, t0 + 3 * WIRE_DELAY);
    assert_int_equal(arp_requests(p.w, p.pb, DEAD_ADDR), 1);

    /* The dead next hop: asked AXN_ARP_MAX_REQUESTS times a retry apart,
     * its packet held until the last request went unanswered. */
    run_until(t0 + ARP_GIVE_UP - 1);
    assert_int_equal(arp_requests(p.w, p.pb, DEAD_ADDR), AXN_ARP_MAX_REQUESTS);
    assert_int_equal(stack_stats(p.a).arp_unresolved, 0);
    assert_int_equal(link_of(p.a, ETH0).tx_dropped, 0);
    run_until(t0 + ARP_GIVE_UP);
    assert_int_equal(stack_stats(p.a).arp_unresolved, 1);
    assert_int_equal(link_of(p.a, ETH0).tx_dropped, 1);
    /* It never reached the wire, and nothing more is asked for it. */
    assert_int_equal(ip_frames_to(p.w, p.pb, 0xDD), 0);
    run_until(t0 + 2 * ARP_GIVE_UP);
    assert_int_equal(arp_requests(p.w, p.pb, DEAD_ADDR), AXN_ARP_MAX_REQUESTS);
    assert_int_equal(p.a->next, NEVER);
    assert_int_equal(p.b->n_in, 1);
}

/* RT-38 on both ends, cross-checked against what the wire carried. */
static void counters_exact_after_scripted_exchange_on_both_stacks(void **state)
{
    (void)state;
    struct pair p = two_hosts();
    assert_int_equal(send_ip(p.a, A_ADDR, B_ADDR, 1), 0);
    assert_int_equal(send_ip(p.a, A_ADDR, B_ADDR, 2), 0);
    run_until(W.now + SETTLE);
    assert_int_equal(send_ip(p.b, B_ADDR, A_ADDR, 3), 0);
    assert_int_equal(send_ip(p.a, A_ADDR, NET1_BCAST, 4), 0); /* subnet broadcast */
    run_until(W.now + SETTLE);
    assert_int_equal(p.b->n_in, 3);
    assert_int_equal(p.a->n_in, 1);
    static const uint8_t b_tags[3] = {1, 2, 4};
    for (size_t i = 0; i < p.b->n_in; i++) {
        assert_int_equal(p.b->in[i].tag, b_tags[i]);
        assert_int_equal(p.b->in[i].frame_len, IP_FRAME);
    }
    assert_int_equal(p.a->in[0].tag, 3);
    assert_int_equal(p.a->in[0].frame_len, IP_FRAME);
    /*
     * A sent: its announcement (60), its request (60), two IP frames that
     * waited for the reply, one broadcast IP frame. B sent: announcement,
     * reply, one IP frame. Each received exactly what the other sent: ARP
     * frames count in rx_packets (ETH-8), padded to 60 by their sender.
     */
    const uint64_t a_tx = 2 * AXN_ETH_ZLEN + 3 * IP_FRAME;
    const uint64_t b_tx = 2 * AXN_ETH_ZLEN + IP_FRAME;
    struct node *const nodes[2] = {p.a, p.b};
    const int ports[2] = {p.pa, p.pb};
    /* A: announcement, request, 3 IP frames; B: announcement, reply, 1. */
    const uint64_t want_tx_packets[2] = {2 + 3, 2 + 1};
    const uint64_t want_tx_bytes[2] = {a_tx, b_tx};
    for (int i = 0; i < 2; i++) {
        const struct axn_link_stats s = link_of(nodes[i], ETH0);
        assert_int_equal(s.tx_packets, want_tx_packets[i]);
        assert_int_equal(s.tx_bytes, want_tx_bytes[i]);
        assert_int_equal(s.rx_packets, want_tx_packets[1 - i]);
        assert_int_equal(s.rx_bytes, want_tx_bytes[1 - i]);
        assert_int_equal(s.rx_errors + s.tx_errors + s.rx_dropped + s.tx_dropped, 0);
        struct axn_sim_port_stats ps;
        assert_int_equal(axn_sim_port_stats(p.w->w, ports[i], &ps), 0);
        assert_int_equal(s.tx_packets, ps.tx_frames);
        assert_int_equal(s.tx_bytes, ps.tx_bytes);
        assert_int_equal(s.rx_packets, ps.rx_frames);
        assert_int_equal(s.rx_bytes, ps.rx_bytes);
        const struct axn_link_stats lo = link_of(nodes[i], LO);
        const struct axn_link_stats zero = {0};
        assert_memory_equal(&lo, &zero, sizeof(lo));
    }
}

/* ---- Two wires, two subnets, one multi-homed stack ---------------------------------------- */

/*
 * S: eth0 on wire 1 (192.0.2.10/24, default via 192.0.2.1, metric `m0`),
 * eth1 on wire 2 (198.51.100.10/24, default via 198.51.100.1, metric
 * `m1`). A gateway stack on each wire.
 */
struct multi {
    struct wire *w1, *w2;
    struct node *s, *gw1, *gw2;
    int s1, s2, g1, g2; /* ports */
};

static struct multi multi_homed(uint32_t m0, uint32_t m1)
{
    struct multi m;
    m.w1 = new_wire();
    m.w2 = new_wire();
    m.s1 = new_port(m.w1);
    m.s2 = new_port(m.w2);
    m.g1 = new_port(m.w1);
    m.g2 = new_port(m.w2);
    m.s = new_node();
    const struct axn_eth_driver *drv[2] = {&m.w1->drv[m.s1], &m.w2->drv[m.s2]};
    const struct axn_iface_config ics[2] = {static_cfg(0, A_ADDR, GW1_ADDR, m0),
                                            static_cfg(1, S_ADDR1, GW2_ADDR, m1)};
    const struct axn_net_config cfg = {.ifaces = ics, .n_ifaces = 2};
    assert_int_equal(axn_stack_init_network(m.s->st, drv, 2, &cfg, W.now), 0);
    m.gw1 = host_at(m.w1, m.g1, GW1_ADDR);
    m.gw2 = host_at(m.w2, m.g2, GW2_ADDR);
    run_until(W.now + SETTLE);
    return m;
}

/* What the core would do for an unbound socket: pick the route (RT-11),
 * build the packet from its source, hand it to the router. Returns the
 * ifindex the route chose. */
static uint32_t send_routed(struct node *n, axn_ip4_t dst, uint8_t tag)
{
    struct axn_route_decision d;
    assert_int_equal(axn_ctl_route_select(&n->st->ctl, dst, 0, &d), 0);
    assert_int_equal(send_ip(n, d.source, dst, tag), 0);
    return d.ifindex;
}

static void route_selection_across_two_wires_follows_metric_and_link(void **state)
{
    (void)state;
    struct multi m = multi_homed(METRIC_LOW, METRIC_HIGH);
    struct axn_route_info r[LIST_MAX];
    assert_int_equal(axn_ctl_default_routes(m.s->st, r, LIST_MAX), 2);
    assert_int_equal(r[0].ifindex, ETH0);
    assert_int_equal(r[0].metric, METRIC_LOW);
    assert_int_equal(r[1].ifindex, ETH1);
    assert_int_equal(r[1].metric, METRIC_HIGH);

    /* The lower metric wins: out on wire 1, to gateway 1's MAC. */
    assert_int_equal(send_routed(m.s, REMOTE, 0x01), ETH0);
    run_until(W.now + SETTLE);
    assert_int_equal(m.gw1->n_in, 1);
    assert_int_equal(m.gw1->in[0].dst, REMOTE);
    assert_int_equal(m.gw1->in[0].src, A_ADDR);
    const struct frame *f = find_ip_frame(m.w1, m.g1, 0x01);
    assert_memory_equal(f->src.b, m.w1->mac[m.s1].b, AXN_MAC_LEN);
    assert_memory_equal(f->dst.b, m.w1->mac[m.g1].b, AXN_MAC_LEN);
    assert_int_equal(ip_frames(m.w2), 0);
    assert_int_equal(m.gw2->n_in, 0);

    /* eth0's link goes down: the other default route, on the other wire. */
    assert_int_equal(axn_stack_set_link(m.s->st, ETH0, false, W.now), 0);
    m.s->next = W.now;
    assert_int_equal(send_routed(m.s, REMOTE, 0x02), ETH1);
    run_until(W.now + SETTLE);
    assert_int_equal(m.gw2->n_in, 1);
    assert_int_equal(m.gw2->in[0].src, S_ADDR1);
    f = find_ip_frame(m.w2, m.g2, 0x02);
    assert_memory_equal(f->src.b, m.w2->mac[m.s2].b, AXN_MAC_LEN);
    assert_memory_equal(f->dst.b, m.w2->mac[m.g2].b, AXN_MAC_LEN);
    assert_int_equal(ip_frames_to(m.w1, m.g1, 0x02), 0);

    /* Up again: the lower metric wins again. */
    assert_int_equal(axn_stack_set_link(m.s->st, ETH0, true, W.now), 0);
    m.s->next = W.now;
    assert_int_equal(send_routed(m.s, REMOTE, 0x03), ETH0);
    run_until(W.now + SETTLE);
    assert_int_equal(m.gw1->n_in, 2);
    assert_int_equal(m.gw1->in[1].tag, 0x03);
    assert_int_equal(ip_frames_to(m.w2, m.g2, 0x03), 0);
    assert_int_equal(m.gw2->n_in, 1);
}

static void route_selection_prefers_the_other_wire_when_its_metric_is_lower(void **state)
{
    (void)state;
    struct multi m = multi_homed(METRIC_HIGH, METRIC_LOW);
    assert_int_equal(send_routed(m.s, REMOTE, 0x04), ETH1);
    run_until(W.now + SETTLE);
    assert_int_equal(m.gw2->n_in, 1);
    assert_int_equal(m.gw2->in[0].tag, 0x04);
    assert_int_equal(ip_frames(m.w1), 0);
    /* A connected subnet still beats any default route (RT-8). */
    assert_int_equal(send_routed(m.s, GW1_ADDR, 0x05), ETH0);
    run_until(W.now + SETTLE);
    assert_int_equal(m.gw1->n_in, 1);
    assert_int_equal(m.gw1->in[0].dst, GW1_ADDR);
}

/* RT-10 / TEST-32: a packet carrying eth1's address leaves by eth1 even
 * though eth0's default route is preferred, and even to eth0's subnet. */
static void source_aware_egress_never_leaves_by_the_other_wire(void **state)
{
    (void)state;
    struct multi m = multi_homed(METRIC_LOW, METRIC_HIGH);
    const struct axn_link_stats eth0_before = link_of(m.s, ETH0);
    assert_int_equal(send_ip(m.s, S_ADDR1, REMOTE, 0x11), 0);
    assert_int_equal(send_ip(m.s, S_ADDR1, ON_NET1, 0x12), 0);
    run_until(W.now + SETTLE);
    assert_int_equal(m.gw2->n_in, 2);
    assert_int_equal(m.gw2->in[0].src, S_ADDR1);
    assert_int_equal(m.gw2->in[0].dst, REMOTE);
    assert_int_equal(m.gw2->in[1].dst, ON_NET1);
    assert_int_equal(ip_frames_to(m.w2, m.g2, 0x11), 1);
    assert_int_equal(ip_frames_to(m.w2, m.g2, 0x12), 1);
    /* Wire 1 carried nothing for them: no IP, no ARP for anyone. */
    assert_int_equal(ip_frames(m.w1), 0);
    assert_int_equal(arp_requests(m.w1, m.g1, ON_NET1), 0);
    assert_int_equal(arp_requests(m.w1, m.g1, GW1_ADDR), 0);
    const struct axn_link_stats eth0_after = link_of(m.s, ETH0);
    assert_memory_equal(&eth0_after, &eth0_before, sizeof(eth0_after));
    assert_int_equal(m.gw1->n_in, 0);
    /* The same destinations from eth0's address go the other way. */
    assert_int_equal(send_ip(m.s, A_ADDR, REMOTE, 0x13), 0);
    run_until(W.now + SETTLE);
    assert_int_equal(m.gw1->n_in, 1);
    assert_int_equal(ip_frames_to(m.w2, m.g2, 0x13), 0);
}

/* ---- CTL-20: more than 8 addresses ------------------------------------------------------ */

static void ten_static_interfaces_each_route_to_their_own_wire(void **state)
{
    (void)state;
    struct node *s = new_node();
    struct axn_iface_config ics[N_MANY];
    const struct axn_eth_driver *drv[N_MANY];
    struct wire *wires[N_MANY];
    for (unsigned k = 0; k < N_MANY; k++) {
        wires[k] = new_wire();
        drv[k] = &wires[k]->drv[new_port(wires[k])];
        add_responder(wires[k], MANY_PEER(k));
        ics[k] = static_cfg(k, MANY_ADDR(k), 0, 0);
    }
    const struct axn_net_config cfg = {.ifaces = ics, .n_ifaces = N_MANY};
    assert_int_equal(axn_stack_init_network(s->st, drv, N_MANY, &cfg, W.now), 0);

    /* Every interface has its address and its connected route. */
    struct axn_iface_info info[AXN_MAX_DEVICES];
    assert_int_equal(axn_ctl_interfaces(s->st, info, AXN_MAX_DEVICES), N_MANY + 1);
    struct axn_route_info r[LIST_MAX];
    assert_int_equal(axn_ctl_routes(s->st, r, LIST_MAX), N_MANY + 1);
    for (unsigned k = 0; k < N_MANY; k++) {
        assert_int_equal(info[k + 1].ifindex, ETH0 + k);
        assert_true(info[k + 1].has_ipv4);
        assert_int_equal(info[k + 1].addr, MANY_ADDR(k));
        size_t found = 0;
        for (size_t i = 0; i < N_MANY + 1; i++) {
            if (r[i].ifindex != ETH0 + k)
                continue;
            found++;
            assert_int_equal(r[i].prefix, MANY_NET(k));
            assert_int_equal(r[i].prefix_len, PREFIX_24);
            assert_int_equal(r[i].source, MANY_ADDR(k));
            assert_false(r[i].has_via);
        }
        assert_int_equal(found, 1);
    }

    /* A packet into each subnet leaves by that subnet's wire, and only it. */
    run_until(W.now + SETTLE);
    for (unsigned k = 0; k < N_MANY; k++)
        assert_int_equal(send_ip(s, MANY_ADDR(k), MANY_PEER(k), (uint8_t)(0x40 + k)), 0);
    run_until(W.now + SETTLE);
    for (unsigned k = 0; k < N_MANY; k++) {
        const struct wire *w = wires[k];
        const int peer = W.resp[k].port;
        assert_int_equal(ip_frames(w), 1);
        const struct frame *f = find_ip_frame(w, peer, (uint8_t)(0x40 + k));
        assert_int_equal(f->ip_src, MANY_ADDR(k));
        assert_int_equal(f->ip_dst, MANY_PEER(k));
        assert_memory_equal(f->dst.b, w->mac[peer].b, AXN_MAC_LEN);
        assert_int_equal(arp_requests(w, peer, MANY_PEER(k)), 1);
        const struct axn_link_stats st = link_of(s, ETH0 + k);
        /* Announcement, request, the packet. */
        assert_int_equal(st.tx_packets, 3);
        assert_int_equal(st.tx_bytes, 2 * AXN_ETH_ZLEN + IP_FRAME);
    }
    assert_int_equal(axn_ctl_arp_entries(s->st, NULL, 0, W.now), N_MANY);
}

/* ---- The stack on port/none ------------------------------------------------------------- */

static _Alignas(64) unsigned char arena[ARENA_BYTES];

static axn_time_t none_now(void *ctx)
{
    (void)ctx;
    return W.now;
}

/* A test's entropy: an xorshift, deterministic so a failure replays. */
static int none_random(void *ctx, void *buf, size_t len)
{
    uint64_t *s = ctx;
    uint8_t *out = buf;
    for (size_t i = 0; i < len; i++) {
        *s ^= *s << 13;
        *s ^= *s >> 7;
        *s ^= *s << 17;
        out[i] = (uint8_t)*s;
    }
    return 0;
}

static void stack_on_port_none_resolves_a_peer(void **state)
{
    (void)state;
    static struct axn_port_none pn;
    static struct axn_platform plat;
    static uint64_t seed = 0x9E3779B97F4A7C15ull;
    const struct axn_port_none_hooks hooks = {
        .ctx = &seed, .now = none_now, .random = none_random, .log_level = AXN_LOG_ERROR};
    assert_int_equal(axn_port_none_init(&pn, &plat, arena, sizeof(arena), &hooks), 0);
    const size_t free_at_start = axn_port_none_free_bytes(&pn);

    struct wire *w = new_wire();
    const int pa = new_port(w);
    const int pb = new_port(w);
    struct node *a = new_node_on(&plat);
    host_up(a, w, pa, A_ADDR);
    assert_int_equal(axn_stack_start(a->st), -AXN_EOPNOTSUPP);
    struct node *b = host_at(w, pb, B_ADDR);
    run_until(W.now + SETTLE);

    assert_int_equal(send_ip(a, A_ADDR, B_ADDR, 0x5A), 0);
    run_until(W.now + SETTLE);
    assert_one_neighbour(a, B_ADDR, &w->mac[pb], "eth0");
    assert_int_equal(b->n_in, 1);
    assert_int_equal(b->in[0].src, A_ADDR);
    assert_int_equal(b->in[0].tag, 0x5A);
    assert_int_equal(send_ip(b, B_ADDR, A_ADDR, 0xA5), 0);
    run_until(W.now + SETTLE);
    assert_int_equal(a->n_in, 1);
    assert_int_equal(a->in[0].tag, 0xA5);

    /* The port's rules held throughout, nothing ran out. */
    assert_int_equal(pn.lock_errors, 0);
    assert_int_equal(pn.spin_held, 0);
    assert_int_equal(pn.mutex_held, 0);
    assert_int_equal(pn.alloc_failures, 0);
    assert_int_equal(pn.bad_frees, 0);
    assert_true(pn.blocks_in_use > 0);
    /* Destroyed: the arena is whole again. */
    axn_stack_destroy(a->st);
    a->st = NULL;
    assert_int_equal(pn.blocks_in_use, 0);
    assert_int_equal(pn.arena_used, 0);
    assert_int_equal(axn_port_none_free_bytes(&pn), free_at_start);
    assert_int_equal(pn.lock_errors, 0);
}

/* ---- CTL-19 with real threads: readers never see half a commit -------------------------- */

/* The k-th address the writer sets: 10.<k/256>.<k%256>.1/24, so every
 * round has its own address and its own connected route. */
#define RACE_ADDR(k)  AXN_IP4(10, (k) / 256u, (k) % 256u, 1)
#define RACE_INDEX(a) ((((a) >> 16) & 0xffu) * 256u + (((a) >> 8) & 0xffu))
#define RACE_MASK     0xffffff00u

static struct race {
    struct axn_stack *st;
    _Atomic bool done;
    _Atomic unsigned writer_errors;
} R;

static void *race_writer(void *arg)
{
    (void)arg;
    for (unsigned k = 0; k < RACE_ITERS; k++) {
        const axn_ip4_t a = RACE_ADDR(k);
        if (axn_ctl_set_ipv4(R.st, ETH0, a, PREFIX_24, T0) != 0)
            atomic_fetch_add(&R.writer_errors, 1);
        if (axn_ctl_remove_ipv4(R.st, ETH0, a, PREFIX_24, T0) != 0)
            atomic_fetch_add(&R.writer_errors, 1);
    }
    atomic_store(&R.done, true);
    return NULL;
}

/* Sentinel of the two helpers below: a list or snapshot that is wrong in
 * itself (two routes, a route not matching its source). */
#define RACE_BAD (-2l)

/* The connected route of ETH0 in a route list, as an address index, -1 if
 * none, RACE_BAD if there are two or it does not match its source. */
static long eth0_route(const struct axn_route_info *r, size_t n)
{
    long k = -1;
    for (size_t i = 0; i < n; i++) {
        if (r[i].ifindex != ETH0)
            continue;
        const axn_ip4_t a = r[i].source;
        if (k != -1 || r[i].prefix_len != PREFIX_24 || r[i].prefix != (a & RACE_MASK) ||
            a != RACE_ADDR(RACE_INDEX(a)))
            return RACE_BAD;
        k = (long)RACE_INDEX(a);
    }
    return k;
}

static long eth0_addr(const struct axn_iface_info *info)
{
    if (!info->has_ipv4)
        return -1;
    return info->prefix_len == PREFIX_24 ? (long)RACE_INDEX(info->addr) : RACE_BAD;
}

/* What one reader pass saw, checked after the writer is joined (a failed
 * assert must not leave the writer running into the teardown). */
struct race_seen {
    size_t reads, with_addr, torn, disordered;
    long torn_if, torn_rt;
};

/* One snapshot under the lock every query takes: the registry and the
 * routes agree exactly, or a commit was seen half done. */
static void read_snapshot(struct axn_stack *st, struct race_seen *seen)
{
    struct axn_route_info r[LIST_MAX];
    struct axn_iface_info info;
    struct axn_ctl *c = &st->ctl;
    const unsigned long irq = axn_ctl_lock(c);
    info = *axn_ctl_find_locked(c, ETH0);
    size_t n = 0;
    for (uint32_t i = 0; i < c->routes.count && n < LIST_MAX; i++, n++) {
        const struct axn_route_rule *rule = &c->routes.rules[i];
        r[n].ifindex = rule->ifindex;
        r[n].prefix = rule->prefix;
        r[n].prefix_len = rule->prefix_len;
        r[n].source = rule->source;
    }
    axn_ctl_unlock(c, irq);
    const long k_if = eth0_addr(&info);
    const long k_rt = eth0_route(r, n);
    if (k_if != k_rt || k_if == RACE_BAD) {
        if (seen->torn++ == 0) {
            seen->torn_if = k_if;
            seen->torn_rt = k_rt;
        }
    }
    seen->with_addr += info.has_ipv4;
}

/* Two public queries in a row see two moments; the writer's addresses only
 * grow, so the later look is never older than the earlier one. */
static void read_public(struct axn_stack *st, struct race_seen *seen)
{
    struct axn_route_info r[LIST_MAX];
    struct axn_iface_info info;
    bool bad = axn_ctl_interface_by_index(st, ETH0, &info) != 0;
    const long k_if = eth0_addr(&info);
    const long k_rt = eth0_route(r, axn_ctl_routes(st, r, LIST_MAX));
    bad = bad || axn_ctl_interface_by_index(st, ETH0, &info) != 0;
    const long k_if2 = eth0_addr(&info);
    bad = bad || k_if == RACE_BAD || k_rt == RACE_BAD || k_if2 == RACE_BAD;
    bad = bad || (k_if >= 0 && k_rt >= 0 && k_rt < k_if);
    bad = bad || (k_rt >= 0 && k_if2 >= 0 && k_if2 < k_rt);
    seen->disordered += bad;
}

static void commit_is_atomic_for_racing_readers(void **state)
{
    (void)state;
    static struct axn_platform plat;
    assert_int_equal(axn_port_posix_init(&plat, AXN_LOG_ERROR), 0);
    memset(&R, 0, sizeof(R));
    struct wire *w = new_wire();
    const int p = new_port(w);
    struct node *n = new_node_on(&plat);
    R.st = n->st;
    const struct axn_eth_driver *drv[1] = {&w->drv[p]};
    struct axn_iface_config ic = static_cfg(0, 0, 0, 0);
    ic.ipv4_mode = AXN_IPV4_NONE;
    ic.prefix_len = 0;
    const struct axn_net_config cfg = {.ifaces = &ic, .n_ifaces = 1};
    assert_int_equal(axn_stack_init_network(n->st, drv, 1, &cfg, T0), 0);

    pthread_t writer;
    assert_int_equal(pthread_create(&writer, NULL, race_writer, NULL), 0);
    struct race_seen seen = {0};
    while (!atomic_load(&R.done)) {
        read_snapshot(n->st, &seen);
        read_public(n->st, &seen);
        seen.reads++;
    }
    assert_int_equal(pthread_join(writer, NULL), 0);
    assert_int_equal(atomic_load(&R.writer_errors), 0);
    if (seen.torn > 0)
        fail_msg("%zu of %zu snapshots saw half a commit (first: address #%ld, route #%ld)",
                 seen.torn, seen.reads, seen.torn_if, seen.torn_rt);
    assert_int_equal(seen.disordered, 0);
    assert_true(seen.reads > 0);
    print_message("# %zu snapshots, %zu with the address\n", seen.reads, seen.with_addr);
    /* The writer's last step removed the address: both sides agree. */
    struct axn_iface_info info;
    assert_int_equal(axn_ctl_interface_by_index(n->st, ETH0, &info), 0);
    assert_false(info.has_ipv4);
    struct axn_route_info r[LIST_MAX];
    assert_int_equal(eth0_route(r, axn_ctl_routes(n->st, r, LIST_MAX)), -1);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(two_stacks_resolve_each_other_by_arp),
        T(dead_next_hop_does_not_block_traffic_to_live_one),
        T(counters_exact_after_scripted_exchange_on_both_stacks),
        T(route_selection_across_two_wires_follows_metric_and_link),
        T(route_selection_prefers_the_other_wire_when_its_metric_is_lower),
        T(source_aware_egress_never_leaves_by_the_other_wire),
        T(ten_static_interfaces_each_route_to_their_own_wire),
        T(stack_on_port_none_resolves_a_peer),
        T(commit_is_atomic_for_racing_readers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
