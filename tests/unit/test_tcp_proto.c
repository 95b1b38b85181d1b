/*
 * TCP (RFC 9293) between two whole stacks on the simulated wire, segment-
 * exact in virtual time (tcp_sim.h): the three-way handshake (MSS option,
 * consistent seq/ack, ISNs per tuple), simultaneous open through
 * SYN-RECEIVED, SYN and SYN-ACK loss with retransmission after the initial
 * RTO (1 s, then 2 s), connect to a port without a listener (RST ->
 * ECONNREFUSED), a full accept queue dropping the SYN silently until
 * accept() drains it, RFC 5961 challenge ACKs for an in-window RST and a
 * SYN on an established connection, an exact RST resetting it, PMTU
 * discovery from an ICMP fragmentation-needed (RFC 1191), ICMP
 * unreachables soft during connect and never fatal once synchronised
 * (RFC 1122 4.2.3.9, RFC 5927), fast
 * retransmit on the third duplicate ACK (RFC 5681) and a NewReno partial
 * ACK retransmitting the next hole at once (RFC 6582), delayed ACKs
 * (RFC 1122 4.2.3.2) and Nagle (RFC 896) with and without TCP_NODELAY.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "axnet/errno.h"
#include "axnet/snmp.h"
#include "axnet/socket.h"
#include "axnet/tcp.h"
#include "tcp_sim.h"
#include "test_platform.h"
#include "wire/icmp4.h"
#include "wire/ipv4.h"

#define A           TCP_SIM_NODE_A
#define B           TCP_SIM_NODE_B
#define DELAY       TCP_SIM_DELAY
#define PORT        80u
#define PORT_NONE   81u
#define PORT_A      5000u
#define PORT_B      6000u
#define OOW_LIMIT   AXN_MSEC(AXN_TCP_INVALID_RATELIMIT_MS)
#define SETTLE      AXN_MSEC(10)
#define RTO_INIT    AXN_MSEC(AXN_TCP_RTO_INITIAL_MS)
#define DELACK      AXN_MSEC(AXN_TCP_DELACK_MIN_MS)
#define SYN         AXN_TCP_SYN
#define SYNACK      (AXN_TCP_SYN | AXN_TCP_ACK)
#define ACK         AXN_TCP_ACK
#define RSTACK      (AXN_TCP_RST | AXN_TCP_ACK)
#define ANY         TCP_SIM_ANY_FLAGS
#define ST_ESTAB    1    /* TCP_ESTABLISHED */
#define ST_SYNSENT  2    /* TCP_SYN_SENT */
#define ST_SYNRCV   3    /* TCP_SYN_RECV */
#define ST_CLOSED   7    /* TCP_CLOSE */
#define IN_WIN      100u /* an offset inside any window we open */
#define SMALL       10u
#define PMTU        1000u
#define PMTU_MSS    (PMTU - 40u - TCP_SIM_TS_OPT_LEN)
#define PMTU_DATA   4000u
#define BACKLOG_1   1
#define N_BACKLOG   3u /* backlog 1 holds two (Linux sk_acceptq_is_full: len > backlog) */
#define N_QUICK     (AXN_TCP_QUICKACKS + 4u)
#define GAP         AXN_MSEC(100)
#define ICMP_BUF    128u
#define SYN_DROPS   8u    /* every SYN of a connect that must fail */
#define IHL_MASK    0x0fu /* IPv4 header length, in 32-bit words */
#define IHL_UNIT    4u
#define SEQ_OFF     4u       /* sequence number in the quoted TCP header */
#define FAR_AWAY    1000000u /* a sequence number nowhere near the window */
#define WINDOW_SEGS 10u      /* AXN_TCP_INIT_CWND full segments leave at once */

static struct tcp_sim T;

static struct axn_socket *keep(struct axn_socket *s)
{
    return tcp_sim_keep(&T, s);
}

static void pair(uint16_t port, struct axn_socket **c, struct axn_socket **s)
{
    tcp_sim_pair_kept(&T, port, c, s);
}

/* The same bytes, written at once from a non-blocking socket. */
static void send_all(struct axn_socket *s, const uint8_t *buf, size_t len)
{
    assert_int_equal(axn_send(s, buf, len, AXN_MSG_DONTWAIT), (long)len);
    sim_stacks_poll_all(&T.sim);
}

/* ---- Handshake --------------------------------------------------------------------------- */

