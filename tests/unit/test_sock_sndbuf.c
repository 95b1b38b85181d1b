/*
 * SO_SNDBUF bounds what a datagram socket has in flight, as on Linux: each
 * packet a device TX queue holds is charged to the socket (sk_wmem_alloc)
 * until the device takes it or it is dropped (sock_wfree); a send starts
 * only while that is below SO_SNDBUF (sock_alloc_send_pskb), otherwise it
 * waits (SO_SNDTIMEO) or is -EAGAIN; POLLOUT means sock_writeable (below
 * half); SIOCOUTQ reads the bytes in flight. One stack on a simulated
 * wire, caller-polled: the TX queue drains only when the test polls.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "axnet/errno.h"
#include "axnet/hosted/sim_wire.h"
#include "axnet/netctl.h"
#include "axnet/socket.h"
#include "core/stack_impl.h"
#include "sim_stacks.h"
#include "test_platform.h"
#include "vtime_platform.h"
#include "wire/ipv4.h"
#include "wire/udp.h"

#define A_ADDR     AXN_IP4(192, 0, 2, 10)
#define OTHER_ADDR AXN_IP4(192, 0, 2, 20) /* on the wire, nobody there */
#define PREFIX_24  24u
#define T0         AXN_SEC(1)
#define PORT_A     4000u
#define PORT_B     4001u
#define PAYLOAD    1000u
#define PKT_LEN    (PAYLOAD + AXN_UDP_HDR_LEN + AXN_IPV4_HDR_MIN) /* what is charged */
#define SNDBUF_SET 4096                                           /* doubled: 8192 */
#define SNDBUF     (2 * SNDBUF_SET)
/* Admitted while below SO_SNDBUF: the last one goes past it. */
#define N_ADMITTED    ((SNDBUF + PKT_LEN - 1) / PKT_LEN)
#define SNDTIMEO_USEC 250000
#define WRITABLE      (AXN_POLLOUT | AXN_POLLWRNORM | AXN_POLLWRBAND)

static struct {
    const struct axn_platform *plat;
    struct axn_platform vt; /* the virtual-clock platform with wait queues */
    bool on_vt;
    struct axn_stack *st;
    struct axn_sim_wire *w;
    struct axn_eth_driver drv[1];
    struct axn_mac mac[1];
    struct axn_socket *s;
} F;

static axn_time_t now(void)
{
    return F.on_vt ? axn_vt_now() : T0;
}

static int setup_on(const struct axn_platform *plat)
{
    F.plat = plat;
    axn_test_set_now(T0);
    axn_test_seed_random(1);
    const struct axn_sim_wire_config cfg = {.start_time = T0};
    assert_int_equal(axn_sim_wire_create(&F.w, &cfg, 1), 0);
    F.mac[0] = (struct axn_mac){{0x02, 0, 0, 0, 1, 1}};
    assert_int_equal(axn_sim_wire_add_port(F.w, &F.mac[0], &F.drv[0]), 0);
    assert_int_equal(axn_stack_create(plat, &F.st), 0);
    struct axn_iface_config ic;
    memset(&ic, 0, sizeof(ic));
    ic.match = AXN_MATCH_ORDER;
    ic.ipv4_mode = AXN_IPV4_STATIC;
    ic.addr = A_ADDR;
    ic.prefix_len = PREFIX_24;
    const struct axn_net_config nc = {.ifaces = &ic, .n_ifaces = 1};
    const struct axn_eth_driver *drv[1] = {&F.drv[0]};
    assert_int_equal(axn_stack_init_network(F.st, drv, 1, &nc, now()), 0);
    assert_int_equal(axn_socket(F.st, AXN_AF_INET, AXN_SOCK_DGRAM, 0, &F.s), 0);
    return 0;
}

static int setup(void **state)
{
    (void)state;
    memset(&F, 0, sizeof(F));
    return setup_on(axn_test_platform());
}

