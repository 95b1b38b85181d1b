/*
 * TCP timers between two whole stacks on the simulated wire, segment-exact
 * in virtual time (tcp_sim.h): the persist timer probing a zero window with
 * exponential back-off until the reader drains it and every byte arrives
 * (RFC 9293 3.8.6.1, RFC 1122 4.2.2.17); keep-alive probes at TCP_KEEPIDLE
 * then every TCP_KEEPINTVL, TCP_KEEPCNT of them, then ETIMEDOUT (RFC 1122
 * 4.2.3.6, Linux tcp_keepalive_timer); retransmission with RFC 6298 5.5
 * back-off cut short by TCP_USER_TIMEOUT (RFC 5482) with ETIMEDOUT.
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
#include "tcp_sim.h"
#include "test_platform.h"

#define A           TCP_SIM_NODE_A
#define B           TCP_SIM_NODE_B
#define DELAY       TCP_SIM_DELAY
#define PORT        80u
#define SETTLE      AXN_MSEC(10)
#define ACK         AXN_TCP_ACK
#define SYNACK      (AXN_TCP_SYN | AXN_TCP_ACK)
#define ST_ESTAB    1
#define ST_CLOSED   7
#define RTO_MIN     AXN_MSEC(AXN_TCP_RTO_MIN_MS)
#define RCVBUF_SET  2048 /* doubled by Linux rules: a 4 KiB receive ring */
#define ZW_DATA     32768u
#define FILL_STEP   AXN_MSEC(20)
#define FILL_ROUNDS 200u
#define PROBE_SPAN  AXN_SEC(8)
#define MIN_PROBES  3u
#define KEEPIDLE_S  10
#define KEEPINTVL_S 2
#define KEEPCNT     3
#define UTO_MS      3000u
#define UTO_SLACK   AXN_MSEC(250) /* one RTO at most past the user timeout */
#define SMALL       100u
#define LONG_UTO_MS 1200000u /* 20 min: past tcp_retries2's 924.6 s */
#define LONG_SPAN   AXN_SEC(1300)

static struct tcp_sim T;

static struct axn_socket *keep(struct axn_socket *s)
{
    return tcp_sim_keep(&T, s);
}

static void pair(struct axn_socket **c, struct axn_socket **s)
{
    tcp_sim_pair_kept(&T, PORT, c, s);
}

/* ---- Persist ----------------------------------------------------------------------------- */

/* The index of the last segment from B advertising a zero window, or n_seg. */
static size_t last_zero_window(void)
{
    for (size_t i = T.n_seg; i > 0; i--)
        if (T.seg[i - 1].from == B && T.seg[i - 1].window == 0)
            return i - 1;
    return T.n_seg;
}

struct drain {
    struct axn_socket *s;
    uint8_t *buf;
    size_t want, got;
};

static bool drained(void *ctx)
{
    struct drain *d = ctx;
    for (;;) {
        const long n = tcp_sim_read(d->s, d->buf + d->got, d->want - d->got);
        if (n <= 0)
            break;
        d->got += (size_t)n;
    }
    return d->got == d->want;
}

/* Fills the receiver until it advertises a zero window; returns bytes queued. */
static size_t fill_to_zero_window(struct axn_socket *c, const uint8_t *out, size_t len)
{
    size_t sent = 0;
    for (unsigned r = 0; r < FILL_ROUNDS && last_zero_window() == T.n_seg; r++) {
        const long n = axn_send(c, out + sent, len - sent, AXN_MSG_DONTWAIT);
        assert_true(n > 0 || n == -AXN_EAGAIN);
        sent += n > 0 ? (size_t)n : 0;
        tcp_sim_run(&T, FILL_STEP);
    }
    assert_int_not_equal(last_zero_window(), T.n_seg);
    return sent;
}

/* A connection to a listener on B whose children get a small receive
 * ring (RCVBUF_SET): the client, and the accepted server in *server. */
static struct axn_socket *small_rcvbuf_pair(struct axn_socket **server)
{
    struct axn_socket *lb = keep(tcp_sim_socket(&T, B));
    assert_int_equal(tcp_sim_setopt_int(lb, AXN_SOL_SOCKET, AXN_SO_RCVBUF, RCVBUF_SET), 0);
    const struct axn_sockaddr_in sin = sim_sin4(TCP_SIM_B, PORT);
    assert_int_equal(axn_bind(lb, (const struct axn_sockaddr *)&sin, sizeof(sin)), 0);
    assert_int_equal(axn_listen(lb, TCP_SIM_BACKLOG), 0);
    struct axn_socket *c = keep(tcp_sim_connect(&T, A, TCP_SIM_B, PORT));
    tcp_sim_run(&T, SETTLE);
    int err;
    *server = keep(tcp_sim_accept(lb, &err));
    assert_non_null(*server);
    return c;
}

