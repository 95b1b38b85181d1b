/*
 * Threaded mode (spec PLAT-16/17, RT-26..RT-29, RT-33, §18 item 1): the RX,
 * TX and poll workers.
 *
 * Most tests run on the virtual-clock platform (vtime_platform.h): real
 * threads, but time only moves when every thread sleeps, so "5 idle
 * seconds" take no time and every wake-up is counted exactly. The race
 * test runs on port/posix with real time, many times over.
 */
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "axnet/errno.h"
#include "axnet/port_posix.h"
#include "core/stack_impl.h"
#include "fake_netdev.h"
#include "vtime_platform.h"
#include "wire/ipv4.h"

#define ETH0      2u
#define ETH1      3u
#define ETH0_ADDR AXN_IP4(192, 0, 2, 10)
#define ETH0_PEER AXN_IP4(192, 0, 2, 20)
#define ETH1_ADDR AXN_IP4(198, 51, 100, 20)
#define PREFIX    24u
#define PAYLOAD   32u
#define START     AXN_SEC(100)
/* Idle span of the sleep tests, and half a poll interval past it so the
 * last 10 ms timeout is not on the same instant as the test's wake-up. */
#define IDLE_SPAN   AXN_SEC(5)
#define HALF_POLL   (AXN_MSEC(AXN_DEVICE_IDLE_POLL_MS) / 2)
#define RACE_ROUNDS 2000
/* Real time one packet may take through the real-thread stack. */
#define RACE_PATIENCE_NS 2000000000ll
/* Odd rounds of the request race yield 0 .. RACE_YIELD_SPREAD-1 times. */
#define RACE_YIELD_SPREAD 7u
/* The core's timer in the fallback test, well past a few idle polls. */
#define CORE_TIMER_DELAY AXN_MSEC(250)
#define IMMEDIATE_POLLS  3
#define ZERO_DELAY_POLLS 2u

static struct fx {
    struct axn_stack *st;
    struct fake_netdev eth0, eth1;
    struct axn_dev_handle *h0, *h1;
    _Atomic size_t n_in;
    _Atomic size_t in_order_errors;
    _Atomic unsigned proto_polls;
    bool echo;
    _Atomic bool request_in_next_poll;
    /* rx_worker_wake_is_sticky_until_observed: the IRQ to play once. */
    _Atomic bool irq_armed;
    /* The core's next timer: fx_poll reports it while it lies ahead. */
    _Atomic axn_time_t core_timer;
    /* fx_poll asks for an immediate re-poll (a zero delay) this many times. */
    _Atomic unsigned zero_delay_polls;
    /* request_poll_racing_worker_is_never_lost: fx_poll entries, and a
     * handshake that holds the worker inside fx_poll (after it cleared the
     * request flag) until the test thread has made its request. */
    _Atomic size_t poll_entries;
    _Atomic bool hold_next_poll;
    _Atomic bool holding;
    _Atomic bool released;
} fx;

static void fx_input(void *ctx, const uint8_t *pkt, size_t len, const struct axn_rx_meta *meta,
                     axn_time_t now)
{
    struct fx *f = ctx;
    size_t n = atomic_fetch_add(&f->n_in, 1);
    struct axn_ipv4 ip;
    if (axn_ipv4_parse(pkt, len, &ip, 0) != 0 || ip.payload[0] != (uint8_t)n)
        atomic_fetch_add(&f->in_order_errors, 1);
    if (!f->echo || meta->ifindex != ETH0)
        return;
    uint8_t reply[FAKE_NETDEV_PKT_MAX];
    size_t r = fake_build_ipv4(reply, sizeof(reply), ip.dst, ip.src, PAYLOAD, 0x77);
    axn_router_output(&f->st->router, reply, r, now);
}

static long long mono_ns(void);

/* Worker side of the race handshake: wait (bounded) for the test thread. */
static void hold_for_test_thread(struct fx *f)
{
    if (!atomic_exchange(&f->hold_next_poll, false))
        return;
    const long long give_up = mono_ns() + RACE_PATIENCE_NS;
    atomic_store(&f->holding, true);
    while (!atomic_load(&f->released) && mono_ns() < give_up)
        sched_yield();
    atomic_store(&f->released, false);
}

