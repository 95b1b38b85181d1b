/*
 * TCP of the stack against the Linux kernel over a TAP (issue 5
 * acceptance), Linux's own tools as the peer:
 *   - curl (HTTP/1.0) fetching a body from a small HTTP server the test
 *     runs on the stack;
 *   - socat as a client of an echo server on the stack, nc (OpenBSD) as a
 *     client of a sink server on the stack;
 *   - the stack's client sending to a socat listener that hashes with
 *     sha256sum, and receiving from a socat listener that sends a file;
 *   - a large transfer each way at once on one connection, both ends
 *     checked by SHA-256 (the stack's against the stream, Linux's by
 *     sha256sum), then the same with 1 % loss each way on Linux's side:
 *     Linux's endpoint then sits in a second namespace bridged to the TAP,
 *     and the bridge loses 1 % of TCP (tc netem on both bridge ports when
 *     the kernel has sch_netem, an nftables bridge rule otherwise), so
 *     both TCPs see real loss and retransmit.
 * Every connection ends cleanly: no RST from us, no reset, CurrEstab 0
 * once closed. The capture (tests/support/tap_stack.h) is read back by
 * tshark with checksum checking: nothing malformed, no expert warning
 * (TCP sequence analysis off: with loss on the wire it warns about the
 * very retransmissions the test wants; Linux's 0xFFFF form of a zero
 * checksum is exempt, see NOT_LINUX_FFFF).
 *
 * Sizes: the large transfer moves AXN_TCP_TAP_BYTES each way, default
 * DEFAULT_BIG_BYTES so the whole program stays near a minute under ASan
 * on a 2-core machine (the lossy transfer dominates); the 1 GiB
 * is `make tcp-interop-long` (docs/testing.md, with measured figures).
 *
 * The stack runs threaded (port/posix workers) and our sockets block, with
 * SO_RCVTIMEO/SO_SNDTIMEO so nothing waits forever. Linux's tools run in
 * the background in the namespace, each writing its exit status to a file
 * in a scratch directory of the build tree that the test polls.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "axnet/driver.h"
#include "axnet/errno.h"
#include "axnet/netctl.h"
#include "axnet/snmp.h"
#include "axnet/socket.h"
#include "axnet/stack.h"
#include "cmd.h"
#include "netns.h"
#include "sha256.h"
#include "sim_stacks.h"
#include "tap_reorder.h"
#include "tap_jobs.h"
#include "tap_stack.h"
#include "tcp_stream.h"

/* ---- Addresses and ports ---------------------------------------------------- */

#define LINUX_IP        AXN_TAP_LINUX_IP
#define LINUX_IP_STR    AXN_TAP_LINUX_IP_STR
#define OUR_IP_STR      AXN_TAP_OUR_IP_STR
#define HTTP_PORT       8080 /* Wireshark dissects it as HTTP: the response is checked too */
#define ECHO_PORT       7007
#define SINK_PORT       7009
#define BIG_PORT        7011
#define LINUX_SINK_PORT 7101
#define LINUX_SRC_PORT  7103

/* ---- Sizes and times ---------------------------------------------------------- */

#define KIB               1024ull
#define MIB               (1024ull * KIB)
#define SMALL_BYTES       (1u * MIB)
#define DEFAULT_BIG_BYTES (128u * MIB)
/* The loss + reordering run: smaller by default (it is the slowest per
 * byte); AXN_TCP_TAP_BYTES sets it too (the long run's 1 GiB). */
#define DEFAULT_REORDER_BYTES (32u * MIB)
#define ENV_BIG               "AXN_TCP_TAP_BYTES"
#define DEC                   10
#define BACKLOG               4
#define SOCK_TIMEOUT_S        20
/* Budget of a Linux tool: a base plus the bytes at a rate far below what
 * even a sanitized stack on a TAP reaches. */
#define TOOL_BASE_S      60
#define TOOL_FLOOR_Bps   (MIB / 2u)
#define TSHARK_BASE_MS   60000
#define TSHARK_FLOOR_Bps (4u * MIB)
#define MS_PER_S         1000
#define LOSS_PERCENT     1
#define PERCENT          100
#define SEED_HTTP        11u
#define SEED_ECHO        12u
#define SEED_SINK        13u
#define SEED_TO_LINUX    14u
#define SEED_FROM_LINUX  15u
#define SEED_BIG_OUT     16u /* we send */
#define SEED_BIG_IN      17u /* Linux sends */

#define SOCAT_BLOCK 65536u /* socat -b: its read/write size for the large transfers */
#define OUT_LEN     8192
#define REQ_MAX     4096
#define HDR_MAX     256
#define CMD_MAX     2048
#define HEX_FIELD   (AXN_SHA256_HEX_LEN - 1)
#define HTTP_OK     "200"
#define HTTP_END    "\r\n\r\n"
#define HTTP_GET    "GET / HTTP/1.0\r\n"

static const struct axn_tap_stack_config tap_cfg = {
    .ns_tag = "stcp", .tap_prefix = "axc", .pcap_prefix = "test_tcp_tap", .threaded = true};

/* Reordering (tap_reorder.h): every REORDER_EVERY-th data frame each way
 * held back behind REORDER_AFTER later ones, 2 % of the data frames. */
#define REORDER_EVERY 50u
#define REORDER_AFTER 3u
static struct tap_reorder reorder;

static int wrap_reorder(struct axn_eth_driver *drv, void *arg)
{
    return tap_reorder_wrap(arg, drv, REORDER_EVERY, REORDER_AFTER);
}

