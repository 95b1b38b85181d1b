/*
 * Hostile DHCP requests against a running DHCP server (src/svc/
 * dhcp_server*.c): a whole stack on port/none with one device at
 * 192.0.2.1/24 serving 192.0.2.100-103 (a table of MAX_LEASES entries, so
 * the pool and the table run out), short leases.
 *
 * The input is frames separated by fuzz_stack.h's separator; each is the
 * payload of a UDP datagram from port 68 to port 67, wrapped in correct
 * UDP, IPv4 and Ethernet headers and fed to the driver. A frame's last
 * byte says: bit 7, patch in a valid BOOTREQUEST header (op, htype, hlen,
 * magic cookie, a unicast chaddr) so that half the inputs reach the
 * message handlers; bit 6, send it from the address in its ciaddr field to
 * the server's address (a renewing client) instead of 0.0.0.0 to
 * 255.255.255.255; the low bits, how far virtual time moves on (up to past
 * the lease, offer hold and quarantine), polling at every deadline.
 *
 * Trapped: any crash or sanitizer report; a server counter that goes
 * down; more leases than the table holds or a lease outside the pool; a
 * reply (the last frame sent, when it is from port 67) that does not parse
 * as a BOOTREPLY of type OFFER/ACK/NAK from our server id with yiaddr in
 * the pool or 0, or that is unicast other than as an ACK to its ciaddr on
 * our subnet; a lease left once every lease, offer and quarantine ran
 * out; and after the stack is destroyed, a block left in the arena.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "axnet/dhcp.h"
#include "axnet/stack.h"
#include "dhcp_pkt.h"
#include "lib/byteorder.h"
#include "support/fuzz_check.h"
#include "support/fuzz_stack.h"
#include "wire/dhcp.h"
#include "wire/ethernet.h"
#include "wire/ipv4.h"
#include "wire/udp.h"

#define ARENA_BYTES (4u * 1024u * 1024u)
#define OUR_ADDR    AXN_IP4(192, 0, 2, 1)
#define PREFIX      24u
#define POOL_FIRST  AXN_IP4(192, 0, 2, 100)
#define POOL_LAST   AXN_IP4(192, 0, 2, 103)
#define BCAST       AXN_IP4(255, 255, 255, 255)
#define SUBNET_MASK AXN_IP4(255, 255, 255, 0)
#define MAX_LEASES  3u
#define LEASE_SECS  120u
#define T_START     AXN_SEC(1)
#define MAX_POLLS   64u
#define PAYLOAD_MAX (AXN_ETH_MTU - AXN_IPV4_HDR_MIN - AXN_UDP_HDR_LEN)
#define CTL_PATCH   0x80u
#define CTL_UNICAST 0x40u
#define OFF_OP      0u
#define OFF_HTYPE   1u
#define OFF_HLEN    2u
#define OFF_CIADDR  12u
#define OFF_CHADDR  28u
#define OFF_COOKIE  236u
#define ETHER_HLEN  6u
#define MAC_GROUP   0x01u
/* Past the lease, the offer hold and the quarantine: nothing is left. */
#define T_LATE (AXN_MSEC(AXN_DHCPS_QUARANTINE_MS + AXN_DHCPS_OFFER_HOLD_MS) + AXN_SEC(LEASE_SECS))

static _Alignas(16) uint8_t arena[ARENA_BYTES];
static struct axn_stack *st;
static uint32_t ifindex;
static struct axn_dhcp_server_stats last;

static const axn_time_t time_steps[] = {
    0,
    AXN_MSEC(1),
    AXN_SEC(1),
    AXN_SEC(LEASE_SECS / 2),
    AXN_MSEC(AXN_DHCPS_OFFER_HOLD_MS),
    AXN_SEC(LEASE_SECS),
    AXN_MSEC(AXN_DHCPS_QUARANTINE_MS),
};

static void start_server(void)
{
    struct axn_dhcp_server_config c = dhcp_pkt_pool(ifindex, POOL_FIRST, POOL_LAST, LEASE_SECS);
    c.router = OUR_ADDR;
    c.dns[0] = OUR_ADDR;
    c.n_dns = 1;
    memcpy(c.domain, "fuzz", sizeof("fuzz"));
    c.max_leases = MAX_LEASES;
    CHECK(axn_dhcp_server_start(st, &c) == 0);
}

/* ---- Invariants ------------------------------------------------------------------------- */

static void check_stats(void)
{
    struct axn_dhcp_server_stats s;
    CHECK(axn_dhcp_server_stats(st, ifindex, &s) == 0);
    const uint64_t *a = (const uint64_t *)&s, *b = (const uint64_t *)&last;
    for (size_t i = 0; i < sizeof(s) / sizeof(uint64_t); i++)
        CHECK(a[i] >= b[i]);
    CHECK(s.offers <= s.discovers);
    CHECK(s.acks + s.naks <= s.requests + s.informs);
    last = s;
    struct axn_dhcp_server_lease l[MAX_LEASES + 1];
    const long n = axn_dhcp_server_leases(st, ifindex, l, N_OF(l));
    CHECK(n >= 0 && n <= (long)MAX_LEASES);
    for (long i = 0; i < n; i++)
        CHECK(l[i].addr >= POOL_FIRST && l[i].addr <= POOL_LAST);
}

