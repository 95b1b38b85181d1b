/* TCP between whole stacks on the simulated wire, segment-exact (tcp_sim.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tcp_sim.h"
#include "test_platform.h"

#include "axnet/errno.h"
#include "core/stack_impl.h"
#include "tcp/tcp.h"
#include "wire/checksum.h"
#include "wire/ethernet.h"
#include "wire/ipv4.h"

#define TCP_SIM_DUMP_ENV "TCP_SIM_DUMP" /* set: every test prints its capture */
#define WARM_PORT        9u             /* discard: nobody listens, the datagram only primes ARP */
#define WARM_SPAN        AXN_MSEC(5)
#define PAIR_SPAN        AXN_SEC(1)
#define TCP_QUOTE_BYTES  8u /* RFC 792: the first 8 bytes past the quoted IP header */
#define SEG_BUF          (AXN_TCP_MAX_HDR_LEN + AXN_ETH_MTU)
#define FLAGS_IGNORED    AXN_TCP_PSH
#define PATTERN_MUL      7u /* byte i of a stream: (i * 7 + 3) mod 256, never periodic in 256 */
#define PATTERN_ADD      3u

/* ---- The wrapped driver ------------------------------------------------------------------ */

static bool flags_match(uint16_t have, uint16_t want)
{
    return want == TCP_SIM_ANY_FLAGS || (have & (uint16_t)~FLAGS_IGNORED) == want;
}

/* Whether a drop rule takes this segment; every matching rule counts it. */
static bool rule_drops(struct tcp_sim *t, int port, uint16_t flags)
{
    bool drop = false;
    for (size_t i = 0; i < TCP_SIM_MAX_RULES; i++) {
        struct tcp_sim_rule *r = &t->rules[i];
        if (r->count == 0 || (r->port != TCP_SIM_ANY && r->port != port) ||
            !flags_match(flags, r->flags))
            continue;
        if (r->skip > 0) {
            r->skip--;
            continue;
        }
        r->count--;
        drop = true;
    }
    return drop;
}

static void fill_seg(struct tcp_seg *s, const struct axn_ipv4 *ip, const uint8_t *ip_start,
                     const struct axn_tcp *tcp)
{
    s->src = ip->src;
    s->dst = ip->dst;
    s->df = ip->df;
    s->sport = tcp->src_port;
    s->dport = tcp->dst_port;
    s->seq = tcp->seq;
    s->ack = tcp->ack;
    s->flags = tcp->flags;
    s->window = tcp->window;
    s->has_mss = tcp->opts.has_mss;
    s->mss = tcp->opts.mss;
    s->opts = tcp->opts;
    s->len = (uint32_t)tcp->payload_len;
    s->first = tcp->payload_len > 0 ? tcp->payload[0] : 0;
    const size_t q = (size_t)(ip->payload - ip_start) + TCP_QUOTE_BYTES;
    s->quote_len = q <= TCP_SIM_QUOTE_MAX ? q : 0;
    memcpy(s->quote, ip_start, s->quote_len);
}

/* Decodes a TCP/IPv4 frame into `out`; false for anything else. */
static bool decode(struct tcp_sim *t, const uint8_t *frame, size_t len, struct tcp_seg *out)
{
    struct axn_eth eth;
    struct axn_ipv4 ip;
    struct axn_tcp tcp;
    if (axn_eth_parse(frame, len, &eth) != 0 || eth.ethertype != AXN_ETHERTYPE_IPV4)
        return false;
    if (axn_ipv4_parse(eth.payload, eth.payload_len, &ip, 0) != 0 || ip.is_fragment ||
        ip.protocol != AXN_TCP_PROTO)
        return false;
    const uint32_t ps = axn_csum_pseudo_v4(ip.src, ip.dst, AXN_TCP_PROTO, (uint16_t)ip.payload_len);
    if (axn_tcp_parse(ip.payload, ip.payload_len, &tcp, ps, 0) != 0) {
        if (axn_tcp_parse(ip.payload, ip.payload_len, &tcp, ps, AXN_TCP_PARSE_CSUM_VERIFIED) != 0)
            return false;
        t->n_bad_csum++;
    }
    memset(out, 0, sizeof(*out));
    fill_seg(out, &ip, eth.payload, &tcp);
    return true;
}

