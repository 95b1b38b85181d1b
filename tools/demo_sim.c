/*
 * `axnet demo`: two stack instances on a simulated, lossy Ethernet wire,
 * driven by a virtual clock, printed step by step.
 *
 * The client boots as a kernel on a real network would: its interface has
 * no address, its DHCP client leases one from the gateway's DHCP server,
 * and it finds the gateway by name through the DNS server the lease named
 * (demo_boot.c). Then its programs talk to the address the name gave.
 *
 * What runs is the real library: Ethernet adapters with ARP (retries on a
 * timer when a request is lost), the router with source-aware egress, the
 * control plane's routes and ARP table, per-interface counters, a pcap of
 * the client's interface, IPv4 with fragmentation and reassembly, ICMP,
 * UDP, TCP, and the socket layer. The programs on top (demo_apps.c) use
 * only the socket API, as a kernel's users would: a ping socket, a UDP
 * echo service and a UDP client, a TCP echo service and a TCP client.
 * Last, the client downloads a 1 MiB file from the gateway's HTTP server
 * (demo_http.c) over a wire that still loses frames, and the demo fails
 * unless the SHA-256 of what arrived is the SHA-256 of what was sent.
 *
 * The demo is the kernel here: it polls both stacks (caller-polled mode),
 * moves the wire and the clock, and lets the programs run in between.
 * Time is virtual and the randomness seeded, so a seed replays a run
 * exactly; a real port must never do the latter (platform.h `random`).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axnet/hosted/pcap.h"
#include "axnet/hosted/sim_wire.h"
#include "axnet/netctl.h"
#include "axnet/port_posix.h"
#include "axnet/snmp.h"
#include "demo_apps.h"
#include "demo_boot.h"
#include "demo_http.h"
#include "lib/fmt.h"
#include "tools.h"

#define DEMO_SEED 7ULL
/* A safety net: the script ends long before. DHCP backs off 4, 8, 16 s
 * after a lost DISCOVER (RFC 2131 4.1), and virtual time costs nothing. */
#define DEMO_END          AXN_SEC(300)
#define DEMO_DRAIN        AXN_SEC(1) /* after the client left: the RELEASE's way */
#define DEMO_WIRE_DELAY   AXN_MSEC(2)
#define DEMO_WIRE_JITTER  500 /* µs */
#define DEMO_LOSS_PERCENT 20
#define DEMO_PREFIX       24
#define DEMO_GW_PORT      0 /* wire ports, in the order make_wire adds them */
#define DEMO_CLIENT_PORT  1
#define DEMO_PORTS        2
#define DEMO_MAX_IFACES   4
#define DEMO_MAX_ROUTES   8
#define DEMO_TEXT_LEN     4096 /* room for one /proc/net file */
#define DEMO_TITLE_LEN    64

/* splitmix64 (Steele, Lea, Flood 2014): the demo's seeded randomness. */
#define SPLITMIX_GAMMA 0x9e3779b97f4a7c15ULL
#define SPLITMIX_MUL1  0xbf58476d1ce4e5b9ULL
#define SPLITMIX_MUL2  0x94d049bb133111ebULL
#define SPLITMIX_SH1   30
#define SPLITMIX_SH2   27
#define SPLITMIX_SH3   31

/* The download's wire (demo_http.h): a lower loss, or TCP would spend
 * most of a 1 MiB transfer backing off its RTO; no jitter, so that what
 * TCP retransmits is what the wire lost, not segments it reordered; and a
 * bandwidth, so that goodput means something. */
#define DEMO_HTTP_LOSS_PERCENT 2
#define BPS_PER_MBPS           1000000ULL
#define DEMO_HTTP_BANDWIDTH    (100 * BPS_PER_MBPS) /* bits/s */

static const axn_ip4_t gw_ip = AXN_IP4(192, 0, 2, 1);

/* Frame lines are muted while the download's body streams (thousands of
 * frames); what was hidden is counted and summed up after. */
struct frame_mute {
    bool on;
    uint64_t sent, lost; /* frames sent while muted, and lost of those */
};

