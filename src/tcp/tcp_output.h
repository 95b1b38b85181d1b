/*
 * What the sending side of the engine (tcp_output*.c, tcp_ack_send.c,
 * tcp_window.c, tcp_mss.c, tcp_close.c, tcp_ack.c, tcp_timer.c,
 * tcp_rtt.c) shares beyond tcp.h: building one segment and
 * the retransmission helpers. Not for the input or socket files: they use
 * tcp.h.
 */
#ifndef AXN_TCP_TCP_OUTPUT_H
#define AXN_TCP_TCP_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>

#include "tcp/tcp.h"

/* IPv4 header without options plus TCP header without options: what an
 * MTU loses to headers (RFC 9293 3.7.1, RFC 879). */
#define AXN_TCP_IP4_HDRS (AXN_IPV4_HDR_MIN + AXN_TCP_HDR_LEN)
/* The largest window part 1 advertises: unscaled (RFC 9293 3.1). */
#define AXN_TCP_MAX_UNSCALED_WND 65535u

/* One segment of a connection: `len` payload bytes taken from the send
 * ring at `off` past its head (snd_una). */
struct axn_tcp_xmit {
    uint32_t seq;
    uint16_t flags;
    uint32_t off;
    uint32_t len;
    bool retrans; /* counted as RetransSegs, not OutSegs */
};

/* Builds `x` in place in IPv4's output buffer (MSS option on a SYN, ACK
 * fields and window when AXN_TCP_ACK is set) and sends it; counts it.
 * Sending an ACK clears the pending one (ack_now, delayed ACK). Returns
 * 0 or IPv4's error (the sender's state advances either way: the
 * retransmission timer recovers a datagram IPv4 could not send). */
int axn_tcp_xmit(struct axn_tcp_conn *c, const struct axn_tcp_xmit *x, axn_time_t now);

/* Resends the oldest unacknowledged segment (SYN, SYN-ACK, data or FIN)
 * at once: fast retransmit, NewReno partial ACKs (RFC 6582 3.2 step 5). */
void axn_tcp_retransmit_head(struct axn_tcp_conn *c, axn_time_t now);
/* One segment at snd_nxt (new data, or go-back-N after an RTO skipping
 * SACKed ranges) of at most `budget` bytes, if Nagle/cork/SWS allow:
 * true if sent. The caller checked the windows (`budget`). */
bool axn_tcp_send_next(struct axn_tcp_conn *c, uint32_t budget, axn_time_t now);
/* Resends sequence numbers [seq, seq + len) (a FIN among them included),
 * snd_nxt untouched: RFC 6675 retransmissions (tcp_sack_send.c). */
void axn_tcp_retransmit_seq(struct axn_tcp_conn *c, uint32_t seq, uint32_t len, axn_time_t now);
/* Persist timer expiry (RFC 9293 3.8.6.1): the zero-window probe, one
 * byte past the window (true: keep probing), or what a small window
 * takes, sent as data under the RTO (false: probing is over). */
bool axn_tcp_send_probe(struct axn_tcp_conn *c, axn_time_t now);
/* A keep-alive probe <SEQ=SND.UNA-1><ACK=RCV.NXT> (RFC 1122 4.2.3.6). */
void axn_tcp_send_keepalive(struct axn_tcp_conn *c, axn_time_t now);
/* The persist deadline from now: the RTO backed off persist_backoff
 * times, at most AXN_TCP_PERSIST_MAX_MS. */
axn_time_t axn_tcp_persist_when(const struct axn_tcp_conn *c, axn_time_t now);
/* Bytes of the send ring not sent yet (0 once the FIN went out). */
uint32_t axn_tcp_unsent(const struct axn_tcp_conn *c);
/* min(SND.WND, cwnd) minus what is in flight: what may be sent now. */
uint32_t axn_tcp_usable_window(const struct axn_tcp_conn *c);
/* RFC 6298 2.3 without back-off: the RTO the current estimates give. */
void axn_tcp_rto_from_estimate(struct axn_tcp_conn *c);
/* The states in which data (and the FIN) may be sent. */
bool axn_tcp_state_sends_data(enum axn_tcp_state s);
/* The sequence number of a segment without data (ACK, RST): snd_max,
 * clipped to the peer's right window edge (tcp_ack_send.c). */
uint32_t axn_tcp_seq_for_control(const struct axn_tcp_conn *c);
/* A non-zero send timestamp for conn->rtt_start (0 means "none timed"). */
axn_time_t axn_tcp_rtt_stamp(axn_time_t now);

#endif /* AXN_TCP_TCP_OUTPUT_H */
