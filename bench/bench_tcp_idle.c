/*
 * Memory per idle established TCP connection: two stacks on the in-memory
 * wire (bench/support/mem_world.h), B listening on a few ports, A opening
 * N connections to them in batches; once every one is established and
 * accepted (default socket options, nothing sent), the world idles for
 * IDLE_SPAN of fake time and the bytes the stacks hold through the
 * platform allocator, minus what they held with the listeners alone, are
 * divided by N. A connection is both ends: the figure per connection
 * counts two sockets, the one per socket half of it.
 *
 * Beside that count of what the stack asked for, the same delta of the
 * process's libc heap (glibc's mallinfo2: bytes in use, so malloc's
 * chunk headers and posix_memalign's rounding included) gives the figure
 * comparable with lwIP's (bench_lwip_idle measures its heap the same
 * way) and with the kernel's slab (bench_linux_idle). Nothing else in the
 * process allocates while the connections are made.
 *
 * Rings allocated per connection make this large; --max-bytes stops the
 * run before the machine runs out (the figure is then the one at the
 * connections reached, which the output says).
 *
 *   bench_tcp_idle [--conns N]... [--max-bytes B]
 * Default: --conns 10000 --conns 100000, --max-bytes 4 GiB.
 */
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axnet/errno.h"
#include "bench_util.h"
#include "mem_world.h"

#define MAX_RUNS      8u
#define PER_PORT      5000u /* connections per listener port: ephemeral range <= 1/3 used */
#define MAX_LISTENERS 64u
#define FIRST_PORT    5001u
#define BATCH         64u /* connects in flight at once (under the SYN backlog) */
#define BACKLOG       (int)(4u * BATCH)
#define IDLE_SPAN     AXN_SEC(10)
#define DEFAULT_MAX   (4ull << 30)
#define MAX_STEPS     1000000u /* loop iterations per batch before a stall is declared */

struct run {
    struct mem_world w;
    struct axn_socket *lst[MAX_LISTENERS];
    unsigned n_lst;
    struct axn_socket **cli, **srv;
    size_t n_cli, n_srv, n_up; /* connecting, accepted, established clients */
};

static void usage(void)
{
    fprintf(stderr, "usage: bench_tcp_idle [--conns N]... [--max-bytes B]\n");
    exit(2);
}

static void listeners(struct run *r, size_t n)
{
    r->n_lst = (unsigned)((n + PER_PORT - 1) / PER_PORT);
    if (r->n_lst > MAX_LISTENERS) {
        fprintf(stderr, "at most %u connections\n", MAX_LISTENERS * PER_PORT);
        exit(2);
    }
    for (unsigned i = 0; i < r->n_lst; i++) {
        const struct axn_sockaddr_in sb = bench_sin4(MEM_ADDR_B, (uint16_t)(FIRST_PORT + i));
        r->lst[i] = mem_socket(&r->w, MEM_NODE_B);
        mem_check(axn_bind(r->lst[i], (const struct axn_sockaddr *)&sb, sizeof(sb)), "bind");
        mem_check(axn_listen(r->lst[i], BACKLOG), "listen");
    }
}

static void connect_one(struct run *r)
{
    const unsigned port = FIRST_PORT + (unsigned)(r->n_cli / PER_PORT);
    const struct axn_sockaddr_in sb = bench_sin4(MEM_ADDR_B, (uint16_t)port);
    struct axn_socket *s = mem_socket(&r->w, MEM_NODE_A);
    const int rc = axn_connect(s, (const struct axn_sockaddr *)&sb, sizeof(sb));
    if (rc != -AXN_EINPROGRESS)
        mem_check(rc < 0 ? rc : -AXN_EINVAL, "connect");
    r->cli[r->n_cli++] = s;
}

/* Accepts what every listener has; true if any came. */
static bool accept_all(struct run *r)
{
    bool got = false;
    for (unsigned i = 0; i < r->n_lst; i++) {
        for (;;) {
            struct axn_socket *s = NULL;
            const int rc = axn_accept(r->lst[i], NULL, NULL, AXN_SOCK_NONBLOCK, &s);
            if (rc == -AXN_EAGAIN)
                break;
            mem_check(rc, "accept");
            r->srv[r->n_srv++] = s;
            got = true;
        }
    }
    return got;
}

/* Counts the clients of the current batch whose connect completed. */
static bool count_up(struct run *r)
{
    bool got = false;
    while (r->n_up < r->n_cli && (axn_socket_poll(r->cli[r->n_up]) & AXN_POLLOUT)) {
        r->n_up++;
        got = true;
    }
    return got;
}

