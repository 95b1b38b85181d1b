/*
 * TCP (RFC 9293) over IPv4 with Linux socket semantics: the per-stack
 * layer and what the files of src/tcp/ call of one another.
 *
 * Files, by concern:
 *   protocol engine (acts on struct axn_tcp_conn, tcp_conn.h):
 *     tcp_conn.c    lifecycle of a connection, state changes, CurrEstab
 *     tcp_ring.c    the byte rings of send and receive data
 *     tcp_input.c   segment arrival, RFC 9293 3.10.7 by state
 *     tcp_reass.c   in-order and out-of-order data into the receive ring
 *     tcp_listen.c  LISTEN: SYNs, children, the SYN and accept queues
 *     tcp_icmp.c    ICMP errors (RFC 5927, RFC 1191)
 *     tcp_ack.c     what an acceptable ACK does to the sender
 *     tcp_output.c  what goes out now: SYN, data, FIN, retransmission, probes
 *     tcp_output_seg.c  one segment built and sent; the RST answering a segment
 *     tcp_ack_send.c    ACK policy (delayed, quick), out-of-window and challenge ACKs
 *     tcp_window.c  the receive window offered
 *     tcp_mss.c     MSS and path MTU
 *     tcp_close.c   the engine side of shutdown(SHUT_WR), close and abort
 *     tcp_timer.c   retransmission, delayed ACK, persist, keep-alive, waits
 *     tcp_rtt.c     RFC 6298 estimator
 *     tcp_cc.h, tcp_cc.c, tcp_cc_newreno.c, tcp_cc_cubic.c, tcp_hystart.c
 *                   congestion control behind an ops table (reno, cubic)
 *     tcp_recovery.c  loss-recovery window arithmetic (RFC 6582, RFC 6675)
 *     tcp_options.c, tcp_ts.c   RFC 7323 / RFC 2018 negotiation, timestamps, PAWS
 *     tcp_sack_rx.c   the SACK blocks we send (RFC 2018 4, RFC 2883)
 *     tcp_sack*.c     the sender's scoreboard, RFC 6675 IsLost/pipe/NextSeg
 *     tcp_buf.c       lazy rings, receive/send buffer auto-tuning
 *     tcp_synq.c, tcp_listen_req.c, tcp_syncookie.c, tcp_listen_cookie.c,
 *     tcp_synack.c    request entries and SYN cookies of a listener
 *     tcp_settings.c  the stack's net.ipv4.tcp_* settings
 *   sockets (tcp_sock.h):
 *     tcp_layer.c   this layer: registration with IPv4, counters
 *     tcp_table.c   the 4-tuple hash, bound ports, listeners, ephemeral ports
 *     tcp_sock*.c   the socket ops, tcp_opt.c options, tcp_info.c TCP_INFO
 *   building blocks: tcp_seq.h, tcp_isn.c (RFC 6528), tcp_port.c
 *     (RFC 6056), tcp_tuple.c.
 *
 * Every function runs with the stack's core lock held. The engine never
 * reads a clock: `now` comes from the IPv4 hooks (input, timers) or from
 * the socket op (axn_sock_now).
 */
#ifndef AXN_TCP_TCP_H
#define AXN_TCP_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "axnet/config.h"
#include "axnet/snmp.h"
#include "axnet/tcp.h"
#include "ip/ip4.h"
#include "tcp/tcp_conn.h"
#include "tcp/tcp_isn.h"
#include "tcp/tcp_port.h"
#include "wire/tcp.h"

struct axn_stack;
struct axn_tcp_sock;
struct axn_tcp_cc_ops;

/* ---- The layer (tcp_layer.c, tcp_table.c) -------------------------------------- */

