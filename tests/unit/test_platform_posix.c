/* port/posix: the hosted platform on pthreads, futexes and getrandom. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "axnet/errno.h"
#include "axnet/port_posix.h"

#define SHORT_DEADLINE_US AXN_MSEC(2)
/* Generous guard for things that must not time out (a slow CI box). */
#define GUARD_DEADLINE_US AXN_SEC(5)
/* "At once": far below any timeout but above scheduler noise. */
#define PROMPT_US       AXN_MSEC(500)
#define WAKE_DELAY_US   1000
#define WAITERS         3
#define RANDOM_LEN      32
#define ALLOC_ALIGN     64
#define ALLOC_LEN       1000
#define ALLOC_ROUNDS    16
#define LOG_CAPTURE_LEN 256
/* A line number a simulated driver might use: not an fd line. */
#define SMALL_IRQ_LINE  5
#define THREAD_NAME_LEN 32

static struct axn_platform plat;

static int setup(void **state)
{
    (void)state;
    return axn_port_posix_init(&plat, AXN_LOG_INFO);
}

static axn_time_t now(void)
{
    return plat.now(plat.ctx);
}

static void test_platform_check_accepts_posix_port(void **state)
{
    (void)state;
    assert_int_equal(axn_platform_check(&plat), 0);
    assert_non_null(plat.irq_register);
    assert_non_null(plat.irq_unregister);
    assert_non_null(plat.log);
    assert_int_equal(plat.log_level, AXN_LOG_INFO);
    assert_int_equal(axn_port_posix_init(NULL, AXN_LOG_INFO), -AXN_EINVAL);
}

static void test_now_is_monotonic_microseconds(void **state)
{
    (void)state;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    axn_time_t ref = (axn_time_t)ts.tv_sec * AXN_USEC_PER_SEC + (axn_time_t)ts.tv_nsec / 1000;
    axn_time_t a = now();
    usleep(WAKE_DELAY_US);
    axn_time_t b = now();
    assert_true(a >= ref);
    assert_true(a - ref < PROMPT_US);
    assert_true(b - a >= WAKE_DELAY_US);
}

static void test_event_signal_before_wait_is_not_lost(void **state)
{
    (void)state;
    void *ev;
    assert_int_equal(plat.event_create(plat.ctx, &ev), 0);
    plat.event_signal(ev);
    axn_time_t t0 = now();
    assert_int_equal(plat.event_wait(ev, t0 + GUARD_DEADLINE_US), 0);
    assert_true(now() - t0 < PROMPT_US);
    /* Consumed: the next wait times out. */
    assert_int_equal(plat.event_wait(ev, now() + SHORT_DEADLINE_US), -AXN_ETIMEDOUT);
    plat.event_destroy(plat.ctx, ev);
}

static void test_event_wait_times_out_at_deadline(void **state)
{
    (void)state;
    void *ev;
    assert_int_equal(plat.event_create(plat.ctx, &ev), 0);
    axn_time_t deadline = now() + SHORT_DEADLINE_US;
    assert_int_equal(plat.event_wait(ev, deadline), -AXN_ETIMEDOUT);
    assert_true(now() >= deadline);
    /* A deadline already past returns at once. */
    assert_int_equal(plat.event_wait(ev, 0), -AXN_ETIMEDOUT);
    plat.event_destroy(plat.ctx, ev);
}

static void signal_after_delay(void *arg)
{
    usleep(WAKE_DELAY_US);
    plat.event_signal(arg);
}

static void test_event_signal_from_another_thread_wakes_waiter(void **state)
{
    (void)state;
    void *ev, *thread;
    assert_int_equal(plat.event_create(plat.ctx, &ev), 0);
    assert_int_equal(plat.thread_start(plat.ctx, "axn-signaller", signal_after_delay, ev, &thread),
                     0);
    axn_time_t t0 = now();
    assert_int_equal(plat.event_wait(ev, t0 + GUARD_DEADLINE_US), 0);
    assert_true(now() - t0 < GUARD_DEADLINE_US);
    assert_int_equal(plat.thread_join(plat.ctx, thread), 0);
    plat.event_destroy(plat.ctx, ev);
}

static void *handler_event;

static void on_sigusr1(int sig)
{
    (void)sig;
    plat.event_signal(handler_event);
}

static void test_event_signal_is_safe_from_a_signal_handler(void **state)
{
    (void)state;
    assert_int_equal(plat.event_create(plat.ctx, &handler_event), 0);
    struct sigaction sa = {.sa_handler = on_sigusr1}, old;
    sigemptyset(&sa.sa_mask);
    assert_int_equal(sigaction(SIGUSR1, &sa, &old), 0);
    assert_int_equal(pthread_kill(pthread_self(), SIGUSR1), 0);
    assert_int_equal(plat.event_wait(handler_event, now() + GUARD_DEADLINE_US), 0);
    sigaction(SIGUSR1, &old, NULL);
    plat.event_destroy(plat.ctx, handler_event);
}

