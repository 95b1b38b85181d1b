/*
 * Reading one DNS answer for a query: is it ours (RFC 5452 9.1: id and
 * question must match what we asked), what does its rcode say (RFC 1035
 * 4.1.1), and, for NOERROR, which addresses does it give: the CNAME chain
 * from the question name is followed inside the answer section (RFC 1034
 * 3.6.2, bounded by AXN_DNS_MAX_CNAME, so a loop ends as an error) and the
 * A or AAAA records of its last name are taken.
 */
#include "axnet/errno.h"
#include "lib/byteorder.h"
#include "lib/mem.h"
#include "svc/dns_resolver.h"

/* RFC 1035 4.1.1: QR is 1 in a response. The parser checked the rest. */
static bool header_ok(const struct axn_dns_msg *m)
{
    return m->hdr.qr && m->hdr.opcode == AXN_DNS_OPCODE_QUERY && m->hdr.qdcount == 1;
}

/* The outstanding question this message answers, or -1 (RFC 5452 9.1,
 * RFC 4343: the name compared ignoring ASCII case). */
static int match_question(const struct axn_dns_lookup *q, const struct axn_dns_msg *m)
{
    for (size_t i = 0; i < q->n_q; i++) {
        const struct axn_dns_q *dq = &q->q[i];
        if (dq->answered || dq->id != m->hdr.id)
            continue;
        if (m->q.type != dq->qtype || m->q.qclass != AXN_DNS_CLASS_IN)
            return -1;
        if (!axn_dns_name_eq_text(m->buf, m->len, m->q.name_off, dq->name))
            return -1;
        return (int)i;
    }
    return -1;
}

static bool owned_by(const struct axn_dns_msg *m, const struct axn_dns_rr *rr, size_t name_off)
{
    return rr->section == AXN_DNS_SEC_ANSWER && rr->rclass == AXN_DNS_CLASS_IN &&
           axn_dns_name_eq(m->buf, m->len, rr->name_off, m->buf, m->len, name_off);
}

static const struct axn_dns_rr *cname_of(const struct axn_dns_msg *m, size_t name_off)
{
    for (size_t i = 0; i < m->n_rr; i++)
        if (m->rr[i].type == AXN_DNS_TYPE_CNAME && owned_by(m, &m->rr[i], name_off))
            return &m->rr[i];
    return NULL;
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
    return a < b ? a : b;
}

/* Follows the chain from `*off`; false on a chain too long (a loop). */
static bool follow_chain(struct axn_dns_q *dq, const struct axn_dns_msg *m, size_t *off,
                         unsigned *links)
{
    for (const struct axn_dns_rr *rr = cname_of(m, *off); rr != NULL; rr = cname_of(m, *off)) {
        if (dq->links >= AXN_DNS_MAX_CNAME)
            return false;
        dq->links++;
        (*links)++;
        dq->ttl = min_u32(dq->ttl, rr->ttl);
        *off = rr->cname_off;
    }
    return true;
}

/* RFC 2308 5: a negative answer lives min(SOA TTL, SOA MINIMUM); 0 when
 * the authority section has no usable SOA (then it is not cached). */
#define SOA_FIXED_LEN 20u /* SERIAL REFRESH RETRY EXPIRE MINIMUM */
#define SOA_MINIMUM   16u /* offset of MINIMUM in the fixed part */

static uint32_t soa_ttl(const struct axn_dns_msg *m)
{
    for (size_t i = 0; i < m->n_rr; i++) {
        const struct axn_dns_rr *rr = &m->rr[i];
        if (rr->section != AXN_DNS_SEC_AUTHORITY || rr->type != AXN_DNS_TYPE_SOA)
            continue;
        size_t mname_end, rname_end;
        const size_t rd_end = (size_t)rr->rdata_off + rr->rdlength;
        if (axn_dns_name_check(m->buf, rd_end, rr->rdata_off, &mname_end) != 0 ||
            axn_dns_name_check(m->buf, rd_end, mname_end, &rname_end) != 0 ||
            rname_end + SOA_FIXED_LEN > rd_end)
            return 0;
        return min_u32(rr->ttl, axn_get_be32(m->buf + rname_end + SOA_MINIMUM));
    }
    return 0;
}

