/*
 * The DNS stub resolver (src/svc/dns_*.c, include/axnet/resolver.h, spec
 * §13.3) against scripted servers (tests/support/dns_responder) on the
 * simulated wire, in virtual time, through the non-blocking API: a client
 * stack at 192.0.2.10 whose interface names two DNS servers, 192.0.2.53
 * and 192.0.2.54, each a stack running a responder.
 *
 * Covered: A, AAAA and AF_UNSPEC answers; random ids and ports seen on
 * the wire; a lost query resent after AXN_DNS_SERVER_TIMEOUT_MS; a dead
 * first server skipped after its tries, one whose port is closed at once
 * (ICMP); answers with a wrong id or question ignored and counted
 * (rx_ignored), from a wrong port or address dropped by the connected
 * socket (UDP NoPorts), the right answer taken; CNAME chains (in one
 * answer, and asked link by link) and a CNAME loop; TC -> TCP with an
 * answer larger than 512 bytes; cache hit without a packet and expiry
 * after the TTL, and the cache alone (bound, eviction, TTL 0, cap);
 * NXDOMAIN and NODATA cached by their SOA (RFC 2308);
 * NXDOMAIN, SERVFAIL everywhere and all servers dead, each with its errno
 * (the timeout exactly at the deadline); no server, no route, bad names,
 * numeric literals; the counters. Last, the blocking axn_resolve on a
 * threaded POSIX stack in real time (a responder on its loopback, polled
 * by a thread): an answer, and ETIMEDOUT at a 300 ms deadline once nobody
 * answers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#include "axnet/errno.h"
#include "axnet/netctl.h"
#include "axnet/port_posix.h"
#include "core/stack_impl.h"
#include "axnet/resolver.h"
#include "axnet/snmp.h"
#include "dns_responder.h"
#include "lib/byteorder.h"
#include "sim_stacks.h"
#include "svc/dns_resolver.h"
#include "test_platform.h"
#include "wire/dns.h"
#include "wire/ethernet.h"
#include "wire/ipv4.h"
#include "wire/udp.h"

#define CLIENT_ADDR  AXN_IP4(192, 0, 2, 10)
#define NS1_ADDR     AXN_IP4(192, 0, 2, 53)
#define NS2_ADDR     AXN_IP4(192, 0, 2, 54)
#define NOBODY_ADDR  AXN_IP4(192, 0, 2, 50)   /* on-link, no host; sorts first (CTL-17) */
#define OFFNET_ADDR  AXN_IP4(198, 51, 100, 1) /* no route */
#define PREFIX_24    24u
#define T0           AXN_SEC(1)
#define WIRE_DELAY   50u /* µs per hop */
#define N_PORTS      3u
#define MAX_STEPS    200000u
#define TTL_SHORT    30u
#define TTL_LONG     300u
#define MANY_ADDRS   40u /* A records: an answer well over 512 bytes */
#define MAX_OBSERVED 16u
#define WWW_A        AXN_IP4(198, 51, 100, 80)
#define WWW_A2       AXN_IP4(198, 51, 100, 81)
#define REAL_A       AXN_IP4(198, 51, 100, 7)
#define NS2_WWW_A    AXN_IP4(198, 51, 100, 254)
#define BIG_BASE     AXN_IP4(10, 1, 0, 1)
#define LONG_LABEL   64u /* one byte over RFC 1035's 63 */

struct observed {
    uint16_t src_port;
    uint16_t id;
};

struct world {
    struct sim_stacks s;
    struct dns_responder ns1, ns2;
    struct axn_dns_lookup *q;
    struct observed seen[MAX_OBSERVED];
    size_t n_seen;
};

static struct world w;

static const struct axn_ip6 WWW_AAAA = {
    {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80}};

/* ---- World ------------------------------------------------------------------------------- */

/* Every UDP datagram from the client to port 53, as it reaches a server
 * (`port` is the receiving one): its source port and DNS id. */
static void observe(void *ctx, int port, axn_time_t at, const uint8_t *f, size_t len)
{
    (void)ctx;
    (void)at;
    const size_t ip = AXN_ETH_HLEN, udp = ip + AXN_IPV4_HDR_MIN, dns = udp + AXN_UDP_HDR_LEN;
    if (port == 0 || len < dns + AXN_DNS_HDR_LEN || axn_get_be16(f + 12) != AXN_ETHERTYPE_IPV4)
        return;
    if (f[ip + 9] != 17 || axn_get_be16(f + udp + 2) != AXN_DNS_PORT ||
        axn_get_be32(f + ip + 12) != CLIENT_ADDR || w.n_seen >= MAX_OBSERVED)
        return;
    w.seen[w.n_seen++] = (struct observed){axn_get_be16(f + udp), axn_get_be16(f + dns)};
}

