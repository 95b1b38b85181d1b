/* DNS message parse, query and response emit (RFC 1035 4, RFC 3596). */
#include "wire/dns.h"

#include "lib/byteorder.h"
#include "lib/mem.h"

/* RFC 1035 4.1.1: header layout and flag bits. */
#define OFF_ID       0
#define OFF_FLAGS    2
#define OFF_QDCOUNT  4
#define OFF_ANCOUNT  6
#define OFF_NSCOUNT  8
#define OFF_ARCOUNT  10
#define FLAG_QR      0x8000u
#define OPCODE_SHIFT 11
#define OPCODE_MASK  0xFu
#define FLAG_AA      0x0400u
#define FLAG_TC      0x0200u
#define FLAG_RD      0x0100u
#define FLAG_RA      0x0080u
#define Z_SHIFT      4
#define Z_MASK       0x7u
#define RCODE_MASK   0xFu

/* RFC 1035 4.1.2 and 4.1.3: fixed parts after a name. */
#define QUESTION_FIXED_LEN 4
#define Q_OFF_TYPE         0
#define Q_OFF_CLASS        2
#define RR_FIXED_LEN       10
#define RR_OFF_TYPE        0
#define RR_OFF_CLASS       2
#define RR_OFF_TTL         4
#define RR_OFF_RDLENGTH    8
#define RDLENGTH_LEN       2
#define IP4_LEN            4
#define IP6_LEN            16

/* RFC 2181 8: TTLs are 31-bit; a value with the top bit set means zero. */
#define TTL_MAX 0x7FFFFFFFu

/* RFC 1035 4.1.4: a pointer is 11 then a 14-bit offset. */
#define POINTER_TAG        0xC000u
#define LABEL_POINTER_BITS 0xC0u
#define POINTER_MAX_OFFSET 0x3FFFu

/* Names the response builder remembers as compression targets. */
#define COMPRESS_TABLE_LEN 16

/* ---- Parse -------------------------------------------------------------- */

static void parse_header(const uint8_t *b, struct axn_dns_header *h)
{
    uint16_t f = axn_get_be16(b + OFF_FLAGS);
    h->id = axn_get_be16(b + OFF_ID);
    h->qr = (f & FLAG_QR) != 0;
    h->opcode = (uint8_t)(f >> OPCODE_SHIFT & OPCODE_MASK);
    h->aa = (f & FLAG_AA) != 0;
    h->tc = (f & FLAG_TC) != 0;
    h->rd = (f & FLAG_RD) != 0;
    h->ra = (f & FLAG_RA) != 0;
    h->z = (uint8_t)(f >> Z_SHIFT & Z_MASK);
    h->rcode = (uint8_t)(f & RCODE_MASK);
    h->qdcount = axn_get_be16(b + OFF_QDCOUNT);
    h->ancount = axn_get_be16(b + OFF_ANCOUNT);
    h->nscount = axn_get_be16(b + OFF_NSCOUNT);
    h->arcount = axn_get_be16(b + OFF_ARCOUNT);
}

/* Checks the name at *pos and moves past it; ECOUNT if no byte is left. */
static int take_name(const uint8_t *buf, size_t len, size_t *pos)
{
    size_t end;
    int r;
    if (*pos >= len)
        return AXN_WIRE_ECOUNT;
    r = axn_dns_name_check(buf, len, *pos, &end);
    if (r == 0)
        *pos = end;
    return r;
}

static int parse_questions(const uint8_t *buf, size_t len, size_t *pos, struct axn_dns_msg *m)
{
    for (unsigned i = 0; i < m->hdr.qdcount; i++) {
        size_t start = *pos;
        int r = take_name(buf, len, pos);
        if (r)
            return r;
        if (len - *pos < QUESTION_FIXED_LEN)
            return AXN_WIRE_ETRUNC;
        if (i == 0) {
            m->q.name_off = (uint16_t)start;
            m->q.type = axn_get_be16(buf + *pos + Q_OFF_TYPE);
            m->q.qclass = axn_get_be16(buf + *pos + Q_OFF_CLASS);
        }
        *pos += QUESTION_FIXED_LEN;
    }
    return 0;
}

