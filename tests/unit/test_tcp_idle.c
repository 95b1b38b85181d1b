/*
 * Memory per idle connection (issue 6 item 5), between two whole stacks
 * on the simulated wire (tcp_sim.h): N established connections, each
 * having moved a few bytes both ways, all read, hold no ring once the
 * reclaim timer ran (tcp_buf.c: lazy rings), so what they cost is their
 * struct, their socket and their share of the 4-tuple hash and the timer
 * heap. The figure is printed and bounded; then everything closes and
 * every byte goes back.
 *
 * N is AXN_TCP_IDLE_CONNS (default IDLE_CONNS_DEFAULT, so `make test`
 * stays short under ASan; the documented long run is
 * AXN_TCP_IDLE_CONNS=100000). Past 64k connections the server listens on
 * several ports (CONNS_PER_PORT each), so one client address suffices.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "axnet/errno.h"
#include "axnet/socket.h"
#include "tcp/tcp.h"
#include "tcp/tcp_sock.h"
#include "tcp_sim.h"
#include "test_platform.h"

#define A                  TCP_SIM_NODE_A
#define B                  TCP_SIM_NODE_B
#define BASE_PORT          8000u
#define IDLE_CONNS_DEFAULT 10000u
#define CONNS_PER_PORT     10000u
#define BATCH              256u
#define MSG                16u /* bytes each way */
#define SETTLE             AXN_MSEC(5)
#define BACKLOG            4096
#define MAX_ROUNDS         2000u /* of SETTLE: 10 s, past SYN and data retransmissions */
/* Both sides of one idle connection (client + server: two structs, two
 * sockets, hash and heap slots): the target is ~1.5 KiB a side. */
#define IDLE_BYTES_MAX (2u * 1536u)
/* Past TIME-WAIT (2 x MSL) after FIN retransmissions (a burst of FINs
 * overflows the simulated device's queue). */
#define DRAIN_ALL AXN_SEC(2u * AXN_TCP_MSL_MS / 1000u + 60u)

static struct tcp_sim T;

/* The set-up's cost, printed only (the virtual clock drives the test):
 * it shows whether opening a connection costs O(1) or O(n). */
static double cpu_seconds(void)
{
    return (double)clock() / (double)CLOCKS_PER_SEC;
}

static size_t idle_conns(void)
{
    const char *e = getenv("AXN_TCP_IDLE_CONNS");
    const long v = e ? strtol(e, NULL, 10) : 0;
    return v > 0 ? (size_t)v : IDLE_CONNS_DEFAULT;
}

struct idle_world {
    size_t n;
    size_t n_ports;
    struct axn_socket *lst[16];
    struct axn_socket **cli;
    struct axn_socket **srv;
    size_t n_srv;
};

static void accept_all(struct idle_world *w)
{
    for (size_t p = 0; p < w->n_ports; p++) {
        for (;;) {
            int err = 0;
            struct axn_socket *s = tcp_sim_accept(w->lst[p], &err);
            if (!s)
                break;
            w->srv[w->n_srv++] = s;
        }
    }
}

/* One batch [from, to): connect, accept, a few bytes each way, read. */
static void open_batch(struct idle_world *w, size_t from, size_t to)
{
    uint8_t buf[MSG];
    for (size_t i = from; i < to; i++)
        w->cli[i] = tcp_sim_connect(&T, A, TCP_SIM_B, (uint16_t)(BASE_PORT + i / CONNS_PER_PORT));
    const size_t srv_from = w->n_srv;
    for (unsigned r = 0; r < MAX_ROUNDS && w->n_srv < to; r++) {
        tcp_sim_run(&T, SETTLE);
        accept_all(w);
    }
    assert_int_equal(w->n_srv, to);
    tcp_sim_pattern(buf, MSG, 0);
    for (size_t i = from; i < to; i++)
        assert_int_equal(axn_send(w->cli[i], buf, MSG, AXN_MSG_DONTWAIT), MSG);
    for (size_t i = srv_from; i < to; i++)
        assert_int_equal(axn_send(w->srv[i], buf, MSG, AXN_MSG_DONTWAIT), MSG);
    size_t left = 2u * (to - from);
    static bool got[2u * BATCH];
    memset(got, 0, sizeof(got));
    for (unsigned r = 0; r < MAX_ROUNDS && left > 0; r++) {
        tcp_sim_run(&T, SETTLE);
        for (size_t k = 0; k < 2u * (to - from); k++) {
            struct axn_socket *s = k % 2u ? w->srv[from + k / 2u] : w->cli[from + k / 2u];
            if (got[k] || tcp_sim_read(s, buf, MSG) != MSG)
                continue;
            assert_true(tcp_sim_pattern_ok(buf, MSG, 0));
            got[k] = true;
            left--;
        }
    }
    assert_int_equal(left, 0);
}

/* Rings still held by node's connections. */
static size_t rings_held(int node)
{
    size_t n = 0;
    for (const struct axn_tcp_conn *c = tcp_sim_layer(&T, node)->all; c; c = c->all_next)
        n += (c->snd.buf != NULL) + (c->rcv.buf != NULL);
    return n;
}

static size_t estab(int node)
{
    size_t n = 0;
    for (const struct axn_tcp_conn *c = tcp_sim_layer(&T, node)->all; c; c = c->all_next)
        n += c->state == AXN_TCP_ESTABLISHED;
    return n;
}

