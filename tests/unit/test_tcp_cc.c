/*
 * tcp/tcp_cc_newreno.c: NewReno cwnd/ssthresh transitions (RFC 5681,
 * RFC 6582, RFC 6928) on a bare connection struct (SMSS = 1000); then the
 * same rules end to end between two stacks on the simulated wire
 * (tcp_sim.h, segment-exact in virtual time): fast retransmit on the
 * third duplicate ACK, a NewReno partial ACK resending the next hole at
 * once, and RTO back-off (RFC 6298 5.5) with the loss window.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "axnet/snmp.h"
#include "axnet/socket.h"
#include "axnet/tcp.h"
#include "tcp/tcp_cc.h"
#include "tcp/tcp_recovery.h"
#include "tcp_sim.h"
#include "test_platform.h"

#define SMSS 1000u
#define UNA  1000u

static void conn_init(struct axn_tcp_conn *c, uint32_t flight)
{
    memset(c, 0, sizeof(*c));
    c->mss = SMSS;
    c->cc = &axn_tcp_cc_newreno;
    c->snd_una = UNA;
    c->snd_nxt = UNA + flight;
    c->snd_max = UNA + flight;
    c->recover = 0;
    c->cc->init(c, 0);
}

/* RFC 6928: IW = 10 segments; RFC 5681 3.1: ssthresh starts "arbitrarily
 * high". */
static void test_initial_window(void **state)
{
    struct axn_tcp_conn c;

    (void)state;
    conn_init(&c, 0);
    assert_int_equal(c.cwnd, AXN_TCP_INIT_CWND * SMSS);
    assert_int_equal(c.ssthresh, UINT32_MAX);
    assert_string_equal(c.cc->name, "reno");
}

/* RFC 5681 3.1 eq. (2): slow start adds min(N, SMSS) per ACK. */
static void test_slow_start(void **state)
{
    struct axn_tcp_conn c;

    (void)state;
    conn_init(&c, 0);
    axn_tcp_cc_on_ack(&c, SMSS, 0);
    assert_int_equal(c.cwnd, 11000);
    axn_tcp_cc_on_ack(&c, 500, 0);
    assert_int_equal(c.cwnd, 11500);
    axn_tcp_cc_on_ack(&c, 3 * SMSS, 0); /* a stretch ACK still adds one SMSS */
    assert_int_equal(c.cwnd, 12500);
}

/* RFC 5681 3.1: at cwnd >= ssthresh, about one SMSS per RTT: one SMSS
 * once a whole cwnd of bytes has been acknowledged. */
static void test_congestion_avoidance(void **state)
{
    struct axn_tcp_conn c;
    int i;

    (void)state;
    conn_init(&c, 0);
    c.ssthresh = 10000;
    c.cwnd = 10000;
    for (i = 0; i < 9; i++) {
        axn_tcp_cc_on_ack(&c, SMSS, 0);
        assert_int_equal(c.cwnd, 10000);
    }
    axn_tcp_cc_on_ack(&c, SMSS, 0);
    assert_int_equal(c.cwnd, 11000);
    /* The next increase needs 11000 more bytes. */
    for (i = 0; i < 10; i++) {
        axn_tcp_cc_on_ack(&c, SMSS, 0);
    }
    assert_int_equal(c.cwnd, 11000);
    axn_tcp_cc_on_ack(&c, SMSS, 0);
    assert_int_equal(c.cwnd, 12000);
}

/* Slow start ends where cwnd reaches ssthresh. */
static void test_slow_start_to_avoidance(void **state)
{
    struct axn_tcp_conn c;

    (void)state;
    conn_init(&c, 0);
    c.ssthresh = 11000;
    axn_tcp_cc_on_ack(&c, SMSS, 0);
    assert_int_equal(c.cwnd, 11000);
    axn_tcp_cc_on_ack(&c, SMSS, 0);
    assert_int_equal(c.cwnd, 11000);
}

/* RFC 5681 3.2 steps 2-3 on the third duplicate ACK: ssthresh =
 * max(FlightSize / 2, 2 SMSS), cwnd = ssthresh + 3 SMSS; RFC 6582 3.2
 * step 2: recover = highest sent. */
static void test_enter_recovery(void **state)
{
    struct axn_tcp_conn c;

    (void)state;
    conn_init(&c, 20000);
    axn_tcp_recovery_enter(&c, 0);
    assert_true(c.in_recovery);
    assert_int_equal(c.ssthresh, 10000);
    assert_int_equal(c.cwnd, 13000);
    assert_int_equal(c.recover, UNA + 20000);

    conn_init(&c, 3000); /* half the flight is below 2 SMSS */
    axn_tcp_recovery_enter(&c, 0);
    assert_int_equal(c.ssthresh, 2 * SMSS);
    assert_int_equal(c.cwnd, 5 * SMSS);
}