/* Every frame a port sends: TCP segments recorded; false drops it. */
static bool port_tx(void *ctx, const uint8_t *frame, size_t len)
{
    struct tcp_sim_port *p = ctx;
    struct tcp_sim *t = p->t;
    struct tcp_seg s;
    const bool is_tcp = decode(t, frame, len, &s);
    bool drop = t->silenced[p->port];
    if (is_tcp) {
        s.at = t->sim.now;
        s.from = p->port;
        drop = drop || rule_drops(t, p->port, s.flags);
        s.dropped = drop;
        if (t->n_seg < TCP_SIM_MAX_SEGS)
            t->seg[t->n_seg++] = s;
        t->n_total++;
    }
    return !drop;
}

/* ---- World ------------------------------------------------------------------------------- */

void tcp_sim_create_world(struct tcp_sim *t, const struct sim_stacks_config *cfg)
{
    memset(t, 0, sizeof(*t));
    sim_stacks_create(&t->sim, cfg);
    for (size_t i = 0; i < cfg->n_ports; i++) {
        struct tcp_sim_port *p = &t->ports[i];
        p->t = t;
        p->port = (int)i;
        p->hook = (struct eth_tx_hook){.inner = t->sim.drv[i], .on_tx = port_tx, .ctx = p};
        t->sim.drv[i] = eth_tx_hook_driver(&p->hook);
    }
}

void tcp_sim_warm_arp(struct tcp_sim *t)
{
    static const uint8_t byte = 0;
    struct axn_socket *u[2] = {NULL, NULL};
    for (int n = 0; n < 2; n++)
        assert_int_equal(axn_socket(t->sim.st[n], AXN_AF_INET, AXN_SOCK_DGRAM, 0, &u[n]), 0);
    assert_int_equal(sim_sendto4(u[0], &byte, sizeof(byte), TCP_SIM_B, WARM_PORT), 1);
    assert_int_equal(sim_sendto4(u[1], &byte, sizeof(byte), TCP_SIM_A, WARM_PORT), 1);
    sim_stacks_settle(&t->sim, WARM_SPAN);
    sim_close_sockets(u, 2);
    sim_stacks_settle(&t->sim, WARM_SPAN);
}

void tcp_sim_create_a(struct tcp_sim *t)
{
    const struct sim_stacks_config cfg = {.start = TCP_SIM_T0,
                                          .wire_delay = TCP_SIM_DELAY,
                                          .n_ports = 2,
                                          .mac_tag = SIM_STACKS_MAC_TAG,
                                          .set_platform_now = true};
    tcp_sim_create_world(t, &cfg);
    sim_stacks_add_node(&t->sim, TCP_SIM_NODE_A, TCP_SIM_A, TCP_SIM_PREFIX);
}

void tcp_sim_create(struct tcp_sim *t)
{
    tcp_sim_create_a(t);
    sim_stacks_add_node(&t->sim, TCP_SIM_NODE_B, TCP_SIM_B, TCP_SIM_PREFIX);
    tcp_sim_warm_arp(t);
    tcp_sim_clear(t);
}

void tcp_sim_destroy(struct tcp_sim *t)
{
    if (getenv(TCP_SIM_DUMP_ENV))
        tcp_sim_dump(t);
    sim_stacks_destroy(&t->sim);
}

/* ---- A test's fixture ----------------------------------------------------------------------- */

int tcp_sim_setup(void **state)
{
    tcp_sim_create(*state);
    return 0;
}

int tcp_sim_teardown(void **state)
{
    struct tcp_sim *t = *state;
    for (size_t i = 0; i < TCP_SIM_MAX_KEPT; i++)
        if (t->kept[i])
            assert_int_equal(axn_close(t->kept[i]), 0);
    tcp_sim_destroy(t);
    assert_int_equal(t->n_bad_csum, 0);
    return axn_test_live_allocs() == 0 ? 0 : -1;
}

