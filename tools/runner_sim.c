/*
 * `axnet --sim` (runner_sim.h): the simulated network the runner's stack
 * joins instead of a TAP: one wire, a pump thread moving its clock with
 * the real one, and the gateway, a second threaded stack with DHCP, DNS,
 * echo/discard/chargen, HTTP and iperf3 servers.
 */
#include "runner_sim.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "axnet/dhcp.h"
#include "axnet/errno.h"
#include "axnet/hosted/sim_wire.h"
#include "axnet/netif.h"
#include "axnet/port_posix.h"
#include "dns_responder.h"
#include "http_server.h"
#include "inet_services.h"
#include "iperf3.h"
#include "runner.h"

#define SIM_SEED       0x5eedULL /* the wire's loss draws: replayable */
#define SIM_IRQ_CLIENT 1         /* small numbers: not port/posix fd lines */
#define SIM_IRQ_GW     2
#define SIM_IRQ_LINES  3
#define SIM_LEASE_SECS 3600u
#define SIM_ZONE_TTL   300u
#define PERCENT_MAX    100u
#define PPM_PER_PCT    (AXN_SIM_PPM_ALWAYS / PERCENT_MAX)
#define DELAY_MAX_MS   10000u /* a longer wire is a typo */
#define NSEC_PER_USEC  1000L
/* The pump's period: the stacks see the wire's time at most this late. */
#define PUMP_TICK AXN_MSEC(1)
/* The DNS responder's thread looks at its TCP connections this often
 * (its UDP socket and listener wake it at once). */
#define DNS_IDLE_POLL AXN_MSEC(10)
/* How long stopping waits for the gateway to take our DHCPRELEASE. */
#define RELEASE_WAIT    AXN_MSEC(500)
#define RELEASE_POLL_NS 5000000L
#define MAC_LOCAL_BIT   0x02u /* IEEE 802: locally administered */
#define MAC_GROUP_BIT   0x01u
#define WWW_TEMPLATE    "axnet-sim-XXXXXX"
/* Room for $TMPDIR/WWW_TEMPLATE; a longer TMPDIR fails mkdtemp (its
 * template is cut). Well below PATH_MAX, so its files' paths fit. */
#define WWW_DIR_MAX   512
#define HELLO_TEXT    "Hello from the axnet sim gateway!\n"
#define CHUNK         4096u
#define LOG_LINE_MAX  512u
#define GW_LOG_PREFIX "gateway: "
/* echo, discard, chargen each on its own, over TCP and over UDP; with
 * HTTP and iperf3, the servers stop_services stops side by side. */
#define SIM_INET_PARTS (2 * AXN_INET_SERVICE_COUNT)
#define SIM_SERVERS    (2 + SIM_INET_PARTS)

static const struct axn_mac gw_mac = {{0x02, 0x00, 0x00, 0x5e, 0x00, 0x01}};

struct sim_irq_slot {
    axn_irq_action action;
    void *arg;
};

struct axn_sim_net {
    struct axn_sim_wire *wire;
    struct axn_eth_driver client_drv, gw_drv;
    /* The IRQ registrar both stacks' platforms use for the wire's lines. */
    pthread_mutex_t irq_lock;
    struct sim_irq_slot lines[SIM_IRQ_LINES];
    /* The pump. */
    pthread_t pump;
    bool pump_started;
    pthread_mutex_t pump_lock;
    pthread_cond_t pump_cond;
    bool pump_stop;
    /* The gateway. */
    struct axn_platform gw_plat;
    void (*posix_log)(void *ctx, enum axn_log_level level, const char *line);
    struct axn_stack *gw;
    bool client_dhcp;
    struct dns_responder dns;
    bool dns_started;
    void *dns_event;
    pthread_t dns_thread;
    bool dns_thread_started;
    atomic_bool dns_stop;
    struct axn_waker dns_wakers[2];
    struct axn_http_server *http;
    struct axn_inet_services *inet[SIM_INET_PARTS]; /* stopped side by side */
    struct axn_iperf3_server *iperf3;
    char www[WWW_DIR_MAX];
    bool www_made;
};

