/*
 * TCP_INFO (tcp(7)): struct axn_tcp_info in Linux's struct tcp_info
 * layout (include/axnet/socket.h), filled as Linux tcp_get_info does from
 * what the connection knows. Windows and thresholds Linux reports in
 * segments are converted from axnet's bytes by the send MSS.
 *
 * The options bits and shifts come from the handshake (tcp_options.c),
 * sacked/lost/reordering from the SACK scoreboard (tcp_sack*.c).
 *
 * Not measured, reported 0 as an idle Linux connection would: rcv_rtt,
 * delivery_rate, busy/rwnd/sndbuf-limited times, delivered, delivered_ce,
 * bytes_sent, bytes_retrans, dsack_dups, reord_seen, rcv_ooopack, rehash,
 * the total_rto counters; last_ack_sent (Linux too).
 */
#include "lib/mem.h"
#include "tcp/tcp_sock.h"

/* Linux TCP_INFINITE_SSTHRESH: ssthresh not yet set. */
#define INFINITE_SSTHRESH 0x7fffffffu
/* Linux sk_max_pacing_rate's default: no limit. */
#define NO_PACING_LIMIT UINT64_MAX
/* Linux tcp_update_pacing_rate: 200 % of cwnd/srtt in slow start, 120 %
 * after (sysctl tcp_pacing_ss_ratio / tcp_pacing_ca_ratio). */
#define PACING_SS_RATIO 200u
#define PACING_CA_RATIO 120u
#define PERCENT         100u

/* sizeof(struct tcp_info) in Linux 6.7 to 6.x: the layout the header copies. */
#define LINUX_TCP_INFO_SIZE 248u
_Static_assert(sizeof(struct axn_tcp_info) == LINUX_TCP_INFO_SIZE, "struct tcp_info layout");

