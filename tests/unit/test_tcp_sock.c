/*
 * TCP sockets at the socket API (src/tcp/tcp_sock*.c, tcp_opt.c,
 * tcp_info.c, tcp_table.c; spec §7): two whole stacks on the simulated
 * wire in virtual time, every socket non-blocking (nothing may sleep).
 * Asserts Linux's answers: poll masks state by state, bind arbitration
 * (EADDRINUSE, SO_REUSEADDR, SO_REUSEPORT groups, EINVAL twice, unusable
 * address), listen/accept/connect with EINPROGRESS, EALREADY, EISCONN,
 * SO_ERROR read-and-clear, ECONNREFUSED and a retry that succeeds, EPIPE
 * after SHUT_WR, 0 after SHUT_RD, option defaults and validation errnos,
 * TCP_INFO size and values, FIONREAD/SIOCOUTQ, close with unread data
 * (RST: ECONNRESET at the peer), and the /proc text rows.
 * Segment-level behaviour is test_tcp_proto.c's and its neighbours'.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "axnet/errno.h"
#include "axnet/snmp.h"
#include "axnet/socket.h"
#include "sim_stacks.h"
#include "tcp_loop.h"
#include "test_platform.h"

#define A_ADDR     AXN_IP4(192, 0, 2, 10)
#define B_ADDR     AXN_IP4(192, 0, 2, 20)
#define NOT_OURS   AXN_IP4(192, 0, 2, 99)
#define PREFIX_24  24u
#define T0         AXN_SEC(1)
#define WIRE_DELAY 50u
#define SETTLE     AXN_MSEC(50)
#define N_NODES    2u
#define MAX_SOCKS  8u
#define NODE_A     0u
#define NODE_B     1u
#define PORT_SRV   8080u
#define PORT_OTHER 8081u
#define BACKLOG    4
#define MSG_LEN    100u
#define TEXT_MAX   4096u
#define PATTERN    7u

/* Linux defaults (tcp(7), include/net/tcp.h). */
#define RCVBUF_DEFAULT 131072
#define SNDBUF_DEFAULT 16384
#define MSS_DEFAULT    536
#define KEEPIDLE_DFLT  7200
#define KEEPINTVL_DFLT 75
#define KEEPCNT_DFLT   9
#define SYNCNT_DFLT    6
#define LINGER2_DFLT   60
#define TCP_INFO_LEN   248u
#define INFO_WSCALE    7u
#define STATE_ESTAB    1 /* TCP_ESTABLISHED */
#define STATE_LISTEN   10
#define STATE_CLOSE    7
#define MIN_USER_MSS   88
#define MAX_KEEPIDLE   32767
#define MAX_KEEPCNT    127
#define DEFER_SET      5
#define DEFER_GOT      7 /* 1 + 2 + 4 s of SYN-ACK retransmissions */
#define EPH_MIN        49152u

#define POLL_FRESH (AXN_POLLOUT | AXN_POLLWRNORM | AXN_POLLHUP)
#define POLL_RD    (AXN_POLLIN | AXN_POLLRDNORM)
#define POLL_WR    (AXN_POLLOUT | AXN_POLLWRNORM)

static struct {
    struct sim_stacks sim;
    struct axn_socket *s[N_NODES][MAX_SOCKS];
} W;

static int setup(void **state)
{
    (void)state;
    memset(&W, 0, sizeof(W));
    const axn_ip4_t addrs[N_NODES] = {A_ADDR, B_ADDR};
    sim_stacks_create_nodes(&W.sim, T0, WIRE_DELAY, SIM_STACKS_MAC_TAG, addrs, N_NODES, PREFIX_24);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_NODES; i++)
        sim_close_sockets(W.s[i], MAX_SOCKS);
    return sim_stacks_teardown(&W.sim, NULL, 0);
}

static void settle(void)
{
    sim_stacks_settle(&W.sim, SETTLE);
}

/* A non-blocking TCP socket, remembered for teardown at W.s[node][i]. */
static struct axn_socket *mk(size_t node, size_t i)
{
    struct axn_socket **s = &W.s[node][i];
    assert_int_equal(
        axn_socket(W.sim.st[node], AXN_AF_INET, AXN_SOCK_STREAM | AXN_SOCK_NONBLOCK, 0, s), 0);
    return *s;
}

static void forget(size_t node, size_t i)
{
    assert_int_equal(axn_close(W.s[node][i]), 0);
    W.s[node][i] = NULL;
}

static uint16_t local_port(struct axn_socket *s, axn_ip4_t *addr)
{
    struct axn_sockaddr_in sin;
    axn_socklen_t len = sizeof(sin);
    assert_int_equal(axn_getsockname(s, (struct axn_sockaddr *)&sin, &len), 0);
    if (addr)
        *addr = sim_host32(sin.sin_addr.s_addr);
    return sim_host16(sin.sin_port);
}

static void fill(uint8_t *b, size_t len)
{
    for (size_t i = 0; i < len; i++)
        b[i] = (uint8_t)(i * PATTERN);
}

/* A listener on B's PORT_SRV at W.s[NODE_B][slot], with SO_REUSEADDR
 * when asked. */
static struct axn_socket *listen_b(size_t slot, bool reuseaddr)
{
    struct axn_socket *srv = mk(NODE_B, slot);
    if (reuseaddr)
        assert_int_equal(sim_set_int(srv, AXN_SOL_SOCKET, AXN_SO_REUSEADDR, 1), 0);
    assert_int_equal(sim_bind4(srv, 0, PORT_SRV), 0);
    assert_int_equal(axn_listen(srv, BACKLOG), 0);
    return srv;
}

/* A client at W.s[NODE_A][cli] (bound to A_ADDR:cli_port first unless
 * 0) connects to listener srv, which accepts it into W.s[NODE_B][child].
 * Both ends ESTABLISHED afterwards; returns the client. */
static struct axn_socket *connect_accept(struct axn_socket *srv, size_t cli, uint16_t cli_port,
                                         size_t child)
{
    struct axn_socket *c = mk(NODE_A, cli);
    if (cli_port)
        assert_int_equal(sim_bind4(c, A_ADDR, cli_port), 0);
    assert_int_equal(sim_connect4(c, B_ADDR, PORT_SRV), -AXN_EINPROGRESS);
    settle();
    assert_int_equal(axn_socket_poll(srv) & POLL_RD, POLL_RD);
    struct axn_sockaddr_in peer;
    axn_socklen_t plen = sizeof(peer);
    assert_int_equal(axn_accept(srv, (struct axn_sockaddr *)&peer, &plen, AXN_SOCK_NONBLOCK,
                                &W.s[NODE_B][child]),
                     0);
    assert_int_equal(sim_host32(peer.sin_addr.s_addr), A_ADDR);
    assert_int_equal(sim_host16(peer.sin_port), local_port(c, NULL));
    return c;
}

/* B listens on PORT_SRV (slot 0); A connects (slot 0); B accepts (slot
 * 1). Both ends ESTABLISHED afterwards. */
