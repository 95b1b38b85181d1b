/*
 * Bulk TCP throughput between two stacks on an in-memory wire, one core
 * (bench/support/mem_world.h): MTU 1500, software checksums, the
 * application copies in and out (it sends from a 64 KiB buffer and
 * receives into another). A sends `--bytes` to B, then shuts down writing;
 * the run ends when B has read everything and seen EOF.
 *
 * Prints payload bytes, wall seconds (CLOCK_MONOTONIC, connect to EOF)
 * and Gbit/s of payload, and the same per CPU second of the process
 * (CLOCK_PROCESS_CPUTIME_ID), the figure that holds on a loaded machine. Under `valgrind
 * --tool=callgrind` with a smaller
 * --bytes, callgrind's total Ir divided by the payload bytes is the
 * instructions per byte (scripts/bench.sh does this); the fake clock makes
 * that count repeat exactly.
 *
 *   bench_tcp_mem [--bytes N] [--real-clock] [--verify] [--sndbuf N] [--rcvbuf N]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axnet/errno.h"
#include "bench_util.h"
#include "mem_world.h"

#define DEFAULT_BYTES (1ull << 30)
#define APP_BUF       (64u * 1024u)
#define PORT_B        5001u
#define BITS_PER_BYTE 8.0
#define NSEC_PER_SEC  1e9

struct opts {
    uint64_t bytes;
    enum mem_clock clock;
    bool verify;
    int sndbuf, rcvbuf; /* 0: the stack's defaults */
};

struct run {
    struct mem_world w;
    struct axn_socket *lst, *tx, *rx;
    uint8_t out[APP_BUF], in[APP_BUF];
    uint64_t sent, received;
    bool shut, eof;
};

static struct run R;

/* Byte i of the stream: cheap to make and to check, and periodic in
 * APP_BUF, so the sender's one buffer holds every chunk of it. */
static uint8_t stream_byte(uint64_t i)
{
    const uint64_t k = i % APP_BUF;
    return (uint8_t)(k * 131u + (k >> 8));
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_tcp_mem [--bytes N] [--real-clock] [--verify] [--sndbuf N] "
                    "[--rcvbuf N]\n");
    exit(2);
}

static struct opts parse(int argc, char **argv)
{
    struct opts o = {.bytes = DEFAULT_BYTES, .clock = MEM_CLOCK_FAKE};
    for (int i = 1; i < argc; i++) {
        const bool has_val = i + 1 < argc;
        if (!strcmp(argv[i], "--bytes") && has_val)
            o.bytes = bench_arg_u64(argv[++i], usage);
        else if (!strcmp(argv[i], "--sndbuf") && has_val)
            o.sndbuf = (int)bench_arg_u64(argv[++i], usage);
        else if (!strcmp(argv[i], "--rcvbuf") && has_val)
            o.rcvbuf = (int)bench_arg_u64(argv[++i], usage);
        else if (!strcmp(argv[i], "--real-clock"))
            o.clock = MEM_CLOCK_REAL;
        else if (!strcmp(argv[i], "--verify"))
            o.verify = true;
        else
            usage();
    }
    return o;
}

static void set_buf(struct axn_socket *s, int name, int v)
{
    if (v)
        mem_check(axn_setsockopt(s, AXN_SOL_SOCKET, name, &v, sizeof(v)), "setsockopt");
}

/* B listens, A connects; both sockets established. */
static void open_pair(const struct opts *o)
{
    const struct axn_sockaddr_in sb = bench_sin4(MEM_ADDR_B, PORT_B);
    R.lst = mem_socket(&R.w, MEM_NODE_B);
    set_buf(R.lst, AXN_SO_RCVBUF, o->rcvbuf);
    mem_check(axn_bind(R.lst, (const struct axn_sockaddr *)&sb, sizeof(sb)), "bind");
    mem_check(axn_listen(R.lst, 1), "listen");
    R.tx = mem_socket(&R.w, MEM_NODE_A);
    set_buf(R.tx, AXN_SO_SNDBUF, o->sndbuf);
    const int rc = axn_connect(R.tx, (const struct axn_sockaddr *)&sb, sizeof(sb));
    if (rc != -AXN_EINPROGRESS)
        mem_check(rc < 0 ? rc : -AXN_EINVAL, "connect");
    while (!R.rx) {
        mem_world_poll(&R.w);
        const int a = axn_accept(R.lst, NULL, NULL, AXN_SOCK_NONBLOCK, &R.rx);
        if (a != 0 && a != -AXN_EAGAIN)
            mem_check(a, "accept");
        if (!R.rx && !mem_world_advance(&R.w, false))
            mem_check(-AXN_ETIMEDOUT, "handshake stalled");
    }
}

