/*
 * bench_tcp_idle's scenario with lwIP on both ends: memory per idle
 * established TCP connection between two lwIP 2.1.3 instances (Debian's
 * liblwip0 loaded twice with dlmopen, on bench/lwip/lwip_inst.h's
 * in-memory wire). B listens on one port, A opens N connections to it in
 * batches; once every one is established and accepted (nothing sent),
 * both instances idle IDLE_MS of lwIP's real clock (its timers run), and
 * the bytes their heaps hold, minus what they held with the listener
 * alone, are divided by N. A connection is both ends (two pcbs).
 *
 * The heap: Debian builds lwIP with MEM_LIBC_MALLOC and MEMP_MEM_MALLOC,
 * so every pcb is a malloc() of the libc of the instance's own dlmopen
 * namespace, which nothing else in the process uses. glibc's mallinfo2,
 * resolved from each instance's handle (so that namespace's copy, checked
 * to differ from ours), gives the bytes in use (chunk headers included),
 * as bench_tcp_idle measures axnet. The output also gives what the memp
 * descriptors account for (pcbs x memp_TCP_PCB), which checks that the
 * heap figure is the pcbs and not something else.
 *
 * lwIP picks an ephemeral port by scanning every pcb for one not in use
 * (tcp_new_port, 16 384 ports: TCP_LOCAL_PORT_RANGE_START..END, whatever
 * the remote end), so past 16 384 connections A needs more addresses: A
 * gets extra interfaces 192.0.2.11, .12, ... on the same wire and binds
 * each client explicitly to one of them and a port of its own.
 *
 *   bench_lwip_idle [--conns N]...
 * Default: --conns 10000 --conns 100000.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* RTLD_DEFAULT */
#endif
#include <dlfcn.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lwip_inst.h"

#define MAX_RUNS       8u
#define PORT_B         5001u
#define FIRST_PORT     1024u  /* client ports: 1024..65535 on each address of A */
#define PORTS_PER_ADDR 64000u /* connections per client address */
#define MAX_ADDRS      16u
#define HOST_A         10u /* 192.0.2.10 is lwip_inst's A; extra addresses follow */
#define HOST_B         20u
#define BATCH          64u  /* connects in flight at once */
#define BACKLOG        255u /* lwIP's backlog is a u8 */
#define IDLE_MS        1000u
#define STALL_MS       10000u
#define NS_PER_MS      1000000ull
#define NS_PER_SEC     1e9

struct extra_netif {
    struct netif n;
    uint8_t guard[LWIP_GUARD];
};

struct run {
    struct lwip_wire w;
    struct lwip_build build;
    /* Each instance's own libc's (lwip_inst resolves the lwIP calls). */
    __typeof__(mallinfo2) *mallinfo2[2];
    struct extra_netif nif[MAX_ADDRS];
    unsigned n_addrs; /* addresses of A in use, lw0's included */
    struct tcp_pcb *lst;
    struct tcp_pcb **cli, **srv;
    size_t n_cli, n_srv, n_up, n_failed;
};

static struct run R;

static void die(const char *what, const char *why)
{
    fprintf(stderr, "bench_lwip_idle: %s: %s\n", what, why);
    exit(1);
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_lwip_idle [--conns N]...\n");
    exit(2);
}

static uint64_t now_ns(void)
{
    return lwip_clock_ns(CLOCK_MONOTONIC);
}

static void check(err_t e, const char *what)
{
    if (e != ERR_OK) {
        fprintf(stderr, "bench_lwip_idle: %s: lwIP error %d\n", what, (int)e);
        exit(1);
    }
}

static void *sym(void *handle, const char *name)
{
    void *p = dlsym(handle, name);
    if (!p)
        die(name, dlerror());
    return p;
}

/* Resolves mallinfo2 in each instance: it must be the copy of the
 * instance's own libc, not the main program's. */
static void resolve(void)
{
    for (unsigned i = 0; i < 2; i++) {
        R.mallinfo2[i] = (__typeof__(mallinfo2) *)sym(R.w.inst[i].handle, "mallinfo2");
        if ((void *)R.mallinfo2[i] == dlsym(RTLD_DEFAULT, "mallinfo2"))
            die("mallinfo2", "resolved to the main namespace's libc, not lwIP's");
    }
    if (R.mallinfo2[0] == R.mallinfo2[1])
        die("mallinfo2", "both instances share one libc");
}