static const struct axn_tap_stack_config tap_cfg_reorder = {.ns_tag = "stcp",
                                                            .tap_prefix = "axc",
                                                            .pcap_prefix = "test_tcp_tap",
                                                            .threaded = true,
                                                            .wrap_driver = wrap_reorder,
                                                            .wrap_arg = &reorder};

struct fixture {
    struct axn_tap_stack ts;
    struct axn_snmp_tcp tcp; /* taken just before the stack stops */
    struct axn_snmp_tcp_ext ext;
    /* Linux's tools and their scratch files (tap_jobs.h): they run in the
     * TAP's namespace, or for the lossy test in a second one (see
     * behind_bridge). */
    struct tap_jobs jobs;
    uint64_t big; /* bytes each way of the large transfers */
    /* Where Linux's tools run and the address they have: the TAP's
     * namespace at 192.0.2.1, or for the lossy test a second namespace
     * behind a bridge (see behind_bridge). */
    axn_ip4_t linux_ip;
    struct axn_netns peer_ns;
    bool linux_partial; /* TAP checksum offload: Linux's TCP sums are partial */
};

static struct fixture fx;

/* ---- Scratch files and Linux jobs ------------------------------------------------ */

static int tool_budget_s(uint64_t bytes)
{
    return (int)(TOOL_BASE_S + bytes / TOOL_FLOOR_Bps);
}

static void assert_digest_is_stream(const uint8_t d[AXN_SHA256_DIGEST_LEN], uint64_t seed,
                                    uint64_t len, const char *what)
{
    uint8_t want[AXN_SHA256_DIGEST_LEN];
    tcp_stream_digest(seed, len, want);
    if (memcmp(d, want, sizeof(want)) != 0)
        fail_msg("%s: SHA-256 differs from the stream's", what);
}

/* ---- Fixture ---------------------------------------------------------------------- */

static int teardown(void **state)
{
    (void)state;
    axn_tap_stack_cleanup(&fx.ts);
    tap_reorder_free(&reorder); /* the stack that used it is gone */
    axn_netns_delete(&fx.peer_ns);
    tap_jobs_cleanup(&fx.jobs);
    memset(&fx, 0, sizeof(fx));
    return 0;
}

static int setup_with(const char *what, const struct axn_tap_stack_config *cfg)
{
    memset(&fx, 0, sizeof(fx));
    if (tap_jobs_init(&fx.jobs, &fx.ts.ns, "test_tcp_tap", what) != 0)
        return -1;
    const char *v = getenv(ENV_BIG);
    fx.big = v && *v ? strtoull(v, NULL, DEC) : DEFAULT_BIG_BYTES;
    fx.linux_ip = LINUX_IP;
    if (fx.big == 0)
        fx.big = DEFAULT_BIG_BYTES;
    return axn_tap_stack_setup(&fx.ts, cfg, what) ? -1 : 0;
}

static int setup_with_capture(const char *what)
{
    return setup_with(what, &tap_cfg);
}

