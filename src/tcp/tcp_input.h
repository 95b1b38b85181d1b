/*
 * What the input files of src/tcp/ (tcp_input.c, tcp_input_sync.c,
 * tcp_listen.c, tcp_reass.c) call of one another; the rest of the stack
 * sees only tcp.h.
 */
#ifndef AXN_TCP_TCP_INPUT_H
#define AXN_TCP_TCP_INPUT_H

#include <stdbool.h>
#include <stdint.h>

#include "tcp/tcp.h"

/* One segment being processed: the datagram it came in and its parsed
 * header. The payload and flags may be trimmed to the window (RFC 9293
 * 3.10.7.4 "first"), so `seg` is a copy the steps may change. */
struct axn_tcp_in {
    struct axn_tcp_layer *l;
    const struct axn_ip4_rx *rx;
    struct axn_tcp seg;
};

/* Sequence space a segment occupies: data, plus one each for SYN and FIN
 * (RFC 9293 3.4 SEG.LEN). */
uint32_t axn_tcp_seg_len(const struct axn_tcp *seg);

/* Our FIN is sent and acknowledged. */
static inline bool axn_tcp_our_fin_acked(const struct axn_tcp_conn *c)
{
    return c->fin_sent && c->snd_una == c->snd_max;
}

/* ---- tcp_input_sync.c ---- */

/* The receive window a segment is tested against (RFC 9293 3.10.7.4
 * "first"): up to the right edge already advertised, or what the ring
 * takes now if that is more. */
uint32_t axn_tcp_input_wnd(const struct axn_tcp_conn *c);

/* RFC 9293 3.10.7.4: a segment for a connection in a synchronised state
 * (SYN-RECEIVED through TIME-WAIT). May free c. */
void axn_tcp_input_sync(struct axn_tcp_conn *c, struct axn_tcp_in *in, axn_time_t now);

/* ---- tcp_input_data.c ---- */

/* "seventh": trims the segment to the window and hands its text to
 * tcp_reass.c. False when the segment is done with (an orphan receiving
 * data is reset and freed: do not touch c). */
bool axn_tcp_input_text(struct axn_tcp_conn *c, struct axn_tcp_in *in, axn_time_t now);
/* "eighth": the FIN, if it is now at RCV.NXT. False when nothing more is
 * to be done (TIME-WAIT entered). */
bool axn_tcp_input_fin(struct axn_tcp_conn *c, const struct axn_tcp *seg, axn_time_t now);

/* ---- tcp_listen.c ---- */

/* RFC 9293 3.10.7.2: a segment reaching listener `lst` (no connection on
 * its exact 4-tuple). */
void axn_tcp_listen_input(struct axn_tcp_conn *lst, struct axn_tcp_in *in, axn_time_t now);

/* What became of a child whose handshake an ACK completes. */
enum axn_tcp_child_result {
    AXN_TCP_CHILD_READY = 0, /* ESTABLISHED, at the tail of the accept queue */
    AXN_TCP_CHILD_DROP = 1,  /* accept queue full: the ACK is ignored, still SYN-RECEIVED */
    AXN_TCP_CHILD_FREED = 2, /* no memory for its rings: reset and freed */
};
/* SYN-RECEIVED -> ESTABLISHED for a passive child (c->parent set). */
enum axn_tcp_child_result axn_tcp_child_established(struct axn_tcp_conn *c, axn_time_t now);

/* ---- tcp_reass.c ---- */

/* RFC 9293 3.10.7.4 "seventh, process the segment text": `len` bytes at
 * `seq`, already trimmed so that rcv_nxt <= seq and the data ends inside
 * the window. In order: appended to the receive ring (then any
 * out-of-order range it reaches is absorbed); ahead of rcv_nxt: written at
 * its offset and recorded in c->ooo. Schedules the ACK (none when `fin`:
 * a FIN follows the data and its ACK, sent at once, covers both). Never
 * allocates. */
void axn_tcp_reass(struct axn_tcp_conn *c, uint32_t seq, const uint8_t *data, uint32_t len,
                   bool fin, axn_time_t now);

#endif /* AXN_TCP_TCP_INPUT_H */
