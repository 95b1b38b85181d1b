/* The `axnet` control-plane subcommands (runner.h brings their stack up).
 * Each returns the process exit status: 0 success, 1 failure, 2 usage. */
#ifndef AXN_TOOLS_CLI_CMDS_H
#define AXN_TOOLS_CLI_CMDS_H

#define AXN_EXIT_FAIL  1
#define AXN_EXIT_USAGE 2

int axn_cmd_ping(int argc, char **argv);
int axn_cmd_resolve(int argc, char **argv);
int axn_cmd_ifconfig(int argc, char **argv);
int axn_cmd_route(int argc, char **argv);
int axn_cmd_arp(int argc, char **argv);
int axn_cmd_stats(int argc, char **argv);
int axn_cmd_nc(int argc, char **argv);
int axn_cmd_serve(int argc, char **argv);
int axn_cmd_http_get(int argc, char **argv);
int axn_cmd_iperf3(int argc, char **argv);

/* argv holds -h or --help. */
int axn_cmd_wants_help(int argc, char **argv);

#endif /* AXN_TOOLS_CLI_CMDS_H */