struct demo {
    struct axn_platform plat;
    struct axn_sim_wire *wire;
    struct axn_stack *gw, *client;
    axn_time_t now;
    uint64_t seed;
    uint64_t rng; /* splitmix64 state */
    struct demo_boot boot;
    struct demo_apps apps;
    bool apps_started; /* once the boot resolved the gateway's name */
    int apps_rc;       /* demo_apps_start's result */
    struct demo_http http;
    bool http_started; /* once the other programs finished */
    int http_rc;       /* demo_http_start's result */
    bool http_reported;
    struct frame_mute mute;
};

/* ---- The platform: port/posix, on the demo's clock and seed ------------ */

/* The socket layer reads plat->now (as a syscall reads the clock); the
 * posix port keeps no state in ctx, so the demo passes itself there. */
static axn_time_t demo_clock(void *ctx)
{
    const struct demo *d = ctx;
    return d->now;
}

uint64_t demo_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += SPLITMIX_GAMMA);
    z = (z ^ (z >> SPLITMIX_SH1)) * SPLITMIX_MUL1;
    z = (z ^ (z >> SPLITMIX_SH2)) * SPLITMIX_MUL2;
    return z ^ (z >> SPLITMIX_SH3);
}

static int demo_random(void *ctx, void *buf, size_t len)
{
    struct demo *d = ctx;
    uint8_t *p = buf;
    while (len > 0) {
        const uint64_t r = demo_splitmix64(&d->rng);
        const size_t n = len < sizeof(r) ? len : sizeof(r);
        memcpy(p, &r, n);
        p += n;
        len -= n;
    }
    return 0;
}

/* ---- Frames on the wire ------------------------------------------------ */

static void on_delivery(void *ctx, int port, axn_time_t at, const uint8_t *frame, size_t len)
{
    const struct demo *d = ctx;
    if (d->mute.on)
        return;
    char desc[AXN_TOOL_DESC_LEN];
    axn_tool_describe_frame(frame, len, desc, sizeof(desc));
    printf("%8.3f ms    wire    -> %-7s %s\n", (double)at / (double)AXN_USEC_PER_MSEC,
           port == DEMO_GW_PORT ? "gateway" : "client", desc);
}

/* ---- Frames leaving a stack: a driver wrapper that prints them ------- */

struct tracer {
    struct axn_eth_driver inner;
    struct axn_eth_driver_ops ops;
    const char *who;
    struct axn_sim_wire *wire;
    int port; /* the wire port the driver sends on */
    struct frame_mute *mute;
};

static uint64_t frames_lost(const struct tracer *t)
{
    struct axn_sim_port_stats ps;
    return axn_sim_port_stats(t->wire, t->port, &ps) == 0 ? ps.lost : 0;
}

/* The wire decides a frame's fate as it is sent: a lost one is marked, so
 * the trace shows why no "wire ->" line follows it. */
static int trace_transmit(void *drv, struct axn_tx_buf *tx)
{
    struct tracer *t = drv;
    char desc[AXN_TOOL_DESC_LEN];
    axn_tool_describe_frame(tx->data, tx->len, desc, sizeof(desc));
    const axn_time_t at = axn_sim_wire_time(t->wire);
    const uint64_t lost = frames_lost(t);
    int rc = t->inner.ops->transmit(t->inner.drv, tx);
    if (t->mute->on) {
        t->mute->sent++;
        t->mute->lost += frames_lost(t) - lost;
        return rc;
    }
    printf("%8.3f ms    %-7s -> wire  %s%s\n", (double)at / (double)AXN_USEC_PER_MSEC, t->who, desc,
           frames_lost(t) > lost ? "   [lost on the wire]" : "");
    return rc;
}

#define FORWARD(name, ret, params, args)                                                           \
    static ret trace_##name params                                                                 \
    {                                                                                              \
        struct tracer *t = drv;                                                                    \
        return t->inner.ops->name args;                                                            \
    }
FORWARD(name, const char *, (void *drv), (t->inner.drv))
FORWARD(receive, int, (void *drv, struct axn_rx_buf *rx), (t->inner.drv, rx))
FORWARD(recycle_rx, int, (void *drv, struct axn_rx_buf *rx), (t->inner.drv, rx))
FORWARD(recycle_tx, int, (void *drv), (t->inner.drv))
FORWARD(alloc_tx, int, (void *drv, size_t len, struct axn_tx_buf *tx), (t->inner.drv, len, tx))
#undef FORWARD

