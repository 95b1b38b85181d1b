/*
 * Hostile TCP segments against a whole stack with TCP sockets open (RFC
 * 9293 3.10.7 by state, RFC 5961, the listener's queues, the timers):
 * driver -> Ethernet -> IPv4 -> TCP input -> sockets, and back out through
 * TCP output -> IPv4 -> the driver.
 *
 * One stack per input, on port/none (single thread, counted locks, its own
 * arena, fixed random bytes so an input replays exactly), eth0 192.0.2.10/24,
 * the peer 192.0.2.1 known by ARP. Before any input: a listener on port 80
 * (backlog 4) with one connection accepted from peer port 1000 (the
 * handshake played by this target), and a client connection to the peer's
 * port 9 (SYN answered by this target). Every segment the stack sends is
 * decoded as it leaves (its checksum must be right) and remembered per
 * flow: where the peer's next sequence number is (the stack's ACK) and the
 * stack's SND.NXT, so the input can aim at or near the window.
 *
 * Input byte 0 chooses the stack's settings (axn_tcp_set_settings) and
 * what the peer offers in its SYNs and SYN-ACKs: SET_SACK, SET_TS,
 * SET_WS (the stack's tcp_sack/tcp_timestamps/tcp_window_scaling; the
 * peer's SYN-ACK to the client connection and its SYN to the listener
 * carry SACK-permitted, TS and WS when the bit is on, or always with
 * SET_PEER_ALL), the syncookies mode (0: 1, 1: 2, 2: 0; with 2 the
 * server connection itself arrives through a cookie), SET_RENO (reno
 * rather than cubic). On a flow where both sides use timestamps every
 * segment the target makes carries a TS option (TSval one above the
 * last, TSecr the stack's last TSval) when its options leave room.
 *
 * Then a sequence of records, each one segment:
 *   byte 0       flow (low 3 bits: the server connection, the client
 *                connection, five new flows to the listener, or raw ports
 *                from the record) and the socket action and time step;
 *   bytes 1-2    TCP flags (9 bits) and further socket actions (high bits);
 *   bytes 3-4    signed offset of SEG.SEQ from the flow's expected sequence;
 *   bytes 5-6    signed offset of SEG.ACK from the stack's SND.NXT (on
 *                the five new flows with X_FAR_ACK: added to its high
 *                half, so ACKs land near or far from a SYN cookie);
 *   bytes 7-8    window;
 *   byte 9       option bytes that follow (raw, any content; at most 40);
 *                bit 6 (OPT_BUILT_BIT) instead: built options, from the
 *                bytes that follow: a control byte (SACK blocks 0-4, a TS
 *                option, blocks relative to SND.NXT rather than the
 *                peer's last ACK (~SND.UNA), SACK-permitted + WS as a
 *                SYN offers them), per block int16 left offset and uint16
 *                length, with TS an int16 TSval step from the last TSval
 *                (negative: older, PAWS) and an int8 TSecr offset;
 *                its top bit: instead of the segment, an ICMP error
 *                (unreachable or time exceeded, code and next-hop MTU
 *                from the record) quoting a segment of the stack's own on
 *                that flow at SND.NXT + the seq offset;
 *   byte 10      payload bytes that follow (taken from the input).
 * Each is sent with valid IPv4 and TCP checksums, then the socket actions
 * run (read with or without MSG_PEEK, write, shutdown, close with or
 * without SO_LINGER 0, accept, options, TCP_INFO, poll, FIONREAD,
 * SIOCOUTQ) and virtual time moves by the chosen step, timers polled.
 *
 * Trapped: any crash or sanitizer report; a driver-contract breach; a TCP
 * segment sent with a wrong checksum; a broken lock rule; arena use above
 * a fixed bound at any point (bounded memory); a connection left in the
 * TCP layer long after every socket closed and the peer fell silent
 * (orphans and TIME-WAIT must end); and, once the stack is destroyed, any
 * block left in the arena. After every record, on every connection: the
 * SACK scoreboard's ranges sorted, merged and inside [SND.UNA, snd_max]
 * (tcp_sack_sb.h), cwnd >= 1 MSS once synchronized, the rings within the
 * buffer limits; a connection the listener made has the ISS of a SYN-ACK
 * (a cookie) the stack sent on that flow.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "axnet/errno.h"
#include "axnet/port_none.h"
#include "axnet/socket.h"
#include "axnet/stack.h"
#include "axnet/tcp.h"
#include "core/stack_impl.h"
#include "lib/byteorder.h"
#include "support/fuzz_check.h"
#include "support/fuzz_stack.h"
#include "eth_tx_hook.h"
#include "tcp/tcp.h"
#include "tcp/tcp_conn.h"
#include "ip/ip4.h"
#include "tcp/tcp_seq.h"
#include "wire/arp.h"
#include "wire/checksum.h"
#include "wire/ethernet.h"
#include "wire/icmp4.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"

/* ---- Constants ------------------------------------------------------------------------ */

