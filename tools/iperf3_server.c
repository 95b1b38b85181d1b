/*
 * The iperf3 server (`axnet serve --iperf3`): one thread accepts control
 * connections on the port and runs one test at a time, as iperf3 -s does
 * (the data streams arrive on the same TCP listener; UDP streams on a UDP
 * socket bound to the same port number).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axnet/errno.h"
#include "iperf3_run.h"

#define LISTEN_BACKLOG 8
/* How long the listener's accept waits before checking for a stop. */
#define ACCEPT_SLICE_MS 200
/* How long a client may take to open its streams or to end the test
 * beyond its announced duration (a `-n` test has no duration: 60 s). */
#define STREAMS_PATIENCE_S 10.0
#define END_SLACK_S        10.0
#define BYTES_TEST_LIMIT_S 60.0
/* iperf3's i_errno values (iperf_api.h) that SERVER_ERROR carries, as
 * iperf3 3.12's iperf_strerror() words them: "not implemented yet",
 * "number of parallel streams too large", "block size too large", "block
 * size invalid" (UDP). */
#define IE_NUMSTREAMS   6u
#define IE_BLOCKSIZE    7u
#define IE_UNIMP        13u
#define IE_UDPBLOCKSIZE 20u
#define ERRNO_BYTES     4
#define BITS_PER_BYTE   8

struct axn_iperf3_server {
    struct axn_stack *st;
    uint16_t port;
    struct axn_socket *listener;
    pthread_t thread;
    atomic_bool stop;
    pthread_mutex_t lock;
    struct axn_socket *ctrl; /* the test in progress, for stop */
    const char *step;        /* what it was doing, for a failure's line */
    atomic_uint done;
    atomic_uint failed;
    char cookie[AXN_IPERF3_COOKIE_SIZE];
    struct axn_iperf3_test test;
    char json[AXN_IPERF3_JSON_MAX + 1];
};

static struct axn_sockaddr_in any_addr(uint16_t port)
{
    struct axn_sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AXN_AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = AXN_INADDR_ANY;
    return a;
}

static int bound_socket(struct axn_stack *st, int type, uint16_t port, struct axn_socket **out)
{
    const int one = 1;
    struct axn_sockaddr_in a = any_addr(port);
    int err = axn_socket(st, AXN_AF_INET, type, 0, out);
    if (err)
        return err;
    err = axn_setsockopt(*out, AXN_SOL_SOCKET, AXN_SO_REUSEADDR, &one, sizeof one);
    if (!err)
        err = axn_bind(*out, (const struct axn_sockaddr *)&a, sizeof a);
    if (err) {
        axn_close(*out);
        *out = NULL;
    }
    return err;
}

/* The control connection ended or failed (the client gave up, say after
 * a failed stream set-up): nothing will follow on it. */
static bool ctrl_gone(struct axn_iperf3_server *srv)
{
    uint8_t b;
    const long n = axn_recv(srv->ctrl, &b, sizeof b, AXN_MSG_PEEK | AXN_MSG_DONTWAIT);
    return n == 0 || (n < 0 && n != -AXN_EAGAIN && n != -AXN_EINTR);
}

/* Accepts on the listener until a connection, the deadline, or a stop;
 * while a test is being set up, until its control connection ends. */
static int accept_until(struct axn_iperf3_server *srv, double deadline, struct axn_socket **out)
{
    while (!atomic_load(&srv->stop)) {
        const int err = axn_accept(srv->listener, NULL, NULL, 0, out);
        if (err != -AXN_EAGAIN)
            return err;
        if (deadline > 0 && axn_iperf3_mono_s() > deadline)
            return -AXN_ETIMEDOUT;
        if (srv->ctrl && ctrl_gone(srv))
            return -AXN_ECONNABORTED;
    }
    return -AXN_ECONNABORTED;
}

