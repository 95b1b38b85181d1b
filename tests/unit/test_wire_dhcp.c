/*
 * DHCPv4 parse/emit (src/wire/dhcp.c; RFC 2131, RFC 2132, RFC 3396).
 * Real messages come from tests/fixtures/app (see its README.md).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wire/dhcp.h"

#define FIXTURE_MAX 2048
#define BUF_MAX     2048

static const uint8_t client_mac[6] = {0x02, 0x00, 0x00, 0x77, 0x00, 0x02};

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

/* A BOOTREPLY header + cookie followed by `opts`; returns the length. */
static size_t build(uint8_t *buf, const uint8_t *opts, size_t n)
{
    memset(buf, 0, AXN_DHCP_HDR_LEN);
    buf[0] = AXN_DHCP_OP_REPLY;
    buf[1] = AXN_DHCP_HTYPE_ETHER;
    buf[2] = 6;
    buf[4] = 0x12, buf[5] = 0x34, buf[6] = 0x56, buf[7] = 0x78;
    memcpy(buf + 28, client_mac, 6);
    buf[236] = 99, buf[237] = 130, buf[238] = 83, buf[239] = 99;
    memcpy(buf + AXN_DHCP_HDR_LEN, opts, n);
    return AXN_DHCP_HDR_LEN + n;
}

/* Parses a copy: the decoded struct must not be used afterwards. */
static int parse_opts(const uint8_t *opts, size_t n, struct axn_dhcp_msg *m)
{
    uint8_t buf[BUF_MAX];
    return axn_dhcp_parse(buf, build(buf, opts, n), m);
}

/* ---- Real packets --------------------------------------------------------- */

static void dhcp_parse_reads_dhclient_discover(void **state)
{
    (void)state;
    uint8_t p[FIXTURE_MAX];
    size_t n = load("dhcp_dhclient_discover.bin", p);
    struct axn_dhcp_msg m;
    assert_int_equal(axn_dhcp_parse(p, n, &m), 0);
    assert_int_equal(m.op, AXN_DHCP_OP_REQUEST);
    assert_int_equal(m.htype, AXN_DHCP_HTYPE_ETHER);
    assert_int_equal(m.hlen, 6);
    assert_int_equal(m.hops, 0);
    assert_int_equal(m.xid, 0x0b848b75);
    assert_int_equal(m.flags, 0);
    assert_int_equal(m.ciaddr, 0);
    assert_int_equal(m.yiaddr, 0);
    assert_memory_equal(m.chaddr, client_mac, 6);
    assert_int_equal(m.present, AXN_DHCP_HAS_MSG_TYPE | AXN_DHCP_HAS_HOSTNAME |
                                    AXN_DHCP_HAS_PARAM_LIST | AXN_DHCP_HAS_CLIENT_ID);
    assert_int_equal(m.msg_type, AXN_DHCP_DISCOVER);
    assert_int_equal(m.hostname.len, 10);
    assert_false(m.hostname.split);
    assert_memory_equal(m.hostname.ptr, "axn-client", 10);
    static const uint8_t prl[] = {1, 28, 2, 3, 15, 6, 12, 26};
    assert_int_equal(m.param_list.len, sizeof prl);
    assert_memory_equal(m.param_list.ptr, prl, sizeof prl);
    static const uint8_t cid[] = {1, 0x02, 0x00, 0x00, 0x77, 0x00, 0x02};
    assert_int_equal(m.client_id.len, sizeof cid);
    assert_memory_equal(m.client_id.ptr, cid, sizeof cid);
    assert_int_equal(m.overload, 0);
    assert_int_equal(m.n_areas, 1);
    assert_ptr_equal(m.sname, p + 44);
    assert_ptr_equal(m.file, p + 108);
}

static void dhcp_parse_reads_dnsmasq_ack(void **state)
{
    (void)state;
    uint8_t p[FIXTURE_MAX];
    size_t n = load("dhcp_dnsmasq_ack.bin", p);
    struct axn_dhcp_msg m;
    assert_int_equal(axn_dhcp_parse(p, n, &m), 0);
    assert_int_equal(m.op, AXN_DHCP_OP_REPLY);
    assert_int_equal(m.xid, 0x0b848b75);
    assert_int_equal(m.yiaddr, AXN_IP4(10, 77, 0, 146));
    assert_int_equal(m.siaddr, AXN_IP4(10, 77, 0, 1));
    assert_int_equal(m.msg_type, AXN_DHCP_ACK);
    assert_int_equal(m.server_id, AXN_IP4(10, 77, 0, 1));
    assert_int_equal(m.lease_time, 3600);
    assert_int_equal(m.t1, 1800);
    assert_int_equal(m.t2, 3150);
    assert_int_equal(m.subnet_mask, AXN_IP4(255, 255, 255, 0));
    assert_int_equal(m.broadcast, AXN_IP4(10, 77, 0, 255));
    assert_int_equal(m.domain.len, 8);
    assert_memory_equal(m.domain.ptr, "axn.test", 8);
    assert_int_equal(m.hostname.len, 10);
    assert_memory_equal(m.hostname.ptr, "axn-client", 10);
    assert_int_equal(m.mtu, 1400);
    assert_int_equal(m.dns_count, 2);
    assert_int_equal(m.dns[0], AXN_IP4(10, 77, 0, 1));
    assert_int_equal(m.dns[1], AXN_IP4(10, 77, 0, 2));
    assert_int_equal(m.router, AXN_IP4(10, 77, 0, 1));
    assert_int_equal(m.router_count, 1);
    assert_int_equal(m.present, AXN_DHCP_HAS_MSG_TYPE | AXN_DHCP_HAS_SERVER_ID |
                                    AXN_DHCP_HAS_LEASE_TIME | AXN_DHCP_HAS_T1 | AXN_DHCP_HAS_T2 |
                                    AXN_DHCP_HAS_SUBNET_MASK | AXN_DHCP_HAS_BROADCAST |
                                    AXN_DHCP_HAS_DOMAIN | AXN_DHCP_HAS_HOSTNAME | AXN_DHCP_HAS_MTU |
                                    AXN_DHCP_HAS_DNS | AXN_DHCP_HAS_ROUTER);
}