/* Both instances' heaps in use (small chunks and mmap()ed ones). */
static uint64_t heap_in_use(void)
{
    uint64_t sum = 0;
    for (unsigned i = 0; i < 2; i++) {
        const struct mallinfo2 mi = R.mallinfo2[i]();
        sum += (uint64_t)mi.uordblks + (uint64_t)mi.hblkhd;
    }
    return sum;
}

/* An extra interface of A: lw0's output (it queues for the peer whatever
 * interface sends), its own address. */
static err_t extra_init(struct netif *n)
{
    const struct netif *lw0 = &R.w.inst[0].nif.n;
    n->name[0] = 'l';
    n->name[1] = 'x';
    n->mtu = lw0->mtu;
    n->output = lw0->output;
    n->output_ip6 = lw0->output_ip6;
    n->flags = 0;
    return ERR_OK;
}

static void add_addr(void)
{
    if (R.n_addrs >= MAX_ADDRS)
        die("addresses", "too many connections");
    struct extra_netif *x = &R.nif[R.n_addrs - 1];
    const struct lwip_inst *f = &R.w.inst[0];
    ip4_addr_t a, m, g;
    IP4_ADDR(&a, 192, 0, 2, HOST_A + R.n_addrs);
    IP4_ADDR(&m, 255, 255, 255, 0);
    IP4_ADDR(&g, 0, 0, 0, 0);
    memset(x->guard, LWIP_GUARD_B, sizeof(x->guard));
    if (!f->netif_add(&x->n, &a, &m, &g, &R.w.inst[0], extra_init, f->ip_input))
        die("netif_add", "failed");
    f->netif_set_up(&x->n);
    f->netif_set_link_up(&x->n);
    for (size_t i = 0; i < sizeof(x->guard); i++)
        if (x->guard[i] != LWIP_GUARD_B)
            die("struct netif", "the library wrote past the headers' struct netif");
    R.n_addrs++;
}

static void on_err(void *arg, err_t e)
{
    (void)arg;
    fprintf(stderr, "bench_lwip_idle: a connection failed: lwIP error %d\n", (int)e);
    R.n_failed++;
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t e)
{
    (void)arg;
    check(e, "accept");
    R.srv[R.n_srv++] = pcb;
    R.w.inst[1].tcp_err(pcb, on_err);
    return ERR_OK;
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t e)
{
    (void)arg, (void)pcb;
    check(e, "connect");
    R.n_up++;
    return ERR_OK;
}

static void listen_b(void)
{
    const struct lwip_inst *f = &R.w.inst[1];
    ip_addr_t b;
    IP_ADDR4(&b, 192, 0, 2, HOST_B);
    R.lst = lwip_tcp_listen(f, &b, PORT_B, BACKLOG, on_accept, NULL);
}

/* Client k: address HOST_A + k / PORTS_PER_ADDR, port FIRST_PORT + k % it. */
static void connect_one(void)
{
    const struct lwip_inst *f = &R.w.inst[0];
    const size_t k = R.n_cli;
    const unsigned addr = (unsigned)(k / PORTS_PER_ADDR);
    while (addr >= R.n_addrs)
        add_addr();
    ip_addr_t a, b;
    IP_ADDR4(&a, 192, 0, 2, HOST_A + addr);
    IP_ADDR4(&b, 192, 0, 2, HOST_B);
    struct tcp_pcb *pcb = f->tcp_new();
    if (!pcb)
        check(ERR_MEM, "tcp_new");
    f->tcp_err(pcb, on_err);
    check(f->tcp_bind(pcb, &a, (u16_t)(FIRST_PORT + k % PORTS_PER_ADDR)), "bind");
    check(f->tcp_connect(pcb, &b, PORT_B, on_connected), "connect");
    R.cli[R.n_cli++] = pcb;
}

