/*
 * The DHCPv4 client (src/svc/dhcp_client*.c, RFC 2131, RFC 5227 probe)
 * on the simulated wire in virtual time. Three stacks: a "server" stack at
 * 10.0.0.1/24 on which the TEST plays the DHCP server with a UDP socket on
 * port 67 (each test scripts it: answer, stay silent, NAK, change lease
 * times), a static stack at 10.0.0.50/24 that owns the address the
 * conflict test offers, and the client stack whose eth0 is AXN_IPV4_DHCP.
 *
 * What the client sends is read off the wire (an observer on the server's
 * port: every frame from the client's MAC), so bytes, addresses and times
 * are checked as they were transmitted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "axnet/dhcp.h"
#include "axnet/errno.h"
#include "axnet/netctl.h"
#include "axnet/socket.h"
#include "lib/byteorder.h"
#include "dhcp_world.h"
#include "sim_stacks.h"
#include "test_platform.h"
#include "wire/arp.h"
#include "wire/dhcp.h"
#include "wire/ethernet.h"
#include "wire/ipv4.h"
#include "wire/udp.h"

#define SRV_ADDR       AXN_IP4(10, 0, 0, 1)
#define OTHER_ADDR     AXN_IP4(10, 0, 0, 50) /* the conflict host */
#define OFFER_ADDR     AXN_IP4(10, 0, 0, 60)
#define OFFER2_ADDR    AXN_IP4(10, 0, 0, 61)
#define DNS1           AXN_IP4(10, 0, 0, 53)
#define DNS2           AXN_IP4(192, 0, 2, 53)
#define MASK24         AXN_IP4(255, 255, 255, 0)
#define BCAST          AXN_IP4(255, 255, 255, 255)
#define PREFIX         24u
#define ETH0           DHCP_WORLD_ETH0
#define T0             DHCP_WORLD_T0
#define WIRE_DELAY     DHCP_WORLD_WIRE_DELAY
#define STEP           AXN_MSEC(20)
#define LEASE          600u /* T1 300 s, T2 525 s */
#define MTU_OPT        1400u
#define MTU_OPT2       1480u /* a later lease's, still below the link's */
#define LINK_MTU       1500u /* the simulated Ethernet device's */
#define HOSTNAME       "axn-client"
#define N_PORTS        3u
#define SRV            0u
#define OTHER          1u
#define CLI            2u
#define MAX_SEEN       64u
#define MAX_DHCP       600u
#define MAX_FRAME      1600u
#define SECS_1         AXN_SEC(1)
#define BIND_SPAN      AXN_SEC(5)
#define EXPECT_PARAMS  "\x01\x03\x06\x0f\x1a\x1c\x33\x3a\x3b\x2a"
#define N_PARAMS       10u
#define DHCPC_NAK_WAIT 1000u /* the client's wait after a NAK (dhcp_client.h) */

/* What a reply of the test server carries. */
struct reply_opts {
    axn_ip4_t yiaddr;
    axn_ip4_t mask;   /* 0: no option 1 */
    axn_ip4_t router; /* 0: none */
    axn_ip4_t server_id;
    uint32_t lease; /* 0: no option 51 */
    uint32_t t1, t2;
    uint16_t mtu;
    uint32_t xid_xor;
    bool bad_chaddr;
};

/* How the test server answers. */
struct policy {
    bool silent;
    unsigned skip_discovers; /* leave this many DISCOVERs unanswered */
    unsigned skip_requests;  /* and this many REQUESTs */
    bool nak;                /* NAK every REQUEST */
    bool offer_only;         /* never answer a REQUEST */
    struct reply_opts o;
};

/* One DHCP message the client put on the wire. */
struct seen_dhcp {
    axn_time_t at;
    bool l2_bcast;
    axn_ip4_t src, dst;
    uint8_t raw[MAX_DHCP];
    size_t len;
};

struct seen_arp {
    axn_time_t at;
    struct axn_arp arp;
};

static struct {
    struct sim_stacks sim;
    struct axn_socket *srv;
    struct policy pol;
    struct seen_dhcp dhcp[MAX_SEEN];
    size_t n_dhcp;
    struct seen_arp arp[MAX_SEEN];
    size_t n_arp;
    unsigned discovers_seen, requests_seen;
    struct axn_arp defence; /* the conflict host's last ARP reply to the client */
    size_t n_defence;
} W;

/* ---- The wire observer -------------------------------------------------------------------- */

static void log_dhcp(axn_time_t at, const uint8_t *frame, size_t len)
{
    /* A datagram with a bad checksum is not logged: the checks that
     * count messages fail on it. */
    struct dhcp_pkt_in in;
    if (!dhcp_pkt_parse(frame, len, &in))
        return;
    const struct axn_udp *udp = &in.udp;
    if (udp->dst_port != AXN_DHCP_SERVER_PORT || W.n_dhcp == MAX_SEEN)
        return;
    struct seen_dhcp *s = &W.dhcp[W.n_dhcp++];
    assert_true(udp->payload_len <= sizeof(s->raw));
    assert_int_equal(udp->src_port, AXN_DHCP_CLIENT_PORT);
    s->at = at;
    s->l2_bcast =
        axn_mac_equal(&in.eth.dst, &(struct axn_mac){{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}});
    s->src = in.ip.src;
    s->dst = in.ip.dst;
    memcpy(s->raw, udp->payload, udp->payload_len);
    s->len = udp->payload_len;
}

/* Every frame the client sends reaches the server's port: log it there. */
static void observe(void *ctx, int port, axn_time_t at, const uint8_t *frame, size_t len)
{
    (void)ctx;
    struct axn_eth e;
    if (port == (int)CLI && axn_eth_parse(frame, len, &e) == 0 &&
        axn_mac_equal(&e.src, &W.sim.mac[OTHER]) && e.ethertype == AXN_ETHERTYPE_ARP) {
        struct axn_arp a;
        assert_int_equal(axn_arp_parse(e.payload, e.payload_len, &a), 0);
        if (a.op == AXN_ARP_OP_REPLY) {
            W.defence = a;
            W.n_defence++;
        }
    }
    if (port != (int)SRV || axn_eth_parse(frame, len, &e) < 0 ||
        !axn_mac_equal(&e.src, &W.sim.mac[CLI]))
        return;
    if (e.ethertype == AXN_ETHERTYPE_IPV4) {
        log_dhcp(at, frame, len);
    } else if (e.ethertype == AXN_ETHERTYPE_ARP && W.n_arp < MAX_SEEN) {
        W.arp[W.n_arp].at = at;
        assert_int_equal(axn_arp_parse(e.payload, e.payload_len, &W.arp[W.n_arp].arp), 0);
        W.n_arp++;
    }
}

/* The i-th DHCP message seen, parsed (points into W.dhcp[i].raw). */
static struct axn_dhcp_msg seen(size_t i)
{
    struct axn_dhcp_msg m;
    assert_true(i < W.n_dhcp);
    assert_int_equal(axn_dhcp_parse(W.dhcp[i].raw, W.dhcp[i].len, &m), 0);
    return m;
}

