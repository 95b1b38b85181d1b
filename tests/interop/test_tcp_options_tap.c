/*
 * RFC 7323 window scaling and timestamps and RFC 2018 SACK negotiated
 * with the Linux kernel over a TAP, both ways (issue 6 acceptance):
 *   - our client connects to a socat listener on Linux (socat -u into
 *     sha256sum), Linux's view read with `ss -tie` while the connection is
 *     up, then a transfer of some MiB checked by SHA-256;
 *   - socat on Linux connects to our server and sends a file, our side
 *     checks the stream's digest, `ss -tie` likewise.
 * The capture (tests/support/tap_stack.h) is read back by tshark: the SYN
 * and SYN-ACK of each connection carry SACK-permitted, a window scale and
 * timestamps; every later segment carries timestamps. The values ss
 * prints (wscale:<Linux's send shift>,<Linux's receive shift>) must match
 * what our TCP_INFO says (tcpi_rcv_wscale / tcpi_snd_wscale). No tc
 * netem: the path is clean (loss is the simulator's and test_tcp_tap's).
 *
 * Size: AXN_TCP_OPTS_TAP_BYTES each, default DEFAULT_BYTES.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axnet/errno.h"
#include "axnet/snmp.h"
#include "axnet/socket.h"
#include "axnet/stack.h"
#include "cmd.h"
#include "netns.h"
#include "sha256.h"
#include "sim_stacks.h"
#include "tap_jobs.h"
#include "tap_stack.h"
#include "tcp_stream.h"

#define LINUX_IP     AXN_TAP_LINUX_IP
#define LINUX_IP_STR AXN_TAP_LINUX_IP_STR
#define OUR_IP_STR   AXN_TAP_OUR_IP_STR
#define TO_LINUX     7201 /* Linux listens: we connect */
#define FROM_LINUX   7203 /* we listen: Linux connects */

#define MIB            (1024ull * 1024ull)
#define DEFAULT_BYTES  (8u * MIB)
#define ENV_BYTES      "AXN_TCP_OPTS_TAP_BYTES"
#define DEC            10
#define BACKLOG        4
#define SOCK_TIMEOUT_S 20
#define TOOL_BUDGET_S  120
#define MS_PER_S       1000
#define SEED_TO        21u
#define SEED_FROM      22u
#define OUT_LEN        8192
#define CMD_MAX        2048
#define NAME_MAX_LEN   256
#define TSHARK_MS      120000
/* SYN and SYN-ACK of one connection: two lines of tshark fields. */
#define HANDSHAKE_SYNS 2

static const struct axn_tap_stack_config tap_cfg = {.ns_tag = "axnopt",
                                                    .tap_prefix = "axo",
                                                    .pcap_prefix = "test_tcp_options_tap",
                                                    .threaded = true};

static struct fixture {
    struct axn_tap_stack ts;
    struct tap_jobs jobs; /* Linux's tools and their scratch files */
    uint64_t bytes;
} fx;

/* ---- Fixture ------------------------------------------------------------------------- */

static int teardown(void **state)
{
    (void)state;
    axn_tap_stack_cleanup(&fx.ts);
    tap_jobs_cleanup(&fx.jobs);
    memset(&fx, 0, sizeof(fx));
    return 0;
}

static int setup_as(const char *what)
{
    memset(&fx, 0, sizeof(fx));
    if (tap_jobs_init(&fx.jobs, &fx.ts.ns, "test_tcp_options_tap", what) != 0)
        return -1;
    const char *v = getenv(ENV_BYTES);
    fx.bytes = v && *v ? strtoull(v, NULL, DEC) : DEFAULT_BYTES;
    if (fx.bytes == 0)
        fx.bytes = DEFAULT_BYTES;
    return axn_tap_stack_setup(&fx.ts, &tap_cfg, what) ? -1 : 0;
}

static int setup_to(void **state)
{
    (void)state;
    return setup_as("to_linux");
}

static int setup_from(void **state)
{
    (void)state;
    return setup_as("from_linux");
}

/* ---- Our sockets ------------------------------------------------------------------- */

static void set_timeouts(struct axn_socket *s)
{
    axn_tap_stack_set_timeouts(s, SOCK_TIMEOUT_S);
}

