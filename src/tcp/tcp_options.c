/*
 * Option negotiation (tcp_options.h): what our SYN offers (RFC 7323
 * window scaling and timestamps, RFC 2018 SACK-permitted), what the
 * peer's SYN or SYN-ACK makes of it, and the options of every later
 * segment. Timestamps on input are tcp_ts.c's, SACK blocks tcp_sack_rx.c's.
 */
#include "tcp/tcp_options.h"

#include "lib/mem.h"
#include "lib/siphash.h"
#include "tcp/tcp_output.h"
#include "tcp/tcp_seq.h"

/* RFC 7323 5.4: the timestamp clock ticks once a millisecond (within the
 * 1 ms .. 1 s the RFC allows; Linux's rate). */
#define OPT_US_PER_TS_TICK 1000u
/* RFC 2018 3: blocks that fit beside timestamps (10 + 2 NOPs), and
 * without them. */
#define OPT_SACK_BLOCKS_WITH_TS 3u
#define OPT_SACK_BLOCKS_NO_TS   4u
/* Bytes every segment spends on timestamps: NOP NOP kind len TSval TSecr. */
#define OPT_TS_SPACE 12u
/* Domain of the TSval offset hash, apart from the table's own use of
 * the key ("TSof"). */
#define OPT_TS_HASH_DOMAIN 0x54536f66u

uint8_t axn_tcp_wscale_for(uint32_t space)
{
    uint8_t s = 0;

    /* The smallest shift for which the largest 16-bit window, shifted,
     * covers the space (RFC 7323 2.3, at most 14). */
    while (s < AXN_TCP_MAX_WSCALE && ((uint64_t)AXN_TCP_MAX_UNSCALED_WND << s) < space) {
        s++;
    }
    return s;
}

void axn_tcp_opts_fill_syn(const struct axn_tcp_negotiated *n, uint16_t mss, uint32_t ts_val,
                           struct axn_tcp_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->has_mss = true;
    o->mss = mss;
    if (n->wscale_ok) {
        o->has_wscale = true;
        o->wscale = n->rcv_wscale;
    }
    o->sack_perm = n->sack_ok;
    if (n->ts_ok) {
        o->has_ts = true;
        o->ts_val = ts_val;
        o->ts_ecr = n->ts_recent; /* 0 in our SYN: nothing to echo yet */
    }
}

uint32_t axn_tcp_ts_offset(const struct axn_tcp_layer *l, axn_ip4_t laddr, uint16_t lport,
                           axn_ip4_t raddr, uint16_t rport)
{
    const uint32_t msg[4] = {OPT_TS_HASH_DOMAIN, laddr, raddr,
                             ((uint32_t)lport << 16) | (uint32_t)rport};

    return (uint32_t)axn_siphash24(l->hash_key, msg, sizeof(msg));
}

/* The largest receive buffer c may grow to: auto-tuning takes it up to
 * tcp_rmem[2]; without auto-tuning, or with SO_RCVBUF set by the user,
 * the buffer as it is. The shift is fixed in the SYN, so it must cover
 * the largest window ever offered. */
static uint32_t rcv_space_max(const struct axn_tcp_conn *c)
{
    const struct axn_tcp_settings *s = &c->layer->cfg;

    if (s->moderate_rcvbuf && !c->mem.rcvbuf_locked && s->rmem[2] > c->rcvbuf) {
        return s->rmem[2];
    }
    return c->rcvbuf;
}

void axn_tcp_opts_offer(struct axn_tcp_conn *c)
{
    const struct axn_tcp_settings *s = &c->layer->cfg;
    struct axn_tcp_negotiated *n = &c->opt;

    n->wscale_ok = s->window_scaling;
    n->rcv_wscale = s->window_scaling ? axn_tcp_wscale_for(rcv_space_max(c)) : 0;
    n->snd_wscale = 0;
    n->ts_ok = s->timestamps;
    n->sack_ok = s->sack;
    n->ts_recent = 0;
    n->ts_recent_at = 0;
    n->ts_syn_set = false;
    n->ts_offset = axn_tcp_ts_offset(c->layer, c->laddr, c->lport, c->raddr, c->rport);
}

