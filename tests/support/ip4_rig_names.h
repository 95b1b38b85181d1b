/*
 * The short names test_ip4.c and test_icmp4.c share for the sim_ip4_rig
 * they build (lo, eth0 on 192.0.2.0/24 with a gateway, eth1 on
 * 198.51.100.0/24), the peers and groups they send from and to, and the
 * packets and header fields they forge; ip4_fx.c builds the rig from
 * them. Only for those .c files (never another header): the names are as
 * short as the tests' other constants.
 */
#ifndef AXN_TEST_IP4_RIG_NAMES_H
#define AXN_TEST_IP4_RIG_NAMES_H

#include "axnet/netif.h"
#include "axnet/types.h"
#include "ip/icmp4.h"
#include "ip4_pkt.h"

#define ETH0        AXN_IFINDEX_FIRST_ETH
#define ETH1        (AXN_IFINDEX_FIRST_ETH + 1u)
#define LO          AXN_IFINDEX_LOOPBACK
#define PREFIX      24u
#define ETH0_ADDR   AXN_IP4(192, 0, 2, 2)
#define ETH0_BCAST  AXN_IP4(192, 0, 2, 255)
#define ETH1_ADDR   AXN_IP4(198, 51, 100, 2)
#define ETH1_BCAST  AXN_IP4(198, 51, 100, 255)
#define GW0         AXN_IP4(192, 0, 2, 254)
#define PEER        AXN_IP4(192, 0, 2, 1)
#define PEER1       AXN_IP4(198, 51, 100, 1)
#define REMOTE      AXN_IP4(203, 0, 113, 9)
#define ALL_HOSTS   AXN_IP4(224, 0, 0, 1)
#define MDNS_GROUP  AXN_IP4(224, 0, 0, 251)
#define LIMITED     AXN_IP4(255, 255, 255, 255)
#define LOOP2       AXN_IP4(127, 0, 0, 2)
#define NOW         AXN_SEC(100)
#define TEST_PROTO  200 /* no handler: protocol unreachable */
#define UDP_PROTO   17  /* the tests register a handler for it */
#define TTL         IP4_PKT_TTL
#define PAYLOAD     IP4_PKT_PAYLOAD
#define FILL        IP4_PKT_FILL
#define PKT_MAX     IP4_PKT_MAX
#define SMALL_MTU   576u
#define BIG_PAYLOAD 1400u
#define OFF_CSUM    10 /* IPv4 header checksum field */
#define OFF_VER     0
#define OFF_TTL     8
#define BAD_VERSION 0x65 /* version 6, IHL 5 */
#define SHORT_IHL   0x44 /* version 4, IHL 4 */
#define CUT         10u  /* bytes removed to truncate a frame */
#define TOS_IN      IP4_PKT_TOS
#define ERROR_TOS   (AXN_ICMP4_ERROR_PRECEDENCE | (TOS_IN & AXN_IPTOS_TOS_MASK))
#define OTHER_DSTS  10u
#define ID_DSTS_NET AXN_IP4(192, 0, 2, 100)

#endif /* AXN_TEST_IP4_RIG_NAMES_H */