/* Decodes the rdata of the types we understand; the rest stays raw. */
static int decode_rdata(const uint8_t *buf, size_t len, struct axn_dns_rr *rr)
{
    size_t end;
    int r;
    if (rr->type == AXN_DNS_TYPE_A && rr->rclass == AXN_DNS_CLASS_IN) {
        /* RFC 1035 3.4.1: a 32-bit address. */
        if (rr->rdlength != IP4_LEN)
            return AXN_WIRE_ELEN;
        rr->a = axn_get_be32(rr->rdata);
    } else if (rr->type == AXN_DNS_TYPE_AAAA && rr->rclass == AXN_DNS_CLASS_IN) {
        /* RFC 3596 2.2: a 128-bit address. */
        if (rr->rdlength != IP6_LEN)
            return AXN_WIRE_ELEN;
        memcpy(rr->aaaa.b, rr->rdata, IP6_LEN);
    } else if (rr->type == AXN_DNS_TYPE_CNAME) {
        /* RFC 1035 3.3.1: one name, which must fill the rdata exactly. */
        if (rr->rdlength == 0)
            return AXN_WIRE_ELEN;
        r = axn_dns_name_check(buf, len, rr->rdata_off, &end);
        if (r)
            return r;
        if (end != (size_t)rr->rdata_off + rr->rdlength)
            return AXN_WIRE_ELEN;
        rr->cname_off = rr->rdata_off;
    }
    return 0;
}

static int parse_rr(const uint8_t *buf, size_t len, size_t *pos, uint8_t section,
                    struct axn_dns_rr *rr)
{
    size_t start = *pos;
    uint32_t ttl;
    int r = take_name(buf, len, pos);
    if (r)
        return r;
    if (len - *pos < RR_FIXED_LEN)
        return AXN_WIRE_ETRUNC;
    memset(rr, 0, sizeof *rr);
    rr->name_off = (uint16_t)start;
    rr->section = section;
    rr->type = axn_get_be16(buf + *pos + RR_OFF_TYPE);
    rr->rclass = axn_get_be16(buf + *pos + RR_OFF_CLASS);
    ttl = axn_get_be32(buf + *pos + RR_OFF_TTL);
    rr->ttl = ttl > TTL_MAX ? 0 : ttl;
    rr->rdlength = axn_get_be16(buf + *pos + RR_OFF_RDLENGTH);
    *pos += RR_FIXED_LEN;
    if (len - *pos < rr->rdlength)
        return AXN_WIRE_ETRUNC;
    rr->rdata_off = (uint16_t)*pos;
    rr->rdata = buf + *pos;
    *pos += rr->rdlength;
    return decode_rdata(buf, len, rr);
}

static int parse_section(const uint8_t *buf, size_t len, size_t *pos, uint8_t section,
                         uint16_t count, struct axn_dns_msg *m)
{
    for (unsigned i = 0; i < count; i++) {
        struct axn_dns_rr spare;
        bool keep = m->n_rr < AXN_DNS_MAX_RECORDS;
        int r = parse_rr(buf, len, pos, section, keep ? &m->rr[m->n_rr] : &spare);
        if (r)
            return r;
        if (keep)
            m->n_rr++;
        else
            m->rr_skipped++;
    }
    return 0;
}