static void handshake_segments(void **state)
{
    (void)state;
    struct axn_socket *c, *s;
    pair(PORT, &c, &s);
    const struct tcp_seg *syn = tcp_sim_expect(&T, A, SYN);
    assert_true(syn->has_mss);
    assert_int_equal(syn->mss, TCP_SIM_MSS);
    assert_int_equal(syn->dport, PORT);
    assert_int_equal(syn->src, TCP_SIM_A);
    assert_int_equal(syn->dst, TCP_SIM_B);
    assert_true(syn->sport >= AXN_TCP_EPHEMERAL_MIN && syn->sport <= AXN_TCP_EPHEMERAL_MAX);
    assert_int_equal(syn->len, 0);
    assert_true(syn->window > 0);
    assert_true(syn->df); /* Linux: PMTU discovery on, DF set */
    const struct tcp_seg *sa = tcp_sim_expect(&T, B, SYNACK);
    assert_int_equal(sa->at, syn->at + DELAY); /* answered on arrival */
    assert_int_equal(sa->ack, syn->seq + 1);
    assert_int_equal(sa->sport, PORT);
    assert_int_equal(sa->dport, syn->sport);
    assert_true(sa->has_mss);
    assert_int_equal(sa->mss, TCP_SIM_MSS);
    assert_true(sa->window > 0); /* the child offers its receive buffer (RFC 9293 3.8.6) */
    const struct tcp_seg *ack = tcp_sim_expect(&T, A, ACK);
    assert_int_equal(ack->at, sa->at + DELAY);
    assert_int_equal(ack->seq, syn->seq + 1);
    assert_int_equal(ack->ack, sa->seq + 1);
    assert_int_equal(ack->len, 0);
    assert_false(ack->has_mss);
    assert_int_equal(tcp_sim_state(c), ST_ESTAB);
    assert_int_equal(tcp_sim_state(s), ST_ESTAB);
    /* The non-blocking connect completed: POLLOUT, SO_ERROR 0. */
    assert_int_equal(axn_socket_poll(c) & (AXN_POLLOUT | AXN_POLLERR | AXN_POLLHUP), AXN_POLLOUT);
    assert_int_equal(tcp_sim_so_error(c), 0);
    /* Nothing else crossed: no stray RST, no duplicate. */
    assert_int_equal(tcp_sim_count(&T, TCP_SIM_ANY, ANY, 0), 3);

    struct axn_snmp_tcp ta, tb;
    tcp_sim_snmp(&T, A, &ta, NULL);
    tcp_sim_snmp(&T, B, &tb, NULL);
    assert_int_equal(ta.active_opens, 1);
    assert_int_equal(tb.passive_opens, 1);
    assert_int_equal(ta.curr_estab, 1);
    assert_int_equal(tb.curr_estab, 1);
    assert_int_equal(ta.out_segs, 2);
    assert_int_equal(tb.out_segs, 1);
}

/* RFC 6528: each tuple's ISN is its own (a keyed hash of the 4-tuple),
 * so a second connection from another port does not start near the first. */
static void isn_differs_per_tuple(void **state)
{
    (void)state;
    struct axn_socket *c1, *s1, *c2;
    pair(PORT, &c1, &s1);
    const struct tcp_seg *syn1 = tcp_sim_expect(&T, A, SYN);
    const struct tcp_seg *sa1 = tcp_sim_expect(&T, B, SYNACK);
    const uint32_t isn_a1 = syn1->seq, isn_b1 = sa1->seq;
    c2 = keep(tcp_sim_connect(&T, A, TCP_SIM_B, PORT));
    tcp_sim_run(&T, SETTLE);
    const struct tcp_seg *syn2 = tcp_sim_expect(&T, A, SYN);
    const struct tcp_seg *sa2 = tcp_sim_expect(&T, B, SYNACK);
    assert_int_not_equal(syn2->sport, syn1->sport);
    assert_int_not_equal(syn2->seq, isn_a1);
    assert_int_not_equal(sa2->seq, isn_b1);
    assert_int_not_equal(isn_a1, isn_b1);
    assert_int_equal(tcp_sim_state(c2), ST_ESTAB);
}

/* RFC 9293 3.5 figure 7: both SYNs cross; each side goes SYN-SENT ->
 * SYN-RECEIVED, answers with SYN-ACK (its own ISN again) and reaches
 * ESTABLISHED when the other's SYN-ACK arrives. */
static void simultaneous_open(void **state)
{
    (void)state;
    struct axn_socket *a = keep(tcp_sim_socket(&T, A)), *b = keep(tcp_sim_socket(&T, B));
    const struct axn_sockaddr_in la = sim_sin4(TCP_SIM_A, PORT_A), lb = sim_sin4(TCP_SIM_B, PORT_B);
    assert_int_equal(axn_bind(a, (const struct axn_sockaddr *)&la, sizeof(la)), 0);
    assert_int_equal(axn_bind(b, (const struct axn_sockaddr *)&lb, sizeof(lb)), 0);
    const axn_time_t t0 = tcp_sim_now(&T);
    assert_int_equal(axn_connect(a, (const struct axn_sockaddr *)&lb, sizeof(lb)),
                     -AXN_EINPROGRESS);
    assert_int_equal(axn_connect(b, (const struct axn_sockaddr *)&la, sizeof(la)),
                     -AXN_EINPROGRESS);
    sim_stacks_poll_all(&T.sim);
    sim_stacks_run_until(&T.sim, t0 + DELAY);
    assert_int_equal(tcp_sim_state(a), ST_SYNRCV);
    assert_int_equal(tcp_sim_state(b), ST_SYNRCV);
    tcp_sim_run(&T, SETTLE);
    assert_int_equal(tcp_sim_state(a), ST_ESTAB);
    assert_int_equal(tcp_sim_state(b), ST_ESTAB);

    const struct tcp_seg *sa = tcp_sim_expect(&T, A, SYN);
    assert_int_equal(sa->at, t0);
    T.cursor = 0;
    const struct tcp_seg *sb = tcp_sim_expect(&T, B, SYN);
    assert_int_equal(sb->at, t0);
    T.cursor = 0;
    const struct tcp_seg *saa = tcp_sim_expect(&T, A, SYNACK);
    assert_int_equal(saa->at, t0 + DELAY);
    assert_int_equal(saa->seq, sa->seq);
    assert_int_equal(saa->ack, sb->seq + 1);
    T.cursor = 0;
    const struct tcp_seg *sab = tcp_sim_expect(&T, B, SYNACK);
    assert_int_equal(sab->seq, sb->seq);
    assert_int_equal(sab->ack, sa->seq + 1);
    assert_int_equal(tcp_sim_count_rst(&T, TCP_SIM_ANY, 0), 0);

    /* Data flows both ways. */
    static const uint8_t msg[SMALL] = "simultane";
    uint8_t got[SMALL];
    send_all(a, msg, sizeof(msg));
    send_all(b, msg, sizeof(msg));
    tcp_sim_run(&T, SETTLE);
    assert_int_equal(tcp_sim_read(a, got, sizeof(got)), SMALL);
    assert_memory_equal(got, msg, SMALL);
    assert_int_equal(tcp_sim_read(b, got, sizeof(got)), SMALL);
    assert_memory_equal(got, msg, SMALL);
}