/* A TCP stream: a connection whose first 37 bytes are the test's cookie. */
static int accept_tcp_stream(struct axn_iperf3_server *srv, struct axn_socket **out)
{
    const double deadline = axn_iperf3_mono_s() + STREAMS_PATIENCE_S;
    char cookie[AXN_IPERF3_COOKIE_SIZE];
    for (;;) {
        int err = accept_until(srv, deadline, out);
        if (err)
            return err;
        axn_iperf3_set_timeouts(*out, AXN_IPERF3_CTRL_SLICE_MS);
        err = axn_iperf3_recv_all(*out, cookie, sizeof cookie);
        if (!err && !memcmp(cookie, srv->cookie, sizeof cookie))
            return 0;
        /* Another client during the test: iperf3 turns it away too. */
        if (!err)
            axn_iperf3_send_state(*out, AXN_IPERF3_ACCESS_DENIED);
        axn_close(*out);
        *out = NULL;
    }
}

/* A UDP stream: the client's handshake word on the bound socket `s`, which
 * is then connected back to the sender. */
static int udp_hello(struct axn_iperf3_server *srv, struct axn_socket *s)
{
    const double deadline = axn_iperf3_mono_s() + STREAMS_PATIENCE_S;
    uint8_t w[AXN_IPERF3_UDP_HANDSHAKE_LEN];
    struct axn_sockaddr_in from;
    axn_iperf3_set_timeouts(s, AXN_IPERF3_CTRL_SLICE_MS);
    while (!atomic_load(&srv->stop) && axn_iperf3_mono_s() < deadline) {
        axn_socklen_t fl = sizeof from;
        const long n = axn_recvfrom(s, w, sizeof w, 0, (struct axn_sockaddr *)&from, &fl);
        if (n == (long)sizeof w && axn_iperf3_udp_word_is(w, AXN_IPERF3_UDP_CONNECT_MSG))
            return axn_connect(s, (const struct axn_sockaddr *)&from, sizeof from);
        if (n == -AXN_EAGAIN && ctrl_gone(srv))
            return -AXN_ECONNABORTED;
    }
    return -AXN_ETIMEDOUT;
}

static int udp_reply(struct axn_socket *s)
{
    uint8_t w[AXN_IPERF3_UDP_HANDSHAKE_LEN];
    axn_iperf3_udp_word_put(w, AXN_IPERF3_UDP_CONNECT_REPLY);
    return axn_send(s, w, sizeof w, 0) == (long)sizeof w ? 0 : -AXN_EPIPE;
}

/* UDP streams. The client sends its handshake word as soon as it reads
 * CREATE_STREAMS (or our reply for the stream before), and a word that
 * finds no socket bound draws an ICMP port unreachable that fails its
 * test: so, as iperf3 -s does, stream i's socket is bound before that
 * message (setup_test binds the first) and stream i+1's before the reply
 * to stream i. */
static int open_udp_streams(struct axn_iperf3_server *srv)
{
    struct axn_iperf3_test *t = &srv->test;
    for (size_t i = 0; i < t->p.parallel; i++) {
        struct axn_iperf3_stream *st = &t->streams[i];
        int err = udp_hello(srv, st->s);
        if (!err && i + 1 < t->p.parallel) {
            err = bound_socket(srv->st, AXN_SOCK_DGRAM, srv->port, &t->streams[i + 1].s);
            if (!err)
                t->n = i + 2;
        }
        if (!err)
            err = udp_reply(st->s);
        if (err)
            return err;
        st->id = axn_iperf3_stream_id(i);
    }
    return 0;
}

static int open_tcp_streams(struct axn_iperf3_server *srv)
{
    struct axn_iperf3_test *t = &srv->test;
    for (size_t i = 0; i < t->p.parallel; i++) {
        struct axn_iperf3_stream *st = &t->streams[i];
        const int err = accept_tcp_stream(srv, &st->s);
        if (err)
            return err;
        t->n = i + 1;
        st->id = axn_iperf3_stream_id(i);
    }
    return 0;
}

/* SERVER_ERROR and the two numbers iperf3 reads after it: its i_errno
 * (which it prints as its own message) and an errno (0: none). */
static void refuse(struct axn_socket *ctrl, uint32_t ierrno)
{
    uint8_t nums[2 * ERRNO_BYTES] = {0};
    for (int i = 0; i < ERRNO_BYTES; i++)
        nums[ERRNO_BYTES - 1 - i] = (uint8_t)(ierrno >> (BITS_PER_BYTE * i));
    axn_iperf3_send_state(ctrl, AXN_IPERF3_SERVER_ERROR);
    axn_iperf3_send_all(ctrl, nums, sizeof nums);
}