static void connect_pair(void)
{
    connect_accept(listen_b(0, false), 0, 0, 1);
}

/* ---- poll and defaults ------------------------------------------------------------------ */

static void tcp_sock_fresh_socket_polls_out_hup(void **state)
{
    (void)state;
    struct axn_socket *s = mk(NODE_A, 0);
    assert_int_equal(axn_socket_poll(s), POLL_FRESH);
    assert_int_equal(sim_bind4(s, 0, PORT_SRV), 0);
    assert_int_equal(axn_socket_poll(s), POLL_FRESH);
    assert_int_equal(axn_listen(s, BACKLOG), 0);
    assert_int_equal(axn_socket_poll(s), 0); /* LISTEN, empty accept queue */
}

static void tcp_sock_option_defaults(void **state)
{
    (void)state;
    struct axn_socket *s = mk(NODE_A, 0);
    assert_int_equal(sim_get_int(s, AXN_SOL_SOCKET, AXN_SO_RCVBUF), RCVBUF_DEFAULT);
    assert_int_equal(sim_get_int(s, AXN_SOL_SOCKET, AXN_SO_SNDBUF), SNDBUF_DEFAULT);
    assert_int_equal(sim_get_int(s, AXN_SOL_SOCKET, AXN_SO_TYPE), AXN_SOCK_STREAM);
    assert_int_equal(sim_get_int(s, AXN_SOL_SOCKET, AXN_SO_PROTOCOL), AXN_IPPROTO_TCP);
    assert_int_equal(sim_get_int(s, AXN_SOL_SOCKET, AXN_SO_ACCEPTCONN), 0);
    assert_int_equal(sim_get_int(s, AXN_SOL_TCP, AXN_TCP_MAXSEG), MSS_DEFAULT);
    assert_int_equal(sim_get_int(s, AXN_SOL_TCP, AXN_TCP_NODELAY), 0);
    assert_int_equal(sim_get_int(s, AXN_SOL_TCP, AXN_TCP_CORK), 0);
    assert_int_equal(sim_get_int(s, AXN_SOL_TCP, AXN_TCP_KEEPIDLE), KEEPIDLE_DFLT);
    assert_int_equal(sim_get_int(s, AXN_SOL_TCP, AXN_TCP_KEEPINTVL), KEEPINTVL_DFLT);
    assert_int_equal(sim_get_int(s, AXN_SOL_TCP, AXN_TCP_KEEPCNT), KEEPCNT_DFLT);
    assert_int_equal(sim_get_int(s, AXN_SOL_TCP, AXN_TCP_SYNCNT), SYNCNT_DFLT);
    assert_int_equal(sim_get_int(s, AXN_SOL_TCP, AXN_TCP_LINGER2), LINGER2_DFLT);
    assert_int_equal(sim_get_int(s, AXN_SOL_TCP, AXN_TCP_QUICKACK), 1);
    assert_int_equal(sim_get_int(s, AXN_SOL_TCP, AXN_TCP_USER_TIMEOUT), 0);
    char cc[AXN_TCP_CA_NAME_MAX];
    axn_socklen_t len = sizeof(cc);
    assert_int_equal(axn_getsockopt(s, AXN_SOL_TCP, AXN_TCP_CONGESTION, cc, &len), 0);
    assert_int_equal(len, AXN_TCP_CA_NAME_MAX);
    assert_string_equal(cc, "cubic"); /* RFC 9438, the default as on Linux */
}

static void tcp_sock_option_validation(void **state)
{
    (void)state;
    struct axn_socket *s = mk(NODE_A, 0);
    assert_int_equal(sim_set_int(s, AXN_SOL_TCP, AXN_TCP_MAXSEG, MIN_USER_MSS - 1), -AXN_EINVAL);
    assert_int_equal(sim_set_int(s, AXN_SOL_TCP, AXN_TCP_MAXSEG, MIN_USER_MSS), 0);
    assert_int_equal(sim_get_int(s, AXN_SOL_TCP, AXN_TCP_MAXSEG), MIN_USER_MSS);
    assert_int_equal(sim_set_int(s, AXN_SOL_TCP, AXN_TCP_KEEPIDLE, 0), -AXN_EINVAL);
    assert_int_equal(sim_set_int(s, AXN_SOL_TCP, AXN_TCP_KEEPIDLE, MAX_KEEPIDLE + 1), -AXN_EINVAL);
    assert_int_equal(sim_set_int(s, AXN_SOL_TCP, AXN_TCP_KEEPIDLE, MAX_KEEPIDLE), 0);
    assert_int_equal(sim_get_int(s, AXN_SOL_TCP, AXN_TCP_KEEPIDLE), MAX_KEEPIDLE);
    assert_int_equal(sim_set_int(s, AXN_SOL_TCP, AXN_TCP_KEEPINTVL, 0), -AXN_EINVAL);
    assert_int_equal(sim_set_int(s, AXN_SOL_TCP, AXN_TCP_KEEPCNT, MAX_KEEPCNT + 1), -AXN_EINVAL);
    assert_int_equal(sim_set_int(s, AXN_SOL_TCP, AXN_TCP_SYNCNT, 0), -AXN_EINVAL);
    assert_int_equal(sim_set_int(s, AXN_SOL_TCP, AXN_TCP_USER_TIMEOUT, -1), -AXN_EINVAL);
    assert_int_equal(sim_set_int(s, AXN_SOL_TCP, AXN_TCP_DEFER_ACCEPT, DEFER_SET), 0);
    assert_int_equal(sim_get_int(s, AXN_SOL_TCP, AXN_TCP_DEFER_ACCEPT), DEFER_GOT);
    assert_int_equal(sim_set_int(s, AXN_SOL_TCP, AXN_TCP_NODELAY, 1), 0);
    assert_int_equal(sim_get_int(s, AXN_SOL_TCP, AXN_TCP_NODELAY), 1);
    assert_int_equal(axn_setsockopt(s, AXN_SOL_TCP, AXN_TCP_CONGESTION, "vegas", 5), -AXN_ENOENT);
    assert_int_equal(axn_setsockopt(s, AXN_SOL_TCP, AXN_TCP_CONGESTION, "reno", 4), 0);
    const uint8_t one = 1;
    assert_int_equal(axn_setsockopt(s, AXN_SOL_TCP, AXN_TCP_NODELAY, &one, sizeof(one)),
                     -AXN_EINVAL);
    assert_int_equal(sim_set_int(s, AXN_SOL_TCP, AXN_TCP_WINDOW_CLAMP + 200, 1), -AXN_ENOPROTOOPT);
    /* SO_RCVBUF doubles as Linux. */
    assert_int_equal(sim_set_int(s, AXN_SOL_SOCKET, AXN_SO_RCVBUF, SNDBUF_DEFAULT), 0);
    assert_int_equal(sim_get_int(s, AXN_SOL_SOCKET, AXN_SO_RCVBUF), 2 * SNDBUF_DEFAULT);
}