#define SETUP(name)                                                                                \
    static int setup_##name(void **state)                                                          \
    {                                                                                              \
        (void)state;                                                                               \
        return setup_with_capture(#name);                                                          \
    }

SETUP(http)
SETUP(echo)
SETUP(sink)
SETUP(to_linux)
SETUP(from_linux)
SETUP(big)
SETUP(big_loss)

/* The TAP with checksum offload (vnet header, TUN_F_CSUM). */
static const struct axn_tap_stack_config tap_cfg_csum = {.ns_tag = "stcp",
                                                         .tap_prefix = "axc",
                                                         .pcap_prefix = "test_tcp_tap",
                                                         .threaded = true,
                                                         .vnet_hdr = true,
                                                         .csum_only = true};

static int setup_big_csum(void **state)
{
    (void)state;
    const int err = setup_with("big_csum", &tap_cfg_csum);
    fx.linux_partial = true;
    return err;
}

/* The TAP with every offload (vnet header, TUN_F_CSUM | TSO4 | TSO6):
 * Linux hands us aggregates up to 64 KiB (LRO) and we hand it TSO frames. */
static const struct axn_tap_stack_config tap_cfg_full = {.ns_tag = "stcp",
                                                         .tap_prefix = "axo",
                                                         .pcap_prefix = "test_tcp_tap",
                                                         .threaded = true,
                                                         .vnet_hdr = true};

static int setup_big_full(void **state)
{
    (void)state;
    const int err = setup_with("big_full", &tap_cfg_full);
    fx.linux_partial = true;
    return err;
}

static int setup_big_reorder(void **state)
{
    (void)state;
    const char *v = getenv(ENV_BIG);
    const int err = setup_with("big_reorder", &tap_cfg_reorder);
    if (!err && !(v && *v))
        fx.big = DEFAULT_REORDER_BYTES;
    return err;
}

/* ---- Checks ------------------------------------------------------------------------- */

/* Counters, then the stack stops so the capture is complete; every
 * connection ended cleanly. */
static void finish(void)
{
    axn_tcp_snmp(fx.ts.st, &fx.tcp, &fx.ext);
    axn_tap_stack_stop(&fx.ts);
    if (fx.tcp.out_rsts || fx.tcp.estab_resets || fx.tcp.attempt_fails || fx.tcp.curr_estab)
        fail_msg("OutRsts %" PRIu64 " EstabResets %" PRIu64 " AttemptFails %" PRIu64
                 " CurrEstab %" PRIu64 " (all must be 0)",
                 fx.tcp.out_rsts, fx.tcp.estab_resets, fx.tcp.attempt_fails, fx.tcp.curr_estab);
    assert_int_equal(fx.tcp.in_csum_errors, 0);
}

/* Linux writes a TCP checksum that computes to zero as 0xFFFF when its
 * software checksum (skb_checksum_help) fills it in (CSUM_MANGLED_0):
 * the other representation of zero, valid (RFC 1624 3), but which
 * Wireshark reports as a checksum error. Only Linux's frames are exempt
 * from that one item; ours must use 0x0000. */
#define NOT_LINUX_FFFF "!(tcp.checksum == 0xffff && ip.src != " OUR_IP_STR ")"
/* With checksum offload on the TAP, Linux's frames carry only the
 * pseudo-header sum (virtio NEEDS_CSUM, completed by no one: we accept
 * them as the host's), so only ours are checked. */
#define ONLY_OURS "ip.src == " OUR_IP_STR

/* A D-SACK (RFC 2883) reports a duplicate the peer got: with reordering
 * and loss on the wire, spurious retransmissions make them, legitimately;
 * Wireshark files each as a "D-SACK Sequence" warning. */
#define NOT_DSACK "!tcp.options.sack.dsack"

/* tshark reads the capture with IP and TCP checksums checked: nothing
 * malformed, no expert item at warning level or above. The ports carrying
 * our seeded bytes are dissected as plain data (a port's registered
 * dissector would call random bytes malformed); sequence analysis is off
 * (it warns about lost and retransmitted segments, which lossy tests
 * cause on purpose; a RST is still a warning). */
static void assert_tshark_clean(int data_port, uint64_t bytes)
{
    char decode[HDR_MAX];
    snprintf(decode, sizeof(decode), "tcp.port==%d,data", data_port);
    const int timeout = (int)(TSHARK_BASE_MS + bytes / TSHARK_FLOOR_Bps * MS_PER_S);
    static char out[OUT_LEN];
    const char *base[] = {"tshark",
                          "-r",
                          fx.ts.pcap_path,
                          "-o",
                          "ip.check_checksum:TRUE",
                          "-o",
                          "tcp.check_checksum:TRUE",
                          "-o",
                          "tcp.analyze_sequence_numbers:FALSE",
                          "-d",
                          decode};
    enum { N_BASE = sizeof(base) / sizeof(base[0]) };
    const char *malformed[N_BASE + 3] = {0};
    const char *expert[N_BASE + 4] = {0};
    memcpy(malformed, base, sizeof(base));
    memcpy(expert, base, sizeof(base));
    malformed[N_BASE] = "-Y";
    malformed[N_BASE + 1] =
        fx.linux_partial ? "_ws.malformed || (_ws.expert.group == 0x01000000 && " ONLY_OURS ")"
                         : "_ws.malformed || (_ws.expert.group == 0x01000000 && " NOT_LINUX_FFFF
                           ")";
    expert[N_BASE] = "-q";
    expert[N_BASE + 1] = "-z";
    expert[N_BASE + 2] = fx.linux_partial ? "expert,warn," ONLY_OURS " && " NOT_DSACK
                                          : "expert,warn," NOT_LINUX_FFFF " && " NOT_DSACK;
    assert_int_equal(axn_cmd_run(malformed, out, sizeof(out), timeout), 0);
    if (out[0])
        fail_msg("tshark: malformed or bad-checksum frames in %s:\n%s", fx.ts.pcap_path, out);
    assert_int_equal(axn_cmd_run(expert, out, sizeof(out), timeout), 0);
    for (const char *p = out; *p; p++)
        if (*p != ' ' && *p != '\n' && *p != '\r' && *p != '\t')
            fail_msg("tshark expert items in %s:\n%s", fx.ts.pcap_path, out);
}

/* ---- Our sockets ----------------------------------------------------------------------- */

static void set_timeouts(struct axn_socket *s)
{
    axn_tap_stack_set_timeouts(s, SOCK_TIMEOUT_S);
}

static struct axn_socket *tcp_socket(void)
{
    return axn_tap_stack_tcp_socket(&fx.ts, SOCK_TIMEOUT_S);
}

static struct axn_socket *listener(uint16_t port)
{
    struct axn_socket *s = tcp_socket();
    const struct axn_sockaddr_in me = sim_sin4(0, port);
    assert_int_equal(axn_bind(s, (const struct axn_sockaddr *)&me, sizeof(me)), 0);
    assert_int_equal(axn_listen(s, BACKLOG), 0);
    return s;
}

/* The next connection, from Linux, with our timeouts. */
static struct axn_socket *accept_linux(struct axn_socket *lst)
{
    struct axn_socket *c = NULL;
    struct axn_sockaddr_in peer;
    axn_socklen_t pl = sizeof(peer);
    const int rc = axn_accept(lst, (struct axn_sockaddr *)&peer, &pl, 0, &c);
    if (rc != 0)
        fail_msg("accept: %d", rc);
    assert_int_equal(peer.sin_addr.s_addr, sim_net32(fx.linux_ip));
    set_timeouts(c);
    return c;
}

static struct axn_socket *connect_linux(uint16_t port)
{
    struct axn_socket *s = tcp_socket();
    const struct axn_sockaddr_in to = sim_sin4(fx.linux_ip, port);
    const int rc = axn_connect(s, (const struct axn_sockaddr *)&to, sizeof(to));
    if (rc != 0)
        fail_msg("connect to Linux port %d: %d", port, rc);
    return s;
}

static void assert_pump_ok(const struct tcp_pump *p, const char *what)
{
    if (p->tx_err || p->rx_err || p->bad_at != TCP_PUMP_NO_MISMATCH)
        fail_msg("%s: send error %ld, recv error %ld, first wrong byte at %" PRIu64
                 " (sent %" PRIu64 ", received %" PRIu64 ")",
                 what, p->tx_err, p->rx_err, p->bad_at, p->sent, p->received);
}

struct send_job {
    struct tcp_pump *p;
    long long t0;      /* ms, when both directions started */
    long long done_ms; /* after t0, when the whole stream was in the stack and SHUT_WR done */
};

static void *send_thread(void *arg)
{
    struct send_job *j = arg;
    (void)tcp_pump_run_send(j->p);
    j->done_ms = axn_tap_stack_now_ms() - j->t0;
    return NULL;
}

/* Bytes per millisecond as MB/s (10^6 bytes per second). */
static double mb_per_s(uint64_t bytes, long long ms)
{
    return ms > 0 ? (double)bytes / (double)ms / (double)MS_PER_S : 0.0;
}

/* Sends and receives at once on `p` (a thread sends), to EOF both ways;
 * prints the goodput each way (ours: until the last byte was handed to
 * the stack and our FIN queued, a send buffer short of Linux having it;
 * Linux's: until its last byte reached us; its FIN comes later, once
 * socat has also seen ours). */
static void pump_both_ways(struct tcp_pump *p, const char *what)
{
    struct send_job j = {.p = p, .t0 = axn_tap_stack_now_ms()};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, send_thread, &j), 0);
    (void)tcp_pump_run_recv_until(p, p->rx_len);
    const long long rx_ms = axn_tap_stack_now_ms() - j.t0;
    (void)tcp_pump_run_recv(p);
    assert_int_equal(pthread_join(t, NULL), 0);
    const long long all_ms = axn_tap_stack_now_ms() - j.t0;
    fprintf(stderr,
            "%s: %" PRIu64 " + %" PRIu64 " bytes in %lld ms; us -> Linux %.1f MB/s (%lld ms), "
            "Linux -> us %.1f MB/s (%lld ms)\n",
            what, p->sent, p->received, all_ms, mb_per_s(p->sent, j.done_ms), j.done_ms,
            mb_per_s(p->received, rx_ms), rx_ms);
    assert_pump_ok(p, what);
}

