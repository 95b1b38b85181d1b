/*
 * `axnet --sim` (runner_sim.h): the gateway, a second threaded stack on
 * the wire at 10.0.0.1, and its services: the DHCP server, the DNS
 * responder on a thread of its own, echo/discard/chargen, HTTP from a
 * temporary directory of built-in files, and iperf3. Split from the wire
 * and its pump (runner_sim_wire.c): this part is what answers on it.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "axnet/dhcp.h"
#include "axnet/errno.h"
#include "axnet/netif.h"
#include "axnet/port_posix.h"
#include "dns_responder.h"
#include "http_server.h"
#include "inet_services.h"
#include "iperf3.h"
#include "runner.h"
#include "runner_sim.h"
#include "runner_sim_net.h"

#define SIM_LEASE_SECS 3600u
#define SIM_ZONE_TTL   300u
/* The DNS responder's thread looks at its TCP connections this often
 * (its UDP socket and listener wake it at once). */
#define DNS_IDLE_POLL AXN_MSEC(10)
#define WWW_TEMPLATE  "axnet-sim-XXXXXX"
#define HELLO_TEXT    "Hello from the axnet sim gateway!\n"
#define CHUNK         4096u
#define LOG_LINE_MAX  512u
#define GW_LOG_PREFIX "gateway: "
/* With HTTP and iperf3, the servers stop_services stops side by side. */
#define SIM_SERVERS (2 + SIM_INET_PARTS)

/* ---- The gateway's stack ------------------------------------------------------------ */

/* The gateway's log lines, told apart from our stack's. */
static void gw_log(void *ctx, enum axn_log_level level, const char *line)
{
    const struct axn_sim_net *n = ctx;
    char buf[LOG_LINE_MAX];
    snprintf(buf, sizeof(buf), GW_LOG_PREFIX "%s", line);
    n->posix_log(NULL, level, buf);
}

int axn_runner_sim_gateway_up(struct axn_sim_net *n, enum axn_log_level lvl)
{
    int err = axn_port_posix_init(&n->gw_plat, lvl);
    if (err)
        return err;
    axn_runner_sim_use_irqs(n, &n->gw_plat);
    n->posix_log = n->gw_plat.log;
    n->gw_plat.log = gw_log;
    struct axn_iface_config ic;
    memset(&ic, 0, sizeof(ic));
    snprintf(ic.name, sizeof(ic.name), "eth0");
    ic.match = AXN_MATCH_ORDER;
    ic.ipv4_mode = AXN_IPV4_STATIC;
    ic.addr = AXN_SIM_GW_IP;
    ic.prefix_len = AXN_SIM_PREFIX;
    const struct axn_net_config cfg = {.ifaces = &ic, .n_ifaces = 1};
    const struct axn_eth_driver *drv = &n->gw_drv;
    if ((err = axn_stack_create(&n->gw_plat, &n->gw)) != 0)
        return err;
    err = axn_stack_init_network(n->gw, &drv, 1, &cfg, axn_port_posix_now());
    return err ? err : axn_stack_start(n->gw);
}

static int start_dhcp_server(struct axn_sim_net *n)
{
    struct axn_dhcp_server_config c;
    memset(&c, 0, sizeof(c));
    c.ifindex = AXN_IFINDEX_FIRST_ETH;
    c.pool_first = AXN_SIM_POOL_FIRST;
    c.pool_last = AXN_SIM_POOL_LAST;
    c.router = AXN_SIM_GW_IP;
    c.dns[0] = AXN_SIM_GW_IP;
    c.n_dns = 1;
    snprintf(c.domain, sizeof(c.domain), "%s", AXN_SIM_DOMAIN);
    c.lease_secs = SIM_LEASE_SECS;
    return axn_dhcp_server_start(n->gw, &c);
}

/* ---- DNS: the caller-driven responder on a thread of its own ----------------------- */

