/*
 * DHCPv4 client and server of a stack (spec §13.1, §13.2; RFC 2131).
 *
 * Client: one per interface configured for DHCP (AXN_IPV4_DHCP, the
 * default for an unconfigured NIC). It starts when the interface is
 * installed and runs the whole RFC 2131 lease life: INIT -> SELECTING ->
 * REQUESTING -> (RFC 5227 ARP probe) -> BOUND -> RENEWING at T1 ->
 * REBINDING at T2 -> expiry, and INIT-REBOOT when a lease is remembered.
 * Every address change is one transactional commit of address, routes and
 * DNS servers (CTL-19). A runtime static address (CTL-21/22) stops it.
 *
 * Server: a pool of addresses leased on one interface (several servers,
 * one per interface). It answers only on its interface, from the
 * interface's own address.
 *
 * Both run inside the stack's poll (core lock held); the calls below take
 * the core lock themselves and may be made from any thread.
 */
#ifndef AXNET_DHCP_H
#define AXNET_DHCP_H

#include "axnet/config.h"
#include "axnet/stack.h"
#include "axnet/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Client ----------------------------------------------------------------- */

/* RFC 2131 figure 5 states, plus the RFC 5227 probe between ACK and BOUND. */
enum axn_dhcp_client_state {
    AXN_DHCPC_STOPPED = 0,     /* no client on this interface */
    AXN_DHCPC_INIT = 1,        /* about to send DISCOVER (or backing off) */
    AXN_DHCPC_SELECTING = 2,   /* DISCOVER sent, waiting for an OFFER */
    AXN_DHCPC_REQUESTING = 3,  /* REQUEST for an OFFER sent, waiting for ACK/NAK */
    AXN_DHCPC_PROBING = 4,     /* ACK taken, ARP-probing the address (RFC 5227) */
    AXN_DHCPC_BOUND = 5,       /* address committed */
    AXN_DHCPC_RENEWING = 6,    /* after T1: REQUEST unicast to the server */
    AXN_DHCPC_REBINDING = 7,   /* after T2: REQUEST broadcast to any server */
    AXN_DHCPC_INIT_REBOOT = 8, /* REQUEST for a remembered lease (RFC 2131 3.2) */
};

/* Counters of one client (cumulative since the client was created). */
struct axn_dhcp_client_stats {
    uint64_t discovers;       /* DHCPDISCOVER sent */
    uint64_t requests;        /* DHCPREQUEST sent (any state) */
    uint64_t declines;        /* DHCPDECLINE sent (ARP conflict) */
    uint64_t releases;        /* DHCPRELEASE sent */
    uint64_t offers;          /* DHCPOFFER accepted */
    uint64_t acks;            /* DHCPACK accepted */
    uint64_t naks;            /* DHCPNAK accepted */
    uint64_t renewals;        /* leases extended in RENEWING or REBINDING */
    uint64_t expiries;        /* leases that ran out */
    uint64_t conflicts;       /* addresses found in use by the ARP probe */
    uint64_t request_giveups; /* REQUESTs never answered: back to DISCOVER */
    /* Replies ignored, by reason (each is also counted in rx_ignored). */
    uint64_t rx_ignored;    /* total of the reasons below */
    uint64_t rx_malformed;  /* bad checksums, bad DHCP framing */
    uint64_t rx_not_ours;   /* wrong xid or chaddr, not a BOOTREPLY */
    uint64_t rx_bad_fields; /* insane mask, non-unicast yiaddr, missing options */
    uint64_t rx_unexpected; /* a valid reply the current state does not want */
};

/* What a client holds now (axn_dhcp_client_info). Times are absolute, in
 * the stack's clock; 0 when there is no lease. */
struct axn_dhcp_lease_info {
    uint32_t ifindex;
    enum axn_dhcp_client_state state;
    bool has_lease;
    axn_ip4_t addr;
    uint8_t prefix_len;
    axn_ip4_t router; /* 0.0.0.0: none */
    axn_ip4_t server; /* the server identifier */
    axn_ip4_t dns[AXN_DHCP_MAX_DNS];
    uint8_t n_dns;
    uint16_t mtu; /* option 26 applied, 0 if none */
    char domain[AXN_DHCP_DOMAIN_MAX];
    uint32_t lease_secs;   /* as granted */
    axn_time_t obtained;   /* when the ACK was taken */
    axn_time_t t1;         /* renew at */
    axn_time_t t2;         /* rebind at */
    axn_time_t expires;    /* lease end */
    axn_time_t next_event; /* the client's next timer */
    uint32_t xid;
    struct axn_dhcp_client_stats stats;
};

/* 0 and a copy, -AXN_ENODEV (no such interface), -AXN_ENOENT (it has no
 * DHCP client). */
