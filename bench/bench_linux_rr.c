/*
 * bench_rr_mem's scenario on the Linux kernel over loopback (127.0.0.1):
 * a real kernel path (socket calls, TCP, IP, the loopback device and its
 * softirq), with TCP/IP checksums skipped as loopback allows. A client
 * connects, sends a `--size`-byte request (default 1), the server reads
 * it and sends it back, the client reads the reply: one round trip;
 * `--count` round trips, `--per-conn` per connection (default all on one;
 * 1 is the connection rate). Blocking sockets.
 *
 * Closing, as bench_rr_mem and bench_lwip_rr: the client sets SO_LINGER
 * {1, 0} and closes (RST, RFC 9293 3.6), the server reads ECONNRESET (or
 * EOF) and closes. Nothing lingers in TIME-WAIT.
 *
 * --threads 2 (default): client and server are two threads, each woken
 * when its peer's segment arrives (the script runs it pinned to one CPU
 * and unpinned). --threads 1: one thread plays both parts in turn; on
 * loopback a segment is delivered before send() returns, so every call
 * finds its data ready: the kernel's own cost without wake-ups, the
 * counterpart of the single-threaded in-memory benchmarks.
 *
 * Prints bench_rr_mem's line: rates per wall second and per CPU second of
 * the process (CLOCK_PROCESS_CPUTIME_ID: user and system time of every
 * thread, which includes the loopback softirq work run in their context).
 *
 *   bench_linux_rr [--count N] [--per-conn K] [--size BYTES] [--threads 1|2]
 */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "rate_args.h"

#define DEFAULT_COUNT 100000ull
#define MAX_SIZE      1024u
#define BACKLOG       16
#define TIMEOUT_S     5  /* a call blocked this long: the run failed */
#define WHERE_LEN     64 /* the result line's last words */

struct run {
    uint64_t count, per_conn, conns_planned, done, conns;
    size_t size;
    unsigned threads;
    int lst;
    struct sockaddr_in addr;
};

static struct run R;

_Noreturn static void usage(void)
{
    fprintf(stderr,
            "usage: bench_linux_rr [--count N] [--per-conn K] [--size BYTES (1..%u)] "
            "[--threads 1|2]\n",
            MAX_SIZE);
    exit(2);
}

_Noreturn static void die(const char *what)
{
    fprintf(stderr, "bench_linux_rr: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void parse(int argc, char **argv)
{
    struct rate_args a = {.count = DEFAULT_COUNT, .size = 1, .threads = 2};
    rate_args_parse(argc, argv, RATE_OPT_PER_CONN | RATE_OPT_THREADS, MAX_SIZE, usage, &a);
    R.count = a.count;
    R.per_conn = a.per_conn;
    R.size = (size_t)a.size;
    R.threads = (unsigned)a.threads;
    R.conns_planned = R.per_conn ? (R.count + R.per_conn - 1) / R.per_conn : 1;
}

/* A blocked call fails after TIMEOUT_S instead of hanging the run. */
static void set_timeout(int fd)
{
    const struct timeval tv = {.tv_sec = TIMEOUT_S};
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)))
        die("SO_RCVTIMEO");
}

