/*
 * The `axnet` command: a hosted runner for the stack. Each subcommand is a
 * real use of the library; see `axnet --help` and docs/cli.md.
 */
#include <stdio.h>
#include <string.h>

#include "cli_cmds.h"
#include "tools.h"

struct subcommand {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *help;
};

static const struct subcommand subcommands[] = {
    {"demo", axn_tool_demo,
     "two stacks on a simulated lossy wire: DHCP boot, DNS lookup, ping, UDP and TCP\n"
     "           sockets, counters, pcap"},
    {"ping", axn_cmd_ping, "ICMP echo to a host through a stack on a TAP, as ping(8)"},
    {"resolve", axn_cmd_resolve, "DNS lookup through the stack's resolver"},
    {"ifconfig", axn_cmd_ifconfig, "the stack's interfaces (--json: as JSON)"},
    {"route", axn_cmd_route, "the stack's IPv4 routes (--json: as JSON)"},
    {"arp", axn_cmd_arp, "the stack's ARP table (--json: as JSON)"},
    {"stats", axn_cmd_stats, "link, SNMP, DHCP and DNS counters (--json: as JSON)"},
    {"nc", axn_cmd_nc, "netcat over the stack: TCP/UDP connect or listen"},
    {"serve", axn_cmd_serve, "HTTP, echo/discard/chargen and iperf3 servers until Ctrl-C"},
    {"http-get", axn_cmd_http_get, "one HTTP/1.1 GET through the stack, the body to stdout"},
    {"iperf3", axn_cmd_iperf3, "an iperf3 client test against an iperf3 server"},
};

static void usage(FILE *to)
{
    fprintf(to, "usage: axnet COMMAND [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
        fprintf(to, "  %-8s %s\n", subcommands[i].name, subcommands[i].help);
    fprintf(to, "\nEvery command but demo brings one stack up on a TAP (--tap NAME, needs root)\n"
                "or, with --sim, on a simulated network whose gateway 10.0.0.1 serves DHCP,\n"
                "DNS (gw.sim.test, www.sim.test), echo/discard/chargen, HTTP (/hello.txt,\n"
                "/data.bin) and iperf3 (no root; --loss PERCENT, --delay MS), e.g.\n"
                "  axnet ping gw.sim.test --sim\n"
                "  axnet http-get http://www.sim.test/hello.txt --sim\n");
    fprintf(to, "\n`axnet COMMAND --help` describes a command's options.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
        if (!strcmp(argv[1], subcommands[i].name))
            return subcommands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "axnet: unknown command '%s' (try axnet --help)\n", argv[1]);
    return 2;
}