struct axn_socket *tcp_sim_keep(struct tcp_sim *t, struct axn_socket *s)
{
    for (size_t i = 0; i < TCP_SIM_MAX_KEPT; i++) {
        if (!t->kept[i]) {
            t->kept[i] = s;
            return s;
        }
    }
    fail_msg("too many sockets");
    return s;
}

void tcp_sim_close_kept(struct tcp_sim *t, struct axn_socket *s)
{
    for (size_t i = 0; i < TCP_SIM_MAX_KEPT; i++)
        if (t->kept[i] == s)
            t->kept[i] = NULL;
    assert_int_equal(axn_close(s), 0);
    sim_stacks_poll_all(&t->sim);
}

void tcp_sim_pair_kept(struct tcp_sim *t, uint16_t port, struct axn_socket **client,
                       struct axn_socket **server)
{
    struct axn_socket *l;
    tcp_sim_pair(t, port, &l, client, server);
    tcp_sim_keep(t, l);
    tcp_sim_keep(t, *client);
    tcp_sim_keep(t, *server);
}

void tcp_sim_pair_fresh(struct tcp_sim *t, uint16_t port, struct axn_socket **client,
                        struct axn_socket **server)
{
    tcp_sim_pair_kept(t, port, client, server);
    t->cursor = t->n_seg;
}

void tcp_sim_shut_wr(struct tcp_sim *t, struct axn_socket *s)
{
    assert_int_equal(axn_shutdown(s, AXN_SHUT_WR), 0);
    sim_stacks_poll_all(&t->sim);
}

struct axn_stack *tcp_sim_st(struct tcp_sim *t, int node)
{
    assert_true(node >= 0 && (size_t)node < t->sim.n_nodes);
    return t->sim.st[node];
}

axn_time_t tcp_sim_now(const struct tcp_sim *t)
{
    return t->sim.now;
}

/* ---- Capture ----------------------------------------------------------------------------- */

void tcp_sim_clear(struct tcp_sim *t)
{
    t->n_seg = 0;
    t->n_total = 0;
    t->cursor = 0;
}

static bool seg_match(const struct tcp_seg *s, int from, uint16_t flags)
{
    return (from == TCP_SIM_ANY || s->from == from) && flags_match(s->flags, flags);
}

const struct tcp_seg *tcp_sim_next(struct tcp_sim *t, int from, uint16_t flags)
{
    for (size_t i = t->cursor; i < t->n_seg; i++) {
        if (seg_match(&t->seg[i], from, flags)) {
            t->cursor = i + 1;
            return &t->seg[i];
        }
    }
    return NULL;
}

const struct tcp_seg *tcp_sim_expect(struct tcp_sim *t, int from, uint16_t flags)
{
    const struct tcp_seg *s = tcp_sim_next(t, from, flags);
    if (!s) {
        fprintf(stderr, "no segment from %d with flags 0x%x past #%zu\n", from, flags, t->cursor);
        tcp_sim_dump(t);
    }
    assert_non_null(s);
    return s;
}

size_t tcp_sim_count(const struct tcp_sim *t, int from, uint16_t flags, size_t since)
{
    size_t n = 0;
    for (size_t i = since; i < t->n_seg; i++)
        n += seg_match(&t->seg[i], from, flags) ? 1u : 0u;
    return n;
}

size_t tcp_sim_count_rst(const struct tcp_sim *t, int from, size_t since)
{
    size_t n = 0;
    for (size_t i = since; i < t->n_seg; i++)
        n += seg_match(&t->seg[i], from, TCP_SIM_ANY_FLAGS) && (t->seg[i].flags & AXN_TCP_RST);
    return n;
}

uint64_t tcp_sim_payload_bytes(const struct tcp_sim *t, int from, size_t since)
{
    uint64_t n = 0;
    for (size_t i = since; i < t->n_seg; i++)
        if (seg_match(&t->seg[i], from, TCP_SIM_ANY_FLAGS) && !t->seg[i].dropped)
            n += t->seg[i].len;
    return n;
}

static void flag_text(uint16_t f, char *buf)
{
    static const char names[] = "FSRPAU";
    size_t n = 0;
    for (size_t i = 0; i < sizeof(names) - 1; i++)
        buf[n++] = (f & (1u << i)) ? names[i] : '.';
    buf[n] = '\0';
}

