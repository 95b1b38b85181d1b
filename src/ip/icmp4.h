/*
 * ICMPv4 (RFC 792, RFC 1122 3.2.2) inside the IPv4 layer: echo replies,
 * received errors handed to the transport that sent the quoted datagram,
 * and the errors we send, under RFC 1122's never-rules and a rate limit.
 * Core lock held, as everything in ip4.h.
 */
#ifndef AXN_IP_ICMP4_H
#define AXN_IP_ICMP4_H

#include "ip/ip4.h"

/* Linux's TOS for ICMP errors: precedence "internetwork control" plus the
 * TOS bits of the offending datagram (RFC 1812 4.3.2.5). */
#define AXN_ICMP4_ERROR_PRECEDENCE 0xc0u
#define AXN_IPTOS_TOS_MASK         0x1eu

/* An ICMP message delivered to us (ip4_input.c calls it). */
void axn_icmp4_input(struct axn_ip4 *ip, const struct axn_ip4_rx *rx, axn_time_t now);

/*
 * Sends an ICMP error of `type`/`code` about `offending` (a datagram we
 * received: its IP header and as much of the rest as we have), quoting as
 * much as fits in AXN_ICMP_ERROR_MAX bytes as Linux does (RFC 792 asks
 * for the header plus 8 bytes; RFC 1812 4.3.2.3 for more). Sends nothing
 * (RFC 1122 3.2.2) about an ICMP error, a datagram to a broadcast or
 * multicast address, a fragment other than the first, or one whose source
 * is not a single host (0.0.0.0, broadcast, multicast); and nothing once
 * the rate limit is spent (except "fragmentation needed").
 * Returns 0 when sent, -AXN_EPERM when a never-rule forbade it,
 * -AXN_EAGAIN when rate limited, -AXN_EINVAL when `offending` does not
 * parse, or the output error.
 */
int axn_icmp4_send_error(struct axn_ip4 *ip, uint8_t type, uint8_t code, const uint8_t *offending,
                         size_t len, axn_time_t now);
/* The same with the rest-of-header value: the next-hop MTU of
 * "fragmentation needed" (RFC 1191) or a parameter problem's pointer. */
int axn_icmp4_send_error_info(struct axn_ip4 *ip, uint8_t type, uint8_t code, uint32_t info,
                              const uint8_t *offending, size_t len, axn_time_t now);

#endif /* AXN_IP_ICMP4_H */