static axn_time_t fx_poll(void *ctx, axn_time_t now)
{
    struct fx *f = ctx;
    hold_for_test_thread(f);
    atomic_fetch_add(&f->poll_entries, 1);
    atomic_fetch_add(&f->proto_polls, 1);
    /* A socket call landing while the worker polls (after it cleared the
     * request flag): it must stay pending. */
    if (atomic_exchange(&f->request_in_next_poll, false))
        axn_stack_request_poll(f->st);
    unsigned zero = atomic_load(&f->zero_delay_polls);
    if (zero > 0) {
        atomic_store(&f->zero_delay_polls, zero - 1);
        return now; /* "poll me again at once" */
    }
    const axn_time_t timer = atomic_load(&f->core_timer);
    return timer > now ? timer : AXN_TIME_NEVER;
}

static void add_device(struct fake_netdev *f, uint32_t ifindex, const char *name, axn_ip4_t addr,
                       bool wake_source, struct axn_dev_handle **h)
{
    const struct axn_platform *plat = fx.st->plat;
    assert_int_equal(fake_ctl_add_iface(&fx.st->ctl, name, ifindex, addr, PREFIX, 0), 0);
    fake_netdev_init(f, plat, ifindex, name, AXN_IFACE_ETHERNET);
    f->wake_source = wake_source;
    plat->mutex_lock(fx.st->core_lock);
    assert_int_equal(axn_router_add_device(&fx.st->router, &f->base, h), 0);
    plat->mutex_unlock(fx.st->core_lock);
}

/* A stack with eth0 and eth1, not started. */
static void make_stack(const struct axn_platform *plat, bool wake0, bool wake1)
{
    memset(&fx, 0, sizeof(fx));
    assert_int_equal(axn_stack_create(plat, &fx.st), 0);
    add_device(&fx.eth0, ETH0, "eth0", ETH0_ADDR, wake0, &fx.h0);
    add_device(&fx.eth1, ETH1, "eth1", ETH1_ADDR, wake1, &fx.h1);
    const struct axn_proto_hooks hooks = {
        .input = fx_input,
        .input_ctx = &fx,
        .poll = fx_poll,
        .poll_ctx = &fx,
    };
    axn_stack_set_proto(fx.st, &hooks);
}

/* Runs after every test, also one that failed half way, so that no
 * worker outlives its test. */
static int teardown(void **state)
{
    (void)state;
    if (!fx.st)
        return 0;
    axn_stack_destroy(fx.st);
    fx.st = NULL;
    const bool destroyed = atomic_load(&fx.eth0.destroyed) && atomic_load(&fx.eth1.destroyed);
    fake_netdev_fini(&fx.eth0);
    fake_netdev_fini(&fx.eth1);
    return destroyed && axn_vt_live_allocs() == 0 ? 0 : -1;
}

/* Virtual time, started, every thread asleep. */
static void start_vt(bool wake0, bool wake1)
{
    axn_vt_reset(START);
    make_stack(axn_vt_platform(), wake0, wake1);
    assert_int_equal(axn_stack_start(fx.st), 0);
    assert_int_equal(axn_stack_start(fx.st), -AXN_EALREADY);
    axn_vt_settle();
}

static void inject(struct fake_netdev *f, uint8_t fill)
{
    uint8_t pkt[FAKE_NETDEV_PKT_MAX];
    size_t len = fake_build_ipv4(pkt, sizeof(pkt), ETH0_PEER, ETH0_ADDR, PAYLOAD, fill);
    assert_int_equal(fake_netdev_inject(f, pkt, len, (uint32_t)len + FAKE_ETH_HLEN), 0);
}

/* ---- §18 item 1: no idle wake-ups -------------------------------------------------- */

static void idle_stack_with_irq_devices_sleeps(void **state)
{
    (void)state;
    start_vt(true, true);
    axn_vt_run_until(START + IDLE_SPAN + HALF_POLL);
    assert_int_equal(atomic_load(&fx.st->poll_wakeups), 0);
    assert_int_equal(atomic_load(&fx.st->poll_runs), 1); /* the start-up run */
    assert_int_equal(axn_vt_event_timeouts(fx.h0->rx_event), 0);
    assert_int_equal(axn_vt_event_timeouts(fx.h1->rx_event), 0);
    assert_int_equal(axn_vt_event_timeouts(fx.h0->tx_event), 0);
    /* One look at each device when its worker started, none since. */
    assert_int_equal(atomic_load(&fx.eth0.recv_calls), 1);
    assert_int_equal(atomic_load(&fx.eth1.recv_calls), 1);
}