/* RFC 9293 3.8.6.1: with the receiver's window at zero the sender probes,
 * each probe interval twice the last (RFC 6298 back-off, Linux
 * tcp_probe_timer), never less than the minimum RTO; the window reopens
 * when the reader drains, and every byte arrives in order. */
static void zero_window_persist(void **state)
{
    (void)state;
    struct axn_socket *s;
    struct axn_socket *c = small_rcvbuf_pair(&s);

    static uint8_t out[ZW_DATA], in[ZW_DATA];
    tcp_sim_pattern(out, sizeof(out), 0);
    size_t sent = fill_to_zero_window(c, out, sizeof(out));
    const size_t zw = last_zero_window();
    const axn_time_t zw_at = T.seg[zw].at + DELAY;
    tcp_sim_run(&T, PROBE_SPAN);

    /* Probes: what A sent after the zero window reached it. */
    axn_time_t at[FILL_ROUNDS];
    size_t n = 0;
    for (size_t i = zw + 1; i < T.n_seg && n < FILL_ROUNDS; i++)
        if (T.seg[i].from == A && T.seg[i].at >= zw_at)
            at[n++] = T.seg[i].at;
    assert_true(n >= MIN_PROBES);
    assert_true(at[0] - zw_at >= RTO_MIN);
    /* The peer's unchanged answers to probes are not duplicate ACKs of
     * lost data (RFC 5681 2: nothing is outstanding but the probe). */
    struct axn_snmp_tcp_ext ea;
    tcp_sim_snmp(&T, A, NULL, &ea);
    assert_int_equal(ea.fast_retrans, 0);
    for (size_t i = 2; i < n; i++)
        assert_int_equal(at[i] - at[i - 1], 2 * (at[i - 1] - at[i - 2]));
    for (size_t i = zw + 1; i < T.n_seg; i++)
        if (T.seg[i].from == A)
            assert_true(T.seg[i].len <= 1); /* a probe carries at most one byte */
    tcp_sim_snmp(&T, A, NULL, &ea);
    assert_int_equal(ea.zero_window_probes, n);
    assert_int_equal(tcp_sim_state(c), ST_ESTAB);

    struct drain d = {.s = s, .buf = in, .want = sizeof(in)};
    for (unsigned r = 0; r < FILL_ROUNDS && d.got < sizeof(in); r++) {
        if (sent < sizeof(out)) {
            const long k = axn_send(c, out + sent, sizeof(out) - sent, AXN_MSG_DONTWAIT);
            sent += k > 0 ? (size_t)k : 0;
        }
        (void)tcp_sim_run_until(&T, drained, &d, tcp_sim_now(&T) + FILL_STEP);
    }
    assert_int_equal(d.got, sizeof(in));
    assert_memory_equal(in, out, sizeof(out));
}

/* ---- Keep-alive -------------------------------------------------------------------------- */

static bool has_error(void *ctx)
{
    return (axn_socket_poll(ctx) & AXN_POLLERR) != 0;
}

/* RFC 1122 4.2.3.6 with Linux's knobs: idle 10 s after the last segment
 * received, a probe (SEG.SEQ = SND.NXT - 1, no data), then one every 2 s;
 * after 3 unanswered, the next interval aborts with ETIMEDOUT (and a RST,
 * as Linux tcp_keepalive_timer). */