/* The client: a static interface with `dns` as its DNS servers. */
static void add_client(const axn_ip4_t *dns, size_t n_dns)
{
    struct sim_stacks *s = &w.s;
    assert_int_equal(axn_stack_create(axn_test_platform(), &s->st[0]), 0);
    struct axn_iface_config ic = sim_static_iface(0, CLIENT_ADDR, PREFIX_24, 0, 0);
    for (size_t i = 0; i < n_dns; i++)
        ic.dns[i] = dns[i];
    ic.n_dns = (uint8_t)n_dns;
    const struct axn_net_config cfg = sim_net_config(&ic, 1);
    const struct axn_eth_driver *drv[1] = {&s->drv[0]};
    assert_int_equal(axn_stack_init_network(s->st[0], drv, 1, &cfg, s->now), 0);
    s->next[0] = s->now;
    s->n_nodes = 1;
}

static void world_up(const axn_ip4_t *dns, size_t n_dns)
{
    memset(&w, 0, sizeof(w));
    const struct sim_stacks_config cfg = {.start = T0,
                                          .wire_delay = WIRE_DELAY,
                                          .n_ports = N_PORTS,
                                          .mac_tag = SIM_STACKS_MAC_TAG,
                                          .set_platform_now = true,
                                          .observe = observe};
    sim_stacks_create(&w.s, &cfg);
    add_client(dns, n_dns);
    assert_int_equal(sim_stacks_add_node(&w.s, 1, NS1_ADDR, PREFIX_24), 1);
    assert_int_equal(sim_stacks_add_node(&w.s, 2, NS2_ADDR, PREFIX_24), 2);
    assert_int_equal(dns_responder_start(&w.ns1, w.s.st[1], NS1_ADDR), 0);
    assert_int_equal(dns_responder_start(&w.ns2, w.s.st[2], NS2_ADDR), 0);
    struct dns_responder *both[2] = {&w.ns1, &w.ns2};
    for (size_t i = 0; i < 2; i++) {
        struct dns_responder *r = both[i];
        assert_int_equal(dns_responder_add_a(r, "www.axn.test", i ? NS2_WWW_A : WWW_A, TTL_LONG),
                         0);
        assert_int_equal(dns_responder_add_a(r, "www.axn.test", WWW_A2, TTL_SHORT), 0);
        assert_int_equal(dns_responder_add_aaaa(r, "www.axn.test", &WWW_AAAA, TTL_LONG), 0);
        assert_int_equal(dns_responder_add_a(r, "v4only.axn.test", WWW_A, TTL_LONG), 0);
        assert_int_equal(dns_responder_add_cname(r, "alias.axn.test", "alias2.axn.test", TTL_LONG),
                         0);
        assert_int_equal(dns_responder_add_cname(r, "alias2.axn.test", "real.axn.test", TTL_SHORT),
                         0);
        assert_int_equal(dns_responder_add_a(r, "real.axn.test", REAL_A, TTL_LONG), 0);
        assert_int_equal(dns_responder_add_cname(r, "loop1.axn.test", "loop2.axn.test", TTL_LONG),
                         0);
        assert_int_equal(dns_responder_add_cname(r, "loop2.axn.test", "loop1.axn.test", TTL_LONG),
                         0);
    }
    sim_stacks_settle(&w.s, AXN_MSEC(1));
}

static int setup_two(void **state)
{
    (void)state;
    const axn_ip4_t dns[2] = {NS1_ADDR, NS2_ADDR};
    world_up(dns, 2);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    axn_dns_query_free(w.q);
    w.q = NULL;
    dns_responder_stop(&w.ns1);
    dns_responder_stop(&w.ns2);
    return sim_stacks_teardown(&w.s, NULL, 0);
}

static axn_time_t min_t(axn_time_t a, axn_time_t b)
{
    return a < b ? a : b;
}

static void poll_world(void)
{
    sim_stacks_poll_all(&w.s);
    dns_responder_poll(&w.ns1, w.s.now);
    dns_responder_poll(&w.ns2, w.s.now);
    sim_stacks_poll_all(&w.s);
}

/* Steps the started query w.q in virtual time until it ends; returns its
 * result and leaves the clock at the step that ended it. */
static int drive(struct axn_dns_result *res)
{
    for (unsigned steps = 0; steps < MAX_STEPS; steps++) {
        poll_world();
        axn_time_t next = AXN_TIME_NEVER;
        const int rc = axn_dns_query_step(w.q, w.s.now, &next);
        if (rc != -AXN_EINPROGRESS) {
            memset(res, 0, sizeof(*res));
            assert_int_equal(axn_dns_query_result(w.q, res), rc);
            return rc;
        }
        assert_true(next > w.s.now);
        sim_stacks_poll_all(&w.s); /* what the step sent leaves now */
        axn_time_t t = min_t(next, sim_stacks_next_event(&w.s));
        t = min_t(t, min_t(dns_responder_next(&w.ns1), dns_responder_next(&w.ns2)));
        if (t > w.s.now)
            sim_stacks_set_time(&w.s, t);
    }
    fail_msg("query never ended");
    return 0;
}