/* 0, or the iperf3 i_errno that says why we cannot run this test. */
static uint32_t params_refusal(const struct axn_iperf3_params *p)
{
    if (p->bidir)
        return IE_UNIMP;
    if (p->parallel < 1 || p->parallel > AXN_IPERF3_MAX_STREAMS)
        return IE_NUMSTREAMS;
    if (p->udp && (p->len < AXN_IPERF3_UDP_HDR64 || p->len > AXN_IPERF3_UDP_MAX_LEN))
        return IE_UDPBLOCKSIZE;
    if (!p->udp && (p->len < 1 || p->len > AXN_IPERF3_MAX_LEN))
        return IE_BLOCKSIZE;
    return 0;
}

/* Cookie, parameters, streams: up to the test running. */
static int setup_test(struct axn_iperf3_server *srv, struct axn_socket *ctrl)
{
    struct axn_iperf3_test *t = &srv->test;
    size_t len;
    srv->step = "reading the parameters";
    int err = axn_iperf3_recv_all(ctrl, srv->cookie, sizeof srv->cookie);
    if (!err)
        err = axn_iperf3_send_state(ctrl, AXN_IPERF3_PARAM_EXCHANGE);
    if (!err)
        err = axn_iperf3_recv_json(ctrl, srv->json, sizeof srv->json, &len);
    if (err)
        return err;
    srv->step = "checking the parameters";
    const uint32_t why =
        axn_iperf3_params_parse(srv->json, len, &t->p) ? IE_UNIMP : params_refusal(&t->p);
    if (why) {
        refuse(ctrl, why);
        return -AXN_EOPNOTSUPP;
    }
    t->sending = t->p.reverse;
    srv->step = "opening the streams";
    if (t->p.udp) {
        err = bound_socket(srv->st, AXN_SOCK_DGRAM, srv->port, &t->streams[0].s);
        if (err)
            return err;
        t->n = 1;
    }
    err = axn_iperf3_send_state(ctrl, AXN_IPERF3_CREATE_STREAMS);
    if (!err)
        err = t->p.udp ? open_udp_streams(srv) : open_tcp_streams(srv);
    if (!err)
        err = axn_iperf3_send_state(ctrl, AXN_IPERF3_TEST_START);
    if (!err)
        err = axn_iperf3_send_state(ctrl, AXN_IPERF3_TEST_RUNNING);
    return err ? err : axn_iperf3_streams_start(t);
}

/* Waits for the client's TEST_END (the client keeps the time). */
static int wait_test_end(struct axn_iperf3_server *srv, struct axn_socket *ctrl)
{
    const double limit =
        srv->test.p.seconds ? srv->test.p.seconds + END_SLACK_S : BYTES_TEST_LIMIT_S;
    const double deadline = axn_iperf3_mono_s() + limit;
    int state = 0;
    srv->step = "waiting for TEST_END";
    for (;;) {
        const int err = axn_iperf3_recv_state(ctrl, &state);
        if (err == -AXN_EAGAIN && axn_iperf3_mono_s() < deadline && !atomic_load(&srv->stop))
            continue;
        if (err)
            return err;
        return state == AXN_IPERF3_TEST_END ? 0 : -AXN_ECONNABORTED;
    }
}

