/*
 * The MSS we send and the one we use (RFC 9293 3.7.1, RFC 879) and its
 * update from ICMP fragmentation-needed (RFC 1191 3).
 */
#include "axnet/driver.h"
#include "tcp/tcp_output.h"

#include "tcp/tcp_options.h"

/* mss = min(peer MSS, path MTU - headers, TCP_MAXSEG), at least the
 * minimum (RFC 9293 3.7.1, RFC 1191 3). */
static uint16_t mss_for(const struct axn_tcp_conn *c, uint32_t pmtu)
{
    uint32_t m = pmtu > AXN_TCP_IP4_HDRS ? pmtu - AXN_TCP_IP4_HDRS : 0;

    if (c->opt.peer_mss != 0 && c->opt.peer_mss < m) {
        m = c->opt.peer_mss;
    }
    if (c->user_mss != 0 && c->user_mss < m) {
        m = c->user_mss;
    }
    /* RFC 6691: options every segment carries (timestamps) come out of
     * the payload, as Linux's mss_cache. */
    m -= m > axn_tcp_opts_fixed_len(c) ? axn_tcp_opts_fixed_len(c) : 0u;
    return (uint16_t)(m < AXN_TCP_MIN_MSS ? AXN_TCP_MIN_MSS : m);
}

void axn_tcp_mss_init(struct axn_tcp_conn *c, axn_time_t now)
{
    struct axn_ip4 *ip = c->layer->ip;
    struct axn_ip4_tx tx = {.src = c->laddr, .dst = c->raddr, .protocol = AXN_TCP_PROTO};
    struct axn_ip4_path path;
    size_t iface_mtu = AXN_ETH_MTU;
    uint32_t adv;

    tx.ifindex = c->bound_ifindex;
    if (axn_ip4_route(ip, &tx, now, &path) == 0) {
        iface_mtu = path.mtu;
    }
    adv = (uint32_t)iface_mtu - AXN_TCP_IP4_HDRS;
    if (c->user_mss != 0 && c->user_mss < adv) {
        adv = c->user_mss;
    }
    c->adv_mss = (uint16_t)(adv < AXN_TCP_MIN_MSS ? AXN_TCP_MIN_MSS : adv);
    c->pmtu = (uint32_t)axn_ip4_path_mtu(ip, c->df_mode, c->raddr, iface_mtu, now);
    c->mss = mss_for(c, c->pmtu);
}

/* cwnd and ssthresh keep their size in segments when the MSS shrinks
 * (Linux counts them in packets). */
static uint32_t rescale(uint32_t bytes, uint16_t old_mss, uint16_t new_mss)
{
    uint64_t v;

    if (bytes == UINT32_MAX || old_mss == 0) {
        return bytes;
    }
    v = (uint64_t)bytes * new_mss / old_mss;
    return v < new_mss ? new_mss : (uint32_t)v;
}

void axn_tcp_pmtu_update(struct axn_tcp_conn *c, uint32_t mtu, axn_time_t now)
{
    uint16_t mss = mss_for(c, mtu);

    /* RFC 1191 3: only a smaller MTU than the one in use matters. */
    if (mtu >= c->pmtu || mss >= c->mss) {
        return;
    }
    c->cwnd = rescale(c->cwnd, c->mss, mss);
    c->ssthresh = rescale(c->ssthresh, c->mss, mss);
    c->mss = mss;
    c->pmtu = mtu;
    if (!axn_tcp_state_sends_data(c->state) || c->snd_una == c->snd_nxt) {
        return;
    }
    /* Linux tcp_simple_retransmit: what was in flight was too big and is
     * lost; resend it now at the new size (not an RTO: no back-off). */
    c->snd_nxt = c->snd_una;
    c->rtt_start = 0;
    axn_tcp_output(c, now);
}

/* Largest TCP payload one GSO datagram carries: the IPv4 maximum (and the
 * offload frame limit) less the IPv4 and the largest TCP header. */
#define GSO_FRAME_IP_MAX                                                                           \
    (AXN_GSO_MAX_SIZE - AXN_ETH_HLEN < AXN_IPV4_TOTAL_MAX ? AXN_GSO_MAX_SIZE - AXN_ETH_HLEN        \
                                                          : AXN_IPV4_TOTAL_MAX)
#define GSO_PAYLOAD_MAX (GSO_FRAME_IP_MAX - AXN_IPV4_HDR_MIN - AXN_TCP_MAX_HDR_LEN)
/* Headers in front of the payload at most (no IP options). */
#define GSO_HDRS_MAX (AXN_IPV4_HDR_MIN + AXN_TCP_MAX_HDR_LEN)

/* Linux tcp_xmit_size_goal + tcp_bound_to_half_wnd: a multiple of the MSS
 * up to what one offload datagram carries, and at most half the largest
 * window the peer offered, so a small window still gets several segments
 * (and ACK clocking) rather than one burst. */
static uint32_t gso_goal(const struct axn_tcp_conn *c, uint32_t frame_max)
{
    uint32_t goal = GSO_PAYLOAD_MAX;
    const uint32_t dev = frame_max > GSO_HDRS_MAX ? frame_max - GSO_HDRS_MAX : 0;
    const uint32_t half = c->max_snd_wnd / 2u;

    if (half < goal) {
        goal = half;
    }
    if (frame_max != 0 && dev < goal) {
        goal = dev;
    }
    goal -= goal % c->mss;
    return goal < c->mss ? c->mss : goal;
}

/* The largest IP packet the egress device segments itself, 0 for none
 * (Linux sk_gso_max_size, looked up per call: the route may change). */
static uint32_t tso_max(const struct axn_tcp_conn *c)
{
    struct axn_ip4_tx tx = {.src = c->laddr, .dst = c->raddr, .protocol = AXN_TCP_PROTO};

    tx.ifindex = c->bound_ifindex;
    return axn_ip4_tso_max(c->layer->ip, &tx);
}

uint32_t axn_tcp_send_size_goal(const struct axn_tcp_conn *c)
{
    if (c->mss == 0) {
        return c->mss;
    }
    if (AXN_TCP_SW_GSO) {
        return gso_goal(c, 0);
    }
    const uint32_t dev = tso_max(c);
    return dev != 0 ? gso_goal(c, dev) : c->mss;
}