static int resolve(const char *name, int family, bool no_cache, struct axn_dns_result *res)
{
    axn_dns_query_free(w.q);
    w.q = NULL;
    const struct axn_dns_options opt = {.family = family, .no_cache = no_cache};
    const int rc = axn_dns_query_start(w.s.st[0], name, &opt, w.s.now, &w.q);
    if (rc != 0)
        return rc;
    return drive(res);
}

static struct axn_dns_stats stats(void)
{
    struct axn_dns_stats st;
    axn_dns_get_stats(w.s.st[0], &st);
    return st;
}

/* ---- Answers ----------------------------------------------------------------------------- */

static void test_a(void **state)
{
    (void)state;
    struct axn_dns_result r;
    const axn_time_t t0 = w.s.now;
    assert_int_equal(resolve("WWW.Axn.Test.", AXN_AF_INET, false, &r), 0);
    assert_int_equal(r.n_addrs, 2);
    assert_int_equal(r.addrs[0].family, AXN_AF_INET);
    assert_int_equal(r.addrs[0].a4, WWW_A);
    assert_int_equal(r.addrs[0].ttl, TTL_SHORT); /* the RRset's smallest */
    assert_int_equal(r.addrs[1].a4, WWW_A2);
    assert_string_equal(r.canonical, "www.axn.test");
    assert_false(r.from_cache);
    assert_int_equal(r.server, NS1_ADDR);
    assert_true(w.s.now - t0 < AXN_MSEC(10)); /* ARP and one round trip */
    const struct axn_dns_stats st = stats();
    assert_int_equal(st.queries, 1);
    assert_int_equal(st.sent_udp, 1);
    assert_int_equal(st.resolved, 1);
    assert_int_equal(st.cache_misses, 1);
    assert_int_equal(st.rx_ignored, 0);
    assert_int_equal(st.cache_entries, 1);
    assert_int_equal(w.ns1.udp_queries, 1);
    assert_int_equal(w.ns2.udp_queries, 0);
    /* The question on the wire: RD set, one question, A IN, the name. */
    struct axn_dns_msg m;
    assert_int_equal(axn_dns_parse(w.ns1.last_query, w.ns1.last_len, &m), 0);
    assert_false(m.hdr.qr);
    assert_true(m.hdr.rd);
    assert_int_equal(m.hdr.qdcount, 1);
    assert_int_equal(m.q.type, AXN_DNS_TYPE_A);
    assert_true(axn_dns_name_eq_text(m.buf, m.len, m.q.name_off, "www.axn.test"));
}

static void test_aaaa(void **state)
{
    (void)state;
    struct axn_dns_result r;
    assert_int_equal(resolve("www.axn.test", AXN_AF_INET6, false, &r), 0);
    assert_int_equal(r.n_addrs, 1);
    assert_int_equal(r.addrs[0].family, AXN_AF_INET6);
    assert_memory_equal(r.addrs[0].a6.b, WWW_AAAA.b, sizeof(WWW_AAAA.b));
    /* No AAAA for this one: NODATA. */
    assert_int_equal(resolve("v4only.axn.test", AXN_AF_INET6, false, &r), -AXN_ENODATA);
    assert_int_equal(stats().nodata, 1);
}

static void test_unspec(void **state)
{
    (void)state;
    struct axn_dns_result r;
    assert_int_equal(resolve("www.axn.test", AXN_AF_UNSPEC, false, &r), 0);
    assert_int_equal(r.n_addrs, 3);
    assert_int_equal(r.addrs[0].family, AXN_AF_INET); /* A first */
    assert_int_equal(r.addrs[1].family, AXN_AF_INET);
    assert_int_equal(r.addrs[2].family, AXN_AF_INET6);
    assert_int_equal(stats().sent_udp, 2);
    /* Both questions were outstanding at once, with different ids. */
    assert_int_equal(w.n_seen, 2);
    assert_int_equal(w.seen[0].src_port, w.seen[1].src_port);
    assert_int_not_equal(w.seen[0].id, w.seen[1].id);
    /* One family missing is fine; both missing is NODATA. */
    assert_int_equal(resolve("v4only.axn.test", AXN_AF_UNSPEC, false, &r), 0);
    assert_int_equal(r.n_addrs, 1);
    assert_int_equal(resolve("alias.axn.test", AXN_AF_INET6, true, &r), -AXN_ENODATA);
}

