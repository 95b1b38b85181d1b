/*
 * bench_tcp_idle's scenario with the Linux kernel on both ends: kernel
 * memory per idle established TCP connection over loopback. Run it in a
 * network namespace of its own (scripts/bench/e_idle_mem.sh makes one).
 *
 * A connection takes two descriptors and the hard RLIMIT_NOFILE may be
 * low (20 000 here: raising it needs CAP_SYS_RESOURCE, which a container
 * may not give even to root), so the connections are spread over worker
 * processes, each holding both ends of as many as its hard limit allows:
 * worker w listens on 127.0.0.1:(PORT + w) and connects from 127.0.0.(
 * FIRST_SRC + w), bound with IP_BIND_ADDRESS_NO_PORT (connect() still
 * picks the port); every ACCEPT_EVERY connects it accepts everything
 * queued. Nothing is sent. The workers exist, listening, before the
 * first measurement, so the processes themselves are not counted.
 *
 * The figure is the kernel's own accounting: the growth of /proc/meminfo's
 * Slab (every struct sock, socket inode, file and dentry lives in a slab
 * cache) plus the TCP socket memory of /proc/net/sockstat ("TCP: ... mem",
 * pages of socket buffers; 0 for idle sockets), from the listener alone to
 * all N established and accepted, after SETTLE_MS, divided by N. A
 * connection is both ends: two sockets, two descriptors. Slab is
 * machine-wide: whatever else runs on the machine adds noise, so the
 * output also gives the growth of the "TCP" cache (struct tcp_sock), which
 * must be two objects per connection.
 *
 *   bench_linux_idle --conns N
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* accept4 */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rate_args.h"

#define PORT         5001u
#define FIRST_SRC    10u  /* worker w connects from 127.0.0.(FIRST_SRC + w) */
#define MAX_WORKERS  200u /* 127.0.0.10 .. 127.0.0.209 */
#define BACKLOG      4096
#define ACCEPT_EVERY 512u /* connects between accepts: well under BACKLOG */
#define EXTRA_FDS    64u
#define SETTLE_MS    1000u
#define KIB          1024ull
#define NS_PER_MS    1000000ull
#define NS_PER_SEC   1e9
#define LINE         512
#define TCP_CACHE    "TCP"
#define PROC_CACHE   "proc_inode_cache"
#define MAX_CACHES   512u
#define CACHE_NAME   64u
#define MIN_SHOWN    64.0 /* bytes per connection: smaller cache growths are not listed */

struct cache {
    char name[CACHE_NAME];
    uint64_t objs, objsize;
};

struct kmem {
    uint64_t slab_bytes, sock_pages;
    struct cache cache[MAX_CACHES];
    size_t n_caches;
};

static void die(const char *what)
{
    fprintf(stderr, "bench_linux_idle: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_linux_idle --conns N\n");
    exit(2);
}

static uint64_t now_ns(void)
{
    return rate_clock_ns(CLOCK_MONOTONIC);
}

/* The first line of `path` that sscanf() matches with `fmt` (one number). */
static uint64_t scan_file(const char *path, const char *fmt)
{
    FILE *f = fopen(path, "r");
    if (!f)
        die(path);
    char line[LINE];
    unsigned long long v = 0;
    bool found = false;
    while (!found && fgets(line, sizeof(line), f))
        found = sscanf(line, fmt, &v) == 1;
    fclose(f);
    if (!found) {
        fprintf(stderr, "bench_linux_idle: %s: no line like \"%s\"\n", path, fmt);
        exit(1);
    }
    return v;
}

/* Every cache of /proc/slabinfo (root only; none if unreadable: the
 * breakdown is then skipped). */
static void slab_caches(struct kmem *k)
{
    FILE *f = fopen("/proc/slabinfo", "r");
    if (!f)
        return;
    char line[LINE];
    while (k->n_caches < MAX_CACHES && fgets(line, sizeof(line), f)) {
        struct cache *c = &k->cache[k->n_caches];
        unsigned long long active, total, size;
        if (sscanf(line, "%63s %llu %llu %llu", c->name, &active, &total, &size) != 4)
            continue;
        c->objs = active;
        c->objsize = size;
        k->n_caches++;
    }
    fclose(f);
}

