/*
 * One TCP segment out: built in place in the IPv4 layer's output buffer,
 * the payload copied straight from the send ring (no allocation), and the
 * RST that answers a segment no connection takes (RFC 9293 3.10.7.1).
 */
#include "tcp/tcp_output.h"

#include "axnet/errno.h"
#include "axnet/socket.h"
#include "lib/mem.h"
#include "tcp/tcp_options.h"
#include "tcp/tcp_seq.h"
#include "wire/checksum.h"

/* The IPv4 request for c's segments: its addresses and socket options. */
static void conn_tx(const struct axn_tcp_conn *c, struct axn_ip4_tx *tx)
{
    memset(tx, 0, sizeof(*tx));
    tx->src = c->laddr;
    tx->dst = c->raddr;
    tx->protocol = AXN_TCP_PROTO;
    tx->tos = c->tos;
    tx->ttl = c->ttl;
    tx->df = c->df_mode;
    tx->ifindex = c->bound_ifindex;
}

/* Emits `seg` with `len` payload bytes already at buf + header and sends
 * it from laddr to raddr. */
static int seg_send(struct axn_ip4 *ip, const struct axn_ip4_tx *tx, struct axn_tcp *seg,
                    uint8_t *buf, size_t cap, axn_time_t now)
{
    size_t total = axn_tcp_len(seg);
    uint32_t pseudo = axn_csum_pseudo_v4(tx->src, tx->dst, AXN_TCP_PROTO, (uint16_t)total);
    int n = axn_tcp_emit(seg, buf, cap, pseudo, tx->gso_size ? AXN_TCP_EMIT_CSUM_PARTIAL : 0);

    if (n < 0) {
        return -AXN_EMSGSIZE;
    }
    return axn_ip4_output(ip, tx, buf, (size_t)n, now);
}

/* RFC 7323 2.2: the shift of the window field; a SYN's or SYN-ACK's
 * window is never scaled. */
static uint8_t wnd_shift(const struct axn_tcp_conn *c, bool syn)
{
    return syn || !c->opt.wscale_ok ? 0 : c->opt.rcv_wscale;
}

/* The 16-bit window field for a window of `wnd` bytes shifted by `s`.
 * Rounded down (never promise more than there is), except where that
 * would move the right edge already offered to the left (RFC 7323 2.4:
 * the edge must not shrink): then up to the scale's granularity. */
static uint16_t wnd_field(const struct axn_tcp_conn *c, uint32_t wnd, uint8_t s)
{
    const uint32_t max = AXN_TCP_MAX_UNSCALED_WND << s;
    const uint32_t offered = seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
    uint32_t f;

    if (wnd > max) {
        wnd = max;
    }
    f = wnd >> s;
    if ((f << s) < offered && s > 0) {
        f = (uint32_t)(((uint64_t)wnd + (1u << s) - 1u) >> s);
    }
    return (uint16_t)(f > AXN_TCP_MAX_UNSCALED_WND ? AXN_TCP_MAX_UNSCALED_WND : f);
}

/* The ACK fields of an outgoing segment, and what sending them settles:
 * the window offered (rcv_adv: the edge the window field really gives,
 * never moved back), Last.ACK.sent (RFC 7323 4.3) and any pending ACK. */
static void seg_ack_fields(struct axn_tcp_conn *c, struct axn_tcp *seg)
{
    const uint8_t s = wnd_shift(c, (seg->flags & AXN_TCP_SYN) != 0);
    uint32_t wnd;

    seg->ack = c->rcv_nxt;
    seg->window = wnd_field(c, axn_tcp_rcv_window(c), s);
    wnd = (uint32_t)seg->window << s;
    c->rcv_wnd = wnd;
    if (seq_gt(c->rcv_nxt + wnd, c->rcv_adv) || c->rcv_adv == 0) {
        c->rcv_adv = c->rcv_nxt + wnd;
    }
    c->opt.last_ack_sent = c->rcv_nxt;
    c->ack_now = false;
    c->delack_pending = false;
    c->unacked_rx = 0;
    c->timer[AXN_TCP_T_DELACK] = AXN_TIME_NEVER;
}

/* Option bytes a segment of `len` payload bytes may carry: what a full
 * segment leaves (c->mss already gave up the fixed options, tcp_mss.c;
 * a TSO/GSO burst is cut into c->mss pieces each with this header). */
static uint32_t opt_room(const struct axn_tcp_conn *c, uint32_t len)
{
    const uint32_t per_seg = len < c->mss ? len : c->mss;
    const uint32_t room =
        len == 0 ? AXN_TCP_MAX_OPT_LEN : c->mss + axn_tcp_opts_fixed_len(c) - per_seg;

    return room < AXN_TCP_MAX_OPT_LEN ? room : AXN_TCP_MAX_OPT_LEN;
}

/* RFC 9293 3.7.1, RFC 7323, RFC 2018: the MSS, WS, SACK-permitted and
 * TS options on a SYN or SYN-ACK (as negotiated so far); TS and SACK
 * blocks on the rest. */
