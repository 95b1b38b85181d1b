/* Small helpers the `axnet` socket commands (ping, resolve, nc) share. */
#ifndef AXN_TOOLS_CLI_UTIL_H
#define AXN_TOOLS_CLI_UTIL_H

#include <stdbool.h>

#include "axnet/resolver.h"
#include "axnet/socket.h"

/* How long one blocking socket call waits before the caller looks at
 * axn_runner_stopping() again. */
#define AXN_CLI_SLICE AXN_MSEC(100)

/* SO_RCVTIMEO of `s` (0: wait forever, as on Linux). 0 or a negative errno. */
int axn_cli_set_rcvtimeo(struct axn_socket *s, axn_time_t usec);

/* HOST as a dotted quad, or else its first IPv4 address by DNS through
 * the stack. Prints "PROG: HOST: why" and returns false on failure. */
bool axn_cli_host_ip4(struct axn_stack *st, const char *prog, const char *host, axn_ip4_t *out);

/* The resolver's errors in words (NXDOMAIN and the like, resolver.h). */
const char *axn_cli_dns_error(int err);

/* A sockaddr_in for a host-order address and port. */
struct axn_sockaddr_in axn_cli_sin(axn_ip4_t ip, uint16_t port);
/* Its address, host order. */
axn_ip4_t axn_cli_sin_ip(const struct axn_sockaddr_in *sin);

#endif /* AXN_TOOLS_CLI_UTIL_H */