static void rx_worker_idle_poll_interval_keeps_polling_devices_active(void **state)
{
    (void)state;
    /* eth1 has no wake source: polled every 10 ms, 500 times in 5 s,
     * and still without waking the poll worker. */
    start_vt(true, false);
    axn_vt_run_until(START + IDLE_SPAN + HALF_POLL);
    const uint64_t polls = IDLE_SPAN / AXN_MSEC(AXN_DEVICE_IDLE_POLL_MS);
    assert_int_equal(polls, 500);
    assert_int_equal(axn_vt_event_timeouts(fx.h1->rx_event), polls);
    assert_int_equal(atomic_load(&fx.eth1.recv_calls), polls + 1);
    assert_int_equal(axn_vt_event_timeouts(fx.h0->rx_event), 0);
    assert_int_equal(atomic_load(&fx.st->poll_wakeups), 0);

    /* A packet on the polled device is picked up by the next poll. */
    inject(&fx.eth1, 0);
    axn_vt_run_until(axn_vt_now() + AXN_MSEC(AXN_DEVICE_IDLE_POLL_MS));
    assert_int_equal(atomic_load(&fx.n_in), 1);
    assert_int_equal(atomic_load(&fx.st->poll_wakeups), 1);
}

/* ---- RT-33: sticky device wake ------------------------------------------------------ */

/* Plays an IRQ that lands after the RX worker found the device empty and
 * before it sleeps: the worst moment. */
static void irq_just_before_sleep(struct fake_netdev *f, void *ctx)
{
    (void)ctx;
    if (!atomic_exchange(&fx.irq_armed, false))
        return;
    inject(f, 0);
    axn_stack_wake_device(fx.st, f->base.ifindex);
}

static void rx_worker_wake_is_sticky_until_observed(void **state)
{
    (void)state;
    start_vt(true, true);
    const uint64_t wakeups = axn_vt_event_wakeups(fx.h0->rx_event);
    fx.eth0.on_empty = irq_just_before_sleep;
    atomic_store(&fx.irq_armed, true);
    /* Nudge the worker so it runs once and meets the "IRQ". */
    axn_stack_wake_device(fx.st, ETH0);
    axn_vt_settle();
    assert_false(atomic_load(&fx.irq_armed));
    assert_int_equal(atomic_load(&fx.n_in), 1);
    assert_int_equal(fake_netdev_rx_pending(&fx.eth0), 0);
    /* Observed exactly once each: the nudge, and the sticky IRQ wake. */
    assert_int_equal(axn_vt_event_wakeups(fx.h0->rx_event), wakeups + 2);
    assert_int_equal(axn_vt_event_timeouts(fx.h0->rx_event), 0);
}

/* ---- PLAT-17 step 3 ------------------------------------------------------------------- */

static void poll_request_after_worker_drain_stays_pending(void **state)
{
    (void)state;
    start_vt(true, true);
    assert_int_equal(atomic_load(&fx.st->poll_wakeups), 0);
    atomic_store(&fx.request_in_next_poll, true);
    axn_stack_request_poll(fx.st);
    axn_vt_settle();
    /* One wake for the request, exactly one more for the request made
     * while the worker polled, then quiet. */
    assert_int_equal(atomic_load(&fx.st->poll_wakeups), 2);
    assert_int_equal(atomic_load(&fx.proto_polls), 3);
    axn_vt_run_until(axn_vt_now() + AXN_SEC(1));
    assert_int_equal(atomic_load(&fx.st->poll_wakeups), 2);
    assert_false(atomic_load(&fx.st->poll_requested));
}

/* ---- PLAT-17 step 5, adapted to per-device workers ----------------------------------- */

/*
 * ax-net's poll worker wakes every device when its timeout (delay > 0)
 * expires, as the polling fallback. axnet has no such sweep: the fallback
 * belongs to each pure-polling device's RX worker, which polls it every
 * AXN_DEVICE_IDLE_POLL_MS whatever the core's timers do, while a device
 * with a wake source sleeps until woken (sticky events lose no wake, RT-33).
 * So: the core's timer runs the core on time, a frame on the pure-polling
 * device that nobody announced is picked up within one idle interval, and
 * the timer neither polls nor wakes any device.
 */
