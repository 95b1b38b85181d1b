#include "ip4_pkt.h"

#include <setjmp.h>
#include <stdarg.h>
#include <string.h>

#include <cmocka.h>

size_t ip4_pkt_build(uint8_t *buf, const struct axn_ipv4 *tmpl, size_t payload_len)
{
    uint8_t payload[IP4_PKT_MAX];
    memset(payload, IP4_PKT_FILL, payload_len);
    struct axn_ipv4 h = *tmpl;
    if (h.ttl == 0)
        h.ttl = IP4_PKT_TTL;
    h.payload = payload;
    h.payload_len = payload_len;
    const int n = axn_ipv4_emit(&h, buf, IP4_PKT_MAX);
    assert_true(n > 0);
    return (size_t)n;
}

size_t ip4_pkt_build_simple(uint8_t *buf, axn_ip4_t src, axn_ip4_t dst, uint8_t proto)
{
    const struct axn_ipv4 h = {.src = src, .dst = dst, .protocol = proto, .tos = IP4_PKT_TOS};
    return ip4_pkt_build(buf, &h, IP4_PKT_PAYLOAD);
}

void ip4_pkt_parse_sent(const struct fake_sent_pkt *p, struct axn_ipv4 *h)
{
    assert_int_equal(axn_ipv4_parse(p->data, p->len, h, 0), 0);
}
