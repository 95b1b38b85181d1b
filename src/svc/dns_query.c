/*
 * The resolver's non-blocking state machine (resolver.h). A query asks
 * its questions of one server at a time, in registry order (CTL-17),
 * skipping servers without a route: AXN_DNS_TRIES sends,
 * AXN_DNS_SERVER_TIMEOUT_MS apart, then the next server, round the list
 * again until the query's deadline. Starting a query is dns_start.c; the
 * UDP socket and its datagrams are dns_udp.c, TCP fallback dns_tcp.c.
 */
#include "axnet/errno.h"
#include "lib/mem.h"
#include "svc/dns_resolver.h"

/* ---- Small helpers ----------------------------------------------------------------------- */

void axn_dns_count_one(struct axn_dns_lookup *q, uint64_t *field)
{
    axn_dns_count(q->svc, field, 1);
}

/* ---- Ending ------------------------------------------------------------------------------ */

static void end(struct axn_dns_lookup *q, int rc)
{
    q->rc = rc;
    axn_dns_udp_close(q);
    axn_dns_tcp_stop(q);
}

void axn_dns_fail(struct axn_dns_lookup *q, int rc, uint64_t *counter)
{
    axn_dns_count_one(q, counter);
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

void axn_dns_finish(struct axn_dns_lookup *q, axn_time_t now)
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
        axn_dns_fail(q, -AXN_ENODATA, &q->svc->dns_stats.nodata);
    else
        axn_dns_fail(q, 0, &q->svc->dns_stats.resolved);
}

bool axn_dns_all_answered(const struct axn_dns_lookup *q)
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
    axn_dns_fail(q, -AXN_ENXIO, &q->svc->dns_stats.nxdomain);
}

/* ---- Servers ----------------------------------------------------------------------------- */

void axn_dns_next_server(struct axn_dns_lookup *q, axn_time_t now)
{
    axn_dns_tcp_stop(q);
    axn_dns_udp_close(q);
    for (size_t step = 1; step <= q->n_servers; step++) {
        const size_t j = (q->cur + step) % q->n_servers;
        if (q->failed[j])
            continue;
        q->cur = j;
        if (axn_dns_udp_begin(q, now) == 0)
            return;
        q->failed[j] = true; /* cannot even send to it */
    }
    /* Every server refused to answer (RFC 1035 4.1.1 rcodes 1, 2, 4, 5). */
    axn_dns_fail(q, -AXN_ECONNREFUSED, &q->svc->dns_stats.server_failures);
}

/* ---- Verdicts ---------------------------------------------------------------------------- */

static void truncated(struct axn_dns_lookup *q, size_t i, axn_time_t now)
{
    axn_dns_count_one(q, &q->svc->dns_stats.truncated);
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
        axn_dns_count_one(q, &s->rx_ignored);
        break;
    case AXN_DNS_V_DONE:
        q->q[i].answered = true;
        q->answered_by = q->servers[q->cur];
        if (axn_dns_all_answered(q))
            axn_dns_finish(q, now);
        break;
    case AXN_DNS_V_RESTART:
        axn_dns_new_id(q, i);
        if (q->q[i].need_tcp && q->tcp_state != AXN_DNS_TCP_IDLE)
            q->q[i].tcp_sent = false; /* asked again on the connection */
        else
            axn_dns_udp_send(q, i);
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
/* ---- Stepping ---------------------------------------------------------------------------- */

/* Per-server timer: resend, or give up on this server. */
static void on_try_timeout(struct axn_dns_lookup *q, axn_time_t now)
{
    if (q->tcp_state == AXN_DNS_TCP_IDLE && q->tries < AXN_DNS_TRIES) {
        axn_dns_count_one(q, &q->svc->dns_stats.retries);
        axn_dns_udp_send_all(q, now);
        return;
    }
    axn_dns_next_server(q, now);
}

int axn_dns_query_step(struct axn_dns_lookup *q, axn_time_t now, axn_time_t *next)
{
    if (q->rc == -AXN_EINPROGRESS && !axn_dns_udp_drain(q, now) && q->tcp_state != AXN_DNS_TCP_IDLE)
        (void)axn_dns_tcp_step(q, now);
    if (q->rc == -AXN_EINPROGRESS && now >= q->deadline)
        axn_dns_fail(q, -AXN_ETIMEDOUT, &q->svc->dns_stats.timeouts);
    if (q->rc == -AXN_EINPROGRESS && now >= q->try_deadline)
        on_try_timeout(q, now);
    if (q->rc == -AXN_EINPROGRESS && next != NULL)
        *next = q->try_deadline < q->deadline ? q->try_deadline : q->deadline;
    return q->rc;
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
    axn_dns_udp_close(q);
    axn_dns_tcp_stop(q);
    q->plat->free(q->plat->ctx, q, sizeof(*q));
}