/* Index of the first DHCP message of `type` at or after `from`, or -1. */
static int find_type(uint8_t type, size_t from)
{
    for (size_t i = from; i < W.n_dhcp; i++)
        if (seen(i).msg_type == type)
            return (int)i;
    return -1;
}

static size_t count_type(uint8_t type)
{
    size_t n = 0;
    for (size_t i = 0; i < W.n_dhcp; i++)
        n += seen(i).msg_type == type;
    return n;
}

/* ---- The test's DHCP server ------------------------------------------------------------- */

static struct reply_opts default_opts(void)
{
    return (struct reply_opts){.yiaddr = OFFER_ADDR,
                               .mask = MASK24,
                               .router = SRV_ADDR,
                               .server_id = SRV_ADDR,
                               .lease = LEASE,
                               .mtu = MTU_OPT};
}

static void srv_send(uint8_t type, const struct axn_dhcp_msg *req, const struct reply_opts *o,
                     axn_ip4_t dst)
{
    struct axn_dhcp_msg m;
    dhcp_pkt_reply(&m, type, req->xid ^ o->xid_xor, req->chaddr);
    if (o->bad_chaddr)
        m.chaddr[5] ^= 1;
    if (o->server_id != 0) {
        m.present |= AXN_DHCP_HAS_SERVER_ID;
        m.server_id = o->server_id;
    }
    if (type != AXN_DHCP_NAK) {
        m.yiaddr = o->yiaddr;
        m.present |= AXN_DHCP_HAS_DNS;
        m.dns[0] = DNS1;
        m.dns[1] = AXN_IP4(224, 0, 0, 1); /* dropped by the client */
        m.dns[2] = DNS2;
        m.dns_count = 3;
        m.present |= (o->mask ? AXN_DHCP_HAS_SUBNET_MASK : 0) |
                     (o->router ? AXN_DHCP_HAS_ROUTER : 0) |
                     (o->lease ? AXN_DHCP_HAS_LEASE_TIME : 0) | (o->t1 ? AXN_DHCP_HAS_T1 : 0) |
                     (o->t2 ? AXN_DHCP_HAS_T2 : 0) | (o->mtu ? AXN_DHCP_HAS_MTU : 0);
        m.subnet_mask = o->mask;
        m.router = o->router;
        m.lease_time = o->lease;
        m.t1 = o->t1;
        m.t2 = o->t2;
        m.mtu = o->mtu;
    }
    uint8_t buf[MAX_DHCP];
    const int n = axn_dhcp_emit(&m, buf, sizeof(buf));
    assert_true(n > 0);
    assert_int_equal(sim_sendto4(W.srv, buf, (size_t)n, dst, AXN_DHCP_CLIENT_PORT), n);
    W.sim.next[SRV] = W.sim.now; /* the server stack sends it at once */
}

/* RFC 2131 4.1: to ciaddr when the client has one, else broadcast. */
static void srv_answer(const struct axn_dhcp_msg *req)
{
    struct policy *p = &W.pol;
    const axn_ip4_t dst = req->ciaddr != 0 ? req->ciaddr : BCAST;
    if (req->msg_type == AXN_DHCP_DISCOVER) {
        if (W.discovers_seen++ >= p->skip_discovers)
            srv_send(AXN_DHCP_OFFER, req, &p->o, BCAST);
    } else if (req->msg_type == AXN_DHCP_REQUEST && !p->offer_only) {
        if (W.requests_seen++ < p->skip_requests)
            return;
        if (p->nak)
            srv_send(AXN_DHCP_NAK, req, &p->o, BCAST);
        else
            srv_send(AXN_DHCP_ACK, req, &p->o, dst);
    }
}

static void srv_drain(void)
{
    uint8_t buf[MAX_FRAME];
    struct axn_sockaddr_in from;
    long n;
    while ((n = sim_recvfrom4(W.srv, buf, sizeof(buf), 0, &from)) > 0) {
        struct axn_dhcp_msg m;
        if (axn_dhcp_parse(buf, (size_t)n, &m) == 0 && !W.pol.silent)
            srv_answer(&m);
    }
}

/* Runs the world `span` further, the server answering as it goes. */
static void serve(axn_time_t span)
{
    const axn_time_t end = W.sim.now + span;
    while (W.sim.now < end) {
        const axn_time_t next = W.sim.now + STEP < end ? W.sim.now + STEP : end;
        sim_stacks_run_until(&W.sim, next);
        srv_drain();
    }
}

/* Runs (serving) until the next event of the stacks, then past it by a
 * step: long silent stretches in few iterations. */
static void serve_until(axn_time_t t)
{
    while (W.sim.now < t) {
        axn_time_t next = sim_stacks_next_event(&W.sim);
        if (next > t)
            next = t;
        if (next > W.sim.now + STEP)
            sim_stacks_run_until(&W.sim, next - STEP);
        serve(W.sim.now + STEP < t ? STEP : t - W.sim.now);
    }
}

/* ---- Reading the client ------------------------------------------------------------------ */

static struct axn_dhcp_lease_info info(void)
{
    return dhcp_world_client(W.sim.st[CLI]);
}

static struct axn_iface_info iface(void)
{
    return dhcp_world_iface(W.sim.st[CLI]);
}

static bool has_default_route(axn_ip4_t via)
{
    struct axn_route_info r[16];
    const size_t n = axn_ctl_routes(W.sim.st[CLI], r, 16);
    for (size_t i = 0; i < n && i < 16; i++)
        if (r[i].prefix_len == 0 && r[i].has_via && r[i].via == via && r[i].ifindex == ETH0)
            return true;
    return false;
}

static bool has_dns(axn_ip4_t server)
{
    axn_ip4_t d[16];
    const size_t n = axn_ctl_dns_servers(W.sim.st[CLI], d, 16);
    for (size_t i = 0; i < n && i < 16; i++)
        if (d[i] == server)
            return true;
    return false;
}

static void run_until_state(enum axn_dhcp_client_state st, axn_time_t span)
{
    const axn_time_t end = W.sim.now + span;
    while (W.sim.now < end && info().state != st)
        serve(STEP);
    assert_int_equal(info().state, st);
}

/* The option bytes of `code` in the i-th message (gathered). */
static int opt_bytes(size_t i, uint8_t code, uint8_t *out, size_t cap)
{
    const struct axn_dhcp_msg m = seen(i);
    return axn_dhcp_opt_gather(&m, code, out, cap);
}

/* ---- World -------------------------------------------------------------------------------- */