static uint32_t clamp32(uint64_t v)
{
    return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static uint32_t mss_of(const struct axn_tcp_conn *c)
{
    return c->mss ? c->mss : AXN_TCP_DEFAULT_MSS;
}

/* Segments covering `bytes` (rounded up, as packets in flight). */
static uint32_t segs(const struct axn_tcp_conn *c, uint32_t bytes)
{
    const uint32_t mss = mss_of(c);
    return (uint32_t)(((uint64_t)bytes + mss - 1u) / mss);
}

static uint8_t ca_state(const struct axn_tcp_conn *c)
{
    if (c->in_recovery)
        return AXN_TCP_CA_RECOVERY;
    if (c->backoff > 0)
        return AXN_TCP_CA_LOSS;
    return c->dupacks > 0 ? AXN_TCP_CA_DISORDER : AXN_TCP_CA_OPEN;
}

static uint8_t options_of(const struct axn_tcp_negotiated *o)
{
    uint8_t v = 0;
    if (o->ts_ok)
        v |= AXN_TCPI_OPT_TIMESTAMPS;
    if (o->sack_ok)
        v |= AXN_TCPI_OPT_SACK;
    if (o->wscale_ok)
        v |= AXN_TCPI_OPT_WSCALE;
    return v;
}

/* Milliseconds since `t` (0: never happened). */
static uint32_t ms_ago(axn_time_t now, axn_time_t t)
{
    if (t == 0 || t > now)
        return 0;
    return clamp32((now - t) / AXN_USEC_PER_MSEC);
}

static uint64_t pacing_rate(const struct axn_tcp_conn *c)
{
    if (c->srtt == 0)
        return 0;
    const uint64_t ratio = c->cwnd < c->ssthresh ? PACING_SS_RATIO : PACING_CA_RATIO;
    return (uint64_t)c->cwnd * AXN_USEC_PER_SEC / c->srtt * ratio / PERCENT;
}

static void fill_header(struct axn_tcp_info *i, const struct axn_tcp_conn *c)
{
    i->tcpi_state = (uint8_t)c->state;
    i->tcpi_ca_state = ca_state(c);
    i->tcpi_retransmits = c->retries;
    i->tcpi_probes = (uint8_t)(c->keep_probes + c->zwp_probes);
    i->tcpi_backoff = c->backoff;
    i->tcpi_options = options_of(&c->opt);
    if (c->opt.wscale_ok) {
        i->tcpi_snd_wscale = c->opt.snd_wscale & 0xfu;
        i->tcpi_rcv_wscale = c->opt.rcv_wscale & 0xfu;
    }
}

static void fill_sizes(struct axn_tcp_info *i, const struct axn_tcp_conn *c)
{
    i->tcpi_rto = clamp32(c->rto);
    i->tcpi_ato = clamp32(AXN_MSEC(AXN_TCP_DELACK_MIN_MS));
    i->tcpi_snd_mss = mss_of(c);
    i->tcpi_rcv_mss = c->adv_mss < mss_of(c) ? c->adv_mss : mss_of(c);
    if (c->state == AXN_TCP_LISTEN) {
        /* tcp_get_info: a listener's accept queue and backlog. */
        i->tcpi_unacked = c->acc_q_len;
        i->tcpi_sacked = c->backlog;
    } else {
        i->tcpi_unacked = segs(c, c->snd_max - c->snd_una);
    }
    i->tcpi_lost = c->stats.lost;
    i->tcpi_retrans = c->stats.retrans_out;
    if (c->state != AXN_TCP_LISTEN) {
        i->tcpi_sacked = c->stats.sacked;
    }
}

static void fill_metrics(struct axn_tcp_info *i, const struct axn_tcp_conn *c)
{
    const uint32_t mss = mss_of(c);
    i->tcpi_pmtu = c->pmtu;
    i->tcpi_rcv_ssthresh = c->rcv_wnd;
    i->tcpi_rtt = clamp32(c->srtt);
    i->tcpi_rttvar = clamp32(c->rttvar);
    i->tcpi_snd_ssthresh = c->ssthresh >= INFINITE_SSTHRESH ? INFINITE_SSTHRESH : c->ssthresh / mss;
    i->tcpi_snd_cwnd = c->cwnd / mss;
    i->tcpi_advmss = c->adv_mss;
    /* Linux reports at least tcp_reordering (3), more once SACK saw it. */
    i->tcpi_reordering =
        c->stats.reordering > AXN_TCP_DUPACK_THRESH ? c->stats.reordering : AXN_TCP_DUPACK_THRESH;
    i->tcpi_rcv_space = c->rcv_wnd;
    i->tcpi_total_retrans = c->stats.total_retrans;
    i->tcpi_min_rtt = c->min_rtt ? clamp32(c->min_rtt) : UINT32_MAX;
}

static void fill_counts(struct axn_tcp_info *i, const struct axn_tcp_conn *c, axn_time_t now)
{
    const struct axn_tcp_conn_stats *st = &c->stats;
    i->tcpi_last_data_sent = ms_ago(now, st->last_data_sent);
    i->tcpi_last_data_recv = ms_ago(now, st->last_data_recv);
    i->tcpi_last_ack_recv = ms_ago(now, st->last_ack_recv);
    i->tcpi_pacing_rate = pacing_rate(c);
    i->tcpi_max_pacing_rate = NO_PACING_LIMIT;
    i->tcpi_bytes_acked = st->bytes_acked;
    i->tcpi_bytes_received = st->bytes_received;
    i->tcpi_segs_out = st->segs_out;
    i->tcpi_segs_in = st->segs_in;
    i->tcpi_data_segs_in = st->data_segs_in;
    i->tcpi_data_segs_out = st->data_segs_out;
    const uint32_t in_flight = c->snd_nxt - c->snd_una;
    i->tcpi_notsent_bytes = c->snd.len > in_flight ? c->snd.len - in_flight : 0u;
    i->tcpi_snd_wnd = c->snd_wnd;
    i->tcpi_rcv_wnd = c->rcv_wnd;
}

void axn_tcp_get_info(struct axn_tcp_sock *ts, struct axn_tcp_info *info)
{
    const struct axn_tcp_conn *c = ts->conn;
    memset(info, 0, sizeof(*info));
    fill_header(info, c);
    info->tcpi_state = (uint8_t)axn_tcp_sock_state(ts); /* TIME-WAIT reads CLOSE */
    fill_sizes(info, c);
    fill_metrics(info, c);
    fill_counts(info, c, axn_sock_now(&ts->base));
}