static void dhcp_parse_reads_udhcpc_discover(void **state)
{
    (void)state;
    uint8_t p[FIXTURE_MAX];
    size_t n = load("dhcp_udhcpc_discover.bin", p);
    struct axn_dhcp_msg m;
    assert_int_equal(axn_dhcp_parse(p, n, &m), 0);
    assert_int_equal(m.msg_type, AXN_DHCP_DISCOVER);
    assert_int_equal(m.xid, 0x0cc52c1d);
    assert_true(m.present & AXN_DHCP_HAS_REQUESTED_IP);
    assert_int_equal(m.requested_ip, AXN_IP4(10, 99, 0, 5));
    assert_true(m.present & AXN_DHCP_HAS_MAX_MSG_SIZE);
    assert_int_equal(m.max_msg_size, 576);
    static const uint8_t prl[] = {1, 3, 6, 12, 15, 28, 42};
    assert_int_equal(m.param_list.len, sizeof prl);
    assert_memory_equal(m.param_list.ptr, prl, sizeof prl);
    assert_int_equal(m.hostname.len, 6);
    assert_memory_equal(m.hostname.ptr, "axn-bb", 6);
    /* A code the struct does not decode, read generically. */
    uint8_t vc[32];
    assert_int_equal(axn_dhcp_opt_gather(&m, AXN_DHCP_OPT_VENDOR_CLASS, vc, sizeof vc), 10);
    assert_memory_equal(vc, "axn-vendor", 10);
    assert_int_equal(axn_dhcp_opt_gather(&m, AXN_DHCP_OPT_NTP, vc, sizeof vc), AXN_DHCP_OPT_ABSENT);
}

static void dhcp_parse_reads_dnsmasq_nak(void **state)
{
    (void)state;
    uint8_t p[FIXTURE_MAX];
    size_t n = load("dhcp_dnsmasq_nak.bin", p);
    struct axn_dhcp_msg m;
    assert_int_equal(axn_dhcp_parse(p, n, &m), 0);
    assert_int_equal(m.msg_type, AXN_DHCP_NAK);
    assert_int_equal(m.xid, 0x665b4c40);
    assert_int_equal(m.flags, AXN_DHCP_FLAG_BROADCAST);
    assert_int_equal(m.server_id, AXN_IP4(10, 77, 0, 1));
    uint8_t msg[32];
    assert_int_equal(axn_dhcp_opt_gather(&m, AXN_DHCP_OPT_MESSAGE, msg, sizeof msg), 13);
    assert_memory_equal(msg, "wrong network", 13);
}

static void dhcp_parse_reads_dhclient_release(void **state)
{
    (void)state;
    uint8_t p[FIXTURE_MAX];
    size_t n = load("dhcp_dhclient_release.bin", p);
    struct axn_dhcp_msg m;
    assert_int_equal(axn_dhcp_parse(p, n, &m), 0);
    assert_int_equal(m.msg_type, AXN_DHCP_RELEASE);
    assert_int_equal(m.ciaddr, AXN_IP4(10, 77, 0, 146));
    assert_int_equal(m.server_id, AXN_IP4(10, 77, 0, 1));
}

static void dhcp_opt_iter_walks_ack_options_in_order(void **state)
{
    (void)state;
    uint8_t p[FIXTURE_MAX];
    size_t n = load("dhcp_dnsmasq_ack.bin", p);
    struct axn_dhcp_msg m;
    assert_int_equal(axn_dhcp_parse(p, n, &m), 0);
    static const uint8_t codes[] = {53, 54, 51, 58, 59, 1, 28, 15, 12, 26, 6, 3};
    static const uint8_t lens[] = {1, 4, 4, 4, 4, 4, 4, 8, 10, 2, 8, 4};
    struct axn_dhcp_opt_iter it;
    struct axn_dhcp_opt o;
    size_t i = 0;
    axn_dhcp_opt_iter_init(&it, &m);
    while (axn_dhcp_opt_next(&it, &o)) {
        assert_true(i < sizeof codes);
        assert_int_equal(o.code, codes[i]);
        assert_int_equal(o.len, lens[i]);
        i++;
    }
    assert_int_equal(i, sizeof codes);
    assert_false(axn_dhcp_opt_next(&it, &o));
}