int axn_dns_parse(const uint8_t *buf, size_t len, struct axn_dns_msg *out)
{
    size_t pos = AXN_DNS_HDR_LEN;
    int r;
    out->buf = buf;
    out->len = len;
    out->n_rr = 0;
    out->rr_skipped = 0;
    memset(&out->q, 0, sizeof out->q);
    if (len < AXN_DNS_HDR_LEN)
        return AXN_WIRE_ETRUNC;
    /* Offsets are kept in 16 bits; no DNS transport carries more. */
    if (len > UINT16_MAX)
        return AXN_WIRE_ELEN;
    parse_header(buf, &out->hdr);
    if ((r = parse_questions(buf, len, &pos, out)) ||
        (r = parse_section(buf, len, &pos, AXN_DNS_SEC_ANSWER, out->hdr.ancount, out)) ||
        (r = parse_section(buf, len, &pos, AXN_DNS_SEC_AUTHORITY, out->hdr.nscount, out)))
        return r;
    return parse_section(buf, len, &pos, AXN_DNS_SEC_ADDITIONAL, out->hdr.arcount, out);
}

/* ---- Emit --------------------------------------------------------------- */

struct msg_wr {
    uint8_t *buf;
    size_t cap;
    size_t pos;
    bool full;
    unsigned n_names;
    uint16_t names[COMPRESS_TABLE_LEN]; /* where names were written: pointer targets */
};

static void put_bytes(struct msg_wr *w, const void *p, size_t n)
{
    if (w->full || w->cap - w->pos < n) {
        w->full = true;
        return;
    }
    if (n > 0)
        memcpy(w->buf + w->pos, p, n);
    w->pos += n;
}

static void put_u16(struct msg_wr *w, uint16_t v)
{
    uint8_t b[2];
    axn_put_be16(b, v);
    put_bytes(w, b, sizeof b);
}

static void put_u32(struct msg_wr *w, uint32_t v)
{
    uint8_t b[4];
    axn_put_be32(b, v);
    put_bytes(w, b, sizeof b);
}

static void put_header(struct msg_wr *w, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an)
{
    put_u16(w, id);
    put_u16(w, flags);
    put_u16(w, qd);
    put_u16(w, an);
    put_u16(w, 0);
    put_u16(w, 0);
}

/*
 * True if the name at buf[pos] (written by us, so well formed, pointers
 * only backwards) has exactly the octets of the uncompressed name s.
 */
static bool name_at_eq(const uint8_t *buf, size_t pos, const uint8_t *s)
{
    for (unsigned step = 0; step < AXN_DNS_MAX_NAME_LEN; step++) {
        uint8_t b = buf[pos];
        if ((b & LABEL_POINTER_BITS) == LABEL_POINTER_BITS) {
            pos = axn_get_be16(buf + pos) & POINTER_MAX_OFFSET;
            continue;
        }
        if (b != s[0])
            return false;
        if (b == 0)
            return true;
        if (memcmp(buf + pos + 1, s + 1, b) != 0)
            return false;
        pos += 1u + b;
        s += 1u + b;
    }
    return false;
}

/*
 * Offset of a label in the output where the uncompressed suffix s begins,
 * or 0 if nowhere. Only labels written in place are candidates; the names
 * they point to are in the table themselves.
 */
static size_t find_suffix(const struct msg_wr *w, const uint8_t *s)
{
    for (unsigned e = 0; e < w->n_names; e++) {
        size_t j = w->names[e];
        while (w->buf[j] != 0 && (w->buf[j] & LABEL_POINTER_BITS) != LABEL_POINTER_BITS &&
               j <= POINTER_MAX_OFFSET) {
            if (name_at_eq(w->buf, j, s))
                return j;
            j += 1u + w->buf[j];
        }
    }
    return 0;
}

/*
 * Writes a name from text, replacing its longest suffix already present
 * by a pointer (RFC 1035 4.1.4). Exact octets must match, so the case of
 * every name is kept as given.
 */
static int put_name(struct msg_wr *w, const char *text)
{
    uint8_t tmp[AXN_DNS_MAX_NAME_LEN];
    size_t at = w->pos, i;
    int n = axn_dns_name_encode(text, tmp, sizeof tmp);
    if (n < 0)
        return n;
    for (i = 0; tmp[i] != 0; i += 1u + tmp[i]) {
        size_t target = find_suffix(w, tmp + i);
        if (target != 0) {
            put_bytes(w, tmp, i);
            put_u16(w, (uint16_t)(POINTER_TAG | target));
            break;
        }
    }
    if (tmp[i] == 0)
        put_bytes(w, tmp, (size_t)n);
    /* Remember where it went, as a target for later names. */
    if (!w->full && i > 0 && w->n_names < COMPRESS_TABLE_LEN && at <= POINTER_MAX_OFFSET)
        w->names[w->n_names++] = (uint16_t)at;
    return 0;
}

