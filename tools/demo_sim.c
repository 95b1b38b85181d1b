/*
 * `axnet demo`: two stack instances on a simulated, lossy Ethernet wire,
 * driven by a virtual clock, printed step by step.
 *
 * What runs is the real library: Ethernet adapters with ARP (retries on a
 * timer when a request is lost), the router with source-aware egress, the
 * control plane's routes and ARP table, per-interface counters, and a pcap
 * of the client's interface, and the IPv4 layer every stack is born with:
 * the client pings through it (axn_ip4_output) and the gateway's answers
 * the echo requests itself.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axnet/errno.h"
#include "axnet/hosted/pcap.h"
#include "axnet/hosted/sim_wire.h"
#include "axnet/netctl.h"
#include "axnet/port_posix.h"
#include "axnet/snmp.h"
#include "core/stack_impl.h"
#include "ip/ip4.h"
#include "lib/fmt.h"
#include "route/router.h"
#include "tools.h"
#include "wire/checksum.h"
#include "wire/icmp4.h"
#include "wire/ipv4.h"

#define DEMO_SEED         7ULL
#define DEMO_PINGS        8
#define DEMO_PING_GAP     AXN_MSEC(250)
#define DEMO_END          AXN_SEC(6)
#define DEMO_WIRE_DELAY   AXN_MSEC(2)
#define DEMO_WIRE_JITTER  500 /* µs */
#define DEMO_LOSS_PERCENT 20
#define DEMO_PING_ID      0x4158 /* "AX" */
#define DEMO_PAYLOAD_LEN  56     /* as ping(8) */
#define DEMO_PREFIX       24

static const axn_ip4_t gw_ip = AXN_IP4(192, 0, 2, 1);
static const axn_ip4_t client_ip = AXN_IP4(192, 0, 2, 2);

struct demo {
    struct axn_platform plat;
    struct axn_sim_wire *wire;
    struct axn_stack *gw, *client;
    axn_time_t now;
    uint64_t seed;
    axn_time_t sent_at[DEMO_PINGS];
    int replies;
};

/* ---- Frames on the wire ------------------------------------------------ */

static void on_delivery(void *ctx, int port, axn_time_t at, const uint8_t *frame, size_t len)
{
    (void)ctx;
    char desc[160];
    axn_tool_describe_frame(frame, len, desc, sizeof(desc));
    printf("%8.3f ms    wire    -> %-7s %s\n", (double)at / 1000.0,
           port == 0 ? "gateway" : "client", desc);
}

/* ---- Frames leaving a stack: a driver wrapper that prints them ------- */

struct tracer {
    struct axn_eth_driver inner;
    struct axn_eth_driver_ops ops;
    const char *who;
    struct axn_sim_wire *wire;
};

static int trace_transmit(void *drv, struct axn_tx_buf *tx)
{
    struct tracer *t = drv;
    char desc[160];
    axn_tool_describe_frame(tx->data, tx->len, desc, sizeof(desc));
    printf("%8.3f ms    %-7s -> wire  %s\n", (double)axn_sim_wire_time(t->wire) / 1000.0, t->who,
           desc);
    return t->inner.ops->transmit(t->inner.drv, tx);
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
                        struct axn_sim_wire *wire, struct axn_eth_driver *out)
{
    t->inner = *inner;
    t->who = who;
    t->wire = wire;
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

/* ---- Pinging through the IP layer ------------------------------------ */

/* The client's echo replies, from its IP layer (core lock held). */
static void on_echo_reply(void *ctx, const struct axn_ip4_rx *rx, const struct axn_icmp4 *icmp,
                          axn_time_t now)
{
    (void)rx;
    struct demo *d = ctx;
    if (icmp->id != DEMO_PING_ID || icmp->seq >= DEMO_PINGS)
        return;
    d->replies++;
    printf("%8.3f ms  client: reply seq=%u from 192.0.2.1, rtt %.3f ms\n", (double)now / 1000.0,
           icmp->seq, (double)(now - d->sent_at[icmp->seq]) / 1000.0);
}

static void send_ping(struct demo *d, uint16_t seq)
{
    uint8_t data[DEMO_PAYLOAD_LEN];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)i;
    const struct axn_icmp4 icmp = {.type = AXN_ICMP4_ECHO_REQUEST,
                                   .id = DEMO_PING_ID,
                                   .seq = seq,
                                   .body = data,
                                   .body_len = sizeof(data)};
    uint8_t msg[AXN_ICMP4_HDR_LEN + DEMO_PAYLOAD_LEN];
    int n = axn_icmp4_emit(&icmp, msg, sizeof(msg));
    d->sent_at[seq] = d->now;
    printf("%8.3f ms  client: ping 192.0.2.1 seq=%u\n", (double)d->now / 1000.0, seq);
    const struct axn_ip4_tx tx = {.dst = gw_ip, .protocol = AXN_IPPROTO_ICMP};
    d->plat.mutex_lock(d->client->core_lock);
    int rc = n > 0 ? axn_ip4_output(d->client->ip4, &tx, msg, (size_t)n, d->now) : -AXN_EINVAL;
    d->plat.mutex_unlock(d->client->core_lock);
    if (rc < 0)
        printf("            client: output failed: %d\n", rc);
}

