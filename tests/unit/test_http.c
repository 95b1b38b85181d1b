/*
 * The `axnet` HTTP pieces and inet services (tools/http_*.c,
 * tools/inet_services.c): the strict head parsers and the chunked decoder
 * on crafted input, then the server, the client and echo/discard/chargen
 * against each other over a threaded stack's loopback (tcp_loop.h):
 * files byte for byte, keep-alive and pipelining, every error status, path
 * traversal, chunked and truncated bodies, redirects, and a stop that does
 * not wait on an idle keep-alive connection.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "axnet/errno.h"
#include "http_client.h"
#include "http_parse.h"
#include "http_server.h"
#include "inet_services.h"
#include "tcp_loop.h"
#include "tcp_serve.h"

#define BIG_LEN      (1024u * 1024u)
#define SMALL_TEXT   "hello, axnet\n"
#define INNER_HTML   "<p>inner</p>\n"
#define RAW_MAX      (64u * 1024u)
#define URL_MAX      256u
#define MANY_HEADERS (AXN_HTTP_MAX_HEADERS + 1u)
#define STOP_MAX_MS  3000 /* stop with an idle keep-alive connection open */
#define MS_PER_S     1000
#define NS_PER_MS    1000000
#define ECHO_MSG     "echo me"
#define SEED         12345u
#define LCG_MUL      1103515245u
#define LCG_ADD      12345u
#define BYTE_SHIFT   16
#define RM_CMD_EXTRA 16

static struct tcp_loop L;
/* What a test left running when an assertion failed: stopped before the
 * stack goes, so no thread is left on a destroyed stack. */
static struct axn_http_server *live_srv;
static struct axn_inet_services *live_is;
static struct axn_tcp_serve *live_tcp;

static void drop_root(void);
static uint8_t *big;

static int loop_teardown(void **state)
{
    axn_http_server_stop(live_srv);
    axn_inet_services_stop(live_is);
    axn_tcp_serve_stop(live_tcp);
    live_srv = NULL;
    live_is = NULL;
    live_tcp = NULL;
    if (big)
        drop_root(); /* a failed test's files */
    return tcp_loop_teardown(state);
}

#define LOOP_TEST(test)                                                                            \
    cmocka_unit_test_prestate_setup_teardown(test, tcp_loop_setup, loop_teardown, &L)

/* ---- Parser ----------------------------------------------------------------- */

static int req(const char *s, struct axn_http_request *r)
{
    return axn_http_parse_request(s, strlen(s), r);
}

static void parse_request_ok(void **state)
{
    (void)state;
    const char *m = "GET /a/b?c HTTP/1.1\r\nHost: x\r\nX-A:  v  \r\n\r\nrest";
    struct axn_http_request r;
    const int n = req(m, &r);
    assert_int_equal(n, (int)(strlen(m) - strlen("rest")));
    assert_int_equal(r.method_len, 3);
    assert_memory_equal(r.method, "GET", 3);
    assert_int_equal(r.target_len, strlen("/a/b?c"));
    assert_int_equal(r.minor, 1);
    assert_true(axn_http_request_keep_alive(&r));
    const struct axn_http_header *h = axn_http_find(&r.f, "x-a");
    assert_non_null(h);
    assert_int_equal(h->value_len, 1); /* OWS trimmed */
    assert_int_equal(r.f.content_length, AXN_HTTP_NO_LENGTH);
    /* Every strict prefix is incomplete, never an error. */
    for (size_t i = 0; i < (size_t)n; i++)
        assert_int_equal(axn_http_parse_request(m, i, &r), AXN_HTTP_INCOMPLETE);
    /* Leading empty lines are skipped (RFC 9112 2.2). */
    assert_true(req("\r\nGET / HTTP/1.0\r\n\r\n", &r) > 0);
    assert_false(axn_http_request_keep_alive(&r));
    assert_true(req("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", &r) > 0);
    assert_true(axn_http_request_keep_alive(&r));
    assert_true(req("GET / HTTP/1.1\r\nHost: x\r\nConnection: foo, close\r\n\r\n", &r) > 0);
    assert_false(axn_http_request_keep_alive(&r));
    assert_true(
        req("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-length: 5\r\n\r\n", &r) > 0);
    assert_int_equal(r.f.content_length, 5);
}

