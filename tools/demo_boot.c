/*
 * The client's boot in `axnet demo` (demo_boot.h): a DHCP lease from the
 * gateway, then a name lookup through the DNS server the lease gave.
 */
#include "demo_boot.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "axnet/errno.h"
#include "axnet/netif.h"
#include "lib/fmt.h"
#include "tools.h"

#define ETH0       AXN_IFINDEX_FIRST_ETH
#define POOL_FIRST AXN_IP4(192, 0, 2, 100)
#define POOL_LAST  AXN_IP4(192, 0, 2, 120)
#define LEASE_SECS 3600u
#define ZONE_TTL   300u /* seconds: the records' TTL, as a small zone's */
/* Lookups before the demo gives up on a name that got no answer (each one
 * runs to the resolver's own deadline, retries included): resolv.conf's
 * attempts:2. */
#define LOOKUP_ATTEMPTS 2
#define MAX_SHOWN       8 /* server leases listed */

static const char *ip4_text(char *buf, axn_ip4_t a)
{
    axn_fmt_ip4(buf, AXN_IP4_STR_LEN, a);
    return buf;
}

#define IP4(a) ip4_text((char[AXN_IP4_STR_LEN]){0}, (a))

/* Seconds from `now` to an absolute time of the stack's clock. */
static long secs_from(axn_time_t now, axn_time_t at)
{
    return at > now ? (long)((at - now) / AXN_USEC_PER_SEC) : 0;
}

/* ---- The gateway's services -------------------------------------------------- */

static int start_dhcp_server(struct demo_boot *b, axn_time_t now)
{
    struct axn_dhcp_server_config c;
    memset(&c, 0, sizeof(c));
    c.ifindex = ETH0;
    c.pool_first = POOL_FIRST;
    c.pool_last = POOL_LAST;
    c.router = b->gw_ip;
    c.dns[0] = b->gw_ip;
    c.n_dns = 1;
    snprintf(c.domain, sizeof(c.domain), "%s", DEMO_DOMAIN);
    c.lease_secs = LEASE_SECS;
    const int rc = axn_dhcp_server_start(b->gw, &c);
    axn_tool_say(now, "gateway",
                 "axn_dhcp_server_start(eth0, pool %s-%s, router %s, DNS %s, domain %s, "
                 "lease %u s) = %d",
                 IP4(c.pool_first), IP4(c.pool_last), IP4(c.router), IP4(c.dns[0]), c.domain,
                 c.lease_secs, rc);
    return rc;
}

static int start_dns(struct demo_boot *b, axn_time_t now)
{
    int rc = dns_responder_start(&b->dns, b->gw, b->gw_ip);
    b->dns_started = rc == 0;
    if (rc == 0)
        rc = dns_responder_add_a(&b->dns, DEMO_CANON_NAME, b->gw_ip, ZONE_TTL);
    if (rc == 0)
        rc = dns_responder_add_cname(&b->dns, DEMO_LOOKUP_NAME, DEMO_CANON_NAME, ZONE_TTL);
    axn_tool_say(
        now, "gateway", "DNS service on %s:53 (UDP and TCP) = %d   zone: %s A %s, %s CNAME %s",
        IP4(b->gw_ip), rc, DEMO_CANON_NAME, IP4(b->gw_ip), DEMO_LOOKUP_NAME, DEMO_CANON_NAME);
    return rc;
}

int demo_boot_gateway(struct demo_boot *b, struct axn_stack *gw, axn_ip4_t gw_ip, axn_time_t now)
{
    memset(b, 0, sizeof(*b));
    b->gw = gw;
    b->gw_ip = gw_ip;
    b->state = BOOT_DHCP;
    printf("--- the gateway's services: a DHCP server (RFC 2131) and a DNS server ---\n");
    int rc = start_dhcp_server(b, now);
    if (rc == 0)
        rc = start_dns(b, now);
    return rc;
}