static void seg_options(struct axn_tcp_conn *c, const struct axn_tcp_xmit *x, struct axn_tcp *seg,
                        axn_time_t now)
{
    const uint32_t ts = axn_tcp_ts_val(c, now);

    if (!(x->flags & AXN_TCP_SYN)) {
        axn_tcp_opts_fill_seg(c, (x->flags & AXN_TCP_ACK) != 0, opt_room(c, x->len), now,
                              &seg->opts);
        return;
    }
    if (!(x->flags & AXN_TCP_ACK) && !c->opt.ts_syn_set) {
        c->opt.ts_syn = ts; /* the oldest TSecr a SYN-ACK may carry */
        c->opt.ts_syn_set = true;
    }
    axn_tcp_opts_fill_syn(&c->opt, c->adv_mss, ts, &seg->opts);
}

static void xmit_count(struct axn_tcp_conn *c, const struct axn_tcp_xmit *x, axn_time_t now)
{
    struct axn_tcp_layer *l = c->layer;

    if (x->retrans) {
        l->stats.retrans_segs++;
        c->stats.total_retrans++;
        c->stats.retrans_out++;
        if (x->flags & AXN_TCP_SYN) {
            l->ext.syn_retrans++; /* TCPSynRetrans: SYN and SYN-ACK */
        }
    } else {
        l->stats.out_segs++;
        if (x->len > 0) {
            l->ext.orig_data_sent++; /* TCPOrigDataSent */
        }
    }
    if (x->flags & AXN_TCP_RST) {
        l->stats.out_rsts++;
    }
    c->stats.segs_out++;
    if (x->len > 0) {
        c->stats.data_segs_out++;
        c->stats.last_data_sent = now;
    }
}

int axn_tcp_xmit(struct axn_tcp_conn *c, const struct axn_tcp_xmit *x, axn_time_t now)
{
    struct axn_ip4_tx tx;
    struct axn_tcp seg;
    size_t cap;
    size_t hdr;
    uint8_t *buf = axn_ip4_tx_payload(c->layer->ip, &cap);

    memset(&seg, 0, sizeof(seg));
    seg.src_port = c->lport;
    seg.dst_port = c->rport;
    seg.seq = x->seq;
    seg.flags = x->flags;
    if (x->flags & AXN_TCP_ACK) {
        seg_ack_fields(c, &seg);
    } else if (!(x->flags & AXN_TCP_RST)) {
        seg.window = wnd_field(c, axn_tcp_rcv_window(c), wnd_shift(c, true));
    }
    seg_options(c, x, &seg, now);
    hdr = AXN_TCP_HDR_LEN + axn_tcp_opts_len(&seg.opts);
    if (hdr + x->len > cap) {
        return -AXN_EMSGSIZE;
    }
    axn_tcp_ring_peek(&c->snd, x->off, buf + hdr, x->len);
    seg.payload = buf + hdr;
    seg.payload_len = x->len;
    xmit_count(c, x, now);
    conn_tx(c, &tx);
    if (x->len > c->mss) {
        tx.gso_size = c->mss; /* axn_tcp_send_size_goal allowed more: TSO/GSO */
    }
    return seg_send(c->layer->ip, &tx, &seg, buf, cap, now);
}

/* RFC 9293 3.10.7.1: SEG.LEN counts SYN and FIN. */
static uint32_t seg_len(const struct axn_tcp *seg)
{
    uint32_t n = (uint32_t)seg->payload_len;

    if (seg->flags & AXN_TCP_SYN) {
        n++;
    }
    if (seg->flags & AXN_TCP_FIN) {
        n++;
    }
    return n;
}

/* RFC 9293 3.10.7.1: with an ACK, <SEQ=SEG.ACK><CTL=RST>; without,
 * <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>. */
static void rst_fields(const struct axn_tcp *in, struct axn_tcp *out)
{
    memset(out, 0, sizeof(*out));
    out->src_port = in->dst_port;
    out->dst_port = in->src_port;
    if (in->flags & AXN_TCP_ACK) {
        out->seq = in->ack;
        out->flags = AXN_TCP_RST;
    } else {
        out->seq = 0;
        out->ack = in->seq + seg_len(in);
        out->flags = AXN_TCP_RST | AXN_TCP_ACK;
    }
}

void axn_tcp_reply_rst(struct axn_tcp_layer *l, const struct axn_ip4_rx *rx,
                       const struct axn_tcp *seg, axn_time_t now)
{
    struct axn_ip4_tx tx;
    struct axn_tcp out;
    size_t cap;
    uint8_t *buf;

    /* RFC 9293 3.10.7.1: a RST is never answered. */
    if (seg->flags & AXN_TCP_RST) {
        return;
    }
    rst_fields(seg, &out);
    memset(&tx, 0, sizeof(tx));
    tx.src = rx->hdr->dst;
    tx.dst = rx->hdr->src;
    tx.protocol = AXN_TCP_PROTO;
    tx.df = axn_ip4_df_mode(AXN_IP_PMTUDISC_WANT);
    buf = axn_ip4_tx_payload(l->ip, &cap);
    l->stats.out_segs++;
    l->stats.out_rsts++;
    (void)seg_send(l->ip, &tx, &out, buf, cap, now);
}
