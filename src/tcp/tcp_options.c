/*
 * Option negotiation (tcp_options.h). Stub until the options work lands:
 * nothing but MSS is offered.
 */
#include "tcp/tcp_options.h"

#include "lib/mem.h"

uint8_t axn_tcp_wscale_for(uint32_t space)
{
    (void)space;
    return 0;
}

void axn_tcp_opts_fill_syn(const struct axn_tcp_negotiated *n, uint16_t mss, uint32_t ts_val,
                           struct axn_tcp_opts *o)
{
    (void)n;
    (void)ts_val;
    memset(o, 0, sizeof(*o));
    o->has_mss = true;
    o->mss = mss;
}

void axn_tcp_opts_offer(struct axn_tcp_conn *c)
{
    (void)c;
}

void axn_tcp_opts_from_syn(struct axn_tcp_conn *c, const struct axn_tcp_opts *peer, axn_time_t now)
{
    (void)now;
    c->opt.peer_mss = peer->has_mss ? peer->mss : AXN_TCP_DEFAULT_MSS;
}

uint32_t axn_tcp_ts_val(const struct axn_tcp_conn *c, axn_time_t now)
{
    (void)c;
    return (uint32_t)(now / 1000u);
}

bool axn_tcp_ts_rtt(const struct axn_tcp_conn *c, const struct axn_tcp *seg, axn_time_t now,
                    axn_time_t *rtt)
{
    (void)c;
    (void)seg;
    (void)now;
    (void)rtt;
    return false;
}