/* One batch: BATCH connects, then the world runs until all are up. */
static void batch(struct run *r, size_t n)
{
    const size_t end = r->n_cli + BATCH < n ? r->n_cli + BATCH : n;
    while (r->n_cli < end)
        connect_one(r);
    for (unsigned steps = 0; r->n_up < end || r->n_srv < end; steps++) {
        const uint64_t frames = r->w.frames_moved;
        mem_world_poll(&r->w);
        bool moved = accept_all(r);
        moved = count_up(r) || moved || r->w.frames_moved != frames;
        if (steps > MAX_STEPS || !mem_world_advance(&r->w, moved)) {
            fprintf(stderr, "stalled at %zu connecting, %zu up, %zu accepted\n", r->n_cli, r->n_up,
                    r->n_srv);
            exit(1);
        }
    }
}

/* Bytes of the libc heap in use: small chunks and mmap()ed ones. */
static uint64_t heap_in_use(void)
{
    const struct mallinfo2 mi = mallinfo2();
    return (uint64_t)mi.uordblks + (uint64_t)mi.hblkhd;
}

/* Runs IDLE_SPAN of fake time with nothing to do. */
static void idle(struct run *r)
{
    const axn_time_t until = r->w.now + IDLE_SPAN;
    while (r->w.now < until) {
        mem_world_poll(&r->w);
        if (!mem_world_advance(&r->w, false))
            break;
    }
}

static void close_all(struct run *r)
{
    for (size_t i = 0; i < r->n_cli; i++)
        axn_close(r->cli[i]);
    for (size_t i = 0; i < r->n_srv; i++)
        axn_close(r->srv[i]);
    for (unsigned i = 0; i < r->n_lst; i++)
        axn_close(r->lst[i]);
}

static void run_one(size_t n, uint64_t max_bytes)
{
    static struct run r;
    memset(&r, 0, sizeof(r));
    r.cli = calloc(n, sizeof(*r.cli));
    r.srv = calloc(n, sizeof(*r.srv));
    if (!r.cli || !r.srv)
        mem_check(-AXN_ENOMEM, "socket arrays");
    mem_world_create(&r.w, MEM_CLOCK_FAKE);
    listeners(&r, n);
    mem_world_poll(&r.w);
    const uint64_t base = r.w.live_bytes, heap0 = heap_in_use();
    const uint64_t t0 = mem_wall_ns();
    while (r.n_cli < n && r.w.live_bytes < max_bytes)
        batch(&r, n);
    idle(&r);
    const uint64_t held = r.w.live_bytes - base;
    const double per_conn = (double)held / (double)r.n_cli;
    const double heap_per_conn = ((double)heap_in_use() - (double)heap0) / (double)r.n_cli;
    printf("bench_tcp_idle: %zu of %zu connections%s established in %.1f s: %" PRIu64
           " bytes held, %.0f bytes per connection (both ends), %.0f per socket; "
           "peak heap %" PRIu64 " bytes\n",
           r.n_cli, n, r.n_cli < n ? " (stopped at --max-bytes)" : "",
           (double)(mem_wall_ns() - t0) / 1e9, held, per_conn, per_conn / 2, r.w.peak_bytes);
    if (heap_per_conn > 0)
        printf("bench_tcp_idle: libc heap in use: %.0f bytes per connection (both ends), %.0f per "
               "socket\n",
               heap_per_conn, heap_per_conn / 2);
    else /* ASan's allocator, for one, leaves glibc's counters at zero */
        printf("bench_tcp_idle: libc heap in use: not measurable (mallinfo2 sees no growth: "
               "another allocator)\n");
    close_all(&r);
    mem_world_destroy(&r.w);
    free(r.cli);
    free(r.srv);
}

int main(int argc, char **argv)
{
    size_t conns[MAX_RUNS];
    size_t n_runs = 0;
    uint64_t max_bytes = DEFAULT_MAX;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--conns") && i + 1 < argc && n_runs < MAX_RUNS)
            conns[n_runs++] = (size_t)bench_arg_u64(argv[++i], usage);
        else if (!strcmp(argv[i], "--max-bytes") && i + 1 < argc)
            max_bytes = bench_arg_u64(argv[++i], usage);
        else
            usage();
    }
    if (n_runs == 0) {
        conns[n_runs++] = 10000;
        conns[n_runs++] = 100000;
    }
    for (size_t i = 0; i < n_runs; i++)
        run_one(conns[i], max_bytes);
    return 0;
}
