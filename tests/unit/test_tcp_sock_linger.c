/*
 * SO_LINGER with a time (socket(7)): close() waits until the FIN is
 * acknowledged or the linger time passed (Linux tcp_close ->
 * sk_stream_wait_close), even on a non-blocking socket (Linux
 * inet_release ignores O_NONBLOCK), then returns 0.
 *
 * Waiting needs a port that blocks: one stack on the POSIX port, its
 * loopback interface, real time (bounded: at most LINGER_SHORT_S of it).
 * In virtual time (tcp_sim, a port that never sleeps) close cannot wait:
 * it returns at once and the FIN handshake goes on in the orphan.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "axnet/errno.h"
#include "axnet/socket.h"
#include "sim_stacks.h"
#include "tcp_loop.h"
#include "tcp_sim.h"

#define PORT_LO        9191u
#define PORT_SIM       7000u
#define BACKLOG        4
#define LINGER_LONG_S  15   /* never reached when the FIN is acknowledged */
#define LINGER_SHORT_S 1    /* the silent peer's wait */
#define EARLY_MS       5000 /* "well before LINGER_LONG_S" */
#define LATE_MS        5000 /* "not much after LINGER_SHORT_S" */
#define MS_PER_S       1000
#define NS_PER_MS      1000000L
#define MSG_LEN        1000u
#define FLOOD_LEN      (512u * 1024u) /* more than both rings hold */
#define SMALL_RCVBUF   2048
#define SIM_SETTLE     AXN_MSEC(50)
#define SIM_FIN_SPAN   AXN_SEC(1)

static struct {
    struct tcp_loop loop;
    uint8_t out[FLOOD_LEN];
    uint8_t in[MSG_LEN];
} P;

static struct tcp_sim T;

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * MS_PER_S + ts.tv_nsec / NS_PER_MS;
}

/* close(s), which must return 0: how long it took, in ms. */
static long timed_close(struct axn_socket *s)
{
    const long t0 = now_ms();
    assert_int_equal(axn_close(s), 0);
    return now_ms() - t0;
}

static void set_linger(struct axn_socket *s, int secs)
{
    const struct axn_linger lg = {.l_onoff = 1, .l_linger = secs};
    assert_int_equal(axn_setsockopt(s, AXN_SOL_SOCKET, AXN_SO_LINGER, &lg, sizeof(lg)), 0);
}

/* A listener on loopback (*lst), a connected client (*cli) and the
 * accepted server socket (*srv), all blocking. */
static void loop_pair(struct axn_socket **lst, struct axn_socket **cli, struct axn_socket **srv,
                      int lst_rcvbuf)
{
    *lst = tcp_loop_socket(&P.loop);
    if (lst_rcvbuf > 0)
        assert_int_equal(
            axn_setsockopt(*lst, AXN_SOL_SOCKET, AXN_SO_RCVBUF, &lst_rcvbuf, sizeof(lst_rcvbuf)),
            0);
    const struct axn_sockaddr_in sin = sim_sin4(TCP_LOOP_ADDR, PORT_LO);
    assert_int_equal(axn_bind(*lst, (const struct axn_sockaddr *)&sin, sizeof(sin)), 0);
    assert_int_equal(axn_listen(*lst, BACKLOG), 0);
    *cli = tcp_loop_socket(&P.loop);
    assert_int_equal(axn_connect(*cli, (const struct axn_sockaddr *)&sin, sizeof(sin)), 0);
    assert_int_equal(axn_accept(*lst, NULL, NULL, 0, srv), 0);
}

/* Active close: the peer acknowledges the FIN at once, so close returns
 * long before the linger time, and everything sent arrived. The data is
 * read first, so the last ACK acknowledges the FIN alone. */