static void dns_wake(void *ctx, unsigned events)
{
    struct axn_sim_net *n = ctx;
    (void)events;
    n->gw_plat.event_signal(n->dns_event);
}

static void *dns_main(void *p)
{
    struct axn_sim_net *n = p;
    while (!atomic_load(&n->dns_stop)) {
        const axn_time_t now = axn_port_posix_now();
        dns_responder_poll(&n->dns, now);
        axn_time_t deadline = now + DNS_IDLE_POLL;
        const axn_time_t due = dns_responder_next(&n->dns);
        if (due < deadline)
            deadline = due;
        (void)n->gw_plat.event_wait(n->dns_event, deadline);
    }
    return NULL;
}

static int start_dns(struct axn_sim_net *n)
{
    int err = dns_responder_start(&n->dns, n->gw, AXN_SIM_GW_IP);
    n->dns_started = err == 0;
    if (!err)
        err = dns_responder_add_a(&n->dns, AXN_SIM_GW_NAME, AXN_SIM_GW_IP, SIM_ZONE_TTL);
    if (!err)
        err = dns_responder_add_a(&n->dns, AXN_SIM_WWW_NAME, AXN_SIM_GW_IP, SIM_ZONE_TTL);
    if (!err)
        err = n->gw_plat.event_create(n->gw_plat.ctx, &n->dns_event);
    if (err)
        return err;
    struct axn_socket *socks[] = {n->dns.udp, n->dns.listener};
    for (size_t i = 0; i < sizeof(socks) / sizeof(socks[0]); i++) {
        n->dns_wakers[i] = (struct axn_waker){.wake = dns_wake, .ctx = n, .interest = AXN_POLLIN};
        (void)axn_socket_add_waker(socks[i], &n->dns_wakers[i]);
    }
    err = pthread_create(&n->dns_thread, NULL, dns_main, n);
    n->dns_thread_started = err == 0;
    return -err;
}

static void stop_dns(struct axn_sim_net *n)
{
    if (n->dns_thread_started) {
        atomic_store(&n->dns_stop, true);
        n->gw_plat.event_signal(n->dns_event);
        pthread_join(n->dns_thread, NULL);
        n->dns_thread_started = false;
    }
    if (n->dns_started)
        dns_responder_stop(&n->dns); /* closing the sockets drops the wakers */
    n->dns_started = false;
    if (n->dns_event)
        n->gw_plat.event_destroy(n->gw_plat.ctx, n->dns_event);
    n->dns_event = NULL;
}

/* ---- HTTP: a temporary directory of built-in files -------------------------------- */

static int write_file(const char *dir, const char *name, const void *data, size_t len, bool pattern)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        return -errno;
    uint8_t chunk[CHUNK];
    bool ok = true;
    for (size_t off = 0; ok && off < len; off += CHUNK) {
        const size_t k = len - off < CHUNK ? len - off : CHUNK;
        for (size_t j = 0; pattern && j < k; j++)
            chunk[j] = (uint8_t)((off + j) % AXN_SIM_DATA_MODULO);
        ok = fwrite(pattern ? chunk : (const uint8_t *)data + off, 1, k, f) == k;
    }
    return fclose(f) == 0 && ok ? 0 : -EIO;
}

static int make_www(struct axn_sim_net *n)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(n->www, sizeof(n->www), "%s/" WWW_TEMPLATE, tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(n->www))
        return -errno;
    n->www_made = true;
    int err = write_file(n->www, "hello.txt", HELLO_TEXT, strlen(HELLO_TEXT), false);
    return err ? err : write_file(n->www, "data.bin", NULL, AXN_SIM_DATA_BYTES, true);
}

static void remove_www(struct axn_sim_net *n)
{
    static const char *const files[] = {"hello.txt", "data.bin"};
    char path[PATH_MAX];
    if (!n->www_made)
        return;
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", n->www, files[i]);
        (void)unlink(path);
    }
    (void)rmdir(n->www);
    n->www_made = false;
}

/* ---- The gateway's services -------------------------------------------------------- */