static void trace_mac(void *drv, struct axn_mac *mac)
{
    struct tracer *t = drv;
    t->inner.ops->mac_address(t->inner.drv, mac);
}

static void trace_abort_tx(void *drv, struct axn_tx_buf *tx)
{
    struct tracer *t = drv;
    t->inner.ops->abort_tx(t->inner.drv, tx);
}

/* Wraps `inner` (a polled driver: no IRQ ops) so that its sends are printed. */
static void tracer_wrap(struct tracer *t, const struct axn_eth_driver *inner, const char *who,
                        struct demo *d, int port, struct axn_eth_driver *out)
{
    t->inner = *inner;
    t->mute = &d->mute;
    t->who = who;
    t->wire = d->wire;
    t->port = port;
    t->ops = (struct axn_eth_driver_ops){
        .name = trace_name,
        .mac_address = trace_mac,
        .receive = trace_receive,
        .recycle_rx = trace_recycle_rx,
        .recycle_tx = trace_recycle_tx,
        .alloc_tx = trace_alloc_tx,
        .transmit = trace_transmit,
        .abort_tx = trace_abort_tx,
    };
    *out = *inner;
    out->ops = &t->ops;
    out->drv = t;
}

/* ---- Setting up ------------------------------------------------------------ */

/* The two ports' drivers as the stacks see them: raw wire port, (the
 * client's) pcap tap, frame tracer. */
struct demo_drivers {
    struct axn_eth_driver gw_raw, gw_drv, cl_raw, cl_pcap, cl_drv;
    struct tracer gw_trace, cl_trace;
    struct axn_pcap *pcap;
    struct axn_pcap_tap *tap;
};

/* A stack with one interface: static `addr`, or DHCP when `addr` is 0. */
static int make_stack(struct demo *d, const struct axn_eth_driver *drv, const char *name,
                      axn_ip4_t addr, struct axn_stack **out)
{
    int rc = axn_stack_create(&d->plat, out);
    if (rc < 0)
        return rc;
    struct axn_iface_config ifc = {.ipv4_mode = addr ? AXN_IPV4_STATIC : AXN_IPV4_DHCP,
                                   .addr = addr,
                                   .prefix_len = addr ? DEMO_PREFIX : 0};
    snprintf(ifc.name, sizeof(ifc.name), "%s", name);
    struct axn_net_config cfg = {.ifaces = &ifc, .n_ifaces = 1};
    const struct axn_eth_driver *drivers[] = {drv};
    return axn_stack_init_network(*out, drivers, 1, &cfg, d->now);
}

static int make_wire(struct demo *d, struct axn_eth_driver *gw_drv, struct axn_eth_driver *cl_drv)
{
    struct axn_sim_wire_config cfg = {0};
    cfg.impair.delay = DEMO_WIRE_DELAY;
    cfg.impair.jitter = DEMO_WIRE_JITTER;
    cfg.impair.loss_ppm = AXN_SIM_PERCENT(DEMO_LOSS_PERCENT);
    int rc = axn_sim_wire_create(&d->wire, &cfg, d->seed);
    if (rc < 0)
        return rc;
    const struct axn_mac gw_mac = {{0x02, 0, 0, 0, 0, 0x01}};
    const struct axn_mac cl_mac = {{0x02, 0, 0, 0, 0, 0x02}};
    if ((rc = axn_sim_wire_add_port(d->wire, &gw_mac, gw_drv)) < 0 ||
        (rc = axn_sim_wire_add_port(d->wire, &cl_mac, cl_drv)) < 0)
        return rc;
    axn_sim_wire_set_observer(d->wire, on_delivery, d);
    return 0;
}

/* ---- Running ------------------------------------------------------------------ */

static axn_time_t min_time(axn_time_t a, axn_time_t b)
{
    return a < b ? a : b;
}

static void set_time(struct demo *d, axn_time_t t)
{
    d->now = t;
    axn_sim_wire_set_time(d->wire, t);
}