/* Wait queues on the virtual clock, built from its events (the vtime
 * platform's own refuse to block), as test_socket_api.c does. */
static int vq_create(void *ctx, void **q)
{
    return axn_vt_platform()->event_create(ctx, q);
}

static void vq_destroy(void *ctx, void *q)
{
    axn_vt_platform()->event_destroy(ctx, q);
}

static int vq_wait(void *q, void *m, axn_time_t deadline)
{
    axn_vt_platform()->mutex_unlock(m);
    const int rc = axn_vt_platform()->event_wait(q, deadline);
    axn_vt_platform()->mutex_lock(m);
    return rc;
}

static void vq_wake_all(void *q)
{
    axn_vt_platform()->event_signal(q);
}

static int setup_vt(void **state)
{
    (void)state;
    memset(&F, 0, sizeof(F));
    axn_vt_reset(T0);
    F.vt = *axn_vt_platform();
    F.vt.waitq_create = vq_create;
    F.vt.waitq_destroy = vq_destroy;
    F.vt.waitq_wait = vq_wait;
    F.vt.waitq_wake_all = vq_wake_all;
    F.on_vt = true;
    return setup_on(&F.vt);
}

static int teardown(void **state)
{
    (void)state;
    if (F.s)
        assert_int_equal(axn_close(F.s), 0);
    axn_stack_destroy(F.st);
    axn_sim_wire_destroy(F.w);
    const size_t live = F.on_vt ? axn_vt_live_allocs() : axn_test_live_allocs();
    return live == 0 ? 0 : -1;
}

static long send_other(struct axn_socket *s, int flags)
{
    static const uint8_t buf[PAYLOAD];
    struct axn_sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AXN_AF_INET;
    sa.sin_port = sim_net16(PORT_B);
    sa.sin_addr.s_addr = sim_net32(OTHER_ADDR);
    return axn_sendto(s, buf, sizeof(buf), flags, (const struct axn_sockaddr *)&sa, sizeof(sa));
}

static int outq(struct axn_socket *s)
{
    int n = -1;
    assert_int_equal(axn_ioctl(s, AXN_SIOCOUTQ, &n), 0);
    return n;
}

static void set_sndbuf(struct axn_socket *s)
{
    const int v = SNDBUF_SET;
    assert_int_equal(axn_setsockopt(s, AXN_SOL_SOCKET, AXN_SO_SNDBUF, &v, sizeof(v)), 0);
}

/* Fills the socket's send buffer: N_ADMITTED datagrams, then -EAGAIN. */
static void fill(struct axn_socket *s)
{
    for (unsigned i = 0; i < N_ADMITTED; i++)
        assert_int_equal(send_other(s, AXN_MSG_DONTWAIT), PAYLOAD);
    assert_int_equal(send_other(s, AXN_MSG_DONTWAIT), -AXN_EAGAIN);
}

/* sock_alloc_send_pskb: datagrams are admitted while what is in flight is
 * below SO_SNDBUF (the last one past it), then MSG_DONTWAIT is -EAGAIN;
 * SIOCOUTQ is sk_wmem_alloc; POLLOUT is gone (sock_writeable). Once the
 * device takes them (a poll), everything is released, POLLOUT is back and
 * a waker hears it (sk_write_space). */
