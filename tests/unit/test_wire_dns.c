/*
 * DNS parse/emit and names (src/wire/dns.c, dns_name.c; RFC 1035, RFC 3596,
 * RFC 4343). Real messages come from tests/fixtures/app (see its README.md).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wire/dns.h"

#define FIXTURE_MAX 2048
#define MSG_MAX     4096

static size_t load(const char *name, uint8_t *buf)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/app/%s", AXN_FIXTURE_DIR, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open fixture %s", path);
    size_t n = fread(buf, 1, FIXTURE_MAX, f);
    fclose(f);
    assert_true(n > 0 && n < FIXTURE_MAX);
    return n;
}

/* A message built byte by byte. */
struct mb {
    uint8_t b[MSG_MAX];
    size_t n;
};

static void mb_u8(struct mb *m, uint8_t v)
{
    assert_true(m->n < MSG_MAX);
    m->b[m->n++] = v;
}

static void mb_u16(struct mb *m, uint16_t v)
{
    mb_u8(m, (uint8_t)(v >> 8));
    mb_u8(m, (uint8_t)v);
}

static void mb_u32(struct mb *m, uint32_t v)
{
    mb_u16(m, (uint16_t)(v >> 16));
    mb_u16(m, (uint16_t)v);
}

static void mb_bytes(struct mb *m, const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        mb_u8(m, ((const uint8_t *)p)[i]);
}

static void mb_hdr(struct mb *m, uint16_t qd, uint16_t an, uint16_t ns, uint16_t ar)
{
    m->n = 0;
    mb_u16(m, 0xabcd);
    mb_u16(m, 0x8180);
    mb_u16(m, qd);
    mb_u16(m, an);
    mb_u16(m, ns);
    mb_u16(m, ar);
}

/* host.axn.test in wire form, root included. */
static void mb_host(struct mb *m)
{
    static const uint8_t host[] = {4,   'h', 'o', 's', 't', 3,   'a', 'x',
                                   'n', 4,   't', 'e', 's', 't', 0};
    mb_bytes(m, host, sizeof host);
}

/* One question for host.axn.test A IN at offset 12. */
static void mb_question(struct mb *m)
{
    mb_host(m);
    mb_u16(m, AXN_DNS_TYPE_A);
    mb_u16(m, AXN_DNS_CLASS_IN);
}

static void mb_rr_head(struct mb *m, uint16_t type, uint32_t ttl, uint16_t rdlen)
{
    mb_u16(m, 0xc00c);
    mb_u16(m, type);
    mb_u16(m, AXN_DNS_CLASS_IN);
    mb_u32(m, ttl);
    mb_u16(m, rdlen);
}

static int parse(const struct mb *m, struct axn_dns_msg *out)
{
    return axn_dns_parse(m->b, m->n, out);
}

static void assert_name(const struct axn_dns_msg *m, size_t off, const char *want)
{
    char text[AXN_DNS_TEXT_MAX];
    int n = axn_dns_name_decode(m->buf, m->len, off, text, sizeof text);
    assert_int_equal(n, (int)strlen(want));
    assert_string_equal(text, want);
}

/* ---- Real packets --------------------------------------------------------- */

static void dns_parse_reads_dig_query(void **state)
{
    (void)state;
    uint8_t p[FIXTURE_MAX];
    size_t n = load("dns_query_a.bin", p);
    struct axn_dns_msg m;
    assert_int_equal(axn_dns_parse(p, n, &m), 0);
    assert_int_equal(m.hdr.id, 0x68c2);
    assert_false(m.hdr.qr);
    assert_int_equal(m.hdr.opcode, AXN_DNS_OPCODE_QUERY);
    assert_true(m.hdr.rd);
    assert_false(m.hdr.aa);
    assert_false(m.hdr.tc);
    assert_false(m.hdr.ra);
    assert_int_equal(m.hdr.z, 2); /* dig sets AD (RFC 6840 5.7) */
    assert_int_equal(m.hdr.qdcount, 1);
    assert_int_equal(m.q.name_off, AXN_DNS_HDR_LEN);
    assert_int_equal(m.q.type, AXN_DNS_TYPE_A);
    assert_int_equal(m.q.qclass, AXN_DNS_CLASS_IN);
    assert_name(&m, m.q.name_off, "host.axn.test");
    assert_int_equal(m.n_rr, 0);
}

static void dns_parse_reads_dnsmasq_a_answer(void **state)
{
    (void)state;
    uint8_t p[FIXTURE_MAX];
    size_t n = load("dns_resp_a.bin", p);
    struct axn_dns_msg m;
    assert_int_equal(axn_dns_parse(p, n, &m), 0);
    assert_true(m.hdr.qr);
    assert_true(m.hdr.aa);
    assert_true(m.hdr.rd);
    assert_true(m.hdr.ra);
    assert_int_equal(m.hdr.rcode, AXN_DNS_RCODE_NOERROR);
    assert_int_equal(m.hdr.ancount, 1);
    assert_int_equal(m.n_rr, 1);
    assert_int_equal(m.rr_skipped, 0);
    const struct axn_dns_rr *rr = &m.rr[0];
    assert_int_equal(rr->section, AXN_DNS_SEC_ANSWER);
    assert_int_equal(rr->name_off, 31);
    assert_int_equal(rr->type, AXN_DNS_TYPE_A);
    assert_int_equal(rr->rclass, AXN_DNS_CLASS_IN);
    assert_int_equal(rr->ttl, 0);
    assert_int_equal(rr->rdlength, 4);
    assert_int_equal(rr->rdata_off, 43);
    assert_ptr_equal(rr->rdata, p + 43);
    assert_int_equal(rr->a, AXN_IP4(10, 77, 0, 5));
    assert_true(axn_dns_name_eq(p, n, rr->name_off, p, n, m.q.name_off));
    assert_name(&m, rr->name_off, "host.axn.test");
}