#define ARENA_BYTES    (8u * 1024u * 1024u)
#define ARENA_BOUND    (6u * 1024u * 1024u) /* never more in use than this */
#define PREFIX         24u
#define OUR_ADDR       AXN_IP4(192, 0, 2, 10)
#define PEER_ADDR      AXN_IP4(192, 0, 2, 1)
#define LISTEN_PORT    80u
#define SRV_PEER       1000u /* the accepted connection's peer port */
#define CLI_PEER       9u    /* the client connection's peer port */
#define DYN_PEER       2000u /* first port of the new flows to the listener */
#define BACKLOG        4
#define PEER_ISN       0x10000000u
#define DYN_ISN_STEP   0x01000000u
#define PEER_WINDOW    65535u
#define PEER_TS0       0x00100000u
#define SYNACK_KEEP    16u
#define T_START        AXN_SEC(1)
#define MAX_POLLS      64u
#define MAX_RECORDS    64u
#define MAX_ACCEPTED   8u
#define REC_HDR        11u
#define OPT_ICMP_BIT   0x80u   /* record byte 9: an ICMP error instead of a segment */
#define OPT_BUILT_BIT  0x40u   /* record byte 9: options built from the bytes that follow */
#define QUOTE_TCP      8u      /* RFC 792: 8 bytes of the offending datagram's data */
#define ICMP_TYPE_BIT  0x8000u /* window bit: time exceeded rather than unreachable */
#define ICMP_CODE_MASK 0x0fu
#define IO_ROOM        2048u
#define TTL            64u
#define SMALL_READ     7u
#define TCP_INFO_OPT   11 /* tcp(7) TCP_INFO */
#define TCP_NODELAY    1
#define TCP_CORK       3
#define INFO_ROOM      256u
/* After every socket closed, this much silent time ends every orphan
 * (tcp_retries2 at the maximum RTO is about 15 minutes) and TIME-WAIT. */
#define DRAIN_STEP  AXN_SEC(30)
#define DRAIN_STEPS 80u

/* Input byte 0: settings and what the peer offers. */
#define SET_SACK      0x01u
#define SET_TS        0x02u
#define SET_WS        0x04u
#define SET_COOKIE_SH 3u
#define SET_COOKIE_N  3u
#define SET_RENO      0x20u
#define SET_PEER_ALL  0x40u
#define PEER_WSCALE   7u
/* TCP options (RFC 9293 3.2, RFC 2018, RFC 7323). */
#define OPT_KIND_WS    3u
#define OPT_KIND_SACKP 4u
#define OPT_KIND_SACK  5u
#define OPT_KIND_TS    8u
#define OPT_LEN_WS     3u
#define OPT_LEN_SACKP  2u
#define OPT_LEN_TS     10u
#define OPT_TS_ROOM    12u /* NOP NOP TS */
#define OPT_SACK_HDR   4u  /* NOP NOP kind len */
#define SACK_BLOCK_LEN 8u
#define BUILT_NBLK     0x07u
#define BUILT_TS       0x08u
#define BUILT_NXT      0x10u
#define BUILT_SYN      0x20u
#define BUILT_BLK_IN   4u
#define BUILT_TS_IN    3u
#define MAX_SACK_IN    4u

/* Flows (record byte 0, low bits). */
#define FLOW_SRV   0u
#define FLOW_CLI   1u
#define FLOW_DYN0  2u
#define FLOW_RAW   7u
#define N_FLOWS    7u /* tracked: server, client, five new */
#define FLOW_MASK  0x07u
#define ACT_READ   0x08u
#define ACT_WRITE  0x10u
#define STEP_SHIFT 5u

/* Further actions (record bytes 1-2, above the 9 flag bits). */
#define X_SHUT_WR 0x0200u
#define X_SHUT_RD 0x0400u
#define X_QUERY   0x0800u
#define X_CLOSE   0x1000u
#define X_PEEK    0x2000u
#define X_NODELAY 0x4000u
#define X_LINGER0 0x8000u
/* On a new flow to the listener (no socket of its own): SEG.ACK is
 * SND.NXT with the record's ack offset added to its high 16 bits, far
 * from a SYN cookie but keeping its low (counter, MSS index) bits. */
#define X_FAR_ACK     X_LINGER0
#define FAR_ACK_SHIFT 16u

static const axn_time_t time_steps[] = {
    0, AXN_MSEC(1), AXN_MSEC(40), AXN_MSEC(200), AXN_SEC(1), AXN_SEC(5), AXN_SEC(61), AXN_SEC(130),
};

static const struct axn_mac peer_mac = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};

static uint8_t arena[ARENA_BYTES] __attribute__((aligned(64)));

/* ---- What the stack sent, per flow -------------------------------------------------------- */

struct flow {
    uint16_t lport, rport;
    bool seen;         /* the stack sent something on it */
    uint32_t peer_nxt; /* the peer's next sequence number (the stack's last ACK) */
    uint32_t our_nxt;  /* the stack's highest sequence sent + 1 */
    uint32_t una;      /* the peer's highest ACK sent (~ the stack's SND.UNA) */
    bool ts_seen;      /* the stack sent a TS option on it */
    uint32_t stack_ts; /* its last TSval */
    uint32_t peer_ts;  /* the peer's last TSval */
    /* The ISS of every SYN-ACK the stack sent on it (a SYN cookie or a
     * SYN queue entry's), while there were at most SYNACK_KEEP. */
    uint32_t synack_iss[SYNACK_KEEP];
    uint32_t n_synack;
};

static uint8_t peer_opts; /* SET_SACK/TS/WS: what the peer offers */

static struct flow flows[N_FLOWS];

