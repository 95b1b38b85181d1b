/*
 * bench_rr_mem's scenario with lwIP on both ends (bench/lwip/lwip_inst.h):
 * TCP request/response between two lwIP 2.1.3 instances on the in-memory
 * IP wire, one thread, raw API. A writes a `--size`-byte request
 * (tcp_write with TCP_WRITE_FLAG_COPY, tcp_output), B's receive callback
 * copies it out and writes it back, A's copies the reply out: one round
 * trip. `--count` round trips, `--per-conn` per connection (default all on
 * one; 1 is the connection rate).
 *
 * Closing, as bench_rr_mem: A aborts (tcp_abort sends RST, RFC 9293 3.6,
 * and frees the pcb), B's error callback sees ERR_RST (lwIP has freed its
 * pcb). No TIME-WAIT at either end.
 *
 * lwIP's timers run on its own real clock (sys_now); in a ping-pong every
 * ACK rides on the next segment, so the timers only matter when one fires
 * by chance (a delayed ACK sent alone): a callgrind count repeats to
 * within those. Output has bench_rr_mem's format.
 *
 *   bench_lwip_rr [--count N] [--per-conn K] [--size BYTES]
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lwip_inst.h"
#include "rate_args.h"

#define DEFAULT_COUNT 100000ull
#define MAX_SIZE      1024u
#define PORT_B        5001u
#define BACKLOG       16u
#define TIMER_EVERY   1024u                   /* loop iterations between timer checks */
#define STALL_NS      (10ull * 1000000000ull) /* idle this long: stalled */

enum cli_state { CLI_NONE, CLI_CONNECTING, CLI_WAIT_REPLY };

struct run {
    struct lwip_wire w;
    struct lwip_build build;
    struct tcp_pcb *lst, *cli, *srv;
    enum cli_state st;
    bool connected;
    uint8_t req[MAX_SIZE], buf[MAX_SIZE], srv_buf[MAX_SIZE];
    u16_t size, got;
    uint64_t count, per_conn, done, conns, in_conn;
};

static struct run R;

static void usage(void)
{
    fprintf(stderr, "usage: bench_lwip_rr [--count N] [--per-conn K] [--size BYTES (1..%u)]\n",
            MAX_SIZE);
    exit(2);
}

static void parse(int argc, char **argv)
{
    struct rate_args a = {.count = DEFAULT_COUNT, .size = 1};
    rate_args_parse(argc, argv, RATE_OPT_PER_CONN, MAX_SIZE, usage, &a);
    R.count = a.count;
    R.per_conn = a.per_conn;
    R.size = (u16_t)a.size;
}

static void die(const char *why)
{
    fprintf(stderr, "bench_lwip_rr: %s after %" PRIu64 " round trips\n", why, R.done);
    exit(1);
}

static void on_cli_err(void *arg, err_t e)
{
    (void)arg, (void)e;
    die("the client's connection failed");
}

static err_t on_cli_connected(void *arg, struct tcp_pcb *pcb, err_t e)
{
    (void)arg, (void)pcb;
    lwip_check(e, "connect");
    R.connected = true;
    return ERR_OK;
}

/* A's application: copies the reply out. */
static err_t on_cli_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t e)
{
    struct lwip_inst *a = arg;
    if (!p)
        die("the server closed");
    lwip_check(e, "client recv");
    if (p->tot_len > R.size - R.got)
        die("a reply longer than its request");
    R.got = (u16_t)(R.got + a->pbuf_copy_partial(p, R.buf + R.got, p->tot_len, 0));
    a->tcp_recved(pcb, p->tot_len);
    a->pbuf_free(p);
    return ERR_OK;
}

static void on_srv_err(void *arg, err_t e)
{
    (void)arg;
    if (e != ERR_RST)
        die("the server's connection failed");
    R.srv = NULL; /* lwIP freed the pcb */
}