/* Sends what the socket takes now; true if anything went. */
static bool send_some(const struct opts *o)
{
    bool moved = false;
    while (R.sent < o->bytes) {
        const size_t off = (size_t)(R.sent % APP_BUF);
        uint64_t n = APP_BUF - off;
        n = n < o->bytes - R.sent ? n : o->bytes - R.sent;
        const long rc = axn_send(R.tx, R.out + off, (size_t)n, AXN_MSG_DONTWAIT);
        if (rc == -AXN_EAGAIN)
            return moved;
        mem_check(rc, "send");
        R.sent += (uint64_t)rc;
        moved = true;
    }
    if (!R.shut) {
        mem_check(axn_shutdown(R.tx, AXN_SHUT_WR), "shutdown");
        R.shut = true;
        moved = true;
    }
    return moved;
}

static void verify(const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (buf[i] != stream_byte(R.received + i)) {
            fprintf(stderr, "wrong byte at offset %" PRIu64 "\n", R.received + i);
            exit(1);
        }
}

/* Reads everything readable now; true if anything came. */
static bool recv_some(const struct opts *o)
{
    bool moved = false;
    for (;;) {
        const long rc = axn_recv(R.rx, R.in, APP_BUF, AXN_MSG_DONTWAIT);
        if (rc == -AXN_EAGAIN)
            return moved;
        mem_check(rc, "recv");
        if (rc == 0) {
            R.eof = true;
            return true;
        }
        if (o->verify)
            verify(R.in, (size_t)rc);
        R.received += (uint64_t)rc;
        moved = true;
    }
}

static void transfer(const struct opts *o)
{
    for (size_t i = 0; i < APP_BUF; i++)
        R.out[i] = stream_byte(i);
    while (!R.eof) {
        const uint64_t frames = R.w.frames_moved;
        bool moved = send_some(o);
        mem_world_poll(&R.w);
        moved = recv_some(o) || moved || R.w.frames_moved != frames;
        if (!mem_world_advance(&R.w, moved)) {
            fprintf(stderr, "stalled: sent %" PRIu64 " received %" PRIu64 "\n", R.sent, R.received);
            exit(1);
        }
    }
}

int main(int argc, char **argv)
{
    const struct opts o = parse(argc, argv);
    mem_world_create(&R.w, o.clock);
    const uint64_t t0 = mem_wall_ns(), cpu0 = mem_cpu_ns();
    open_pair(&o);
    transfer(&o);
    const double secs = (double)(mem_wall_ns() - t0) / NSEC_PER_SEC;
    const double cpu = (double)(mem_cpu_ns() - cpu0) / NSEC_PER_SEC;
    if (R.received != o.bytes) {
        fprintf(stderr, "received %" PRIu64 " of %" PRIu64 " bytes\n", R.received, o.bytes);
        return 1;
    }
    const double bits = (double)R.received * BITS_PER_BYTE;
    printf("bench_tcp_mem: %" PRIu64 " payload bytes in %.3f s: %.2f Gbit/s (%.3f s CPU: %.2f "
           "Gbit/s per CPU second; %s clock, %s)\n",
           R.received, secs, bits / secs / NSEC_PER_SEC, cpu, bits / cpu / NSEC_PER_SEC,
           o.clock == MEM_CLOCK_FAKE ? "fake" : "real", o.verify ? "verified" : "not verified");
    axn_close(R.rx);
    axn_close(R.tx);
    axn_close(R.lst);
    mem_world_destroy(&R.w);
    return 0;
}
