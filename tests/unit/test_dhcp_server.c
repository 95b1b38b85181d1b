/*
 * The DHCP server (src/svc/dhcp_server*.c, RFC 2131 4.3) on the simulated
 * wire in virtual time: a server stack at 192.0.2.1/24 leasing
 * 192.0.2.100-109 and a peer stack at 192.0.2.105 whose port the replies
 * reach. The test plays the clients: crafted BOOTREQUESTs injected into
 * the server stack's IP layer (0.0.0.0 -> 255.255.255.255, or from
 * ciaddr), or sent from a UDP socket on the peer bound to port 68; the
 * wire observer captures every reply from port 67 and the test decodes it
 * with the wire parser.
 *
 * Covered: configuration checks; the bytes and options of OFFER, ACK, NAK
 * and the INFORM ACK; pool allocation order; requested IP honoured; two
 * clients, two addresses; client-id vs MAC keying; a REQUEST for another
 * server's offer frees ours; a wrong requested IP gets a NAK; INIT-REBOOT
 * and RENEWING decisions; DECLINE quarantine; RELEASE; INFORM unicast
 * without lease time; lease and offer expiry in virtual time; the bounded
 * table (pool_exhausted); malformed requests counted; stats and leases.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "axnet/dhcp.h"
#include "axnet/errno.h"
#include "axnet/hosted/sim_wire.h"
#include "axnet/netctl.h"
#include "axnet/socket.h"
#include "core/stack_impl.h"
#include "ctl/ctl.h"
#include "dhcp_world.h"
#include "sim_stacks.h"
#include "test_platform.h"
#include "wire/dhcp.h"
#include "wire/udp.h"

#define SRV_ADDR    AXN_IP4(192, 0, 2, 1)
#define PEER_ADDR   AXN_IP4(192, 0, 2, 105)
#define POOL_FIRST  AXN_IP4(192, 0, 2, 100)
#define POOL_LAST   AXN_IP4(192, 0, 2, 109)
#define OUTSIDE     AXN_IP4(192, 0, 2, 150) /* in the subnet, not the pool */
#define OFF_NET     AXN_IP4(198, 51, 100, 7)
#define OTHER_SRV   AXN_IP4(192, 0, 2, 2)
#define SUBNET_BC   AXN_IP4(192, 0, 2, 255)
#define MASK_24     AXN_IP4(255, 255, 255, 0)
#define BCAST       AXN_IP4(255, 255, 255, 255)
#define DNS1        AXN_IP4(192, 0, 2, 1)
#define DNS2        AXN_IP4(203, 0, 113, 53)
#define PREFIX_24   24u
#define ETH0        DHCP_WORLD_ETH0
#define SETTLE      AXN_MSEC(20)
#define LEASE       3600u
#define SRV         0u /* node indexes */
#define PEER        1u
#define MAX_CAP     16u
#define CAP_BYTES   1024u
#define MAC_TAG     0xaau /* fifth byte of the clients' made-up MACs */
#define XID_BASE    0x1000u
#define HOLD        AXN_MSEC(AXN_DHCPS_OFFER_HOLD_MS)
#define QUARANTINE  AXN_MSEC(AXN_DHCPS_QUARANTINE_MS)
#define MAX_LEASES  8u
#define OFF_CHADDR  28u /* RFC 2131 figure 1 */
#define OFF_UDP_SUM 6u  /* RFC 768 */
#define FLIP        0x55u
#define MAC_GROUP   0x01u
#define ETHER_HLEN  6u

struct cap {
    struct axn_mac eth_dst;
    axn_ip4_t src, dst;
    uint16_t sport, dport;
    size_t len;
    uint8_t b[CAP_BYTES];
};

static struct {
    struct sim_stacks sim;
    struct cap cap[MAX_CAP];
    size_t n_cap, taken;
    struct axn_dhcp_msg reply; /* the last reply taken (points into cap) */
    uint32_t xid;
} W;

/* Every UDP datagram from port 67 reaching the peer's port. */
static void observe(void *ctx, int port, axn_time_t at, const uint8_t *frame, size_t len)
{
    (void)ctx;
    (void)at;
    struct dhcp_pkt_in in;
    if (port != (int)PEER || W.n_cap >= MAX_CAP || !dhcp_pkt_parse(frame, len, &in) ||
        in.udp.src_port != AXN_DHCP_SERVER_PORT || in.udp.payload_len > CAP_BYTES)
        return;
    struct cap *c = &W.cap[W.n_cap++];
    c->eth_dst = in.eth.dst;
    c->src = in.ip.src;
    c->dst = in.ip.dst;
    c->sport = in.udp.src_port;
    c->dport = in.udp.dst_port;
    c->len = in.udp.payload_len;
    memcpy(c->b, in.udp.payload, in.udp.payload_len);
}

static struct axn_dhcp_server_config base_cfg(void)
{
    struct axn_dhcp_server_config c = dhcp_pkt_pool(ETH0, POOL_FIRST, POOL_LAST, LEASE);
    c.router = SRV_ADDR;
    c.dns[0] = DNS1;
    c.dns[1] = DNS2;
    c.n_dns = 2;
    memcpy(c.domain, "lan", 4);
    c.max_leases = MAX_LEASES;
    return c;
}