/* Every captured message survives parse -> emit -> parse with equal fields. */
static void dhcp_fixtures_roundtrip_through_emit(void **state)
{
    (void)state;
    static const char *const names[] = {
        "dhcp_dhclient_discover.bin", "dhcp_dnsmasq_offer.bin",
        "dhcp_dhclient_request.bin",  "dhcp_dnsmasq_ack.bin",
        "dhcp_udhcpc_discover.bin",   "dhcp_dnsmasq_offer_udhcpc.bin",
        "dhcp_udhcpc_request.bin",    "dhcp_dnsmasq_ack_udhcpc.bin",
        "dhcp_dhclient_release.bin",  "dhcp_dhclient_request_initreboot.bin",
        "dhcp_dnsmasq_nak.bin",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        uint8_t p[FIXTURE_MAX], out[BUF_MAX];
        size_t n = load(names[i], p);
        struct axn_dhcp_msg a, b;
        assert_int_equal(axn_dhcp_parse(p, n, &a), 0);
        int len = axn_dhcp_emit(&a, out, sizeof out);
        assert_true(len >= AXN_DHCP_MIN_LEN);
        assert_int_equal(axn_dhcp_parse(out, (size_t)len, &b), 0);
        /* The BOOTP header comes back byte for byte. */
        assert_memory_equal(out, p, AXN_DHCP_HDR_LEN);
        assert_int_equal(b.present, a.present);
        assert_int_equal(b.msg_type, a.msg_type);
        assert_int_equal(b.server_id, a.server_id);
        assert_int_equal(b.lease_time, a.lease_time);
        assert_int_equal(b.dns_count, a.dns_count);
        assert_memory_equal(b.dns, a.dns, sizeof(a.dns[0]) * a.dns_count);
        assert_int_equal(b.hostname.len, a.hostname.len);
        if (a.hostname.len)
            assert_memory_equal(b.hostname.ptr, a.hostname.ptr, a.hostname.len);
        assert_int_equal(b.param_list.len, a.param_list.len);
        if (a.param_list.len)
            assert_memory_equal(b.param_list.ptr, a.param_list.ptr, a.param_list.len);
        assert_int_equal(b.client_id.len, a.client_id.len);
    }
}

/* ---- Emit --------------------------------------------------------------- */

/* The DISCOVER the axnet client sends (spec DHCP-3), byte for byte. */
static void dhcp_emit_writes_client_discover_bytes(void **state)
{
    (void)state;
    static const uint8_t prl[] = {1, 3, 6, 42};
    uint8_t cid[7] = {AXN_DHCP_HTYPE_ETHER};
    memcpy(cid + 1, client_mac, 6);
    struct axn_dhcp_msg m = {
        .op = AXN_DHCP_OP_REQUEST,
        .htype = AXN_DHCP_HTYPE_ETHER,
        .hlen = 6,
        .xid = 0xdeadbeef,
        .present = AXN_DHCP_HAS_MSG_TYPE | AXN_DHCP_HAS_CLIENT_ID | AXN_DHCP_HAS_PARAM_LIST |
                   AXN_DHCP_HAS_MAX_MSG_SIZE,
        .msg_type = AXN_DHCP_DISCOVER,
        .client_id = {cid, sizeof cid, false},
        .param_list = {prl, sizeof prl, false},
        .max_msg_size = 1432,
    };
    memcpy(m.chaddr, client_mac, 6);
    uint8_t out[BUF_MAX];
    memset(out, 0xAA, sizeof out);
    assert_int_equal(axn_dhcp_emit(&m, out, sizeof out), AXN_DHCP_MIN_LEN);

    uint8_t want[AXN_DHCP_MIN_LEN] = {1, 1, 6, 0, 0xde, 0xad, 0xbe, 0xef};
    memcpy(want + 28, client_mac, 6);
    static const uint8_t opts[] = {99,   130, 83, 99, 53, 1, 1, 61, 7,  1, 0x02, 0x00, 0x00, 0x77,
                                   0x00, 2,   55, 4,  1,  3, 6, 42, 57, 2, 0x05, 0x98, 255};
    memcpy(want + 236, opts, sizeof opts);
    assert_memory_equal(out, want, sizeof want);
}

