/*
 * The iperf3 pieces that need no network (tools/iperf3_json.c,
 * tools/iperf3_proto.c): the JSON reader and writer, the parameters and
 * results as iperf3 3.12 sends them (captured with strace from the real
 * binary), stream ids, the UDP handshake words and datagram header, and
 * the UDP receiver's loss and jitter accounting; and, on a loopback
 * stack, a client's should_stop cutting a 10 s test short (-EINTR), and
 * its wait on a server that says nothing; our client against our server
 * over UDP with two streams, both ways; the server failing at once a test
 * whose client left before opening its streams.
 * tests/interop/test_iperf3_tap.c runs the whole protocol against the
 * real iperf3.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "axnet/errno.h"
#include "iperf3.h"
#include "tcp_loop.h"

/* What iperf3 3.12 sent in `iperf3 -c ... -t 1 -R` and `-u -b 10M`. */
static const char params_rev[] =
    "{\"tcp\":true,\"omit\":0,\"time\":1,\"num\":0,\"blockcount\":0,\"parallel\":1,"
    "\"reverse\":true,\"len\":131072,\"pacing_timer\":1000,\"client_version\":\"3.12\"}";
static const char params_udp[] =
    "{\"udp\":true,\"omit\":0,\"time\":1,\"num\":0,\"blockcount\":0,\"parallel\":1,"
    "\"len\":32768,\"bandwidth\":10000000,\"pacing_timer\":1000,\"client_version\":\"3.12\"}";
/* A 3.12 server's results: -1 printed as 2^64 - 1, a jitter in e-notation. */
static const char results_udp[] =
    "{\"cpu_util_total\":0.1617199486254304,\"cpu_util_user\":0.1617199486254304,"
    "\"cpu_util_system\":0,\"sender_has_retransmits\":18446744073709551615,\"streams\":[{"
    "\"id\":1,\"bytes\":1277952,\"retransmits\":18446744073709551615,"
    "\"jitter\":1.6624271367152509e-05,\"errors\":2,\"packets\":39,\"start_time\":0,"
    "\"end_time\":1.000422}]}";

#define BUF_LEN 1024
#define EPS     1e-12
/* The loopback test: a 10 s test stopped after STOP_AFTER_S must be over
 * well before its time (a tick, not the test). */
#define LONG_TEST_S       10u
#define STOP_AFTER_S      0.5
#define STOP_MAX_S        3.0
#define STOP_SERVER_MAX_S 6.0 /* the client's bound and the server's stop */
/* A silent server: the control wait is cut within a slice or two. */
#define SILENT_STOP_MAX_S 1.5
#define LISTEN_BACKLOG    4
/* Client against server on the loopback: short UDP tests. */
#define LOOP_TEST_S   1u
#define LOOP_UDP_RATE 10000000u
#define LOOP_STREAMS  2u
#define LOOP_LEN      1460u
#define DONE_POLLS    40
#define DONE_POLL_NS  50000000L

static struct tcp_loop L;

static struct axn_ij_span span(const char *s)
{
    return (struct axn_ij_span){s, strlen(s)};
}

