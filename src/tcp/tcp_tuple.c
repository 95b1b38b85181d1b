/*
 * TCP endpoint tuples as hash input (tcp_tuple.h).
 */
#include "tcp/tcp_tuple.h"

#include "lib/byteorder.h"
#include "lib/mem.h"

#define IP4_ADDR_LEN 4

void axn_tcp_tuple_ip4(struct axn_tcp_tuple *t, axn_ip4_t local, uint16_t local_port,
                       axn_ip4_t remote, uint16_t remote_port)
{
    memset(t, 0, sizeof(*t));
    axn_put_be32(t->local_addr, local);
    axn_put_be32(t->remote_addr, remote);
    t->addr_len = IP4_ADDR_LEN;
    t->local_port = local_port;
    t->remote_port = remote_port;
}

static size_t put_endpoint(uint8_t *out, const uint8_t *addr, size_t len)
{
    memcpy(out, addr, len);
    return len;
}

size_t axn_tcp_tuple_bytes(const struct axn_tcp_tuple *t, bool with_local_port,
                           uint8_t out[AXN_TCP_TUPLE_MAX])
{
    const size_t alen = t->addr_len < AXN_TCP_ADDR_MAX ? t->addr_len : AXN_TCP_ADDR_MAX;
    size_t n = put_endpoint(out, t->local_addr, alen);
    if (with_local_port) {
        axn_put_be16(out + n, t->local_port);
        n += AXN_TCP_PORT_LEN;
    }
    n += put_endpoint(out + n, t->remote_addr, alen);
    axn_put_be16(out + n, t->remote_port);
    return n + AXN_TCP_PORT_LEN;
}
