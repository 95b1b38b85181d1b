/*
 * Raw IPv4 sockets (raw(7)): AF_INET, SOCK_RAW, any protocol but 0.
 *
 * Every datagram delivered to this host (reassembled first) whose
 * protocol is the socket's goes to every matching socket, IP header
 * included, before the protocol's own handler runs (ip4.h raw tap): so an
 * ICMP raw socket sees echo requests the stack still answers. A socket
 * matches as Linux raw_v4_match: its bound local address (if any) is the
 * destination, its connected peer (if any) is the source, its
 * SO_BINDTODEVICE (if any) is the ingress interface. Non-matching
 * datagrams are never queued, so a connected socket cannot wedge on them
 * (the spec's RAW-10 bug). ICMP sockets filter types with ICMP_FILTER.
 *
 * Files: raw_sock.c (socket calls, options), raw_output.c (sending, with
 * and without IP_HDRINCL), raw_input.c (the tap); raw_dgram.c (the
 * association, receive queue and calls shared with ICMP datagram
 * sockets) and raw_queue.c (that queue).
 */
#ifndef AXN_IP_RAW_H
#define AXN_IP_RAW_H

#include "ip/ip4.h"
#include "ip/raw_dgram.h"
#include "sock/sock.h"

extern const struct axn_sock_proto axn_raw_proto;

/* Per stack: the raw sockets, newest first. */
struct axn_raw_layer {
    struct axn_stack *st;
    struct axn_ip4 *ip;
    struct axn_raw_dgram *socks; /* each a struct axn_raw_sock */
};

struct axn_raw_sock {
    struct axn_raw_dgram d; /* first: the socket and what ping shares */
    struct axn_raw_layer *layer;
    uint32_t icmp_filter; /* ICMP_FILTER: bit n drops type n */
};

/* The raw tap (raw_input.c); ctx is the struct axn_raw_layer. */
bool axn_raw_input(void *ctx, const struct axn_ip4_rx *rx, axn_time_t now);

/* Sends the message to `dst` (raw_output.c): bytes or a negative errno. */
long axn_raw_output(struct axn_raw_sock *rs, const struct axn_msghdr *msg, axn_ip4_t dst,
                    axn_time_t now);

#endif /* AXN_IP_RAW_H */