static void poll_timeout_wakes_devices_as_polling_fallback(void **state)
{
    (void)state;
    const axn_time_t timer = START + CORE_TIMER_DELAY;
    axn_vt_reset(START);
    make_stack(axn_vt_platform(), true, false);
    atomic_store(&fx.core_timer, timer);
    assert_int_equal(axn_stack_start(fx.st), 0);
    axn_vt_settle();
    assert_int_equal(atomic_load(&fx.proto_polls), 1); /* the start-up run */

    /* A frame on the pure-polling eth1, no wake: its own idle poll finds it
     * (and only then is the poll worker woken, by the RX side's request). */
    const axn_time_t arrival = START + HALF_POLL;
    axn_vt_run_until(arrival);
    inject(&fx.eth1, 0);
    axn_vt_run_until(arrival + AXN_MSEC(AXN_DEVICE_IDLE_POLL_MS));
    assert_int_equal(atomic_load(&fx.n_in), 1);
    assert_int_equal(atomic_load(&fx.st->poll_wakeups), 1);
    assert_int_equal(atomic_load(&fx.proto_polls), 2);

    /* Just before the timer: nothing else ran. At it: one timed-out wake
     * of the poll worker, one core run. */
    axn_vt_run_until(timer - 1);
    assert_int_equal(atomic_load(&fx.st->poll_wakeups), 1);
    assert_int_equal(axn_vt_event_timeouts(fx.st->poll_event), 0);
    axn_vt_run_until(timer + HALF_POLL);
    assert_int_equal(atomic_load(&fx.st->poll_wakeups), 2);
    assert_int_equal(axn_vt_event_timeouts(fx.st->poll_event), 1);
    assert_int_equal(atomic_load(&fx.proto_polls), 3);

    /* eth1 was polled on its interval all along, exactly; eth0 (wake
     * source) was never polled after its worker's first look, timer or not. */
    const uint64_t intervals = (timer + HALF_POLL - START) / AXN_MSEC(AXN_DEVICE_IDLE_POLL_MS);
    assert_int_equal(axn_vt_event_timeouts(fx.h1->rx_event), intervals);
    assert_int_equal(atomic_load(&fx.eth1.recv_calls),
                     intervals + 1 + 1); /* + start, + the frame's second look */
    assert_int_equal(atomic_load(&fx.eth0.recv_calls), 1);
    assert_int_equal(axn_vt_event_timeouts(fx.h0->rx_event), 0);
    assert_int_equal(axn_vt_event_wakeups(fx.h0->rx_event), 0);
}

/*
 * An immediate poll — a request from a socket call, or the core asking to
 * run again at once (zero delay) — runs the core only: no device is polled
 * or woken for it. A device wake (the IRQ path) does reach its device.
 */
static void immediate_socket_poll_does_not_force_device_fallback(void **state)
{
    (void)state;
    start_vt(true, true);
    const size_t recv0 = atomic_load(&fx.eth0.recv_calls);
    const size_t recv1 = atomic_load(&fx.eth1.recv_calls);
    const uint64_t wake0 = axn_vt_event_wakeups(fx.h0->rx_event);
    const uint64_t wake1 = axn_vt_event_wakeups(fx.h1->rx_event);

    /* Three socket-style requests, each waited out. */
    for (int i = 0; i < IMMEDIATE_POLLS; i++) {
        axn_stack_request_poll(fx.st);
        axn_vt_settle();
    }
    assert_int_equal(atomic_load(&fx.st->poll_wakeups), IMMEDIATE_POLLS);
    /* The core asks to be polled again at once, twice in a row: the worker
     * runs it again right away (zero-delay timeouts), and stops there. */
    atomic_store(&fx.zero_delay_polls, ZERO_DELAY_POLLS);
    axn_stack_request_poll(fx.st);
    axn_vt_settle();
    assert_int_equal(atomic_load(&fx.st->poll_wakeups), IMMEDIATE_POLLS + 1 + ZERO_DELAY_POLLS);
    assert_int_equal(axn_vt_event_timeouts(fx.st->poll_event), ZERO_DELAY_POLLS);
    assert_int_equal(atomic_load(&fx.proto_polls), 1 + IMMEDIATE_POLLS + 1 + ZERO_DELAY_POLLS);
    /* Virtual time did not move: nothing waited for a timer. */
    assert_int_equal(axn_vt_now(), START);

    assert_int_equal(atomic_load(&fx.eth0.recv_calls), recv0);
    assert_int_equal(atomic_load(&fx.eth1.recv_calls), recv1);
    assert_int_equal(axn_vt_event_wakeups(fx.h0->rx_event), wake0);
    assert_int_equal(axn_vt_event_wakeups(fx.h1->rx_event), wake1);

    /* The IRQ path wakes the one device it names, and only it. */
    axn_stack_wake_device(fx.st, ETH0);
    axn_vt_settle();
    assert_int_equal(atomic_load(&fx.eth0.recv_calls), recv0 + 1);
    assert_int_equal(axn_vt_event_wakeups(fx.h0->rx_event), wake0 + 1);
    assert_int_equal(atomic_load(&fx.eth1.recv_calls), recv1);
}

