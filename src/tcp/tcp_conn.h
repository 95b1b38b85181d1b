/*
 * One TCP connection (RFC 9293 3.3.1 "Transmission Control Block"): the
 * state the protocol engine (tcp_input*.c, tcp_output*.c, tcp_timer.c,
 * tcp_ack.c, tcp_rtt.c, tcp_cc_*.c) works on, apart from the socket.
 *
 * Why a connection is not the socket: it outlives close() (an orphan
 * finishing its FIN handshake, TIME-WAIT) and exists before accept() (a
 * child in the listener's queues), so it is its own allocation, linked to
 * its socket while there is one (`sock`).
 *
 * Memory: the struct has a fixed size; its two byte rings are lazy
 * (tcp_buf.c): allocated when data first needs them, grown up to the
 * buffer limit, returned when drained and idle, so an idle established
 * connection costs the struct alone; and freed as soon as they are of no
 * more use: on entering TIME-WAIT (unread bytes excepted), and for an
 * orphan its receive ring at once and its send ring once its FIN is
 * acknowledged (tcp_conn.c). No segment ever
 * allocates: data is copied from the send ring into the IPv4 layer's
 * output buffer, and received data, in order or not, goes straight into
 * the receive ring.
 *
 * Part 2 (RFC 7323 window scaling and timestamps, RFC 2018 SACK, CUBIC)
 * slots in here: options are negotiated per connection (`opt`), the
 * congestion control is an ops table with private state (`cc`, `cc_priv`),
 * and the out-of-order ranges are what SACK blocks will report.
 *
 * Every field is guarded by the stack's core lock.
 */
#ifndef AXN_TCP_TCP_CONN_H
#define AXN_TCP_TCP_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "axnet/config.h"
#include "axnet/types.h"
#include "tcp/tcp_buf.h"
#include "tcp/tcp_opt_state.h"
#include "tcp/tcp_sack_sb.h"

struct axn_tcp_layer;
struct axn_tcp_sock;
struct axn_tcp_conn;
struct axn_tcp_synq;

/* RFC 9293 3.3.2 states, numbered as Linux's TCP_* (include/net/tcp_states.h)
 * so TCP_INFO's tcpi_state and /proc/net/tcp need no table. */
enum axn_tcp_state {
    AXN_TCP_ESTABLISHED = 1,
    AXN_TCP_SYN_SENT = 2,
    AXN_TCP_SYN_RECV = 3,
    AXN_TCP_FIN_WAIT1 = 4,
    AXN_TCP_FIN_WAIT2 = 5,
    AXN_TCP_TIME_WAIT = 6,
    AXN_TCP_CLOSED = 7,
    AXN_TCP_CLOSE_WAIT = 8,
    AXN_TCP_LAST_ACK = 9,
    AXN_TCP_LISTEN = 10,
    AXN_TCP_CLOSING = 11,
};

/* ---- Byte rings (tcp_ring.c) ---------------------------------------------- */

/* A byte ring: `len` bytes starting at `head`, wrapping at `cap`. */
struct axn_tcp_ring {
    uint8_t *buf;
    uint32_t cap;
    uint32_t head;
    uint32_t len;
};

/* ---- Timers (tcp_timer.c) -------------------------------------------------- */

/* Each is a deadline in conn->timer[], AXN_TIME_NEVER when not armed. */
enum axn_tcp_timer_id {
    AXN_TCP_T_RTO = 0, /* retransmission (SYN, SYN-ACK, data, FIN) */
    AXN_TCP_T_DELACK,  /* delayed ACK */
    AXN_TCP_T_PERSIST, /* zero-window probe */
    AXN_TCP_T_KEEPALIVE,
    AXN_TCP_T_WAIT,    /* TIME-WAIT 2 x MSL, or an orphan's FIN-WAIT-2 timeout */
    AXN_TCP_T_RECLAIM, /* drained rings go back to the allocator (tcp_buf.c) */
    AXN_TCP_T_COUNT,
};

/* ---- Congestion control (tcp_cc.h has the ops) ------------------------------- */

struct axn_tcp_cc_ops;

/* Private state a congestion control may keep in the connection (CUBIC
 * needs a handful of words). */
#define AXN_TCP_CC_PRIV_WORDS 16

/* ---- Out-of-order data ---------------------------------------------------- */

/* Bytes [left, right) in sequence space, held in the receive ring at
 * offset left - rcv_nxt past its in-order data (RFC 9293 3.10.7.4). Kept
 * sorted and disjoint; also the SACK blocks of part 2. */
struct axn_tcp_ooo_range {
    uint32_t left;
    uint32_t right;
};

/* ---- What was negotiated in the handshake ------------------------------------ */