static int setup(void **state)
{
    (void)state;
    memset(&W, 0, sizeof(W));
    dhcp_world_create(&W.sim, N_PORTS, observe);
    assert_int_equal(sim_stacks_add_node(&W.sim, (int)SRV, SRV_ADDR, PREFIX), SRV);
    assert_int_equal(sim_stacks_add_node(&W.sim, (int)OTHER, OTHER_ADDR, PREFIX), OTHER);
    assert_int_equal(sim_stacks_add_dhcp_node(&W.sim, (int)CLI), CLI);
    assert_int_equal(axn_dhcp_set_hostname(W.sim.st[CLI], HOSTNAME), 0);
    assert_int_equal(axn_socket(W.sim.st[SRV], AXN_AF_INET, AXN_SOCK_DGRAM, 0, &W.srv), 0);
    assert_int_equal(sim_set_int(W.srv, AXN_SOL_SOCKET, AXN_SO_BROADCAST, 1), 0);
    assert_int_equal(sim_bind4(W.srv, 0, AXN_DHCP_SERVER_PORT), 0);
    W.pol.o = default_opts();
    sim_stacks_poll_all(&W.sim); /* the client starts: DISCOVER */
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return sim_stacks_teardown(&W.sim, &W.srv, 1);
}

/* Bound to OFFER_ADDR with the default options; returns when. */
static axn_time_t boot(void)
{
    run_until_state(AXN_DHCPC_BOUND, BIND_SPAN);
    assert_int_equal(info().addr, OFFER_ADDR);
    return W.sim.now;
}

/* ---- Checks on what the client sent ------------------------------------------------------ */

/* RFC 2131 2 / DHCP-3: the fixed fields and the client identifier. */
static void check_header(size_t i, uint8_t type)
{
    const struct axn_dhcp_msg m = seen(i);
    assert_int_equal(m.op, AXN_DHCP_OP_REQUEST);
    assert_int_equal(m.htype, AXN_DHCP_HTYPE_ETHER);
    assert_int_equal(m.hlen, AXN_MAC_LEN);
    assert_int_equal(m.hops, 0);
    assert_int_equal(m.flags, 0);
    assert_int_equal(m.yiaddr, 0);
    assert_int_equal(m.siaddr, 0);
    assert_int_equal(m.giaddr, 0);
    assert_memory_equal(m.chaddr, W.sim.mac[CLI].b, AXN_MAC_LEN);
    assert_int_equal(m.msg_type, type);
    uint8_t cid[16];
    assert_int_equal(opt_bytes(i, AXN_DHCP_OPT_CLIENT_ID, cid, sizeof(cid)), 1 + AXN_MAC_LEN);
    assert_int_equal(cid[0], AXN_DHCP_HTYPE_ETHER);
    assert_memory_equal(cid + 1, W.sim.mac[CLI].b, AXN_MAC_LEN);
}

/* DISCOVER and REQUEST: options 55, 57 and 12. */
static void check_asks(size_t i)
{
    uint8_t b[64];
    assert_int_equal(opt_bytes(i, AXN_DHCP_OPT_PARAM_LIST, b, sizeof(b)), N_PARAMS);
    assert_memory_equal(b, EXPECT_PARAMS, N_PARAMS);
    const struct axn_dhcp_msg m = seen(i);
    assert_true(m.present & AXN_DHCP_HAS_MAX_MSG_SIZE);
    assert_int_equal(m.max_msg_size, AXN_DHCP_MAX_MSG_SIZE);
    assert_int_equal(opt_bytes(i, AXN_DHCP_OPT_HOSTNAME, b, sizeof(b)), strlen(HOSTNAME));
    assert_memory_equal(b, HOSTNAME, strlen(HOSTNAME));
}

static void check_broadcast_from_nowhere(size_t i)
{
    assert_true(W.dhcp[i].l2_bcast);
    assert_int_equal(W.dhcp[i].src, 0);
    assert_int_equal(W.dhcp[i].dst, BCAST);
}

static bool has(size_t i, uint32_t bit)
{
    return (seen(i).present & bit) != 0;
}

/* ARP probes (sender IP 0) for `ip` seen, their times in at[] (at most max). */
static size_t probes_for(axn_ip4_t ip, axn_time_t *at, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < W.n_arp; i++) {
        const struct axn_arp *a = &W.arp[i].arp;
        if (a->op == AXN_ARP_OP_REQUEST && a->sender_ip == 0 && a->target_ip == ip) {
            if (n < max)
                at[n] = W.arp[i].at;
            n++;
        }
    }
    return n;
}

static size_t announcements_for(axn_ip4_t ip, axn_time_t *at, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < W.n_arp; i++) {
        const struct axn_arp *a = &W.arp[i].arp;
        if (a->op == AXN_ARP_OP_REQUEST && a->sender_ip == ip && a->target_ip == ip) {
            if (n < max)
                at[n] = W.arp[i].at;
            n++;
        }
    }
    return n;
}

static void assert_between(axn_time_t v, axn_time_t lo, axn_time_t hi)
{
    assert_true(v >= lo);
    assert_true(v <= hi);
}

/* ---- Tests ------------------------------------------------------------------------------- */

static void check_boot_messages(void)
{
    assert_int_equal(W.n_dhcp, 2);
    check_header(0, AXN_DHCP_DISCOVER);
    check_asks(0);
    check_broadcast_from_nowhere(0);
    assert_int_equal(W.dhcp[0].at, T0 + WIRE_DELAY);
    assert_int_equal(seen(0).ciaddr, 0);
    assert_false(has(0, AXN_DHCP_HAS_REQUESTED_IP) || has(0, AXN_DHCP_HAS_SERVER_ID));
    check_header(1, AXN_DHCP_REQUEST);
    check_asks(1);
    check_broadcast_from_nowhere(1);
    assert_int_equal(seen(1).ciaddr, 0);
    assert_int_equal(seen(1).requested_ip, OFFER_ADDR);
    assert_int_equal(seen(1).server_id, SRV_ADDR);
    assert_int_equal(seen(1).xid, seen(0).xid);
    assert_int_equal(seen(1).secs, seen(0).secs);
}

/* RFC 5227: PROBE_NUM probes from 0.0.0.0, PROBE_MIN..MAX apart, after a
 * random 0..PROBE_WAIT; the address is set (and announced by the device)
 * ANNOUNCE_WAIT after the last; our announcement ANNOUNCE_INTERVAL later. */
static void check_probe_and_announcements(void)
{
    axn_time_t p[4], a[4];
    assert_int_equal(probes_for(OFFER_ADDR, p, 4), AXN_DHCP_PROBE_NUM);
    assert_between(p[0], W.dhcp[1].at, W.dhcp[1].at + AXN_MSEC(AXN_DHCP_PROBE_WAIT_MS + 1));
    for (unsigned i = 1; i < AXN_DHCP_PROBE_NUM; i++)
        assert_between(p[i] - p[i - 1], AXN_MSEC(AXN_DHCP_PROBE_MIN_MS),
                       AXN_MSEC(AXN_DHCP_PROBE_MAX_MS));
    assert_int_equal(announcements_for(OFFER_ADDR, a, 4), 2);
    assert_int_equal(a[0] - p[AXN_DHCP_PROBE_NUM - 1], AXN_MSEC(AXN_DHCP_ANNOUNCE_WAIT_MS));
    assert_int_equal(a[1] - a[0], AXN_SEC(2));
}

