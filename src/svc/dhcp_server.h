/*
 * The DHCP server's private parts (svc/svc.h declares its interface):
 * the server state, its bounded lease table and the pool allocator.
 *
 * Files: dhcp_server.c (create with the configuration checks, timers,
 * control-plane copies), dhcp_server_msg.c (RFC 2131 4.3: one function per
 * message type, the replies), dhcp_server_pool.c (the lease table).
 *
 * The lease table is allocated whole at create (max_leases entries): the
 * packet path never allocates. At most one entry holds a given address, so
 * "is this address free" and "whose is it" are one scan.
 */
#ifndef AXN_SVC_DHCP_SERVER_H
#define AXN_SVC_DHCP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "svc/svc.h"
#include "wire/dhcp.h"

/* The life of a table entry. */
enum dhcps_state {
    DHCPS_EMPTY = 0, /* never used, or its quarantine ended */
    DHCPS_OFFERED,   /* address held for the key until `expires` (OFFER_HOLD) */
    DHCPS_BOUND,     /* leased until `expires` */
    DHCPS_DECLINED,  /* address quarantined until `expires`; no key */
    /* Released or expired: the address is free, but remembered for the key
     * so the client gets it back (RFC 2131 4.3.1); `expires` says since
     * when, for reusing the oldest first. */
    DHCPS_DORMANT,
};

/* Who a lease is for: the client identifier (option 61) when the client
 * sent one that fits, else the hardware address (RFC 2131 4.2). */
struct dhcps_key {
    bool has_cid;
    uint8_t cid_len;
    uint8_t cid[AXN_DHCP_CLIENT_ID_MAX];
    struct axn_mac mac;
};

struct dhcps_entry {
    uint8_t state; /* enum dhcps_state */
    struct dhcps_key key;
    axn_ip4_t addr;
    axn_time_t expires;
};

/* What the interface says now: the server replies from its address, which
 * may change while the server runs. */
struct dhcps_iface {
    axn_ip4_t server; /* the interface address: source and server id */
    axn_ip4_t mask;   /* the configured netmask, else the interface's */
    axn_ip4_t net;    /* server & mask */
};

struct axn_dhcps {
    struct axn_svc *svc;
    uint32_t ifindex;
    axn_ip4_t pool_first;
    axn_ip4_t pool_last;
    axn_ip4_t netmask; /* 0: the interface's prefix */
    axn_ip4_t router;
    axn_ip4_t dns[AXN_DHCP_MAX_DNS];
    uint8_t n_dns;
    uint8_t domain_len;
    char domain[AXN_DHCP_DOMAIN_MAX];
    uint32_t lease_secs;
    struct axn_dhcp_server_stats stats;
    uint8_t reply[AXN_DHCP_MAX_MSG_SIZE]; /* the reply being built */
    size_t n_entries;
    struct dhcps_entry entries[];
};

/* ---- Interface (dhcp_server.c) ---------------------------------------------- */

/* The interface's address and subnet now; false when it has none, or the
 * pool no longer fits in its subnet (the server is then silent). */
bool axn_dhcps_iface(const struct axn_dhcps *s, struct dhcps_iface *out);

/* ---- Lease table (dhcp_server_pool.c) ---------------------------------------- */

/* Ends what ran out by `now`: offers and leases turn dormant (counted in
 * stats.expired), quarantines end. Returns the next expiry. */
axn_time_t axn_dhcps_expire(struct axn_dhcps *s, axn_time_t now);
/* The entry of a key (any state but EMPTY and DECLINED), or NULL. */
struct dhcps_entry *axn_dhcps_find_key(struct axn_dhcps *s, const struct dhcps_key *k);
/* The entry holding `addr` (any state but EMPTY), or NULL. */
struct dhcps_entry *axn_dhcps_find_addr(struct axn_dhcps *s, axn_ip4_t addr);
/* Whether the entry reserves its address (offered, bound, declined). */
bool axn_dhcps_live(const struct dhcps_entry *e);
/* Whether `addr` is in the pool and not the server's own. */
bool axn_dhcps_in_pool(const struct axn_dhcps *s, const struct dhcps_iface *ifc, axn_ip4_t addr);
/* Whether `addr` can be given to `k`: in the pool and no live entry of
 * another key holds it. */
bool axn_dhcps_addr_free(struct axn_dhcps *s, const struct dhcps_iface *ifc, axn_ip4_t addr,
                         const struct dhcps_key *k);
/*
 * RFC 2131 4.3.1 address choice for a DISCOVER: the key's entry (current
 * or previous binding), else `requested` (0: none) if free, else the first
 * address no entry holds, else the address of the oldest dormant entry.
 * Returns the entry, keyed and holding the address (state unchanged when
 * it was the key's, else DORMANT for the caller to set), or NULL when the
 * pool or the table is exhausted.
 */
struct dhcps_entry *axn_dhcps_allocate(struct axn_dhcps *s, const struct dhcps_iface *ifc,
                                       const struct dhcps_key *k, axn_ip4_t requested);
/* An entry for `k` at the free address `addr` (axn_dhcps_addr_free), or
 * NULL when the table has no room. */
struct dhcps_entry *axn_dhcps_claim(struct axn_dhcps *s, const struct dhcps_key *k, axn_ip4_t addr);

#endif /* AXN_SVC_DHCP_SERVER_H */
