/*
 * 1-byte TCP ping-pong latency (scenario (c), scripts/bench/c_latency.sh).
 *
 * Client: connects to an echo server (retrying while it is not up yet),
 * sets TCP_NODELAY, makes --warmup untimed round trips, then --count
 * timed ones: write 1 byte, read 1 byte back, each round trip timed on
 * CLOCK_MONOTONIC. Prints the percentiles (nearest rank) in microseconds
 * on one line the script reads:
 *
 *   bench_rr_client: 20000 round trips: p50_us 41.2 p99_us 88.0 min_us ... mean_us ... max_us ...
 *
 * Server (--serve PORT): the Linux peer of the scenario, a blocking echo
 * server with TCP_NODELAY that serves one connection after another until
 * killed (the same code path on both ends of the veth pair).
 *
 *   bench_rr_client HOST PORT [--count N] [--warmup N]
 *   bench_rr_client HOST PORT --bulk SECS
 *   bench_rr_client --serve PORT | --sink PORT
 *
 * --bulk (scenario (b)'s sink figure, scripts/bench/b_iperf3.sh): writes
 * 128 KiB blocks for SECS seconds, shuts down writing and waits for the
 * server's EOF; prints "... gbit_s X" (bytes over connect-to-EOF time).
 * --sink: the Linux peer of --bulk, a server that reads and drops.
 *
 * Exit 0, or 1 with one line on stderr (refused for too long, a read that
 * timed out, the peer closed early).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_COUNT     20000u
#define DEFAULT_WARMUP    1000u
#define CONNECT_WAIT_S    10u       /* the server has this long to come up */
#define CONNECT_ATTEMPT_S 1         /* one connect() at most this long */
#define RETRY_NS          50000000L /* 50 ms between attempts */
#define RECV_TIMEOUT_S    5         /* a round trip this slow: the peer is gone */
#define ECHO_BUF          65536u
#define LISTEN_BACKLOG    8
#define PCT_MEDIAN        50u
#define PCT_TAIL          99u
#define PCT_ALL           100u
#define NSEC_PER_USEC     1000.0
#define NSEC_PER_SEC_I    1000000000ull
#define DECIMAL           10
#define PING_BYTE         'x'
#define BULK_WRITE        (128u * 1024u) /* iperf3's TCP default */
#define BITS_PER_BYTE     8.0
#define NSEC_PER_SEC_F    1e9

static void die(const char *what)
{
    fprintf(stderr, "bench_rr_client: %s: %s\n", what, errno ? strerror(errno) : "failed");
    exit(1);
}

static unsigned parse_uint(const char *s)
{
    char *end;
    errno = 0;
    const unsigned long v = strtoul(s, &end, DECIMAL);
    if (errno || *end || !*s || v > UINT32_MAX) {
        fprintf(stderr, "bench_rr_client: not a number: %s\n", s);
        exit(2);
    }
    return (unsigned)v;
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_rr_client HOST PORT [--count N] [--warmup N]\n"
                    "       bench_rr_client HOST PORT --bulk SECS\n"
                    "       bench_rr_client --serve PORT | --sink PORT\n");
    exit(2);
}

static void set_nodelay(int fd)
{
    const int one = 1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0)
        die("TCP_NODELAY");
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * NSEC_PER_SEC_I + (uint64_t)ts.tv_nsec;
}

/* Serves one connection until EOF: echoes, or (sink) drops what it reads. */
static void echo_conn(int c, bool sink)
{
    static char buf[ECHO_BUF];
    set_nodelay(c);
    for (;;) {
        const ssize_t n = read(c, buf, sizeof(buf));
        if (n <= 0)
            break;
        if (sink)
            continue;
        for (ssize_t off = 0; off < n;) {
            const ssize_t w = write(c, buf + off, (size_t)(n - off));
            if (w <= 0)
                return;
            off += w;
        }
    }
}

/* Serves until killed: the benchmark scripts stop it. */
static _Noreturn void serve(unsigned port, bool sink)
{
    const int l = socket(AF_INET, SOCK_STREAM, 0);
    const int one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (l < 0 || setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0)
        die("socket");
    if (bind(l, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(l, LISTEN_BACKLOG) != 0)
        die("bind/listen");
    fprintf(stderr, "bench_rr_client: %s on port %u: ready\n", sink ? "sink" : "echo", port);
    for (;;) {
        const int c = accept(l, NULL, NULL);
        if (c < 0) {
            if (errno == EINTR)
                continue;
            die("accept");
        }
        echo_conn(c, sink);
        close(c);
    }
}

/* Connects, retrying until CONNECT_WAIT_S have passed: the server may
 * still be coming up (refused), or its address not answer ARP yet. Each
 * attempt is bounded by SO_SNDTIMEO (Linux applies it to connect). */
static int connect_retry(const char *host, unsigned port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &a.sin_addr) != 1)
        usage();
    const struct timespec pause = {.tv_sec = 0, .tv_nsec = RETRY_NS};
    const struct timeval attempt = {.tv_sec = CONNECT_ATTEMPT_S};
    const uint64_t deadline = now_ns() + CONNECT_WAIT_S * NSEC_PER_SEC_I;
    while (now_ns() < deadline) {
        const int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &attempt, sizeof(attempt)) != 0)
            die("socket");
        if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
            return fd;
        close(fd);
        nanosleep(&pause, NULL);
    }
    die("connect");
    return -1;
}