static void check_lease_info(void)
{
    const struct axn_dhcp_lease_info li = info();
    assert_true(li.has_lease);
    assert_int_equal(li.prefix_len, PREFIX);
    assert_int_equal(li.router, SRV_ADDR);
    assert_int_equal(li.server, SRV_ADDR);
    assert_int_equal(li.n_dns, 2); /* 224.0.0.1 dropped */
    assert_int_equal(li.dns[0], DNS1);
    assert_int_equal(li.dns[1], DNS2);
    assert_int_equal(li.mtu, MTU_OPT);
    assert_int_equal(li.lease_secs, LEASE);
    /* RFC 2131 4.4.1: the lease counts from the REQUEST. */
    assert_int_equal(li.obtained, W.dhcp[1].at - WIRE_DELAY);
    assert_int_equal(li.t1 - li.obtained, AXN_SEC(LEASE / 2));
    assert_int_equal(li.t2 - li.obtained, AXN_SEC(LEASE) * 7 / 8);
    assert_int_equal(li.expires - li.obtained, AXN_SEC(LEASE));
    assert_int_equal(li.stats.discovers, 1);
    assert_int_equal(li.stats.requests, 1);
    assert_int_equal(li.stats.offers, 1);
    assert_int_equal(li.stats.acks, 1);
    assert_int_equal(li.stats.rx_ignored, 0);
}

/* DISCOVER / OFFER / REQUEST / ACK, bytes checked; the probe; what the
 * control plane shows once bound. */
static void test_full_boot(void **state)
{
    (void)state;
    const uint32_t mtu0 = iface().mtu;
    assert_false(axn_dhcp_configured(W.sim.st[CLI]));
    assert_int_equal(info().state, AXN_DHCPC_SELECTING);
    boot();
    /* Next: our announcement, ANNOUNCE_INTERVAL after binding. */
    assert_true(info().next_event < info().t1);
    check_boot_messages();
    check_lease_info();
    const struct axn_iface_info ii = iface();
    assert_true(ii.has_ipv4);
    assert_int_equal(ii.addr, OFFER_ADDR);
    assert_int_equal(ii.prefix_len, PREFIX);
    assert_int_equal(ii.gateway, SRV_ADDR);
    assert_int_equal(ii.mtu, MTU_OPT);
    assert_true(mtu0 > MTU_OPT);
    assert_true(has_default_route(SRV_ADDR));
    assert_true(has_dns(DNS1) && has_dns(DNS2));
    assert_true(axn_dhcp_configured(W.sim.st[CLI]));
    serve(AXN_SEC(3));
    check_probe_and_announcements();
    assert_int_equal(info().next_event, info().t1);
}

/* T1: a unicast REQUEST to the server with ciaddr, no 50/54; the ACK
 * extends the lease from the REQUEST's time. */
static void test_renew_at_t1(void **state)
{
    (void)state;
    boot();
    const struct axn_dhcp_lease_info before = info();
    const size_t n0 = W.n_dhcp;
    serve_until(before.t1 - SECS_1);
    assert_int_equal(W.n_dhcp, n0);
    serve_until(before.t1 + SECS_1);
    const int i = find_type(AXN_DHCP_REQUEST, n0);
    assert_true(i >= 0);
    assert_between(W.dhcp[i].at, before.t1, before.t1 + AXN_MSEC(10));
    assert_false(W.dhcp[i].l2_bcast);
    assert_int_equal(W.dhcp[i].src, OFFER_ADDR);
    assert_int_equal(W.dhcp[i].dst, SRV_ADDR);
    check_header((size_t)i, AXN_DHCP_REQUEST);
    assert_int_equal(seen((size_t)i).ciaddr, OFFER_ADDR);
    assert_false(has((size_t)i, AXN_DHCP_HAS_REQUESTED_IP));
    assert_false(has((size_t)i, AXN_DHCP_HAS_SERVER_ID));
    assert_int_not_equal(seen((size_t)i).xid, seen(0).xid);
    const struct axn_dhcp_lease_info after = info();
    assert_int_equal(after.state, AXN_DHCPC_BOUND);
    assert_int_equal(after.stats.renewals, 1);
    assert_int_equal(after.obtained, before.t1);
    assert_int_equal(after.t1, before.t1 + AXN_SEC(LEASE / 2));
    assert_int_equal(after.expires, before.t1 + AXN_SEC(LEASE));
    assert_true(iface().has_ipv4);
}

/* A renewal ACK with other parameters is committed; one with another
 * address drops the old one and probes the new one (RFC 2131 4.4.5). */
static void test_renew_changes(void **state)
{
    (void)state;
    boot();
    const axn_ip4_t router2 = AXN_IP4(10, 0, 0, 2);
    W.pol.o.router = router2;
    serve_until(info().t1 + SECS_1);
    assert_int_equal(info().state, AXN_DHCPC_BOUND);
    assert_int_equal(info().stats.renewals, 1);
    assert_true(has_default_route(router2));
    assert_false(has_default_route(SRV_ADDR));
    assert_int_equal(iface().gateway, router2);
    W.pol.o.yiaddr = OFFER2_ADDR;
    serve_until(info().t1 + SECS_1);
    assert_int_equal(info().stats.acks, 3);
    assert_int_equal(info().stats.renewals, 1); /* a new lease, not a renewal */
    run_until_state(AXN_DHCPC_BOUND, BIND_SPAN);
    axn_time_t p[4];
    assert_int_equal(probes_for(OFFER2_ADDR, p, 4), AXN_DHCP_PROBE_NUM);
    assert_int_equal(info().addr, OFFER2_ADDR);
    assert_int_equal(iface().addr, OFFER2_ADDR);
    assert_true(has_default_route(router2));
}

/* The server goes silent: RENEWING retransmits at half the time to T2
 * (at least 60 s, never past T2), then REBINDING broadcasts at T2; any
 * server may answer it. */
static void test_rebind_at_t2(void **state)
{
    (void)state;
    boot();
    const struct axn_dhcp_lease_info li = info();
    const size_t n0 = W.n_dhcp;
    W.pol.silent = true;
    serve_until(li.t2 - SECS_1);
    assert_int_equal(info().state, AXN_DHCPC_RENEWING);
    /* T1 = 300 s, T2 = 525 s: at T1, T1 + 112.5 s, T1 + 172.5 s. */
    const axn_time_t want[] = {li.t1, li.t1 + AXN_MSEC(112500), li.t1 + AXN_MSEC(172500)};
    assert_int_equal(W.n_dhcp - n0, 3);
    for (size_t k = 0; k < 3; k++) {
        assert_false(W.dhcp[n0 + k].l2_bcast);
        assert_between(W.dhcp[n0 + k].at, want[k], want[k] + AXN_MSEC(10));
    }
    W.pol.silent = false;
    serve_until(li.t2 + SECS_1);
    const size_t r = n0 + 3;
    assert_true(W.n_dhcp > r);
    assert_between(W.dhcp[r].at, li.t2, li.t2 + AXN_MSEC(1));
    check_header(r, AXN_DHCP_REQUEST);
    assert_true(W.dhcp[r].l2_bcast);
    assert_int_equal(W.dhcp[r].src, OFFER_ADDR);
    assert_int_equal(W.dhcp[r].dst, BCAST);
    assert_int_equal(seen(r).ciaddr, OFFER_ADDR);
    assert_false(has(r, AXN_DHCP_HAS_REQUESTED_IP) || has(r, AXN_DHCP_HAS_SERVER_ID));
    assert_int_equal(info().state, AXN_DHCPC_BOUND);
    assert_int_equal(info().stats.renewals, 1);
    assert_int_equal(info().obtained, li.t2); /* the REQUEST that was answered */
}

