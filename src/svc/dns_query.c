/*
 * The resolver's non-blocking state machine (resolver.h). A query asks
 * its questions of one server at a time, in registry order (CTL-17),
 * skipping servers without a route: AXN_DNS_TRIES sends,
 * AXN_DNS_SERVER_TIMEOUT_MS apart, then the next server, round the list
 * again until the query's deadline. Each server gets a fresh UDP socket
 * on a random ephemeral port (RFC 6056 3.3.1 in the UDP layer) connected
 * to its port 53, and fresh random ids (RFC 5452 9.2); every datagram's
 * source is still checked (RFC 5452 9.1).
 */
#include "axnet/errno.h"
#include "axnet/netctl.h"
#include "core/stack_impl.h"
#include "lib/byteorder.h"
#include "lib/mem.h"
#include "svc/dns_resolver.h"

#define IP4_PARTS       4u
#define IP4_PART_DIGITS 3u
#define IP4_PART_MAX    255u
#define IP4_PART_BITS   8u
#define DECIMAL         10u

/* ---- Small helpers ----------------------------------------------------------------------- */

static struct axn_sockaddr_in server_addr(axn_ip4_t ip)
{
    struct axn_sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AXN_AF_INET;
    axn_put_be16((uint8_t *)&sin.sin_port, AXN_DNS_PORT);
    axn_put_be32((uint8_t *)&sin.sin_addr.s_addr, ip);
    return sin;
}

static void count(struct axn_dns_lookup *q, uint64_t *field)
{
    axn_dns_count(q->svc, field, 1);
}

static void close_udp(struct axn_dns_lookup *q)
{
    if (q->udp != NULL)
        (void)axn_close(q->udp);
    q->udp = NULL;
}

/* RFC 5452 9.2: an unpredictable id; two outstanding questions differ
 * (a clash is bumped, not redrawn: a weak platform random cannot spin). */
static void new_id(struct axn_dns_lookup *q, size_t i)
{
    uint16_t id = 0;
    (void)q->plat->random(q->plat->ctx, &id, sizeof(id));
    if (q->n_q > 1 && !q->q[1 - i].answered && q->q[1 - i].id == id)
        id = (uint16_t)(id + 1u);
    q->q[i].id = id;
}

int axn_dns_question_emit(const struct axn_dns_lookup *q, size_t i, uint8_t *buf, size_t cap)
{
    const struct axn_dns_q *dq = &q->q[i];
    /* RD: we are a stub, the server recurses for us (RFC 1035 4.1.1). */
    const struct axn_dns_query req = {
        .id = dq->id, .rd = true, .name = dq->name, .qtype = dq->qtype, .qclass = AXN_DNS_CLASS_IN};
    const int n = axn_dns_query_emit(&req, buf, cap);
    return n < 0 ? -AXN_EINVAL : n;
}

static void send_question(struct axn_dns_lookup *q, size_t i)
{
    uint8_t buf[AXN_DNS_QUERY_MAX];
    const int n = axn_dns_question_emit(q, i, buf, sizeof(buf));
    if (n <= 0 || q->udp == NULL)
        return;
    /* A failed send (no buffer, ARP pending) is what the retry is for. */
    (void)axn_send(q->udp, buf, (size_t)n, AXN_MSG_DONTWAIT);
    count(q, &q->svc->dns_stats.sent_udp);
}

/* One try: every question still open (and not waiting for TCP). */
static void send_all(struct axn_dns_lookup *q, axn_time_t now)
{
    for (size_t i = 0; i < q->n_q; i++)
        if (!q->q[i].answered && !q->q[i].need_tcp)
            send_question(q, i);
    q->tries++;
    q->try_deadline = now + AXN_MSEC(AXN_DNS_SERVER_TIMEOUT_MS);
}

/* A fresh socket for servers[cur]: port 0 (random ephemeral), connected
 * so that only that server's port 53 reaches it. */
static int open_udp(struct axn_dns_lookup *q)
{
    close_udp(q);
    struct axn_socket *s;
    int rc = axn_socket(q->st, AXN_AF_INET, AXN_SOCK_DGRAM | AXN_SOCK_NONBLOCK, 0, &s);
    if (rc != 0)
        return rc;
    struct axn_sockaddr_in any = server_addr(0);
    any.sin_port = 0;
    const struct axn_sockaddr_in to = server_addr(q->servers[q->cur]);
    rc = axn_bind(s, (const struct axn_sockaddr *)&any, sizeof(any));
    if (rc == 0)
        rc = axn_connect(s, (const struct axn_sockaddr *)&to, sizeof(to));
    if (rc != 0) {
        (void)axn_close(s);
        return rc;
    }
    q->udp = s;
    return 0;
}

/* Starts on servers[cur]: socket, new ids, first try. */
static int begin_server(struct axn_dns_lookup *q, axn_time_t now)
{
    q->tries = 0;
    for (size_t i = 0; i < q->n_q; i++) {
        q->q[i].need_tcp = false;
        if (!q->q[i].answered)
            new_id(q, i);
    }
    const int rc = open_udp(q);
    if (rc == 0)
        send_all(q, now);
    return rc;
}

