/*
 * RTT samples from timestamps (RFC 7323 4.1, RFC 6298 3) between two
 * whole stacks on the simulated wire (tcp_sim.h): after the handshake
 * the path's delay grows (0.1 ms -> 40 ms round trip), the first data
 * segment is lost and the RTO resends it. With timestamps, the ACK of
 * the retransmission echoes the retransmission's own TSval, so it gives
 * a valid sample and SRTT moves toward the new round trip; without them
 * Karn's rule (RFC 6298 3) forbids a sample from retransmitted data and
 * SRTT keeps the handshake's figure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "axnet/hosted/sim_wire.h"
#include "axnet/socket.h"
#include "axnet/tcp.h"
#include "tcp/tcp.h"
#include "tcp/tcp_conn.h"
#include "tcp_sim.h"
#include "test_platform.h"

#define A         TCP_SIM_NODE_A
#define PORT      7100u
#define DATA_ACK  AXN_TCP_ACK /* PSH is ignored in matches */
#define MSG       100u
#define SLOW_HOP  AXN_MSEC(20) /* one way: a 40 ms round trip */
#define RUN_SPAN  AXN_SEC(5)   /* past the RTO (>= 200 ms) and its ACK */
#define SRTT_FAST AXN_MSEC(1)  /* the handshake's SRTT is below this */
/* After one 40 ms sample SRTT = 7/8 old + 1/8 * 40 ms = 5 ms and more. */
#define SRTT_MOVED AXN_MSEC(4)

static struct tcp_sim T;

static void set_timestamps(int node, bool on)
{
    struct axn_tcp_settings s = tcp_sim_settings(&T, node);
    s.timestamps = on;
    tcp_sim_set_settings(&T, node, &s);
}

/* SRTT of the client after its lost-and-resent segment was acknowledged. */
static axn_time_t srtt_after_retransmission(bool ts)
{
    struct axn_socket *l, *c, *s;
    uint8_t buf[MSG];

    tcp_sim_create(&T);
    set_timestamps(A, ts);
    set_timestamps(TCP_SIM_NODE_B, ts);
    tcp_sim_pair(&T, PORT, &l, &c, &s);
    const struct axn_tcp_conn *k = tcp_sim_conn(&T, A, tcp_sim_local_port(c), PORT);
    assert_non_null(k);
    assert_int_equal(k->opt.ts_ok, ts);
    assert_true(k->srtt != 0 && k->srtt < SRTT_FAST);

    const struct axn_sim_impairments slow = {.delay = SLOW_HOP};
    assert_int_equal(axn_sim_wire_set_impairments(T.sim.wire, &slow), 0);
    tcp_sim_drop(&T, A, DATA_ACK, 1);
    tcp_sim_pattern(buf, MSG, 0);
    assert_int_equal(axn_send(c, buf, MSG, AXN_MSG_DONTWAIT), MSG);
    tcp_sim_run(&T, RUN_SPAN);
    assert_int_equal(tcp_sim_read(s, buf, MSG), MSG);
    assert_true(tcp_sim_pattern_ok(buf, MSG, 0));
    assert_int_equal(k->snd_una, k->snd_max); /* the resent byte was acknowledged */
    assert_true(k->layer->stats.retrans_segs > 0);
    const axn_time_t srtt = k->srtt;

    assert_int_equal(axn_close(c), 0);
    assert_int_equal(axn_close(s), 0);
    assert_int_equal(axn_close(l), 0);
    tcp_sim_destroy(&T);
    return srtt;
}

static void ts_sample_after_retransmission(void **state)
{
    (void)state;
    assert_true(srtt_after_retransmission(true) >= SRTT_MOVED);
}

static void karn_no_sample_without_ts(void **state)
{
    (void)state;
    assert_true(srtt_after_retransmission(false) < SRTT_FAST);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ts_sample_after_retransmission),
        cmocka_unit_test(karn_no_sample_without_ts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
