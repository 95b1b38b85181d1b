/*
 * What raw sockets (raw.h) and ICMP datagram sockets (ping.h) share, as
 * Linux's raw.c and ping.c share inet_sock and the datagram helpers: the
 * IPv4 association (bound address, source, connected peer), the shutdown
 * halves, the receive queue (raw_queue.h) and the socket calls that only
 * read those. Each socket struct embeds a struct axn_raw_dgram first.
 * Core lock held for everything.
 */
#ifndef AXN_IP_RAW_DGRAM_H
#define AXN_IP_RAW_DGRAM_H

#include "ip/ip4.h"
#include "ip/raw_queue.h"
#include "sock/sock.h"

struct axn_raw_dgram {
    struct axn_socket base;
    struct axn_raw_dgram *next; /* in its layer's list of sockets, newest first */
    axn_ip4_t rcv_addr;         /* bound local address: the destination filter (Linux rcv_saddr) */
    axn_ip4_t src_addr;         /* source for output (Linux saddr); 0: the route's */
    axn_ip4_t peer;             /* connected peer */
    uint16_t peer_port;         /* as given to connect (getpeername) */
    bool connected;
    bool shut_rd;
    bool shut_wr;
    struct axn_raw_queue rxq;
    size_t rxq_rcvbuf; /* the SO_RCVBUF the ring was sized for */
};

/* The ring first, then the socket (type, protocol, ops) of `size` bytes
 * embedding a struct axn_raw_dgram: nothing to undo in the socket layer
 * if the ring cannot be had. */
int axn_raw_dgram_create(struct axn_stack *st, size_t size, int type, int protocol,
                         const struct axn_sock_ops *ops, struct axn_raw_dgram **out);
/* Puts `d` at the head of its layer's `list` (after create). */
void axn_raw_dgram_link(struct axn_raw_dgram **list, struct axn_raw_dgram *d);
/* The close op's part: out of `list`, the queue freed. */
void axn_raw_dgram_close(struct axn_raw_dgram **list, struct axn_raw_dgram *d);

/* The limited broadcast or a subnet broadcast of any interface. */
bool axn_raw_dgram_is_broadcast(struct axn_ip4 *ip, axn_ip4_t dst);
/* Linux ip4_datagram_connect (AF_INET only): routed now; an unbound
 * socket takes the route's source as its local address. */
int axn_raw_dgram_connect(struct axn_raw_dgram *d, struct axn_ip4 *ip,
                          const struct axn_endpoint *ep);
/* Queues `len` bytes of a datagram `rx` brought and wakes readers;
 * counted in the queue's drops when SO_RCVBUF refuses it. */
void axn_raw_dgram_enqueue(struct axn_raw_dgram *d, const struct axn_ip4_rx *rx,
                           const uint8_t *data, size_t len);
/* Linux inet_getname: the peer, or the local address with `port`. */
int axn_raw_dgram_getname(struct axn_raw_dgram *d, struct axn_endpoint *ep, bool peer,
                          uint16_t port);
/* Linux sock_alloc_send_skb's checks before a send: a pending error
 * (read and cleared), then -EPIPE after SHUT_WR; 0 to go on. */
int axn_raw_dgram_can_send(struct axn_raw_dgram *d);
/* Linux raw_recvmsg / ping_recvmsg: a pending error first, then the oldest datagram, its source
 * with port 0 and ip(7) control messages (ip_cmsg_recv); `flags` as recv's (MSG_TRUNC asks for
 * the whole length). */
long axn_raw_dgram_recv(struct axn_raw_dgram *d, struct axn_msghdr *msg, struct axn_endpoint *src,
                        int flags);

/* Socket ops both use as they are. rcvbuf_changed re-sizes the queue at
 * once, keeping what is queued (a larger SO_RCVBUF admits more now). */
void axn_raw_dgram_rcvbuf_changed(struct axn_socket *s);
int axn_raw_dgram_shutdown(struct axn_socket *s, int how);
unsigned axn_raw_dgram_poll(struct axn_socket *s);
int axn_raw_dgram_ioctl(struct axn_socket *s, unsigned long req, int *arg);

#endif /* AXN_IP_RAW_DGRAM_H */
