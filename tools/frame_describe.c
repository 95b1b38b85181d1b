/* Describes a frame in one line, through the library's own parsers. */
#include <stdio.h>
#include <string.h>

#include "axnet/socket.h"

#include "lib/fmt.h"
#include "tools.h"
#include "wire/arp.h"
#include "wire/checksum.h"
#include "wire/dhcp.h"
#include "wire/dns.h"
#include "wire/ethernet.h"
#include "wire/icmp4.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"
#include "wire/udp.h"
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
    /* RFC 5227 2.1.1: a probe asks from 0.0.0.0, so that nobody's cache
     * learns an address that may turn out to be taken. */
    if (arp.op == AXN_ARP_OP_REQUEST && arp.sender_ip == 0)
        snprintf(out, cap, "ARP probe who-has %s tell 0.0.0.0", t);
    else if (arp.op == AXN_ARP_OP_REQUEST && arp.sender_ip == arp.target_ip)
        snprintf(out, cap, "ARP announce %s is-at %s (gratuitous)", s, mac);
    else if (arp.op == AXN_ARP_OP_REQUEST)
        snprintf(out, cap, "ARP who-has %s tell %s", t, s);
    else
        snprintf(out, cap, "ARP reply %s is-at %s", s, mac);
}

/* Bytes into a UDP header where the destination port is (RFC 768). */
#define UDP_DST_PORT_OFF 2
/* Room for tcpdump's flag letters (six and a NUL) and for ", mss 65535". */
#define TCP_FLAG_LETTERS 8
#define TCP_MSS_TEXT_LEN 16

static uint16_t get_be16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

/* ICMP errors quote the offending datagram's IP header and 8 bytes: name
 * the UDP port a "port unreachable" is about. */
static void describe_icmp_error(const struct axn_icmp4 *icmp, char *out, size_t cap)
{
    const size_t port_at = (size_t)icmp->orig_hdr_len + UDP_DST_PORT_OFF;
    if (icmp->type == AXN_ICMP4_DEST_UNREACH && icmp->code == AXN_ICMP4_UNREACH_PORT &&
        icmp->body_len >= port_at + sizeof(uint16_t))
        snprintf(out, cap, "ICMP udp port %u unreachable", get_be16(icmp->body + port_at));
    else
        snprintf(out, cap, "ICMP type %u code %u", icmp->type, icmp->code);
}

static void describe_icmp(const struct axn_ipv4 *ip, char *out, size_t cap)
{
    struct axn_icmp4 icmp;
    if (axn_icmp4_parse(ip->payload, ip->payload_len, &icmp, 0) < 0)
        snprintf(out, cap, "malformed ICMP, %zu bytes", ip->payload_len);
    else if (icmp.type == AXN_ICMP4_ECHO_REQUEST || icmp.type == AXN_ICMP4_ECHO_REPLY)
        snprintf(out, cap, "ICMP echo %s id=0x%04x seq=%u, %zu bytes",
                 icmp.type == AXN_ICMP4_ECHO_REQUEST ? "request" : "reply", icmp.id, icmp.seq,
                 icmp.body_len);
    else
        describe_icmp_error(&icmp, out, cap);
}

/* ---- DHCP (RFC 2131) and DNS (RFC 1035), named as tcpdump -v does ---- */

static const char *dhcp_type_name(uint8_t type)
{
    static const char *const names[] = {"?",   "DISCOVER", "OFFER",   "REQUEST", "DECLINE",
                                        "ACK", "NAK",      "RELEASE", "INFORM"};
    return type < sizeof(names) / sizeof(names[0]) ? names[type] : "?";
}

/* The address a message is about: offered or acknowledged (yiaddr), asked
 * for (option 50: SELECTING, INIT-REBOOT, DECLINE), or held (ciaddr:
 * RENEWING, REBINDING, RELEASE, INFORM). RFC 2131 table 5. */
static axn_ip4_t dhcp_subject(const struct axn_dhcp_msg *m)
{
    if (m->yiaddr != 0)
        return m->yiaddr;
    if (m->present & AXN_DHCP_HAS_REQUESTED_IP)
        return m->requested_ip;
    return m->ciaddr;
}

static bool is_dhcp(const struct axn_udp *udp)
{
    return (udp->src_port == AXN_DHCP_CLIENT_PORT && udp->dst_port == AXN_DHCP_SERVER_PORT) ||
           (udp->src_port == AXN_DHCP_SERVER_PORT && udp->dst_port == AXN_DHCP_CLIENT_PORT);
}