struct axn_tcp_negotiated {
    uint16_t peer_mss; /* the peer's MSS option, AXN_TCP_DEFAULT_MSS without one */
    /* RFC 7323, RFC 2018: what was offered (axn_tcp_opts_offer), then
     * what both ends agreed (axn_tcp_opts_from_syn). */
    bool wscale_ok;
    bool ts_ok;
    bool sack_ok;
    uint8_t snd_wscale; /* shift applied to windows the peer sends */
    uint8_t rcv_wscale; /* shift applied to windows we send */
    uint32_t ts_recent;
    axn_time_t ts_recent_at;
    /* RFC 7323 5.4 / 7.1: added to the millisecond clock in every TSval,
     * a keyed hash of the 4-tuple (so neither uptime nor other
     * connections' clocks show; a SYN cookie recomputes it). */
    uint32_t ts_offset;
    /* TSval of our first SYN: a SYN-ACK's TSecr must lie between it and
     * now (Linux PAWSActive). Valid when ts_syn_set. */
    uint32_t ts_syn;
    bool ts_syn_set;
    /* RFC 7323 4.3: the ACK field of the last segment we sent
     * (Last.ACK.sent), for the TS.Recent update rule. */
    uint32_t last_ack_sent;
};

/* ---- Per-connection counters (TCP_INFO) ------------------------------------- */

struct axn_tcp_conn_stats {
    uint32_t total_retrans; /* segments retransmitted */
    uint32_t lost;          /* segments thought lost now (tcpi_lost) */
    uint32_t retrans_out;   /* retransmitted and not yet acknowledged */
    uint32_t sacked;        /* segments SACKed above SND.UNA (tcpi_sacked) */
    uint32_t reordering;    /* largest reordering seen via SACK, segments (0: none) */
    uint64_t bytes_acked;   /* RFC 4898 tcpEStatsAppHCThruOctetsAcked */
    uint64_t bytes_received;
    uint32_t segs_in;
    uint32_t segs_out;
    uint32_t data_segs_in;
    uint32_t data_segs_out;
    axn_time_t last_data_sent;
    axn_time_t last_data_recv;
    axn_time_t last_ack_recv;
};

/* ---- The connection ----------------------------------------------------------- */

struct axn_tcp_conn {
    struct axn_tcp_layer *layer;
    struct axn_tcp_sock *sock; /* NULL: an orphan, or a child not yet accepted */
    enum axn_tcp_state state;

    /* Endpoints, host order. A listener's laddr may be 0 (any). */
    axn_ip4_t laddr;
    axn_ip4_t raddr;
    uint16_t lport;
    uint16_t rport;

    /* How segments go out, copied from the socket's options (tcp_sock.c
     * keeps them current): SO_BINDTODEVICE, IP_TOS, IP_TTL and
     * IP_MTU_DISCOVER (enum axn_ip4_df via axn_ip4_df_mode). */
    uint32_t bound_ifindex;
    uint8_t tos;
    uint8_t ttl; /* 0: the stack default */
    uint8_t df_mode;

    /* Links kept by the layer (tcp_table.c): the 4-tuple hash chain, the
     * list of every connection (timers), a listener's queues. */
    struct axn_tcp_conn *hash_next;
    struct axn_tcp_conn *all_next;
    struct axn_tcp_conn *all_prev;
    bool hashed;

    /* ---- Send sequence space (RFC 9293 3.3.1) ---- */
    uint32_t iss;
    uint32_t snd_una;
    uint32_t snd_nxt;
    uint32_t snd_max; /* highest sequence sent + 1 (snd_nxt falls back on RTO) */
    uint32_t snd_wnd; /* peer's window, scaled */
    uint32_t max_snd_wnd;
    uint32_t snd_wl1;
    uint32_t snd_wl2;
    uint32_t snd_up; /* urgent pointer of data we send (MSG_OOB): not sent: tcp_output.c */

    /* ---- Receive sequence space ---- */
    uint32_t irs;
    uint32_t rcv_nxt;
    uint32_t rcv_wnd; /* window we offer now (unscaled bytes) */
    uint32_t rcv_adv; /* rcv_nxt + window at the last segment sent: never shrink below it */
    uint32_t rcv_up;

    /* ---- Sizes ---- */
    uint16_t mss;      /* effective send MSS: min(peer_mss, path MTU - 40, user_mss) */
    uint16_t adv_mss;  /* MSS option we send: interface MTU - 40 (clamped by user_mss) */
    uint16_t user_mss; /* TCP_MAXSEG, 0: none */
    uint32_t pmtu;     /* path MTU the MSS was computed for */
    struct axn_tcp_negotiated opt;

