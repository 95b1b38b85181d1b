/*
 * Negotiated TCP options (tcp_options.c, tcp_ts.c, tcp_sack_rx.c; OWNER:
 * options helper): RFC 7323 window scaling and timestamps with PAWS,
 * RFC 2018 SACK-permitted and the SACK blocks we report (RFC 2883
 * D-SACK). What the rest of the engine calls.
 */
#ifndef AXN_TCP_TCP_OPTIONS_H
#define AXN_TCP_TCP_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "tcp/tcp.h"

/* RFC 7323 2.3 / Linux tcp_select_initial_window: the smallest shift
 * that lets a 16-bit window cover `space` bytes, at most 14. */
uint8_t axn_tcp_wscale_for(uint32_t space);

/* The options of a SYN or SYN-ACK offering what `n` says (wscale_ok:
 * n->rcv_wscale; sack_ok: SACK-permitted; ts_ok: TSval `ts_val`, TSecr
 * n->ts_recent, 0 in a SYN) with MSS `mss`. Pure: used for our SYN
 * (n = what we offer) and for a SYN-ACK (n = what was agreed), also by
 * the listener's request entries and SYN cookies. */
void axn_tcp_opts_fill_syn(const struct axn_tcp_negotiated *n, uint16_t mss, uint32_t ts_val,
                           struct axn_tcp_opts *o);

/* Active open: what our SYN offers, from the layer's settings and the
 * receive buffer the connection may grow to (sets c->opt.*_ok and
 * c->opt.rcv_wscale as offers). */
void axn_tcp_opts_offer(struct axn_tcp_conn *c);

/* The peer's SYN or SYN-ACK options `peer`: each option is on only if
 * we offered it (c->opt as offered) and the peer sent it; the peer's
 * shift (clamped to 14, RFC 7323 2.3), MSS and TS.Recent. For a passive
 * open call axn_tcp_opts_offer first. */
void axn_tcp_opts_from_syn(struct axn_tcp_conn *c, const struct axn_tcp_opts *peer, axn_time_t now);

/* Our TSval for c at `now` (RFC 7323 5.4: a millisecond clock with a
 * per-connection offset). */
uint32_t axn_tcp_ts_val(const struct axn_tcp_conn *c, axn_time_t now);

/* RFC 7323 4.1 / RFC 6298: an RTT sample from the TSecr of an ACK that
 * acknowledged new data; false when it gives none. */
bool axn_tcp_ts_rtt(const struct axn_tcp_conn *c, const struct axn_tcp *seg, axn_time_t now,
                    axn_time_t *rtt);

#endif /* AXN_TCP_TCP_OPTIONS_H */
