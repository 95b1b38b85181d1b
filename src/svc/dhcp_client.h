/*
 * Inside the DHCPv4 client (RFC 2131; the public contract is svc/svc.h
 * and include/axnet/dhcp.h). Not for use outside src/svc/dhcp_client*.c.
 *
 * Files: dhcp_client.c (life and public entry points: create, destroy,
 * link, poll, queries), dhcp_client_timer.c (retransmission, T1/T2,
 * expiry and the transitions on timers), dhcp_client_input.c (replies by
 * state: taken on receive, acted on from the poll), dhcp_client_msg.c
 * (building every message we send, validating every reply),
 * dhcp_client_lease.c (commit and uncommit through the control plane,
 * lease times, logging), dhcp_client_probe.c (RFC 5227 probe of an
 * acknowledged address before it is used, then DECLINE or bind, and our
 * announcement).
 *
 * Input never sends and never commits: it only records what a reply means
 * (c->event) and asks for a poll now. Every transmission and commit runs
 * from axn_dhcpc_poll, so none happens inside the receive path.
 */
#ifndef AXN_SVC_DHCP_CLIENT_H
#define AXN_SVC_DHCP_CLIENT_H

#include "svc/svc.h"
#include "wire/dhcp.h"

/* Largest message we build: every option we send fits in the BOOTP
 * minimum plus the host name, far below RFC 2131's 576-byte floor. */
#define DHCPC_TX_MAX 576u

/* RFC 2131 3.1.5 asks no wait after a NAK; a short one keeps a server
 * that NAKs everything from driving a DISCOVER storm. */
#define DHCPC_NAK_WAIT_MS 1000u

/* RFC 5227 1.1: ANNOUNCE_INTERVAL, between the device's announcement (it
 * makes one when the address is set) and ours. */
#define DHCPC_ANNOUNCE_INTERVAL_MS 2000u

/* The lease "infinity" of RFC 2131 3.3. */
#define DHCPC_LEASE_INFINITE 0xffffffffu

/* Client identifier (option 61): hardware type 1 then the MAC (RFC 2132 9.14). */
#define DHCPC_CLIENT_ID_LEN (1u + AXN_MAC_LEN)

/* Why a reply was ignored (each is one counter of axn_dhcp_client_stats). */
enum dhcpc_verdict {
    DHCPC_OK = 0,
    DHCPC_MALFORMED,
    DHCPC_NOT_OURS,
    DHCPC_BAD_FIELDS,
    DHCPC_UNEXPECTED,
};

/* What an OFFER or ACK gives, validated (dhcp_client_msg.c). */
struct dhcpc_lease {
    axn_ip4_t addr;
    uint8_t prefix_len;
    axn_ip4_t router; /* 0: none usable */
    axn_ip4_t server; /* server identifier */
    axn_ip4_t dns[AXN_DHCP_MAX_DNS];
    uint8_t n_dns;
    uint16_t mtu; /* option 26 as sent, 0 if absent */
    char domain[AXN_DHCP_DOMAIN_MAX];
    uint32_t lease_secs;       /* raised to AXN_DHCP_MIN_LEASE_SECS */
    uint32_t t1_secs, t2_secs; /* sanitized: 0 < t1 < t2 < lease */
    /* Absolute times, set when the lease is taken (AXN_TIME_NEVER for
     * an infinite lease). */
    axn_time_t obtained, t1, t2, expires;
};

/* What input recorded for the poll to act on. */
enum dhcpc_event {
    DHCPC_EV_NONE = 0,
    DHCPC_EV_ACK,
    DHCPC_EV_NAK,
};

struct axn_dhcpc {
    struct axn_svc *svc;
    const struct axn_platform *plat;
    uint32_t ifindex;
    struct axn_mac mac;
    const char *hostname; /* svc->hostname: read at every send */
    char name[AXN_IFNAMSIZ];
    uint32_t base_mtu; /* the device's own MTU (axn_ctl_base_mtu), not a lease's */

    enum axn_dhcp_client_state state;
    bool link_up;
    uint32_t xid;
    axn_time_t started;     /* when this exchange began (secs field) */
    uint16_t discover_secs; /* REQUESTING repeats the DISCOVER's (4.4.1) */
    axn_time_t next;        /* the state's timer */
    unsigned tries;         /* transmissions in this state */
    axn_time_t req_sent;    /* last REQUEST: the lease counts from it (4.4.1) */

    axn_ip4_t offered; /* REQUESTING: the address and server asked for */
    axn_ip4_t offer_server;
    axn_ip4_t requested; /* INIT-REBOOT: the address asked for */

    enum dhcpc_event event;
    struct dhcpc_lease reply; /* the ACK behind event */

    struct dhcpc_lease pending; /* PROBING: the address being probed */
    unsigned probes_sent;

    bool has_lease; /* `lease` is committed to the control plane */
    struct dhcpc_lease lease;
    axn_time_t announce_at; /* our RFC 5227 announcement; NEVER: none due */

    struct axn_dhcp_client_stats stats;
    uint8_t buf[DHCPC_TX_MAX];
};

