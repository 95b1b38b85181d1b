/*
 * `axnet serve [--http DIR] [--http-port N] [--echo] [--discard]
 * [--chargen] [--iperf3 [PORT]]`: a long-running node on a TAP offering
 * the services of http_server.h, inet_services.h and iperf3.h until
 * SIGINT or SIGTERM; then each service is shut down (its connections end
 * within a tick), the counters it ended with (connections that ended
 * during the shutdown included) are printed on stdout and the runner takes
 * the stack and the TAP down. Status lines go to stderr.
 *
 * Only the inet services asked for open ports: the others refuse (RST).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli_cmds.h"
#include "http_server.h"
#include "inet_services.h"
#include "iperf3.h"
#include "runner.h"

#define PROG           "axnet serve"
#define HTTP_PORT_DEF  80u
#define MAX_PORT       65535ul
#define WAIT_SLICE_NS  100000000L   /* how often the main thread looks at the stop flag */
#define HTTP_LOG_LEVEL AXN_LOG_INFO /* -v and up: one line per request */

struct serve_opts {
    const char *http_root; /* NULL: no HTTP */
    uint16_t http_port;
    bool inet[AXN_INET_SERVICE_COUNT];
    bool iperf3;
    uint16_t iperf3_port;
};

struct serve_run {
    struct axn_http_server *http;
    struct axn_inet_services *inet;
    struct axn_iperf3_server *iperf3;
};

static const char *const inet_names[AXN_INET_SERVICE_COUNT] = {"echo", "discard", "chargen"};
static const char *const inet_flags[AXN_INET_SERVICE_COUNT] = {"--echo", "--discard", "--chargen"};

static void usage(FILE *to)
{
    fprintf(to, "usage: axnet serve [--http DIR] [--http-port N] [--echo] [--discard] [--chargen]\n"
                "                   [--iperf3 [PORT]] --tap NAME [runner options]\n\n"
                "Serves until SIGINT or SIGTERM, then prints each service's counters:\n"
                "  --http DIR       static files under DIR (GET, HEAD, keep-alive)\n"
                "  --http-port N    its TCP port (80)\n"
                "  --echo, --discard, --chargen\n"
                "                   RFC 862/863/864 on TCP and UDP ports 7, 9, 19\n"
                "  --iperf3 [PORT]  an iperf3 server (port 5201)\n\n");
    if (to == stdout)
        axn_runner_print_flags();
}

static bool parse_port(const char *s, uint16_t *out)
{
    unsigned long v;
    if (!axn_runner_parse_uint(s, &v) || v == 0 || v > MAX_PORT)
        return false;
    *out = (uint16_t)v;
    return true;
}

static int bad_arg(const char *what, const char *arg)
{
    fprintf(stderr, PROG ": %s '%s' (try --help)\n", what, arg ? arg : "");
    return -1;
}

/* One argument at argv[*i]; may consume the next one. */
static int parse_one(int argc, char **argv, int *i, struct serve_opts *o)
{
    const char *a = argv[*i];
    const char *next = *i + 1 < argc ? argv[*i + 1] : NULL;
    for (int k = 0; k < AXN_INET_SERVICE_COUNT; k++)
        if (!strcmp(a, inet_flags[k])) {
            o->inet[k] = true;
            return 0;
        }
    if (!strcmp(a, "--http")) {
        if (!next)
            return bad_arg("--http needs a directory", a);
        o->http_root = next;
        (*i)++;
    } else if (!strcmp(a, "--http-port")) {
        if (!next || !parse_port(next, &o->http_port))
            return bad_arg("bad --http-port", next);
        (*i)++;
    } else if (!strcmp(a, "--iperf3")) {
        o->iperf3 = true;
        /* The port is optional: taken only when the next word is a number. */
        if (next && next[0] != '-') {
            if (!parse_port(next, &o->iperf3_port))
                return bad_arg("bad --iperf3 port", next);
            (*i)++;
        }
    } else {
        return bad_arg("unexpected argument", a);
    }
    return 0;
}