/* Nobody answers: at expiry address, default route and DNS go, the MTU
 * returns, and DISCOVER starts again with a new xid. */
static void test_expiry(void **state)
{
    (void)state;
    const uint32_t mtu0 = iface().mtu;
    boot();
    const struct axn_dhcp_lease_info li = info();
    W.pol.silent = true;
    serve_until(li.expires - SECS_1);
    assert_int_equal(info().state, AXN_DHCPC_REBINDING);
    assert_true(iface().has_ipv4);
    const size_t n0 = W.n_dhcp;
    serve_until(li.expires + SECS_1);
    const struct axn_iface_info ii = iface();
    assert_false(ii.has_ipv4);
    assert_int_equal(ii.mtu, mtu0);
    assert_false(has_default_route(SRV_ADDR));
    assert_false(has_dns(DNS1) || has_dns(DNS2));
    assert_false(axn_dhcp_configured(W.sim.st[CLI]));
    const int d = find_type(AXN_DHCP_DISCOVER, n0);
    assert_true(d >= 0);
    assert_between(W.dhcp[d].at, li.expires, li.expires + AXN_MSEC(1));
    assert_int_not_equal(seen((size_t)d).xid, seen(0).xid);
    assert_int_equal(info().state, AXN_DHCPC_SELECTING);
    assert_int_equal(info().stats.expiries, 1);
    assert_false(info().has_lease);
    /* And the server back: a new lease. */
    W.pol.silent = false;
    run_until_state(AXN_DHCPC_BOUND, AXN_SEC(10));
}

/* A NAK in REQUESTING: back to INIT, DISCOVER after the short wait. */
static void test_nak_requesting(void **state)
{
    (void)state;
    W.pol.nak = true;
    serve(AXN_MSEC(100));
    struct axn_dhcp_lease_info li = info();
    assert_int_equal(li.state, AXN_DHCPC_INIT);
    assert_int_equal(li.stats.naks, 1);
    assert_false(li.has_lease);
    const axn_time_t nak_at = W.dhcp[1].at;
    W.pol.nak = false;
    serve(AXN_SEC(2));
    const int d = find_type(AXN_DHCP_DISCOVER, 2);
    assert_true(d >= 0);
    /* The test server answers within a STEP of the REQUEST. */
    assert_between(W.dhcp[d].at, nak_at + AXN_MSEC(DHCPC_NAK_WAIT),
                   nak_at + AXN_MSEC(DHCPC_NAK_WAIT) + STEP + AXN_MSEC(1));
    assert_int_not_equal(seen((size_t)d).xid, seen(0).xid);
    run_until_state(AXN_DHCPC_BOUND, BIND_SPAN);
}

/* A NAK in RENEWING drops the address at once. */
static void test_nak_renewing(void **state)
{
    (void)state;
    boot();
    const struct axn_dhcp_lease_info li = info();
    W.pol.nak = true;
    serve_until(li.t1 + AXN_MSEC(100));
    assert_int_equal(info().stats.naks, 1);
    assert_int_equal(info().state, AXN_DHCPC_INIT);
    assert_false(iface().has_ipv4);
    assert_false(has_default_route(SRV_ADDR));
    assert_false(has_dns(DNS1));
    const size_t n0 = W.n_dhcp;
    serve(AXN_SEC(2));
    assert_true(find_type(AXN_DHCP_DISCOVER, n0) >= 0);
}

/* RFC 2131 4.1: lost OFFERs: DISCOVER again after 4, 8, 16 s, each +-1 s. */
static void test_lost_offers(void **state)
{
    (void)state;
    W.pol.skip_discovers = 3;
    /* The host name is read at every send. */
    assert_int_equal(axn_dhcp_set_hostname(W.sim.st[CLI], "renamed"), 0);
    run_until_state(AXN_DHCPC_BOUND, AXN_SEC(40));
    uint8_t name[16];
    assert_int_equal(opt_bytes(1, AXN_DHCP_OPT_HOSTNAME, name, sizeof(name)), strlen("renamed"));
    assert_memory_equal(name, "renamed", strlen("renamed"));
    assert_int_equal(count_type(AXN_DHCP_DISCOVER), 4);
    axn_time_t base = AXN_DHCP_RETX_FIRST_MS;
    for (size_t i = 1; i < 4; i++, base *= 2)
        assert_between(W.dhcp[i].at - W.dhcp[i - 1].at, AXN_MSEC(base - AXN_DHCP_RETX_JITTER_MS),
                       AXN_MSEC(base + AXN_DHCP_RETX_JITTER_MS));
    assert_int_equal(info().stats.discovers, 4);
    /* secs counts from the first DISCOVER. */
    assert_int_equal(seen(3).secs, (W.dhcp[3].at - W.dhcp[0].at) / AXN_USEC_PER_SEC);
}

/* Lost ACKs: the REQUEST is sent again after 4 then 8 s (+-1 s). */
static void test_lost_acks(void **state)
{
    (void)state;
    W.pol.skip_requests = 2;
    run_until_state(AXN_DHCPC_BOUND, AXN_SEC(30));
    assert_int_equal(count_type(AXN_DHCP_REQUEST), 3);
    assert_between(W.dhcp[2].at - W.dhcp[1].at, AXN_SEC(3), AXN_SEC(5));
    assert_between(W.dhcp[3].at - W.dhcp[2].at, AXN_SEC(7), AXN_SEC(9));
    assert_int_equal(seen(3).xid, seen(1).xid);
    assert_int_equal(info().stats.requests, 3);
}

/* A REQUEST never answered: after AXN_DHCP_REQUEST_TRIES, DISCOVER again. */
static void test_request_never_answered(void **state)
{
    (void)state;
    W.pol.offer_only = true;
    serve(AXN_SEC(80));
    size_t i = 1;
    for (; i <= AXN_DHCP_REQUEST_TRIES; i++)
        assert_int_equal(seen(i).msg_type, AXN_DHCP_REQUEST);
    assert_int_equal(seen(i).msg_type, AXN_DHCP_DISCOVER);
    assert_int_not_equal(seen(i).xid, seen(0).xid);
    /* 4 + 8 + 16 s between the REQUESTs, then 32 s (all +-1 s). */
    assert_between(W.dhcp[i].at - W.dhcp[i - 1].at, AXN_SEC(31), AXN_SEC(33));
    assert_true(info().stats.request_giveups >= 1);
}

/* The offered address is in use (the static stack has it and answers the
 * probe): DHCPDECLINE, wait, a new DISCOVER, another address. */
