/*
 * The "TcpExt:" text of /proc/net/netstat (src/ctl/proc_net_netstat.c),
 * byte for byte: the subset of Linux 6.x's TcpExt field names axnet
 * counts, in Linux's relative order, then the values; on a fresh stack
 * and after counters moved (a connection refused leaves TcpExt alone; a
 * close with unread data counts TCPAbortOnData). A short buffer gets a
 * NUL-terminated prefix and the full length (snprintf semantics).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "axnet/snmp.h"
#include "core/stack_impl.h"
#include "sim_stacks.h"
#include "tcp/tcp.h"
#include "test_platform.h"

#define A_ADDR     AXN_IP4(192, 0, 2, 10)
#define PREFIX_24  24u
#define T0         AXN_SEC(1)
#define WIRE_DELAY 50u
#define TEXT_MAX   4096u
#define SHORT_CAP  16u
#define ABORTS     3u

#define NAMES                                                                                      \
    "TcpExt: SyncookiesSent SyncookiesRecv SyncookiesFailed OutOfWindowIcmps TW TWRecycled "       \
    "PAWSActive PAWSEstab DelayedACKs ListenOverflows ListenDrops TCPRenoRecovery "                \
    "TCPSackRecovery TCPSACKReneging TCPSACKReorder TCPLostRetransmit TCPFastRetrans "             \
    "TCPTimeouts TCPLossProbes TCPDSACKOldSent TCPDSACKOfoSent TCPDSACKRecv TCPDSACKOfoRecv "      \
    "TCPAbortOnData TCPAbortOnClose TCPAbortOnMemory TCPAbortOnTimeout TCPAbortOnLinger "          \
    "TCPSACKDiscard TCPTimeWaitOverflow TCPReqQFullDoCookies TCPReqQFullDrop TCPOFOQueue "         \
    "TCPOFODrop TCPChallengeACK TCPSYNChallenge TCPSynRetrans TCPOrigDataSent "                    \
    "TCPHystartTrainDetect TCPHystartTrainCwnd TCPHystartDelayDetect TCPHystartDelayCwnd "         \
    "TCPACKSkippedPAWS TCPACKSkippedTimeWait TCPACKSkippedChallenge TCPWinProbe TCPKeepAlive "     \
    "TCPDelivered TCPDeliveredCE TCPRcvQDrop\n"

#define ZEROS_10 " 0 0 0 0 0 0 0 0 0 0"
#define ZEROS_50 ZEROS_10 ZEROS_10 ZEROS_10 ZEROS_10 ZEROS_10

static const struct sim_stacks_config WORLD = {
    .start = T0, .wire_delay = WIRE_DELAY, .n_ports = 1, .mac_tag = SIM_STACKS_MAC_TAG};

static struct sim_stacks S;

static int setup(void **state)
{
    (void)state;
    memset(&S, 0, sizeof(S));
    sim_stacks_create(&S, &WORLD);
    sim_stacks_add_node(&S, 0, A_ADDR, PREFIX_24);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sim_stacks_destroy(&S);
    return axn_test_live_allocs() == 0 ? 0 : -1;
}

static void proc_net_netstat_fresh_stack_is_zeros(void **state)
{
    (void)state;
    static const char expected[] = NAMES "TcpExt:" ZEROS_50 "\n";
    char text[TEXT_MAX];
    const size_t n = axn_ctl_format_proc_net_netstat(S.st[0], text, sizeof(text));
    assert_int_equal(n, strlen(expected));
    assert_string_equal(text, expected);
}

/* Each counter lands in its own column (set through the layer, as the
 * engine would count them). */
static void proc_net_netstat_counters_in_their_columns(void **state)
{
    (void)state;
    struct axn_stack *st = S.st[0];
    st->plat->mutex_lock(st->core_lock);
    struct axn_tcp_layer *l = axn_tcp_layer_of(st);
    assert_non_null(l);
    l->ext.out_of_window_icmps = 1;
    l->ext.listen_overflows = 2;
    l->ext.abort_on_data = ABORTS;
    l->ext.challenge_acks = 4;
    l->ext.zero_window_probes = 5;
    l->ext.keepalive_probes = 6;
    l->ext.rcvq_drop = 7;
    l->ext.tw_overflow = 8;
    l->ext.ack_skipped_time_wait = 9;
    l->ext.syncookies_sent = 10;
    l->ext.sack_recovery = 11;
    l->ext.hystart_delay_cwnd = 12;
    st->plat->mutex_unlock(st->core_lock);
    static const char expected[] =
        NAMES "TcpExt: 10 0 0 1 0 0 0 0 0 2 0 0 11 0 0 0 0 0 0 0 0 0 0 3 0 0 0 0 0 8 0 0 0 0 4 0 "
              "0 0 0 0 0 12 0 9 0 5 6 0 0 7\n";
    char text[TEXT_MAX];
    axn_ctl_format_proc_net_netstat(st, text, sizeof(text));
    assert_string_equal(text, expected);
}

static void proc_net_netstat_short_buffer_is_a_prefix(void **state)
{
    (void)state;
    char full[TEXT_MAX], small[SHORT_CAP];
    const size_t n = axn_ctl_format_proc_net_netstat(S.st[0], full, sizeof(full));
    assert_int_equal(axn_ctl_format_proc_net_netstat(S.st[0], small, sizeof(small)), n);
    assert_int_equal(strlen(small), SHORT_CAP - 1);
    assert_memory_equal(small, full, SHORT_CAP - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(proc_net_netstat_fresh_stack_is_zeros, setup, teardown),
        cmocka_unit_test_setup_teardown(proc_net_netstat_counters_in_their_columns, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(proc_net_netstat_short_buffer_is_a_prefix, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