static void track(const struct axn_tcp *t)
{
    for (size_t i = 0; i < N_FLOWS; i++) {
        struct flow *f = &flows[i];
        if (f->lport != t->src_port || f->rport != t->dst_port)
            continue;
        const uint32_t end = t->seq + (uint32_t)t->payload_len +
                             ((t->flags & AXN_TCP_SYN) ? 1u : 0u) +
                             ((t->flags & AXN_TCP_FIN) ? 1u : 0u);
        if (t->flags & AXN_TCP_ACK)
            f->peer_nxt = t->ack;
        if (!f->seen)
            f->una = t->seq;
        if (t->opts.has_ts) {
            f->ts_seen = true;
            f->stack_ts = t->opts.ts_val;
        }
        if ((t->flags & AXN_TCP_SYN) && (t->flags & AXN_TCP_ACK) && f->n_synack++ < SYNACK_KEEP)
            f->synack_iss[f->n_synack - 1u] = t->seq;
        if (!f->seen || seq_gt(end, f->our_nxt))
            f->our_nxt = end;
        f->seen = true;
    }
}

/* Every TCP segment leaving: a right checksum, our address, then tracked. */
static void inspect_tx(const uint8_t *frame, size_t len)
{
    struct axn_eth eth;
    struct axn_ipv4 ip;
    struct axn_tcp t;
    if (axn_eth_parse(frame, len, &eth) != 0 || eth.ethertype != AXN_ETHERTYPE_IPV4)
        return;
    CHECK(axn_ipv4_parse(eth.payload, eth.payload_len, &ip, 0) == 0);
    if (ip.protocol != AXN_TCP_PROTO || ip.is_fragment)
        return;
    CHECK(ip.src == OUR_ADDR);
    const uint32_t ps = axn_csum_pseudo_v4(ip.src, ip.dst, AXN_TCP_PROTO, (uint16_t)ip.payload_len);
    CHECK(axn_tcp_parse(ip.payload, ip.payload_len, &t, ps, 0) == 0);
    track(&t);
}

/* ---- The fuzz driver, with every transmit inspected -------------------------------------- */

/* Every transmit inspected, none dropped. */
static bool on_tx(void *ctx, const uint8_t *frame, size_t len)
{
    (void)ctx;
    inspect_tx(frame, len);
    return true;
}

static struct eth_tx_hook tx_hook;
static struct axn_eth_driver wrapped; /* the device keeps a pointer to it */

/* ---- Time ------------------------------------------------------------------------------------ */

/* The memory bound, after every poll (fuzz_advance checks the rest). */
static void check_bounds(void)
{
    CHECK(fuzz_pn.arena_used <= ARENA_BOUND);
}

static void advance(struct axn_stack *st, axn_time_t step)
{
    fuzz_advance(st, step, MAX_POLLS, check_bounds);
}

/* ---- Frames from the peer ------------------------------------------------------------------- */

static void feed_l3(struct axn_stack *st, uint16_t ethertype, const uint8_t *l3, size_t len)
{
    static uint8_t frame[FUZZ_FRAME_MAX];
    const struct axn_eth eth = {.dst = fuzz_our_mac,
                                .src = peer_mac,
                                .ethertype = ethertype,
                                .payload = l3,
                                .payload_len = len};
    const int n = axn_eth_emit(&eth, frame, sizeof(frame), AXN_ETH_EMIT_PAD);
    CHECK(n > 0);
    fuzz_feed(st, frame, (size_t)n);
    check_bounds();
}

static void feed_arp_request(struct axn_stack *st)
{
    uint8_t buf[AXN_ETH_ZLEN];
    const struct axn_arp a = {.op = AXN_ARP_OP_REQUEST,
                              .sender_mac = peer_mac,
                              .sender_ip = PEER_ADDR,
                              .target_ip = OUR_ADDR};
    const int n = axn_arp_emit(&a, buf, sizeof(buf));
    CHECK(n > 0);
    feed_l3(st, AXN_ETHERTYPE_ARP, buf, (size_t)n);
}

/* One segment from the peer: header, raw options (NOP-padded), payload. */
struct seg_spec {
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint16_t flags, window;
    const uint8_t *opts;
    size_t opt_len;
    const uint8_t *payload;
    size_t len;
};

static void feed_tcp(struct axn_stack *st, const struct seg_spec *s)
{
    static uint8_t seg[AXN_TCP_MAX_HDR_LEN + UINT8_MAX + 1];
    static uint8_t pkt[sizeof(seg) + AXN_IPV4_HDR_MIN];
    const size_t opt_pad = (s->opt_len + 3u) & ~(size_t)3u;
    const size_t hlen = AXN_TCP_HDR_LEN + opt_pad;
    memset(seg, 0, hlen);
    axn_put_be16(seg, s->sport);
    axn_put_be16(seg + 2, s->dport);
    axn_put_be32(seg + 4, s->seq);
    axn_put_be32(seg + 8, s->ack);
    seg[12] = (uint8_t)(((hlen / 4u) << 4) | ((s->flags >> 8) & 1u));
    seg[13] = (uint8_t)s->flags;
    axn_put_be16(seg + 14, s->window);
    if (s->opt_len > 0)
        memcpy(seg + AXN_TCP_HDR_LEN, s->opts, s->opt_len);
    memset(seg + AXN_TCP_HDR_LEN + s->opt_len, AXN_TCP_OPT_NOP, opt_pad - s->opt_len);
    if (s->len > 0)
        memcpy(seg + hlen, s->payload, s->len);
    const size_t total = hlen + s->len;
    uint32_t sum = axn_csum_pseudo_v4(PEER_ADDR, OUR_ADDR, AXN_TCP_PROTO, (uint16_t)total);
    sum = axn_csum_partial(seg, total, sum);
    axn_put_be16(seg + AXN_TCP_CSUM_OFFSET, axn_csum_finish(sum));
    const struct axn_ipv4 h = {.ttl = TTL,
                               .protocol = AXN_TCP_PROTO,
                               .src = PEER_ADDR,
                               .dst = OUR_ADDR,
                               .payload = seg,
                               .payload_len = total};
    const int n = axn_ipv4_emit(&h, pkt, sizeof(pkt));
    CHECK(n > 0);
    feed_l3(st, AXN_ETHERTYPE_IPV4, pkt, (size_t)n);
}