/* ---- Data paths through the workers ----------------------------------------------------- */

static void threaded_stack_moves_packets_both_ways(void **state)
{
    (void)state;
    start_vt(true, true);
    fx.echo = true;
    for (uint8_t i = 0; i < 3; i++)
        inject(&fx.eth0, i);
    axn_stack_wake_device(fx.st, ETH0);
    axn_vt_settle();
    assert_int_equal(atomic_load(&fx.n_in), 3);
    assert_int_equal(atomic_load(&fx.in_order_errors), 0);
    assert_int_equal(atomic_load(&fx.eth0.n_sent), 3);
    struct axn_link_stats s;
    axn_if_counters_read(&fx.h0->counters, &s);
    const size_t frame = FAKE_ETH_HLEN + AXN_IPV4_HDR_MIN + PAYLOAD;
    assert_int_equal(s.rx_packets, 3);
    assert_int_equal(s.tx_packets, 3);
    assert_int_equal(s.tx_bytes, 3 * frame);
    assert_int_equal(atomic_load(&fx.st->poll_wakeups), 1);
}

static void tx_worker_sleeps_until_device_timer(void **state)
{
    (void)state;
    axn_vt_reset(START);
    make_stack(axn_vt_platform(), true, true);
    fx.eth0.deadline = START + AXN_SEC(2); /* an ARP retry due then */
    assert_int_equal(axn_stack_start(fx.st), 0);
    axn_vt_run_until(START + AXN_SEC(3));
    /* Ticked when the worker started and when the timer fell due. */
    assert_int_equal(atomic_load(&fx.eth0.tick_calls), 2);
    assert_int_equal(axn_vt_event_timeouts(fx.h0->tx_event), 1);
    assert_int_equal(atomic_load(&fx.eth1.tick_calls), 1);
}

static void remove_device_stops_its_workers(void **state)
{
    (void)state;
    start_vt(true, false);
    const struct axn_platform *plat = fx.st->plat;
    plat->mutex_lock(fx.st->core_lock);
    assert_int_equal(axn_router_remove_device(&fx.st->router, ETH1), 0);
    plat->mutex_unlock(fx.st->core_lock);
    assert_true(atomic_load(&fx.eth1.destroyed));
    const size_t polls = atomic_load(&fx.eth1.recv_calls);
    axn_vt_run_until(axn_vt_now() + AXN_SEC(1));
    assert_int_equal(atomic_load(&fx.eth1.recv_calls), polls);
}

/* ---- RT-33 with real threads and real time ----------------------------------------------------
 */

static long long mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* Spins (yielding) until *counter reaches `target`; false after patience. */
static bool await_count(_Atomic size_t *counter, size_t target)
{
    const long long give_up = mono_ns() + RACE_PATIENCE_NS;
    while (atomic_load(counter) < target) {
        if (mono_ns() > give_up)
            return false;
        sched_yield();
    }
    return true;
}

