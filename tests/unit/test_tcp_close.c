/*
 * Every way a TCP connection ends, between two whole stacks on the
 * simulated wire, segment-exact in virtual time (tcp_sim.h): active close
 * (FIN-WAIT-1 -> FIN-WAIT-2 -> TIME-WAIT, the peer CLOSE-WAIT -> LAST-ACK
 * -> CLOSED), passive close (POLLRDHUP, recv 0), simultaneous close
 * through CLOSING, SO_LINGER 0 (RST, no FIN; the peer's recv gives
 * ECONNRESET), close with unread data (RST, RFC 2525 2.17), an orphan
 * delivering its data and FIN after close() then leaving no connection
 * behind, an orphan leaving FIN-WAIT-2 after tcp_fin_timeout (60 s),
 * TIME-WAIT lasting exactly 2 x MSL and restarting when the peer's FIN
 * comes again, and a new SYN with a higher
 * sequence taking over a TIME-WAIT 4-tuple (RFC 6191 spirit).
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

#define A              TCP_SIM_NODE_A
#define B              TCP_SIM_NODE_B
#define DELAY          TCP_SIM_DELAY
#define PORT           80u
#define CPORT          40000u
#define SETTLE         AXN_MSEC(10)
#define REACK_AFTER_S  10 /* into TIME-WAIT when the FIN comes again */
#define FIN_TIMEOUT    AXN_SEC(AXN_TCP_FIN_TIMEOUT_S)
#define TWO_MSL        (2u * AXN_MSEC(AXN_TCP_MSL_MS))
#define ONE_US         1u
#define ORPHAN_RETRIES 8u /* Linux tcp_orphan_retries 0 for a live connection */
#define OOW_LIMIT      AXN_MSEC(AXN_TCP_INVALID_RATELIMIT_MS)
#define FIN            AXN_TCP_FIN
#define FINACK         (AXN_TCP_FIN | AXN_TCP_ACK)
#define SYN            AXN_TCP_SYN
#define SYNACK         (AXN_TCP_SYN | AXN_TCP_ACK)
#define ACK            AXN_TCP_ACK
#define RST            AXN_TCP_RST
#define RSTACK         (AXN_TCP_RST | AXN_TCP_ACK)
#define ST_ESTAB       1
#define ST_FW1         4
#define ST_FW2         5
#define ST_TW          6
#define ST_CLOSED      7
#define ST_CW          8
#define ST_LASTACK     9
#define ST_CLOSING     11
#define SMALL          100u
#define BULK           12000u /* less than the send ring, more than one window of segments */
#define LISTENERS      1u     /* a listener is a connection of its layer */

static struct tcp_sim T;

static struct axn_socket *keep(struct axn_socket *s)
{
    return tcp_sim_keep(&T, s);
}

/* Closes a kept socket now (it leaves the teardown list). */
static void close_now(struct axn_socket *s)
{
    tcp_sim_close_kept(&T, s);
}

static void pair(struct axn_socket **c, struct axn_socket **s)
{
    tcp_sim_pair_fresh(&T, PORT, c, s);
}

static void shut_wr(struct axn_socket *s)
{
    tcp_sim_shut_wr(&T, s);
}

static uint64_t tw_count(int node)
{
    struct axn_snmp_tcp_ext e;
    tcp_sim_snmp(&T, node, NULL, &e);
    return e.tw;
}

/* TIME-WAIT is over on the socket side as on Linux (tcp_time_wait hands the
 * tuple to a TIME-WAIT entry and the socket reads CLOSE), or the socket
 * still shows it: both are accepted, the duration is checked by counter. */
static void assert_tw_or_closed(struct axn_socket *s)
{
    const int st = tcp_sim_state(s);
    assert_true(st == ST_TW || st == ST_CLOSED);
}

/* TIME-WAIT entered at `start` on `node` ends by its timer exactly 2 x MSL later. */
static void assert_time_wait_span(int node, axn_time_t start)
{
    const uint64_t tw0 = tw_count(node);
    const size_t conns = tcp_sim_conns(&T, node);
    sim_stacks_run_until(&T.sim, start + TWO_MSL - ONE_US);
    assert_int_equal(tw_count(node), tw0);
    assert_int_equal(tcp_sim_conns(&T, node), conns);
    sim_stacks_run_until(&T.sim, start + TWO_MSL);
    assert_int_equal(tw_count(node), tw0 + 1);
}

