/*
 * TCP initial sequence numbers per RFC 6528 (tcp_isn.h).
 */
#include "tcp/tcp_isn.h"

int axn_tcp_isn_init(struct axn_tcp_isn *g, const struct axn_platform *plat)
{
    return plat->random(plat->ctx, g->key, sizeof(g->key));
}

uint32_t axn_tcp_isn(const struct axn_tcp_isn *g, const struct axn_tcp_tuple *t, axn_time_t now)
{
    uint8_t msg[AXN_TCP_TUPLE_MAX];
    const size_t len = axn_tcp_tuple_bytes(t, true, msg);
    /* RFC 6528 3: F's output truncated to the 32 bits of the sequence
     * space; M wraps with it (RFC 9293 3.4.1: the ISN generator's clock
     * cycles in about 4.55 hours). */
    const uint32_t f = (uint32_t)axn_siphash24(g->key, msg, len);
    const uint32_t m = (uint32_t)(now / AXN_TCP_ISN_TICK_US);
    return m + f;
}