/* ---- HTTP ------------------------------------------------------------------------------ */

/* Reads the request head (to the blank line); returns its length. */
static size_t read_request(struct axn_socket *c, char *req, size_t cap)
{
    size_t n = 0;
    req[0] = '\0';
    while (!strstr(req, HTTP_END)) {
        assert_true(n < cap - 1);
        const long rc = axn_recv(c, req + n, cap - 1 - n, 0);
        if (rc <= 0)
            fail_msg("HTTP request: recv %ld after %zu bytes", rc, n);
        n += (size_t)rc;
        req[n] = '\0';
    }
    return n;
}

/* One HTTP/1.0 exchange: the request, a 200 with the body, our FIN, the
 * client's FIN, close. */
static void serve_http_once(struct axn_socket *lst, uint64_t seed, uint64_t len)
{
    struct axn_socket *c = accept_linux(lst);
    static char req[REQ_MAX];
    read_request(c, req, sizeof(req));
    if (strncmp(req, HTTP_GET, strlen(HTTP_GET)) != 0)
        fail_msg("unexpected request: %s", req);
    char hdr[HDR_MAX];
    const int hl = snprintf(hdr, sizeof(hdr),
                            "HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\n"
                            "Content-Length: %" PRIu64 "\r\n\r\n",
                            len);
    assert_int_equal(axn_send(c, hdr, (size_t)hl, 0), hl);
    struct tcp_pump p;
    tcp_pump_init(&p, c, seed, len, 0, 0);
    (void)tcp_pump_run_send(&p);
    (void)tcp_pump_run_recv(&p);
    assert_pump_ok(&p, "HTTP server");
    assert_int_equal(axn_close(c), 0);
}

/* curl on Linux fetches a body from our HTTP/1.0 server. */
static void linux_curl_fetches_from_our_http_server(void **state)
{
    (void)state;
    struct axn_socket *lst = listener(HTTP_PORT);
    char cmd[CMD_MAX];
    snprintf(cmd, sizeof(cmd),
             "curl --http1.0 -sS --max-time %d -o body -w '%%{http_code} %%{size_download}' "
             "http://%s:%d/ && sha256sum body >body.sum",
             tool_budget_s(SMALL_BYTES), OUR_IP_STR, HTTP_PORT);
    tap_jobs_start(&fx.jobs, "curl", cmd);
    serve_http_once(lst, SEED_HTTP, SMALL_BYTES);
    assert_int_equal(tap_jobs_wait(&fx.jobs, "curl", tool_budget_s(SMALL_BYTES)), 0);
    char out[OUT_LEN], want[HDR_MAX];
    assert_true(tap_jobs_read(&fx.jobs, "curl.out", out, sizeof(out)));
    snprintf(want, sizeof(want), "%s %u", HTTP_OK, (unsigned)SMALL_BYTES);
    assert_string_equal(out, want);
    tap_jobs_assert_sum(&fx.jobs, "body.sum", SEED_HTTP, SMALL_BYTES);
    assert_int_equal(axn_close(lst), 0);
    finish();
    assert_int_equal(fx.tcp.passive_opens, 1);
    assert_tshark_clean(HTTP_PORT, SMALL_BYTES);
}

/* ---- Echo and sink servers ------------------------------------------------------------ */