static void test_random_id_and_port(void **state)
{
    (void)state;
    struct axn_dns_result r;
    assert_int_equal(resolve("www.axn.test", AXN_AF_INET, true, &r), 0);
    assert_int_equal(resolve("www.axn.test", AXN_AF_INET, true, &r), 0);
    assert_int_equal(resolve("www.axn.test", AXN_AF_INET, true, &r), 0);
    assert_int_equal(w.n_seen, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_true(w.seen[i].src_port >= AXN_UDP_EPHEMERAL_MIN);
        for (size_t j = 0; j < i; j++) {
            assert_int_not_equal(w.seen[i].src_port, w.seen[j].src_port);
            assert_int_not_equal(w.seen[i].id, w.seen[j].id);
        }
    }
    assert_int_equal(stats().cache_hits, 0); /* no_cache: neither read nor filled */
}

/* ---- Loss, dead servers, spoofing ---------------------------------------------------------- */

static void test_lost_query_retried(void **state)
{
    (void)state;
    struct axn_dns_result r;
    w.ns1.drop_next = 1;
    const axn_time_t t0 = w.s.now;
    assert_int_equal(resolve("www.axn.test", AXN_AF_INET, false, &r), 0);
    assert_int_equal(r.server, NS1_ADDR);
    assert_true(w.s.now - t0 >= AXN_MSEC(AXN_DNS_SERVER_TIMEOUT_MS));
    assert_true(w.s.now - t0 < AXN_MSEC(AXN_DNS_SERVER_TIMEOUT_MS + 10));
    assert_int_equal(stats().retries, 1);
    assert_int_equal(stats().sent_udp, 2);
    assert_int_equal(w.ns1.udp_queries, 2);
    /* The resend keeps the id (a late first answer is still good). */
    assert_int_equal(w.n_seen, 2);
    assert_int_equal(w.seen[0].id, w.seen[1].id);
}

static int setup_dead_first(void **state)
{
    (void)state;
    const axn_ip4_t dns[2] = {NOBODY_ADDR, NS2_ADDR};
    world_up(dns, 2);
    return 0;
}

static void test_first_server_dead(void **state)
{
    (void)state;
    struct axn_dns_result r;
    const axn_time_t t0 = w.s.now;
    assert_int_equal(resolve("www.axn.test", AXN_AF_INET, false, &r), 0);
    assert_int_equal(r.server, NS2_ADDR);
    assert_int_equal(r.addrs[0].a4, NS2_WWW_A);
    const axn_time_t waited = AXN_MSEC((axn_time_t)AXN_DNS_SERVER_TIMEOUT_MS * AXN_DNS_TRIES);
    assert_true(w.s.now - t0 >= waited && w.s.now - t0 < waited + AXN_MSEC(10));
    assert_int_equal(stats().retries, AXN_DNS_TRIES - 1);
}

/* A server host up without a DNS service: its ICMP port unreachable
 * moves the query on at once, no timeout waited. */
static void test_first_server_refuses(void **state)
{
    (void)state;
    struct axn_dns_result r;
    dns_responder_stop(&w.ns1);
    const axn_time_t t0 = w.s.now;
    assert_int_equal(resolve("www.axn.test", AXN_AF_INET, false, &r), 0);
    assert_int_equal(r.server, NS2_ADDR);
    assert_true(w.s.now - t0 < AXN_MSEC(10));
    assert_int_equal(stats().retries, 0);
    /* Both refusing: ECONNREFUSED, long before the deadline. */
    dns_responder_stop(&w.ns2);
    assert_int_equal(resolve("v4only.axn.test", AXN_AF_INET, false, &r), -AXN_ECONNREFUSED);
    assert_true(w.s.now - t0 < AXN_MSEC(20));
}

static uint64_t no_ports(void)
{
    struct axn_snmp_udp u;
    axn_udp_snmp(w.s.st[0], &u);
    return u.no_ports;
}

static void spoofed(enum dns_spoof how, uint64_t ignored, uint64_t dropped_by_udp)
{
    struct axn_dns_result r;
    w.ns1.spoof = how;
    w.ns1.spoof_next = 1;
    w.ns1.spoof_via = &w.ns2;
    const uint64_t np = no_ports();
    assert_int_equal(resolve("www.axn.test", AXN_AF_INET, true, &r), 0);
    assert_int_equal(r.addrs[0].a4, WWW_A); /* the real answer, not the copy */
    assert_int_equal(r.server, NS1_ADDR);
    sim_stacks_settle(&w.s, AXN_MSEC(10)); /* a copy that needed ARP lands too */
    assert_int_equal(stats().rx_ignored, ignored);
    assert_int_equal(no_ports() - np, dropped_by_udp);
    assert_int_equal(w.ns1.spoof_next, 0);
}

static void test_spoofed_answers_ignored(void **state)
{
    (void)state;
    spoofed(DNS_SPOOF_ID, 1, 0);
    spoofed(DNS_SPOOF_QUESTION, 2, 0);
    /* The connected socket never sees these: UDP counts them NoPorts. */
    spoofed(DNS_SPOOF_PORT, 2, 1);
    spoofed(DNS_SPOOF_SOURCE, 2, 1);
}