/* ---- Active and passive ------------------------------------------------------------------ */

/* RFC 9293 3.6 figure 12: A closes first (FIN-WAIT-1, FIN-WAIT-2,
 * TIME-WAIT for 2 x MSL), B follows (CLOSE-WAIT, LAST-ACK, CLOSED). */
static void active_close_states(void **state)
{
    (void)state;
    struct axn_socket *c, *s;
    pair(&c, &s);
    shut_wr(c);
    assert_int_equal(tcp_sim_state(c), ST_FW1);
    const struct tcp_seg *fin = tcp_sim_expect(&T, A, FINACK);
    assert_int_equal(fin->len, 0);
    sim_stacks_run_until(&T.sim, fin->at + 2 * DELAY);
    assert_int_equal(tcp_sim_state(s), ST_CW);
    assert_int_equal(tcp_sim_state(c), ST_FW2);
    const struct tcp_seg *ack = tcp_sim_expect(&T, B, ACK);
    assert_int_equal(ack->ack, fin->seq + 1);
    assert_int_equal(ack->at, fin->at + DELAY);
    uint8_t buf[SMALL];
    assert_int_equal(tcp_sim_read(s, buf, sizeof(buf)), 0);
    assert_int_equal(axn_send(c, buf, 1, AXN_MSG_DONTWAIT | AXN_MSG_NOSIGNAL), -AXN_EPIPE);

    shut_wr(s);
    assert_int_equal(tcp_sim_state(s), ST_LASTACK);
    const struct tcp_seg *fin2 = tcp_sim_expect(&T, B, FINACK);
    assert_int_equal(fin2->ack, fin->seq + 1);
    tcp_sim_run(&T, SETTLE);
    const struct tcp_seg *ack2 = tcp_sim_expect(&T, A, ACK);
    assert_int_equal(ack2->seq, fin->seq + 1);
    assert_int_equal(ack2->ack, fin2->seq + 1);
    assert_int_equal(ack2->at, fin2->at + DELAY);
    assert_int_equal(tcp_sim_state(s), ST_CLOSED);
    assert_tw_or_closed(c);
    assert_int_equal(tcp_sim_count_rst(&T, TCP_SIM_ANY, 0), 0);
    assert_time_wait_span(A, fin2->at + DELAY);
    assert_int_equal(tcp_sim_state(c), ST_CLOSED);
    assert_int_equal(tw_count(B), 0);
    struct axn_snmp_tcp ta, tb;
    tcp_sim_snmp(&T, A, &ta, NULL);
    tcp_sim_snmp(&T, B, &tb, NULL);
    assert_int_equal(ta.curr_estab, 0);
    assert_int_equal(tb.curr_estab, 0);
    assert_int_equal(ta.estab_resets + tb.estab_resets, 0);
}

/* A connected pair closed both ways, A first (A ends in TIME-WAIT): A's
 * FIN in *fin, B's in *fin2. */
static void close_both_ways(const struct tcp_seg **fin, const struct tcp_seg **fin2)
{
    struct axn_socket *c, *s;
    pair(&c, &s);
    shut_wr(c);
    tcp_sim_run(&T, SETTLE);
    shut_wr(s);
    tcp_sim_run(&T, SETTLE);
    *fin = tcp_sim_expect(&T, A, FINACK);
    *fin2 = tcp_sim_expect(&T, B, FINACK);
}

/* RFC 9293 3.10.7.4 TIME-WAIT: a retransmission of the peer's FIN is
 * acknowledged again and restarts the 2 MSL wait (Linux
 * tcp_timewait_state_process: TCP_TW_ACK, inet_twsk_reschedule). */
static void time_wait_reacks_fin(void **state)
{
    (void)state;
    const struct tcp_seg *fin, *fin2;
    close_both_ways(&fin, &fin2);
    const struct tcp_seg *ack2 = tcp_sim_expect(&T, A, ACK);
    assert_int_equal(ack2->ack, fin2->seq + 1);
    sim_stacks_run_until(&T.sim, tcp_sim_now(&T) + AXN_SEC(REACK_AFTER_S));
    /* B itself is CLOSED and would answer A's re-ACK with a RST, which
     * ends TIME-WAIT as Linux does without tcp_rfc1337: keep B quiet. */
    tcp_sim_silence(&T, B, true);
    const size_t mark = T.n_seg;
    const struct axn_tcp again = tcp_sim_reply(fin, fin2->seq, fin->seq + 1, FINACK);
    const axn_time_t t_again = tcp_sim_now(&T);
    tcp_sim_inject(&T, A, TCP_SIM_B, TCP_SIM_A, &again);
    T.cursor = mark;
    const struct tcp_seg *reack = tcp_sim_expect(&T, A, ACK);
    assert_int_equal(reack->at, t_again);
    assert_int_equal(reack->seq, fin->seq + 1);
    assert_int_equal(reack->ack, fin2->seq + 1);
    assert_int_equal(tcp_sim_count_rst(&T, A, 0), 0);
    assert_time_wait_span(A, t_again);
}

