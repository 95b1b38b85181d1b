/*
 * ICMPv4 input (RFC 792, RFC 1122 3.2.2): echo requests answered, echo
 * replies handed to whoever registered for them, errors handed to the
 * transport whose datagram they quote. Counted as Linux's Icmp: line.
 */
#include "ip/icmp4.h"
#include "ip/icmp4_rate.h"
#include "lib/byteorder.h"

/* Quoted IPv4 header fields (RFC 791 3.1). */
#define QUOTE_OFF_PROTO 9
#define QUOTE_OFF_SRC   12
#define QUOTE_OFF_DST   16

static void count_in(struct axn_ip4 *ip, uint8_t type)
{
    struct axn_snmp_icmp *s = &ip->icmp;
    switch (type) {
    case AXN_ICMP4_DEST_UNREACH:
        s->in_dest_unreachs++;
        break;
    case AXN_ICMP4_TIME_EXCEEDED:
        s->in_time_excds++;
        break;
    case AXN_ICMP4_PARAM_PROBLEM:
        s->in_parm_probs++;
        break;
    case AXN_ICMP4_SOURCE_QUENCH:
        s->in_src_quenchs++;
        break;
    case AXN_ICMP4_REDIRECT:
        s->in_redirects++;
        break;
    case AXN_ICMP4_ECHO_REQUEST:
        s->in_echos++;
        break;
    case AXN_ICMP4_ECHO_REPLY:
        s->in_echo_reps++;
        break;
    default:
        break;
    }
}

/* ---- Echo (RFC 792; RFC 1122 3.2.2.6) ------------------------------------------------ */

/* Linux icmp_reply keeps the request's TOS (not its ECN bits: the reply
 * is not an ECN-capable transport). */
static int send_reply(struct axn_ip4 *ip, const struct axn_ip4_rx *rx, axn_ip4_t src,
                      const uint8_t *msg, size_t len, axn_time_t now)
{
    const struct axn_ip4_tx tx = {
        .src = src,
        .dst = rx->hdr->src,
        .protocol = AXN_IPPROTO_ICMP,
        .tos = (uint8_t)(rx->hdr->tos & ~AXN_IPV4_ECN_MASK),
    };
    return axn_ip4_output(ip, &tx, msg, len, now);
}

/* The reply carries the request's identifier, sequence number and data,
 * from the address that was pinged; to a broadcast (when answered at
 * all), from the interface's own address (RFC 1122 3.2.2.6). */
static void echo(struct axn_ip4 *ip, const struct axn_ip4_rx *rx, const struct axn_icmp4 *m,
                 axn_time_t now)
{
    axn_ip4_t src = rx->hdr->dst;
    if (rx->cast != AXN_IP4_UNICAST && !axn_ip4_iface_addr(ip, rx->ifindex, &src))
        return;
    /* icmp_ratemask: echo replies are limited only if a porter set their
     * bit (Linux's default leaves them alone); counted by the limiter. */
    if (axn_icmp4_xmit_allow(ip, AXN_ICMP4_ECHO_REPLY, 0, rx->hdr->src, now) != 0)
        return;
    size_t cap;
    uint8_t *buf = axn_ip4_tx_payload(ip, &cap);
    const struct axn_icmp4 reply = {
        .type = AXN_ICMP4_ECHO_REPLY,
        .code = m->code,
        .id = m->id,
        .seq = m->seq,
        .body = m->body,
        .body_len = m->body_len,
    };
    const int n = axn_icmp4_emit(&reply, buf, cap);
    if (n > 0 && send_reply(ip, rx, src, buf, (size_t)n, now) == 0) {
        ip->icmp.out_msgs++;
        ip->icmp.out_echo_reps++;
    } else {
        ip->icmp.out_errors++;
    }
}

/* ---- Errors about our datagrams -------------------------------------------------------- */

static uint32_t error_info(const struct axn_icmp4 *m)
{
    if (m->type == AXN_ICMP4_DEST_UNREACH && m->code == AXN_ICMP4_UNREACH_FRAG_NEEDED)
        return m->next_mtu;
    if (m->type == AXN_ICMP4_PARAM_PROBLEM)
        return m->pointer;
    return 0;
}

/* RFC 1122 3.2.2: "MUST be passed to the transport layer"; the parser
 * made sure the quote holds its IP header and 8 more bytes. */
static void dispatch_error(struct axn_ip4 *ip, const struct axn_ip4_rx *rx,
                           const struct axn_icmp4 *m, axn_time_t now)
{
    const uint8_t *q = m->body;
    const struct axn_icmp4_err e = {
        .type = m->type,
        .code = m->code,
        .info = error_info(m),
        .reporter = rx->hdr->src,
        .ifindex = rx->ifindex,
        .quote = q,
        .quote_len = m->body_len,
        .orig_src = axn_get_be32(q + QUOTE_OFF_SRC),
        .orig_dst = axn_get_be32(q + QUOTE_OFF_DST),
        .orig_protocol = q[QUOTE_OFF_PROTO],
        .orig_l4 = q + m->orig_hdr_len,
        .orig_l4_len = m->body_len - m->orig_hdr_len,
    };
    /* RFC 1191: the path MTU is learned before the transport hears of it
     * (Linux icmp_unreach -> ipv4_update_pmtu, then the err handler). */
    axn_ip4_frag_needed(ip, &e, now);
    const struct axn_ip4_handler *h = axn_ip4_handler_for(ip, e.orig_protocol);
    if (h && h->err)
        h->err(h->err_ctx, &e, now);
}

/* ---- Input ---------------------------------------------------------------------------------- */

/* Linux icmp_rcv: to a broadcast or multicast address only echo (and
 * timestamp) requests are taken, and echo only if not ignoring
 * broadcasts; anything else is an input error. */
static bool broadcast_refused(const struct axn_ip4 *ip, const struct axn_ip4_rx *rx, uint8_t type)
{
    if (rx->cast == AXN_IP4_UNICAST)
        return false;
    return type != AXN_ICMP4_ECHO_REQUEST || ip->echo_ignore_broadcasts;
}

static void dispatch(struct axn_ip4 *ip, const struct axn_ip4_rx *rx, const struct axn_icmp4 *m,
                     axn_time_t now)
{
    switch (m->type) {
    case AXN_ICMP4_ECHO_REQUEST:
        echo(ip, rx, m, now);
        break;
    case AXN_ICMP4_ECHO_REPLY:
        if (ip->echo_reply)
            ip->echo_reply(ip->echo_reply_ctx, rx, m, now);
        break;
    case AXN_ICMP4_DEST_UNREACH:
    case AXN_ICMP4_TIME_EXCEEDED:
    case AXN_ICMP4_PARAM_PROBLEM:
        dispatch_error(ip, rx, m, now);
        break;
    default:
        /* Source quench is deprecated (RFC 6633: ignore it); a host
         * keeps its routes (redirects ignored); other types unanswered. */
        break;
    }
}

void axn_icmp4_input(struct axn_ip4 *ip, const struct axn_ip4_rx *rx, axn_time_t now)
{
    ip->icmp.in_msgs++;
    struct axn_icmp4 m;
    const int err = axn_icmp4_parse(rx->hdr->payload, rx->hdr->payload_len, &m, 0);
    if (err) {
        if (err == AXN_WIRE_ECSUM)
            ip->icmp.in_csum_errors++;
        ip->icmp.in_errors++;
        return;
    }
    count_in(ip, m.type);
    if (broadcast_refused(ip, rx, m.type)) {
        ip->icmp.in_errors++;
        return;
    }
    dispatch(ip, rx, &m, now);
}
