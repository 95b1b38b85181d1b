/*
 * The stack object in caller-polled mode (include/axnet/stack.h): create
 * and destroy without leaks, one axn_stack_poll moving packets from fake
 * devices to the core and back (spec §3.3-3.4), the loopback fast path
 * within one poll (RT-21), deadlines, coalesced poll requests (PLAT-16),
 * device wake-ups and the stack-wide counters.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "axnet/errno.h"
#include "axnet/netctl.h"
#include "core/stack_impl.h"
#include "fake_netdev.h"
#include "test_platform.h"
#include "wire/ipv4.h"

#define LO        AXN_IFINDEX_LOOPBACK
#define ETH0      2u
#define ETH0_ADDR AXN_IP4(192, 0, 2, 10)
#define ETH0_PEER AXN_IP4(192, 0, 2, 20)
#define LO_ADDR   AXN_IP4(127, 0, 0, 1)
#define PREFIX    24u
#define NOW       AXN_SEC(10)
#define PAYLOAD   64u
#define MAX_IN    64

/* ---- A test platform whose events are distinct and count signals ------- */

struct counting_event {
    bool signalled;
    unsigned signals;
};

static int cev_create(void *ctx, void **out)
{
    (void)ctx;
    struct counting_event *e = calloc(1, sizeof(*e));
    if (!e)
        return -AXN_ENOMEM;
    *out = e;
    return 0;
}

static void cev_destroy(void *ctx, void *e)
{
    (void)ctx;
    free(e);
}

static void cev_signal(void *event)
{
    struct counting_event *e = event;
    e->signalled = true;
    e->signals++;
}

/* Sticky, never blocks (as port/none). */
static int cev_wait(void *event, axn_time_t deadline)
{
    (void)deadline;
    struct counting_event *e = event;
    if (!e->signalled)
        return -AXN_EWOULDBLOCK;
    e->signalled = false;
    return 0;
}

static struct axn_platform counting_platform;

static const struct axn_platform *make_counting_platform(void)
{
    counting_platform = *axn_test_platform();
    counting_platform.event_create = cev_create;
    counting_platform.event_destroy = cev_destroy;
    counting_platform.event_signal = cev_signal;
    counting_platform.event_wait = cev_wait;
    return &counting_platform;
}

static unsigned signals_of(void *event)
{
    return ((struct counting_event *)event)->signals;
}

/* ---- Fixture: a stack with lo and one fake Ethernet device ---------------- */

static struct fx {
    struct axn_stack *st;
    struct fake_netdev eth0;
    struct axn_dev_handle *h0;
    size_t n_in;
    struct axn_rx_meta in_meta[MAX_IN];
    bool echo;             /* input answers each eth0 packet to its source */
    axn_time_t proto_next; /* what the proto poll hook returns */
    unsigned proto_polls;
    bool emit_loopback_once; /* the poll hook sends one packet to 127.0.0.1 */
    bool request_in_poll;    /* the poll hook asks for another poll */
} fx;

static void fx_input(void *ctx, const uint8_t *pkt, size_t len, const struct axn_rx_meta *meta,
                     axn_time_t now)
{
    struct fx *f = ctx;
    if (f->n_in < MAX_IN)
        f->in_meta[f->n_in] = *meta;
    f->n_in++;
    struct axn_ipv4 ip;
    if (!f->echo || meta->ifindex != ETH0 || axn_ipv4_parse(pkt, len, &ip, 0) != 0)
        return;
    uint8_t reply[FAKE_NETDEV_PKT_MAX];
    size_t n = fake_build_ipv4(reply, sizeof(reply), ip.dst, ip.src, ip.payload_len, 0x77);
    assert_int_equal(axn_router_output(&f->st->router, reply, n, now), 0);
}

static axn_time_t fx_poll(void *ctx, axn_time_t now)
{
    struct fx *f = ctx;
    f->proto_polls++;
    if (f->emit_loopback_once) {
        f->emit_loopback_once = false;
        uint8_t pkt[FAKE_NETDEV_PKT_MAX];
        size_t n = fake_build_ipv4(pkt, sizeof(pkt), LO_ADDR, LO_ADDR, PAYLOAD, 1);
        assert_int_equal(axn_router_output(&f->st->router, pkt, n, now), 0);
    }
    if (f->request_in_poll) {
        f->request_in_poll = false;
        axn_stack_request_poll(f->st);
    }
    return f->proto_next;
}

