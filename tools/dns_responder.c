/* A scriptable DNS server on an axnet stack (dns_responder.h). */
#include "dns_responder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "axnet/errno.h"
#include "lib/byteorder.h"
#include "wire/dns.h"

#define SPOOF_ID_FLIP  0x5a5au
#define SPOOF_QNAME    "spoofed.invalid"
#define SPOOF_ADDR     AXN_IP4(203, 0, 113, 66)
#define MAX_CHASE      16u /* CNAME links the server follows for its answer */
#define MAX_ANSWERS    (DNS_RESPONDER_MAX_RECORDS + MAX_CHASE)
#define TCP_PREFIX     2u
#define LISTEN_BACKLOG 4
#define SPOOF_TTL      60u

static struct axn_sockaddr_in sin_of(axn_ip4_t a, uint16_t port)
{
    struct axn_sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AXN_AF_INET;
    axn_put_be16((uint8_t *)&sin.sin_port, port);
    axn_put_be32((uint8_t *)&sin.sin_addr.s_addr, a);
    return sin;
}

static int open_bound(struct axn_stack *st, int type, axn_ip4_t a, uint16_t port,
                      struct axn_socket **out)
{
    int rc = axn_socket(st, AXN_AF_INET, type | AXN_SOCK_NONBLOCK, 0, out);
    if (rc != 0)
        return rc;
    const struct axn_sockaddr_in sin = sin_of(a, port);
    rc = axn_bind(*out, (const struct axn_sockaddr *)&sin, sizeof(sin));
    if (rc == 0 && type == AXN_SOCK_STREAM)
        rc = axn_listen(*out, LISTEN_BACKLOG);
    return rc;
}

int dns_responder_start(struct dns_responder *r, struct axn_stack *st, axn_ip4_t addr)
{
    memset(r, 0, sizeof(*r));
    r->st = st;
    r->addr = addr;
    r->rcode = -1;
    int rc = open_bound(st, AXN_SOCK_DGRAM, addr, AXN_DNS_PORT, &r->udp);
    if (rc == 0)
        rc = open_bound(st, AXN_SOCK_DGRAM, addr, DNS_RESPONDER_SPOOF_PORT, &r->alt_udp);
    if (rc == 0)
        rc = open_bound(st, AXN_SOCK_STREAM, addr, AXN_DNS_PORT, &r->listener);
    if (rc != 0)
        dns_responder_stop(r);
    return rc;
}

static void close_sock(struct axn_socket **s)
{
    if (*s != NULL)
        (void)axn_close(*s);
    *s = NULL;
}

void dns_responder_stop(struct dns_responder *r)
{
    close_sock(&r->udp);
    close_sock(&r->alt_udp);
    close_sock(&r->listener);
    for (size_t i = 0; i < DNS_RESPONDER_MAX_CONNS; i++)
        close_sock(&r->conn[i].s);
}

/* ---- Zone ---------------------------------------------------------------------------------- */

static struct dns_zone_rr *add_rr(struct dns_responder *r, const char *name, uint16_t type,
                                  uint32_t ttl)
{
    if (r->n_zone >= DNS_RESPONDER_MAX_RECORDS || strlen(name) >= DNS_RESPONDER_NAME_MAX)
        return NULL;
    struct dns_zone_rr *rr = &r->zone[r->n_zone++];
    memset(rr, 0, sizeof(*rr));
    strcpy(rr->name, name);
    rr->type = type;
    rr->ttl = ttl;
    return rr;
}

int dns_responder_add_a(struct dns_responder *r, const char *name, axn_ip4_t a, uint32_t ttl)
{
    struct dns_zone_rr *rr = add_rr(r, name, AXN_DNS_TYPE_A, ttl);
    if (rr == NULL)
        return -AXN_ENOSPC;
    rr->a = a;
    return 0;
}

int dns_responder_add_aaaa(struct dns_responder *r, const char *name, const struct axn_ip6 *a,
                           uint32_t ttl)
{
    struct dns_zone_rr *rr = add_rr(r, name, AXN_DNS_TYPE_AAAA, ttl);
    if (rr == NULL)
        return -AXN_ENOSPC;
    rr->aaaa = *a;
    return 0;
}

int dns_responder_add_cname(struct dns_responder *r, const char *name, const char *target,
                            uint32_t ttl)
{
    struct dns_zone_rr *rr = add_rr(r, name, AXN_DNS_TYPE_CNAME, ttl);
    if (rr == NULL || strlen(target) >= DNS_RESPONDER_NAME_MAX)
        return -AXN_ENOSPC;
    strcpy(rr->target, target);
    return 0;
}