/* A root we cannot serve is a usage error, found before any TAP opens. */
static int check_root(const char *root)
{
    struct stat sb;
    if (stat(root, &sb) != 0) {
        fprintf(stderr, PROG ": --http %s: %s\n", root, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(sb.st_mode)) {
        fprintf(stderr, PROG ": --http %s: not a directory\n", root);
        return -1;
    }
    return 0;
}

static int parse_opts(int argc, char **argv, struct serve_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->http_port = HTTP_PORT_DEF;
    o->iperf3_port = AXN_IPERF3_PORT;
    for (int i = 1; i < argc; i++)
        if (parse_one(argc, argv, &i, o) != 0)
            return -1;
    if (o->http_root && check_root(o->http_root) != 0)
        return -1;
    bool any_inet = false;
    for (int k = 0; k < AXN_INET_SERVICE_COUNT; k++)
        any_inet |= o->inet[k];
    if (!o->http_root && !any_inet && !o->iperf3) {
        fprintf(stderr, PROG ": no service asked for (--http, --echo, --discard, --chargen, "
                             "--iperf3; try --help)\n");
        return -1;
    }
    return 0;
}

static bool wants_inet(const struct serve_opts *o)
{
    return o->inet[AXN_INET_ECHO] || o->inet[AXN_INET_DISCARD] || o->inet[AXN_INET_CHARGEN];
}

static int start_failed(const char *what, int err)
{
    fprintf(stderr, PROG ": %s: %s\n", what, strerror(err < 0 ? -err : err));
    return -1;
}

static int start_services(struct axn_runner *r, const struct serve_opts *o, struct serve_run *s)
{
    struct axn_stack *st = axn_runner_stack(r);
    int err;
    if (o->http_root) {
        const struct axn_http_server_opts ho = {.root = o->http_root,
                                                .port = o->http_port,
                                                .log =
                                                    r->log_level >= HTTP_LOG_LEVEL ? stderr : NULL};
        if ((err = axn_http_server_start(st, &ho, &s->http)) != 0)
            return start_failed("http", err);
        fprintf(stderr, PROG ": http on port %u, root %s\n", axn_http_server_port(s->http),
                o->http_root);
    }
    if (wants_inet(o)) {
        struct axn_inet_services_opts io = {0};
        for (int k = 0; k < AXN_INET_SERVICE_COUNT; k++)
            io.off[k] = !o->inet[k];
        if ((err = axn_inet_services_start(st, &io, &s->inet)) != 0)
            return start_failed("echo/discard/chargen", err);
        for (int k = 0; k < AXN_INET_SERVICE_COUNT; k++)
            if (o->inet[k])
                fprintf(stderr, PROG ": %s on TCP and UDP port %u\n", inet_names[k],
                        axn_inet_services_tcp_port(s->inet, (enum axn_inet_service)k));
    }
    if (o->iperf3) {
        if ((err = axn_iperf3_server_start(st, o->iperf3_port, &s->iperf3)) != 0)
            return start_failed("iperf3", err);
        fprintf(stderr, PROG ": iperf3 on port %u\n", o->iperf3_port);
    }
    fprintf(stderr, PROG ": ready (SIGINT or SIGTERM stops)\n");
    return 0;
}

static void print_http_stats(struct axn_http_server *h)
{
    struct axn_http_server_stats hs;
    axn_http_server_get_stats(h, &hs);
    printf("http: %llu connections, %llu refused, %llu requests, %llu body bytes;",
           (unsigned long long)hs.connections, (unsigned long long)hs.refused,
           (unsigned long long)hs.requests, (unsigned long long)hs.body_bytes);
    for (int i = 0; i < AXN_HTTP_STAT_COUNT; i++) {
        const int code = axn_http_stat_code((enum axn_http_stat)i);
        if (hs.by_status[i] == 0)
            continue;
        if (code)
            printf(" %d: %llu", code, (unsigned long long)hs.by_status[i]);
        else
            printf(" other: %llu", (unsigned long long)hs.by_status[i]);
    }
    printf("\n");
}

static void print_inet_stats(struct axn_inet_services *in, const struct serve_opts *o)
{
    for (int k = 0; k < AXN_INET_SERVICE_COUNT; k++) {
        if (!o->inet[k])
            continue;
        struct axn_inet_service_stats is;
        axn_inet_services_get_stats(in, (enum axn_inet_service)k, &is);
        printf("%s: tcp %llu connections, %llu bytes in, %llu bytes out; "
               "udp %llu datagrams in, %llu out\n",
               inet_names[k], (unsigned long long)is.tcp_conns, (unsigned long long)is.tcp_bytes_in,
               (unsigned long long)is.tcp_bytes_out, (unsigned long long)is.udp_in,
               (unsigned long long)is.udp_out);
    }
}

/* Shuts down what runs (connections end within a tick), then prints the
 * counters each service ended with. The iperf3 server has no shutdown
 * apart from its free, so it is read first (a test cut short by the stop
 * is not in its counts). */
static void stop_services(struct serve_run *s, const struct serve_opts *o, bool print)
{
    axn_http_server_shutdown(s->http);
    axn_inet_services_shutdown(s->inet);
    if (s->http && print)
        print_http_stats(s->http);
    if (s->inet && print)
        print_inet_stats(s->inet, o);
    if (s->iperf3 && print)
        printf("iperf3: %u tests done, %u failed\n", axn_iperf3_server_tests_done(s->iperf3),
               axn_iperf3_server_tests_failed(s->iperf3));
    axn_http_server_stop(s->http);
    axn_inet_services_stop(s->inet);
    axn_iperf3_server_stop(s->iperf3);
    fflush(stdout);
}

static void wait_for_stop(void)
{
    const struct timespec slice = {.tv_sec = 0, .tv_nsec = WAIT_SLICE_NS};
    while (!axn_runner_stopping())
        nanosleep(&slice, NULL); /* a signal cuts it short */
}

int axn_cmd_serve(int argc, char **argv)
{
    struct axn_runner r;
    struct serve_opts o;
    struct serve_run s = {0};
    if (axn_cmd_wants_help(argc, argv)) {
        usage(stdout);
        return 0;
    }
    if (axn_runner_parse(&r, PROG, &argc, argv) != 0 || parse_opts(argc, argv, &o) != 0)
        return AXN_EXIT_USAGE;
    if (axn_runner_start(&r) != 0)
        return AXN_EXIT_FAIL;
    const bool ok = start_services(&r, &o, &s) == 0;
    if (ok)
        wait_for_stop();
    stop_services(&s, &o, ok);
    axn_runner_stop(&r);
    if (ok)
        fprintf(stderr, PROG ": stopped\n");
    return ok ? 0 : AXN_EXIT_FAIL;
}