/* Echoes what arrives until EOF, then closes; returns the bytes echoed. */
static uint64_t serve_echo_once(struct axn_socket *lst)
{
    struct axn_socket *c = accept_linux(lst);
    static uint8_t buf[TCP_PUMP_CHUNK];
    uint64_t total = 0;
    for (;;) {
        const long n = axn_recv(c, buf, sizeof(buf), 0);
        if (n < 0)
            fail_msg("echo: recv %ld after %" PRIu64 " bytes", n, total);
        if (n == 0)
            break;
        assert_int_equal(axn_send(c, buf, (size_t)n, 0), n);
        total += (uint64_t)n;
    }
    assert_int_equal(axn_close(c), 0);
    return total;
}

/* socat on Linux sends a file through our echo server and hashes what
 * comes back. */
static void linux_socat_through_our_echo_server(void **state)
{
    (void)state;
    struct axn_socket *lst = listener(ECHO_PORT);
    tap_jobs_write_stream(&fx.jobs, "echo.in", SEED_ECHO, SMALL_BYTES);
    char cmd[CMD_MAX];
    snprintf(cmd, sizeof(cmd),
             "timeout %d socat -t %d -T %d TCP:%s:%d - <echo.in | sha256sum >echo.sum",
             tool_budget_s(SMALL_BYTES), SOCK_TIMEOUT_S, SOCK_TIMEOUT_S, OUR_IP_STR, ECHO_PORT);
    tap_jobs_start(&fx.jobs, "socat_echo", cmd);
    assert_int_equal(serve_echo_once(lst), SMALL_BYTES);
    assert_int_equal(tap_jobs_wait(&fx.jobs, "socat_echo", tool_budget_s(SMALL_BYTES)), 0);
    tap_jobs_assert_sum(&fx.jobs, "echo.sum", SEED_ECHO, SMALL_BYTES);
    assert_int_equal(axn_close(lst), 0);
    finish();
    assert_int_equal(fx.tcp.passive_opens, 1);
    assert_tshark_clean(ECHO_PORT, 2 * SMALL_BYTES);
}

/* nc on Linux sends a file to our sink server (-N: FIN at end of input). */
static void linux_nc_to_our_sink_server(void **state)
{
    (void)state;
    struct axn_socket *lst = listener(SINK_PORT);
    tap_jobs_write_stream(&fx.jobs, "sink.in", SEED_SINK, SMALL_BYTES);
    char cmd[CMD_MAX];
    snprintf(cmd, sizeof(cmd), "timeout %d nc -N %s %d <sink.in", tool_budget_s(SMALL_BYTES),
             OUR_IP_STR, SINK_PORT);
    tap_jobs_start(&fx.jobs, "nc_sink", cmd);
    struct axn_socket *c = accept_linux(lst);
    struct tcp_pump p;
    tcp_pump_init(&p, c, 0, 0, SEED_SINK, SMALL_BYTES);
    (void)tcp_pump_run_recv(&p);
    (void)tcp_pump_run_send(&p); /* nothing to send: our FIN */
    assert_pump_ok(&p, "sink");
    assert_int_equal(p.received, SMALL_BYTES);
    assert_digest_is_stream(p.rx_digest, SEED_SINK, SMALL_BYTES, "sink");
    assert_int_equal(axn_close(c), 0);
    assert_int_equal(tap_jobs_wait(&fx.jobs, "nc_sink", tool_budget_s(SMALL_BYTES)), 0);
    assert_int_equal(axn_close(lst), 0);
    finish();
    assert_int_equal(fx.tcp.passive_opens, 1);
    assert_tshark_clean(SINK_PORT, SMALL_BYTES);
}

/* ---- Our client to Linux servers --------------------------------------------------------- */

/* Our client sends to a socat listener whose output sha256sum hashes. */
static void our_client_to_linux_socat_sha256sum(void **state)
{
    (void)state;
    char cmd[CMD_MAX];
    snprintf(cmd, sizeof(cmd),
             "timeout %d socat -u TCP-LISTEN:%d,reuseaddr - | sha256sum >to_linux.sum",
             tool_budget_s(SMALL_BYTES), LINUX_SINK_PORT);
    tap_jobs_start(&fx.jobs, "socat_sink", cmd);
    tap_jobs_wait_listening(&fx.jobs, LINUX_SINK_PORT);
    struct axn_socket *s = connect_linux(LINUX_SINK_PORT);
    struct tcp_pump p;
    tcp_pump_init(&p, s, SEED_TO_LINUX, SMALL_BYTES, 0, 0);
    (void)tcp_pump_run_send(&p);
    (void)tcp_pump_run_recv(&p); /* Linux's FIN once it has everything */
    assert_pump_ok(&p, "client to Linux");
    assert_int_equal(axn_close(s), 0);
    assert_int_equal(tap_jobs_wait(&fx.jobs, "socat_sink", tool_budget_s(SMALL_BYTES)), 0);
    tap_jobs_assert_sum(&fx.jobs, "to_linux.sum", SEED_TO_LINUX, SMALL_BYTES);
    finish();
    assert_int_equal(fx.tcp.active_opens, 1);
    assert_tshark_clean(LINUX_SINK_PORT, SMALL_BYTES);
}

