/*
 * The `axnet` HTTP server, HTTP client and inet services against Linux's
 * tools, over a stack on a TAP in a namespace (tests/support/tap_stack.h,
 * the stack at 192.0.2.2, Linux at 192.0.2.1):
 *   - curl fetches files from our server (small, 1 MiB, empty, in a
 *     subdirectory; sha256 compared), reuses one connection for two URLs
 *     (keep-alive: curl -v says "Re-using existing connection"), gets 404,
 *     400 for a raw malformed request through nc, 400 for /../etc/passwd,
 *     and a HEAD's Content-Length;
 *   - our axn_http_get fetches from `python3 -m http.server` (a
 *     Content-Length body) and from a small python server that answers
 *     chunked, sha256 compared;
 *   - socat and nc talk to our echo, discard and chargen, TCP and UDP.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "axnet/errno.h"
#include "cmd.h"
#include "http_client.h"
#include "http_server.h"
#include "inet_services.h"
#include "sha256.h"
#include "tap_jobs.h"
#include "tap_stack.h"
#include "tcp_stream.h"

#define HTTP_PORT      80u
#define PY_PORT        8000
#define CHUNKED_PORT   8001
#define BIG_SEED       0x48545450u
#define BIG_LEN        (1024u * 1024u)
#define SMALL_TEXT     "hello from axnet\n"
#define INNER_TEXT     "inner file\n"
#define OUT_LEN        16384u
#define URL_MAX        256u
#define JOB_WAIT_S     20
#define STATS_WAIT_MS  5000
#define DISCARD_BYTES  100000
#define CHARGEN_LINES  10u
#define LINE_BYTES     (AXN_CHARGEN_LINE + 2u)
#define NS_PER_MS      1000000
#define MS_PER_S       1000
#define POLL_MS        50
#define GET_TIMEOUT_MS 10000
#define PID_TEXT_MAX   32u
#define HEX_ONLY       (AXN_SHA256_HEX_LEN - 1u)

static const struct axn_tap_stack_config tap_cfg = {
    .ns_tag = "shttp", .tap_prefix = "axh", .pcap_prefix = "test_http_tap", .threaded = true};

static struct {
    struct axn_tap_stack ts;
    struct tap_jobs jobs;
    /* Stopped by teardown too, so a failed assertion leaves no thread on a
     * destroyed stack. */
    struct axn_http_server *srv;
    struct axn_inet_services *is;
} fx;

static int setup(void **state)
{
    memset(&fx, 0, sizeof(fx));
    if (axn_tap_stack_setup(&fx.ts, &tap_cfg, *state))
        return -1;
    return tap_jobs_init(&fx.jobs, &fx.ts.ns, "test_http_tap", *state) ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    axn_http_server_stop(fx.srv);
    axn_inet_services_stop(fx.is);
    axn_tap_stack_stop(&fx.ts);
    tap_jobs_cleanup(&fx.jobs);
    axn_tap_stack_cleanup(&fx.ts);
    return 0;
}

#define TAP_TEST(fn, what) cmocka_unit_test_prestate_setup_teardown(fn, setup, teardown, what)

/* ---- Helpers ------------------------------------------------------------------ */

/* Runs a shell command in the namespace from the scratch directory. */
static int ns_sh(char *out, size_t len, const char *cmd)
{
    return axn_netns_run(&fx.ts.ns, out, len, "cd %s && %s", fx.jobs.dir, cmd);
}

static void write_scratch(const char *name, const char *text)
{
    char p[PATH_MAX];
    tap_jobs_path(&fx.jobs, p, sizeof(p), name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    fclose(f);
}

static void make_dir(const char *name)
{
    char p[PATH_MAX];
    tap_jobs_path(&fx.jobs, p, sizeof(p), name);
    assert_int_equal(mkdir(p, 0755), 0);
}

static void sha_hex(const void *data, size_t len, char hex[AXN_SHA256_HEX_LEN])
{
    uint8_t d[AXN_SHA256_DIGEST_LEN];
    axn_sha256(data, len, d);
    axn_sha256_hex(d, hex);
}

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * MS_PER_S + ts.tv_nsec / NS_PER_MS;
}

static void sleep_ms(long ms)
{
    const struct timespec ts = {ms / MS_PER_S, (ms % MS_PER_S) * NS_PER_MS};
    nanosleep(&ts, NULL);
}

/* The www/ tree both servers serve. */
static void make_site(void)
{
    make_dir("www");
    make_dir("www/sub");
    write_scratch("www/small.txt", SMALL_TEXT);
    write_scratch("www/empty", "");
    write_scratch("www/sub/inner.txt", INNER_TEXT);
    tap_jobs_write_stream(&fx.jobs, "www/big.bin", BIG_SEED, BIG_LEN);
}