/* ---- Setting up ------------------------------------------------------------ */

static int make_stack(struct demo *d, const struct axn_eth_driver *drv, const char *name,
                      axn_ip4_t addr, axn_ip4_t gateway, struct axn_stack **out)
{
    int rc = axn_stack_create(&d->plat, out);
    if (rc < 0)
        return rc;
    struct axn_iface_config ifc = {
        .ipv4_mode = AXN_IPV4_STATIC, .addr = addr, .prefix_len = DEMO_PREFIX, .gateway = gateway};
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

static void run(struct demo *d)
{
    axn_time_t next_ping = 0;
    uint16_t seq = 0;
    while (d->now <= DEMO_END) {
        axn_sim_wire_set_time(d->wire, d->now);
        if (seq < DEMO_PINGS && d->now >= next_ping) {
            send_ping(d, seq++);
            next_ping += DEMO_PING_GAP;
        }
        axn_time_t next = axn_stack_poll(d->client, d->now);
        next = min_time(next, axn_stack_poll(d->gw, d->now));
        if (axn_sim_port_rx_pending(d->wire, 0) > 0 || axn_sim_port_rx_pending(d->wire, 1) > 0)
            continue; /* more frames are receivable now */
        next = min_time(next, axn_sim_wire_next_event(d->wire));
        if (seq < DEMO_PINGS)
            next = min_time(next, next_ping);
        /* Nothing pending at all (every frame lost): jump to the end. */
        next = min_time(next, DEMO_END + 1);
        d->now = next > d->now ? next : d->now + 1;
    }
}

/* ---- Reporting ------------------------------------------------------------------ */

static void print_stats(struct axn_stack *st, const char *who)
{
    struct axn_iface_info ifs[4];
    size_t n = axn_ctl_interfaces(st, ifs, 4);
    for (size_t i = 0; i < n && i < 4; i++) {
        struct axn_link_stats s;
        if (axn_ctl_link_stats(st, ifs[i].ifindex, &s) < 0)
            continue;
        printf("  %-7s %-5s rx %3" PRIu64 " pkts %6" PRIu64 " B  tx %3" PRIu64 " pkts %6" PRIu64
               " B  drops rx %" PRIu64 " tx %" PRIu64 "\n",
               who, ifs[i].name, s.rx_packets, s.rx_bytes, s.tx_packets, s.tx_bytes, s.rx_dropped,
               s.tx_dropped);
    }
}

static void report(struct demo *d, const char *pcap_path)
{
    char arp[1024];
    printf("\nclient ARP table (/proc/net/arp format):\n");
    axn_ctl_format_proc_net_arp(d->client, arp, sizeof(arp), d->now);
    fputs(arp, stdout);
    printf("\nclient routes:\n");
    struct axn_route_info routes[8];
    size_t n = axn_ctl_routes(d->client, routes, 8);
    for (size_t i = 0; i < n && i < 8; i++) {
        char p[AXN_IP4_STR_LEN], via[AXN_IP4_STR_LEN], src[AXN_IP4_STR_LEN];
        axn_fmt_ip4(p, sizeof(p), routes[i].prefix);
        axn_fmt_ip4(via, sizeof(via), routes[i].via);
        axn_fmt_ip4(src, sizeof(src), routes[i].source);
        printf("  %s/%u %s%s dev %u src %s metric %u\n", p, routes[i].prefix_len,
               routes[i].has_via ? "via " : "", routes[i].has_via ? via : "", routes[i].ifindex,
               src, routes[i].metric);
    }
    printf("\ninterface counters (L2 bytes, as /proc/net/dev):\n");
    print_stats(d->gw, "gateway");
    print_stats(d->client, "client");
    struct axn_sim_port_stats ps;
    uint64_t lost = 0;
    for (int p = 0; p < 2; p++)
        if (axn_sim_port_stats(d->wire, p, &ps) == 0)
            lost += ps.lost;
    printf("\nwire: %" PRIu64 " frames lost (%d%% loss, seed 0x%llx)\n", lost, DEMO_LOSS_PERCENT,
           (unsigned long long)d->seed);
    struct axn_snmp gw, cl;
    axn_ctl_snmp(d->gw, &gw);
    axn_ctl_snmp(d->client, &cl);
    printf("gateway Icmp: InEchos %" PRIu64 " OutEchoReps %" PRIu64
           "; client Icmp: InEchoReps %" PRIu64 "\n",
           gw.icmp.in_echos, gw.icmp.out_echo_reps, cl.icmp.in_echo_reps);
    printf("%d of %d pings answered\n", d->replies, DEMO_PINGS);
    printf("pcap of the client's interface: %s (open it in Wireshark)\n", pcap_path);
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
            printf("usage: axnet demo [--pcap FILE] [--seed N]\n"
                   "Runs two stacks on a simulated lossy wire with a virtual clock and\n"
                   "prints what happens; writes the client's frames to FILE\n"
                   "(default axnet-demo.pcap). The same seed replays the same run.\n");
            return strcmp(argv[i], "--help") ? 2 : 0;
        }
    }
    axn_port_posix_init(&d.plat, AXN_LOG_WARN);
    struct axn_eth_driver gw_raw, gw_drv, cl_raw, cl_pcap, cl_drv;
    struct tracer gw_trace, cl_trace;
    struct axn_pcap *pcap = NULL;
    struct axn_pcap_tap *tap = NULL;
    int rc = make_wire(&d, &gw_raw, &cl_raw);
    if (rc == 0)
        rc = axn_pcap_open(&pcap, pcap_path, 0);
    if (rc == 0)
        rc = axn_pcap_tap_wrap(&tap, &cl_raw, pcap, (axn_pcap_clock_fn)axn_sim_wire_time, d.wire,
                               &cl_pcap);
    if (rc == 0) {
        tracer_wrap(&gw_trace, &gw_raw, "gateway", d.wire, &gw_drv);
        tracer_wrap(&cl_trace, &cl_pcap, "client", d.wire, &cl_drv);
    }
    printf("axnet demo: gateway 192.0.2.1/24 and client 192.0.2.2/24 on one simulated wire\n"
           "(%d ms delay, %d%% loss, virtual time; the gateway answers pings)\n\n",
           (int)(DEMO_WIRE_DELAY / 1000), DEMO_LOSS_PERCENT);
    if (rc == 0)
        rc = make_stack(&d, &gw_drv, "eth0", gw_ip, 0, &d.gw);
    if (rc == 0)
        rc = make_stack(&d, &cl_drv, "eth0", client_ip, gw_ip, &d.client);
    if (rc == 0) {
        axn_ip4_set_echo_reply_handler(d.client->ip4, on_echo_reply, &d);
        run(&d);
        report(&d, pcap_path);
    } else {
        fprintf(stderr, "axnet demo: setup failed: %d\n", rc);
    }
    axn_stack_destroy(d.client);
    axn_stack_destroy(d.gw);
    axn_pcap_tap_free(tap);
    axn_pcap_close(pcap);
    axn_sim_wire_destroy(d.wire);
    /* Success: the wire lost frames and ARP retried, yet most pings came back. */
    return rc == 0 && d.replies >= DEMO_PINGS / 2 ? 0 : 1;
}