/* ---- Loss during the handshake ----------------------------------------------------------- */

/* RFC 6298 2.1/5.5 and Linux: the SYN is resent after 1 s, then 2 s later. */
static void syn_loss_retransmits(void **state)
{
    (void)state;
    keep(tcp_sim_listen(&T, B, PORT, TCP_SIM_BACKLOG));
    tcp_sim_drop(&T, A, SYN, 2);
    struct axn_socket *c = keep(tcp_sim_connect(&T, A, TCP_SIM_B, PORT));
    tcp_sim_run(&T, RTO_INIT * 4);
    const struct tcp_seg *s0 = tcp_sim_expect(&T, A, SYN);
    const struct tcp_seg *s1 = tcp_sim_expect(&T, A, SYN);
    const struct tcp_seg *s2 = tcp_sim_expect(&T, A, SYN);
    assert_true(s0->dropped && s1->dropped && !s2->dropped);
    assert_int_equal(s1->at - s0->at, RTO_INIT);
    assert_int_equal(s2->at - s1->at, 2 * RTO_INIT);
    assert_int_equal(s1->seq, s0->seq);
    assert_int_equal(s2->seq, s0->seq);
    assert_null(tcp_sim_next(&T, A, SYN));
    const struct tcp_seg *sa = tcp_sim_expect(&T, B, SYNACK);
    assert_int_equal(sa->at, s2->at + DELAY);
    assert_int_equal(tcp_sim_state(c), ST_ESTAB);
    struct axn_snmp_tcp ta;
    struct axn_snmp_tcp_ext ea;
    tcp_sim_snmp(&T, A, &ta, &ea);
    assert_int_equal(ta.retrans_segs, 2);
    assert_int_equal(ea.tcp_timeouts, 2);
    assert_int_equal(ta.active_opens, 1);
}

/* The SYN-ACK is lost: the listener resends it 1 s later (its timer and
 * the client's retransmitted SYN meet at that instant), same ISN. */
static void synack_loss_retransmits(void **state)
{
    (void)state;
    struct axn_socket *l = keep(tcp_sim_listen(&T, B, PORT, TCP_SIM_BACKLOG));
    tcp_sim_drop(&T, B, SYNACK, 1);
    struct axn_socket *c = keep(tcp_sim_connect(&T, A, TCP_SIM_B, PORT));
    tcp_sim_run(&T, RTO_INIT * 3);
    const struct tcp_seg *syn = tcp_sim_expect(&T, A, SYN);
    const struct tcp_seg *sa0 = tcp_sim_expect(&T, B, SYNACK);
    assert_true(sa0->dropped);
    assert_int_equal(sa0->at, syn->at + DELAY);
    const struct tcp_seg *sa1 = tcp_sim_expect(&T, B, SYNACK);
    assert_false(sa1->dropped);
    assert_int_equal(sa1->at, sa0->at + RTO_INIT);
    assert_int_equal(sa1->seq, sa0->seq);
    assert_int_equal(sa1->ack, syn->seq + 1);
    T.cursor = 0;
    tcp_sim_expect(&T, A, SYN);
    const struct tcp_seg *syn1 = tcp_sim_expect(&T, A, SYN);
    assert_int_equal(syn1->at, syn->at + RTO_INIT);
    assert_int_equal(tcp_sim_state(c), ST_ESTAB);
    int err;
    struct axn_socket *s = keep(tcp_sim_accept(l, &err));
    assert_non_null(s);
    assert_int_equal(tcp_sim_state(s), ST_ESTAB);
}

/* ---- Refused ------------------------------------------------------------------------------- */

/* RFC 9293 3.10.7.1: no listener -> RST|ACK, seq 0, ack = SYN + 1; the
 * client fails with ECONNREFUSED through SO_ERROR (read and cleared). */
