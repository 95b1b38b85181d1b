/*
 * `axnet --sim` (runner_sim.h): the simulated wire itself, the small IRQ
 * registrar that raises its ports' lines in both stacks (port/posix only
 * takes file descriptors), and the pump thread that keeps the wire's
 * virtual clock on the real monotonic one. Split from the gateway's
 * services (runner_sim_gw.c): this part only moves frames and time.
 */
#include <pthread.h>
#include <time.h>

#include "axnet/errno.h"
#include "axnet/hosted/sim_wire.h"
#include "axnet/port_posix.h"
#include "runner.h"
#include "runner_sim.h"
#include "runner_sim_net.h"

#define SIM_SEED       0x5eedULL /* the wire's loss draws: replayable */
#define SIM_IRQ_CLIENT 1         /* small numbers: not port/posix fd lines */
#define SIM_IRQ_GW     2
#define NSEC_PER_USEC  1000L
/* The pump's period: the stacks see the wire's time at most this late. */
#define PUMP_TICK     AXN_MSEC(1)
#define MAC_LOCAL_BIT 0x02u /* IEEE 802: locally administered */
#define MAC_GROUP_BIT 0x01u

static const struct axn_mac gw_mac = {{0x02, 0x00, 0x00, 0x5e, 0x00, 0x01}};

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
void axn_runner_sim_use_irqs(struct axn_sim_net *n, struct axn_platform *plat)
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

int axn_runner_sim_start_pump(struct axn_sim_net *n)
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

void axn_runner_sim_stop_pump(struct axn_sim_net *n)
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

int axn_runner_sim_make_wire(struct axn_runner *r, struct axn_sim_net *n)
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
