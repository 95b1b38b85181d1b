/*
 * TCP segment arrival (RFC 9293 3.10.7 "SEGMENT ARRIVES"): checksum and
 * header, the demultiplexing to a connection or a listener, and the
 * states before synchronisation (CLOSED, SYN-SENT). The synchronised
 * states are in tcp_input_sync.c, LISTEN in tcp_listen.c.
 */
#include "axnet/errno.h"
#include "tcp/tcp_input.h"
#include "tcp/tcp_options.h"
#include "tcp/tcp_seq.h"
#include "wire/checksum.h"

/* Source addresses no segment may come from (RFC 1122 3.2.1.3, RFC 9293
 * 3.9.2.1: a SYN from a broadcast or multicast address is ignored; Linux
 * drops martian sources before TCP sees them). */
#define IP4_LIMITED_BCAST 0xffffffffu
#define IP4_CLASS_D_MASK  0xf0000000u
#define IP4_CLASS_D_NET   0xe0000000u

uint32_t axn_tcp_seg_len(const struct axn_tcp *seg)
{
    uint32_t n = (uint32_t)seg->payload_len;
    if (seg->flags & AXN_TCP_SYN)
        n++;
    if (seg->flags & AXN_TCP_FIN)
        n++;
    return n;
}

/* Checksum and header (InErrs, InCsumErrors), as udp_input.c. */
static bool parse(struct axn_tcp_layer *l, const struct axn_ip4_rx *rx, struct axn_tcp *seg)
{
    const struct axn_ipv4 *h = rx->hdr;
    const uint32_t ps = axn_csum_pseudo_v4(h->src, h->dst, AXN_TCP_PROTO, (uint16_t)h->payload_len);
    const unsigned flags = (rx->offload & AXN_OFL_CSUM_VALID) ? AXN_TCP_PARSE_CSUM_VERIFIED : 0;
    const int err = axn_tcp_parse(h->payload, h->payload_len, seg, ps, flags);
    if (err == AXN_WIRE_ECSUM)
        l->stats.in_csum_errors++;
    if (err)
        l->stats.in_errs++;
    return err == 0;
}

static bool bad_source(struct axn_tcp_layer *l, axn_ip4_t src)
{
    return src == 0 || src == IP4_LIMITED_BCAST || (src & IP4_CLASS_D_MASK) == IP4_CLASS_D_NET ||
           axn_ip4_is_any_subnet_broadcast(l->ip, src);
}

/* ---- SYN-SENT (RFC 9293 3.10.7.3) ------------------------------------------- */

/* RFC 9293 3.10.7.3 "first, check the ACK bit": SND.UNA < SEG.ACK <=
 * SND.NXT (with SND.UNA = ISS here, so the ACK covers our SYN). */
static bool syn_sent_ack_ok(const struct axn_tcp_conn *c, const struct axn_tcp *seg)
{
    return seq_gt(seg->ack, c->iss) && seq_leq(seg->ack, c->snd_max);
}

/* The peer's SYN: its sequence space, and its options against what our
 * SYN offered (MSS, RFC 9293 3.7.1: 536 without the option; RFC 7323
 * window scaling and timestamps, RFC 2018 SACK-permitted). The SYN's
 * window is never scaled (RFC 7323 2.2). */
static void take_peer_syn(struct axn_tcp_conn *c, const struct axn_tcp *seg, axn_time_t now)
{
    c->irs = seg->seq;
    c->rcv_nxt = seg->seq + 1;
    axn_tcp_opts_from_syn(c, &seg->opts, now);
    c->snd_wnd = seg->window;
    if (c->snd_wnd > c->max_snd_wnd)
        c->max_snd_wnd = c->snd_wnd;
    c->snd_wl1 = seg->seq;
    c->snd_wl2 = seg->ack;
}

