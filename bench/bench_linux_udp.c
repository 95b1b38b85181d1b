/*
 * bench_udp_mem's scenario on the Linux kernel over loopback (127.0.0.1):
 * a real kernel path (socket calls, UDP, IP, the loopback device and its
 * softirq). A connected sender sends `--count` datagrams of `--size`
 * bytes (default 64), one send() each; a connected receiver reads each
 * with one recv() into its own buffer.
 *
 * --threads 2 (default): sender and receiver are two threads; the sender
 * never waits, so when the receiver falls behind its queue fills and the
 * kernel drops datagrams (the receive buffer is RCVBUF_BYTES, forced as
 * root with SO_RCVBUFFORCE, else as large as net.core.rmem_max allows;
 * printed). The receiver stops at `--count` or IDLE_MS after the last
 * datagram; the figure is datagrams received, and the lost ones are
 * printed. The script runs it pinned to one CPU and unpinned.
 * --threads 1: one thread sends a burst of BURST datagrams and reads them
 * back, then the next burst, as bench_udp_mem does; nothing is lost, and
 * no thread waits for another: the kernel's own cost per datagram.
 *
 * Prints bench_udp_mem's line: rates per wall second (first to last
 * datagram received) and per CPU second of the process
 * (CLOCK_PROCESS_CPUTIME_ID, every thread's user and system time).
 *
 *   bench_linux_udp [--count N] [--size BYTES] [--threads 1|2]
 */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
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

#define DEFAULT_COUNT 1000000ull
#define DEFAULT_SIZE  64u
#define MAX_SIZE      1472u
#define BURST         64u
#define RCVBUF_BYTES  (8 * 1024 * 1024)
#define IDLE_MS       200 /* the receiver gives up this long after the last datagram */
#define TIMEOUT_S     5   /* a blocked call fails after this long */
#define WHERE_LEN     64  /* the result line's last words */

struct run {
    uint64_t count, sent, received;
    size_t size;
    unsigned threads;
    int tx, rx, rcvbuf;
    uint64_t t_last; /* CLOCK_MONOTONIC of the last datagram received */
};

static struct run R;

_Noreturn static void usage(void)
{
    fprintf(stderr, "usage: bench_linux_udp [--count N] [--size BYTES (1..%u)] [--threads 1|2]\n",
            MAX_SIZE);
    exit(2);
}

_Noreturn static void die(const char *what)
{
    fprintf(stderr, "bench_linux_udp: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void parse(int argc, char **argv)
{
    struct rate_args a = {.count = DEFAULT_COUNT, .size = DEFAULT_SIZE, .threads = 2};
    rate_args_parse(argc, argv, RATE_OPT_THREADS, MAX_SIZE, usage, &a);
    R.count = a.count;
    R.size = (size_t)a.size;
    R.threads = (unsigned)a.threads;
}

static int udp_bound(struct sockaddr_in *a)
{
    const int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0)
        die("socket");
    *a = (struct sockaddr_in){.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(*a);
    if (bind(fd, (struct sockaddr *)a, sizeof(*a)) || getsockname(fd, (struct sockaddr *)a, &len))
        die("bind 127.0.0.1");
    const struct timeval tv = {.tv_sec = TIMEOUT_S};
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
        die("SO_RCVTIMEO");
    return fd;
}

/* The biggest receive buffer we may have, up to RCVBUF_BYTES. */
static void big_rcvbuf(int fd)
{
    const int want = RCVBUF_BYTES;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &want, sizeof(want)) &&
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &want, sizeof(want)))
        die("SO_RCVBUF");
    socklen_t len = sizeof(R.rcvbuf);
    if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &R.rcvbuf, &len))
        die("SO_RCVBUF");
}

static void open_pair(void)
{
    struct sockaddr_in ta, ra;
    R.tx = udp_bound(&ta);
    R.rx = udp_bound(&ra);
    big_rcvbuf(R.rx);
    if (connect(R.tx, (struct sockaddr *)&ra, sizeof(ra)) ||
        connect(R.rx, (struct sockaddr *)&ta, sizeof(ta)))
        die("connect");
}

static void send_one(const uint8_t *p)
{
    if (send(R.tx, p, R.size, 0) != (ssize_t)R.size)
        die("send");
    R.sent++;
}

static void recv_one(uint8_t *buf)
{
    const ssize_t rc = recv(R.rx, buf, MAX_SIZE, 0);
    if (rc != (ssize_t)R.size)
        die("recv");
    R.received++;
}

static void *sender(void *arg)
{
    (void)arg;
    uint8_t out[MAX_SIZE];
    memset(out, 0x5a, sizeof(out));
    while (R.sent < R.count)
        send_one(out);
    return NULL;
}

/* Reads until every datagram came or none came for IDLE_MS. */
static void *receiver(void *arg)
{
    (void)arg;
    uint8_t buf[MAX_SIZE];
    struct pollfd pfd = {.fd = R.rx, .events = POLLIN};
    while (R.received < R.count) {
        const int n = poll(&pfd, 1, IDLE_MS);
        if (n < 0)
            die("poll");
        if (n == 0)
            break; /* the rest was dropped */
        recv_one(buf);
        R.t_last = rate_clock_ns(CLOCK_MONOTONIC);
    }
    return NULL;
}

static void single_thread(void)
{
    uint8_t out[MAX_SIZE], buf[MAX_SIZE];
    memset(out, 0x5a, sizeof(out));
    while (R.sent < R.count) {
        const uint64_t first = R.sent;
        while (R.sent < R.count && R.sent - first < BURST)
            send_one(out);
        while (R.received < R.sent)
            recv_one(buf);
    }
    R.t_last = rate_clock_ns(CLOCK_MONOTONIC);
}

int main(int argc, char **argv)
{
    parse(argc, argv);
    open_pair();
    const struct rate_clock clk = rate_clock_start();
    if (R.threads == 1)
        single_thread();
    else
        rate_two_threads("bench_linux_udp", receiver, sender);
    if (!R.received) {
        fprintf(stderr, "bench_linux_udp: no datagram arrived\n");
        return 1;
    }
    const double cpu = rate_cpu_secs(&clk), secs = rate_wall_secs_to(&clk, R.t_last);
    char where[WHERE_LEN];
    snprintf(where, sizeof(where), "Linux loopback, %u thread(s), SO_RCVBUF %d", R.threads,
             R.rcvbuf);
    rate_print_udp("bench_linux_udp", R.received, R.size, R.sent - R.received, secs, cpu, where);
    close(R.tx);
    close(R.rx);
    return 0;
}
