/*
 * A listener's SYN queue of request entries (tcp_synq.c): what a SYN to
 * a listener leaves behind until the ACK completing the handshake (RFC
 * 9293 3.10.7.2; RFC 4987 3.2/3.3: a small entry, no connection and no
 * buffers), kept in a per-listener table hashed by the 4-tuple and
 * bounded by min(backlog, AXN_TCP_MAX_SYN_BACKLOG) + 1 entries (Linux
 * tcp_max_syn_backlog). Beyond it: SYN cookies (tcp_listen_cookie.c).
 *
 * Memory: sizeof(struct axn_tcp_req) per half-open handshake (allocated
 * per SYN, freed with the entry), plus the bucket array
 * (AXN_TCP_SYNQ_BUCKETS pointers) allocated at the listener's first SYN
 * and freed when it stops listening.
 */
#ifndef AXN_TCP_TCP_SYNQ_H
#define AXN_TCP_TCP_SYNQ_H

#include <stdbool.h>
#include <stdint.h>

#include "tcp/tcp.h"

/* Buckets of a listener's request table: a power of two. */
#ifndef AXN_TCP_SYNQ_BUCKETS
#define AXN_TCP_SYNQ_BUCKETS 64u
#endif

/* One half-open handshake: the SYN's 4-tuple, both ISNs, what its
 * options offered (replayed through axn_tcp_opts_offer/from_syn when the
 * connection is made, so it agrees with the SYN-ACK) and the SYN-ACK's
 * retransmission state. */
struct axn_tcp_req {
    struct axn_tcp_req *next; /* hash chain */
    axn_ip4_t laddr;
    axn_ip4_t raddr;
    uint16_t lport;
    uint16_t rport;
    uint32_t iss;
    uint32_t irs;
    uint32_t ts_val;      /* the SYN's TSval (TS.Recent), has_ts */
    uint16_t peer_mss;    /* 0: no MSS option */
    uint16_t peer_window; /* the SYN's window (never scaled) */
    uint8_t peer_wscale;
    bool has_wscale;
    bool sack_perm;
    bool has_ts;
    uint8_t retries;      /* SYN-ACK retransmissions so far */
    axn_time_t synack_at; /* rtt stamp of the first SYN-ACK; 0 once resent (Karn) */
    axn_time_t deadline;  /* next SYN-ACK retransmission */
};

/* The table (one per listener, conn->synq). */
struct axn_tcp_synq {
    struct axn_tcp_req *bucket[AXN_TCP_SYNQ_BUCKETS];
    uint32_t len;
};

/* The listener's table, created on first use: NULL when out of memory. */
struct axn_tcp_synq *axn_tcp_synq_get(struct axn_tcp_conn *lst);
/* Entries of lst's table (0 without one). */
uint32_t axn_tcp_synq_len(const struct axn_tcp_conn *lst);
/* The entry for this 4-tuple, or NULL. */
struct axn_tcp_req *axn_tcp_synq_find(const struct axn_tcp_conn *lst, axn_ip4_t laddr,
                                      uint16_t lport, axn_ip4_t raddr, uint16_t rport);
/* A new zeroed entry for the 4-tuple, linked: NULL when out of memory. */
struct axn_tcp_req *axn_tcp_synq_add(struct axn_tcp_conn *lst, axn_ip4_t laddr, uint16_t lport,
                                     axn_ip4_t raddr, uint16_t rport);
/* Unlinks and frees r. */
void axn_tcp_synq_del(struct axn_tcp_conn *lst, struct axn_tcp_req *r);
/* Frees every entry and the table (the listener stops). */
void axn_tcp_synq_free(struct axn_tcp_conn *lst);
/* Calls fn on every entry (fn may delete the entry it is given). */
void axn_tcp_synq_each(struct axn_tcp_conn *lst,
                       void (*fn)(struct axn_tcp_conn *lst, struct axn_tcp_req *r, void *arg),
                       void *arg);

#endif /* AXN_TCP_TCP_SYNQ_H */