/* What is left, for a failing run. */
static void dump_states(void)
{
    for (int node = A; node <= B; node++) {
        unsigned n[AXN_TCP_CLOSING + 1] = {0};
        for (const struct axn_tcp_conn *c = tcp_sim_layer(&T, node)->all; c; c = c->all_next)
            n[c->state]++;
        for (int st = 0; st <= AXN_TCP_CLOSING; st++)
            if (n[st])
                printf("node %d: %u in state %d\n", node, n[st], st);
    }
}

static size_t hash_growth(int node)
{
    const struct axn_tcp_layer *l = tcp_sim_layer(&T, node);
    return (l->hash_buckets - AXN_TCP_HASH_BUCKETS) * sizeof(*l->hash);
}

static void listen_ports(struct idle_world *w)
{
    w->n_ports = (w->n + CONNS_PER_PORT - 1u) / CONNS_PER_PORT;
    assert_true(w->n_ports <= sizeof(w->lst) / sizeof(w->lst[0]));
    for (size_t p = 0; p < w->n_ports; p++)
        w->lst[p] = tcp_sim_listen(&T, B, (uint16_t)(BASE_PORT + p), BACKLOG);
}

/* Closes in batches, the client first, the server once it read the
 * end of file (so no burst overflows the simulated device's queue). */
static void close_batch(struct idle_world *w, size_t from, size_t to)
{
    uint8_t buf[MSG];
    for (size_t i = from; i < to; i++)
        assert_int_equal(axn_close(w->cli[i]), 0);
    size_t left = to - from;
    for (unsigned r = 0; r < MAX_ROUNDS && left > 0; r++) {
        tcp_sim_run(&T, SETTLE);
        for (size_t i = from; i < to; i++) {
            if (w->srv[i] && tcp_sim_read(w->srv[i], buf, MSG) == 0) {
                assert_int_equal(axn_close(w->srv[i]), 0);
                w->srv[i] = NULL;
                left--;
            }
        }
    }
    assert_int_equal(left, 0);
}

static void close_all(struct idle_world *w)
{
    for (size_t i = 0; i < w->n; i += BATCH)
        close_batch(w, i, i + BATCH < w->n ? i + BATCH : w->n);
    for (size_t p = 0; p < w->n_ports; p++)
        assert_int_equal(axn_close(w->lst[p]), 0);
    /* In steps: a run stops after SIM_STACKS_MAX_STEPS events. */
    const axn_time_t end = tcp_sim_now(&T) + DRAIN_ALL;
    while (tcp_sim_now(&T) < end && tcp_sim_conns(&T, A) + tcp_sim_conns(&T, B) > 0)
        tcp_sim_run(&T, AXN_SEC(1));
}

/* N idle established connections: no rings, bytes per connection under
 * IDLE_BYTES_MAX (printed), everything back after close. */
static void idle_connections_cost_structs_only(void **state)
{
    (void)state;
    struct idle_world w = {.n = idle_conns()};
    w.cli = calloc(w.n, sizeof(*w.cli));
    w.srv = calloc(w.n, sizeof(*w.srv));
    assert_non_null(w.cli);
    assert_non_null(w.srv);
    const size_t empty_bytes = axn_test_live_bytes();
    listen_ports(&w);
    tcp_sim_run(&T, SETTLE);
    const size_t base_bytes = axn_test_live_bytes();
    const size_t base_allocs = axn_test_live_allocs();
    const double t0 = cpu_seconds();
    for (size_t i = 0; i < w.n; i += BATCH)
        open_batch(&w, i, i + BATCH < w.n ? i + BATCH : w.n);
    const double setup_s = cpu_seconds() - t0;
    for (unsigned r = 0; r < 3u; r++)
        tcp_sim_run(&T, AXN_MSEC(AXN_TCP_RING_IDLE_MS));
    assert_int_equal(estab(A), w.n);
    assert_int_equal(estab(B), w.n);
    assert_int_equal(rings_held(A) + rings_held(B), 0);
    const size_t bytes = axn_test_live_bytes() - base_bytes;
    const double per_conn = (double)bytes / (double)w.n;
    printf("idle: %zu connections, %zu bytes in %zu allocations: %.0f bytes per connection "
           "(both sides), %.0f per side; struct axn_tcp_conn %zu, struct axn_tcp_sock %zu\n",
           w.n, bytes, axn_test_live_allocs() - base_allocs, per_conn, per_conn / 2.0,
           sizeof(struct axn_tcp_conn), sizeof(struct axn_tcp_sock));
    printf("idle: set-up of %zu connections (handshake, 16 bytes each way, read) took %.2f s "
           "of CPU\n",
           w.n, setup_s);
    fflush(stdout); /* before the long close, when stdout is a file */
    assert_true(per_conn <= IDLE_BYTES_MAX);
    close_all(&w);
    if (tcp_sim_conns(&T, A) + tcp_sim_conns(&T, B) > 0)
        dump_states();
    assert_int_equal(tcp_sim_conns(&T, A), 0);
    assert_int_equal(tcp_sim_conns(&T, B), 0);
    /* Everything back but the grown 4-tuple hash (it never shrinks). */
    assert_int_equal(axn_test_live_bytes(), empty_bytes + hash_growth(A) + hash_growth(B));
    free(w.cli);
    free(w.srv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TCP_SIM_TEST(idle_connections_cost_structs_only, &T),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