/* ---- Options the peer sends ----------------------------------------------------------------- */

/* NOP NOP TS (RFC 7323 3.2 appendix A layout). */
static size_t put_ts(uint8_t *o, uint32_t val, uint32_t ecr)
{
    o[0] = o[1] = AXN_TCP_OPT_NOP;
    o[2] = OPT_KIND_TS;
    o[3] = OPT_LEN_TS;
    axn_put_be32(o + 4, val);
    axn_put_be32(o + 8, ecr);
    return OPT_TS_ROOM;
}

/* NOP NOP SACK-permitted, NOP WS (RFC 2018 2, RFC 7323 2.2). */
static size_t put_syn_extras(uint8_t *o, uint8_t which)
{
    size_t n = 0;
    if (which & SET_SACK) {
        o[n++] = AXN_TCP_OPT_NOP;
        o[n++] = AXN_TCP_OPT_NOP;
        o[n++] = OPT_KIND_SACKP;
        o[n++] = OPT_LEN_SACKP;
    }
    if (which & SET_WS) {
        o[n++] = AXN_TCP_OPT_NOP;
        o[n++] = OPT_KIND_WS;
        o[n++] = OPT_LEN_WS;
        o[n++] = PEER_WSCALE;
    }
    return n;
}

/* Whether the target's segments on f carry timestamps. */
static bool ts_on(const struct flow *f)
{
    return (peer_opts & SET_TS) && f->ts_seen;
}

/* The options of the peer's SYN (syn_ack false) or SYN-ACK on f. */
static size_t syn_opts(uint8_t *o, struct flow *f, bool syn_ack)
{
    size_t n = put_syn_extras(o, peer_opts);
    if ((peer_opts & SET_TS) && (!syn_ack || f->ts_seen))
        n += put_ts(o + n, ++f->peer_ts, syn_ack ? f->stack_ts : 0);
    return n;
}

/* The TS option of a later segment on f, if timestamps are on. */
static size_t auto_ts(uint8_t *o, struct flow *f)
{
    return ts_on(f) ? put_ts(o, ++f->peer_ts, f->stack_ts) : 0;
}

/* ---- Sockets ----------------------------------------------------------------------------------
 */

static struct axn_socket *listener, *srv, *cli;
static struct axn_socket *accepted[MAX_ACCEPTED];
static size_t n_accepted;

static struct axn_socket *accept_one(void)
{
    struct axn_socket *s = NULL;
    if (listener && n_accepted < MAX_ACCEPTED &&
        axn_accept(listener, NULL, NULL, AXN_SOCK_NONBLOCK, &s) == 0)
        accepted[n_accepted++] = s;
    return s;
}

static void open_listener(struct axn_stack *st)
{
    CHECK(axn_socket(st, AXN_AF_INET, AXN_SOCK_STREAM | AXN_SOCK_NONBLOCK, 0, &listener) == 0);
    struct axn_sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AXN_AF_INET;
    axn_put_be16((uint8_t *)&sin.sin_port, LISTEN_PORT);
    CHECK(axn_bind(listener, (const struct axn_sockaddr *)&sin, sizeof(sin)) == 0);
    CHECK(axn_listen(listener, BACKLOG) == 0);
}

static void set_flow(size_t i, uint16_t lport, uint16_t rport, uint32_t peer_isn)
{
    flows[i] =
        (struct flow){.lport = lport, .rport = rport, .peer_nxt = peer_isn, .peer_ts = PEER_TS0};
}

/* The server connection: SYN, the stack's SYN-ACK, ACK, accept(). */
static void open_server(struct axn_stack *st)
{
    uint8_t o[AXN_TCP_MAX_OPT_LEN];
    set_flow(FLOW_SRV, LISTEN_PORT, SRV_PEER, PEER_ISN);
    struct flow *f = &flows[FLOW_SRV];
    struct seg_spec s = {.sport = SRV_PEER,
                         .dport = LISTEN_PORT,
                         .seq = PEER_ISN,
                         .flags = AXN_TCP_SYN,
                         .window = PEER_WINDOW,
                         .opts = o,
                         .opt_len = syn_opts(o, f, false)};
    feed_tcp(st, &s);
    advance(st, 0);
    s.seq = PEER_ISN + 1;
    s.ack = f->our_nxt;
    s.flags = AXN_TCP_ACK;
    s.opt_len = auto_ts(o, f); /* TSecr: the cookie's options (RFC 4987 3.6) */
    f->una = s.ack;
    feed_tcp(st, &s);
    advance(st, 0);
    srv = accept_one();
    CHECK(srv != NULL); /* the harness's handshake must work, or nothing below is reached */
}

/* tcpi_state through TCP_INFO. */
static int tcp_state(struct axn_socket *s)
{
    uint8_t info[INFO_ROOM];
    axn_socklen_t len = sizeof(info);
    memset(info, 0, sizeof(info));
    CHECK(axn_getsockopt(s, AXN_SOL_TCP, TCP_INFO_OPT, info, &len) == 0);
    return info[0];
}