void axn_runner_sim_print_flags(void)
{
    printf("  --sim              no TAP: the interface is on a simulated network whose\n"
           "                     gateway 10.0.0.1 serves DHCP, DNS (sim.test), echo/discard/\n"
           "                     chargen, HTTP and iperf3 (no root needed; implies --dhcp)\n"
           "  --loss PERCENT     --sim: frames lost on the wire, each way\n"
           "  --delay MS         --sim: one-way delay of the wire\n");
}

/* ---- Flags -------------------------------------------------------------------- */

static int bad_value(const struct axn_runner *r, const char *flag, const char *v)
{
    fprintf(stderr, "%s: bad value for %s: '%s'\n", r->prog, flag, v ? v : "(missing)");
    return -1;
}

int axn_runner_sim_flag(struct axn_runner *r, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    const char *v = *i + 1 < argc ? argv[*i + 1] : NULL;
    axn_time_t x; /* the number times AXN_USEC_PER_SEC (parse_seconds' µs) */
    if (!strcmp(a, "--sim")) {
        r->sim.on = true;
        return 1;
    }
    if (strcmp(a, "--loss") != 0 && strcmp(a, "--delay") != 0)
        return 0;
    const bool loss = !strcmp(a, "--loss");
    if (!axn_runner_parse_seconds(v, &x) ||
        x > (axn_time_t)(loss ? PERCENT_MAX : DELAY_MAX_MS) * AXN_USEC_PER_SEC)
        return bad_value(r, a, v);
    if (loss)
        r->sim.loss_ppm = (uint32_t)(x / (AXN_USEC_PER_SEC / PPM_PER_PCT));
    else
        r->sim.delay = x / AXN_USEC_PER_MSEC; /* ms, scaled by 10^6, to µs */
    r->sim.impaired = true;
    (*i)++;
    return 1;
}

int axn_runner_sim_check(struct axn_runner *r)
{
    if (!r->sim.on) {
        if (!r->sim.impaired)
            return 0;
        fprintf(stderr, "%s: --loss and --delay need --sim\n", r->prog);
        return -1;
    }
    struct axn_runner_iface *it = &r->ifaces[0];
    if (r->n_ifaces > 1 || it->tap_name) {
        fprintf(stderr, "%s: --sim replaces --tap (one simulated interface)\n", r->prog);
        return -1;
    }
    if (it->dhcp && it->static_ip) {
        fprintf(stderr, "%s: --ip and --dhcp exclude each other\n", r->prog);
        return -1;
    }
    if (it->mtu > AXN_ETH_MTU) {
        fprintf(stderr, "%s: --sim: --mtu is at most %u\n", r->prog, AXN_ETH_MTU);
        return -1;
    }
    r->n_ifaces = 1;
    if (!it->static_ip)
        it->dhcp = true; /* the gateway leases one */
    return 1;
}

/* ---- The wire's IRQ lines --------------------------------------------------------- */

/* The wire raises a line on the thread whose call moved the frame; the
 * action only acknowledges and signals the stack's event. Running it under
 * irq_lock is what lets unregister promise that no action runs after it
 * returns (free_irq). */
static void sim_raise(void *ctx, int irq)
{
    struct axn_sim_net *n = ctx;
    pthread_mutex_lock(&n->irq_lock);
    const struct sim_irq_slot *s = &n->lines[irq];
    if (s->action)
        (void)s->action(s->arg);
    pthread_mutex_unlock(&n->irq_lock);
}

static int sim_irq_register(void *ctx, const char *name, int irq, axn_irq_action action, void *arg,
                            void **registration)
{
    struct axn_sim_net *n = ctx;
    (void)name;
    if (irq <= 0 || irq >= SIM_IRQ_LINES)
        return -AXN_EINVAL;
    pthread_mutex_lock(&n->irq_lock);
    struct sim_irq_slot *s = &n->lines[irq];
    const int rc = s->action ? -AXN_EBUSY : 0;
    if (rc == 0) {
        s->action = action;
        s->arg = arg;
        *registration = s;
    }
    pthread_mutex_unlock(&n->irq_lock);
    return rc;
}

static void sim_irq_unregister(void *ctx, void *registration)
{
    struct axn_sim_net *n = ctx;
    struct sim_irq_slot *s = registration;
    pthread_mutex_lock(&n->irq_lock);
    s->action = NULL;
    s->arg = NULL;
    pthread_mutex_unlock(&n->irq_lock);
}