static int setup(void **state)
{
    (void)state;
    memset(&W, 0, sizeof(W));
    W.xid = XID_BASE;
    dhcp_world_create(&W.sim, 2, observe);
    sim_stacks_add_node(&W.sim, 0, SRV_ADDR, PREFIX_24);
    sim_stacks_add_node(&W.sim, 1, PEER_ADDR, PREFIX_24);
    sim_stacks_settle(&W.sim, SETTLE);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return sim_stacks_teardown(&W.sim, NULL, 0);
}

static struct axn_stack *srv(void)
{
    return W.sim.st[SRV];
}

static void start(const struct axn_dhcp_server_config *c)
{
    dhcp_world_serve(srv(), c);
}

static void start_base(void)
{
    const struct axn_dhcp_server_config c = base_cfg();
    start(&c);
}

/* ---- Clients played by the test ----------------------------------------------------- */

struct creq {
    uint8_t type;
    uint8_t mac; /* last byte of 02:00:00:00:aa:<mac> */
    axn_ip4_t ciaddr, requested, server_id, giaddr;
    const char *cid; /* NULL: none */
    uint16_t flags;
    uint8_t op, htype, hlen; /* 0: the valid value */
    bool no_type;
};

static void chaddr_of(uint8_t mac, uint8_t *out)
{
    memset(out, 0, AXN_DHCP_CHADDR_LEN);
    out[0] = 0x02;
    out[4] = MAC_TAG;
    out[5] = mac;
}

static size_t build(const struct creq *q, uint8_t *buf, size_t cap)
{
    struct axn_dhcp_msg m;
    memset(&m, 0, sizeof(m));
    m.op = q->op ? q->op : AXN_DHCP_OP_REQUEST;
    m.htype = q->htype ? q->htype : AXN_DHCP_HTYPE_ETHER;
    m.hlen = q->hlen ? q->hlen : ETHER_HLEN;
    m.xid = ++W.xid;
    m.flags = q->flags;
    m.ciaddr = q->ciaddr;
    m.giaddr = q->giaddr;
    chaddr_of(q->mac, m.chaddr);
    if (!q->no_type) {
        m.present |= AXN_DHCP_HAS_MSG_TYPE;
        m.msg_type = q->type;
    }
    if (q->requested) {
        m.present |= AXN_DHCP_HAS_REQUESTED_IP;
        m.requested_ip = q->requested;
    }
    if (q->server_id) {
        m.present |= AXN_DHCP_HAS_SERVER_ID;
        m.server_id = q->server_id;
    }
    if (q->cid) {
        m.present |= AXN_DHCP_HAS_CLIENT_ID;
        m.client_id = (struct axn_dhcp_bytes){.ptr = (const uint8_t *)q->cid,
                                              .len = (uint16_t)strlen(q->cid)};
    }
    const int n = axn_dhcp_emit(&m, buf, cap);
    assert_true(n > 0);
    return (size_t)n;
}

/* Hands a UDP datagram 68 -> 67 to the server stack, then lets it answer. */
static void inject_raw(const uint8_t *payload, size_t len, axn_ip4_t src, axn_ip4_t dst,
                       bool bad_csum)
{
    static uint8_t udp[CAP_BYTES + AXN_UDP_HDR_LEN];
    const struct dhcp_pkt_route r = {
        .src = src, .dst = dst, .sport = AXN_DHCP_CLIENT_PORT, .dport = AXN_DHCP_SERVER_PORT};
    const size_t n = dhcp_pkt_udp(&r, payload, len, udp, sizeof(udp));
    assert_true(n > 0);
    if (bad_csum)
        udp[OFF_UDP_SUM + 1] ^= FLIP;
    sim_inject_ip4(srv(), ETH0, src, dst, AXN_UDP_PROTO, udp, n, W.sim.now);
    sim_stacks_settle(&W.sim, SETTLE);
}

static void send_req(const struct creq *q)
{
    uint8_t buf[CAP_BYTES];
    const size_t n = build(q, buf, sizeof(buf));
    /* A client with an address asks the server itself (RFC 2131 4.4.5). */
    inject_raw(buf, n, q->ciaddr, q->ciaddr != 0 ? SRV_ADDR : BCAST, false);
}

/* The next reply: parsed, UDP 67 -> 68, from the server. */
static const struct axn_dhcp_msg *take(void)
{
    assert_true(W.taken < W.n_cap);
    const struct cap *c = &W.cap[W.taken++];
    assert_int_equal(c->src, SRV_ADDR);
    assert_int_equal(c->sport, AXN_DHCP_SERVER_PORT);
    assert_int_equal(c->dport, AXN_DHCP_CLIENT_PORT);
    assert_true(c->len >= AXN_DHCP_MIN_LEN);
    assert_int_equal(axn_dhcp_parse(c->b, c->len, &W.reply), 0);
    assert_int_equal(W.reply.op, AXN_DHCP_OP_REPLY);
    assert_int_equal(W.reply.xid, W.xid);
    assert_true(W.reply.present & AXN_DHCP_HAS_MSG_TYPE);
    assert_true(W.reply.present & AXN_DHCP_HAS_SERVER_ID);
    assert_int_equal(W.reply.server_id, SRV_ADDR);
    return &W.reply;
}

