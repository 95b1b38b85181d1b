/*
 * What the parts of `axnet --sim` (runner_sim.h) share: the simulated
 * network's state, and the functions each part gives the others. The
 * wire, its IRQ registrar and the pump thread are runner_sim_wire.c; the
 * gateway's stack and its services runner_sim_gw.c; the flags, start and
 * stop runner_sim.c. Private to those three files.
 */
#ifndef AXN_TOOLS_RUNNER_SIM_NET_H
#define AXN_TOOLS_RUNNER_SIM_NET_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "axnet/driver.h"
#include "axnet/platform.h"
#include "axnet/socket.h"
#include "dns_responder.h"
#include "inet_services.h"

struct axn_runner;

#define SIM_IRQ_LINES 3
/* Room for $TMPDIR/WWW_TEMPLATE; a longer TMPDIR fails mkdtemp (its
 * template is cut). Well below PATH_MAX, so its files' paths fit. */
#define WWW_DIR_MAX 512
/* echo, discard, chargen each on its own, over TCP and over UDP. */
#define SIM_INET_PARTS (2 * AXN_INET_SERVICE_COUNT)

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

/* ---- The wire (runner_sim_wire.c) --------------------------------------------------- */

/* Gives `plat` the wire's IRQ registrar (its ctx becomes `n`). */
void axn_runner_sim_use_irqs(struct axn_sim_net *n, struct axn_platform *plat);
/* Starts the pump thread keeping the wire's clock on the real one; 0 or -errno. */
int axn_runner_sim_start_pump(struct axn_sim_net *n);
/* Stops and joins the pump (nothing if it never started). */
void axn_runner_sim_stop_pump(struct axn_sim_net *n);
/* Creates the wire with the flags' impairment and its two IRQ ports. */
int axn_runner_sim_make_wire(struct axn_runner *r, struct axn_sim_net *n);

/* ---- The gateway (runner_sim_gw.c) -------------------------------------------------- */

/* Prints why a part of the gateway failed; returns -1. */
int axn_runner_sim_say_failed(const struct axn_runner *r, const char *what, int err);
/* The gateway's threaded stack, 10.0.0.1/24 on the wire; 0 or an error. */
int axn_runner_sim_gateway_up(struct axn_sim_net *n, enum axn_log_level lvl);
/* DHCP, DNS, echo/discard/chargen, HTTP, iperf3; 0 or -1 (printed). */
int axn_runner_sim_start_services(struct axn_runner *r, struct axn_sim_net *n);
/* Stops every service started, side by side, and removes the HTTP directory. */
void axn_runner_sim_stop_services(struct axn_sim_net *n);

#endif /* AXN_TOOLS_RUNNER_SIM_NET_H */
