/*
 * Hostile answers against a running resolver query (src/svc/dns_*.c), not
 * only the parser: one stack on port/none (fuzz_stack.h) at 192.0.2.10/24
 * with DNS servers 192.0.2.53 and 192.0.2.54 on its interface, and an
 * AF_UNSPEC query for "www.axn.test" started (two questions outstanding).
 *
 * The input is records [ctl][len: 2 bytes, big-endian][len bytes]: each
 * record's bytes arrive as a UDP datagram from 192.0.2.53:53 to the
 * query's port, through the whole receive path (Ethernet, IPv4, UDP,
 * socket), and the query is stepped. ctl bit 0: patch the DNS id to the
 * outstanding id of question (ctl bit 1) first; bits 2-3: how far virtual
 * time then moves (none, 100 ms, 1 s, 3 s), so retries, the next server,
 * TCP fallback and the deadline all run. At the end time runs past the
 * deadline: the query must have ended.
 *
 * Trapped: any crash or sanitizer report; a result outside the resolver's
 * errors; a success without addresses, with too many, with a family other
 * than the one its record type gives, or with an unterminated canonical
 * name; a step that stays pending without a future deadline; a counter
 * that goes down; and a block left in the arena once the query is freed
 * and the stack destroyed.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "axnet/errno.h"
#include "axnet/resolver.h"
#include "core/stack_impl.h"
#include "lib/byteorder.h"
#include "support/fuzz_check.h"
#include "support/fuzz_stack.h"
#include "svc/dns_resolver.h"
#include "wire/ethernet.h"
#include "wire/ipv4.h"
#include "wire/udp.h"

#define ARENA_BYTES    (8u * 1024u * 1024u)
#define PREFIX         24u
#define OUR_ADDR       AXN_IP4(192, 0, 2, 10)
#define NS1_ADDR       AXN_IP4(192, 0, 2, 53)
#define NS2_ADDR       AXN_IP4(192, 0, 2, 54)
#define DNS_METRIC     0u
#define QNAME          "www.axn.test"
#define T_START        AXN_SEC(1)
#define MAX_RECORDS    8u
#define REC_HDR        3u
#define CTL_PATCH      0x01u
#define CTL_WHICH      0x02u
#define CTL_TIME       0x0cu
#define CTL_TIME_SHIFT 2u
#define MAX_POLLS      64u
#define UDP_ROOM       (AXN_ETH_MTU - AXN_IPV4_HDR_MIN - AXN_UDP_HDR_LEN)
#define IP_TTL         64u
#define LATE           (AXN_MSEC(AXN_DNS_DEFAULT_TIMEOUT_MS) + AXN_SEC(1))

static const struct axn_mac peer_mac = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x35}};
static const axn_time_t time_steps[4] = {0, AXN_MSEC(100), AXN_SEC(1), AXN_SEC(3)};

static uint8_t arena[ARENA_BYTES];

/* The datagram `msg` from NS1:53 to our `port`, as a frame fed to the stack. */
static void deliver(struct axn_stack *st, uint16_t port, const uint8_t *msg, size_t len)
{
    static uint8_t udp[AXN_UDP_HDR_LEN + UDP_ROOM];
    static uint8_t ip[AXN_ETH_MTU];
    static uint8_t frame[AXN_ETH_HLEN + AXN_ETH_MTU];
    len = len > UDP_ROOM ? UDP_ROOM : len;
    axn_put_be16(udp, AXN_DNS_PORT);
    axn_put_be16(udp + 2, port);
    axn_put_be16(udp + 4, (uint16_t)(AXN_UDP_HDR_LEN + len));
    axn_put_be16(udp + 6, 0); /* RFC 768: no checksum */
    memcpy(udp + AXN_UDP_HDR_LEN, msg, len);
    const struct axn_ipv4 h = {.ttl = IP_TTL,
                               .protocol = AXN_IPPROTO_UDP,
                               .src = NS1_ADDR,
                               .dst = OUR_ADDR,
                               .payload = udp,
                               .payload_len = AXN_UDP_HDR_LEN + len};
    const int n = axn_ipv4_emit(&h, ip, sizeof(ip));
    CHECK(n > 0);
    const struct axn_eth e = {.dst = fuzz_our_mac,
                              .src = peer_mac,
                              .ethertype = AXN_ETHERTYPE_IPV4,
                              .payload = ip,
                              .payload_len = (size_t)n};
    const int f = axn_eth_emit(&e, frame, sizeof(frame), AXN_ETH_EMIT_PAD);
    CHECK(f > 0);
    fuzz_feed(st, frame, (size_t)f);
}