static const struct cap *last_cap(void)
{
    return &W.cap[W.taken - 1];
}

static void no_reply(void)
{
    assert_int_equal(W.n_cap, W.taken);
}

static axn_ip4_t discover(uint8_t mac, axn_ip4_t requested)
{
    const struct creq q = {.type = AXN_DHCP_DISCOVER, .mac = mac, .requested = requested};
    send_req(&q);
    const struct axn_dhcp_msg *r = take();
    assert_int_equal(r->msg_type, AXN_DHCP_OFFER);
    return r->yiaddr;
}

static uint8_t request_selecting(uint8_t mac, axn_ip4_t addr)
{
    const struct creq q = {
        .type = AXN_DHCP_REQUEST, .mac = mac, .requested = addr, .server_id = SRV_ADDR};
    send_req(&q);
    return take()->msg_type;
}

static axn_ip4_t lease_of(uint8_t mac)
{
    const axn_ip4_t a = discover(mac, 0);
    assert_int_equal(request_selecting(mac, a), AXN_DHCP_ACK);
    assert_int_equal(W.reply.yiaddr, a);
    return a;
}

static struct axn_dhcp_server_stats stats(void)
{
    struct axn_dhcp_server_stats s;
    assert_int_equal(axn_dhcp_server_stats(srv(), ETH0, &s), 0);
    return s;
}

static long leases(struct axn_dhcp_server_lease *out, size_t max)
{
    return axn_dhcp_server_leases(srv(), ETH0, out, max);
}