/* Names equal ignoring case and one trailing dot. */
static bool same_name(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    la -= (la > 1 && a[la - 1] == '.') ? 1u : 0u;
    lb -= (lb > 1 && b[lb - 1] == '.') ? 1u : 0u;
    return la == lb && strncasecmp(a, b, la) == 0;
}

static const struct dns_zone_rr *find(const struct dns_responder *r, const char *name,
                                      uint16_t type)
{
    for (size_t i = 0; i < r->n_zone; i++)
        if ((type == 0 || r->zone[i].type == type) && same_name(r->zone[i].name, name))
            return &r->zone[i];
    return NULL;
}

/* ---- Answers ------------------------------------------------------------------------------- */

struct answer_set {
    struct axn_dns_answer a[MAX_ANSWERS];
    uint16_t n;
};

static void put(struct answer_set *set, const struct dns_zone_rr *rr)
{
    if (set->n >= MAX_ANSWERS)
        return;
    struct axn_dns_answer *a = &set->a[set->n++];
    memset(a, 0, sizeof(*a));
    a->name = rr->name;
    a->type = rr->type;
    a->rclass = AXN_DNS_CLASS_IN;
    a->ttl = rr->ttl;
    a->a = rr->a;
    a->aaaa = rr->aaaa;
    a->cname = rr->type == AXN_DNS_TYPE_CNAME ? rr->target : NULL;
}

/* The chain from `qname`, then the records of its end (a recursive
 * server's answer). */
static void fill(const struct dns_responder *r, const char *qname, uint16_t qtype,
                 struct answer_set *set)
{
    const char *cur = qname;
    for (unsigned links = 0; links < MAX_CHASE; links++) {
        const struct dns_zone_rr *c = find(r, cur, AXN_DNS_TYPE_CNAME);
        if (c == NULL || qtype == AXN_DNS_TYPE_CNAME)
            break;
        put(set, c);
        cur = c->target;
        if (r->no_chase)
            return;
    }
    for (size_t i = 0; i < r->n_zone; i++)
        if (r->zone[i].type == qtype && same_name(r->zone[i].name, cur))
            put(set, &r->zone[i]);
}

/* Builds the answer to `query`; 0 when it is not a query we answer.
 * `qname_override`: answer another question (DNS_SPOOF_QUESTION). */
/* RFC 2308 3: an SOA for the authority section of a negative answer,
 * owned by the question name, with root MNAME and RNAME. */
#define SOA_RDLEN     22u
#define SOA_RR_LEN    (2u + 10u + SOA_RDLEN)
#define DNS_NSCOUNT   8u
#define QNAME_POINTER 0xc00cu /* the question name, at offset 12 */
#define SOA_SERIAL    1u
#define SOA_REFRESH   3600u
#define SOA_RETRY     600u
#define SOA_EXPIRE    86400u

static size_t append_soa(const struct dns_responder *r, uint8_t *out, size_t n, size_t cap)
{
    if (n + SOA_RR_LEN > cap)
        return n;
    uint8_t *p = out + n;
    axn_put_be16(p, QNAME_POINTER);
    axn_put_be16(p + 2, AXN_DNS_TYPE_SOA);
    axn_put_be16(p + 4, AXN_DNS_CLASS_IN);
    axn_put_be32(p + 6, r->neg_ttl);
    axn_put_be16(p + 10, SOA_RDLEN);
    p[12] = 0; /* MNAME: root */
    p[13] = 0; /* RNAME: root */
    axn_put_be32(p + 14, SOA_SERIAL);
    axn_put_be32(p + 18, SOA_REFRESH);
    axn_put_be32(p + 22, SOA_RETRY);
    axn_put_be32(p + 26, SOA_EXPIRE);
    axn_put_be32(p + 30, r->neg_ttl * 2u);
    axn_put_be16(out + DNS_NSCOUNT, 1);
    return n + SOA_RR_LEN;
}

/* The record a DNS_SPOOF_QUESTION copy carries. */
static const struct dns_zone_rr spoof_rr = {
    .name = SPOOF_QNAME, .type = AXN_DNS_TYPE_A, .ttl = SPOOF_TTL, .a = SPOOF_ADDR};