static void connect_refused(void **state)
{
    (void)state;
    struct axn_socket *c = keep(tcp_sim_connect(&T, A, TCP_SIM_B, PORT_NONE));
    tcp_sim_run(&T, SETTLE);
    const struct tcp_seg *syn = tcp_sim_expect(&T, A, SYN);
    const struct tcp_seg *rst = tcp_sim_expect(&T, B, RSTACK);
    assert_int_equal(rst->seq, 0);
    assert_int_equal(rst->ack, syn->seq + 1);
    assert_int_equal(rst->at, syn->at + DELAY);
    assert_int_equal(rst->len, 0);
    assert_true((axn_socket_poll(c) & AXN_POLLERR) != 0);
    assert_int_equal(tcp_sim_so_error(c), AXN_ECONNREFUSED);
    assert_int_equal(tcp_sim_so_error(c), 0);
    assert_int_equal(tcp_sim_state(c), ST_CLOSED);
    assert_null(tcp_sim_next(&T, A, SYN)); /* no retry after a RST */
    struct axn_snmp_tcp ta, tb;
    tcp_sim_snmp(&T, A, &ta, NULL);
    tcp_sim_snmp(&T, B, &tb, NULL);
    assert_int_equal(ta.attempt_fails, 1);
    assert_int_equal(tb.out_rsts, 1);
    assert_int_equal(ta.curr_estab, 0);
}

/* ---- Backlog ------------------------------------------------------------------------------- */

/* Spec TCP-26 done as Linux: with the accept queue full, a SYN is dropped
 * without a word (no SYN-ACK, no RST; ListenOverflows and ListenDrops),
 * and the client's SYN retry 1 s later succeeds once accept() made room. */
static void backlog_full_drops_syn(void **state)
{
    (void)state;
    struct axn_socket *l = keep(tcp_sim_listen(&T, B, PORT, BACKLOG_1));
    struct axn_socket *c[N_BACKLOG];
    for (size_t i = 0; i < N_BACKLOG; i++) {
        c[i] = keep(tcp_sim_connect(&T, A, TCP_SIM_B, PORT));
        tcp_sim_run(&T, SETTLE);
    }
    assert_int_equal(tcp_sim_state(c[0]), ST_ESTAB);
    assert_int_equal(tcp_sim_state(c[1]), ST_ESTAB);
    assert_int_not_equal(tcp_sim_state(c[2]), ST_ESTAB);
    assert_int_equal(tcp_sim_count(&T, B, SYNACK, 0), N_BACKLOG - 1);
    assert_int_equal(tcp_sim_count_rst(&T, TCP_SIM_ANY, 0), 0);
    struct axn_snmp_tcp_ext eb;
    tcp_sim_snmp(&T, B, NULL, &eb);
    assert_int_equal(eb.listen_overflows, 1);
    assert_true(eb.listen_drops >= 1);

    /* accept() drains one: the retry finds room. */
    struct tcp_sim_accept_wait w = {.l = l};
    assert_true(tcp_sim_accepted(&w));
    keep(w.got);
    tcp_sim_run(&T, RTO_INIT);
    assert_int_equal(tcp_sim_state(c[2]), ST_ESTAB);
    assert_int_equal(tcp_sim_count_rst(&T, TCP_SIM_ANY, 0), 0);
    for (size_t i = 1; i < N_BACKLOG; i++) {
        assert_true(tcp_sim_run_until(&T, tcp_sim_accepted, &w, tcp_sim_now(&T) + SETTLE));
        keep(w.got);
    }
}

/* ---- RFC 5961 ------------------------------------------------------------------------------ */

/* RFC 5961 3.2: a RST in the window but not at RCV.NXT draws a challenge
 * ACK and the connection lives; 4.2: so does a SYN in a synchronised
 * state; a RST exactly at RCV.NXT resets it (recv: ECONNRESET). */
static void rfc5961_challenge_ack(void **state)
{
    (void)state;
    struct axn_socket *c, *s;
    pair(PORT, &c, &s);
    const struct tcp_seg *sa = tcp_sim_expect(&T, B, SYNACK);
    const struct tcp_seg *ack = tcp_sim_expect(&T, A, ACK);
    const uint32_t rcv_nxt = ack->seq, snd_nxt = sa->seq + 1;
    const size_t mark = T.n_seg;

    struct axn_tcp rst = tcp_sim_reply(sa, rcv_nxt + IN_WIN, 0, AXN_TCP_RST);
    tcp_sim_inject(&T, B, TCP_SIM_A, TCP_SIM_B, &rst);
    tcp_sim_run(&T, SETTLE);
    T.cursor = mark;
    const struct tcp_seg *ch = tcp_sim_expect(&T, B, ACK);
    assert_int_equal(ch->seq, snd_nxt);
    assert_int_equal(ch->ack, rcv_nxt);
    assert_int_equal(ch->len, 0);
    assert_int_equal(tcp_sim_state(s), ST_ESTAB);
    tcp_sim_run(&T, OOW_LIMIT); /* past the per-connection limit */

    struct axn_tcp syn = tcp_sim_reply(sa, rcv_nxt + IN_WIN, 0, AXN_TCP_SYN);
    tcp_sim_inject(&T, B, TCP_SIM_A, TCP_SIM_B, &syn);
    tcp_sim_run(&T, SETTLE);
    ch = tcp_sim_expect(&T, B, ACK);
    assert_int_equal(ch->seq, snd_nxt);
    assert_int_equal(ch->ack, rcv_nxt);
    assert_int_equal(tcp_sim_state(s), ST_ESTAB);
    assert_int_equal(tcp_sim_count_rst(&T, TCP_SIM_ANY, mark), 0);
    struct axn_snmp_tcp tb;
    struct axn_snmp_tcp_ext eb;
    tcp_sim_snmp(&T, B, &tb, &eb);
    assert_int_equal(eb.challenge_acks, 2);
    assert_int_equal(eb.syn_challenge, 1);
    assert_int_equal(tb.estab_resets, 0);

    /* The connection still carries data. */
    static const uint8_t msg[SMALL] = "alive now";
    uint8_t got[SMALL];
    send_all(c, msg, sizeof(msg));
    tcp_sim_run(&T, SETTLE);
    assert_int_equal(tcp_sim_read(s, got, sizeof(got)), SMALL);

    rst = tcp_sim_reply(sa, rcv_nxt + SMALL, 0, AXN_TCP_RST);
    tcp_sim_inject(&T, B, TCP_SIM_A, TCP_SIM_B, &rst);
    tcp_sim_run(&T, SETTLE);
    assert_int_equal(tcp_sim_read(s, got, sizeof(got)), -AXN_ECONNRESET);
    assert_int_equal(tcp_sim_state(s), ST_CLOSED);
    tcp_sim_snmp(&T, B, &tb, &eb);
    assert_int_equal(tb.estab_resets, 1);
    assert_int_equal(eb.challenge_acks, 2);
    assert_int_equal(tb.curr_estab, 0);
}