/* The download's wire: see DEMO_HTTP_LOSS_PERCENT. */
static void http_wire(struct demo *d)
{
    struct axn_sim_impairments imp = {0};
    imp.delay = DEMO_WIRE_DELAY;
    imp.loss_ppm = AXN_SIM_PERCENT(DEMO_HTTP_LOSS_PERCENT);
    imp.bandwidth_bps = DEMO_HTTP_BANDWIDTH;
    axn_sim_wire_set_impairments(d->wire, &imp);
}

static void http_start(struct demo *d)
{
    d->http_started = true;
    printf("\n--- HTTP: the gateway serves %u bytes at http://%s%s; the client GETs\n"
           "    them and checks their SHA-256. The wire now: %d ms, %d%% loss, %llu Mbit/s ---\n",
           DEMO_HTTP_FILE_LEN, DEMO_LOOKUP_NAME, DEMO_HTTP_PATH,
           (int)(DEMO_WIRE_DELAY / AXN_USEC_PER_MSEC), DEMO_HTTP_LOSS_PERCENT,
           (unsigned long long)(DEMO_HTTP_BANDWIDTH / BPS_PER_MBPS));
    http_wire(d);
    d->http_rc = demo_http_start(&d->http, d->client, d->gw, d->boot.resolved, DEMO_LOOKUP_NAME,
                                 d->seed, d->now);
}

/* Unmutes the frame lines once the body is in, saying what was hidden. */
static void sync_mute(struct demo *d)
{
    if (d->mute.on == d->http.quiet)
        return;
    d->mute.on = d->http.quiet;
    if (!d->mute.on)
        printf("           (%" PRIu64
               " frames sent meanwhile were not printed; the wire lost %" PRIu64 " of them)\n",
               d->mute.sent, d->mute.lost);
}

/* The download, once the other programs are through. */
static bool http_step(struct demo *d)
{
    if (!d->http_started) {
        if (!demo_apps_done(&d->apps))
            return false;
        http_start(d);
        return true;
    }
    if (d->http_rc < 0)
        return false;
    const bool busy = demo_http_step(&d->http, d->now);
    sync_mute(d);
    if (demo_http_done(&d->http) && !d->http_reported) {
        d->http_reported = true;
        demo_http_report(&d->http);
    }
    return busy;
}

/* The boot first (DHCP, then the lookup); the programs once the name
 * resolved, aimed at the address it gave; the download last. */
static bool programs_step(struct demo *d, axn_time_t *next)
{
    bool busy = demo_boot_step(&d->boot, d->now, next);
    if (d->boot.state == BOOT_DONE && !d->apps_started) {
        d->apps_started = true;
        printf("\n--- the gateway's echo services ---\n");
        d->apps_rc = demo_apps_start(&d->apps, d->client, d->gw, d->boot.resolved, d->now);
        return true;
    }
    if (!d->apps_started || d->apps_rc < 0)
        return busy;
    axn_time_t app_next;
    busy |= demo_apps_step(&d->apps, d->now, &app_next);
    *next = min_time(*next, app_next);
    return http_step(d) || busy;
}

static bool script_over(const struct demo *d)
{
    return d->boot.state == BOOT_FAILED || (d->apps_started && d->apps_rc < 0) ||
           (d->http_started && (d->http_rc < 0 || demo_http_done(&d->http)));
}

/* The demo's "kernel": poll both stacks, let the programs act, and move
 * virtual time to the next thing anyone waits for. */
static void run(struct demo *d)
{
    while (d->now <= DEMO_END) {
        set_time(d, d->now);
        axn_time_t next = axn_stack_poll(d->client, d->now);
        next = min_time(next, axn_stack_poll(d->gw, d->now));
        axn_time_t app_next;
        const bool busy = programs_step(d, &app_next);
        if (busy || axn_sim_port_rx_pending(d->wire, DEMO_GW_PORT) > 0 ||
            axn_sim_port_rx_pending(d->wire, DEMO_CLIENT_PORT) > 0)
            continue; /* something was sent or is receivable now: poll again */
        if (script_over(d) && axn_sim_wire_in_flight(d->wire) == 0)
            return; /* the script is over and the wire is quiet */
        next = min_time(next, axn_sim_wire_next_event(d->wire));
        next = min_time(next, app_next);
        next = min_time(next, DEMO_END + 1);
        d->now = next > d->now ? next : d->now + 1;
    }
}

