/*
 * SO_SNDBUF / SO_RCVBUF on an established connection (src/tcp/
 * tcp_sock_buf.c): Linux applies them at any time. A larger value grows
 * the ring (queued, in-flight and out-of-order bytes kept where they
 * are), the advertised window grows with it; a smaller one limits what a
 * send queues. Two stacks on the simulated wire, virtual time, every byte
 * of the pattern checked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "axnet/errno.h"
#include "axnet/socket.h"
#include "tcp/tcp.h"
#include "tcp_sim.h"

#define A          TCP_SIM_NODE_A
#define B          TCP_SIM_NODE_B
#define PORT       7100u
#define SETTLE     AXN_MSEC(50)
#define STEP       AXN_MSEC(20)
#define MAX_STEPS  2000u
#define TOTAL      (200u * 1024u)
#define CHUNK      (64u * 1024u)
#define MAX_SOCKS  3u
#define SMALL_RCV  2048   /* SO_RCVBUF asked: a 4096-byte ring (Linux doubles) */
#define SMALL_RING 4096u  /* what it gives */
#define BIG_RCV    16384  /* a 32768-byte ring */
#define BIG_WINDOW 16384u /* at least this much offered after growing */
#define SMALL_SND  4608   /* SO_SNDBUF asked: 9216 bytes (SOCK_MIN_SNDBUF doubled) */
#define SMALL_SNDQ 9216
#define BIG_SND    65536 /* a 131072-byte ring */
#define DATA_FLAGS AXN_TCP_ACK
#define HEAD_MOVE  3000u /* read before growing: the rings' heads move */

static struct tcp_sim T;
static struct axn_socket *S[MAX_SOCKS];
static uint8_t OUT[CHUNK];
static uint8_t IN[CHUNK];

static void setbuf_int(struct axn_socket *s, int name, int v)
{
    assert_int_equal(axn_setsockopt(s, AXN_SOL_SOCKET, name, &v, sizeof(v)), 0);
}

/* Listener on B with a small SO_RCVBUF (its child inherits it), a client
 * on A with `sndbuf` (0: default) set before connecting: S[0] listener,
 * S[1] client, S[2] accepted. */
static void small_pair(int sndbuf)
{
    S[0] = tcp_sim_keep(&T, tcp_sim_listen(&T, B, PORT, TCP_SIM_BACKLOG));
    setbuf_int(S[0], AXN_SO_RCVBUF, SMALL_RCV);
    S[1] = tcp_sim_keep(&T, tcp_sim_socket(&T, A));
    if (sndbuf)
        setbuf_int(S[1], AXN_SO_SNDBUF, sndbuf);
    const struct axn_sockaddr_in sin = sim_sin4(TCP_SIM_B, PORT);
    assert_int_equal(axn_connect(S[1], (const struct axn_sockaddr *)&sin, sizeof(sin)),
                     -AXN_EINPROGRESS);
    tcp_sim_run(&T, SETTLE);
    S[2] = tcp_sim_accept(S[0], NULL);
    assert_non_null(S[2]);
    tcp_sim_keep(&T, S[2]);
}

/* The largest window B advertised in segments recorded from `since`, in
 * bytes (RFC 7323 2.2: scaled unless a SYN). */
static uint32_t max_window_from_b(size_t since)
{
    const struct axn_tcp_conn *k = tcp_sim_conn(&T, B, PORT, tcp_sim_local_port(S[1]));
    assert_non_null(k);
    const uint32_t shift = k->opt.wscale_ok ? k->opt.rcv_wscale : 0u;
    uint32_t w = 0;
    for (size_t i = since; i < T.n_seg; i++) {
        const struct tcp_seg *g = &T.seg[i];
        const uint32_t bytes = (uint32_t)g->window << (g->flags & AXN_TCP_SYN ? 0u : shift);
        if (g->from == B && bytes > w)
            w = bytes;
    }
    return w;
}

