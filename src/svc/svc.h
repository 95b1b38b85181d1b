/*
 * The stack's services (DESIGN.md layer "services"): DHCP clients and
 * servers, which live in the poll path, and the DNS resolver's shared
 * state (cache, counters), which lives beside it.
 *
 * DHCP runs under the core lock. It sees UDP datagrams before the IP layer
 * sorts them by destination (axn_svc_rx, installed as the IP layer's
 * service tap), because a client without an address must hear OFFERs and
 * ACKs sent to the address it does not have yet (DHCP-5), and sends with
 * axn_svc_send_udp, which builds IPv4 + UDP itself and either broadcasts on
 * one device (RT-25) or routes a unicast like any datagram.
 *
 * The resolver (dns_*.c) is a client of the socket API and runs in the
 * caller's thread: it touches only `dns_lock` and what it guards.
 *
 * Files: svc.c (this header's lifecycle, dispatch, reconciliation with the
 * control plane, public DHCP glue), svc_send.c (axn_svc_send_udp),
 * dhcp_client*.c (struct axn_dhcpc), dhcp_server*.c (struct axn_dhcps),
 * dns_*.c (resolver, cache).
 */
#ifndef AXN_SVC_SVC_H
#define AXN_SVC_SVC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "axnet/config.h"
#include "axnet/dhcp.h"
#include "axnet/resolver.h"
#include "axnet/wifi.h"
#include "axnet/types.h"
#include "ip/ip4.h"
#include "wire/ipv4.h"
#include "wire/udp.h"

struct axn_stack;
struct axn_dhcpc;
struct axn_dhcps;
struct axn_dns_cache;

/* The largest datagram a service sends: a DHCP message as large as the
 * size we announce (option 57), with its IPv4 and UDP headers. */
#define AXN_SVC_TX_BUF (AXN_IPV4_HDR_MIN + AXN_UDP_HDR_LEN + AXN_DHCP_MAX_MSG_SIZE)

struct axn_svc {
    struct axn_stack *st;
    const struct axn_platform *plat;
    /* At most one client per interface, in no order; client_epoch[i] is
     * the ctl DHCP epoch clients[i] was made for. */
    struct axn_dhcpc *clients[AXN_MAX_DEVICES];
    uint32_t client_epoch[AXN_MAX_DEVICES];
    /* Whether clients[i] was bound at the last poll (bound_event edges). */
    bool client_bound[AXN_MAX_DEVICES];
    struct axn_dhcps *servers[AXN_DHCPS_MAX_SERVERS];
    uint32_t seen_gen;              /* ctl svc_gen last followed */
    bool followed;                  /* seen_gen is meaningful */
    uint8_t tx_buf[AXN_SVC_TX_BUF]; /* the core lock serialises its use */
    char hostname[AXN_DHCP_HOSTNAME_MAX];
    /* The ctl's one DHCP-server request (CTL-24/29) we last applied. */
    bool applied_request;
    struct axn_dhcp_server_request request;
    /* Signalled when a client binds (axn_dhcp_wait_bound). */
    void *bound_event;
    /* Resolver state, guarded by dns_lock (a platform spin lock, leaf). */
    void *dns_lock;
    struct axn_dns_cache *dns_cache;
    struct axn_dns_stats dns_stats;
};

/* ---- Lifecycle and dispatch (svc.c) ---------------------------------------- */

/* Made with the stack after the IP layer; installs the service tap. */
int axn_svc_create(struct axn_stack *st, struct axn_svc **out);
/* Core lock held: releases every lease (DHCPRELEASE is queued on the
 * devices, which the stack flushes before they go) and stops servers. */
void axn_svc_shutdown_locked(struct axn_svc *svc, axn_time_t now);
/* Frees everything; NULL ignored. */
void axn_svc_destroy(struct axn_svc *svc);

/* Core lock held, every poll after the protocol core: starts and stops
 * clients to follow the control plane, runs client and server timers.
 * Returns the earliest deadline. */
axn_time_t axn_svc_poll(struct axn_svc *svc, axn_time_t now);

/* The IP layer's service tap (ip4.h): a UDP datagram to port 67 or 68 on
 * an interface with a client or server is theirs; true when taken. */
bool axn_svc_rx(void *ctx, const struct axn_ip4_rx *rx, axn_time_t now);

/* Interface events (core/proto_hooks.h), after the socket layer's. */
void axn_svc_iface_event(struct axn_svc *svc, uint32_t ifindex, int event, axn_time_t now);

/* The client of `ifindex`, or NULL. */
struct axn_dhcpc *axn_svc_client(struct axn_svc *svc, uint32_t ifindex);

/* ---- Sending (svc_send.c) ------------------------------------------------------ */

