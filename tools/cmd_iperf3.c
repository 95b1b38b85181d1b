/*
 * `axnet iperf3 -c HOST [-p PORT] [-t SEC] [-u] [-b RATE] [-R] [-l LEN]
 * [-P N]`: an iperf3 client test (iperf3.h) from the stack against any
 * iperf3 3.x server, its flags named as iperf3's. Prints iperf3-like
 * summary lines; exit 0 when the test completed, 1 when it failed.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "axnet/errno.h"
#include "axnet/resolver.h"
#include "cli_cmds.h"
#include "cli_util.h"
#include "iperf3.h"
#include "runner.h"

#define PROG     "axnet iperf3"
#define MAX_PORT 65535ul
#define MAX_SECS 86400ul
/* iperf3's suffixes: rates in powers of 1000, lengths in powers of 1024. */
#define RATE_K 1000ull
#define SIZE_K 1024ull
#define DEC    10
/* Between two steps of a name lookup: how soon Ctrl-C is seen. */
#define LOOKUP_TICK_NS 10000000L

struct iperf3_cli {
    const char *host;
    struct axn_iperf3_client_opts o;
};

static void usage(FILE *to)
{
    fprintf(to,
            "usage: axnet iperf3 -c HOST [-p PORT] [-t SEC] [-u] [-b RATE] [-R] [-l LEN] [-P N]\n"
            "                    --tap NAME [runner options]\n\n"
            "An iperf3 client test against an iperf3 server (iperf3 -s):\n"
            "  -c HOST  the server (address or name)   -p PORT  its port (5201)\n"
            "  -t SEC   seconds to send (10)           -u       UDP (default TCP)\n"
            "  -b RATE  bits/s, K/M/G suffixes (UDP: 1M, TCP: unlimited)\n"
            "  -R       reverse: the server sends      -l LEN   block size, K/M suffixes\n"
            "  -P N     parallel streams (1..%d)\n\n",
            AXN_IPERF3_MAX_STREAMS);
    if (to == stdout)
        axn_runner_print_flags();
}

/* "10M": a decimal number with an optional K/M/G suffix of `unit` steps. */
static bool parse_scaled(const char *s, unsigned long long unit, uint64_t *out)
{
    static const char suffixes[] = "KMG";
    char *end;
    if (!s || s[0] < '0' || s[0] > '9')
        return false;
    errno = 0;
    const unsigned long long v = strtoull(s, &end, DEC);
    unsigned long long mul = 1;
    const char *suf = *end ? strchr(suffixes, toupper((unsigned char)*end)) : NULL;
    if (suf) {
        for (const char *p = suffixes; p <= suf; p++)
            mul *= unit;
        end++;
    }
    if (errno || *end || (v && mul > UINT64_MAX / v))
        return false;
    *out = v * mul;
    return true;
}

static bool parse_bounded(const char *s, unsigned long min, unsigned long max, uint32_t *out)
{
    unsigned long v;
    if (!s || !axn_runner_parse_uint(s, &v) || v < min || v > max)
        return false;
    *out = (uint32_t)v;
    return true;
}

/* An option with a value at argv[*i]: -1 when it is not one we know, or
 * its value is bad. */
static int parse_valued(const char *a, const char *v, struct iperf3_cli *c)
{
    uint32_t u32;
    uint64_t u64;
    if (!strcmp(a, "-c") && v) {
        c->host = v;
    } else if (!strcmp(a, "-p") && parse_bounded(v, 1, MAX_PORT, &u32)) {
        c->o.port = (uint16_t)u32;
    } else if (!strcmp(a, "-t") && parse_bounded(v, 1, MAX_SECS, &u32)) {
        c->o.seconds = u32;
    } else if (!strcmp(a, "-b") && parse_scaled(v, RATE_K, &u64)) {
        c->o.bitrate = u64;
    } else if (!strcmp(a, "-l") && parse_scaled(v, SIZE_K, &u64) && u64 && u64 <= UINT32_MAX) {
        c->o.length = (uint32_t)u64;
    } else if (!strcmp(a, "-P") && parse_bounded(v, 1, AXN_IPERF3_MAX_STREAMS, &u32)) {
        c->o.parallel = u32;
    } else {
        return -1;
    }
    return 0;
}

