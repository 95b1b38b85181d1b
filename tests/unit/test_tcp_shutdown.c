/*
 * shutdown, abort and the wake-ups of the closing states, as Linux, between
 * two whole stacks on the simulated wire (tcp_sim.h): data arriving after
 * SHUT_RD is still queued and returned in ESTABLISHED (tcp_recvmsg checks
 * RCV_SHUTDOWN only with nothing queued) but resets in FIN-WAIT-1/2
 * (tcp_rcv_state_process, TCPAbortOnData); close with unread data resets in
 * LAST-ACK too, SO_LINGER 0 there only with something unsent
 * (tcp_disconnect); the ACK of our FIN (FIN-WAIT-2) and TIME-WAIT wake the
 * socket's waiters (sk_state_change).
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

#define A        TCP_SIM_NODE_A
#define B        TCP_SIM_NODE_B
#define PORT     80u
#define SETTLE   AXN_MSEC(10)
#define SMALL    100u
#define WRITABLE (AXN_POLLOUT | AXN_POLLWRNORM)

static struct tcp_sim T;

static void pair(struct axn_socket **c, struct axn_socket **s)
{
    tcp_sim_pair_fresh(&T, PORT, c, s);
}

static void shut(struct axn_socket *s, int how)
{
    assert_int_equal(axn_shutdown(s, how), 0);
    sim_stacks_poll_all(&T.sim);
}

static void send_small(struct axn_socket *s, uint8_t *out)
{
    tcp_sim_pattern(out, SMALL, 0);
    assert_int_equal(axn_send(s, out, SMALL, AXN_MSG_DONTWAIT), (long)SMALL);
}

/* ---- SHUT_RD -------------------------------------------------------------------- */

/* ESTABLISHED after SHUT_RD: later data is queued and acknowledged as
 * usual, recv returns it, then 0 once the queue is empty. */
static void shut_rd_data_still_readable(void **state)
{
    (void)state;
    struct axn_socket *c, *s;
    pair(&c, &s);
    shut(s, AXN_SHUT_RD);
    uint8_t out[SMALL], in[SMALL];
    send_small(c, out);
    tcp_sim_run(&T, SETTLE);
    assert_int_equal(tcp_sim_read(s, in, sizeof(in)), (long)SMALL);
    assert_memory_equal(in, out, SMALL);
    assert_int_equal(tcp_sim_read(s, in, sizeof(in)), 0);
    assert_int_equal(tcp_sim_count_rst(&T, TCP_SIM_ANY, 0), 0);
    assert_int_equal(tcp_sim_state(s), AXN_TCP_ESTABLISHED);
}

/* FIN-WAIT-2 with reading shut: new data gets a RST, TCPAbortOnData,
 * and the socket's error is ECONNRESET (Linux tcp_reset). */
static void shut_rdwr_then_data_resets(void **state)
{
    (void)state;
    struct axn_socket *c, *s;
    pair(&c, &s);
    shut(s, AXN_SHUT_RDWR);
    tcp_sim_run(&T, SETTLE);
    assert_int_equal(tcp_sim_state(s), AXN_TCP_FIN_WAIT2);
    const size_t mark = T.n_seg;
    uint8_t out[SMALL], in[SMALL];
    send_small(c, out);
    tcp_sim_run(&T, SETTLE);
    assert_int_equal(tcp_sim_count_rst(&T, B, mark), 1);
    struct axn_snmp_tcp_ext eb;
    tcp_sim_snmp(&T, B, NULL, &eb);
    assert_int_equal(eb.abort_on_data, 1);
    assert_int_equal(tcp_sim_so_error(s), AXN_ECONNRESET);
    assert_int_equal(tcp_sim_state(s), AXN_TCP_CLOSED);
    /* A had B's FIN (CLOSE-WAIT): the RST ends it, recv still says 0. */
    assert_int_equal(tcp_sim_read(c, in, sizeof(in)), 0);
    assert_int_equal(tcp_sim_state(c), AXN_TCP_CLOSED);
}

/* ---- Abort in LAST-ACK ------------------------------------------------------------ */