/* B's application: copies the request out and writes it back. */
static err_t on_srv_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t e)
{
    struct lwip_inst *b = arg;
    if (!p) {
        lwip_check(b->tcp_close(pcb), "server close");
        R.srv = NULL;
        return ERR_OK;
    }
    lwip_check(e, "server recv");
    const u16_t n = b->pbuf_copy_partial(p, R.srv_buf, sizeof(R.srv_buf), 0);
    b->tcp_recved(pcb, p->tot_len);
    b->pbuf_free(p);
    lwip_check(b->tcp_write(pcb, R.srv_buf, n, TCP_WRITE_FLAG_COPY), "server write");
    lwip_check(b->tcp_output(pcb), "server output");
    return ERR_OK;
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t e)
{
    struct lwip_inst *b = arg;
    lwip_check(e, "accept");
    if (R.srv)
        die("a second connection while the last is open");
    R.srv = pcb;
    b->tcp_arg(pcb, b);
    b->tcp_recv(pcb, on_srv_recv);
    b->tcp_err(pcb, on_srv_err);
    return ERR_OK;
}

static void listen_b(void)
{
    struct lwip_inst *b = &R.w.inst[1];
    const ip_addr_t addr_b = lwip_inst_addr(1);
    R.lst = lwip_tcp_listen(b, &addr_b, PORT_B, BACKLOG, on_accept, b);
}

static void start_conn(void)
{
    struct lwip_inst *a = &R.w.inst[0];
    const ip_addr_t addr_b = lwip_inst_addr(1);
    R.cli = a->tcp_new();
    if (!R.cli)
        lwip_check(ERR_MEM, "tcp_new");
    a->tcp_arg(R.cli, a);
    a->tcp_err(R.cli, on_cli_err);
    a->tcp_recv(R.cli, on_cli_recv);
    R.connected = false;
    lwip_check(a->tcp_connect(R.cli, &addr_b, PORT_B, on_cli_connected), "connect");
    R.st = CLI_CONNECTING;
    R.in_conn = 0;
}

static void send_req(void)
{
    struct lwip_inst *a = &R.w.inst[0];
    lwip_check(a->tcp_write(R.cli, R.req, R.size, TCP_WRITE_FLAG_COPY), "client write");
    lwip_check(a->tcp_output(R.cli), "client output");
}

/* A read the whole reply: the next request, or abort. */
static void reply_done(void)
{
    struct lwip_inst *a = &R.w.inst[0];
    if (memcmp(R.buf, R.req, R.size))
        die("a reply is not its request");
    R.done++;
    R.req[0] = (uint8_t)R.done; /* each request differs from the last */
    R.in_conn++;
    R.got = 0;
    if (R.done < R.count && (!R.per_conn || R.in_conn < R.per_conn)) {
        send_req();
        return;
    }
    a->tcp_err(R.cli, NULL); /* tcp_abort reports ERR_ABRT to it */
    a->tcp_abort(R.cli);
    R.cli = NULL;
    R.conns++;
    R.st = CLI_NONE;
}

/* A's application; true if it did anything. */
static bool client_step(void)
{
    switch (R.st) {
    case CLI_NONE:
        if (R.done == R.count)
            return false;
        start_conn();
        return true;
    case CLI_CONNECTING:
        if (!R.connected)
            return false;
        send_req();
        R.st = CLI_WAIT_REPLY;
        return true;
    case CLI_WAIT_REPLY:
        if (R.got < R.size)
            return false;
        reply_done();
        return true;
    }
    return false;
}

static void run(void)
{
    uint64_t idle_since = 0, iter = 0;
    while (R.done < R.count || R.srv) {
        bool moved = client_step();
        moved = lwip_wire_deliver(&R.w) != 0 || moved;
        if (!moved || ++iter % TIMER_EVERY == 0)
            lwip_wire_timers(&R.w);
        if (moved) {
            idle_since = 0;
            continue;
        }
        const uint64_t now = lwip_clock_ns(CLOCK_MONOTONIC);
        if (!idle_since)
            idle_since = now;
        else if (now - idle_since > STALL_NS)
            die("stalled");
    }
}

int main(int argc, char **argv)
{
    parse(argc, argv);
    lwip_wire_open(&R.w, &R.build);
    memset(R.req, 'q', sizeof(R.req));
    listen_b();
    const struct rate_clock clk = rate_clock_start();
    run();
    const double secs = rate_wall_secs(&clk), cpu = rate_cpu_secs(&clk);
    rate_print_rr("bench_lwip_rr", R.done, R.size, R.conns, secs, cpu,
                  "lwIP " LWIP_VERSION_STRING ", real clock");
    R.w.inst[1].tcp_close(R.lst);
    return 0;
}