static void parse_request_errors(void **state)
{
    (void)state;
    struct axn_http_request r;
    assert_int_equal(req("GET / HTTP/1.1\nHost: x\r\n\r\n", &r), AXN_HTTP_E_BAD);
    assert_int_equal(req("GET / HTTP/1.1\r\nHost: x\rY\r\n\r\n", &r), AXN_HTTP_E_BAD);
    assert_int_equal(req("GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", &r), AXN_HTTP_E_BAD);
    assert_int_equal(req("GET / HTTP/1.1\r\nHost : x\r\n\r\n", &r), AXN_HTTP_E_BAD);
    assert_int_equal(req("GET / HTTP/1.1\r\n\r\n", &r), AXN_HTTP_E_BAD); /* no Host */
    assert_int_equal(req("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", &r), AXN_HTTP_E_BAD);
    assert_int_equal(req("GET  / HTTP/1.1\r\nHost: x\r\n\r\n", &r), AXN_HTTP_E_BAD);
    assert_int_equal(req("GET / HTTP/1.1 \r\nHost: x\r\n\r\n", &r), AXN_HTTP_E_BAD);
    assert_int_equal(req("GET / HTTP/1.x\r\nHost: x\r\n\r\n", &r), AXN_HTTP_E_BAD);
    assert_int_equal(req("GET / HTTP/2.0\r\n\r\n", &r), AXN_HTTP_E_VERSION);
    assert_int_equal(req("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
                         "Transfer-Encoding: chunked\r\n\r\n",
                         &r),
                     AXN_HTTP_E_BAD);
    assert_int_equal(
        req("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", &r),
        AXN_HTTP_E_BAD);
    assert_int_equal(req("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: +1\r\n\r\n", &r),
                     AXN_HTTP_E_BAD);
    assert_int_equal(
        req("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n", &r),
        AXN_HTTP_E_BAD);
    assert_int_equal(req("GETTTTTTTTTTTTTTTTTTTTTTT / HTTP/1.1\r\nHost: x\r\n\r\n", &r),
                     AXN_HTTP_E_BAD);
    assert_int_equal(axn_http_parse_request("GET /\0 HTTP/1.1\r\n\r\n", 20, &r), AXN_HTTP_E_BAD);
}

static void parse_request_bounds(void **state)
{
    (void)state;
    static char buf[2 * AXN_HTTP_HEAD_MAX];
    struct axn_http_request r;
    /* A target over the bound: 414, whole line or not. */
    int n = snprintf(buf, sizeof(buf), "GET /");
    memset(buf + n, 'a', AXN_HTTP_TARGET_MAX + 1);
    n += AXN_HTTP_TARGET_MAX + 1;
    assert_int_equal(axn_http_parse_request(buf, (size_t)n, &r), AXN_HTTP_E_URI_LONG);
    n += snprintf(buf + n, sizeof(buf) - (size_t)n, " HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(axn_http_parse_request(buf, (size_t)n, &r), AXN_HTTP_E_URI_LONG);
    /* Too many fields. */
    n = snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nHost: x\r\n");
    for (unsigned i = 0; i < MANY_HEADERS; i++)
        n += snprintf(buf + n, sizeof(buf) - (size_t)n, "X-%u: y\r\n", i);
    n += snprintf(buf + n, sizeof(buf) - (size_t)n, "\r\n");
    assert_int_equal(axn_http_parse_request(buf, (size_t)n, &r), AXN_HTTP_E_HEAD_BIG);
    /* A head that never ends within the bound. */
    n = snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nHost: x\r\nX-Big: ");
    memset(buf + n, 'b', AXN_HTTP_HEAD_MAX);
    assert_int_equal(axn_http_parse_request(buf, (size_t)n + AXN_HTTP_HEAD_MAX, &r),
                     AXN_HTTP_E_HEAD_BIG);
}

static void parse_response_cases(void **state)
{
    (void)state;
    struct axn_http_response r;
    const char *m = "HTTP/1.1 404 Not Found\r\nContent-Length: 12\r\n\r\n";
    assert_int_equal(axn_http_parse_response(m, strlen(m), &r), (int)strlen(m));
    assert_int_equal(r.status, 404);
    assert_int_equal(r.reason_len, strlen("Not Found"));
    assert_int_equal(r.f.content_length, 12);
    m = "HTTP/1.0 204\r\n\r\n";
    assert_int_equal(axn_http_parse_response(m, strlen(m), &r), (int)strlen(m));
    assert_int_equal(r.minor, 0);
    m = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: gzip, chunked\r\n\r\n";
    assert_true(axn_http_parse_response(m, strlen(m), &r) > 0);
    assert_true(r.f.chunked);
    assert_int_equal(r.f.content_length, AXN_HTTP_NO_LENGTH); /* TE wins */
    m = "HTTP/1.1 20x OK\r\n\r\n";
    assert_int_equal(axn_http_parse_response(m, strlen(m), &r), AXN_HTTP_E_BAD);
    m = "HTTP/1.1 099 Low\r\n\r\n";
    assert_int_equal(axn_http_parse_response(m, strlen(m), &r), AXN_HTTP_E_BAD);
    m = "ICY 200 OK\r\n\r\n";
    assert_int_equal(axn_http_parse_response(m, strlen(m), &r), AXN_HTTP_E_BAD);
    m = "HTTP/3.0 200 OK\r\n\r\n";
    assert_int_equal(axn_http_parse_response(m, strlen(m), &r), AXN_HTTP_E_VERSION);
}

/* Decodes `in` fed `step` bytes at a time; the data and the bytes used. */
static int chunked_run(const char *in, size_t step, char *out, size_t *out_len, size_t *used)
{
    struct axn_http_chunked c;
    axn_http_chunked_init(&c);
    uint8_t buf[RAW_MAX];
    const size_t len = strlen(in);
    *out_len = 0;
    for (size_t off = 0; off < len;) {
        const size_t n = len - off < step ? len - off : step;
        memcpy(buf, in + off, n);
        size_t o = 0, u = 0;
        const int d = axn_http_chunked_decode(&c, buf, n, &o, &u);
        if (d < 0)
            return d;
        memcpy(out + *out_len, buf, o);
        *out_len += o;
        off += u;
        if (d == 1) {
            *used = off;
            return 1;
        }
    }
    return 0;
}

static void chunked_decoding(void **state)
{
    (void)state;
    const char *m =
        "5\r\nhello\r\n6;ext=1\r\n world\r\nA \r\n0123456789\r\n0\r\nX-T: 1\r\n\r\nEXTRA";
    const size_t steps[] = {1, 2, 7, RAW_MAX};
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        char out[RAW_MAX];
        size_t ol = 0, used = 0;
        assert_int_equal(chunked_run(m, steps[i], out, &ol, &used), 1);
        assert_int_equal(ol, strlen("hello world0123456789"));
        assert_memory_equal(out, "hello world0123456789", ol);
        assert_int_equal(used, strlen(m) - strlen("EXTRA"));
    }
    char out[RAW_MAX];
    size_t ol, used;
    assert_int_equal(chunked_run("zz\r\n", 1, out, &ol, &used), AXN_HTTP_E_BAD);
    assert_int_equal(chunked_run("3\r\nabcX\r\n", 1, out, &ol, &used), AXN_HTTP_E_BAD);
    assert_int_equal(chunked_run("3\nabc\r\n", 1, out, &ol, &used), AXN_HTTP_E_BAD);
    assert_int_equal(chunked_run("1000000000000000\r\n", 1, out, &ol, &used), AXN_HTTP_E_BAD);
    assert_int_equal(chunked_run("3\r\nabc\r\n", 1, out, &ol, &used), 0); /* not done */
}