static void dhcp_emit_writes_server_reply_fields(void **state)
{
    (void)state;
    static const uint8_t dom[] = "axn.test";
    struct axn_dhcp_msg m = {
        .op = AXN_DHCP_OP_REPLY,
        .htype = AXN_DHCP_HTYPE_ETHER,
        .hlen = 6,
        .xid = 7,
        .flags = AXN_DHCP_FLAG_BROADCAST,
        .yiaddr = AXN_IP4(10, 0, 0, 2),
        .siaddr = AXN_IP4(10, 0, 0, 1),
        .present = AXN_DHCP_HAS_MSG_TYPE | AXN_DHCP_HAS_SERVER_ID | AXN_DHCP_HAS_LEASE_TIME |
                   AXN_DHCP_HAS_SUBNET_MASK | AXN_DHCP_HAS_ROUTER | AXN_DHCP_HAS_DNS |
                   AXN_DHCP_HAS_DOMAIN | AXN_DHCP_HAS_MTU | AXN_DHCP_HAS_T1 | AXN_DHCP_HAS_T2 |
                   AXN_DHCP_HAS_BROADCAST | AXN_DHCP_HAS_REQUESTED_IP,
        .msg_type = AXN_DHCP_OFFER,
        .server_id = AXN_IP4(10, 0, 0, 1),
        .lease_time = 86400,
        .t1 = 43200,
        .t2 = 75600,
        .subnet_mask = AXN_IP4(255, 255, 255, 0),
        .router = AXN_IP4(10, 0, 0, 1),
        .dns = {AXN_IP4(10, 0, 0, 1), AXN_IP4(9, 9, 9, 9)},
        .dns_count = 2,
        .domain = {dom, 8, false},
        .mtu = 1400,
        .broadcast = AXN_IP4(10, 0, 0, 255),
        .requested_ip = AXN_IP4(10, 0, 0, 2),
    };
    uint8_t out[BUF_MAX];
    int len = axn_dhcp_emit(&m, out, sizeof out);
    /* 240 + type 3 + eight 4-byte options 48 + DNS 10 + domain 10 + MTU 4 + end 1 */
    assert_int_equal(len, 316);
    struct axn_dhcp_msg b;
    assert_int_equal(axn_dhcp_parse(out, (size_t)len, &b), 0);
    assert_int_equal(b.present, m.present);
    assert_int_equal(b.flags, AXN_DHCP_FLAG_BROADCAST);
    assert_int_equal(b.yiaddr, m.yiaddr);
    assert_int_equal(b.siaddr, m.siaddr);
    assert_int_equal(b.msg_type, AXN_DHCP_OFFER);
    assert_int_equal(b.server_id, m.server_id);
    assert_int_equal(b.lease_time, 86400);
    assert_int_equal(b.t1, 43200);
    assert_int_equal(b.t2, 75600);
    assert_int_equal(b.subnet_mask, m.subnet_mask);
    assert_int_equal(b.router, m.router);
    assert_int_equal(b.router_count, 1);
    assert_int_equal(b.dns_count, 2);
    assert_int_equal(b.dns[1], AXN_IP4(9, 9, 9, 9));
    assert_memory_equal(b.domain.ptr, "axn.test", 8);
    assert_int_equal(b.mtu, 1400);
    assert_int_equal(b.broadcast, m.broadcast);
    assert_int_equal(b.requested_ip, m.requested_ip);
    assert_int_equal(out[len - 1], AXN_DHCP_OPT_END);
}

static void dhcp_emit_appends_extra_raw_options_before_end(void **state)
{
    (void)state;
    static const uint8_t extra[] = {42, 4, 10, 0, 0, 9, 252, 3, 'w', 'p', 'a'};
    struct axn_dhcp_msg m = {
        .op = AXN_DHCP_OP_REPLY,
        .present = AXN_DHCP_HAS_MSG_TYPE,
        .msg_type = AXN_DHCP_ACK,
        .extra = extra,
        .extra_len = sizeof extra,
    };
    uint8_t out[BUF_MAX];
    int len = axn_dhcp_emit(&m, out, sizeof out);
    assert_int_equal(len, AXN_DHCP_MIN_LEN);
    assert_memory_equal(out + AXN_DHCP_HDR_LEN + 3, extra, sizeof extra);
    assert_int_equal(out[AXN_DHCP_HDR_LEN + 3 + sizeof extra], AXN_DHCP_OPT_END);
    struct axn_dhcp_msg b;
    assert_int_equal(axn_dhcp_parse(out, (size_t)len, &b), 0);
    uint8_t v[8];
    assert_int_equal(axn_dhcp_opt_gather(&b, 252, v, sizeof v), 3);
    assert_memory_equal(v, "wpa", 3);
}

