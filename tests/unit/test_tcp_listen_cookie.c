/* SYN cookies at the listener (tcp_listen_cookie.c, RFC 4987 3.6), on
 * the simulated wire: a handshake completed through a cookie with the
 * options negotiated both ways kept; data on the cookie's ACK kept; a
 * forged or expired cookie counted (SyncookiesFailed) and answered with a
 * RST as Linux does; a full SYN queue drops without cookies
 * (TCPReqQFullDrop) and answers with a cookie with them
 * (TCPReqQFullDoCookies); a full accept queue drops the cookie's ACK
 * (ListenOverflows). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "axnet/tcp.h"
#include "tcp/tcp.h"
#include "tcp_sim.h"

#define PORT      80u
#define FAKE_PORT 45000u /* a peer A's stack knows nothing of: injected by the test */
#define FAKE_ISN  0x11223344u
#define FAKE_MSS  1450u /* between two entries of the cookie's MSS table */
#define DATA_LEN  100u
#define EXPIRED   AXN_SEC(200) /* past the cookie's two 64 s periods */
#define SETTLE    AXN_MSEC(10)

static struct tcp_sim T;

static void cookies(int node, uint8_t mode)
{
    struct axn_tcp_settings s = tcp_sim_settings(&T, node);
    s.syncookies = mode;
    tcp_sim_set_settings(&T, node, &s);
}

static struct axn_snmp_tcp_ext ext_b(void)
{
    struct axn_snmp_tcp_ext e;
    tcp_sim_snmp(&T, TCP_SIM_NODE_B, NULL, &e);
    return e;
}

static void inject_syn(uint16_t sport)
{
    const struct axn_tcp syn = tcp_sim_seg(sport, PORT, FAKE_ISN, 0, AXN_TCP_SYN, FAKE_MSS);
    tcp_sim_inject(&T, TCP_SIM_NODE_B, TCP_SIM_A, TCP_SIM_B, &syn);
}

/* A SYN from the fake peer; returns B's SYN-ACK. */
static const struct tcp_seg *fake_syn(uint16_t sport)
{
    inject_syn(sport);
    return tcp_sim_expect(&T, TCP_SIM_NODE_B, AXN_TCP_SYN | AXN_TCP_ACK);
}

static void fake_ack(const struct tcp_seg *sa, uint32_t ack, const uint8_t *data, size_t len)
{
    struct axn_tcp a = tcp_sim_reply(sa, FAKE_ISN + 1, ack, AXN_TCP_ACK);
    a.payload = data;
    a.payload_len = len;
    tcp_sim_inject(&T, TCP_SIM_NODE_B, TCP_SIM_A, TCP_SIM_B, &a);
}

/* syncookies = 2: every SYN gets a cookie; the real client on A connects
 * through it, and both ends agree on what was negotiated. */
static void cookie_handshake_keeps_options(void **state)
{
    (void)state;
    cookies(TCP_SIM_NODE_B, AXN_TCP_SYNCOOKIES_ALWAYS);
    struct axn_socket *l = tcp_sim_keep(&T, tcp_sim_listen(&T, TCP_SIM_NODE_B, PORT, 4));
    struct axn_socket *c = tcp_sim_keep(&T, tcp_sim_connect(&T, TCP_SIM_NODE_A, TCP_SIM_B, PORT));
    struct tcp_sim_accept_wait w = {.l = l};
    assert_true(tcp_sim_run_until(&T, tcp_sim_accepted, &w, tcp_sim_now(&T) + AXN_SEC(1)));
    tcp_sim_keep(&T, w.got);
    const struct axn_snmp_tcp_ext e = ext_b();
    assert_int_equal(e.syncookies_sent, 1);
    assert_int_equal(e.syncookies_recv, 1);
    assert_int_equal(e.syncookies_failed, 0);
    assert_int_equal(tcp_sim_state(c), AXN_TCP_ESTABLISHED);
    assert_int_equal(tcp_sim_state(w.got), AXN_TCP_ESTABLISHED);
    /* What each end assumes of the other matches. */
    const uint16_t cport = tcp_sim_local_port(c);
    const struct axn_tcp_conn *ca = tcp_sim_conn(&T, TCP_SIM_NODE_A, cport, PORT);
    const struct axn_tcp_conn *cb = tcp_sim_conn(&T, TCP_SIM_NODE_B, PORT, cport);
    assert_non_null(ca);
    assert_non_null(cb);
    assert_int_equal(ca->opt.ts_ok, cb->opt.ts_ok);
    assert_int_equal(ca->opt.sack_ok, cb->opt.sack_ok);
    assert_int_equal(ca->opt.wscale_ok, cb->opt.wscale_ok);
    assert_int_equal(ca->opt.snd_wscale, cb->opt.rcv_wscale);
    assert_int_equal(ca->opt.rcv_wscale, cb->opt.snd_wscale);
    assert_int_equal(cb->iss + 1, cb->snd_una);
    print_message("cookie connection: ts %d sack %d wscale %d (%u/%u)\n", cb->opt.ts_ok,
                  cb->opt.sack_ok, cb->opt.wscale_ok, cb->opt.snd_wscale, cb->opt.rcv_wscale);
    /* Data both ways. */
    static uint8_t buf[8000];
    tcp_sim_pattern(buf, sizeof(buf), 0);
    assert_int_equal(axn_send(c, buf, sizeof(buf), AXN_MSG_DONTWAIT), (long)sizeof(buf));
    assert_int_equal(axn_send(w.got, buf, 1000, AXN_MSG_DONTWAIT), 1000);
    tcp_sim_run(&T, SETTLE);
    static uint8_t got[8000];
    assert_int_equal(tcp_sim_read(w.got, got, sizeof(got)), (long)sizeof(got));
    assert_true(tcp_sim_pattern_ok(got, sizeof(got), 0));
    assert_int_equal(tcp_sim_read(c, got, sizeof(got)), 1000);
    assert_true(tcp_sim_pattern_ok(got, 1000, 0));
}

