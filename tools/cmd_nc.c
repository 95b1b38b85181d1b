/*
 * `axnet nc [-l] [-u] [-w SEC] [HOST] PORT`: netcat over the stack. TCP or
 * (-u) UDP; connect to HOST PORT, or (-l) wait for one peer on PORT
 * (optionally bound to HOST). Standard input goes to the socket, the
 * socket to standard output, as netcat-openbsd does:
 *   - TCP: EOF on stdin shuts down our sending side (the peer reads EOF);
 *     EOF from the peer ends the command. -l accepts one connection.
 *   - UDP: each read of stdin is one datagram; -l answers whoever sent
 *     the first datagram. After stdin's EOF the command ends when nothing
 *     arrived for -w seconds (2).
 *   - TCP with -w: also ends after that long without traffic.
 * The socket is read on the main thread and stdin on a second one; both
 * wait in short slices so Ctrl-C (axn_runner_stopping) ends them.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "axnet/errno.h"
#include "axnet/port_posix.h"
#include "axnet/socket.h"
#include "cli_cmds.h"
#include "cli_util.h"
#include "runner.h"

#define PROG             "axnet nc"
#define IO_BUF           8192
#define UDP_DEFAULT_WAIT AXN_SEC(2)
#define NO_IDLE_LIMIT    0
#define MAX_PORT         65535
#define POLL_SLICE_MS    100
#define BACKLOG          1
#define MAX_POSITIONAL   2
#define USEC_PER_MS      1000

struct nc_opts {
    bool listen, udp;
    const char *host; /* NULL: any (with -l) */
    uint16_t port;
    axn_time_t wait; /* idle limit; NO_IDLE_LIMIT: none */
};

struct nc_run {
    struct nc_opts o;
    struct axn_stack *st;
    struct axn_socket *s;
    atomic_bool done;      /* the main loop ended: the stdin thread stops */
    atomic_bool peer;      /* the socket has its peer (UDP -l: after the first datagram) */
    atomic_bool stdin_eof; /* stdin ended (or failed) */
    _Atomic axn_time_t last_io;
};

static void usage(FILE *to)
{
    fprintf(to, "usage: axnet nc [-u] [-w SECONDS] HOST PORT --tap NAME [runner options]\n"
                "       axnet nc -l [-u] [-w SECONDS] [ADDR] PORT --tap NAME [runner options]\n\n"
                "Connects to HOST PORT (TCP, or UDP with -u), or with -l waits for one peer on\n"
                "PORT; copies stdin to the socket and the socket to stdout. TCP: EOF on stdin\n"
                "shuts down sending, EOF from the peer ends. UDP: ends -w seconds (2) after\n"
                "the last traffic once stdin is done. -w with TCP: idle limit.\n\n");
    if (to == stdout)
        axn_runner_print_flags();
}

/* HOST and PORT, or (-l) [ADDR] PORT. */
static bool take_positional(const char *a, int *n_pos, const char *pos[])
{
    if (*n_pos >= MAX_POSITIONAL)
        return false;
    pos[(*n_pos)++] = a;
    return true;
}

static int finish_opts(struct nc_opts *o, int n_pos, const char *pos[])
{
    unsigned long port;
    if (n_pos == 0 || (!o->listen && n_pos != MAX_POSITIONAL)) {
        usage(stderr);
        return -1;
    }
    if (!axn_runner_parse_uint(pos[n_pos - 1], &port) || port == 0 || port > MAX_PORT) {
        fprintf(stderr, PROG ": bad port '%s'\n", pos[n_pos - 1]);
        return -1;
    }
    o->port = (uint16_t)port;
    o->host = n_pos == MAX_POSITIONAL ? pos[0] : NULL;
    if (o->udp && o->wait == NO_IDLE_LIMIT)
        o->wait = UDP_DEFAULT_WAIT;
    return 0;
}

static int parse_opts(int argc, char **argv, struct nc_opts *o)
{
    const char *pos[MAX_POSITIONAL];
    int n_pos = 0;
    memset(o, 0, sizeof(*o));
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool ok = true;
        if (!strcmp(a, "-l"))
            o->listen = true;
        else if (!strcmp(a, "-u"))
            o->udp = true;
        else if (!strcmp(a, "-w"))
            ok = axn_runner_parse_seconds(i + 1 < argc ? argv[++i] : NULL, &o->wait);
        else if (a[0] != '-')
            ok = take_positional(a, &n_pos, pos);
        else
            ok = false;
        if (!ok) {
            fprintf(stderr, PROG ": unexpected or bad argument '%s' (try --help)\n", a);
            return -1;
        }
    }
    return finish_opts(o, n_pos, pos);
}