/* The peer's SYN-ACK to the client connection's SYN, with its options. */
static void answer_client(struct axn_stack *st)
{
    uint8_t o[AXN_TCP_MAX_OPT_LEN];
    struct flow *f = &flows[FLOW_CLI];
    const struct seg_spec s = {.sport = CLI_PEER,
                               .dport = f->lport,
                               .seq = PEER_ISN,
                               .ack = f->our_nxt,
                               .flags = AXN_TCP_SYN | AXN_TCP_ACK,
                               .window = PEER_WINDOW,
                               .opts = o,
                               .opt_len = syn_opts(o, f, true)};
    f->una = s.ack;
    feed_tcp(st, &s);
    advance(st, 0);
}

/* The client connection: connect(), the stack's SYN, our SYN-ACK. */
static void open_client(struct axn_stack *st)
{
    CHECK(axn_socket(st, AXN_AF_INET, AXN_SOCK_STREAM | AXN_SOCK_NONBLOCK, 0, &cli) == 0);
    struct axn_sockaddr_in to;
    memset(&to, 0, sizeof(to));
    to.sin_family = AXN_AF_INET;
    axn_put_be16((uint8_t *)&to.sin_port, CLI_PEER);
    axn_put_be32((uint8_t *)&to.sin_addr.s_addr, PEER_ADDR);
    const int r = axn_connect(cli, (const struct axn_sockaddr *)&to, sizeof(to));
    CHECK(r == -AXN_EINPROGRESS);
    struct axn_sockaddr_in me;
    axn_socklen_t len = sizeof(me);
    CHECK(axn_getsockname(cli, (struct axn_sockaddr *)&me, &len) == 0);
    set_flow(FLOW_CLI, axn_get_be16((const uint8_t *)&me.sin_port), CLI_PEER, PEER_ISN);
    advance(st, 0);
    answer_client(st);
    CHECK(tcp_state(cli) == AXN_TCP_ESTABLISHED);
}

/* ---- Records ----------------------------------------------------------------------------------
 */

struct record {
    uint8_t flow;
    uint8_t act;
    uint16_t bits; /* flags (low 9) and X_* */
    int16_t dseq, dack;
    uint16_t window;
    const uint8_t *opts;
    size_t opt_len;
    const uint8_t *payload;
    size_t len;
    bool icmp;  /* wrap a segment the stack could have sent in an ICMP error */
    bool built; /* opts are OPT_BUILT_BIT input, not raw options */
};

/* The input bytes of built options starting at `p` (control byte,
 * blocks, TS), at most `avail`. */
static size_t built_len(const uint8_t *p, size_t avail)
{
    if (avail == 0)
        return 0;
    const size_t want = 1u + (size_t)((p[0] & BUILT_NBLK) % (MAX_SACK_IN + 1u)) * BUILT_BLK_IN +
                        ((p[0] & BUILT_TS) ? BUILT_TS_IN : 0u);
    return want < avail ? want : avail;
}

/* Reads one record at *pos; false when the input is used up. */
static bool next_record(const uint8_t *d, size_t size, size_t *pos, struct record *r)
{
    if (size - *pos < REC_HDR)
        return false;
    const uint8_t *p = d + *pos;
    r->flow = p[0] & FLOW_MASK;
    r->act = p[0];
    r->bits = axn_get_be16(p + 1);
    r->dseq = (int16_t)axn_get_be16(p + 3);
    r->dack = (int16_t)axn_get_be16(p + 5);
    r->window = axn_get_be16(p + 7);
    size_t at = *pos + REC_HDR;
    r->icmp = (p[9] & OPT_ICMP_BIT) != 0;
    r->built = (p[9] & OPT_BUILT_BIT) != 0;
    r->opt_len = (p[9] & (uint8_t)~OPT_ICMP_BIT) % (AXN_TCP_MAX_OPT_LEN + 1u);
    r->opt_len = r->opt_len <= size - at ? r->opt_len : size - at;
    if (r->built)
        r->opt_len = built_len(d + at, size - at);
    r->opts = d + at;
    at += r->opt_len;
    r->len = p[10] <= size - at ? p[10] : size - at;
    r->payload = d + at;
    *pos = at + r->len;
    return true;
}

/* An ICMP error from the peer's side quoting a segment the stack (maybe)
 * sent on the record's flow: IPv4 header + the TCP header's first bytes
 * (RFC 792), type and code from the window, next-hop MTU too (RFC 1191). */
static void send_icmp(struct axn_stack *st, const struct record *r)
{
    uint8_t tcp[QUOTE_TCP];
    uint8_t quoted[AXN_IPV4_HDR_MIN + QUOTE_TCP];
    uint8_t msg[AXN_ICMP4_HDR_LEN + sizeof(quoted)];
    uint16_t sport = (uint16_t)r->dseq, dport = (uint16_t)r->dack;
    uint32_t seq = (uint32_t)r->window << 16 | r->bits;
    if (r->flow != FLOW_RAW) {
        const struct flow *f = &flows[r->flow];
        sport = f->lport;
        dport = f->rport;
        seq = f->our_nxt + (uint32_t)(int32_t)r->dseq;
    }
    axn_put_be16(tcp, sport);
    axn_put_be16(tcp + 2, dport);
    axn_put_be32(tcp + 4, seq);
    const struct axn_ipv4 q = {.ttl = TTL,
                               .df = true,
                               .protocol = AXN_TCP_PROTO,
                               .src = OUR_ADDR,
                               .dst = PEER_ADDR,
                               .payload = tcp,
                               .payload_len = sizeof(tcp)};
    const int qn = axn_ipv4_emit(&q, quoted, sizeof(quoted));
    CHECK(qn > 0);
    const struct axn_icmp4 ic = {.type = (r->window & ICMP_TYPE_BIT) ? AXN_ICMP4_TIME_EXCEEDED
                                                                     : AXN_ICMP4_DEST_UNREACH,
                                 .code = (uint8_t)(r->window & ICMP_CODE_MASK),
                                 .next_mtu = (uint16_t)(r->dack),
                                 .body = quoted,
                                 .body_len = (size_t)qn};
    const int n = axn_icmp4_emit(&ic, msg, sizeof(msg));
    CHECK(n > 0);
    static uint8_t pkt[AXN_IPV4_HDR_MIN + sizeof(msg)];
    const struct axn_ipv4 h = {.ttl = TTL,
                               .protocol = AXN_IPPROTO_ICMP,
                               .src = PEER_ADDR,
                               .dst = OUR_ADDR,
                               .payload = msg,
                               .payload_len = (size_t)n};
    const int pn = axn_ipv4_emit(&h, pkt, sizeof(pkt));
    CHECK(pn > 0);
    feed_l3(st, AXN_ETHERTYPE_IPV4, pkt, (size_t)pn);
}

