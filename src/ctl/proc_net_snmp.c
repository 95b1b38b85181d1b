/*
 * The Linux /proc/net/snmp text (net/ipv4/proc.c, snmp_seq_show), byte for
 * byte in the layout of Linux 6.3 and later (checked against 6.18): for
 * each protocol a line of field names, then a line of values, each line
 * "Tag:" followed by " field" items, every line ending in a newline.
 *
 * What is printed and why:
 *   Ip:      Forwarding is 2 (Linux: 1 forwarding, 2 not; axnet is a host
 *            that never forwards), DefaultTTL the stack's, ForwDatagrams
 *            0; OutTransmits (packets handed towards a device, fragments
 *            each) is not counted by the IP layer, so it is derived: every
 *            datagram requested, less those discarded or that failed to
 *            fragment, with each fragmented datagram counted as its
 *            fragments. Exact but for two cases the counters cannot tell
 *            apart: a datagram whose later fragment failed counts one
 *            fragment short, and one the router dropped for lack of a
 *            route counts as transmitted.
 *   Icmp:    axnet's counters; what it never counts (timestamps, address
 *            masks, per-host rate limit, redirects and source quenches
 *            sent) prints 0.
 *   IcmpMsg: omitted. Linux prints it from a counter per ICMP type (any
 *            type seen or sent); axnet counts only the types of the Icmp:
 *            line, so it cannot print the section exactly (a host that
 *            has seen no ICMP prints none in Linux either).
 *   Tcp:     Linux's constants (RtoAlgorithm 1 "other", RtoMin 200 ms,
 *            RtoMax 120000 ms, MaxConn -1 "dynamic"), then the TCP
 *            layer's counters (axn_tcp_snmp); CurrEstab is a gauge.
 *   Udp:     axnet's counters; MemErrors 0 (receiving never allocates).
 *   UdpLite: zeros (not implemented), as Linux prints without traffic.
 */
#include "axnet/snmp.h"

#include "axnet/config.h"
#include "ctl/ctl.h"
#include "lib/mem.h"

/* The field names, in Linux's order (snmp4_ipstats_list, icmpmibmap,
 * snmp4_tcp_list, snmp4_udp_list). */
#define IP_NAMES                                                                                   \
    "Forwarding DefaultTTL InReceives InHdrErrors InAddrErrors ForwDatagrams InUnknownProtos "     \
    "InDiscards InDelivers OutRequests OutDiscards OutNoRoutes ReasmTimeout ReasmReqds ReasmOKs "  \
    "ReasmFails FragOKs FragFails FragCreates OutTransmits"
#define ICMP_NAMES                                                                                 \
    "InMsgs InErrors InCsumErrors InDestUnreachs InTimeExcds InParmProbs InSrcQuenchs "            \
    "InRedirects InEchos InEchoReps InTimestamps InTimestampReps InAddrMasks InAddrMaskReps "      \
    "OutMsgs OutErrors OutRateLimitGlobal OutRateLimitHost OutDestUnreachs OutTimeExcds "          \
    "OutParmProbs OutSrcQuenchs OutRedirects OutEchos OutEchoReps OutTimestamps "                  \
    "OutTimestampReps OutAddrMasks OutAddrMaskReps"
#define TCP_NAMES                                                                                  \
    "RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets "        \
    "CurrEstab InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors"
#define UDP_NAMES                                                                                  \
    "InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors "            \
    "IgnoredMulti MemErrors"

/* Ip: Forwarding (RFC 1213 ipForwarding: 2 is "not a router"). */
#define IP_NOT_FORWARDING 2ull
/* Tcp: the values Linux prints as constants (tcp_mib_list: RFC 2012's
 * "other" algorithm, TCP_RTO_MIN and TCP_RTO_MAX in ms, no limit). */
#define TCP_CONSTANTS "1 200 120000 -1"
#define TCP_COUNTERS  11u /* ActiveOpens .. InCsumErrors */
#define UDP_FIELDS    9u
#define NOT_COUNTED   0ull

/* The value line's numbers, in the name line's order. */
#define IP_FIELDS   20u
#define ICMP_FIELDS 29u

static void put_values(struct axn_text_buf *t, const char *tag, const char *names,
                       const unsigned long long *v, size_t n)
{
    axn_text_appendf(t, "%s: %s\n%s:", tag, names, tag);
    for (size_t i = 0; i < n; i++)
        axn_text_appendf(t, " %llu", v[i]);
    axn_text_appendf(t, "\n");
}

