/*
 * The iperf3 client (`axnet iperf3`): one test against an iperf3 server,
 * run the way iperf3 -c runs it (see iperf3.h), the client keeping time.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "axnet/errno.h"
#include "iperf3_run.h"

#define DEFAULT_SECONDS 10u
/* How often the client looks at the clock while the test runs. */
#define TICK_NS  10000000L
#define MS_PER_S 1000.0
/* How long connecting may take (ARP and the handshake, retries included). */
#define CONNECT_PATIENCE_S 10.0
#define BITS_PER_BYTE      8.0
#define BYTES_PER_MBYTE    (1024.0 * 1024.0)
#define BITS_PER_MBIT      1e6

struct client {
    struct axn_stack *st;
    const struct axn_iperf3_client_opts *o;
    struct axn_socket *ctrl;
    struct axn_sockaddr_in peer;
    char cookie[AXN_IPERF3_COOKIE_SIZE];
    struct axn_iperf3_test test;
    char json[AXN_IPERF3_JSON_MAX + 1];
    const char *step; /* what failed, for the message */
};

static bool stopping(const struct client *c)
{
    return c->o->should_stop && c->o->should_stop();
}

/* connect(2) in slices of the socket's timeout until CONNECT_PATIENCE_S. */
static int connect_patiently(const struct client *c, struct axn_socket *s,
                             const struct axn_sockaddr_in *to)
{
    const double deadline = axn_iperf3_mono_s() + CONNECT_PATIENCE_S;
    const struct timespec tick = {0, TICK_NS};
    int err = axn_connect(s, (const struct axn_sockaddr *)to, sizeof *to);
    while (err == -AXN_EINPROGRESS || err == -AXN_EALREADY || err == -AXN_EAGAIN) {
        if (axn_iperf3_mono_s() > deadline)
            return -AXN_ETIMEDOUT;
        if (stopping(c))
            return -AXN_EINTR;
        nanosleep(&tick, NULL);
        err = axn_connect(s, (const struct axn_sockaddr *)to, sizeof *to);
        if (err == -AXN_EISCONN)
            return 0;
    }
    return err;
}

static int connected_socket(struct client *c, int type, struct axn_socket **out)
{
    int err = axn_socket(c->st, AXN_AF_INET, type, 0, out);
    if (err)
        return err;
    err = axn_iperf3_set_timeouts(*out, AXN_IPERF3_CTRL_SLICE_MS);
    if (!err)
        err = connect_patiently(c, *out, &c->peer);
    if (err) {
        axn_close(*out);
        *out = NULL;
    }
    return err;
}

static int expect_state(struct client *c, int want, const char *step)
{
    int state = 0;
    c->step = step;
    const int err = axn_iperf3_recv_state(c->ctrl, &state);
    if (err)
        return err;
    if (state == AXN_IPERF3_ACCESS_DENIED) {
        c->step = "server busy (access denied)";
        return -AXN_EBUSY;
    }
    if (state == AXN_IPERF3_SERVER_ERROR) {
        c->step = "server error";
        return -AXN_EPROTO;
    }
    return state == want ? 0 : -AXN_EPROTO;
}

static void fill_params(struct client *c)
{
    const struct axn_iperf3_client_opts *o = c->o;
    struct axn_iperf3_params *p = &c->test.p;
    p->udp = o->udp;
    p->reverse = o->reverse;
    p->seconds = o->seconds ? o->seconds : DEFAULT_SECONDS;
    p->parallel = o->parallel ? o->parallel : 1;
    p->len = o->length ? o->length
             : o->udp  ? AXN_IPERF3_UDP_DEFAULT_LEN
                       : AXN_IPERF3_TCP_DEFAULT_LEN;
    p->bandwidth = o->bitrate ? o->bitrate : o->udp ? AXN_IPERF3_UDP_DEFAULT_RATE : 0;
    c->test.sending = !o->reverse;
}

static int udp_handshake(struct axn_socket *s)
{
    uint8_t w[AXN_IPERF3_UDP_HANDSHAKE_LEN];
    axn_iperf3_udp_word_put(w, AXN_IPERF3_UDP_CONNECT_MSG);
    if (axn_send(s, w, sizeof w, 0) != (long)sizeof w)
        return -AXN_EPIPE;
    const int err = axn_iperf3_recv_all(s, w, sizeof w);
    if (err)
        return err;
    return axn_iperf3_udp_word_is(w, AXN_IPERF3_UDP_CONNECT_REPLY) ? 0 : -AXN_EPROTO;
}