static void keepalive_abort(void **state)
{
    (void)state;
    struct axn_socket *c, *s;
    pair(&c, &s);
    T.cursor = 0;
    const struct tcp_seg *sa = tcp_sim_expect(&T, B, SYNACK);
    const struct tcp_seg *hs = tcp_sim_expect(&T, A, ACK);
    const uint32_t snd_nxt = hs->seq;
    const axn_time_t last_rx = sa->at + DELAY, set_at = tcp_sim_now(&T);
    assert_int_equal(tcp_sim_setopt_int(c, AXN_SOL_SOCKET, AXN_SO_KEEPALIVE, 1), 0);
    assert_int_equal(tcp_sim_setopt_int(c, AXN_SOL_TCP, AXN_TCP_KEEPIDLE, KEEPIDLE_S), 0);
    assert_int_equal(tcp_sim_setopt_int(c, AXN_SOL_TCP, AXN_TCP_KEEPINTVL, KEEPINTVL_S), 0);
    assert_int_equal(tcp_sim_setopt_int(c, AXN_SOL_TCP, AXN_TCP_KEEPCNT, KEEPCNT), 0);
    tcp_sim_silence(&T, B, true);
    const size_t mark = T.n_seg;
    assert_true(tcp_sim_run_until(&T, has_error, c, set_at + AXN_SEC(KEEPIDLE_S * 3)));
    const axn_time_t dead_at = tcp_sim_now(&T);

    T.cursor = mark;
    const struct tcp_seg *p[KEEPCNT];
    for (size_t i = 0; i < KEEPCNT; i++) {
        p[i] = tcp_sim_expect(&T, A, ACK);
        assert_int_equal(p[i]->seq, snd_nxt - 1);
        assert_int_equal(p[i]->len, 0);
    }
    assert_true(p[0]->at >= last_rx + AXN_SEC(KEEPIDLE_S));
    assert_true(p[0]->at <= set_at + AXN_SEC(KEEPIDLE_S));
    for (size_t i = 1; i < KEEPCNT; i++)
        assert_int_equal(p[i]->at - p[i - 1]->at, AXN_SEC(KEEPINTVL_S));
    assert_int_equal(dead_at, p[KEEPCNT - 1]->at + AXN_SEC(KEEPINTVL_S));
    assert_int_equal(tcp_sim_count(&T, A, ACK, mark), KEEPCNT);
    assert_int_equal(tcp_sim_so_error(c), AXN_ETIMEDOUT);
    assert_int_equal(tcp_sim_state(c), ST_CLOSED);
    struct axn_snmp_tcp_ext ea;
    tcp_sim_snmp(&T, A, NULL, &ea);
    assert_int_equal(ea.keepalive_probes, KEEPCNT);
    assert_int_equal(ea.abort_on_timeout, 1);
    assert_int_equal(tcp_sim_count_rst(&T, A, mark), 1);
}

/* ---- User timeout ------------------------------------------------------------------------ */

/* RFC 6298 5.5: each retransmission waits twice as long; RFC 5482 /
 * Linux: with TCP_USER_TIMEOUT 3 s, data unacknowledged that long ends
 * the connection with ETIMEDOUT (not after tcp_retries2). */
static void user_timeout_aborts(void **state)
{
    (void)state;
    struct axn_socket *c, *s;
    pair(&c, &s);
    assert_int_equal(tcp_sim_setopt_int(c, AXN_SOL_TCP, AXN_TCP_USER_TIMEOUT, (int)UTO_MS), 0);
    tcp_sim_silence(&T, B, true);
    uint8_t buf[SMALL];
    tcp_sim_pattern(buf, sizeof(buf), 0);
    const size_t mark = T.n_seg;
    const axn_time_t t0 = tcp_sim_now(&T);
    assert_int_equal(axn_send(c, buf, sizeof(buf), AXN_MSG_DONTWAIT), (long)sizeof(buf));
    sim_stacks_poll_all(&T.sim);
    sim_stacks_run_until(&T.sim, t0 + AXN_MSEC(UTO_MS) - AXN_MSEC(1));
    assert_int_equal(tcp_sim_state(c), ST_ESTAB);
    assert_true(tcp_sim_run_until(&T, has_error, c, t0 + AXN_MSEC(UTO_MS) + UTO_SLACK));
    assert_int_equal(tcp_sim_so_error(c), AXN_ETIMEDOUT);
    assert_int_equal(tcp_sim_state(c), ST_CLOSED);
    uint8_t got[SMALL];
    assert_int_equal(tcp_sim_read(c, got, sizeof(got)), 0);

    T.cursor = mark;
    const struct tcp_seg *d0 = tcp_sim_expect(&T, A, ACK);
    const struct tcp_seg *d1 = tcp_sim_expect(&T, A, ACK);
    const struct tcp_seg *d2 = tcp_sim_expect(&T, A, ACK);
    assert_int_equal(d0->at, t0);
    assert_int_equal(d1->seq, d0->seq);
    assert_int_equal(d1->len, SMALL);
    const axn_time_t rto = d1->at - d0->at;
    assert_true(rto >= RTO_MIN && rto < 2 * RTO_MIN);
    assert_int_equal(d2->at - d1->at, 2 * rto);
    struct axn_snmp_tcp ta;
    struct axn_snmp_tcp_ext ea;
    tcp_sim_snmp(&T, A, &ta, &ea);
    assert_true(ta.retrans_segs >= 2);
    assert_int_equal(ea.abort_on_timeout, 1);
}

