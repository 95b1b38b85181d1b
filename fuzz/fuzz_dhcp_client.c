/*
 * Hostile DHCP replies against a running DHCP client (src/svc/dhcp_client*.c),
 * not only the parser: one stack per input on port/none with one Ethernet
 * device configured AXN_IPV4_DHCP, on a scripted driver, in virtual time.
 *
 * Input: byte 0 picks the client's state before the fuzzed replies
 * (bits 0-1: SELECTING just after the DISCOVER; REQUESTING after a
 * scripted OFFER; BOUND after OFFER, ACK and the probe; RENEWING at T1),
 * bit 2 whether each reply gets the client's xid, chaddr and BOOTREPLY
 * header patched in (so the deep paths are reached), bits 3-7 how far
 * time moves after each reply. The rest is split at fuzz_stack.h's frame
 * separator; every piece is one UDP payload from 10.0.0.1:67 to
 * 255.255.255.255:68 with correct IPv4 and UDP checksums. Then time runs
 * past every retransmission, T1, T2 and the expiry of a scripted lease, and
 * the stack is destroyed (a bound client releases).
 *
 * Trapped: any crash or sanitizer report, a driver-contract breach or a
 * bad transmitted frame (fuzz_stack.c), a broken lock rule, counters that
 * do not add up (rx_ignored is the sum of its reasons), and any block
 * left in the arena.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "axnet/dhcp.h"
#include "axnet/netif.h"
#include "axnet/stack.h"
#include "dhcp_pkt.h"
#include "support/fuzz_check.h"
#include "support/fuzz_stack.h"
#include "wire/dhcp.h"
#include "wire/ethernet.h"
#include "wire/ipv4.h"
#include "wire/udp.h"

#define ARENA_BYTES (8u * 1024u * 1024u)
#define T_START     AXN_SEC(1)
#define SRV_ADDR    AXN_IP4(10, 0, 0, 1)
#define OFFER_ADDR  AXN_IP4(10, 0, 0, 60)
#define MASK24      AXN_IP4(255, 255, 255, 0)
#define LEASE_SECS  120u
#define MAX_POLLS   64u
#define BCAST       AXN_IP4(255, 255, 255, 255)
/* The whole scripted life: retransmissions, T1, T2, expiry, a new DISCOVER. */
#define T_LATE AXN_SEC(2u * LEASE_SECS + AXN_DHCP_RETX_MAX_MS / 1000u)
/* Time steps after each reply (byte 0 bits 3-7, x 250 ms: up to ~8 s). */
#define STEP_UNIT  AXN_MSEC(250)
#define STEP_SHIFT 3u
/* Byte 0. */
#define MODE_MASK  0x03u
#define MODE_SEL   0u
#define MODE_REQ   1u
#define MODE_BOUND 2u
#define MODE_RENEW 3u
#define PATCH_BIT  0x04u
/* BOOTP header offsets (RFC 2131 2). */
#define OFF_OP     0u
#define OFF_HTYPE  1u
#define OFF_HLEN   2u
#define OFF_XID    4u
#define OFF_CHADDR 28u
/* How long the probe takes at most (RFC 5227, config.h). */
#define T_PROBE                                                                                    \
    AXN_MSEC(AXN_DHCP_PROBE_WAIT_MS + AXN_DHCP_PROBE_NUM * AXN_DHCP_PROBE_MAX_MS +                 \
             AXN_DHCP_ANNOUNCE_WAIT_MS + 100u)

static _Alignas(64) unsigned char arena[ARENA_BYTES];
static const struct axn_mac srv_mac = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};
static uint8_t frame[FUZZ_FRAME_MAX];

/* An Ethernet broadcast frame carrying `payload` as UDP 67 -> 68. */
static size_t wrap(const uint8_t *payload, size_t len)
{
    const size_t room = FUZZ_FRAME_MAX - AXN_ETH_HLEN - AXN_IPV4_HDR_MIN - AXN_UDP_HDR_LEN;
    if (len > room)
        len = room;
    const struct dhcp_pkt_route r = {.eth_src = srv_mac,
                                     .eth_dst = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
                                     .src = SRV_ADDR,
                                     .dst = BCAST,
                                     .sport = AXN_DHCP_SERVER_PORT,
                                     .dport = AXN_DHCP_CLIENT_PORT};
    const size_t fn = dhcp_pkt_frame(&r, payload, len, frame, sizeof(frame));
    CHECK(fn > 0);
    return fn;
}

