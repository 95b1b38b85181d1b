/*
 * Connection memory (tcp_buf.c; OWNER: memory helper): rings allocated
 * lazily and grown on demand up to the buffer limit, returned when
 * drained; receive-buffer auto-tuning (Linux tcp_rcv_space_adjust) and
 * send-buffer growth (Linux tcp_sndbuf_expand); the timer heap's
 * bookkeeping (tcp_timer.c).
 */
#ifndef AXN_TCP_TCP_BUF_H
#define AXN_TCP_TCP_BUF_H

#include <stdbool.h>
#include <stdint.h>

#include "axnet/types.h"

struct axn_tcp_conn;
struct axn_tcp_layer;
struct axn_tcp_ring;

/* Per-connection state of tcp_buf.c and of the timer heap, embedded in
 * struct axn_tcp_conn as `mem`. */
struct axn_tcp_conn_mem {
    /* Timer heap (tcp_timer.c): 1-based slot in layer->theap, 0 when not
     * filed; the deadline it is filed under (may be earlier than every
     * timer: other files clear c->timer[] by assignment, and a stale key
     * only costs one early visit); the timer pass that last ran it. */
    uint32_t heap_idx;
    uint32_t pass;
    /* Made by axn_tcp_conn_new (room reserved in the heap): a scratch
     * connection on the stack (a SYN cookie's, a SYN-ACK's) is never
     * filed. */
    bool heap_ok;
    axn_time_t heap_key;
    /* Receive auto-tuning (Linux rcvq_space): bytes the application read
     * (a running count), the count and time when the current RTT-long
     * measurement began, and the bytes per RTT measured last. */
    uint32_t copied;
    uint32_t space_copied;
    axn_time_t space_at;
    uint32_t space;
    /* The receiver's RTT estimate (µs, 0: none yet): the time a window's
     * worth of data takes to arrive, measured from mark_at until rcv_nxt
     * passes mark_seq (a receiver that sends no data has no RTT sample
     * of its own; the idea of Linux tcp_rcv_rtt_measure). */
    axn_time_t rcv_rtt;
    axn_time_t mark_at;
    uint32_t mark_seq;
    /* SO_RCVBUF / SO_SNDBUF set by the user: no auto-tuning (Linux
     * SOCK_RCVBUF_LOCK / SOCK_SNDBUF_LOCK). */
    bool rcvbuf_locked;
    bool sndbuf_locked;
    /* The receive ring was freed for good (TIME-WAIT, an orphan): the
     * connection takes no more data, its window stays where it was. */
    bool rcv_gone;
};

/* Makes the receive ring able to hold `bytes` past its head (in-order
 * plus out-of-order data), allocating or growing it within what the
 * receive buffer allows. 0, or -AXN_ENOMEM / -AXN_ENOBUFS when it cannot
 * (the caller then stores what fits). */
int axn_tcp_rcv_ring_reserve(struct axn_tcp_conn *c, uint32_t bytes);
/* Makes the send ring able to take `bytes` more (within SO_SNDBUF):
 * returns the room it has now (0 when the allocator failed). */
uint32_t axn_tcp_snd_ring_reserve(struct axn_tcp_conn *c, uint32_t bytes, axn_time_t now);
/* Replaces r's buffer by one of `cap` bytes holding its first `keep`
 * bytes (from the head) at the start (`keep` may pass r->len: the
 * receive ring's out-of-order bytes); 0 or -AXN_ENOMEM (r unchanged). */
int axn_tcp_ring_resize(struct axn_tcp_layer *l, struct axn_tcp_ring *r, uint32_t cap,
                        uint32_t keep);
/* Gives r's buffer back to the allocator; r is empty and capacity 0. */
void axn_tcp_ring_release(struct axn_tcp_layer *l, struct axn_tcp_ring *r);
/* Bytes of the receive ring that matter: in-order, then up to the end
 * of the last out-of-order range. */
uint32_t axn_tcp_rcv_extent(const struct axn_tcp_conn *c);
/* The reclaim timer (AXN_TCP_T_RECLAIM): frees drained rings, re-arms
 * while a ring still holds data. */
void axn_tcp_mem_reclaim(struct axn_tcp_conn *c, axn_time_t now);
/* The application read `bytes` (Linux tcp_rcv_space_adjust): once per
 * RTT the receive buffer limit grows to twice what was read in it. */
void axn_tcp_rcv_space_adjust(struct axn_tcp_conn *c, uint32_t bytes, axn_time_t now);
/* Linux tcp_sndbuf_expand: the send buffer limit grows toward twice the
 * congestion window (up to tcp_wmem[2]) unless SO_SNDBUF was set. */
void axn_tcp_sndbuf_expand(struct axn_tcp_conn *c);
/* SO_RCVBUF / SO_SNDBUF (or the FORCE ones) set by the user: `rcv`
 * says which; stops auto-tuning of that buffer. */
void axn_tcp_buf_lock(struct axn_tcp_conn *c, bool rcv);

/* ---- Scale: the timer heap (tcp_timer.c) ------------------------------------ */

/* Room in the timer heap for every connection of l plus one (called
 * before a connection is made, so filing a timer never allocates):
 * 0 or -AXN_ENOMEM. */
int axn_tcp_timer_reserve(struct axn_tcp_layer *l);
/* Takes c out of the timer heap (it is being freed). */
void axn_tcp_timer_unfile(struct axn_tcp_conn *c);
/* Frees the heap (no connection left). */
void axn_tcp_timer_heap_free(struct axn_tcp_layer *l);

#endif /* AXN_TCP_TCP_BUF_H */
