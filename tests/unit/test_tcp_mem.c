/*
 * What a TCP connection holds once it no longer needs it, between two
 * whole stacks on the simulated wire (tcp_sim.h): TIME-WAIT keeps no ring
 * (unread bytes excepted, which recv still returns as on Linux), an orphan
 * frees its receive ring and, once its FIN is acknowledged, its send ring;
 * TIME-WAIT is counted apart from the orphans and bounded
 * (AXN_TCP_MAX_TW, Linux tcp_max_tw_buckets: over it the connection closes,
 * TCPTimeWaitOverflow); a SO_RCVBUF made smaller after the ring exists
 * limits the window offered.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <limits.h>
#include <string.h>

#include <cmocka.h>

#include "axnet/errno.h"
#include "axnet/snmp.h"
#include "axnet/socket.h"
#include "tcp/tcp.h"
#include "tcp_sim.h"
#include "test_platform.h"

#define A      TCP_SIM_NODE_A
#define B      TCP_SIM_NODE_B
#define PORT   80u
#define SETTLE AXN_MSEC(10)
#define SMALL  100u
#define FINACK (AXN_TCP_FIN | AXN_TCP_ACK)
#define ACK    AXN_TCP_ACK
/* What a TIME-WAIT connection may cost: its struct alone (704 bytes on
 * x86_64 when this was written), well under one ring. A bound, so the
 * test fails if the struct grows past it unnoticed. */
#define TW_COST_MAX 1024u
/* SO_RCVBUF asked for after the ring exists; Linux doubles it. */
#define SMALL_RCVBUF 3000
#define RCVBUF_X2    (2u * SMALL_RCVBUF)
#define CHUNK        8192u
#define SEND_ROUNDS  32u /* CHUNK each: more than a 64 KiB window */

static struct tcp_sim T;

static void pair(struct axn_socket **c, struct axn_socket **s)
{
    tcp_sim_pair_fresh(&T, PORT, c, s);
}

static void shut_wr(struct axn_socket *s)
{
    tcp_sim_shut_wr(&T, s);
}

/* The client's connection on A. */
static struct axn_tcp_conn *conn_a(struct axn_socket *c)
{
    struct axn_tcp_conn *k = tcp_sim_conn(&T, A, tcp_sim_local_port(c), PORT);
    assert_non_null(k);
    return k;
}

static uint64_t ext_of(int node, size_t off)
{
    struct axn_snmp_tcp_ext e;
    tcp_sim_snmp(&T, node, NULL, &e);
    uint64_t v;
    memcpy(&v, (const uint8_t *)&e + off, sizeof(v));
    return v;
}
#define EXT(node, field) ext_of(node, offsetof(struct axn_snmp_tcp_ext, field))

/* A socket that reached TIME-WAIT (both sides shut, nothing unread) holds
 * its struct only: both rings are gone, two allocations fewer, and the
 * socket calls cope (recv 0, send EPIPE, poll hung up). */
static void time_wait_holds_no_rings(void **state)
{
    (void)state;
    struct axn_socket *c, *s;
    pair(&c, &s);
    struct axn_tcp_conn *k = conn_a(c);
    assert_non_null(k->snd.buf);
    assert_non_null(k->rcv.buf);
    shut_wr(c);
    tcp_sim_run(&T, SETTLE);
    const size_t live = axn_test_live_allocs();
    shut_wr(s);
    tcp_sim_run(&T, SETTLE);
    assert_int_equal(k->state, AXN_TCP_TIME_WAIT);
    assert_null(k->snd.buf);
    assert_null(k->rcv.buf);
    assert_int_equal(k->snd.cap + k->rcv.cap, 0);
    assert_int_equal(axn_test_live_allocs(), live - 2u);
    assert_true(sizeof(struct axn_tcp_conn) <= TW_COST_MAX);
    assert_int_equal(tcp_sim_layer(&T, A)->n_tw, 1);
    uint8_t buf[SMALL];
    assert_int_equal(tcp_sim_read(c, buf, sizeof(buf)), 0);
    assert_int_equal(axn_send(c, buf, 1, AXN_MSG_DONTWAIT | AXN_MSG_NOSIGNAL), -AXN_EPIPE);
    const unsigned ev = axn_socket_poll(c);
    assert_true((ev & AXN_POLLHUP) && (ev & AXN_POLLIN) && (ev & AXN_POLLOUT));
    int outq = -1;
    assert_int_equal(axn_ioctl(c, AXN_SIOCOUTQ, &outq), 0);
    assert_int_equal(outq, 0);
}

/* Bytes not read yet when TIME-WAIT comes stay readable (Linux: the
 * receive queue outlives tcp_time_wait); only the send ring goes. */
static void time_wait_keeps_unread_bytes(void **state)
{
    (void)state;
    struct axn_socket *c, *s;
    pair(&c, &s);
    struct axn_tcp_conn *k = conn_a(c);
    uint8_t out[SMALL], in[SMALL];
    tcp_sim_pattern(out, sizeof(out), 0);
    assert_int_equal(axn_send(s, out, sizeof(out), AXN_MSG_DONTWAIT), (long)sizeof(out));
    shut_wr(c);
    tcp_sim_run(&T, SETTLE);
    shut_wr(s);
    tcp_sim_run(&T, SETTLE);
    assert_int_equal(k->state, AXN_TCP_TIME_WAIT);
    assert_null(k->snd.buf);
    assert_non_null(k->rcv.buf);
    assert_int_equal(tcp_sim_read(c, in, sizeof(in)), (long)sizeof(in));
    assert_memory_equal(in, out, sizeof(in));
    assert_int_equal(tcp_sim_read(c, in, sizeof(in)), 0);
}