/* RFC 3396: values over 255 bytes go out as several options of one code. */
static void dhcp_emit_splits_long_option_and_parse_concatenates(void **state)
{
    (void)state;
    uint8_t name[300];
    for (size_t i = 0; i < sizeof name; i++)
        name[i] = (uint8_t)('a' + i % 26);
    struct axn_dhcp_msg m = {
        .op = AXN_DHCP_OP_REQUEST,
        .present = AXN_DHCP_HAS_HOSTNAME,
        .hostname = {name, sizeof name, false},
    };
    uint8_t out[BUF_MAX];
    int len = axn_dhcp_emit(&m, out, sizeof out);
    assert_int_equal(len, AXN_DHCP_HDR_LEN + 2 + 255 + 2 + 45 + 1);
    assert_int_equal(out[240], AXN_DHCP_OPT_HOSTNAME);
    assert_int_equal(out[241], 255);
    assert_int_equal(out[242 + 255], AXN_DHCP_OPT_HOSTNAME);
    assert_int_equal(out[243 + 255], 45);
    struct axn_dhcp_msg b;
    assert_int_equal(axn_dhcp_parse(out, (size_t)len, &b), 0);
    assert_int_equal(b.hostname.len, 300);
    assert_true(b.hostname.split);
    uint8_t got[400];
    assert_int_equal(axn_dhcp_opt_gather(&b, AXN_DHCP_OPT_HOSTNAME, got, sizeof got), 300);
    assert_memory_equal(got, name, 300);
    /* A split value parsed is emitted again from its pieces. */
    uint8_t again[BUF_MAX];
    assert_int_equal(axn_dhcp_emit(&b, again, sizeof again), len);
    assert_memory_equal(again, out, (size_t)len);
}

static void dhcp_emit_returns_enospc_when_buffer_short(void **state)
{
    (void)state;
    struct axn_dhcp_msg m = {
        .op = AXN_DHCP_OP_REQUEST, .present = AXN_DHCP_HAS_MSG_TYPE, .msg_type = AXN_DHCP_DISCOVER};
    uint8_t out[BUF_MAX];
    assert_int_equal(axn_dhcp_emit(&m, out, AXN_DHCP_MIN_LEN - 1), AXN_WIRE_ENOSPC);
    assert_int_equal(axn_dhcp_emit(&m, out, AXN_DHCP_MIN_LEN), AXN_DHCP_MIN_LEN);
    uint8_t big[200] = {0};
    m.extra = big;
    m.extra_len = sizeof big;
    /* 240 + 3 + 200 + 1 = 444 bytes needed. */
    assert_int_equal(axn_dhcp_emit(&m, out, 443), AXN_WIRE_ENOSPC);
    assert_int_equal(axn_dhcp_emit(&m, out, 444), 444);
}

/* ---- Overload and concatenation ---------------------------------------- */

/* Options in `options`, then `file`, then `sname` (RFC 2131 4.1). */
static void dhcp_parse_reads_overloaded_file_and_sname(void **state)
{
    (void)state;
    static const uint8_t opts[] = {53, 1, 5, 52, 1, 3, 255};
    uint8_t buf[BUF_MAX];
    size_t n = build(buf, opts, sizeof opts);
    static const uint8_t file[] = {51, 4, 0, 0, 0x0e, 0x10, 0, 0, 255};
    static const uint8_t sname[] = {1, 4, 255, 255, 0, 0, 54, 4, 10, 0, 0, 1};
    memcpy(buf + 108, file, sizeof file);
    /* Pad first, the last option ends with the field: no end option needed. */
    memcpy(buf + 44 + AXN_DHCP_SNAME_LEN - sizeof sname, sname, sizeof sname);
    struct axn_dhcp_msg m;
    assert_int_equal(axn_dhcp_parse(buf, n, &m), 0);
    assert_int_equal(m.overload, AXN_DHCP_OVERLOAD_BOTH);
    assert_int_equal(m.n_areas, 3);
    assert_null(m.file);
    assert_null(m.sname);
    assert_int_equal(m.msg_type, AXN_DHCP_ACK);
    assert_int_equal(m.lease_time, 3600);
    assert_int_equal(m.subnet_mask, AXN_IP4(255, 255, 0, 0));
    assert_int_equal(m.server_id, AXN_IP4(10, 0, 0, 1));
    static const uint8_t order[] = {53, 52, 51, 1, 54};
    struct axn_dhcp_opt_iter it;
    struct axn_dhcp_opt o;
    size_t i = 0;
    axn_dhcp_opt_iter_init(&it, &m);
    while (axn_dhcp_opt_next(&it, &o))
        assert_int_equal(o.code, order[i++]);
    assert_int_equal(i, sizeof order);
}

static void dhcp_parse_overload_file_only_keeps_sname(void **state)
{
    (void)state;
    static const uint8_t opts[] = {52, 1, 1, 255};
    uint8_t buf[BUF_MAX];
    size_t n = build(buf, opts, sizeof opts);
    memcpy(buf + 44, "tftp.example", 12);
    buf[108] = 26, buf[109] = 2, buf[110] = 0x05, buf[111] = 0xdc, buf[112] = 255;
    struct axn_dhcp_msg m;
    assert_int_equal(axn_dhcp_parse(buf, n, &m), 0);
    assert_int_equal(m.overload, AXN_DHCP_OVERLOAD_FILE);
    assert_int_equal(m.n_areas, 2);
    assert_null(m.file);
    assert_ptr_equal(m.sname, buf + 44);
    assert_int_equal(m.mtu, 1500);
}

