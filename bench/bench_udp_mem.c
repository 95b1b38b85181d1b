/*
 * UDP datagrams per second between two axnet stacks on the in-memory wire,
 * one thread (bench/support/mem_world.h): A sends `--count` datagrams of
 * `--size` bytes (default 64) to B over a connected UDP socket, B reads
 * each into its own buffer. A sends in bursts of up to BURST datagrams
 * (what the wire and B's SO_RCVBUF take without loss), then both stacks
 * are polled and B drains its socket.
 *
 * Before the clock starts, one datagram goes each way: ARP is resolved and
 * both sockets have their routes, so the timed part is the steady state.
 * Every datagram must arrive (the wire loses nothing); a loss is reported
 * and fails the run.
 *
 * Prints the datagrams received, wall seconds and datagrams per second,
 * and the same per CPU second of the process (CLOCK_PROCESS_CPUTIME_ID).
 * Under callgrind the fake clock makes the instruction count repeat
 * exactly (scripts/bench/f_udp_pps.sh divides the difference of two counts
 * by the difference of their datagrams: the cost of one datagram).
 *
 *   bench_udp_mem [--count N] [--size BYTES] [--real-clock]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axnet/errno.h"
#include "bench_util.h"
#include "mem_world.h"
#include "rate_args.h"

#define DEFAULT_COUNT 1000000ull
#define DEFAULT_SIZE  64u
#define MAX_SIZE      1472u /* one unfragmented datagram at MTU 1500 */
#define BURST         64u   /* datagrams sent between polls */
#define WARM_UP_TRIES 3u    /* datagrams sent before ARP must have answered */
#define WARM_UP_POLLS 1000u /* polls per try: far more than ARP needs */
#define PORT_A        5000u
#define PORT_B        5001u

struct opts {
    uint64_t count;
    size_t size;
    enum mem_clock clock;
};

struct run {
    struct mem_world w;
    struct axn_socket *a, *b;
    uint8_t out[MAX_SIZE], in[MAX_SIZE];
    uint64_t sent, received;
};

static struct run R;

static void usage(void)
{
    fprintf(stderr, "usage: bench_udp_mem [--count N] [--size BYTES (1..%u)] [--real-clock]\n",
            MAX_SIZE);
    exit(2);
}

static struct opts parse(int argc, char **argv)
{
    struct rate_args a = {.count = DEFAULT_COUNT, .size = DEFAULT_SIZE};
    rate_args_parse(argc, argv, RATE_OPT_REAL_CLOCK, MAX_SIZE, usage, &a);
    return (struct opts){.count = a.count,
                         .size = (size_t)a.size,
                         .clock = a.real_clock ? MEM_CLOCK_REAL : MEM_CLOCK_FAKE};
}

static struct axn_socket *udp_socket(unsigned node, axn_ip4_t addr, uint16_t port)
{
    struct axn_socket *s = NULL;
    mem_check(axn_socket(R.w.st[node], AXN_AF_INET, AXN_SOCK_DGRAM | AXN_SOCK_NONBLOCK, 0, &s),
              "axn_socket");
    const struct axn_sockaddr_in sin = bench_sin4(addr, port);
    mem_check(axn_bind(s, (const struct axn_sockaddr *)&sin, sizeof(sin)), "bind");
    return s;
}

/* Both sockets bound and connected to each other. */
static void open_pair(void)
{
    R.a = udp_socket(MEM_NODE_A, MEM_ADDR_A, PORT_A);
    R.b = udp_socket(MEM_NODE_B, MEM_ADDR_B, PORT_B);
    const struct axn_sockaddr_in sa = bench_sin4(MEM_ADDR_A, PORT_A);
    const struct axn_sockaddr_in sb = bench_sin4(MEM_ADDR_B, PORT_B);
    mem_check(axn_connect(R.a, (const struct axn_sockaddr *)&sb, sizeof(sb)), "connect A");
    mem_check(axn_connect(R.b, (const struct axn_sockaddr *)&sa, sizeof(sa)), "connect B");
}