static const struct cache *find_cache(const struct kmem *k, const char *name)
{
    for (size_t i = 0; i < k->n_caches; i++)
        if (!strcmp(k->cache[i].name, name))
            return &k->cache[i];
    return NULL;
}

static struct kmem kmem_now(void)
{
    struct kmem k = {0};
    k.slab_bytes = scan_file("/proc/meminfo", "Slab: %llu kB") * KIB;
    k.sock_pages =
        scan_file("/proc/net/sockstat", "TCP: inuse %*u orphan %*u tw %*u alloc %*u mem %llu");
    slab_caches(&k);
    return k;
}

/* Connections one worker can hold: its soft limit raised to the hard one. */
static size_t per_worker(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        die("getrlimit");
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
        die("setrlimit");
    if (rl.rlim_cur < 2 * EXTRA_FDS) {
        fprintf(stderr, "bench_linux_idle: RLIMIT_NOFILE is only %llu\n",
                (unsigned long long)rl.rlim_cur);
        exit(1);
    }
    return (size_t)(rl.rlim_cur - EXTRA_FDS) / 2;
}

static struct sockaddr_in loop_addr(unsigned host, unsigned port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK - 1u + host);
    return a;
}

static int listener(unsigned w)
{
    const int one = 1;
    const struct sockaddr_in a = loop_addr(1, PORT + w);
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        bind(fd, (const struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, BACKLOG) < 0)
        die("listener");
    return fd;
}

/* A client of worker w: bound to its source address, connected
 * (blocking: over loopback the handshake completes within the call). */
static void connect_one(unsigned w)
{
    const int one = 1;
    const struct sockaddr_in s = loop_addr(FIRST_SRC + w, 0), d = loop_addr(1, PORT + w);
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one)) < 0 ||
        bind(fd, (const struct sockaddr *)&s, sizeof(s)) < 0 ||
        connect(fd, (const struct sockaddr *)&d, sizeof(d)) < 0)
        die("client");
}