/* RFC 3396: pieces of one code concatenate, even across areas. */
static void dhcp_parse_concatenates_split_fixed_and_list_options(void **state)
{
    (void)state;
    static const uint8_t opts[] = {52, 1,  1, 51, 2, 0,  0, 6,   4,   1,   1,  1,
                                   1,  12, 0, 6,  0, 12, 3, 'a', 'b', 'c', 255};
    uint8_t buf[BUF_MAX];
    size_t n = build(buf, opts, sizeof opts);
    static const uint8_t file[] = {51, 2, 0x0e, 0x10, 6, 8, 2, 2, 2, 2, 3, 3, 3, 3};
    memcpy(buf + 108, file, sizeof file);
    struct axn_dhcp_msg m;
    assert_int_equal(axn_dhcp_parse(buf, n, &m), 0);
    assert_int_equal(m.lease_time, 3600);
    assert_int_equal(m.dns_count, 3);
    assert_int_equal(m.dns[0], AXN_IP4(1, 1, 1, 1));
    assert_int_equal(m.dns[1], AXN_IP4(2, 2, 2, 2));
    assert_int_equal(m.dns[2], AXN_IP4(3, 3, 3, 3));
    /* An empty piece then "abc": one host name, split. */
    assert_int_equal(m.hostname.len, 3);
    assert_true(m.hostname.split);
}

static void dhcp_parse_keeps_first_max_dns_servers(void **state)
{
    (void)state;
    uint8_t opts[2 + 4 * (AXN_DHCP_MAX_DNS + 2) + 1];
    opts[0] = AXN_DHCP_OPT_DNS;
    opts[1] = 4 * (AXN_DHCP_MAX_DNS + 2);
    for (int i = 0; i < AXN_DHCP_MAX_DNS + 2; i++) {
        opts[2 + 4 * i] = 10, opts[3 + 4 * i] = 0, opts[4 + 4 * i] = 0;
        opts[5 + 4 * i] = (uint8_t)(i + 1);
    }
    opts[sizeof opts - 1] = 255;
    struct axn_dhcp_msg m;
    assert_int_equal(parse_opts(opts, sizeof opts, &m), 0);
    assert_int_equal(m.dns_count, AXN_DHCP_MAX_DNS);
    for (int i = 0; i < AXN_DHCP_MAX_DNS; i++)
        assert_int_equal(m.dns[i], AXN_IP4(10, 0, 0, i + 1));
}

static void dhcp_parse_counts_every_router_keeps_first(void **state)
{
    (void)state;
    static const uint8_t opts[] = {3, 12, 10, 0, 0, 1, 10, 0, 0, 2, 10, 0, 0, 3, 255};
    struct axn_dhcp_msg m;
    assert_int_equal(parse_opts(opts, sizeof opts, &m), 0);
    assert_int_equal(m.router, AXN_IP4(10, 0, 0, 1));
    assert_int_equal(m.router_count, 3);
}

static void dhcp_parse_tolerates_missing_end_option(void **state)
{
    (void)state;
    static const uint8_t opts[] = {53, 1, 2, 54, 4, 10, 0, 0, 1};
    struct axn_dhcp_msg m;
    assert_int_equal(parse_opts(opts, sizeof opts, &m), 0);
    assert_int_equal(m.msg_type, AXN_DHCP_OFFER);
    assert_int_equal(m.server_id, AXN_IP4(10, 0, 0, 1));
}

static void dhcp_parse_ignores_bytes_after_end_option(void **state)
{
    (void)state;
    static const uint8_t opts[] = {53, 1, 2, 255, 51, 9, 1};
    struct axn_dhcp_msg m;
    assert_int_equal(parse_opts(opts, sizeof opts, &m), 0);
    assert_int_equal(m.present, AXN_DHCP_HAS_MSG_TYPE);
}

/* ---- Rejections ----------------------------------------------------------- */

static void dhcp_parse_rejects_truncated_header(void **state)
{
    (void)state;
    uint8_t p[FIXTURE_MAX];
    size_t n = load("dhcp_dhclient_discover.bin", p);
    (void)n;
    struct axn_dhcp_msg m;
    assert_int_equal(axn_dhcp_parse(p, 0, &m), AXN_WIRE_ETRUNC);
    assert_int_equal(axn_dhcp_parse(p, AXN_DHCP_FIXED_LEN, &m), AXN_WIRE_ETRUNC);
    assert_int_equal(axn_dhcp_parse(p, AXN_DHCP_HDR_LEN - 1, &m), AXN_WIRE_ETRUNC);
    /* Header and cookie alone, no options: fine. */
    assert_int_equal(axn_dhcp_parse(p, AXN_DHCP_HDR_LEN, &m), 0);
    assert_int_equal(m.present, 0);
}