static void helpers(void **state)
{
    (void)state;
    char p[AXN_HTTP_TARGET_MAX];
    assert_int_equal(axn_http_decode_path("/%41b%2f?x=%00", strlen("/%41b%2f?x=%00"), p, sizeof(p)),
                     4);
    assert_string_equal(p, "/Ab/");
    assert_int_equal(axn_http_decode_path("/%00", 4, p, sizeof(p)), -1);
    assert_int_equal(axn_http_decode_path("/%4", 3, p, sizeof(p)), -1);
    assert_int_equal(axn_http_decode_path("/%zz", 4, p, sizeof(p)), -1);
    assert_string_equal(axn_http_content_type("/a/b.HTML"), "text/html; charset=utf-8");
    assert_string_equal(axn_http_content_type("/a.d/b"), "application/octet-stream");
    assert_string_equal(axn_http_reason(431), "Request Header Fields Too Large");

    struct axn_http_url u;
    char err[AXN_HTTP_ERROR_MAX];
    assert_int_equal(axn_http_parse_url("http://www.axnet.test:8080/a?b#c", &u, err, sizeof(err)),
                     0);
    assert_string_equal(u.host, "www.axnet.test");
    assert_int_equal(u.port, 8080);
    assert_string_equal(u.path, "/a?b");
    assert_int_equal(axn_http_parse_url("HTTP://10.0.0.1", &u, err, sizeof(err)), 0);
    assert_int_equal(u.port, AXN_HTTP_PORT_DEF);
    assert_string_equal(u.path, "/");
    assert_int_equal(axn_http_parse_url("host?q", &u, err, sizeof(err)), 0);
    assert_string_equal(u.path, "/?q");
    assert_int_equal(axn_http_parse_url("https://x/", &u, err, sizeof(err)), -AXN_EPROTONOSUPPORT);
    assert_int_equal(axn_http_parse_url("http://x:0/", &u, err, sizeof(err)), -AXN_EINVAL);
    assert_int_equal(axn_http_parse_url("http://x:65536/", &u, err, sizeof(err)), -AXN_EINVAL);
    assert_int_equal(axn_http_parse_url("http://u@x/", &u, err, sizeof(err)), -AXN_EINVAL);
    assert_int_equal(axn_http_parse_url("http:///", &u, err, sizeof(err)), -AXN_EINVAL);
    assert_int_equal(axn_http_parse_url("http://x/a b", &u, err, sizeof(err)), -AXN_EINVAL);

    char line[AXN_CHARGEN_LINE + 2];
    axn_chargen_line(0, line);
    assert_memory_equal(line, " !\"#$%", 6);
    assert_memory_equal(line + AXN_CHARGEN_LINE, "\r\n", 2);
    axn_chargen_line(1, line);
    assert_int_equal(line[0], '!');
}

/* ---- Loopback fixtures ------------------------------------------------------ */

static char root[PATH_MAX];

static void write_file(const char *rel, const void *data, size_t len)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", root, rel);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

static void make_root(void)
{
    snprintf(root, sizeof(root), "/tmp/axn_http_test_XXXXXX");
    assert_non_null(mkdtemp(root));
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/sub", root);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof(path), "%s/noindex", root);
    assert_int_equal(mkdir(path, 0755), 0);
    big = malloc(BIG_LEN);
    assert_non_null(big);
    uint32_t x = SEED;
    for (size_t i = 0; i < BIG_LEN; i++) {
        x = x * LCG_MUL + LCG_ADD;
        big[i] = (uint8_t)(x >> BYTE_SHIFT);
    }
    write_file("small.txt", SMALL_TEXT, strlen(SMALL_TEXT));
    write_file("big.bin", big, BIG_LEN);
    write_file("empty", "", 0);
    write_file("sub/index.html", INNER_HTML, strlen(INNER_HTML));
    write_file("sub/a b.txt", "space", strlen("space"));
}

static void drop_root(void)
{
    char cmd[PATH_MAX + RM_CMD_EXTRA];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    assert_int_equal(system(cmd), 0);
    free(big);
    big = NULL;
}