static void listen_lo(void)
{
    R.lst = socket(AF_INET, SOCK_STREAM, 0);
    if (R.lst < 0)
        die("socket");
    R.addr = (struct sockaddr_in){.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(R.addr);
    if (bind(R.lst, (struct sockaddr *)&R.addr, sizeof(R.addr)) ||
        getsockname(R.lst, (struct sockaddr *)&R.addr, &len) || listen(R.lst, BACKLOG))
        die("bind/listen on 127.0.0.1");
    set_timeout(R.lst);
}

static void send_all(int fd, const uint8_t *p, size_t n)
{
    const ssize_t rc = send(fd, p, n, MSG_NOSIGNAL);
    if (rc != (ssize_t)n)
        die("send");
}

static void recv_all(int fd, uint8_t *p, size_t n)
{
    for (size_t got = 0; got < n;) {
        const ssize_t rc = recv(fd, p + got, n - got, 0);
        if (rc <= 0)
            die(rc ? "recv" : "recv: unexpected EOF");
        got += (size_t)rc;
    }
}

/* The reply must be the request; the next request differs from it. */
static void check_reply(uint8_t *req, const uint8_t *rep)
{
    if (memcmp(req, rep, R.size)) {
        fprintf(stderr, "bench_linux_rr: reply %" PRIu64 " is not its request\n", R.done);
        exit(1);
    }
    R.done++;
    req[0] = (uint8_t)R.done;
}

static int connect_lo(void)
{
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        die("socket");
    set_timeout(fd);
    if (connect(fd, (struct sockaddr *)&R.addr, sizeof(R.addr)))
        die("connect");
    return fd;
}

/* SO_LINGER 0 and close: the connection is reset, nothing lingers. */
static void abort_close(int fd)
{
    const struct linger l = {.l_onoff = 1, .l_linger = 0};
    if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)) || close(fd))
        die("SO_LINGER close");
}

static int accept_lo(void)
{
    const int fd = accept(R.lst, NULL, NULL);
    if (fd < 0)
        die("accept");
    set_timeout(fd);
    return fd;
}

/* The server's end of one connection: echo until the reset or EOF. */
static void serve_conn(int fd)
{
    uint8_t buf[MAX_SIZE];
    for (;;) {
        const ssize_t rc = recv(fd, buf, sizeof(buf), 0);
        if (rc == 0 || (rc < 0 && errno == ECONNRESET))
            break;
        if (rc < 0)
            die("server recv");
        send_all(fd, buf, (size_t)rc);
    }
    close(fd);
}

static void *server(void *arg)
{
    (void)arg;
    for (uint64_t i = 0; i < R.conns_planned; i++)
        serve_conn(accept_lo());
    return NULL;
}

/* Round trips on one connection until it has its share or all are done. */
static void *client(void *arg)
{
    (void)arg;
    uint8_t req[MAX_SIZE], rep[MAX_SIZE];
    memset(req, 'q', sizeof(req));
    while (R.done < R.count) {
        const int fd = connect_lo();
        for (uint64_t k = 0; R.done < R.count && (!R.per_conn || k < R.per_conn); k++) {
            send_all(fd, req, R.size);
            recv_all(fd, rep, R.size);
            check_reply(req, rep);
        }
        abort_close(fd);
        R.conns++;
    }
    return NULL;
}

/* One thread in turns: request, the server's echo, the reply. */
static void single_thread(void)
{
    uint8_t req[MAX_SIZE], buf[MAX_SIZE];
    memset(req, 'q', sizeof(req));
    while (R.done < R.count) {
        const int fd = connect_lo(), srv = accept_lo();
        for (uint64_t k = 0; R.done < R.count && (!R.per_conn || k < R.per_conn); k++) {
            send_all(fd, req, R.size);
            recv_all(srv, buf, R.size);
            send_all(srv, buf, R.size);
            recv_all(fd, buf, R.size);
            check_reply(req, buf);
        }
        abort_close(fd);
        serve_conn(srv); /* reads the reset, closes */
        R.conns++;
    }
}

int main(int argc, char **argv)
{
    parse(argc, argv);
    listen_lo();
    const struct rate_clock clk = rate_clock_start();
    if (R.threads == 1)
        single_thread();
    else
        rate_two_threads("bench_linux_rr", server, client);
    const double secs = rate_wall_secs(&clk), cpu = rate_cpu_secs(&clk);
    char where[WHERE_LEN];
    snprintf(where, sizeof(where), "Linux loopback, %u thread(s)", R.threads);
    rate_print_rr("bench_linux_rr", R.done, R.size, R.conns, secs, cpu, where);
    close(R.lst);
    return 0;
}