/* Reads every datagram waiting on s; returns how many. */
static uint64_t drain(struct axn_socket *s, size_t size)
{
    uint64_t n = 0;
    /* Only while readable, as an application woken by readiness: a read
     * that finds nothing still asks the stack for a poll. */
    while (axn_socket_poll(s) & AXN_POLLIN) {
        const long rc = axn_recv(s, R.in, sizeof(R.in), AXN_MSG_DONTWAIT);
        if (rc == -AXN_EAGAIN)
            break;
        mem_check(rc, "recv");
        if ((size_t)rc != size) {
            fprintf(stderr, "bench_udp_mem: a datagram of %ld bytes, not %zu\n", rc, size);
            exit(1);
        }
        n++;
    }
    return n;
}

/* One datagram s -> peer, until one arrives: the first may wait for ARP
 * or be dropped by it. Each try polls until the world is idle. */
static void warm_up(struct axn_socket *s, struct axn_socket *peer, size_t size)
{
    for (unsigned t = 0; t < WARM_UP_TRIES; t++) {
        mem_check(axn_send(s, R.out, size, AXN_MSG_DONTWAIT), "send");
        for (unsigned i = 0; i < WARM_UP_POLLS; i++) {
            const uint64_t frames = R.w.frames_moved;
            mem_world_poll(&R.w);
            if (drain(peer, size))
                return;
            if (!mem_world_advance(&R.w, R.w.frames_moved != frames))
                break;
        }
    }
    mem_check(-AXN_ETIMEDOUT, "warm-up: no datagram arrived");
}

/* Up to BURST datagrams once the last burst has arrived: a sender paced
 * by its receiver, so no queue (B's device takes AXN_DEVICE_RX_BATCH
 * frames a poll) grows without bound. False when it sent none. */
static bool send_burst(const struct opts *o)
{
    bool moved = false;
    if (R.sent != R.received)
        return false; /* the last burst is still on its way */
    for (unsigned i = 0; i < BURST && R.sent < o->count; i++) {
        R.out[0] = (uint8_t)R.sent;
        const long rc = axn_send(R.a, R.out, o->size, AXN_MSG_DONTWAIT);
        if (rc == -AXN_EAGAIN || rc == -AXN_ENOBUFS)
            break;
        mem_check(rc, "send");
        R.sent++;
        moved = true;
    }
    return moved;
}

static void transfer(const struct opts *o)
{
    while (R.received < o->count) {
        const uint64_t frames = R.w.frames_moved;
        bool moved = send_burst(o);
        mem_world_poll_due(&R.w);
        const uint64_t got = drain(R.b, o->size);
        R.received += got;
        moved = moved || got || R.w.frames_moved != frames;
        if (!mem_world_advance(&R.w, moved) || (!moved && R.sent == o->count))
            break; /* everything sent, nothing more arriving */
    }
}

int main(int argc, char **argv)
{
    const struct opts o = parse(argc, argv);
    mem_world_create(&R.w, o.clock);
    memset(R.out, 0x5a, sizeof(R.out));
    open_pair();
    warm_up(R.a, R.b, o.size);
    warm_up(R.b, R.a, o.size);
    const uint64_t t0 = mem_wall_ns(), cpu0 = mem_cpu_ns();
    transfer(&o);
    const double secs = rate_secs(mem_wall_ns() - t0);
    const double cpu = rate_secs(mem_cpu_ns() - cpu0);
    rate_print_udp("bench_udp_mem", R.received, o.size, R.sent - R.received, secs, cpu,
                   o.clock == MEM_CLOCK_FAKE ? "fake clock" : "real clock");
    axn_close(R.a);
    axn_close(R.b);
    mem_world_destroy(&R.w);
    return R.received == o.count ? 0 : 1;
}
