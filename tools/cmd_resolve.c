/*
 * `axnet resolve NAME [-4|-6]`: a DNS lookup through the stack's resolver
 * (axn_resolve: its servers come from --dns or the DHCP lease), printed as
 * host(1) prints one, then which server answered. A failure is one line
 * on stderr naming the resolver's error, and exit status 1.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "axnet/resolver.h"
#include "cli_cmds.h"
#include "cli_util.h"
#include "runner.h"

#define PROG    "axnet resolve"
#define IP_TEXT 16

static void usage(FILE *to)
{
    fprintf(to,
            "usage: axnet resolve NAME [-4|-6] --tap NAME --dns ADDR|--dhcp [runner options]\n\n"
            "Looks NAME up (A and AAAA records; -4: A only, -6: AAAA only) and prints\n"
            "its addresses, its canonical name and the server that answered.\n\n");
    if (to == stdout)
        axn_runner_print_flags();
}

static int parse_opts(int argc, char **argv, const char **name, int *family)
{
    *name = NULL;
    *family = AXN_AF_UNSPEC;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-4")) {
            *family = AXN_AF_INET;
        } else if (!strcmp(argv[i], "-6")) {
            *family = AXN_AF_INET6;
        } else if (argv[i][0] != '-' && !*name) {
            *name = argv[i];
        } else {
            fprintf(stderr, PROG ": unexpected argument '%s' (try --help)\n", argv[i]);
            return -1;
        }
    }
    if (!*name) {
        usage(stderr);
        return -1;
    }
    return 0;
}

static void print_result(const char *name, const struct axn_dns_result *res)
{
    char text[INET6_ADDRSTRLEN];
    const char *canon = res->canonical[0] ? res->canonical : name;
    if (strcmp(canon, name) != 0)
        printf("%s is an alias for %s.\n", name, canon);
    for (size_t i = 0; i < res->n_addrs; i++) {
        const struct axn_dns_addr *a = &res->addrs[i];
        if (a->family == AXN_AF_INET) {
            printf("%s has address %s\n", canon, axn_runner_ip4_str(a->a4, text, sizeof(text)));
        } else {
            inet_ntop(AF_INET6, a->a6.b, text, sizeof(text));
            printf("%s has IPv6 address %s\n", canon, text);
        }
    }
    if (res->from_cache)
        printf("server: (cache)\n");
    else
        printf("server: %s\n", axn_runner_ip4_str(res->server, text, sizeof(text)));
}

int axn_cmd_resolve(int argc, char **argv)
{
    struct axn_runner r;
    const char *name;
    int family;
    if (axn_cmd_wants_help(argc, argv)) {
        usage(stdout);
        return 0;
    }
    if (axn_runner_parse(&r, PROG, &argc, argv) != 0 || parse_opts(argc, argv, &name, &family))
        return AXN_EXIT_USAGE;
    if (axn_runner_start(&r) != 0)
        return AXN_EXIT_FAIL;
    const struct axn_dns_options opt = {.family = family};
    struct axn_dns_result res;
    const int err = axn_resolve(axn_runner_stack(&r), name, &opt, &res);
    if (err == 0)
        print_result(name, &res);
    else
        fprintf(stderr, PROG ": %s: %s\n", name, axn_cli_dns_error(err));
    axn_runner_stop(&r);
    return err == 0 ? 0 : AXN_EXIT_FAIL;
}