/* "DHCP OFFER 192.0.2.100 xid 0x1234abcd, server 192.0.2.1, lease 3600 s". */
static void describe_dhcp(const struct axn_udp *udp, char *out, size_t cap)
{
    struct axn_dhcp_msg m;
    if (axn_dhcp_parse(udp->payload, udp->payload_len, &m) < 0 ||
        !(m.present & AXN_DHCP_HAS_MSG_TYPE)) {
        snprintf(out, cap, "UDP %u > %u, %zu bytes (not DHCP)", udp->src_port, udp->dst_port,
                 udp->payload_len);
        return;
    }
    char addr[AXN_IP4_STR_LEN + 1] = "", server[AXN_IP4_STR_LEN];
    const axn_ip4_t subject = dhcp_subject(&m);
    if (subject != 0) {
        axn_fmt_ip4(addr, sizeof(addr), subject);
        addr[strlen(addr)] = ' ';
    }
    size_t n =
        (size_t)snprintf(out, cap, "DHCP %s %sxid 0x%08x", dhcp_type_name(m.msg_type), addr, m.xid);
    if ((m.present & AXN_DHCP_HAS_SERVER_ID) && n < cap) {
        axn_fmt_ip4(server, sizeof(server), m.server_id);
        n += (size_t)snprintf(out + n, cap - n, ", server %s", server);
    }
    if ((m.present & AXN_DHCP_HAS_LEASE_TIME) && n < cap)
        snprintf(out + n, cap - n, ", lease %u s", m.lease_time);
}

static const char *dns_type_name(uint16_t type, char *buf, size_t cap)
{
    if (type == AXN_DNS_TYPE_A)
        return "A";
    if (type == AXN_DNS_TYPE_AAAA)
        return "AAAA";
    if (type == AXN_DNS_TYPE_CNAME)
        return "CNAME";
    snprintf(buf, cap, "TYPE%u", type);
    return buf;
}

#define DNS_TYPE_TEXT_LEN 12 /* "TYPE65535" */
#define DNS_TYPE(t)       dns_type_name((t), (char[DNS_TYPE_TEXT_LEN]){0}, DNS_TYPE_TEXT_LEN)

/* A name of the message, or "?" (the tool's line has no room for more
 * than a host name anyway). */
static const char *dns_name(const struct axn_dns_msg *m, size_t off, char *buf, size_t cap)
{
    if (axn_dns_name_decode(m->buf, m->len, off, buf, cap) < 0)
        snprintf(buf, cap, "?");
    return buf;
}

/* The answer section: "CNAME gateway.demo.test, A 192.0.2.1". */
static void dns_answers(const struct axn_dns_msg *m, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < m->n_rr && n < cap; i++) {
        const struct axn_dns_rr *rr = &m->rr[i];
        if (rr->section != AXN_DNS_SEC_ANSWER)
            continue;
        char data[AXN_DNS_NAME_TEXT_MAX] = "";
        if (rr->type == AXN_DNS_TYPE_A)
            axn_fmt_ip4(data, sizeof(data), rr->a);
        else if (rr->type == AXN_DNS_TYPE_CNAME)
            dns_name(m, rr->cname_off, data, sizeof(data));
        n += (size_t)snprintf(out + n, cap - n, "%s%s %s", n ? ", " : "", DNS_TYPE(rr->type), data);
    }
}

static const char *dns_rcode_name(uint8_t rcode)
{
    static const char *const names[] = {"NOERROR",  "FORMERR", "SERVFAIL",
                                        "NXDOMAIN", "NOTIMP",  "REFUSED"};
    return rcode < sizeof(names) / sizeof(names[0]) ? names[rcode] : "RCODE?";
}

/* "DNS query 0x1234 A? www.demo.test" and "DNS answer 0x1234 A? www.demo.test:
 * CNAME gateway.demo.test, A 192.0.2.1". */
static void describe_dns(const struct axn_udp *udp, char *out, size_t cap)
{
    static struct axn_dns_msg m; /* 3 KiB: off the stack; the tool is single-threaded */
    if (axn_dns_parse(udp->payload, udp->payload_len, &m) < 0 || m.hdr.qdcount == 0) {
        snprintf(out, cap, "UDP %u > %u, %zu bytes (not DNS)", udp->src_port, udp->dst_port,
                 udp->payload_len);
        return;
    }
    char qname[AXN_DNS_NAME_TEXT_MAX], answers[AXN_TOOL_DESC_LEN];
    dns_name(&m, m.q.name_off, qname, sizeof(qname));
    /* A long name cuts the line short: what fits is still worth reading. */
    const int n = snprintf(out, cap, "DNS %s 0x%04x %s? %s", m.hdr.qr ? "answer" : "query",
                           m.hdr.id, DNS_TYPE(m.q.type), qname);
    if (!m.hdr.qr || n < 0 || (size_t)n >= cap)
        return;
    dns_answers(&m, answers, sizeof(answers));
    const int more = snprintf(
        out + n, cap - (size_t)n, ": %s%s%s", m.hdr.rcode ? dns_rcode_name(m.hdr.rcode) : answers,
        m.hdr.rcode == 0 && answers[0] == '\0' ? "no data" : "", m.hdr.tc ? " [TC]" : "");
    (void)more;
}