/* curl's download of `path` from our server has the sha256 of `want`. */
static void curl_sum(const char *path, const char *want)
{
    char cmd[URL_MAX * 2], out[OUT_LEN], hex[AXN_SHA256_HEX_LEN];
    snprintf(cmd, sizeof(cmd), "curl -sS --fail http://%s%s | sha256sum", AXN_TAP_OUR_IP_STR, path);
    assert_int_equal(ns_sh(out, sizeof(out), cmd), 0);
    sha_hex(want, strlen(want), hex);
    if (strncmp(out, hex, HEX_ONLY) != 0)
        fail_msg("%s: sha256 %.64s, want %s", path, out, hex);
}

/* The server counts a request once its response is sent, which may be
 * after curl, having read the whole response, has exited: wait until the
 * count reaches WANT (it must not pass it), then snapshot the stats. */
static void wait_requests(struct axn_http_server *s, uint64_t want,
                          struct axn_http_server_stats *out)
{
    const long long until = mono_ms() + STATS_WAIT_MS;
    do {
        axn_http_server_get_stats(s, out);
        if (out->requests >= want)
            break;
        sleep_ms(POLL_MS);
    } while (mono_ms() < until);
    assert_int_equal(out->requests, want);
}

/* ---- Linux's curl and nc against our server --------------------------------- */

static void linux_curl_against_our_server(void **state)
{
    (void)state;
    make_site();
    char root[PATH_MAX], out[OUT_LEN];
    tap_jobs_path(&fx.jobs, root, sizeof(root), "www");
    const struct axn_http_server_opts o = {.root = root, .port = HTTP_PORT};
    assert_int_equal(axn_http_server_start(fx.ts.st, &o, &fx.srv), 0);
    struct axn_http_server *s = fx.srv;

    assert_int_equal(ns_sh(out, sizeof(out),
                           "curl -sS --fail http://" AXN_TAP_OUR_IP_STR "/big.bin | sha256sum "
                           ">big.sum"),
                     0);
    tap_jobs_assert_sum(&fx.jobs, "big.sum", BIG_SEED, BIG_LEN);
    curl_sum("/small.txt", SMALL_TEXT);
    curl_sum("/empty", "");
    curl_sum("/sub/inner.txt", INNER_TEXT);

    /* big.bin, small.txt, empty, sub/inner.txt */
    const uint64_t served = 4;
    struct axn_http_server_stats before, after;
    wait_requests(s, served, &before);
    assert_int_equal(ns_sh(out, sizeof(out),
                           "curl -sv -o /dev/null -o /dev/null http://" AXN_TAP_OUR_IP_STR
                           "/small.txt http://" AXN_TAP_OUR_IP_STR "/sub/inner.txt 2>&1"),
                     0);
    assert_non_null(strstr(out, "Re-using existing connection"));
    wait_requests(s, served + 2, &after);
    assert_int_equal(after.connections - before.connections, 1);

    assert_int_equal(ns_sh(out, sizeof(out),
                           "curl -s -o /dev/null -w '%{http_code}' http://" AXN_TAP_OUR_IP_STR
                           "/nope"),
                     0);
    assert_string_equal(out, "404");
    assert_int_equal(
        ns_sh(out, sizeof(out),
              "curl -s --path-as-is -o /dev/null -w '%{http_code}' http://" AXN_TAP_OUR_IP_STR
              "/../etc/passwd"),
        0);
    assert_string_equal(out, "400");
    assert_int_equal(ns_sh(out, sizeof(out),
                           "printf 'GARBAGE\\r\\n\\r\\n' | nc -N -w 5 " AXN_TAP_OUR_IP_STR " 80"),
                     0);
    assert_true(
        strncmp(out, "HTTP/1.1 400 Bad Request\r\n", strlen("HTTP/1.1 400 Bad Request\r\n")) == 0);
    assert_non_null(strstr(out, "<h1>400 Bad Request</h1>"));
    assert_int_equal(
        ns_sh(out, sizeof(out),
              "printf 'GET /../etc/passwd HTTP/1.0\\r\\n\\r\\n' | nc -N -w 5 " AXN_TAP_OUR_IP_STR
              " 80"),
        0);
    assert_true(strncmp(out, "HTTP/1.1 400 ", strlen("HTTP/1.1 400 ")) == 0);
    assert_null(strstr(out, "root:"));
    assert_int_equal(ns_sh(out, sizeof(out), "curl -sSI http://" AXN_TAP_OUR_IP_STR "/big.bin"), 0);
    assert_non_null(strstr(out, "HTTP/1.1 200 OK\r\n"));
    assert_non_null(strstr(out, "Content-Length: 1048576\r\n"));
    assert_non_null(strstr(out, "Content-Type: application/octet-stream\r\n"));

    axn_http_server_get_stats(s, &after);
    assert_int_equal(after.by_status[AXN_HTTP_STAT_404], 1);
    assert_int_equal(after.by_status[AXN_HTTP_STAT_400], 3);
    axn_http_server_stop(s);
    fx.srv = NULL;
}

