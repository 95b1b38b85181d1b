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
#include <stdio.h>
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
#define BULK_CHUNK   65536u
#define BULK_ROUNDS  100000u
#define BURST        (256u * 1024u)
/* A 50 ms round trip (25 ms each way) at 100 Mbit/s: 625 KB in flight. */
#define PATH_DELAY AXN_MSEC(25)
#define PATH_BPS   100000000u
#define PATH_BDP   (PATH_BPS / 8u / 20u) /* 50 ms worth: 625 000 bytes */
/* 128 KiB per 50 ms: the rate a window that never grows allows. */
#define WND_LIMITED_BPS (AXN_TCP_RCVBUF_DEFAULT * 8u * 20u)
#define WARM_BYTES      (4u * 1024u * 1024u)
#define BULK_BYTES      (16u * 1024u * 1024u)

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

/* Bytes both ways, read: the client on A then holds both rings (until
 * the reclaim timer, AXN_TCP_RING_IDLE_MS later). */
static void exchange(struct axn_socket *c, struct axn_socket *s)
{
    uint8_t buf[SMALL];
    tcp_sim_pattern(buf, sizeof(buf), 0);
    assert_int_equal(axn_send(c, buf, sizeof(buf), AXN_MSG_DONTWAIT), (long)sizeof(buf));
    assert_int_equal(axn_send(s, buf, sizeof(buf), AXN_MSG_DONTWAIT), (long)sizeof(buf));
    tcp_sim_run(&T, SETTLE);
    assert_int_equal(tcp_sim_read(c, buf, sizeof(buf)), (long)sizeof(buf));
    assert_int_equal(tcp_sim_read(s, buf, sizeof(buf)), (long)sizeof(buf));
}

/* A socket that reached TIME-WAIT (both sides shut, nothing unread) holds
 * its struct only: both rings are gone, two allocations fewer, and the
 * socket calls cope (recv 0, send EPIPE, poll hung up). */
static void time_wait_holds_no_rings(void **state)
{
    (void)state;
    struct axn_socket *c, *s;
    pair(&c, &s);
    struct axn_tcp_conn *k = conn_a(c);
    assert_null(k->snd.buf); /* lazy: no data yet, no ring */
    assert_null(k->rcv.buf);
    exchange(c, s);
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
    assert_null(k->rcv.buf); /* the window offered does not need the ring */
    assert_int_equal(tcp_sim_setopt_int(s, AXN_SOL_SOCKET, AXN_SO_RCVBUF, SMALL_RCVBUF), 0);
    keep_sending(c, SEND_ROUNDS);
    /* The edge offered, give or take the rounding of a scaled window
     * (RFC 7323 2.3: never shrunk, so rounded up: < 2^shift per ACK). */
    const uint32_t shift = k->opt.wscale_ok ? k->opt.rcv_wscale : 0u;
    const uint32_t held = k->rcv.len;
    assert_true(held >= offered && held <= offered + SEND_ROUNDS * (1u << shift) * 4u);
    /* Closed: 0, or under one segment left by that rounding. */
    assert_true(((uint32_t)last_window_from_b() << shift) < k->adv_mss);
    static uint8_t in[2u * UINT16_MAX];
    const size_t mark = T.n_seg;
    assert_int_equal(tcp_sim_read(s, in, sizeof(in)), (long)held);
    tcp_sim_run(&T, SETTLE);
    T.cursor = mark;
    /* The window update: SO_RCVBUF as set (no auto-tuning past it). */
    assert_int_equal(tcp_sim_expect(&T, B, ACK)->window, RCVBUF_X2 >> shift);
    assert_int_equal(k->rcvbuf, RCVBUF_X2);
}

/* Moves `total` pattern bytes c -> s from stream offset `off`, reading
 * as they come and checking every byte; `step` of virtual time per round.
 * Returns the virtual time it took. */
static axn_time_t stream(struct axn_socket *c, struct axn_socket *s, uint64_t off, size_t total,
                         axn_time_t step)
{
    static uint8_t out[BULK_CHUNK], in[BULK_CHUNK];
    const axn_time_t t0 = tcp_sim_now(&T);
    size_t sent = 0, got = 0;
    for (unsigned r = 0; r < BULK_ROUNDS && got < total; r++) {
        while (sent < total) {
            size_t n = total - sent < sizeof(out) ? total - sent : sizeof(out);
            tcp_sim_pattern(out, n, off + sent);
            const long w = axn_send(c, out, n, AXN_MSG_DONTWAIT);
            if (w <= 0)
                break;
            sent += (size_t)w;
        }
        tcp_sim_run(&T, step);
        long n;
        while ((n = tcp_sim_read(s, in, sizeof(in))) > 0) {
            assert_true(tcp_sim_pattern_ok(in, (size_t)n, off + got));
            got += (size_t)n;
        }
    }
    assert_int_equal(got, total);
    return tcp_sim_now(&T) - t0;
}