static int make_fixture(const struct axn_platform *plat)
{
    memset(&fx, 0, sizeof(fx));
    fx.proto_next = AXN_TIME_NEVER;
    if (axn_stack_create(plat, &fx.st) != 0)
        return -1;
    if (fake_ctl_add_iface(&fx.st->ctl, "eth0", ETH0, ETH0_ADDR, PREFIX, 0) != 0)
        return -1;
    fake_netdev_init(&fx.eth0, plat, ETH0, "eth0", AXN_IFACE_ETHERNET);
    if (axn_router_add_device(&fx.st->router, &fx.eth0.base, &fx.h0) != 0)
        return -1;
    const struct axn_proto_hooks hooks = {
        .input = fx_input,
        .input_ctx = &fx,
        .poll = fx_poll,
        .poll_ctx = &fx,
    };
    axn_stack_set_proto(fx.st, &hooks);
    return 0;
}

static int setup(void **state)
{
    (void)state;
    return make_fixture(axn_test_platform());
}

static int setup_counting(void **state)
{
    (void)state;
    return make_fixture(make_counting_platform());
}

static int teardown(void **state)
{
    (void)state;
    axn_stack_destroy(fx.st);
    fake_netdev_fini(&fx.eth0);
    return axn_test_live_allocs() == 0 ? 0 : -1;
}

static void inject(size_t n)
{
    uint8_t pkt[FAKE_NETDEV_PKT_MAX];
    size_t len = fake_build_ipv4(pkt, sizeof(pkt), ETH0_PEER, ETH0_ADDR, PAYLOAD, 3);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(fake_netdev_inject(&fx.eth0, pkt, len, (uint32_t)len + FAKE_ETH_HLEN), 0);
}

static struct axn_link_stats stats_of(uint32_t ifindex)
{
    struct axn_link_stats s;
    axn_if_counters_read(&axn_router_find(&fx.st->router, ifindex)->counters, &s);
    return s;
}

/* ---- Lifecycle ------------------------------------------------------------------ */

static void stack_create_has_only_loopback(void **state)
{
    (void)state;
    struct axn_stack *st;
    assert_int_equal(axn_stack_create(axn_test_platform(), &st), 0);
    assert_int_equal(st->router.n_devs, 1);
    struct axn_dev_handle *lo = axn_router_find(&st->router, LO);
    assert_non_null(lo);
    assert_true(lo->is_loopback);
    assert_ptr_equal(atomic_load(&st->router.devs[0]), lo);
    assert_true(axn_ctl_iface_is_up(&st->ctl, LO));
    axn_stack_destroy(st);
    assert_int_equal(axn_test_live_allocs(), 0);
    axn_stack_destroy(NULL);
}

static void stack_create_fails_cleanly_without_memory(void **state)
{
    (void)state;
    struct axn_platform bad = *axn_test_platform();
    bad.event_signal = NULL;
    struct axn_stack *st = NULL;
    assert_int_equal(axn_stack_create(&bad, &st), -AXN_EINVAL);
    assert_int_equal(axn_stack_create(axn_test_platform(), NULL), -AXN_EINVAL);

    size_t failures = 0;
    for (size_t n = 0;; n++) {
        axn_test_fail_alloc_after(n);
        int rc = axn_stack_create(axn_test_platform(), &st);
        axn_test_fail_alloc_after(SIZE_MAX);
        if (rc == 0)
            break;
        assert_int_equal(rc, -AXN_ENOMEM);
        assert_int_equal(axn_test_live_allocs(), 0);
        failures++;
    }
    /* Stack, route table, RX queue, loopback queue, lo handle, lo. */
    assert_true(failures >= 6);
    axn_stack_destroy(st);
    assert_int_equal(axn_test_live_allocs(), 0);
}

static void stack_start_without_threads_is_refused(void **state)
{
    (void)state;
    assert_int_equal(axn_stack_start(fx.st), -AXN_EOPNOTSUPP);
    assert_false(atomic_load(&fx.st->threaded));
    assert_null(fx.h0->rx_thread);
    /* Still works caller-polled. */
    inject(1);
    axn_stack_poll(fx.st, NOW);
    assert_int_equal(fx.n_in, 1);
}

/* ---- Polling ---------------------------------------------------------------------- */

