/*
 * The DNS stub resolver of a stack (spec §13.3, RFC 1035, RFC 3596,
 * RFC 5452).
 *
 * Servers come from the DNS registry in its order (axn_ctl_dns_servers:
 * metric, interface, address), skipping any without a route. Each server
 * is asked AXN_DNS_TRIES times, AXN_DNS_SERVER_TIMEOUT_MS apart, before
 * the next one; the whole query ends at its deadline (5 s by default, as
 * ax-net). Every query uses a fresh random id and a fresh UDP socket on a
 * random ephemeral port (RFC 5452 9.2), and takes an answer only from the
 * server and port it asked, with its id and its question. CNAME chains are
 * followed (at most AXN_DNS_MAX_CNAME), a truncated answer is asked again
 * over TCP (RFC 7766), and answers are cached by their TTL in a small
 * per-stack cache (AXN_DNS_CACHE_ENTRIES), negative ones (NXDOMAIN,
 * NODATA) by their SOA minimum when they carry one (RFC 2308 5, at most
 * AXN_DNS_NEG_CACHE_MAX_TTL). A server whose port 53 is closed (ICMP
 * port unreachable) is left at once.
 *
 * The resolver is a client of the stack's socket API: it runs in the
 * caller's thread, never in the poll path, and takes no lock of its own
 * across a socket call. Two forms:
 *   - blocking:     axn_resolve() (threaded stacks, or any stack whose
 *                   poll runs on another thread);
 *   - non-blocking: axn_dns_query_start / _step / _result / _free, for a
 *                   kernel's own event loop and for caller-polled stacks.
 *
 * Errors (negative Linux errno values, each one distinct):
 *   -AXN_ENOENT       no DNS server is configured (ax-net NotFound)
 *   -AXN_ENETUNREACH  servers exist but none has a route
 *   -AXN_ENXIO        NXDOMAIN: the name does not exist
 *   -AXN_ENODATA      the name exists but has no record of the family asked
 *   -AXN_ECONNREFUSED every server answered SERVFAIL, REFUSED, FORMERR or
 *                     NOTIMP, or refused the port (ICMP port unreachable,
 *                     which moves the query on at once), or could not be
 *                     sent to
 *   -AXN_ETIMEDOUT    no usable answer before the deadline
 *   -AXN_ELOOP        a CNAME chain longer than AXN_DNS_MAX_CNAME (a loop)
 *   -AXN_EINVAL       not a valid name, or a bad family/argument
 *   -AXN_ENOMEM       no memory for the query
 *   -AXN_EWOULDBLOCK  axn_resolve only: it would have to sleep on a platform
 *                     that cannot (port/none; use the non-blocking form)
 *
 * A numeric IPv4 literal ("10.0.0.1") is returned as it is, without a
 * query (getaddrinfo does the same); asked with AF_INET6 it is ENODATA.
 * Names are compared and cached ignoring ASCII case (RFC 4343), with or
 * without a trailing dot.
 */
#ifndef AXNET_RESOLVER_H
#define AXNET_RESOLVER_H

#include "axnet/config.h"
#include "axnet/socket.h"
#include "axnet/stack.h"
#include "axnet/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One resolved address: AF_INET (a4, host order) or AF_INET6 (a6). */
struct axn_dns_addr {
    int family;
    axn_ip4_t a4;
    struct axn_ip6 a6;
    uint32_t ttl; /* seconds left when it was returned */
};

struct axn_dns_result {
    struct axn_dns_addr addrs[AXN_DNS_MAX_ADDRS];
    size_t n_addrs;
    /* The name the addresses belong to, after CNAMEs (canonical name). */
    char canonical[AXN_DNS_NAME_TEXT_MAX];
    bool from_cache;
    axn_ip4_t server; /* who answered (0.0.0.0 when from the cache) */
};

struct axn_dns_options {
    /* AXN_AF_INET (A), AXN_AF_INET6 (AAAA) or AXN_AF_UNSPEC (both: A
     * first, then AAAA, as getaddrinfo sorts them with no IPv6 route). */
    int family;
    axn_time_t timeout; /* whole query; 0: AXN_DNS_DEFAULT_TIMEOUT_MS */
    bool no_cache;      /* neither read nor fill the cache */
};

/* Blocking: resolves `name` into `out` (result->n_addrs > 0 on success).
 * `opt` may be NULL (AF_UNSPEC, default timeout). 0 or an error above.
 * Sleeps on a platform event woken by a waker on the query's socket, so
 * the stack must be polled by someone else meanwhile (a threaded stack
 * after axn_stack_start, or a kernel's own poll thread): on a stack only
 * its caller polls, use the non-blocking form. */
int axn_resolve(struct axn_stack *st, const char *name, const struct axn_dns_options *opt,
                struct axn_dns_result *out);

/* ---- Non-blocking form ------------------------------------------------------- */

/* A query in flight (named so as not to clash with the wire layer's
 * struct axn_dns_query, the question an emitter writes). */
struct axn_dns_lookup;

/* Checks the name, looks at the cache, opens the first socket and sends
 * the first question. `now` is the stack's clock (platform now()).
 * 0 and *out, or an error (then nothing is allocated). */
int axn_dns_query_start(struct axn_stack *st, const char *name, const struct axn_dns_options *opt,
                        axn_time_t now, struct axn_dns_lookup **out);

/*
 * Moves the query on: reads what arrived, retries, moves to the next
 * server, follows CNAMEs, falls back to TCP. Returns -AXN_EINPROGRESS while
 * pending, with *next set to when it must be stepped again at the latest
 * (it should also be stepped when its socket is readable: see
 * axn_dns_query_socket), 0 when resolved, or the final error.
 */
int axn_dns_query_step(struct axn_dns_lookup *q, axn_time_t now, axn_time_t *next);

/* The socket the query waits on now (NULL when none), for a waker or
 * poll(); it changes as the query moves, so ask after every step. */
struct axn_socket *axn_dns_query_socket(const struct axn_dns_lookup *q);

/* After step returned 0: the answer. -AXN_EINPROGRESS before, or the error. */
int axn_dns_query_result(const struct axn_dns_lookup *q, struct axn_dns_result *out);

/* Closes its sockets and frees it, at any time. NULL is ignored. */
void axn_dns_query_free(struct axn_dns_lookup *q);

/* ---- Cache and counters (control plane) ------------------------------------ */

struct axn_dns_stats {
    uint64_t queries; /* axn_dns_query_start / axn_resolve calls */
    uint64_t cache_hits;
    uint64_t cache_misses;
    uint64_t sent_udp;  /* questions sent over UDP (retries included) */
    uint64_t sent_tcp;  /* questions sent over TCP (after TC) */
    uint64_t retries;   /* resent after a per-server timeout */
    uint64_t truncated; /* TC answers, retried over TCP */
    /* Wrong source, port, id or question; malformed. A datagram from
     * another address or port never reaches the query's connected socket:
     * the UDP layer counts it (NoPorts) instead. */
    uint64_t rx_ignored;
    /* Queries that ended so (server_failures: -AXN_ECONNREFUSED). */
    uint64_t resolved, nxdomain, nodata, server_failures, timeouts;
    uint64_t cname_followed; /* CNAME links followed, over all answers */
    uint64_t cache_entries;  /* now */
};

void axn_dns_get_stats(struct axn_stack *st, struct axn_dns_stats *out);
/* Forgets every cached answer. */
void axn_dns_cache_flush(struct axn_stack *st);

#ifdef __cplusplus
}
#endif

#endif /* AXNET_RESOLVER_H */