static void take_address(struct axn_dns_q *dq, const struct axn_dns_rr *rr)
{
    struct axn_dns_addr *a = &dq->addrs[dq->n_addrs++];
    memset(a, 0, sizeof(*a));
    if (rr->type == AXN_DNS_TYPE_A) {
        a->family = AXN_AF_INET;
        a->a4 = rr->a;
    } else {
        a->family = AXN_AF_INET6;
        a->a6 = rr->aaaa;
    }
    a->ttl = rr->ttl;
    dq->ttl = min_u32(dq->ttl, rr->ttl);
}

static void collect(struct axn_dns_q *dq, const struct axn_dns_msg *m, size_t off)
{
    for (size_t i = 0; i < m->n_rr && dq->n_addrs < AXN_DNS_MAX_ADDRS; i++)
        if (m->rr[i].type == dq->qtype && owned_by(m, &m->rr[i], off))
            take_address(dq, &m->rr[i]);
}

/* NOERROR: chain, canonical name, addresses. */
static enum axn_dns_verdict read_data(struct axn_dns_q *dq, const struct axn_dns_msg *m)
{
    char text[AXN_DNS_TEXT_MAX];
    size_t off = m->q.name_off;
    unsigned links = 0;
    dq->ttl = UINT32_MAX;
    dq->n_addrs = 0;
    if (!follow_chain(dq, m, &off, &links))
        return AXN_DNS_V_LOOP;
    const int n = axn_dns_name_decode(m->buf, m->len, off, text, sizeof(text));
    if (n < 0 || (size_t)n >= sizeof(dq->canonical))
        return AXN_DNS_V_SERVER_FAIL; /* a name we cannot ask again */
    memcpy(dq->canonical, text, (size_t)n + 1);
    collect(dq, m, off);
    if (dq->n_addrs == 0 && links > 0) {
        /* RFC 1034 5.3.3: the chain's end has no data here: ask for it. */
        memcpy(dq->name, dq->canonical, (size_t)n + 1);
        return AXN_DNS_V_RESTART;
    }
    if (dq->n_addrs == 0) {
        dq->ttl = 0;
        dq->neg_ttl = soa_ttl(m);
    }
    /* RFC 2181 5.2: the answer is good as long as its shortest link. */
    for (size_t i = 0; i < dq->n_addrs; i++)
        dq->addrs[i].ttl = dq->ttl;
    return AXN_DNS_V_DONE;
}

enum axn_dns_verdict axn_dns_answer_read(struct axn_dns_lookup *q, const uint8_t *msg, size_t len,
                                         bool tcp, size_t *which)
{
    struct axn_dns_msg *m = &q->msg;
    if (axn_dns_parse(msg, len, m) != 0 || !header_ok(m))
        return AXN_DNS_V_IGNORED;
    const int i = match_question(q, m);
    if (i < 0)
        return AXN_DNS_V_IGNORED;
    *which = (size_t)i;
    if (m->hdr.tc) /* RFC 7766 5: over TCP a truncated answer is a broken server */
        return tcp ? AXN_DNS_V_SERVER_FAIL : AXN_DNS_V_TRUNCATED;
    switch (m->hdr.rcode) {
    case AXN_DNS_RCODE_NOERROR:
        return read_data(&q->q[i], m);
    case AXN_DNS_RCODE_NXDOMAIN:
        q->q[i].neg_ttl = soa_ttl(m);
        return AXN_DNS_V_NXDOMAIN;
    default:
        return AXN_DNS_V_SERVER_FAIL;
    }
}
