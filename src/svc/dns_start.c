/*
 * Starting a resolver query (resolver.h): the name's checks, an IPv4
 * literal answered without a query, the questions (A, AAAA), the cache,
 * and the servers to ask (CTL-17 order, routed ones only). Split from the
 * state machine (dns_query.c), which takes the query from its first send
 * on.
 */
#include "axnet/errno.h"
#include "axnet/netctl.h"
#include "core/stack_impl.h"
#include "lib/mem.h"
#include "svc/dns_resolver.h"

#define IP4_PARTS       4u
#define IP4_PART_DIGITS 3u
#define IP4_PART_MAX    255u
#define IP4_PART_BITS   8u
#define DECIMAL         10u

/* CTL-17 order, only servers with a route (RT-11): 0, or -AXN_ENOENT /
 * -AXN_ENETUNREACH. */
static int pick_servers(struct axn_dns_lookup *q)
{
    axn_ip4_t all[AXN_DNS_MAX_SERVERS];
    const size_t n = axn_ctl_dns_servers(q->st, all, AXN_DNS_MAX_SERVERS);
    if (n == 0)
        return -AXN_ENOENT;
    for (size_t i = 0; i < n; i++) {
        struct axn_route_decision d;
        if (axn_ctl_route_select(&q->st->ctl, all[i], 0, &d) == 0)
            q->servers[q->n_servers++] = all[i];
    }
    return q->n_servers == 0 ? -AXN_ENETUNREACH : 0;
}

/* A dotted-quad IPv4 literal (four decimal parts 0..255), as getaddrinfo
 * takes without a query. */
static bool parse_ip4(const char *s, axn_ip4_t *out)
{
    uint32_t addr = 0;
    for (unsigned part = 0; part < IP4_PARTS; part++) {
        uint32_t v = 0;
        unsigned digits = 0;
        for (; *s >= '0' && *s <= '9' && digits <= IP4_PART_DIGITS; s++, digits++)
            v = v * DECIMAL + (uint32_t)(*s - '0');
        if (digits == 0 || digits > IP4_PART_DIGITS || v > IP4_PART_MAX)
            return false;
        addr = (addr << IP4_PART_BITS) | v;
        if (part + 1u < IP4_PARTS && *s++ != '.')
            return false;
    }
    *out = addr;
    return *s == '\0';
}

static int literal(struct axn_dns_lookup *q, axn_ip4_t a)
{
    if (q->family == AXN_AF_INET6)
        return -AXN_ENODATA; /* an IPv4 address has no AAAA form here */
    struct axn_dns_result *r = &q->res;
    r->n_addrs = 1;
    r->addrs[0].family = AXN_AF_INET;
    r->addrs[0].a4 = a;
    memcpy(r->canonical, q->key, sizeof(r->canonical));
    q->rc = 0;
    return 0;
}

static void add_question(struct axn_dns_lookup *q, uint16_t qtype)
{
    struct axn_dns_q *dq = &q->q[q->n_q++];
    dq->qtype = qtype;
    memcpy(dq->name, q->key, sizeof(dq->name));
}

/* Questions the cache answers are marked answered; true when all are.
 * *nx: the cache knows the name does not exist. */
static bool from_cache(struct axn_dns_lookup *q, axn_time_t now, bool *nx)
{
    *nx = false;
    if (q->no_cache)
        return false;
    for (size_t i = 0; i < q->n_q; i++) {
        struct axn_dns_q *dq = &q->q[i];
        struct axn_dns_cached c;
        if (!axn_dns_cache_get(q->svc, q->key, dq->qtype, now, &c))
            continue;
        *nx = *nx || c.neg == -AXN_ENXIO;
        dq->answered = dq->from_cache = true;
        dq->n_addrs = c.n_addrs;
        memcpy(dq->addrs, c.addrs, sizeof(dq->addrs));
        memcpy(dq->canonical, c.canonical, sizeof(dq->canonical));
    }
    const bool hit = *nx || axn_dns_all_answered(q);
    axn_dns_count_one(q, hit ? &q->svc->dns_stats.cache_hits : &q->svc->dns_stats.cache_misses);
    return hit;
}

static bool name_ok(const char *key)
{
    uint8_t wire[AXN_DNS_WIRE_NAME_MAX];
    if (key[0] == '\0' || (key[0] == '.' && key[1] == '\0'))
        return false; /* the root has no addresses */
    return axn_dns_name_encode(key, wire, sizeof(wire)) > 0;
}

/* Everything after the checks: cache, literal, servers, first try. */
static int launch(struct axn_dns_lookup *q, const struct axn_dns_options *opt, axn_time_t now)
{
    axn_ip4_t lit;
    if (parse_ip4(q->key, &lit))
        return literal(q, lit);
    if (q->family != AXN_AF_INET6)
        add_question(q, AXN_DNS_TYPE_A);
    if (q->family != AXN_AF_INET)
        add_question(q, AXN_DNS_TYPE_AAAA);
    bool nx;
    if (from_cache(q, now, &nx)) {
        if (nx)
            axn_dns_fail(q, -AXN_ENXIO, &q->svc->dns_stats.nxdomain);
        else
            axn_dns_finish(q, now);
        return 0;
    }
    int rc = pick_servers(q);
    if (rc != 0)
        return rc;
    const axn_time_t span = opt->timeout != 0 ? opt->timeout : AXN_MSEC(AXN_DNS_DEFAULT_TIMEOUT_MS);
    q->deadline = now + span;
    q->cur = q->n_servers - 1; /* next_server moves on to servers[0] */
    axn_dns_next_server(q, now);
    return q->rc == -AXN_EINPROGRESS || q->rc == 0 ? 0 : q->rc;
}

int axn_dns_query_start(struct axn_stack *st, const char *name, const struct axn_dns_options *opt,
                        axn_time_t now, struct axn_dns_lookup **out)
{
    static const struct axn_dns_options defaults = {.family = AXN_AF_UNSPEC};
    if (st == NULL || name == NULL || out == NULL)
        return -AXN_EINVAL;
    if (opt == NULL)
        opt = &defaults;
    if (opt->family != AXN_AF_UNSPEC && opt->family != AXN_AF_INET && opt->family != AXN_AF_INET6)
        return -AXN_EINVAL;
    struct axn_svc *svc = st->svc;
    axn_dns_count(svc, &svc->dns_stats.queries, 1);
    const struct axn_platform *plat = st->plat;
    struct axn_dns_lookup *q = plat->alloc(plat->ctx, sizeof(*q), _Alignof(struct axn_dns_lookup));
    if (q == NULL)
        return -AXN_ENOMEM;
    memset(q, 0, sizeof(*q));
    q->st = st;
    q->svc = svc;
    q->plat = plat;
    q->family = opt->family;
    q->no_cache = opt->no_cache;
    q->rc = -AXN_EINPROGRESS;
    int rc = -AXN_EINVAL;
    if (axn_dns_normalise(name, q->key, sizeof(q->key)) && name_ok(q->key))
        rc = launch(q, opt, now);
    if (rc != 0) {
        axn_dns_query_free(q);
        return rc;
    }
    *out = q;
    return 0;
}