static size_t build(const struct dns_responder *r, const uint8_t *query, size_t qlen, bool udp,
                    const char *qname_override, uint8_t *out, size_t cap)
{
    static struct axn_dns_msg m;
    static struct answer_set set;
    char qname[AXN_DNS_TEXT_MAX];
    if (axn_dns_parse(query, qlen, &m) != 0 || m.hdr.qr || m.hdr.qdcount != 1 ||
        axn_dns_name_decode(m.buf, m.len, m.q.name_off, qname, sizeof(qname)) < 0)
        return 0;
    set.n = 0;
    struct axn_dns_response resp = {.id = m.hdr.id,
                                    .aa = true,
                                    .rd = m.hdr.rd,
                                    .ra = true,
                                    .qname = qname,
                                    .qtype = m.q.type,
                                    .qclass = m.q.qclass,
                                    .answers = set.a};
    if (qname_override != NULL) {
        resp.qname = qname_override;
        put(&set, &spoof_rr);
    } else if (r->rcode >= 0) {
        resp.rcode = (uint8_t)r->rcode;
    } else if (find(r, qname, 0) == NULL) {
        resp.rcode = AXN_DNS_RCODE_NXDOMAIN;
    } else {
        fill(r, qname, m.q.type, &set);
    }
    resp.n_answers = set.n;
    int n = axn_dns_response_emit(&resp, out, cap);
    if (udp && (r->tc_udp || n < 0 || (size_t)n > DNS_RESPONDER_UDP_MAX)) {
        resp.tc = true; /* RFC 2181 9: header and question only */
        resp.n_answers = 0;
        n = axn_dns_response_emit(&resp, out, cap);
    }
    if (n <= 0)
        return 0;
    const bool negative = resp.rcode == AXN_DNS_RCODE_NXDOMAIN ||
                          (resp.rcode == AXN_DNS_RCODE_NOERROR && resp.n_answers == 0 && !resp.tc);
    if (r->neg_ttl != 0 && negative && qname_override == NULL)
        return append_soa(r, out, (size_t)n, cap);
    return (size_t)n;
}

/* ---- UDP ----------------------------------------------------------------------------------- */

static void send_udp(struct axn_socket *s, const uint8_t *msg, size_t len,
                     const struct axn_sockaddr_in *to)
{
    (void)axn_sendto(s, msg, len, AXN_MSG_DONTWAIT, (const struct axn_sockaddr *)to, sizeof(*to));
}

static void send_spoof(struct dns_responder *r, const uint8_t *q, size_t qlen, const uint8_t *msg,
                       size_t len, const struct axn_sockaddr_in *to)
{
    uint8_t bad[DNS_RESPONDER_UDP_MAX];
    memcpy(bad, msg, len);
    switch (r->spoof) {
    case DNS_SPOOF_ID:
        axn_put_be16(bad, (uint16_t)(axn_get_be16(bad) ^ SPOOF_ID_FLIP));
        send_udp(r->udp, bad, len, to);
        break;
    case DNS_SPOOF_PORT:
        send_udp(r->alt_udp, bad, len, to);
        break;
    case DNS_SPOOF_QUESTION: {
        const size_t n = build(r, q, qlen, true, SPOOF_QNAME, bad, sizeof(bad));
        send_udp(r->udp, bad, n, to);
        break;
    }
    case DNS_SPOOF_SOURCE:
        if (r->spoof_via != NULL)
            send_udp(r->spoof_via->udp, bad, len, to);
        break;
    default:
        break;
    }
}

static void answer_udp(struct dns_responder *r, const uint8_t *q, size_t qlen,
                       const struct axn_sockaddr_in *from, axn_time_t now)
{
    uint8_t msg[DNS_RESPONDER_MSG_MAX];
    const size_t len = build(r, q, qlen, true, NULL, msg, sizeof(msg));
    if (len == 0)
        return;
    if (r->spoof != DNS_SPOOF_NONE && r->spoof_next > 0) {
        r->spoof_next--;
        send_spoof(r, q, qlen, msg, len, from);
    }
    r->answers_udp++;
    if (r->delay == 0 || r->n_delayed >= DNS_RESPONDER_MAX_DELAYED) {
        send_udp(r->udp, msg, len, from);
        return;
    }
    struct dns_responder_delayed *d = &r->delayed[r->n_delayed++];
    d->at = now + r->delay;
    memcpy(d->msg, msg, len);
    d->len = len;
    d->to = *from;
}

/* DNS_RESPONDER_TRACE=1 in the environment: one line per query. */
static void trace(const struct dns_responder *r, const char *how, const uint8_t *q, size_t len,
                  axn_time_t now)
{
    static struct axn_dns_msg m;
    char name[AXN_DNS_TEXT_MAX] = "?";
    if (getenv("DNS_RESPONDER_TRACE") == NULL)
        return;
    if (axn_dns_parse(q, len, &m) == 0 && m.hdr.qdcount > 0)
        (void)axn_dns_name_decode(m.buf, m.len, m.q.name_off, name, sizeof(name));
    fprintf(stderr, "dns_responder %08x %s t=%llu id=%04x %s type %u\n", (unsigned)r->addr, how,
            (unsigned long long)now, axn_get_be16(q), name, (unsigned)m.q.type);
}

