/*
 * The whole receive path a hostile frame takes (spec TEST-26, RT-24 [BUG],
 * ETH-4..9, ETH-12, RT-28, RT-16, RT-38): driver -> Ethernet adapter
 * (parse, destination filter, ARP input with replies and the pending-queue
 * flush, IPv4/IPv6 hand-off) -> router RX batch -> shared RX queue ->
 * axn_router_deliver -> the protocol core's input hook, which parses what
 * it gets as IPv4 or IPv6 the way the IP layer will.
 *
 * One stack per input, on port/none (single thread, counted locks, its own
 * arena), caller-polled in virtual time with one device on a scripted
 * driver. The input is one or more frames separated by fuzz_stack.h's separator; each is
 * fed three times: as it is, sent to our MAC, and broadcast, so that
 * captured frames (the seeds are fuzz/corpus/ethernet) get past the
 * destination filter. An ARP frame also picks our address (its target)
 * and, when its sender is on our subnet, finds a packet waiting for it.
 *
 * Trapped: any crash or sanitizer report; a driver-contract breach; a
 * broken lock rule; a packet reaching the core that is not exactly the
 * frame's payload with the frame's length, EtherType and ifindex; RX
 * counters that move otherwise than RT-38 and ETH-4..9 say for the frame
 * (classified independently with the wire parsers); TX counters that
 * differ from what the driver transmitted, or a transmitted frame that is
 * short or not from our MAC; and a leak once the stack is destroyed.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "axnet/netctl.h"
#include "axnet/port_none.h"
#include "axnet/stack.h"
#include "core/stack_impl.h"
#include "support/fuzz_check.h"
#include "support/fuzz_stack.h"
#include "wire/arp.h"
#include "wire/ethernet.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"

/* ---- Constants ------------------------------------------------------------------------ */

#define ARENA_BYTES  (4u * 1024u * 1024u)
#define FEEDS        3u /* as is, to our MAC, broadcast */
#define PREFIX       24u
#define PREFIX_MASK  0xffffff00u
#define DEFAULT_ADDR AXN_IP4(192, 0, 2, 10)
#define OUT_PAYLOAD  18u /* the packet we queue for an ARP sender */
#define OUT_TTL      64u
#define OUT_PROTO    17u
#define T_START      AXN_SEC(1)
#define T_STEP       AXN_MSEC(10)
/* Late enough that every retry, failure and aging timer has run. */
#define T_LATE                                                                                     \
    (AXN_MSEC(AXN_ARP_REQUEST_RETRY_MS) * (AXN_ARP_MAX_REQUESTS + 1u) +                            \
     AXN_MSEC(AXN_ARP_PENDING_MAX_AGE_MS))

static const struct axn_mac bcast_mac = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};

static _Alignas(64) unsigned char arena[ARENA_BYTES];

/* ---- The protocol core's stand-in ------------------------------------------------------- */

/* The frame being fed, and what the core was handed of it. */
static struct {
    const uint8_t *frame;
    size_t len;
    uint32_t ifindex;
    size_t delivered;
} F;

static void core_input(void *ctx, const uint8_t *pkt, size_t len, const struct axn_rx_meta *meta,
                       axn_time_t now)
{
    (void)ctx;
    (void)now;
    F.delivered++;
    /* Exactly the frame's payload, tagged with its frame (RT-28 pairing). */
    CHECK(F.frame != NULL && F.len > AXN_ETH_HLEN);
    CHECK(meta->ifindex == F.ifindex);
    CHECK(meta->frame_len == F.len);
    CHECK(len == F.len - AXN_ETH_HLEN && len > 0);
    CHECK(memcmp(pkt, F.frame + AXN_ETH_HLEN, len) == 0);
    const uint16_t type = (uint16_t)(F.frame[AXN_ETH_HLEN - 2] << 8 | F.frame[AXN_ETH_HLEN - 1]);
    CHECK(meta->ethertype == type);
    /* The IP layer's dispatch: parse by version, check what it claims. */
    if (meta->ethertype == AXN_ETHERTYPE_IPV4) {
        struct axn_ipv4 ip;
        if (axn_ipv4_parse(pkt, len, &ip, 0) == 0)
            CHECK(ip.hdr_len >= AXN_IPV4_HDR_MIN && ip.total_len <= len &&
                  ip.hdr_len + ip.payload_len == ip.total_len);
    } else {
        CHECK(meta->ethertype == AXN_ETHERTYPE_IPV6);
        struct axn_ipv6 ip6;
        if (axn_ipv6_parse(pkt, len, &ip6) == 0)
            CHECK(len >= AXN_IPV6_HDR_LEN);
    }
}