/* ---- stdin -> socket ---------------------------------------------------------- */

/* Sends all of buf (TCP) or one datagram (UDP), in slices so a peer that
 * stops reading cannot keep us past the end. */
static bool send_all(struct nc_run *n, const uint8_t *buf, size_t len)
{
    size_t off = 0;
    while (off < len && !atomic_load(&n->done)) {
        const long rc = axn_send(n->s, buf + off, len - off, AXN_MSG_NOSIGNAL);
        if (rc == -AXN_EAGAIN || rc == -AXN_EINTR)
            continue;
        if (rc < 0) {
            fprintf(stderr, PROG ": send: %s\n", strerror((int)-rc));
            return false;
        }
        off += (size_t)rc;
        atomic_store(&n->last_io, axn_port_posix_now());
    }
    return true;
}

/* Waits until stdin is readable; false when the run ended meanwhile. */
static bool stdin_ready(struct nc_run *n)
{
    struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
    while (!atomic_load(&n->done) && !axn_runner_stopping()) {
        if (!atomic_load(&n->peer)) {
            usleep(POLL_SLICE_MS * USEC_PER_MS);
            continue;
        }
        const int rc = poll(&pfd, 1, POLL_SLICE_MS);
        if (rc > 0 || (rc < 0 && errno != EINTR))
            return true;
    }
    return false;
}

static void *stdin_pump(void *arg)
{
    struct nc_run *n = arg;
    uint8_t buf[IO_BUF];
    while (stdin_ready(n)) {
        const ssize_t got = read(STDIN_FILENO, buf, sizeof(buf));
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0 || !send_all(n, buf, (size_t)got))
            break;
    }
    if (!n->o.udp && atomic_load(&n->peer))
        axn_shutdown(n->s, AXN_SHUT_WR); /* the peer reads EOF */
    atomic_store(&n->last_io, axn_port_posix_now());
    atomic_store(&n->stdin_eof, true);
    return NULL;
}

/* ---- socket -> stdout --------------------------------------------------------- */

static bool write_out(const uint8_t *buf, size_t len)
{
    if (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0) {
        fprintf(stderr, PROG ": writing stdout: %s\n", strerror(errno));
        return false;
    }
    return true;
}

static bool idle_over(struct nc_run *n)
{
    if (n->o.wait == NO_IDLE_LIMIT)
        return false;
    if (n->o.udp && (!atomic_load(&n->stdin_eof) || !atomic_load(&n->peer)))
        return false;
    return axn_port_posix_now() - atomic_load(&n->last_io) >= n->o.wait;
}

/* UDP -l: the first datagram's sender becomes the peer. */
static long first_datagram(struct nc_run *n, uint8_t *buf, size_t cap)
{
    struct axn_sockaddr_in from;
    axn_socklen_t len = sizeof(from);
    const long rc = axn_recvfrom(n->s, buf, cap, 0, (struct axn_sockaddr *)&from, &len);
    if (rc < 0)
        return rc;
    const int err = axn_connect(n->s, (const struct axn_sockaddr *)&from, sizeof(from));
    if (err)
        return err;
    atomic_store(&n->peer, true);
    return rc;
}

/* Returns the exit status. */
static int pump_socket(struct nc_run *n)
{
    uint8_t buf[IO_BUF];
    axn_cli_set_rcvtimeo(n->s, AXN_CLI_SLICE);
    while (!axn_runner_stopping()) {
        const long rc = atomic_load(&n->peer) ? axn_recv(n->s, buf, sizeof(buf), 0)
                                              : first_datagram(n, buf, sizeof(buf));
        if (rc > 0) {
            atomic_store(&n->last_io, axn_port_posix_now());
            if (!write_out(buf, (size_t)rc))
                return AXN_EXIT_FAIL;
        } else if (rc == 0 && !n->o.udp) {
            return 0; /* the peer's EOF */
        } else if (rc == -AXN_EAGAIN || rc == -AXN_EINTR || rc == 0) {
            if (idle_over(n))
                return 0;
        } else if (!(n->o.udp && rc == -AXN_ECONNREFUSED)) {
            /* UDP: a port unreachable for a datagram of ours; nc goes on. */
            fprintf(stderr, PROG ": recv: %s\n", strerror((int)-rc));
            return AXN_EXIT_FAIL;
        }
    }
    return 0;
}