    /* ---- Buffers ---- */
    /* Send ring: bytes from snd_una on (acknowledged bytes are dropped at
     * once): the first snd_nxt - snd_una are in flight, the rest unsent.
     * SYN and FIN occupy sequence numbers but no ring bytes. */
    struct axn_tcp_ring snd;
    /* Receive ring: in-order bytes not yet read, then room; out-of-order
     * data sits at its offset past rcv_nxt, described by `ooo`. */
    struct axn_tcp_ring rcv;
    uint32_t sndbuf; /* ring sizes asked for (SO_SNDBUF / SO_RCVBUF as set) */
    uint32_t rcvbuf;
    struct axn_tcp_ooo_range ooo[AXN_TCP_OOO_RANGES];
    uint8_t n_ooo;
    struct axn_tcp_conn_mem mem;  /* lazy rings, auto-tuning: tcp_buf.h */
    struct axn_tcp_sack_rx rsack; /* SACK blocks we report: tcp_opt_state.h */

    /* ---- Retransmission (RFC 6298) ---- */
    axn_time_t srtt;             /* microseconds, 0 until the first sample */
    axn_time_t rttvar;           /* microseconds */
    axn_time_t rto;              /* microseconds, with back-off applied */
    axn_time_t rtt_start;        /* when the timed segment left; 0: none timed (Karn) */
    uint32_t rtt_seq;            /* the timed segment's end sequence */
    uint8_t backoff;             /* consecutive RTO expirations (tcpi_backoff) */
    uint8_t retries;             /* retransmissions of the oldest unacked (tcpi_retransmits) */
    axn_time_t first_retrans_at; /* when the oldest unacked first timed out (user timeout) */
    axn_time_t min_rtt;

    /* ---- Congestion control (RFC 5681, RFC 6582) ---- */
    const struct axn_tcp_cc_ops *cc;
    uint32_t cwnd;     /* bytes */
    uint32_t ssthresh; /* bytes */
    uint32_t dupacks;
    uint32_t recover; /* RFC 6582: snd_max when recovery began */
    bool in_recovery;
    uint64_t cc_priv[AXN_TCP_CC_PRIV_WORDS];
    struct axn_tcp_scoreboard sb; /* SACK scoreboard, RFC 6675: tcp_sack_sb.h */

    /* ---- ACK generation ---- */
    uint8_t quickacks;   /* ACK every segment while > 0 (start, out-of-order) */
    uint32_t unacked_rx; /* full-sized segments received since the last ACK sent */
    bool ack_now;        /* an ACK must go at the next output */
    /* When the last ACK answering an out-of-window segment without data
     * went (Linux tcp_oow_rate_limited, RFC 5961 10): 0 when none. */
    axn_time_t oow_ack_at;
    bool delack_pending;

    /* ---- FIN and shutdown ---- */
    bool fin_queued; /* SHUT_WR/close: a FIN follows the send ring's data */
    bool fin_sent;   /* the FIN has a sequence number (snd_max covers it) */
    bool fin_rcvd;   /* the peer's FIN is in sequence (rcv_nxt covers it) */
    bool shut_rd;    /* SHUT_RD: new data in FIN-WAIT-1/2 resets (tcp_input_data.c) */
    /* A FIN that arrived out of order, held like the data before it
     * (Linux keeps it in the out-of-order queue) so that it needs no
     * retransmission: taken when rcv_nxt reaches fin_held_seq
     * (tcp_input_data.c). */
    bool fin_held;
    uint32_t fin_held_seq;

    /* ---- Options a socket sets (tcp(7)); children inherit them ---- */
    bool nodelay;   /* TCP_NODELAY */
    bool cork;      /* TCP_CORK */
    bool keepalive; /* SO_KEEPALIVE */
    uint32_t keepidle_s;
    uint32_t keepintvl_s;
    uint8_t keepcnt;
    uint8_t keep_probes;      /* sent without an answer */
    uint8_t syn_retries;      /* TCP_SYNCNT, 0: AXN_TCP_SYN_RETRIES */
    uint32_t user_timeout_ms; /* TCP_USER_TIMEOUT, 0: none */
    int32_t linger2_s;        /* TCP_LINGER2: orphan FIN-WAIT-2 time, 0: tcp_fin_timeout */
    uint8_t persist_backoff;
    uint8_t zwp_probes; /* zero-window probes without the window opening */

    axn_time_t timer[AXN_TCP_T_COUNT];

    /* ---- Errors and events ---- */
    /* A hard error ended the connection (positive errno: ECONNREFUSED,
     * ECONNRESET, ETIMEDOUT, EHOSTUNREACH...): the socket reports it once
     * (SO_ERROR / the next call), later calls see the state. */
    int err;
    /* RFC 1122 4.2.3.9 / RFC 5927: an ICMP error that does not abort
     * (during connect, or unverified); reported if the connection then
     * times out (Linux sk_err_soft). */
    int soft_err;
    bool rst_rcvd;     /* ended by a RST (recv then gives ECONNRESET, not 0) */
    bool orphan;       /* closed by its socket; the engine frees it when done */
    bool close_unread; /* closed with unread data: RST sent (RFC 2525 2.17) */
    /* An orphan that reached TIME-WAIT: it left layer->n_orphans for
     * layer->n_tw (Linux counts TIME-WAIT buckets apart from orphans). */
    bool orphan_uncounted;