struct taker {
    void *mutex;
    atomic_int took;
};

static void take_mutex(void *arg)
{
    struct taker *t = arg;
    plat.mutex_lock(t->mutex);
    atomic_store(&t->took, 1);
    plat.mutex_unlock(t->mutex);
}

static void test_waitq_wait_times_out_with_mutex_held(void **state)
{
    (void)state;
    void *m, *wq;
    assert_int_equal(plat.mutex_create(plat.ctx, &m), 0);
    assert_int_equal(plat.waitq_create(plat.ctx, &wq), 0);
    plat.mutex_lock(m);
    axn_time_t deadline = now() + SHORT_DEADLINE_US;
    int rc;
    /* Spurious wake-ups are allowed: loop as a real caller does. */
    do
        rc = plat.waitq_wait(wq, m, deadline);
    while (rc == 0);
    assert_int_equal(rc, -AXN_ETIMEDOUT);
    assert_true(now() >= deadline);
    /* The mutex came back held: another thread cannot take it. */
    struct taker t = {.mutex = m};
    void *thread;
    assert_int_equal(plat.thread_start(plat.ctx, "axn-taker", take_mutex, &t, &thread), 0);
    usleep(WAKE_DELAY_US);
    assert_int_equal(atomic_load(&t.took), 0);
    plat.mutex_unlock(m);
    assert_int_equal(plat.thread_join(plat.ctx, thread), 0);
    assert_int_equal(atomic_load(&t.took), 1);
    plat.waitq_destroy(plat.ctx, wq);
    plat.mutex_destroy(plat.ctx, m);
}

struct gate {
    void *mutex;
    void *waitq;
    bool open;
    int woken;
    int timed_out;
};

static void wait_for_gate(void *arg)
{
    struct gate *g = arg;
    axn_time_t deadline = now() + GUARD_DEADLINE_US;
    plat.mutex_lock(g->mutex);
    int rc = 0;
    while (!g->open && rc == 0)
        rc = plat.waitq_wait(g->waitq, g->mutex, deadline);
    if (g->open)
        g->woken++;
    else
        g->timed_out++;
    plat.mutex_unlock(g->mutex);
}

static void test_waitq_wake_all_wakes_every_waiter(void **state)
{
    (void)state;
    struct gate g = {0};
    assert_int_equal(plat.mutex_create(plat.ctx, &g.mutex), 0);
    assert_int_equal(plat.waitq_create(plat.ctx, &g.waitq), 0);
    void *threads[WAITERS];
    for (int i = 0; i < WAITERS; i++)
        assert_int_equal(plat.thread_start(plat.ctx, "axn-waiter", wait_for_gate, &g, &threads[i]),
                         0);
    usleep(WAKE_DELAY_US);
    plat.mutex_lock(g.mutex);
    g.open = true;
    plat.waitq_wake_all(g.waitq);
    plat.mutex_unlock(g.mutex);
    for (int i = 0; i < WAITERS; i++)
        assert_int_equal(plat.thread_join(plat.ctx, threads[i]), 0);
    assert_int_equal(g.woken, WAITERS);
    assert_int_equal(g.timed_out, 0);
    plat.waitq_destroy(plat.ctx, g.waitq);
    plat.mutex_destroy(plat.ctx, g.mutex);
}

struct named {
    char name[32];
    int ran;
};

static void record_name(void *arg)
{
    struct named *n = arg;
    pthread_getname_np(pthread_self(), n->name, sizeof n->name);
    n->ran++;
}

static void test_thread_start_join_with_name(void **state)
{
    (void)state;
    struct named n = {{0}, 0};
    void *thread;
    assert_int_equal(plat.thread_start(plat.ctx, "net-poll", record_name, &n, &thread), 0);
    assert_int_equal(plat.thread_join(plat.ctx, thread), 0);
    assert_int_equal(n.ran, 1);
    assert_string_equal(n.name, "net-poll");

    struct named longer = {{0}, 0};
    assert_int_equal(
        plat.thread_start(plat.ctx, "enp0s31f6-rx-worker", record_name, &longer, &thread), 0);
    assert_int_equal(plat.thread_join(plat.ctx, thread), 0);
    assert_string_equal(longer.name, "enp0s31f6-rx-wo"); /* 15 characters */
}