static struct axn_socket *tcp_socket(void)
{
    return axn_tap_stack_tcp_socket(&fx.ts, SOCK_TIMEOUT_S);
}

static struct axn_tcp_info info_of(struct axn_socket *s)
{
    struct axn_tcp_info i;
    axn_socklen_t len = sizeof(i);
    memset(&i, 0, sizeof(i));
    assert_int_equal(axn_getsockopt(s, AXN_SOL_TCP, AXN_TCP_INFO, &i, &len), 0);
    return i;
}

static void assert_pump_ok(const struct tcp_pump *p, const char *what)
{
    if (p->tx_err || p->rx_err || p->bad_at != TCP_PUMP_NO_MISMATCH)
        fail_msg("%s: send error %ld, recv error %ld, first wrong byte at %llu", what, p->tx_err,
                 p->rx_err, (unsigned long long)p->bad_at);
}

static void report_rate(const char *what, uint64_t bytes, long long t0)
{
    const long long ms = axn_tap_stack_now_ms() - t0;
    printf("%s: %llu bytes in %lld ms (%.1f MB/s)\n", what, (unsigned long long)bytes, ms,
           ms > 0 ? (double)bytes / (double)ms / (double)MS_PER_S : 0.0);
}

/* ---- What each side says it negotiated ---------------------------------------------------- */

/* Ours: all three on (TCP_INFO), and Linux's `ss -tie` line for the
 * connection on `port` says ts, sack and wscale:<ours rcv>,<ours snd>
 * (Linux prints its send shift first: the one we asked for). */
static void assert_negotiated(struct axn_socket *s, int port)
{
    const struct axn_tcp_info i = info_of(s);
    const unsigned want = AXN_TCPI_OPT_TIMESTAMPS | AXN_TCPI_OPT_SACK | AXN_TCPI_OPT_WSCALE;
    assert_int_equal(i.tcpi_options & want, want);
    char out[OUT_LEN], ws[NAME_MAX_LEN];
    assert_int_equal(axn_netns_run(&fx.ts.ns, out, sizeof(out),
                                   "ss -Htie state established '( sport = :%d or dport = :%d )'",
                                   port, port),
                     0);
    snprintf(ws, sizeof(ws), "wscale:%u,%u", (unsigned)i.tcpi_rcv_wscale,
             (unsigned)i.tcpi_snd_wscale);
    if (!strstr(out, " ts ") || !strstr(out, " sack ") || !strstr(out, ws))
        fail_msg("ss -tie does not show ts, sack and %s:\n%s", ws, out);
    assert_true(i.tcpi_rcv_wscale > 0);
    printf("port %d: ours rcv_wscale %u snd_wscale %u; Linux: ts sack %s\n", port,
           (unsigned)i.tcpi_rcv_wscale, (unsigned)i.tcpi_snd_wscale, ws);
}

/* The capture's SYN and SYN-ACK on `port` both carry SACK-permitted, a
 * window scale and timestamps; no later segment lacks timestamps. */
static void assert_capture(int port)
{
    static char out[OUT_LEN];
    char filter[NAME_MAX_LEN];
    snprintf(filter, sizeof(filter),
             "tcp.port == %d && tcp.flags.syn == 1 && tcp.options.sack_perm && "
             "tcp.options.wscale.shift && tcp.options.timestamp.tsval",
             port);
    const char *syns[] = {"tshark", "-r", fx.ts.pcap_path, "-Y", filter, "-T",
                          "fields", "-e", "ip.src",        NULL};
    assert_int_equal(axn_cmd_run(syns, out, sizeof(out), TSHARK_MS), 0);
    if (!strstr(out, OUR_IP_STR) || !strstr(out, LINUX_IP_STR))
        fail_msg("SYN/SYN-ACK with SACK-permitted, WS and TS from both ends expected:\n%s", out);
    unsigned lines = 0;
    for (const char *p = out; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, HANDSHAKE_SYNS);
    snprintf(filter, sizeof(filter),
             "tcp.port == %d && tcp.flags.syn == 0 && tcp.flags.reset == 0 && "
             "!tcp.options.timestamp.tsval",
             port);
    const char *bare[] = {"tshark", "-r", fx.ts.pcap_path, "-Y", filter, NULL};
    assert_int_equal(axn_cmd_run(bare, out, sizeof(out), TSHARK_MS), 0);
    if (out[0])
        fail_msg("segments without timestamps:\n%s", out);
}