/* A segment from B, as B's stack would write it, injected into A now. */
static axn_time_t inject_from_b(const struct tcp_seg *like, uint32_t seq, uint32_t ack,
                                uint16_t flags)
{
    const struct axn_tcp seg = tcp_sim_reply(like, seq, ack, flags);
    const axn_time_t at = tcp_sim_now(&T);
    tcp_sim_inject(&T, A, TCP_SIM_B, TCP_SIM_A, &seg);
    return at;
}

/* Linux tcp_timewait_state_process: in TIME-WAIT a bare ACK at RCV.NXT
 * is taken silently but restarts the 2 x MSL; an old duplicate (left of
 * RCV.NXT) is answered with an ACK, at most one per
 * tcp_invalid_ratelimit when it carries no data (tcp_oow_rate_limited),
 * and restarts the 2 x MSL too. */
static void time_wait_answers_old_segments(void **state)
{
    (void)state;
    const struct tcp_seg *fin, *fin2;
    close_both_ways(&fin, &fin2);
    tcp_sim_silence(&T, B, true);
    sim_stacks_run_until(&T.sim, tcp_sim_now(&T) + AXN_SEC(REACK_AFTER_S));
    const uint32_t our_nxt = fin->seq + 1, rcv_nxt = fin2->seq + 1;
    size_t mark = T.n_seg;
    (void)inject_from_b(fin, rcv_nxt, our_nxt, ACK);
    assert_int_equal(tcp_sim_count(&T, A, ACK, mark), 0); /* in sequence: nothing to say */
    sim_stacks_run_until(&T.sim, tcp_sim_now(&T) + AXN_SEC(REACK_AFTER_S));
    const axn_time_t t_old = inject_from_b(fin, fin2->seq, our_nxt, ACK);
    T.cursor = mark;
    const struct tcp_seg *a1 = tcp_sim_expect(&T, A, ACK);
    assert_int_equal(a1->at, t_old);
    assert_int_equal(a1->seq, our_nxt);
    assert_int_equal(a1->ack, rcv_nxt);
    mark = T.n_seg;
    (void)inject_from_b(fin, fin2->seq, our_nxt, ACK);
    assert_int_equal(tcp_sim_count(&T, A, ACK, mark), 0); /* within the rate limit */
    struct axn_snmp_tcp_ext ea;
    tcp_sim_snmp(&T, A, NULL, &ea);
    assert_int_equal(ea.ack_skipped_time_wait, 1); /* Linux TCPACKSkippedTimeWait */
    sim_stacks_run_until(&T.sim, t_old + OOW_LIMIT);
    const axn_time_t t_late = inject_from_b(fin, fin2->seq, our_nxt, ACK);
    T.cursor = mark;
    assert_int_equal(tcp_sim_expect(&T, A, ACK)->at, t_late);
    assert_int_equal(tcp_sim_count(&T, A, ACK, mark), 1);
    assert_int_equal(tcp_sim_count_rst(&T, A, 0), 0);
    assert_time_wait_span(A, t_late);
}

/* The passive side sees the FIN as POLLIN|POLLRDHUP and recv 0, still
 * writes (half-close), and its close() ends in LAST-ACK -> CLOSED with
 * nothing left of the connection on either side after TIME-WAIT. */
