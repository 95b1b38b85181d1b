/*
 * The rate limit on the ICMP errors we send (RFC 1122 3.2.2: "SHOULD
 * limit"; RFC 1812 4.3.2.8): one token bucket per stack, as Linux's
 * icmp_global_allow, AXN_ICMP_MSGS_PER_SEC tokens a second up to
 * AXN_ICMP_MSGS_BURST, full at the start. Echo replies are not limited
 * (Linux icmp_ratemask covers only the error types) and neither is
 * "fragmentation needed", which path MTU discovery depends on.
 */
#ifndef AXN_IP_ICMP4_RATE_H
#define AXN_IP_ICMP4_RATE_H

#include <stdbool.h>
#include <stdint.h>

#include "axnet/types.h"

struct axn_icmp4_rate {
    uint64_t credit;  /* tokens times AXN_USEC_PER_SEC: whole-µs refills stay exact */
    axn_time_t stamp; /* when credit was last refilled */
    bool started;
    uint32_t per_sec;
    uint32_t burst;
};

void axn_icmp4_rate_init(struct axn_icmp4_rate *r, uint32_t per_sec, uint32_t burst);
/* Takes one token if there is one at `now`. */
bool axn_icmp4_rate_allow(struct axn_icmp4_rate *r, axn_time_t now);

#endif /* AXN_IP_ICMP4_RATE_H */