static void test_conflict_decline(void **state)
{
    (void)state;
    W.pol.o.yiaddr = OTHER_ADDR;
    serve(AXN_SEC(2));
    const int k = find_type(AXN_DHCP_DECLINE, 0);
    assert_true(k >= 0);
    const size_t i = (size_t)k;
    check_header(i, AXN_DHCP_DECLINE);
    check_broadcast_from_nowhere(i);
    assert_int_equal(seen(i).ciaddr, 0);
    assert_int_equal(seen(i).requested_ip, OTHER_ADDR);
    assert_int_equal(seen(i).server_id, SRV_ADDR);
    assert_false(has(i, AXN_DHCP_HAS_PARAM_LIST) || has(i, AXN_DHCP_HAS_MAX_MSG_SIZE) ||
                 has(i, AXN_DHCP_HAS_HOSTNAME));
    axn_time_t p[4];
    assert_true(probes_for(OTHER_ADDR, p, 4) >= 1);
    /* The owner answered the probe (RFC 5227 2.1.1), to the prober only. */
    assert_int_equal(W.n_defence, 1);
    assert_int_equal(W.defence.op, AXN_ARP_OP_REPLY);
    assert_int_equal(W.defence.sender_ip, OTHER_ADDR);
    assert_int_equal(W.defence.target_ip, 0);
    assert_true(axn_mac_equal(&W.defence.target_mac, &W.sim.mac[CLI]));
    struct axn_dhcp_lease_info li = info();
    assert_int_equal(li.state, AXN_DHCPC_INIT);
    assert_int_equal(li.stats.conflicts, 1);
    assert_int_equal(li.stats.declines, 1);
    assert_false(iface().has_ipv4);
    W.pol.o.yiaddr = OFFER2_ADDR;
    run_until_state(AXN_DHCPC_BOUND, AXN_SEC(15));
    assert_int_equal(info().addr, OFFER2_ADDR);
    const int d = find_type(AXN_DHCP_DISCOVER, i);
    assert_true(d >= 0);
    assert_between(W.dhcp[d].at - W.dhcp[i].at, AXN_MSEC(AXN_DHCP_DECLINE_WAIT_MS),
                   AXN_MSEC(AXN_DHCP_DECLINE_WAIT_MS + 10));
    assert_int_not_equal(seen((size_t)d).xid, seen(0).xid);
}

static void check_release(size_t i)
{
    check_header(i, AXN_DHCP_RELEASE);
    assert_int_equal(seen(i).ciaddr, OFFER_ADDR);
    assert_int_equal(seen(i).server_id, SRV_ADDR);
    assert_false(has(i, AXN_DHCP_HAS_REQUESTED_IP) || has(i, AXN_DHCP_HAS_PARAM_LIST));
    assert_int_equal(W.dhcp[i].src, OFFER_ADDR);
    assert_int_equal(W.dhcp[i].dst, SRV_ADDR);
}

/* axn_dhcp_client_release: DHCPRELEASE, then no address and no client. */
static void test_release_api(void **state)
{
    (void)state;
    boot();
    const size_t n0 = W.n_dhcp;
    assert_int_equal(axn_dhcp_client_release(W.sim.st[CLI], ETH0), 0);
    serve(AXN_MSEC(100));
    assert_int_equal(W.n_dhcp, n0 + 1);
    check_release(n0);
    assert_false(iface().has_ipv4);
    assert_false(has_default_route(SRV_ADDR));
    assert_false(has_dns(DNS1));
    struct axn_dhcp_lease_info li;
    assert_int_equal(axn_dhcp_client_info(W.sim.st[CLI], ETH0, &li), -AXN_ENOENT);
    serve(AXN_SEC(20));
    assert_int_equal(W.n_dhcp, n0 + 1); /* stopped: no DISCOVER */
    assert_int_equal(axn_dhcp_client_release(W.sim.st[CLI], ETH0), -AXN_ENOENT);
}

/* axn_stack_destroy releases the lease too. */
static void test_release_on_destroy(void **state)
{
    (void)state;
    boot();
    const size_t n0 = W.n_dhcp;
    axn_stack_destroy(W.sim.st[CLI]);
    W.sim.st[CLI] = NULL;
    W.sim.n_nodes = CLI; /* the others run on */
    sim_stacks_run_until(&W.sim, W.sim.now + AXN_MSEC(10));
    assert_int_equal(W.n_dhcp, n0 + 1);
    check_release(n0);
}

/* INIT-REBOOT (RFC 2131 3.2): REQUEST broadcast with requested-IP, no
 * server id, ciaddr 0; the ACK is probed and bound. */
static void test_init_reboot_ack(void **state)
{
    (void)state;
    W.pol.skip_discovers = 1; /* the DISCOVER the client sent at start */
    struct axn_stack *st = W.sim.st[CLI];
    assert_int_equal(axn_dhcp_client_set_previous(st, ETH0, AXN_IP4(224, 0, 0, 1)), -AXN_EINVAL);
    assert_int_equal(axn_dhcp_client_set_previous(st, ETH0, OFFER2_ADDR), 0);
    assert_int_equal(info().state, AXN_DHCPC_INIT_REBOOT);
    W.pol.o.yiaddr = OFFER2_ADDR;
    run_until_state(AXN_DHCPC_BOUND, BIND_SPAN);
    assert_int_equal(info().addr, OFFER2_ADDR);
    const int r = find_type(AXN_DHCP_REQUEST, 0);
    assert_true(r >= 0);
    check_header((size_t)r, AXN_DHCP_REQUEST);
    check_asks((size_t)r);
    check_broadcast_from_nowhere((size_t)r);
    assert_int_equal(seen((size_t)r).requested_ip, OFFER2_ADDR);
    assert_false(has((size_t)r, AXN_DHCP_HAS_SERVER_ID));
    assert_int_equal(seen((size_t)r).ciaddr, 0);
    axn_time_t p[4];
    assert_int_equal(probes_for(OFFER2_ADDR, p, 4), AXN_DHCP_PROBE_NUM);
    assert_int_equal(axn_dhcp_client_set_previous(st, ETH0, OFFER_ADDR), -AXN_EBUSY);
}

/* INIT-REBOOT NAKed: INIT, then DISCOVER for a new address. */
static void test_init_reboot_nak(void **state)
{
    (void)state;
    W.pol.skip_discovers = 1;
    W.pol.nak = true;
    assert_int_equal(axn_dhcp_client_set_previous(W.sim.st[CLI], ETH0, OFFER2_ADDR), 0);
    serve(AXN_MSEC(100));
    assert_int_equal(info().state, AXN_DHCPC_INIT);
    assert_int_equal(info().stats.naks, 1);
    W.pol.nak = false;
    run_until_state(AXN_DHCPC_BOUND, BIND_SPAN);
    assert_int_equal(info().addr, OFFER_ADDR);
}

