/*
 * `axnet --sim` (runner_sim.h): the simulated network the runner's stack
 * joins instead of a TAP: one wire, a pump thread moving its clock with
 * the real one, and the gateway, a second threaded stack with DHCP, DNS,
 * echo/discard/chargen, HTTP and iperf3 servers.
 *
 * This file: the flags, start and stop. The wire and its pump are
 * runner_sim_wire.c, the gateway and its services runner_sim_gw.c.
 */
#include "runner_sim.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "axnet/dhcp.h"
#include "axnet/hosted/sim_wire.h"
#include "axnet/port_posix.h"
#include "runner.h"
#include "runner_sim_net.h"

#define PERCENT_MAX  100u
#define PPM_PER_PCT  (AXN_SIM_PPM_ALWAYS / PERCENT_MAX)
#define DELAY_MAX_MS 10000u /* a longer wire is a typo */
/* How long stopping waits for the gateway to take our DHCPRELEASE. */
#define RELEASE_WAIT    AXN_MSEC(500)
#define RELEASE_POLL_NS 5000000L

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

/* ---- Start and stop ----------------------------------------------------------------- */

int axn_runner_sim_start(struct axn_runner *r)
{
    struct axn_sim_net *n = calloc(1, sizeof(*n));
    if (!n)
        return axn_runner_sim_say_failed(r, "memory", ENOMEM);
    r->net = n;
    pthread_mutex_init(&n->irq_lock, NULL);
    n->client_dhcp = r->ifaces[0].dhcp;
    int err = axn_runner_sim_make_wire(r, n);
    if (err)
        return axn_runner_sim_say_failed(r, "simulated wire", err);
    /* The pump first: frames sent with --delay need the clock to move. */
    if ((err = axn_runner_sim_start_pump(n)) != 0)
        return axn_runner_sim_say_failed(r, "pump thread", err);
    if ((err = axn_runner_sim_gateway_up(n, r->log_level)) != 0)
        return axn_runner_sim_say_failed(r, "stack", err);
    if (axn_runner_sim_start_services(r, n) != 0)
        return -1;
    axn_runner_sim_use_irqs(n, &r->plat);
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
    axn_runner_sim_stop_services(n);
    axn_stack_destroy(n->gw);
    n->gw = NULL;
    axn_runner_sim_stop_pump(n);
    axn_sim_wire_destroy(n->wire);
    pthread_mutex_destroy(&n->irq_lock);
    free(n);
    r->net = NULL;
}