/* The last frame sent, if it is a reply from the server. */
static void check_reply(void)
{
    const struct fuzz_drv *d = &fuzz_drv_state;
    struct dhcp_pkt_in in;
    if (!dhcp_pkt_parse(d->tx_buf, sizeof(d->tx_buf), &in) ||
        in.udp.src_port != AXN_DHCP_SERVER_PORT)
        return;
    const struct axn_ipv4 ip = in.ip;
    const struct axn_udp u = in.udp;
    CHECK(ip.src == OUR_ADDR && u.dst_port == AXN_DHCP_CLIENT_PORT);
    struct axn_dhcp_msg m;
    CHECK(axn_dhcp_parse(u.payload, u.payload_len, &m) == 0);
    CHECK(m.op == AXN_DHCP_OP_REPLY && (m.present & AXN_DHCP_HAS_SERVER_ID) &&
          m.server_id == OUR_ADDR);
    CHECK(m.msg_type == AXN_DHCP_OFFER || m.msg_type == AXN_DHCP_ACK || m.msg_type == AXN_DHCP_NAK);
    CHECK(m.yiaddr == 0 || (m.yiaddr >= POOL_FIRST && m.yiaddr <= POOL_LAST));
    /* Unicast only an ACK, to the client's address on our subnet. */
    CHECK(ip.dst == BCAST || (m.msg_type == AXN_DHCP_ACK && ip.dst == m.ciaddr &&
                              (ip.dst & SUBNET_MASK) == (OUR_ADDR & SUBNET_MASK)));
}

/* ---- Frames ---------------------------------------------------------------------------- */

static void patch(uint8_t *p, size_t len)
{
    if (len < AXN_DHCP_HDR_LEN)
        return;
    p[OFF_OP] = AXN_DHCP_OP_REQUEST;
    p[OFF_HTYPE] = AXN_DHCP_HTYPE_ETHER;
    p[OFF_HLEN] = ETHER_HLEN;
    p[OFF_CHADDR] &= (uint8_t)~MAC_GROUP;
    axn_put_be32(p + OFF_COOKIE, AXN_DHCP_MAGIC_COOKIE);
}

/* The payload in UDP 68 -> 67, IPv4 and Ethernet; returns the frame length. */
static size_t wrap(const uint8_t *payload, size_t len, uint8_t ctl, uint8_t *frame)
{
    static uint8_t dhcp[PAYLOAD_MAX];
    memcpy(dhcp, payload, len);
    if (ctl & CTL_PATCH)
        patch(dhcp, len);
    struct dhcp_pkt_route r = {.eth_dst = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
                               .dst = BCAST,
                               .sport = AXN_DHCP_CLIENT_PORT,
                               .dport = AXN_DHCP_SERVER_PORT};
    if ((ctl & CTL_UNICAST) && len >= OFF_CIADDR + 4) {
        r.src = axn_get_be32(dhcp + OFF_CIADDR);
        r.dst = OUR_ADDR;
    }
    /* From the client's hardware address when it has one. */
    memset(r.eth_src.b, 0x02, AXN_ETH_ALEN);
    if (len >= OFF_CHADDR + ETHER_HLEN)
        memcpy(r.eth_src.b, dhcp + OFF_CHADDR, ETHER_HLEN);
    r.eth_src.b[0] &= (uint8_t)~MAC_GROUP;
    const size_t fn = dhcp_pkt_frame(&r, dhcp, len, frame, FUZZ_FRAME_MAX);
    CHECK(fn > 0);
    return fn;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *frames[FUZZ_MAX_FRAMES];
    size_t lens[FUZZ_MAX_FRAMES];
    const size_t n = fuzz_split_frames(data, size, frames, lens);
    memset(&last, 0, sizeof(last));
    st = fuzz_stack_start(arena, sizeof(arena), T_START);
    ifindex = fuzz_add_eth(st, OUR_ADDR, PREFIX);
    start_server();
    fuzz_advance(st, 0, MAX_POLLS, check_stats);
    static uint8_t frame[FUZZ_FRAME_MAX];
    for (size_t i = 0; i < n; i++) {
        const size_t len = lens[i] < PAYLOAD_MAX ? lens[i] : PAYLOAD_MAX;
        const uint8_t ctl = len > 0 ? frames[i][len - 1] : 0;
        const uint64_t sent = fuzz_drv_state.tx_frames;
        fuzz_feed(st, frame, wrap(frames[i], len, ctl, frame));
        if (fuzz_drv_state.tx_frames != sent)
            check_reply();
        check_stats();
        fuzz_advance(st, time_steps[ctl % N_OF(time_steps)], MAX_POLLS, check_stats);
    }
    fuzz_advance(st, T_LATE, MAX_POLLS, check_stats);
    CHECK(axn_dhcp_server_leases(st, ifindex, NULL, 0) == 0);
    fuzz_stack_finish(st);
    return 0;
}
