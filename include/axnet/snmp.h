/*
 * Protocol counters in the shape of Linux's /proc/net/snmp (and the few
 * IpExt fields /proc/net/netstat adds), so `netstat -s` users find what
 * they know. Every counter only grows; a copy is taken under the core lock.
 */
#ifndef AXNET_SNMP_H
#define AXNET_SNMP_H

#include <stddef.h>
#include <stdint.h>

#include "axnet/stack.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The "Ip:" line, plus IpExt fields where Linux counts a drop there. */
struct axn_snmp_ip {
    uint64_t in_receives;         /* every packet handed to IPv4 */
    uint64_t in_hdr_errors;       /* bad version, IHL, checksum, options, lengths */
    uint64_t in_addr_errors;      /* not for a local address (we do not forward) */
    uint64_t in_unknown_protos;   /* no handler: protocol unreachable sent */
    uint64_t in_discards;         /* dropped for lack of resources */
    uint64_t in_delivers;         /* handed to ICMP or a transport */
    uint64_t out_requests;        /* datagrams the stack originated */
    uint64_t out_discards;        /* refused on the way out (queue full) */
    uint64_t out_no_routes;       /* no route, here or in the router */
    uint64_t reasm_timeout;       /* datagrams whose reassembly timed out */
    uint64_t reasm_reqds;         /* fragments received */
    uint64_t reasm_oks;           /* datagrams reassembled */
    uint64_t reasm_fails;         /* reassemblies given up */
    uint64_t frag_oks;            /* datagrams fragmented */
    uint64_t frag_fails;          /* datagrams that needed fragmenting and could not be */
    uint64_t frag_creates;        /* fragments made */
    uint64_t in_truncated_pkts;   /* IpExt: frame shorter than Total Length */
    uint64_t in_csum_errors;      /* IpExt: header checksum (also in in_hdr_errors) */
    uint64_t in_mcast_pkts;       /* IpExt: multicast packets received */
    uint64_t in_bcast_pkts;       /* IpExt: broadcast packets received */
    uint64_t in_martians;         /* martian source or destination (Linux: rt_cache stat) */
    uint64_t in_mcast_not_member; /* multicast to a group we have not joined */
};

/* The "Icmp:" line. */
struct axn_snmp_icmp {
    uint64_t in_msgs;
    uint64_t in_errors; /* malformed, checksum included */
    uint64_t in_csum_errors;
    uint64_t in_dest_unreachs;
    uint64_t in_time_excds;
    uint64_t in_parm_probs;
    uint64_t in_src_quenchs;
    uint64_t in_redirects;
    uint64_t in_echos;
    uint64_t in_echo_reps;
    uint64_t out_msgs;
    uint64_t out_errors;
    uint64_t out_rate_limit_global; /* refused by the stack's token bucket */
    uint64_t out_rate_limit_host;   /* refused by the destination's bucket */
    uint64_t out_dest_unreachs;
    uint64_t out_time_excds;
    uint64_t out_parm_probs;
    uint64_t out_echos;
    uint64_t out_echo_reps;
};

struct axn_snmp {
    struct axn_snmp_ip ip;
    struct axn_snmp_icmp icmp;
};

/* Copies the stack's counters. Takes the core lock (may wait for a poll);
 * never call it with the core lock held. */
void axn_ctl_snmp(struct axn_stack *st, struct axn_snmp *out);

/* The "Udp:" line of /proc/net/snmp (udp(7) "/proc interfaces"). */
struct axn_snmp_udp {
    uint64_t in_datagrams;   /* datagrams read by recv (Linux counts at read) */
    uint64_t no_ports;       /* unicast with no socket: port unreachable sent */
    uint64_t in_errors;      /* malformed, bad checksum, or no room to queue */
    uint64_t out_datagrams;  /* datagrams handed to IPv4 */
    uint64_t rcvbuf_errors;  /* dropped: the socket's SO_RCVBUF was full */
    uint64_t sndbuf_errors;  /* refused on the way out (IPv4 or device queue) */
    uint64_t in_csum_errors; /* bad checksum (also in in_errors) */
    uint64_t ignored_multi;  /* broadcast/multicast no socket wanted */
};

/* Copies the stack's UDP counters. Takes the core lock as axn_ctl_snmp. */
void axn_udp_snmp(struct axn_stack *st, struct axn_snmp_udp *out);

/* The text of Linux's /proc/net/snmp for these counters (Ip:, Icmp:, Tcp:,
 * Udp:, UdpLite:; no IcmpMsg:, see src/ctl/proc_net_snmp.c), written into
 * buf with snprintf semantics: returns the length the whole text needs,
 * buf (cap > 0) holds a NUL-terminated prefix of it. Takes the core lock
 * as axn_ctl_snmp. */
size_t axn_ctl_format_proc_net_snmp(struct axn_stack *st, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* AXNET_SNMP_H */