void axn_tcp_opts_from_syn(struct axn_tcp_conn *c, const struct axn_tcp_opts *peer, axn_time_t now)
{
    struct axn_tcp_negotiated *n = &c->opt;

    n->peer_mss = peer->has_mss ? peer->mss : AXN_TCP_DEFAULT_MSS;
    /* RFC 7323 2.2: scaling is on in both directions or in neither. */
    n->wscale_ok = n->wscale_ok && peer->has_wscale;
    if (n->wscale_ok) {
        n->snd_wscale = peer->wscale > AXN_TCP_MAX_WSCALE ? AXN_TCP_MAX_WSCALE : peer->wscale;
    } else {
        n->snd_wscale = 0;
        n->rcv_wscale = 0;
    }
    n->sack_ok = n->sack_ok && peer->sack_perm;
    /* RFC 7323 3.2: timestamps only if both SYNs carry them. */
    n->ts_ok = n->ts_ok && peer->has_ts;
    if (n->ts_ok) {
        n->ts_recent = peer->ts_val;
        n->ts_recent_at = now;
    }
    /* RFC 7323 4.3: our answer to the SYN acknowledges RCV.NXT (set by
     * the caller from the SYN); a connection made from a SYN cookie sends
     * nothing before the next segment arrives. */
    n->last_ack_sent = c->rcv_nxt;
}

uint32_t axn_tcp_ts_val(const struct axn_tcp_conn *c, axn_time_t now)
{
    return (uint32_t)(now / OPT_US_PER_TS_TICK) + c->opt.ts_offset;
}

bool axn_tcp_ts_rtt(const struct axn_tcp_conn *c, const struct axn_tcp *seg, axn_time_t now,
                    axn_time_t *rtt)
{
    uint32_t ticks;

    /* RFC 7323 4.1: RTTM from TSecr; a zero TSecr is not an echo of ours
     * (RFC 7323 3.2: TSecr is 0 until something was echoed). */
    if (!c->opt.ts_ok || !seg->opts.has_ts || seg->opts.ts_ecr == 0) {
        return false;
    }
    ticks = axn_tcp_ts_val(c, now) - seg->opts.ts_ecr;
    if ((int32_t)ticks < 0) {
        return false; /* echoes a TSval we have not sent: forged or broken */
    }
    /* Below one tick the clock cannot tell: the sample is one
     * microsecond (never 0, which reads as "no sample"). */
    *rtt = ticks == 0 ? 1u : (axn_time_t)ticks * OPT_US_PER_TS_TICK;
    return true;
}

uint32_t axn_tcp_opts_fixed_len(const struct axn_tcp_conn *c)
{
    return c->opt.ts_ok ? OPT_TS_SPACE : 0u;
}

/* RFC 2018 4: as many SACK blocks as fit in `room` option bytes. */
static void fill_sack(struct axn_tcp_conn *c, uint32_t room, struct axn_tcp_opts *o)
{
    unsigned max = o->has_ts ? OPT_SACK_BLOCKS_WITH_TS : OPT_SACK_BLOCKS_NO_TS;

    if (max > AXN_TCP_MAX_SACK_BLOCKS) {
        max = AXN_TCP_MAX_SACK_BLOCKS;
    }
    axn_tcp_sack_rx_fill(c, max, o);
    while (o->n_sack > 0 && axn_tcp_opts_len(o) > room) {
        o->n_sack--; /* the oldest reported go first */
    }
    axn_tcp_sack_rx_sent(c, o);
}

void axn_tcp_opts_fill_seg(struct axn_tcp_conn *c, bool ack, uint32_t room, axn_time_t now,
                           struct axn_tcp_opts *o)
{
    /* RFC 7323 3.2: once negotiated, every segment carries timestamps
     * (RST included, as Linux sends them). */
    if (c->opt.ts_ok) {
        o->has_ts = true;
        o->ts_val = axn_tcp_ts_val(c, now);
        o->ts_ecr = c->opt.ts_recent;
    }
    if (ack && c->opt.sack_ok) {
        fill_sack(c, room, o);
    }
}