/* ---- CNAME, TCP, cache ------------------------------------------------------------------- */

static void test_cname_chain(void **state)
{
    (void)state;
    struct axn_dns_result r;
    assert_int_equal(resolve("alias.axn.test", AXN_AF_INET, false, &r), 0);
    assert_int_equal(r.n_addrs, 1);
    assert_int_equal(r.addrs[0].a4, REAL_A);
    assert_int_equal(r.addrs[0].ttl, TTL_SHORT); /* the chain's smallest TTL */
    assert_string_equal(r.canonical, "real.axn.test");
    assert_int_equal(stats().cname_followed, 2);
    assert_int_equal(w.ns1.udp_queries, 1);
    /* A server that gives one link at a time: asked again for each end. */
    w.ns1.no_chase = true;
    assert_int_equal(resolve("alias.axn.test", AXN_AF_INET, true, &r), 0);
    assert_int_equal(r.addrs[0].a4, REAL_A);
    assert_string_equal(r.canonical, "real.axn.test");
    assert_int_equal(w.ns1.udp_queries, 1 + 3);
    assert_int_equal(stats().cname_followed, 4);
}

static void test_cname_loop(void **state)
{
    (void)state;
    struct axn_dns_result r;
    assert_int_equal(resolve("loop1.axn.test", AXN_AF_INET, false, &r), -AXN_ELOOP);
    w.ns1.no_chase = true; /* the loop seen link by link: still bounded */
    assert_int_equal(resolve("loop1.axn.test", AXN_AF_INET, false, &r), -AXN_ELOOP);
    assert_int_equal(w.ns1.udp_queries, 1 + AXN_DNS_MAX_CNAME + 1);
}

static void test_truncated_then_tcp(void **state)
{
    (void)state;
    for (uint32_t i = 0; i < MANY_ADDRS; i++)
        assert_int_equal(dns_responder_add_a(&w.ns1, "big.axn.test", BIG_BASE + i, TTL_LONG), 0);
    struct axn_dns_result r;
    assert_int_equal(resolve("big.axn.test", AXN_AF_INET, false, &r), 0);
    assert_int_equal(r.n_addrs, AXN_DNS_MAX_ADDRS);
    for (size_t i = 0; i < r.n_addrs; i++)
        assert_int_equal(r.addrs[i].a4, BIG_BASE + i);
    const struct axn_dns_stats st = stats();
    assert_int_equal(st.truncated, 1);
    assert_int_equal(st.sent_tcp, 1);
    assert_int_equal(w.ns1.tcp_accepts, 1);
    assert_int_equal(w.ns1.answers_tcp, 1);
    /* tc_udp: even a small answer comes over TCP, for both families. */
    w.ns1.tc_udp = true;
    assert_int_equal(resolve("www.axn.test", AXN_AF_UNSPEC, true, &r), 0);
    assert_int_equal(r.n_addrs, 3);
    assert_int_equal(stats().sent_tcp, 3);
    assert_int_equal(w.ns1.tcp_queries, 3);
}

static void test_cache_hit_and_expiry(void **state)
{
    (void)state;
    struct axn_dns_result r;
    assert_int_equal(resolve("alias.axn.test", AXN_AF_INET, false, &r), 0);
    const unsigned asked = w.ns1.udp_queries;
    const size_t frames = w.n_seen;
    sim_stacks_settle(&w.s, AXN_SEC(10));
    assert_int_equal(resolve("ALIAS.axn.test.", AXN_AF_INET, false, &r), 0);
    assert_true(r.from_cache);
    assert_int_equal(r.server, 0);
    assert_int_equal(r.addrs[0].a4, REAL_A);
    assert_string_equal(r.canonical, "real.axn.test");
    assert_true(r.addrs[0].ttl <= TTL_SHORT - 10 && r.addrs[0].ttl >= TTL_SHORT - 11);
    assert_int_equal(w.ns1.udp_queries, asked);
    assert_int_equal(w.n_seen, frames); /* no packet on the wire */
    assert_int_equal(stats().cache_hits, 1);
    /* Past the TTL: asked again. */
    sim_stacks_settle(&w.s, AXN_SEC(TTL_SHORT - 10));
    assert_int_equal(resolve("alias.axn.test", AXN_AF_INET, false, &r), 0);
    assert_false(r.from_cache);
    assert_int_equal(w.ns1.udp_queries, asked + 1);
    assert_int_equal(stats().cache_misses, 2);
    axn_dns_cache_flush(w.s.st[0]);
    assert_int_equal(stats().cache_entries, 0);
}

/* The cache alone: bounded, evicts what expires first, TTL 0 not kept,
 * TTLs capped, keys without case or trailing dot. */