/* Sends the pattern from stream offset *sent on (up to TOTAL). */
static void send_more(uint64_t *sent)
{
    const size_t n = TOTAL - *sent < CHUNK ? (size_t)(TOTAL - *sent) : CHUNK;
    if (n == 0)
        return;
    tcp_sim_pattern(OUT, n, *sent);
    const long got = axn_send(S[1], OUT, n, AXN_MSG_DONTWAIT);
    if (got > 0)
        *sent += (uint64_t)got;
    else
        assert_int_equal(got, -AXN_EAGAIN);
}

/* Reads what is there, checking it is the pattern at offset *rcvd. */
static void read_check(uint64_t *rcvd)
{
    const long got = tcp_sim_read(S[2], IN, sizeof(IN));
    if (got == -AXN_EAGAIN)
        return;
    assert_true(got > 0);
    assert_true(tcp_sim_pattern_ok(IN, (size_t)got, *rcvd));
    *rcvd += (uint64_t)got;
}

static void transfer_rest(uint64_t *sent, uint64_t *rcvd)
{
    for (unsigned i = 0; i < MAX_STEPS && *rcvd < TOTAL; i++) {
        send_more(sent);
        tcp_sim_run(&T, STEP);
        read_check(rcvd);
    }
    assert_int_equal(*rcvd, TOTAL);
}

/* Both rings grow mid-connection, their heads moved and their data
 * wrapping, while the receive ring holds out-of-order data (the first
 * data segment dropped) and the send ring holds
 * in-flight bytes: the retransmission fills the gap, every byte arrives
 * in order, and B offers the larger window. */
static void tcp_sock_buf_grow_both_mid_connection(void **state)
{
    (void)state;
    small_pair(SMALL_SND);
    /* First move both rings' heads, so what follows wraps around. */
    uint64_t sent = 0, rcvd = 0;
    tcp_sim_pattern(OUT, HEAD_MOVE, 0);
    assert_int_equal(axn_send(S[1], OUT, HEAD_MOVE, AXN_MSG_DONTWAIT), HEAD_MOVE);
    sent = HEAD_MOVE;
    tcp_sim_run(&T, SETTLE);
    read_check(&rcvd);
    assert_int_equal(rcvd, HEAD_MOVE);
    tcp_sim_run(&T, SETTLE);
    tcp_sim_clear(&T);
    tcp_sim_drop_nth(&T, A, DATA_FLAGS, 0, 1);
    send_more(&sent);
    assert_int_equal(sent, HEAD_MOVE + SMALL_SNDQ);
    tcp_sim_run(&T, SETTLE); /* before the RTO: B holds the rest out of order */
    assert_true(max_window_from_b(0) <= SMALL_RING);
    const size_t before = T.n_seg;
    setbuf_int(S[2], AXN_SO_RCVBUF, BIG_RCV);
    setbuf_int(S[1], AXN_SO_SNDBUF, BIG_SND);
    send_more(&sent);
    assert_true(sent > HEAD_MOVE + SMALL_SNDQ);
    transfer_rest(&sent, &rcvd);
    assert_true(max_window_from_b(before) >= BIG_WINDOW);
}

/* A smaller SO_SNDBUF after the ring exists limits what a send queues
 * (SIOCOUTQ), the ring keeps its memory, and the data still flows. */
static void tcp_sock_buf_smaller_sndbuf_limits_queue(void **state)
{
    (void)state;
    small_pair(0);
    setbuf_int(S[2], AXN_SO_RCVBUF, BIG_RCV);
    setbuf_int(S[1], AXN_SO_SNDBUF, SMALL_SND);
    uint64_t sent = 0, rcvd = 0;
    send_more(&sent);
    assert_int_equal(sent, SMALL_SNDQ);
    int outq = -1;
    assert_int_equal(axn_ioctl(S[1], AXN_SIOCOUTQ, &outq), 0);
    assert_int_equal(outq, SMALL_SNDQ);
    assert_int_equal(axn_send(S[1], OUT, 1, AXN_MSG_DONTWAIT), -AXN_EAGAIN);
    transfer_rest(&sent, &rcvd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TCP_SIM_TEST(tcp_sock_buf_grow_both_mid_connection, &T),
        TCP_SIM_TEST(tcp_sock_buf_smaller_sndbuf_limits_queue, &T),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