/* Linux tcp_probe_timer (since 5.11, "tcp: fix TCP_USER_TIMEOUT with
 * zero window") and tcp(7): a zero window that stays shut ends the
 * connection after TCP_USER_TIMEOUT even though the peer answers every
 * probe, counted from the first probe, the probe timer clamped so that it
 * fires exactly then (tcp_clamp_probe0_to_user_timeout). */
static void user_timeout_bounds_persist(void **state)
{
    (void)state;
    struct axn_socket *s;
    struct axn_socket *c = small_rcvbuf_pair(&s);
    assert_int_equal(tcp_sim_setopt_int(c, AXN_SOL_TCP, AXN_TCP_USER_TIMEOUT, (int)UTO_MS), 0);
    static uint8_t out[ZW_DATA];
    tcp_sim_pattern(out, sizeof(out), 0);
    (void)fill_to_zero_window(c, out, sizeof(out));
    const size_t zw = last_zero_window();
    const axn_time_t zw_at = T.seg[zw].at + DELAY;
    assert_true(tcp_sim_run_until(&T, has_error, c, zw_at + AXN_MSEC(UTO_MS) + PROBE_SPAN));
    const axn_time_t dead_at = tcp_sim_now(&T);
    const struct tcp_seg *probe = NULL;
    size_t answers = 0;
    for (size_t i = zw + 1; i < T.n_seg; i++) {
        if (T.seg[i].from == A && T.seg[i].at >= zw_at && probe == NULL)
            probe = &T.seg[i];
        if (T.seg[i].from == B && T.seg[i].window == 0 && probe != NULL)
            answers++;
    }
    assert_non_null(probe);
    assert_true(answers >= MIN_PROBES);
    assert_int_equal(dead_at, probe->at + AXN_MSEC(UTO_MS));
    assert_int_equal(tcp_sim_so_error(c), AXN_ETIMEDOUT);
    assert_int_equal(tcp_sim_state(c), ST_CLOSED);
}

/* Linux retransmits_timed_out: a TCP_USER_TIMEOUT replaces tcp_retries2
 * (924.6 s of back-off here) as the bound of a synchronised connection's
 * retransmissions, longer as well as shorter; the last RTO is clamped to
 * end exactly at the user timeout (tcp_clamp_rto_to_user_timeout). */
static void user_timeout_replaces_retries2(void **state)
{
    (void)state;
    struct axn_socket *c, *s;
    pair(&c, &s);
    assert_int_equal(tcp_sim_setopt_int(c, AXN_SOL_TCP, AXN_TCP_USER_TIMEOUT, (int)LONG_UTO_MS), 0);
    /* Only B's TCP is lost: ARP still answers, so no soft error
     * (EHOSTUNREACH) stands in for the timeout. */
    tcp_sim_drop(&T, B, TCP_SIM_ANY_FLAGS, UINT_MAX);
    uint8_t buf[SMALL];
    tcp_sim_pattern(buf, sizeof(buf), 0);
    const axn_time_t t0 = tcp_sim_now(&T);
    assert_int_equal(axn_send(c, buf, sizeof(buf), AXN_MSG_DONTWAIT), (long)sizeof(buf));
    assert_true(tcp_sim_run_until(&T, has_error, c, t0 + LONG_SPAN));
    assert_int_equal(tcp_sim_now(&T), t0 + AXN_MSEC(LONG_UTO_MS));
    assert_int_equal(tcp_sim_so_error(c), AXN_ETIMEDOUT);
    struct axn_snmp_tcp ta;
    tcp_sim_snmp(&T, A, &ta, NULL);
    assert_true(ta.retrans_segs > AXN_TCP_RETRIES2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TCP_SIM_TEST(zero_window_persist, &T),
        TCP_SIM_TEST(keepalive_abort, &T),
        TCP_SIM_TEST(user_timeout_aborts, &T),
        TCP_SIM_TEST(user_timeout_bounds_persist, &T),
        TCP_SIM_TEST(user_timeout_replaces_retries2, &T),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