static bool dropped(struct dns_responder *r)
{
    if (r->drop_next == 0)
        return false;
    r->drop_next--;
    r->dropped++;
    return true;
}

static void poll_udp(struct dns_responder *r, axn_time_t now)
{
    for (;;) {
        uint8_t q[DNS_RESPONDER_UDP_MAX];
        struct axn_sockaddr_in from;
        axn_socklen_t flen = sizeof(from);
        const long n = axn_recvfrom(r->udp, q, sizeof(q), AXN_MSG_DONTWAIT,
                                    (struct axn_sockaddr *)&from, &flen);
        if (n < 0)
            return;
        r->udp_queries++;
        trace(r, "udp", q, (size_t)n, now);
        memcpy(r->last_query, q, (size_t)n);
        r->last_len = (size_t)n;
        r->last_from = from;
        if (!dropped(r))
            answer_udp(r, q, (size_t)n, &from, now);
    }
}

static void send_due(struct dns_responder *r, axn_time_t now)
{
    size_t keep = 0;
    for (size_t i = 0; i < r->n_delayed; i++) {
        if (r->delayed[i].at <= now)
            send_udp(r->udp, r->delayed[i].msg, r->delayed[i].len, &r->delayed[i].to);
        else
            r->delayed[keep++] = r->delayed[i];
    }
    r->n_delayed = keep;
}

axn_time_t dns_responder_next(const struct dns_responder *r)
{
    axn_time_t next = AXN_TIME_NEVER;
    for (size_t i = 0; i < r->n_delayed; i++)
        next = r->delayed[i].at < next ? r->delayed[i].at : next;
    return next;
}

/* ---- TCP ----------------------------------------------------------------------------------- */

static void accept_all(struct dns_responder *r)
{
    for (size_t i = 0; i < DNS_RESPONDER_MAX_CONNS; i++) {
        if (r->conn[i].s != NULL)
            continue;
        if (axn_accept(r->listener, NULL, NULL, AXN_SOCK_NONBLOCK, &r->conn[i].s) != 0) {
            r->conn[i].s = NULL;
            return;
        }
        r->conn[i].have = 0;
        r->tcp_accepts++;
    }
}

/* Answers every whole query in the connection's buffer. */
static void serve_conn(struct dns_responder *r, struct dns_responder_conn *c)
{
    static uint8_t out[TCP_PREFIX + DNS_RESPONDER_MSG_MAX];
    while (c->have >= TCP_PREFIX) {
        const size_t len = axn_get_be16(c->buf);
        if (c->have < TCP_PREFIX + len)
            return;
        r->tcp_queries++;
        if (!dropped(r)) {
            const size_t n = build(r, c->buf + TCP_PREFIX, len, false, NULL, out + TCP_PREFIX,
                                   DNS_RESPONDER_MSG_MAX);
            axn_put_be16(out, (uint16_t)n);
            if (n > 0 && axn_send(c->s, out, n + TCP_PREFIX, AXN_MSG_DONTWAIT) > 0)
                r->answers_tcp++;
        }
        memmove(c->buf, c->buf + TCP_PREFIX + len, c->have - TCP_PREFIX - len);
        c->have -= TCP_PREFIX + len;
    }
}

static void poll_conn(struct dns_responder *r, struct dns_responder_conn *c)
{
    for (;;) {
        if (c->have == sizeof(c->buf)) {
            close_sock(&c->s); /* a query larger than we take */
            return;
        }
        const long n = axn_recv(c->s, c->buf + c->have, sizeof(c->buf) - c->have, AXN_MSG_DONTWAIT);
        if (n == -AXN_EAGAIN)
            return;
        if (n <= 0) {
            close_sock(&c->s);
            return;
        }
        c->have += (size_t)n;
        serve_conn(r, c);
    }
}

void dns_responder_poll(struct dns_responder *r, axn_time_t now)
{
    if (r->udp == NULL)
        return;
    poll_udp(r, now);
    send_due(r, now);
    accept_all(r);
    for (size_t i = 0; i < DNS_RESPONDER_MAX_CONNS; i++)
        if (r->conn[i].s != NULL)
            poll_conn(r, &r->conn[i]);
}