static void passive_close(void **state)
{
    (void)state;
    struct axn_socket *c, *s;
    pair(&c, &s);
    const size_t b_conns = tcp_sim_conns(&T, B);
    close_now(s);
    tcp_sim_run(&T, SETTLE);
    const unsigned ev = axn_socket_poll(c);
    assert_true((ev & (AXN_POLLIN | AXN_POLLRDHUP)) == (AXN_POLLIN | AXN_POLLRDHUP));
    assert_int_equal(ev & AXN_POLLHUP, 0);
    uint8_t buf[SMALL];
    assert_int_equal(tcp_sim_read(c, buf, sizeof(buf)), 0);
    assert_int_equal(tcp_sim_state(c), ST_CW);
    const struct tcp_seg *fin = tcp_sim_expect(&T, B, FINACK);
    const struct tcp_seg *ack = tcp_sim_expect(&T, A, ACK);
    assert_int_equal(ack->ack, fin->seq + 1);

    shut_wr(c);
    assert_int_equal(tcp_sim_state(c), ST_LASTACK);
    const struct tcp_seg *fin2 = tcp_sim_expect(&T, A, FINACK);
    tcp_sim_run(&T, SETTLE);
    const struct tcp_seg *ack2 = tcp_sim_expect(&T, B, ACK);
    assert_int_equal(ack2->ack, fin2->seq + 1);
    assert_int_equal(tcp_sim_state(c), ST_CLOSED);
    assert_true((axn_socket_poll(c) & AXN_POLLHUP) != 0);
    assert_time_wait_span(B, fin2->at + DELAY);
    assert_int_equal(tcp_sim_conns(&T, B), b_conns - 1);
}

/* RFC 9293 3.6 figure 13: both FINs cross; both go FIN-WAIT-1 -> CLOSING
 * -> TIME-WAIT, each ACKing the other's FIN. */
static void simultaneous_close(void **state)
{
    (void)state;
    struct axn_socket *c, *s;
    pair(&c, &s);
    const axn_time_t t0 = tcp_sim_now(&T);
    assert_int_equal(axn_shutdown(c, AXN_SHUT_WR), 0);
    assert_int_equal(axn_shutdown(s, AXN_SHUT_WR), 0);
    sim_stacks_poll_all(&T.sim);
    assert_int_equal(tcp_sim_state(c), ST_FW1);
    assert_int_equal(tcp_sim_state(s), ST_FW1);
    sim_stacks_run_until(&T.sim, t0 + DELAY);
    assert_int_equal(tcp_sim_state(c), ST_CLOSING);
    assert_int_equal(tcp_sim_state(s), ST_CLOSING);
    tcp_sim_run(&T, SETTLE);
    assert_tw_or_closed(c);
    assert_tw_or_closed(s);
    const size_t mark = T.cursor;
    const struct tcp_seg *fa = tcp_sim_expect(&T, A, FINACK);
    T.cursor = mark;
    const struct tcp_seg *fb = tcp_sim_expect(&T, B, FINACK);
    assert_int_equal(fa->at, t0);
    assert_int_equal(fb->at, t0);
    T.cursor = mark;
    const struct tcp_seg *aa = tcp_sim_expect(&T, A, ACK);
    assert_int_equal(aa->ack, fb->seq + 1);
    assert_int_equal(aa->seq, fa->seq + 1);
    T.cursor = mark;
    const struct tcp_seg *ab = tcp_sim_expect(&T, B, ACK);
    assert_int_equal(ab->ack, fa->seq + 1);
    assert_int_equal(tcp_sim_count_rst(&T, TCP_SIM_ANY, 0), 0);
    /* Each entered TIME-WAIT when the other's ACK of its FIN came. */
    assert_time_wait_span(A, ab->at + DELAY);
    assert_int_equal(tw_count(B), 1);
}

/* ---- Abortive ---------------------------------------------------------------------------- */

/* SO_LINGER {1, 0}: close() sends a RST at SND.NXT instead of a FIN
 * (Linux tcp_close -> tcp_disconnect); the peer's recv gives ECONNRESET,
 * then 0, and it leaves no TIME-WAIT anywhere. */