/* Our client receives a file from a socat listener. */
static void our_client_from_linux_socat_file(void **state)
{
    (void)state;
    tap_jobs_write_stream(&fx.jobs, "from_linux.in", SEED_FROM_LINUX, SMALL_BYTES);
    char cmd[CMD_MAX];
    snprintf(cmd, sizeof(cmd), "timeout %d socat -u FILE:from_linux.in TCP-LISTEN:%d,reuseaddr",
             tool_budget_s(SMALL_BYTES), LINUX_SRC_PORT);
    tap_jobs_start(&fx.jobs, "socat_src", cmd);
    tap_jobs_wait_listening(&fx.jobs, LINUX_SRC_PORT);
    struct axn_socket *s = connect_linux(LINUX_SRC_PORT);
    struct tcp_pump p;
    tcp_pump_init(&p, s, 0, 0, SEED_FROM_LINUX, SMALL_BYTES);
    (void)tcp_pump_run_recv(&p);
    (void)tcp_pump_run_send(&p); /* our FIN after Linux's */
    assert_pump_ok(&p, "client from Linux");
    assert_int_equal(p.received, SMALL_BYTES);
    assert_digest_is_stream(p.rx_digest, SEED_FROM_LINUX, SMALL_BYTES, "from Linux");
    assert_int_equal(axn_close(s), 0);
    assert_int_equal(tap_jobs_wait(&fx.jobs, "socat_src", tool_budget_s(SMALL_BYTES)), 0);
    finish();
    assert_int_equal(fx.tcp.active_opens, 1);
    assert_tshark_clean(LINUX_SRC_PORT, SMALL_BYTES);
}

/* ---- Large transfers each way ------------------------------------------------------------- */

/* A counter of Linux's, where its endpoint is: `name` on the "<section>:"
 * lines of /proc/net/<file> (snmp or netstat). */
static long linux_counter(const char *file, const char *section, const char *name)
{
    char out[OUT_LEN];
    const int rc = axn_netns_run(fx.jobs.ns, out, sizeof(out),
                                 "awk '/^%s:/ { if (h) { for (i = 1; i <= NF; i++) "
                                 "if (n[i] == \"%s\") print $i; exit } "
                                 "for (i = 1; i <= NF; i++) n[i] = $i; h = 1 }' /proc/net/%s",
                                 section, name, file);
    assert_int_equal(rc, 0);
    return strtol(out, NULL, DEC);
}

/* What Linux's TCP retransmitted, and why. */
struct linux_retrans {
    long segs;     /* Tcp: RetransSegs */
    long timeouts; /* TcpExt: TCPTimeouts, RTO expirations */
    long fast;     /* TcpExt: TCPFastRetrans */
};

static struct linux_retrans linux_retrans_now(void)
{
    return (struct linux_retrans){
        .segs = linux_counter("snmp", "Tcp", "RetransSegs"),
        .timeouts = linux_counter("netstat", "TcpExt", "TCPTimeouts"),
        .fast = linux_counter("netstat", "TcpExt", "TCPFastRetrans"),
    };
}

/* socat on Linux connects to our server: it sends big.in and hashes what
 * we send; we send our stream and check theirs, both at once. */
static void big_transfer_both_ways(void)
{
    const uint64_t n = fx.big;
    struct axn_socket *lst = listener(BIG_PORT);
    tap_jobs_write_stream(&fx.jobs, "big.in", SEED_BIG_IN, n);
    char cmd[CMD_MAX];
    snprintf(cmd, sizeof(cmd),
             "timeout %d socat -t %d -T %d -b %u TCP:%s:%d "
             "SYSTEM:'cat big.in & sha256sum >big.sum; wait'",
             tool_budget_s(n), tool_budget_s(n), SOCK_TIMEOUT_S, SOCAT_BLOCK, OUR_IP_STR, BIG_PORT);
    tap_jobs_start(&fx.jobs, "socat_big", cmd);
    struct axn_socket *c = accept_linux(lst);
    struct tcp_pump p;
    tcp_pump_init(&p, c, SEED_BIG_OUT, n, SEED_BIG_IN, n);
    pump_both_ways(&p, "large transfer");
    assert_int_equal(p.received, n);
    assert_digest_is_stream(p.rx_digest, SEED_BIG_IN, n, "Linux -> us");
    assert_digest_is_stream(p.tx_digest, SEED_BIG_OUT, n, "us -> Linux (as sent)");
    assert_int_equal(axn_close(c), 0);
    assert_int_equal(tap_jobs_wait(&fx.jobs, "socat_big", tool_budget_s(n)), 0);
    tap_jobs_assert_sum(&fx.jobs, "big.sum", SEED_BIG_OUT, n);
    char out_hex[AXN_SHA256_HEX_LEN], in_hex[AXN_SHA256_HEX_LEN];
    axn_sha256_hex(p.tx_digest, out_hex);
    axn_sha256_hex(p.rx_digest, in_hex);
    fprintf(stderr, "SHA-256 match: us -> Linux %s (sha256sum), Linux -> us %s\n", out_hex, in_hex);
    assert_int_equal(axn_close(lst), 0);
    char rm[PATH_MAX];
    tap_jobs_path(&fx.jobs, rm, sizeof(rm), "big.in");
    (void)unlink(rm);
}

/* What both ends retransmitted during a large transfer, and why, on one
 * line the long run (scripts/tcp-matrix.sh) collects; returns Linux's
 * retransmitted segments. */
static long print_retrans(struct linux_retrans before)
{
    const struct linux_retrans now = linux_retrans_now();
    fprintf(stderr,
            "retransmitted segments: Linux %ld (RTO %ld, fast %ld), us %" PRIu64 " (RTO %" PRIu64
            ", fast %" PRIu64 ") of %" PRIu64 " sent; our out-of-order queued %" PRIu64 "\n",
            now.segs - before.segs, now.timeouts - before.timeouts, now.fast - before.fast,
            fx.tcp.retrans_segs, fx.ext.tcp_timeouts, fx.ext.fast_retrans, fx.tcp.out_segs,
            fx.ext.ofo_queue);
    return now.segs - before.segs;
}