static int open_streams(struct client *c)
{
    struct axn_iperf3_test *t = &c->test;
    c->step = "opening the data streams";
    for (size_t i = 0; i < t->p.parallel; i++) {
        struct axn_iperf3_stream *st = &t->streams[i];
        int err = connected_socket(c, t->p.udp ? AXN_SOCK_DGRAM : AXN_SOCK_STREAM, &st->s);
        if (err)
            return err;
        t->n = i + 1;
        st->id = axn_iperf3_stream_id(i);
        err = t->p.udp ? udp_handshake(st->s)
                       : axn_iperf3_send_all(st->s, c->cookie, sizeof c->cookie);
        if (err)
            return err;
    }
    return 0;
}

/* Control connection, cookie, parameters, streams, up to TEST_RUNNING. */
static int setup(struct client *c)
{
    c->step = "connecting";
    int err = connected_socket(c, AXN_SOCK_STREAM, &c->ctrl);
    if (err)
        return err;
    axn_iperf3_make_cookie(c->cookie);
    err = axn_iperf3_send_all(c->ctrl, c->cookie, sizeof c->cookie);
    if (!err)
        err = expect_state(c, AXN_IPERF3_PARAM_EXCHANGE, "waiting for PARAM_EXCHANGE");
    if (err)
        return err;
    const long n = axn_iperf3_params_emit(&c->test.p, c->json, sizeof c->json);
    err = n < 0 ? -AXN_EMSGSIZE : axn_iperf3_send_json(c->ctrl, c->json, (size_t)n);
    if (!err)
        err = expect_state(c, AXN_IPERF3_CREATE_STREAMS, "waiting for CREATE_STREAMS");
    if (!err)
        err = open_streams(c);
    if (!err)
        err = expect_state(c, AXN_IPERF3_TEST_START, "waiting for TEST_START");
    if (!err)
        err = expect_state(c, AXN_IPERF3_TEST_RUNNING, "waiting for TEST_RUNNING");
    return err;
}

/* The test's time, or -EINTR when should_stop says so first. */
static int run_for(const struct client *c)
{
    const double end = c->test.start_mono + c->test.p.seconds;
    while (axn_iperf3_mono_s() < end) {
        if (stopping(c))
            return -AXN_EINTR;
        const struct timespec ts = {0, TICK_NS};
        nanosleep(&ts, NULL);
    }
    return 0;
}

static void fill_result(const struct client *c, const struct axn_iperf3_results *ours,
                        const struct axn_iperf3_results *theirs, struct axn_iperf3_result *res)
{
    const struct axn_iperf3_results *snd = c->test.sending ? ours : theirs;
    const struct axn_iperf3_results *rcv = c->test.sending ? theirs : ours;
    memset(res, 0, sizeof *res);
    res->seconds = c->test.end_mono - c->test.start_mono;
    for (size_t i = 0; i < snd->nstreams; i++) {
        res->bytes_sent += snd->streams[i].bytes;
        if (c->test.p.udp) /* TCP "packets" would be send calls */
            res->packets += snd->streams[i].packets;
    }
    for (size_t i = 0; i < rcv->nstreams; i++) {
        res->bytes_received += rcv->streams[i].bytes;
        res->lost += rcv->streams[i].errors;
        if (rcv->streams[i].jitter_s * MS_PER_S > res->jitter_ms)
            res->jitter_ms = rcv->streams[i].jitter_s * MS_PER_S;
    }
}

