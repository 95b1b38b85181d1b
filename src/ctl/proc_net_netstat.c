/*
 * The "TcpExt:" lines of Linux's /proc/net/netstat (net/ipv4/proc.c,
 * netstat_seq_show): a line of field names, then a line of values, each
 * "TcpExt:" followed by " field" items and a newline.
 *
 * Linux prints about 130 TcpExt fields (TFO, MPTCP, memory pressure, ...) and then "IpExt:" and
 * "MPTcpExt:". axnet prints the subset it counts (struct axn_snmp_tcp_ext), in the relative order
 * of Linux 6.x's snmp4_net_list; what axnet names differently maps to Linux's field: keep-alive
 * probes sent are TCPKeepAlive, zero-window probes TCPWinProbe. A reader keyed by name (netstat -s,
 * nstat, node_exporter) finds each field where it looks; the other Linux fields would all print 0.
 * IpExt is not printed: the IPv4 layer does not count its fields (octets, multicast, ECN).
 */
#include "axnet/snmp.h"

#include "ctl/ctl.h"

#define TCPEXT_NAMES                                                                               \
    "SyncookiesSent SyncookiesRecv SyncookiesFailed OutOfWindowIcmps TW TWRecycled PAWSActive "    \
    "PAWSEstab DelayedACKs ListenOverflows ListenDrops TCPRenoRecovery TCPSackRecovery "           \
    "TCPSACKReneging TCPSACKReorder TCPLostRetransmit TCPFastRetrans TCPTimeouts TCPLossProbes "   \
    "TCPDSACKOldSent TCPDSACKOfoSent TCPDSACKRecv TCPDSACKOfoRecv TCPAbortOnData "                 \
    "TCPAbortOnClose TCPAbortOnMemory TCPAbortOnTimeout TCPAbortOnLinger TCPSACKDiscard "          \
    "TCPTimeWaitOverflow TCPReqQFullDoCookies TCPReqQFullDrop TCPOFOQueue TCPOFODrop "             \
    "TCPChallengeACK TCPSYNChallenge TCPSynRetrans TCPOrigDataSent TCPHystartTrainDetect "         \
    "TCPHystartTrainCwnd TCPHystartDelayDetect TCPHystartDelayCwnd TCPACKSkippedPAWS "             \
    "TCPACKSkippedTimeWait TCPACKSkippedChallenge TCPWinProbe TCPKeepAlive TCPDelivered "          \
    "TCPDeliveredCE TCPRcvQDrop"
#define TCPEXT_FIELDS 50u

size_t axn_ctl_format_proc_net_netstat(struct axn_stack *st, char *buf, size_t cap)
{
    struct axn_snmp_tcp_ext e;
    axn_tcp_snmp(st, NULL, &e);
    const unsigned long long v[TCPEXT_FIELDS] = {
        e.syncookies_sent,
        e.syncookies_recv,
        e.syncookies_failed,
        e.out_of_window_icmps,
        e.tw,
        e.tw_recycled,
        e.paws_active,
        e.paws_estab,
        e.delayed_acks,
        e.listen_overflows,
        e.listen_drops,
        e.reno_recovery,
        e.sack_recovery,
        e.sack_reneging,
        e.sack_reorder,
        e.lost_retransmit,
        e.fast_retrans,
        e.tcp_timeouts,
        e.loss_probes,
        e.dsack_old_sent,
        e.dsack_ofo_sent,
        e.dsack_recv,
        e.dsack_ofo_recv,
        e.abort_on_data,
        e.abort_on_close,
        e.abort_on_memory,
        e.abort_on_timeout,
        e.abort_on_linger,
        e.sack_discard,
        e.tw_overflow,
        e.req_q_full_do_cookies,
        e.req_q_full_drop,
        e.ofo_queue,
        e.ofo_drop,
        e.challenge_acks,
        e.syn_challenge,
        e.syn_retrans,
        e.orig_data_sent,
        e.hystart_train_detect,
        e.hystart_train_cwnd,
        e.hystart_delay_detect,
        e.hystart_delay_cwnd,
        e.ack_skipped_paws,
        e.ack_skipped_time_wait,
        e.ack_skipped_challenge,
        e.zero_window_probes,
        e.keepalive_probes,
        e.delivered,
        e.delivered_ce,
        e.rcvq_drop,
    };
    struct axn_text_buf t;
    axn_text_init(&t, buf, cap);
    axn_text_appendf(&t, "TcpExt: %s\nTcpExt:", TCPEXT_NAMES);
    for (size_t i = 0; i < TCPEXT_FIELDS; i++)
        axn_text_appendf(&t, " %llu", v[i]);
    axn_text_appendf(&t, "\n");
    return t.len;
}