static void dns_parse_reads_dnsmasq_aaaa_answer(void **state)
{
    (void)state;
    uint8_t p[FIXTURE_MAX];
    size_t n = load("dns_resp_aaaa.bin", p);
    struct axn_dns_msg m;
    assert_int_equal(axn_dns_parse(p, n, &m), 0);
    assert_int_equal(m.q.type, AXN_DNS_TYPE_AAAA);
    assert_int_equal(m.n_rr, 1);
    static const uint8_t want[16] = {0xfd, 0x77, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5};
    assert_int_equal(m.rr[0].type, AXN_DNS_TYPE_AAAA);
    assert_memory_equal(m.rr[0].aaaa.b, want, 16);
}

static void dns_parse_reads_cname_chain(void **state)
{
    (void)state;
    uint8_t p[FIXTURE_MAX];
    size_t n = load("dns_resp_cname_a.bin", p);
    struct axn_dns_msg m;
    assert_int_equal(axn_dns_parse(p, n, &m), 0);
    assert_name(&m, m.q.name_off, "alias.axn.test");
    assert_int_equal(m.n_rr, 2);
    assert_int_equal(m.rr[0].type, AXN_DNS_TYPE_CNAME);
    assert_true(axn_dns_name_eq(p, n, m.rr[0].name_off, p, n, m.q.name_off));
    assert_int_equal(m.rr[0].cname_off, m.rr[0].rdata_off);
    assert_name(&m, m.rr[0].cname_off, "host.axn.test");
    assert_int_equal(m.rr[1].type, AXN_DNS_TYPE_A);
    /* The A record belongs to the CNAME target (pointer to the rdata). */
    assert_true(axn_dns_name_eq(p, n, m.rr[1].name_off, p, n, m.rr[0].cname_off));
    assert_true(axn_dns_name_eq_text(p, n, m.rr[1].name_off, "host.axn.test."));
    assert_int_equal(m.rr[1].a, AXN_IP4(10, 77, 0, 5));
}

static void dns_parse_reads_edns_response_sections(void **state)
{
    (void)state;
    uint8_t p[FIXTURE_MAX];
    size_t n = load("dns_resp_cname_aaaa_edns.bin", p);
    struct axn_dns_msg m;
    assert_int_equal(axn_dns_parse(p, n, &m), 0);
    assert_int_equal(m.hdr.ancount, 2);
    assert_int_equal(m.hdr.arcount, 1);
    assert_int_equal(m.n_rr, 3);
    assert_int_equal(m.rr[0].type, AXN_DNS_TYPE_CNAME);
    assert_int_equal(m.rr[0].section, AXN_DNS_SEC_ANSWER);
    assert_int_equal(m.rr[1].type, AXN_DNS_TYPE_AAAA);
    assert_int_equal(m.rr[1].section, AXN_DNS_SEC_ANSWER);
    /* RFC 6891 6.1.2: OPT, root owner, class = UDP payload size. */
    assert_int_equal(m.rr[2].type, AXN_DNS_TYPE_OPT);
    assert_int_equal(m.rr[2].section, AXN_DNS_SEC_ADDITIONAL);
    assert_int_equal(m.rr[2].rclass, 1232);
    assert_int_equal(m.rr[2].rdlength, 0);
    assert_name(&m, m.rr[2].name_off, ".");
}

static void dns_parse_reads_refused_and_query_with_cookie(void **state)
{
    (void)state;
    uint8_t p[FIXTURE_MAX];
    size_t n = load("dns_resp_refused.bin", p);
    struct axn_dns_msg m;
    assert_int_equal(axn_dns_parse(p, n, &m), 0);
    assert_int_equal(m.hdr.rcode, AXN_DNS_RCODE_REFUSED);
    assert_int_equal(m.n_rr, 0);
    assert_name(&m, m.q.name_off, "nothere.axn.test");
    n = load("dns_query_mixedcase.bin", p);
    assert_int_equal(axn_dns_parse(p, n, &m), 0);
    assert_int_equal(m.n_rr, 1);
    assert_int_equal(m.rr[0].type, AXN_DNS_TYPE_OPT);
    assert_int_equal(m.rr[0].rdlength, 12); /* the DNS cookie option */
}

/* RFC 4343: dnsmasq echoes 0x20-mixed case; matching ignores it. */
static void dns_name_eq_matches_mixed_case_answer(void **state)
{
    (void)state;
    uint8_t p[FIXTURE_MAX];
    size_t n = load("dns_resp_mixedcase.bin", p);
    struct axn_dns_msg m;
    assert_int_equal(axn_dns_parse(p, n, &m), 0);
    assert_name(&m, m.q.name_off, "HoSt.AxN.TeSt");
    assert_true(axn_dns_name_eq_text(p, n, m.q.name_off, "host.axn.test"));
    assert_true(axn_dns_name_eq_text(p, n, m.rr[0].name_off, "HOST.AXN.TEST"));
    assert_false(axn_dns_name_eq_text(p, n, m.q.name_off, "host.axn.tes"));
    assert_false(axn_dns_name_eq_text(p, n, m.q.name_off, "host.axn.test.x"));
    uint8_t q[FIXTURE_MAX];
    size_t qn = load("dns_query_a.bin", q);
    assert_true(axn_dns_name_eq(p, n, m.q.name_off, q, qn, AXN_DNS_HDR_LEN));
}