static void test_cache_bounded(void **state)
{
    (void)state;
    struct axn_svc *svc = w.s.st[0]->svc;
    const axn_time_t now = w.s.now;
    struct axn_dns_q a;
    memset(&a, 0, sizeof(a));
    a.n_addrs = 1;
    a.addrs[0].family = AXN_AF_INET;
    strcpy(a.canonical, "c.test");
    char key[AXN_DNS_NAME_TEXT_MAX];
    for (unsigned i = 0; i < AXN_DNS_CACHE_ENTRIES; i++) {
        snprintf(key, sizeof(key), "n%u.test", i);
        a.addrs[0].a4 = i;
        axn_dns_cache_put(svc, key, AXN_DNS_TYPE_A, &a, TTL_LONG + i, 0, now);
    }
    assert_int_equal(axn_dns_cache_count(svc, now), AXN_DNS_CACHE_ENTRIES);
    axn_dns_cache_put(svc, "zero.test", AXN_DNS_TYPE_A, &a, 0, 0, now);
    axn_dns_cache_put(svc, "new.test", AXN_DNS_TYPE_A, &a, AXN_DNS_CACHE_MAX_TTL * 2u, 0, now);
    assert_int_equal(axn_dns_cache_count(svc, now), AXN_DNS_CACHE_ENTRIES);
    struct axn_dns_cached c;
    assert_false(axn_dns_cache_get(svc, "n0.test", AXN_DNS_TYPE_A, now, &c)); /* evicted */
    assert_false(axn_dns_cache_get(svc, "zero.test", AXN_DNS_TYPE_A, now, &c));
    assert_false(axn_dns_cache_get(svc, "n1.test", AXN_DNS_TYPE_AAAA, now, &c));
    assert_true(axn_dns_cache_get(svc, "n1.test", AXN_DNS_TYPE_A, now, &c));
    assert_int_equal(c.addrs[0].a4, 1);
    assert_int_equal(c.addrs[0].ttl, TTL_LONG + 1);
    assert_true(axn_dns_cache_get(svc, "new.test", AXN_DNS_TYPE_A, now, &c));
    assert_int_equal(c.addrs[0].ttl, AXN_DNS_CACHE_MAX_TTL);
    assert_true(axn_dns_normalise("WWW.Test.", key, sizeof(key)));
    assert_string_equal(key, "www.test");
    assert_false(axn_dns_normalise("www.test", key, 4));
    /* Expiry is exact: alive one microsecond before, gone at it. */
    const axn_time_t end = now + AXN_SEC(TTL_LONG + 1);
    assert_true(axn_dns_cache_get(svc, "n1.test", AXN_DNS_TYPE_A, end - 1, &c));
    assert_int_equal(c.addrs[0].ttl, 1);
    assert_false(axn_dns_cache_get(svc, "n1.test", AXN_DNS_TYPE_A, end, &c));
}

/* RFC 2308: NXDOMAIN and NODATA cached for min(SOA TTL, MINIMUM) when the
 * answer carries an SOA, not at all without one. */
static void test_negative_cache(void **state)
{
    (void)state;
    struct axn_dns_result r;
    assert_int_equal(resolve("nope.axn.test", AXN_AF_INET, false, &r), -AXN_ENXIO);
    assert_int_equal(resolve("nope.axn.test", AXN_AF_INET, false, &r), -AXN_ENXIO);
    assert_int_equal(w.ns1.udp_queries, 2); /* no SOA: not cached */
    w.ns1.neg_ttl = TTL_SHORT;
    assert_int_equal(resolve("gone.axn.test", AXN_AF_UNSPEC, false, &r), -AXN_ENXIO);
    const unsigned asked = w.ns1.udp_queries;
    assert_int_equal(resolve("GONE.axn.test", AXN_AF_INET6, false, &r), -AXN_ENXIO);
    assert_int_equal(resolve("v4only.axn.test", AXN_AF_INET6, false, &r), -AXN_ENODATA);
    assert_int_equal(w.ns1.udp_queries, asked + 1);
    assert_int_equal(resolve("v4only.axn.test", AXN_AF_INET6, false, &r), -AXN_ENODATA);
    assert_int_equal(w.ns1.udp_queries, asked + 1);
    /* AF_UNSPEC: AAAA known empty, only A asked. */
    assert_int_equal(resolve("v4only.axn.test", AXN_AF_UNSPEC, false, &r), 0);
    assert_int_equal(r.n_addrs, 1);
    assert_int_equal(w.ns1.udp_queries, asked + 2);
    assert_int_equal(stats().cache_hits, 2);
    /* min(SOA TTL 30, MINIMUM 60) = 30 s later: asked again. */
    sim_stacks_settle(&w.s, AXN_SEC(TTL_SHORT));
    assert_int_equal(resolve("gone.axn.test", AXN_AF_INET, false, &r), -AXN_ENXIO);
    assert_int_equal(w.ns1.udp_queries, asked + 3);
}

