/*
 * SYN cookies at the listener (RFC 4987 3.6, Linux-style; the encoding is
 * tcp_syncookie.c's): a SYN answered with a cookie leaves no state; the
 * ACK echoing a valid cookie makes the connection directly, in
 * SYN-RECEIVED, and the normal input path then completes it (its data
 * kept), as for a child from the SYN queue.
 */
#include "lib/mem.h"
#include "lib/siphash.h"
#include "tcp/tcp_listen.h"
#include "tcp/tcp_options.h"
#include "tcp/tcp_output.h"
#include "tcp/tcp_syncookie.h"

/* Domains of the cookie secret's two halves, derived from the layer's
 * table secret (a PRF of it: neither reveals the other). */
#define COOKIE_KEY_DOMAIN0 0x434b3030u /* "CK00" */
#define COOKIE_KEY_DOMAIN1 0x434b3031u /* "CK01" */
/* How long after the last cookie an ACK may still carry one: its
 * lifetime (Linux TCP_SYNCOOKIE_VALID). */
#define COOKIE_WINDOW_US ((axn_time_t)AXN_TCP_COOKIE_PERIODS * AXN_TCP_COOKIE_PERIOD_US)

static void cookie_key(const struct axn_tcp_layer *l, uint8_t key[AXN_SIPHASH_KEY_BYTES])
{
    const uint32_t d0 = COOKIE_KEY_DOMAIN0;
    const uint32_t d1 = COOKIE_KEY_DOMAIN1;
    const uint64_t k0 = axn_siphash24(l->hash_key, &d0, sizeof(d0));
    const uint64_t k1 = axn_siphash24(l->hash_key, &d1, sizeof(d1));
    memcpy(key, &k0, sizeof(k0));
    memcpy(key + sizeof(k0), &k1, sizeof(k1));
}

/* The 4-tuple as the listener sees it, and the peer's ISN. */
static struct axn_tcp_cookie_tuple cookie_tuple(const struct axn_tcp_in *in, uint32_t peer_isn)
{
    const struct axn_tcp_cookie_tuple t = {.laddr = in->rx->hdr->dst,
                                           .raddr = in->rx->hdr->src,
                                           .lport = in->seg.dst_port,
                                           .rport = in->seg.src_port,
                                           .peer_isn = peer_isn};
    return t;
}

/* What a cookie connection can know of the SYN: its MSS (from the table)
 * and, only with timestamps, the rest (Linux tcp_conn_request clears the
 * options of a cookie SYN without timestamps: they could not come back). */
static struct axn_tcp_opts syn_opts_kept(const struct axn_tcp_opts *syn, uint16_t mss)
{
    struct axn_tcp_opts o = *syn;
    o.has_mss = true;
    o.mss = mss;
    o.n_sack = 0;
    if (!o.has_ts) {
        o.has_wscale = false;
        o.sack_perm = false;
    }
    return o;
}

void axn_tcp_cookie_synack(struct axn_tcp_conn *lst, const struct axn_tcp_in *in, axn_time_t now)
{
    struct axn_tcp_layer *l = in->l;
    const uint16_t peer_mss = in->seg.opts.has_mss ? in->seg.opts.mss : AXN_TCP_DEFAULT_MSS;
    const uint8_t idx = axn_tcp_cookie_mss_index(peer_mss);
    const struct axn_tcp_cookie_tuple t = cookie_tuple(in, in->seg.seq);
    uint8_t key[AXN_SIPHASH_KEY_BYTES];
    /* A scratch connection (on the stack, never listed): the one the ACK
     * will make, so the SYN-ACK offers what it will assume. */
    struct axn_tcp_conn c;
    struct axn_tcp_opts peer = syn_opts_kept(&in->seg.opts, axn_tcp_cookie_mss(idx));

    cookie_key(l, key);
    memset(&c, 0, sizeof(c));
    c.layer = l;
    c.state = AXN_TCP_SYN_RECV;
    const uint32_t iss = axn_tcp_cookie_make(key, &t, axn_tcp_cookie_counter(now), idx);
    const struct axn_tcp_child_spec spec = axn_tcp_listen_spec(in, iss, in->seg.seq);
    axn_tcp_listen_child_init(&c, lst, &spec, &peer, now);
    if (!c.opt.ts_ok) {
        /* Our side has timestamps off: nothing but the MSS survives. */
        peer.has_wscale = false;
        peer.sack_perm = false;
        axn_tcp_listen_child_init(&c, lst, &spec, &peer, now);
    }
    const struct axn_tcp_cookie_opts bits = {
        .wscale_ok = c.opt.wscale_ok, .snd_wscale = c.opt.snd_wscale, .sack_ok = c.opt.sack_ok};
    const uint32_t ts = c.opt.ts_ok ? axn_tcp_cookie_ts_encode(axn_tcp_ts_val(&c, now), &bits) : 0;
    axn_tcp_synack_send(&c, ts, false, now);
    lst->cookie_sent_at = now;
    l->ext.syncookies_sent++;
}

