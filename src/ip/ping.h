/*
 * ICMP datagram ("ping") sockets: AF_INET, SOCK_DGRAM, IPPROTO_ICMP, as
 * Linux offers them to unprivileged ping (icmp(7), net/ipv4/ping.c).
 *
 * The user sends an ICMP echo request (type 8, code 0: anything else is
 * -EINVAL); the stack replaces its identifier with the socket's "port"
 * (bind sets it, the first send or connect picks a free one) and computes
 * its checksum. Echo replies carrying that identifier, addressed to the
 * socket's bound address if any and arriving on its bound device if any,
 * are queued for it: recv returns the ICMP header and data, not the IP
 * header. Errors about its echo requests become SO_ERROR only with
 * IP_RECVERR, or when connected and the error is "hard" (ping_err).
 *
 * Linux admits a user to these sockets by net.ipv4.ping_group_range; a
 * kernel built on axnet checks its own credentials before calling us.
 *
 * Files: ping_sock.c (socket calls), ping_input.c (echo replies and
 * errors); the association and receive queue are raw_dgram.h's.
 */
#ifndef AXN_IP_PING_H
#define AXN_IP_PING_H

#include "ip/ip4.h"
#include "ip/raw_dgram.h"
#include "sock/sock.h"

extern const struct axn_sock_proto axn_ping_proto;

/* Per stack: the ping sockets, and where the search for a free
 * identifier starts (Linux ping_table.next_free). */
struct axn_ping_layer {
    struct axn_stack *st;
    struct axn_ip4 *ip;
    struct axn_raw_dgram *socks; /* each a struct axn_ping_sock */
    uint16_t next_ident;
};

struct axn_ping_sock {
    struct axn_raw_dgram d; /* first: the socket and what raw shares */
    struct axn_ping_layer *layer;
    uint16_t ident;    /* the "port"; 0: not bound yet */
    bool ident_locked; /* bound by the user (Linux SOCK_BINDPORT_LOCK) */
    bool addr_locked;  /* bound to an address (SOCK_BINDADDR_LOCK) */
};

/* Echo replies and errors (ping_input.c); ctx is the struct
 * axn_ping_layer. */
void axn_ping_echo_reply(void *ctx, const struct axn_ip4_rx *rx, const struct axn_icmp4 *echo,
                         axn_time_t now);
void axn_ping_error(void *ctx, const struct axn_icmp4_err *err, axn_time_t now);

#endif /* AXN_IP_PING_H */
