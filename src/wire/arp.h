/*
 * ARP for Ethernet and IPv4 (RFC 826), the only pairing axnet resolves.
 *
 * Any other hardware or protocol type is well-formed ARP that we do not
 * handle: AXN_WIRE_EUNSUPP. Operations other than request and reply parse
 * fine; the caller looks at `op` (axn_arp_op_is_known) and decides.
 */
#ifndef AXN_WIRE_ARP_H
#define AXN_WIRE_ARP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "axnet/types.h"
#include "wire/wire.h"

/* Length of an Ethernet/IPv4 ARP packet: 8 fixed bytes + 2 * (6 + 4). */
#define AXN_ARP_LEN 28

/* RFC 826 ar$hrd: Ethernet (IANA ARP hardware type 1). */
#define AXN_ARP_HTYPE_ETHERNET 1
/* RFC 826 ar$op. */
#define AXN_ARP_OP_REQUEST 1
#define AXN_ARP_OP_REPLY   2

struct axn_arp {
    uint16_t op;
    struct axn_mac sender_mac;
    axn_ip4_t sender_ip; /* host order */
    struct axn_mac target_mac;
    axn_ip4_t target_ip; /* host order */
};

/*
 * Parses an ARP packet (bytes after the Ethernet header; trailing link
 * padding is ignored). Errors: ETRUNC, EUNSUPP.
 */
int axn_arp_parse(const uint8_t *buf, size_t len, struct axn_arp *out);

/* Writes the AXN_ARP_LEN-byte packet. Returns AXN_ARP_LEN or AXN_WIRE_ENOSPC. */
int axn_arp_emit(const struct axn_arp *in, uint8_t *buf, size_t cap);

/* True for request and reply, the operations RFC 826 defines. */
bool axn_arp_op_is_known(uint16_t op);

#endif /* AXN_WIRE_ARP_H */