/* TEST_END, the results exchange, IPERF_DONE. */
static int finish(struct client *c, struct axn_iperf3_result *res)
{
    struct axn_iperf3_results ours, theirs;
    size_t len;
    axn_iperf3_streams_results(&c->test, &ours);
    c->step = "ending the test";
    int err = axn_iperf3_send_state(c->ctrl, AXN_IPERF3_TEST_END);
    if (!err)
        err = expect_state(c, AXN_IPERF3_EXCHANGE_RESULTS, "waiting for EXCHANGE_RESULTS");
    if (err)
        return err;
    c->step = "exchanging results";
    const long n = axn_iperf3_results_emit(&ours, c->test.sending, c->json, sizeof c->json);
    err = n < 0 ? -AXN_EMSGSIZE : axn_iperf3_send_json(c->ctrl, c->json, (size_t)n);
    if (!err)
        err = axn_iperf3_recv_json(c->ctrl, c->json, sizeof c->json, &len);
    if (!err && axn_iperf3_results_parse(c->json, len, &theirs))
        err = -AXN_EPROTO;
    if (!err)
        err = expect_state(c, AXN_IPERF3_DISPLAY_RESULTS, "waiting for DISPLAY_RESULTS");
    if (!err)
        err = axn_iperf3_send_state(c->ctrl, AXN_IPERF3_IPERF_DONE);
    if (!err)
        fill_result(c, &ours, &theirs, res);
    return err;
}

static int run(struct client *c, struct axn_iperf3_result *res)
{
    int err = setup(c);
    if (!err && stopping(c))
        err = -AXN_EINTR;
    if (!err) {
        c->step = "starting the streams";
        err = axn_iperf3_streams_start(&c->test);
    }
    if (!err)
        err = run_for(c);
    axn_iperf3_streams_stop(&c->test);
    if (!err)
        err = finish(c, res);
    axn_iperf3_streams_close(&c->test);
    return err;
}

int axn_iperf3_client_run(struct axn_stack *st, const struct axn_iperf3_client_opts *o,
                          struct axn_iperf3_result *res)
{
    struct client *c = calloc(1, sizeof *c);
    if (!c)
        return -AXN_ENOMEM;
    c->st = st;
    c->o = o;
    if (o->parallel > AXN_IPERF3_MAX_STREAMS ||
        (o->length && o->length < (o->udp ? AXN_IPERF3_UDP_HDR64 : 1)) ||
        o->length > (o->udp ? AXN_IPERF3_UDP_MAX_LEN : AXN_IPERF3_MAX_LEN)) {
        fprintf(stderr, "axnet iperf3: at most %d streams of blocks of %u..%u bytes\n",
                AXN_IPERF3_MAX_STREAMS, o->udp ? AXN_IPERF3_UDP_HDR64 : 1,
                o->udp ? AXN_IPERF3_UDP_MAX_LEN : AXN_IPERF3_MAX_LEN);
        free(c);
        return -AXN_EINVAL;
    }
    c->peer.sin_family = AXN_AF_INET;
    c->peer.sin_port = htons(o->port ? o->port : AXN_IPERF3_PORT);
    c->peer.sin_addr.s_addr = htonl(o->host);
    fill_params(c);
    axn_iperf3_set_stop(o->should_stop); /* Ctrl-C cuts a control wait short */
    const int err = run(c, res);
    axn_iperf3_set_stop(NULL);
    if (err && err != -AXN_EINTR)
        fprintf(stderr, "axnet iperf3: %s: %s\n", c->step ? c->step : "setup", strerror(-err));
    if (c->ctrl)
        axn_close(c->ctrl);
    free(c);
    return err;
}

static void print_line(FILE *to, double secs, uint64_t bytes, const char *who)
{
    const double mbit = secs > 0 ? (double)bytes * BITS_PER_BYTE / secs / BITS_PER_MBIT : 0;
    fprintf(to, "[SUM] 0.00-%.2f sec  %8.2f MBytes  %8.2f Mbits/sec  %s\n", secs,
            (double)bytes / BYTES_PER_MBYTE, mbit, who);
}

void axn_iperf3_result_print(FILE *to, const struct axn_iperf3_client_opts *o,
                             const struct axn_iperf3_result *r)
{
    print_line(to, r->seconds, r->bytes_sent, o->reverse ? "sender (server)" : "sender");
    print_line(to, r->seconds, r->bytes_received, o->reverse ? "receiver" : "receiver (server)");
    if (o->udp)
        fprintf(to, "[SUM] %llu datagrams, %llu lost, jitter %.3f ms\n",
                (unsigned long long)r->packets, (unsigned long long)r->lost, r->jitter_ms);
}