/* ---- Our client against Linux's servers ------------------------------------- */

static const char chunked_py[] =
    "import random, socket, sys\n"
    "data = open(sys.argv[1], 'rb').read()\n"
    "srv = socket.socket()\n"
    "srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
    "srv.bind(('" AXN_TAP_LINUX_IP_STR "', int(sys.argv[2])))\n"
    "srv.listen(1)\n"
    "c, _ = srv.accept()\n"
    "req = b''\n"
    "while b'\\r\\n\\r\\n' not in req:\n"
    "    d = c.recv(4096)\n"
    "    if not d: sys.exit(1)\n"
    "    req += d\n"
    "sys.stdout.write(req.decode())\n"
    "c.sendall(b'HTTP/1.1 200 OK\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n')\n"
    "rng = random.Random(7)\n"
    "i = 0\n"
    "while i < len(data):\n"
    "    part = data[i:i + rng.randint(1, 20000)]\n"
    "    i += len(part)\n"
    "    c.sendall(b'%x;n=v\\r\\n' % len(part) + part + b'\\r\\n')\n"
    "c.sendall(b'0\\r\\nX-Trailer: yes\\r\\n\\r\\n')\n"
    "c.close()\n";

/* Starts `cmd` in the background with its pid in <name>.pid. */
static void start_job(const char *name, const char *cmd)
{
    char wrapped[OUT_LEN];
    snprintf(wrapped, sizeof(wrapped), "sh -c 'echo $$ >%s.pid; exec %s'", name, cmd);
    tap_jobs_start(&fx.jobs, name, wrapped);
}

static void stop_job(const char *name)
{
    char file[URL_MAX], pid[PID_TEXT_MAX];
    snprintf(file, sizeof(file), "%s.pid", name);
    if (tap_jobs_read(&fx.jobs, file, pid, sizeof(pid)))
        (void)axn_cmd_stop_pid(strtol(pid, NULL, 10), MS_PER_S);
}

/* GETs url into memory; asserts 200 and the body's sha256 is the stream's. */
static void get_big(const char *url, bool chunked)
{
    char *body = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&body, &len);
    assert_non_null(f);
    const struct axn_http_get_opts o = {.out = f, .timeout_ms = GET_TIMEOUT_MS};
    struct axn_http_get_result res;
    const int r = axn_http_get(fx.ts.st, url, &o, &res);
    fclose(f);
    if (r)
        fail_msg("%s: %d %s", url, r, res.error);
    assert_int_equal(res.status, 200);
    assert_int_equal(res.chunked, chunked);
    assert_int_equal(res.body_bytes, BIG_LEN);
    assert_int_equal(len, BIG_LEN);
    uint8_t got[AXN_SHA256_DIGEST_LEN], want[AXN_SHA256_DIGEST_LEN];
    axn_sha256(body, len, got);
    tcp_stream_digest(BIG_SEED, BIG_LEN, want);
    assert_memory_equal(got, want, sizeof(got));
    free(body);
}