/* ---- Errors ------------------------------------------------------------------------------ */

static void test_nxdomain(void **state)
{
    (void)state;
    struct axn_dns_result r;
    assert_int_equal(resolve("nope.axn.test", AXN_AF_UNSPEC, false, &r), -AXN_ENXIO);
    assert_int_equal(w.ns2.udp_queries, 0); /* authoritative: not asked elsewhere */
    assert_int_equal(stats().nxdomain, 1);
}

static void test_servfail_everywhere(void **state)
{
    (void)state;
    struct axn_dns_result r;
    w.ns1.rcode = AXN_DNS_RCODE_SERVFAIL;
    w.ns2.rcode = AXN_DNS_RCODE_REFUSED;
    assert_int_equal(resolve("www.axn.test", AXN_AF_INET, false, &r), -AXN_ECONNREFUSED);
    assert_int_equal(w.ns1.udp_queries, 1);
    assert_int_equal(w.ns2.udp_queries, 1);
    assert_int_equal(stats().server_failures, 1);
    /* One failing, the other fine: the other answers. */
    w.ns2.rcode = -1;
    assert_int_equal(resolve("www.axn.test", AXN_AF_INET, false, &r), 0);
    assert_int_equal(r.server, NS2_ADDR);
}

static void test_all_dead_timeout(void **state)
{
    (void)state;
    struct axn_dns_result r;
    dns_responder_stop(&w.ns1);
    w.ns2.drop_next = 1000;
    const axn_time_t t0 = w.s.now;
    assert_int_equal(resolve("www.axn.test", AXN_AF_INET, false, &r), -AXN_ETIMEDOUT);
    assert_int_equal(w.s.now - t0, AXN_MSEC(AXN_DNS_DEFAULT_TIMEOUT_MS));
    assert_int_equal(stats().timeouts, 1);
    /* A shorter deadline of the caller's. */
    const struct axn_dns_options opt = {.family = AXN_AF_INET, .timeout = AXN_MSEC(1500)};
    axn_dns_query_free(w.q);
    const axn_time_t t1 = w.s.now;
    assert_int_equal(axn_dns_query_start(w.s.st[0], "www.axn.test", &opt, t1, &w.q), 0);
    assert_int_equal(drive(&r), -AXN_ETIMEDOUT);
    assert_int_equal(w.s.now - t1, AXN_MSEC(1500));
}

static int setup_none(void **state)
{
    (void)state;
    world_up(NULL, 0);
    return 0;
}

static void test_no_server(void **state)
{
    (void)state;
    struct axn_dns_result r;
    assert_int_equal(resolve("www.axn.test", AXN_AF_INET, false, &r), -AXN_ENOENT);
    assert_null(w.q);
    /* A literal needs no server. */
    assert_int_equal(resolve("10.0.0.1", AXN_AF_UNSPEC, false, &r), 0);
    assert_int_equal(r.n_addrs, 1);
    assert_int_equal(r.addrs[0].a4, AXN_IP4(10, 0, 0, 1));
    assert_string_equal(r.canonical, "10.0.0.1");
    assert_int_equal(resolve("10.0.0.1", AXN_AF_INET6, false, &r), -AXN_ENODATA);
}

static int setup_offnet(void **state)
{
    (void)state;
    const axn_ip4_t dns[1] = {OFFNET_ADDR};
    world_up(dns, 1);
    return 0;
}

static void test_unroutable(void **state)
{
    (void)state;
    struct axn_dns_result r;
    assert_int_equal(resolve("www.axn.test", AXN_AF_INET, false, &r), -AXN_ENETUNREACH);
}

static void test_bad_names(void **state)
{
    (void)state;
    struct axn_dns_result r;
    char long_label[LONG_LABEL + 8];
    memset(long_label, 'a', LONG_LABEL);
    strcpy(long_label + LONG_LABEL, ".test");
    const char *bad[] = {"", ".", "a..b", "..", long_label};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(resolve(bad[i], AXN_AF_INET, false, &r), -AXN_EINVAL);
    const struct axn_dns_options opt = {.family = 7};
    assert_int_equal(axn_dns_query_start(w.s.st[0], "x.test", &opt, w.s.now, &w.q), -AXN_EINVAL);
    /* Not quite literals: asked as names (NXDOMAIN here). */
    assert_int_equal(resolve("10.0.0.256", AXN_AF_INET, false, &r), -AXN_ENXIO);
    assert_int_equal(resolve("10.0.0", AXN_AF_INET, false, &r), -AXN_ENXIO);
    assert_int_equal(w.ns1.udp_queries, 2);
}

/* ---- The blocking form, on a threaded stack in real time ------------------------------------ */

#define LO_IFINDEX    1u
#define LO_ADDR       AXN_IP4(127, 0, 0, 1)
#define POLL_NAP_NS   200000L /* the responder thread's nap between polls */
#define SHORT_TIMEOUT AXN_MSEC(300)