static void dhcp_parse_rejects_bad_cookie(void **state)
{
    (void)state;
    uint8_t p[FIXTURE_MAX];
    size_t n = load("dhcp_dnsmasq_ack.bin", p);
    struct axn_dhcp_msg m;
    p[239] = 0x64;
    assert_int_equal(axn_dhcp_parse(p, n, &m), AXN_WIRE_ECOOKIE);
    p[239] = 0x63, p[236] = 0;
    assert_int_equal(axn_dhcp_parse(p, n, &m), AXN_WIRE_ECOOKIE);
}

static void dhcp_parse_rejects_bad_op_and_hlen(void **state)
{
    (void)state;
    uint8_t p[FIXTURE_MAX];
    size_t n = load("dhcp_dnsmasq_ack.bin", p);
    struct axn_dhcp_msg m;
    p[0] = 3;
    assert_int_equal(axn_dhcp_parse(p, n, &m), AXN_WIRE_ETYPE);
    p[0] = 0;
    assert_int_equal(axn_dhcp_parse(p, n, &m), AXN_WIRE_ETYPE);
    p[0] = AXN_DHCP_OP_REPLY, p[2] = AXN_DHCP_CHADDR_LEN + 1;
    assert_int_equal(axn_dhcp_parse(p, n, &m), AXN_WIRE_EFIELD);
    p[2] = AXN_DHCP_CHADDR_LEN;
    assert_int_equal(axn_dhcp_parse(p, n, &m), 0);
}

static void dhcp_parse_rejects_option_past_end(void **state)
{
    (void)state;
    struct axn_dhcp_msg m;
    static const uint8_t past[] = {53, 1, 1, 12, 5, 'a', 'b'};
    assert_int_equal(parse_opts(past, sizeof past, &m), AXN_WIRE_EOPTLEN);
    static const uint8_t no_len[] = {53, 1, 1, 12};
    assert_int_equal(parse_opts(no_len, sizeof no_len, &m), AXN_WIRE_EOPTLEN);
    static const uint8_t one_short[] = {54, 4, 10, 0, 0};
    assert_int_equal(parse_opts(one_short, sizeof one_short, &m), AXN_WIRE_EOPTLEN);
}

static void dhcp_parse_rejects_wrong_fixed_lengths(void **state)
{
    (void)state;
    static const struct {
        uint8_t code, len;
    } bad[] = {
        {AXN_DHCP_OPT_SUBNET_MASK, 3}, {AXN_DHCP_OPT_SUBNET_MASK, 5},
        {AXN_DHCP_OPT_LEASE_TIME, 5},  {AXN_DHCP_OPT_LEASE_TIME, 2},
        {AXN_DHCP_OPT_MSG_TYPE, 2},    {AXN_DHCP_OPT_MSG_TYPE, 0},
        {AXN_DHCP_OPT_SERVER_ID, 2},   {AXN_DHCP_OPT_ROUTER, 6},
        {AXN_DHCP_OPT_ROUTER, 0},      {AXN_DHCP_OPT_DNS, 0},
        {AXN_DHCP_OPT_DNS, 7},         {AXN_DHCP_OPT_MTU, 1},
        {AXN_DHCP_OPT_MTU, 4},         {AXN_DHCP_OPT_CLIENT_ID, 1},
        {AXN_DHCP_OPT_HOSTNAME, 0},    {AXN_DHCP_OPT_DOMAIN, 0},
        {AXN_DHCP_OPT_PARAM_LIST, 0},  {AXN_DHCP_OPT_T1, 3},
        {AXN_DHCP_OPT_T2, 8},          {AXN_DHCP_OPT_REQUESTED_IP, 8},
        {AXN_DHCP_OPT_BROADCAST, 1},   {AXN_DHCP_OPT_MAX_MSG_SIZE, 4},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t opts[32];
        opts[0] = bad[i].code;
        opts[1] = bad[i].len;
        /* 0xff value bytes: valid for every minimum-value rule. */
        memset(opts + 2, 0xff, bad[i].len);
        opts[2 + bad[i].len] = 255;
        struct axn_dhcp_msg m;
        if (parse_opts(opts, 3u + bad[i].len, &m) != AXN_WIRE_EOPTLEN)
            fail_msg("option %u length %u accepted", bad[i].code, bad[i].len);
    }
}

static void dhcp_parse_rejects_values_below_rfc_minimum(void **state)
{
    (void)state;
    struct axn_dhcp_msg m;
    static const uint8_t mtu67[] = {26, 2, 0, 67, 255};
    assert_int_equal(parse_opts(mtu67, sizeof mtu67, &m), AXN_WIRE_EFIELD);
    static const uint8_t mtu68[] = {26, 2, 0, 68, 255};
    assert_int_equal(parse_opts(mtu68, sizeof mtu68, &m), 0);
    assert_int_equal(m.mtu, 68);
    static const uint8_t size575[] = {57, 2, 0x02, 0x3f, 255};
    assert_int_equal(parse_opts(size575, sizeof size575, &m), AXN_WIRE_EFIELD);
    static const uint8_t type0[] = {53, 1, 0, 255};
    assert_int_equal(parse_opts(type0, sizeof type0, &m), AXN_WIRE_EFIELD);
}