/* Every captured message: names decode, re-encode to the same labels. */
static void dns_fixture_names_roundtrip_through_text(void **state)
{
    (void)state;
    static const char *const names[] = {
        "dns_query_a.bin",         "dns_resp_a.bin",
        "dns_query_aaaa.bin",      "dns_resp_aaaa.bin",
        "dns_query_cname_a.bin",   "dns_resp_cname_a.bin",
        "dns_query_edns_aaaa.bin", "dns_resp_cname_aaaa_edns.bin",
        "dns_query_refused.bin",   "dns_resp_refused.bin",
        "dns_query_mixedcase.bin", "dns_resp_mixedcase.bin",
        "dns_query_stub.bin",      "dns_resp_stub.bin",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        uint8_t p[FIXTURE_MAX], wire[AXN_DNS_MAX_NAME_LEN];
        char text[AXN_DNS_TEXT_MAX];
        size_t n = load(names[i], p);
        struct axn_dns_msg m;
        assert_int_equal(axn_dns_parse(p, n, &m), 0);
        assert_int_equal(m.hdr.qdcount, 1);
        for (int r = -1; r < (int)m.n_rr; r++) {
            size_t off = r < 0 ? m.q.name_off : m.rr[r].name_off;
            assert_true(axn_dns_name_decode(p, n, off, text, sizeof text) > 0);
            int wl = axn_dns_name_encode(text, wire, sizeof wire);
            assert_true(wl > 0);
            assert_true(axn_dns_name_eq(p, n, off, wire, (size_t)wl, 0));
        }
    }
}

/* ---- Emit ------------------------------------------------------------------ */

/* Our query is byte for byte what the stub resolver sent. */
static void dns_query_emit_matches_captured_stub_query(void **state)
{
    (void)state;
    uint8_t p[FIXTURE_MAX], out[MSG_MAX];
    size_t n = load("dns_query_stub.bin", p);
    struct axn_dns_query q = {0x4242, true, "alias.axn.test", AXN_DNS_TYPE_A, AXN_DNS_CLASS_IN};
    assert_int_equal(axn_dns_query_emit(&q, out, sizeof out), (int)n);
    assert_memory_equal(out, p, n);
    /* A trailing dot changes nothing. */
    q.name = "alias.axn.test.";
    assert_int_equal(axn_dns_query_emit(&q, out, sizeof out), (int)n);
    assert_memory_equal(out, p, n);
}

static void dns_query_emit_rejects_bad_name_and_short_buffer(void **state)
{
    (void)state;
    uint8_t out[MSG_MAX];
    struct axn_dns_query q = {1, true, "a..b", AXN_DNS_TYPE_A, AXN_DNS_CLASS_IN};
    assert_int_equal(axn_dns_query_emit(&q, out, sizeof out), AXN_WIRE_ENAME);
    q.name = "host.axn.test";
    /* 12 + 15 + 4 = 31 */
    assert_int_equal(axn_dns_query_emit(&q, out, 30), AXN_WIRE_ENOSPC);
    assert_int_equal(axn_dns_query_emit(&q, out, 31), 31);
    assert_int_equal(axn_dns_query_emit(&q, out, 11), AXN_WIRE_ENOSPC);
}

/*
 * The dnsmasq answer to the stub query, rebuilt: same header, question and
 * records; the CNAME target is compressed against the question ("axn.test")
 * where dnsmasq wrote it whole, and the A owner points at it like dnsmasq's.
 */
static void dns_response_emit_compresses_like_dnsmasq(void **state)
{
    (void)state;
    const struct axn_dns_answer ans[] = {
        {.type = AXN_DNS_TYPE_CNAME, .rclass = AXN_DNS_CLASS_IN, .cname = "host.axn.test"},
        {.name = "host.axn.test",
         .type = AXN_DNS_TYPE_A,
         .rclass = AXN_DNS_CLASS_IN,
         .a = AXN_IP4(10, 77, 0, 5)},
    };
    struct axn_dns_response r = {
        .id = 0x4242,
        .aa = true,
        .rd = true,
        .ra = true,
        .qname = "alias.axn.test",
        .qtype = AXN_DNS_TYPE_A,
        .qclass = AXN_DNS_CLASS_IN,
        .answers = ans,
        .n_answers = 2,
    };
    static const uint8_t want[] = {
        0x42, 0x42, 0x85, 0x80, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, /* header */
        5,    'a',  'l',  'i',  'a',  's',  3,    'a',  'x',  'n',  4,    't',
        'e',  's',  't',  0,    0x00, 0x01, 0x00, 0x01,                         /* question */
        0xc0, 0x0c, 0x00, 0x05, 0x00, 0x01, 0,    0,    0,    0,    0x00, 0x07, /* CNAME */
        4,    'h',  'o',  's',  't',  0xc0, 0x12, /* host + ->axn.test */
        0xc0, 0x2c, 0x00, 0x01, 0x00, 0x01, 0,    0,    0,    0,    0x00, 0x04, /* A */
        10,   77,   0,    5,
    };
    uint8_t out[MSG_MAX];
    assert_int_equal(axn_dns_response_emit(&r, out, sizeof out), (int)sizeof want);
    assert_memory_equal(out, want, sizeof want);

    /* It carries what dnsmasq's carries. */
    uint8_t p[FIXTURE_MAX];
    size_t n = load("dns_resp_stub.bin", p);
    struct axn_dns_msg a, b;
    assert_int_equal(axn_dns_parse(p, n, &a), 0);
    assert_int_equal(axn_dns_parse(out, sizeof want, &b), 0);
    assert_memory_equal(out, p, 12 + 20);
    assert_int_equal(b.n_rr, a.n_rr);
    for (int i = 0; i < a.n_rr; i++) {
        assert_int_equal(b.rr[i].type, a.rr[i].type);
        assert_int_equal(b.rr[i].ttl, a.rr[i].ttl);
        assert_true(axn_dns_name_eq(p, n, a.rr[i].name_off, out, sizeof want, b.rr[i].name_off));
    }
    assert_true(axn_dns_name_eq(p, n, a.rr[0].cname_off, out, sizeof want, b.rr[0].cname_off));
    assert_int_equal(b.rr[1].a, a.rr[1].a);
}