static int put_question(struct msg_wr *w, const char *name, uint16_t type, uint16_t qclass)
{
    int r = put_name(w, name);
    if (r)
        return r;
    put_u16(w, type);
    put_u16(w, qclass);
    return 0;
}

int axn_dns_query_emit(const struct axn_dns_query *q, uint8_t *buf, size_t cap)
{
    struct msg_wr w = {.buf = buf, .cap = cap > UINT16_MAX ? UINT16_MAX : cap};
    int r;
    put_header(&w, q->id, q->rd ? FLAG_RD : 0, 1, 0);
    r = put_question(&w, q->name, q->qtype, q->qclass);
    if (r)
        return r;
    return w.full ? AXN_WIRE_ENOSPC : (int)w.pos;
}

static uint16_t response_flags(const struct axn_dns_response *r)
{
    uint16_t f = FLAG_QR;
    f |= (uint16_t)((r->opcode & OPCODE_MASK) << OPCODE_SHIFT);
    f |= r->aa ? FLAG_AA : 0;
    f |= r->tc ? FLAG_TC : 0;
    f |= r->rd ? FLAG_RD : 0;
    f |= r->ra ? FLAG_RA : 0;
    f |= (uint16_t)(r->rcode & RCODE_MASK);
    return f;
}

/* Raw rdata wins; otherwise A, AAAA and CNAME are built from their fields. */
static int put_rdata(struct msg_wr *w, const struct axn_dns_answer *a)
{
    if (a->rdata != NULL) {
        put_bytes(w, a->rdata, a->rdlength);
        return 0;
    }
    switch (a->type) {
    case AXN_DNS_TYPE_A:
        put_u32(w, a->a);
        return 0;
    case AXN_DNS_TYPE_AAAA:
        put_bytes(w, a->aaaa.b, IP6_LEN);
        return 0;
    case AXN_DNS_TYPE_CNAME:
        return a->cname ? put_name(w, a->cname) : AXN_WIRE_ENAME;
    default:
        return 0;
    }
}

static int put_answer(struct msg_wr *w, const struct axn_dns_response *resp,
                      const struct axn_dns_answer *a)
{
    const char *owner = a->name ? a->name : resp->qname;
    size_t rdlen_at;
    int r;
    if (owner == NULL)
        return AXN_WIRE_ENAME;
    if ((r = put_name(w, owner)) != 0)
        return r;
    put_u16(w, a->type);
    put_u16(w, a->rclass);
    put_u32(w, a->ttl);
    rdlen_at = w->pos;
    put_u16(w, 0);
    if ((r = put_rdata(w, a)) != 0)
        return r;
    if (!w->full)
        axn_put_be16(w->buf + rdlen_at, (uint16_t)(w->pos - rdlen_at - RDLENGTH_LEN));
    return 0;
}

int axn_dns_response_emit(const struct axn_dns_response *resp, uint8_t *buf, size_t cap)
{
    struct msg_wr w = {.buf = buf, .cap = cap > UINT16_MAX ? UINT16_MAX : cap};
    int r;
    put_header(&w, resp->id, response_flags(resp), resp->qname ? 1 : 0, resp->n_answers);
    if (resp->qname && (r = put_question(&w, resp->qname, resp->qtype, resp->qclass)) != 0)
        return r;
    for (uint16_t i = 0; i < resp->n_answers; i++) {
        if ((r = put_answer(&w, resp, &resp->answers[i])) != 0)
            return r;
    }
    return w.full ? AXN_WIRE_ENOSPC : (int)w.pos;
}
