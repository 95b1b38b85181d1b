/* Helpers of the `axnet` socket commands (cli_util.h). */
#include "cli_util.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "axnet/errno.h"
#include "runner.h"

int axn_cli_set_rcvtimeo(struct axn_socket *s, axn_time_t usec)
{
    const struct axn_timeval tv = {.tv_sec = (int64_t)(usec / AXN_USEC_PER_SEC),
                                   .tv_usec = (int64_t)(usec % AXN_USEC_PER_SEC)};
    return axn_setsockopt(s, AXN_SOL_SOCKET, AXN_SO_RCVTIMEO, &tv, sizeof(tv));
}

const char *axn_cli_dns_error(int err)
{
    switch (err) {
    case -AXN_ENXIO:
        return "no such name (NXDOMAIN)";
    case -AXN_ENODATA:
        return "no address of that family (NODATA)";
    case -AXN_ENOENT:
        return "no DNS server configured (give --dns or --dhcp)";
    case -AXN_ECONNREFUSED:
        return "every server refused or failed (SERVFAIL)";
    case -AXN_ETIMEDOUT:
        return "no answer from the DNS servers (timed out)";
    case -AXN_ELOOP:
        return "CNAME chain too long";
    case -AXN_EINVAL:
        return "not a valid name";
    default:
        return strerror(err < 0 ? -err : err);
    }
}

bool axn_cli_host_ip4(struct axn_stack *st, const char *prog, const char *host, axn_ip4_t *out)
{
    if (axn_runner_parse_ip4(host, out))
        return true;
    const struct axn_dns_options opt = {.family = AXN_AF_INET};
    struct axn_dns_result res;
    const int err = axn_resolve(st, host, &opt, &res);
    if (err == 0 && res.n_addrs > 0) {
        *out = res.addrs[0].a4;
        return true;
    }
    fprintf(stderr, "%s: %s: %s\n", prog, host, err ? axn_cli_dns_error(err) : "no IPv4 address");
    return false;
}

struct axn_sockaddr_in axn_cli_sin(axn_ip4_t ip, uint16_t port)
{
    struct axn_sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AXN_AF_INET;
    sin.sin_port = htons(port);
    sin.sin_addr.s_addr = htonl(ip);
    return sin;
}

axn_ip4_t axn_cli_sin_ip(const struct axn_sockaddr_in *sin)
{
    return ntohl(sin->sin_addr.s_addr);
}