static void dns_response_emit_writes_aaaa_raw_and_rcode(void **state)
{
    (void)state;
    static const uint8_t txt[] = {5, 'h', 'e', 'l', 'l', 'o'};
    const struct axn_dns_answer ans[] = {
        {.type = AXN_DNS_TYPE_AAAA,
         .rclass = AXN_DNS_CLASS_IN,
         .ttl = 300,
         .aaaa = {{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}}},
        {.name = "Other.Example",
         .type = AXN_DNS_TYPE_TXT,
         .rclass = AXN_DNS_CLASS_IN,
         .ttl = 7,
         .rdata = txt,
         .rdlength = sizeof txt},
    };
    struct axn_dns_response r = {.id = 9,
                                 .rcode = AXN_DNS_RCODE_NXDOMAIN,
                                 .qname = "x.example",
                                 .qtype = AXN_DNS_TYPE_AAAA,
                                 .qclass = AXN_DNS_CLASS_IN,
                                 .answers = ans,
                                 .n_answers = 2};
    uint8_t out[MSG_MAX];
    int len = axn_dns_response_emit(&r, out, sizeof out);
    assert_true(len > 0);
    struct axn_dns_msg m;
    assert_int_equal(axn_dns_parse(out, (size_t)len, &m), 0);
    assert_true(m.hdr.qr);
    assert_false(m.hdr.aa);
    assert_int_equal(m.hdr.rcode, AXN_DNS_RCODE_NXDOMAIN);
    assert_int_equal(m.n_rr, 2);
    assert_int_equal(m.rr[0].ttl, 300);
    assert_memory_equal(m.rr[0].aaaa.b, ans[0].aaaa.b, 16);
    assert_int_equal(m.rr[0].name_off, 12 + 11 + 4); /* a pointer to the question */
    assert_int_equal(out[m.rr[0].name_off], 0xc0);
    assert_int_equal(m.rr[1].type, AXN_DNS_TYPE_TXT);
    assert_int_equal(m.rr[1].rdlength, sizeof txt);
    assert_memory_equal(m.rr[1].rdata, txt, sizeof txt);
    /* "Other" written, "Example" is not "example": case kept, no pointer. */
    assert_name(&m, m.rr[1].name_off, "Other.Example");
    assert_int_equal(out[m.rr[1].name_off], 5);
    assert_int_equal(axn_dns_response_emit(&r, out, (size_t)len - 1), AXN_WIRE_ENOSPC);
}

/* ---- Names ------------------------------------------------------------------ */

static void dns_name_encode_accepts_root_and_trailing_dot(void **state)
{
    (void)state;
    uint8_t w[AXN_DNS_MAX_NAME_LEN];
    assert_int_equal(axn_dns_name_encode("", w, sizeof w), 1);
    assert_int_equal(w[0], 0);
    assert_int_equal(axn_dns_name_encode(".", w, sizeof w), 1);
    assert_int_equal(axn_dns_name_encode("a.b.", w, sizeof w), 5);
    assert_memory_equal(w,
                        "\x01"
                        "a\x01"
                        "b\x00",
                        5);
    assert_int_equal(axn_dns_name_encode("a.b", w, 4), AXN_WIRE_ENOSPC);
}

static void dns_name_encode_rejects_empty_labels(void **state)
{
    (void)state;
    uint8_t w[AXN_DNS_MAX_NAME_LEN];
    assert_int_equal(axn_dns_name_encode("a..b", w, sizeof w), AXN_WIRE_ENAME);
    assert_int_equal(axn_dns_name_encode(".a", w, sizeof w), AXN_WIRE_ENAME);
    assert_int_equal(axn_dns_name_encode("a.b..", w, sizeof w), AXN_WIRE_ENAME);
    assert_int_equal(axn_dns_name_encode("..", w, sizeof w), AXN_WIRE_ENAME);
}