/* Linux tcp_send_challenge_ack: challenge ACKs of one connection are
 * also limited to one per tcp_invalid_ratelimit (tcp_oow_rate_limited,
 * against ACK loops); the one skipped is counted
 * (TCPACKSkippedChallenge), and the next goes once the limit passed. */
static void challenge_ack_rate_limited(void **state)
{
    (void)state;
    struct axn_socket *c, *s;
    pair(PORT, &c, &s);
    const struct tcp_seg *sa = tcp_sim_expect(&T, B, SYNACK);
    const struct tcp_seg *ack = tcp_sim_expect(&T, A, ACK);
    const uint32_t rcv_nxt = ack->seq;
    const size_t mark = T.n_seg;
    const struct axn_tcp rst = tcp_sim_reply(sa, rcv_nxt + IN_WIN, 0, AXN_TCP_RST);
    tcp_sim_inject(&T, B, TCP_SIM_A, TCP_SIM_B, &rst);
    tcp_sim_run(&T, SETTLE);
    tcp_sim_inject(&T, B, TCP_SIM_A, TCP_SIM_B, &rst);
    tcp_sim_run(&T, SETTLE);
    assert_int_equal(tcp_sim_count(&T, B, ACK, mark), 1);
    struct axn_snmp_tcp_ext eb;
    tcp_sim_snmp(&T, B, NULL, &eb);
    assert_int_equal(eb.challenge_acks, 1);
    assert_int_equal(eb.ack_skipped_challenge, 1);
    tcp_sim_run(&T, OOW_LIMIT);
    tcp_sim_inject(&T, B, TCP_SIM_A, TCP_SIM_B, &rst);
    assert_int_equal(tcp_sim_count(&T, B, ACK, mark), 2);
    assert_int_equal(tcp_sim_state(s), ST_ESTAB);
}

/* ---- PMTU ---------------------------------------------------------------------------------- */

static void inject_icmp(const struct tcp_seg *quoted, uint8_t code, uint16_t mtu)
{
    uint8_t buf[ICMP_BUF];
    const struct axn_icmp4 ic = {.type = AXN_ICMP4_DEST_UNREACH,
                                 .code = code,
                                 .next_mtu = mtu,
                                 .body = quoted->quote,
                                 .body_len = quoted->quote_len};
    assert_true(quoted->quote_len > 0);
    const int n = axn_icmp4_emit(&ic, buf, sizeof(buf));
    assert_true(n > 0);
    sim_inject_ip4(tcp_sim_st(&T, A), TCP_SIM_IFINDEX, TCP_SIM_B, TCP_SIM_A, AXN_IPPROTO_ICMP, buf,
                   (size_t)n, tcp_sim_now(&T));
    sim_stacks_poll_all(&T.sim);
}

static void inject_frag_needed(const struct tcp_seg *quoted, uint16_t mtu)
{
    inject_icmp(quoted, AXN_ICMP4_UNREACH_FRAG_NEEDED, mtu);
}

/* RFC 1191 / RFC 9293 3.7.3: ICMP fragmentation-needed quoting a data
 * segment with next-hop MTU 1000 -> that data is resent at once in
 * segments of at most 960 bytes, and every byte arrives. */
static void pmtu_frag_needed_resends_smaller(void **state)
{
    (void)state;
    struct axn_socket *c, *s;
    pair(PORT, &c, &s);
    static uint8_t out[PMTU_DATA], in[PMTU_DATA];
    tcp_sim_pattern(out, sizeof(out), 0);
    tcp_sim_drop(&T, A, ACK, 1); /* the first data segment */
    const size_t mark = T.n_seg;
    send_all(c, out, sizeof(out));
    T.cursor = mark;
    const struct tcp_seg *lost = tcp_sim_expect(&T, A, ACK);
    assert_true(lost->dropped);
    assert_int_equal(lost->len, TCP_SIM_SEG_DATA);
    assert_true(lost->df);
    const size_t before = T.n_seg;
    inject_frag_needed(lost, PMTU);
    T.cursor = before;
    const struct tcp_seg *re = tcp_sim_expect(&T, A, ACK);
    assert_int_equal(re->at, lost->at); /* at once, not after an RTO */
    assert_int_equal(re->seq, lost->seq);
    assert_int_equal(re->len, PMTU_MSS);

    struct tcp_sim_read_wait w = {.s = s, .buf = in, .want = sizeof(in)};
    assert_true(tcp_sim_run_until(&T, tcp_sim_read_all, &w, tcp_sim_now(&T) + RTO_INIT * 4));
    assert_memory_equal(in, out, sizeof(out));
    for (size_t i = before; i < T.n_seg; i++)
        if (T.seg[i].from == A)
            assert_true(T.seg[i].len <= PMTU_MSS);
}