/* The cookie's ACK carries data: kept (the connection is made, then the
 * segment runs through SYN-RECEIVED -> ESTABLISHED and the text step). */
static void cookie_ack_data_kept(void **state)
{
    (void)state;
    cookies(TCP_SIM_NODE_B, AXN_TCP_SYNCOOKIES_ALWAYS);
    struct axn_socket *l = tcp_sim_keep(&T, tcp_sim_listen(&T, TCP_SIM_NODE_B, PORT, 4));
    const struct tcp_seg *sa = fake_syn(FAKE_PORT);
    assert_int_equal(sa->ack, FAKE_ISN + 1);
    assert_true(sa->has_mss);
    assert_int_equal(tcp_sim_conns(&T, TCP_SIM_NODE_B), 1); /* only the listener: no state */
    uint8_t data[DATA_LEN];
    tcp_sim_pattern(data, sizeof(data), 0);
    fake_ack(sa, sa->seq + 1, data, sizeof(data));
    int err = 0;
    struct axn_socket *s = tcp_sim_accept(l, &err);
    assert_non_null(s);
    tcp_sim_keep(&T, s);
    uint8_t got[DATA_LEN * 2];
    assert_int_equal(tcp_sim_read(s, got, sizeof(got)), DATA_LEN);
    assert_true(tcp_sim_pattern_ok(got, DATA_LEN, 0));
    const struct axn_tcp_conn *cb = tcp_sim_conn(&T, TCP_SIM_NODE_B, PORT, FAKE_PORT);
    assert_non_null(cb);
    /* MSS from the cookie's table: the largest entry not above 1450. */
    assert_int_equal(cb->opt.peer_mss, 1440);
    assert_int_equal(ext_b().syncookies_recv, 1);
}

/* A forged cookie: SyncookiesFailed, and the RST a listener answers any
 * stray ACK with (Linux: cookie_v4_check hands it back to the listener). */
static void forged_cookie_fails_with_rst(void **state)
{
    (void)state;
    cookies(TCP_SIM_NODE_B, AXN_TCP_SYNCOOKIES_ALWAYS);
    tcp_sim_keep(&T, tcp_sim_listen(&T, TCP_SIM_NODE_B, PORT, 4));
    const struct tcp_seg *sa = fake_syn(FAKE_PORT);
    const uint32_t bad = (sa->seq ^ 0x00100000u) + 1;
    fake_ack(sa, bad, NULL, 0);
    const struct tcp_seg *rst = tcp_sim_expect(&T, TCP_SIM_NODE_B, AXN_TCP_RST);
    assert_int_equal(rst->seq, bad);
    assert_int_equal(ext_b().syncookies_failed, 1);
    assert_int_equal(ext_b().syncookies_recv, 0);
    assert_int_equal(tcp_sim_conns(&T, TCP_SIM_NODE_B), 1);
}

static void expired_cookie_fails(void **state)
{
    (void)state;
    cookies(TCP_SIM_NODE_B, AXN_TCP_SYNCOOKIES_ALWAYS);
    tcp_sim_keep(&T, tcp_sim_listen(&T, TCP_SIM_NODE_B, PORT, 4));
    const struct tcp_seg *sa = fake_syn(FAKE_PORT);
    const uint32_t cookie = sa->seq;
    const struct axn_tcp ack = tcp_sim_reply(sa, FAKE_ISN + 1, cookie + 1, AXN_TCP_ACK);
    tcp_sim_run(&T, EXPIRED);
    tcp_sim_inject(&T, TCP_SIM_NODE_B, TCP_SIM_A, TCP_SIM_B, &ack);
    assert_int_equal(ext_b().syncookies_failed, 1);
    assert_int_equal(tcp_sim_conns(&T, TCP_SIM_NODE_B), 1);
}

/* A stray ACK when no cookie went recently (syncookies = 1): no cookie
 * check at all, just the RST (Linux tcp_synq_no_recent_overflow). */