static void dns_name_encode_rejects_label_over_63_and_name_over_255(void **state)
{
    (void)state;
    uint8_t w[AXN_DNS_MAX_NAME_LEN];
    char t[400];
    memset(t, 'a', 63);
    t[63] = '\0';
    assert_int_equal(axn_dns_name_encode(t, w, sizeof w), 65);
    memset(t, 'a', 64);
    t[64] = '\0';
    assert_int_equal(axn_dns_name_encode(t, w, sizeof w), AXN_WIRE_ENAME);
    /* 3 x 63 + 61: 3 * 64 + 62 + 1 = 255 octets, the most allowed. */
    memset(t, 'a', sizeof t);
    t[63] = t[127] = t[191] = '.';
    t[253] = '\0';
    assert_int_equal(axn_dns_name_encode(t, w, sizeof w), 255);
    t[253] = 'a';
    t[254] = '\0';
    assert_int_equal(axn_dns_name_encode(t, w, sizeof w), AXN_WIRE_ENAME);
}

static void dns_name_text_escapes_roundtrip(void **state)
{
    (void)state;
    struct mb m;
    mb_hdr(&m, 1, 0, 0, 0);
    mb_bytes(&m,
             "\x03"
             "a.b\x03\\ \xff\x00",
             9);
    mb_u16(&m, AXN_DNS_TYPE_A);
    mb_u16(&m, AXN_DNS_CLASS_IN);
    struct axn_dns_msg d;
    assert_int_equal(parse(&m, &d), 0);
    assert_name(&d, 12, "a\\.b.\\\\\\032\\255");
    uint8_t w[AXN_DNS_MAX_NAME_LEN];
    assert_int_equal(axn_dns_name_encode("a\\.b.\\\\\\032\\255", w, sizeof w), 9);
    assert_memory_equal(w, m.b + 12, 9);
    /* "\X" for a non-digit X is X itself. */
    assert_int_equal(axn_dns_name_encode("\\a\\b", w, sizeof w), 4);
    assert_memory_equal(w,
                        "\x02"
                        "ab",
                        4);
    /* Bad escapes. */
    assert_int_equal(axn_dns_name_encode("a\\", w, sizeof w), AXN_WIRE_ENAME);
    assert_int_equal(axn_dns_name_encode("a\\25", w, sizeof w), AXN_WIRE_ENAME);
    assert_int_equal(axn_dns_name_encode("a\\256", w, sizeof w), AXN_WIRE_ENAME);
    /* The text buffer must fit the whole name. */
    char small[8];
    assert_int_equal(axn_dns_name_decode(m.b, m.n, 12, small, sizeof small), AXN_WIRE_ENOSPC);
    char exact[16];
    assert_int_equal(axn_dns_name_decode(m.b, m.n, 12, exact, 16), 15);
}

/* RFC 4343 3: only ASCII letters fold. */
static void dns_name_eq_folds_ascii_letters_only(void **state)
{
    (void)state;
    static const uint8_t a[] = "\x03"
                               "AbC\x01\xc4";
    static const uint8_t b[] = "\x03"
                               "aBc\x01\xc4";
    static const uint8_t c[] = "\x03"
                               "abc\x01\xe4";
    static const uint8_t d[] = "\x03"
                               "abc\x02\xc4\xc4";
    assert_true(axn_dns_name_eq(a, sizeof a, 0, b, sizeof b, 0));
    assert_false(axn_dns_name_eq(a, sizeof a, 0, c, sizeof c, 0));
    assert_false(axn_dns_name_eq(a, sizeof a, 0, d, sizeof d, 0));
    static const uint8_t at[] = "\x01@";
    static const uint8_t bq[] = "\x01`";
    assert_false(axn_dns_name_eq(at, sizeof at, 0, bq, sizeof bq, 0));
    /* A malformed name equals nothing, not even itself. */
    static const uint8_t bad[] = "\x05"
                                 "ab";
    assert_false(axn_dns_name_eq(bad, sizeof bad - 1, 0, bad, sizeof bad - 1, 0));
    assert_false(axn_dns_name_eq_text(a, sizeof a, 0, "a..b"));
}

/* ---- Rejections ------------------------------------------------------------- */

static void dns_parse_rejects_truncated_header(void **state)
{
    (void)state;
    uint8_t p[FIXTURE_MAX];
    size_t n = load("dns_resp_a.bin", p);
    struct axn_dns_msg m;
    assert_int_equal(axn_dns_parse(p, 0, &m), AXN_WIRE_ETRUNC);
    assert_int_equal(axn_dns_parse(p, AXN_DNS_HDR_LEN - 1, &m), AXN_WIRE_ETRUNC);
    /* Cut inside the question name, its type, the record, the rdata. */
    assert_int_equal(axn_dns_parse(p, 20, &m), AXN_WIRE_ETRUNC);
    assert_int_equal(axn_dns_parse(p, 29, &m), AXN_WIRE_ETRUNC);
    assert_int_equal(axn_dns_parse(p, 32, &m), AXN_WIRE_ETRUNC);
    assert_int_equal(axn_dns_parse(p, 40, &m), AXN_WIRE_ETRUNC);
    assert_int_equal(axn_dns_parse(p, n - 1, &m), AXN_WIRE_ETRUNC);
    assert_int_equal(axn_dns_parse(p, n, &m), 0);
}

