/*
 * TCP request/response between two axnet stacks on the in-memory wire, one
 * thread (bench/support/mem_world.h): A sends a `--size`-byte request
 * (default 1), B reads it and sends it back, A reads the reply: one round
 * trip. `--count` round trips in all, `--per-conn` of them on each
 * connection (default: all on one connection, the ping-pong of
 * c_rr_insn.sh; 1: connect, one request, close, the connection rate of
 * d_conn_rate.sh).
 *
 * Closing: A sets SO_LINGER {1, 0} and closes, which resets the
 * connection (RFC 9293 3.6: an abort sends RST); B reads the reset
 * (ECONNRESET) and closes its end. No end passes through TIME-WAIT, so
 * ports never run out however many connections are made; every system
 * in d_conn_rate.sh closes the same way. B listens once for the run.
 *
 * Prints round trips, connections, wall seconds and their rates, and the
 * rates per CPU second of the process (CLOCK_PROCESS_CPUTIME_ID). The
 * fake clock makes a callgrind count repeat exactly.
 *
 *   bench_rr_mem [--count N] [--per-conn K] [--size BYTES] [--real-clock]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axnet/errno.h"
#include "bench_util.h"
#include "mem_world.h"
#include "rate_args.h"

#define DEFAULT_COUNT 100000ull
#define MAX_SIZE      1024u /* a request that fits one segment */
#define PORT_B        5001u
#define BACKLOG       16

struct opts {
    uint64_t count, per_conn; /* per_conn 0: all on one connection */
    size_t size;
    enum mem_clock clock;
};

enum cli_state { CLI_NONE, CLI_CONNECTING, CLI_WAIT_REPLY };

struct run {
    struct mem_world w;
    struct axn_socket *lst, *cli, *srv;
    enum cli_state st;
    uint8_t req[MAX_SIZE], buf[MAX_SIZE], srv_buf[MAX_SIZE];
    size_t got;                    /* reply bytes read so far */
    uint64_t done, conns, in_conn; /* round trips: all, on this connection */
};

static struct run R;

static void usage(void)
{
    fprintf(stderr,
            "usage: bench_rr_mem [--count N] [--per-conn K] [--size BYTES (1..%u)] "
            "[--real-clock]\n",
            MAX_SIZE);
    exit(2);
}

static struct opts parse(int argc, char **argv)
{
    struct rate_args a = {.count = DEFAULT_COUNT, .size = 1};
    rate_args_parse(argc, argv, RATE_OPT_PER_CONN | RATE_OPT_REAL_CLOCK, MAX_SIZE, usage, &a);
    return (struct opts){.count = a.count,
                         .per_conn = a.per_conn,
                         .size = (size_t)a.size,
                         .clock = a.real_clock ? MEM_CLOCK_REAL : MEM_CLOCK_FAKE};
}

static void listen_b(void)
{
    const struct axn_sockaddr_in sb = bench_sin4(MEM_ADDR_B, PORT_B);
    R.lst = mem_socket(&R.w, MEM_NODE_B);
    mem_check(axn_bind(R.lst, (const struct axn_sockaddr *)&sb, sizeof(sb)), "bind");
    mem_check(axn_listen(R.lst, BACKLOG), "listen");
}

static void send_all(struct axn_socket *s, const uint8_t *p, size_t n)
{
    const long rc = axn_send(s, p, n, AXN_MSG_DONTWAIT);
    mem_check(rc, "send");
    if ((size_t)rc != n) {
        fprintf(stderr, "bench_rr_mem: a short send (%ld of %zu bytes)\n", rc, n);
        exit(1);
    }
}

/* SO_LINGER 0 and close: the connection is reset, nothing lingers. */
static void abort_close(struct axn_socket *s)
{
    const struct axn_linger l = {.l_onoff = 1, .l_linger = 0};
    mem_check(axn_setsockopt(s, AXN_SOL_SOCKET, AXN_SO_LINGER, &l, sizeof(l)), "SO_LINGER");
    mem_check(axn_close(s), "close");
}

static void start_conn(void)
{
    const struct axn_sockaddr_in sb = bench_sin4(MEM_ADDR_B, PORT_B);
    R.cli = mem_socket(&R.w, MEM_NODE_A);
    const int rc = axn_connect(R.cli, (const struct axn_sockaddr *)&sb, sizeof(sb));
    if (rc != -AXN_EINPROGRESS)
        mem_check(rc < 0 ? rc : -AXN_EINVAL, "connect");
    R.st = CLI_CONNECTING;
    R.in_conn = 0;
}