static struct axn_dhcp_lease_info client(struct axn_stack *st)
{
    struct axn_dhcp_lease_info li;
    CHECK(axn_dhcp_client_info(st, AXN_IFINDEX_FIRST_ETH, &li) == 0);
    const struct axn_dhcp_client_stats *s = &li.stats;
    CHECK(s->rx_ignored == s->rx_malformed + s->rx_not_ours + s->rx_bad_fields + s->rx_unexpected);
    return li;
}

/* A well-formed server reply of `type` to the client's current xid. */
static void scripted(struct axn_stack *st, uint8_t type)
{
    struct axn_dhcp_msg m;
    dhcp_pkt_reply(&m, type, client(st).xid, fuzz_our_mac.b);
    m.yiaddr = OFFER_ADDR;
    m.present |= AXN_DHCP_HAS_SERVER_ID | AXN_DHCP_HAS_SUBNET_MASK | AXN_DHCP_HAS_ROUTER |
                 AXN_DHCP_HAS_LEASE_TIME;
    m.server_id = SRV_ADDR;
    m.subnet_mask = MASK24;
    m.router = SRV_ADDR;
    m.lease_time = LEASE_SECS;
    uint8_t buf[AXN_DHCP_MIN_LEN + 64];
    const int n = axn_dhcp_emit(&m, buf, sizeof(buf));
    CHECK(n > 0);
    fuzz_feed(st, frame, wrap(buf, (size_t)n));
}

/* Drives the client to the state byte 0 asks for. */
static void prepare(struct axn_stack *st, unsigned mode)
{
    fuzz_advance(st, AXN_MSEC(1), MAX_POLLS, NULL); /* the DISCOVER */
    if (mode == MODE_SEL)
        return;
    scripted(st, AXN_DHCP_OFFER);
    CHECK(client(st).state == AXN_DHCPC_REQUESTING);
    if (mode == MODE_REQ)
        return;
    scripted(st, AXN_DHCP_ACK);
    fuzz_advance(st, T_PROBE, MAX_POLLS, NULL);
    const struct axn_dhcp_lease_info li = client(st);
    CHECK(li.state == AXN_DHCPC_BOUND && li.addr == OFFER_ADDR);
    if (mode == MODE_RENEW)
        fuzz_advance(st, li.t1 - fuzz_now, MAX_POLLS, NULL);
}

/* The client's own xid, chaddr and a BOOTREPLY header, where they fit. */
static void patch(struct axn_stack *st, uint8_t *p, size_t len)
{
    if (len < OFF_CHADDR + AXN_MAC_LEN)
        return;
    p[OFF_OP] = AXN_DHCP_OP_REPLY;
    p[OFF_HTYPE] = AXN_DHCP_HTYPE_ETHER;
    p[OFF_HLEN] = AXN_MAC_LEN;
    const uint32_t xid = client(st).xid;
    p[OFF_XID] = (uint8_t)(xid >> 24);
    p[OFF_XID + 1] = (uint8_t)(xid >> 16);
    p[OFF_XID + 2] = (uint8_t)(xid >> 8);
    p[OFF_XID + 3] = (uint8_t)xid;
    memcpy(p + OFF_CHADDR, fuzz_our_mac.b, AXN_MAC_LEN);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const uint8_t ctl = data[0];
    struct axn_stack *st = fuzz_stack_start(arena, sizeof(arena), T_START);
    struct axn_iface_config ic;
    memset(&ic, 0, sizeof(ic));
    ic.match = AXN_MATCH_ORDER;
    ic.ipv4_mode = AXN_IPV4_DHCP;
    const struct axn_net_config cfg = {.ifaces = &ic, .n_ifaces = 1};
    const struct axn_eth_driver *drv[1] = {&fuzz_eth_driver};
    CHECK(axn_stack_init_network(st, drv, 1, &cfg, fuzz_now) == 0);
    prepare(st, ctl & MODE_MASK);
    const uint8_t *pieces[FUZZ_MAX_FRAMES];
    size_t lens[FUZZ_MAX_FRAMES];
    const size_t n = fuzz_split_frames(data + 1, size - 1, pieces, lens);
    static uint8_t msg[FUZZ_FRAME_MAX];
    for (size_t i = 0; i < n; i++) {
        const size_t len = lens[i] < sizeof(msg) ? lens[i] : sizeof(msg);
        memcpy(msg, pieces[i], len);
        if (ctl & PATCH_BIT)
            patch(st, msg, len);
        fuzz_feed(st, frame, wrap(msg, len));
        fuzz_advance(st, STEP_UNIT * (ctl >> STEP_SHIFT), MAX_POLLS, NULL);
        (void)client(st);
    }
    fuzz_advance(st, T_LATE, MAX_POLLS, NULL);
    (void)client(st);
    fuzz_stack_finish(st);
    return 0;
}
