/*
 * Request entries (tcp_synq.h): a listener's half-open handshakes, each
 * a small struct in the listener's table instead of a connection (RFC
 * 4987 3.2/3.3), handled as RFC 9293 3.10.7.4 does SYN-RECEIVED and as
 * Linux tcp_check_req does: the SYN again resends the SYN-ACK, a RST at
 * RCV.NXT ends the entry, the ACK of our SYN makes the connection, which
 * the normal input path then takes to ESTABLISHED (data on that ACK is
 * kept). The SYN-ACKs are retransmitted with back-off from the
 * listener's own timer.
 */
#include "lib/mem.h"
#include "tcp/tcp_listen.h"
#include "tcp/tcp_options.h"
#include "tcp/tcp_output.h"
#include "tcp/tcp_synq.h"
#include "tcp/tcp_tuple.h"

/* RFC 6298 2.1 / RFC 9293 3.8.1: the first SYN-ACK's timeout; doubled
 * for each retransmission (Linux TCP_TIMEOUT_INIT, reqsk_timer_handler). */
#define REQ_RTO_US ((axn_time_t)AXN_TCP_RTO_INITIAL_MS * 1000u)

struct axn_tcp_req *axn_tcp_req_find(const struct axn_tcp_conn *lst, const struct axn_tcp_in *in)
{
    return axn_tcp_synq_find(lst, in->rx->hdr->dst, in->seg.dst_port, in->rx->hdr->src,
                             in->seg.src_port);
}

/* The SYN's options, as its entry keeps them. */
static struct axn_tcp_opts req_opts(const struct axn_tcp_req *r)
{
    struct axn_tcp_opts o;
    memset(&o, 0, sizeof(o));
    o.has_mss = r->peer_mss != 0;
    o.mss = r->peer_mss;
    o.has_wscale = r->has_wscale;
    o.wscale = r->peer_wscale;
    o.sack_perm = r->sack_perm;
    o.has_ts = r->has_ts;
    o.ts_val = r->ts_val;
    return o;
}

static struct axn_tcp_child_spec req_spec(const struct axn_tcp_req *r)
{
    const struct axn_tcp_child_spec s = {.laddr = r->laddr,
                                         .raddr = r->raddr,
                                         .lport = r->lport,
                                         .rport = r->rport,
                                         .iss = r->iss,
                                         .irs = r->irs,
                                         .window = r->peer_window};
    return s;
}

/* The SYN-ACK of r, from a scratch connection (on the stack, never
 * listed) made as the ACK will make the real one, so it offers exactly
 * what that connection will assume. */
static void req_synack(struct axn_tcp_conn *lst, const struct axn_tcp_req *r, bool retrans,
                       axn_time_t now)
{
    struct axn_tcp_conn c;
    const struct axn_tcp_child_spec s = req_spec(r);
    const struct axn_tcp_opts peer = req_opts(r);
    memset(&c, 0, sizeof(c));
    c.layer = lst->layer;
    c.state = AXN_TCP_SYN_RECV;
    axn_tcp_listen_child_init(&c, lst, &s, &peer, now);
    axn_tcp_synack_send(&c, c.opt.ts_ok ? axn_tcp_ts_val(&c, now) : 0, retrans, now);
}

/* The listener's timer: the earliest deadline of its entries. */
static void arm(struct axn_tcp_conn *lst, axn_time_t at)
{
    if (at < lst->timer[AXN_TCP_T_RTO])
        axn_tcp_timer_set(lst, AXN_TCP_T_RTO, at);
}

/* An RFC 6528 ISS for the SYN's 4-tuple. */
static uint32_t req_iss(const struct axn_tcp_in *in, axn_time_t now)
{
    struct axn_tcp_tuple t;
    axn_tcp_tuple_ip4(&t, in->rx->hdr->dst, in->seg.dst_port, in->rx->hdr->src, in->seg.src_port);
    return axn_tcp_isn(&in->l->isn, &t, now);
}

void axn_tcp_req_new(struct axn_tcp_conn *lst, const struct axn_tcp_in *in, axn_time_t now)
{
    struct axn_tcp_layer *l = in->l;
    const struct axn_tcp *seg = &in->seg;
    struct axn_tcp_req *r =
        axn_tcp_synq_add(lst, in->rx->hdr->dst, seg->dst_port, in->rx->hdr->src, seg->src_port);
    if (!r) {
        l->ext.listen_drops++;
        return;
    }
    r->iss = req_iss(in, now);
    r->irs = seg->seq;
    r->peer_mss = seg->opts.has_mss ? seg->opts.mss : 0;
    r->peer_window = seg->window;
    r->has_wscale = seg->opts.has_wscale;
    r->peer_wscale = seg->opts.wscale;
    r->sack_perm = seg->opts.sack_perm;
    r->has_ts = seg->opts.has_ts;
    r->ts_val = seg->opts.ts_val;
    l->stats.passive_opens++;
    req_synack(lst, r, false, now);
    r->synack_at = axn_tcp_rtt_stamp(now);
    r->deadline = now + REQ_RTO_US;
    arm(lst, r->deadline);
}