/* ---- The run ------------------------------------------------------------------------------ */

static bool usable_unicast(axn_ip4_t a)
{
    return !axn_ip4_is_unspecified(a) && !axn_ip4_is_broadcast(a) && !axn_ip4_is_multicast(a) &&
           !axn_ip4_is_loopback(a);
}

/* Our address and, from an ARP frame, a neighbour worth waiting for. */
static axn_ip4_t pick_address(const uint8_t *frame, size_t len, axn_ip4_t *wait_for)
{
    *wait_for = 0;
    struct axn_eth eth;
    struct axn_arp arp;
    if (axn_eth_parse(frame, len, &eth) != 0 || eth.ethertype != AXN_ETHERTYPE_ARP ||
        axn_arp_parse(eth.payload, eth.payload_len, &arp) != 0 || !usable_unicast(arp.target_ip))
        return DEFAULT_ADDR;
    if (usable_unicast(arp.sender_ip) && arp.sender_ip != arp.target_ip &&
        (arp.sender_ip & PREFIX_MASK) == (arp.target_ip & PREFIX_MASK))
        *wait_for = arp.sender_ip;
    return arp.target_ip;
}

/* A packet from us to `dst`, queued by the router like the core's output. */
static void queue_packet(struct axn_stack *st, axn_ip4_t src, axn_ip4_t dst)
{
    uint8_t pkt[AXN_IPV4_HDR_MIN + OUT_PAYLOAD];
    memset(pkt, 0, sizeof(pkt));
    const struct axn_ipv4 ip = {
        .ttl = OUT_TTL,
        .protocol = OUT_PROTO,
        .src = src,
        .dst = dst,
        .payload = pkt + AXN_IPV4_HDR_MIN,
        .payload_len = OUT_PAYLOAD,
    };
    CHECK(axn_ipv4_emit(&ip, pkt, sizeof(pkt)) == (int)sizeof(pkt));
    st->plat->mutex_lock(st->core_lock);
    CHECK(axn_router_output(&st->router, pkt, sizeof(pkt), fuzz_now) == 0);
    st->plat->mutex_unlock(st->core_lock);
}

static struct axn_link_stats link_stats(struct axn_stack *st, uint32_t ifindex)
{
    struct axn_link_stats s;
    CHECK(axn_ctl_link_stats(st, ifindex, &s) == 0);
    return s;
}

/* TX counters are exactly what the driver transmitted (RT-38). */
static void check_tx(struct axn_stack *st, uint32_t ifindex)
{
    const struct axn_link_stats s = link_stats(st, ifindex);
    CHECK(s.tx_packets == fuzz_drv_state.tx_frames && s.tx_bytes == fuzz_drv_state.tx_bytes);
}

/* What RT-38 and ETH-4..9 say one frame does to the counters. */
struct expect {
    uint64_t rx, errors, dropped;
    size_t delivered;
};

static bool for_us(const struct axn_mac *dst)
{
    return axn_mac_is_broadcast(dst) || axn_mac_is_zero(dst) || axn_mac_equal(dst, &fuzz_our_mac);
}