/* The options the ACK brings back: the MSS from the cookie, the rest
 * from the low bits of its TSecr (our TSval echoed). False: impossible. */
static bool ack_opts(const struct axn_tcp *seg, uint8_t idx, struct axn_tcp_opts *o)
{
    struct axn_tcp_cookie_opts bits;
    memset(o, 0, sizeof(*o));
    o->has_mss = true;
    o->mss = axn_tcp_cookie_mss(idx);
    if (!seg->opts.has_ts)
        return true;
    if (!axn_tcp_cookie_ts_decode(seg->opts.ts_ecr, &bits))
        return false;
    o->has_ts = true;
    o->ts_val = seg->opts.ts_val;
    o->ts_ecr = seg->opts.ts_ecr;
    o->has_wscale = bits.wscale_ok;
    o->wscale = bits.snd_wscale;
    o->sack_perm = bits.sack_ok;
    return true;
}

/* Cookies can be out: always with syncookies = 2, else for a cookie
 * lifetime after the last one went (Linux tcp_synq_no_recent_overflow). */
static bool cookies_recent(const struct axn_tcp_conn *lst, const struct axn_tcp_layer *l,
                           axn_time_t now)
{
    if (l->cfg.syncookies == AXN_TCP_SYNCOOKIES_OFF)
        return false;
    if (l->cfg.syncookies == AXN_TCP_SYNCOOKIES_ALWAYS)
        return true;
    return lst->cookie_sent_at != 0 && now - lst->cookie_sent_at < COOKIE_WINDOW_US;
}

bool axn_tcp_cookie_ack(struct axn_tcp_conn *lst, struct axn_tcp_in *in, axn_time_t now)
{
    struct axn_tcp_layer *l = in->l;
    const struct axn_tcp *seg = &in->seg;
    const struct axn_tcp_cookie_tuple t = cookie_tuple(in, seg->seq - 1);
    uint8_t key[AXN_SIPHASH_KEY_BYTES];
    struct axn_tcp_opts peer;
    uint8_t idx;

    if ((seg->flags & AXN_TCP_RST) || !cookies_recent(lst, l, now))
        return false;
    cookie_key(l, key);
    if (!axn_tcp_cookie_check(key, &t, seg->ack - 1, axn_tcp_cookie_counter(now), &idx) ||
        !ack_opts(seg, idx, &peer)) {
        l->ext.syncookies_failed++;
        return false;
    }
    l->ext.syncookies_recv++;
    if (axn_tcp_listen_acc_full(lst)) {
        /* Linux: the ACK is dropped (the client retransmits its data or
         * times out); no state was kept, so nothing else to do. */
        l->ext.listen_overflows++;
        l->ext.listen_drops++;
        return true;
    }
    /* The connection the cookie stands for (Linux counts it a passive
     * open when it is made). */
    const struct axn_tcp_child_spec spec = axn_tcp_listen_spec(in, seg->ack - 1, seg->seq - 1);
    struct axn_tcp_conn *c = axn_tcp_listen_child_new(lst, &spec, &peer, now);
    if (!c) {
        l->ext.listen_drops++;
        return true;
    }
    l->stats.passive_opens++;
    axn_tcp_listen_child_feed(l, c, in, now);
    return true;
}