static void dns_parse_rejects_count_exceeding_data(void **state)
{
    (void)state;
    uint8_t p[FIXTURE_MAX];
    size_t n = load("dns_resp_a.bin", p);
    struct axn_dns_msg m;
    /* The answer is cut off entirely: the count promises it. */
    assert_int_equal(axn_dns_parse(p, 31, &m), AXN_WIRE_ECOUNT);
    p[7] = 2; /* ancount 2, one present */
    assert_int_equal(axn_dns_parse(p, n, &m), AXN_WIRE_ECOUNT);
    p[7] = 1, p[5] = 2; /* qdcount 2 */
    assert_int_equal(axn_dns_parse(p, n, &m), AXN_WIRE_ETRUNC);
    p[5] = 1, p[11] = 1; /* arcount 1 */
    assert_int_equal(axn_dns_parse(p, n, &m), AXN_WIRE_ECOUNT);
    p[11] = 0, p[9] = 0xff; /* nscount 255 */
    assert_int_equal(axn_dns_parse(p, n, &m), AXN_WIRE_ECOUNT);
    struct mb e;
    mb_hdr(&e, 1, 0, 0, 0);
    assert_int_equal(parse(&e, &m), AXN_WIRE_ECOUNT);
}

static void dns_parse_rejects_self_pointer(void **state)
{
    (void)state;
    struct mb m;
    mb_hdr(&m, 1, 0, 0, 0);
    mb_u16(&m, 0xc00c);
    mb_u32(&m, 0x00010001);
    struct axn_dns_msg d;
    assert_int_equal(parse(&m, &d), AXN_WIRE_ELOOP);
    char t[AXN_DNS_TEXT_MAX];
    assert_int_equal(axn_dns_name_decode(m.b, m.n, 12, t, sizeof t), AXN_WIRE_ELOOP);
}

static void dns_parse_rejects_two_pointer_cycle(void **state)
{
    (void)state;
    struct mb m;
    mb_hdr(&m, 1, 0, 0, 0);
    mb_u16(&m, 0xc00e); /* 12 -> 14 */
    mb_u16(&m, 0xc00c); /* 14 -> 12 */
    mb_u32(&m, 0x00010001);
    struct axn_dns_msg d;
    assert_int_equal(parse(&m, &d), AXN_WIRE_ELOOP);
    /* Entered from the other end: one backward hop, then the loop. */
    char t[AXN_DNS_TEXT_MAX];
    assert_int_equal(axn_dns_name_decode(m.b, m.n, 14, t, sizeof t), AXN_WIRE_ELOOP);
    size_t end;
    assert_int_equal(axn_dns_name_check(m.b, m.n, 14, &end), AXN_WIRE_ELOOP);
    /* A label between the pointers does not hide the cycle. */
    mb_hdr(&m, 1, 0, 0, 0);
    mb_bytes(&m,
             "\x01"
             "a\xc0\x0c",
             4); /* 12: "a" then -> 12 */
    mb_u32(&m, 0x00010001);
    assert_int_equal(parse(&m, &d), AXN_WIRE_ELOOP);
}

/* Questions whose names chain backwards through `hops` pointers. */
static void mb_pointer_chain(struct mb *m, unsigned hops)
{
    mb_hdr(m, (uint16_t)(hops + 1), 0, 0, 0);
    size_t prev = m->n;
    mb_bytes(m,
             "\x01"
             "a\x00",
             3);
    mb_u32(m, 0x00010001);
    for (unsigned i = 0; i < hops; i++) {
        size_t here = m->n;
        mb_u16(m, (uint16_t)(0xc000 | prev));
        mb_u32(m, 0x00010001);
        prev = here;
    }
}

static void dns_parse_bounds_pointer_hops(void **state)
{
    (void)state;
    struct mb m;
    struct axn_dns_msg d;
    mb_pointer_chain(&m, AXN_DNS_MAX_POINTER_HOPS);
    assert_int_equal(parse(&m, &d), 0);
    mb_pointer_chain(&m, AXN_DNS_MAX_POINTER_HOPS + 1);
    assert_int_equal(parse(&m, &d), AXN_WIRE_ELOOP);
}

static void dns_parse_rejects_pointer_outside_message(void **state)
{
    (void)state;
    struct mb m;
    struct axn_dns_msg d;
    mb_hdr(&m, 1, 0, 0, 0);
    mb_u16(&m, 0xc0ff);
    mb_u32(&m, 0x00010001);
    assert_int_equal(parse(&m, &d), AXN_WIRE_EPTR);
    /* Into the header: not a name. */
    mb_hdr(&m, 1, 0, 0, 0);
    mb_u16(&m, 0xc005);
    mb_u32(&m, 0x00010001);
    assert_int_equal(parse(&m, &d), AXN_WIRE_EPTR);
    /* A pointer whose second octet is missing. */
    mb_hdr(&m, 1, 0, 0, 0);
    mb_u8(&m, 0xc0);
    assert_int_equal(parse(&m, &d), AXN_WIRE_ETRUNC);
    /* A pointer back to the first name octet after the header is fine. */
    mb_hdr(&m, 0, 1, 0, 0);
    mb_u8(&m, 0); /* 12: root, owner of the record */
    mb_u16(&m, AXN_DNS_TYPE_CNAME);
    mb_u16(&m, AXN_DNS_CLASS_IN);
    mb_u32(&m, 0);
    mb_u16(&m, 2);
    mb_u16(&m, 0xc00c); /* CNAME -> root at 12 */
    assert_int_equal(parse(&m, &d), 0);
    assert_name(&d, d.rr[0].cname_off, ".");
}