/* ---- Ending ------------------------------------------------------------------------------ */

static void end(struct axn_dns_lookup *q, int rc)
{
    q->rc = rc;
    close_udp(q);
    axn_dns_tcp_stop(q);
}

static void fail(struct axn_dns_lookup *q, int rc, uint64_t *counter)
{
    count(q, counter);
    end(q, rc);
}

/* Gathers every question's addresses: A first (as getaddrinfo sorts them
 * without an IPv6 route), canonical name from the first with any. */
static void gather(struct axn_dns_lookup *q)
{
    struct axn_dns_result *r = &q->res;
    r->n_addrs = 0;
    r->canonical[0] = '\0';
    for (size_t i = 0; i < q->n_q; i++) {
        const struct axn_dns_q *dq = &q->q[i];
        if (dq->n_addrs > 0 && r->canonical[0] == '\0')
            memcpy(r->canonical, dq->canonical, sizeof(r->canonical));
        for (size_t k = 0; k < dq->n_addrs && r->n_addrs < AXN_DNS_MAX_ADDRS; k++)
            r->addrs[r->n_addrs++] = dq->addrs[k];
    }
}

static void finish(struct axn_dns_lookup *q, axn_time_t now)
{
    bool all_cached = true;
    for (size_t i = 0; i < q->n_q; i++) {
        const struct axn_dns_q *dq = &q->q[i];
        all_cached = all_cached && dq->from_cache;
        if (dq->from_cache || q->no_cache)
            continue;
        if (dq->n_addrs > 0)
            axn_dns_cache_put(q->svc, q->key, dq->qtype, dq, dq->ttl, 0, now);
        else
            axn_dns_cache_put(q->svc, q->key, dq->qtype, dq, dq->neg_ttl, -AXN_ENODATA, now);
    }
    gather(q);
    q->res.from_cache = all_cached;
    q->res.server = all_cached ? 0 : q->answered_by;
    if (q->res.n_addrs == 0)
        fail(q, -AXN_ENODATA, &q->svc->dns_stats.nodata);
    else
        fail(q, 0, &q->svc->dns_stats.resolved);
}

static bool all_answered(const struct axn_dns_lookup *q)
{
    for (size_t i = 0; i < q->n_q; i++)
        if (!q->q[i].answered)
            return false;
    return true;
}

/* RFC 2308 5: the name does not exist, for every type we ask. */
static void nxdomain(struct axn_dns_lookup *q, size_t i, axn_time_t now)
{
    for (size_t k = 0; k < q->n_q && !q->no_cache; k++)
        axn_dns_cache_put(q->svc, q->key, q->q[k].qtype, &q->q[k], q->q[i].neg_ttl, -AXN_ENXIO,
                          now);
    fail(q, -AXN_ENXIO, &q->svc->dns_stats.nxdomain);
}

/* ---- Servers ----------------------------------------------------------------------------- */

void axn_dns_next_server(struct axn_dns_lookup *q, axn_time_t now)
{
    axn_dns_tcp_stop(q);
    close_udp(q);
    for (size_t step = 1; step <= q->n_servers; step++) {
        const size_t j = (q->cur + step) % q->n_servers;
        if (q->failed[j])
            continue;
        q->cur = j;
        if (begin_server(q, now) == 0)
            return;
        q->failed[j] = true; /* cannot even send to it */
    }
    /* Every server refused to answer (RFC 1035 4.1.1 rcodes 1, 2, 4, 5). */
    fail(q, -AXN_ECONNREFUSED, &q->svc->dns_stats.server_failures);
}

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

/* ---- Verdicts ---------------------------------------------------------------------------- */

static void truncated(struct axn_dns_lookup *q, size_t i, axn_time_t now)
{
    count(q, &q->svc->dns_stats.truncated);
    q->q[i].need_tcp = true;
    if (q->tcp_state != AXN_DNS_TCP_IDLE)
        return; /* the open connection takes it too */
    q->try_deadline = now + AXN_MSEC(AXN_DNS_SERVER_TIMEOUT_MS);
    if (axn_dns_tcp_start(q) != 0)
        axn_dns_next_server(q, now);
}

bool axn_dns_apply(struct axn_dns_lookup *q, enum axn_dns_verdict v, size_t i, axn_time_t now)
{
    struct axn_dns_stats *s = &q->svc->dns_stats;
    switch (v) {
    case AXN_DNS_V_IGNORED:
        count(q, &s->rx_ignored);
        break;
    case AXN_DNS_V_DONE:
        q->q[i].answered = true;
        q->answered_by = q->servers[q->cur];
        if (all_answered(q))
            finish(q, now);
        break;
    case AXN_DNS_V_RESTART:
        new_id(q, i);
        if (q->q[i].need_tcp && q->tcp_state != AXN_DNS_TCP_IDLE)
            q->q[i].tcp_sent = false; /* asked again on the connection */
        else
            send_question(q, i);
        break;
    case AXN_DNS_V_TRUNCATED:
        truncated(q, i, now);
        break;
    case AXN_DNS_V_NXDOMAIN: /* authoritative: no other server will differ */
        nxdomain(q, i, now);
        break;
    case AXN_DNS_V_SERVER_FAIL:
        q->failed[q->cur] = true;
        axn_dns_next_server(q, now);
        break;
    case AXN_DNS_V_LOOP:
        end(q, -AXN_ELOOP);
        break;
    }
    return q->rc != -AXN_EINPROGRESS;
}