static void finish(int port)
{
    struct axn_snmp_tcp tcp;
    axn_tcp_snmp(fx.ts.st, &tcp, NULL);
    axn_tap_stack_stop(&fx.ts);
    assert_int_equal(tcp.out_rsts, 0);
    assert_int_equal(tcp.in_csum_errors, 0);
    assert_capture(port);
}

/* ---- Tests ------------------------------------------------------------------------------ */

/* We connect to Linux and send; Linux's sha256sum must match. */
static void we_connect_to_linux(void **state)
{
    (void)state;
    char cmd[CMD_MAX];
    snprintf(cmd, sizeof(cmd), "timeout %d socat -u TCP-LISTEN:%d,reuseaddr - | sha256sum >to.sum",
             TOOL_BUDGET_S, TO_LINUX);
    tap_jobs_start(&fx.jobs, "sink", cmd);
    tap_jobs_wait_listening(&fx.jobs, TO_LINUX);
    struct axn_socket *s = tcp_socket();
    const struct axn_sockaddr_in to = sim_sin4(LINUX_IP, TO_LINUX);
    assert_int_equal(axn_connect(s, (const struct axn_sockaddr *)&to, sizeof(to)), 0);
    assert_negotiated(s, TO_LINUX);
    struct tcp_pump p;
    tcp_pump_init(&p, s, SEED_TO, fx.bytes, 0, 0);
    const long long t0 = axn_tap_stack_now_ms();
    (void)tcp_pump_run_send(&p);
    report_rate("to Linux", fx.bytes, t0);
    (void)tcp_pump_run_recv(&p); /* to Linux's FIN */
    assert_pump_ok(&p, "to Linux");
    assert_int_equal(axn_close(s), 0);
    assert_int_equal(tap_jobs_wait(&fx.jobs, "sink", TOOL_BUDGET_S), 0);
    tap_jobs_assert_sum(&fx.jobs, "to.sum", SEED_TO, fx.bytes);
    finish(TO_LINUX);
}

/* Linux connects to us and sends a file; our digest must match. */
static void linux_connects_to_us(void **state)
{
    (void)state;
    struct axn_socket *l = tcp_socket();
    const struct axn_sockaddr_in me = sim_sin4(0, FROM_LINUX);
    assert_int_equal(axn_bind(l, (const struct axn_sockaddr *)&me, sizeof(me)), 0);
    assert_int_equal(axn_listen(l, BACKLOG), 0);
    tap_jobs_write_stream(&fx.jobs, "from.in", SEED_FROM, fx.bytes);
    char cmd[CMD_MAX];
    snprintf(cmd, sizeof(cmd), "timeout %d socat -u FILE:from.in TCP:%s:%d", TOOL_BUDGET_S,
             OUR_IP_STR, FROM_LINUX);
    tap_jobs_start(&fx.jobs, "src", cmd);
    struct axn_socket *c = NULL;
    assert_int_equal(axn_accept(l, NULL, NULL, 0, &c), 0);
    set_timeouts(c);
    assert_negotiated(c, FROM_LINUX);
    struct tcp_pump p;
    tcp_pump_init(&p, c, 0, 0, SEED_FROM, fx.bytes);
    const long long t0 = axn_tap_stack_now_ms();
    (void)tcp_pump_run_recv(&p);
    report_rate("from Linux", fx.bytes, t0);
    assert_pump_ok(&p, "from Linux");
    assert_true(p.eof);
    assert_int_equal(p.received, fx.bytes);
    uint8_t want[AXN_SHA256_DIGEST_LEN];
    tcp_stream_digest(SEED_FROM, fx.bytes, want);
    assert_memory_equal(p.rx_digest, want, sizeof(want));
    assert_int_equal(axn_close(c), 0);
    assert_int_equal(axn_close(l), 0);
    assert_int_equal(tap_jobs_wait(&fx.jobs, "src", TOOL_BUDGET_S), 0);
    finish(FROM_LINUX);
}

int main(void)
{
    static const char *const tools[] = {"socat", "ss", "sha256sum", "tshark", "timeout", NULL};
    axn_netns_require(tools);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(we_connect_to_linux, setup_to, teardown),
        cmocka_unit_test_setup_teardown(linux_connects_to_us, setup_from, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
