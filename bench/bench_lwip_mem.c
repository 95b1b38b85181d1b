/*
 * bench_tcp_mem's scenario with lwIP on both ends: bulk TCP throughput
 * between two lwIP 2.1.3 instances (Debian's liblwip0, loaded twice with
 * dlmopen: bench/lwip/lwip_inst.h) over an in-memory wire, one thread:
 * MTU 1500, software checksums, the application copies in (tcp_write with
 * TCP_WRITE_FLAG_COPY from a 64 KiB buffer) and out (pbuf_copy_partial
 * into another 64 KiB buffer, then tcp_recved). A sends `--bytes`, then
 * shuts down writing; the run ends when B has read everything and seen
 * EOF. lwIP's buffers are its build's (printed): Debian's TCP_WND and
 * TCP_SND_BUF are 64 KiB, where axnet auto-tunes up to 6 MiB.
 *
 * Output has bench_tcp_mem's format (scripts/bench.sh reads both). lwIP's
 * timers run on its own real clock (sys_now); on this wire they matter
 * only for the handshake's and the last segment's delayed ACKs, so a
 * callgrind count repeats to within the timer calls.
 *
 *   bench_lwip_mem [--bytes N] [--verify]
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lwip_inst.h"

#define DEFAULT_BYTES  (1ull << 30)
#define APP_BUF        (64u * 1024u)
#define PORT_B         5001u
#define BITS_PER_BYTE  8.0
#define NSEC_PER_SEC   1e9
#define TIMER_EVERY    1024u /* loop iterations between timer checks while moving */
#define STALL_NS       (10ull * 1000000000ull) /* idle this long: stalled */
#define LISTEN_BACKLOG 1u

struct run {
    struct lwip_wire w;
    struct lwip_build build;
    struct tcp_pcb *lst, *tx, *rx;
    uint8_t out[APP_BUF], in[APP_BUF];
    uint64_t bytes, sent, received;
    bool verify, connected, shut, eof, failed;
};

static struct run R;

/* Byte i of the stream, as bench_tcp_mem makes it. */
static uint8_t stream_byte(uint64_t i)
{
    const uint64_t k = i % APP_BUF;
    return (uint8_t)(k * 131u + (k >> 8));
}

static uint64_t clock_ns(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_lwip_mem [--bytes N] [--verify]\n");
    exit(2);
}

static void parse(int argc, char **argv)
{
    R.bytes = DEFAULT_BYTES;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--bytes") && i + 1 < argc) {
            char *end;
            errno = 0;
            R.bytes = strtoull(argv[++i], &end, 10);
            if (errno || *end || !R.bytes)
                usage();
        } else if (!strcmp(argv[i], "--verify")) {
            R.verify = true;
        } else {
            usage();
        }
    }
}

static void check(err_t e, const char *what)
{
    if (e != ERR_OK) {
        fprintf(stderr, "bench_lwip_mem: %s: lwIP error %d\n", what, (int)e);
        exit(1);
    }
}

static void on_err(void *arg, err_t e)
{
    (void)arg;
    fprintf(stderr, "bench_lwip_mem: connection failed: lwIP error %d\n", (int)e);
    R.failed = true;
}

static void copy_out(struct lwip_inst *b, struct pbuf *p)
{
    const u16_t tot = p->tot_len;
    for (u16_t off = 0; off < tot;) {
        const size_t left = (size_t)(tot - off);
        const u16_t want = (u16_t)(left < APP_BUF ? left : APP_BUF);
        const u16_t n = b->pbuf_copy_partial(p, R.in, want, off);
        if (R.verify)
            for (u16_t i = 0; i < n; i++)
                if (R.in[i] != stream_byte(R.received + off + i)) {
                    fprintf(stderr, "wrong byte at offset %" PRIu64 "\n", R.received + off + i);
                    exit(1);
                }
        off = (u16_t)(off + n);
    }
}

/* B's application: copies every segment out, then reopens the window. */
static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t e)
{
    struct lwip_inst *b = arg;
    if (!p) {
        R.eof = true;
        return ERR_OK;
    }
    check(e, "recv");
    copy_out(b, p);
    R.received += p->tot_len;
    b->tcp_recved(pcb, p->tot_len);
    b->pbuf_free(p);
    return ERR_OK;
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t e)
{
    struct lwip_inst *b = arg;
    check(e, "accept");
    R.rx = pcb;
    b->tcp_arg(pcb, b);
    b->tcp_recv(pcb, on_recv);
    b->tcp_err(pcb, on_err);
    return ERR_OK;
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t e)
{
    (void)arg;
    check(e, "connect");
    R.connected = true;
    /* What the library's code negotiated (its TCP_MSS and TCP_RCV_SCALE,
     * not the headers'): both ends offer the same. */
    R.build.mss = pcb->mss;
    R.build.rcv_scale = pcb->rcv_scale;
    return ERR_OK;
}

