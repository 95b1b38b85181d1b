/*
 * Two UDP sockets on one threaded stack (port/posix, real workers) over
 * lo, hammered: thread A sends N datagrams as fast as it can
 * (MSG_DONTWAIT, retrying on EAGAIN); the main thread B sleeps until a
 * registered waker (axn_socket_add_waker) signals readiness and drains
 * with MSG_DONTWAIT.
 *
 * What must hold:
 *   - every datagram A's sends reported as sent arrives, but for those
 *     the stack counted as dropped (UDP RcvbufErrors, lo rx_dropped):
 *     received == sent - dropped, exactly;
 *   - sequence numbers arrive in increasing order, none twice;
 *   - no wake-up is lost: B's every wait is bounded, and a wait that
 *     times out while the socket has a datagram queued fails the test.
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "axnet/errno.h"
#include "axnet/netctl.h"
#include "axnet/port_posix.h"
#include "axnet/snmp.h"
#include "axnet/socket.h"
#include "axnet/stack.h"

#define N_DATAGRAMS 20000u
#define LOOPBACK    AXN_IP4(127, 0, 0, 1)
#define PORT_A      40001u
#define PORT_B      40002u
#define PAYLOAD_LEN 32u /* a sequence number, then filler */
#define SEQ_LEN     sizeof(uint32_t)
/* One wait for a wake-up: far longer than a deferred waker takes to run,
 * so a timeout with data queued means the wake-up was lost. */
#define WAIT_SLICE_NS 500000000ll
/* The whole exchange, sending and draining (the test stays near 5 s even
 * when something is wrong). */
#define RUN_PATIENCE_NS 4000000000ll
#define NS_PER_SEC      1000000000ll

static long long mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

/* ---- The fixture ----------------------------------------------------------------------- */

static struct {
    struct axn_platform plat;
    struct axn_stack *st;
    struct axn_socket *a;
    struct axn_socket *b;
    /* A's results. */
    _Atomic uint32_t sent;
    _Atomic bool send_done;
    _Atomic long send_error; /* a send result that is neither success nor EAGAIN */
    /* B's wake-ups. */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool woken;
    /* Drop counters before the run. */
    uint64_t rcvbuf_errors0;
    uint64_t lo_rx_dropped0;
} H;

static struct axn_sockaddr_in sin4(axn_ip4_t addr, uint16_t port)
{
    struct axn_sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AXN_AF_INET;
    const uint8_t port_be[] = {(uint8_t)(port >> 8), (uint8_t)port};
    const uint8_t addr_be[] = {(uint8_t)(addr >> 24), (uint8_t)(addr >> 16), (uint8_t)(addr >> 8),
                               (uint8_t)addr};
    memcpy(&sa.sin_port, port_be, sizeof(port_be));
    memcpy(&sa.sin_addr.s_addr, addr_be, sizeof(addr_be));
    return sa;
}

static struct axn_socket *udp_on(uint16_t port)
{
    struct axn_socket *s;
    assert_int_equal(axn_socket(H.st, AXN_AF_INET, AXN_SOCK_DGRAM, 0, &s), 0);
    const struct axn_sockaddr_in sa = sin4(LOOPBACK, port);
    assert_int_equal(axn_bind(s, (const struct axn_sockaddr *)&sa, sizeof(sa)), 0);
    return s;
}

/* Datagrams the stack dropped since the run began. */
static uint64_t dropped_since_start(void)
{
    struct axn_snmp_udp u;
    axn_udp_snmp(H.st, &u);
    struct axn_link_stats lo;
    assert_int_equal(axn_ctl_link_stats(H.st, AXN_IFINDEX_LOOPBACK, &lo), 0);
    return (u.rcvbuf_errors - H.rcvbuf_errors0) + (lo.rx_dropped - H.lo_rx_dropped0);
}

