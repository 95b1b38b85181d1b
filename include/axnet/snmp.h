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

/* The "Tcp:" line of /proc/net/snmp (RFC 2012 tcp group, Linux
 * snmp4_tcp_list). CurrEstab is a gauge: connections now ESTABLISHED or
 * CLOSE-WAIT. */
struct axn_snmp_tcp {
    uint64_t active_opens;   /* CLOSED -> SYN-SENT */
    uint64_t passive_opens;  /* LISTEN -> SYN-RECEIVED */
    uint64_t attempt_fails;  /* SYN-SENT/SYN-RECEIVED -> CLOSED, SYN-RECEIVED -> LISTEN */
    uint64_t estab_resets;   /* ESTABLISHED/CLOSE-WAIT -> CLOSED by RST */
    uint64_t curr_estab;     /* gauge */
    uint64_t in_segs;        /* segments received, errors included */
    uint64_t out_segs;       /* segments sent, retransmissions excluded */
    uint64_t retrans_segs;   /* segments retransmitted */
    uint64_t in_errs;        /* bad checksum, header, or unusable */
    uint64_t out_rsts;       /* segments sent with RST */
    uint64_t in_csum_errors; /* bad checksum (also in in_errs) */
};

/* The "TcpExt:" rows of /proc/net/netstat that axnet counts (Linux
 * LINUX_MIB_* names in the comments). */
struct axn_snmp_tcp_ext {
    uint64_t listen_overflows; /* ListenOverflows: accept queue full, SYN/ACK dropped */
    uint64_t listen_drops;     /* ListenDrops: any SYN a listener dropped */
    uint64_t tcp_timeouts;     /* TCPTimeouts: RTO expirations */
    uint64_t delayed_acks;     /* DelayedACKs: delayed ACK timer fired */
    uint64_t challenge_acks;   /* TCPChallengeACK: RFC 5961 challenge ACKs sent */
    uint64_t syn_challenge;    /* TCPSYNChallenge: SYN in a synchronised state */
    uint64_t tw;               /* TW: TIME-WAIT ended by its timer */
    uint64_t tw_recycled;      /* TWRecycled: TIME-WAIT tuple reused by a new SYN */
    uint64_t fast_retrans;     /* TCPFastRetrans */
    uint64_t ofo_queue;        /* TCPOFOQueue: segments kept out of order */
    uint64_t ofo_drop;         /* TCPOFODrop: out-of-order segments dropped */
    /* TCPAbortOnData: an orphan got new data (RST), or close with
     * SO_LINGER 0 (Linux tcp_close counts that here too). */
    uint64_t abort_on_data;
    uint64_t abort_on_close;        /* TCPAbortOnClose: close with unread data (RST) */
    uint64_t abort_on_timeout;      /* TCPAbortOnTimeout: retries/keepalive/user timeout */
    uint64_t abort_on_linger;       /* TCPAbortOnLinger: an orphan with TCP_LINGER2 < 0 */
    uint64_t abort_on_memory;       /* TCPAbortOnMemory: too many orphans */
    uint64_t out_of_window_icmps;   /* OutOfWindowIcmps: ICMP quoting an unsent sequence */
    uint64_t ack_skipped_challenge; /* TCPACKSkippedChallenge: over the challenge limit */
    uint64_t keepalive_probes;      /* (axnet) keep-alive probes sent */
    uint64_t zero_window_probes;    /* (axnet) persist probes sent */
    uint64_t rcvq_drop;             /* TCPRcvQDrop: no room in the receive ring */
    uint64_t tw_overflow;           /* TCPTimeWaitOverflow: over AXN_TCP_MAX_TW, closed */
    uint64_t ack_skipped_time_wait; /* TCPACKSkippedTimeWait: TIME-WAIT ACK rate-limited */
    /* ---- Part 2: SYN cookies, RFC 7323, SACK, CUBIC/HyStart ---- */
    uint64_t syncookies_sent;       /* SyncookiesSent: SYN-ACKs carrying a cookie */
    uint64_t syncookies_recv;       /* SyncookiesRecv: valid cookies in ACKs */
    uint64_t syncookies_failed;     /* SyncookiesFailed: ACKs with an invalid cookie */
    uint64_t paws_active;           /* PAWSActive: SYN-ACKs rejected by PAWS */
    uint64_t paws_estab;            /* PAWSEstab: segments rejected by PAWS */
    uint64_t reno_recovery;         /* TCPRenoRecovery: recoveries without SACK */
    uint64_t sack_recovery;         /* TCPSackRecovery: RFC 6675 recoveries */
    uint64_t sack_reneging;         /* TCPSACKReneging: the peer discarded SACKed data */
    uint64_t sack_reorder;          /* TCPSACKReorder: reordering seen via SACK */
    uint64_t lost_retransmit;       /* TCPLostRetransmit: a retransmission lost again */
    uint64_t dsack_old_sent;        /* TCPDSACKOldSent: D-SACK for old duplicate data */
    uint64_t dsack_ofo_sent;        /* TCPDSACKOfoSent: D-SACK for out-of-order duplicates */
    uint64_t dsack_recv;            /* TCPDSACKRecv: D-SACK blocks received */
    uint64_t dsack_ofo_recv;        /* TCPDSACKOfoRecv: D-SACK blocks above SND.UNA */
    uint64_t sack_discard;          /* TCPSACKDiscard: SACK blocks ignored as invalid */
    uint64_t req_q_full_do_cookies; /* TCPReqQFullDoCookies: SYN queue full, cookie sent */
    uint64_t req_q_full_drop;       /* TCPReqQFullDrop: SYN queue full, SYN dropped */
    uint64_t loss_probes;           /* TCPLossProbes: RFC 8985 tail loss probes */
    uint64_t hystart_train_detect;  /* TCPHystartTrainDetect */
    uint64_t hystart_train_cwnd;    /* TCPHystartTrainCwnd: segments at those exits */
    uint64_t hystart_delay_detect;  /* TCPHystartDelayDetect: slow start left on RTT rise */
    uint64_t hystart_delay_cwnd;    /* TCPHystartDelayCwnd: segments at those exits */
    uint64_t syn_retrans;           /* TCPSynRetrans: SYN and SYN-ACK retransmissions */
    uint64_t orig_data_sent;        /* TCPOrigDataSent: data segments sent for the first time */
    uint64_t ack_skipped_paws;      /* TCPACKSkippedPAWS: PAWS ACK rate-limited */
    uint64_t delivered;             /* TCPDelivered: segments delivered (acknowledged) */
    uint64_t delivered_ce;          /* TCPDeliveredCE: of those, with ECN CE echoed */
};

/* Copies the stack's TCP counters (either pointer may be NULL). Takes the
 * core lock as axn_ctl_snmp. */
void axn_tcp_snmp(struct axn_stack *st, struct axn_snmp_tcp *tcp, struct axn_snmp_tcp_ext *ext);

/* The text of Linux's /proc/net/netstat "TcpExt:" lines for the fields
 * above (others print 0), snprintf semantics as below. */
size_t axn_ctl_format_proc_net_netstat(struct axn_stack *st, char *buf, size_t cap);

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
