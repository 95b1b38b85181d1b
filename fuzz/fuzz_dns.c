/*
 * DNS parse -> emit -> re-parse round trips (src/wire/dns.c, dns_name.c):
 * every kept name decodes to text that encodes back to the same labels;
 * the first question goes out again as a query; the kept answer records go
 * out again as a response; both re-parse to the same content.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "wire/dns.h"
#include "support/fuzz_check.h"

#define OUT_MAX (UINT16_MAX + 1)

static bool err_is_known(int err)
{
    return err == AXN_WIRE_ETRUNC || err == AXN_WIRE_ELEN || err == AXN_WIRE_ECOUNT ||
           err == AXN_WIRE_ENAME || err == AXN_WIRE_ELOOP || err == AXN_WIRE_EPTR;
}

/* Decodes a checked name; its text encodes to the same labels. */
static void name_text(const uint8_t *msg, size_t len, size_t off, char *text)
{
    uint8_t wire[AXN_DNS_MAX_NAME_LEN];
    int n = axn_dns_name_decode(msg, len, off, text, AXN_DNS_TEXT_MAX);
    CHECK(n > 0 && (size_t)n < AXN_DNS_TEXT_MAX && text[n] == '\0');
    int w = axn_dns_name_encode(text, wire, sizeof wire);
    CHECK(w > 0 && w <= AXN_DNS_MAX_NAME_LEN);
    CHECK(axn_dns_name_eq(msg, len, off, wire, (size_t)w, 0));
    CHECK(axn_dns_name_eq_text(msg, len, off, text));
}

static void query_roundtrip(const struct axn_dns_msg *a, const char *qname)
{
    static uint8_t out[OUT_MAX];
    struct axn_dns_query q = {a->hdr.id, a->hdr.rd, qname, a->q.type, a->q.qclass};
    struct axn_dns_msg b;
    int n = axn_dns_query_emit(&q, out, sizeof out);
    CHECK(n > AXN_DNS_HDR_LEN);
    CHECK(axn_dns_parse(out, (size_t)n, &b) == 0);
    CHECK(b.hdr.id == a->hdr.id && b.hdr.rd == a->hdr.rd && !b.hdr.qr);
    CHECK(b.hdr.qdcount == 1 && b.n_rr == 0);
    CHECK(b.q.type == a->q.type && b.q.qclass == a->q.qclass);
    CHECK(axn_dns_name_eq(a->buf, a->len, a->q.name_off, out, (size_t)n, b.q.name_off));
}

/* Owner and CNAME texts of the kept answers. */
static char owners[AXN_DNS_MAX_RECORDS][AXN_DNS_TEXT_MAX];
static char targets[AXN_DNS_MAX_RECORDS][AXN_DNS_TEXT_MAX];

static void build_answer(const struct axn_dns_msg *a, const struct axn_dns_rr *rr, size_t i,
                         struct axn_dns_answer *ans)
{
    memset(ans, 0, sizeof *ans);
    name_text(a->buf, a->len, rr->name_off, owners[i]);
    ans->name = owners[i];
    ans->type = rr->type;
    ans->rclass = rr->rclass;
    ans->ttl = rr->ttl;
    if (rr->type == AXN_DNS_TYPE_CNAME) {
        name_text(a->buf, a->len, rr->cname_off, targets[i]);
        ans->cname = targets[i];
    } else if (rr->type == AXN_DNS_TYPE_A && rr->rclass == AXN_DNS_CLASS_IN) {
        ans->a = rr->a;
    } else if (rr->type == AXN_DNS_TYPE_AAAA && rr->rclass == AXN_DNS_CLASS_IN) {
        ans->aaaa = rr->aaaa;
    } else {
        ans->rdata = rr->rdata;
        ans->rdlength = rr->rdlength;
    }
}

static void check_same_rr(const struct axn_dns_msg *a, const struct axn_dns_rr *x,
                          const struct axn_dns_msg *b, const struct axn_dns_rr *y)
{
    CHECK(y->section == AXN_DNS_SEC_ANSWER);
    CHECK(x->type == y->type && x->rclass == y->rclass && x->ttl == y->ttl);
    CHECK(axn_dns_name_eq(a->buf, a->len, x->name_off, b->buf, b->len, y->name_off));
    if (x->type == AXN_DNS_TYPE_CNAME) {
        CHECK(axn_dns_name_eq(a->buf, a->len, x->cname_off, b->buf, b->len, y->cname_off));
        return;
    }
    CHECK(x->rdlength == y->rdlength && memcmp(x->rdata, y->rdata, x->rdlength) == 0);
    if (x->type == AXN_DNS_TYPE_A && x->rclass == AXN_DNS_CLASS_IN)
        CHECK(x->a == y->a);
    if (x->type == AXN_DNS_TYPE_AAAA && x->rclass == AXN_DNS_CLASS_IN)
        CHECK(memcmp(x->aaaa.b, y->aaaa.b, sizeof x->aaaa.b) == 0);
}

static void response_roundtrip(const struct axn_dns_msg *a, const char *qname)
{
    static uint8_t out[OUT_MAX];
    static struct axn_dns_answer ans[AXN_DNS_MAX_RECORDS];
    static struct axn_dns_msg b;
    const struct axn_dns_rr *kept[AXN_DNS_MAX_RECORDS];
    uint16_t n_ans = 0;
    for (uint16_t i = 0; i < a->n_rr; i++) {
        if (a->rr[i].section != AXN_DNS_SEC_ANSWER)
            continue;
        kept[n_ans] = &a->rr[i];
        build_answer(a, &a->rr[i], n_ans, &ans[n_ans]);
        n_ans++;
    }
    struct axn_dns_response r = {
        .id = a->hdr.id,
        .opcode = a->hdr.opcode,
        .aa = a->hdr.aa,
        .tc = a->hdr.tc,
        .rd = a->hdr.rd,
        .ra = a->hdr.ra,
        .rcode = a->hdr.rcode,
        .qname = qname,
        .qtype = a->q.type,
        .qclass = a->q.qclass,
        .answers = ans,
        .n_answers = n_ans,
    };
    int n = axn_dns_response_emit(&r, out, sizeof out);
    if (n < 0) {
        CHECK(n == AXN_WIRE_ENOSPC);
        return;
    }
    CHECK(axn_dns_parse(out, (size_t)n, &b) == 0);
    CHECK(b.hdr.id == a->hdr.id && b.hdr.qr && b.hdr.opcode == a->hdr.opcode);
    CHECK(b.hdr.aa == a->hdr.aa && b.hdr.rcode == a->hdr.rcode && b.hdr.z == 0);
    CHECK(b.hdr.ancount == n_ans && b.n_rr == n_ans);
    if (qname)
        CHECK(axn_dns_name_eq(a->buf, a->len, a->q.name_off, out, (size_t)n, b.q.name_off));
    for (uint16_t i = 0; i < n_ans; i++)
        check_same_rr(a, kept[i], &b, &b.rr[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct axn_dns_msg a;
    static char qname[AXN_DNS_TEXT_MAX];
    int err = axn_dns_parse(data, size, &a);
    if (err) {
        CHECK(err_is_known(err));
        return 0;
    }
    CHECK(a.n_rr + a.rr_skipped == a.hdr.ancount + a.hdr.nscount + a.hdr.arcount);
    CHECK(a.n_rr <= AXN_DNS_MAX_RECORDS);
    if (a.hdr.qdcount > 0) {
        name_text(data, size, a.q.name_off, qname);
        query_roundtrip(&a, qname);
    }
    response_roundtrip(&a, a.hdr.qdcount > 0 ? qname : NULL);
    return 0;
}