static uint16_t query_port(struct axn_dns_lookup *q)
{
    struct axn_socket *s = axn_dns_query_socket(q);
    if (s == NULL)
        return 0;
    struct axn_sockaddr_in sin;
    axn_socklen_t len = sizeof(sin);
    if (axn_getsockname(s, (struct axn_sockaddr *)&sin, &len) != 0)
        return 0;
    return axn_get_be16((const uint8_t *)&sin.sin_port);
}

static bool known(int rc)
{
    return rc == 0 || rc == -AXN_EINPROGRESS || rc == -AXN_ENXIO || rc == -AXN_ENODATA ||
           rc == -AXN_ECONNREFUSED || rc == -AXN_ETIMEDOUT || rc == -AXN_ELOOP;
}

static void check_result(const struct axn_dns_lookup *q)
{
    struct axn_dns_result r;
    if (axn_dns_query_result(q, &r) != 0)
        return;
    CHECK(r.n_addrs > 0 && r.n_addrs <= AXN_DNS_MAX_ADDRS);
    CHECK(memchr(r.canonical, '\0', sizeof(r.canonical)) != NULL);
    for (size_t i = 0; i < r.n_addrs; i++)
        CHECK(r.addrs[i].family == AXN_AF_INET || r.addrs[i].family == AXN_AF_INET6);
}

static int step(struct axn_dns_lookup *q)
{
    axn_time_t next = AXN_TIME_NEVER;
    const int rc = axn_dns_query_step(q, fuzz_now, &next);
    CHECK(known(rc));
    CHECK(rc != -AXN_EINPROGRESS || (next > fuzz_now && next != AXN_TIME_NEVER));
    return rc;
}

static void counters_grow(const struct axn_dns_stats *a, const struct axn_dns_stats *b)
{
    CHECK(b->queries >= a->queries && b->sent_udp >= a->sent_udp);
    CHECK(b->rx_ignored >= a->rx_ignored && b->retries >= a->retries);
    CHECK(b->sent_tcp >= a->sent_tcp && b->truncated >= a->truncated);
}

static void run_records(struct axn_stack *st, struct axn_dns_lookup *q, const uint8_t *data,
                        size_t size)
{
    struct axn_dns_stats before, after;
    axn_dns_get_stats(st, &before);
    for (unsigned rec = 0; rec < MAX_RECORDS && size >= REC_HDR; rec++) {
        const uint8_t ctl = data[0];
        size_t len = axn_get_be16(data + 1);
        data += REC_HDR;
        size -= REC_HDR;
        len = len > size ? size : len;
        uint8_t msg[UDP_ROOM];
        const size_t n = len > sizeof(msg) ? sizeof(msg) : len;
        memcpy(msg, data, n);
        data += len;
        size -= len;
        const size_t which = (ctl & CTL_WHICH) ? 1u : 0u;
        if ((ctl & CTL_PATCH) && n >= 2 && which < q->n_q)
            axn_put_be16(msg, q->q[which].id);
        const uint16_t port = query_port(q);
        if (port != 0)
            deliver(st, port, msg, n);
        if (step(q) != -AXN_EINPROGRESS)
            return;
        fuzz_advance(st, time_steps[(ctl & CTL_TIME) >> CTL_TIME_SHIFT], MAX_POLLS, NULL);
        (void)step(q);
        axn_dns_get_stats(st, &after);
        counters_grow(&before, &after);
        before = after;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct axn_stack *st = fuzz_stack_start(arena, sizeof(arena), T_START);
    const uint32_t ifindex = fuzz_add_eth(st, OUR_ADDR, PREFIX);
    const axn_ip4_t servers[2] = {NS1_ADDR, NS2_ADDR};
    CHECK(axn_ctl_dns_replace(&st->ctl, ifindex, AXN_DNS_SRC_STATIC, DNS_METRIC, servers, 2) == 0);
    struct axn_dns_lookup *q = NULL;
    const struct axn_dns_options opt = {.family = AXN_AF_UNSPEC};
    CHECK(axn_dns_query_start(st, QNAME, &opt, fuzz_now, &q) == 0);
    run_records(st, q, data, size);
    /* Past the deadline every query has ended. */
    fuzz_advance(st, LATE, MAX_POLLS, NULL);
    CHECK(step(q) != -AXN_EINPROGRESS);
    check_result(q);
    axn_dns_query_free(q);
    fuzz_stack_finish(st);
    return 0;
}