void tcp_sim_dump(const struct tcp_sim *t)
{
    char fl[8];
    for (size_t i = 0; i < t->n_seg; i++) {
        const struct tcp_seg *s = &t->seg[i];
        flag_text(s->flags, fl);
        fprintf(stderr, "#%zu t=%llu from=%d %u->%u %s seq=%u ack=%u win=%u len=%u mss=%u%s\n", i,
                (unsigned long long)s->at, s->from, s->sport, s->dport, fl, s->seq, s->ack,
                s->window, s->len, s->has_mss ? s->mss : 0u, s->dropped ? " DROPPED" : "");
    }
}

/* ---- Drops ------------------------------------------------------------------------------- */

void tcp_sim_drop_nth(struct tcp_sim *t, int port, uint16_t flags, unsigned skip, unsigned count)
{
    for (size_t i = 0; i < TCP_SIM_MAX_RULES; i++) {
        if (t->rules[i].count == 0) {
            t->rules[i] =
                (struct tcp_sim_rule){.port = port, .flags = flags, .skip = skip, .count = count};
            return;
        }
    }
    fail_msg("no free drop rule");
}

void tcp_sim_drop(struct tcp_sim *t, int port, uint16_t flags, unsigned count)
{
    tcp_sim_drop_nth(t, port, flags, 0, count);
}

void tcp_sim_silence(struct tcp_sim *t, int port, bool on)
{
    assert_true(port >= 0 && (size_t)port < SIM_STACKS_MAX_PORTS);
    t->silenced[port] = on;
}

/* ---- Injection --------------------------------------------------------------------------- */

void tcp_sim_inject(struct tcp_sim *t, int node, axn_ip4_t src, axn_ip4_t dst,
                    const struct axn_tcp *seg)
{
    static uint8_t buf[SEG_BUF];
    const size_t len = axn_tcp_len(seg);
    const uint32_t ps = axn_csum_pseudo_v4(src, dst, AXN_TCP_PROTO, (uint16_t)len);
    const int n = axn_tcp_emit(seg, buf, sizeof(buf), ps, 0);
    assert_true(n > 0);
    sim_inject_ip4(tcp_sim_st(t, node), TCP_SIM_IFINDEX, src, dst, AXN_TCP_PROTO, buf, (size_t)n,
                   t->sim.now);
    sim_stacks_poll_all(&t->sim);
}

struct axn_tcp tcp_sim_reply(const struct tcp_seg *s, uint32_t seq, uint32_t ack, uint16_t flags)
{
    struct axn_tcp r;
    memset(&r, 0, sizeof(r));
    r.src_port = s->dport;
    r.dst_port = s->sport;
    r.seq = seq;
    r.ack = ack;
    r.flags = flags;
    r.window = UINT16_MAX;
    return r;
}

/* ---- Time -------------------------------------------------------------------------------- */

bool tcp_sim_run_until(struct tcp_sim *t, tcp_sim_cond_fn cond, void *ctx, axn_time_t deadline)
{
    struct sim_stacks *s = &t->sim;
    sim_stacks_poll_all(s);
    for (unsigned steps = 0;; steps++) {
        assert_true(steps < SIM_STACKS_MAX_STEPS);
        if (cond(ctx))
            return true;
        const axn_time_t next = sim_stacks_next_event(s);
        if (next > deadline)
            break;
        if (next > s->now)
            sim_stacks_set_time(s, next);
        sim_stacks_poll_all(s);
    }
    sim_stacks_set_time(s, deadline);
    sim_stacks_poll_all(s);
    return cond(ctx);
}

void tcp_sim_run(struct tcp_sim *t, axn_time_t span)
{
    sim_stacks_settle(&t->sim, span);
}

struct seg_wait {
    struct tcp_sim *t;
    int from;
    uint16_t flags;
};

static bool seg_seen(void *ctx)
{
    const struct seg_wait *w = ctx;
    return tcp_sim_count(w->t, w->from, w->flags, w->t->cursor) > 0;
}