/* ---- bind ---------------------------------------------------------------------------------- */

static void tcp_sock_bind_conflicts(void **state)
{
    (void)state;
    struct axn_socket *a = mk(NODE_A, 0);
    struct axn_socket *b = mk(NODE_A, 1);
    assert_int_equal(sim_bind4(a, 0, PORT_SRV), 0);
    assert_int_equal(sim_bind4(a, 0, PORT_OTHER), -AXN_EINVAL); /* bound already */
    assert_int_equal(sim_bind4(b, A_ADDR, PORT_SRV), -AXN_EADDRINUSE);
    assert_int_equal(sim_bind4(b, NOT_OURS, PORT_OTHER), -AXN_EADDRNOTAVAIL);
    /* A failed bind leaves the socket unbound and usable. */
    axn_ip4_t addr = 1;
    assert_int_equal(local_port(b, &addr), 0);
    assert_int_equal(addr, 0);
    assert_int_equal(sim_bind4(b, A_ADDR, PORT_OTHER), 0);
    assert_int_equal(local_port(b, &addr), PORT_OTHER);
    assert_int_equal(addr, A_ADDR);
}

static void tcp_sock_bind_reuseaddr_and_reuseport(void **state)
{
    (void)state;
    struct axn_socket *a = mk(NODE_A, 0);
    struct axn_socket *b = mk(NODE_A, 1);
    struct axn_socket *c = mk(NODE_A, 2);
    struct axn_socket *d = mk(NODE_A, 3);
    assert_int_equal(sim_set_int(a, AXN_SOL_SOCKET, AXN_SO_REUSEADDR, 1), 0);
    assert_int_equal(sim_set_int(b, AXN_SOL_SOCKET, AXN_SO_REUSEADDR, 1), 0);
    assert_int_equal(sim_bind4(a, 0, PORT_SRV), 0);
    assert_int_equal(sim_bind4(b, 0, PORT_SRV), 0); /* both SO_REUSEADDR, none listening */
    /* inet_csk_listen_start checks again (inet_bind_conflict, relaxed):
     * a sharer that does not listen allows it, a listener forbids it. */
    assert_int_equal(axn_listen(a, BACKLOG), 0);
    assert_int_equal(axn_listen(b, BACKLOG), -AXN_EADDRINUSE);
    forget(NODE_A, 1);
    assert_int_equal(axn_listen(a, BACKLOG), 0);
    assert_int_equal(sim_set_int(c, AXN_SOL_SOCKET, AXN_SO_REUSEADDR, 1), 0);
    assert_int_equal(sim_bind4(c, 0, PORT_SRV), -AXN_EADDRINUSE); /* a listener holds it */
    /* SO_REUSEPORT on both: a listening group. */
    assert_int_equal(sim_set_int(c, AXN_SOL_SOCKET, AXN_SO_REUSEPORT, 1), 0);
    assert_int_equal(sim_set_int(d, AXN_SOL_SOCKET, AXN_SO_REUSEPORT, 1), 0);
    assert_int_equal(sim_bind4(c, 0, PORT_OTHER), 0);
    assert_int_equal(sim_bind4(d, 0, PORT_OTHER), 0);
    assert_int_equal(axn_listen(c, BACKLOG), 0);
    assert_int_equal(axn_listen(d, BACKLOG), 0);
}

static void tcp_sock_bind_port_zero_and_listen_autobind(void **state)
{
    (void)state;
    struct axn_socket *a = mk(NODE_A, 0);
    struct axn_socket *b = mk(NODE_A, 1);
    assert_int_equal(sim_bind4(a, A_ADDR, 0), 0);
    assert_true(local_port(a, NULL) >= EPH_MIN);
    assert_int_equal(axn_listen(b, BACKLOG), 0);
    axn_ip4_t addr = 1;
    assert_true(local_port(b, &addr) >= EPH_MIN);
    assert_int_equal(addr, 0);
    assert_int_equal(sim_get_int(b, AXN_SOL_SOCKET, AXN_SO_ACCEPTCONN), 1);
}

/* Spec TCP-15: the exact key registered is the one released, so a
 * wildcard-bound socket that connected leaves its port free. */
static void tcp_sock_wildcard_bind_then_connect_releases_port(void **state)
{
    (void)state;
    struct axn_socket *s = mk(NODE_A, 0);
    assert_int_equal(sim_bind4(s, 0, 0), 0);
    const uint16_t port = local_port(s, NULL);
    assert_int_equal(sim_connect4(s, B_ADDR, PORT_SRV), -AXN_EINPROGRESS);
    settle(); /* refused */
    /* Linux: bind(port 0) does not lock the port (SOCK_BINDPORT_LOCK), so
     * the failed connect gave back port and address (inet_put_port). */
    axn_ip4_t addr = 1;
    assert_int_equal(local_port(s, &addr), 0);
    assert_int_equal(addr, 0);
    forget(NODE_A, 0);
    struct axn_socket *again = mk(NODE_A, 1);
    assert_int_equal(sim_bind4(again, A_ADDR, port), 0);
    /* An explicit port on the wildcard: kept by the failed connect, and
     * released whole at close although the address became specific. */
    struct axn_socket *w = mk(NODE_A, 2);
    assert_int_equal(sim_bind4(w, 0, PORT_OTHER), 0);
    assert_int_equal(sim_connect4(w, B_ADDR, PORT_SRV), -AXN_EINPROGRESS);
    settle();
    assert_int_equal(local_port(w, NULL), PORT_OTHER);
    forget(NODE_A, 2);
    struct axn_socket *w2 = mk(NODE_A, 3);
    assert_int_equal(sim_bind4(w2, 0, PORT_OTHER), 0);
}

/* TCP-52: IP_TOS keeps its ECN bits for TCP (RFC 3168). */
static void tcp_sock_ip_tos_masks_ecn(void **state)
{
    (void)state;
    struct axn_socket *s = mk(NODE_A, 0);
    const int tos = 0xff;
    assert_int_equal(sim_set_int(s, AXN_SOL_IP, AXN_IP_TOS, tos), 0);
    assert_int_equal(sim_get_int(s, AXN_SOL_IP, AXN_IP_TOS), 0xfc);
}