/* close(): the orphan frees its receive ring, and its send ring once the
 * FIN is acknowledged (FIN-WAIT-2). Reaching TIME-WAIT it leaves the
 * orphan count for the TIME-WAIT count (Linux counts them apart). */
static void orphan_sheds_rings_and_count(void **state)
{
    (void)state;
    struct axn_socket *c, *s;
    pair(&c, &s);
    struct axn_tcp_conn *k = conn_a(c);
    struct axn_tcp_layer *l = tcp_sim_layer(&T, A);
    tcp_sim_close_kept(&T, c);
    tcp_sim_run(&T, SETTLE);
    assert_true(k->orphan);
    assert_int_equal(k->state, AXN_TCP_FIN_WAIT2);
    assert_null(k->snd.buf);
    assert_null(k->rcv.buf);
    assert_int_equal(l->n_orphans, 1);
    assert_int_equal(l->n_tw, 0);
    shut_wr(s);
    tcp_sim_run(&T, SETTLE);
    assert_int_equal(k->state, AXN_TCP_TIME_WAIT);
    assert_int_equal(l->n_orphans, 0);
    assert_int_equal(l->n_tw, 1);
    const size_t conns = tcp_sim_conns(&T, A);
    sim_stacks_run_until(&T.sim, tcp_sim_now(&T) + 2u * AXN_MSEC(AXN_TCP_MSL_MS));
    assert_int_equal(tcp_sim_conns(&T, A), conns - 1u);
    assert_int_equal(l->n_tw, 0);
    assert_int_equal(l->n_orphans, 0);
}

/* Linux tcp_time_wait with tcp_max_tw_buckets reached: no TIME-WAIT, the
 * connection closes at once (an orphan is gone), TCPTimeWaitOverflow. */
static void time_wait_over_bound_closes(void **state)
{
    (void)state;
    struct axn_socket *c, *s;
    pair(&c, &s);
    struct axn_tcp_layer *l = tcp_sim_layer(&T, A);
    tcp_sim_close_kept(&T, c);
    tcp_sim_run(&T, SETTLE);
    const size_t conns = tcp_sim_conns(&T, A);
    l->n_tw = AXN_TCP_MAX_TW; /* as if that many were waiting */
    shut_wr(s);
    tcp_sim_run(&T, SETTLE);
    const size_t full = l->n_tw;
    l->n_tw = 0;
    assert_int_equal(full, AXN_TCP_MAX_TW);
    assert_int_equal(tcp_sim_conns(&T, A), conns - 1u);
    assert_int_equal(l->n_orphans, 0);
    assert_int_equal(EXT(A, tw_overflow), 1);
    assert_int_equal(EXT(A, tw), 0);
    T.cursor = 0;
    const struct tcp_seg *fin = tcp_sim_expect(&T, B, FINACK);
    const struct tcp_seg *ack = tcp_sim_expect(&T, A, ACK);
    assert_int_equal(ack->ack, fin->seq + 1); /* the FIN was still acknowledged */
    assert_int_equal(tcp_sim_state(s), AXN_TCP_CLOSED);
}

/* The last window B offered. */
static uint16_t last_window_from_b(void)
{
    uint16_t w = 0;
    for (size_t i = 0; i < T.n_seg; i++) {
        if (T.seg[i].from == B)
            w = T.seg[i].window;
    }
    return w;
}

/* Sends from c whatever fits, `rounds` times, letting the wire run. */
static void keep_sending(struct axn_socket *c, unsigned rounds)
{
    static uint8_t out[CHUNK];
    for (unsigned i = 0; i < rounds; i++) {
        (void)axn_send(c, out, sizeof(out), AXN_MSG_DONTWAIT);
        tcp_sim_run(&T, SETTLE);
    }
}

/* SO_RCVBUF made smaller after the ring exists: the edge already offered
 * is honoured (the ring has the room), but no further: the window is then
 * SO_RCVBUF minus what is queued (0 here), and once read, SO_RCVBUF. */
static void smaller_rcvbuf_limits_window(void **state)
{
    (void)state;
    struct axn_socket *c, *s;
    pair(&c, &s);
    const uint16_t offered = last_window_from_b();
    struct axn_tcp_conn *k = tcp_sim_conn(&T, B, PORT, tcp_sim_local_port(c));
    assert_non_null(k);
    assert_true(k->rcv.cap > offered); /* the ring could take more */
    assert_int_equal(tcp_sim_setopt_int(s, AXN_SOL_SOCKET, AXN_SO_RCVBUF, SMALL_RCVBUF), 0);
    keep_sending(c, SEND_ROUNDS);
    assert_int_equal(k->rcv.len, offered);
    assert_int_equal(last_window_from_b(), 0);
    static uint8_t in[UINT16_MAX];
    const size_t mark = T.n_seg;
    assert_int_equal(tcp_sim_read(s, in, sizeof(in)), (long)offered);
    tcp_sim_run(&T, SETTLE);
    T.cursor = mark;
    assert_int_equal(tcp_sim_expect(&T, B, ACK)->window, RCVBUF_X2); /* the window update */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TCP_SIM_TEST(time_wait_holds_no_rings, &T),
        TCP_SIM_TEST(time_wait_keeps_unread_bytes, &T),
        TCP_SIM_TEST(orphan_sheds_rings_and_count, &T),
        TCP_SIM_TEST(time_wait_over_bound_closes, &T),
        TCP_SIM_TEST(smaller_rcvbuf_limits_window, &T),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