static void dns_parse_rejects_reserved_label_types(void **state)
{
    (void)state;
    static const uint8_t types[] = {0x40, 0x41, 0x7f, 0x80, 0xbf};
    for (size_t i = 0; i < sizeof types; i++) {
        struct mb m;
        struct axn_dns_msg d;
        mb_hdr(&m, 1, 0, 0, 0);
        mb_u8(&m, types[i]);
        for (int k = 0; k < 0xc0; k++)
            mb_u8(&m, 'a');
        mb_u8(&m, 0);
        mb_u32(&m, 0x00010001);
        assert_int_equal(parse(&m, &d), AXN_WIRE_ENAME);
    }
}

/* 64 is 01 000000 on the wire: a label over 63 cannot be written plainly. */
static void dns_parse_rejects_label_over_63(void **state)
{
    (void)state;
    struct mb m;
    struct axn_dns_msg d;
    mb_hdr(&m, 1, 0, 0, 0);
    mb_u8(&m, 63);
    for (int k = 0; k < 63; k++)
        mb_u8(&m, 'a');
    mb_u8(&m, 0);
    mb_u32(&m, 0x00010001);
    assert_int_equal(parse(&m, &d), 0);
    m.b[12] = 64;
    assert_int_equal(parse(&m, &d), AXN_WIRE_ENAME);
}

static void mb_labels(struct mb *m, const int *lens, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        mb_u8(m, (uint8_t)lens[i]);
        for (int k = 0; k < lens[i]; k++)
            mb_u8(m, (uint8_t)('a' + k % 26));
    }
}

static void dns_parse_rejects_name_over_255(void **state)
{
    (void)state;
    struct mb m;
    struct axn_dns_msg d;
    static const int l255[] = {63, 63, 63, 61}; /* 64*3 + 62 + root = 255 */
    static const int l257[] = {63, 63, 63, 63};
    mb_hdr(&m, 1, 0, 0, 0);
    mb_labels(&m, l255, 4);
    mb_u8(&m, 0);
    mb_u32(&m, 0x00010001);
    assert_int_equal(parse(&m, &d), 0);
    mb_hdr(&m, 1, 0, 0, 0);
    mb_labels(&m, l257, 4);
    mb_u8(&m, 0);
    mb_u32(&m, 0x00010001);
    assert_int_equal(parse(&m, &d), AXN_WIRE_ENAME);

    /* Over 255 only once a pointer is followed. */
    static const int l193[] = {63, 63, 63};
    static const int l61[] = {61};
    static const int l62[] = {62};
    mb_hdr(&m, 2, 0, 0, 0);
    mb_labels(&m, l193, 3);
    mb_u8(&m, 0);
    mb_u32(&m, 0x00010001);
    mb_labels(&m, l61, 1);
    mb_u16(&m, 0xc00c);
    mb_u32(&m, 0x00010001);
    assert_int_equal(parse(&m, &d), 0);
    mb_hdr(&m, 2, 0, 0, 0);
    mb_labels(&m, l193, 3);
    mb_u8(&m, 0);
    mb_u32(&m, 0x00010001);
    mb_labels(&m, l62, 1);
    mb_u16(&m, 0xc00c);
    mb_u32(&m, 0x00010001);
    assert_int_equal(parse(&m, &d), AXN_WIRE_ENAME);
}

static void dns_parse_rejects_bad_address_rdlength(void **state)
{
    (void)state;
    struct mb m;
    struct axn_dns_msg d;
    mb_hdr(&m, 1, 1, 0, 0);
    mb_question(&m);
    mb_rr_head(&m, AXN_DNS_TYPE_A, 60, 5);
    mb_u32(&m, 0x0a000001);
    mb_u8(&m, 0);
    assert_int_equal(parse(&m, &d), AXN_WIRE_ELEN);
    mb_hdr(&m, 1, 1, 0, 0);
    mb_question(&m);
    mb_rr_head(&m, AXN_DNS_TYPE_A, 60, 3);
    mb_bytes(&m, "\x0a\x00\x00", 3);
    assert_int_equal(parse(&m, &d), AXN_WIRE_ELEN);
    mb_hdr(&m, 1, 1, 0, 0);
    mb_question(&m);
    mb_rr_head(&m, AXN_DNS_TYPE_AAAA, 60, 4);
    mb_u32(&m, 0x0a000001);
    assert_int_equal(parse(&m, &d), AXN_WIRE_ELEN);
    /* Class CHAOS A records are another format: kept raw. */
    mb_hdr(&m, 1, 1, 0, 0);
    mb_question(&m);
    mb_u16(&m, 0xc00c);
    mb_u16(&m, AXN_DNS_TYPE_A);
    mb_u16(&m, 3);
    mb_u32(&m, 0);
    mb_u16(&m, 3);
    mb_bytes(&m, "abc", 3);
    assert_int_equal(parse(&m, &d), 0);
    assert_int_equal(d.rr[0].rdlength, 3);
}