static void stack_poll_moves_device_rx_to_core_and_core_tx_to_device(void **state)
{
    (void)state;
    fx.echo = true;
    inject(2);
    axn_stack_poll(fx.st, NOW);
    /* In, through the core, and out again, all in one poll. */
    assert_int_equal(fx.n_in, 2);
    assert_int_equal(fx.in_meta[0].ifindex, ETH0);
    assert_int_equal(atomic_load(&fx.eth0.n_sent), 2);
    assert_int_equal(fx.eth0.sent[0].next_hop, ETH0_PEER);
    const struct axn_link_stats s = stats_of(ETH0);
    const size_t frame = FAKE_ETH_HLEN + AXN_IPV4_HDR_MIN + PAYLOAD;
    assert_int_equal(s.rx_packets, 2);
    assert_int_equal(s.rx_bytes, 2 * frame);
    assert_int_equal(s.tx_packets, 2);
    assert_int_equal(s.tx_bytes, 2 * frame);
    assert_int_equal(atomic_load(&fx.eth0.tick_calls), 1);
    assert_int_equal(atomic_load(&fx.st->poll_runs), 1);
}

static void stack_poll_returns_earliest_deadline(void **state)
{
    (void)state;
    assert_int_equal(axn_stack_poll(fx.st, NOW), AXN_TIME_NEVER);
    fx.proto_next = NOW + AXN_MSEC(500);
    assert_int_equal(axn_stack_poll(fx.st, NOW), NOW + AXN_MSEC(500));
    fx.eth0.deadline = NOW + AXN_MSEC(200); /* an ARP retry */
    assert_int_equal(axn_stack_poll(fx.st, NOW), NOW + AXN_MSEC(200));
    /* More than one batch waiting in the device: poll again at once. */
    inject(AXN_DEVICE_RX_BATCH + 1);
    assert_int_equal(axn_stack_poll(fx.st, NOW), NOW);
    assert_int_equal(fx.n_in, AXN_DEVICE_RX_BATCH);
    assert_int_equal(axn_stack_poll(fx.st, NOW), NOW + AXN_MSEC(200));
    assert_int_equal(fx.n_in, AXN_DEVICE_RX_BATCH + 1);
}

static void stack_poll_delivers_loopback_emitted_by_timers_in_same_poll(void **state)
{
    (void)state;
    fx.emit_loopback_once = true;
    axn_stack_poll(fx.st, NOW);
    assert_int_equal(fx.n_in, 1);
    assert_int_equal(fx.in_meta[0].ifindex, LO);
    assert_int_equal(fx.proto_polls, 2); /* the timer run, then the delivery round */
    const struct axn_link_stats s = stats_of(LO);
    assert_int_equal(s.tx_packets, 1);
    assert_int_equal(s.rx_packets, 1);
    assert_true(axn_router_rx_idle(&fx.st->router));
}

static void stack_poll_without_proto_drops_and_counts(void **state)
{
    (void)state;
    const struct axn_proto_hooks none = {0};
    axn_stack_set_proto(fx.st, &none);
    inject(3);
    assert_int_equal(axn_stack_poll(fx.st, NOW), AXN_TIME_NEVER);
    const struct axn_link_stats s = stats_of(ETH0);
    assert_int_equal(s.rx_packets, 3);
    assert_int_equal(s.rx_dropped, 3);
}

/* ---- PLAT-16: coalesced poll requests ------------------------------------------------ */

static void request_poll_coalesces_until_polled(void **state)
{
    (void)state;
    void *ev = fx.st->poll_event;
    axn_stack_request_poll(fx.st);
    axn_stack_request_poll(fx.st);
    axn_stack_request_poll(fx.st);
    assert_int_equal(signals_of(ev), 1);
    assert_true(atomic_load(&fx.st->poll_requested));

    /* The flag is cleared before the core runs: a request made while it
     * runs stays pending and signals again. */
    fx.request_in_poll = true;
    axn_stack_poll(fx.st, NOW);
    assert_true(atomic_load(&fx.st->poll_requested));
    assert_int_equal(signals_of(ev), 2);

    axn_stack_poll(fx.st, NOW);
    assert_false(atomic_load(&fx.st->poll_requested));
    assert_int_equal(signals_of(ev), 2);
    axn_stack_request_poll(fx.st);
    assert_int_equal(signals_of(ev), 3);
}

static void device_rx_requests_poll_only_with_news(void **state)
{
    (void)state;
    void *ev = fx.st->poll_event;
    axn_stack_poll(fx.st, NOW); /* idle: nothing moved, nobody asked */
    assert_int_equal(signals_of(ev), 0);
    inject(1);
    axn_stack_poll(fx.st, NOW);
    assert_int_equal(signals_of(ev), 1);
}

/* ---- Wake-ups ------------------------------------------------------------------------- */

