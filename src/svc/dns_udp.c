/*
 * The resolver's UDP side (resolver.h): the socket each server gets, the
 * questions sent on it and the datagrams read from it. Split from the
 * state machine (dns_query.c), which decides what to send and when: this
 * file only moves bytes. Each server gets a fresh UDP socket on a random
 * ephemeral port (RFC 6056 3.3.1 in the UDP layer) connected to its port
 * 53, and fresh random ids (RFC 5452 9.2); every datagram's source is
 * still checked (RFC 5452 9.1).
 */
#include "axnet/errno.h"
#include "lib/byteorder.h"
#include "lib/mem.h"
#include "svc/dns_resolver.h"

static struct axn_sockaddr_in server_addr(axn_ip4_t ip)
{
    struct axn_sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AXN_AF_INET;
    axn_put_be16((uint8_t *)&sin.sin_port, AXN_DNS_PORT);
    axn_put_be32((uint8_t *)&sin.sin_addr.s_addr, ip);
    return sin;
}

void axn_dns_udp_close(struct axn_dns_lookup *q)
{
    if (q->udp != NULL)
        (void)axn_close(q->udp);
    q->udp = NULL;
}

/* RFC 5452 9.2: an unpredictable id; two outstanding questions differ
 * (a clash is bumped, not redrawn: a weak platform random cannot spin). */
void axn_dns_new_id(struct axn_dns_lookup *q, size_t i)
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

void axn_dns_udp_send(struct axn_dns_lookup *q, size_t i)
{
    uint8_t buf[AXN_DNS_QUERY_MAX];
    const int n = axn_dns_question_emit(q, i, buf, sizeof(buf));
    if (n <= 0 || q->udp == NULL)
        return;
    /* A failed send (no buffer, ARP pending) is what the retry is for. */
    (void)axn_send(q->udp, buf, (size_t)n, AXN_MSG_DONTWAIT);
    axn_dns_count_one(q, &q->svc->dns_stats.sent_udp);
}

/* One try: every question still open (and not waiting for TCP). */
void axn_dns_udp_send_all(struct axn_dns_lookup *q, axn_time_t now)
{
    for (size_t i = 0; i < q->n_q; i++)
        if (!q->q[i].answered && !q->q[i].need_tcp)
            axn_dns_udp_send(q, i);
    q->tries++;
    q->try_deadline = now + AXN_MSEC(AXN_DNS_SERVER_TIMEOUT_MS);
}

/* A fresh socket for servers[cur]: port 0 (random ephemeral), connected
 * so that only that server's port 53 reaches it. */
static int open_udp(struct axn_dns_lookup *q)
{
    axn_dns_udp_close(q);
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
int axn_dns_udp_begin(struct axn_dns_lookup *q, axn_time_t now)
{
    q->tries = 0;
    for (size_t i = 0; i < q->n_q; i++) {
        q->q[i].need_tcp = false;
        if (!q->q[i].answered)
            axn_dns_new_id(q, i);
    }
    const int rc = open_udp(q);
    if (rc == 0)
        axn_dns_udp_send_all(q, now);
    return rc;
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
bool axn_dns_udp_drain(struct axn_dns_lookup *q, axn_time_t now)
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
