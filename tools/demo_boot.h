/*
 * How the demo's client comes up, before its programs run (demo_apps.h):
 * its eth0 has no address (AXN_IPV4_DHCP), so it asks the gateway's DHCP
 * server for a lease (RFC 2131: DISCOVER, OFFER, REQUEST, ACK, then the
 * RFC 5227 ARP probe), and once bound it resolves the gateway's name
 * through the DNS server the lease named, with the resolver's non-blocking
 * form (axn_dns_query_start/_step), stepped from the demo's loop on the
 * virtual clock. The programs then talk to the address the name gave.
 *
 * The gateway side: the stack's own DHCP server (axn_dhcp_server_start)
 * and the DNS responder (dns_responder.h) serving the demo's zone over the
 * gateway's sockets.
 */
#ifndef AXN_TOOLS_DEMO_BOOT_H
#define AXN_TOOLS_DEMO_BOOT_H

#include <stdbool.h>

#include "axnet/dhcp.h"
#include "axnet/resolver.h"
#include "dns_responder.h"

/* The name the client looks up, and what the zone makes of it. */
#define DEMO_LOOKUP_NAME "www.demo.test"
#define DEMO_CANON_NAME  "gateway.demo.test"
#define DEMO_DOMAIN      "demo.test"

enum demo_boot_state {
    BOOT_DHCP,   /* waiting for axn_dhcp_configured */
    BOOT_DNS,    /* a lookup in flight */
    BOOT_DONE,   /* the name resolved: `resolved` holds the address */
    BOOT_FAILED, /* the lookup failed every attempt */
};

struct demo_boot {
    struct axn_stack *client, *gw;
    axn_ip4_t gw_ip;
    enum demo_boot_state state;
    struct dns_responder dns; /* the gateway's DNS service */
    bool dns_started;
    bool dhcp_bound;    /* axn_dhcp_configured said so */
    axn_time_t started; /* when the client came up without an address */
    axn_time_t bound_at;
    struct axn_dns_lookup *q;
    int attempts;       /* lookups started */
    axn_time_t q_start; /* when the current one started */
    int dns_rc;         /* the last lookup's outcome */
    struct axn_dns_result result;
    axn_ip4_t resolved; /* 0 until the name resolved */
};

/* The gateway's services: the DHCP server on its eth0 and the DNS
 * responder with the demo's zone. Call before the client's first poll.
 * 0 or a negative errno. */
int demo_boot_gateway(struct demo_boot *b, struct axn_stack *gw, axn_ip4_t gw_ip, axn_time_t now);
/* The client whose boot this follows (its DHCP client starts at its
 * first poll). */
void demo_boot_client(struct demo_boot *b, struct axn_stack *client, axn_time_t now);
/* Serves DNS, watches the lease, steps the lookup. True when something
 * happened (poll again before moving time); *next: when to come back. */
bool demo_boot_step(struct demo_boot *b, axn_time_t now, axn_time_t *next);
/* The "DHCP" and "DNS" sections of the final report. */
void demo_boot_report(const struct demo_boot *b, axn_time_t now);
/* The server's lease table and counters (also after the client left). */
void demo_boot_print_server(const struct demo_boot *b, axn_time_t now);
/* DHCP bound and the name resolved to the gateway's address. */
bool demo_boot_ok(const struct demo_boot *b);
/* Frees the lookup and closes the responder's sockets. */
void demo_boot_stop(struct demo_boot *b);

#endif /* AXN_TOOLS_DEMO_BOOT_H */