static void tcp_linger_close_returns_when_fin_acked(void **state)
{
    (void)state;
    struct axn_socket *lst, *cli, *srv;
    loop_pair(&lst, &cli, &srv, 0);
    memset(P.out, 'a', MSG_LEN);
    assert_int_equal(axn_send(cli, P.out, MSG_LEN, 0), MSG_LEN);
    assert_int_equal(axn_recv(srv, P.in, MSG_LEN, AXN_MSG_WAITALL), MSG_LEN);
    assert_memory_equal(P.in, P.out, MSG_LEN);
    set_linger(cli, LINGER_LONG_S);
    const long took = timed_close(cli);
    assert_int_equal(axn_recv(srv, P.in, MSG_LEN, 0), 0);
    axn_close(srv);
    axn_close(lst);
    assert_true(took < EARLY_MS);
}

/* Passive close (CLOSE-WAIT -> LAST-ACK): close returns once the peer
 * acknowledged the FIN (the connection is then done). */
static void tcp_linger_passive_close_returns_when_fin_acked(void **state)
{
    (void)state;
    struct axn_socket *lst, *cli, *srv;
    loop_pair(&lst, &cli, &srv, 0);
    assert_int_equal(axn_shutdown(cli, AXN_SHUT_WR), 0);
    assert_int_equal(axn_recv(srv, P.in, MSG_LEN, 0), 0); /* CLOSE-WAIT */
    memset(P.out, 'b', MSG_LEN);
    assert_int_equal(axn_send(srv, P.out, MSG_LEN, 0), MSG_LEN);
    set_linger(srv, LINGER_LONG_S);
    const long took = timed_close(srv);
    assert_int_equal(axn_recv(cli, P.in, MSG_LEN, AXN_MSG_WAITALL), MSG_LEN);
    assert_memory_equal(P.in, P.out, MSG_LEN);
    assert_int_equal(axn_recv(cli, P.in, MSG_LEN, 0), 0);
    axn_close(cli);
    axn_close(lst);
    assert_true(took < EARLY_MS);
}

/* The peer never reads and its window is closed, so the FIN cannot even
 * leave: close waits the whole linger time, although the socket is
 * non-blocking (Linux inet_release), and still returns 0. */
static void tcp_linger_silent_peer_waits_linger_time(void **state)
{
    (void)state;
    struct axn_socket *lst, *cli, *srv;
    loop_pair(&lst, &cli, &srv, SMALL_RCVBUF);
    assert_int_equal(axn_socket_set_nonblock(cli, true), 0);
    const long queued = axn_send(cli, P.out, FLOOD_LEN, 0);
    assert_true(queued > 0 && queued < (long)FLOOD_LEN);
    set_linger(cli, LINGER_SHORT_S);
    const long took = timed_close(cli);
    axn_close(srv);
    axn_close(lst);
    assert_true(took >= LINGER_SHORT_S * MS_PER_S);
    assert_true(took < LINGER_SHORT_S * MS_PER_S + LATE_MS);
}

/* Virtual time: the port cannot sleep, so close returns at once; the
 * linger op already queued the FIN, and the orphan finishes the close
 * (the peer reads end of file). */
static void tcp_linger_virtual_time_close_does_not_block(void **state)
{
    struct tcp_sim *t = *state;
    struct axn_socket *cli, *srv;
    tcp_sim_pair_kept(t, PORT_SIM, &cli, &srv);
    const struct axn_linger lg = {.l_onoff = 1, .l_linger = LINGER_LONG_S};
    assert_int_equal(axn_setsockopt(cli, AXN_SOL_SOCKET, AXN_SO_LINGER, &lg, sizeof(lg)), 0);
    tcp_sim_clear(t);
    tcp_sim_close_kept(t, cli);
    assert_non_null(tcp_sim_run_to_seg(t, TCP_SIM_NODE_A, AXN_TCP_FIN | AXN_TCP_ACK, SIM_FIN_SPAN));
    tcp_sim_run(t, SIM_SETTLE);
    uint8_t b;
    assert_int_equal(tcp_sim_read(srv, &b, sizeof(b)), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TCP_LOOP_TEST(tcp_linger_close_returns_when_fin_acked, &P.loop),
        TCP_LOOP_TEST(tcp_linger_passive_close_returns_when_fin_acked, &P.loop),
        TCP_LOOP_TEST(tcp_linger_silent_peer_waits_linger_time, &P.loop),
        TCP_SIM_TEST(tcp_linger_virtual_time_close_does_not_block, &T),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