/* A SO_REUSEPORT listening group shares the flows (hash of the 4-tuple). */
#define GROUP_FLOWS 6u
static void tcp_sock_reuseport_group_shares_connections(void **state)
{
    (void)state;
    struct axn_socket *l0 = mk(NODE_B, 0);
    struct axn_socket *l1 = mk(NODE_B, 1);
    assert_int_equal(sim_set_int(l0, AXN_SOL_SOCKET, AXN_SO_REUSEPORT, 1), 0);
    assert_int_equal(sim_set_int(l1, AXN_SOL_SOCKET, AXN_SO_REUSEPORT, 1), 0);
    assert_int_equal(sim_bind4(l0, 0, PORT_SRV), 0);
    assert_int_equal(sim_bind4(l1, 0, PORT_SRV), 0);
    assert_int_equal(axn_listen(l0, (int)GROUP_FLOWS), 0);
    assert_int_equal(axn_listen(l1, (int)GROUP_FLOWS), 0);
    for (size_t i = 0; i < GROUP_FLOWS; i++) {
        struct axn_socket *c = NULL;
        assert_int_equal(
            axn_socket(W.sim.st[NODE_A], AXN_AF_INET, AXN_SOCK_STREAM | AXN_SOCK_NONBLOCK, 0, &c),
            0);
        assert_int_equal(sim_connect4(c, B_ADDR, PORT_SRV), -AXN_EINPROGRESS);
        settle();
        assert_int_equal(axn_close(c), 0);
    }
    settle();
    struct axn_tcp_info i0, i1;
    axn_socklen_t len = sizeof(i0);
    assert_int_equal(axn_getsockopt(l0, AXN_SOL_TCP, AXN_TCP_INFO, &i0, &len), 0);
    len = sizeof(i1);
    assert_int_equal(axn_getsockopt(l1, AXN_SOL_TCP, AXN_TCP_INFO, &i1, &len), 0);
    /* tcpi_unacked of a listener: its accept queue. */
    assert_int_equal(i0.tcpi_unacked + i1.tcpi_unacked, GROUP_FLOWS);
    assert_true(i0.tcpi_unacked > 0 && i1.tcpi_unacked > 0);
}

/* ---- the unconnected and listening answers ------------------------------------------------- */