static void test_random_gives_different_outputs(void **state)
{
    (void)state;
    uint8_t a[RANDOM_LEN], b[RANDOM_LEN], zero[RANDOM_LEN] = {0};
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    assert_int_equal(plat.random(plat.ctx, a, sizeof a), 0);
    assert_int_equal(plat.random(plat.ctx, b, sizeof b), 0);
    assert_memory_not_equal(a, b, sizeof a);
    assert_memory_not_equal(a, zero, sizeof a);
    assert_int_equal(plat.random(plat.ctx, a, 0), 0);
}

static void test_alloc_honours_alignment_and_zeroes(void **state)
{
    (void)state;
    void *blocks[ALLOC_ROUNDS];
    for (int i = 0; i < ALLOC_ROUNDS; i++) {
        uint8_t *p = plat.alloc(plat.ctx, ALLOC_LEN + (size_t)i, ALLOC_ALIGN);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % ALLOC_ALIGN, 0);
        for (size_t j = 0; j < ALLOC_LEN + (size_t)i; j++)
            assert_int_equal(p[j], 0);
        memset(p, 0xcc, ALLOC_LEN); /* dirty it for the next round's reuse */
        blocks[i] = p;
        if (i % 2) {
            plat.free(plat.ctx, p, ALLOC_LEN + (size_t)i);
            blocks[i] = NULL;
        }
    }
    for (int i = 0; i < ALLOC_ROUNDS; i++)
        plat.free(plat.ctx, blocks[i], ALLOC_LEN + (size_t)i);
    assert_null(plat.alloc(plat.ctx, 16, 24)); /* not a power of two */
    void *z = plat.alloc(plat.ctx, 0, 1);
    assert_non_null(z);
    plat.free(plat.ctx, z, 0);
    plat.free(plat.ctx, NULL, 0);
}

/* Exclusion under contention is test_posix_spin.c's (a futex lock, not a
 * pthread mutex: no trylock to probe it with). */
static void test_spin_lock_excludes_and_saves_zero(void **state)
{
    (void)state;
    void *s;
    assert_int_equal(plat.spin_create(plat.ctx, &s), 0);
    unsigned long irq = plat.spin_lock_irqsave(s);
    assert_int_equal(irq, 0);
    plat.spin_unlock_irqrestore(s, irq);
    irq = plat.spin_lock_irqsave(s); /* released: taken again at once */
    plat.spin_unlock_irqrestore(s, irq);
    plat.spin_destroy(plat.ctx, s);
}

static void test_log_writes_stamped_line_to_stderr(void **state)
{
    (void)state;
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    dup2(fileno(tmp), STDERR_FILENO);
    plat.log(plat.ctx, AXN_LOG_WARN, "queue full");
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);

    char line[LOG_CAPTURE_LEN] = {0};
    rewind(tmp);
    assert_non_null(fgets(line, sizeof line, tmp));
    fclose(tmp);
    unsigned long long sec, usec;
    char level[8], text[32];
    assert_int_equal(sscanf(line, "[%llu.%llu] %7s %31[^\n]", &sec, &usec, level, text), 4);
    assert_true(usec < AXN_USEC_PER_SEC);
    assert_string_equal(level, "WARN");
    assert_string_equal(text, "queue full");
}

/* ---- IRQ registrar: an fd is a line ----------------------------------------- */

struct irq_probe {
    atomic_int calls;
    atomic_bool in_action;
    void *fired;   /* signalled by every action run */
    void *release; /* when non-NULL, the action waits for it */
    char thread[THREAD_NAME_LEN];
};

static int probe_action(void *arg)
{
    struct irq_probe *p = arg;
    atomic_store(&p->in_action, true);
    /* The first run only: later runs follow the reader's check through a
     * pipe write, an ordering ThreadSanitizer cannot see. */
    if (atomic_load(&p->calls) == 0)
        pthread_getname_np(pthread_self(), p->thread, sizeof p->thread);
    atomic_fetch_add(&p->calls, 1);
    plat.event_signal(p->fired);
    if (p->release)
        plat.event_wait(p->release, now() + GUARD_DEADLINE_US);
    atomic_store(&p->in_action, false);
    return 1;
}

static void probe_init(struct irq_probe *p)
{
    memset(p, 0, sizeof *p);
    atomic_init(&p->calls, 0);
    atomic_init(&p->in_action, false);
    assert_int_equal(plat.event_create(plat.ctx, &p->fired), 0);
}

static void probe_fini(struct irq_probe *p)
{
    plat.event_destroy(plat.ctx, p->fired);
    if (p->release)
        plat.event_destroy(plat.ctx, p->release);
}

static void write_byte(int fd)
{
    const char b = 'x';
    assert_int_equal(write(fd, &b, 1), 1);
}