/* One batch: BATCH connects, then frames move until all are up. */
static void batch(size_t n)
{
    const size_t end = R.n_cli + BATCH < n ? R.n_cli + BATCH : n;
    while (R.n_cli < end)
        connect_one();
    uint64_t idle_since = 0;
    while (R.n_up < end || R.n_srv < end) {
        if (R.n_failed)
            exit(1);
        if (lwip_wire_deliver(&R.w)) {
            idle_since = 0;
            continue;
        }
        lwip_wire_timers(&R.w); /* a retransmission, if a SYN was dropped */
        const uint64_t t = now_ns();
        if (!idle_since)
            idle_since = t;
        else if (t - idle_since > STALL_MS * NS_PER_MS)
            die("stalled", "connections do not complete");
    }
}

/* IDLE_MS of lwIP's clock with its timers running and nothing to send. */
static void idle(void)
{
    const uint64_t until = now_ns() + IDLE_MS * NS_PER_MS;
    while (now_ns() < until) {
        lwip_wire_timers(&R.w);
        lwip_wire_deliver(&R.w);
        const struct timespec nap = {0, NS_PER_MS};
        nanosleep(&nap, NULL);
    }
    if (R.n_failed || R.n_up != R.n_cli || R.n_srv != R.n_cli)
        die("idle", "connections were lost while idle");
}

/* Closes everything by RST (tcp_abort frees at once: no TIME_WAIT),
 * newest first: lwIP unlinks a pcb by walking its list from the head,
 * where the newest are. Both ends go before any RST is delivered, so no
 * RST has to be matched against a long list. */
static void abort_all(void)
{
    for (size_t i = R.n_cli; i-- > 0;) {
        R.w.inst[0].tcp_err(R.cli[i], NULL);
        R.w.inst[0].tcp_abort(R.cli[i]);
    }
    for (size_t i = R.n_srv; i-- > 0;) {
        R.w.inst[1].tcp_err(R.srv[i], NULL);
        R.w.inst[1].tcp_abort(R.srv[i]);
    }
    while (lwip_wire_deliver(&R.w))
        ;
}

static void run_one(size_t n)
{
    R.cli = calloc(n, sizeof(*R.cli));
    R.srv = calloc(n, sizeof(*R.srv));
    if (!R.cli || !R.srv)
        die("pcb arrays", "out of memory");
    R.n_cli = R.n_srv = R.n_up = 0;
    const uint64_t heap0 = heap_in_use(), t0 = now_ns();
    while (R.n_cli < n)
        batch(n);
    const double secs = (double)(now_ns() - t0) / NS_PER_SEC;
    idle();
    const uint64_t held = heap_in_use() - heap0;
    const double per_conn = (double)held / (double)n;
    if (held < 2u * n * R.build.pcb_size)
        die("heap", "holds less than the pcbs: mallinfo2 is not measuring lwIP's heap");
    printf("bench_lwip_idle: %zu connections established in %.1f s (%u client addresses): "
           "libc heap in use: %" PRIu64 " bytes held, %.0f bytes per connection (both ends), "
           "%.0f per socket\n",
           n, secs, R.n_addrs, held, per_conn, per_conn / 2);
    printf("bench_lwip_idle: memp accounting: 2 pcbs x %u bytes (memp_TCP_PCB) = %u bytes per "
           "connection; the heap adds malloc's chunk header and rounding\n",
           R.build.pcb_size, 2 * R.build.pcb_size);
    abort_all();
    free(R.cli);
    free(R.srv);
}

int main(int argc, char **argv)
{
    size_t conns[MAX_RUNS];
    size_t n_runs = 0;
    for (int i = 1; i < argc; i++) {
        char *end;
        if (!strcmp(argv[i], "--conns") && i + 1 < argc && n_runs < MAX_RUNS) {
            const unsigned long long v = strtoull(argv[++i], &end, 10);
            if (*end || !v)
                usage();
            conns[n_runs++] = (size_t)v;
        } else {
            usage();
        }
    }
    if (n_runs == 0) {
        conns[n_runs++] = 10000;
        conns[n_runs++] = 100000;
    }
    lwip_wire_open(&R.w, &R.build);
    resolve();
    R.n_addrs = 1;
    listen_b();
    for (size_t i = 0; i < n_runs; i++)
        run_one(conns[i]);
    return 0;
}