/* ---- Reporting ------------------------------------------------------------------ */

static void print_stats(struct axn_stack *st, const char *who)
{
    struct axn_iface_info ifs[DEMO_MAX_IFACES];
    size_t n = axn_ctl_interfaces(st, ifs, DEMO_MAX_IFACES);
    for (size_t i = 0; i < n && i < DEMO_MAX_IFACES; i++) {
        struct axn_link_stats s;
        if (axn_ctl_link_stats(st, ifs[i].ifindex, &s) < 0)
            continue;
        printf("  %-7s %-5s rx %3" PRIu64 " pkts %6" PRIu64 " B  tx %3" PRIu64 " pkts %6" PRIu64
               " B  drops rx %" PRIu64 " tx %" PRIu64 "\n",
               who, ifs[i].name, s.rx_packets, s.rx_bytes, s.tx_packets, s.tx_bytes, s.rx_dropped,
               s.tx_dropped);
    }
}

static void print_routes(struct axn_stack *st)
{
    struct axn_route_info routes[DEMO_MAX_ROUTES];
    size_t n = axn_ctl_routes(st, routes, DEMO_MAX_ROUTES);
    for (size_t i = 0; i < n && i < DEMO_MAX_ROUTES; i++) {
        char p[AXN_IP4_STR_LEN], via[AXN_IP4_STR_LEN], src[AXN_IP4_STR_LEN];
        axn_fmt_ip4(p, sizeof(p), routes[i].prefix);
        axn_fmt_ip4(via, sizeof(via), routes[i].via);
        axn_fmt_ip4(src, sizeof(src), routes[i].source);
        printf("  %s/%u %s%s dev %u src %s metric %u\n", p, routes[i].prefix_len,
               routes[i].has_via ? "via " : "", routes[i].has_via ? via : "", routes[i].ifindex,
               src, routes[i].metric);
    }
}

/* A /proc/net file's text, from one of the control plane's formatters. */
static void print_proc(const char *title, const char *text, size_t needed)
{
    printf("\n%s:\n", title);
    fputs(text, stdout);
    if (needed >= DEMO_TEXT_LEN)
        printf("  ... (%zu bytes more)\n", needed - (DEMO_TEXT_LEN - 1));
}

static void print_proc_net(struct axn_stack *st, const char *who)
{
    char text[DEMO_TEXT_LEN], title[DEMO_TITLE_LEN];
    snprintf(title, sizeof(title), "%s /proc/net/dev", who);
    print_proc(title, text, axn_ctl_format_proc_net_dev(st, text, sizeof(text)));
    snprintf(title, sizeof(title), "%s /proc/net/snmp", who);
    print_proc(title, text, axn_ctl_format_proc_net_snmp(st, text, sizeof(text)));
    snprintf(title, sizeof(title), "%s /proc/net/netstat (TcpExt)", who);
    print_proc(title, text, axn_ctl_format_proc_net_netstat(st, text, sizeof(text)));
}

/* One /proc/net/snmp counter of both stacks. */
struct snmp_row {
    const char *name;
    uint64_t gw, client;
};

#define ROW(line, field, member)                                                                   \
    {                                                                                              \
        line ":" #field, gw.member, cl.member                                                      \
    }