/* INIT-REBOOT never answered: after AXN_DHCP_REQUEST_TRIES, DISCOVER. */
static void test_init_reboot_silent(void **state)
{
    (void)state;
    W.pol.silent = true;
    assert_int_equal(axn_dhcp_client_set_previous(W.sim.st[CLI], ETH0, OFFER2_ADDR), 0);
    serve(AXN_SEC(70));
    assert_int_equal(count_type(AXN_DHCP_REQUEST), AXN_DHCP_REQUEST_TRIES);
    assert_int_equal(info().stats.request_giveups, 1);
    assert_int_equal(info().state, AXN_DHCPC_SELECTING);
    assert_int_equal(seen(W.n_dhcp - 1).msg_type, AXN_DHCP_DISCOVER);
}

/* Link down: silence, the lease kept; up: INIT-REBOOT for it. */
static void test_link_flap(void **state)
{
    (void)state;
    boot();
    struct axn_stack *st = W.sim.st[CLI];
    const size_t n0 = W.n_dhcp;
    assert_int_equal(axn_stack_set_link(st, ETH0, false, W.sim.now), 0);
    serve(AXN_SEC(10));
    assert_int_equal(W.n_dhcp, n0);
    assert_true(iface().has_ipv4);
    assert_true(axn_dhcp_configured(st));
    assert_int_equal(axn_stack_set_link(st, ETH0, true, W.sim.now), 0);
    serve(AXN_MSEC(100));
    assert_int_equal(W.n_dhcp, n0 + 1);
    check_header(n0, AXN_DHCP_REQUEST);
    check_broadcast_from_nowhere(n0);
    assert_int_equal(seen(n0).requested_ip, OFFER_ADDR);
    assert_false(has(n0, AXN_DHCP_HAS_SERVER_ID));
    assert_int_equal(seen(n0).ciaddr, 0);
    assert_int_equal(info().state, AXN_DHCPC_BOUND);
    assert_int_equal(info().addr, OFFER_ADDR);
    assert_true(iface().has_ipv4);
    /* Down past the lease's end: the address goes even without a link;
     * up again, the client starts from DISCOVER. */
    const struct axn_dhcp_lease_info li = info();
    assert_int_equal(axn_stack_set_link(st, ETH0, false, W.sim.now), 0);
    serve_until(li.expires + SECS_1);
    assert_false(iface().has_ipv4);
    assert_int_equal(info().stats.expiries, 1);
    const size_t n1 = W.n_dhcp;
    assert_int_equal(axn_stack_set_link(st, ETH0, true, W.sim.now), 0);
    serve(AXN_MSEC(100));
    assert_true(find_type(AXN_DHCP_DISCOVER, n1) >= 0);
    run_until_state(AXN_DHCPC_BOUND, BIND_SPAN);
}

/* Link up and nobody answers the INIT-REBOOT: the lease is used on until
 * T1 (RFC 2131 3.2 "MAY"), then renewed as usual. */
static void test_link_up_unanswered_keeps_lease(void **state)
{
    (void)state;
    boot();
    struct axn_stack *st = W.sim.st[CLI];
    const struct axn_dhcp_lease_info li = info();
    W.pol.silent = true;
    assert_int_equal(axn_stack_set_link(st, ETH0, false, W.sim.now), 0);
    assert_int_equal(axn_stack_set_link(st, ETH0, true, W.sim.now), 0);
    serve(AXN_SEC(70));
    assert_int_equal(count_type(AXN_DHCP_REQUEST), 1 + AXN_DHCP_REQUEST_TRIES);
    assert_int_equal(info().stats.request_giveups, 1);
    assert_int_equal(info().state, AXN_DHCPC_BOUND);
    assert_true(iface().has_ipv4);
    W.pol.silent = false;
    serve_until(li.t1 + SECS_1);
    assert_int_equal(info().stats.renewals, 1);
    assert_int_equal(info().state, AXN_DHCPC_BOUND);
}

/* One hostile reply from the server socket, then a step. */
static void hostile(uint8_t type, const struct reply_opts *o)
{
    const struct axn_dhcp_msg req = seen(W.n_dhcp - 1);
    srv_send(type, &req, o, BCAST);
    serve(STEP);
}

static void assert_ignored(uint64_t malformed, uint64_t not_ours, uint64_t bad, uint64_t unexp)
{
    const struct axn_dhcp_client_stats s = info().stats;
    assert_int_equal(s.rx_malformed, malformed);
    assert_int_equal(s.rx_not_ours, not_ours);
    assert_int_equal(s.rx_bad_fields, bad);
    assert_int_equal(s.rx_unexpected, unexp);
    assert_int_equal(s.rx_ignored, malformed + not_ours + bad + unexp);
}

/* A well-made OFFER to our xid with a bad UDP checksum, straight into
 * the client's IP layer. */
static void inject_bad_checksum(void)
{
    const struct axn_dhcp_msg req = seen(0);
    struct axn_dhcp_msg m;
    dhcp_pkt_reply(&m, AXN_DHCP_OFFER, req.xid, req.chaddr);
    m.yiaddr = OFFER_ADDR;
    m.present |= AXN_DHCP_HAS_SERVER_ID;
    m.server_id = SRV_ADDR;
    uint8_t dhcp[MAX_DHCP], udp[MAX_DHCP + AXN_UDP_HDR_LEN];
    const int n = axn_dhcp_emit(&m, dhcp, sizeof(dhcp));
    assert_true(n > 0);
    const struct dhcp_pkt_route r = {.src = SRV_ADDR,
                                     .dst = BCAST,
                                     .sport = AXN_DHCP_SERVER_PORT,
                                     .dport = AXN_DHCP_CLIENT_PORT};
    const size_t k = dhcp_pkt_udp(&r, dhcp, (size_t)n, udp, sizeof(udp));
    assert_int_equal(k, (size_t)n + AXN_UDP_HDR_LEN);
    udp[6] ^= 0x5a; /* the checksum */
    sim_inject_ip4(W.sim.st[CLI], ETH0, SRV_ADDR, BCAST, AXN_UDP_PROTO, udp, k, W.sim.now);
    serve(STEP);
}

/* A good OFFER, then REQUESTING's hostile ACKs and NAKs, then a good ACK. */
static void hostile_requesting(void)
{
    struct reply_opts o = default_opts();
    hostile(AXN_DHCP_OFFER, &o);
    assert_int_equal(info().state, AXN_DHCPC_REQUESTING);
    o.lease = 0; /* RFC 2131 table 3: MUST */
    hostile(AXN_DHCP_ACK, &o);
    o = default_opts();
    o.mask = 0; /* required in an ACK, as ax-net does */
    hostile(AXN_DHCP_ACK, &o);
    o = default_opts();
    o.yiaddr = OFFER2_ADDR; /* not what was requested */
    hostile(AXN_DHCP_ACK, &o);
    assert_ignored(1, 2, 11, 2);
    o = default_opts();
    o.server_id = AXN_IP4(10, 0, 0, 2); /* another server's answer */
    hostile(AXN_DHCP_ACK, &o);
    hostile(AXN_DHCP_NAK, &o);
    hostile(AXN_DHCP_OFFER, &o); /* OFFERs are over */
    assert_ignored(1, 2, 11, 5);
    assert_int_equal(info().state, AXN_DHCPC_REQUESTING);
    hostile(AXN_DHCP_ACK, &W.pol.o);
    run_until_state(AXN_DHCPC_BOUND, BIND_SPAN);
    assert_false(iface().has_ipv4 && iface().addr != OFFER_ADDR);
}