/* ---- ICMP errors ------------------------------------------------------------------------------
 */

static bool has_error(void *ctx)
{
    return (axn_socket_poll(ctx) & AXN_POLLERR) != 0;
}

/* RFC 1122 4.2.3.9: a host unreachable during connect is soft: the SYN is
 * still retried, and only when the connect times out (TCP_SYNCNT 1: SYN
 * at 0 and 1 s, given up at 3 s) does the error surface, as the ICMP's
 * EHOSTUNREACH rather than ETIMEDOUT (Linux sk_err_soft). */
static void icmp_soft_during_connect(void **state)
{
    (void)state;
    tcp_sim_drop(&T, A, SYN, SYN_DROPS);
    struct axn_socket *c = keep(tcp_sim_socket(&T, A));
    assert_int_equal(tcp_sim_setopt_int(c, AXN_SOL_TCP, AXN_TCP_SYNCNT, 1), 0);
    const struct axn_sockaddr_in to = sim_sin4(TCP_SIM_B, PORT);
    assert_int_equal(axn_connect(c, (const struct axn_sockaddr *)&to, sizeof(to)),
                     -AXN_EINPROGRESS);
    sim_stacks_poll_all(&T.sim);
    const struct tcp_seg *syn = tcp_sim_expect(&T, A, SYN);
    inject_icmp(syn, AXN_ICMP4_UNREACH_HOST, 0);
    assert_int_equal(tcp_sim_state(c), ST_SYNSENT);
    assert_int_equal(axn_socket_poll(c) & AXN_POLLERR, 0);
    assert_true(tcp_sim_run_until(&T, has_error, c, syn->at + RTO_INIT * 8));
    assert_int_equal(tcp_sim_now(&T), syn->at + 3 * RTO_INIT);
    assert_int_equal(tcp_sim_count(&T, A, SYN, 0), 2);
    assert_int_equal(tcp_sim_so_error(c), AXN_EHOSTUNREACH);
    assert_int_equal(tcp_sim_state(c), ST_CLOSED);
    struct axn_snmp_tcp ta;
    tcp_sim_snmp(&T, A, &ta, NULL);
    assert_int_equal(ta.attempt_fails, 1);
}

/* RFC 5927 4.2 / RFC 1122 4.2.3.9: ICMP never ends a synchronised
 * connection, not even a "hard" port unreachable quoting data in flight;
 * one quoting a sequence number not in flight is ignored outright
 * (OutOfWindowIcmps). The connection then carries on. */
static void icmp_never_kills_established(void **state)
{
    (void)state;
    struct axn_socket *c, *s;
    pair(PORT, &c, &s);
    tcp_sim_silence(&T, B, true);
    uint8_t buf[SMALL];
    tcp_sim_pattern(buf, sizeof(buf), 0);
    const size_t mark = T.n_seg;
    send_all(c, buf, sizeof(buf));
    T.cursor = mark;
    const struct tcp_seg *d = tcp_sim_expect(&T, A, ACK);
    inject_icmp(d, AXN_ICMP4_UNREACH_PORT, 0);
    assert_int_equal(tcp_sim_state(c), ST_ESTAB);
    assert_int_equal(axn_socket_poll(c) & AXN_POLLERR, 0);

    struct tcp_seg far = *d;
    const size_t ihl = (size_t)(far.quote[0] & IHL_MASK) * IHL_UNIT;
    const uint32_t seq = d->seq + FAR_AWAY;
    far.quote[ihl + SEQ_OFF] = (uint8_t)(seq >> 24);
    far.quote[ihl + SEQ_OFF + 1] = (uint8_t)(seq >> 16);
    far.quote[ihl + SEQ_OFF + 2] = (uint8_t)(seq >> 8);
    far.quote[ihl + SEQ_OFF + 3] = (uint8_t)seq;
    inject_icmp(&far, AXN_ICMP4_UNREACH_PORT, 0);
    struct axn_snmp_tcp_ext ea;
    tcp_sim_snmp(&T, A, NULL, &ea);
    assert_int_equal(ea.out_of_window_icmps, 1);

    tcp_sim_silence(&T, B, false);
    uint8_t in[2 * SMALL];
    tcp_sim_run(&T, RTO_INIT * 2);
    assert_int_equal(tcp_sim_read(s, in, sizeof(in)), SMALL);
    assert_true(tcp_sim_pattern_ok(in, SMALL, 0));
    assert_int_equal(tcp_sim_state(c), ST_ESTAB);
    assert_int_equal(tcp_sim_so_error(c), 0);
    send_all(s, buf, sizeof(buf));
    tcp_sim_run(&T, SETTLE);
    assert_int_equal(tcp_sim_read(c, in, sizeof(in)), SMALL);
}