/* ---- Setting the socket up ---------------------------------------------------- */

static int sock_fail(const char *what, const struct nc_opts *o, int err)
{
    fprintf(stderr, PROG ": %s %s port %u (%s) failed: %s\n", what, o->host ? o->host : "*",
            (unsigned)o->port, o->udp ? "udp" : "tcp", strerror(-err));
    return err;
}

static int open_connected(struct nc_run *n)
{
    axn_ip4_t dst;
    if (!axn_cli_host_ip4(n->st, PROG, n->o.host, &dst))
        return -AXN_EHOSTUNREACH;
    const struct axn_sockaddr_in to = axn_cli_sin(dst, n->o.port);
    const int err = axn_connect(n->s, (const struct axn_sockaddr *)&to, sizeof(to));
    if (err)
        return sock_fail("connect to", &n->o, err);
    atomic_store(&n->peer, true);
    return 0;
}

/* TCP -l: one connection, then the listener goes. */
static int accept_one(struct nc_run *n)
{
    struct axn_socket *conn = NULL;
    int err = axn_listen(n->s, BACKLOG);
    if (err)
        return sock_fail("listen on", &n->o, err);
    axn_cli_set_rcvtimeo(n->s, AXN_CLI_SLICE);
    do {
        err = axn_accept(n->s, NULL, NULL, 0, &conn);
    } while ((err == -AXN_EAGAIN || err == -AXN_EINTR) && !axn_runner_stopping());
    if (err)
        return axn_runner_stopping() ? err : sock_fail("accept on", &n->o, err);
    axn_close(n->s);
    n->s = conn;
    atomic_store(&n->peer, true);
    return 0;
}

static int open_listening(struct nc_run *n)
{
    axn_ip4_t addr = AXN_INADDR_ANY;
    const int on = 1;
    if (n->o.host && !axn_runner_parse_ip4(n->o.host, &addr)) {
        fprintf(stderr, PROG ": -l needs a local address, not '%s'\n", n->o.host);
        return -AXN_EINVAL;
    }
    axn_setsockopt(n->s, AXN_SOL_SOCKET, AXN_SO_REUSEADDR, &on, sizeof(on));
    const struct axn_sockaddr_in me = axn_cli_sin(addr, n->o.port);
    const int err = axn_bind(n->s, (const struct axn_sockaddr *)&me, sizeof(me));
    if (err)
        return sock_fail("bind to", &n->o, err);
    return n->o.udp ? 0 : accept_one(n);
}

static int open_socket(struct nc_run *n)
{
    const int err =
        axn_socket(n->st, AXN_AF_INET, n->o.udp ? AXN_SOCK_DGRAM : AXN_SOCK_STREAM, 0, &n->s);
    if (err) {
        fprintf(stderr, PROG ": socket: %s\n", strerror(-err));
        return err;
    }
    return n->o.listen ? open_listening(n) : open_connected(n);
}

static int run(struct nc_run *n)
{
    pthread_t pump;
    if (open_socket(n) != 0)
        return AXN_EXIT_FAIL;
    atomic_store(&n->last_io, axn_port_posix_now());
    const int err = pthread_create(&pump, NULL, stdin_pump, n);
    if (err) {
        fprintf(stderr, PROG ": thread: %s\n", strerror(err));
        return AXN_EXIT_FAIL;
    }
    const int status = pump_socket(n);
    atomic_store(&n->done, true);
    pthread_join(pump, NULL);
    return status;
}

int axn_cmd_nc(int argc, char **argv)
{
    struct axn_runner r;
    struct nc_run n;
    if (axn_cmd_wants_help(argc, argv)) {
        usage(stdout);
        return 0;
    }
    memset(&n, 0, sizeof(n));
    if (axn_runner_parse(&r, PROG, &argc, argv) != 0 || parse_opts(argc, argv, &n.o) != 0)
        return AXN_EXIT_USAGE;
    if (axn_runner_start(&r) != 0)
        return AXN_EXIT_FAIL;
    n.st = axn_runner_stack(&r);
    const int status = run(&n);
    if (n.s)
        axn_close(n.s);
    axn_runner_stop(&r);
    return status;
}