/* ---- dhcp_client_msg.c ------------------------------------------------------------- */

/* What one transmission carries beyond the fixed fields (RFC 2131 table 5). */
struct dhcpc_tx {
    uint8_t type; /* AXN_DHCP_DISCOVER ... */
    uint16_t secs;
    axn_ip4_t ciaddr;    /* 0 unless RENEWING/REBINDING/RELEASE */
    axn_ip4_t requested; /* option 50, 0: absent */
    axn_ip4_t server_id; /* option 54, 0: absent */
    axn_ip4_t src, dst;  /* IPv4 addresses; 255.255.255.255 broadcasts */
    bool link_broadcast; /* unicast dst in a broadcast frame (svc.h) */
};

/* Builds and sends one message; 0 or the sender's negative errno. */
int axn_dhcpc_tx(struct axn_dhcpc *c, const struct dhcpc_tx *t, axn_time_t now);

/* Parses a reply and checks it is a BOOTREPLY for us with a known
 * message type (RFC 2131 4.3, 4.4). */
enum dhcpc_verdict axn_dhcpc_check_reply(const struct axn_dhcpc *c, const uint8_t *buf, size_t len,
                                         struct axn_dhcp_msg *m);

/* The lease an OFFER or ACK describes, every field checked (`is_ack`:
 * mask and lease time required). DHCPC_OK or DHCPC_BAD_FIELDS. */
enum dhcpc_verdict axn_dhcpc_reply_lease(const struct axn_dhcp_msg *m, bool is_ack,
                                         struct dhcpc_lease *out);

/* A host address: not 0.0.0.0/8, loopback, multicast, class E or broadcast. */
bool axn_dhcpc_ip4_unicast(axn_ip4_t a);

/* A NAK needs only a unicast server identifier. */
bool axn_dhcpc_nak_valid(const struct axn_dhcp_msg *m);

/* ---- dhcp_client_lease.c ----------------------------------------------------------- */

/* Sets the absolute times of `l` from `start` (4.4.1: the REQUEST's time). */
void axn_dhcpc_lease_times(struct dhcpc_lease *l, axn_time_t start);

/* Commits `l` (address, prefix, default route, DHCP DNS, MTU) and pushes
 * the address into the device; on success it becomes c->lease. */
int axn_dhcpc_commit(struct axn_dhcpc *c, const struct dhcpc_lease *l, axn_time_t now);

/* The interface back to "no address" (no routes, no DHCP DNS, its
 * device's own MTU), if a lease is committed. */
void axn_dhcpc_uncommit(struct axn_dhcpc *c, axn_time_t now);

/* The MTU a commit of `l` sets: option 26 within [68, the device's own]. */
uint32_t axn_dhcpc_lease_mtu(const struct axn_dhcpc *c, const struct dhcpc_lease *l);

/* Whether committing `l` would change anything of c->lease the control
 * plane holds. */
bool axn_dhcpc_lease_differs(const struct dhcpc_lease *a, const struct dhcpc_lease *b);

/* "<ifname>: DHCP <what> <addr>" at AXN_INFO. */
void axn_dhcpc_log(const struct axn_dhcpc *c, const char *what, axn_ip4_t addr);

/* ---- dhcp_client_probe.c ----------------------------------------------------------- */

/* Starts the RFC 5227 probe of c->pending (state PROBING). */
void axn_dhcpc_probe_start(struct axn_dhcpc *c, axn_time_t now);

/* Runs the probe at `now`: on its end the address is bound or declined. */
void axn_dhcpc_probe_run(struct axn_dhcpc *c, axn_time_t now);

/* Stops watching for conflicts (the probe ended or was abandoned). */
void axn_dhcpc_probe_stop(struct axn_dhcpc *c);

/* Our RFC 5227 announcement of the bound address, once it is due. */
void axn_dhcpc_announce(struct axn_dhcpc *c, axn_time_t now);

/* ---- dhcp_client_timer.c ----------------------------------------------------------- */

/* INIT: a new transaction, the DISCOVER after `wait`. */
void axn_dhcpc_enter_init(struct axn_dhcpc *c, axn_time_t now, axn_time_t wait);

/* BOUND: the committed lease runs until T1. */
void axn_dhcpc_bound(struct axn_dhcpc *c);

/* The committed lease ran out: uncommit it and start over (INIT). */
void axn_dhcpc_expire(struct axn_dhcpc *c, axn_time_t now);

/* What the state's timer (c->next) asks for, now that it is due. */
void axn_dhcpc_step(struct axn_dhcpc *c, axn_time_t now);

/* ---- dhcp_client_input.c ----------------------------------------------------------- */

/* Acts on what input recorded (c->event): an ACK or a NAK. */
void axn_dhcpc_handle_event(struct axn_dhcpc *c, axn_time_t now);

/* ---- dhcp_client.c ------------------------------------------------------------------ */

/* A uniformly random value in [0, n] from the platform. */
uint32_t axn_dhcpc_random(const struct axn_dhcpc *c, uint32_t n);

#endif /* AXN_SVC_DHCP_CLIENT_H */
