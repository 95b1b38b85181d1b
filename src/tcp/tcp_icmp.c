/*
 * ICMP errors about segments we sent (RFC 1122 4.2.3.9, RFC 5927, RFC
 * 1191), as Linux tcp_v4_err where the RFCs leave room:
 *   - the quoted sequence number must be one we have in flight (RFC 5927
 *     4.1), else the error is ignored (OutOfWindowIcmps);
 *   - fragmentation needed: a smaller MSS and a resend (RFC 1191);
 *   - during connect, a hard error (port or protocol unreachable,
 *     administratively prohibited, ...) aborts with its errno; a soft one
 *     (net/host unreachable, time exceeded, parameter problem) is kept as
 *     soft_err, reported if the connect then times out. A host unreachable
 *     the stack raised itself, for a next hop that never answered ARP
 *     (ip4_local_err.c), aborts with EHOSTUNREACH as Linux's neighbour
 *     failure does;
 *   - a synchronised connection is never aborted by ICMP (RFC 5927 4.2,
 *     RFC 1122 4.2.3.9): soft_err only.
 */
#include "axnet/errno.h"
#include "lib/byteorder.h"
#include "tcp/tcp.h"
#include "tcp/tcp_seq.h"
#include "wire/icmp4.h"

/* The quoted TCP header: ports, then the sequence number (RFC 792: the
 * first 8 bytes are always quoted). */
#define QUOTED_SPORT_OFF 0u
#define QUOTED_DPORT_OFF 2u
#define QUOTED_SEQ_OFF   4u
#define QUOTED_MIN_LEN   8u

/* RFC 5927 4.1 / RFC 9293 3.10.7.4-like check: SND.UNA <= SEG.SEQ <
 * SND.NXT for the quoted segment; in SYN-SENT, our SYN (ISS). */
static bool quoted_seq_ok(const struct axn_tcp_conn *c, uint32_t seq)
{
    if (c->state == AXN_TCP_SYN_SENT)
        return seq == c->iss;
    return seq_geq(seq, c->snd_una) && seq_lt(seq, c->snd_max);
}

/* The errno of `e` and whether it is hard (RFC 1122 4.2.3.9); false to
 * ignore it (source quench, RFC 6633; redirects; unknown types). */
static bool classify(const struct axn_icmp4_err *e, int *err, bool *hard)
{
    *hard = false;
    switch (e->type) {
    case AXN_ICMP4_DEST_UNREACH:
        return axn_icmp4_unreach_errno(e->code, err, hard);
    case AXN_ICMP4_TIME_EXCEEDED:
        *err = AXN_EHOSTUNREACH;
        return true;
    case AXN_ICMP4_PARAM_PROBLEM:
        *err = AXN_EPROTO;
        return true;
    default:
        return false;
    }
}

/* ip4_local_err.c: our own stack reports that the next hop never
 * resolved (the reporter is the quoted datagram's source, us). */
static bool local_arp_failure(const struct axn_icmp4_err *e)
{
    return e->type == AXN_ICMP4_DEST_UNREACH && e->code == AXN_ICMP4_UNREACH_HOST &&
           e->reporter == e->orig_src;
}

static void connect_error(struct axn_tcp_conn *c, const struct axn_icmp4_err *e, int err, bool hard,
                          axn_time_t now)
{
    if (hard || local_arp_failure(e)) {
        axn_tcp_conn_done(c, err, now);
        return;
    }
    c->soft_err = err;
}

/* RFC 1191: the IPv4 layer already learned the MTU (icmp4.c calls
 * axn_ip4_frag_needed first), clamped to AXN_IP4_PMTU_MIN, with RFC 1191
 * 7 plateaus when the router sent none; TCP takes that value, as Linux
 * tcp_v4_mtu_reduced reads the route's, rather than the raw field. A
 * socket that never sets DF (IP_PMTUDISC_DONT, INTERFACE, PROBE) keeps its
 * MSS (Linux ip_sk_accept_pmtu). */
static void frag_needed(struct axn_tcp_layer *l, struct axn_tcp_conn *c, axn_time_t now)
{
    if (c->df_mode != AXN_IP4_DF_WANT && c->df_mode != AXN_IP4_DF_DO)
        return;
    if (c->pmtu == 0)
        return;
    const size_t mtu = axn_ip4_path_mtu(l->ip, c->df_mode, c->raddr, c->pmtu, now);
    if (mtu < c->pmtu)
        axn_tcp_pmtu_update(c, (uint32_t)mtu, now);
}

void axn_tcp_err(void *ctx, const struct axn_icmp4_err *e, axn_time_t now)
{
    struct axn_tcp_layer *l = ctx;
    if (!e->orig_l4 || e->orig_l4_len < QUOTED_MIN_LEN)
        return;
    /* The quoted segment is ours: its source is our end. */
    struct axn_tcp_conn *c =
        axn_tcp_lookup(l, e->orig_src, axn_get_be16(e->orig_l4 + QUOTED_SPORT_OFF), e->orig_dst,
                       axn_get_be16(e->orig_l4 + QUOTED_DPORT_OFF));
    /* A half-open child is not told (its SYN-ACK retransmits or expires),
     * nor a TIME-WAIT (Linux ignores ICMP for both). */
    if (!c || (c->state == AXN_TCP_SYN_RECV && c->parent) || c->state == AXN_TCP_TIME_WAIT ||
        c->state == AXN_TCP_CLOSED)
        return;
    if (!quoted_seq_ok(c, axn_get_be32(e->orig_l4 + QUOTED_SEQ_OFF))) {
        l->ext.out_of_window_icmps++;
        return;
    }
    if (e->type == AXN_ICMP4_DEST_UNREACH && e->code == AXN_ICMP4_UNREACH_FRAG_NEEDED) {
        frag_needed(l, c, now);
        return;
    }
    int err;
    bool hard;
    if (!classify(e, &err, &hard))
        return;
    /* A connect still in its handshake (SYN-SENT, or SYN-RECEIVED after a
     * simultaneous open: Linux tcp_v4_err treats both alike). */
    if (c->state == AXN_TCP_SYN_SENT || c->state == AXN_TCP_SYN_RECV)
        connect_error(c, e, err, hard, now);
    else
        c->soft_err = err;
}
