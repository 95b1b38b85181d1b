/*
 * IPv4 packet builders shared by the IP-layer unit tests (test_ip4,
 * test_icmp4): packets of a known payload pattern a test can recognise on
 * the far side.
 */
#ifndef AXN_TEST_IP4_PKT_H
#define AXN_TEST_IP4_PKT_H

#include <stddef.h>
#include <stdint.h>

#include "axnet/types.h"
#include "fake_netdev.h"
#include "wire/ipv4.h"

#define IP4_PKT_MAX     2048u /* every buffer the builders write into */
#define IP4_PKT_FILL    0xa5  /* each payload byte */
#define IP4_PKT_TTL     64    /* when the template leaves TTL 0 */
#define IP4_PKT_TOS     0x2au /* ip4_pkt_build_simple's TOS */
#define IP4_PKT_PAYLOAD 32u   /* ip4_pkt_build_simple's payload length */

/* Emits `tmpl` carrying `payload_len` bytes of IP4_PKT_FILL into `buf`
 * (IP4_PKT_MAX bytes); returns the packet's length. */
size_t ip4_pkt_build(uint8_t *buf, const struct axn_ipv4 *tmpl, size_t payload_len);

/* An IP4_PKT_PAYLOAD-byte packet src -> dst with TOS IP4_PKT_TOS. */
size_t ip4_pkt_build_simple(uint8_t *buf, axn_ip4_t src, axn_ip4_t dst, uint8_t proto);

/* Parses a packet a fake device sent, asserting that it is valid IPv4. */
void ip4_pkt_parse_sent(const struct fake_sent_pkt *p, struct axn_ipv4 *h);

#endif /* AXN_TEST_IP4_PKT_H */
