#include "ip4_fx.h"

#include <setjmp.h>
#include <stdarg.h>
#include <string.h>

#include <cmocka.h>

#include "ip4_pkt.h"
#include "ip4_rig_names.h"
#include "test_platform.h"

static struct ip4_fx *g_fx; /* the current fixture */

int ip4_fx_setup(void **state)
{
    struct ip4_fx *fx = *state;
    memset(fx, 0, sizeof(*fx));
    fx->now = NOW;
    g_fx = fx;
    const struct sim_ip4_rig_iface eth0 = {ETH0, ETH0_ADDR, PREFIX, GW0};
    const struct sim_ip4_rig_iface eth1 = {ETH1, ETH1_ADDR, PREFIX, 0};
    sim_ip4_rig_create(&fx->rig, &eth0, &eth1);
    assert_int_equal(axn_ip4_set_proto_handler(fx->rig.ip, UDP_PROTO, ip4_fx_record, NULL), 0);
    return 0;
}

int ip4_fx_teardown(void **state)
{
    (void)state;
    sim_ip4_rig_destroy(&g_fx->rig);
    g_fx = NULL;
    return axn_test_live_allocs() == 0 ? 0 : -1;
}

void ip4_fx_record(void *ctx, const struct axn_ip4_rx *rx, axn_time_t now)
{
    (void)ctx;
    assert_int_equal(now, g_fx->now);
    assert_true(g_fx->n_in < IP4_FX_MAX_RX);
    struct ip4_fx_got *g = &g_fx->in[g_fx->n_in++];
    g->rx = *rx;
    g->hdr = *rx->hdr;
    g->first = rx->hdr->payload_len ? rx->hdr->payload[0] : 0;
}

void ip4_fx_record_err(void *ctx, const struct axn_icmp4_err *e, axn_time_t now)
{
    (void)ctx;
    assert_int_equal(now, g_fx->now);
    assert_true(g_fx->n_errs < IP4_FX_MAX_RX);
    g_fx->errs[g_fx->n_errs] = *e;
    assert_true(e->orig_l4_len >= IP4_FX_L4_COPY);
    memcpy(g_fx->err_l4[g_fx->n_errs], e->orig_l4, IP4_FX_L4_COPY);
    g_fx->n_errs++;
}

void ip4_fx_rx_flags(const uint8_t *pkt, size_t len, uint32_t ifindex, uint8_t offload)
{
    sim_ip4_rig_rx(&g_fx->rig, pkt, len, ifindex, offload, g_fx->now);
}

void ip4_fx_rx(const uint8_t *pkt, size_t len, uint32_t ifindex)
{
    ip4_fx_rx_flags(pkt, len, ifindex, 0);
}

void ip4_fx_rx_simple(axn_ip4_t src, axn_ip4_t dst, uint8_t proto, uint32_t ifindex)
{
    uint8_t pkt[IP4_PKT_MAX];
    ip4_fx_rx(pkt, ip4_pkt_build_simple(pkt, src, dst, proto), ifindex);
}

struct axn_snmp ip4_fx_snmp(void)
{
    struct axn_snmp s;
    memset(&s, 0, sizeof(s));
    axn_ip4_snmp(g_fx->rig.ip, &s);
    return s;
}

size_t ip4_fx_flush0(void)
{
    return sim_ip4_rig_flush(&g_fx->rig, &g_fx->rig.eth0, g_fx->rig.h0, &g_fx->taken0, g_fx->now);
}

size_t ip4_fx_flush1(void)
{
    return sim_ip4_rig_flush(&g_fx->rig, &g_fx->rig.eth1, g_fx->rig.h1, &g_fx->taken1, g_fx->now);
}