    /* ---- Listener and child ---- */
    struct axn_tcp_conn *parent; /* a child: its listener until accepted */
    struct axn_tcp_conn *q_next; /* in the listener's SYN or accept queue */
    bool in_accept_q;
    /* A listener's queues (state LISTEN only). */
    /* Children in SYN-RECEIVED: only while the ACK that made them (from
     * a request entry or a cookie) is being processed; a half-open
     * handshake is a request entry in `synq`, not a connection. */
    struct axn_tcp_conn *syn_q;
    struct axn_tcp_conn *acc_head; /* ESTABLISHED (or later) children, oldest first */
    struct axn_tcp_conn *acc_tail;
    uint32_t syn_q_len;
    uint32_t acc_q_len;
    uint32_t backlog; /* listen()'s, clamped to AXN_TCP_SOMAXCONN */
    /* Request entries of half-open handshakes (tcp_synq.h), created at
     * the first SYN; NULL otherwise. */
    struct axn_tcp_synq *synq;
    /* When the last SYN cookie went (Linux tcp_synq_overflow): ACKs are
     * checked for a cookie only while one can be valid; 0: never. */
    axn_time_t cookie_sent_at;

    struct axn_tcp_conn_stats stats;
    axn_time_t established_at;
};

/* ---- Lifecycle (tcp_conn.c) ---------------------------------------------------- */

/* A zeroed connection in CLOSED with Linux's defaults (timers off, RTO
 * AXN_TCP_RTO_INITIAL_MS, NewReno, keep-alive times), no rings yet; on
 * layer->all. NULL when out of memory. */
struct axn_tcp_conn *axn_tcp_conn_new(struct axn_tcp_layer *l);
/* Allocates both rings at conn->sndbuf / conn->rcvbuf bytes: 0 or
 * -AXN_ENOMEM. */
int axn_tcp_conn_alloc_rings(struct axn_tcp_conn *c);
/* Unhashes, leaves the all-list and any listener queue, frees rings and
 * struct. Only the owner calls it: the socket for a connection that has
 * one, the engine for an orphan or an unaccepted child. */
void axn_tcp_conn_free(struct axn_tcp_conn *c);
/* Moves to `state`: keeps CurrEstab, clears timers that no longer apply,
 * and tells the socket (axn_tcp_sock_event) what changed. */
void axn_tcp_set_state(struct axn_tcp_conn *c, enum axn_tcp_state state, axn_time_t now);
/* Ends the connection with `err` (0: a normal end): CLOSED, timers off,
 * unhashed, the socket told (POLLERR/POLLHUP as Linux tcp_done); an
 * orphan or an unaccepted child is freed. */
void axn_tcp_conn_done(struct axn_tcp_conn *c, int err, axn_time_t now);
/* The socket lets go of `c` (close): an orphan from now on, counted in
 * layer->n_orphans (not in TIME-WAIT, which has its own bound), its
 * receive ring freed (new data to an orphan is a reset) and its send ring
 * too once the FIN is acknowledged. Returns false when that makes more
 * than AXN_TCP_MAX_ORPHANS orphans (the caller aborts it, Linux
 * tcp_check_oom). */
bool axn_tcp_conn_orphan(struct axn_tcp_conn *c);

/* ---- Rings (tcp_ring.c) --------------------------------------------------------- */

int axn_tcp_ring_init(struct axn_tcp_ring *r, void *buf, uint32_t cap);
uint32_t axn_tcp_ring_free_space(const struct axn_tcp_ring *r);
/* Appends up to n bytes; returns the count. */
uint32_t axn_tcp_ring_push(struct axn_tcp_ring *r, const uint8_t *data, uint32_t n);
/* Copies n bytes starting `off` bytes past head into out (off + n <= len). */
void axn_tcp_ring_peek(const struct axn_tcp_ring *r, uint32_t off, uint8_t *out, uint32_t n);
/* Writes n bytes at `off` past head (off + n <= cap; past len: out-of-order
 * data), not changing len. */
void axn_tcp_ring_write_at(struct axn_tcp_ring *r, uint32_t off, const uint8_t *data, uint32_t n);
/* Drops n bytes from the head. */
void axn_tcp_ring_drop(struct axn_tcp_ring *r, uint32_t n);

#endif /* AXN_TCP_TCP_CONN_H */
