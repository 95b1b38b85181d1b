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
 * shift (clamped to 14, RFC 7323 2.3), MSS and TS.Recent; c->rcv_nxt
 * must already follow the SYN (it starts Last.ACK.sent). For a passive
 * open call axn_tcp_opts_offer first. */
void axn_tcp_opts_from_syn(struct axn_tcp_conn *c, const struct axn_tcp_opts *peer, axn_time_t now);

/* Our TSval for c at `now` (RFC 7323 5.4: a millisecond clock with a
 * per-connection offset). */
uint32_t axn_tcp_ts_val(const struct axn_tcp_conn *c, axn_time_t now);

/* RFC 7323 4.1 / RFC 6298: an RTT sample from the TSecr of an ACK that
 * acknowledged new data; false when it gives none. */
bool axn_tcp_ts_rtt(const struct axn_tcp_conn *c, const struct axn_tcp *seg, axn_time_t now,
                    axn_time_t *rtt);

/* RFC 7323 3.2 / RFC 6691: option bytes every non-SYN segment of c
 * carries whatever else it holds (timestamps: 12), which the payload of
 * a full-sized segment gives up (tcp_mss.c). */
uint32_t axn_tcp_opts_fixed_len(const struct axn_tcp_conn *c);

/* The options of a non-SYN segment of c (TSval/TSecr, SACK blocks of an
 * ACK within `room` option bytes), added to `o`. Consumes a pending
 * D-SACK. `ack`: the segment carries an ACK. */
void axn_tcp_opts_fill_seg(struct axn_tcp_conn *c, bool ack, uint32_t room, axn_time_t now,
                           struct axn_tcp_opts *o);

/* The TSval offset of a connection on this 4-tuple (host order), as
 * axn_tcp_opts_offer sets it: for request entries and SYN cookies. */
uint32_t axn_tcp_ts_offset(const struct axn_tcp_layer *l, axn_ip4_t laddr, uint16_t lport,
                           axn_ip4_t raddr, uint16_t rport);

/* ---- Timestamps on input (tcp_ts.c) ---- */

/* RFC 7323 5.3 R1 (PAWS) for a synchronised state: whether `seg` is an
 * old duplicate to drop (with an ACK: the caller's). Counts PAWSEstab.
 * RFC 7323 5.5: a TS.Recent idle over 24 days is no longer valid. */
bool axn_tcp_paws_reject(struct axn_tcp_conn *c, const struct axn_tcp *seg, axn_time_t now);
/* RFC 7323 4.3: TS.Recent takes SEG.TSval of an acceptable segment that
 * covers Last.ACK.sent. */
void axn_tcp_ts_update_recent(struct axn_tcp_conn *c, const struct axn_tcp *seg, axn_time_t now);
/* SYN-SENT: a SYN-ACK whose TSecr is not a TSval we sent since our
 * first SYN (Linux PAWSActive, counted): true means reject it. */
bool axn_tcp_paws_active_reject(struct axn_tcp_conn *c, const struct axn_tcp *seg, axn_time_t now);

/* ---- SACK blocks we send (tcp_sack_rx.c) ---- */

/* New out-of-order data [left, right) is held (RFC 2018 4: its block
 * goes first in the next ACK). */
void axn_tcp_sack_rx_note(struct axn_tcp_conn *c, uint32_t left, uint32_t right);
/* RFC 2883: a duplicate [left, right) arrived: below RCV.NXT, or
 * (`ofo`) inside held out-of-order data. Reported once, if D-SACK is on. */
void axn_tcp_sack_rx_dup(struct axn_tcp_conn *c, uint32_t left, uint32_t right, bool ofo);
/* Up to `max` blocks for the next ACK into o->sack (D-SACK first, then
 * most recent first). */
void axn_tcp_sack_rx_fill(const struct axn_tcp_conn *c, unsigned max, struct axn_tcp_opts *o);
/* The blocks `o` holds are going out: a D-SACK among them is spent
 * (TCPDSACKOldSent / TCPDSACKOfoSent). */
void axn_tcp_sack_rx_sent(struct axn_tcp_conn *c, const struct axn_tcp_opts *o);

#endif /* AXN_TCP_TCP_OPTIONS_H */