/* B listens, A connects (the handshake runs in the main loop). */
static void open_pair(void)
{
    struct lwip_inst *a = &R.w.inst[0], *b = &R.w.inst[1];
    ip_addr_t addr_b;
    IP_ADDR4(&addr_b, 192, 0, 2, 20);
    R.lst = lwip_tcp_listen(b, &addr_b, PORT_B, LISTEN_BACKLOG, on_accept, b);
    R.tx = a->tcp_new();
    if (!R.tx)
        check(ERR_MEM, "tcp_new");
    a->tcp_arg(R.tx, a);
    a->tcp_err(R.tx, on_err);
    check(a->tcp_connect(R.tx, &addr_b, PORT_B, on_connected), "connect");
}

/* A's application: writes what the send buffer takes now; true if any. */
static bool send_some(void)
{
    struct lwip_inst *a = &R.w.inst[0];
    if (!R.connected || R.shut)
        return false;
    bool moved = false;
    while (R.sent < R.bytes) {
        const size_t off = (size_t)(R.sent % APP_BUF);
        uint64_t n = APP_BUF - off;
        n = n < R.bytes - R.sent ? n : R.bytes - R.sent;
        n = n < tcp_sndbuf(R.tx) ? n : tcp_sndbuf(R.tx);
        if (!n)
            break;
        const err_t e = a->tcp_write(R.tx, R.out + off, (u16_t)n, TCP_WRITE_FLAG_COPY);
        if (e == ERR_MEM) /* TCP_SND_QUEUELEN segments queued */
            break;
        check(e, "tcp_write");
        R.sent += n;
        moved = true;
    }
    if (R.sent == R.bytes) {
        check(a->tcp_shutdown(R.tx, 0, 1), "shutdown");
        R.shut = true;
        moved = true;
    }
    if (moved)
        check(a->tcp_output(R.tx), "tcp_output");
    return moved;
}

static void transfer(void)
{
    for (size_t i = 0; i < APP_BUF; i++)
        R.out[i] = stream_byte(i);
    uint64_t idle_since = 0, iter = 0;
    while (!R.eof) {
        bool moved = send_some();
        moved = lwip_wire_deliver(&R.w) != 0 || moved;
        if (R.failed)
            exit(1);
        if (!moved || ++iter % TIMER_EVERY == 0)
            lwip_wire_timers(&R.w);
        if (moved) {
            idle_since = 0;
            continue;
        }
        /* Idle: waiting for an lwIP timer (a delayed ACK), or stalled. */
        const uint64_t now = clock_ns(CLOCK_MONOTONIC);
        if (!idle_since) {
            idle_since = now;
        } else if (now - idle_since > STALL_NS) {
            fprintf(stderr, "stalled: sent %" PRIu64 " received %" PRIu64 "\n", R.sent, R.received);
            exit(1);
        }
    }
}

int main(int argc, char **argv)
{
    parse(argc, argv);
    lwip_wire_open(&R.w, &R.build);
    const uint64_t t0 = clock_ns(CLOCK_MONOTONIC), cpu0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
    open_pair();
    transfer();
    const double secs = (double)(clock_ns(CLOCK_MONOTONIC) - t0) / NSEC_PER_SEC;
    const double cpu = (double)(clock_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0) / NSEC_PER_SEC;
    if (R.received != R.bytes) {
        fprintf(stderr, "received %" PRIu64 " of %" PRIu64 " bytes\n", R.received, R.bytes);
        return 1;
    }
    const struct lwip_build *b = &R.build;
    printf("bench_lwip_mem: lwIP %s build: MSS %u, TCP_WND %u (window scale shift %u), "
           "TCP_SND_BUF %u, TCP_SND_QUEUELEN %u (headers); memp sizes: tcp_pcb %u, tcp_seg %u, "
           "pbuf %u\n",
           LWIP_VERSION_STRING, b->mss, b->rcv_wnd, b->rcv_scale, b->snd_buf, b->snd_queuelen_max,
           b->pcb_size, b->seg_size, b->pbuf_size);
    const double bits = (double)R.received * BITS_PER_BYTE;
    printf("bench_lwip_mem: %" PRIu64 " payload bytes in %.3f s: %.2f Gbit/s (%.3f s CPU: %.2f "
           "Gbit/s per CPU second; real clock, %s; %" PRIu64 " frames, %" PRIu64 " buffers)\n",
           R.received, secs, bits / secs / NSEC_PER_SEC, cpu, bits / cpu / NSEC_PER_SEC,
           R.verify ? "verified" : "not verified", R.w.frames_moved, R.w.frames_allocated);
    return 0;
}