static void linger_zero_resets(void **state)
{
    (void)state;
    struct axn_socket *c, *s;
    pair(&c, &s);
    const struct axn_linger lg = {.l_onoff = 1, .l_linger = 0};
    assert_int_equal(axn_setsockopt(c, AXN_SOL_SOCKET, AXN_SO_LINGER, &lg, sizeof(lg)), 0);
    T.cursor = 0;
    const struct tcp_seg *ack = tcp_sim_expect(&T, A, ACK);
    const uint32_t snd_nxt = ack->seq;
    const size_t mark = T.n_seg;
    const size_t a_conns = tcp_sim_conns(&T, A);
    close_now(c);
    tcp_sim_run(&T, SETTLE);
    T.cursor = mark;
    const struct tcp_seg *rst = tcp_sim_next(&T, A, RST);
    if (!rst) {
        T.cursor = mark;
        rst = tcp_sim_expect(&T, A, RSTACK);
    }
    assert_int_equal(rst->seq, snd_nxt);
    assert_int_equal(tcp_sim_count(&T, A, FINACK, mark), 0);
    assert_int_equal(tcp_sim_count_rst(&T, A, mark), 1);
    uint8_t buf[SMALL];
    assert_int_equal(tcp_sim_read(s, buf, sizeof(buf)), -AXN_ECONNRESET);
    assert_int_equal(tcp_sim_read(s, buf, sizeof(buf)), 0);
    assert_int_equal(tcp_sim_state(s), ST_CLOSED);
    assert_int_equal(tcp_sim_conns(&T, A), a_conns - 1);
    struct axn_snmp_tcp tb;
    tcp_sim_snmp(&T, B, &tb, NULL);
    assert_int_equal(tb.estab_resets, 1);
    assert_int_equal(tcp_sim_count_rst(&T, B, mark), 0); /* no RST answers a RST */
}

/* RFC 2525 2.17 / Linux: close() with unread data sends a RST (no FIN),
 * counts TCPAbortOnData, and the peer's recv gives ECONNRESET. */
static void close_with_unread_data_resets(void **state)
{
    (void)state;
    struct axn_socket *c, *s;
    pair(&c, &s);
    uint8_t buf[SMALL];
    tcp_sim_pattern(buf, sizeof(buf), 0);
    assert_int_equal(axn_send(c, buf, sizeof(buf), AXN_MSG_DONTWAIT), (long)sizeof(buf));
    tcp_sim_run(&T, SETTLE);
    const size_t mark = T.n_seg;
    close_now(s);
    tcp_sim_run(&T, SETTLE);
    assert_int_equal(tcp_sim_count(&T, B, FINACK, mark), 0);
    assert_int_equal(tcp_sim_count_rst(&T, B, mark), 1);
    T.cursor = mark;
    const struct tcp_seg *rst = tcp_sim_expect(&T, B, RSTACK);
    T.cursor = 0;
    tcp_sim_expect(&T, B, SYNACK);
    const struct tcp_seg *data = tcp_sim_expect(&T, A, ACK);
    data = data->len ? data : tcp_sim_expect(&T, A, ACK);
    assert_int_equal(data->len, SMALL);
    assert_int_equal(rst->ack, data->seq + SMALL);
    assert_int_equal(tcp_sim_read(c, buf, sizeof(buf)), -AXN_ECONNRESET);
    assert_int_equal(tcp_sim_state(c), ST_CLOSED);
    struct axn_snmp_tcp_ext eb;
    tcp_sim_snmp(&T, B, NULL, &eb);
    assert_int_equal(eb.abort_on_close, 1); /* Linux: TCPAbortOnClose */
}

/* ---- Orphans ----------------------------------------------------------------------------- */

struct drain {
    struct axn_socket *s;
    uint8_t *buf;
    size_t want, got;
    bool eof;
};

static bool drained(void *ctx)
{
    struct drain *d = ctx;
    for (;;) {
        const long n = tcp_sim_read(d->s, d->buf + d->got, d->want - d->got);
        if (n == 0)
            d->eof = true;
        if (n <= 0)
            break;
        d->got += (size_t)n;
    }
    return d->eof;
}

/* close() right after a bulk write: the orphan still delivers every byte
 * and its FIN, finishes FIN-WAIT-2 -> TIME-WAIT when the peer closes, and
 * 2 x MSL later the stack holds no connection. */
