/*
 * port/posix IRQ registrar (platform.h, PLAT-12): a hosted "IRQ line" is a
 * file descriptor. Hosted drivers have no interrupt, but their readiness
 * is a readable fd (a TAP's frames), so the port turns "the fd became
 * readable" into "the IRQ fired": each registration gets one thread that
 * sleeps in epoll_wait(2) and runs the action, playing the CPU that takes
 * the interrupt.
 *
 * Why edge-triggered (EPOLLET): an fd stays readable until the device's RX
 * side drains it, which the stack does later on its RX worker, not in the
 * action (DRV-7). Level-triggered, the thread would spin on the same frame
 * until then. Edge-triggered, epoll reports each arrival made after the
 * previous report once: a frame landing while the RX worker drains, or
 * just after it found the fd empty, still raises a new edge, and the RX
 * event the action signals is sticky (RT-33), so no wake-up is lost and
 * nothing spins. A real NIC behaves the same way when its ISR acks the
 * "RX ready" cause before the ring is drained.
 *
 * Unregistering tells the thread to stop through an eventfd and joins it,
 * so irq_unregister returns only once no action runs (as free_irq).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "posix_internal.h"

/* Events one epoll_wait takes: the line and the stop request. */
#define IRQ_EPOLL_EVENTS 2
/* epoll_wait timeout meaning "no limit". */
#define IRQ_WAIT_FOREVER (-1)
/* Thread names are "irq/<name>", as Linux names threaded handlers. */
#define IRQ_THREAD_PREFIX "irq/"

/* epoll user data telling the two sources apart. */
enum { IRQ_SRC_LINE = 1, IRQ_SRC_STOP = 2 };

struct posix_irq {
    pthread_t tid;
    int epfd;
    int stopfd; /* eventfd: nonzero once unregister asked us to stop */
    int line_fd;
    axn_irq_action action;
    void *arg;
    char thread_name[AXN_PORT_POSIX_NAME_MAX + 1];
};

static bool irq_is_fd_line(int irq)
{
    return irq >= AXN_PORT_POSIX_IRQ_FD_BASE;
}

/* Runs the action for every edge until asked to stop. The stop request is
 * checked first, so an unregister never waits behind a burst of edges. */
static bool irq_serve_once(struct posix_irq *r)
{
    struct epoll_event ev[IRQ_EPOLL_EVENTS];
    int n = epoll_wait(r->epfd, ev, IRQ_EPOLL_EVENTS, IRQ_WAIT_FOREVER);
    if (n < 0)
        return errno == EINTR; /* a signal: wait again; else give up */
    bool fired = false;
    for (int i = 0; i < n; i++) {
        if (ev[i].data.u32 == IRQ_SRC_STOP)
            return false;
        fired = true;
    }
    if (fired)
        (void)r->action(r->arg);
    return true;
}

static void *irq_thread(void *p)
{
    struct posix_irq *r = p;
    pthread_setname_np(pthread_self(), r->thread_name);
    while (irq_serve_once(r))
        ;
    return NULL;
}

static int irq_watch(int epfd, int fd, uint32_t events, uint32_t src)
{
    struct epoll_event ev = {.events = events, .data.u32 = src};
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? axn_posix_err(errno) : 0;
}

static void irq_close_fds(struct posix_irq *r)
{
    if (r->epfd >= 0)
        close(r->epfd);
    if (r->stopfd >= 0)
        close(r->stopfd);
}

static void irq_set_name(struct posix_irq *r, const char *name)
{
    size_t max = AXN_PORT_POSIX_NAME_MAX;
    size_t pre = strlen(IRQ_THREAD_PREFIX);
    memcpy(r->thread_name, IRQ_THREAD_PREFIX, pre);
    if (name)
        memcpy(r->thread_name + pre, name, strnlen(name, max - pre));
}

/* The epoll set: the line edge-triggered (see the top comment), the stop
 * eventfd level-triggered so a stop is never missed. A bad line fd is
 * -AXN_EINVAL, the registrar's "bad IRQ". */
static int irq_open(struct posix_irq *r)
{
    r->epfd = epoll_create1(EPOLL_CLOEXEC);
    r->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (r->epfd < 0 || r->stopfd < 0)
        return axn_posix_err(errno);
    int err = irq_watch(r->epfd, r->stopfd, EPOLLIN, IRQ_SRC_STOP);
    if (err)
        return err;
    err = irq_watch(r->epfd, r->line_fd, EPOLLIN | EPOLLET, IRQ_SRC_LINE);
    return err == -AXN_EPERM || err == -AXN_EBADF ? -AXN_EINVAL : err;
}

static int irq_register(void *ctx, const char *name, int irq, axn_irq_action action, void *arg,
                        void **registration)
{
    (void)ctx;
    if (!irq_is_fd_line(irq) || !action || !registration)
        return -AXN_EINVAL;
    struct posix_irq *r = calloc(1, sizeof *r);
    if (!r)
        return -AXN_ENOMEM;
    r->line_fd = irq - AXN_PORT_POSIX_IRQ_FD_BASE;
    r->action = action;
    r->arg = arg;
    irq_set_name(r, name);
    int err = irq_open(r);
    if (!err)
        err = axn_posix_err(pthread_create(&r->tid, NULL, irq_thread, r));
    if (err) {
        irq_close_fds(r);
        free(r);
        return err;
    }
    *registration = r;
    return 0;
}

static void irq_unregister(void *ctx, void *registration)
{
    (void)ctx;
    struct posix_irq *r = registration;
    if (!r)
        return;
    const uint64_t one = 1;
    /* An eventfd write of 1 cannot fail short of overflow, which a single
     * stop request never reaches. */
    (void)!write(r->stopfd, &one, sizeof one);
    pthread_join(r->tid, NULL);
    irq_close_fds(r);
    free(r);
}

void axn_posix_install_irq(struct axn_platform *plat)
{
    plat->irq_register = irq_register;
    plat->irq_unregister = irq_unregister;
}