/* ---- Loss of data -----------------------------------------------------------------------------
 */

/* The next segment from A past the cursor starting at `seq`. */
static const struct tcp_seg *next_at_seq(uint32_t seq)
{
    const struct tcp_seg *d;
    while ((d = tcp_sim_next(&T, A, ANY)) != NULL)
        if (d->seq == seq && d->len > 0)
            return d;
    tcp_sim_dump(&T);
    fail_msg("no segment at seq %u", seq);
    return NULL;
}

/* Ten full segments at once, the given ones (1-based) dropped; returns
 * the first segment's index in the capture. */
static size_t send_window_dropping(struct axn_socket *c, const unsigned *drop, size_t n_drop)
{
    static uint8_t out[WINDOW_SEGS * TCP_SIM_SEG_DATA];
    tcp_sim_pattern(out, sizeof(out), 0);
    for (size_t i = 0; i < n_drop; i++)
        tcp_sim_drop_nth(&T, A, ACK, drop[i] - 1, 1);
    const size_t mark = T.n_seg;
    send_all(c, out, sizeof(out));
    assert_int_equal(tcp_sim_count(&T, A, ACK, mark), WINDOW_SEGS);
    return mark;
}

static void receive_window(struct axn_socket *s)
{
    static uint8_t in[WINDOW_SEGS * TCP_SIM_SEG_DATA];
    struct tcp_sim_read_wait w = {.s = s, .buf = in, .want = sizeof(in)};
    assert_true(tcp_sim_run_until(&T, tcp_sim_read_all, &w, tcp_sim_now(&T) + RTO_INIT));
    assert_true(tcp_sim_pattern_ok(in, sizeof(in), 0));
}

/* RFC 5681 3.2: one segment of ten lost; the receiver ACKs every later
 * one at once (out of order, RFC 5681 4.2), and the third duplicate ACK
 * retransmits the hole at the instant it arrives, with no RTO. */
/* A offers no SACK (net.ipv4.tcp_sack = 0): for the NewReno cases
 * (RFC 6675 recovery is tests/unit/test_tcp_sack*.c's); and A runs
 * NewReno, not the default CUBIC, whose larger window after the loss
 * would send more. */
static void no_sack_on_a(void)
{
    struct axn_tcp_settings cfg = tcp_sim_settings(&T, A);
    cfg.sack = false;
    memcpy(cfg.congestion_control, "reno", sizeof("reno"));
    tcp_sim_set_settings(&T, A, &cfg);
}

static void fast_retransmit_third_dupack(void **state)
{
    (void)state;
    no_sack_on_a();
    struct axn_socket *c, *s;
    pair(PORT, &c, &s);
    static const unsigned drop[] = {2};
    const size_t mark = send_window_dropping(c, drop, 1);
    T.cursor = mark;
    tcp_sim_expect(&T, A, ACK);
    const struct tcp_seg *lost = tcp_sim_expect(&T, A, ACK);
    assert_true(lost->dropped);
    const axn_time_t t0 = lost->at;
    receive_window(s);
    T.cursor = mark;
    for (size_t i = 0; i < WINDOW_SEGS; i++)
        (void)tcp_sim_expect(&T, A, ACK);
    const struct tcp_seg *re = next_at_seq(lost->seq);
    assert_int_equal(re->at, t0 + 2 * DELAY);
    assert_int_equal(re->len, TCP_SIM_SEG_DATA);
    assert_true(tcp_sim_count(&T, B, ACK, mark) >= WINDOW_SEGS - 1);
    struct axn_snmp_tcp_ext eb;
    tcp_sim_snmp(&T, B, NULL, &eb);
    tcp_sim_assert_loss(&T, A, 1, 0, 1);
    assert_true(eb.ofo_queue >= WINDOW_SEGS - 2);
}

/* RFC 6582 3.2 step 5: two holes in one window; the ACK that the fast
 * retransmission draws covers only up to the second hole (a partial ACK),
 * which is retransmitted the instant that ACK arrives, still no RTO. */
static void newreno_partial_ack(void **state)
{
    (void)state;
    no_sack_on_a();
    struct axn_socket *c, *s;
    pair(PORT, &c, &s);
    static const unsigned drop[] = {2, 5};
    const size_t mark = send_window_dropping(c, drop, 2);
    T.cursor = mark;
    const struct tcp_seg *first = tcp_sim_expect(&T, A, ACK);
    const axn_time_t t0 = first->at;
    const uint32_t hole1 = first->seq + TCP_SIM_SEG_DATA, hole2 = first->seq + 4 * TCP_SIM_SEG_DATA;
    receive_window(s);
    T.cursor = mark + WINDOW_SEGS;
    const struct tcp_seg *re1 = next_at_seq(hole1);
    assert_int_equal(re1->at, t0 + 2 * DELAY);
    const struct tcp_seg *re2 = next_at_seq(hole2);
    assert_int_equal(re2->at, t0 + 4 * DELAY);
    tcp_sim_assert_loss(&T, A, 1, 0, 2);
}

/* ---- Delayed ACK and Nagle ----------------------------------------------------------------- */