struct axn_svc_udp_out {
    uint32_t ifindex; /* the interface it must leave by */
    axn_ip4_t src;    /* 0.0.0.0 allowed (a client without address) */
    axn_ip4_t dst;    /* 255.255.255.255: broadcast on `ifindex` */
    uint16_t src_port;
    uint16_t dst_port;
    const uint8_t *payload;
    size_t len;
    /* A unicast `dst` in an Ethernet broadcast frame on `ifindex`, no ARP
     * (a DHCPRELEASE: the address it leaves with cannot resolve a MAC). */
    bool link_broadcast;
};

/*
 * Builds IPv4 (TTL 64, DF clear, a fresh IP ID) and UDP (checksummed) and
 * sends: a broadcast goes out of `ifindex` only (RT-25); a unicast takes
 * the route to `dst` restricted to `ifindex` (ARP as usual). 0, or the
 * router's error (-AXN_ENETUNREACH, -AXN_ENODEV, -AXN_ENOBUFS, ...).
 */
int axn_svc_send_udp(struct axn_svc *svc, const struct axn_svc_udp_out *out, axn_time_t now);

/* RFC 5227 through the device's ACD ops (dev/netdev.h), under its device
 * lock. A device without them (-AXN_EOPNOTSUPP from send) gets no probe:
 * the client then binds without one. */
void axn_svc_acd_watch(struct axn_svc *svc, uint32_t ifindex, axn_ip4_t ip);
int axn_svc_acd_send(struct axn_svc *svc, uint32_t ifindex, axn_ip4_t ip, bool announce);
uint32_t axn_svc_acd_conflicts(struct axn_svc *svc, uint32_t ifindex);

/* A UDP datagram the tap handed over, parsed and checksum-checked. */
struct axn_svc_udp_in {
    uint32_t ifindex;
    axn_ip4_t src;
    axn_ip4_t dst;
    uint16_t src_port;
    uint16_t dst_port;
    const uint8_t *payload;
    size_t len;
};

/* ---- DHCP client (dhcp_client*.c) ---------------------------------------------- */

/* What a client needs from the stack, given at creation. */
struct axn_dhcpc_params {
    struct axn_svc *svc;
    uint32_t ifindex;
    struct axn_mac mac;
    uint32_t metric;
    const char *hostname; /* "" for none; svc->hostname, may change */
};

int axn_dhcpc_create(const struct axn_dhcpc_params *p, axn_time_t now, struct axn_dhcpc **out);
/* `release`: send DHCPRELEASE and commit "no address" first when bound. */
void axn_dhcpc_destroy(struct axn_dhcpc *c, bool release, axn_time_t now);
/* A datagram from port 67 to port 68 on the client's interface. */
void axn_dhcpc_input(struct axn_dhcpc *c, const struct axn_svc_udp_in *in, axn_time_t now);
/* A datagram for the client that failed the UDP checks (checksum). */
void axn_dhcpc_count_malformed(struct axn_dhcpc *c);
/* Timers; returns the client's next deadline. */
axn_time_t axn_dhcpc_poll(struct axn_dhcpc *c, axn_time_t now);
/* Link down: timers stop; link up: INIT-REBOOT if a lease is still valid
 * (RFC 2131 3.2), else INIT. */
void axn_dhcpc_link(struct axn_dhcpc *c, bool up, axn_time_t now);
int axn_dhcpc_set_previous(struct axn_dhcpc *c, axn_ip4_t addr, axn_time_t now);
void axn_dhcpc_info(const struct axn_dhcpc *c, struct axn_dhcp_lease_info *out);
uint32_t axn_dhcpc_ifindex(const struct axn_dhcpc *c);
bool axn_dhcpc_is_bound(const struct axn_dhcpc *c);

/* ---- DHCP server (dhcp_server*.c) ------------------------------------------------ */

/* cfg is validated against the interface's address (ctl) by create. */
int axn_dhcps_create(struct axn_svc *svc, const struct axn_dhcp_server_config *cfg, axn_time_t now,
                     struct axn_dhcps **out);
void axn_dhcps_destroy(struct axn_dhcps *s);
/* A datagram from port 68 to port 67 on the server's interface. */
void axn_dhcps_input(struct axn_dhcps *s, const struct axn_svc_udp_in *in, axn_time_t now);
void axn_dhcps_count_malformed(struct axn_dhcps *s);
/* Lease expiry; returns the next deadline. */
axn_time_t axn_dhcps_poll(struct axn_dhcps *s, axn_time_t now);
uint32_t axn_dhcps_ifindex(const struct axn_dhcps *s);
void axn_dhcps_stats(const struct axn_dhcps *s, struct axn_dhcp_server_stats *out);
size_t axn_dhcps_leases(const struct axn_dhcps *s, struct axn_dhcp_server_lease *out, size_t max,
                        axn_time_t now);

/* ---- Resolver state (dns_cache.c) --------------------------------------------------- */

int axn_dns_cache_create(const struct axn_platform *plat, struct axn_dns_cache **out);
void axn_dns_cache_destroy(const struct axn_platform *plat, struct axn_dns_cache *c);

#endif /* AXN_SVC_SVC_H */