void demo_boot_client(struct demo_boot *b, struct axn_stack *client, axn_time_t now)
{
    b->client = client;
    b->started = now;
    printf("\n--- DHCP: the client's eth0 has no address (AXN_IPV4_DHCP); its DHCP client\n"
           "    starts at the first poll: DISCOVER, OFFER, REQUEST, ACK, then an RFC 5227\n"
           "    ARP probe of the address before it is used ---\n");
}

/* ---- The lease ------------------------------------------------------------------ */

static const char *dhcp_state_name(enum axn_dhcp_client_state s)
{
    static const char *const names[] = {"STOPPED", "INIT",     "SELECTING", "REQUESTING", "PROBING",
                                        "BOUND",   "RENEWING", "REBINDING", "INIT-REBOOT"};
    return (size_t)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

static void print_lease(const struct demo_boot *b, axn_time_t now)
{
    struct axn_dhcp_lease_info li;
    const int rc = axn_dhcp_client_info(b->client, ETH0, &li);
    axn_tool_say(now, "client", "axn_dhcp_client_info(eth0) = %d", rc);
    if (rc < 0)
        return;
    printf("           %s %s/%u, router %s, DHCP server %s, DNS", dhcp_state_name(li.state),
           IP4(li.addr), li.prefix_len, IP4(li.router), IP4(li.server));
    for (uint8_t i = 0; i < li.n_dns; i++)
        printf(" %s", IP4(li.dns[i]));
    printf(", domain \"%s\"\n", li.domain);
    printf("           lease %u s (%ld s left), T1 renew in %ld s, T2 rebind in %ld s, xid "
           "0x%08" PRIx32 "\n",
           li.lease_secs, secs_from(now, li.expires), secs_from(now, li.t1), secs_from(now, li.t2),
           li.xid);
}

static void print_client_counters(const struct axn_dhcp_client_stats *s)
{
    printf("  client sent: %" PRIu64 " DISCOVER, %" PRIu64 " REQUEST, %" PRIu64 " DECLINE, %" PRIu64
           " RELEASE\n"
           "  client took: %" PRIu64 " OFFER, %" PRIu64 " ACK, %" PRIu64 " NAK; ignored %" PRIu64
           "; conflicts %" PRIu64 ", REQUESTs unanswered %" PRIu64 "\n",
           s->discovers, s->requests, s->declines, s->releases, s->offers, s->acks, s->naks,
           s->rx_ignored, s->conflicts, s->request_giveups);
}

/* ---- The lookup ---------------------------------------------------------------- */

static const char *lookup_error(int rc)
{
    static const struct {
        int err;
        const char *name;
    } names[] = {
        {AXN_ENOENT, "ENOENT (no DNS server)"},
        {AXN_ENETUNREACH, "ENETUNREACH"},
        {AXN_ENXIO, "ENXIO (NXDOMAIN)"},
        {AXN_ENODATA, "ENODATA"},
        {AXN_ECONNREFUSED, "ECONNREFUSED"},
        {AXN_ETIMEDOUT, "ETIMEDOUT"},
        {AXN_ELOOP, "ELOOP"},
        {AXN_EINPROGRESS, "EINPROGRESS"},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (rc == -names[i].err)
            return names[i].name;
    return "an error";
}

static void lookup_start(struct demo_boot *b, axn_time_t now)
{
    const struct axn_dns_options opt = {.family = AXN_AF_INET};
    b->attempts++;
    b->q_start = now;
    b->dns_rc = axn_dns_query_start(b->client, DEMO_LOOKUP_NAME, &opt, now, &b->q);
    axn_tool_say(now, "client", "axn_dns_query_start(\"%s\", AF_INET) = %d%s%s", DEMO_LOOKUP_NAME,
                 b->dns_rc,
                 b->dns_rc < 0 ? ": " : "   (the question is out; step it from the loop)",
                 b->dns_rc < 0 ? lookup_error(b->dns_rc) : "");
    if (b->dns_rc < 0)
        b->q = NULL;
}

static void lookup_resolved(struct demo_boot *b, axn_time_t now)
{
    axn_dns_query_result(b->q, &b->result);
    const struct axn_dns_result *r = &b->result;
    axn_tool_say(now, "client", "axn_dns_query_step() = 0 after %.3f ms; axn_dns_query_result:",
                 axn_tool_ms(now - b->q_start));
    if (strcmp(r->canonical, DEMO_LOOKUP_NAME) != 0)
        printf("           %s is an alias (CNAME) of %s\n", DEMO_LOOKUP_NAME, r->canonical);
    for (size_t i = 0; i < r->n_addrs; i++)
        if (r->addrs[i].family == AXN_AF_INET)
            printf("           %s has address %s (TTL %u s), answered by %s%s\n", r->canonical,
                   IP4(r->addrs[i].a4), r->addrs[i].ttl, IP4(r->server),
                   r->from_cache ? " (from the cache)" : "");
    if (r->n_addrs > 0 && r->addrs[0].family == AXN_AF_INET)
        b->resolved = r->addrs[0].a4;
    printf("           the programs below use %s, the address the name gave\n", IP4(b->resolved));
}

static uint64_t questions_sent(struct axn_stack *st)
{
    struct axn_dns_stats s;
    axn_dns_get_stats(st, &s);
    return s.sent_udp + s.sent_tcp;
}

/* A pending lookup: step it (cheap, it reads what arrived), and take its
 * outcome when it has one. A step that sent (a retry, a new socket) left
 * work for the stack's poll: say so, or the loop would move time past it. */
static bool lookup_step(struct demo_boot *b, axn_time_t now, axn_time_t *next)
{
    const uint64_t sent = questions_sent(b->client);
    const struct axn_socket *sock = axn_dns_query_socket(b->q);
    b->dns_rc = axn_dns_query_step(b->q, now, next);
    if (b->dns_rc == -AXN_EINPROGRESS)
        return questions_sent(b->client) != sent || axn_dns_query_socket(b->q) != sock;
    if (b->dns_rc == 0) {
        lookup_resolved(b, now);
        b->state = b->resolved != 0 ? BOOT_DONE : BOOT_FAILED;
    } else {
        axn_tool_say(now, "client", "axn_dns_query_step() = %d: %s after %.3f ms", b->dns_rc,
                     lookup_error(b->dns_rc), axn_tool_ms(now - b->q_start));
    }
    axn_dns_query_free(b->q);
    b->q = NULL;
    /* Only silence is worth asking again: an answer (NXDOMAIN, NODATA) is
     * final, as the resolver itself treats it. */
    if (b->dns_rc != 0 && (b->dns_rc != -AXN_ETIMEDOUT || b->attempts >= LOOKUP_ATTEMPTS))
        b->state = BOOT_FAILED;
    return true;
}

static void on_bound(struct demo_boot *b, axn_time_t now)
{
    b->dhcp_bound = true;
    b->bound_at = now;
    axn_tool_say(now, "client", "axn_dhcp_configured() = true, %.3f ms after boot",
                 axn_tool_ms(now - b->started));
    print_lease(b, now);
    printf("\n--- DNS: the client resolves %s through the DNS server of its lease,\n"
           "    with the non-blocking resolver stepped from the demo's loop ---\n",
           DEMO_LOOKUP_NAME);
    b->state = BOOT_DNS;
}

bool demo_boot_step(struct demo_boot *b, axn_time_t now, axn_time_t *next)
{
    *next = AXN_TIME_NEVER;
    bool did = false;
    if (b->dns_started) {
        const unsigned before = b->dns.udp_queries + b->dns.tcp_queries + b->dns.tcp_accepts;
        dns_responder_poll(&b->dns, now);
        did = b->dns.udp_queries + b->dns.tcp_queries + b->dns.tcp_accepts != before;
        *next = dns_responder_next(&b->dns);
    }
    if (b->state == BOOT_DHCP && b->client && axn_dhcp_configured(b->client)) {
        on_bound(b, now);
        did = true;
    }
    if (b->state != BOOT_DNS)
        return did;
    if (!b->q) {
        lookup_start(b, now);
        if (!b->q && b->attempts >= LOOKUP_ATTEMPTS)
            b->state = BOOT_FAILED;
        return true;
    }
    axn_time_t q_next = AXN_TIME_NEVER;
    did |= lookup_step(b, now, &q_next);
    if (q_next < *next)
        *next = q_next;
    return did;
}

/* ---- Report ----------------------------------------------------------------------- */

void demo_boot_print_server(const struct demo_boot *b, axn_time_t now)
{
    struct axn_dhcp_server_stats s;
    if (axn_dhcp_server_stats(b->gw, ETH0, &s) == 0)
        printf("  server: %" PRIu64 " DISCOVER, %" PRIu64 " REQUEST, %" PRIu64
               " RELEASE received; %" PRIu64 " OFFER, %" PRIu64 " ACK, %" PRIu64
               " NAK sent; ignored %" PRIu64 "\n",
               s.discovers, s.requests, s.releases, s.offers, s.acks, s.naks, s.rx_ignored);
    struct axn_dhcp_server_lease leases[MAX_SHOWN];
    const long n = axn_dhcp_server_leases(b->gw, ETH0, leases, MAX_SHOWN);
    printf("  server lease table (axn_dhcp_server_leases = %ld):%s\n", n, n == 0 ? " empty" : "");
    for (long i = 0; i < n && i < MAX_SHOWN; i++) {
        char mac[AXN_MAC_STR_LEN];
        axn_fmt_mac(mac, sizeof(mac), &leases[i].mac);
        printf("    %-15s %s  %s, expires in %ld s\n", IP4(leases[i].addr), mac,
               leases[i].declined       ? "declined"
               : leases[i].offered_only ? "offered"
                                        : "bound",
               secs_from(now, leases[i].expires));
    }
}

static void print_dns_stats(struct axn_stack *st)
{
    struct axn_dns_stats s;
    axn_dns_get_stats(st, &s);
    printf("  queries %" PRIu64 ", cache hits %" PRIu64 " / misses %" PRIu64 ", sent UDP %" PRIu64
           " TCP %" PRIu64 ", retries %" PRIu64 ", ignored answers %" PRIu64 "\n"
           "  resolved %" PRIu64 ", NXDOMAIN %" PRIu64 ", NODATA %" PRIu64
           ", server failures %" PRIu64 ", timeouts %" PRIu64 ", CNAMEs followed %" PRIu64
           ", cache entries %" PRIu64 "\n",
           s.queries, s.cache_hits, s.cache_misses, s.sent_udp, s.sent_tcp, s.retries, s.rx_ignored,
           s.resolved, s.nxdomain, s.nodata, s.server_failures, s.timeouts, s.cname_followed,
           s.cache_entries);
}

void demo_boot_report(const struct demo_boot *b, axn_time_t now)
{
    printf("\nDHCP (client lease, axn_dhcp_client_info; server, axn_dhcp_server_*):\n");
    struct axn_dhcp_lease_info li;
    if (b->client && axn_dhcp_client_info(b->client, ETH0, &li) == 0) {
        printf("  client %s %s/%u, lease %u s, T1 in %ld s, T2 in %ld s, expires in %ld s\n",
               dhcp_state_name(li.state), IP4(li.addr), li.prefix_len, li.lease_secs,
               secs_from(now, li.t1), secs_from(now, li.t2), secs_from(now, li.expires));
        print_client_counters(&li.stats);
    }
    demo_boot_print_server(b, now);
    printf("\nDNS (client resolver, axn_dns_get_stats; gateway responder):\n");
    if (b->client)
        print_dns_stats(b->client);
    printf("  responder: %u UDP / %u TCP queries, %u UDP answers\n", b->dns.udp_queries,
           b->dns.tcp_queries, b->dns.answers_udp);
    printf("  %s -> %s -> %s\n", DEMO_LOOKUP_NAME,
           b->resolved ? b->result.canonical : "(unresolved)", IP4(b->resolved));
}

bool demo_boot_ok(const struct demo_boot *b)
{
    return b->dhcp_bound && b->state == BOOT_DONE && b->resolved == b->gw_ip;
}

void demo_boot_stop(struct demo_boot *b)
{
    axn_dns_query_free(b->q);
    b->q = NULL;
    if (b->dns_started)
        dns_responder_stop(&b->dns);
    b->dns_started = false;
}