/* A read the whole reply: the next request, or close. */
static void reply_done(const struct opts *o)
{
    if (memcmp(R.buf, R.req, o->size)) {
        fprintf(stderr, "bench_rr_mem: reply %" PRIu64 " is not its request\n", R.done);
        exit(1);
    }
    R.done++;
    R.req[0] = (uint8_t)R.done; /* each request differs from the last */
    R.in_conn++;
    R.got = 0;
    if (R.done < o->count && (!o->per_conn || R.in_conn < o->per_conn)) {
        send_all(R.cli, R.req, o->size);
        return;
    }
    abort_close(R.cli);
    R.cli = NULL;
    R.conns++;
    R.st = CLI_NONE;
}

/* The application reads only when the socket says so, as one woken by
 * readiness would: a read that finds nothing still asks for a poll. */
static bool readable(struct axn_socket *s)
{
    return axn_socket_poll(s) & (AXN_POLLIN | AXN_POLLERR | AXN_POLLHUP);
}

/* A's application; true if it did anything. */
static bool client_step(const struct opts *o)
{
    if (R.st == CLI_NONE) {
        if (R.done == o->count)
            return false;
        start_conn();
        return true;
    }
    if (R.st == CLI_CONNECTING) {
        const unsigned ev = axn_socket_poll(R.cli);
        if (ev & (AXN_POLLERR | AXN_POLLHUP))
            mem_check(-AXN_ECONNREFUSED, "connect");
        if (!(ev & AXN_POLLOUT))
            return false;
        send_all(R.cli, R.req, o->size);
        R.st = CLI_WAIT_REPLY;
        return true;
    }
    if (!readable(R.cli))
        return false;
    const long rc = axn_recv(R.cli, R.buf + R.got, o->size - R.got, AXN_MSG_DONTWAIT);
    if (rc == -AXN_EAGAIN)
        return false;
    mem_check(rc == 0 ? -AXN_ECONNRESET : rc, "client recv");
    R.got += (size_t)rc;
    if (R.got == o->size)
        reply_done(o);
    return true;
}

/* B's application: accepts, echoes what it reads, closes on the reset. */
static bool server_step(void)
{
    if (!R.srv) {
        const int a = axn_accept(R.lst, NULL, NULL, AXN_SOCK_NONBLOCK, &R.srv);
        if (a == -AXN_EAGAIN)
            return false;
        mem_check(a, "accept");
    }
    bool moved = false;
    while (readable(R.srv)) {
        const long rc = axn_recv(R.srv, R.srv_buf, sizeof(R.srv_buf), AXN_MSG_DONTWAIT);
        if (rc == -AXN_EAGAIN)
            break;
        if (rc == 0 || rc == -AXN_ECONNRESET) {
            mem_check(axn_close(R.srv), "server close");
            R.srv = NULL;
            return true;
        }
        mem_check(rc, "server recv");
        send_all(R.srv, R.srv_buf, (size_t)rc);
        moved = true;
    }
    return moved;
}

static void run(const struct opts *o)
{
    while (R.done < o->count || R.srv) {
        const uint64_t frames = R.w.frames_moved;
        bool moved = client_step(o);
        mem_world_poll_due(&R.w);
        moved = server_step() || moved;
        mem_world_poll_due(&R.w);
        moved = moved || R.w.frames_moved != frames;
        if (!mem_world_advance(&R.w, moved)) {
            fprintf(stderr, "bench_rr_mem: stalled after %" PRIu64 " round trips\n", R.done);
            exit(1);
        }
    }
}

int main(int argc, char **argv)
{
    const struct opts o = parse(argc, argv);
    mem_world_create(&R.w, o.clock);
    memset(R.req, 'q', sizeof(R.req));
    listen_b();
    const uint64_t t0 = mem_wall_ns(), cpu0 = mem_cpu_ns();
    run(&o);
    const double secs = rate_secs(mem_wall_ns() - t0);
    const double cpu = rate_secs(mem_cpu_ns() - cpu0);
    rate_print_rr("bench_rr_mem", R.done, o.size, R.conns, secs, cpu,
                  o.clock == MEM_CLOCK_FAKE ? "fake clock" : "real clock");
    axn_close(R.lst);
    mem_world_destroy(&R.w);
    return 0;
}
