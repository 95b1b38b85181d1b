/*
 * Bulk TCP between our stack on a TAP and Linux in a network namespace,
 * each direction in turn: Linux -> us (Linux's socat sends --bytes of
 * zeros to our sink) and us -> Linux (we send --bytes to Linux's socat,
 * which writes them to /dev/null). Run by scripts/bench-tap.sh, which
 * creates the namespace `--ns` and deletes it afterwards, even on failure;
 * this program needs root (it opens /dev/net/tun and runs `ip`).
 *
 * The stack is the threaded hosted one (port/posix, axn_stack_start) at
 * 192.0.2.2/24; Linux's end of the TAP, moved into the namespace, is
 * 192.0.2.1/24. --offload opens the TAP with IFF_VNET_HDR (checksum and
 * TSO/GRO offloads, axn_tap_config.vnet_hdr); without it every frame is
 * at most 1514 bytes and every checksum is computed in software on both
 * sides. Timing is wall clock (CLOCK_MONOTONIC): Linux -> us from our
 * accept() to EOF, us -> Linux from connect() to Linux's EOF after our
 * FIN (it closes when it has read everything).
 *
 *   bench_tcp_tap --ns NS [--bytes N] [--offload] [--dir rx|tx|both]
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "axnet/errno.h"
#include "axnet/hosted/tap.h"
#include "axnet/netif.h"
#include "axnet/port_posix.h"
#include "axnet/socket.h"
#include "axnet/stack.h"
#include "bench_util.h"

#define DEFAULT_BYTES (1ull << 30)
#define APP_BUF       (256u * 1024u)
#define PORT_RX       5001u /* we listen: Linux sends */
#define PORT_TX       5002u /* Linux listens: we send */
#define OUR_ADDR      AXN_IP4(192, 0, 2, 2)
#define LINUX_ADDR    "192.0.2.1"
#define PREFIX        24u
#define TAP_NAME      "axnbench0"
#define CMD_MAX       512
#define CONNECT_TRIES 50
#define RETRY_US      100000
#define NSEC_PER_SEC  1e9
#define BITS_PER_BYTE 8.0
#define DEC           10
/* A run that hangs (a lost connection) ends: this plus 1 s per 10 MB. */
#define TIMEOUT_BASE_S      60u
#define TIMEOUT_BYTES_PER_S 10000000u

struct opts {
    const char *ns;
    uint64_t bytes;
    bool offload, csum_only, rx, tx;
};

static struct {
    struct axn_platform plat;
    struct axn_tap *tap;
    struct axn_eth_driver drv;
    struct axn_stack *st;
    uint8_t buf[APP_BUF];
} G;

static void die(const char *what, long err)
{
    fprintf(stderr, "bench_tcp_tap: %s: error %ld\n", what, err);
    exit(1);
}

static double wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / NSEC_PER_SEC;
}

static void sh(const char *fmt, const char *a, const char *b)
{
    char cmd[CMD_MAX];
    snprintf(cmd, sizeof(cmd), fmt, a, b);
    if (system(cmd) != 0)
        die(cmd, -AXN_EIO);
}