/* Our SYN is acknowledged. The handshake's RTT sample (RFC 6298, Karn)
 * and the RTO timer are axn_tcp_set_state's, on entering ESTABLISHED. */
static void syn_acked(struct axn_tcp_conn *c, uint32_t ack)
{
    c->snd_una = ack;
    if (seq_lt(c->snd_nxt, ack))
        c->snd_nxt = ack;
}

/* SYN + ACK of our SYN: ESTABLISHED, ACK at once (RFC 9293 3.10.7.3
 * "form an ACK segment and send it"), then queued data. Text in the
 * SYN-ACK goes on at "sixth" like any segment (tcp_input_sync.c). */
static void syn_sent_established(struct axn_tcp_conn *c, struct axn_tcp_in *in, axn_time_t now)
{
    take_peer_syn(c, &in->seg, now);
    syn_acked(c, in->seg.ack);
    axn_tcp_mss_init(c, now);
    c->stats.last_ack_recv = now;
    axn_tcp_set_state(c, AXN_TCP_ESTABLISHED, now);
    if (in->seg.payload_len > 0 || (in->seg.flags & AXN_TCP_FIN)) {
        /* Text or FIN after the SYN: the SYN's sequence number is spent. */
        in->seg.seq++;
        in->seg.flags &= (uint16_t)~AXN_TCP_SYN;
        c->ack_now = true;
        axn_tcp_input_sync(c, in, now); /* counts the segment */
        return;
    }
    c->stats.segs_in++;
    axn_tcp_send_ack(c, now);
    axn_tcp_output(c, now);
}

/* SYN without ACK: simultaneous open (RFC 9293 3.10.7.3, figure 8):
 * SYN-RECEIVED, and output sends our SYN-ACK. Data is not accepted yet. */
static void syn_sent_simultaneous(struct axn_tcp_conn *c, const struct axn_tcp *seg, axn_time_t now)
{
    c->stats.segs_in++;
    take_peer_syn(c, seg, now);
    c->snd_wl2 = c->iss;
    axn_tcp_mss_init(c, now);
    axn_tcp_set_state(c, AXN_TCP_SYN_RECV, now);
    /* Our SYN goes again, now with the ACK bit: from ISS. */
    c->snd_nxt = c->iss;
    axn_tcp_output(c, now);
}

static void syn_sent_input(struct axn_tcp_conn *c, struct axn_tcp_in *in, axn_time_t now)
{
    const struct axn_tcp *seg = &in->seg;
    const bool has_ack = (seg->flags & AXN_TCP_ACK) != 0;
    if (has_ack && !syn_sent_ack_ok(c, seg)) {
        /* RFC 9293 3.10.7.3: <SEQ=SEG.ACK><CTL=RST> unless it is a RST. */
        if (!(seg->flags & AXN_TCP_RST))
            axn_tcp_reply_rst(in->l, in->rx, seg, now);
        return;
    }
    if (seg->flags & AXN_TCP_RST) {
        /* RFC 5961 3.2 / RFC 9293: a RST is acceptable in SYN-SENT only
         * if it acknowledges our SYN; "connection reset" = ECONNREFUSED. */
        if (has_ack) {
            c->rst_rcvd = true;
            axn_tcp_conn_done(c, AXN_ECONNREFUSED, now);
        }
        return;
    }
    if (!(seg->flags & AXN_TCP_SYN))
        return;
    if (has_ack && axn_tcp_paws_active_reject(c, seg, now)) {
        /* Not an answer to our SYNs: reset as an unacceptable ACK, as
         * Linux does (tcp_rcv_synsent_state_process, PAWSActive). */
        axn_tcp_reply_rst(in->l, in->rx, seg, now);
        return;
    }
    if (has_ack)
        syn_sent_established(c, in, now);
    else
        syn_sent_simultaneous(c, seg, now);
}

/* ---- Demultiplexing ------------------------------------------------------------ */

