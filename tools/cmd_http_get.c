/*
 * `axnet http-get URL [-o FILE]`: one HTTP/1.1 GET through the stack
 * (http_client.h). The body goes to stdout or FILE; stderr gets a progress
 * line when it is a terminal, then one summary line (status, peer, byte
 * counts, time, a redirect's Location). Exit status: 0 for a 2xx answer,
 * 1 for another status or a failed transfer, 2 for a bad URL or usage.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "axnet/errno.h"
#include "cli_cmds.h"
#include "http_client.h"
#include "runner.h"

#define PROG          "axnet http-get"
#define STATUS_OK_MIN 200
#define STATUS_OK_MAX 299
#define URL_ERROR_LEN 160
#define IP_TEXT       16

struct get_opts {
    const char *url;
    const char *out_path; /* NULL: stdout */
};

static void usage(FILE *to)
{
    fprintf(to, "usage: axnet http-get URL [-o FILE] --tap NAME [runner options]\n\n"
                "GETs an http:// URL (the host by address or by name through the stack's DNS)\n"
                "and writes the body to stdout or FILE; a summary line goes to stderr.\n"
                "Redirects are reported, not followed. Exit 0 for a 2xx status.\n\n");
    if (to == stdout)
        axn_runner_print_flags();
}

static int parse_opts(int argc, char **argv, struct get_opts *o)
{
    memset(o, 0, sizeof(*o));
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-o") && i + 1 < argc) {
            o->out_path = argv[++i];
        } else if (argv[i][0] != '-' && !o->url) {
            o->url = argv[i];
        } else {
            fprintf(stderr, PROG ": unexpected argument '%s' (try --help)\n", argv[i]);
            return -1;
        }
    }
    if (!o->url) {
        usage(stderr);
        return -1;
    }
    /* A URL we cannot fetch is a usage error, found before any TAP is opened. */
    struct axn_http_url u;
    char why[URL_ERROR_LEN];
    if (axn_http_parse_url(o->url, &u, why, sizeof(why)) != 0) {
        fprintf(stderr, PROG ": %s: %s\n", o->url, why);
        return -1;
    }
    return 0;
}

static void print_summary(const struct axn_http_get_result *res)
{
    char ip[IP_TEXT];
    fprintf(stderr, PROG ": HTTP %d from %s:%u: %llu body bytes", res->status,
            axn_runner_ip4_str(res->addr, ip, sizeof(ip)), res->port,
            (unsigned long long)res->body_bytes);
    if (res->content_length >= 0)
        fprintf(stderr, " (Content-Length %lld)", (long long)res->content_length);
    else if (res->chunked)
        fprintf(stderr, " (chunked)");
    fprintf(stderr, ", %llu header bytes, %llu ms", (unsigned long long)res->header_bytes,
            (unsigned long long)res->elapsed_ms);
    if (res->location[0])
        fprintf(stderr, ", Location: %s", res->location);
    fputc('\n', stderr);
}

/* Runs the GET with the stack up; the exit status. */
static int fetch(struct axn_runner *r, const struct get_opts *o, FILE *out)
{
    struct axn_http_get_result res;
    memset(&res, 0, sizeof(res));
    /* Ctrl-C ends the GET within a slice; the stack then stops cleanly. */
    const struct axn_http_get_opts go = {
        .out = out, .progress = true, .should_stop = axn_runner_stopping};
    const int err = axn_http_get(axn_runner_stack(r), o->url, &go, &res);
    if (fflush(out) != 0) {
        fprintf(stderr, PROG ": writing the body: %s\n", strerror(errno));
        return AXN_EXIT_FAIL;
    }
    if (err == -AXN_EINTR) {
        fprintf(stderr, PROG ": interrupted\n");
        return AXN_EXIT_FAIL;
    }
    if (err != 0) {
        fprintf(stderr, PROG ": %s: %s\n", o->url,
                res.error[0] ? res.error : strerror(err < 0 ? -err : err));
        return AXN_EXIT_FAIL;
    }
    print_summary(&res);
    return res.status >= STATUS_OK_MIN && res.status <= STATUS_OK_MAX ? 0 : AXN_EXIT_FAIL;
}

int axn_cmd_http_get(int argc, char **argv)
{
    struct axn_runner r;
    struct get_opts o;
    if (axn_cmd_wants_help(argc, argv)) {
        usage(stdout);
        return 0;
    }
    if (axn_runner_parse(&r, PROG, &argc, argv) != 0 || parse_opts(argc, argv, &o) != 0)
        return AXN_EXIT_USAGE;
    FILE *out = o.out_path ? fopen(o.out_path, "wb") : stdout;
    if (!out) {
        fprintf(stderr, PROG ": %s: %s\n", o.out_path, strerror(errno));
        return AXN_EXIT_FAIL;
    }
    int rc = AXN_EXIT_FAIL;
    if (axn_runner_start(&r) == 0) {
        rc = fetch(&r, &o, out);
        axn_runner_stop(&r);
    }
    if (o.out_path && fclose(out) != 0) {
        fprintf(stderr, PROG ": %s: %s\n", o.out_path, strerror(errno));
        rc = AXN_EXIT_FAIL;
    }
    return rc;
}