/* Runs `cmd` in the namespace in the background; returns its pid. */
static pid_t spawn_in_ns(const struct opts *o, const char *cmd)
{
    const pid_t pid = fork();
    if (pid == 0) {
        execlp("ip", "ip", "netns", "exec", o->ns, "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    if (pid < 0)
        die("fork", -AXN_EAGAIN);
    return pid;
}

static void wait_ok(pid_t pid, const char *what)
{
    int status = 0;
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        die(what, -AXN_EIO);
}

static void bring_up(const struct opts *o)
{
    const struct axn_tap_config tc = {
        .name = TAP_NAME, .vnet_hdr = o->offload, .csum_only = o->csum_only, .unpersist = true};
    long err = axn_tap_open(&G.tap, &tc);
    if (err)
        die("axn_tap_open", err);
    axn_tap_driver(G.tap, &G.drv);
    sh("ip link set dev %s netns %s", TAP_NAME, o->ns);
    sh("ip -n %s addr add " LINUX_ADDR "/24 dev %s", o->ns, TAP_NAME);
    sh("ip -n %s link set %s up", o->ns, TAP_NAME);
    if ((err = axn_port_posix_init(&G.plat, AXN_LOG_WARN)) ||
        (err = axn_stack_create(&G.plat, &G.st)))
        die("stack", err);
    const struct axn_iface_config ic = bench_static_iface(OUR_ADDR, PREFIX);
    const struct axn_net_config cfg = {.ifaces = &ic, .n_ifaces = 1};
    const struct axn_eth_driver *const drivers[] = {&G.drv};
    if ((err = axn_stack_init_network(G.st, drivers, 1, &cfg, axn_port_posix_now())) ||
        (err = axn_stack_start(G.st)))
        die("stack start", err);
}

static struct axn_socket *tcp_socket(void)
{
    struct axn_socket *s = NULL;
    const int err = axn_socket(G.st, AXN_AF_INET, AXN_SOCK_STREAM, 0, &s);
    if (err)
        die("axn_socket", err);
    return s;
}

/* Reads to EOF; the bytes read. */
static uint64_t drain(struct axn_socket *s)
{
    uint64_t got = 0;
    for (;;) {
        const long n = axn_recv(s, G.buf, APP_BUF, 0);
        if (n < 0)
            die("recv", n);
        if (n == 0)
            return got;
        got += (uint64_t)n;
    }
}

static void report(const char *dir, uint64_t bytes, double secs, const struct opts *o)
{
    printf("bench_tcp_tap: %s %s offloads: %" PRIu64 " bytes in %.3f s: %.2f Gbit/s\n", dir,
           o->offload ? "with" : "without", bytes, secs,
           (double)bytes * BITS_PER_BYTE / secs / 1e9);
}

/* Linux -> us: our sink, Linux's socat sending zeros. */
static void run_rx(const struct opts *o)
{
    struct axn_socket *l = tcp_socket(), *s = NULL;
    const struct axn_sockaddr_in a = bench_sin4(OUR_ADDR, PORT_RX);
    long err = axn_bind(l, (const struct axn_sockaddr *)&a, sizeof(a));
    if (err || (err = axn_listen(l, 1)))
        die("listen", err);
    char cmd[CMD_MAX];
    snprintf(cmd, sizeof(cmd), "head -c %" PRIu64 " /dev/zero | socat -u -b%u - TCP:192.0.2.2:%u",
             o->bytes, APP_BUF, PORT_RX);
    const pid_t pid = spawn_in_ns(o, cmd);
    if ((err = axn_accept(l, NULL, NULL, 0, &s)))
        die("accept", err);
    const double t0 = wall_s();
    const uint64_t got = drain(s);
    const double secs = wall_s() - t0;
    wait_ok(pid, "Linux sender");
    if (got != o->bytes)
        die("short transfer", (long)got);
    report("Linux -> us", got, secs, o);
    axn_close(s);
    axn_close(l);
}

/* Connects to Linux's listener, retrying while socat starts. */
static struct axn_socket *connect_linux(void)
{
    const struct axn_sockaddr_in a = bench_sin4(AXN_IP4(192, 0, 2, 1), PORT_TX);
    for (int i = 0; i < CONNECT_TRIES; i++) {
        struct axn_socket *s = tcp_socket();
        if (axn_connect(s, (const struct axn_sockaddr *)&a, sizeof(a)) == 0)
            return s;
        axn_close(s);
        usleep(RETRY_US);
    }
    die("connect to Linux", -AXN_ECONNREFUSED);
    return NULL;
}

/* us -> Linux: we send, Linux's socat writes to /dev/null. */
static void run_tx(const struct opts *o)
{
    char cmd[CMD_MAX];
    snprintf(cmd, sizeof(cmd), "socat -u -b%u TCP-LISTEN:%u,reuseaddr OPEN:/dev/null", APP_BUF,
             PORT_TX);
    const pid_t pid = spawn_in_ns(o, cmd);
    usleep(RETRY_US);
    struct axn_socket *s = connect_linux();
    const double t0 = wall_s();
    uint64_t sent = 0;
    while (sent < o->bytes) {
        const uint64_t left = o->bytes - sent;
        const long n = axn_send(s, G.buf, left < APP_BUF ? (size_t)left : APP_BUF, 0);
        if (n < 0)
            die("send", n);
        sent += (uint64_t)n;
    }
    long err = axn_shutdown(s, AXN_SHUT_WR);
    if (err)
        die("shutdown", err);
    (void)drain(s); /* Linux closes once it has read our FIN */
    const double secs = wall_s() - t0;
    wait_ok(pid, "Linux receiver");
    report("us -> Linux", sent, secs, o);
    axn_close(s);
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_tcp_tap --ns NS [--bytes N] [--offload] [--dir rx|tx|both]\n");
    exit(2);
}

static struct opts parse(int argc, char **argv)
{
    struct opts o = {.bytes = DEFAULT_BYTES, .rx = true, .tx = true};
    for (int i = 1; i < argc; i++) {
        const bool v = i + 1 < argc;
        if (!strcmp(argv[i], "--ns") && v)
            o.ns = argv[++i];
        else if (!strcmp(argv[i], "--bytes") && v)
            o.bytes = strtoull(argv[++i], NULL, DEC);
        else if (!strcmp(argv[i], "--offload"))
            o.offload = true;
        else if (!strcmp(argv[i], "--csum-only")) /* with --offload: checksums only, no TSO */
            o.csum_only = true;
        else if (!strcmp(argv[i], "--dir") && v) {
            const char *d = argv[++i];
            o.rx = !strcmp(d, "rx") || !strcmp(d, "both");
            o.tx = !strcmp(d, "tx") || !strcmp(d, "both");
        } else
            usage();
    }
    if (!o.ns || !o.bytes || (!o.rx && !o.tx))
        usage();
    return o;
}

int main(int argc, char **argv)
{
    const struct opts o = parse(argc, argv);
    signal(SIGPIPE, SIG_IGN);
    alarm(TIMEOUT_BASE_S + (unsigned)(o.bytes / TIMEOUT_BYTES_PER_S));
    bring_up(&o);
    if (o.rx)
        run_rx(&o);
    if (o.tx)
        run_tx(&o);
    axn_stack_destroy(G.st);
    axn_tap_close(G.tap);
    return 0;
}