/* RFC 5681 3.2 step 4: each further duplicate ACK inflates by SMSS. */
static void test_inflation(void **state)
{
    struct axn_tcp_conn c;

    (void)state;
    conn_init(&c, 20000);
    axn_tcp_recovery_enter(&c, 0);
    axn_tcp_recovery_dupack_inflate(&c);
    axn_tcp_recovery_dupack_inflate(&c);
    assert_int_equal(c.cwnd, 15000);
}

/* RFC 6582 3.2 step 5: a partial ACK deflates cwnd by the amount acked
 * and adds back SMSS when at least SMSS was acked; recovery goes on. */
static void test_partial_ack(void **state)
{
    struct axn_tcp_conn c;

    (void)state;
    conn_init(&c, 20000);
    axn_tcp_recovery_enter(&c, 0);
    axn_tcp_recovery_dupack_inflate(&c); /* 14000 */
    c.snd_una += 4000;
    axn_tcp_recovery_partial_ack(&c, 4000);
    assert_int_equal(c.cwnd, 11000);
    assert_true(c.in_recovery);
    c.snd_una += 500;
    axn_tcp_recovery_partial_ack(&c, 500);
    assert_int_equal(c.cwnd, 10500);
    assert_true(c.in_recovery);
}

/* RFC 6582 3.2 step 6 option (1): the full ACK (>= recover) sets cwnd to
 * min(ssthresh, max(FlightSize, SMSS) + SMSS) and ends recovery (RFC
 * 6582 changed RFC 3782's FlightSize + SMSS so that an empty pipe does
 * not leave a one-segment window). */
static void test_full_ack(void **state)
{
    struct axn_tcp_conn c;

    (void)state;
    conn_init(&c, 20000);
    axn_tcp_recovery_enter(&c, 0);
    c.snd_una = c.recover; /* everything acknowledged: FlightSize 0 */
    axn_tcp_recovery_exit(&c, 0);
    assert_false(c.in_recovery);
    assert_int_equal(c.cwnd, 2 * SMSS);
    assert_int_equal(c.dupacks, 0);

    conn_init(&c, 20000);
    axn_tcp_recovery_enter(&c, 0);
    c.snd_una = c.recover;
    c.snd_max = c.recover + 4000; /* new data sent during recovery */
    axn_tcp_recovery_exit(&c, 0);
    assert_int_equal(c.cwnd, 5000);

    conn_init(&c, 20000);
    axn_tcp_recovery_enter(&c, 0);
    c.snd_una = c.recover;
    c.snd_max = c.recover + 15000;
    axn_tcp_recovery_exit(&c, 0);
    assert_int_equal(c.cwnd, c.ssthresh);
}

/* RFC 5681 3.1: after an RTO, ssthresh from eq. (4) and cwnd = the loss
 * window (1 SMSS); a second timeout of the same data keeps ssthresh. */
static void test_rto(void **state)
{
    struct axn_tcp_conn c;

    (void)state;
    conn_init(&c, 20000);
    axn_tcp_recovery_enter(&c, 0);
    axn_tcp_recovery_on_rto(&c, 0);
    assert_int_equal(c.ssthresh, 10000);
    assert_int_equal(c.cwnd, SMSS);
    assert_false(c.in_recovery);
    assert_int_equal(c.recover, c.snd_max);

    c.backoff = 1; /* timed out again: FlightSize no longer says anything */
    axn_tcp_recovery_on_rto(&c, 0);
    assert_int_equal(c.ssthresh, 10000);
    assert_int_equal(c.cwnd, SMSS);

    /* Slow start again from the loss window up to ssthresh. */
    axn_tcp_cc_on_ack(&c, SMSS, 0);
    assert_int_equal(c.cwnd, 2 * SMSS);
}

/* ---- End to end (two stacks, virtual time) ------------------------------------------- */

#define PORT             80u
#define SEGS             8u /* under the initial window: all leave at once */
#define DATA             (SEGS * TCP_SIM_SEG_DATA)
#define SETTLE           AXN_MSEC(10)
#define DATA_ACK         AXN_TCP_ACK /* data segments: ACK (PSH is ignored in matches) */
#define RTO_FIRST        AXN_MSEC(AXN_TCP_RTO_MIN_MS) /* 100 us RTT: the floor */
#define RTO_SPAN         AXN_SEC(2)
#define SMALL_BURST      (2 * TCP_SIM_SEG_DATA)
#define SEG_SEQ(base, i) ((base) + (uint32_t)(i)*TCP_SIM_SEG_DATA)

static struct tcp_sim T;
static struct axn_socket *C, *S;

