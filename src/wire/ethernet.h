/*
 * Ethernet II frames (IEEE 802.3 clause 3.2.6 "Type" interpretation,
 * RFC 894 for IPv4, RFC 2464 for IPv6) without the trailing FCS.
 *
 * Only untagged Ethernet II frames are accepted. A frame whose EtherType is
 * an 802.1Q or 802.1ad tag is rejected with AXN_WIRE_EVLAN rather than
 * looked through: axnet has no notion of VLAN membership, and stripping a
 * tag silently would deliver traffic of every VLAN on the wire to one
 * interface. A value below 0x0600 is an IEEE 802.3 length field (an LLC
 * frame such as an STP BPDU), which no protocol of ours uses:
 * AXN_WIRE_EUNSUPP.
 */
#ifndef AXN_WIRE_ETHERNET_H
#define AXN_WIRE_ETHERNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "axnet/driver.h"
#include "axnet/types.h"
#include "wire/wire.h"

/* EtherType values (IEEE registry). */
#define AXN_ETHERTYPE_IPV4 0x0800
#define AXN_ETHERTYPE_ARP  0x0806
#define AXN_ETHERTYPE_IPV6 0x86DD
/* 802.1Q customer tag, 802.1ad service tag, and the pre-standard QinQ tag. */
#define AXN_ETHERTYPE_VLAN        0x8100
#define AXN_ETHERTYPE_QINQ        0x88A8
#define AXN_ETHERTYPE_QINQ_LEGACY 0x9100
/* IEEE 802.3 3.2.6: values from 1536 (0x0600) up are types, below are lengths. */
#define AXN_ETHERTYPE_MIN 0x0600

/* A parsed frame, or the frame to emit. */
struct axn_eth {
    struct axn_mac dst;
    struct axn_mac src;
    uint16_t ethertype;
    /* Everything after the header, link padding included: the upper layer
     * trims by its own length field. */
    const uint8_t *payload;
    size_t payload_len;
};

/* Parses an Ethernet II header. Errors: ETRUNC, EVLAN, EUNSUPP. */
int axn_eth_parse(const uint8_t *buf, size_t len, struct axn_eth *out);

/* axn_eth_emit flag: zero-pad the frame to AXN_ETH_ZLEN bytes. */
#define AXN_ETH_EMIT_PAD (1u << 0)

/*
 * Writes header + payload into buf[0 .. cap), padded with zeros to
 * AXN_ETH_ZLEN when `flags` has AXN_ETH_EMIT_PAD. Returns the frame length,
 * AXN_WIRE_ENOSPC, or AXN_WIRE_ELEN for a payload too large to report.
 */
int axn_eth_emit(const struct axn_eth *in, uint8_t *buf, size_t cap, unsigned flags);

/* ff:ff:ff:ff:ff:ff. */
bool axn_mac_is_broadcast(const struct axn_mac *mac);
/* Group bit (I/G, the low bit of the first octet) set; broadcast included. */
bool axn_mac_is_multicast(const struct axn_mac *mac);
/* Neither multicast nor broadcast nor all-zero: a valid station address. */
bool axn_mac_is_unicast(const struct axn_mac *mac);
/* 00:00:00:00:00:00. */
bool axn_mac_is_zero(const struct axn_mac *mac);
/* Same six octets. */
bool axn_mac_equal(const struct axn_mac *a, const struct axn_mac *b);

#endif /* AXN_WIRE_ETHERNET_H */