static struct axn_http_server *start_server(void)
{
    make_root();
    const struct axn_http_server_opts o = {.root = root, .addr = TCP_LOOP_ADDR, .idle_ms = 5000};
    assert_int_equal(axn_http_server_start(L.st, &o, &live_srv), 0);
    return live_srv;
}

static void stop_server(struct axn_http_server *s)
{
    axn_http_server_stop(s);
    live_srv = NULL;
    drop_root();
}

/* Bytes the client's on_body hook saw in the last get(). */
static uint64_t body_seen;

static void count_body(void *ctx, const void *data, size_t len)
{
    (void)data;
    *(uint64_t *)ctx += len;
}

/* GET url into memory; the call's result. */
static int get(uint16_t port, const char *path, struct axn_http_get_result *res, char **body,
               size_t *len)
{
    char url[URL_MAX];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", port, path);
    FILE *f = open_memstream(body, len);
    assert_non_null(f);
    const struct axn_http_get_opts o = {
        .out = f, .timeout_ms = 10000, .on_body = count_body, .body_ctx = &body_seen};
    body_seen = 0;
    const int r = axn_http_get(L.st, url, &o, res);
    fclose(f);
    return r;
}

/* Sends `req` on a new connection and reads until the server closes. */
static size_t raw(uint16_t port, const char *req, size_t req_len, char *out, size_t cap)
{
    struct axn_socket *s = tcp_loop_socket(&L);
    const struct axn_sockaddr_in sa = axn_serve_sockaddr(TCP_LOOP_ADDR, port);
    assert_int_equal(axn_connect(s, (const struct axn_sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(axn_send(s, req, req_len, 0), (long)req_len);
    size_t have = 0;
    long n;
    while (have + 1 < cap && (n = axn_recv(s, out + have, cap - 1 - have, 0)) > 0)
        have += (size_t)n;
    assert_true(n == 0 || have + 1 == cap); /* closed by the server, not timed out */
    out[have] = '\0';
    axn_close(s);
    return have;
}

static unsigned count_of(const char *hay, const char *needle)
{
    unsigned n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

/* ---- Server and client -------------------------------------------------------- */

static void server_files(void **state)
{
    (void)state;
    struct axn_http_server *s = start_server();
    const uint16_t port = axn_http_server_port(s);
    struct axn_http_get_result res;
    char *body = NULL;
    size_t len = 0;
    assert_int_equal(get(port, "/big.bin", &res, &body, &len), 0);
    assert_int_equal(res.status, 200);
    assert_int_equal(res.content_length, BIG_LEN);
    assert_int_equal(res.body_bytes, BIG_LEN);
    assert_int_equal(len, BIG_LEN);
    assert_int_equal(body_seen, BIG_LEN);
    assert_memory_equal(body, big, BIG_LEN);
    free(body);

    const struct {
        const char *path;
        int status;
        const char *body; /* NULL: only the status in an HTML body */
    } cases[] = {
        {"/small.txt", 200, SMALL_TEXT},
        {"/empty", 200, ""},
        {"/sub/", 200, INNER_HTML},
        {"/sub", 200, INNER_HTML},
        {"/sub/a%20b.txt", 200, "space"},
        {"/small.txt?x=1", 200, SMALL_TEXT},
        {"/nope", 404, "<html><body><h1>404 Not Found</h1></body></html>\n"},
        {"/small.txt/x", 404, NULL},
        {"/noindex/", 403, "<html><body><h1>403 Forbidden</h1></body></html>\n"},
        {"/../etc/passwd", 400, "<html><body><h1>400 Bad Request</h1></body></html>\n"},
        {"/sub/../small.txt", 400, NULL},
        {"/%2e%2e/etc/passwd", 400, NULL},
        {"/%00", 400, NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        body = NULL;
        assert_int_equal(get(port, cases[i].path, &res, &body, &len), 0);
        if (res.status != cases[i].status)
            fail_msg("%s: %d, not %d", cases[i].path, res.status, cases[i].status);
        if (cases[i].body) {
            assert_int_equal(len, strlen(cases[i].body));
            assert_memory_equal(body, cases[i].body, len);
        }
        free(body);
    }
    struct axn_http_server_stats st;
    axn_http_server_get_stats(s, &st);
    assert_int_equal(st.by_status[AXN_HTTP_STAT_200], 7);
    assert_int_equal(st.by_status[AXN_HTTP_STAT_404], 2);
    assert_int_equal(st.by_status[AXN_HTTP_STAT_403], 1);
    assert_int_equal(st.by_status[AXN_HTTP_STAT_400], 4);
    assert_int_equal(st.requests, 14);
    assert_int_equal(st.body_bytes,
                     BIG_LEN + 2 * strlen(SMALL_TEXT) + 2 * strlen(INNER_HTML) + strlen("space"));
    stop_server(s);
}

static void server_keepalive_and_pipelining(void **state)
{
    (void)state;
    struct axn_http_server *s = start_server();
    const uint16_t port = axn_http_server_port(s);
    static char out[RAW_MAX];
    /* Three pipelined requests: GET, a POST whose body must be skipped,
     * a HEAD that closes. */
    const char *req = "GET /small.txt HTTP/1.1\r\nHost: x\r\n\r\n"
                      "POST /small.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nabcd"
                      "HEAD /small.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    raw(port, req, strlen(req), out, sizeof(out));
    assert_int_equal(count_of(out, "HTTP/1.1 200 OK\r\n"), 2);
    assert_int_equal(count_of(out, "HTTP/1.1 405 Method Not Allowed\r\n"), 1);
    assert_int_equal(count_of(out, "Allow: GET, HEAD\r\n"), 1);
    assert_int_equal(count_of(out, SMALL_TEXT), 1); /* HEAD: no body */
    assert_int_equal(count_of(out, "Connection: keep-alive\r\n"), 2);
    assert_int_equal(count_of(out, "Connection: close\r\n"), 1);
    const char *last = strstr(out, "HTTP/1.1 200 OK\r\n");
    last = strstr(last + 1, "HTTP/1.1 200 OK\r\n");
    assert_non_null(strstr(last, "Content-Length: 13\r\n"));
    assert_string_equal(out + strlen(out) - 4, "\r\n\r\n");
    struct axn_http_server_stats st;
    axn_http_server_get_stats(s, &st);
    assert_int_equal(st.connections, 1);
    assert_int_equal(st.requests, 3);
    stop_server(s);
}

static void expect_status(uint16_t port, const char *req, size_t len, const char *status_line)
{
    static char out[RAW_MAX];
    raw(port, req, len, out, sizeof(out));
    if (strncmp(out, status_line, strlen(status_line)) != 0)
        fail_msg("got '%.40s', not '%s'", out, status_line);
    assert_non_null(strstr(out, "Connection: close\r\n"));
}

static void server_errors(void **state)
{
    (void)state;
    struct axn_http_server *s = start_server();
    const uint16_t port = axn_http_server_port(s);
    static char req[4 * AXN_HTTP_HEAD_MAX];
    expect_status(port, "garbage\r\n\r\n", strlen("garbage\r\n\r\n"), "HTTP/1.1 400 ");
    expect_status(port, "GET / HTTP/1.1\n\n", strlen("GET / HTTP/1.1\n\n"), "HTTP/1.1 400 ");
    expect_status(port, "GET / HTTP/2.0\r\n\r\n", strlen("GET / HTTP/2.0\r\n\r\n"),
                  "HTTP/1.1 505 HTTP Version Not Supported\r\n");
    int n = snprintf(req, sizeof(req), "GET /");
    memset(req + n, 'a', AXN_HTTP_TARGET_MAX + 1);
    n += AXN_HTTP_TARGET_MAX + 1;
    n += snprintf(req + n, sizeof(req) - (size_t)n, " HTTP/1.1\r\nHost: x\r\n\r\n");
    expect_status(port, req, (size_t)n, "HTTP/1.1 414 URI Too Long\r\n");
    n = snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nHost: x\r\n");
    for (unsigned i = 0; i < MANY_HEADERS; i++)
        n += snprintf(req + n, sizeof(req) - (size_t)n, "X-%u: y\r\n", i);
    n += snprintf(req + n, sizeof(req) - (size_t)n, "\r\n");
    expect_status(port, req, (size_t)n, "HTTP/1.1 431 Request Header Fields Too Large\r\n");
    n = snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nHost: x\r\nX: ");
    memset(req + n, 'z', 2 * AXN_HTTP_HEAD_MAX);
    n += 2 * AXN_HTTP_HEAD_MAX;
    expect_status(port, req, (size_t)n, "HTTP/1.1 431 ");
    expect_status(
        port, "GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        strlen("GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
        "HTTP/1.1 400 ");
    struct axn_http_server_stats st;
    axn_http_server_get_stats(s, &st);
    assert_int_equal(st.by_status[AXN_HTTP_STAT_400], 3);
    assert_int_equal(st.by_status[AXN_HTTP_STAT_414], 1);
    assert_int_equal(st.by_status[AXN_HTTP_STAT_431], 2);
    assert_int_equal(st.by_status[AXN_HTTP_STAT_505], 1);
    stop_server(s);
}

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * MS_PER_S + ts.tv_nsec / NS_PER_MS;
}

static void server_stop_with_idle_connection(void **state)
{
    (void)state;
    struct axn_http_server *s = start_server();
    struct axn_socket *c = tcp_loop_socket(&L);
    const struct axn_sockaddr_in sa = axn_serve_sockaddr(TCP_LOOP_ADDR, axn_http_server_port(s));
    assert_int_equal(axn_connect(c, (const struct axn_sockaddr *)&sa, sizeof(sa)), 0);
    const char *r = "GET /small.txt HTTP/1.1\r\nHost: x\r\n\r\n";
    assert_int_equal(axn_send(c, r, strlen(r), 0), (long)strlen(r));
    char buf[RAW_MAX];
    assert_true(axn_recv(c, buf, sizeof(buf), 0) > 0); /* answered, left open */
    const long long t0 = mono_ms();
    axn_http_server_shutdown(s);
    assert_true(mono_ms() - t0 < STOP_MAX_MS);
    long n;
    while ((n = axn_recv(c, buf, sizeof(buf), 0)) > 0)
        ;
    assert_int_equal(n, 0); /* the server closed it */
    axn_close(c);
    /* The counters outlive the shutdown: the connection it ended is in. */
    struct axn_http_server_stats st;
    axn_http_server_get_stats(s, &st);
    assert_int_equal(st.connections, 1);
    assert_int_equal(st.requests, 1);
    assert_int_equal(st.by_status[AXN_HTTP_STAT_200], 1);
    assert_int_not_equal(axn_http_server_port(s), 0); /* still readable */
    axn_http_server_shutdown(s);                      /* idempotent */
    stop_server(s);
}

static void server_connection_bound(void **state)
{
    (void)state;
    make_root();
    const struct axn_http_server_opts o = {.root = root, .addr = TCP_LOOP_ADDR, .max_conns = 1};
    assert_int_equal(axn_http_server_start(L.st, &o, &live_srv), 0);
    const uint16_t port = axn_http_server_port(live_srv);
    struct axn_socket *a = tcp_loop_socket(&L);
    const struct axn_sockaddr_in sa = axn_serve_sockaddr(TCP_LOOP_ADDR, port);
    assert_int_equal(axn_connect(a, (const struct axn_sockaddr *)&sa, sizeof(sa)), 0);
    const char *r = "GET /small.txt HTTP/1.1\r\nHost: x\r\n\r\n";
    assert_int_equal(axn_send(a, r, strlen(r), 0), (long)strlen(r));
    char buf[RAW_MAX];
    assert_true(axn_recv(a, buf, sizeof(buf), 0) > 0); /* `a` holds the only slot */
    static char out[RAW_MAX];
    raw(port, r, strlen(r), out, sizeof(out));
    assert_true(strncmp(out, "HTTP/1.1 503 Service Unavailable\r\n",
                        strlen("HTTP/1.1 503 Service Unavailable\r\n")) == 0);
    struct axn_http_server_stats st;
    axn_http_server_get_stats(live_srv, &st);
    assert_int_equal(st.refused, 1);
    assert_int_equal(st.by_status[AXN_HTTP_STAT_503], 1);
    axn_close(a);
    stop_server(live_srv);
}

/* ---- The client against canned responses -------------------------------------- */

struct canned {
    const char *resp;
};

/* Reads one request head, sends the canned answer and closes. */
static void canned_conn(struct axn_socket *c, void *ctx, const atomic_bool *stop)
{
    const struct canned *k = ctx;
    char buf[AXN_HTTP_HEAD_MAX];
    size_t have = 0;
    buf[0] = '\0';
    while (!strstr(buf, "\r\n\r\n") && have + 1 < sizeof(buf)) {
        const long n = axn_recv(c, buf + have, sizeof(buf) - 1 - have, 0);
        if (n == -AXN_EAGAIN && !atomic_load(stop))
            continue;
        if (n <= 0)
            return;
        have += (size_t)n;
        buf[have] = '\0';
    }
    axn_serve_send_all(c, k->resp, strlen(k->resp), stop, STOP_MAX_MS);
}

static int get_canned(const char *resp, struct axn_http_get_result *res, char **body, size_t *len)
{
    struct canned k = {resp};
    const struct axn_tcp_serve_opts o = {.addr = TCP_LOOP_ADDR, .fn = canned_conn, .ctx = &k};
    assert_int_equal(axn_tcp_serve_start(L.st, &o, &live_tcp), 0);
    const int r = get(axn_tcp_serve_port(live_tcp), "/x", res, body, len);
    axn_tcp_serve_stop(live_tcp);
    live_tcp = NULL;
    return r;
}

static void client_bodies(void **state)
{
    (void)state;
    struct axn_http_get_result res;
    char *body = NULL;
    size_t len = 0;
    assert_int_equal(get_canned("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"
                                "Transfer-Encoding: chunked\r\n\r\n"
                                "4\r\nWiki\r\n5;x=y\r\npedia\r\n0\r\nT: 1\r\n\r\n",
                                &res, &body, &len),
                     0);
    assert_int_equal(res.status, 200);
    assert_true(res.chunked);
    assert_int_equal(len, strlen("Wikipedia"));
    assert_memory_equal(body, "Wikipedia", len);
    free(body);

    body = NULL;
    assert_int_equal(get_canned("HTTP/1.0 200 OK\r\n\r\nuntil the close", &res, &body, &len), 0);
    assert_int_equal(res.content_length, AXN_HTTP_NO_LENGTH);
    assert_int_equal(len, strlen("until the close"));
    free(body);

    body = NULL;
    assert_int_equal(get_canned("HTTP/1.1 301 Moved Permanently\r\nLocation: http://x/y\r\n"
                                "Content-Length: 0\r\n\r\n",
                                &res, &body, &len),
                     0);
    assert_int_equal(res.status, 301);
    assert_string_equal(res.location, "http://x/y");
    free(body);

    body = NULL;
    assert_int_equal(
        get_canned("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", &res, &body, &len),
        -AXN_EPROTO);
    assert_non_null(strstr(res.error, "truncated"));
    free(body);

    body = NULL;
    assert_int_equal(get_canned("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", &res,
                                &body, &len),
                     -AXN_EPROTO);
    free(body);

    body = NULL;
    assert_int_equal(get_canned("HTTP/1.1 200 OK\nbad\n\n", &res, &body, &len), -AXN_EPROTO);
    free(body);

    /* No DNS server on this stack: the resolver's error, said once. */
    assert_int_equal(axn_http_get(L.st, "http://nohost.example/", NULL, &res), -AXN_ENOENT);
    assert_non_null(strstr(res.error, "cannot resolve nohost.example"));

    /* Nobody listening: a refused connect, one clear message. */
    body = NULL;
    assert_int_equal(get(1, "/", &res, &body, &len), -AXN_ECONNREFUSED);
    assert_non_null(strstr(res.error, "connect to 127.0.0.1:1"));
    free(body);
}

/* Sends the canned answer, then holds the connection open until the stop
 * or the client's close: a transfer that never ends by itself. */
static void holding_conn(struct axn_socket *c, void *ctx, const atomic_bool *stop)
{
    canned_conn(c, ctx, stop);
    char buf[RAW_MAX];
    long n;
    while (!atomic_load(stop) && ((n = axn_recv(c, buf, sizeof(buf), 0)) > 0 || n == -AXN_EAGAIN))
        ;
}

/* The client's stop predicate: true once part of the body arrived. */
static bool stop_after_some_body(void)
{
    return body_seen > 0;
}

static void client_stop_mid_transfer(void **state)
{
    (void)state;
    struct canned k = {"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\npartial"};
    const struct axn_tcp_serve_opts so = {.addr = TCP_LOOP_ADDR, .fn = holding_conn, .ctx = &k};
    assert_int_equal(axn_tcp_serve_start(L.st, &so, &live_tcp), 0);
    char url[URL_MAX];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/x", axn_tcp_serve_port(live_tcp));
    const struct axn_http_get_opts o = {.timeout_ms = 10000,
                                        .on_body = count_body,
                                        .body_ctx = &body_seen,
                                        .should_stop = stop_after_some_body};
    body_seen = 0;
    struct axn_http_get_result res;
    const long long t0 = mono_ms();
    assert_int_equal(axn_http_get(L.st, url, &o, &res), -AXN_EINTR);
    assert_true(mono_ms() - t0 < STOP_MAX_MS); /* a slice, not the 10 s timeout */
    assert_int_equal(res.status, 200);
    assert_int_equal(res.body_bytes, strlen("partial"));
    assert_string_equal(res.error, "interrupted");
    axn_tcp_serve_stop(live_tcp);
    live_tcp = NULL;
}

/* ---- Inet services ------------------------------------------------------------ */

static struct axn_socket *connect_tcp(uint16_t port)
{
    struct axn_socket *s = tcp_loop_socket(&L);
    const struct axn_sockaddr_in sa = axn_serve_sockaddr(TCP_LOOP_ADDR, port);
    assert_int_equal(axn_connect(s, (const struct axn_sockaddr *)&sa, sizeof(sa)), 0);
    return s;
}

static void recv_exact(struct axn_socket *s, char *buf, size_t len)
{
    for (size_t have = 0; have < len;) {
        const long n = axn_recv(s, buf + have, len - have, 0);
        assert_true(n > 0);
        have += (size_t)n;
    }
}

static void inet_tcp(struct axn_inet_services *is)
{
    struct axn_socket *e = connect_tcp(AXN_ECHO_PORT);
    char buf[RAW_MAX];
    assert_int_equal(axn_send(e, ECHO_MSG, strlen(ECHO_MSG), 0), (long)strlen(ECHO_MSG));
    recv_exact(e, buf, strlen(ECHO_MSG));
    assert_memory_equal(buf, ECHO_MSG, strlen(ECHO_MSG));
    axn_close(e);

    struct axn_socket *c = connect_tcp(AXN_CHARGEN_PORT);
    char want[2 * (AXN_CHARGEN_LINE + 2)];
    axn_chargen_line(0, want);
    axn_chargen_line(1, want + AXN_CHARGEN_LINE + 2);
    recv_exact(c, buf, sizeof(want));
    assert_memory_equal(buf, want, sizeof(want));
    axn_close(c);

    struct axn_socket *d = connect_tcp(AXN_DISCARD_PORT);
    assert_int_equal(axn_send(d, ECHO_MSG, strlen(ECHO_MSG), 0), (long)strlen(ECHO_MSG));
    assert_int_equal(axn_shutdown(d, AXN_SHUT_WR), 0);
    assert_int_equal(axn_recv(d, buf, sizeof(buf), 0), 0); /* nothing back, then the close */
    axn_close(d);
    struct axn_inet_service_stats st;
    axn_inet_services_get_stats(is, AXN_INET_DISCARD, &st);
    assert_int_equal(st.tcp_conns, 1);
    assert_int_equal(st.tcp_bytes_in, strlen(ECHO_MSG));
    assert_int_equal(st.tcp_bytes_out, 0);
}

static void inet_udp(void)
{
    struct axn_socket *u = NULL;
    assert_int_equal(axn_socket(L.st, AXN_AF_INET, AXN_SOCK_DGRAM, 0, &u), 0);
    assert_int_equal(axn_serve_set_timeouts(u, TCP_LOOP_SAFETY_S * MS_PER_S), 0);
    char buf[RAW_MAX];
    struct axn_sockaddr_in sa = axn_serve_sockaddr(TCP_LOOP_ADDR, AXN_ECHO_PORT);
    assert_int_equal(
        axn_sendto(u, ECHO_MSG, strlen(ECHO_MSG), 0, (struct axn_sockaddr *)&sa, sizeof(sa)),
        (long)strlen(ECHO_MSG));
    assert_int_equal(axn_recv(u, buf, sizeof(buf), 0), (long)strlen(ECHO_MSG));
    assert_memory_equal(buf, ECHO_MSG, strlen(ECHO_MSG));
    sa = axn_serve_sockaddr(TCP_LOOP_ADDR, AXN_CHARGEN_PORT);
    assert_int_equal(axn_sendto(u, "", 0, 0, (struct axn_sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(axn_recv(u, buf, sizeof(buf), 0),
                     (long)(AXN_CHARGEN_UDP_LINES * (AXN_CHARGEN_LINE + 2)));
    char want[AXN_CHARGEN_LINE + 2];
    axn_chargen_line(0, want);
    assert_memory_equal(buf, want, sizeof(want));
    axn_close(u);
}

static void inet_services(void **state)
{
    (void)state;
    const struct axn_inet_services_opts o = {.addr = TCP_LOOP_ADDR};
    assert_int_equal(axn_inet_services_start(L.st, &o, &live_is), 0);
    struct axn_inet_services *is = live_is;
    assert_int_equal(axn_inet_services_tcp_port(is, AXN_INET_ECHO), AXN_ECHO_PORT);
    inet_tcp(is);
    inet_udp();
    struct axn_inet_service_stats st;
    /* The server counts after its send, which the client may beat. */
    const long long until = mono_ms() + STOP_MAX_MS;
    do
        axn_inet_services_get_stats(is, AXN_INET_ECHO, &st);
    while ((st.udp_out == 0 || st.tcp_bytes_out == 0) && mono_ms() < until);
    assert_int_equal(st.udp_in, 1);
    assert_int_equal(st.udp_out, 1);
    assert_int_equal(st.tcp_bytes_out, strlen(ECHO_MSG));
    /* A chargen client still connected does not hold the stop. */
    struct axn_socket *c = connect_tcp(AXN_CHARGEN_PORT);
    char buf[AXN_CHARGEN_LINE];
    recv_exact(c, buf, sizeof(buf));
    const long long t0 = mono_ms();
    axn_inet_services_stop(is);
    live_is = NULL;
    assert_true(mono_ms() - t0 < STOP_MAX_MS);
    axn_close(c);
}

/* Only echo on: the other ports refuse; an echo connection still open at
 * the shutdown ends and is counted in the stats read after it. */
static void inet_services_switches_and_final_stats(void **state)
{
    (void)state;
    const struct axn_inet_services_opts o = {
        .addr = TCP_LOOP_ADDR, .off = {[AXN_INET_DISCARD] = true, [AXN_INET_CHARGEN] = true}};
    assert_int_equal(axn_inet_services_start(L.st, &o, &live_is), 0);
    struct axn_inet_services *is = live_is;
    assert_int_equal(axn_inet_services_tcp_port(is, AXN_INET_ECHO), AXN_ECHO_PORT);
    assert_int_equal(axn_inet_services_tcp_port(is, AXN_INET_DISCARD), 0);
    for (int k = AXN_INET_DISCARD; k <= AXN_INET_CHARGEN; k++) {
        struct axn_socket *r = tcp_loop_socket(&L);
        const uint16_t port = k == AXN_INET_DISCARD ? AXN_DISCARD_PORT : AXN_CHARGEN_PORT;
        const struct axn_sockaddr_in sa = axn_serve_sockaddr(TCP_LOOP_ADDR, port);
        assert_int_equal(axn_connect(r, (const struct axn_sockaddr *)&sa, sizeof(sa)),
                         -AXN_ECONNREFUSED);
        axn_close(r);
    }
    struct axn_socket *e = connect_tcp(AXN_ECHO_PORT);
    char buf[RAW_MAX];
    assert_int_equal(axn_send(e, ECHO_MSG, strlen(ECHO_MSG), 0), (long)strlen(ECHO_MSG));
    recv_exact(e, buf, strlen(ECHO_MSG));
    const long long t0 = mono_ms();
    axn_inet_services_shutdown(is);
    assert_true(mono_ms() - t0 < STOP_MAX_MS);
    assert_int_equal(axn_recv(e, buf, sizeof(buf), 0), 0); /* ended by the shutdown */
    axn_close(e);
    struct axn_inet_service_stats st;
    axn_inet_services_get_stats(is, AXN_INET_ECHO, &st);
    assert_int_equal(st.tcp_conns, 1);
    assert_int_equal(st.tcp_bytes_in, strlen(ECHO_MSG));
    assert_int_equal(st.tcp_bytes_out, strlen(ECHO_MSG));
    axn_inet_services_get_stats(is, AXN_INET_DISCARD, &st);
    assert_int_equal(st.tcp_conns, 0);
    axn_inet_services_stop(is);
    live_is = NULL;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_request_ok),
        cmocka_unit_test(parse_request_errors),
        cmocka_unit_test(parse_request_bounds),
        cmocka_unit_test(parse_response_cases),
        cmocka_unit_test(chunked_decoding),
        cmocka_unit_test(helpers),
        LOOP_TEST(server_files),
        LOOP_TEST(server_keepalive_and_pipelining),
        LOOP_TEST(server_errors),
        LOOP_TEST(server_stop_with_idle_connection),
        LOOP_TEST(server_connection_bound),
        LOOP_TEST(client_bodies),
        LOOP_TEST(client_stop_mid_transfer),
        LOOP_TEST(inet_services),
        LOOP_TEST(inet_services_switches_and_final_stats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