/* A connected pair, A's side with TCP_NODELAY; tcp_sim_teardown closes it.
 * A offers no SACK (net.ipv4.tcp_sack = 0): these cases are NewReno's
 * (RFC 6675 recovery is tests/unit/test_tcp_sack*.c's), and so is A's
 * congestion control (the default is CUBIC, test_tcp_cubic.c). */
static int sim_setup(void **state)
{
    struct axn_tcp_settings cfg;

    (void)tcp_sim_setup(state);
    assert_int_equal(axn_tcp_get_settings(tcp_sim_st(&T, TCP_SIM_NODE_A), &cfg), 0);
    cfg.sack = false;
    memcpy(cfg.congestion_control, "reno", sizeof("reno"));
    assert_int_equal(axn_tcp_set_settings(tcp_sim_st(&T, TCP_SIM_NODE_A), &cfg), 0);
    tcp_sim_pair_kept(&T, PORT, &C, &S);
    assert_int_equal(tcp_sim_setopt_int(C, AXN_SOL_TCP, AXN_TCP_NODELAY, 1), 0);
    T.cursor = T.n_seg;
    return 0;
}

/* Sends DATA bytes of the pattern from A; returns the first data segment. */
static const struct tcp_seg *send_burst(void)
{
    static uint8_t out[DATA];
    tcp_sim_pattern(out, sizeof(out), 0);
    assert_int_equal(axn_send(C, out, sizeof(out), AXN_MSG_DONTWAIT), (long)sizeof(out));
    return tcp_sim_run_to_seg(&T, TCP_SIM_NODE_A, DATA_ACK, SETTLE);
}

/* B read everything A sent, in order. */
static void assert_delivered(void)
{
    static uint8_t in[DATA];
    size_t got = 0;
    for (unsigned r = 0; r < SEGS && got < sizeof(in); r++) {
        const long n = tcp_sim_read(S, in + got, sizeof(in) - got);
        got += n > 0 ? (size_t)n : 0;
    }
    assert_int_equal(got, sizeof(in));
    assert_true(tcp_sim_pattern_ok(in, sizeof(in), 0));
}

/* Data segments A sent with sequence `seq` from capture index `since`. */
static size_t sent_at(uint32_t seq, size_t since, const struct tcp_seg **last)
{
    size_t n = 0;
    for (size_t i = since; i < T.n_seg; i++) {
        const struct tcp_seg *g = &T.seg[i];
        if (g->from == TCP_SIM_NODE_A && g->len > 0 && g->seq == seq) {
            n++;
            *last = g;
        }
    }
    return n;
}

/* RFC 5681 3.2: segment 3 of 8 lost; B's duplicate ACKs (segments 4-8)
 * bring its retransmission at the third one, long before the RTO. */
static void fast_retransmit(void **state)
{
    (void)state;
    const size_t mark = T.n_seg;
    tcp_sim_drop_nth(&T, TCP_SIM_NODE_A, DATA_ACK, 2, 1);
    const struct tcp_seg *first = send_burst();
    assert_non_null(first);
    const uint32_t base = first->seq;
    tcp_sim_run(&T, SETTLE);

    const struct tcp_seg *re = NULL;
    assert_int_equal(sent_at(SEG_SEQ(base, 2), mark, &re), 2);
    assert_true(re->at - first->at < RTO_FIRST);
    tcp_sim_assert_loss(&T, TCP_SIM_NODE_A, 1, 0, 1);
    assert_delivered();
}

/* RFC 6582 3.2 step 5: segments 3 and 5 lost. The fast retransmit of 3
 * brings an ACK of 5 (partial: below recover), which resends 5 at once;
 * one recovery, no timeout. */
static void newreno_partial_ack(void **state)
{
    (void)state;
    const size_t mark = T.n_seg;
    tcp_sim_drop_nth(&T, TCP_SIM_NODE_A, DATA_ACK, 2, 1);
    tcp_sim_drop_nth(&T, TCP_SIM_NODE_A, DATA_ACK, 4, 1);
    const struct tcp_seg *first = send_burst();
    assert_non_null(first);
    const uint32_t base = first->seq;
    tcp_sim_run(&T, SETTLE);

    const struct tcp_seg *re3 = NULL, *re5 = NULL;
    assert_int_equal(sent_at(SEG_SEQ(base, 2), mark, &re3), 2);
    assert_int_equal(sent_at(SEG_SEQ(base, 4), mark, &re5), 2);
    assert_true(re5->at > re3->at);
    /* One round trip after the first retransmission (2 hops), no RTO. */
    assert_int_equal(re5->at - re3->at, 2 * TCP_SIM_DELAY);
    tcp_sim_assert_loss(&T, TCP_SIM_NODE_A, 1, 0, 2);
    assert_delivered();
}

/* RFC 6298 5.4-5.6: the only segment lost twice: resent after the RTO
 * (200 ms floor), then after twice that; RFC 5681 3.1: cwnd is then the
 * loss window, one segment. */