/* Accepts everything queued; returns how many. */
static size_t accept_all(int lfd)
{
    size_t n = 0;
    for (;;) {
        if (accept4(lfd, NULL, NULL, SOCK_NONBLOCK) >= 0) {
            n++;
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return n;
        die("accept");
    }
}

static void settle(void)
{
    const struct timespec t = {SETTLE_MS / 1000u, (long)(SETTLE_MS % 1000u * NS_PER_MS)};
    nanosleep(&t, NULL);
}

/* The caches that grew by at least MIN_SHOWN bytes per connection. */
static void breakdown(size_t n, const struct kmem *a, const struct kmem *b)
{
    for (size_t i = 0; i < b->n_caches; i++) {
        const struct cache *c = &b->cache[i], *was = find_cache(a, c->name);
        const double grew =
            ((double)c->objs - (was ? (double)was->objs : 0.0)) * (double)c->objsize;
        if (grew / (double)n >= MIN_SHOWN)
            printf("bench_linux_idle:   slab cache %-20s %+9.0f objects of %5" PRIu64
                   " bytes: %6.0f bytes per connection\n",
                   c->name, grew / (double)c->objsize, c->objsize, grew / (double)n);
    }
}

static void report(size_t n, double secs, const struct kmem *a, const struct kmem *b)
{
    const long page = sysconf(_SC_PAGESIZE);
    const double slab = (double)b->slab_bytes - (double)a->slab_bytes;
    const double sock = ((double)b->sock_pages - (double)a->sock_pages) * (double)page;
    const double per_conn = (slab + sock) / (double)n;
    printf("bench_linux_idle: %zu connections established in %.1f s: kernel Slab %+.0f bytes, "
           "TCP socket memory (sockstat mem) %+.0f bytes: %.0f bytes per connection (both ends), "
           "%.0f per socket\n",
           n, secs, slab, sock, per_conn, per_conn / 2);
    const struct cache *ta = find_cache(a, TCP_CACHE), *tb = find_cache(b, TCP_CACHE);
    if (!ta || !tb)
        return;
    printf("bench_linux_idle: slab cache \"%s\" (struct tcp_sock): %+" PRId64 " objects for %zu "
           "sockets; the caches that grew (active objects x object size; machine-wide):\n",
           TCP_CACHE, (int64_t)(tb->objs - ta->objs), 2 * n);
    breakdown(n, a, b);
    const struct cache *pa = find_cache(a, PROC_CACHE), *pb = find_cache(b, PROC_CACHE);
    if (pa && pb && pb->objs > pa->objs)
        printf("bench_linux_idle: of which %.0f bytes per connection are %s: inodes of "
               "/proc/PID/fd entries, made when something on the machine lists the workers' "
               "descriptors, not by the sockets (their dentries are in dentry)\n",
               (double)(pb->objs - pa->objs) * (double)pb->objsize / (double)n, PROC_CACHE);
}

/* Worker w: listens, says so, waits for the go, makes n connections,
 * says so, and holds them until the parent closes `hold`. */
static void worker(unsigned w, size_t n, const int ready[2], const int go[2], const int hold[2])
{
    close(ready[0]);
    close(go[1]);
    close(hold[1]);
    const int lfd = listener(w);
    char c = 0;
    if (write(ready[1], &c, 1) != 1 || read(go[0], &c, 1) != 1)
        die("worker start");
    size_t accepted = 0;
    for (size_t k = 0; k < n; k++) {
        connect_one(w);
        if ((k + 1) % ACCEPT_EVERY == 0)
            accepted += accept_all(lfd);
    }
    accepted += accept_all(lfd);
    if (accepted != n) {
        fprintf(stderr, "bench_linux_idle: worker %u: %zu of %zu accepted\n", w, accepted, n);
        _exit(1);
    }
    if (write(ready[1], &c, 1) != 1)
        die("worker ready");
    while (read(hold[0], &c, 1) > 0)
        ;
    _exit(0); /* closes every socket; the namespace goes with the script */
}

/* Waits for one byte from each of `k` workers. */
static void wait_ready(int fd, unsigned k)
{
    for (unsigned i = 0; i < k; i++) {
        char c;
        if (read(fd, &c, 1) != 1) {
            fprintf(stderr, "bench_linux_idle: a worker failed\n");
            exit(1);
        }
    }
}

int main(int argc, char **argv)
{
    if (argc != 3 || strcmp(argv[1], "--conns"))
        usage();
    char *end;
    const unsigned long long v = strtoull(argv[2], &end, 10);
    if (*end || !v)
        usage();
    const size_t n = (size_t)v, per = per_worker();
    const unsigned k = (unsigned)((n + per - 1) / per);
    if (k > MAX_WORKERS) {
        fprintf(stderr, "bench_linux_idle: %zu connections need over %u workers\n", n, MAX_WORKERS);
        return 2;
    }
    int ready[2], go[2], hold[2];
    if (pipe(ready) < 0 || pipe(go) < 0 || pipe(hold) < 0)
        die("pipe");
    for (unsigned w = 0; w < k; w++) {
        const size_t share = w + 1 < k ? per : n - per * (k - 1);
        const pid_t pid = fork();
        if (pid < 0)
            die("fork");
        if (pid == 0)
            worker(w, share, ready, go, hold);
    }
    close(ready[1]);
    close(hold[0]);
    wait_ready(ready[0], k);
    settle();
    static struct kmem before, after;
    before = kmem_now();
    const uint64_t t0 = now_ns();
    const char gos[MAX_WORKERS] = {0};
    if (write(go[1], gos, k) != (ssize_t)k)
        die("go");
    wait_ready(ready[0], k);
    const double secs = (double)(now_ns() - t0) / NS_PER_SEC;
    settle();
    after = kmem_now();
    printf("bench_linux_idle: %u worker processes of up to %zu connections\n", k, per);
    report(n, secs, &before, &after);
    close(hold[1]);
    int failed = 0;
    for (int st; wait(&st) > 0;)
        failed |= !WIFEXITED(st) || WEXITSTATUS(st) != 0;
    return failed;
}