static struct expect expect_of(const uint8_t *frame, size_t len)
{
    struct expect e = {0};
    if (len > AXN_ETH_FRAME_MAX) {
        e.dropped = 1; /* over-MTU RX */
        return e;
    }
    struct axn_eth eth;
    const int r = axn_eth_parse(frame, len, &eth);
    if (r == AXN_WIRE_EVLAN || r == AXN_WIRE_EUNSUPP) {
        e.rx = e.dropped = 1; /* ETH-9: no protocol of ours */
        return e;
    }
    if (r < 0) {
        e.errors = 1; /* ETH-5 */
        return e;
    }
    if (!for_us(&eth.dst))
        return e; /* ETH-6: ignored, uncounted */
    struct axn_arp arp;
    switch (eth.ethertype) {
    case AXN_ETHERTYPE_IPV4:
    case AXN_ETHERTYPE_IPV6:
        if (eth.payload_len == 0)
            e.errors = 1; /* an IP frame with no IP header */
        else
            e.rx = e.delivered = 1; /* ETH-7 */
        return e;
    case AXN_ETHERTYPE_ARP:
        e.rx = 1; /* ETH-8, and ETH-12: malformed is an error too */
        e.errors = axn_arp_parse(eth.payload, eth.payload_len, &arp) != 0;
        return e;
    default:
        e.rx = e.dropped = 1; /* ETH-9 */
        return e;
    }
}

/* Feeds one frame and polls once: it is counted as RT-38 says, and reaches
 * the core at most once, exactly as it came. */
static void feed(struct axn_stack *st, const uint8_t *frame, size_t len)
{
    const struct axn_link_stats before = link_stats(st, F.ifindex);
    const size_t delivered = F.delivered;
    F.frame = frame;
    F.len = len;
    fuzz_feed(st, frame, len);
    CHECK(axn_router_rx_idle(&st->router));
    const struct axn_link_stats after = link_stats(st, F.ifindex);
    const struct expect e = expect_of(frame, len);
    CHECK(after.rx_packets - before.rx_packets == e.rx);
    CHECK(after.rx_bytes - before.rx_bytes == e.rx * len);
    CHECK(after.rx_errors - before.rx_errors == e.errors);
    CHECK(after.rx_dropped - before.rx_dropped == e.dropped);
    CHECK(F.delivered - delivered == e.delivered);
    check_tx(st, F.ifindex);
    F.frame = NULL;
    fuzz_now += T_STEP;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *frames[FUZZ_MAX_FRAMES];
    size_t lens[FUZZ_MAX_FRAMES];
    const size_t n = fuzz_split_frames(data, size, frames, lens);

    memset(&F, 0, sizeof(F));
    struct axn_stack *st = fuzz_stack_start(arena, sizeof(arena), T_START);
    const struct axn_proto_hooks proto = {.input = core_input};
    axn_stack_set_proto(st, &proto);
    axn_ip4_t wait_for;
    const axn_ip4_t addr = pick_address(frames[0], lens[0], &wait_for);
    F.ifindex = fuzz_add_eth(st, addr, PREFIX);
    if (wait_for != 0)
        queue_packet(st, addr, wait_for);
    axn_stack_poll(st, fuzz_now); /* the announcement, the request, if any */
    check_tx(st, F.ifindex);

    uint8_t copy[FUZZ_FRAME_MAX];
    for (size_t i = 0; i < n; i++) {
        const size_t len = lens[i] < sizeof(copy) ? lens[i] : sizeof(copy);
        memcpy(copy, frames[i], len);
        feed(st, copy, len);
        for (size_t v = 1; v < FEEDS && len >= AXN_ETH_ALEN; v++) {
            memcpy(copy, frames[i], len);
            memcpy(copy, (v == 1 ? &fuzz_our_mac : &bcast_mac)->b, AXN_ETH_ALEN);
            feed(st, copy, len);
        }
    }
    /* Timers: retries, resolution failure, aging of what still waits. */
    fuzz_now += T_LATE;
    axn_stack_poll(st, fuzz_now);
    fuzz_check_locks();
    check_tx(st, F.ifindex);
    struct axn_stack_stats ss;
    axn_ctl_stack_stats(st, &ss);
    CHECK(ss.out_malformed == 0);
    CHECK(ss.arp_unresolved <= (wait_for != 0 ? 1u : 0u));
    const struct axn_link_stats lo = link_stats(st, AXN_IFINDEX_LOOPBACK);
    CHECK(lo.rx_packets == 0 && lo.tx_packets == 0);

    fuzz_stack_finish(st);
    return 0;
}
