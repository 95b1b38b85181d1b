/*
 * RFC 7323 and RFC 2018 options between two whole stacks on the
 * simulated wire (tcp_sim.h): the handshake both ways for every
 * combination of tcp_window_scaling / tcp_timestamps / tcp_sack on each
 * side (an option is on only when both sides have it), and on a lossy
 * transfer the receiver's SACK blocks (the latest segment's block first)
 * and timestamps on every segment, every byte delivered exactly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "axnet/errno.h"
#include "axnet/socket.h"
#include "axnet/tcp.h"
#include "tcp/tcp.h"
#include "tcp_sim.h"
#include "test_platform.h"

#define A          TCP_SIM_NODE_A
#define B          TCP_SIM_NODE_B
#define PORT_BASE  7000u
#define SYN        AXN_TCP_SYN
#define SYNACK     (AXN_TCP_SYN | AXN_TCP_ACK)
#define ACK        AXN_TCP_ACK
#define OPT_WS     1u
#define OPT_TS     2u
#define OPT_SACK   4u
#define OPT_COMBOS 8u
#define PORT_DATA  80u
#define SEGS       10u
#define DROP_NTH   2u /* the 3rd data segment is lost */
#define DATA_LEN   (SEGS * TCP_SIM_SEG_DATA)
#define RUN_LIMIT  AXN_SEC(10)
#define RMEM_SHIFT 7u /* tcp_rmem[2] = 6 MiB: Linux's shift */

static struct tcp_sim T;

static void set_opts(int node, unsigned mask)
{
    struct axn_tcp_settings s = tcp_sim_settings(&T, node);
    s.window_scaling = (mask & OPT_WS) != 0;
    s.timestamps = (mask & OPT_TS) != 0;
    s.sack = (mask & OPT_SACK) != 0;
    tcp_sim_set_settings(&T, node, &s);
}

static void assert_syn_offers(const struct tcp_seg *s, unsigned mask)
{
    assert_int_equal(s->opts.has_wscale, (mask & OPT_WS) != 0);
    assert_int_equal(s->opts.has_ts, (mask & OPT_TS) != 0);
    assert_int_equal(s->opts.sack_perm, (mask & OPT_SACK) != 0);
}

static void assert_agreed(const struct axn_tcp_conn *k, unsigned both)
{
    assert_non_null(k);
    assert_int_equal(k->opt.wscale_ok, (both & OPT_WS) != 0);
    assert_int_equal(k->opt.ts_ok, (both & OPT_TS) != 0);
    assert_int_equal(k->opt.sack_ok, (both & OPT_SACK) != 0);
    assert_int_equal(k->opt.rcv_wscale, (both & OPT_WS) ? RMEM_SHIFT : 0u);
    assert_int_equal(k->opt.snd_wscale, (both & OPT_WS) ? RMEM_SHIFT : 0u);
}

/* One handshake A -> B with A offering `ma` and B `mb`. */
static void handshake(unsigned ma, unsigned mb, uint16_t port)
{
    struct axn_socket *l, *c, *s;
    set_opts(A, ma);
    set_opts(B, mb);
    T.cursor = T.n_seg;
    tcp_sim_pair(&T, port, &l, &c, &s);
    const size_t mark = T.cursor;
    assert_syn_offers(tcp_sim_expect(&T, A, SYN), ma);
    const struct tcp_seg *sa = tcp_sim_expect(&T, B, SYNACK);
    assert_syn_offers(sa, ma & mb);
    if (ma & mb & OPT_TS)
        assert_int_not_equal(sa->opts.ts_ecr, 0);
    const struct tcp_seg *ack = tcp_sim_expect(&T, A, ACK);
    assert_int_equal(ack->opts.has_ts, (ma & mb & OPT_TS) != 0);
    (void)mark;
    assert_agreed(tcp_sim_conn(&T, A, tcp_sim_local_port(c), port), ma & mb);
    assert_agreed(tcp_sim_conn(&T, B, port, tcp_sim_local_port(c)), ma & mb);
    assert_int_equal(axn_close(c), 0);
    assert_int_equal(axn_close(s), 0);
    assert_int_equal(axn_close(l), 0);
    tcp_sim_run(&T, AXN_MSEC(10));
}

static void negotiation_matrix_both_sides(void **state)
{
    (void)state;
    uint16_t port = PORT_BASE;
    for (unsigned ma = 0; ma < OPT_COMBOS; ma++)
        for (unsigned mb = 0; mb < OPT_COMBOS; mb++)
            handshake(ma, mb, port++);
}

/* RFC 2018 4 on the wire: one segment lost, the receiver's duplicate
 * ACKs carry one block, its right edge the latest segment's end; every
 * segment after the handshake carries timestamps; windows are scaled. */
static void sack_blocks_on_loss(void **state)
{
    (void)state;
    struct axn_socket *c, *s;
    static uint8_t out[DATA_LEN], in[DATA_LEN];
    tcp_sim_pair_fresh(&T, PORT_DATA, &c, &s);
    tcp_sim_pattern(out, sizeof(out), 0);
    tcp_sim_drop_nth(&T, A, ACK, DROP_NTH, 1);
    const size_t mark = T.n_seg;
    assert_int_equal(axn_send(c, out, sizeof(out), 0), (long)sizeof(out));
    struct tcp_sim_read_wait w = {.s = s, .buf = in, .want = sizeof(in)};
    assert_true(tcp_sim_run_until(&T, tcp_sim_read_all, &w, tcp_sim_now(&T) + RUN_LIMIT));
    assert_true(tcp_sim_pattern_ok(in, sizeof(in), 0));
    const struct tcp_seg *lost = NULL;
    unsigned sacked_acks = 0;
    uint32_t last_right = 0;
    for (size_t i = mark; i < T.n_seg; i++) {
        const struct tcp_seg *g = &T.seg[i];
        assert_true(g->opts.has_ts);
        if (g->from == A && g->dropped)
            lost = g;
        if (g->from != B || g->opts.n_sack == 0)
            continue;
        assert_non_null(lost);
        assert_int_equal(g->ack, lost->seq);
        assert_int_equal(g->opts.sack[0].left, lost->seq + lost->len);
        assert_true((int32_t)(g->opts.sack[0].right - last_right) > 0 || last_right == 0);
        last_right = g->opts.sack[0].right;
        sacked_acks++;
    }
    assert_non_null(lost);
    assert_true(sacked_acks >= SEGS - DROP_NTH - 2u);
    const struct axn_tcp_conn *kb = tcp_sim_conn(&T, B, PORT_DATA, tcp_sim_local_port(c));
    assert_non_null(kb);
    assert_int_equal(kb->opt.rcv_wscale, RMEM_SHIFT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TCP_SIM_TEST(negotiation_matrix_both_sides, &T),
        TCP_SIM_TEST(sack_blocks_on_loss, &T),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