struct axn_tcp_layer {
    struct axn_stack *st;
    struct axn_ip4 *ip;
    const struct axn_platform *plat;
    struct axn_tcp_isn isn;
    struct axn_tcp_ports ports;
    /* Connections with a full 4-tuple (SYN-SENT to TIME-WAIT, children
     * included), AXN_TCP_HASH_BUCKETS chains through conn->hash_next. */
    struct axn_tcp_conn **hash;
    size_t hash_buckets; /* a power of two; 0: AXN_TCP_HASH_BUCKETS (grows: tcp_table.c) */
    size_t n_hashed;
    /* Connections with a timer armed, a min-heap on their earliest
     * deadline (tcp_timer.c): a timer pass visits only the due ones. */
    struct axn_tcp_conn **theap;
    uint32_t theap_len;
    uint32_t theap_cap;
    uint32_t timer_pass;
    /* SipHash secret of the hash and of SO_REUSEPORT selection (its own,
     * so bucket layout tells nothing of the ISN or port keys). */
    uint8_t hash_key[AXN_SIPHASH_KEY_BYTES];
    /* Every connection, for the timers (conn->all_next/all_prev). */
    struct axn_tcp_conn *all;
    size_t n_conns;
    size_t n_orphans; /* orphans not in TIME-WAIT (Linux tcp_orphan_count) */
    size_t n_tw;      /* connections in TIME-WAIT (Linux tw_count) */
    /* Sockets holding a local port, by port (tcp_table.c): `bound` has
     * those bound by bind()/listen (the listener candidates, first in each
     * chain) then accepted children; `bound_conn` those connect() gave a
     * port (Linux keeps both in bhash; only listeners in lhash). */
    struct axn_tcp_sock *bound[AXN_TCP_BIND_BUCKETS];
    struct axn_tcp_sock *bound_conn[AXN_TCP_BIND_BUCKETS];
    /* RFC 5961 7: the challenge ACKs sent in the current second. */
    axn_time_t challenge_second;
    uint32_t challenge_count;
    struct axn_snmp_tcp stats;
    struct axn_snmp_tcp_ext ext;
    /* The stack's net.ipv4.tcp_* settings (axnet/tcp.h), and the
     * congestion control they name, resolved. */
    struct axn_tcp_settings cfg;
    const struct axn_tcp_cc_ops *default_cc;
};

/* The layer of `st` (its socket layer's TCP state), or NULL. */
struct axn_tcp_layer *axn_tcp_layer_of(struct axn_stack *st);
/* Linux's net.ipv4.tcp_* defaults into l->cfg (tcp_settings.c). */
void axn_tcp_settings_defaults(struct axn_tcp_layer *l);

/* ---- The 4-tuple hash and lookups (tcp_table.c) ---------------------------------- */

void axn_tcp_hash_insert(struct axn_tcp_layer *l, struct axn_tcp_conn *c);
void axn_tcp_hash_remove(struct axn_tcp_layer *l, struct axn_tcp_conn *c);
/* The connection on exactly this 4-tuple (host order), or NULL. */
struct axn_tcp_conn *axn_tcp_lookup(struct axn_tcp_layer *l, axn_ip4_t laddr, uint16_t lport,
                                    axn_ip4_t raddr, uint16_t rport);
/* The listening connection a SYN to laddr:lport from raddr:rport on
 * `ifindex` reaches (specific address before wildcard, SO_BINDTODEVICE
 * honoured, a SO_REUSEPORT group spread by a hash of the 4-tuple), or
 * NULL. */
struct axn_tcp_conn *axn_tcp_lookup_listener(struct axn_tcp_layer *l, axn_ip4_t laddr,
                                             uint16_t lport, axn_ip4_t raddr, uint16_t rport,
                                             uint32_t ifindex);

/* ---- Engine -> socket (tcp_sock_event.c) ------------------------------------------------ */

/* Readiness of c's socket may have changed (AXN_POLL* that became true):
 * notifies it; for a child not yet accepted, its listener (POLLIN) when it
 * entered the accept queue. No-op for an orphan. */
void axn_tcp_sock_event(struct axn_tcp_conn *c, unsigned events);

/* ---- Input (tcp_input.c, tcp_reass.c, tcp_listen.c, tcp_icmp.c) -------------------- */

/* IPv4's handlers for protocol 6 (ctx: the layer). */
void axn_tcp_input(void *ctx, const struct axn_ip4_rx *rx, axn_time_t now);
void axn_tcp_err(void *ctx, const struct axn_icmp4_err *err, axn_time_t now);

