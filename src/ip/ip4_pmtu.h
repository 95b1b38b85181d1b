/*
 * The IPv4 path MTU cache (RFC 1191): what "fragmentation needed" errors
 * taught us about each destination, as Linux's per-destination exceptions
 * (fib_nh_exception, __ip_rt_update_pmtu). AXN_IP4_PMTU_ENTRIES entries at
 * most, the least recently used one replaced; each forgotten
 * AXN_IP4_PMTU_EXPIRE_MS after it was learned (Linux ip_rt_mtu_expires),
 * when RFC 1191 section 6.3 says to probe for a larger MTU again. A value
 * below AXN_IP4_PMTU_MIN (Linux min_pmtu) is raised to it and "locked":
 * datagrams to that destination then go without DF, so routers may
 * fragment them (Linux ip_dont_fragment, dst_metric_locked(RTAX_MTU)).
 *
 * Time is always an argument: nothing here reads a clock.
 */
#ifndef AXN_IP_IP4_PMTU_H
#define AXN_IP_IP4_PMTU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "axnet/config.h"
#include "axnet/types.h"

struct axn_ip4_pmtu_entry {
    axn_ip4_t dst;
    uint32_t mtu;
    axn_time_t expires; /* gone once now reaches it */
    axn_time_t used;    /* last learned or looked up: the LRU order */
    bool valid;
    bool locked; /* learned below AXN_IP4_PMTU_MIN: DF off, no more updates */
};

struct axn_ip4_pmtu {
    struct axn_ip4_pmtu_entry e[AXN_IP4_PMTU_ENTRIES];
    /* Entries ever made valid (dead ones included): 0 means no path MTU
     * was ever learned, and the lookup that every datagram makes needs
     * no scan (the usual case). */
    uint32_t n_valid;
};

/* A learned path MTU. */
struct axn_ip4_pmtu_info {
    uint32_t mtu;
    bool locked;
};

void axn_ip4_pmtu_init(struct axn_ip4_pmtu *c);
/*
 * RFC 1191: `mtu` from a "fragmentation needed" about a datagram to
 * `dst`. As __ip_rt_update_pmtu: never raises a learned value, ignores a
 * locked entry, and below AXN_IP4_PMTU_MIN (0 included: a router older
 * than RFC 1191) stores the minimum, locked. Learning restarts the expiry.
 */
void axn_ip4_pmtu_learn(struct axn_ip4_pmtu *c, axn_ip4_t dst, uint32_t mtu, axn_time_t now);
/* The live entry for `dst` into *out (its LRU time refreshed), or false. */
bool axn_ip4_pmtu_get(struct axn_ip4_pmtu *c, axn_ip4_t dst, axn_time_t now,
                      struct axn_ip4_pmtu_info *out);
/* How many entries are live at `now`. */
size_t axn_ip4_pmtu_count(const struct axn_ip4_pmtu *c, axn_time_t now);

#endif /* AXN_IP_IP4_PMTU_H */