static void stack_wake_device_signals_that_device_and_requests_a_poll(void **state)
{
    (void)state;
    struct axn_dev_handle *lo = axn_router_find(&fx.st->router, LO);
    assert_false(axn_stack_poll_pending(fx.st));
    axn_stack_wake_device(fx.st, ETH0);
    assert_int_equal(signals_of(fx.h0->rx_event), 1);
    assert_int_equal(signals_of(fx.h0->tx_event), 0);
    assert_int_equal(signals_of(lo->rx_event), 0);
    /* Caller-polled, nobody waits on the RX event: the wake also asks the
     * caller for a poll (stack.h), coalesced like any request. */
    assert_int_equal(signals_of(fx.st->poll_event), 1);
    assert_true(axn_stack_poll_pending(fx.st));
    axn_stack_wake_device(fx.st, 42); /* unknown: ignored */
    assert_int_equal(signals_of(fx.h0->rx_event), 1);
    /* The device's own wake hook (its IRQ path) lands on the same event. */
    fx.eth0.base.wake(fx.eth0.base.wake_ctx);
    assert_int_equal(signals_of(fx.h0->rx_event), 2);
    assert_int_equal(signals_of(fx.st->poll_event), 1);
    /* The poll answers it; the next wake asks again. */
    axn_stack_poll(fx.st, NOW);
    assert_false(axn_stack_poll_pending(fx.st));
    axn_stack_wake_device(fx.st, ETH0);
    assert_int_equal(signals_of(fx.st->poll_event), 2);
    assert_true(axn_stack_poll_pending(fx.st));
}

/* ---- Stack-wide counters ----------------------------------------------------------------- */

static void stack_stats_report_router_counters(void **state)
{
    (void)state;
    uint8_t pkt[FAKE_NETDEV_PKT_MAX];
    size_t n = fake_build_ipv4(pkt, sizeof(pkt), ETH0_ADDR, AXN_IP4(203, 0, 113, 1), 8, 0);
    assert_int_equal(axn_router_output(&fx.st->router, pkt, n, NOW), -AXN_ENETUNREACH);
    assert_int_equal(axn_router_output(&fx.st->router, pkt, 3, NOW), -AXN_EINVAL);
    axn_stack_poll(fx.st, NOW);
    axn_stack_poll(fx.st, NOW);
    struct axn_stack_stats s;
    axn_ctl_stack_stats(fx.st, &s);
    assert_int_equal(s.ip_out_no_routes, 1);
    assert_int_equal(s.out_malformed, 1);
    assert_int_equal(s.rx_queue_full, 0);
    assert_int_equal(s.poll_runs, 2);
    assert_int_equal(s.poll_wakeups, 0);
}

static void stats_reflects_current_counters_after_counting(void **state)
{
    (void)state;
    struct axn_link_stats s;
    assert_int_equal(axn_ctl_link_stats(fx.st, ETH0, &s), 0);
    const struct axn_link_stats zero = {0};
    assert_memory_equal(&s, &zero, sizeof(s));
    fx.echo = true;
    inject(1);
    axn_stack_poll(fx.st, NOW);
    assert_int_equal(axn_ctl_link_stats(fx.st, ETH0, &s), 0);
    const size_t frame = FAKE_ETH_HLEN + AXN_IPV4_HDR_MIN + PAYLOAD;
    assert_int_equal(s.rx_packets, 1);
    assert_int_equal(s.rx_bytes, frame);
    assert_int_equal(s.tx_packets, 1);
    assert_int_equal(s.tx_bytes, frame);
    assert_int_equal(s.rx_dropped + s.tx_dropped + s.rx_errors + s.tx_errors, 0);
}

#define T(fn)  cmocka_unit_test_setup_teardown(fn, setup, teardown)
#define TC(fn) cmocka_unit_test_setup_teardown(fn, setup_counting, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stack_create_has_only_loopback),
        cmocka_unit_test(stack_create_fails_cleanly_without_memory),
        T(stack_start_without_threads_is_refused),
        T(stack_poll_moves_device_rx_to_core_and_core_tx_to_device),
        T(stack_poll_returns_earliest_deadline),
        T(stack_poll_delivers_loopback_emitted_by_timers_in_same_poll),
        T(stack_poll_without_proto_drops_and_counts),
        TC(request_poll_coalesces_until_polled),
        TC(device_rx_requests_poll_only_with_news),
        TC(stack_wake_device_signals_that_device_and_requests_a_poll),
        T(stats_reflects_current_counters_after_counting),
        T(stack_stats_report_router_counters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