/* A platform whose IRQ lines are the wire's (port/posix keeps no state in
 * ctx, so ctx can be ours). */
static void use_sim_irqs(struct axn_sim_net *n, struct axn_platform *plat)
{
    plat->ctx = n;
    plat->irq_register = sim_irq_register;
    plat->irq_unregister = sim_irq_unregister;
}

/* ---- The pump --------------------------------------------------------------------- */

static struct timespec mono_timespec(axn_time_t us)
{
    return (struct timespec){.tv_sec = (time_t)(us / AXN_USEC_PER_SEC),
                             .tv_nsec = (long)(us % AXN_USEC_PER_SEC) * NSEC_PER_USEC};
}

/* Keeps the wire's clock on the real one: every tick, or when the next
 * frame in flight falls due sooner. */
static void *pump_main(void *p)
{
    struct axn_sim_net *n = p;
    pthread_mutex_lock(&n->pump_lock);
    while (!n->pump_stop) {
        pthread_mutex_unlock(&n->pump_lock);
        const axn_time_t now = axn_port_posix_now();
        (void)axn_sim_wire_set_time(n->wire, now);
        axn_time_t wake = now + PUMP_TICK;
        const axn_time_t due = axn_sim_wire_next_event(n->wire);
        if (due < wake)
            wake = due;
        const struct timespec ts = mono_timespec(wake);
        pthread_mutex_lock(&n->pump_lock);
        if (!n->pump_stop)
            (void)pthread_cond_timedwait(&n->pump_cond, &n->pump_lock, &ts);
    }
    pthread_mutex_unlock(&n->pump_lock);
    return NULL;
}

static int start_pump(struct axn_sim_net *n)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    int err = pthread_cond_init(&n->pump_cond, &ca);
    pthread_condattr_destroy(&ca);
    if (err)
        return -err;
    pthread_mutex_init(&n->pump_lock, NULL);
    err = pthread_create(&n->pump, NULL, pump_main, n);
    n->pump_started = err == 0;
    return -err;
}

static void stop_pump(struct axn_sim_net *n)
{
    if (!n->pump_started)
        return;
    pthread_mutex_lock(&n->pump_lock);
    n->pump_stop = true;
    pthread_cond_signal(&n->pump_cond);
    pthread_mutex_unlock(&n->pump_lock);
    pthread_join(n->pump, NULL);
    pthread_cond_destroy(&n->pump_cond);
    pthread_mutex_destroy(&n->pump_lock);
    n->pump_started = false;
}

/* ---- The wire --------------------------------------------------------------------- */

static void client_mac(struct axn_runner *r, struct axn_mac *mac)
{
    const struct axn_runner_iface *it = &r->ifaces[0];
    if (it->has_mac) {
        *mac = it->mac;
        return;
    }
    (void)r->plat.random(r->plat.ctx, mac->b, sizeof(mac->b));
    mac->b[0] = (uint8_t)((mac->b[0] & ~MAC_GROUP_BIT) | MAC_LOCAL_BIT);
}

static int make_wire(struct axn_runner *r, struct axn_sim_net *n)
{
    struct axn_sim_wire_config cfg = {.start_time = axn_port_posix_now()};
    cfg.impair.loss_ppm = r->sim.loss_ppm;
    cfg.impair.delay = r->sim.delay;
    int err = axn_sim_wire_create(&n->wire, &cfg, SIM_SEED);
    if (err)
        return err;
    struct axn_mac mac;
    client_mac(r, &mac);
    const struct axn_sim_irq_config client_irq = {
        .irq = SIM_IRQ_CLIENT, .raise = sim_raise, .ctx = n};
    const struct axn_sim_irq_config gw_irq = {.irq = SIM_IRQ_GW, .raise = sim_raise, .ctx = n};
    err = axn_sim_wire_add_irq_port(n->wire, &gw_mac, &gw_irq, &n->gw_drv);
    if (err >= 0)
        err = axn_sim_wire_add_irq_port(n->wire, &mac, &client_irq, &n->client_drv);
    n->client_drv.mtu = r->ifaces[0].mtu;
    return err < 0 ? err : 0;
}

/* ---- The gateway's stack ------------------------------------------------------------ */