/* A listener's queues. The oldest child in the accept queue, unlinked
 * from it (its parent cleared), or NULL when empty. */
struct axn_tcp_conn *axn_tcp_accept_pop(struct axn_tcp_conn *listener);
/* Takes `c` off its listener's SYN or accept queue, if on one. */
void axn_tcp_listen_unlink(struct axn_tcp_conn *c);
/* The listener closes (or stops listening): every child in its queues is
 * reset (RST, as Linux inet_csk_listen_stop) and freed. */
void axn_tcp_listen_stop(struct axn_tcp_conn *listener, axn_time_t now);

/* ---- Output (tcp_output*.c, tcp_ack_send.c, tcp_close.c, tcp_window.c, tcp_mss.c) --- */

/* Active open (RFC 9293 3.10.1): c has its 4-tuple and rings and is
 * hashed; picks the ISS, moves to SYN-SENT and sends the SYN. */
void axn_tcp_open_active(struct axn_tcp_conn *c, axn_time_t now);
/* Sends what the state, windows, Nagle/cork and cwnd allow (SYN, SYN-ACK,
 * data, FIN), and a pending ACK (conn->ack_now). */
void axn_tcp_output(struct axn_tcp_conn *c, axn_time_t now);
/* A pure ACK now (cancels a delayed one). */
void axn_tcp_send_ack(struct axn_tcp_conn *c, axn_time_t now);
/* Received data wants an ACK: now (out of order, quick-ACK mode, a
 * second full segment, FIN, a window to open) or delayed (RFC 1122
 * 4.2.3.2). `out_of_order`: a gap exists or was just filled. */
void axn_tcp_ack_schedule(struct axn_tcp_conn *c, bool out_of_order, axn_time_t now);
/* Linux tcp_oow_rate_limited: whether an ACK answering an out-of-window
 * segment (or a challenge) must be skipped, one having gone from c less
 * than AXN_TCP_INVALID_RATELIMIT_MS ago; if not, now is noted as the
 * last one. */
bool axn_tcp_oow_limited(struct axn_tcp_conn *c, axn_time_t now);
/* RFC 5961 7: a challenge ACK, at most one per AXN_TCP_INVALID_RATELIMIT_MS
 * per connection (Linux) and AXN_TCP_CHALLENGE_ACK_LIMIT per second
 * stack-wide (TCPChallengeACK / TCPACKSkippedChallenge). */
void axn_tcp_send_challenge_ack(struct axn_tcp_conn *c, axn_time_t now);
/* Abortive close: RST at snd_max as Linux (tcp_need_reset's states; in
 * CLOSING and LAST-ACK after close with unread data or with something
 * unsent), then done with `err` (0 when the user asked: linger 0, close
 * with unread data). */
void axn_tcp_abort(struct axn_tcp_conn *c, int err, axn_time_t now);
/* SHUT_WR / close (RFC 9293 3.10.4): queue the FIN after the data,
 * ESTABLISHED -> FIN-WAIT-1, CLOSE-WAIT -> LAST-ACK, SYN-RECEIVED waits
 * for ESTABLISHED; output. */
void axn_tcp_shutdown_wr(struct axn_tcp_conn *c, axn_time_t now);
/* The user read from the receive ring: a window update if it opened by
 * at least one MSS or half the ring (RFC 1122 4.2.3.3, receiver SWS). */
void axn_tcp_rcv_consumed(struct axn_tcp_conn *c, axn_time_t now);
/* The window to advertise now: the ring's room, at most SO_RCVBUF minus
 * what is queued (receiver SWS avoidance; never shrinks the right edge
 * already offered, RFC 9293 3.8.6.2.2). */
uint32_t axn_tcp_rcv_window(const struct axn_tcp_conn *c);
/* RFC 9293 3.10.7.1: the RST answering `seg` (no connection, or a
 * listener's bad ACK); none for a RST. */
void axn_tcp_reply_rst(struct axn_tcp_layer *l, const struct axn_ip4_rx *rx,
                       const struct axn_tcp *seg, axn_time_t now);