/* The counters this run moves, side by side (the full text is above). */
static void print_snmp_digest(struct demo *d)
{
    struct axn_snmp gw, cl;
    struct axn_snmp_udp gw_udp, cl_udp;
    struct axn_snmp_tcp gw_tcp, cl_tcp;
    axn_tcp_snmp(d->gw, &gw_tcp, NULL);
    axn_tcp_snmp(d->client, &cl_tcp, NULL);
    axn_ctl_snmp(d->gw, &gw);
    axn_ctl_snmp(d->client, &cl);
    axn_udp_snmp(d->gw, &gw_udp);
    axn_udp_snmp(d->client, &cl_udp);
    const struct snmp_row rows[] = {
        ROW("Ip", FragOKs, ip.frag_oks),
        ROW("Ip", FragCreates, ip.frag_creates),
        ROW("Ip", ReasmReqds, ip.reasm_reqds),
        ROW("Ip", ReasmOKs, ip.reasm_oks),
        ROW("Icmp", OutEchos, icmp.out_echos),
        ROW("Icmp", InEchos, icmp.in_echos),
        ROW("Icmp", OutEchoReps, icmp.out_echo_reps),
        ROW("Icmp", InEchoReps, icmp.in_echo_reps),
        ROW("Icmp", OutDestUnreachs, icmp.out_dest_unreachs),
        ROW("Icmp", InDestUnreachs, icmp.in_dest_unreachs),
        {"Udp:OutDatagrams", gw_udp.out_datagrams, cl_udp.out_datagrams},
        {"Udp:InDatagrams", gw_udp.in_datagrams, cl_udp.in_datagrams},
        {"Udp:NoPorts", gw_udp.no_ports, cl_udp.no_ports},
        {"Tcp:ActiveOpens", gw_tcp.active_opens, cl_tcp.active_opens},
        {"Tcp:PassiveOpens", gw_tcp.passive_opens, cl_tcp.passive_opens},
        {"Tcp:AttemptFails", gw_tcp.attempt_fails, cl_tcp.attempt_fails},
        {"Tcp:CurrEstab", gw_tcp.curr_estab, cl_tcp.curr_estab},
        {"Tcp:InSegs", gw_tcp.in_segs, cl_tcp.in_segs},
        {"Tcp:OutSegs", gw_tcp.out_segs, cl_tcp.out_segs},
        {"Tcp:RetransSegs", gw_tcp.retrans_segs, cl_tcp.retrans_segs},
        {"Tcp:OutRsts", gw_tcp.out_rsts, cl_tcp.out_rsts},
    };
    printf("\nkey /proc/net/snmp counters, side by side:\n  %-22s %8s %8s\n", "", "gateway",
           "client");
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        printf("  %-22s %8" PRIu64 " %8" PRIu64 "\n", rows[i].name, rows[i].gw, rows[i].client);
}

/* Everything essential worked: pings came back through the ping socket
 * (how many depends on the lossy wire: at 20% a request and its reply
 * both survive 64% of the time, and a lost ARP request delays the rest),
 * every UDP message was echoed intact (resent after timeouts, as a UDP
 * program must), the refused port was reported on the socket, and the
 * TCP exchange ran its whole course (TCP itself recovers the losses). */
static bool tcp_verdict(const struct demo_result *r)
{
    return r->tcp_connected && r->tcp_echoed && r->tcp_server_eof && r->tcp_client_eof &&
           r->tcp_refused;
}

/* ...and before them, the boot: DHCP bound and the gateway's name
 * resolved to its address, which the programs then used. */
static bool verdict(const struct demo *d)
{
    const struct demo_result *r = &d->apps.res;
    return demo_boot_ok(&d->boot) && d->apps_started && d->apps_rc == 0 && r->pings_answered > 0 &&
           r->udp_echoed == DEMO_UDP_MSGS && r->refused_seen && tcp_verdict(r) && d->http_started &&
           d->http_rc == 0 && demo_http_ok(&d->http);
}

static void print_wire(struct demo *d, const char *pcap_path)
{
    struct axn_sim_port_stats ps;
    uint64_t lost = 0;
    for (int p = 0; p < DEMO_PORTS; p++)
        if (axn_sim_port_stats(d->wire, p, &ps) == 0)
            lost += ps.lost;
    printf("\nwire: %" PRIu64 " frames lost (%d%% loss, %d%% during the download), seed 0x%llx, "
           "%.3f ms of virtual time\n",
           lost, DEMO_LOSS_PERCENT, DEMO_HTTP_LOSS_PERCENT, (unsigned long long)d->seed,
           (double)d->now / (double)AXN_USEC_PER_MSEC);
    /* Losses put segments out of order at the client: Wireshark 4.0 puts
     * the HTTP response together only when told to reassemble those. */
    printf("pcap of the client's interface: %s (open it in Wireshark)\n"
           "  its HTTP exchange: tshark -r %s -o tcp.reassemble_out_of_order:TRUE -Y http\n",
           pcap_path, pcap_path);
}