static void test_irq_refuses_lines_that_are_not_fds(void **state)
{
    (void)state;
    struct irq_probe p;
    probe_init(&p);
    void *reg = NULL;
    assert_int_equal(plat.irq_register(plat.ctx, "sim", SMALL_IRQ_LINE, probe_action, &p, &reg),
                     -AXN_EINVAL);
    assert_int_equal(axn_port_posix_fd_irq(-1), -AXN_EBADF);
    /* A number that names no open fd. */
    int fd = dup(STDERR_FILENO);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(
        plat.irq_register(plat.ctx, "gone", axn_port_posix_fd_irq(fd), probe_action, &p, &reg),
        -AXN_EINVAL);
    assert_int_equal(
        plat.irq_register(plat.ctx, "noact", axn_port_posix_fd_irq(STDERR_FILENO), NULL, &p, &reg),
        -AXN_EINVAL);
    assert_null(reg);
    assert_int_equal(atomic_load(&p.calls), 0);
    probe_fini(&p);
}

/* Edge-triggered: every write fires once, even with the fd never drained,
 * and unread data alone does not fire again (no spinning thread). */
static void test_irq_fires_once_per_arrival_on_its_named_thread(void **state)
{
    (void)state;
    struct irq_probe p;
    probe_init(&p);
    int fds[2];
    assert_int_equal(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
    void *reg;
    assert_int_equal(
        plat.irq_register(plat.ctx, "tap0", axn_port_posix_fd_irq(fds[0]), probe_action, &p, &reg),
        0);
    assert_int_equal(plat.event_wait(p.fired, now() + SHORT_DEADLINE_US), -AXN_ETIMEDOUT);
    write_byte(fds[1]);
    assert_int_equal(plat.event_wait(p.fired, now() + GUARD_DEADLINE_US), 0);
    assert_int_equal(atomic_load(&p.calls), 1);
    assert_string_equal(p.thread, "irq/tap0");
    assert_int_equal(plat.event_wait(p.fired, now() + SHORT_DEADLINE_US), -AXN_ETIMEDOUT);
    write_byte(fds[1]);
    assert_int_equal(plat.event_wait(p.fired, now() + GUARD_DEADLINE_US), 0);
    assert_int_equal(atomic_load(&p.calls), 2);
    plat.irq_unregister(plat.ctx, reg);
    write_byte(fds[1]);
    assert_int_equal(plat.event_wait(p.fired, now() + SHORT_DEADLINE_US), -AXN_ETIMEDOUT);
    assert_int_equal(atomic_load(&p.calls), 2);
    close(fds[0]);
    close(fds[1]);
    probe_fini(&p);
}

static void release_after_delay(void *arg)
{
    usleep(WAKE_DELAY_US);
    plat.event_signal(arg);
}

/* platform.h: irq_unregister must not return while the action runs. */
static void test_irq_unregister_waits_for_a_running_action(void **state)
{
    (void)state;
    struct irq_probe p;
    probe_init(&p);
    assert_int_equal(plat.event_create(plat.ctx, &p.release), 0);
    int fds[2];
    assert_int_equal(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
    void *reg, *releaser;
    assert_int_equal(
        plat.irq_register(plat.ctx, "slow", axn_port_posix_fd_irq(fds[0]), probe_action, &p, &reg),
        0);
    write_byte(fds[1]);
    assert_int_equal(plat.event_wait(p.fired, now() + GUARD_DEADLINE_US), 0);
    assert_true(atomic_load(&p.in_action));
    assert_int_equal(
        plat.thread_start(plat.ctx, "releaser", release_after_delay, p.release, &releaser), 0);
    plat.irq_unregister(plat.ctx, reg);
    assert_false(atomic_load(&p.in_action));
    assert_int_equal(plat.thread_join(plat.ctx, releaser), 0);
    close(fds[0]);
    close(fds[1]);
    probe_fini(&p);
}

#define T(fn) cmocka_unit_test(fn)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_platform_check_accepts_posix_port),
        T(test_now_is_monotonic_microseconds),
        T(test_event_signal_before_wait_is_not_lost),
        T(test_event_wait_times_out_at_deadline),
        T(test_event_signal_from_another_thread_wakes_waiter),
        T(test_event_signal_is_safe_from_a_signal_handler),
        T(test_waitq_wait_times_out_with_mutex_held),
        T(test_waitq_wake_all_wakes_every_waiter),
        T(test_thread_start_join_with_name),
        T(test_random_gives_different_outputs),
        T(test_alloc_honours_alignment_and_zeroes),
        T(test_spin_lock_excludes_and_saves_zero),
        T(test_log_writes_stamped_line_to_stderr),
        T(test_irq_refuses_lines_that_are_not_fds),
        T(test_irq_fires_once_per_arrival_on_its_named_thread),
        T(test_irq_unregister_waits_for_a_running_action),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