/* Byte i of built input (zero past its end). */
static uint8_t bin(const struct record *r, size_t i)
{
    return i < r->opt_len ? r->opts[i] : 0;
}

static uint16_t bin16(const struct record *r, size_t i)
{
    return (uint16_t)(bin(r, i) << 8 | bin(r, i + 1));
}

/* A SACK option whose blocks sit relative to the flow's SND.UNA (the
 * peer's last ACK) or SND.NXT, after `o[0..n)`; the new length. */
static size_t put_sack(uint8_t *o, size_t n, const struct flow *f, const struct record *r)
{
    const uint8_t c0 = bin(r, 0);
    size_t blocks = (c0 & BUILT_NBLK) % (MAX_SACK_IN + 1u);
    while (blocks > 0 && n + OPT_SACK_HDR + blocks * SACK_BLOCK_LEN > AXN_TCP_MAX_OPT_LEN)
        blocks--;
    if (blocks == 0)
        return n;
    const uint32_t base = (c0 & BUILT_NXT) ? f->our_nxt : f->una;
    o[n++] = AXN_TCP_OPT_NOP;
    o[n++] = AXN_TCP_OPT_NOP;
    o[n++] = OPT_KIND_SACK;
    o[n++] = (uint8_t)(2u + blocks * SACK_BLOCK_LEN);
    for (size_t i = 0; i < blocks; i++) {
        const size_t at = 1u + i * BUILT_BLK_IN;
        const uint32_t left = base + (uint32_t)(int32_t)(int16_t)bin16(r, at);
        axn_put_be32(o + n, left);
        axn_put_be32(o + n + 4, left + bin16(r, at + 2));
        n += SACK_BLOCK_LEN;
    }
    return n;
}

/* Built options (OPT_BUILT_BIT): TS with TSval stepped from the last one
 * (an older one is what PAWS must drop, RFC 7323 5.3), SYN extras, SACK. */
static size_t build_opts(uint8_t *o, struct flow *f, const struct record *r)
{
    const uint8_t c0 = bin(r, 0);
    size_t n = 0;
    if (c0 & BUILT_TS) {
        const size_t at = 1u + (size_t)((c0 & BUILT_NBLK) % (MAX_SACK_IN + 1u)) * BUILT_BLK_IN;
        const int16_t step = (int16_t)bin16(r, at);
        const uint32_t val = f->peer_ts + (uint32_t)(int32_t)step;
        if (step > 0)
            f->peer_ts = val;
        n = put_ts(o, val, f->stack_ts + (uint32_t)(int32_t)(int8_t)bin(r, at + 2));
    }
    if (c0 & BUILT_SYN)
        n += put_syn_extras(o + n, SET_SACK | SET_WS);
    return put_sack(o, n, f, r);
}

/* The options of a record's segment on tracked flow f. */
static size_t record_opts(uint8_t *o, struct flow *f, const struct record *r)
{
    if (r->built)
        return build_opts(o, f, r);
    size_t n = 0;
    if (ts_on(f) && r->opt_len + OPT_TS_ROOM <= AXN_TCP_MAX_OPT_LEN)
        n = auto_ts(o, f);
    if (r->opt_len > 0)
        memcpy(o + n, r->opts, r->opt_len);
    return n + r->opt_len;
}

static void send_record(struct axn_stack *st, const struct record *r)
{
    static uint8_t obuf[AXN_TCP_MAX_OPT_LEN];
    if (r->icmp) {
        send_icmp(st, r);
        return;
    }
    struct seg_spec s = {.flags = r->bits & AXN_TCP_FLAGS_MASK,
                         .window = r->window,
                         .opts = r->opts,
                         .opt_len = r->opt_len,
                         .payload = r->payload,
                         .len = r->len};
    if (r->flow == FLOW_RAW) {
        /* Ports and numbers straight from the record. */
        s.sport = (uint16_t)r->dseq;
        s.dport = (uint16_t)r->dack;
        s.seq = (uint32_t)r->window << 16 | r->bits;
        s.ack = s.seq ^ PEER_ISN;
        if (r->built)
            s.opt_len = 0;
    } else {
        struct flow *f = &flows[r->flow];
        s.sport = f->rport;
        s.dport = f->lport;
        s.seq = f->peer_nxt + (uint32_t)(int32_t)r->dseq;
        s.ack = f->our_nxt + (uint32_t)(int32_t)r->dack;
        if (r->flow >= FLOW_DYN0 && (r->bits & X_FAR_ACK))
            s.ack = f->our_nxt + ((uint32_t)(uint16_t)r->dack << FAR_ACK_SHIFT);
        s.opts = obuf;
        s.opt_len = record_opts(obuf, f, r);
        if ((s.flags & AXN_TCP_ACK) && seq_gt(s.ack, f->una) && seq_leq(s.ack, f->our_nxt))
            f->una = s.ack;
    }
    feed_tcp(st, &s);
}