/* The path MTU to c's peer is now `mtu` (RFC 1191 via ICMP): a smaller
 * MSS and the lost segment resent at once. */
void axn_tcp_pmtu_update(struct axn_tcp_conn *c, uint32_t mtu, axn_time_t now);
/* c's MSS for its route (the interface MTU, learned path MTU, peer MSS
 * and TCP_MAXSEG): sets c->mss, c->adv_mss and c->pmtu. */
void axn_tcp_mss_init(struct axn_tcp_conn *c, axn_time_t now);
/* The most payload one transmission of new data may carry: c->mss, or a
 * multiple of it up to AXN_GSO_MAX_SIZE when the route's device takes
 * TSO (or software GSO is worth it) (tcp_mss.c). */
uint32_t axn_tcp_send_size_goal(const struct axn_tcp_conn *c);

/* ---- The sender's ACK processing (tcp_ack.c) ------------------------------------------ */

/* What axn_tcp_ack_process found. */
enum axn_tcp_ack_result {
    AXN_TCP_ACK_OK = 0,       /* acceptable (maybe a duplicate): go on with the segment */
    AXN_TCP_ACK_DROP = 1,     /* acknowledges something not sent: ACK sent, segment dropped */
    AXN_TCP_ACK_FIN_ACKED = 2 /* acceptable, and it acknowledged our FIN */
};
/* RFC 9293 3.10.7.4 "fifth, check the ACK field" for a synchronised
 * state, with RFC 5681/6582 (duplicate ACKs, fast retransmit, NewReno),
 * RFC 6298 (RTT samples, timer restart) and the send window update. */
enum axn_tcp_ack_result axn_tcp_ack_process(struct axn_tcp_conn *c, const struct axn_tcp *seg,
                                            axn_time_t now);

/* ---- Timers (tcp_timer.c) ---------------------------------------------------------- */

void axn_tcp_timer_set(struct axn_tcp_conn *c, enum axn_tcp_timer_id t, axn_time_t at);
void axn_tcp_timer_clear(struct axn_tcp_conn *c, enum axn_tcp_timer_id t);
/* (Re)arms the retransmission timer at now + rto. */
void axn_tcp_rto_restart(struct axn_tcp_conn *c, axn_time_t now);
/* Arms keep-alive after activity, when SO_KEEPALIVE is on. */
void axn_tcp_keepalive_reset(struct axn_tcp_conn *c, axn_time_t now);
/* Enters TIME-WAIT: 2 x MSL from now (RFC 9293 3.10.7.4), its rings
 * freed. With AXN_TCP_MAX_TW connections in TIME-WAIT already, closes
 * instead (Linux TCPTimeWaitOverflow), which frees an orphan: the caller
 * must not touch an orphan's `c` after this. */
void axn_tcp_enter_time_wait(struct axn_tcp_conn *c, axn_time_t now);
/* Restarts TIME-WAIT's 2 x MSL (RFC 9293 3.10.7.4, Linux
 * inet_twsk_reschedule): the state and other timers are left as they are. */
void axn_tcp_time_wait_restart(struct axn_tcp_conn *c, axn_time_t now);
/* IPv4's timer handler (ctx: the layer): runs every connection's due
 * timers (which may free orphans) and returns the next deadline. */
axn_time_t axn_tcp_layer_timer(void *ctx, axn_time_t now);

/* ---- RTT (tcp_rtt.c) -------------------------------------------------------------- */

/* RFC 6298 2.2/2.3: a measurement `rtt` (µs) updates srtt, rttvar, rto
 * (clamped to AXN_TCP_RTO_MIN_MS..AXN_TCP_RTO_MAX_MS) and clears back-off;
 * the congestion control sees it (on_rtt). */
void axn_tcp_rtt_sample(struct axn_tcp_conn *c, axn_time_t rtt, axn_time_t now);
/* RFC 6298 5.5: doubles the RTO (up to the maximum). */
void axn_tcp_rto_backoff(struct axn_tcp_conn *c);

#endif /* AXN_TCP_TCP_H */