/* Packets handed towards a device (see the top for the two cases the
 * derivation cannot see); never below zero. */
static unsigned long long out_transmits(const struct axn_snmp_ip *ip)
{
    const uint64_t gone = ip->out_requests + ip->frag_creates;
    const uint64_t not_sent = ip->out_discards + ip->frag_fails + ip->frag_oks;
    return gone > not_sent ? gone - not_sent : 0;
}

static void put_ip(struct axn_text_buf *t, const struct axn_snmp_ip *ip)
{
    const unsigned long long v[IP_FIELDS] = {
        IP_NOT_FORWARDING,  AXN_IP4_DEFAULT_TTL, ip->in_receives,       ip->in_hdr_errors,
        ip->in_addr_errors, NOT_COUNTED,         ip->in_unknown_protos, ip->in_discards,
        ip->in_delivers,    ip->out_requests,    ip->out_discards,      ip->out_no_routes,
        ip->reasm_timeout,  ip->reasm_reqds,     ip->reasm_oks,         ip->reasm_fails,
        ip->frag_oks,       ip->frag_fails,      ip->frag_creates,      out_transmits(ip),
    };
    put_values(t, "Ip", IP_NAMES, v, IP_FIELDS);
}

static void put_icmp(struct axn_text_buf *t, const struct axn_snmp_icmp *c)
{
    const uint64_t limited = c->out_rate_limit_global;
    const unsigned long long v[ICMP_FIELDS] = {
        c->in_msgs,           c->in_errors,      c->in_csum_errors,
        c->in_dest_unreachs,  c->in_time_excds,  c->in_parm_probs,
        c->in_src_quenchs,    c->in_redirects,   c->in_echos,
        c->in_echo_reps,      NOT_COUNTED,       NOT_COUNTED,
        NOT_COUNTED,          NOT_COUNTED,       c->out_msgs,
        c->out_errors,        limited,           c->out_rate_limit_host,
        c->out_dest_unreachs, c->out_time_excds, c->out_parm_probs,
        NOT_COUNTED,          NOT_COUNTED,       c->out_echos,
        c->out_echo_reps,     NOT_COUNTED,       NOT_COUNTED,
        NOT_COUNTED,          NOT_COUNTED,
    };
    put_values(t, "Icmp", ICMP_NAMES, v, ICMP_FIELDS);
}

static void put_tcp(struct axn_text_buf *t, const struct axn_snmp_tcp *c)
{
    const unsigned long long v[TCP_COUNTERS] = {
        c->active_opens, c->passive_opens, c->attempt_fails,  c->estab_resets,
        c->curr_estab,   c->in_segs,       c->out_segs,       c->retrans_segs,
        c->in_errs,      c->out_rsts,      c->in_csum_errors,
    };
    axn_text_appendf(t, "Tcp: %s\nTcp: %s", TCP_NAMES, TCP_CONSTANTS);
    for (size_t i = 0; i < TCP_COUNTERS; i++)
        axn_text_appendf(t, " %llu", v[i]);
    axn_text_appendf(t, "\n");
}

static void put_udp(struct axn_text_buf *t, const char *tag, const struct axn_snmp_udp *u)
{
    const unsigned long long v[UDP_FIELDS] = {
        u->in_datagrams,  u->no_ports,       u->in_errors,     u->out_datagrams, u->rcvbuf_errors,
        u->sndbuf_errors, u->in_csum_errors, u->ignored_multi, NOT_COUNTED,
    };
    put_values(t, tag, UDP_NAMES, v, UDP_FIELDS);
}

size_t axn_ctl_format_proc_net_snmp(struct axn_stack *st, char *buf, size_t cap)
{
    struct axn_snmp snmp;
    struct axn_snmp_udp udp;
    struct axn_snmp_udp udplite;
    struct axn_snmp_tcp tcp;
    /* Two copies, each under the core lock, as Linux folds each MIB on
     * its own: the sections need not be one instant. */
    axn_ctl_snmp(st, &snmp);
    axn_udp_snmp(st, &udp);
    axn_tcp_snmp(st, &tcp, NULL);
    memset(&udplite, 0, sizeof(udplite));
    struct axn_text_buf t;
    axn_text_init(&t, buf, cap);
    put_ip(&t, &snmp.ip);
    put_icmp(&t, &snmp.icmp);
    put_tcp(&t, &tcp);
    put_udp(&t, "Udp", &udp);
    put_udp(&t, "UdpLite", &udplite);
    return t.len;
}