/* RFC 1122 4.2.3.2 / Linux: once the quick-ACK segments of the start are
 * spent, a lone small segment is ACKed 40 ms after it arrived; two full
 * segments arriving together are ACKed at once. */
static void delayed_ack(void **state)
{
    (void)state;
    struct axn_socket *c, *s;
    pair(PORT, &c, &s);
    uint8_t buf[SMALL];
    tcp_sim_pattern(buf, sizeof(buf), 0);
    const struct tcp_seg *delayed_data = NULL, *delayed_ack = NULL;
    for (size_t i = 0; i < N_QUICK && !delayed_data; i++) {
        const size_t mark = T.n_seg;
        send_all(c, buf, sizeof(buf));
        tcp_sim_run(&T, GAP);
        T.cursor = mark;
        const struct tcp_seg *d = tcp_sim_expect(&T, A, ACK);
        assert_int_equal(d->len, SMALL);
        const struct tcp_seg *a = tcp_sim_expect(&T, B, ACK);
        assert_int_equal(a->ack, d->seq + SMALL);
        if (a->at != d->at + DELAY) {
            delayed_data = d;
            delayed_ack = a;
        }
    }
    assert_non_null(delayed_data);
    assert_int_equal(delayed_ack->at, delayed_data->at + DELAY + DELACK);
    struct axn_snmp_tcp_ext eb;
    tcp_sim_snmp(&T, B, NULL, &eb);
    assert_true(eb.delayed_acks >= 1);

    static uint8_t two[2 * TCP_SIM_SEG_DATA];
    tcp_sim_pattern(two, sizeof(two), 0);
    const size_t mark = T.n_seg;
    send_all(c, two, sizeof(two));
    tcp_sim_run(&T, GAP);
    T.cursor = mark;
    const struct tcp_seg *d1 = tcp_sim_expect(&T, A, ACK);
    const struct tcp_seg *d2 = tcp_sim_expect(&T, A, ACK);
    assert_int_equal(d1->len, TCP_SIM_SEG_DATA);
    assert_int_equal(d2->len, TCP_SIM_SEG_DATA);
    const struct tcp_seg *a = tcp_sim_expect(&T, B, ACK);
    assert_int_equal(a->ack, d2->seq + TCP_SIM_SEG_DATA);
    assert_int_equal(a->at, d2->at + DELAY);
}

/* RFC 896: a second small write waits while the first is unacknowledged,
 * and leaves when the ACK arrives; TCP_NODELAY sends both at once. */
static void nagle_and_nodelay(void **state)
{
    (void)state;
    struct axn_socket *c, *s;
    pair(PORT, &c, &s);
    uint8_t buf[SMALL];
    tcp_sim_pattern(buf, sizeof(buf), 0);
    size_t mark = T.n_seg;
    send_all(c, buf, sizeof(buf));
    send_all(c, buf, sizeof(buf));
    tcp_sim_run(&T, GAP);
    T.cursor = mark;
    const struct tcp_seg *d1 = tcp_sim_expect(&T, A, ACK);
    const struct tcp_seg *a1 = tcp_sim_expect(&T, B, ACK);
    const struct tcp_seg *d2 = tcp_sim_expect(&T, A, ACK);
    assert_int_equal(d1->len, SMALL);
    assert_int_equal(a1->ack, d1->seq + SMALL);
    assert_int_equal(d2->len, SMALL);
    assert_int_equal(d2->seq, d1->seq + SMALL);
    assert_int_equal(d2->at, a1->at + DELAY);

    assert_int_equal(tcp_sim_setopt_int(c, AXN_SOL_TCP, AXN_TCP_NODELAY, 1), 0);
    mark = T.n_seg;
    send_all(c, buf, sizeof(buf));
    send_all(c, buf, sizeof(buf));
    T.cursor = mark;
    d1 = tcp_sim_expect(&T, A, ACK);
    d2 = tcp_sim_expect(&T, A, ACK);
    assert_int_equal(d1->len, SMALL);
    assert_int_equal(d2->len, SMALL);
    assert_int_equal(d2->at, d1->at);
    uint8_t in[4 * SMALL];
    tcp_sim_run(&T, GAP);
    assert_int_equal(tcp_sim_read(s, in, sizeof(in)), 4 * SMALL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TCP_SIM_TEST(handshake_segments, &T),
        TCP_SIM_TEST(isn_differs_per_tuple, &T),
        TCP_SIM_TEST(simultaneous_open, &T),
        TCP_SIM_TEST(syn_loss_retransmits, &T),
        TCP_SIM_TEST(synack_loss_retransmits, &T),
        TCP_SIM_TEST(connect_refused, &T),
        TCP_SIM_TEST(backlog_full_drops_syn, &T),
        TCP_SIM_TEST(rfc5961_challenge_ack, &T),
        TCP_SIM_TEST(challenge_ack_rate_limited, &T),
        TCP_SIM_TEST(pmtu_frag_needed_resends_smaller, &T),
        TCP_SIM_TEST(icmp_soft_during_connect, &T),
        TCP_SIM_TEST(icmp_never_kills_established, &T),
        TCP_SIM_TEST(fast_retransmit_third_dupack, &T),
        TCP_SIM_TEST(newreno_partial_ack, &T),
        TCP_SIM_TEST(delayed_ack, &T),
        TCP_SIM_TEST(nagle_and_nodelay, &T),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