/* Lazy rings: none before data; a burst allocates them (the receive ring
 * growing past its first chunk), they are returned once drained and idle
 * for AXN_TCP_RING_IDLE_MS, and the next burst grows them again, every
 * byte exact. */
static void rings_return_when_drained(void **state)
{
    (void)state;
    struct axn_socket *c, *s;
    pair(&c, &s);
    struct axn_tcp_conn *ka = conn_a(c);
    struct axn_tcp_conn *kb = tcp_sim_conn(&T, B, PORT, tcp_sim_local_port(c));
    assert_non_null(kb);
    const size_t live = axn_test_live_allocs();
    uint64_t off = 0;
    for (unsigned round = 0; round < 2u; round++) {
        assert_null(ka->snd.buf);
        assert_null(kb->rcv.buf);
        (void)stream(c, s, off, BURST, SETTLE);
        off += BURST;
        assert_non_null(ka->snd.buf);
        assert_non_null(kb->rcv.buf);
        assert_true(kb->rcv.cap > AXN_TCP_RING_FIRST); /* grown as the window filled */
        assert_true(kb->rcv.cap <= kb->rcvbuf);
        tcp_sim_run(&T, AXN_MSEC(2u * AXN_TCP_RING_IDLE_MS + 1u));
        assert_null(ka->snd.buf);
        assert_null(ka->rcv.buf);
        assert_null(kb->snd.buf);
        assert_null(kb->rcv.buf);
        assert_int_equal(axn_test_live_allocs(), live);
    }
}

/* Receive auto-tuning (Linux tcp_rcv_space_adjust): on a 50 ms path the
 * default 128 KiB buffer would hold the flow to 128 KiB per RTT (~21
 * Mbit/s); the limit grows with the bytes read per RTT, the window
 * offered goes far past 128 KiB, and the transfer runs near the link
 * rate. With SO_RCVBUF set (locked) nothing grows. */
static void autotune_opens_window_on_long_path(void **state)
{
    (void)state;
    struct axn_socket *c, *s;
    pair(&c, &s);
    const struct axn_sim_impairments imp = {.delay = PATH_DELAY, .bandwidth_bps = PATH_BPS};
    assert_int_equal(axn_sim_wire_set_impairments(T.sim.wire, &imp), 0);
    struct axn_tcp_conn *kb = tcp_sim_conn(&T, B, PORT, tcp_sim_local_port(c));
    assert_non_null(kb);
    assert_int_equal(kb->rcvbuf, AXN_TCP_RCVBUF_DEFAULT);
    (void)stream(c, s, 0, WARM_BYTES, AXN_MSEC(1));
    const axn_time_t took = stream(c, s, WARM_BYTES, BULK_BYTES, AXN_MSEC(1));
    const uint64_t bps = (uint64_t)BULK_BYTES * 8u * AXN_SEC(1) / took;
    printf("autotune: rcvbuf %u, sndbuf %u, %llu bit/s on a %u bit/s, 50 ms path\n", kb->rcvbuf,
           conn_a(c)->sndbuf, (unsigned long long)bps, (unsigned)PATH_BPS);
    assert_true(kb->rcvbuf >= 4u * AXN_TCP_RCVBUF_DEFAULT);
    assert_true(kb->rcvbuf <= AXN_TCP_RMEM_MAX);
    assert_int_equal(sim_get_int(s, AXN_SOL_SOCKET, AXN_SO_RCVBUF), (int)kb->rcvbuf);
    /* The window the sender sees covers the path (the losses of a full
     * egress queue are congestion control's business, not the window's),
     * and the rate is well past what 128 KiB per RTT allows. */
    assert_true(conn_a(c)->snd_wnd >= PATH_BDP);
    assert_true(bps >= WND_LIMITED_BPS * 5u / 4u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TCP_SIM_TEST(time_wait_holds_no_rings, &T),
        TCP_SIM_TEST(time_wait_keeps_unread_bytes, &T),
        TCP_SIM_TEST(orphan_sheds_rings_and_count, &T),
        TCP_SIM_TEST(time_wait_over_bound_closes, &T),
        TCP_SIM_TEST(smaller_rcvbuf_limits_window, &T),
        TCP_SIM_TEST(rings_return_when_drained, &T),
        TCP_SIM_TEST(autotune_opens_window_on_long_path, &T),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
