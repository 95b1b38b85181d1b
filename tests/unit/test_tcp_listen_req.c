/* A listener's request entries (tcp_listen_req.c, tcp_synq.h; RFC 9293
 * 3.10.7.2, RFC 4987 3.2/3.3) on the simulated wire: a SYN leaves a small
 * entry and no connection; the SYN-ACK is retransmitted with back-off
 * and the entry goes after AXN_TCP_SYNACK_RETRIES; the
 * handshake's RTT is measured from the SYN-ACK; a full accept queue drops
 * the completing ACK and keeps the entry, so that a later ACK completes
 * it once accept() made room. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tcp/tcp_sock.h"
#include "tcp/tcp_synq.h"
#include "tcp_sim.h"

#define PORT      80u
#define FAKE_PORT 46000u
#define FAKE_ISN  0x55667788u
#define FAKE_MSS  1460u
#define RTO_INIT  AXN_SEC(1)
#define SLACK     AXN_MSEC(5)
#define DROP_ALL  1000u

static struct tcp_sim T;

static struct axn_tcp_conn *lconn(struct axn_socket *l)
{
    return ((struct axn_tcp_sock *)l)->conn;
}

/* The fake peer borrows A's address; A's stack answers our SYN-ACKs
 * with a RST (it has no such connection), which would end the entry:
 * A's RSTs are dropped. */
static void fake_syn(void)
{
    tcp_sim_drop(&T, TCP_SIM_NODE_A, AXN_TCP_RST, DROP_ALL);
    const struct axn_tcp syn = tcp_sim_seg(FAKE_PORT, PORT, FAKE_ISN, 0, AXN_TCP_SYN, FAKE_MSS);
    tcp_sim_inject(&T, TCP_SIM_NODE_B, TCP_SIM_A, TCP_SIM_B, &syn);
}

static void fake_ack(uint32_t iss)
{
    const struct axn_tcp a = tcp_sim_seg(FAKE_PORT, PORT, FAKE_ISN + 1, iss + 1, AXN_TCP_ACK, 0);
    tcp_sim_inject(&T, TCP_SIM_NODE_B, TCP_SIM_A, TCP_SIM_B, &a);
}

static void synack_backoff_then_entry_expires(void **state)
{
    (void)state;
    struct axn_socket *l = tcp_sim_keep(&T, tcp_sim_listen(&T, TCP_SIM_NODE_B, PORT, 8));
    struct axn_snmp_tcp tcp;
    print_message("request entry %zu bytes, table %zu bytes, connection %zu bytes\n",
                  sizeof(struct axn_tcp_req), sizeof(struct axn_tcp_synq),
                  sizeof(struct axn_tcp_conn));
    fake_syn();
    const struct tcp_seg *first = tcp_sim_expect(&T, TCP_SIM_NODE_B, AXN_TCP_SYN | AXN_TCP_ACK);
    const axn_time_t t0 = first->at;
    const uint32_t iss = first->seq;
    assert_int_equal(tcp_sim_conns(&T, TCP_SIM_NODE_B), 1); /* the listener only */
    assert_int_equal(axn_tcp_synq_len(lconn(l)), 1);
    /* The client's SYN again: the same SYN-ACK at once, which counts as
     * the first retransmission (the next backs off from it). */
    fake_syn();
    assert_int_equal(tcp_sim_expect(&T, TCP_SIM_NODE_B, AXN_TCP_SYN | AXN_TCP_ACK)->seq, iss);
    /* Then at +2, +4, +8, +16 s (RFC 6298 5.5 back-off). */
    axn_time_t due = t0;
    for (unsigned k = 1; k < AXN_TCP_SYNACK_RETRIES; k++) {
        due += RTO_INIT << k;
        const struct tcp_seg *s =
            tcp_sim_run_to_seg(&T, TCP_SIM_NODE_B, AXN_TCP_SYN | AXN_TCP_ACK, AXN_SEC(70));
        assert_non_null(s);
        assert_int_equal(s->seq, iss);
        assert_true(s->at >= due && s->at <= due + SLACK);
    }
    assert_int_equal(axn_tcp_synq_len(lconn(l)), 1);
    /* The last timeout (32 s): the entry goes, silently. */
    tcp_sim_run(&T, (RTO_INIT << AXN_TCP_SYNACK_RETRIES) + SLACK);
    assert_null(tcp_sim_next(&T, TCP_SIM_NODE_B, AXN_TCP_SYN | AXN_TCP_ACK));
    assert_int_equal(axn_tcp_synq_len(lconn(l)), 0);
    tcp_sim_snmp(&T, TCP_SIM_NODE_B, &tcp, NULL);
    assert_int_equal(tcp.retrans_segs, AXN_TCP_SYNACK_RETRIES);
    /* Its ACK now meets no entry: a RST. */
    const size_t mark = T.n_seg;
    fake_ack(iss);
    assert_int_equal(tcp_sim_count_rst(&T, TCP_SIM_NODE_B, mark), 1);
}