/* Results both ways, DISPLAY_RESULTS, and the client's IPERF_DONE. */
static int finish_test(struct axn_iperf3_server *srv, struct axn_socket *ctrl)
{
    struct axn_iperf3_results ours, theirs;
    size_t len;
    int state = 0;
    axn_iperf3_streams_results(&srv->test, &ours);
    srv->step = "exchanging results";
    int err = axn_iperf3_send_state(ctrl, AXN_IPERF3_EXCHANGE_RESULTS);
    if (!err)
        err = axn_iperf3_recv_json(ctrl, srv->json, sizeof srv->json, &len);
    if (!err && axn_iperf3_results_parse(srv->json, len, &theirs))
        err = -AXN_EPROTO;
    if (err)
        return err;
    const long n = axn_iperf3_results_emit(&ours, srv->test.sending, srv->json, sizeof srv->json);
    err = n < 0 ? -AXN_EMSGSIZE : axn_iperf3_send_json(ctrl, srv->json, (size_t)n);
    if (!err)
        err = axn_iperf3_send_state(ctrl, AXN_IPERF3_DISPLAY_RESULTS);
    if (!err)
        err = axn_iperf3_recv_state(ctrl, &state);
    return err ? err : state == AXN_IPERF3_IPERF_DONE ? 0 : -AXN_EPROTO;
}

static int run_test(struct axn_iperf3_server *srv, struct axn_socket *ctrl)
{
    memset(&srv->test, 0, sizeof srv->test);
    int err = setup_test(srv, ctrl);
    if (!err)
        err = wait_test_end(srv, ctrl);
    axn_iperf3_streams_stop(&srv->test);
    /* iperf3 closes the streams before exchanging results. */
    axn_iperf3_streams_close(&srv->test);
    return err ? err : finish_test(srv, ctrl);
}

static void serve_one(struct axn_iperf3_server *srv, struct axn_socket *ctrl)
{
    axn_iperf3_set_timeouts(ctrl, AXN_IPERF3_CTRL_SLICE_MS);
    pthread_mutex_lock(&srv->lock);
    srv->ctrl = ctrl;
    pthread_mutex_unlock(&srv->lock);
    const int err = run_test(srv, ctrl);
    pthread_mutex_lock(&srv->lock);
    srv->ctrl = NULL;
    pthread_mutex_unlock(&srv->lock);
    if (err) {
        atomic_fetch_add(&srv->failed, 1);
        if (!atomic_load(&srv->stop))
            fprintf(stderr, "axnet iperf3 server: test failed %s: %s\n", srv->step, strerror(-err));
    } else {
        atomic_fetch_add(&srv->done, 1);
    }
    axn_close(ctrl);
}

static void *server_main(void *arg)
{
    struct axn_iperf3_server *srv = arg;
    struct axn_socket *ctrl;
    while (!accept_until(srv, 0, &ctrl))
        serve_one(srv, ctrl);
    return NULL;
}

int axn_iperf3_server_start(struct axn_stack *st, uint16_t port, struct axn_iperf3_server **out)
{
    struct axn_iperf3_server *srv = calloc(1, sizeof *srv);
    if (!srv)
        return -AXN_ENOMEM;
    srv->st = st;
    srv->port = port ? port : AXN_IPERF3_PORT;
    pthread_mutex_init(&srv->lock, NULL);
    int err = bound_socket(st, AXN_SOCK_STREAM, srv->port, &srv->listener);
    if (!err)
        err = axn_listen(srv->listener, LISTEN_BACKLOG);
    if (!err)
        err = axn_iperf3_set_timeouts(srv->listener, ACCEPT_SLICE_MS);
    if (!err && pthread_create(&srv->thread, NULL, server_main, srv))
        err = -AXN_ENOMEM;
    if (err) {
        if (srv->listener)
            axn_close(srv->listener);
        pthread_mutex_destroy(&srv->lock);
        free(srv);
        return err;
    }
    *out = srv;
    return 0;
}

void axn_iperf3_server_stop(struct axn_iperf3_server *srv)
{
    if (!srv)
        return;
    atomic_store(&srv->stop, true);
    pthread_mutex_lock(&srv->lock);
    if (srv->ctrl)
        axn_shutdown(srv->ctrl, AXN_SHUT_RDWR); /* wakes its reader */
    pthread_mutex_unlock(&srv->lock);
    pthread_join(srv->thread, NULL);
    axn_close(srv->listener);
    pthread_mutex_destroy(&srv->lock);
    free(srv);
}

unsigned axn_iperf3_server_tests_done(const struct axn_iperf3_server *s)
{
    return atomic_load(&s->done);
}

unsigned axn_iperf3_server_tests_failed(const struct axn_iperf3_server *s)
{
    return atomic_load(&s->failed);
}