/* RFC 6191 2: with timestamps in the old connection and the SYN, a
 * TSval newer than TS.Recent marks a new incarnation (an older one does
 * not); otherwise, and on equal TSvals, the sequence number must be
 * above the old sequence space (RFC 1122 4.2.2.13). */
static bool tw_syn_newer(const struct axn_tcp_conn *c, const struct axn_tcp *seg)
{
    if (c->opt.ts_ok && seg->opts.has_ts && seg->opts.ts_val != c->opt.ts_recent)
        return (int32_t)(seg->opts.ts_val - c->opt.ts_recent) > 0;
    return seq_gt(seg->seq, c->rcv_nxt);
}

/* RFC 6191 spirit, RFC 1122 4.2.2.13: a new SYN above the old sequence
 * space may reopen a 4-tuple in TIME-WAIT, when nothing but the engine
 * holds that connection and a listener is there to take the SYN (Linux
 * tcp_timewait_state_process TCP_TW_SYN). */
static bool tw_recyclable(const struct axn_tcp_conn *c, const struct axn_tcp *seg)
{
    const uint16_t want = AXN_TCP_SYN;
    const uint16_t mask = AXN_TCP_SYN | AXN_TCP_ACK | AXN_TCP_RST | AXN_TCP_FIN;
    return c->state == AXN_TCP_TIME_WAIT && c->sock == NULL && c->orphan &&
           (seg->flags & mask) == want && tw_syn_newer(c, seg);
}

static struct axn_tcp_conn *listener_for(struct axn_tcp_in *in)
{
    const struct axn_ipv4 *h = in->rx->hdr;
    return axn_tcp_lookup_listener(in->l, h->dst, in->seg.dst_port, h->src, in->seg.src_port,
                                   in->rx->ifindex);
}

static void conn_input(struct axn_tcp_conn *c, struct axn_tcp_in *in, axn_time_t now)
{
    switch (c->state) {
    case AXN_TCP_SYN_SENT:
        syn_sent_input(c, in, now);
        return;
    case AXN_TCP_CLOSED:
    case AXN_TCP_LISTEN:
        /* RFC 9293 3.10.7.1: as if there were no connection. */
        axn_tcp_reply_rst(in->l, in->rx, &in->seg, now);
        return;
    default:
        axn_tcp_input_sync(c, in, now);
        return;
    }
}

static void demux(struct axn_tcp_in *in, axn_time_t now)
{
    const struct axn_ipv4 *h = in->rx->hdr;
    struct axn_tcp_conn *c =
        axn_tcp_lookup(in->l, h->dst, in->seg.dst_port, h->src, in->seg.src_port);
    struct axn_tcp_conn *lst = NULL;
    if (c && tw_recyclable(c, &in->seg) && (lst = listener_for(in)) != NULL) {
        in->l->ext.tw_recycled++;
        axn_tcp_conn_done(c, 0, now);
        c = NULL;
    }
    if (c) {
        conn_input(c, in, now);
        return;
    }
    if (!lst)
        lst = listener_for(in);
    if (lst) {
        axn_tcp_listen_input(lst, in, now);
        return;
    }
    /* RFC 9293 3.10.7.1 CLOSED: a RST answers anything but a RST. */
    if (!(in->seg.flags & AXN_TCP_RST))
        axn_tcp_reply_rst(in->l, in->rx, &in->seg, now);
}

void axn_tcp_input(void *ctx, const struct axn_ip4_rx *rx, axn_time_t now)
{
    struct axn_tcp_in in = {.l = ctx, .rx = rx};
    /* Linux tcp_v4_rcv: only segments addressed to this host are TCP's
     * (and counted); broadcast and multicast never reach a connection. */
    if (rx->cast != AXN_IP4_UNICAST || bad_source(in.l, rx->hdr->src))
        return;
    in.l->stats.in_segs++;
    if (!parse(in.l, rx, &in.seg))
        return;
    demux(&in, now);
}