static void dhcp_parse_rejects_malformed_overload(void **state)
{
    (void)state;
    struct axn_dhcp_msg m;
    static const uint8_t zero[] = {52, 1, 0, 255};
    assert_int_equal(parse_opts(zero, sizeof zero, &m), AXN_WIRE_EOVERLOAD);
    static const uint8_t four[] = {52, 1, 4, 255};
    assert_int_equal(parse_opts(four, sizeof four, &m), AXN_WIRE_EOVERLOAD);
    static const uint8_t long2[] = {52, 2, 1, 1, 255};
    assert_int_equal(parse_opts(long2, sizeof long2, &m), AXN_WIRE_EOVERLOAD);
    static const uint8_t twice[] = {52, 1, 1, 52, 1, 1, 255};
    assert_int_equal(parse_opts(twice, sizeof twice, &m), AXN_WIRE_EOVERLOAD);
    static const uint8_t empty[] = {52, 0, 255};
    assert_int_equal(parse_opts(empty, sizeof empty, &m), AXN_WIRE_EOVERLOAD);

    /* Option 52 inside an overloaded field (RFC 2131 4.1: options field only). */
    static const uint8_t file_ov[] = {52, 1, 1, 255};
    uint8_t buf[BUF_MAX];
    size_t n = build(buf, file_ov, sizeof file_ov);
    buf[108] = 52, buf[109] = 1, buf[110] = 2, buf[111] = 255;
    assert_int_equal(axn_dhcp_parse(buf, n, &m), AXN_WIRE_EOVERLOAD);

    /* An overloaded field whose option runs past the field. */
    n = build(buf, file_ov, sizeof file_ov);
    buf[108 + 125] = 12, buf[108 + 126] = 5;
    assert_int_equal(axn_dhcp_parse(buf, n, &m), AXN_WIRE_EOPTLEN);
    /* The same bytes in a field that is not overloaded are just a name. */
    static const uint8_t sname_ov[] = {52, 1, 2, 255};
    n = build(buf, sname_ov, sizeof sname_ov);
    buf[108 + 125] = 12, buf[108 + 126] = 5;
    assert_int_equal(axn_dhcp_parse(buf, n, &m), 0);
}

static void dhcp_parse_rejects_buffer_over_64k(void **state)
{
    (void)state;
    size_t n = 65536;
    uint8_t *buf = calloc(1, n);
    assert_non_null(buf);
    build(buf, (const uint8_t *)"", 0);
    struct axn_dhcp_msg m;
    assert_int_equal(axn_dhcp_parse(buf, n, &m), AXN_WIRE_ELEN);
    assert_int_equal(axn_dhcp_parse(buf, n - 1, &m), 0);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dhcp_parse_reads_dhclient_discover),
        cmocka_unit_test(dhcp_parse_reads_dnsmasq_ack),
        cmocka_unit_test(dhcp_parse_reads_udhcpc_discover),
        cmocka_unit_test(dhcp_parse_reads_dnsmasq_nak),
        cmocka_unit_test(dhcp_parse_reads_dhclient_release),
        cmocka_unit_test(dhcp_opt_iter_walks_ack_options_in_order),
        cmocka_unit_test(dhcp_fixtures_roundtrip_through_emit),
        cmocka_unit_test(dhcp_emit_writes_client_discover_bytes),
        cmocka_unit_test(dhcp_emit_writes_server_reply_fields),
        cmocka_unit_test(dhcp_emit_appends_extra_raw_options_before_end),
        cmocka_unit_test(dhcp_emit_splits_long_option_and_parse_concatenates),
        cmocka_unit_test(dhcp_emit_returns_enospc_when_buffer_short),
        cmocka_unit_test(dhcp_parse_reads_overloaded_file_and_sname),
        cmocka_unit_test(dhcp_parse_overload_file_only_keeps_sname),
        cmocka_unit_test(dhcp_parse_concatenates_split_fixed_and_list_options),
        cmocka_unit_test(dhcp_parse_keeps_first_max_dns_servers),
        cmocka_unit_test(dhcp_parse_counts_every_router_keeps_first),
        cmocka_unit_test(dhcp_parse_tolerates_missing_end_option),
        cmocka_unit_test(dhcp_parse_ignores_bytes_after_end_option),
        cmocka_unit_test(dhcp_parse_rejects_truncated_header),
        cmocka_unit_test(dhcp_parse_rejects_bad_cookie),
        cmocka_unit_test(dhcp_parse_rejects_bad_op_and_hlen),
        cmocka_unit_test(dhcp_parse_rejects_option_past_end),
        cmocka_unit_test(dhcp_parse_rejects_wrong_fixed_lengths),
        cmocka_unit_test(dhcp_parse_rejects_values_below_rfc_minimum),
        cmocka_unit_test(dhcp_parse_rejects_malformed_overload),
        cmocka_unit_test(dhcp_parse_rejects_buffer_over_64k),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