const struct tcp_seg *tcp_sim_run_to_seg(struct tcp_sim *t, int from, uint16_t flags,
                                         axn_time_t span)
{
    struct seg_wait w = {.t = t, .from = from, .flags = flags};
    if (!tcp_sim_run_until(t, seg_seen, &w, t->sim.now + span))
        return NULL;
    return tcp_sim_next(t, from, flags);
}

/* ---- Sockets ----------------------------------------------------------------------------- */

struct axn_socket *tcp_sim_socket(struct tcp_sim *t, int node)
{
    struct axn_socket *s = NULL;
    assert_int_equal(
        axn_socket(tcp_sim_st(t, node), AXN_AF_INET, AXN_SOCK_STREAM | AXN_SOCK_NONBLOCK, 0, &s),
        0);
    return s;
}

struct axn_socket *tcp_sim_listen(struct tcp_sim *t, int node, uint16_t port, int backlog)
{
    struct axn_socket *s = tcp_sim_socket(t, node);
    const axn_ip4_t addr = node == TCP_SIM_NODE_A ? TCP_SIM_A : TCP_SIM_B;
    const struct axn_sockaddr_in sin = sim_sin4(addr, port);
    assert_int_equal(axn_bind(s, (const struct axn_sockaddr *)&sin, sizeof(sin)), 0);
    assert_int_equal(axn_listen(s, backlog), 0);
    return s;
}

struct axn_socket *tcp_sim_connect(struct tcp_sim *t, int node, axn_ip4_t dst, uint16_t port)
{
    struct axn_socket *s = tcp_sim_socket(t, node);
    const struct axn_sockaddr_in sin = sim_sin4(dst, port);
    assert_int_equal(axn_connect(s, (const struct axn_sockaddr *)&sin, sizeof(sin)),
                     -AXN_EINPROGRESS);
    sim_stacks_poll_all(&t->sim);
    return s;
}

struct axn_socket *tcp_sim_accept(struct axn_socket *listener, int *err)
{
    struct axn_socket *out = NULL;
    struct axn_sockaddr_in from;
    axn_socklen_t fl = sizeof(from);
    const int r = axn_accept(listener, (struct axn_sockaddr *)&from, &fl, AXN_SOCK_NONBLOCK, &out);
    if (err)
        *err = r;
    return r == 0 ? out : NULL;
}

struct pair_wait {
    struct axn_socket *listener, *client, *server;
};

static bool pair_ready(void *ctx)
{
    struct pair_wait *w = ctx;
    if (!w->server)
        w->server = tcp_sim_accept(w->listener, NULL);
    return w->server && tcp_sim_state(w->client) == 1 /* ESTABLISHED */;
}

void tcp_sim_pair(struct tcp_sim *t, uint16_t port, struct axn_socket **listener,
                  struct axn_socket **client, struct axn_socket **server)
{
    struct pair_wait w = {.listener = tcp_sim_listen(t, TCP_SIM_NODE_B, port, TCP_SIM_BACKLOG)};
    w.client = tcp_sim_connect(t, TCP_SIM_NODE_A, TCP_SIM_B, port);
    const bool ok = tcp_sim_run_until(t, pair_ready, &w, t->sim.now + PAIR_SPAN);
    if (!ok)
        tcp_sim_dump(t);
    assert_true(ok);
    *listener = w.listener;
    *client = w.client;
    *server = w.server;
}

int tcp_sim_state(struct axn_socket *s)
{
    uint8_t info[TCP_SIM_INFO_LEN];
    axn_socklen_t len = sizeof(info);
    memset(info, 0, sizeof(info));
    assert_int_equal(axn_getsockopt(s, AXN_SOL_TCP, AXN_TCP_INFO, info, &len), 0);
    return info[0];
}

int tcp_sim_so_error(struct axn_socket *s)
{
    int v = -1;
    axn_socklen_t len = sizeof(v);
    assert_int_equal(axn_getsockopt(s, AXN_SOL_SOCKET, AXN_SO_ERROR, &v, &len), 0);
    return v;
}

int tcp_sim_setopt_int(struct axn_socket *s, int level, int name, int v)
{
    return axn_setsockopt(s, level, name, &v, sizeof(v));
}

