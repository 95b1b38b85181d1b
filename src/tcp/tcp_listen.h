/*
 * What the listener's files (tcp_listen.c: SYNs, children, queues;
 * tcp_listen_cookie.c: SYN cookies; tcp_synack.c: a SYN-ACK sent without
 * a connection) call of one another.
 */
#ifndef AXN_TCP_TCP_LISTEN_H
#define AXN_TCP_TCP_LISTEN_H

#include <stdbool.h>
#include <stdint.h>

#include "tcp/tcp_input.h"

/* ---- tcp_listen.c ---- */

/* What a child connection is made from: the exact 4-tuple of the SYN
 * (spec TCP-33), both initial sequence numbers and the SYN's window. */
struct axn_tcp_child_spec {
    axn_ip4_t laddr;
    axn_ip4_t raddr;
    uint16_t lport;
    uint16_t rport;
    uint32_t iss;
    uint32_t irs;
    uint16_t window;
};

/* The spec of the segment `in` (its 4-tuple as seen by the listener). */
struct axn_tcp_child_spec axn_tcp_listen_spec(const struct axn_tcp_in *in, uint32_t iss,
                                              uint32_t irs);
/* The accept queue holds more than the backlog (Linux sk_acceptq_is_full). */
bool axn_tcp_listen_acc_full(const struct axn_tcp_conn *lst);
/* c (not on any list yet) takes what a child inherits from its listener,
 * the spec, and the options `peer` (the SYN's) agreed with our offer
 * (axn_tcp_opts_offer, axn_tcp_opts_from_syn); its MSS is set. */
void axn_tcp_listen_child_init(struct axn_tcp_conn *c, const struct axn_tcp_conn *lst,
                               const struct axn_tcp_child_spec *s, const struct axn_tcp_opts *peer,
                               axn_time_t now);
/* A child made at the ACK completing its handshake (a request entry's
 * or a cookie's), in SYN-RECEIVED as if its SYN-ACK had just gone
 * (SND.NXT = ISS + 1, the SYN-ACK's window offered): hashed and on lst's
 * SYN queue until the input path moves it to the accept queue. NULL when
 * out of memory. */
struct axn_tcp_conn *axn_tcp_listen_child_new(struct axn_tcp_conn *lst,
                                              const struct axn_tcp_child_spec *s,
                                              const struct axn_tcp_opts *peer, axn_time_t now);
/* Feeds the completing ACK `in` to the child just made for it; a child
 * still in SYN-RECEIVED afterwards (the ACK not acceptable after all) is
 * dropped, as it has no SYN-ACK timer. */
void axn_tcp_listen_child_feed(struct axn_tcp_layer *l, struct axn_tcp_conn *c,
                               struct axn_tcp_in *in, axn_time_t now);
/* The SYN-ACK window of a child: its receive buffer, at most 65535
 * (RFC 7323 2.2: a SYN's window is never scaled). */
uint16_t axn_tcp_listen_synack_window(const struct axn_tcp_conn *c);

/* ---- tcp_synack.c ---- */

/* Sends the SYN-ACK of `c` (a connection in SYN-RECEIVED not yet sent
 * through tcp_output: its 4-tuple, c->iss, c->rcv_nxt, c->opt, c->adv_mss,
 * socket options) with TSval `ts_val`, without touching c: for a SYN
 * cookie. */
void axn_tcp_synack_send(const struct axn_tcp_conn *c, uint32_t ts_val, bool retrans,
                         axn_time_t now);

/* ---- tcp_listen_req.c ---- */

struct axn_tcp_req;
/* The request entry for the 4-tuple of `in`, or NULL. */
struct axn_tcp_req *axn_tcp_req_find(const struct axn_tcp_conn *lst, const struct axn_tcp_in *in);
/* A SYN with room in the SYN queue: a request entry, its SYN-ACK sent and
 * timed (counted: PassiveOpens). */
void axn_tcp_req_new(struct axn_tcp_conn *lst, const struct axn_tcp_in *in, axn_time_t now);
/* A segment for request entry r (RFC 9293 3.10.7.4 in SYN-RECEIVED, as
 * Linux tcp_check_req): the SYN again, a RST, the ACK completing it. */
void axn_tcp_req_input(struct axn_tcp_conn *lst, struct axn_tcp_req *r, struct axn_tcp_in *in,
                       axn_time_t now);
/* The listener's SYN-ACK timer (its AXN_TCP_T_RTO, from tcp_timer.c):
 * SYN-ACKs due go again with back-off; entries past
 * AXN_TCP_SYNACK_RETRIES go. Re-arms the timer for the next one. */
void axn_tcp_listen_timers(struct axn_tcp_conn *lst, axn_time_t now);

/* ---- tcp_listen_cookie.c ---- */

/* A SYN the listener keeps no state for: answered with a cookie. */
void axn_tcp_cookie_synack(struct axn_tcp_conn *lst, const struct axn_tcp_in *in, axn_time_t now);
/* A bare ACK reaching the listener: if cookies may be out and it carries
 * a valid one, the connection it completes is made and the segment fed
 * to it (true). False: not a cookie (SyncookiesFailed counted when one
 * was expected); the caller answers as without cookies (a RST, as Linux
 * does once cookie_v4_check hands the segment back to the listener). */
bool axn_tcp_cookie_ack(struct axn_tcp_conn *lst, struct axn_tcp_in *in, axn_time_t now);

#endif /* AXN_TCP_TCP_LISTEN_H */