static void large_transfer_each_way_sha256(void **state)
{
    (void)state;
    const struct linux_retrans linux_before = linux_retrans_now();
    big_transfer_both_ways();
    finish();
    (void)print_retrans(linux_before);
    assert_int_equal(fx.tcp.passive_opens, 1);
    assert_tshark_clean(BIG_PORT, 2 * fx.big);
}

/* The same over a TAP with checksum offload: Linux leaves its TCP sums
 * partial (NEEDS_CSUM) and the stack takes them as verified; nothing is
 * counted as a checksum error and the bytes are exact. */
static void large_transfer_with_csum_offload(void **state)
{
    (void)state;
    big_transfer_both_ways();
    finish();
    assert_int_equal(fx.tcp.passive_opens, 1);
    assert_int_equal(fx.tcp.in_csum_errors, 0);
    assert_tshark_clean(BIG_PORT, 2 * fx.big);
}

/* eth0's interface counters (frames, as the device saw them). */
static struct axn_link_stats our_link_stats(void)
{
    struct axn_iface_info info;
    struct axn_link_stats s;
    assert_int_equal(axn_ctl_interface_by_name(fx.ts.st, "eth0", &info), 0);
    assert_int_equal(axn_ctl_link_stats(fx.ts.st, info.ifindex, &s), 0);
    return s;
}

/* The same over a TAP with full offloads: our TCP hands the TAP TSO
 * frames of up to 64 KiB and takes Linux's aggregates whole, the bytes
 * exact both ways. Frames above the MTU on both sides show the offloads
 * really ran (a mean frame longer than a full Ethernet frame). The
 * capture holds our frames with partial checksums (the TAP completes
 * them), so tshark is not asked about checksums here. */
static void large_transfer_with_full_offload(void **state)
{
    (void)state;
    big_transfer_both_ways();
    const struct axn_link_stats s = our_link_stats();
    finish();
    fprintf(stderr,
            "full offload: TX %" PRIu64 " frames, %" PRIu64 " bytes, %" PRIu64
            " dropped; RX %" PRIu64 " frames, %" PRIu64 " bytes, %" PRIu64
            " dropped; our retransmitted segments %" PRIu64 "\n",
            s.tx_packets, s.tx_bytes, s.tx_dropped, s.rx_packets, s.rx_bytes, s.rx_dropped,
            fx.tcp.retrans_segs);
    assert_int_equal(fx.tcp.passive_opens, 1);
    assert_int_equal(fx.tcp.in_csum_errors, 0);
    assert_true(s.tx_packets > 0 && s.tx_bytes / s.tx_packets > AXN_ETH_FRAME_MAX);
    assert_true(s.rx_packets > 0 && s.rx_bytes / s.rx_packets > AXN_ETH_FRAME_MAX);
}

/* ---- Loss on Linux's side ------------------------------------------------------------------ */

/* Linux's endpoint for the lossy test: a second namespace whose veth is
 * bridged with the TAP in the TAP's namespace, at PEER_IP on the same
 * subnet. Drops on the bridge are loss on the wire for both TCPs (a drop
 * in the sending host's own output path is not: Linux's TCP sees the
 * local send fail and simply sends again, without a retransmission). */
#define PEER_IP      AXN_IP4(192, 0, 2, 3)
#define PEER_CIDR    "192.0.2.3/24"
#define BRIDGE       "axbr0"
#define VETH_BRIDGED "axvb0"
#define VETH_PEER    "axvp0"
#define LOSS_PERCENT 1
#define PERCENT      100

static void behind_bridge(void)
{
    char out[OUT_LEN];
    assert_int_equal(axn_netns_create(&fx.peer_ns, "stcpp"), 0);
    int rc = axn_netns_run(&fx.peer_ns, out, sizeof(out),
                           "sysctl -qw net.ipv6.conf.all.disable_ipv6=1 "
                           "net.ipv6.conf.default.disable_ipv6=1 2>&1");
    if (rc != 0)
        fail_msg("peer namespace: %s", out);
    rc = axn_netns_run(&fx.ts.ns, out, sizeof(out),
                       "ip link add %s type bridge && ip addr flush dev %s && "
                       "ip link set %s master %s && "
                       "ip link add %s type veth peer name %s netns %s && "
                       "ip link set %s master %s && ip link set %s up && ip link set %s up 2>&1",
                       BRIDGE, fx.ts.ifname, fx.ts.ifname, BRIDGE, VETH_BRIDGED, VETH_PEER,
                       fx.peer_ns.name, VETH_BRIDGED, BRIDGE, VETH_BRIDGED, BRIDGE);
    if (rc != 0)
        fail_msg("bridge: %s", out);
    rc = axn_netns_run(&fx.peer_ns, out, sizeof(out),
                       "ip addr add %s dev %s && ip link set %s up 2>&1", PEER_CIDR, VETH_PEER,
                       VETH_PEER);
    if (rc != 0)
        fail_msg("peer veth: %s", out);
    fx.jobs.ns = &fx.peer_ns;
    fx.linux_ip = PEER_IP;
}

/* `percent` % of TCP lost each way on Linux's side: tc netem on both
 * bridge ports when the kernel has sch_netem, else an nftables bridge rule. */