/* Each hostile reply is counted under its reason and changes nothing. */
static void test_hostile_replies(void **state)
{
    (void)state;
    W.pol.silent = true;
    serve(STEP);
    struct reply_opts o = default_opts();
    o.xid_xor = 1;
    hostile(AXN_DHCP_OFFER, &o);
    o = default_opts();
    o.bad_chaddr = true;
    hostile(AXN_DHCP_OFFER, &o);
    assert_ignored(0, 2, 0, 0);
    const axn_ip4_t bad_yi[] = {BCAST, AXN_IP4(224, 0, 0, 1), AXN_IP4(127, 0, 0, 1),
                                0,     AXN_IP4(240, 0, 0, 1), AXN_IP4(10, 0, 0, 0)};
    for (size_t i = 0; i < sizeof(bad_yi) / sizeof(bad_yi[0]); i++) {
        o = default_opts();
        o.yiaddr = bad_yi[i];
        hostile(AXN_DHCP_OFFER, &o);
    }
    o = default_opts();
    o.mask = AXN_IP4(255, 0, 255, 0);
    hostile(AXN_DHCP_OFFER, &o);
    o = default_opts();
    o.server_id = 0;
    hostile(AXN_DHCP_OFFER, &o);
    assert_ignored(0, 2, 8, 0);
    o = default_opts();
    hostile(AXN_DHCP_ACK, &o); /* SELECTING wants no ACK */
    hostile(AXN_DHCP_NAK, &o);
    assert_ignored(0, 2, 8, 2);
    inject_bad_checksum();
    assert_ignored(1, 2, 8, 2);
    assert_int_equal(info().state, AXN_DHCPC_SELECTING);
    assert_int_equal(info().stats.offers, 0);
    hostile_requesting();
}

/* A runtime static address stops the client. */
static void test_static_address_stops_client(void **state)
{
    (void)state;
    W.pol.silent = true;
    serve(AXN_SEC(1));
    assert_int_equal(axn_ctl_set_ipv4(W.sim.st[CLI], ETH0, OFFER2_ADDR, PREFIX, W.sim.now), 0);
    serve(STEP);
    const size_t n0 = W.n_dhcp;
    struct axn_dhcp_lease_info li;
    assert_int_equal(axn_dhcp_client_info(W.sim.st[CLI], ETH0, &li), -AXN_ENOENT);
    serve(AXN_SEC(30));
    assert_int_equal(W.n_dhcp, n0);
    assert_int_equal(iface().addr, OFFER2_ADDR);
    assert_false(axn_dhcp_configured(W.sim.st[CLI]));
}

/* T1/T2 that break T1 < T2 < lease are replaced; option 26 is clamped. */
static void test_timers_sanitized_and_mtu_clamped(void **state)
{
    (void)state;
    W.pol.o.t1 = 500; /* >= T2: default 300 */
    W.pol.o.t2 = 400;
    W.pol.o.mtu = 9000; /* above the link: the link's */
    const uint32_t mtu0 = iface().mtu;
    boot();
    const struct axn_dhcp_lease_info li = info();
    assert_int_equal(li.t1 - li.obtained, AXN_SEC(300));
    assert_int_equal(li.t2 - li.obtained, AXN_SEC(400));
    assert_int_equal(iface().mtu, mtu0);
}

/*
 * Option 26 is clamped to and undone to the device's own MTU, not to what
 * the interface had when the client started: a restarted client finds the
 * previous lease's MTU still set (axn_dhcp_client_start leaves the MTU).
 */
static void test_mtu_base_survives_restart(void **state)
{
    (void)state;
    const uint32_t base = iface().mtu;
    assert_int_equal(base, LINK_MTU);
    boot();
    assert_int_equal(iface().mtu, MTU_OPT);
    assert_int_equal(axn_dhcp_client_start(W.sim.st[CLI], ETH0), 0);
    sim_stacks_poll_all(&W.sim);
    run_until_state(AXN_DHCPC_BOUND, BIND_SPAN);
    assert_int_equal(iface().mtu, MTU_OPT);
    /* The lease runs out: the device's MTU comes back, not 1400. */
    const struct axn_dhcp_lease_info li = info();
    W.pol.silent = true;
    serve_until(li.expires + SECS_1);
    assert_false(iface().has_ipv4);
    assert_int_equal(iface().mtu, base);
    /* A larger option 26 is no longer clamped to the old lease's. */
    W.pol.silent = false;
    W.pol.o.mtu = MTU_OPT2;
    run_until_state(AXN_DHCPC_BOUND, AXN_SEC(10));
    assert_int_equal(iface().mtu, MTU_OPT2);
    assert_int_equal(info().mtu, MTU_OPT2);
    /* The last lease goes: the device's MTU again. */
    assert_int_equal(axn_dhcp_client_release(W.sim.st[CLI], ETH0), 0);
    assert_int_equal(iface().mtu, base);
}

/* An infinite lease is never renewed; a tiny one is raised to the minimum. */
static void test_infinite_and_short_leases(void **state)
{
    (void)state;
    W.pol.o.lease = 0xffffffffu;
    W.pol.o.mtu = 576; /* applied (the parser refuses one below 68) */
    boot();
    serve(AXN_SEC(3));
    struct axn_dhcp_lease_info li = info();
    assert_int_equal(li.t1, AXN_TIME_NEVER);
    assert_int_equal(li.expires, AXN_TIME_NEVER);
    assert_int_equal(li.next_event, AXN_TIME_NEVER);
    assert_int_equal(iface().mtu, 576);
    /* A one-second lease through a renewal path: restart the client. */
    W.pol.o.lease = 1;
    W.pol.o.mtu = 0;
    assert_int_equal(axn_dhcp_client_start(W.sim.st[CLI], ETH0), 0);
    sim_stacks_poll_all(&W.sim);
    run_until_state(AXN_DHCPC_BOUND, BIND_SPAN);
    li = info();
    assert_int_equal(li.lease_secs, AXN_DHCP_MIN_LEASE_SECS);
    assert_int_equal(li.expires - li.obtained, AXN_SEC(AXN_DHCP_MIN_LEASE_SECS));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_full_boot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_renew_at_t1, setup, teardown),
        cmocka_unit_test_setup_teardown(test_renew_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rebind_at_t2, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nak_requesting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nak_renewing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lost_offers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lost_acks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_request_never_answered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conflict_decline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_release_api, setup, teardown),
        cmocka_unit_test_setup_teardown(test_release_on_destroy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_init_reboot_ack, setup, teardown),
        cmocka_unit_test_setup_teardown(test_init_reboot_nak, setup, teardown),
        cmocka_unit_test_setup_teardown(test_init_reboot_silent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_link_flap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_link_up_unanswered_keeps_lease, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_replies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_static_address_stops_client, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timers_sanitized_and_mtu_clamped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_infinite_and_short_leases, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mtu_base_survives_restart, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
