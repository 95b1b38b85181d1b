/* DHCPv4 parse -> emit -> re-parse round trip (src/wire/dhcp.c). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "wire/dhcp.h"
#include "support/fuzz_check.h"

#define OUT_MAX (UINT16_MAX + 1)

static bool err_is_known(int err)
{
    return err == AXN_WIRE_ETRUNC || err == AXN_WIRE_ELEN || err == AXN_WIRE_ETYPE ||
           err == AXN_WIRE_EFIELD || err == AXN_WIRE_ECOOKIE || err == AXN_WIRE_EOPTLEN ||
           err == AXN_WIRE_EOVERLOAD;
}

/* The concatenated values of `code` in both messages are equal. */
static void check_same_option(const struct axn_dhcp_msg *a, const struct axn_dhcp_msg *b,
                              uint8_t code)
{
    static uint8_t va[OUT_MAX], vb[OUT_MAX];
    int na = axn_dhcp_opt_gather(a, code, va, sizeof va);
    int nb = axn_dhcp_opt_gather(b, code, vb, sizeof vb);
    CHECK(na == nb);
    if (na > 0)
        CHECK(memcmp(va, vb, (size_t)na) == 0);
}

/* Decoded bytes fields agree with the gathered option. */
static void check_bytes(const struct axn_dhcp_msg *m, uint8_t code, uint32_t bit,
                        const struct axn_dhcp_bytes *v)
{
    static uint8_t g[OUT_MAX];
    int n = axn_dhcp_opt_gather(m, code, g, sizeof g);
    if (!(m->present & bit)) {
        CHECK(n == AXN_DHCP_OPT_ABSENT && v->len == 0);
        return;
    }
    CHECK(n == v->len);
    if (!v->split)
        CHECK(memcmp(g, v->ptr, v->len) == 0);
}

static void check_decoded(const struct axn_dhcp_msg *a, const struct axn_dhcp_msg *b)
{
    CHECK(a->present == b->present);
    CHECK(a->msg_type == b->msg_type && a->subnet_mask == b->subnet_mask);
    CHECK(a->router == b->router && a->broadcast == b->broadcast);
    CHECK(a->requested_ip == b->requested_ip && a->server_id == b->server_id);
    CHECK(a->lease_time == b->lease_time && a->t1 == b->t1 && a->t2 == b->t2);
    CHECK(a->mtu == b->mtu && a->max_msg_size == b->max_msg_size);
    CHECK(a->dns_count == b->dns_count);
    CHECK(memcmp(a->dns, b->dns, sizeof(a->dns[0]) * a->dns_count) == 0);
    /* Emit writes the first router only. */
    CHECK(b->router_count == ((b->present & AXN_DHCP_HAS_ROUTER) ? 1 : 0));
    CHECK(a->hostname.len == b->hostname.len && a->domain.len == b->domain.len);
    CHECK(a->param_list.len == b->param_list.len && a->client_id.len == b->client_id.len);
    check_same_option(a, b, AXN_DHCP_OPT_HOSTNAME);
    check_same_option(a, b, AXN_DHCP_OPT_DOMAIN);
    check_same_option(a, b, AXN_DHCP_OPT_PARAM_LIST);
    check_same_option(a, b, AXN_DHCP_OPT_CLIENT_ID);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t out[OUT_MAX], again[OUT_MAX];
    struct axn_dhcp_msg a, b;
    int err = axn_dhcp_parse(data, size, &a);
    if (err) {
        CHECK(err_is_known(err));
        return 0;
    }
    check_bytes(&a, AXN_DHCP_OPT_HOSTNAME, AXN_DHCP_HAS_HOSTNAME, &a.hostname);
    check_bytes(&a, AXN_DHCP_OPT_DOMAIN, AXN_DHCP_HAS_DOMAIN, &a.domain);
    check_bytes(&a, AXN_DHCP_OPT_PARAM_LIST, AXN_DHCP_HAS_PARAM_LIST, &a.param_list);
    check_bytes(&a, AXN_DHCP_OPT_CLIENT_ID, AXN_DHCP_HAS_CLIENT_ID, &a.client_id);
    int n = axn_dhcp_emit(&a, out, sizeof out);
    if (n < 0) {
        CHECK(n == AXN_WIRE_ENOSPC);
        return 0;
    }
    CHECK(n >= AXN_DHCP_MIN_LEN && (size_t)n <= sizeof out);
    CHECK(axn_dhcp_parse(out, (size_t)n, &b) == 0);
    CHECK(b.op == a.op && b.htype == a.htype && b.hlen == a.hlen && b.hops == a.hops);
    CHECK(b.xid == a.xid && b.secs == a.secs && b.flags == a.flags);
    CHECK(b.ciaddr == a.ciaddr && b.yiaddr == a.yiaddr && b.siaddr == a.siaddr);
    CHECK(b.giaddr == a.giaddr && memcmp(b.chaddr, a.chaddr, AXN_DHCP_CHADDR_LEN) == 0);
    CHECK(b.overload == 0 && b.n_areas == 1);
    check_decoded(&a, &b);
    /* Emitting the re-parsed message gives the same bytes. */
    CHECK(axn_dhcp_emit(&b, again, sizeof again) == n);
    CHECK(memcmp(out, again, (size_t)n) == 0);
    return 0;
}
