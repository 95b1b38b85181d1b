/*
 * A SYN-ACK sent for a handshake the listener keeps no connection for (a
 * SYN cookie, RFC 4987 3.6): built from a scratch description of the
 * connection the ACK will make, so that it carries exactly the options
 * that connection will assume (tcp_listen_cookie.c).
 */
#include "axnet/socket.h"
#include "lib/mem.h"
#include "tcp/tcp_listen.h"
#include "tcp/tcp_options.h"
#include "tcp/tcp_output.h"
#include "wire/checksum.h"

void axn_tcp_synack_send(const struct axn_tcp_conn *c, uint32_t ts_val, bool retrans,
                         axn_time_t now)
{
    struct axn_tcp_layer *l = c->layer;
    struct axn_ip4_tx tx;
    struct axn_tcp seg;
    size_t cap;
    uint8_t *buf = axn_ip4_tx_payload(l->ip, &cap);

    memset(&seg, 0, sizeof(seg));
    seg.src_port = c->lport;
    seg.dst_port = c->rport;
    seg.seq = c->iss;
    seg.ack = c->rcv_nxt;
    seg.flags = AXN_TCP_SYN | AXN_TCP_ACK;
    seg.window = axn_tcp_listen_synack_window(c);
    axn_tcp_opts_fill_syn(&c->opt, c->adv_mss, ts_val, &seg.opts);

    memset(&tx, 0, sizeof(tx));
    tx.src = c->laddr;
    tx.dst = c->raddr;
    tx.protocol = AXN_TCP_PROTO;
    tx.tos = c->tos;
    tx.ttl = c->ttl;
    tx.df = c->df_mode;
    tx.ifindex = c->bound_ifindex;
    const size_t total = axn_tcp_len(&seg);
    const uint32_t pseudo = axn_csum_pseudo_v4(tx.src, tx.dst, AXN_TCP_PROTO, (uint16_t)total);
    const int n = axn_tcp_emit(&seg, buf, cap, pseudo, 0);
    if (n < 0)
        return;
    if (retrans) {
        l->stats.retrans_segs++;
        l->ext.syn_retrans++;
    } else {
        l->stats.out_segs++;
    }
    (void)axn_ip4_output(l->ip, &tx, buf, (size_t)n, now);
}