static uint32_t opt_u32(const struct axn_dhcp_msg *m, uint8_t code)
{
    uint8_t b[4];
    assert_int_equal(axn_dhcp_opt_gather(m, code, b, sizeof(b)), 4);
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* ---- Configuration ------------------------------------------------------------------- */

static void expect_start(struct axn_dhcp_server_config c, int rc)
{
    assert_int_equal(axn_dhcp_server_start(srv(), &c), rc);
}

static void test_config_checks(void **state)
{
    (void)state;
    struct axn_dhcp_server_config c = base_cfg();
    c.ifindex = 42;
    expect_start(c, -AXN_ENODEV);
    c = base_cfg();
    c.pool_first = POOL_LAST;
    c.pool_last = POOL_FIRST;
    expect_start(c, -AXN_EINVAL);
    c = base_cfg();
    c.pool_last = AXN_IP4(192, 0, 3, 10); /* leaves the subnet */
    expect_start(c, -AXN_EINVAL);
    c = base_cfg();
    c.pool_first = AXN_IP4(192, 0, 2, 0); /* network address */
    expect_start(c, -AXN_EINVAL);
    c = base_cfg();
    c.pool_last = SUBNET_BC;
    expect_start(c, -AXN_EINVAL);
    c = base_cfg();
    c.pool_first = SRV_ADDR; /* holds the interface address: refused */
    expect_start(c, -AXN_EINVAL);
    c = base_cfg();
    c.n_dns = AXN_DHCP_MAX_DNS + 1;
    expect_start(c, -AXN_EINVAL);
    c = base_cfg();
    c.netmask = AXN_IP4(255, 0, 255, 0); /* not contiguous */
    expect_start(c, -AXN_EINVAL);
    c = base_cfg();
    c.netmask = AXN_IP4(255, 255, 0, 0); /* wider than the interface's /24 */
    expect_start(c, -AXN_EINVAL);
    c = base_cfg();
    c.netmask = AXN_IP4(255, 255, 255, 128); /* a narrower one is fine */
    expect_start(c, 0);
    assert_int_equal(axn_dhcp_server_stop(srv(), ETH0), 0);
    assert_int_equal(axn_dhcp_server_stop(srv(), ETH0), -AXN_ENOENT);
    assert_int_equal(axn_dhcp_server_leases(srv(), ETH0, NULL, 0), -AXN_ENOENT);
    /* An interface without an address: the peer's, after a DHCP start
     * took its static address away. */
    assert_int_equal(axn_dhcp_client_start(W.sim.st[PEER], ETH0), 0);
    c = base_cfg();
    assert_int_equal(axn_dhcp_server_start(W.sim.st[PEER], &c), -AXN_EADDRNOTAVAIL);
}

/* ---- OFFER, ACK, NAK bytes --------------------------------------------------------- */

static void assert_config_opts(const struct axn_dhcp_msg *r)
{
    assert_true(r->present & AXN_DHCP_HAS_SUBNET_MASK);
    assert_int_equal(r->subnet_mask, MASK_24);
    assert_true(r->present & AXN_DHCP_HAS_ROUTER);
    assert_int_equal(r->router, SRV_ADDR);
    assert_int_equal(r->router_count, 1);
    assert_true(r->present & AXN_DHCP_HAS_DNS);
    assert_int_equal(r->dns_count, 2);
    assert_int_equal(r->dns[0], DNS1);
    assert_int_equal(r->dns[1], DNS2);
    assert_true(r->present & AXN_DHCP_HAS_DOMAIN);
    assert_int_equal(r->domain.len, 3);
    assert_memory_equal(r->domain.ptr, "lan", 3);
    assert_true(r->present & AXN_DHCP_HAS_BROADCAST);
    assert_int_equal(r->broadcast, SUBNET_BC);
}

static void assert_lease_opts(const struct axn_dhcp_msg *r)
{
    assert_int_equal(opt_u32(r, AXN_DHCP_OPT_LEASE_TIME), LEASE);
    assert_int_equal(opt_u32(r, AXN_DHCP_OPT_T1), LEASE / 2);
    assert_int_equal(opt_u32(r, AXN_DHCP_OPT_T2), LEASE * 7 / 8);
}

static void assert_broadcast_frame(void)
{
    const struct axn_mac all = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
    assert_int_equal(last_cap()->dst, BCAST);
    assert_memory_equal(last_cap()->eth_dst.b, all.b, sizeof(all.b));
}

static void test_offer_bytes(void **state)
{
    (void)state;
    start_base();
    const struct creq q = {.type = AXN_DHCP_DISCOVER, .mac = 1, .flags = AXN_DHCP_FLAG_BROADCAST};
    send_req(&q);
    const struct axn_dhcp_msg *r = take();
    assert_broadcast_frame();
    assert_int_equal(r->msg_type, AXN_DHCP_OFFER);
    assert_int_equal(r->htype, AXN_DHCP_HTYPE_ETHER);
    assert_int_equal(r->hlen, ETHER_HLEN);
    assert_int_equal(r->flags, AXN_DHCP_FLAG_BROADCAST);
    assert_int_equal(r->ciaddr, 0);
    assert_int_equal(r->yiaddr, POOL_FIRST);
    assert_int_equal(r->siaddr, 0);
    assert_int_equal(r->giaddr, 0);
    uint8_t ch[AXN_DHCP_CHADDR_LEN];
    chaddr_of(1, ch);
    assert_memory_equal(r->chaddr, ch, sizeof(ch));
    assert_lease_opts(r);
    assert_config_opts(r);
    assert_false(r->present & AXN_DHCP_HAS_CLIENT_ID);
    /* The offer is held for the client. */
    struct axn_dhcp_server_lease l[2];
    assert_int_equal(leases(l, 2), 1);
    assert_int_equal(l[0].addr, POOL_FIRST);
    assert_memory_equal(l[0].mac.b, ch, ETHER_HLEN);
    assert_true(l[0].offered_only);
    assert_false(l[0].declined);
    assert_int_equal(l[0].expires, W.sim.now - SETTLE + HOLD);
    const struct axn_dhcp_server_stats s = stats();
    assert_int_equal(s.discovers, 1);
    assert_int_equal(s.offers, 1);
    assert_int_equal(s.rx_ignored, 0);
}

static void test_ack_and_nak_bytes(void **state)
{
    (void)state;
    start_base();
    assert_int_equal(discover(1, 0), POOL_FIRST);
    /* Wrong requested IP in SELECTING: NAK, broadcast, nothing else. */
    assert_int_equal(request_selecting(1, POOL_FIRST + 1), AXN_DHCP_NAK);
    const struct axn_dhcp_msg *r = &W.reply;
    assert_broadcast_frame();
    assert_int_equal(r->yiaddr, 0);
    assert_false(r->present & (AXN_DHCP_HAS_LEASE_TIME | AXN_DHCP_HAS_SUBNET_MASK |
                               AXN_DHCP_HAS_ROUTER | AXN_DHCP_HAS_T1));
    /* The right one: ACK, bound for the lease time. */
    const axn_time_t sent = W.sim.now;
    assert_int_equal(request_selecting(1, POOL_FIRST), AXN_DHCP_ACK);
    assert_broadcast_frame();
    assert_int_equal(r->yiaddr, POOL_FIRST);
    assert_int_equal(r->ciaddr, 0);
    assert_lease_opts(r);
    assert_config_opts(r);
    struct axn_dhcp_server_lease l[2];
    assert_int_equal(leases(l, 2), 1);
    assert_false(l[0].offered_only);
    assert_int_equal(l[0].expires, sent + AXN_SEC(LEASE));
    const struct axn_dhcp_server_stats s = stats();
    assert_int_equal(s.requests, 2);
    assert_int_equal(s.acks, 1);
    assert_int_equal(s.naks, 1);
}

/* ---- Allocation ---------------------------------------------------------------------- */

static void test_pool_order_and_requested(void **state)
{
    (void)state;
    start_base();
    assert_int_equal(lease_of(1), POOL_FIRST);
    assert_int_equal(lease_of(2), POOL_FIRST + 1);
    /* A client asking again gets its binding, not a new address. */
    assert_int_equal(discover(1, POOL_FIRST + 5), POOL_FIRST);
    /* Requested IP honoured when free and in the pool ... */
    assert_int_equal(discover(3, POOL_FIRST + 7), POOL_FIRST + 7);
    /* ... not when someone holds it, or it is outside the pool. */
    assert_int_equal(discover(4, POOL_FIRST + 7), POOL_FIRST + 2);
    assert_int_equal(discover(5, OUTSIDE), POOL_FIRST + 3);
    assert_int_equal(discover(6, OFF_NET), POOL_FIRST + 4);
    assert_int_equal(leases(NULL, 0), 6); /* clients 1 to 6 */
}

static void test_client_id_keying(void **state)
{
    (void)state;
    start_base();
    const struct creq a = {.type = AXN_DHCP_DISCOVER, .mac = 1, .cid = "\x01host-a"};
    send_req(&a);
    assert_int_equal(take()->yiaddr, POOL_FIRST);
    /* The identifier goes back as it came (RFC 6842). */
    assert_true(W.reply.present & AXN_DHCP_HAS_CLIENT_ID);
    assert_int_equal(W.reply.client_id.len, 7);
    assert_memory_equal(W.reply.client_id.ptr, "\x01host-a", 7);
    /* Same identifier from another MAC: the same client. */
    const struct creq a2 = {.type = AXN_DHCP_DISCOVER, .mac = 9, .cid = "\x01host-a"};
    send_req(&a2);
    assert_int_equal(take()->yiaddr, POOL_FIRST);
    /* Same MAC, another identifier: another client. */
    const struct creq b = {.type = AXN_DHCP_DISCOVER, .mac = 1, .cid = "\x01host-b"};
    send_req(&b);
    assert_int_equal(take()->yiaddr, POOL_FIRST + 1);
    /* Same MAC without identifier: yet another (keyed by chaddr). */
    assert_int_equal(discover(1, 0), POOL_FIRST + 2);
    struct axn_dhcp_server_lease l[4];
    assert_int_equal(leases(l, 4), 3);
    assert_int_equal(l[0].client_id_len, 7);
    assert_memory_equal(l[0].client_id, "\x01host-a", 7);
    assert_int_equal(l[2].client_id_len, 0);
}

static void test_other_server_chosen(void **state)
{
    (void)state;
    start_base();
    assert_int_equal(discover(1, 0), POOL_FIRST);
    const struct creq q = {
        .type = AXN_DHCP_REQUEST, .mac = 1, .requested = OTHER_SRV + 50, .server_id = OTHER_SRV};
    send_req(&q);
    no_reply();
    assert_int_equal(leases(NULL, 0), 0);
    assert_int_equal(stats().requests, 1);
    /* The address is free for another client. */
    assert_int_equal(discover(2, POOL_FIRST), POOL_FIRST);
}

/* ---- INIT-REBOOT, RENEWING, REBINDING -------------------------------------------------- */

static uint8_t init_reboot(uint8_t mac, axn_ip4_t addr)
{
    const struct creq q = {.type = AXN_DHCP_REQUEST, .mac = mac, .requested = addr};
    send_req(&q);
    if (W.n_cap == W.taken)
        return 0;
    return take()->msg_type;
}

static void test_init_reboot(void **state)
{
    (void)state;
    start_base();
    assert_int_equal(lease_of(1), POOL_FIRST);
    assert_int_equal(init_reboot(1, POOL_FIRST), AXN_DHCP_ACK);
    assert_int_equal(W.reply.yiaddr, POOL_FIRST);
    assert_broadcast_frame();
    /* A known client asking for another address: NAK. */
    assert_int_equal(init_reboot(1, POOL_FIRST + 3), AXN_DHCP_NAK);
    /* Unknown clients: off our network or someone else's address: NAK. */
    assert_int_equal(init_reboot(2, OFF_NET), AXN_DHCP_NAK);
    assert_int_equal(init_reboot(2, POOL_FIRST), AXN_DHCP_NAK);
    assert_int_equal(init_reboot(2, SRV_ADDR), AXN_DHCP_NAK);
    /* In the subnet, not ours to give: silence (RFC 2131 4.3.2). */
    assert_int_equal(init_reboot(2, OUTSIDE), 0);
    /* A free address of the pool: authoritative ACK (documented choice). */
    assert_int_equal(init_reboot(2, POOL_FIRST + 4), AXN_DHCP_ACK);
    assert_int_equal(W.reply.yiaddr, POOL_FIRST + 4);
    assert_int_equal(leases(NULL, 0), 2);
    const struct axn_dhcp_server_stats s = stats();
    assert_int_equal(s.requests, 8);
    assert_int_equal(s.acks, 3);
    assert_int_equal(s.naks, 4);
}

static void test_renew_unicast(void **state)
{
    (void)state;
    start_base();
    /* The peer's address, so that the unicast ACK finds it by ARP. */
    assert_int_equal(discover(1, PEER_ADDR), PEER_ADDR);
    assert_int_equal(request_selecting(1, PEER_ADDR), AXN_DHCP_ACK);
    sim_stacks_run_until(&W.sim, W.sim.now + AXN_SEC(LEASE / 2));
    const axn_time_t renew_at = W.sim.now;
    const struct creq q = {.type = AXN_DHCP_REQUEST, .mac = 1, .ciaddr = PEER_ADDR};
    send_req(&q);
    const struct axn_dhcp_msg *r = take();
    assert_int_equal(r->msg_type, AXN_DHCP_ACK);
    assert_int_equal(r->yiaddr, PEER_ADDR);
    assert_int_equal(r->ciaddr, PEER_ADDR);
    assert_int_equal(last_cap()->dst, PEER_ADDR);
    assert_memory_equal(last_cap()->eth_dst.b, W.sim.mac[PEER].b, ETHER_HLEN);
    assert_lease_opts(r);
    struct axn_dhcp_server_lease l[1];
    assert_int_equal(leases(l, 1), 1);
    assert_int_equal(l[0].expires, renew_at + AXN_SEC(LEASE));
    /* Rebinding with an address that is not its own: NAK, broadcast. */
    const struct creq bad = {.type = AXN_DHCP_REQUEST, .mac = 1, .ciaddr = POOL_FIRST};
    send_req(&bad);
    assert_int_equal(take()->msg_type, AXN_DHCP_NAK);
    assert_broadcast_frame();
}

/* ---- DECLINE, RELEASE, INFORM --------------------------------------------------------- */

static void test_decline_quarantines(void **state)
{
    (void)state;
    start_base();
    assert_int_equal(lease_of(1), POOL_FIRST);
    /* A DECLINE naming another server is not ours. */
    const struct creq other = {
        .type = AXN_DHCP_DECLINE, .mac = 1, .requested = POOL_FIRST, .server_id = OTHER_SRV};
    send_req(&other);
    assert_int_equal(stats().declines, 0);
    const struct creq q = {
        .type = AXN_DHCP_DECLINE, .mac = 1, .requested = POOL_FIRST, .server_id = SRV_ADDR};
    send_req(&q);
    no_reply();
    assert_int_equal(stats().declines, 1);
    struct axn_dhcp_server_lease l[2];
    assert_int_equal(leases(l, 2), 1);
    assert_true(l[0].declined);
    assert_int_equal(l[0].addr, POOL_FIRST);
    assert_int_equal(l[0].expires, W.sim.now - SETTLE + QUARANTINE);
    /* The address is not offered again, to the same client or another. */
    assert_int_equal(discover(1, POOL_FIRST), POOL_FIRST + 1);
    assert_int_equal(discover(2, 0), POOL_FIRST + 2);
    /* Until the quarantine ends. */
    sim_stacks_run_until(&W.sim, W.sim.now + QUARANTINE);
    assert_int_equal(leases(NULL, 0), 0);
    assert_int_equal(discover(3, 0), POOL_FIRST);
}

static void test_release_frees(void **state)
{
    (void)state;
    struct axn_dhcp_server_config c = base_cfg();
    c.pool_last = POOL_FIRST + 1; /* two addresses */
    start(&c);
    assert_int_equal(lease_of(1), POOL_FIRST);
    assert_int_equal(lease_of(2), POOL_FIRST + 1);
    /* Full: a third client gets nothing. */
    const struct creq d3 = {.type = AXN_DHCP_DISCOVER, .mac = 3};
    send_req(&d3);
    no_reply();
    assert_int_equal(stats().pool_exhausted, 1);
    /* A RELEASE with the wrong ciaddr changes nothing. */
    const struct creq bad = {
        .type = AXN_DHCP_RELEASE, .mac = 1, .ciaddr = POOL_FIRST + 1, .server_id = SRV_ADDR};
    send_req(&bad);
    assert_int_equal(leases(NULL, 0), 2);
    const struct creq rel = {
        .type = AXN_DHCP_RELEASE, .mac = 1, .ciaddr = POOL_FIRST, .server_id = SRV_ADDR};
    send_req(&rel);
    no_reply();
    assert_int_equal(leases(NULL, 0), 1);
    assert_int_equal(stats().releases, 1);
    /* The third client now gets the released address. */
    assert_int_equal(lease_of(3), POOL_FIRST);
}

static void test_released_address_comes_back(void **state)
{
    (void)state;
    start_base();
    assert_int_equal(lease_of(1), POOL_FIRST);
    const struct creq rel = {
        .type = AXN_DHCP_RELEASE, .mac = 1, .ciaddr = POOL_FIRST, .server_id = SRV_ADDR};
    send_req(&rel);
    /* Others get addresses nobody remembers first; client 1 gets its own. */
    assert_int_equal(discover(2, 0), POOL_FIRST + 1);
    assert_int_equal(lease_of(1), POOL_FIRST);
}

static void test_inform(void **state)
{
    (void)state;
    start_base();
    const struct creq q = {.type = AXN_DHCP_INFORM, .mac = 1, .ciaddr = PEER_ADDR};
    send_req(&q);
    const struct axn_dhcp_msg *r = take();
    assert_int_equal(r->msg_type, AXN_DHCP_ACK);
    assert_int_equal(r->yiaddr, 0);
    assert_int_equal(r->ciaddr, PEER_ADDR);
    assert_int_equal(last_cap()->dst, PEER_ADDR);
    assert_memory_equal(last_cap()->eth_dst.b, W.sim.mac[PEER].b, ETHER_HLEN);
    assert_false(r->present & (AXN_DHCP_HAS_LEASE_TIME | AXN_DHCP_HAS_T1 | AXN_DHCP_HAS_T2));
    assert_config_opts(r);
    assert_int_equal(leases(NULL, 0), 0);
    const struct axn_dhcp_server_stats s = stats();
    assert_int_equal(s.informs, 1);
    assert_int_equal(s.acks, 1);
}

/* ---- Time and bounds ------------------------------------------------------------------------ */

static void test_lease_and_offer_expiry(void **state)
{
    (void)state;
    struct axn_dhcp_server_config c = base_cfg();
    c.pool_last = POOL_FIRST; /* one address */
    start(&c);
    assert_int_equal(lease_of(1), POOL_FIRST);
    const struct creq d2 = {.type = AXN_DHCP_DISCOVER, .mac = 2};
    send_req(&d2);
    no_reply();
    sim_stacks_run_until(&W.sim, W.sim.now + AXN_SEC(LEASE) - 3 * SETTLE);
    assert_int_equal(leases(NULL, 0), 1);
    assert_int_equal(stats().expired, 0);
    sim_stacks_run_until(&W.sim, W.sim.now + 2 * SETTLE);
    assert_int_equal(leases(NULL, 0), 0);
    assert_int_equal(stats().expired, 1);
    /* Expired: the oldest memory is reused for a new client. */
    assert_int_equal(discover(2, 0), POOL_FIRST);
    /* An offer not taken up lapses too. */
    sim_stacks_run_until(&W.sim, W.sim.now + HOLD);
    assert_int_equal(leases(NULL, 0), 0);
    assert_int_equal(stats().expired, 2);
    assert_int_equal(stats().pool_exhausted, 1);
}

static void test_bounded_table(void **state)
{
    (void)state;
    struct axn_dhcp_server_config c = base_cfg();
    c.max_leases = 2;
    start(&c);
    assert_int_equal(discover(1, 0), POOL_FIRST);
    assert_int_equal(discover(2, 0), POOL_FIRST + 1);
    const struct creq d3 = {.type = AXN_DHCP_DISCOVER, .mac = 3};
    send_req(&d3);
    no_reply();
    const struct axn_dhcp_server_stats s = stats();
    assert_int_equal(s.discovers, 3);
    assert_int_equal(s.offers, 2);
    assert_int_equal(s.pool_exhausted, 1);
    struct axn_dhcp_server_lease l[4];
    assert_int_equal(leases(l, 1), 2); /* how many it holds, one copied */
    /* The offers lapse: their entries are reused, the oldest first, and
     * the new client gets an address no entry remembers. */
    sim_stacks_run_until(&W.sim, W.sim.now + HOLD);
    assert_int_equal(leases(NULL, 0), 0);
    assert_int_equal(discover(3, 0), POOL_FIRST + 2);
    assert_int_equal(discover(1, 0), POOL_FIRST); /* its memory was reused */
    assert_int_equal(leases(l, 4), 2);
    assert_int_equal(l[0].addr, POOL_FIRST + 2);
    assert_int_equal(l[1].addr, POOL_FIRST);
    /* The table is full of live offers again. */
    const struct creq d4 = {.type = AXN_DHCP_DISCOVER, .mac = 4};
    send_req(&d4);
    no_reply();
    assert_int_equal(stats().pool_exhausted, 2);
}

static void test_malformed_counted(void **state)
{
    (void)state;
    start_base();
    const struct creq bad[] = {
        {.type = AXN_DHCP_DISCOVER, .mac = 1, .op = AXN_DHCP_OP_REPLY},
        {.type = AXN_DHCP_DISCOVER, .mac = 1, .htype = 6},
        {.type = AXN_DHCP_DISCOVER, .mac = 1, .hlen = 16},
        {.type = AXN_DHCP_DISCOVER, .mac = 1, .no_type = true},
        {.type = AXN_DHCP_DISCOVER, .mac = 1, .giaddr = AXN_IP4(10, 0, 0, 1)},
        {.type = AXN_DHCP_OFFER, .mac = 1},
        {.type = AXN_DHCP_REQUEST, .mac = 1}, /* no server id, ciaddr or requested IP */
        {.type = AXN_DHCP_INFORM, .mac = 1},  /* no ciaddr */
        {.type = AXN_DHCP_RELEASE, .mac = 1, .ciaddr = POOL_FIRST, .server_id = SRV_ADDR},
    };
    size_t n = sizeof(bad) / sizeof(bad[0]);
    for (size_t i = 0; i < n; i++)
        send_req(&bad[i]);
    /* A multicast chaddr. */
    uint8_t buf[CAP_BYTES];
    const struct creq ok = {.type = AXN_DHCP_DISCOVER, .mac = 1};
    size_t len = build(&ok, buf, sizeof(buf));
    buf[OFF_CHADDR] = MAC_GROUP;
    inject_raw(buf, len, 0, BCAST, false);
    /* Garbage, a truncated header, a bad UDP checksum, another address. */
    inject_raw((const uint8_t *)"garbage", 7, 0, BCAST, false);
    len = build(&ok, buf, sizeof(buf));
    inject_raw(buf, AXN_DHCP_HDR_LEN - 1, 0, BCAST, false);
    inject_raw(buf, len, 0, BCAST, true);
    inject_raw(buf, len, OUTSIDE, AXN_IP4(192, 0, 2, 77), false);
    n += 5;
    no_reply();
    const struct axn_dhcp_server_stats s = stats();
    assert_int_equal(s.rx_ignored, n);
    assert_int_equal(s.discovers + s.requests + s.informs + s.releases, 0);
    assert_int_equal(leases(NULL, 0), 0);
    /* Still serving. */
    assert_int_equal(discover(1, 0), POOL_FIRST);
}

/* A ciaddr that was not checked never picks where a reply goes. */
static void test_hostile_ciaddr(void **state)
{
    (void)state;
    start_base();
    const struct creq d = {.type = AXN_DHCP_DISCOVER, .mac = 1, .ciaddr = PEER_ADDR};
    send_req(&d);
    assert_int_equal(take()->msg_type, AXN_DHCP_OFFER);
    assert_broadcast_frame();
    const struct creq sel = {.type = AXN_DHCP_REQUEST,
                             .mac = 1,
                             .ciaddr = PEER_ADDR,
                             .requested = POOL_FIRST,
                             .server_id = SRV_ADDR};
    send_req(&sel);
    assert_int_equal(take()->msg_type, AXN_DHCP_ACK);
    assert_broadcast_frame();
    /* INFORM from off our subnet, or naming its broadcast address: ignored. */
    const struct creq i1 = {.type = AXN_DHCP_INFORM, .mac = 2, .ciaddr = OFF_NET};
    const struct creq i2 = {.type = AXN_DHCP_INFORM, .mac = 2, .ciaddr = SUBNET_BC};
    send_req(&i1);
    uint8_t buf[CAP_BYTES];
    const size_t n = build(&i2, buf, sizeof(buf));
    inject_raw(buf, n, OUTSIDE, SRV_ADDR, false); /* from there, IP drops it */
    no_reply();
    const struct axn_dhcp_server_stats s = stats();
    assert_int_equal(s.informs, 0);
    assert_int_equal(s.rx_ignored, 2);
}

/* A real client socket on the peer: broadcast DISCOVER, OFFER received. */
static void test_socket_client(void **state)
{
    (void)state;
    start_base();
    struct axn_socket *so;
    assert_int_equal(axn_socket(W.sim.st[PEER], AXN_AF_INET, AXN_SOCK_DGRAM, 0, &so), 0);
    assert_int_equal(sim_set_int(so, AXN_SOL_SOCKET, AXN_SO_BROADCAST, 1), 0);
    assert_int_equal(sim_bind4(so, 0, AXN_DHCP_CLIENT_PORT), 0);
    uint8_t buf[CAP_BYTES];
    const struct creq q = {.type = AXN_DHCP_DISCOVER, .mac = 1};
    const size_t n = build(&q, buf, sizeof(buf));
    assert_int_equal(sim_sendto4(so, buf, n, BCAST, AXN_DHCP_SERVER_PORT), (long)n);
    sim_stacks_settle(&W.sim, SETTLE);
    struct axn_sockaddr_in from;
    const long got = sim_recvfrom4(so, buf, sizeof(buf), 0, &from);
    assert_true(got >= AXN_DHCP_MIN_LEN);
    assert_int_equal(sim_host32(from.sin_addr.s_addr), SRV_ADDR);
    assert_int_equal(sim_host16(from.sin_port), AXN_DHCP_SERVER_PORT);
    struct axn_dhcp_msg m;
    assert_int_equal(axn_dhcp_parse(buf, (size_t)got, &m), 0);
    assert_int_equal(m.msg_type, AXN_DHCP_OFFER);
    assert_int_equal(m.yiaddr, POOL_FIRST);
    assert_int_equal(m.xid, W.xid);
    assert_int_equal(axn_close(so), 0);
}

/* The ctl's one-address request (CTL-24, wifi.c) served by a pool of one:
 * router = server address, lease 86400 s (DHCPS-4). */
static void test_ctl_request_served(void **state)
{
    (void)state;
    const struct axn_dhcp_server_request req = {
        .ifindex = ETH0, .server_ip = SRV_ADDR, .client_ip = OUTSIDE, .netmask = MASK_24};
    axn_ctl_dhcp_server_set(&srv()->ctl, &req);
    sim_stacks_settle(&W.sim, SETTLE);
    assert_int_equal(discover(1, 0), OUTSIDE);
    const struct axn_dhcp_msg *r = &W.reply;
    assert_int_equal(opt_u32(r, AXN_DHCP_OPT_LEASE_TIME), AXN_DHCPS_LEASE_SECS);
    assert_int_equal(r->router, SRV_ADDR);
    assert_int_equal(r->subnet_mask, MASK_24);
    assert_false(r->present & AXN_DHCP_HAS_DNS);
    assert_int_equal(request_selecting(1, OUTSIDE), AXN_DHCP_ACK);
    /* One address: a second client gets nothing. */
    const struct creq d2 = {.type = AXN_DHCP_DISCOVER, .mac = 2};
    send_req(&d2);
    no_reply();
    assert_int_equal(stats().pool_exhausted, 1);
    /* Cleared: the server goes. */
    assert_true(axn_ctl_dhcp_server_clear_for(&srv()->ctl, ETH0));
    sim_stacks_settle(&W.sim, SETTLE);
    struct axn_dhcp_server_stats s;
    assert_int_equal(axn_dhcp_server_stats(srv(), ETH0, &s), -AXN_ENOENT);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_config_checks),
        T(test_offer_bytes),
        T(test_ack_and_nak_bytes),
        T(test_pool_order_and_requested),
        T(test_client_id_keying),
        T(test_other_server_chosen),
        T(test_init_reboot),
        T(test_renew_unicast),
        T(test_decline_quarantines),
        T(test_release_frees),
        T(test_released_address_comes_back),
        T(test_inform),
        T(test_lease_and_offer_expiry),
        T(test_bounded_table),
        T(test_malformed_counted),
        T(test_hostile_ciaddr),
        T(test_socket_client),
        T(test_ctl_request_served),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