static void our_client_against_linux_servers(void **state)
{
    (void)state;
    make_site();
    write_scratch("chunked.py", chunked_py);
    char cmd[OUT_LEN], out[OUT_LEN];
    snprintf(cmd, sizeof(cmd),
             "timeout 60 python3 -m http.server %d --bind " AXN_TAP_LINUX_IP_STR " --directory www",
             PY_PORT);
    start_job("py", cmd);
    snprintf(cmd, sizeof(cmd), "timeout 60 python3 chunked.py www/big.bin %d", CHUNKED_PORT);
    start_job("chunked", cmd);
    tap_jobs_wait_listening(&fx.jobs, PY_PORT);
    tap_jobs_wait_listening(&fx.jobs, CHUNKED_PORT);

    char url[URL_MAX];
    snprintf(url, sizeof(url), "http://" AXN_TAP_LINUX_IP_STR ":%d/big.bin", PY_PORT);
    get_big(url, false);
    snprintf(url, sizeof(url), "http://" AXN_TAP_LINUX_IP_STR ":%d/big.bin", CHUNKED_PORT);
    get_big(url, true);
    assert_int_equal(tap_jobs_wait(&fx.jobs, "chunked", JOB_WAIT_S), 0);
    assert_true(tap_jobs_read(&fx.jobs, "chunked.out", out, sizeof(out)));
    assert_non_null(strstr(out, "GET /big.bin HTTP/1.1\r\n"));
    char host[URL_MAX];
    snprintf(host, sizeof(host), "Host: " AXN_TAP_LINUX_IP_STR ":%d\r\n", CHUNKED_PORT);
    assert_non_null(strstr(out, host));
    assert_non_null(strstr(out, "Connection: close\r\n"));

    /* A 404 from python comes back as a status, not an error. */
    snprintf(url, sizeof(url), "http://" AXN_TAP_LINUX_IP_STR ":%d/nope", PY_PORT);
    struct axn_http_get_result res;
    const struct axn_http_get_opts o = {.timeout_ms = GET_TIMEOUT_MS};
    assert_int_equal(axn_http_get(fx.ts.st, url, &o, &res), 0);
    assert_int_equal(res.status, 404);
    stop_job("py");
}

/* ---- Linux's socat and nc against our inet services -------------------------- */

static void wait_discarded(struct axn_inet_services *is, uint64_t want)
{
    struct axn_inet_service_stats st;
    const long long until = mono_ms() + STATS_WAIT_MS;
    do {
        axn_inet_services_get_stats(is, AXN_INET_DISCARD, &st);
        if (st.tcp_bytes_in >= want)
            break;
        sleep_ms(POLL_MS);
    } while (mono_ms() < until);
    assert_int_equal(st.tcp_bytes_in, want);
}

static void linux_tools_against_inet_services(void **state)
{
    (void)state;
    const struct axn_inet_services_opts o = {0};
    assert_int_equal(axn_inet_services_start(fx.ts.st, &o, &fx.is), 0);
    struct axn_inet_services *is = fx.is;
    char out[OUT_LEN];
    assert_int_equal(
        ns_sh(out, sizeof(out), "printf hello | socat -t 2 - TCP:" AXN_TAP_OUR_IP_STR ":7"), 0);
    assert_string_equal(out, "hello");
    assert_int_equal(
        ns_sh(out, sizeof(out), "printf 'via nc' | nc -N -w 5 " AXN_TAP_OUR_IP_STR " 7"), 0);
    assert_string_equal(out, "via nc");
    assert_int_equal(
        ns_sh(out, sizeof(out), "printf datagram | socat -t 2 - UDP:" AXN_TAP_OUR_IP_STR ":7"), 0);
    assert_string_equal(out, "datagram");

    char want[CHARGEN_LINES * LINE_BYTES + 1];
    for (unsigned i = 0; i < CHARGEN_LINES; i++)
        axn_chargen_line(i, want + i * LINE_BYTES);
    want[sizeof(want) - 1] = '\0';
    char cmd[URL_MAX];
    snprintf(cmd, sizeof(cmd), "socat -u TCP:" AXN_TAP_OUR_IP_STR ":19 - 2>/dev/null | head -c %u",
             CHARGEN_LINES * LINE_BYTES);
    assert_int_equal(ns_sh(out, sizeof(out), cmd), 0);
    assert_string_equal(out, want);
    assert_int_equal(
        ns_sh(out, sizeof(out), "printf x | socat -t 2 - UDP:" AXN_TAP_OUR_IP_STR ":19 | wc -c"),
        0);
    assert_int_equal(atoi(out), (int)(AXN_CHARGEN_UDP_LINES * LINE_BYTES));

    assert_int_equal(ns_sh(out, sizeof(out),
                           "head -c 100000 /dev/zero | socat -u - TCP:" AXN_TAP_OUR_IP_STR ":9"),
                     0);
    wait_discarded(is, DISCARD_BYTES);
    axn_inet_services_stop(is);
    fx.is = NULL;
}

int main(void)
{
    static const char *const tools[] = {"curl",      "nc",      "socat", "python3",
                                        "sha256sum", "timeout", "ss",    NULL};
    const struct CMUnitTest tests[] = {
        TAP_TEST(linux_curl_against_our_server, "curl_server"),
        TAP_TEST(our_client_against_linux_servers, "client"),
        TAP_TEST(linux_tools_against_inet_services, "inet"),
    };
    axn_netns_require(tools);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