int axn_dhcp_client_info(struct axn_stack *st, uint32_t ifindex, struct axn_dhcp_lease_info *out);

/* Whether at least one DHCP client has a committed address (DHCP-13). */
bool axn_dhcp_configured(struct axn_stack *st);

/* Host name sent in option 12 by every client of the stack ("" none,
 * the default). At most AXN_DHCP_HOSTNAME_MAX - 1 bytes: -AXN_EINVAL. */
int axn_dhcp_set_hostname(struct axn_stack *st, const char *hostname);

/* A lease the kernel remembers from before (for example across a reboot):
 * the client starts in INIT-REBOOT asking for `addr` (RFC 2131 3.2).
 * Only before the client has sent anything, or when it is in INIT:
 * -AXN_EBUSY otherwise; -AXN_ENOENT when there is no client. */
int axn_dhcp_client_set_previous(struct axn_stack *st, uint32_t ifindex, axn_ip4_t addr);

/* Releases the lease now (DHCPRELEASE, address/routes/DNS removed) and
 * stops the client, as `ifdown` does. -AXN_ENOENT when there is no client.
 * axn_stack_destroy releases every lease itself. */
int axn_dhcp_client_release(struct axn_stack *st, uint32_t ifindex);

/* Starts a (new) client on an interface (restarts it if one runs): the
 * interface loses any address it has. -AXN_ENODEV, -AXN_EOPNOTSUPP (lo). */
int axn_dhcp_client_start(struct axn_stack *st, uint32_t ifindex);

/*
 * DHCP-14: waits until a client is bound or `timeout` passed (0: the
 * default AXN_DHCP_BOOTSTRAP_ATTEMPTS x AXN_DHCP_BOOTSTRAP_POLL_MS).
 * Threaded stacks only (caller-polled stacks run their own loop with
 * axn_dhcp_configured). 0 when bound, -AXN_ETIMEDOUT (the clients go on
 * in the background), -AXN_ENOENT when there is no client at all.
 */
int axn_dhcp_wait_bound(struct axn_stack *st, axn_time_t timeout);

/* ---- Server ------------------------------------------------------------------ */

struct axn_dhcp_server_config {
    uint32_t ifindex;     /* the interface served; it must have an address */
    axn_ip4_t pool_first; /* the addresses leased, inclusive, in the */
    axn_ip4_t pool_last;  /* interface's subnet, not the interface's own */
    axn_ip4_t netmask;    /* 0: the interface's */
    axn_ip4_t router;     /* 0: none sent */
    axn_ip4_t dns[AXN_DHCP_MAX_DNS];
    uint8_t n_dns;
    char domain[AXN_DHCP_DOMAIN_MAX]; /* "" none */
    uint32_t lease_secs;              /* 0: AXN_DHCPS_LEASE_SECS */
    uint32_t max_leases;              /* 0: AXN_DHCPS_MAX_LEASES */
};

struct axn_dhcp_server_stats {
    uint64_t discovers, requests, declines, releases, informs; /* received, valid */
    uint64_t offers, acks, naks;                               /* sent */
    uint64_t rx_ignored;     /* malformed, or not for this server */
    uint64_t pool_exhausted; /* DISCOVERs left unanswered: no free address */
    uint64_t expired;        /* leases that ran out */
};

/* One lease of a server (axn_dhcp_server_leases). */
struct axn_dhcp_server_lease {
    axn_ip4_t addr;
    struct axn_mac mac;
    uint8_t client_id[AXN_DHCP_CLIENT_ID_MAX];
    uint8_t client_id_len;
    bool offered_only; /* offered, not yet acknowledged */
    bool declined;     /* quarantined after a DECLINE */
    axn_time_t expires;
};

/* Starts a server (or replaces the interface's): -AXN_EINVAL (bad pool,
 * pool outside the subnet or holding the interface address), -AXN_ENODEV,
 * -AXN_EADDRNOTAVAIL (the interface has no address), -AXN_ENOMEM. */
int axn_dhcp_server_start(struct axn_stack *st, const struct axn_dhcp_server_config *cfg);
/* -AXN_ENOENT when the interface has no server. */
int axn_dhcp_server_stop(struct axn_stack *st, uint32_t ifindex);
int axn_dhcp_server_stats(struct axn_stack *st, uint32_t ifindex,
                          struct axn_dhcp_server_stats *out);
/* Copies at most `max` leases; returns how many the server holds, or a
 * negative errno (-AXN_ENOENT). */
long axn_dhcp_server_leases(struct axn_stack *st, uint32_t ifindex,
                            struct axn_dhcp_server_lease *out, size_t max);

#ifdef __cplusplus
}
#endif

#endif /* AXNET_DHCP_H */