static void orphan_finishes_after_close(void **state)
{
    (void)state;
    struct axn_socket *c, *s;
    pair(&c, &s);
    static uint8_t out[BULK], in[BULK];
    tcp_sim_pattern(out, sizeof(out), 0);
    const long sent = axn_send(c, out, sizeof(out), AXN_MSG_DONTWAIT);
    assert_true(sent > 0);
    const size_t a_base = tcp_sim_conns(&T, A) - 1;
    close_now(c);
    struct drain d = {.s = s, .buf = in, .want = sizeof(in)};
    assert_true(tcp_sim_run_until(&T, drained, &d, tcp_sim_now(&T) + AXN_SEC(5)));
    assert_int_equal(d.got, (size_t)sent);
    assert_memory_equal(in, out, (size_t)sent);
    assert_int_equal(tcp_sim_conns(&T, A), a_base + 1); /* the orphan, in FIN-WAIT-2 */
    const size_t mark = T.n_seg;
    close_now(s);
    tcp_sim_run(&T, SETTLE);
    T.cursor = mark;
    const struct tcp_seg *fin = tcp_sim_expect(&T, B, FINACK);
    const struct tcp_seg *ack = tcp_sim_expect(&T, A, ACK);
    assert_int_equal(ack->ack, fin->seq + 1);
    assert_int_equal(tcp_sim_count_rst(&T, TCP_SIM_ANY, 0), 0);
    assert_int_equal(tcp_sim_conns(&T, B), LISTENERS);
    assert_time_wait_span(A, fin->at + DELAY);
    assert_int_equal(tcp_sim_conns(&T, A), a_base);
}

/* Linux tcp_write_timeout / tcp_orphan_retries: an orphan whose peer
 * stops answering gives up after tcp_orphan_retries (0: 8, ">100 seconds
 * with minimal RTO of 200msec") retransmissions, not tcp_retries2: the
 * data and FIN go 8 times more, RTO doubling from 200 ms, and the 9th
 * expiry, 102.2 s after the first send, frees it. */
static void orphan_gives_up_sooner(void **state)
{
    (void)state;
    struct axn_socket *c, *s;
    pair(&c, &s);
    tcp_sim_drop(&T, B, TCP_SIM_ANY_FLAGS, UINT_MAX);
    static const uint8_t msg[SMALL] = "last words";
    const axn_time_t t0 = tcp_sim_now(&T);
    assert_int_equal(axn_send(c, msg, sizeof(msg), AXN_MSG_DONTWAIT), (long)sizeof(msg));
    const size_t a_base = tcp_sim_conns(&T, A) - 1;
    const size_t mark = T.n_seg;
    close_now(c);
    axn_time_t rto_sum = 0;
    for (unsigned i = 0; i <= ORPHAN_RETRIES; i++)
        rto_sum += AXN_MSEC(AXN_TCP_RTO_MIN_MS) << i;
    sim_stacks_run_until(&T.sim, t0 + rto_sum - ONE_US);
    assert_int_equal(tcp_sim_conns(&T, A), a_base + 1);
    sim_stacks_run_until(&T.sim, t0 + rto_sum);
    assert_int_equal(tcp_sim_conns(&T, A), a_base);
    struct axn_snmp_tcp ta;
    struct axn_snmp_tcp_ext ea;
    tcp_sim_snmp(&T, A, &ta, &ea);
    assert_int_equal(ta.retrans_segs, ORPHAN_RETRIES);
    assert_int_equal(ea.abort_on_timeout, 1);
    assert_int_equal(tcp_sim_count_rst(&T, A, mark), 0);
}

/* tcp(7) tcp_fin_timeout: an orphan whose peer never closes leaves
 * FIN-WAIT-2 after 60 s without a word (Linux turns it into a TIME-WAIT
 * entry in the FIN-WAIT-2 substate); the peer's late FIN then finds no
 * connection and is answered with a RST. */
static void orphan_fin_wait2_timeout(void **state)
{
    (void)state;
    struct axn_socket *c, *s;
    pair(&c, &s);
    const size_t a_base = tcp_sim_conns(&T, A) - 1;
    close_now(c);
    tcp_sim_run(&T, SETTLE);
    const struct tcp_seg *fin = tcp_sim_expect(&T, A, FINACK);
    const struct tcp_seg *ack = tcp_sim_expect(&T, B, ACK);
    assert_int_equal(ack->ack, fin->seq + 1);
    assert_int_equal(tcp_sim_state(s), ST_CW);
    const axn_time_t fw2_at = ack->at + DELAY;
    sim_stacks_run_until(&T.sim, fw2_at + FIN_TIMEOUT - ONE_US);
    assert_int_equal(tcp_sim_conns(&T, A), a_base + 1);
    sim_stacks_run_until(&T.sim, fw2_at + FIN_TIMEOUT);
    assert_int_equal(tcp_sim_conns(&T, A), a_base);
    /* Linux with tcp_fin_timeout <= TCP_TIMEWAIT_LEN (the default 60 s):
     * tcp_rcv_state_process hands the orphan to tcp_time_wait(sk,
     * TCP_FIN_WAIT2, tmo), whose expiry sends nothing; only the
     * keep-alive-timer path sends a RST, and it is not taken by default. */
    assert_int_equal(tcp_sim_count_rst(&T, TCP_SIM_ANY, 0), 0);

    const size_t mark = T.n_seg;
    close_now(s);
    tcp_sim_run(&T, SETTLE);
    T.cursor = mark;
    const struct tcp_seg *fin2 = tcp_sim_expect(&T, B, FINACK);
    assert_int_equal(tcp_sim_count_rst(&T, A, mark), 1);
    const struct tcp_seg *rst = tcp_sim_expect(&T, A, RST);
    assert_int_equal(rst->seq, fin2->ack);
    assert_int_equal(tcp_sim_conns(&T, B), LISTENERS);
}

