/* Describes a frame in one line, through the library's own parsers. */
#include <stdio.h>

#include "lib/fmt.h"
#include "tools.h"
#include "wire/arp.h"
#include "wire/checksum.h"
#include "wire/ethernet.h"
#include "wire/icmp4.h"
#include "wire/ipv4.h"
#include "wire/wire.h"

static void describe_arp(const struct axn_eth *eth, char *out, size_t cap)
{
    struct axn_arp arp;
    int rc = axn_arp_parse(eth->payload, eth->payload_len, &arp);
    if (rc < 0) {
        snprintf(out, cap, "malformed ARP (%s)", axn_wire_strerror(rc));
        return;
    }
    char s[AXN_IP4_STR_LEN], t[AXN_IP4_STR_LEN], mac[AXN_MAC_STR_LEN];
    axn_fmt_ip4(s, sizeof(s), arp.sender_ip);
    axn_fmt_ip4(t, sizeof(t), arp.target_ip);
    axn_fmt_mac(mac, sizeof(mac), &arp.sender_mac);
    if (arp.op == AXN_ARP_OP_REQUEST && arp.sender_ip == arp.target_ip)
        snprintf(out, cap, "ARP announce %s is-at %s (gratuitous)", s, mac);
    else if (arp.op == AXN_ARP_OP_REQUEST)
        snprintf(out, cap, "ARP who-has %s tell %s", t, s);
    else
        snprintf(out, cap, "ARP reply %s is-at %s", s, mac);
}

static void describe_ipv4(const struct axn_eth *eth, char *out, size_t cap)
{
    struct axn_ipv4 ip;
    int rc = axn_ipv4_parse(eth->payload, eth->payload_len, &ip, 0);
    if (rc < 0) {
        snprintf(out, cap, "malformed IPv4 (%s)", axn_wire_strerror(rc));
        return;
    }
    char s[AXN_IP4_STR_LEN], d[AXN_IP4_STR_LEN];
    axn_fmt_ip4(s, sizeof(s), ip.src);
    axn_fmt_ip4(d, sizeof(d), ip.dst);
    struct axn_icmp4 icmp;
    if (ip.protocol == 1 && axn_icmp4_parse(ip.payload, ip.payload_len, &icmp, 0) == 0 &&
        (icmp.type == AXN_ICMP4_ECHO_REQUEST || icmp.type == AXN_ICMP4_ECHO_REPLY)) {
        snprintf(out, cap, "%s > %s ICMP echo %s id=%u seq=%u", s, d,
                 icmp.type == AXN_ICMP4_ECHO_REQUEST ? "request" : "reply", icmp.id, icmp.seq);
        return;
    }
    snprintf(out, cap, "%s > %s IPv4 proto %u, %zu bytes", s, d, ip.protocol, ip.payload_len);
}

void axn_tool_describe_frame(const uint8_t *frame, size_t len, char *out, size_t cap)
{
    struct axn_eth eth;
    int rc = axn_eth_parse(frame, len, &eth);
    if (rc < 0)
        snprintf(out, cap, "malformed frame (%s)", axn_wire_strerror(rc));
    else if (eth.ethertype == AXN_ETHERTYPE_ARP)
        describe_arp(&eth, out, cap);
    else if (eth.ethertype == AXN_ETHERTYPE_IPV4)
        describe_ipv4(&eth, out, cap);
    else
        snprintf(out, cap, "EtherType 0x%04x, %zu bytes", eth.ethertype, len);
}