static void print_verdict(struct demo *d)
{
    const struct demo_result *r = &d->apps.res;
    char addr[AXN_IP4_STR_LEN];
    axn_fmt_ip4(addr, sizeof(addr), d->boot.resolved);
    printf("\n%s: DHCP %s; %s -> %s%s\n", verdict(d) ? "demo OK" : "demo FAILED",
           d->boot.dhcp_bound ? "bound" : "NOT bound", DEMO_LOOKUP_NAME,
           d->boot.resolved ? addr : "NOT resolved",
           d->boot.resolved && d->boot.resolved != gw_ip ? " (NOT the gateway)" : "");
    printf("  %d of %d pings answered; UDP echo %d/%d (%d resent after a timeout); "
           "ECONNREFUSED %s\n",
           r->pings_answered, r->pings_sent, r->udp_echoed, DEMO_UDP_MSGS, r->udp_resends,
           r->refused_seen ? "seen" : "NOT seen");
    printf("  TCP: connect %s, echo of %d bytes %s (client retransmissions: %u),\n"
           "  EOF %s/%s (server/client), ECONNREFUSED %s\n",
           r->tcp_connected ? "ok" : "FAILED", DEMO_TCP_MSG_LEN,
           r->tcp_echoed ? "byte-exact" : "NOT intact", r->tcp_retrans,
           r->tcp_server_eof ? "seen" : "NOT seen", r->tcp_client_eof ? "seen" : "NOT seen",
           r->tcp_refused ? "seen" : "NOT seen");
    const struct demo_http_result *h = &d->http.res;
    printf("  HTTP: GET %s -> %d, %" PRIu64 " of %u bytes, SHA-256 %s\n", DEMO_HTTP_PATH, h->status,
           h->body_bytes, DEMO_HTTP_FILE_LEN,
           demo_http_ok(&d->http) ? "matches" : "does NOT match (or the download failed)");
}

static void report(struct demo *d)
{
    char text[DEMO_TEXT_LEN];
    printf("\nclient ARP table (/proc/net/arp format):\n");
    axn_ctl_format_proc_net_arp(d->client, text, sizeof(text), d->now);
    fputs(text, stdout);
    printf("\nclient routes (from the DHCP lease):\n");
    print_routes(d->client);
    printf("\ninterface counters (L2 bytes, as /proc/net/dev):\n");
    print_stats(d->gw, "gateway");
    print_stats(d->client, "client");
    print_proc_net(d->gw, "gateway");
    print_proc_net(d->client, "client");
    print_snmp_digest(d);
    demo_boot_report(&d->boot, d->now);
    if (d->http_started && !d->http_reported) /* it never finished: how far it got */
        demo_http_report(&d->http);
}

/* After the client's stack is gone: the gateway alone until the wire is
 * quiet, so that the client's DHCPRELEASE (if the wire kept it) reaches
 * the server. */
static void drain_gateway(struct demo *d)
{
    const axn_time_t end = d->now + DEMO_DRAIN;
    while (d->now <= end) {
        set_time(d, d->now);
        axn_time_t next = axn_stack_poll(d->gw, d->now);
        if (axn_sim_port_rx_pending(d->wire, DEMO_GW_PORT) > 0)
            continue;
        if (axn_sim_wire_in_flight(d->wire) == 0)
            return;
        next = min_time(next, axn_sim_wire_next_event(d->wire));
        d->now = next > d->now ? next : d->now + 1;
    }
}

/* RFC 2131 4.4.6: a client that leaves gives its address back. The
 * client's stack does it as it is destroyed (the RELEASE is sent once:
 * the wire may lose it, and the lease then runs out on its own). */
static void release(struct demo *d)
{
    printf("\n--- the client's stack is destroyed: its DHCP client releases the lease ---\n");
    axn_stack_destroy(d->client);
    d->client = NULL;
    d->boot.client = NULL;
    drain_gateway(d);
    printf("\nDHCP server after the client left:\n");
    demo_boot_print_server(&d->boot, d->now);
}