static void dns_parse_rejects_cname_not_filling_rdata(void **state)
{
    (void)state;
    struct mb m;
    struct axn_dns_msg d;
    mb_hdr(&m, 1, 1, 0, 0);
    mb_question(&m);
    mb_rr_head(&m, AXN_DNS_TYPE_CNAME, 60, 3);
    mb_u16(&m, 0xc00c);
    mb_u8(&m, 0);
    assert_int_equal(parse(&m, &d), AXN_WIRE_ELEN);
    mb_hdr(&m, 1, 1, 0, 0);
    mb_question(&m);
    mb_rr_head(&m, AXN_DNS_TYPE_CNAME, 60, 0);
    assert_int_equal(parse(&m, &d), AXN_WIRE_ELEN);
    mb_hdr(&m, 1, 1, 0, 0);
    mb_question(&m);
    mb_rr_head(&m, AXN_DNS_TYPE_CNAME, 60, 2);
    mb_u16(&m, 0xc00c);
    assert_int_equal(parse(&m, &d), 0);
    assert_name(&d, d.rr[0].cname_off, "host.axn.test");
}

static void dns_parse_keeps_first_max_records(void **state)
{
    (void)state;
    struct mb m;
    struct axn_dns_msg d;
    const int total = AXN_DNS_MAX_RECORDS + 6;
    mb_hdr(&m, 1, (uint16_t)(total - 2), 0, 2);
    mb_question(&m);
    for (int i = 0; i < total; i++) {
        mb_rr_head(&m, AXN_DNS_TYPE_A, (uint32_t)i, 4);
        mb_u32(&m, AXN_IP4(10, 0, i >> 8, i & 0xff));
    }
    assert_int_equal(parse(&m, &d), 0);
    assert_int_equal(d.n_rr, AXN_DNS_MAX_RECORDS);
    assert_int_equal(d.rr_skipped, 6);
    assert_int_equal(d.rr[AXN_DNS_MAX_RECORDS - 1].a, AXN_IP4(10, 0, 0, AXN_DNS_MAX_RECORDS - 1));
    /* A record past the bound is still checked. */
    m.b[m.n - 5] = 5;
    assert_int_equal(parse(&m, &d), AXN_WIRE_ETRUNC);
}

/* RFC 2181 8: a TTL with the top bit set counts as zero. */
static void dns_parse_reads_ttl_with_top_bit_as_zero(void **state)
{
    (void)state;
    struct mb m;
    struct axn_dns_msg d;
    mb_hdr(&m, 1, 2, 0, 0);
    mb_question(&m);
    mb_rr_head(&m, AXN_DNS_TYPE_A, 0x80000000u, 4);
    mb_u32(&m, 1);
    mb_rr_head(&m, AXN_DNS_TYPE_A, 0x7fffffffu, 4);
    mb_u32(&m, 2);
    assert_int_equal(parse(&m, &d), 0);
    assert_int_equal(d.rr[0].ttl, 0);
    assert_int_equal(d.rr[1].ttl, 0x7fffffffu);
}

static void dns_parse_rejects_buffer_over_64k(void **state)
{
    (void)state;
    size_t n = 65536;
    uint8_t *buf = calloc(1, n);
    assert_non_null(buf);
    struct axn_dns_msg d;
    assert_int_equal(axn_dns_parse(buf, n, &d), AXN_WIRE_ELEN);
    /* Trailing bytes after the sections are ignored. */
    assert_int_equal(axn_dns_parse(buf, n - 1, &d), 0);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dns_parse_reads_dig_query),
        cmocka_unit_test(dns_parse_reads_dnsmasq_a_answer),
        cmocka_unit_test(dns_parse_reads_dnsmasq_aaaa_answer),
        cmocka_unit_test(dns_parse_reads_cname_chain),
        cmocka_unit_test(dns_parse_reads_edns_response_sections),
        cmocka_unit_test(dns_parse_reads_refused_and_query_with_cookie),
        cmocka_unit_test(dns_name_eq_matches_mixed_case_answer),
        cmocka_unit_test(dns_fixture_names_roundtrip_through_text),
        cmocka_unit_test(dns_query_emit_matches_captured_stub_query),
        cmocka_unit_test(dns_query_emit_rejects_bad_name_and_short_buffer),
        cmocka_unit_test(dns_response_emit_compresses_like_dnsmasq),
        cmocka_unit_test(dns_response_emit_writes_aaaa_raw_and_rcode),
        cmocka_unit_test(dns_name_encode_accepts_root_and_trailing_dot),
        cmocka_unit_test(dns_name_encode_rejects_empty_labels),
        cmocka_unit_test(dns_name_encode_rejects_label_over_63_and_name_over_255),
        cmocka_unit_test(dns_name_text_escapes_roundtrip),
        cmocka_unit_test(dns_name_eq_folds_ascii_letters_only),
        cmocka_unit_test(dns_parse_rejects_truncated_header),
        cmocka_unit_test(dns_parse_rejects_count_exceeding_data),
        cmocka_unit_test(dns_parse_rejects_self_pointer),
        cmocka_unit_test(dns_parse_rejects_two_pointer_cycle),
        cmocka_unit_test(dns_parse_bounds_pointer_hops),
        cmocka_unit_test(dns_parse_rejects_pointer_outside_message),
        cmocka_unit_test(dns_parse_rejects_reserved_label_types),
        cmocka_unit_test(dns_parse_rejects_label_over_63),
        cmocka_unit_test(dns_parse_rejects_name_over_255),
        cmocka_unit_test(dns_parse_rejects_bad_address_rdlength),
        cmocka_unit_test(dns_parse_rejects_cname_not_filling_rdata),
        cmocka_unit_test(dns_parse_keeps_first_max_records),
        cmocka_unit_test(dns_parse_reads_ttl_with_top_bit_as_zero),
        cmocka_unit_test(dns_parse_rejects_buffer_over_64k),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
