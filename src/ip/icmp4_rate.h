/*
 * The rate limits on the ICMP messages we send, as Linux's
 * icmpv4_global_allow / icmpv4_xrlim_allow (net/ipv4/icmp.c):
 *
 * - icmp_ratemask (AXN_ICMP4_RATEMASK, bit n: type n) decides which types
 *   are limited at all; "fragmentation needed", which path MTU discovery
 *   depends on (RFC 1191), and types above NR_ICMP_TYPES never are.
 * - One token bucket per stack (icmp_global_allow): AXN_ICMP_MSGS_PER_SEC
 *   tokens a second up to AXN_ICMP_MSGS_BURST, full at the start.
 * - One bucket per destination host (inet_peer_xrlim_allow): one message
 *   per AXN_ICMP4_RATELIMIT_MS, up to a burst of six, in a table of
 *   AXN_ICMP4_RATE_PEERS hosts whose least recently used entry is
 *   replaced. Destinations reached through loopback are not limited.
 *
 * As Linux since "icmp: change the order of rate limits" (6.12): the
 * global bucket is checked first but spent only once the destination's
 * bucket has allowed the message. Time is always an argument.
 */
#ifndef AXN_IP_ICMP4_RATE_H
#define AXN_IP_ICMP4_RATE_H

#include <stdbool.h>
#include <stdint.h>

#include "axnet/config.h"
#include "axnet/types.h"

/* One destination host (Linux struct inet_peer's rate_tokens/rate_last). */
struct axn_icmp4_rate_peer {
    axn_ip4_t addr;
    bool used;
    axn_time_t last;   /* when the bucket was last looked at */
    axn_time_t tokens; /* credit in µs: one message costs the limit's period */
};

struct axn_icmp4_rate {
    uint64_t credit;  /* tokens times AXN_USEC_PER_SEC: whole-µs refills stay exact */
    axn_time_t stamp; /* when credit was last refilled */
    bool started;
    uint32_t per_sec;
    uint32_t burst;
    /* Linux net.ipv4.icmp_ratemask and icmp_ratelimit; start at the
     * config.h defaults, may be changed at run time. */
    uint32_t mask;
    uint32_t peer_ms;
    uint64_t limited_host; /* refused by a destination's bucket (Linux OutRateLimitHost) */
    struct axn_icmp4_rate_peer peers[AXN_ICMP4_RATE_PEERS];
};

/* What axn_icmp4_rate_xmit decided. */
enum axn_icmp4_rate_verdict {
    AXN_ICMP4_RATE_OK,     /* send it (a token was spent if the type is limited) */
    AXN_ICMP4_RATE_GLOBAL, /* the stack's bucket is empty (OutRateLimitGlobal) */
    AXN_ICMP4_RATE_HOST,   /* the destination's bucket is empty (OutRateLimitHost) */
};

void axn_icmp4_rate_init(struct axn_icmp4_rate *r, uint32_t per_sec, uint32_t burst);
/* Takes one token from the stack's bucket if there is one at `now`. */
bool axn_icmp4_rate_allow(struct axn_icmp4_rate *r, axn_time_t now);
/* True if messages of this type and code are rate limited at all
 * (Linux icmpv4_mask_allow, negated). */
bool axn_icmp4_rate_limited_type(const struct axn_icmp4_rate *r, uint8_t type, uint8_t code);
/* Takes one message's worth from `dst`'s bucket if it holds one at `now`
 * (Linux inet_peer_xrlim_allow), adding `dst` to the table if needed. */
bool axn_icmp4_rate_peer_allow(struct axn_icmp4_rate *r, axn_ip4_t dst, axn_time_t now);
/* The whole decision for one message of `type`/`code` to `dst` at `now`;
 * `loopback` when the route to `dst` is through the loopback device (a
 * loopback or local address), which no destination bucket limits. */
enum axn_icmp4_rate_verdict axn_icmp4_rate_xmit(struct axn_icmp4_rate *r, uint8_t type,
                                                uint8_t code, axn_ip4_t dst, bool loopback,
                                                axn_time_t now);

/* The same for the IP layer (defined in icmp4_error.c, which knows the
 * routes): `loopback` decided from `dst`, a global refusal counted in
 * OutRateLimitGlobal; 0 to send, -AXN_EAGAIN when limited. Every ICMP
 * message we originate should pass here (Linux icmp_reply and
 * __icmp_send both do), so that icmp_ratemask bit 0 can limit echo
 * replies. */
struct axn_ip4;
int axn_icmp4_xmit_allow(struct axn_ip4 *ip, uint8_t type, uint8_t code, axn_ip4_t dst,
                         axn_time_t now);

#endif /* AXN_IP_ICMP4_RATE_H */
