/*
 * UDP sockets (RFC 768, udp(7)) over IPv4, with Linux semantics.
 *
 * Files: udp_layer.c (per-stack state, registration with IPv4, counters),
 * udp_ports.c (bind arbitration, ephemeral ports per RFC 6056, demux
 * lookups), udp_rxq.c (the per-socket datagram queue), udp_input.c
 * (datagrams and ICMP errors from IPv4), udp_output.c (building and
 * sending datagrams, corking), udp_sock.c (the socket ops), udp_opt.c
 * (SOL_UDP and the options UDP answers itself).
 *
 * Every function runs with the stack's core lock held (sock/sock.h).
 */
#ifndef AXN_UDP_UDP_H
#define AXN_UDP_UDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "axnet/config.h"
#include "axnet/snmp.h"
#include "ip/ip4.h"
#include "sock/sock.h"

extern const struct axn_sock_proto axn_udp_proto;

/* Largest UDP payload over IPv4: 65535 - 20 (IP header) - 8 (UDP header),
 * as Linux's udp_sendmsg (EMSGSIZE above). */
#define AXN_UDP_PAYLOAD_MAX 65507u

/* ---- Receive queue (udp_rxq.c) ---------------------------------------- */

/* What a queued datagram carries besides its bytes. */
struct axn_udp_meta {
    axn_ip4_t src;
    axn_ip4_t dst;      /* the address it was sent to (IP_PKTINFO ipi_addr) */
    axn_ip4_t spec_dst; /* local address that would answer (ipi_spec_dst) */
    uint32_t ifindex;
    uint32_t len;
    uint16_t sport;
    uint8_t tos;
    uint8_t ttl;
};

/*
 * A byte ring of records (meta, then payload), bounded by SO_RCVBUF in
 * Linux's way: a datagram is taken while the charge (payload plus
 * AXN_UDP_TRUESIZE_OVERHEAD per datagram, like skb truesize) is at most
 * `limit` before it, so the ring holds `limit` plus one largest record.
 */
struct axn_udp_rxq {
    uint8_t *buf;
    size_t cap;     /* bytes of buf */
    size_t limit;   /* the SO_RCVBUF the ring was sized for */
    size_t head;    /* offset of the oldest record */
    size_t used;    /* bytes of records in the ring */
    size_t charged; /* truesize-like charge against limit */
    size_t count;   /* datagrams queued */
};

int axn_udp_rxq_init(struct axn_udp_rxq *q, const struct axn_platform *plat, size_t limit);
void axn_udp_rxq_free(struct axn_udp_rxq *q, const struct axn_platform *plat);
/* Re-sizes to `limit` keeping what is queued; -AXN_ENOMEM leaves it as it
 * was. */
int axn_udp_rxq_resize(struct axn_udp_rxq *q, const struct axn_platform *plat, size_t limit);
/* false when the charge is over the limit (RcvbufErrors). */
bool axn_udp_rxq_push(struct axn_udp_rxq *q, const struct axn_udp_meta *m, const uint8_t *data);
/* The oldest datagram's meta; false when empty. */
bool axn_udp_rxq_peek_meta(const struct axn_udp_rxq *q, struct axn_udp_meta *m);
/* Copies up to `cap` bytes of the oldest datagram's payload into the
 * message's iovecs; returns the count. */
size_t axn_udp_rxq_copy(const struct axn_udp_rxq *q, const struct axn_msghdr *msg, size_t cap);
void axn_udp_rxq_pop(struct axn_udp_rxq *q);

/* ---- Sockets ------------------------------------------------------------ */

struct axn_udp_layer;

/* MSG_MORE / UDP_CORK state (udp(7) "UDP_CORK", ip(7)): the captured
 * destination and the bytes appended so far. */
struct axn_udp_cork {
    uint8_t *buf; /* AXN_UDP_PAYLOAD_MAX bytes, allocated on first use */
    size_t len;
    bool pending; /* a corked datagram is being built */
    axn_ip4_t dst;
    uint16_t dport;
};