/* The ACK of our SYN (RFC 9293 3.10.7.4 SYN-RECEIVED: SND.UNA < SEG.ACK
 * =< SND.NXT, i.e. ISS + 1) at RCV.NXT: the connection, fed the ACK. A
 * full accept queue drops the ACK and keeps the entry (Linux
 * tcp_v4_syn_recv_sock: ListenOverflows; the SYN-ACK's retransmission
 * makes the client ACK again). */
static void req_ack(struct axn_tcp_conn *lst, struct axn_tcp_req *r, struct axn_tcp_in *in,
                    axn_time_t now)
{
    struct axn_tcp_layer *l = in->l;
    const struct axn_tcp *seg = &in->seg;
    if (seg->ack != r->iss + 1) {
        axn_tcp_reply_rst(l, in->rx, seg, now); /* "<SEQ=SEG.ACK><CTL=RST>" */
        return;
    }
    if (seg->seq != r->irs + 1)
        return; /* not at RCV.NXT: not the handshake's ACK */
    if (axn_tcp_listen_acc_full(lst)) {
        l->ext.listen_overflows++;
        l->ext.listen_drops++;
        return;
    }
    const struct axn_tcp_child_spec s = req_spec(r);
    const struct axn_tcp_opts peer = req_opts(r);
    const axn_time_t synack_at = r->synack_at;
    struct axn_tcp_conn *c = axn_tcp_listen_child_new(lst, &s, &peer, now);
    if (!c) {
        l->ext.listen_drops++;
        return;
    }
    axn_tcp_synq_del(lst, r);
    /* RFC 6298 (Karn): the SYN-ACK's RTT, if it was sent only once. */
    c->rtt_start = synack_at;
    c->rtt_seq = c->iss + 1;
    axn_tcp_listen_child_feed(l, c, in, now);
}

void axn_tcp_req_input(struct axn_tcp_conn *lst, struct axn_tcp_req *r, struct axn_tcp_in *in,
                       axn_time_t now)
{
    const struct axn_tcp *seg = &in->seg;
    const uint16_t ctl = seg->flags & (AXN_TCP_SYN | AXN_TCP_ACK | AXN_TCP_RST);
    if (seg->flags & AXN_TCP_RST) {
        /* RFC 5961 3.2: only a RST exactly at RCV.NXT ends it. */
        if (seg->seq == r->irs + 1) {
            in->l->stats.attempt_fails++;
            axn_tcp_synq_del(lst, r);
        }
        return;
    }
    if (ctl == AXN_TCP_SYN) {
        /* Its SYN again (our SYN-ACK lost): the SYN-ACK again, which
         * counts as its retransmission (Linux inet_rtx_syn_ack): the
         * next one backs off from now. */
        if (seg->seq == r->irs && r->retries < AXN_TCP_SYNACK_RETRIES) {
            req_synack(lst, r, true, now);
            r->synack_at = 0;
            r->retries++;
            r->deadline = now + (REQ_RTO_US << r->retries);
        }
        return;
    }
    if (ctl == AXN_TCP_ACK) {
        req_ack(lst, r, in, now);
        return;
    }
    if (ctl & AXN_TCP_ACK)
        axn_tcp_reply_rst(in->l, in->rx, seg, now); /* a SYN-ACK to a listener */
}

/* ---- The SYN-ACK timer ---------------------------------------------------------------- */

struct timer_pass {
    axn_time_t now;
    axn_time_t next;
};

static void req_timer(struct axn_tcp_conn *lst, struct axn_tcp_req *r, void *arg)
{
    struct timer_pass *p = arg;
    if (r->deadline <= p->now) {
        if (r->retries >= AXN_TCP_SYNACK_RETRIES) {
            axn_tcp_synq_del(lst, r); /* Linux: the request just goes */
            return;
        }
        r->retries++;
        r->synack_at = 0;
        req_synack(lst, r, true, p->now);
        r->deadline = p->now + (REQ_RTO_US << r->retries);
    }
    if (r->deadline < p->next)
        p->next = r->deadline;
}

void axn_tcp_listen_timers(struct axn_tcp_conn *lst, axn_time_t now)
{
    struct timer_pass p = {.now = now, .next = AXN_TIME_NEVER};
    axn_tcp_synq_each(lst, req_timer, &p);
    if (p.next != AXN_TIME_NEVER)
        axn_tcp_timer_set(lst, AXN_TCP_T_RTO, p.next);
}