static void no_recent_cookie_no_check(void **state)
{
    (void)state;
    tcp_sim_keep(&T, tcp_sim_listen(&T, TCP_SIM_NODE_B, PORT, 4));
    struct axn_tcp a;
    memset(&a, 0, sizeof(a));
    a.src_port = FAKE_PORT;
    a.dst_port = PORT;
    a.seq = FAKE_ISN;
    a.ack = 12345;
    a.flags = AXN_TCP_ACK;
    a.window = 1000;
    tcp_sim_inject(&T, TCP_SIM_NODE_B, TCP_SIM_A, TCP_SIM_B, &a);
    assert_int_equal(tcp_sim_expect(&T, TCP_SIM_NODE_B, AXN_TCP_RST)->seq, 12345);
    assert_int_equal(ext_b().syncookies_failed, 0);
}

/* backlog 1: the SYN queue holds min(1, tcp_max_syn_backlog) + 1 = 2
 * half-open children; the third SYN is dropped without cookies. */
static void full_syn_queue_drops_without_cookies(void **state)
{
    (void)state;
    cookies(TCP_SIM_NODE_B, AXN_TCP_SYNCOOKIES_OFF);
    tcp_sim_keep(&T, tcp_sim_listen(&T, TCP_SIM_NODE_B, PORT, 1));
    (void)fake_syn(FAKE_PORT);
    (void)fake_syn(FAKE_PORT + 1);
    inject_syn(FAKE_PORT + 2);
    assert_null(tcp_sim_next(&T, TCP_SIM_NODE_B, AXN_TCP_SYN | AXN_TCP_ACK));
    const struct axn_snmp_tcp_ext e = ext_b();
    assert_int_equal(e.req_q_full_drop, 1);
    assert_int_equal(e.listen_drops, 1);
    assert_int_equal(e.syncookies_sent, 0);
    /* Two request entries, no connection: only the listener. */
    assert_int_equal(tcp_sim_conns(&T, TCP_SIM_NODE_B), 1);
}

/* The same with syncookies = 1 (the default): a cookie instead, no state. */
static void full_syn_queue_answers_with_cookie(void **state)
{
    (void)state;
    tcp_sim_keep(&T, tcp_sim_listen(&T, TCP_SIM_NODE_B, PORT, 1));
    (void)fake_syn(FAKE_PORT);
    (void)fake_syn(FAKE_PORT + 1);
    const struct tcp_seg *sa = fake_syn(FAKE_PORT + 2);
    const struct axn_snmp_tcp_ext e = ext_b();
    assert_int_equal(e.req_q_full_do_cookies, 1);
    assert_int_equal(e.syncookies_sent, 1);
    assert_int_equal(e.listen_drops, 0);
    assert_int_equal(tcp_sim_conns(&T, TCP_SIM_NODE_B), 1);
    /* Its ACK makes the connection (a cookie went recently). */
    fake_ack(sa, sa->seq + 1, NULL, 0);
    assert_int_equal(ext_b().syncookies_recv, 1);
    const struct axn_tcp_conn *cb = tcp_sim_conn(&T, TCP_SIM_NODE_B, PORT, FAKE_PORT + 2);
    assert_non_null(cb);
    assert_int_equal(cb->state, AXN_TCP_ESTABLISHED);
}

/* backlog 0: the accept queue holds one; a cookie's ACK arriving when it
 * is full is dropped (ListenOverflows), no RST, no connection. */
static void full_accept_queue_drops_cookie_ack(void **state)
{
    (void)state;
    cookies(TCP_SIM_NODE_B, AXN_TCP_SYNCOOKIES_ALWAYS);
    struct axn_socket *l = tcp_sim_keep(&T, tcp_sim_listen(&T, TCP_SIM_NODE_B, PORT, 0));
    (void)l;
    const struct tcp_seg *sa = fake_syn(FAKE_PORT);
    const struct axn_tcp ack = tcp_sim_reply(sa, FAKE_ISN + 1, sa->seq + 1, AXN_TCP_ACK);
    /* Another fake peer fills the accept queue through its own cookie. */
    const struct tcp_seg *sa2 = fake_syn(FAKE_PORT + 1);
    fake_ack(sa2, sa2->seq + 1, NULL, 0);
    const size_t mark = T.n_seg;
    tcp_sim_inject(&T, TCP_SIM_NODE_B, TCP_SIM_A, TCP_SIM_B, &ack);
    const struct axn_snmp_tcp_ext e = ext_b();
    assert_int_equal(e.syncookies_recv, 2);
    assert_int_equal(e.listen_overflows, 1);
    assert_null(tcp_sim_conn(&T, TCP_SIM_NODE_B, PORT, FAKE_PORT));
    assert_int_equal(tcp_sim_count_rst(&T, TCP_SIM_NODE_B, mark), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TCP_SIM_TEST(cookie_handshake_keeps_options, &T),
        TCP_SIM_TEST(cookie_ack_data_kept, &T),
        TCP_SIM_TEST(forged_cookie_fails_with_rst, &T),
        TCP_SIM_TEST(expired_cookie_fails, &T),
        TCP_SIM_TEST(no_recent_cookie_no_check, &T),
        TCP_SIM_TEST(full_syn_queue_drops_without_cookies, &T),
        TCP_SIM_TEST(full_syn_queue_answers_with_cookie, &T),
        TCP_SIM_TEST(full_accept_queue_drops_cookie_ack, &T),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
