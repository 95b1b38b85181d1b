/*
 * lwIP's TCP echo server on a TAP (scenario (c), scripts/bench/c_latency.sh):
 * one lwIP 2.1.3 instance (Debian's liblwip0, dlmopen()ed) with an
 * Ethernet netif of our own (bench/lwip/lwip_tapif.h), one thread polling
 * the TAP fd, running lwIP's timers and its raw-API echo: every segment
 * received is written back at once (TCP_WRITE_FLAG_COPY, Nagle off,
 * tcp_output), then its window is reopened (tcp_recved). The peer of the
 * ping-pong client bench_rr_client, as `axnet serve --echo` is for axnet.
 * Port 9 is a discard sink (the window reopened for every segment, the
 * data dropped), the peer of `bench_rr_client --bulk` in scenario (b).
 *
 *   bench_lwip_tap --tap NAME --ip ADDR/PREFIX [--port N]
 *
 * Runs until SIGINT or SIGTERM, then prints its counters; stderr gets
 * "... ready" once the netif is up. Needs root (/dev/net/tun).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwip_tapif.h"

#define DEFAULT_PORT   7u /* RFC 862 */
#define DISCARD_PORT   9u /* RFC 863 */
#define LISTEN_BACKLOG 8u
#define POLL_MS        10 /* lwIP's fastest timer is 250 ms: 10 ms keeps them on time */
#define ADDR_MAX       64u
#define DECIMAL        10
#define MAX_PREFIX     32ul
#define MAX_PORT       65535ul
#define ECHO_MAX       65535u /* a pbuf chain's tot_len is a u16 */

/* Locally administered, unicast. */
static const uint8_t OUR_MAC[LWIP_TAP_MAC_LEN] = {0x02, 0x00, 0x5e, 0x00, 0x03, 0x02};

static struct lwip_tap T;
static volatile sig_atomic_t stop;
static uint64_t conns, bytes_echoed, bytes_sunk, refused;
static uint8_t echo_buf[ECHO_MAX];

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_lwip_tap --tap NAME --ip ADDR/PREFIX [--port N]\n");
    exit(2);
}

static unsigned long parse_ul(const char *s, unsigned long max)
{
    char *end;
    errno = 0;
    const unsigned long v = strtoul(s, &end, DECIMAL);
    if (errno || *end || !*s || v > max)
        usage();
    return v;
}

static void parse_ip(const char *arg, uint32_t *addr, unsigned *prefix)
{
    char a[ADDR_MAX];
    const char *slash = strchr(arg, '/');
    if (!slash || (size_t)(slash - arg) >= sizeof(a))
        usage();
    memcpy(a, arg, (size_t)(slash - arg));
    a[slash - arg] = '\0';
    struct in_addr in;
    if (inet_pton(AF_INET, a, &in) != 1)
        usage();
    *addr = ntohl(in.s_addr);
    *prefix = (unsigned)parse_ul(slash + 1, MAX_PREFIX);
}

static void on_err(void *arg, err_t e)
{
    (void)arg;
    fprintf(stderr, "bench_lwip_tap: a connection ended: lwIP error %d\n", (int)e);
}

/* Echoes p whole or not at all: a refused segment (ERR_MEM) stays with
 * lwIP, which offers it again from its timer once our send buffer drains. */
static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t e)
{
    struct lwip_tap *t = arg;
    if (!p) {
        t->tcp_close(pcb);
        return ERR_OK;
    }
    (void)e; /* always ERR_OK in lwIP 2.1 when p is set */
    const u16_t n = p->tot_len;
    if (tcp_sndbuf(pcb) < n) {
        refused++;
        return ERR_MEM;
    }
    t->pbuf_copy_partial(p, echo_buf, n, 0);
    if (t->tcp_write(pcb, echo_buf, n, TCP_WRITE_FLAG_COPY) != ERR_OK) {
        refused++;
        return ERR_MEM;
    }
    t->tcp_recved(pcb, n);
    t->pbuf_free(p);
    t->tcp_output(pcb);
    bytes_echoed += n;
    return ERR_OK;
}

/* Discard (RFC 863): reopens the window for what arrived and drops it. */
static err_t on_recv_sink(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t e)
{
    struct lwip_tap *t = arg;
    (void)e;
    if (!p) {
        t->tcp_close(pcb);
        return ERR_OK;
    }
    bytes_sunk += p->tot_len;
    t->tcp_recved(pcb, p->tot_len);
    t->pbuf_free(p);
    return ERR_OK;
}

static err_t accept_with(struct lwip_tap *t, struct tcp_pcb *pcb, err_t e, tcp_recv_fn fn)
{
    if (e != ERR_OK || !pcb)
        return ERR_VAL;
    conns++;
    t->tcp_arg(pcb, t);
    tcp_nagle_disable(pcb);
    t->tcp_recv(pcb, fn);
    t->tcp_err(pcb, on_err);
    return ERR_OK;
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t e)
{
    return accept_with(arg, pcb, e, on_recv);
}

static err_t on_accept_sink(void *arg, struct tcp_pcb *pcb, err_t e)
{
    return accept_with(arg, pcb, e, on_recv_sink);
}

static void listen_on(struct lwip_tap *t, unsigned port, tcp_accept_fn fn)
{
    /* Not IP4_ADDR_ANY: it names the library's ip_addr_any, which we do
     * not link (only dlsym what we call). */
    const ip_addr_t any = IPADDR4_INIT(IPADDR_ANY);
    struct tcp_pcb *l = t->tcp_new();
    if (!l || t->tcp_bind(l, &any, (u16_t)port) != ERR_OK) {
        fprintf(stderr, "bench_lwip_tap: cannot bind port %u\n", port);
        exit(1);
    }
    struct tcp_pcb *lst = t->tcp_listen_with_backlog(l, LISTEN_BACKLOG);
    if (!lst) {
        fprintf(stderr, "bench_lwip_tap: listen failed\n");
        exit(1);
    }
    t->tcp_arg(lst, t);
    t->tcp_accept(lst, fn);
}

int main(int argc, char **argv)
{
    const char *tap = NULL;
    uint32_t addr = 0;
    unsigned prefix = 0, port = DEFAULT_PORT;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--tap") && i + 1 < argc)
            tap = argv[++i];
        else if (!strcmp(argv[i], "--ip") && i + 1 < argc)
            parse_ip(argv[++i], &addr, &prefix);
        else if (!strcmp(argv[i], "--port") && i + 1 < argc)
            port = (unsigned)parse_ul(argv[++i], MAX_PORT);
        else
            usage();
    }
    if (!tap || !addr)
        usage();
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    lwip_tap_open(&T, tap, addr, prefix, OUR_MAC);
    listen_on(&T, port, on_accept);
    listen_on(&T, DISCARD_PORT, on_accept_sink);
    fprintf(stderr, "bench_lwip_tap: lwIP %s echo on port %u, discard on %u of %s: ready\n",
            LWIP_VERSION_STRING, port, DISCARD_PORT, tap);
    while (!stop)
        lwip_tap_poll(&T, POLL_MS);
    lwip_tap_close(&T);
    printf("bench_lwip_tap: %" PRIu64 " connections, %" PRIu64 " bytes echoed, %" PRIu64
           " discarded, %" PRIu64 " segments deferred; %" PRIu64 " frames in, %" PRIu64
           " out, %" PRIu64 " TX errors\n",
           conns, bytes_echoed, bytes_sunk, refused, T.rx_frames, T.tx_frames, T.tx_errors);
    return 0;
}