uint16_t tcp_sim_local_port(struct axn_socket *s)
{
    struct axn_sockaddr_in sin;
    axn_socklen_t len = sizeof(sin);
    assert_int_equal(axn_getsockname(s, (struct axn_sockaddr *)&sin, &len), 0);
    return sim_host16(sin.sin_port);
}

long tcp_sim_read(struct axn_socket *s, uint8_t *buf, size_t len)
{
    return axn_recv(s, buf, len, AXN_MSG_DONTWAIT);
}

size_t tcp_sim_conns(struct tcp_sim *t, int node)
{
    struct axn_stack *st = tcp_sim_st(t, node);
    st->plat->mutex_lock(st->core_lock);
    const struct axn_tcp_layer *l = axn_tcp_layer_of(st);
    const size_t n = l ? l->n_conns : 0;
    st->plat->mutex_unlock(st->core_lock);
    return n;
}

struct axn_tcp_layer *tcp_sim_layer(struct tcp_sim *t, int node)
{
    struct axn_tcp_layer *l = axn_tcp_layer_of(tcp_sim_st(t, node));
    assert_non_null(l);
    return l;
}

struct axn_tcp_conn *tcp_sim_conn(struct tcp_sim *t, int node, uint16_t lport, uint16_t rport)
{
    for (struct axn_tcp_conn *c = tcp_sim_layer(t, node)->all; c; c = c->all_next) {
        if (c->state != AXN_TCP_LISTEN && c->lport == lport && c->rport == rport)
            return c;
    }
    return NULL;
}

void tcp_sim_snmp(struct tcp_sim *t, int node, struct axn_snmp_tcp *tcp,
                  struct axn_snmp_tcp_ext *ext)
{
    axn_tcp_snmp(tcp_sim_st(t, node), tcp, ext);
}

void tcp_sim_pattern(uint8_t *buf, size_t len, uint64_t off)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)((off + i) * PATTERN_MUL + PATTERN_ADD);
}

bool tcp_sim_pattern_ok(const uint8_t *buf, size_t len, uint64_t off)
{
    for (size_t i = 0; i < len; i++)
        if (buf[i] != (uint8_t)((off + i) * PATTERN_MUL + PATTERN_ADD))
            return false;
    return true;
}

bool tcp_sim_accepted(void *ctx)
{
    struct tcp_sim_accept_wait *w = ctx;
    w->got = tcp_sim_accept(w->l, NULL);
    return w->got != NULL;
}

bool tcp_sim_read_all(void *ctx)
{
    struct tcp_sim_read_wait *w = ctx;
    for (;;) {
        const long n = tcp_sim_read(w->s, w->buf + w->got, w->want - w->got);
        if (n <= 0)
            break;
        w->got += (size_t)n;
    }
    return w->got == w->want;
}

struct axn_tcp tcp_sim_seg(uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
                           uint16_t flags, uint16_t mss)
{
    return (struct axn_tcp){.src_port = sport,
                            .dst_port = dport,
                            .seq = seq,
                            .ack = ack,
                            .flags = flags,
                            .window = TCP_SIM_FULL_WINDOW,
                            .opts = {.has_mss = mss != 0, .mss = mss}};
}

struct axn_tcp_settings tcp_sim_settings(struct tcp_sim *t, int node)
{
    struct axn_tcp_settings s;
    assert_int_equal(axn_tcp_get_settings(tcp_sim_st(t, node), &s), 0);
    return s;
}

void tcp_sim_set_settings(struct tcp_sim *t, int node, const struct axn_tcp_settings *s)
{
    assert_int_equal(axn_tcp_set_settings(tcp_sim_st(t, node), s), 0);
}

void tcp_sim_assert_loss(struct tcp_sim *t, int node, uint64_t fast_retrans, uint64_t timeouts,
                         uint64_t retrans_segs)
{
    struct axn_snmp_tcp st;
    struct axn_snmp_tcp_ext ext;
    tcp_sim_snmp(t, node, &st, &ext);
    assert_int_equal(ext.fast_retrans, fast_retrans);
    assert_int_equal(ext.tcp_timeouts, timeouts);
    assert_int_equal(st.retrans_segs, retrans_segs);
}