/* One round trip: 1 byte out, 1 byte back. */
static void round_trip(int fd)
{
    char b = PING_BYTE;
    if (write(fd, &b, 1) != 1)
        die("write");
    const ssize_t n = read(fd, &b, 1);
    if (n != 1) {
        if (n == 0)
            errno = ECONNRESET;
        die("read");
    }
    if (b != PING_BYTE) {
        errno = EPROTO;
        die("echoed byte");
    }
}

static int cmp_u64(const void *a, const void *b)
{
    const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of the sorted v[0 .. n). */
static double pct_us(const uint64_t *v, unsigned n, unsigned pct)
{
    unsigned rank = (unsigned)(((uint64_t)n * pct + PCT_ALL - 1) / PCT_ALL);
    rank = rank ? rank : 1;
    return (double)v[rank - 1] / NSEC_PER_USEC;
}

static void report(uint64_t *rtt, unsigned n)
{
    qsort(rtt, n, sizeof(*rtt), cmp_u64);
    uint64_t sum = 0;
    for (unsigned i = 0; i < n; i++)
        sum += rtt[i];
    printf("bench_rr_client: %u round trips: p50_us %.1f p99_us %.1f min_us %.1f mean_us %.1f "
           "max_us %.1f\n",
           n, pct_us(rtt, n, PCT_MEDIAN), pct_us(rtt, n, PCT_TAIL), pct_us(rtt, n, 1),
           (double)sum / n / NSEC_PER_USEC, (double)rtt[n - 1] / NSEC_PER_USEC);
}

static int client(const char *host, unsigned port, unsigned count, unsigned warmup)
{
    uint64_t *rtt = calloc(count, sizeof(*rtt));
    if (!rtt)
        die("calloc");
    const int fd = connect_retry(host, port);
    set_nodelay(fd);
    const struct timeval tmo = {.tv_sec = RECV_TIMEOUT_S};
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo)) != 0)
        die("SO_RCVTIMEO");
    for (unsigned i = 0; i < warmup; i++)
        round_trip(fd);
    for (unsigned i = 0; i < count; i++) {
        const uint64_t t0 = now_ns();
        round_trip(fd);
        rtt[i] = now_ns() - t0;
    }
    close(fd);
    report(rtt, count);
    free(rtt);
    return 0;
}

/* Bulk: writes BULK_WRITE-byte blocks for `secs`, shuts down writing and
 * waits for the server's EOF (it has read everything and closed): bytes
 * over the time from connect to that EOF. */
static int bulk(const char *host, unsigned port, unsigned secs)
{
    static char buf[BULK_WRITE];
    const int fd = connect_retry(host, port);
    const uint64_t t0 = now_ns(), end = t0 + secs * NSEC_PER_SEC_I;
    uint64_t sent = 0;
    while (now_ns() < end) {
        const ssize_t n = write(fd, buf, sizeof(buf));
        if (n <= 0)
            die("write");
        sent += (uint64_t)n;
    }
    const struct timeval tmo = {.tv_sec = RECV_TIMEOUT_S};
    if (shutdown(fd, SHUT_WR) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo)) != 0)
        die("shutdown");
    if (read(fd, buf, sizeof(buf)) != 0) {
        errno = EPROTO;
        die("waiting for the server's EOF");
    }
    const double s = (double)(now_ns() - t0) / (double)NSEC_PER_SEC_I;
    close(fd);
    printf("bench_rr_client: bulk: %llu bytes in %.3f s: gbit_s %.3f\n", (unsigned long long)sent,
           s, (double)sent * BITS_PER_BYTE / s / NSEC_PER_SEC_F);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--serve"))
        serve(parse_uint(argv[2]), false);
    if (argc == 3 && !strcmp(argv[1], "--sink"))
        serve(parse_uint(argv[2]), true);
    if (argc < 3 || argv[1][0] == '-')
        usage();
    unsigned count = DEFAULT_COUNT, warmup = DEFAULT_WARMUP, bulk_s = 0;
    for (int i = 3; i < argc; i++) {
        if (!strcmp(argv[i], "--count") && i + 1 < argc)
            count = parse_uint(argv[++i]);
        else if (!strcmp(argv[i], "--warmup") && i + 1 < argc)
            warmup = parse_uint(argv[++i]);
        else if (!strcmp(argv[i], "--bulk") && i + 1 < argc)
            bulk_s = parse_uint(argv[++i]);
        else
            usage();
    }
    if (!count)
        usage();
    if (bulk_s)
        return bulk(argv[1], parse_uint(argv[2]), bulk_s);
    return client(argv[1], parse_uint(argv[2]), count, warmup);
}