/* ---- Receiving --------------------------------------------------------------------------- */

static bool from_server(const struct axn_dns_lookup *q, const struct axn_sockaddr_in *from,
                        axn_socklen_t len)
{
    const struct axn_sockaddr_in want = server_addr(q->servers[q->cur]);
    return len >= sizeof(*from) && from->sin_family == AXN_AF_INET &&
           from->sin_port == want.sin_port && from->sin_addr.s_addr == want.sin_addr.s_addr;
}

/* Reads every datagram waiting; true when the query ended. */
static bool drain_udp(struct axn_dns_lookup *q, axn_time_t now)
{
    while (q->udp != NULL) {
        struct axn_sockaddr_in from;
        axn_socklen_t flen = sizeof(from);
        memset(&from, 0, sizeof(from));
        const long n = axn_recvfrom(q->udp, q->rx, sizeof(q->rx), AXN_MSG_DONTWAIT,
                                    (struct axn_sockaddr *)&from, &flen);
        if (n == -AXN_ECONNREFUSED) {
            /* ICMP port unreachable (RFC 1122 4.1.3.3): nothing listens
             * on the server's port 53; no use waiting for it. */
            q->failed[q->cur] = true;
            axn_dns_next_server(q, now);
            return q->rc != -AXN_EINPROGRESS;
        }
        if (n < 0)
            return false; /* EAGAIN, or another ICMP error: the retry handles it */
        size_t which = 0;
        enum axn_dns_verdict v = AXN_DNS_V_IGNORED;
        if (from_server(q, &from, flen))
            v = axn_dns_answer_read(q, q->rx, (size_t)n, false, &which);
        if (v == AXN_DNS_V_DONE)
            axn_dns_count(q->svc, &q->svc->dns_stats.cname_followed, q->q[which].links);
        if (axn_dns_apply(q, v, which, now))
            return true;
    }
    return false;
}

/* Per-server timer: resend, or give up on this server. */
static void on_try_timeout(struct axn_dns_lookup *q, axn_time_t now)
{
    if (q->tcp_state == AXN_DNS_TCP_IDLE && q->tries < AXN_DNS_TRIES) {
        count(q, &q->svc->dns_stats.retries);
        send_all(q, now);
        return;
    }
    axn_dns_next_server(q, now);
}

int axn_dns_query_step(struct axn_dns_lookup *q, axn_time_t now, axn_time_t *next)
{
    if (q->rc == -AXN_EINPROGRESS && !drain_udp(q, now) && q->tcp_state != AXN_DNS_TCP_IDLE)
        (void)axn_dns_tcp_step(q, now);
    if (q->rc == -AXN_EINPROGRESS && now >= q->deadline)
        fail(q, -AXN_ETIMEDOUT, &q->svc->dns_stats.timeouts);
    if (q->rc == -AXN_EINPROGRESS && now >= q->try_deadline)
        on_try_timeout(q, now);
    if (q->rc == -AXN_EINPROGRESS && next != NULL)
        *next = q->try_deadline < q->deadline ? q->try_deadline : q->deadline;
    return q->rc;
}

/* ---- Starting ---------------------------------------------------------------------------- */

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
    const bool hit = *nx || all_answered(q);
    count(q, hit ? &q->svc->dns_stats.cache_hits : &q->svc->dns_stats.cache_misses);
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
            fail(q, -AXN_ENXIO, &q->svc->dns_stats.nxdomain);
        else
            finish(q, now);
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

/* ---- Accessors --------------------------------------------------------------------------- */

struct axn_socket *axn_dns_query_socket(const struct axn_dns_lookup *q)
{
    return q->tcp_state != AXN_DNS_TCP_IDLE ? q->tcp : q->udp;
}

unsigned axn_dns_query_interest(const struct axn_dns_lookup *q)
{
    return q->tcp_state == AXN_DNS_TCP_CONNECTING ? AXN_POLLOUT : AXN_POLLIN;
}

int axn_dns_query_result(const struct axn_dns_lookup *q, struct axn_dns_result *out)
{
    if (q->rc == 0 && out != NULL)
        *out = q->res;
    return q->rc;
}

void axn_dns_query_free(struct axn_dns_lookup *q)
{
    if (q == NULL)
        return;
    close_udp(q);
    axn_dns_tcp_stop(q);
    q->plat->free(q->plat->ctx, q, sizeof(*q));
}