/* ---- TIME-WAIT reuse --------------------------------------------------------------------- */

static struct axn_socket *connect_from(uint16_t lport)
{
    struct axn_socket *c = keep(tcp_sim_socket(&T, A));
    const struct axn_sockaddr_in la = sim_sin4(TCP_SIM_A, lport), to = sim_sin4(TCP_SIM_B, PORT);
    assert_int_equal(axn_bind(c, (const struct axn_sockaddr *)&la, sizeof(la)), 0);
    assert_int_equal(axn_connect(c, (const struct axn_sockaddr *)&to, sizeof(to)),
                     -AXN_EINPROGRESS);
    sim_stacks_poll_all(&T.sim);
    return c;
}

/* B closes first, so B holds the tuple in TIME-WAIT; a new SYN on the same
 * 4-tuple with a higher sequence (a later RFC 6528 ISN) is accepted as a
 * new connection (TWRecycled), not answered as the old one. */
static void time_wait_reused_by_new_syn(void **state)
{
    (void)state;
    struct axn_socket *l = keep(tcp_sim_listen(&T, B, PORT, TCP_SIM_BACKLOG));
    struct axn_socket *c = connect_from(CPORT);
    struct tcp_sim_accept_wait w = {.l = l};
    assert_true(tcp_sim_run_until(&T, tcp_sim_accepted, &w, tcp_sim_now(&T) + SETTLE));
    struct axn_socket *s = w.got;
    const struct tcp_seg *syn1 = tcp_sim_expect(&T, A, SYN);
    close_now(s);
    tcp_sim_run(&T, SETTLE);
    close_now(c);
    tcp_sim_run(&T, AXN_SEC(1));
    assert_int_equal(tw_count(B), 0);

    const size_t mark = T.n_seg;
    c = connect_from(CPORT);
    T.cursor = mark;
    const struct tcp_seg *syn2 = tcp_sim_expect(&T, A, SYN);
    assert_true((int32_t)(syn2->seq - syn1->seq) > 0);
    assert_true(tcp_sim_run_until(&T, tcp_sim_accepted, &w, tcp_sim_now(&T) + SETTLE));
    keep(w.got);
    const struct tcp_seg *sa = tcp_sim_expect(&T, B, SYNACK);
    assert_int_equal(sa->ack, syn2->seq + 1);
    assert_int_equal(sa->at, syn2->at + DELAY);
    assert_int_equal(tcp_sim_state(c), ST_ESTAB);
    assert_int_equal(tcp_sim_count_rst(&T, TCP_SIM_ANY, mark), 0);
    struct axn_snmp_tcp_ext eb;
    tcp_sim_snmp(&T, B, NULL, &eb);
    assert_int_equal(eb.tw_recycled, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TCP_SIM_TEST(active_close_states, &T),
        TCP_SIM_TEST(time_wait_reacks_fin, &T),
        TCP_SIM_TEST(time_wait_answers_old_segments, &T),
        TCP_SIM_TEST(passive_close, &T),
        TCP_SIM_TEST(simultaneous_close, &T),
        TCP_SIM_TEST(linger_zero_resets, &T),
        TCP_SIM_TEST(close_with_unread_data_resets, &T),
        TCP_SIM_TEST(orphan_finishes_after_close, &T),
        TCP_SIM_TEST(orphan_fin_wait2_timeout, &T),
        TCP_SIM_TEST(orphan_gives_up_sooner, &T),
        TCP_SIM_TEST(time_wait_reused_by_new_syn, &T),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
