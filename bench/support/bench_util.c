#include "bench_util.h"

#include <stdlib.h>
#include <string.h>

#define DEC        10
#define ADDR_BYTES 4
#define BYTE_BITS  8

struct axn_sockaddr_in bench_sin4(axn_ip4_t addr, uint16_t port)
{
    struct axn_sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AXN_AF_INET;
    /* Network byte order, written byte by byte. */
    uint8_t *pb = (uint8_t *)&sin.sin_port;
    pb[0] = (uint8_t)(port >> BYTE_BITS);
    pb[1] = (uint8_t)port;
    uint8_t *ab = (uint8_t *)&sin.sin_addr.s_addr;
    for (int i = 0; i < ADDR_BYTES; i++)
        ab[i] = (uint8_t)(addr >> (BYTE_BITS * (ADDR_BYTES - 1 - i)));
    return sin;
}

struct axn_iface_config bench_static_iface(axn_ip4_t addr, uint8_t prefix_len)
{
    return (struct axn_iface_config){.match = AXN_MATCH_ORDER,
                                     .ipv4_mode = AXN_IPV4_STATIC,
                                     .addr = addr,
                                     .prefix_len = prefix_len};
}

uint64_t bench_arg_u64(const char *v, void (*usage)(void))
{
    char *end = NULL;
    const unsigned long long n = strtoull(v, &end, DEC);
    if (!v[0] || *end || n == 0)
        usage();
    return n;
}