struct axn_udp_sock {
    struct axn_socket base;
    struct axn_udp_layer *layer;
    struct axn_udp_sock *bind_next; /* in its port's hash chain */
    bool bound;
    bool connected;
    bool reuseaddr; /* SO_REUSEADDR / SO_REUSEPORT when bound */
    bool reuseport;
    bool shut_rd;
    bool shut_wr;
    bool cork_opt;    /* UDP_CORK */
    bool addr_locked; /* bound to an address by the user (SOCK_BINDADDR_LOCK) */
    bool port_locked; /* bound to a port by the user (SOCK_BINDPORT_LOCK) */
    axn_ip4_t laddr;
    uint16_t lport;
    axn_ip4_t raddr;
    uint16_t rport;
    struct axn_udp_cork cork;
    struct axn_udp_rxq rxq;
};

/* ---- Per-stack state (udp_layer.c) -------------------------------------- */

struct axn_udp_layer {
    struct axn_stack *st;
    struct axn_ip4 *ip;
    const struct axn_platform *plat;
    struct axn_udp_sock **buckets; /* AXN_UDP_PORT_BUCKETS chains by port */
    uint32_t hash_key;             /* REUSEPORT selection secret */
    struct axn_snmp_udp stats;
};

int axn_udp_layer_init(struct axn_stack *st, void **state);
void axn_udp_layer_destroy(struct axn_stack *st, void *state);
/* A layer without the stack around it (for unit tests of the tables). */
int axn_udp_layer_create(const struct axn_platform *plat, struct axn_udp_layer **out);
void axn_udp_layer_free(struct axn_udp_layer *l);

/* ---- Ports (udp_ports.c) ------------------------------------------------ */

/* Binds `us` to laddr:port (port 0: an ephemeral one) as Linux's
 * udp_lib_get_port: -AXN_EADDRINUSE on conflict or when no ephemeral
 * port is free. */
int axn_udp_port_bind(struct axn_udp_layer *l, struct axn_udp_sock *us, axn_ip4_t laddr,
                      uint16_t port);
void axn_udp_port_unbind(struct axn_udp_layer *l, struct axn_udp_sock *us);

/* What a received datagram is addressed as, for lookups. */
struct axn_udp_key {
    axn_ip4_t saddr;
    axn_ip4_t daddr;
    uint16_t sport;
    uint16_t dport;
    uint32_t ifindex;
};

/* The best unicast receiver (connected before bound-specific before
 * wildcard; a REUSEPORT group spread by a hash of the 4-tuple), or NULL. */
struct axn_udp_sock *axn_udp_lookup(struct axn_udp_layer *l, const struct axn_udp_key *k);
/* Calls fn for every socket a broadcast or multicast datagram reaches;
 * returns how many. */
size_t axn_udp_lookup_all(struct axn_udp_layer *l, const struct axn_udp_key *k,
                          void (*fn)(struct axn_udp_sock *us, void *arg), void *arg);

/* ---- Input (udp_input.c) ------------------------------------------------- */

void axn_udp_input(void *ctx, const struct axn_ip4_rx *rx, axn_time_t now);
void axn_udp_err(void *ctx, const struct axn_icmp4_err *err, axn_time_t now);

/* ---- Output (udp_output.c) ----------------------------------------------- */

/* Sends payload as one datagram from `us` to dst:dport. */
int axn_udp_output(struct axn_udp_sock *us, axn_ip4_t dst, uint16_t dport, const uint8_t *payload,
                   size_t len);
/* The send op (sock.h), corking included. */
long axn_udp_send(struct axn_socket *s, const struct axn_msghdr *msg,
                  const struct axn_endpoint *dst, int flags);
/* Sends what is corked (UDP_CORK off, close). */
int axn_udp_cork_flush(struct axn_udp_sock *us);
/* Binds to 0.0.0.0:ephemeral if unbound (Linux inet_autobind: -EAGAIN
 * when none is free). */
int axn_udp_autobind(struct axn_udp_sock *us);

/* ---- Socket ops (udp_sock.c) ------------------------------------------------- */

/* Re-sizes the receive queue after SO_RCVBUF changed (socket calls only:
 * input never allocates). */
void axn_udp_sync_rcvbuf(struct axn_udp_sock *us);

/* ---- Options (udp_opt.c) -------------------------------------------------- */

int axn_udp_setsockopt(struct axn_socket *s, int level, int name, const void *val,
                       axn_socklen_t len);
int axn_udp_getsockopt(struct axn_socket *s, int level, int name, void *val, axn_socklen_t *len);

#endif /* AXN_UDP_UDP_H */