/* B in LAST-ACK (with A's data unread if asked), its FIN not yet
 * acknowledged because A went silent. */
static void to_last_ack(struct axn_socket **c, struct axn_socket **s, bool with_unread)
{
    uint8_t out[SMALL];
    pair(c, s);
    if (with_unread)
        send_small(*c, out);
    shut(*c, AXN_SHUT_WR);
    tcp_sim_run(&T, SETTLE);
    tcp_sim_silence(&T, A, true);
    shut(*s, AXN_SHUT_WR);
    tcp_sim_run(&T, SETTLE);
    assert_int_equal(tcp_sim_state(*s), AXN_TCP_LAST_ACK);
}

/* Linux tcp_close: unread data means a RST whatever the state (RFC 2525
 * 2.17), LAST-ACK included. */
static void close_unread_in_last_ack_resets(void **state)
{
    (void)state;
    struct axn_socket *c, *s;
    to_last_ack(&c, &s, true);
    const size_t mark = T.n_seg;
    tcp_sim_close_kept(&T, s);
    tcp_sim_run(&T, SETTLE);
    assert_int_equal(tcp_sim_count_rst(&T, B, mark), 1);
    tcp_sim_silence(&T, A, false);
}

/* Linux tcp_disconnect (SO_LINGER 0) in LAST-ACK with nothing unsent: no
 * RST (tcp_need_reset does not list LAST-ACK). */
static void linger_zero_in_last_ack_all_sent_is_quiet(void **state)
{
    (void)state;
    struct axn_socket *c, *s;
    to_last_ack(&c, &s, false);
    const struct axn_linger lg = {.l_onoff = 1, .l_linger = 0};
    assert_int_equal(axn_setsockopt(s, AXN_SOL_SOCKET, AXN_SO_LINGER, &lg, sizeof(lg)), 0);
    const size_t mark = T.n_seg;
    tcp_sim_close_kept(&T, s);
    tcp_sim_run(&T, SETTLE);
    assert_int_equal(tcp_sim_count_rst(&T, B, mark), 0);
    tcp_sim_silence(&T, A, false);
}

/* ---- Wake-ups ------------------------------------------------------------------------- */

struct wake_log {
    unsigned events;
    unsigned calls;
};

static void log_wake(void *ctx, unsigned events)
{
    struct wake_log *w = ctx;
    w->events |= events;
    w->calls++;
}

/* Our FIN's ACK (FIN-WAIT-2) wakes a writer at once (a SO_LINGER close
 * waits for exactly that), TIME-WAIT wakes it hung up. */
static void fin_acked_and_time_wait_wake(void **state)
{
    (void)state;
    struct axn_socket *c, *s;
    pair(&c, &s);
    static struct axn_waker w; /* outlives a failed assertion: teardown closes */
    static struct wake_log log;
    log = (struct wake_log){0};
    w = (struct axn_waker){.wake = log_wake, .ctx = &log, .interest = WRITABLE};
    (void)axn_socket_add_waker(c, &w);
    shut(c, AXN_SHUT_WR);
    assert_int_equal(tcp_sim_state(c), AXN_TCP_FIN_WAIT1);
    log = (struct wake_log){0};
    tcp_sim_run(&T, SETTLE);
    assert_int_equal(tcp_sim_state(c), AXN_TCP_FIN_WAIT2);
    assert_true(log.calls > 0);
    assert_int_equal(log.events & WRITABLE, WRITABLE);
    log = (struct wake_log){0};
    shut(s, AXN_SHUT_WR);
    tcp_sim_run(&T, SETTLE);
    assert_true(log.calls > 0);
    assert_true(log.events & AXN_POLLHUP);
    axn_socket_remove_waker(c, &w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TCP_SIM_TEST(shut_rd_data_still_readable, &T),
        TCP_SIM_TEST(shut_rdwr_then_data_resets, &T),
        TCP_SIM_TEST(close_unread_in_last_ack_resets, &T),
        TCP_SIM_TEST(linger_zero_in_last_ack_all_sent_is_quiet, &T),
        TCP_SIM_TEST(fin_acked_and_time_wait_wake, &T),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