int axn_runner_sim_say_failed(const struct axn_runner *r, const char *what, int err)
{
    fprintf(stderr, "%s: --sim gateway: %s: %s\n", r->prog, what, strerror(err < 0 ? -err : err));
    return -1;
}

int axn_runner_sim_start_services(struct axn_runner *r, struct axn_sim_net *n)
{
    int err;
    if ((err = start_dhcp_server(n)) != 0)
        return axn_runner_sim_say_failed(r, "DHCP server", err);
    if ((err = start_dns(n)) != 0)
        return axn_runner_sim_say_failed(r, "DNS responder", err);
    for (int i = 0; i < SIM_INET_PARTS; i++) {
        struct axn_inet_services_opts io = {.no_tcp = i % 2 != 0, .no_udp = i % 2 == 0};
        for (int k = 0; k < AXN_INET_SERVICE_COUNT; k++)
            io.off[k] = k != i / 2;
        if ((err = axn_inet_services_start(n->gw, &io, &n->inet[i])) != 0)
            return axn_runner_sim_say_failed(r, "echo/discard/chargen", err);
    }
    if ((err = make_www(n)) != 0)
        return axn_runner_sim_say_failed(r, "HTTP directory", err);
    const struct axn_http_server_opts ho = {.root = n->www, .port = AXN_SIM_HTTP_PORT};
    if ((err = axn_http_server_start(n->gw, &ho, &n->http)) != 0)
        return axn_runner_sim_say_failed(r, "HTTP server", err);
    if ((err = axn_iperf3_server_start(n->gw, AXN_IPERF3_PORT, &n->iperf3)) != 0)
        return axn_runner_sim_say_failed(r, "iperf3 server", err);
    if (r->log_level >= AXN_LOG_INFO)
        fprintf(stderr,
                "%s: --sim: gateway 10.0.0.1: DHCP, DNS %s, echo/discard/chargen, "
                "HTTP :%u (%s), iperf3 :%u\n",
                r->prog, AXN_SIM_DOMAIN, AXN_SIM_HTTP_PORT, n->www, AXN_IPERF3_PORT);
    return 0;
}

static void *stop_http(void *p)
{
    axn_http_server_stop(p);
    return NULL;
}

static void *stop_inet(void *p)
{
    axn_inet_services_stop(p);
    return NULL;
}

static void *stop_iperf3(void *p)
{
    axn_iperf3_server_stop(p);
    return NULL;
}

struct stop_job {
    void *(*fn)(void *);
    void *arg;
    pthread_t t;
    bool threaded;
};

/* Each server notices its stop within its tick (200 ms): one after the
 * other they would hold every command's exit back a second, so they stop
 * side by side. */
void axn_runner_sim_stop_services(struct axn_sim_net *n)
{
    struct stop_job jobs[SIM_SERVERS];
    memset(jobs, 0, sizeof(jobs));
    jobs[0] = (struct stop_job){.fn = stop_http, .arg = n->http};
    jobs[1] = (struct stop_job){.fn = stop_iperf3, .arg = n->iperf3};
    for (int i = 0; i < SIM_INET_PARTS; i++) {
        jobs[SIM_SERVERS - SIM_INET_PARTS + i] =
            (struct stop_job){.fn = stop_inet, .arg = n->inet[i]};
        n->inet[i] = NULL;
    }
    for (size_t i = 0; i < SIM_SERVERS; i++) {
        struct stop_job *j = &jobs[i];
        j->threaded = j->arg && pthread_create(&j->t, NULL, j->fn, j->arg) == 0;
        if (!j->threaded)
            j->fn(j->arg); /* NULL is fine: each stop ignores it */
    }
    for (size_t i = 0; i < SIM_SERVERS; i++)
        if (jobs[i].threaded)
            pthread_join(jobs[i].t, NULL);
    n->http = NULL;
    n->iperf3 = NULL;
    stop_dns(n);
    remove_www(n);
}