static const char *linux_side_loss(int percent)
{
    char out[OUT_LEN];
    if (axn_netns_run(&fx.ts.ns, out, sizeof(out),
                      "{ tc qdisc add dev %s root netem loss %d%% && "
                      "tc qdisc add dev %s root netem loss %d%%; } 2>&1",
                      fx.ts.ifname, percent, VETH_BRIDGED, percent) == 0)
        return "tc netem";
    if (!axn_cmd_exists("nft"))
        return NULL;
    const int rc = axn_netns_run(
        &fx.ts.ns, out, sizeof(out),
        "nft add table bridge axnloss && "
        "nft add chain bridge axnloss lossy '{ type filter hook forward priority 0; }' && "
        "nft add rule bridge axnloss lossy ip protocol tcp numgen random mod %d 0 counter drop "
        "2>&1",
        PERCENT / percent);
    if (rc != 0)
        fail_msg("nft: %s", out);
    return "nftables on the bridge (no sch_netem in this kernel)";
}

static void large_transfer_with_linux_side_loss(void **state)
{
    (void)state;
    behind_bridge();
    const char *how = linux_side_loss(LOSS_PERCENT);
    if (!how)
        skip(); /* neither sch_netem nor nft: nothing can drop on Linux's side */
    fprintf(stderr, "1 %% loss each way on Linux's side: %s\n", how);
    const struct linux_retrans linux_before = linux_retrans_now();
    big_transfer_both_ways();
    char out[OUT_LEN];
    (void)axn_netns_run(&fx.ts.ns, out, sizeof(out), "nft list ruleset 2>/dev/null | grep counter");
    fprintf(stderr, "dropped: %s", out);
    finish();
    const long linux_resent = print_retrans(linux_before);
    assert_int_equal(fx.tcp.passive_opens, 1);
    /* Both ends lost segments and resent them. */
    assert_true(linux_resent > 0);
    assert_true(fx.tcp.retrans_segs > 0);
    assert_tshark_clean(BIG_PORT, 2 * fx.big);
}

/* The "2 % loss + reordering, byte-exact": 2 % of TCP lost each
 * way on the bridge (no sch_netem here: nftables) and 2 % of the data
 * frames each way reordered by the shim at our end of the TAP. */
#define REORDER_LOSS_PERCENT 2

static void large_transfer_with_loss_and_reordering(void **state)
{
    (void)state;
    behind_bridge();
    const char *how = linux_side_loss(REORDER_LOSS_PERCENT);
    if (!how)
        skip();
    fprintf(stderr,
            "%d %% loss each way on Linux's side: %s; reordering: 1 in %u data frames "
            "each way held behind %u\n",
            REORDER_LOSS_PERCENT, how, REORDER_EVERY, REORDER_AFTER);
    const struct linux_retrans linux_before = linux_retrans_now();
    const long long t0 = axn_tap_stack_now_ms();
    big_transfer_both_ways();
    const long long ms = axn_tap_stack_now_ms() - t0;
    char out[OUT_LEN];
    (void)axn_netns_run(&fx.ts.ns, out, sizeof(out), "nft list ruleset 2>/dev/null | grep counter");
    fprintf(stderr, "dropped: %s", out);
    finish();
    const long linux_resent = print_retrans(linux_before);
    fprintf(stderr,
            "reordered: %" PRIu64 " frames Linux -> us, %" PRIu64 " us -> Linux; %" PRIu64
            " bytes each way in %lld ms\n",
            reorder.rx.reordered, reorder.tx.reordered, fx.big, ms);
    assert_int_equal(fx.tcp.passive_opens, 1);
    assert_true(linux_resent > 0);
    assert_true(fx.tcp.retrans_segs > 0);
    assert_true(reorder.rx.reordered > 0);
    assert_true(reorder.tx.reordered > 0);
    assert_tshark_clean(BIG_PORT, 2 * fx.big);
}

int main(void)
{
    static const char *const tools[] = {"socat",     "curl", "nc",      "ss",
                                        "sha256sum", "tc",   "timeout", NULL};
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(linux_curl_fetches_from_our_http_server, setup_http,
                                        teardown),
        cmocka_unit_test_setup_teardown(linux_socat_through_our_echo_server, setup_echo, teardown),
        cmocka_unit_test_setup_teardown(linux_nc_to_our_sink_server, setup_sink, teardown),
        cmocka_unit_test_setup_teardown(our_client_to_linux_socat_sha256sum, setup_to_linux,
                                        teardown),
        cmocka_unit_test_setup_teardown(our_client_from_linux_socat_file, setup_from_linux,
                                        teardown),
        cmocka_unit_test_setup_teardown(large_transfer_each_way_sha256, setup_big, teardown),
        cmocka_unit_test_setup_teardown(large_transfer_with_csum_offload, setup_big_csum, teardown),
        cmocka_unit_test_setup_teardown(large_transfer_with_full_offload, setup_big_full, teardown),
        cmocka_unit_test_setup_teardown(large_transfer_with_linux_side_loss, setup_big_loss,
                                        teardown),
        cmocka_unit_test_setup_teardown(large_transfer_with_loss_and_reordering, setup_big_reorder,
                                        teardown),
    };

    axn_netns_require(tools);
    /* AXN_TCP_TAP_TEST=<name pattern> runs a subset. */
    if (getenv("AXN_TCP_TAP_TEST"))
        cmocka_set_test_filter(getenv("AXN_TCP_TAP_TEST"));
    return cmocka_run_group_tests(tests, NULL, NULL);
}