static int setup(void **state)
{
    (void)state;
    memset(&H, 0, sizeof(H));
    if (axn_port_posix_init(&H.plat, AXN_LOG_ERROR) != 0)
        return -1;
    if (axn_stack_create(&H.plat, &H.st) != 0 || axn_stack_start(H.st) != 0)
        return -1;
    pthread_mutex_init(&H.mu, NULL);
    pthread_cond_init(&H.cv, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    axn_stack_destroy(H.st);
    pthread_cond_destroy(&H.cv);
    pthread_mutex_destroy(&H.mu);
    return 0;
}

/* ---- A: the sender ------------------------------------------------------------------------- */

static void *sender(void *arg)
{
    (void)arg;
    uint8_t buf[PAYLOAD_LEN];
    memset(buf, 0xa5, sizeof(buf));
    const long long give_up = mono_ns() + RUN_PATIENCE_NS;
    uint32_t seq = 0;
    while (seq < N_DATAGRAMS && mono_ns() < give_up) {
        memcpy(buf, &seq, SEQ_LEN);
        const long rc = axn_send(H.a, buf, sizeof(buf), AXN_MSG_DONTWAIT);
        if (rc == (long)sizeof(buf)) {
            seq++;
            atomic_store(&H.sent, seq);
        } else if (rc == -AXN_EAGAIN) {
            sched_yield();
        } else {
            atomic_store(&H.send_error, rc);
            break;
        }
    }
    atomic_store(&H.send_done, true);
    return NULL;
}

/* ---- B: the receiver ----------------------------------------------------------------------- */

/* The waker: runs on a stack thread, never under the core lock. */
static void on_wake(void *ctx, unsigned events)
{
    (void)ctx;
    (void)events;
    pthread_mutex_lock(&H.mu);
    H.woken = true;
    pthread_cond_signal(&H.cv);
    pthread_mutex_unlock(&H.mu);
}

static void arm(void)
{
    pthread_mutex_lock(&H.mu);
    H.woken = false;
    pthread_mutex_unlock(&H.mu);
}

/* Waits one slice for the waker; false when it timed out. */
static bool wait_woken(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    const long long at = (long long)ts.tv_sec * NS_PER_SEC + ts.tv_nsec + WAIT_SLICE_NS;
    ts.tv_sec = (time_t)(at / NS_PER_SEC);
    ts.tv_nsec = (long)(at % NS_PER_SEC);
    pthread_mutex_lock(&H.mu);
    int rc = 0;
    while (!H.woken && rc == 0)
        rc = pthread_cond_timedwait(&H.cv, &H.mu, &ts);
    const bool woken = H.woken;
    pthread_mutex_unlock(&H.mu);
    return woken;
}

struct tally {
    uint32_t received;
    uint32_t next_min; /* the lowest sequence number still acceptable */
    uint32_t out_of_order;
    uint32_t lost_wakeups;
};

/* Reads until the queue is empty, checking the order. */
static void drain(struct tally *t)
{
    uint8_t buf[PAYLOAD_LEN];
    long rc;
    while ((rc = axn_recv(H.b, buf, sizeof(buf), AXN_MSG_DONTWAIT)) > 0) {
        uint32_t seq;
        memcpy(&seq, buf, SEQ_LEN);
        if (rc != (long)sizeof(buf) || seq < t->next_min)
            t->out_of_order++;
        else
            t->next_min = seq + 1;
        t->received++;
    }
    assert_int_equal(rc, -AXN_EAGAIN);
}

/* Everything sent is accounted for: read or counted as dropped. */
static bool all_accounted(const struct tally *t)
{
    if (!atomic_load(&H.send_done))
        return false;
    return t->received + dropped_since_start() >= atomic_load(&H.sent);
}

static void receive_until_accounted(struct tally *t)
{
    const long long give_up = mono_ns() + RUN_PATIENCE_NS;
    while (mono_ns() < give_up) {
        arm();
        drain(t);
        if (all_accounted(t))
            return;
        /* A timed-out wait is a lost wake-up only if data sat queued. */
        if (!wait_woken() && (axn_socket_poll(H.b) & AXN_POLLIN))
            t->lost_wakeups++;
    }
}

/* ---- The test ---------------------------------------------------------------------------- */

static void udp_hammer_over_lo_loses_nothing_uncounted(void **state)
{
    (void)state;
    H.a = udp_on(PORT_A);
    H.b = udp_on(PORT_B);
    const struct axn_sockaddr_in to_b = sin4(LOOPBACK, PORT_B);
    assert_int_equal(axn_connect(H.a, (const struct axn_sockaddr *)&to_b, sizeof(to_b)), 0);
    struct axn_snmp_udp u0;
    axn_udp_snmp(H.st, &u0);
    struct axn_link_stats lo0;
    assert_int_equal(axn_ctl_link_stats(H.st, AXN_IFINDEX_LOOPBACK, &lo0), 0);
    H.rcvbuf_errors0 = u0.rcvbuf_errors;
    H.lo_rx_dropped0 = lo0.rx_dropped;

    struct axn_waker w = {.wake = on_wake, .ctx = NULL, .interest = AXN_POLLIN};
    assert_int_equal(axn_socket_add_waker(H.b, &w) & AXN_POLLIN, 0); /* nothing sent yet */
    pthread_t a;
    assert_int_equal(pthread_create(&a, NULL, sender, NULL), 0);
    struct tally t = {0};
    receive_until_accounted(&t);
    pthread_join(a, NULL);
    axn_socket_remove_waker(H.b, &w);

    const uint32_t sent = atomic_load(&H.sent);
    assert_int_equal(atomic_load(&H.send_error), 0);
    assert_int_equal(sent, N_DATAGRAMS);
    assert_int_equal(t.lost_wakeups, 0);
    assert_int_equal(t.out_of_order, 0);
    assert_int_equal((uint64_t)t.received, (uint64_t)sent - dropped_since_start());
    /* Nothing arrived late after the accounting closed. */
    drain(&t);
    assert_int_equal((uint64_t)t.received, (uint64_t)sent - dropped_since_start());
    assert_int_equal(axn_close(H.a), 0);
    assert_int_equal(axn_close(H.b), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(udp_hammer_over_lo_loses_nothing_uncounted, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