/* The gateway's log lines, told apart from our stack's. */
static void gw_log(void *ctx, enum axn_log_level level, const char *line)
{
    const struct axn_sim_net *n = ctx;
    char buf[LOG_LINE_MAX];
    snprintf(buf, sizeof(buf), GW_LOG_PREFIX "%s", line);
    n->posix_log(NULL, level, buf);
}

static int gateway_up(struct axn_sim_net *n, enum axn_log_level lvl)
{
    int err = axn_port_posix_init(&n->gw_plat, lvl);
    if (err)
        return err;
    use_sim_irqs(n, &n->gw_plat);
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

static int say_failed(const struct axn_runner *r, const char *what, int err)
{
    fprintf(stderr, "%s: --sim gateway: %s: %s\n", r->prog, what, strerror(err < 0 ? -err : err));
    return -1;
}

static int start_services(struct axn_runner *r, struct axn_sim_net *n)
{
    int err;
    if ((err = start_dhcp_server(n)) != 0)
        return say_failed(r, "DHCP server", err);
    if ((err = start_dns(n)) != 0)
        return say_failed(r, "DNS responder", err);
    for (int i = 0; i < SIM_INET_PARTS; i++) {
        struct axn_inet_services_opts io = {.no_tcp = i % 2 != 0, .no_udp = i % 2 == 0};
        for (int k = 0; k < AXN_INET_SERVICE_COUNT; k++)
            io.off[k] = k != i / 2;
        if ((err = axn_inet_services_start(n->gw, &io, &n->inet[i])) != 0)
            return say_failed(r, "echo/discard/chargen", err);
    }
    if ((err = make_www(n)) != 0)
        return say_failed(r, "HTTP directory", err);
    const struct axn_http_server_opts ho = {.root = n->www, .port = AXN_SIM_HTTP_PORT};
    if ((err = axn_http_server_start(n->gw, &ho, &n->http)) != 0)
        return say_failed(r, "HTTP server", err);
    if ((err = axn_iperf3_server_start(n->gw, AXN_IPERF3_PORT, &n->iperf3)) != 0)
        return say_failed(r, "iperf3 server", err);
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
static void stop_services(struct axn_sim_net *n)
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

/* ---- Start and stop ----------------------------------------------------------------- */

int axn_runner_sim_start(struct axn_runner *r)
{
    struct axn_sim_net *n = calloc(1, sizeof(*n));
    if (!n)
        return say_failed(r, "memory", ENOMEM);
    r->net = n;
    pthread_mutex_init(&n->irq_lock, NULL);
    n->client_dhcp = r->ifaces[0].dhcp;
    int err = make_wire(r, n);
    if (err)
        return say_failed(r, "simulated wire", err);
    /* The pump first: frames sent with --delay need the clock to move. */
    if ((err = start_pump(n)) != 0)
        return say_failed(r, "pump thread", err);
    if ((err = gateway_up(n, r->log_level)) != 0)
        return say_failed(r, "stack", err);
    if (start_services(r, n) != 0)
        return -1;
    use_sim_irqs(n, &r->plat);
    return 0;
}

void axn_runner_sim_driver(struct axn_runner *r, struct axn_eth_driver *out)
{
    *out = r->net->client_drv;
}

/* Our stack sent a DHCPRELEASE as it went (RFC 2131 4.4.6); give the
 * gateway the moment it needs to take it, so the lease ends cleanly. */
static void wait_release(struct axn_sim_net *n)
{
    const struct timespec nap = {.tv_nsec = RELEASE_POLL_NS};
    const axn_time_t until = axn_port_posix_now() + RELEASE_WAIT;
    struct axn_dhcp_server_stats s;
    if (!n->client_dhcp || !n->gw)
        return;
    while (axn_dhcp_server_stats(n->gw, AXN_IFINDEX_FIRST_ETH, &s) == 0 && s.releases == 0 &&
           s.acks > 0 && axn_port_posix_now() < until)
        nanosleep(&nap, NULL);
}

void axn_runner_sim_stop(struct axn_runner *r)
{
    struct axn_sim_net *n = r->net;
    if (!n)
        return;
    wait_release(n);
    stop_services(n);
    axn_stack_destroy(n->gw);
    n->gw = NULL;
    stop_pump(n);
    axn_sim_wire_destroy(n->wire);
    pthread_mutex_destroy(&n->irq_lock);
    free(n);
    r->net = NULL;
}