static void device_wake_racing_worker_sleep_is_not_lost(void **state)
{
    (void)state;
    /* Static: the stack outlives this function until teardown. */
    static struct axn_platform plat;
    assert_int_equal(axn_port_posix_init(&plat, AXN_LOG_ERROR), 0);
    make_stack(&plat, true, true);
    assert_int_equal(axn_stack_start(fx.st), 0);
    for (size_t i = 0; i < RACE_ROUNDS; i++) {
        inject(&fx.eth0, (uint8_t)i);
        axn_stack_wake_device(fx.st, ETH0);
        /* Even rounds: the next wake lands as soon as the worker took this
         * packet, while it is finishing its round and going to sleep. Odd
         * rounds: once the packet reached the core, worker likely asleep. */
        _Atomic size_t *seen = i % 2 ? &fx.n_in : &fx.eth0.rx_served;
        if (!await_count(seen, i + 1))
            fail_msg("wake %zu was lost: the packet never moved", i);
    }
    assert_true(await_count(&fx.n_in, RACE_ROUNDS));
    assert_int_equal(atomic_load(&fx.in_order_errors), 0);
    struct axn_link_stats s;
    axn_if_counters_read(&fx.h0->counters, &s);
    assert_int_equal(s.rx_packets, RACE_ROUNDS);
}

/* ---- PLAT-16/17 with real threads: no request is ever lost --------------------------- */

/* Waits until the worker holds inside fx_poll; false after patience. */
static bool await_flag(_Atomic bool *flag)
{
    const long long give_up = mono_ns() + RACE_PATIENCE_NS;
    while (!atomic_load(flag)) {
        if (mono_ns() > give_up)
            return false;
        sched_yield();
    }
    return true;
}

/*
 * Each round makes one request and then waits for a core run that entered
 * after it (fx_poll entries beyond the count read before the request).
 * Even rounds: the worker is held inside the core, after it cleared the
 * flag, while the request is made (the PLAT-17 step 3 window, exactly).
 * Odd rounds: the request lands wherever the worker happens to be —
 * clearing the flag, finishing a run, or going to sleep — after a varying
 * number of yields.
 */
static void request_poll_racing_worker_is_never_lost(void **state)
{
    (void)state;
    static struct axn_platform plat;
    assert_int_equal(axn_port_posix_init(&plat, AXN_LOG_ERROR), 0);
    make_stack(&plat, true, true);
    assert_int_equal(axn_stack_start(fx.st), 0);
    assert_true(await_count(&fx.poll_entries, 1)); /* the start-up run */
    for (size_t i = 0; i < RACE_ROUNDS; i++) {
        size_t before;
        size_t want;
        if (i % 2 == 0) {
            atomic_store(&fx.hold_next_poll, true);
            axn_stack_request_poll(fx.st);
            if (!await_flag(&fx.holding))
                fail_msg("round %zu: the worker never ran the core", i);
            atomic_store(&fx.holding, false);
            /* The held run counts itself once released: it and one more. */
            before = atomic_load(&fx.poll_entries);
            axn_stack_request_poll(fx.st);
            atomic_store(&fx.released, true);
            want = before + 2;
        } else {
            for (size_t y = 0; y < i % RACE_YIELD_SPREAD; y++)
                sched_yield();
            before = atomic_load(&fx.poll_entries);
            axn_stack_request_poll(fx.st);
            want = before + 1;
        }
        if (!await_count(&fx.poll_entries, want))
            fail_msg("round %zu: a poll request was lost", i);
    }
    /* Two runs per held round, one per other round, and the start-up run. */
    assert_true(atomic_load(&fx.poll_entries) >= RACE_ROUNDS + RACE_ROUNDS / 2 + 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(idle_stack_with_irq_devices_sleeps, teardown),
        cmocka_unit_test_teardown(rx_worker_idle_poll_interval_keeps_polling_devices_active,
                                  teardown),
        cmocka_unit_test_teardown(rx_worker_wake_is_sticky_until_observed, teardown),
        cmocka_unit_test_teardown(poll_request_after_worker_drain_stays_pending, teardown),
        cmocka_unit_test_teardown(poll_timeout_wakes_devices_as_polling_fallback, teardown),
        cmocka_unit_test_teardown(immediate_socket_poll_does_not_force_device_fallback, teardown),
        cmocka_unit_test_teardown(threaded_stack_moves_packets_both_ways, teardown),
        cmocka_unit_test_teardown(tx_worker_sleeps_until_device_timer, teardown),
        cmocka_unit_test_teardown(remove_device_stops_its_workers, teardown),
        cmocka_unit_test_teardown(device_wake_racing_worker_sleep_is_not_lost, teardown),
        cmocka_unit_test_teardown(request_poll_racing_worker_is_never_lost, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