static void describe_udp(const struct axn_ipv4 *ip, char *out, size_t cap)
{
    struct axn_udp udp;
    const uint32_t pseudo =
        axn_csum_pseudo_v4(ip->src, ip->dst, AXN_UDP_PROTO, (uint16_t)ip->payload_len);
    if (axn_udp_parse(ip->payload, ip->payload_len, &udp, pseudo, 0) < 0)
        snprintf(out, cap, "bad UDP, %zu bytes", ip->payload_len);
    else if (is_dhcp(&udp))
        describe_dhcp(&udp, out, cap);
    else if (udp.src_port == AXN_DNS_PORT || udp.dst_port == AXN_DNS_PORT)
        describe_dns(&udp, out, cap);
    else
        snprintf(out, cap, "UDP %u > %u, %zu bytes", udp.src_port, udp.dst_port, udp.payload_len);
}

/* TCP flags in tcpdump's letters (S, F, R, P, U, then "." for ACK). */
static void tcp_flag_letters(uint16_t flags, char *out)
{
    static const struct {
        uint16_t bit;
        char letter;
    } names[] = {
        {AXN_TCP_SYN, 'S'}, {AXN_TCP_FIN, 'F'}, {AXN_TCP_RST, 'R'},
        {AXN_TCP_PSH, 'P'}, {AXN_TCP_URG, 'U'}, {AXN_TCP_ACK, '.'},
    };
    size_t n = 0;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (flags & names[i].bit)
            out[n++] = names[i].letter;
    out[n] = '\0';
}

/* One TCP segment as tcpdump prints it (absolute sequence numbers: the
 * describer keeps no state), with the MSS option of a SYN. */
static void describe_tcp(const struct axn_ipv4 *ip, char *out, size_t cap)
{
    struct axn_tcp tcp;
    const uint32_t pseudo =
        axn_csum_pseudo_v4(ip->src, ip->dst, AXN_TCP_PROTO, (uint16_t)ip->payload_len);
    if (axn_tcp_parse(ip->payload, ip->payload_len, &tcp, pseudo, 0) < 0) {
        snprintf(out, cap, "bad TCP, %zu bytes", ip->payload_len);
        return;
    }
    char flags[TCP_FLAG_LETTERS];
    tcp_flag_letters(tcp.flags, flags);
    char mss[TCP_MSS_TEXT_LEN] = "";
    if (tcp.opts.has_mss)
        snprintf(mss, sizeof(mss), ", mss %u", tcp.opts.mss);
    if (tcp.flags & AXN_TCP_ACK)
        snprintf(out, cap, "TCP %u > %u [%s] seq %u ack %u win %u, %zu bytes%s", tcp.src_port,
                 tcp.dst_port, flags, tcp.seq, tcp.ack, tcp.window, tcp.payload_len, mss);
    else
        snprintf(out, cap, "TCP %u > %u [%s] seq %u win %u, %zu bytes%s", tcp.src_port,
                 tcp.dst_port, flags, tcp.seq, tcp.window, tcp.payload_len, mss);
}

/* A fragment: which bytes of which datagram (tcpdump's "frag id:len@offset"). */
static void describe_fragment(const struct axn_ipv4 *ip, char *out, size_t cap)
{
    const int n =
        snprintf(out, cap, "fragment id=0x%04x bytes %u-%zu%s", ip->id, ip->frag_offset,
                 ip->frag_offset + ip->payload_len - 1, ip->mf ? ", more follow" : " (last)");
    /* The first fragment carries the UDP header: name the ports. */
    if (n > 0 && (size_t)n < cap && ip->frag_offset == 0 && ip->protocol == AXN_UDP_PROTO &&
        ip->payload_len >= AXN_UDP_HDR_LEN)
        snprintf(out + n, cap - (size_t)n, ", UDP %u > %u", get_be16(ip->payload),
                 get_be16(ip->payload + UDP_DST_PORT_OFF));
}

static void describe_ipv4(const struct axn_eth *eth, char *out, size_t cap)
{
    struct axn_ipv4 ip;
    int rc = axn_ipv4_parse(eth->payload, eth->payload_len, &ip, 0);
    if (rc < 0) {
        snprintf(out, cap, "malformed IPv4 (%s)", axn_wire_strerror(rc));
        return;
    }
    char s[AXN_IP4_STR_LEN], d[AXN_IP4_STR_LEN], what[AXN_TOOL_DESC_LEN];
    axn_fmt_ip4(s, sizeof(s), ip.src);
    axn_fmt_ip4(d, sizeof(d), ip.dst);
    if (ip.is_fragment)
        describe_fragment(&ip, what, sizeof(what));
    else if (ip.protocol == AXN_IPPROTO_ICMP)
        describe_icmp(&ip, what, sizeof(what));
    else if (ip.protocol == AXN_UDP_PROTO)
        describe_udp(&ip, what, sizeof(what));
    else if (ip.protocol == AXN_TCP_PROTO)
        describe_tcp(&ip, what, sizeof(what));
    else
        snprintf(what, sizeof(what), "IPv4 proto %u, %zu bytes", ip.protocol, ip.payload_len);
    snprintf(out, cap, "%s > %s %s", s, d, what);
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