static int parse_opts(int argc, char **argv, struct iperf3_cli *c)
{
    memset(c, 0, sizeof(*c));
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-u")) {
            c->o.udp = true;
        } else if (!strcmp(a, "-R")) {
            c->o.reverse = true;
        } else if (parse_valued(a, i + 1 < argc ? argv[i + 1] : NULL, c) == 0) {
            i++;
        } else {
            fprintf(stderr, PROG ": bad or unexpected argument '%s' (try --help)\n", a);
            return -1;
        }
    }
    if (!c->host) {
        fprintf(stderr, PROG ": -c HOST is required (try --help)\n");
        return -1;
    }
    return 0;
}

/* A name's lookup, stepped here rather than by axn_resolve so that Ctrl-C
 * ends it at once (axn_resolve waits out its timeout, 5 s by default). */
static int lookup(struct axn_runner *r, const char *host, struct axn_dns_result *res)
{
    const struct axn_platform *plat = &r->plat;
    const struct axn_dns_options opt = {.family = AXN_AF_INET};
    const struct timespec tick = {0, LOOKUP_TICK_NS};
    struct axn_dns_lookup *q = NULL;
    int err = axn_dns_query_start(axn_runner_stack(r), host, &opt, plat->now(plat->ctx), &q);
    while (!err) {
        axn_time_t next;
        err = axn_dns_query_step(q, plat->now(plat->ctx), &next);
        if (err != -AXN_EINPROGRESS)
            break;
        err = axn_runner_stopping() ? -AXN_EINTR : 0;
        nanosleep(&tick, NULL);
    }
    if (!err)
        err = axn_dns_query_result(q, res);
    axn_dns_query_free(q);
    return err;
}

/* HOST as a dotted quad or by DNS: true, or false after one line. */
static bool host_ip4(struct axn_runner *r, const char *host, axn_ip4_t *out)
{
    struct axn_dns_result res;
    if (axn_runner_parse_ip4(host, out))
        return true;
    const int err = lookup(r, host, &res);
    if (!err && res.n_addrs > 0) {
        *out = res.addrs[0].a4;
        return true;
    }
    if (err == -AXN_EINTR)
        fprintf(stderr, PROG ": interrupted\n");
    else
        fprintf(stderr, PROG ": %s: %s\n", host, err ? axn_cli_dns_error(err) : "no IPv4 address");
    return false;
}

static int run_test(struct axn_stack *st, const struct axn_iperf3_client_opts *o)
{
    char ip[sizeof("255.255.255.255")];
    printf("Connecting to host %s, port %u\n", axn_runner_ip4_str(o->host, ip, sizeof(ip)),
           o->port ? o->port : AXN_IPERF3_PORT);
    fflush(stdout);
    struct axn_iperf3_result res;
    memset(&res, 0, sizeof(res));
    /* Ctrl-C ends the test (or its connect or a control wait) within a
     * tick; the stack then stops cleanly. */
    const int err = axn_iperf3_client_run(st, o, &res);
    if (err == -AXN_EINTR)
        fprintf(stderr, PROG ": interrupted\n");
    if (err != 0)
        return AXN_EXIT_FAIL;
    axn_iperf3_result_print(stdout, o, &res);
    return 0;
}

int axn_cmd_iperf3(int argc, char **argv)
{
    struct axn_runner r;
    struct iperf3_cli c;
    if (axn_cmd_wants_help(argc, argv)) {
        usage(stdout);
        return 0;
    }
    if (axn_runner_parse(&r, PROG, &argc, argv) != 0 || parse_opts(argc, argv, &c) != 0)
        return AXN_EXIT_USAGE;
    if (axn_runner_start(&r) != 0)
        return AXN_EXIT_FAIL;
    int rc = AXN_EXIT_FAIL;
    c.o.should_stop = axn_runner_stopping;
    if (host_ip4(&r, c.host, &c.o.host))
        rc = run_test(axn_runner_stack(&r), &c.o);
    axn_runner_stop(&r);
    return rc;
}