/* Which socket a record's actions use. */
static struct axn_socket **target(uint8_t flow)
{
    if (flow == FLOW_SRV)
        return &srv;
    if (flow == FLOW_CLI)
        return &cli;
    return NULL;
}

static void query(struct axn_socket *s)
{
    uint8_t info[INFO_ROOM];
    axn_socklen_t len = sizeof(info);
    (void)axn_getsockopt(s, AXN_SOL_TCP, TCP_INFO_OPT, info, &len);
    int v;
    len = sizeof(v);
    (void)axn_getsockopt(s, AXN_SOL_SOCKET, AXN_SO_ERROR, &v, &len);
    (void)axn_socket_poll(s);
    (void)axn_ioctl(s, AXN_FIONREAD, &v);
    (void)axn_ioctl(s, AXN_SIOCOUTQ, &v);
}

static void close_socket(struct axn_socket **sp, bool linger0)
{
    if (linger0) {
        const struct axn_linger lg = {.l_onoff = 1, .l_linger = 0};
        (void)axn_setsockopt(*sp, AXN_SOL_SOCKET, AXN_SO_LINGER, &lg, sizeof(lg));
    }
    for (size_t i = 0; i < n_accepted; i++)
        if (accepted[i] == *sp)
            accepted[i] = NULL;
    CHECK(axn_close(*sp) == 0);
    *sp = NULL;
}

static void socket_actions(const struct record *r)
{
    struct axn_socket **sp = target(r->flow);
    if (!sp) {
        if (r->act & ACT_READ)
            (void)accept_one();
        return;
    }
    if (!*sp)
        return;
    static uint8_t io[IO_ROOM];
    if (r->act & ACT_READ) {
        const int fl = AXN_MSG_DONTWAIT | ((r->bits & X_PEEK) ? AXN_MSG_PEEK : 0);
        const long n = axn_recv(*sp, io, (r->bits & X_PEEK) ? SMALL_READ : sizeof(io), fl);
        CHECK(n <= (long)sizeof(io));
    }
    if (r->act & ACT_WRITE) {
        const long n = axn_send(*sp, r->payload, r->len, AXN_MSG_DONTWAIT | AXN_MSG_NOSIGNAL);
        CHECK(n <= (long)r->len);
    }
    if (r->bits & X_NODELAY) {
        const int on = r->len & 1u;
        (void)axn_setsockopt(*sp, AXN_SOL_TCP, (r->len & 2u) ? TCP_CORK : TCP_NODELAY, &on,
                             sizeof(on));
    }
    if (r->bits & X_SHUT_WR)
        (void)axn_shutdown(*sp, AXN_SHUT_WR);
    if (r->bits & X_SHUT_RD)
        (void)axn_shutdown(*sp, AXN_SHUT_RD);
    if (r->bits & X_QUERY)
        query(*sp);
    if (r->bits & X_CLOSE)
        close_socket(sp, (r->bits & X_LINGER0) != 0);
}

/* ---- The end ----------------------------------------------------------------------------------
 */

static void close_all(void)
{
    for (size_t i = 0; i < n_accepted; i++)
        if (accepted[i])
            CHECK(axn_close(accepted[i]) == 0);
    srv = NULL; /* one of the accepted */
    if (cli)
        CHECK(axn_close(cli) == 0);
    CHECK(axn_close(listener) == 0);
    listener = cli = NULL;
    n_accepted = 0;
}

static size_t tcp_conns(struct axn_stack *st)
{
    st->plat->mutex_lock(st->core_lock);
    const struct axn_tcp_layer *l = axn_tcp_layer_of(st);
    const size_t n = l ? l->n_conns : 0;
    st->plat->mutex_unlock(st->core_lock);
    return n;
}

/* The SACK scoreboard (tcp_sack_sb.h): sorted, merged, non-empty ranges
 * inside [SND.UNA, snd_max]. */
static void check_scoreboard(const struct axn_tcp_conn *c)
{
    const struct axn_tcp_scoreboard *sb = &c->sb;
    CHECK(sb->n <= AXN_TCP_SACK_SB_RANGES);
    for (size_t i = 0; i < sb->n; i++) {
        CHECK(seq_lt(sb->r[i].left, sb->r[i].right));
        CHECK(seq_geq(sb->r[i].left, c->snd_una) && seq_leq(sb->r[i].right, c->snd_max));
        CHECK(i == 0 || seq_lt(sb->r[i - 1].right, sb->r[i].left));
    }
}

/* A ring's largest size: the settings' maximum or what SO_*BUF allows. */
static uint32_t ring_limit(uint32_t setting_max, uint32_t sock_max)
{
    const uint32_t so = 2u * sock_max; /* SO_*BUF doubles, as on Linux */
    return setting_max > so ? setting_max : so;
}

static bool synchronized(enum axn_tcp_state s)
{
    return s == AXN_TCP_ESTABLISHED || s == AXN_TCP_FIN_WAIT1 || s == AXN_TCP_FIN_WAIT2 ||
           s == AXN_TCP_CLOSE_WAIT || s == AXN_TCP_CLOSING || s == AXN_TCP_LAST_ACK;
}