static void usage(void)
{
    printf("usage: axnet demo [--pcap FILE] [--seed N]\n"
           "Runs two stacks on a simulated lossy wire with a virtual clock. The client\n"
           "boots by DHCP from the gateway's DHCP server and resolves the gateway's\n"
           "name through its DNS server; then a ping socket, a UDP echo service and\n"
           "its client, a closed UDP port, a TCP echo service and its client, a\n"
           "closed TCP port, and last an HTTP/1.1 download of a 1 MiB file from the\n"
           "gateway (GET http://" DEMO_LOOKUP_NAME DEMO_HTTP_PATH ") whose SHA-256 the\n"
           "client checks against the server's. Prints what happens; writes the\n"
           "client's frames to FILE (default axnet-demo.pcap). The same seed (default\n"
           "7) replays the same run, file included. Exits 0 when the boot, the\n"
           "exchanges and the download worked, 1 when one failed.\n");
}

/* The wire, the pcap tap and the frame tracers, then the two stacks: the
 * gateway with its services first, so that it hears the first DISCOVER. */
static int setup(struct demo *d, struct demo_drivers *dv, const char *pcap_path)
{
    int rc = make_wire(d, &dv->gw_raw, &dv->cl_raw);
    if (rc == 0)
        rc = axn_pcap_open(&dv->pcap, pcap_path, 0);
    if (rc == 0)
        rc = axn_pcap_tap_wrap(&dv->tap, &dv->cl_raw, dv->pcap,
                               (axn_pcap_clock_fn)axn_sim_wire_time, d->wire, &dv->cl_pcap);
    if (rc < 0)
        return rc;
    tracer_wrap(&dv->gw_trace, &dv->gw_raw, "gateway", d, DEMO_GW_PORT, &dv->gw_drv);
    tracer_wrap(&dv->cl_trace, &dv->cl_pcap, "client", d, DEMO_CLIENT_PORT, &dv->cl_drv);
    printf("axnet demo: a gateway (192.0.2.1/24) and a client (DHCP) on one simulated wire\n"
           "(%d ms delay, %d%% loss, virtual time). Lines with \"->\" are frames; the others\n"
           "are calls the programs make, with their return values.\n\n",
           (int)(DEMO_WIRE_DELAY / AXN_USEC_PER_MSEC), DEMO_LOSS_PERCENT);
    rc = make_stack(d, &dv->gw_drv, "eth0", gw_ip, &d->gw);
    if (rc == 0)
        rc = demo_boot_gateway(&d->boot, d->gw, gw_ip, d->now);
    if (rc == 0)
        rc = make_stack(d, &dv->cl_drv, "eth0", 0, &d->client);
    if (rc == 0)
        demo_boot_client(&d->boot, d->client, d->now);
    return rc;
}

int axn_tool_demo(int argc, char **argv)
{
    struct demo d = {.seed = DEMO_SEED};
    const char *pcap_path = "axnet-demo.pcap";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
            d.seed = strtoull(argv[++i], NULL, 0);
        } else if (!strcmp(argv[i], "--pcap") && i + 1 < argc) {
            pcap_path = argv[++i];
        } else {
            usage();
            return strcmp(argv[i], "--help") ? 2 : 0;
        }
    }
    axn_port_posix_init(&d.plat, AXN_LOG_WARN);
    d.plat.ctx = &d;
    d.plat.now = demo_clock;
    d.plat.random = demo_random;
    d.rng = d.seed;
    struct demo_drivers dv = {0};
    const int rc = setup(&d, &dv, pcap_path);
    bool ok = false;
    if (rc == 0) {
        run(&d);
        demo_apps_close(&d.apps);
        demo_http_close(&d.http);
        report(&d);
        ok = verdict(&d);
        release(&d);
        print_wire(&d, pcap_path);
        print_verdict(&d);
    } else {
        fprintf(stderr, "axnet demo: setup failed: %d\n", rc);
    }
    demo_boot_stop(&d.boot);
    axn_stack_destroy(d.client);
    axn_stack_destroy(d.gw);
    axn_pcap_tap_free(dv.tap);
    axn_pcap_close(dv.pcap);
    axn_sim_wire_destroy(d.wire);
    return ok ? 0 : 1;
}
