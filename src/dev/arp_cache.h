/*
 * The neighbour table of one Ethernet device (spec ETH-10..16).
 *
 * A fixed array of AXN_ARP_CACHE_SIZE entries, embedded in the device: no
 * allocation. An entry is either RESOLVED (we know the MAC until `expires`)
 * or INCOMPLETE (we asked and wait for an answer). When the table is full,
 * a new address takes a free slot, else an expired one, else the entry
 * that was created or learned the longest time ago.
 *
 * Resolved entries are learned only from ARP input (ETH-13) and live
 * AXN_ARP_NEIGHBOR_TTL_S seconds; an expired entry is treated as missing
 * by every lookup (ETH-10c) and left in place until it is reused.
 *
 * Not locked: the device calls it under its own lock.
 */
#ifndef AXN_DEV_ARP_CACHE_H
#define AXN_DEV_ARP_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "axnet/config.h"
#include "axnet/netif.h"
#include "axnet/types.h"

/* How long a learned neighbour stays valid (ETH-12 step 5). */
#define AXN_ARP_NEIGHBOR_TTL AXN_SEC(AXN_ARP_NEIGHBOR_TTL_S)
/* Minimum gap between two requests for one address (ETH-10d). */
#define AXN_ARP_REQUEST_RETRY AXN_MSEC(AXN_ARP_REQUEST_RETRY_MS)

enum axn_arp_state {
    AXN_ARP_FREE = 0,
    AXN_ARP_INCOMPLETE = 1, /* request sent, no answer yet */
    AXN_ARP_RESOLVED = 2,   /* MAC known (possibly expired: check `expires`) */
};

struct axn_arp_neigh {
    axn_ip4_t ip;
    enum axn_arp_state state;
    axn_time_t stamp; /* created or learned: the oldest is replaced first */
    /* RESOLVED */
    struct axn_mac mac;
    axn_time_t expires;
    /* INCOMPLETE */
    axn_time_t first_request;
    axn_time_t last_request;
    uint32_t requests; /* sent so far, the first one included */
};

struct axn_arp_cache {
    struct axn_arp_neigh e[AXN_ARP_CACHE_SIZE];
    /* When the earliest INCOMPLETE entry is next due (AXN_TIME_NEVER: none),
     * recomputed by every call that changes an entry. The device asks for
     * its timers on every poll; ARP changes are rare, so the poll reads one
     * word instead of scanning the table. */
    axn_time_t next_due;
};

/* Forgets every entry (ETH-15). Also how a cache is initialised. */
void axn_arp_cache_clear(struct axn_arp_cache *c);

/* The MAC of `ip` if resolved and not expired at `now` (ETH-10b/c). */
bool axn_arp_cache_lookup(const struct axn_arp_cache *c, axn_ip4_t ip, axn_time_t now,
                          struct axn_mac *mac);

/* The entry of `ip` in any state (expired included), or NULL. */
struct axn_arp_neigh *axn_arp_cache_find(struct axn_arp_cache *c, axn_ip4_t ip);

/* Records `ip` -> `mac` valid until now + TTL; ends any resolution of `ip`
 * (ETH-12 step 5). */
void axn_arp_cache_learn(struct axn_arp_cache *c, axn_ip4_t ip, const struct axn_mac *mac,
                         axn_time_t now);

/*
 * Whether a request for `ip` should go out at `now` (ETH-10c/d): true when
 * there is no valid entry and no outstanding request, or the last request
 * is at least AXN_ARP_REQUEST_RETRY old.
 */
bool axn_arp_cache_request_due(const struct axn_arp_cache *c, axn_ip4_t ip, axn_time_t now);

/* Records that a request for `ip` went out at `now` (ETH-11): starts a new
 * resolution (1 request) unless one is under way, which counts one more. */
void axn_arp_cache_note_request(struct axn_arp_cache *c, axn_ip4_t ip, axn_time_t now);

/* Removes the entry of `ip`, if any. */
void axn_arp_cache_forget(struct axn_arp_cache *c, axn_ip4_t ip);

/* An INCOMPLETE entry whose next request (or failure) is due at `now`, or
 * NULL. The caller must either note a request or forget it before asking
 * again, or it gets the same entry back. */
struct axn_arp_neigh *axn_arp_cache_next_due(struct axn_arp_cache *c, axn_time_t now);

/* When the earliest INCOMPLETE entry is next due; AXN_TIME_NEVER if none. */
axn_time_t axn_arp_cache_next_deadline(const struct axn_arp_cache *c);

/*
 * Fills out[0 .. max) with the resolved, non-expired entries at `now` in
 * the /proc/net/arp shape (ETH-16), naming device `dev`. Returns how many
 * exist, which may exceed `max`.
 */
size_t axn_arp_cache_export(const struct axn_arp_cache *c, axn_time_t now, const char *dev,
                            struct axn_arp_entry *out, size_t max);

#endif /* AXN_DEV_ARP_CACHE_H */