struct threaded {
    struct axn_platform plat;
    struct axn_stack *st;
    struct dns_responder ns;
    pthread_t poller;
    atomic_bool stop;
};

static void *poll_responder(void *arg)
{
    struct threaded *t = arg;
    const struct timespec nap = {0, POLL_NAP_NS};
    while (!atomic_load(&t->stop)) {
        dns_responder_poll(&t->ns, t->plat.now(t->plat.ctx));
        nanosleep(&nap, NULL);
    }
    return NULL;
}

static void test_blocking_resolve(void **state)
{
    (void)state;
    static struct threaded t;
    memset(&t, 0, sizeof(t));
    atomic_init(&t.stop, false);
    assert_int_equal(axn_port_posix_init(&t.plat, AXN_LOG_ERROR), 0);
    assert_int_equal(axn_stack_create(&t.plat, &t.st), 0);
    assert_int_equal(axn_stack_start(t.st), 0);
    struct axn_iface_info lo;
    assert_int_equal(axn_ctl_interface_by_index(t.st, LO_IFINDEX, &lo), 0);
    assert_int_equal(lo.kind, AXN_IFACE_LOOPBACK);
    const axn_ip4_t server = LO_ADDR;
    assert_int_equal(axn_ctl_dns_replace(&t.st->ctl, LO_IFINDEX, AXN_DNS_SRC_STATIC, 0, &server, 1),
                     0);
    assert_int_equal(dns_responder_start(&t.ns, t.st, LO_ADDR), 0);
    assert_int_equal(dns_responder_add_a(&t.ns, "www.axn.test", WWW_A, TTL_LONG), 0);
    assert_int_equal(pthread_create(&t.poller, NULL, poll_responder, &t), 0);
    struct axn_dns_result r;
    assert_int_equal(axn_resolve(t.st, "www.axn.test", NULL, &r), 0);
    assert_int_equal(r.n_addrs, 1);
    assert_int_equal(r.addrs[0].a4, WWW_A);
    assert_int_equal(r.server, LO_ADDR);
    /* Nobody answers (the responder is no longer polled): ETIMEDOUT at
     * the caller's deadline, not before. */
    atomic_store(&t.stop, true);
    assert_int_equal(pthread_join(t.poller, NULL), 0);
    const struct axn_dns_options opt = {.family = AXN_AF_INET, .timeout = SHORT_TIMEOUT};
    const axn_time_t t0 = t.plat.now(t.plat.ctx);
    assert_int_equal(axn_resolve(t.st, "other.axn.test", &opt, &r), -AXN_ETIMEDOUT);
    const axn_time_t took = t.plat.now(t.plat.ctx) - t0;
    assert_true(took >= SHORT_TIMEOUT && took < SHORT_TIMEOUT + AXN_SEC(2));
    dns_responder_stop(&t.ns);
    axn_stack_destroy(t.st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_a, setup_two, teardown),
        cmocka_unit_test_setup_teardown(test_aaaa, setup_two, teardown),
        cmocka_unit_test_setup_teardown(test_unspec, setup_two, teardown),
        cmocka_unit_test_setup_teardown(test_random_id_and_port, setup_two, teardown),
        cmocka_unit_test_setup_teardown(test_lost_query_retried, setup_two, teardown),
        cmocka_unit_test_setup_teardown(test_first_server_dead, setup_dead_first, teardown),
        cmocka_unit_test_setup_teardown(test_first_server_refuses, setup_two, teardown),
        cmocka_unit_test_setup_teardown(test_spoofed_answers_ignored, setup_two, teardown),
        cmocka_unit_test_setup_teardown(test_cname_chain, setup_two, teardown),
        cmocka_unit_test_setup_teardown(test_cname_loop, setup_two, teardown),
        cmocka_unit_test_setup_teardown(test_truncated_then_tcp, setup_two, teardown),
        cmocka_unit_test_setup_teardown(test_cache_hit_and_expiry, setup_two, teardown),
        cmocka_unit_test_setup_teardown(test_cache_bounded, setup_two, teardown),
        cmocka_unit_test_setup_teardown(test_negative_cache, setup_two, teardown),
        cmocka_unit_test_setup_teardown(test_nxdomain, setup_two, teardown),
        cmocka_unit_test_setup_teardown(test_servfail_everywhere, setup_two, teardown),
        cmocka_unit_test_setup_teardown(test_all_dead_timeout, setup_two, teardown),
        cmocka_unit_test_setup_teardown(test_no_server, setup_none, teardown),
        cmocka_unit_test_setup_teardown(test_unroutable, setup_offnet, teardown),
        cmocka_unit_test_setup_teardown(test_bad_names, setup_two, teardown),
        cmocka_unit_test(test_blocking_resolve),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
