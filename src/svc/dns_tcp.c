/*
 * RFC 7766 fallback: a UDP answer with TC set is asked again of the same
 * server over TCP (RFC 1035 4.2.2: each message behind a two-byte length).
 * The connection is non-blocking and stepped like the UDP side; the
 * answer's buffer comes from the platform, sized by its length prefix and
 * bounded by AXN_DNS_TCP_MAX_LEN, and the answer passes the same checks.
 * Questions that get TC while the connection is open go on it too
 * (RFC 7766 6.2.1 pipelining). Any failure counts as the server's.
 */
#include "axnet/errno.h"
#include "lib/byteorder.h"
#include "lib/mem.h"
#include "svc/dns_resolver.h"

static void free_buf(struct axn_dns_lookup *q)
{
    if (q->tcp_buf != NULL)
        q->plat->free(q->plat->ctx, q->tcp_buf, q->tcp_cap);
    q->tcp_buf = NULL;
    q->tcp_cap = 0;
    q->tcp_have = 0;
}

void axn_dns_tcp_stop(struct axn_dns_lookup *q)
{
    free_buf(q);
    if (q->tcp != NULL)
        (void)axn_close(q->tcp);
    q->tcp = NULL;
    q->tcp_state = AXN_DNS_TCP_IDLE;
}

int axn_dns_tcp_start(struct axn_dns_lookup *q)
{
    axn_dns_tcp_stop(q);
    struct axn_socket *s;
    int rc = axn_socket(q->st, AXN_AF_INET, AXN_SOCK_STREAM | AXN_SOCK_NONBLOCK, 0, &s);
    if (rc != 0)
        return rc;
    struct axn_sockaddr_in to;
    memset(&to, 0, sizeof(to));
    to.sin_family = AXN_AF_INET;
    axn_put_be16((uint8_t *)&to.sin_port, AXN_DNS_PORT);
    axn_put_be32((uint8_t *)&to.sin_addr.s_addr, q->servers[q->cur]);
    rc = axn_connect(s, (const struct axn_sockaddr *)&to, sizeof(to));
    if (rc != 0 && rc != -AXN_EINPROGRESS) {
        (void)axn_close(s);
        return rc;
    }
    for (size_t i = 0; i < q->n_q; i++)
        q->q[i].tcp_sent = false;
    q->tcp = s;
    q->tcp_state = rc == 0 ? AXN_DNS_TCP_OPEN : AXN_DNS_TCP_CONNECTING;
    return 0;
}

static bool pending(const struct axn_dns_lookup *q)
{
    for (size_t i = 0; i < q->n_q; i++)
        if (q->q[i].need_tcp && !q->q[i].answered)
            return true;
    return false;
}

/* Writes the questions not yet on this connection; false on failure. */
static bool send_questions(struct axn_dns_lookup *q)
{
    uint8_t buf[AXN_DNS_TCP_PREFIX + AXN_DNS_QUERY_MAX];
    for (size_t i = 0; i < q->n_q; i++) {
        struct axn_dns_q *dq = &q->q[i];
        if (!dq->need_tcp || dq->answered || dq->tcp_sent)
            continue;
        const int n = axn_dns_question_emit(q, i, buf + AXN_DNS_TCP_PREFIX, AXN_DNS_QUERY_MAX);
        if (n <= 0)
            return false;
        axn_put_be16(buf, (uint16_t)n);
        const size_t total = (size_t)n + AXN_DNS_TCP_PREFIX;
        /* A fresh connection's send buffer takes a few hundred bytes. */
        if (axn_send(q->tcp, buf, total, AXN_MSG_DONTWAIT | AXN_MSG_NOSIGNAL) != (long)total)
            return false;
        dq->tcp_sent = true;
        axn_dns_count(q->svc, &q->svc->dns_stats.sent_tcp, 1);
    }
    return true;
}

/* Reads into the prefix, then into a buffer of its size. 1: a whole
 * answer is in tcp_buf; 0: wait; negative: the connection failed. */
static int read_some(struct axn_dns_lookup *q)
{
    for (;;) {
        const bool in_prefix = q->tcp_have < AXN_DNS_TCP_PREFIX;
        const size_t need = in_prefix ? AXN_DNS_TCP_PREFIX : AXN_DNS_TCP_PREFIX + q->tcp_cap;
        if (!in_prefix && q->tcp_have == need)
            return 1;
        uint8_t *dst =
            in_prefix ? q->tcp_len + q->tcp_have : q->tcp_buf + (q->tcp_have - AXN_DNS_TCP_PREFIX);
        const long n = axn_recv(q->tcp, dst, need - q->tcp_have, AXN_MSG_DONTWAIT);
        if (n == -AXN_EAGAIN)
            return 0;
        if (n <= 0)
            return n == 0 ? -AXN_ECONNRESET : (int)n;
        q->tcp_have += (size_t)n;
        if (in_prefix && q->tcp_have == AXN_DNS_TCP_PREFIX) {
            const size_t len = axn_get_be16(q->tcp_len);
            if (len < AXN_DNS_HDR_LEN || len > AXN_DNS_TCP_MAX_LEN)
                return -AXN_EPROTO;
            q->tcp_buf = q->plat->alloc(q->plat->ctx, len, 1);
            if (q->tcp_buf == NULL)
                return -AXN_ENOMEM;
            q->tcp_cap = len;
        }
    }
}

/* Reads answers until none is complete; true when the query ended. */
static bool read_answers(struct axn_dns_lookup *q, axn_time_t now)
{
    for (;;) {
        const int r = send_questions(q) ? read_some(q) : -AXN_EPIPE;
        if (r < 0) {
            axn_dns_next_server(q, now);
            return q->rc != -AXN_EINPROGRESS;
        }
        if (r == 0)
            return false;
        size_t which = 0;
        const enum axn_dns_verdict v = axn_dns_answer_read(q, q->tcp_buf, q->tcp_cap, true, &which);
        free_buf(q);
        if (v == AXN_DNS_V_DONE)
            axn_dns_count(q->svc, &q->svc->dns_stats.cname_followed, q->q[which].links);
        if (axn_dns_apply(q, v, which, now) || q->tcp_state == AXN_DNS_TCP_IDLE)
            return q->rc != -AXN_EINPROGRESS;
        if (!pending(q)) {
            axn_dns_tcp_stop(q); /* RFC 7766 6.2.3: the client closes */
            return false;
        }
    }
}

bool axn_dns_tcp_step(struct axn_dns_lookup *q, axn_time_t now)
{
    if (q->tcp_state == AXN_DNS_TCP_CONNECTING) {
        const unsigned ev = axn_socket_poll(q->tcp);
        if (ev & (AXN_POLLERR | AXN_POLLHUP)) {
            axn_dns_next_server(q, now);
            return q->rc != -AXN_EINPROGRESS;
        }
        if (!(ev & AXN_POLLOUT))
            return false;
        q->tcp_state = AXN_DNS_TCP_OPEN;
    }
    return read_answers(q, now);
}
