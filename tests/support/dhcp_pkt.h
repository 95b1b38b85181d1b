/*
 * DHCP messages and frames the DHCP tests and fuzz targets build and read
 * (test_dhcp_client, test_dhcp_server, fuzz_dhcp_client,
 * fuzz_dhcp_server). cmocka-free, so the fuzz targets link it too: every
 * function reports failure in its return value.
 */
#ifndef AXN_TEST_DHCP_PKT_H
#define AXN_TEST_DHCP_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "axnet/dhcp.h"
#include "wire/dhcp.h"
#include "wire/ethernet.h"
#include "wire/ipv4.h"
#include "wire/udp.h"

#define DHCP_PKT_TTL 64u /* the IPv4 TTL of every datagram built */

/* Where a UDP datagram goes, at each layer. */
struct dhcp_pkt_route {
    struct axn_mac eth_src, eth_dst;
    axn_ip4_t src, dst;
    uint16_t sport, dport;
};

/* UDP r->sport -> r->dport carrying `payload`, its checksum over the
 * r->src -> r->dst pseudo header. The datagram's length, 0 if it does not
 * fit in `cap`. */
size_t dhcp_pkt_udp(const struct dhcp_pkt_route *r, const uint8_t *payload, size_t len,
                    uint8_t *out, size_t cap);

/* The same datagram in IPv4 (DHCP_PKT_TTL) and an unpadded Ethernet
 * frame. The frame's length, 0 if it does not fit in `cap`. */
size_t dhcp_pkt_frame(const struct dhcp_pkt_route *r, const uint8_t *payload, size_t len,
                      uint8_t *out, size_t cap);

/* One UDP datagram read out of an Ethernet frame (pointers into it). */
struct dhcp_pkt_in {
    struct axn_eth eth;
    struct axn_ipv4 ip;
    struct axn_udp udp;
};

/* Parses Ethernet, IPv4 and UDP, the UDP checksum checked. False for
 * anything else or anything malformed. */
bool dhcp_pkt_parse(const uint8_t *frame, size_t len, struct dhcp_pkt_in *out);

/* A BOOTREPLY of `type` (RFC 2131 2) answering `xid` for the Ethernet
 * `chaddr`, with only the message type set; the caller adds options. */
void dhcp_pkt_reply(struct axn_dhcp_msg *m, uint8_t type, uint32_t xid, const uint8_t *chaddr);

/* A server configuration leasing first..last on `ifindex` for
 * `lease_secs`, everything else zero (no router, DNS or domain). */
struct axn_dhcp_server_config dhcp_pkt_pool(uint32_t ifindex, axn_ip4_t first, axn_ip4_t last,
                                            uint32_t lease_secs);

#endif /* AXN_TEST_DHCP_PKT_H */