static void tcp_sock_unconnected_errors(void **state)
{
    (void)state;
    struct axn_socket *s = mk(NODE_A, 0);
    uint8_t buf[MSG_LEN] = {0};
    struct axn_sockaddr_in sin;
    axn_socklen_t len = sizeof(sin);
    struct axn_socket *child = NULL;
    int n = -1;
    assert_int_equal(axn_send(s, buf, sizeof(buf), AXN_MSG_NOSIGNAL), -AXN_EPIPE);
    assert_int_equal(axn_recv(s, buf, sizeof(buf), 0), -AXN_ENOTCONN);
    assert_int_equal(axn_getpeername(s, (struct axn_sockaddr *)&sin, &len), -AXN_ENOTCONN);
    assert_int_equal(axn_accept(s, NULL, NULL, 0, &child), -AXN_EINVAL);
    assert_int_equal(axn_ioctl(s, AXN_FIONREAD, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(axn_shutdown(s, AXN_SHUT_WR), -AXN_ENOTCONN);
    assert_int_equal(axn_listen(s, BACKLOG), 0);
    assert_int_equal(axn_recv(s, buf, sizeof(buf), 0), -AXN_ENOTCONN);
    assert_int_equal(axn_ioctl(s, AXN_FIONREAD, &n), -AXN_EINVAL);
    assert_int_equal(axn_accept(s, NULL, NULL, 0, &child), -AXN_EAGAIN);
    assert_int_equal(sim_connect4(s, B_ADDR, PORT_SRV), -AXN_EISCONN);
}

/* ---- connect --------------------------------------------------------------------------------- */

static void tcp_sock_connect_accept_and_data(void **state)
{
    (void)state;
    connect_pair();
    struct axn_socket *cli = W.s[NODE_A][0];
    struct axn_socket *child = W.s[NODE_B][1];
    assert_int_equal(axn_socket_poll(cli), POLL_WR);
    assert_int_equal(sim_get_int(cli, AXN_SOL_SOCKET, AXN_SO_ERROR), 0);
    /* Linux: the connect that finds it done says 0, the next EISCONN. */
    assert_int_equal(sim_connect4(cli, B_ADDR, PORT_SRV), 0);
    assert_int_equal(sim_connect4(cli, B_ADDR, PORT_SRV), -AXN_EISCONN);
    assert_int_equal(axn_listen(cli, BACKLOG), -AXN_EINVAL);
    uint8_t out[MSG_LEN], in[MSG_LEN];
    fill(out, sizeof(out));
    assert_int_equal(axn_send(cli, out, sizeof(out), 0), MSG_LEN);
    int n = -1;
    assert_int_equal(axn_ioctl(cli, AXN_SIOCOUTQ, &n), 0);
    assert_int_equal(n, MSG_LEN); /* not acknowledged yet */
    settle();
    assert_int_equal(axn_ioctl(cli, AXN_SIOCOUTQ, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(axn_ioctl(child, AXN_FIONREAD, &n), 0);
    assert_int_equal(n, MSG_LEN);
    assert_int_equal(axn_socket_poll(child), POLL_RD | POLL_WR);
    assert_int_equal(axn_recv(child, in, sizeof(in), AXN_MSG_PEEK), MSG_LEN);
    memset(in, 0, sizeof(in));
    assert_int_equal(axn_recv(child, in, sizeof(in), 0), MSG_LEN);
    assert_memory_equal(in, out, sizeof(out));
    assert_int_equal(axn_recv(child, in, sizeof(in), 0), -AXN_EAGAIN);
}

static void tcp_sock_nonblocking_connect_ealready(void **state)
{
    (void)state;
    listen_b(0, false);
    struct axn_socket *cli = mk(NODE_A, 0);
    assert_int_equal(sim_connect4(cli, B_ADDR, PORT_SRV), -AXN_EINPROGRESS);
    assert_int_equal(axn_socket_poll(cli), 0); /* SYN-SENT */
    assert_int_equal(sim_connect4(cli, B_ADDR, PORT_SRV), -AXN_EALREADY);
    uint8_t buf[MSG_LEN] = {0};
    assert_int_equal(axn_send(cli, buf, sizeof(buf), 0), -AXN_EAGAIN);
    settle();
    assert_int_equal(sim_connect4(cli, B_ADDR, PORT_SRV), 0);
}

static void tcp_sock_refused_then_retry_succeeds(void **state)
{
    (void)state;
    struct axn_socket *cli = mk(NODE_A, 0);
    assert_int_equal(sim_connect4(cli, B_ADDR, PORT_SRV), -AXN_EINPROGRESS);
    settle();
    const unsigned ev = axn_socket_poll(cli);
    assert_int_equal(ev & (AXN_POLLERR | AXN_POLLHUP | POLL_WR),
                     AXN_POLLERR | AXN_POLLHUP | POLL_WR);
    assert_int_equal(sim_get_int(cli, AXN_SOL_SOCKET, AXN_SO_ERROR), AXN_ECONNREFUSED);
    assert_int_equal(sim_get_int(cli, AXN_SOL_SOCKET, AXN_SO_ERROR), 0); /* read and cleared */
    assert_int_equal(axn_socket_poll(cli) & AXN_POLLERR, 0);
    /* __inet_stream_connect: the error was taken, so ECONNABORTED. */
    assert_int_equal(sim_connect4(cli, B_ADDR, PORT_SRV), -AXN_ECONNABORTED);
    listen_b(0, false);
    assert_int_equal(sim_connect4(cli, B_ADDR, PORT_SRV), -AXN_EINPROGRESS);
    settle();
    assert_int_equal(sim_connect4(cli, B_ADDR, PORT_SRV), 0);
    struct axn_sockaddr_in sin;
    axn_socklen_t len = sizeof(sin);
    assert_int_equal(axn_getpeername(cli, (struct axn_sockaddr *)&sin, &len), 0);
    assert_int_equal(sim_host16(sin.sin_port), PORT_SRV);
}

static void tcp_sock_refused_blocking_style_reports_once(void **state)
{
    (void)state;
    struct axn_socket *cli = mk(NODE_A, 0);
    assert_int_equal(sim_connect4(cli, B_ADDR, PORT_SRV), -AXN_EINPROGRESS);
    settle();
    /* The connect that finds it failed reports the error itself. */
    assert_int_equal(sim_connect4(cli, B_ADDR, PORT_SRV), -AXN_ECONNREFUSED);
    assert_int_equal(sim_get_int(cli, AXN_SOL_SOCKET, AXN_SO_ERROR), 0);
    /* The ephemeral port went back: unbound again. */
    assert_int_equal(local_port(cli, NULL), 0);
}

/* Spec TCP-35: non-blocking, the first partial count, then EAGAIN. */
static void tcp_sock_nonblocking_send_partial_then_eagain(void **state)
{
    (void)state;
    connect_pair();
    struct axn_socket *cli = W.s[NODE_A][0];
    struct axn_socket *child = W.s[NODE_B][1];
    static uint8_t big[2 * SNDBUF_DEFAULT];
    fill(big, sizeof(big));
    assert_int_equal(axn_send(cli, big, sizeof(big), 0), SNDBUF_DEFAULT);
    assert_int_equal(axn_send(cli, big, sizeof(big), 0), -AXN_EAGAIN);
    int unsent = -1, queued = -1;
    assert_int_equal(axn_ioctl(cli, AXN_SIOCOUTQ, &queued), 0);
    assert_int_equal(axn_ioctl(cli, AXN_SIOCOUTQNSD, &unsent), 0);
    assert_int_equal(queued, SNDBUF_DEFAULT);
    assert_true(unsent < queued); /* the initial window left at once */
    assert_int_equal(axn_socket_poll(cli) & POLL_WR, 0);
    settle();
    /* MSG_WAITALL without waiting: what is there. */
    static uint8_t in[2 * SNDBUF_DEFAULT];
    const long got = axn_recv(child, in, sizeof(in), AXN_MSG_WAITALL | AXN_MSG_DONTWAIT);
    assert_true(got > 0 && got <= SNDBUF_DEFAULT);
    assert_memory_equal(in, big, (size_t)got);
}

/* ---- shutdown, close ------------------------------------------------------------------------- */

static void tcp_sock_shutdown_wr_epipe_and_rd_zero(void **state)
{
    (void)state;
    connect_pair();
    struct axn_socket *cli = W.s[NODE_A][0];
    struct axn_socket *child = W.s[NODE_B][1];
    uint8_t buf[MSG_LEN] = {0};
    assert_int_equal(axn_shutdown(cli, AXN_SHUT_WR), 0);
    assert_int_equal(axn_send(cli, buf, sizeof(buf), AXN_MSG_NOSIGNAL), -AXN_EPIPE);
    settle();
    /* The peer sees end of file. */
    assert_int_equal(axn_socket_poll(child) & (POLL_RD | AXN_POLLRDHUP), POLL_RD | AXN_POLLRDHUP);
    assert_int_equal(axn_recv(child, buf, sizeof(buf), 0), 0);
    assert_int_equal(axn_shutdown(child, AXN_SHUT_RD), 0);
    assert_int_equal(axn_recv(child, buf, sizeof(buf), 0), 0);
    assert_int_equal(axn_shutdown(child, 3), -AXN_EINVAL);
}

static void tcp_sock_close_with_unread_data_resets(void **state)
{
    (void)state;
    connect_pair();
    struct axn_socket *cli = W.s[NODE_A][0];
    uint8_t buf[MSG_LEN];
    fill(buf, sizeof(buf));
    assert_int_equal(axn_send(cli, buf, sizeof(buf), 0), MSG_LEN);
    settle();
    forget(NODE_B, 1); /* unread data: RST (RFC 2525 2.17) */
    settle();
    struct axn_snmp_tcp_ext ext;
    axn_tcp_snmp(W.sim.st[NODE_B], NULL, &ext);
    assert_int_equal(ext.abort_on_close, 1); /* Linux: TCPAbortOnClose */
    assert_int_equal(axn_recv(cli, buf, sizeof(buf), 0), -AXN_ECONNRESET);
    assert_int_equal(axn_recv(cli, buf, sizeof(buf), 0), 0);
    assert_int_equal(axn_send(cli, buf, sizeof(buf), AXN_MSG_NOSIGNAL), -AXN_EPIPE);
    const unsigned ev = axn_socket_poll(cli);
    assert_int_equal(ev & (AXN_POLLHUP | AXN_POLLRDHUP), AXN_POLLHUP | AXN_POLLRDHUP);
}

static void tcp_sock_linger_zero_close_resets(void **state)
{
    (void)state;
    connect_pair();
    struct axn_socket *cli = W.s[NODE_A][0];
    const struct axn_linger lg = {.l_onoff = 1, .l_linger = 0};
    assert_int_equal(axn_setsockopt(cli, AXN_SOL_SOCKET, AXN_SO_LINGER, &lg, sizeof(lg)), 0);
    forget(NODE_A, 0);
    settle();
    struct axn_snmp_tcp_ext ext;
    axn_tcp_snmp(W.sim.st[NODE_A], NULL, &ext);
    assert_int_equal(ext.abort_on_data, 1); /* Linux counts SO_LINGER 0 as TCPAbortOnData */
    uint8_t buf[MSG_LEN];
    assert_int_equal(axn_recv(W.s[NODE_B][1], buf, sizeof(buf), 0), -AXN_ECONNRESET);
}

/* __inet_stream_connect's sock_error path: a reported connect failure
 * leaves the socket SS_UNCONNECTED (tcp_disconnect), so it may listen. */
static void tcp_sock_listen_after_failed_connect(void **state)
{
    (void)state;
    struct axn_socket *s = mk(NODE_A, 0);
    assert_int_equal(sim_connect4(s, B_ADDR, PORT_SRV), -AXN_EINPROGRESS);
    settle();
    assert_int_equal(sim_connect4(s, B_ADDR, PORT_SRV), -AXN_ECONNREFUSED);
    assert_int_equal(sim_bind4(s, 0, PORT_OTHER), 0);
    assert_int_equal(axn_listen(s, BACKLOG), 0);
    struct axn_socket *cli = mk(NODE_B, 0);
    assert_int_equal(sim_connect4(cli, A_ADDR, PORT_OTHER), -AXN_EINPROGRESS);
    settle();
    assert_int_equal(axn_accept(s, NULL, NULL, AXN_SOCK_NONBLOCK, &W.s[NODE_A][1]), 0);
    assert_int_equal(sim_connect4(cli, A_ADDR, PORT_OTHER), 0);
}

/* inet_shutdown(SHUT_RD) on a listener is tcp_disconnect: it stops
 * listening (queued connections are reset), accept says EINVAL
 * (inet_csk_accept), and the socket polls as a fresh one. */
static void tcp_sock_accept_after_listener_shut_rd(void **state)
{
    (void)state;
    struct axn_socket *srv = listen_b(0, false);
    struct axn_socket *cli = mk(NODE_A, 0);
    assert_int_equal(sim_connect4(cli, B_ADDR, PORT_SRV), -AXN_EINPROGRESS);
    settle();
    assert_int_equal(axn_shutdown(srv, AXN_SHUT_WR), 0); /* a listener ignores SHUT_WR */
    assert_int_equal(axn_socket_poll(srv), POLL_RD);
    assert_int_equal(axn_shutdown(srv, AXN_SHUT_RD), 0);
    struct axn_socket *child = NULL;
    assert_int_equal(axn_accept(srv, NULL, NULL, 0, &child), -AXN_EINVAL);
    assert_int_equal(axn_socket_poll(srv), POLL_FRESH);
    settle();
    uint8_t b;
    assert_int_equal(axn_recv(cli, &b, sizeof(b), 0), -AXN_ECONNRESET);
}

/* Linux tcp_poll across a close: CLOSE-WAIT is readable (end of file)
 * with RDHUP and writable; FIN-WAIT-2 after SHUT_WR is writable only
 * (SEND_SHUTDOWN); with both halves shut, HUP joins. */
static void tcp_sock_poll_masks_through_close(void **state)
{
    (void)state;
    connect_pair();
    struct axn_socket *cli = W.s[NODE_A][0];
    struct axn_socket *child = W.s[NODE_B][1];
    const unsigned eof = POLL_RD | AXN_POLLRDHUP;
    assert_int_equal(axn_shutdown(cli, AXN_SHUT_WR), 0);
    settle();
    assert_int_equal(axn_socket_poll(cli), POLL_WR);         /* FIN-WAIT-2 */
    assert_int_equal(axn_socket_poll(child), eof | POLL_WR); /* CLOSE-WAIT */
    assert_int_equal(axn_shutdown(child, AXN_SHUT_WR), 0);
    assert_int_equal(axn_socket_poll(child), AXN_POLLHUP | eof | POLL_WR); /* LAST-ACK */
    settle();
    assert_int_equal(axn_socket_poll(cli), AXN_POLLHUP | eof | POLL_WR);   /* TIME-WAIT */
    assert_int_equal(axn_socket_poll(child), AXN_POLLHUP | eof | POLL_WR); /* CLOSED */
}

/* Linux tcp_time_wait: a socket whose connection reaches TIME-WAIT is
 * done (the tuple goes to a TIME-WAIT entry): TCP_INFO reads CLOSE and
 * getpeername ENOTCONN, as in any closed state. */
static void tcp_sock_time_wait_socket_reads_close(void **state)
{
    (void)state;
    connect_pair();
    struct axn_socket *cli = W.s[NODE_A][0];
    assert_int_equal(axn_shutdown(cli, AXN_SHUT_WR), 0);
    settle();
    assert_int_equal(axn_shutdown(W.s[NODE_B][1], AXN_SHUT_WR), 0);
    settle();
    struct axn_tcp_info info;
    axn_socklen_t len = sizeof(info);
    assert_int_equal(axn_getsockopt(cli, AXN_SOL_TCP, AXN_TCP_INFO, &info, &len), 0);
    assert_int_equal(info.tcpi_state, STATE_CLOSE);
    struct axn_sockaddr_in peer;
    axn_socklen_t plen = sizeof(peer);
    assert_int_equal(axn_getpeername(cli, (struct axn_sockaddr *)&peer, &plen), -AXN_ENOTCONN);
    assert_int_equal(axn_socket_poll(cli) & AXN_POLLHUP, AXN_POLLHUP);
}

/* Closing a socket whose connection is in TIME-WAIT, with unread data:
 * Linux's socket is already CLOSE, so no abort (TCPAbortOnClose stays
 * 0) and the TIME-WAIT keeps holding the port. */
static void tcp_sock_close_in_time_wait_keeps_it(void **state)
{
    (void)state;
    struct axn_socket *cli = connect_accept(listen_b(0, false), 0, PORT_OTHER, 1);
    uint8_t buf[MSG_LEN];
    fill(buf, sizeof(buf));
    assert_int_equal(axn_send(W.s[NODE_B][1], buf, sizeof(buf), 0), MSG_LEN);
    assert_int_equal(axn_shutdown(cli, AXN_SHUT_WR), 0);
    settle();
    assert_int_equal(axn_shutdown(W.s[NODE_B][1], AXN_SHUT_WR), 0);
    settle(); /* A: TIME-WAIT, the data unread */
    forget(NODE_A, 0);
    settle();
    struct axn_snmp_tcp_ext ext;
    axn_tcp_snmp(W.sim.st[NODE_A], NULL, &ext);
    assert_int_equal(ext.abort_on_close, 0);
    struct axn_socket *again = mk(NODE_A, 1);
    assert_int_equal(sim_bind4(again, A_ADDR, PORT_OTHER), -AXN_EADDRINUSE);
}

/* tcp_recvmsg_locked: MSG_WAITALL stops at end of file or a reset with
 * what it has; the next call reports 0 (FIN) or the error once, then 0. */
static void tcp_sock_waitall_ends_at_fin_and_rst(void **state)
{
    (void)state;
    connect_pair();
    struct axn_socket *cli = W.s[NODE_A][0];
    struct axn_socket *child = W.s[NODE_B][1];
    uint8_t out[MSG_LEN], in[2 * MSG_LEN];
    fill(out, sizeof(out));
    assert_int_equal(axn_send(cli, out, sizeof(out), 0), MSG_LEN);
    assert_int_equal(axn_shutdown(cli, AXN_SHUT_WR), 0);
    settle();
    int n = -1;
    assert_int_equal(axn_ioctl(child, AXN_FIONREAD, &n), 0);
    assert_int_equal(n, MSG_LEN); /* tcp_inq: the FIN is not a byte */
    assert_int_equal(axn_recv(child, in, sizeof(in), AXN_MSG_WAITALL), MSG_LEN);
    assert_memory_equal(in, out, sizeof(out));
    assert_int_equal(axn_recv(child, in, sizeof(in), AXN_MSG_WAITALL), 0);
    assert_int_equal(axn_ioctl(child, AXN_FIONREAD, &n), 0);
    assert_int_equal(n, 0);
    /* Now the other way, ended by a reset (SO_LINGER 0). */
    assert_int_equal(axn_send(child, out, sizeof(out), 0), MSG_LEN);
    const struct axn_linger lg = {.l_onoff = 1, .l_linger = 0};
    assert_int_equal(axn_setsockopt(child, AXN_SOL_SOCKET, AXN_SO_LINGER, &lg, sizeof(lg)), 0);
    settle();
    forget(NODE_B, 1);
    settle();
    assert_int_equal(axn_recv(cli, in, sizeof(in), AXN_MSG_WAITALL), MSG_LEN);
    assert_int_equal(axn_recv(cli, in, sizeof(in), AXN_MSG_WAITALL), -AXN_ECONNRESET);
    assert_int_equal(axn_recv(cli, in, sizeof(in), AXN_MSG_WAITALL), 0);
}

/* Linux tcp_ioctl: SIOCOUTQ is write_seq - snd_una, so a FIN counts one
 * until acknowledged; SIOCOUTQNSD (write_seq - snd_nxt) is 0 once it left. */
static void tcp_sock_outq_counts_unacked_fin(void **state)
{
    (void)state;
    connect_pair();
    struct axn_socket *cli = W.s[NODE_A][0];
    assert_int_equal(axn_shutdown(cli, AXN_SHUT_WR), 0);
    int v = -1;
    assert_int_equal(axn_ioctl(cli, AXN_SIOCOUTQ, &v), 0);
    assert_int_equal(v, 1);
    assert_int_equal(axn_ioctl(cli, AXN_SIOCOUTQNSD, &v), 0);
    assert_int_equal(v, 0);
    settle();
    assert_int_equal(axn_ioctl(cli, AXN_SIOCOUTQ, &v), 0);
    assert_int_equal(v, 0);
}

/* inet_shutdown: a non-blocking connect that got through (never reported
 * by a second connect) becomes SS_CONNECTED, so once the connection is
 * gone a connect says EISCONN instead of starting a new one. */
static void tcp_sock_shutdown_marks_unreported_connect_connected(void **state)
{
    (void)state;
    connect_pair();
    struct axn_socket *cli = W.s[NODE_A][0];
    assert_int_equal(axn_shutdown(cli, AXN_SHUT_RDWR), 0);
    const struct axn_linger lg = {.l_onoff = 1, .l_linger = 0};
    assert_int_equal(axn_setsockopt(W.s[NODE_B][1], AXN_SOL_SOCKET, AXN_SO_LINGER, &lg, sizeof(lg)),
                     0);
    forget(NODE_B, 1); /* RST: A's connection is CLOSED */
    settle();
    assert_int_equal(sim_connect4(cli, B_ADDR, PORT_SRV), -AXN_EISCONN);
    assert_int_equal(axn_listen(cli, BACKLOG), -AXN_EINVAL);
}

/* An orphan in TIME-WAIT holds its port: a bind without SO_REUSEADDR
 * fails, one with it binds over (the server-restart case). */
static void tcp_sock_time_wait_orphan_holds_port(void **state)
{
    (void)state;
    connect_accept(listen_b(0, false), 0, PORT_OTHER, 1);
    forget(NODE_A, 0); /* active close: FIN-WAIT-1, an orphan */
    settle();
    forget(NODE_B, 1); /* the peer's FIN: A enters TIME-WAIT */
    settle();
    struct axn_socket *again = mk(NODE_A, 1);
    assert_int_equal(sim_bind4(again, A_ADDR, PORT_OTHER), -AXN_EADDRINUSE);
    assert_int_equal(sim_set_int(again, AXN_SOL_SOCKET, AXN_SO_REUSEADDR, 1), 0);
    assert_int_equal(sim_bind4(again, A_ADDR, PORT_OTHER), 0);
}

/* The server restart: the old server closed its connection first, so
 * its TIME-WAIT holds the port; a new SO_REUSEADDR listener binds and
 * listens over it (Linux: a TIME-WAIT never conflicts with a claimant
 * that has SO_REUSEADDR, tw_reuse having been inherited), and serves. */
static void tcp_sock_server_restart_over_time_wait(void **state)
{
    (void)state;
    connect_accept(listen_b(0, true), 0, 0, 1);
    forget(NODE_B, 1); /* the server closes first: its side ends in TIME-WAIT */
    settle();
    forget(NODE_A, 0);
    settle();
    forget(NODE_B, 0);
    connect_accept(listen_b(2, true), 1, 0, 3);
}

/* connect(AF_UNSPEC) (tcp_disconnect): reset, and the socket is fresh. */
static void tcp_sock_connect_unspec_disconnects(void **state)
{
    (void)state;
    connect_pair();
    struct axn_socket *cli = W.s[NODE_A][0];
    struct axn_sockaddr_in none = sim_sin4(0, 0);
    none.sin_family = AXN_AF_UNSPEC;
    assert_int_equal(axn_connect(cli, (const struct axn_sockaddr *)&none, sizeof(none)), 0);
    assert_int_equal(axn_socket_poll(cli), POLL_FRESH);
    settle();
    uint8_t buf[MSG_LEN];
    assert_int_equal(axn_recv(W.s[NODE_B][1], buf, sizeof(buf), 0), -AXN_ECONNRESET);
    /* And it may connect again. */
    assert_int_equal(sim_connect4(cli, B_ADDR, PORT_SRV), -AXN_EINPROGRESS);
    settle();
    assert_int_equal(sim_connect4(cli, B_ADDR, PORT_SRV), 0);
}

/* ---- TCP_INFO, /proc ------------------------------------------------------------------------- */

static void tcp_sock_tcp_info(void **state)
{
    (void)state;
    struct axn_socket *s = mk(NODE_A, 2);
    struct axn_tcp_info info;
    axn_socklen_t len = sizeof(info);
    assert_int_equal(sizeof(info), TCP_INFO_LEN);
    assert_int_equal(axn_getsockopt(s, AXN_SOL_TCP, AXN_TCP_INFO, &info, &len), 0);
    assert_int_equal(len, TCP_INFO_LEN);
    assert_int_equal(info.tcpi_state, STATE_CLOSE);
    connect_pair();
    struct axn_socket *cli = W.s[NODE_A][0];
    len = sizeof(info);
    assert_int_equal(axn_getsockopt(cli, AXN_SOL_TCP, AXN_TCP_INFO, &info, &len), 0);
    assert_int_equal(info.tcpi_state, STATE_ESTAB);
    assert_true(info.tcpi_snd_mss > 0);
    assert_true(info.tcpi_rto >= AXN_MSEC(AXN_TCP_RTO_MIN_MS));
    assert_true(info.tcpi_rtt > 0);
    assert_int_equal(info.tcpi_unacked, 0);
    /* RFC 7323 and RFC 2018 negotiated by default, both sides offering the
     * shift for tcp_rmem[2] = 6 MiB: 7 (Linux tcp_select_initial_window). */
    assert_int_equal(info.tcpi_options,
                     AXN_TCPI_OPT_TIMESTAMPS | AXN_TCPI_OPT_SACK | AXN_TCPI_OPT_WSCALE);
    assert_int_equal(info.tcpi_snd_wscale, INFO_WSCALE);
    assert_int_equal(info.tcpi_rcv_wscale, INFO_WSCALE);
    assert_int_equal(info.tcpi_reordering, AXN_TCP_DUPACK_THRESH);
    assert_int_equal(info.tcpi_sacked, 0);
    /* Truncated to the room given, as Linux. */
    uint8_t head[1] = {0};
    len = sizeof(head);
    assert_int_equal(axn_getsockopt(cli, AXN_SOL_TCP, AXN_TCP_INFO, head, &len), 0);
    assert_int_equal(len, 1);
    assert_int_equal(head[0], STATE_ESTAB);
    len = sizeof(info);
    assert_int_equal(axn_getsockopt(W.s[NODE_B][0], AXN_SOL_TCP, AXN_TCP_INFO, &info, &len), 0);
    assert_int_equal(info.tcpi_state, STATE_LISTEN);
    assert_int_equal(info.tcpi_sacked, BACKLOG); /* a listener's backlog */
}

static void tcp_sock_proc_rows(void **state)
{
    (void)state;
    connect_pair();
    char text[TEXT_MAX];
    axn_ctl_format_proc_net_snmp(W.sim.st[NODE_A], text, sizeof(text));
    const char *tcp = strstr(text, "Tcp: 1 200 120000 -1 ");
    assert_non_null(tcp);
    /* ActiveOpens 1, PassiveOpens 0, AttemptFails 0, EstabResets 0, CurrEstab 1. */
    assert_int_equal(strncmp(tcp + strlen("Tcp: 1 200 120000 -1 "), "1 0 0 0 1 ", 10), 0);
    axn_ctl_format_proc_net_snmp(W.sim.st[NODE_B], text, sizeof(text));
    tcp = strstr(text, "Tcp: 1 200 120000 -1 ");
    assert_non_null(tcp);
    assert_int_equal(strncmp(tcp + strlen("Tcp: 1 200 120000 -1 "), "0 1 0 0 1 ", 10), 0);
    const size_t n = axn_ctl_format_proc_net_netstat(W.sim.st[NODE_A], text, sizeof(text));
    assert_int_equal(n, strlen(text));
    assert_int_equal(strncmp(text, "TcpExt: SyncookiesSent SyncookiesRecv ", 38), 0);
    assert_non_null(strstr(text, "\nTcpExt: 0 "));
    assert_int_equal(text[n - 1], '\n');
}

/* ---- Blocking calls: real threads on loopback -------------------------------------------------
 */

#define PORT_LO     9090u
#define BLOCK_BYTES (256u * 1024u) /* many times the send ring */

static struct {
    struct tcp_loop loop;
    uint8_t out[BLOCK_BYTES];
    uint8_t in[BLOCK_BYTES];
    long sent;
    long peer_eof;
} B;

/* The client: blocking connect, one blocking send of everything, EOF. */
static void *client(void *arg)
{
    (void)arg;
    struct axn_socket *s = tcp_loop_socket(&B.loop);
    const struct axn_sockaddr_in sin = sim_sin4(TCP_LOOP_ADDR, PORT_LO);
    if (axn_connect(s, (const struct axn_sockaddr *)&sin, sizeof(sin)) == 0) {
        B.sent = axn_send(s, B.out, sizeof(B.out), 0);
        axn_shutdown(s, AXN_SHUT_WR);
        uint8_t b;
        B.peer_eof = axn_recv(s, &b, sizeof(b), 0);
    }
    axn_close(s);
    return NULL;
}

/* Spec TCP-35: a blocking send returns the full count; MSG_WAITALL
 * collects all of it; a blocking connect and accept complete. */
static void tcp_sock_blocking_send_full_count_and_waitall(void **state)
{
    (void)state;
    fill(B.out, sizeof(B.out));
    struct axn_socket *lst = tcp_loop_socket(&B.loop);
    const struct axn_sockaddr_in sin = sim_sin4(TCP_LOOP_ADDR, PORT_LO);
    assert_int_equal(axn_bind(lst, (const struct axn_sockaddr *)&sin, sizeof(sin)), 0);
    assert_int_equal(axn_listen(lst, BACKLOG), 0);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, client, NULL), 0);
    struct axn_socket *srv = NULL;
    assert_int_equal(axn_accept(lst, NULL, NULL, 0, &srv), 0);
    const long got = axn_recv(srv, B.in, sizeof(B.in), AXN_MSG_WAITALL);
    uint8_t b;
    const long eof = axn_recv(srv, &b, sizeof(b), 0);
    axn_close(srv);
    pthread_join(t, NULL);
    axn_close(lst);
    assert_int_equal(got, BLOCK_BYTES);
    assert_int_equal(eof, 0);
    assert_int_equal(B.sent, BLOCK_BYTES);
    assert_int_equal(B.peer_eof, 0);
    assert_memory_equal(B.in, B.out, sizeof(B.out));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(tcp_sock_fresh_socket_polls_out_hup),
        T(tcp_sock_option_defaults),
        T(tcp_sock_option_validation),
        T(tcp_sock_bind_conflicts),
        T(tcp_sock_bind_reuseaddr_and_reuseport),
        T(tcp_sock_bind_port_zero_and_listen_autobind),
        T(tcp_sock_wildcard_bind_then_connect_releases_port),
        T(tcp_sock_ip_tos_masks_ecn),
        T(tcp_sock_reuseport_group_shares_connections),
        T(tcp_sock_unconnected_errors),
        T(tcp_sock_connect_accept_and_data),
        T(tcp_sock_nonblocking_connect_ealready),
        T(tcp_sock_refused_then_retry_succeeds),
        T(tcp_sock_refused_blocking_style_reports_once),
        T(tcp_sock_nonblocking_send_partial_then_eagain),
        T(tcp_sock_shutdown_wr_epipe_and_rd_zero),
        T(tcp_sock_close_with_unread_data_resets),
        T(tcp_sock_linger_zero_close_resets),
        T(tcp_sock_time_wait_orphan_holds_port),
        T(tcp_sock_listen_after_failed_connect),
        T(tcp_sock_accept_after_listener_shut_rd),
        T(tcp_sock_poll_masks_through_close),
        T(tcp_sock_time_wait_socket_reads_close),
        T(tcp_sock_close_in_time_wait_keeps_it),
        T(tcp_sock_waitall_ends_at_fin_and_rst),
        T(tcp_sock_outq_counts_unacked_fin),
        T(tcp_sock_shutdown_marks_unreported_connect_connected),
        T(tcp_sock_server_restart_over_time_wait),
        T(tcp_sock_connect_unspec_disconnects),
        T(tcp_sock_tcp_info),
        T(tcp_sock_proc_rows),
        TCP_LOOP_TEST(tcp_sock_blocking_send_full_count_and_waitall, &B.loop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