static void sndbuf_bounds_datagrams_in_flight(void **state)
{
    (void)state;
    set_sndbuf(F.s);
    assert_int_equal(outq(F.s), 0);
    assert_int_equal(axn_socket_poll(F.s) & WRITABLE, WRITABLE);
    static struct sim_wake_log log;
    static struct axn_waker w; /* outlives a failed assertion: teardown closes */
    log = (struct sim_wake_log){0};
    w = (struct axn_waker){.wake = sim_log_wake, .ctx = &log, .interest = WRITABLE};
    (void)axn_socket_add_waker(F.s, &w);
    fill(F.s);
    assert_int_equal(outq(F.s), N_ADMITTED * PKT_LEN);
    assert_int_equal(axn_socket_poll(F.s) & WRITABLE, 0);
    /* O_NONBLOCK refuses the same way. */
    int on = 1;
    assert_int_equal(axn_ioctl(F.s, AXN_FIONBIO, &on), 0);
    assert_int_equal(send_other(F.s, 0), -AXN_EAGAIN);
    log = (struct sim_wake_log){0};
    (void)axn_stack_poll(F.st, now());
    assert_int_equal(outq(F.s), 0);
    assert_int_equal(axn_socket_poll(F.s) & WRITABLE, WRITABLE);
    assert_int_equal(log.calls, 1);
    assert_int_equal(log.events & WRITABLE, WRITABLE);
    assert_int_equal(send_other(F.s, AXN_MSG_DONTWAIT), PAYLOAD);
    assert_int_equal(outq(F.s), PKT_LEN);
    axn_socket_remove_waker(F.s, &w);
}

/* Each socket has its own account: a full one does not hold back another. */
static void sndbuf_is_per_socket(void **state)
{
    (void)state;
    set_sndbuf(F.s);
    fill(F.s);
    struct axn_socket *t = NULL;
    assert_int_equal(axn_socket(F.st, AXN_AF_INET, AXN_SOCK_DGRAM, 0, &t), 0);
    assert_int_equal(outq(t), 0);
    assert_int_equal(send_other(t, AXN_MSG_DONTWAIT), PAYLOAD);
    assert_int_equal(outq(t), PKT_LEN);
    assert_int_equal(outq(F.s), N_ADMITTED * PKT_LEN);
    assert_int_equal(axn_close(t), 0);
}

/* A socket closed with datagrams in flight: they still leave, and its
 * account is freed when the last one does (teardown checks no
 * allocation is left). */
static void close_with_datagrams_in_flight_frees_after_they_leave(void **state)
{
    (void)state;
    set_sndbuf(F.s);
    fill(F.s);
    const size_t before = axn_test_live_allocs();
    assert_int_equal(axn_close(F.s), 0);
    F.s = NULL;
    /* The socket went; its account (one allocation) waits for its packets. */
    assert_true(axn_test_live_allocs() < before);
    const size_t closed = axn_test_live_allocs();
    (void)axn_stack_poll(F.st, now());
    assert_int_equal(axn_test_live_allocs(), closed - 1);
}

/* Packets still queued when the stack goes are released with the device. */
static void stack_destroyed_with_datagrams_in_flight_leaks_nothing(void **state)
{
    (void)state;
    set_sndbuf(F.s);
    fill(F.s);
    assert_int_equal(axn_close(F.s), 0);
    F.s = NULL;
}

/* A blocking send on a full buffer waits SO_SNDTIMEO on the virtual clock
 * and returns -EAGAIN exactly at the deadline (sock_sndtimeo). */
static void sndtimeo_expiry_is_eagain_at_the_deadline(void **state)
{
    (void)state;
    set_sndbuf(F.s);
    fill(F.s);
    const struct axn_timeval tv = {0, SNDTIMEO_USEC};
    assert_int_equal(axn_setsockopt(F.s, AXN_SOL_SOCKET, AXN_SO_SNDTIMEO, &tv, sizeof(tv)), 0);
    const axn_time_t start = axn_vt_now();
    assert_int_equal(send_other(F.s, 0), -AXN_EAGAIN);
    assert_int_equal(axn_vt_now(), start + SNDTIMEO_USEC);
    assert_int_equal(outq(F.s), N_ADMITTED * PKT_LEN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(sndbuf_bounds_datagrams_in_flight, setup, teardown),
        cmocka_unit_test_setup_teardown(sndbuf_is_per_socket, setup, teardown),
        cmocka_unit_test_setup_teardown(close_with_datagrams_in_flight_frees_after_they_leave,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(stack_destroyed_with_datagrams_in_flight_leaks_nothing,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(sndtimeo_expiry_is_eagain_at_the_deadline, setup_vt,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