static void json_validates_only_whole_values(void **state)
{
    (void)state;
    static const char *const good[] = {
        "{}", "[]", " {\"a\" : [1, -2.5e3, true, false, null, \"x\\u00e9\\n\"]} ", "0", "\"\"",
    };
    static const char *const bad[] = {
        "",        "{",   "{\"a\":}", "{\"a\" 1}", "[1,]",  "01",         "1.",       "-",
        "\"\\x\"", "\"a", "{} {}",    "tru",       "[1 2]", "{\"a\":1,}", "\"\x01\"",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_int_equal(axn_ij_validate(good[i], strlen(good[i])), 0);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(axn_ij_validate(bad[i], strlen(bad[i])), -1);
}

static void json_refuses_deep_nesting(void **state)
{
    (void)state;
    char deep[BUF_LEN];
    const size_t depth = 100;
    memset(deep, '[', depth);
    memset(deep + depth, ']', depth);
    assert_int_equal(axn_ij_validate(deep, 2 * depth), -1);
    assert_int_equal(axn_ij_validate("[[[]]]", 6), 0);
}

static void json_lookups(void **state)
{
    (void)state;
    const char *doc = "{\"end\":{\"sum\":{\"bytes\":42,\"ok\":true},\"list\":[7,{\"x\":8}]}}";
    struct axn_ij_span v;
    double d;
    bool b;
    assert_int_equal(axn_ij_validate(doc, strlen(doc)), 0);
    assert_int_equal(axn_ij_path(span(doc), "end.sum.bytes", &v), 0);
    assert_int_equal(axn_ij_number(v, &d), 0);
    assert_true(d == 42);
    assert_int_equal(axn_ij_path(span(doc), "end.sum.ok", &v), 0);
    assert_int_equal(axn_ij_bool(v, &b), 0);
    assert_true(b);
    assert_int_equal(axn_ij_number(v, &d), -1);
    assert_int_equal(axn_ij_path(span(doc), "end.missing", &v), -1);
    assert_int_equal(axn_ij_path(span(doc), "end.sum.bytes.deeper", &v), -1);
    assert_int_equal(axn_ij_path(span(doc), "end.list", &v), 0);
    struct axn_ij_span e;
    assert_int_equal(axn_ij_at(v, 1, &e), 0);
    assert_int_equal(axn_ij_get(e, "x", &e), 0);
    assert_int_equal(axn_ij_number(e, &d), 0);
    assert_true(d == 8);
    assert_int_equal(axn_ij_at(v, 2, &e), -1);
    assert_int_equal(axn_ij_at(span("[]"), 0, &e), -1);
}

static void json_writer_escapes_and_bounds(void **state)
{
    (void)state;
    char buf[BUF_LEN];
    struct axn_ij_writer w;
    axn_ij_writer_init(&w, buf, sizeof buf);
    axn_ij_open(&w, '{');
    axn_ij_key(&w, "s");
    axn_ij_string(&w, "a\"b\\c\n");
    axn_ij_key(&w, "a");
    axn_ij_open(&w, '[');
    axn_ij_u64(&w, UINT64_MAX);
    axn_ij_double(&w, -0.5);
    axn_ij_boolean(&w, false);
    axn_ij_double(&w, NAN);
    axn_ij_close(&w, ']');
    axn_ij_close(&w, '}');
    const long n = axn_ij_finish(&w);
    assert_string_equal(buf,
                        "{\"s\":\"a\\\"b\\\\c\\u000a\",\"a\":[18446744073709551615,-0.5,false,0]}");
    assert_int_equal(n, (long)strlen(buf));
    assert_int_equal(axn_ij_validate(buf, (size_t)n), 0);

    char small[8];
    axn_ij_writer_init(&w, small, sizeof small);
    axn_ij_open(&w, '{');
    axn_ij_key(&w, "longer_than_the_buffer");
    assert_int_equal(axn_ij_finish(&w), -1);
    assert_true(strlen(small) < sizeof small);
}

static void params_from_iperf3_312(void **state)
{
    (void)state;
    struct axn_iperf3_params p;
    assert_int_equal(axn_iperf3_params_parse(params_rev, strlen(params_rev), &p), 0);
    assert_false(p.udp);
    assert_true(p.reverse);
    assert_int_equal(p.seconds, 1);
    assert_int_equal(p.parallel, 1);
    assert_int_equal(p.len, 131072);
    assert_int_equal(p.bandwidth, 0);
    assert_int_equal(axn_iperf3_params_parse(params_udp, strlen(params_udp), &p), 0);
    assert_true(p.udp);
    assert_false(p.reverse);
    assert_int_equal(p.len, 32768);
    assert_int_equal(p.bandwidth, 10000000);
    assert_false(p.udp_counters_64bit);
    /* Neither protocol, a negative time, not JSON. */
    static const char *const bad[] = {"{\"time\":1}", "{\"tcp\":true,\"time\":-1}", "{\"tcp\":"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(axn_iperf3_params_parse(bad[i], strlen(bad[i]), &p), -1);
}

static void params_round_trip(void **state)
{
    (void)state;
    const struct axn_iperf3_params in = {.udp = true,
                                         .reverse = true,
                                         .udp_counters_64bit = true,
                                         .seconds = 7,
                                         .parallel = 3,
                                         .len = 1460,
                                         .bandwidth = 123456789};
    struct axn_iperf3_params out;
    char buf[BUF_LEN];
    const long n = axn_iperf3_params_emit(&in, buf, sizeof buf);
    assert_true(n > 0);
    assert_non_null(strstr(buf, "\"udp\":true"));
    assert_non_null(strstr(buf, "\"reverse\":true"));
    assert_int_equal(axn_iperf3_params_parse(buf, (size_t)n, &out), 0);
    assert_memory_equal(&in, &out, sizeof in);
    assert_int_equal(axn_iperf3_params_emit(&in, buf, 16), -1);
}

static void results_from_iperf3_312(void **state)
{
    (void)state;
    struct axn_iperf3_results r;
    assert_int_equal(axn_iperf3_results_parse(results_udp, strlen(results_udp), &r), 0);
    assert_int_equal(r.nstreams, 1);
    assert_int_equal(r.streams[0].id, 1);
    assert_int_equal(r.streams[0].bytes, 1277952);
    assert_int_equal(r.streams[0].packets, 39);
    assert_int_equal(r.streams[0].errors, 2);
    assert_true(fabs(r.streams[0].jitter_s - 1.6624271367152509e-05) < EPS);
    assert_true(fabs(r.streams[0].end_time - 1.000422) < EPS);
    /* A stream without "bytes" is incomplete, as iperf3 says. */
    const char *partial = "{\"sender_has_retransmits\":0,\"streams\":[{\"id\":1,\"errors\":0,"
                          "\"packets\":0,\"jitter\":0}]}";
    assert_int_equal(axn_iperf3_results_parse(partial, strlen(partial), &r), -1);
    assert_int_equal(axn_iperf3_results_parse("{\"streams\":[]}", 14, &r), -1);
}

static void results_round_trip(void **state)
{
    (void)state;
    struct axn_iperf3_results in = {.nstreams = 2};
    in.streams[0] = (struct axn_iperf3_stream_result){1, 1000, 10, 1, 0.25, 2.0};
    in.streams[1] = (struct axn_iperf3_stream_result){3, 2000, 20, 0, 0.5, 2.0};
    struct axn_iperf3_results out;
    char buf[BUF_LEN];
    const long n = axn_iperf3_results_emit(&in, true, buf, sizeof buf);
    assert_true(n > 0);
    /* The keys iperf3's get_results insists on. */
    static const char *const keys[] = {
        "\"cpu_util_total\":",         "\"cpu_util_user\":", "\"cpu_util_system\":",
        "\"sender_has_retransmits\":", "\"retransmits\":-1", "\"start_time\":0"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        assert_non_null(strstr(buf, keys[i]));
    assert_int_equal(axn_iperf3_results_parse(buf, (size_t)n, &out), 0);
    assert_int_equal(out.nstreams, 2);
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(out.streams[i].id, in.streams[i].id);
        assert_int_equal(out.streams[i].bytes, in.streams[i].bytes);
        assert_int_equal(out.streams[i].packets, in.streams[i].packets);
        assert_int_equal(out.streams[i].errors, in.streams[i].errors);
        assert_true(out.streams[i].jitter_s == in.streams[i].jitter_s);
    }
}

static void stream_ids_and_cookie(void **state)
{
    (void)state;
    assert_int_equal(axn_iperf3_stream_id(0), 1);
    assert_int_equal(axn_iperf3_stream_id(1), 3);
    assert_int_equal(axn_iperf3_stream_id(2), 4);
    char a[AXN_IPERF3_COOKIE_SIZE], b[AXN_IPERF3_COOKIE_SIZE];
    axn_iperf3_make_cookie(a);
    axn_iperf3_make_cookie(b);
    assert_int_equal(strlen(a), AXN_IPERF3_COOKIE_SIZE - 1);
    assert_int_equal(strspn(a, "abcdefghijklmnopqrstuvwxyz234567"), AXN_IPERF3_COOKIE_SIZE - 1);
    assert_memory_not_equal(a, b, sizeof a);
}

static void udp_words_as_iperf3_writes_them(void **state)
{
    (void)state;
    uint8_t w[AXN_IPERF3_UDP_HANDSHAKE_LEN];
    axn_iperf3_udp_word_put(w, AXN_IPERF3_UDP_CONNECT_MSG);
    assert_memory_equal(w, "9876", sizeof w); /* as strace showed iperf3 write it */
    assert_true(axn_iperf3_udp_word_is(w, AXN_IPERF3_UDP_CONNECT_MSG));
    assert_false(axn_iperf3_udp_word_is(w, AXN_IPERF3_UDP_CONNECT_REPLY));
    axn_iperf3_udp_word_put(w, AXN_IPERF3_UDP_CONNECT_REPLY);
    assert_memory_equal(w, "6789", sizeof w);
    assert_false(axn_iperf3_udp_word_is((const uint8_t *)"9876", AXN_IPERF3_UDP_CONNECT_REPLY));
    axn_iperf3_udp_word_put(w, AXN_IPERF3_UDP_LEGACY_WORD); /* iperf3 before 3.1 */
    assert_true(axn_iperf3_udp_word_is(w, AXN_IPERF3_UDP_CONNECT_MSG));
}

static void udp_header_32_and_64(void **state)
{
    (void)state;
    uint8_t b[AXN_IPERF3_UDP_HDR64];
    uint32_t sec, usec;
    uint64_t count;
    axn_iperf3_udp_hdr_put(b, false, 0x00007e80, 0x000302bc, 1);
    static const uint8_t want32[] = {0, 0, 0x7e, 0x80, 0, 3, 2, 0xbc, 0, 0, 0, 1};
    assert_memory_equal(b, want32, sizeof want32);
    assert_int_equal(axn_iperf3_udp_hdr_get(b, sizeof want32, false, &sec, &usec, &count), 0);
    assert_int_equal(sec, 0x7e80);
    assert_int_equal(usec, 0x302bc);
    assert_int_equal(count, 1);
    axn_iperf3_udp_hdr_put(b, true, 1, 2, 0x0102030405060708ull);
    assert_int_equal(axn_iperf3_udp_hdr_get(b, sizeof b, true, &sec, &usec, &count), 0);
    assert_int_equal(count, 0x0102030405060708ull);
    assert_int_equal(b[8], 1);
    assert_int_equal(axn_iperf3_udp_hdr_get(b, AXN_IPERF3_UDP_HDR64 - 1, true, &sec, &usec, &count),
                     -1);
}

static void udp_loss_reorder_and_jitter(void **state)
{
    (void)state;
    struct axn_iperf3_udp_rx rx;
    memset(&rx, 0, sizeof rx);
    axn_iperf3_udp_rx_note(&rx, 1, 10.0, 10.010);
    axn_iperf3_udp_rx_note(&rx, 2, 10.1, 10.110);
    assert_true(fabs(rx.jitter_s) < EPS); /* the same transit: no jitter */
    axn_iperf3_udp_rx_note(&rx, 5, 10.2, 10.226);
    assert_int_equal(rx.lost, 2); /* 3 and 4 missing */
    assert_true(fabs(rx.jitter_s - 0.016 / 16) < EPS);
    axn_iperf3_udp_rx_note(&rx, 3, 10.3, 10.316); /* late: not lost after all */
    assert_int_equal(rx.lost, 1);
    assert_int_equal(rx.out_of_order, 1);
    assert_int_equal(rx.packets, 4);
    assert_int_equal(rx.last_count, 5);
}

/* Options the client cannot honour are refused before any network use
 * (the stack is never touched: NULL here). */
static void client_refuses_bad_options(void **state)
{
    (void)state;
    struct axn_iperf3_result res;
    const struct axn_iperf3_client_opts too_many = {.parallel = AXN_IPERF3_MAX_STREAMS + 1};
    const struct axn_iperf3_client_opts tiny_udp = {.udp = true, .length = 8};
    const struct axn_iperf3_client_opts huge_udp = {.udp = true, .length = 65508};
    assert_int_equal(axn_iperf3_client_run(NULL, &too_many, &res), -AXN_EINVAL);
    assert_int_equal(axn_iperf3_client_run(NULL, &tiny_udp, &res), -AXN_EINVAL);
    assert_int_equal(axn_iperf3_client_run(NULL, &huge_udp, &res), -AXN_EINVAL);
}

static void result_summary_lines(void **state)
{
    (void)state;
    char out[BUF_LEN] = {0};
    FILE *f = fmemopen(out, sizeof out - 1, "w");
    assert_non_null(f);
    const struct axn_iperf3_client_opts o = {.udp = true};
    const struct axn_iperf3_result r = {.seconds = 2.0,
                                        .bytes_sent = 2500000,
                                        .bytes_received = 2500000,
                                        .packets = 1712,
                                        .lost = 3,
                                        .jitter_ms = 0.25};
    axn_iperf3_result_print(f, &o, &r);
    fclose(f);
    assert_non_null(strstr(out, "0.00-2.00 sec"));
    assert_non_null(strstr(out, "10.00 Mbits/sec  sender\n"));
    assert_non_null(strstr(out, "receiver (server)"));
    assert_non_null(strstr(out, "1712 datagrams, 3 lost, jitter 0.250 ms"));
}

/* ---- A stop flag on a running test (loopback stack) --------------------- */

static double stop_at;

static bool stop_after_a_while(void)
{
    return axn_iperf3_mono_s() >= stop_at;
}

/* Our client on a long test, stopped by its flag STOP_AFTER_S in: it
 * returns -EINTR. When it started. */
static double client_run_until_stopped(void)
{
    const struct axn_iperf3_client_opts o = {
        .host = TCP_LOOP_ADDR, .seconds = LONG_TEST_S, .should_stop = stop_after_a_while};
    struct axn_iperf3_result res;
    const double t0 = axn_iperf3_mono_s();
    stop_at = t0 + STOP_AFTER_S;
    assert_int_equal(axn_iperf3_client_run(L.st, &o, &res), -AXN_EINTR);
    return t0;
}

static void client_stop_mid_test(void **state)
{
    (void)state;
    struct axn_iperf3_server *srv = NULL;
    assert_int_equal(axn_iperf3_server_start(L.st, AXN_IPERF3_PORT, &srv), 0);
    const double t0 = client_run_until_stopped();
    const double took = axn_iperf3_mono_s() - t0;
    assert_true(took >= STOP_AFTER_S && took < STOP_MAX_S);
    axn_iperf3_server_stop(srv); /* the cut test does not hold it */
    assert_true(axn_iperf3_mono_s() - t0 < STOP_SERVER_MAX_S);
}

/* A listener that accepts nothing and says nothing: the client's wait
 * for PARAM_EXCHANGE (10 s of patience) ends at the stop, not the limit. */
static void client_stop_while_server_silent(void **state)
{
    (void)state;
    struct axn_socket *ls = tcp_loop_socket(&L);
    struct axn_sockaddr_in a = {.sin_family = AXN_AF_INET, .sin_port = htons(AXN_IPERF3_PORT)};
    a.sin_addr.s_addr = htonl(TCP_LOOP_ADDR);
    assert_int_equal(axn_bind(ls, (const struct axn_sockaddr *)&a, sizeof a), 0);
    assert_int_equal(axn_listen(ls, LISTEN_BACKLOG), 0);
    const double t0 = client_run_until_stopped();
    assert_true(axn_iperf3_mono_s() - t0 < SILENT_STOP_MAX_S);
    axn_close(ls);
}

/* Our client and server, UDP with two streams each way: each handshake
 * word goes out the moment the client may send it, so every server
 * stream socket must be bound by then (it used to be bound after
 * CREATE_STREAMS, and lost that race now and then). */
static void udp_parallel_both_ways(void **state)
{
    (void)state;
    struct axn_iperf3_server *srv = NULL;
    assert_int_equal(axn_iperf3_server_start(L.st, AXN_IPERF3_PORT, &srv), 0);
    for (unsigned i = 0; i < 2; i++) {
        const struct axn_iperf3_client_opts o = {.host = TCP_LOOP_ADDR,
                                                 .seconds = LOOP_TEST_S,
                                                 .udp = true,
                                                 .bitrate = LOOP_UDP_RATE,
                                                 .reverse = i == 1,
                                                 .parallel = LOOP_STREAMS};
        struct axn_iperf3_result res;
        assert_int_equal(axn_iperf3_client_run(L.st, &o, &res), 0);
        assert_true(res.packets > 0);
        assert_true(res.bytes_received > 0);
        /* The server counts the test once it has read IPERF_DONE. */
        const struct timespec poll = {0, DONE_POLL_NS};
        for (int k = 0; k < DONE_POLLS && axn_iperf3_server_tests_done(srv) == i; k++)
            nanosleep(&poll, NULL);
        assert_int_equal(axn_iperf3_server_tests_done(srv), i + 1);
    }
    assert_int_equal(axn_iperf3_server_tests_failed(srv), 0);
    axn_iperf3_server_stop(srv);
}

/* A client that goes away after CREATE_STREAMS, its streams never
 * opened: the server sees its control connection end and fails the test
 * at once (not after its 10 s of patience), then serves the next. */
static void server_drops_a_test_whose_client_left(void **state)
{
    (void)state;
    struct axn_iperf3_server *srv = NULL;
    assert_int_equal(axn_iperf3_server_start(L.st, AXN_IPERF3_PORT, &srv), 0);
    struct axn_sockaddr_in a = {.sin_family = AXN_AF_INET, .sin_port = htons(AXN_IPERF3_PORT)};
    a.sin_addr.s_addr = htonl(TCP_LOOP_ADDR);
    for (unsigned i = 0; i < 2; i++) {
        const struct axn_iperf3_params p = {.udp = i == 0,
                                            .seconds = LOOP_TEST_S,
                                            .parallel = 1,
                                            .len = LOOP_LEN,
                                            .bandwidth = LOOP_UDP_RATE};
        char cookie[AXN_IPERF3_COOKIE_SIZE], json[BUF_LEN];
        int st = 0;
        struct axn_socket *c = tcp_loop_socket(&L);
        assert_int_equal(axn_connect(c, (const struct axn_sockaddr *)&a, sizeof a), 0);
        axn_iperf3_make_cookie(cookie);
        assert_int_equal(axn_iperf3_send_all(c, cookie, sizeof cookie), 0);
        assert_int_equal(axn_iperf3_recv_state(c, &st), 0);
        assert_int_equal(st, AXN_IPERF3_PARAM_EXCHANGE);
        const long n = axn_iperf3_params_emit(&p, json, sizeof json);
        assert_true(n > 0);
        assert_int_equal(axn_iperf3_send_json(c, json, (size_t)n), 0);
        assert_int_equal(axn_iperf3_recv_state(c, &st), 0);
        assert_int_equal(st, AXN_IPERF3_CREATE_STREAMS);
        const double t0 = axn_iperf3_mono_s();
        axn_close(c);
        const struct timespec poll = {0, DONE_POLL_NS};
        for (int k = 0; k < DONE_POLLS && axn_iperf3_server_tests_failed(srv) == i; k++)
            nanosleep(&poll, NULL);
        assert_int_equal(axn_iperf3_server_tests_failed(srv), i + 1);
        assert_true(axn_iperf3_mono_s() - t0 < SILENT_STOP_MAX_S);
    }
    axn_iperf3_server_stop(srv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(json_validates_only_whole_values),
        cmocka_unit_test(json_refuses_deep_nesting),
        cmocka_unit_test(json_lookups),
        cmocka_unit_test(json_writer_escapes_and_bounds),
        cmocka_unit_test(params_from_iperf3_312),
        cmocka_unit_test(params_round_trip),
        cmocka_unit_test(results_from_iperf3_312),
        cmocka_unit_test(results_round_trip),
        cmocka_unit_test(stream_ids_and_cookie),
        cmocka_unit_test(udp_words_as_iperf3_writes_them),
        cmocka_unit_test(udp_header_32_and_64),
        cmocka_unit_test(udp_loss_reorder_and_jitter),
        cmocka_unit_test(client_refuses_bad_options),
        cmocka_unit_test(result_summary_lines),
        TCP_LOOP_TEST(client_stop_mid_test, &L),
        TCP_LOOP_TEST(client_stop_while_server_silent, &L),
        TCP_LOOP_TEST(udp_parallel_both_ways, &L),
        TCP_LOOP_TEST(server_drops_a_test_whose_client_left, &L),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