/* A connection the listener made has the ISS of a SYN-ACK the stack sent
 * on that flow: a SYN cookie is accepted only as it was made (RFC 4987
 * 3.6), a SYN queue entry only with its own ISS. */
static void check_iss(const struct axn_tcp_conn *c)
{
    if (c->lport != LISTEN_PORT)
        return;
    for (size_t i = 0; i < N_FLOWS; i++) {
        const struct flow *f = &flows[i];
        if (f->lport != LISTEN_PORT || f->rport != c->rport || f->n_synack > SYNACK_KEEP)
            continue;
        bool found = false;
        for (size_t k = 0; k < f->n_synack; k++)
            found = found || f->synack_iss[k] == c->iss;
        CHECK(found);
    }
}

static void check_conn(const struct axn_tcp_layer *l, const struct axn_tcp_conn *c)
{
    check_scoreboard(c);
    check_iss(c);
    CHECK(!synchronized(c->state) || c->cwnd >= c->mss);
    CHECK(c->snd.len <= c->snd.cap && c->rcv.len <= c->rcv.cap);
    CHECK(c->snd.cap <= ring_limit(l->cfg.wmem[2], AXN_SOCK_WMEM_MAX));
    CHECK(c->rcv.cap <= ring_limit(l->cfg.rmem[2], AXN_SOCK_RMEM_MAX));
}

/* The engine's memory and counts (tcp_conn.c): a TIME-WAIT connection
 * holds no send ring, an orphan no receive ring, and no send ring either
 * once its FIN is acknowledged; n_tw counts the TIME-WAIT connections (at
 * most AXN_TCP_MAX_TW) and n_orphans the orphans outside TIME-WAIT. */
static void check_tcp_accounting(struct axn_stack *st)
{
    st->plat->mutex_lock(st->core_lock);
    const struct axn_tcp_layer *l = axn_tcp_layer_of(st);
    size_t tw = 0, orphans = 0;
    for (const struct axn_tcp_conn *c = l ? l->all : NULL; c; c = c->all_next) {
        const bool in_tw = c->state == AXN_TCP_TIME_WAIT;
        CHECK(!in_tw || c->snd.buf == NULL);
        CHECK(!c->orphan || c->rcv.buf == NULL);
        CHECK(!(c->orphan && c->state == AXN_TCP_FIN_WAIT2) || c->snd.buf == NULL);
        tw += in_tw;
        orphans += c->orphan && !c->orphan_uncounted;
        check_conn(l, c);
    }
    CHECK(!l || (l->n_tw == tw && tw <= AXN_TCP_MAX_TW && l->n_orphans == orphans));
    st->plat->mutex_unlock(st->core_lock);
}

/* Input byte 0: the stack's settings, and what the peer offers. */
static void apply_settings(struct axn_stack *st, uint8_t b)
{
    static const uint8_t cookies[SET_COOKIE_N] = {
        AXN_TCP_SYNCOOKIES_ON_OVERFLOW, AXN_TCP_SYNCOOKIES_ALWAYS, AXN_TCP_SYNCOOKIES_OFF};
    struct axn_tcp_settings cfg;
    CHECK(axn_tcp_get_settings(st, &cfg) == 0);
    cfg.sack = (b & SET_SACK) != 0;
    cfg.timestamps = (b & SET_TS) != 0;
    cfg.window_scaling = (b & SET_WS) != 0;
    cfg.syncookies = cookies[(b >> SET_COOKIE_SH) % SET_COOKIE_N];
    const char *cc = (b & SET_RENO) ? "reno" : "cubic";
    memcpy(cfg.congestion_control, cc, strlen(cc) + 1u);
    CHECK(axn_tcp_set_settings(st, &cfg) == 0);
    peer_opts =
        (b & SET_PEER_ALL) ? (SET_SACK | SET_TS | SET_WS) : (b & (SET_SACK | SET_TS | SET_WS));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct axn_stack *st = fuzz_stack_start(arena, sizeof(arena), T_START);
    memset(flows, 0, sizeof(flows));
    n_accepted = 0;
    listener = srv = cli = NULL;
    uint32_t ifindex;
    struct axn_device_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.addr = OUR_ADDR;
    cfg.prefix_len = PREFIX;
    tx_hook = (struct eth_tx_hook){.inner = fuzz_eth_driver, .on_tx = on_tx};
    wrapped = eth_tx_hook_driver(&tx_hook);
    CHECK(axn_stack_add_device(st, &wrapped, &cfg, fuzz_now, &ifindex) == 0);
    advance(st, 0);
    feed_arp_request(st);
    apply_settings(st, size > 0 ? data[0] : 0);
    open_listener(st);
    open_server(st);
    open_client(st);
    for (size_t i = 0; i + FLOW_DYN0 < N_FLOWS; i++)
        set_flow(FLOW_DYN0 + i, LISTEN_PORT, (uint16_t)(DYN_PEER + i),
                 PEER_ISN + DYN_ISN_STEP * (uint32_t)(i + 1));

    size_t pos = size > 0 ? 1u : 0u;
    struct record r;
    for (size_t n = 0; n < MAX_RECORDS && next_record(data, size, &pos, &r); n++) {
        send_record(st, &r);
        socket_actions(&r);
        advance(st, time_steps[(r.act >> STEP_SHIFT) % N_OF(time_steps)]);
        check_tcp_accounting(st);
    }
    close_all();
    for (size_t i = 0; i < DRAIN_STEPS; i++)
        advance(st, DRAIN_STEP);
    CHECK(tcp_conns(st) == 0);
    fuzz_stack_finish(st);
    return 0;
}