static void rto_backoff(void **state)
{
    (void)state;
    static uint8_t out[TCP_SIM_SEG_DATA];
    const size_t mark = T.n_seg;
    tcp_sim_drop(&T, TCP_SIM_NODE_A, DATA_ACK, 2);
    tcp_sim_pattern(out, sizeof(out), 0);
    assert_int_equal(axn_send(C, out, sizeof(out), AXN_MSG_DONTWAIT), (long)sizeof(out));
    tcp_sim_run(&T, RTO_SPAN);

    const struct tcp_seg *at[3];
    T.cursor = mark;
    for (size_t i = 0; i < 3; i++) {
        at[i] = tcp_sim_expect(&T, TCP_SIM_NODE_A, DATA_ACK);
        assert_int_equal(at[i]->seq, at[0]->seq);
    }
    assert_int_equal(at[1]->at - at[0]->at, RTO_FIRST);
    assert_int_equal(at[2]->at - at[1]->at, 2 * RTO_FIRST);
    tcp_sim_assert_loss(&T, TCP_SIM_NODE_A, 0, 2, 2);
}

/* An ACK from B with B's view of the connection, injected into A. */
static void inject_ack(const struct tcp_seg *from_b, uint32_t ack)
{
    struct axn_tcp a = tcp_sim_reply(from_b, from_b->ack, ack, AXN_TCP_ACK);
    a.src_port = from_b->sport;
    a.dst_port = from_b->dport;
    a.seq = from_b->seq + ((from_b->flags & AXN_TCP_SYN) ? 1u : 0u);
    a.ack = ack;
    a.window = from_b->window;
    tcp_sim_inject(&T, TCP_SIM_NODE_A, TCP_SIM_B, TCP_SIM_A, &a);
}

/* RFC 6582 3.2 step 1: after a recovery ends at recover (a full ACK of
 * everything sent before it), the next segment is lost: its duplicate
 * ACKs acknowledge exactly recover, which "covers more than" the highest
 * sequence number recovery had to repair (recover - 1), so they start a
 * new fast retransmit; only dupacks below it are old (the careful
 * variant). B is silent; its ACKs are injected. */
static void newreno_dupacks_at_recover(void **state)
{
    (void)state;
    T.cursor = 0;
    const struct tcp_seg *synack = tcp_sim_expect(&T, TCP_SIM_NODE_B, AXN_TCP_SYN | AXN_TCP_ACK);
    tcp_sim_silence(&T, TCP_SIM_NODE_B, true);
    const struct tcp_seg *first = send_burst();
    assert_non_null(first);
    const uint32_t base = first->seq;
    for (unsigned i = 0; i < AXN_TCP_DUPACK_THRESH + 1; i++)
        inject_ack(synack, base);
    const uint32_t recover = SEG_SEQ(base, SEGS);
    inject_ack(synack, recover);
    static uint8_t more[SMALL_BURST];
    tcp_sim_pattern(more, sizeof(more), DATA);
    assert_int_equal(axn_send(C, more, sizeof(more), AXN_MSG_DONTWAIT), (long)sizeof(more));
    sim_stacks_poll_all(&T.sim);
    const size_t mark = T.n_seg;
    for (unsigned i = 0; i < AXN_TCP_DUPACK_THRESH; i++)
        inject_ack(synack, recover);
    const struct tcp_seg *re = NULL;
    assert_int_equal(sent_at(recover, mark, &re), 1);
    assert_int_equal(re->at, tcp_sim_now(&T));
    struct axn_snmp_tcp_ext ea;
    tcp_sim_snmp(&T, TCP_SIM_NODE_A, NULL, &ea);
    assert_int_equal(ea.fast_retrans, 2);
    assert_int_equal(ea.tcp_timeouts, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_initial_window),
        cmocka_unit_test(test_slow_start),
        cmocka_unit_test(test_congestion_avoidance),
        cmocka_unit_test(test_slow_start_to_avoidance),
        cmocka_unit_test(test_enter_recovery),
        cmocka_unit_test(test_inflation),
        cmocka_unit_test(test_partial_ack),
        cmocka_unit_test(test_full_ack),
        cmocka_unit_test(test_rto),
        cmocka_unit_test_prestate_setup_teardown(fast_retransmit, sim_setup, tcp_sim_teardown, &T),
        cmocka_unit_test_prestate_setup_teardown(newreno_partial_ack, sim_setup, tcp_sim_teardown,
                                                 &T),
        cmocka_unit_test_prestate_setup_teardown(rto_backoff, sim_setup, tcp_sim_teardown, &T),
        cmocka_unit_test_prestate_setup_teardown(newreno_dupacks_at_recover, sim_setup,
                                                 tcp_sim_teardown, &T),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