/* The real client on A: the handshake's RTT comes from the SYN-ACK. */
static void handshake_rtt_from_synack(void **state)
{
    (void)state;
    struct axn_socket *l = tcp_sim_keep(&T, tcp_sim_listen(&T, TCP_SIM_NODE_B, PORT, 8));
    struct axn_socket *c = tcp_sim_keep(&T, tcp_sim_connect(&T, TCP_SIM_NODE_A, TCP_SIM_B, PORT));
    struct tcp_sim_accept_wait w = {.l = l};
    assert_true(tcp_sim_run_until(&T, tcp_sim_accepted, &w, tcp_sim_now(&T) + AXN_SEC(1)));
    tcp_sim_keep(&T, w.got);
    const struct axn_tcp_conn *cb = tcp_sim_conn(&T, TCP_SIM_NODE_B, PORT, tcp_sim_local_port(c));
    assert_non_null(cb);
    assert_int_equal(cb->state, AXN_TCP_ESTABLISHED);
    assert_true(cb->srtt > 0);
    assert_true(cb->srtt < AXN_MSEC(10)); /* two 50 µs hops */
    assert_int_equal(axn_tcp_synq_len(lconn(l)), 0);
}

/* backlog 0: the accept queue holds one. */
static void full_accept_queue_keeps_entry(void **state)
{
    (void)state;
    struct axn_socket *l = tcp_sim_keep(&T, tcp_sim_listen(&T, TCP_SIM_NODE_B, PORT, 0));
    struct axn_snmp_tcp_ext ext;
    fake_syn();
    const uint32_t iss = tcp_sim_expect(&T, TCP_SIM_NODE_B, AXN_TCP_SYN | AXN_TCP_ACK)->seq;
    /* A real client fills the accept queue. */
    struct axn_socket *c = tcp_sim_keep(&T, tcp_sim_connect(&T, TCP_SIM_NODE_A, TCP_SIM_B, PORT));
    tcp_sim_run(&T, AXN_MSEC(5));
    assert_int_equal(tcp_sim_state(c), AXN_TCP_ESTABLISHED);
    assert_int_equal(lconn(l)->acc_q_len, 1);
    fake_ack(iss);
    tcp_sim_snmp(&T, TCP_SIM_NODE_B, NULL, &ext);
    assert_int_equal(ext.listen_overflows, 1);
    assert_int_equal(axn_tcp_synq_len(lconn(l)), 1);
    assert_null(tcp_sim_conn(&T, TCP_SIM_NODE_B, PORT, FAKE_PORT));
    /* accept() makes room; the ACK again (after the SYN-ACK's
     * retransmission) completes it. */
    int err = 0;
    tcp_sim_keep(&T, tcp_sim_accept(l, &err));
    fake_ack(iss);
    const struct axn_tcp_conn *cb = tcp_sim_conn(&T, TCP_SIM_NODE_B, PORT, FAKE_PORT);
    assert_non_null(cb);
    assert_int_equal(cb->state, AXN_TCP_ESTABLISHED);
    assert_int_equal(axn_tcp_synq_len(lconn(l)), 0);
    struct axn_socket *s = tcp_sim_accept(l, &err);
    assert_non_null(s);
    tcp_sim_keep(&T, s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TCP_SIM_TEST(synack_backoff_then_entry_expires, &T),
        TCP_SIM_TEST(handshake_rtt_from_synack, &T),
        TCP_SIM_TEST(full_accept_queue_keeps_entry, &T),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
