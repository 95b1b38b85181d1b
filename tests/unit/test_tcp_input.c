/*
 * TCP segment arrival (tcp_input.c, tcp_input_sync.c, tcp_listen.c,
 * tcp_icmp.c) on the IPv4 rig of test_icmp4 (ctl + router + IPv4 on fake
 * devices) with a TCP layer built by hand: segments go in as IPv4
 * datagrams from PEER, and what the engine answers is read back from the
 * fake eth0, byte-exact fields asserted (RFC 9293 3.10.7, RFC 5961, RFC
 * 5927, the Linux listen queues).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "axnet/errno.h"
#include "fake_netdev.h"
#include "ip/ip4.h"
#include "lib/byteorder.h"
#include "sim_stacks.h"
#include "tcp/tcp.h"
#include "tcp/tcp_buf.h"
#include "tcp/tcp_options.h"
#include "tcp/tcp_sock.h"
#include "tcp/tcp_synq.h"
#include "test_platform.h"
#include "wire/checksum.h"
#include "wire/icmp4.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"

#define ETH0       AXN_IFINDEX_FIRST_ETH
#define ETH1       (AXN_IFINDEX_FIRST_ETH + 1u)
#define PREFIX     24u
#define ETH0_ADDR  AXN_IP4(192, 0, 2, 2)
#define ETH0_BCAST AXN_IP4(192, 0, 2, 255)
#define ETH1_ADDR  AXN_IP4(198, 51, 100, 2)
#define PEER       AXN_IP4(192, 0, 2, 1)
#define ROUTER     AXN_IP4(192, 0, 2, 254)
#define LPORT      8080u
#define PPORT      40000u
#define PISN       0x70000000u /* the peer's ISN */
#define PWND       65535u
#define PMSS       1460u
#define NOW        AXN_SEC(100)
#define PKT_MAX    2048u
#define DATA_LEN   100u
#define FILL       0x5a
#define BACKLOG    0u /* Linux: room for backlog + 1 = one child */
#define SMALL_MTU  1200u
#define QUOTE_L4   8u

static struct fx {
    struct sim_ip4_rig rig;
    struct axn_tcp_layer l;
    struct axn_tcp_sock lsock; /* a listener's socket, as tcp_table.c sees it */
    size_t taken0;
    axn_time_t now;
} fx;

/* ---- The layer ---------------------------------------------------------------------------- */

static void layer_init(void)
{
    struct axn_tcp_layer *l = &fx.l;
    l->ip = fx.rig.ip;
    l->plat = axn_test_platform();
    axn_tcp_settings_defaults(l);
    const size_t bytes = sizeof(*l->hash) * AXN_TCP_HASH_BUCKETS;
    l->hash = l->plat->alloc(l->plat->ctx, bytes, _Alignof(struct axn_tcp_conn *));
    assert_non_null(l->hash);
    memset(l->hash, 0, bytes);
    assert_int_equal(axn_tcp_isn_init(&l->isn, l->plat), 0);
    assert_int_equal(axn_tcp_ports_init(&l->ports, l->plat), 0);
    assert_int_equal(axn_ip4_set_proto_handler(l->ip, AXN_TCP_PROTO, axn_tcp_input, l), 0);
    assert_int_equal(axn_ip4_set_err_handler(l->ip, AXN_TCP_PROTO, axn_tcp_err, l), 0);
}

static int setup(void **state)
{
    (void)state;
    memset(&fx, 0, sizeof(fx));
    fx.now = NOW;
    const struct sim_ip4_rig_iface eth0 = {ETH0, ETH0_ADDR, PREFIX, ROUTER};
    const struct sim_ip4_rig_iface eth1 = {ETH1, ETH1_ADDR, PREFIX, 0};
    sim_ip4_rig_create(&fx.rig, &eth0, &eth1);
    layer_init();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    struct axn_tcp_layer *l = &fx.l;
    while (l->all)
        axn_tcp_conn_free(l->all);
    l->plat->free(l->plat->ctx, l->hash, sizeof(*l->hash) * AXN_TCP_HASH_BUCKETS);
    sim_ip4_rig_destroy(&fx.rig);
    return axn_test_live_allocs() == 0 ? 0 : -1;
}

/* ---- Segments in and out -------------------------------------------------------------------- */

struct seg_in {
    uint16_t flags;
    uint32_t seq;
    uint32_t ack;
    uint16_t window;
    size_t len;     /* payload bytes of FILL */
    uint16_t mss;   /* 0: no MSS option */
    axn_ip4_t dst;  /* 0: ETH0_ADDR */
    uint16_t sport; /* 0: PPORT */
    bool bad_csum;
    const struct axn_tcp_opts *opts; /* WS/TS/SACK options (mss above still applies) */
};

static size_t build(uint8_t *pkt, const struct seg_in *s)
{
    uint8_t tcp[PKT_MAX];
    uint8_t payload[PKT_MAX];
    memset(payload, FILL, s->len);
    const axn_ip4_t dst = s->dst ? s->dst : ETH0_ADDR;
    struct axn_tcp t = {
        .src_port = s->sport ? s->sport : PPORT,
        .dst_port = LPORT,
        .seq = s->seq,
        .ack = s->ack,
        .flags = s->flags,
        .window = s->window ? s->window : PWND,
        .payload = payload,
        .payload_len = s->len,
    };
    if (s->opts)
        t.opts = *s->opts;
    if (s->mss) {
        t.opts.has_mss = true;
        t.opts.mss = s->mss;
    }
    const size_t tlen = axn_tcp_len(&t);
    const int n = axn_tcp_emit(&t, tcp, sizeof(tcp),
                               axn_csum_pseudo_v4(PEER, dst, AXN_TCP_PROTO, (uint16_t)tlen), 0);
    assert_int_equal(n, (int)tlen);
    if (s->bad_csum)
        tcp[AXN_TCP_CSUM_OFFSET] ^= 1;
    const struct axn_ipv4 h = {.src = PEER,
                               .dst = dst,
                               .protocol = AXN_TCP_PROTO,
                               .ttl = 64,
                               .payload = tcp,
                               .payload_len = tlen};
    const int m = axn_ipv4_emit(&h, pkt, PKT_MAX);
    assert_true(m > 0);
    return (size_t)m;
}

static void seg(const struct seg_in *s)
{
    uint8_t pkt[PKT_MAX];
    sim_ip4_rig_rx(&fx.rig, pkt, build(pkt, s), ETH0, 0, fx.now);
}

static size_t flush0(void)
{
    return sim_ip4_rig_flush(&fx.rig, &fx.rig.eth0, fx.rig.h0, &fx.taken0, fx.now);
}

/* The next segment the engine sent to PEER. */
static struct axn_tcp take(void)
{
    static struct axn_ipv4 h; /* the segment points into the sent packet */
    struct axn_tcp t;
    assert_true(flush0() > 0);
    const struct fake_sent_pkt *p = sim_fake_take(&fx.rig.eth0, &fx.taken0);
    assert_non_null(p);
    assert_int_equal(axn_ipv4_parse(p->data, p->len, &h, 0), 0);
    assert_int_equal(h.src, ETH0_ADDR);
    assert_int_equal(h.dst, PEER);
    assert_int_equal(h.protocol, AXN_TCP_PROTO);
    const uint32_t ps = axn_csum_pseudo_v4(h.src, h.dst, AXN_TCP_PROTO, (uint16_t)h.payload_len);
    assert_int_equal(axn_tcp_parse(h.payload, h.payload_len, &t, ps, 0), 0);
    assert_int_equal(t.src_port, LPORT);
    assert_int_equal(t.dst_port, PPORT);
    return t;
}

/* The next segment's TCP header bytes (options included) into hdr. */
static size_t take_hdr(uint8_t *hdr, size_t cap)
{
    struct axn_ipv4 h;
    assert_true(flush0() > 0);
    const struct fake_sent_pkt *p = sim_fake_take(&fx.rig.eth0, &fx.taken0);
    assert_non_null(p);
    assert_int_equal(axn_ipv4_parse(p->data, p->len, &h, 0), 0);
    const size_t hl = (size_t)(h.payload[12] >> 4) * 4u;
    assert_true(hl <= cap);
    memcpy(hdr, h.payload, hl);
    return hl;
}

static void assert_nothing_sent(void)
{
    assert_int_equal(flush0(), 0);
}

static void assert_ack(const struct axn_tcp *t, uint32_t seq, uint32_t ack)
{
    assert_int_equal(t->flags, AXN_TCP_ACK);
    assert_int_equal(t->seq, seq);
    assert_int_equal(t->ack, ack);
    assert_int_equal(t->payload_len, 0);
}

static void expect_ack(uint32_t seq, uint32_t ack)
{
    const struct axn_tcp t = take();
    assert_ack(&t, seq, ack);
}

/* ---- Connections built by hand ----------------------------------------------------------------
 */

/* An active open to PEER: its SYN still on the wire. */
static struct axn_tcp_conn *open_to_peer(void)
{
    struct axn_tcp_conn *c = axn_tcp_conn_new(&fx.l);
    assert_non_null(c);
    c->laddr = ETH0_ADDR;
    c->lport = LPORT;
    c->raddr = PEER;
    c->rport = PPORT;
    assert_int_equal(axn_tcp_conn_alloc_rings(c), 0);
    axn_tcp_hash_insert(&fx.l, c);
    axn_tcp_open_active(c, fx.now);
    return c;
}

/* An active open to PEER: its SYN taken off the wire. */
static struct axn_tcp_conn *syn_sent(void)
{
    struct axn_tcp_conn *c = open_to_peer();
    const struct axn_tcp syn = take();
    assert_int_equal(syn.flags, AXN_TCP_SYN);
    assert_int_equal(syn.seq, c->iss);
    assert_int_equal(c->state, AXN_TCP_SYN_SENT);
    return c;
}

static struct axn_tcp_conn *established(void)
{
    struct axn_tcp_conn *c = syn_sent();
    seg(&(struct seg_in){
        .flags = AXN_TCP_SYN | AXN_TCP_ACK, .seq = PISN, .ack = c->iss + 1, .mss = PMSS});
    expect_ack(c->iss + 1, PISN + 1);
    assert_int_equal(c->state, AXN_TCP_ESTABLISHED);
    return c;
}

/* In ESTABLISHED: rcv_nxt = PISN + 1, snd_nxt = iss + 1. */
#define P1 (PISN + 1)

/* ---- SYN-SENT (RFC 9293 3.10.7.3) ------------------------------------------------------------ */

static void syn_ack_establishes(void **state)
{
    (void)state;
    struct axn_tcp_conn *c = established();
    assert_int_equal(c->irs, PISN);
    assert_int_equal(c->rcv_nxt, P1);
    assert_int_equal(c->snd_una, c->iss + 1);
    assert_int_equal(c->opt.peer_mss, PMSS);
    assert_int_equal(c->snd_wnd, PWND);
    assert_int_equal(fx.l.stats.curr_estab, 1);
    assert_int_equal(fx.l.stats.in_segs, 1);
}

static void syn_sent_bad_ack_gets_rst(void **state)
{
    (void)state;
    struct axn_tcp_conn *c = syn_sent();
    const uint32_t bad = c->iss + 5;
    seg(&(struct seg_in){.flags = AXN_TCP_SYN | AXN_TCP_ACK, .seq = PISN, .ack = bad});
    const struct axn_tcp rst = take();
    assert_int_equal(rst.flags, AXN_TCP_RST);
    assert_int_equal(rst.seq, bad);
    assert_int_equal(c->state, AXN_TCP_SYN_SENT);
}

static void syn_sent_rst_refuses(void **state)
{
    (void)state;
    struct axn_tcp_conn *c = syn_sent();
    seg(&(struct seg_in){.flags = AXN_TCP_RST, .seq = 0, .ack = 0});
    assert_int_equal(c->state, AXN_TCP_SYN_SENT); /* no ACK: ignored */
    seg(&(struct seg_in){.flags = AXN_TCP_RST | AXN_TCP_ACK, .seq = 0, .ack = c->iss + 1});
    assert_int_equal(c->state, AXN_TCP_CLOSED);
    assert_int_equal(c->err, AXN_ECONNREFUSED);
    assert_int_equal(fx.l.stats.attempt_fails, 1);
    assert_nothing_sent();
}

/* RFC 9293 figure 8: SYN crossing SYN. */
static void simultaneous_open(void **state)
{
    (void)state;
    struct axn_tcp_conn *c = syn_sent();
    seg(&(struct seg_in){.flags = AXN_TCP_SYN, .seq = PISN, .mss = PMSS});
    assert_int_equal(c->state, AXN_TCP_SYN_RECV);
    const struct axn_tcp sa = take();
    assert_int_equal(sa.flags, AXN_TCP_SYN | AXN_TCP_ACK);
    assert_int_equal(sa.seq, c->iss);
    assert_int_equal(sa.ack, P1);
    /* The peer's SYN-ACK, crossing ours: the handshake completes (Linux
     * tcp_rcv_state_process accepts it in SYN-RECEIVED). */
    seg(&(struct seg_in){.flags = AXN_TCP_SYN | AXN_TCP_ACK, .seq = PISN, .ack = c->iss + 1});
    assert_int_equal(c->state, AXN_TCP_ESTABLISHED);
}

/* A RST at RCV.NXT in the SYN-RECEIVED of a simultaneous open: the
 * connect fails with ECONNRESET, as Linux tcp_reset gives for every state
 * but SYN-SENT and CLOSE-WAIT (RFC 9293's "connection refused" is the
 * SYN-SENT case). */
static void simultaneous_open_rst_resets(void **state)
{
    (void)state;
    struct axn_tcp_conn *c = syn_sent();
    seg(&(struct seg_in){.flags = AXN_TCP_SYN, .seq = PISN, .mss = PMSS});
    assert_int_equal(c->state, AXN_TCP_SYN_RECV);
    (void)take();
    seg(&(struct seg_in){.flags = AXN_TCP_RST, .seq = P1});
    assert_int_equal(c->state, AXN_TCP_CLOSED);
    assert_int_equal(c->err, AXN_ECONNRESET);
    assert_int_equal(fx.l.stats.attempt_fails, 1);
    assert_int_equal(fx.l.stats.estab_resets, 0);
    assert_nothing_sent();
}

/* ---- Synchronised states (RFC 9293 3.10.7.4) ---------------------------------------------------
 */

static void data_then_fin(void **state)
{
    (void)state;
    struct axn_tcp_conn *c = established();
    seg(&(struct seg_in){
        .flags = AXN_TCP_ACK | AXN_TCP_PSH, .seq = P1, .ack = c->iss + 1, .len = DATA_LEN});
    assert_int_equal(c->rcv_nxt, P1 + DATA_LEN);
    assert_int_equal(c->rcv.len, DATA_LEN);
    assert_int_equal(c->stats.bytes_received, DATA_LEN);
    /* Quick-ACK at the start of a connection (Linux). */
    expect_ack(c->iss + 1, P1 + DATA_LEN);
    seg(&(struct seg_in){
        .flags = AXN_TCP_ACK | AXN_TCP_FIN, .seq = P1 + DATA_LEN, .ack = c->iss + 1});
    assert_int_equal(c->state, AXN_TCP_CLOSE_WAIT);
    assert_true(c->fin_rcvd);
    expect_ack(c->iss + 1, P1 + DATA_LEN + 1);
    assert_nothing_sent();
}

/* Data and FIN in one segment: one ACK covers both. */
static void data_with_fin_one_ack(void **state)
{
    (void)state;
    struct axn_tcp_conn *c = established();
    seg(&(struct seg_in){
        .flags = AXN_TCP_ACK | AXN_TCP_FIN, .seq = P1, .ack = c->iss + 1, .len = DATA_LEN});
    assert_int_equal(c->state, AXN_TCP_CLOSE_WAIT);
    expect_ack(c->iss + 1, P1 + DATA_LEN + 1);
    assert_nothing_sent();
}

static void out_of_order_then_fill(void **state)
{
    (void)state;
    struct axn_tcp_conn *c = established();
    seg(&(struct seg_in){
        .flags = AXN_TCP_ACK, .seq = P1 + DATA_LEN, .ack = c->iss + 1, .len = DATA_LEN});
    assert_int_equal(c->n_ooo, 1);
    expect_ack(c->iss + 1, P1); /* duplicate ACK at once */
    seg(&(struct seg_in){.flags = AXN_TCP_ACK, .seq = P1, .ack = c->iss + 1, .len = DATA_LEN});
    assert_int_equal(c->rcv_nxt, P1 + 2 * DATA_LEN);
    assert_int_equal(c->rcv.len, 2 * DATA_LEN);
    expect_ack(c->iss + 1, P1 + 2 * DATA_LEN);
}

/* A FIN out of order is held with its data: the gap filled, it counts
 * without a retransmission, and one ACK covers all. */
static void out_of_order_fin_held(void **state)
{
    (void)state;
    struct axn_tcp_conn *c = established();
    seg(&(struct seg_in){.flags = AXN_TCP_ACK | AXN_TCP_FIN,
                         .seq = P1 + DATA_LEN,
                         .ack = c->iss + 1,
                         .len = DATA_LEN});
    expect_ack(c->iss + 1, P1);
    assert_int_equal(c->state, AXN_TCP_ESTABLISHED);
    seg(&(struct seg_in){.flags = AXN_TCP_ACK, .seq = P1, .ack = c->iss + 1, .len = DATA_LEN});
    assert_int_equal(c->state, AXN_TCP_CLOSE_WAIT);
    assert_int_equal(c->rcv_nxt, P1 + 2 * DATA_LEN + 1);
    assert_int_equal(c->rcv.len, 2 * DATA_LEN);
    expect_ack(c->iss + 1, P1 + 2 * DATA_LEN + 1);
    assert_nothing_sent();
}

/* A retransmission overlapping what we have: only the new part is taken. */
static void overlap_trimmed(void **state)
{
    (void)state;
    struct axn_tcp_conn *c = established();
    seg(&(struct seg_in){.flags = AXN_TCP_ACK, .seq = P1, .ack = c->iss + 1, .len = DATA_LEN});
    (void)take();
    seg(&(struct seg_in){
        .flags = AXN_TCP_ACK, .seq = P1 + DATA_LEN / 2, .ack = c->iss + 1, .len = DATA_LEN});
    assert_int_equal(c->rcv_nxt, P1 + DATA_LEN + DATA_LEN / 2);
    assert_int_equal(c->rcv.len, DATA_LEN + DATA_LEN / 2);
}

static void unacceptable_gets_ack(void **state)
{
    (void)state;
    struct axn_tcp_conn *c = established();
    /* Far right of the window. */
    seg(&(struct seg_in){
        .flags = AXN_TCP_ACK, .seq = P1 + 0x40000000u, .ack = c->iss + 1, .len = DATA_LEN});
    expect_ack(c->iss + 1, P1);
    assert_int_equal(c->rcv.len, 0);
    /* Old pure ACKs (reordered): one duplicate ACK per 500 ms at most
     * (Linux tcp_invalid_ratelimit). */
    seg(&(struct seg_in){.flags = AXN_TCP_ACK, .seq = P1 - 10, .ack = c->iss + 1});
    expect_ack(c->iss + 1, P1);
    seg(&(struct seg_in){.flags = AXN_TCP_ACK, .seq = P1 - 20, .ack = c->iss + 1});
    assert_nothing_sent();
    fx.now += AXN_MSEC(AXN_TCP_INVALID_RATELIMIT_MS);
    seg(&(struct seg_in){.flags = AXN_TCP_ACK, .seq = P1 - 20, .ack = c->iss + 1});
    expect_ack(c->iss + 1, P1);
    /* An old RST: dropped without a word. */
    seg(&(struct seg_in){.flags = AXN_TCP_RST, .seq = P1 - 1000});
    assert_nothing_sent();
    assert_int_equal(c->state, AXN_TCP_ESTABLISHED);
}

/* A pure ACK whose sequence number is below RCV.NXT (its sender went
 * back for a retransmission) still acknowledges: BSD-like, so two ends
 * retransmitting at once cannot wait on each other. */
static void old_seq_ack_still_acknowledges(void **state)
{
    (void)state;
    struct axn_tcp_conn *c = established();
    assert_true(axn_tcp_snd_ring_reserve(c, 8, fx.now) >= 8); /* rings are lazy */
    assert_int_equal(axn_tcp_ring_push(&c->snd, (const uint8_t *)"abcdefgh", 8), 8);
    axn_tcp_output(c, fx.now);
    (void)take();
    seg(&(struct seg_in){.flags = AXN_TCP_ACK, .seq = P1, .ack = c->iss + 1, .len = DATA_LEN});
    (void)take();
    seg(&(struct seg_in){.flags = AXN_TCP_ACK, .seq = P1 + DATA_LEN / 2, .ack = c->iss + 9});
    assert_int_equal(c->snd_una, c->iss + 9);
    assert_int_equal(c->snd.len, 0);
    /* Beyond SND.MAX it is not taken (RFC 5961 5.2). */
    seg(&(struct seg_in){.flags = AXN_TCP_ACK, .seq = P1, .ack = c->iss + 100});
    assert_int_equal(c->snd_una, c->iss + 9);
}

/* RFC 5961 3.2. */
static void rst_exact_resets(void **state)
{
    (void)state;
    struct axn_tcp_conn *c = established();
    seg(&(struct seg_in){.flags = AXN_TCP_RST, .seq = P1});
    assert_int_equal(c->state, AXN_TCP_CLOSED);
    assert_int_equal(c->err, AXN_ECONNRESET);
    assert_true(c->rst_rcvd);
    assert_int_equal(fx.l.stats.estab_resets, 1);
    assert_nothing_sent();
}

static void rst_in_window_challenged(void **state)
{
    (void)state;
    struct axn_tcp_conn *c = established();
    seg(&(struct seg_in){.flags = AXN_TCP_RST, .seq = P1 + 10});
    assert_int_equal(c->state, AXN_TCP_ESTABLISHED);
    expect_ack(c->iss + 1, P1);
    assert_int_equal(fx.l.ext.challenge_acks, 1);
}

/* RFC 5961 4.2. */
static void syn_in_established_challenged(void **state)
{
    (void)state;
    struct axn_tcp_conn *c = established();
    seg(&(struct seg_in){.flags = AXN_TCP_SYN, .seq = P1 + 10});
    assert_int_equal(c->state, AXN_TCP_ESTABLISHED);
    expect_ack(c->iss + 1, P1);
    assert_int_equal(fx.l.ext.syn_challenge, 1);
    assert_int_equal(fx.l.ext.challenge_acks, 1);
}

/* RFC 5961 5.2: an ACK of data never sent; its text is not taken. */
static void ack_of_unsent_challenged(void **state)
{
    (void)state;
    struct axn_tcp_conn *c = established();
    seg(&(struct seg_in){.flags = AXN_TCP_ACK, .seq = P1, .ack = c->iss + 1000, .len = DATA_LEN});
    expect_ack(c->iss + 1, P1);
    assert_int_equal(c->rcv.len, 0);
    assert_int_equal(fx.l.ext.challenge_acks, 1);
    /* No ACK bit at all: dropped. */
    seg(&(struct seg_in){.flags = AXN_TCP_PSH, .seq = P1, .len = DATA_LEN});
    assert_int_equal(c->rcv.len, 0);
    assert_nothing_sent();
}

/* Active close: FIN-WAIT-1, -2, TIME-WAIT; a retransmitted FIN is ACKed. */
static void active_close(void **state)
{
    (void)state;
    struct axn_tcp_conn *c = established();
    axn_tcp_shutdown_wr(c, fx.now);
    const struct axn_tcp fin = take();
    assert_int_equal(fin.flags, AXN_TCP_FIN | AXN_TCP_ACK);
    assert_int_equal(c->state, AXN_TCP_FIN_WAIT1);
    seg(&(struct seg_in){.flags = AXN_TCP_ACK, .seq = P1, .ack = c->iss + 2});
    assert_int_equal(c->state, AXN_TCP_FIN_WAIT2);
    seg(&(struct seg_in){.flags = AXN_TCP_ACK | AXN_TCP_FIN, .seq = P1, .ack = c->iss + 2});
    assert_int_equal(c->state, AXN_TCP_TIME_WAIT);
    expect_ack(c->iss + 2, P1 + 1);
    seg(&(struct seg_in){.flags = AXN_TCP_ACK | AXN_TCP_FIN, .seq = P1, .ack = c->iss + 2});
    assert_int_equal(c->state, AXN_TCP_TIME_WAIT);
    expect_ack(c->iss + 2, P1 + 1);
    /* A bare ACK in sequence: nothing. An old one the FIN overtook: an
     * ACK, then none for another within tcp_invalid_ratelimit (Linux
     * tcp_timewait_state_process, tcp_oow_rate_limited). */
    seg(&(struct seg_in){.flags = AXN_TCP_ACK, .seq = P1 + 1, .ack = c->iss + 2});
    assert_nothing_sent();
    seg(&(struct seg_in){.flags = AXN_TCP_ACK, .seq = P1, .ack = c->iss + 1});
    expect_ack(c->iss + 2, P1 + 1);
    seg(&(struct seg_in){.flags = AXN_TCP_ACK, .seq = P1, .ack = c->iss + 1});
    assert_nothing_sent();
    assert_int_equal(c->state, AXN_TCP_TIME_WAIT);
}

/* Linux tcp_time_wait (tw_last_oow_ack_time = 0): TIME-WAIT starts with
 * a fresh out-of-window ACK limit, so an old segment right after the FIN
 * is answered even if FIN-WAIT-2 had just answered one. */
static void time_wait_fresh_oow_limit(void **state)
{
    (void)state;
    struct axn_tcp_conn *c = established();
    axn_tcp_shutdown_wr(c, fx.now);
    (void)take();
    seg(&(struct seg_in){.flags = AXN_TCP_ACK, .seq = P1, .ack = c->iss + 2});
    assert_int_equal(c->state, AXN_TCP_FIN_WAIT2);
    seg(&(struct seg_in){.flags = AXN_TCP_ACK, .seq = P1 - 1, .ack = c->iss + 2});
    expect_ack(c->iss + 2, P1);
    seg(&(struct seg_in){.flags = AXN_TCP_ACK | AXN_TCP_FIN, .seq = P1, .ack = c->iss + 2});
    assert_int_equal(c->state, AXN_TCP_TIME_WAIT);
    expect_ack(c->iss + 2, P1 + 1);
    seg(&(struct seg_in){.flags = AXN_TCP_ACK, .seq = P1, .ack = c->iss + 2});
    expect_ack(c->iss + 2, P1 + 1);
}

/* Simultaneous close: FIN-WAIT-1 gets a FIN: CLOSING, then TIME-WAIT. */
static void simultaneous_close(void **state)
{
    (void)state;
    struct axn_tcp_conn *c = established();
    axn_tcp_shutdown_wr(c, fx.now);
    (void)take();
    seg(&(struct seg_in){.flags = AXN_TCP_ACK | AXN_TCP_FIN, .seq = P1, .ack = c->iss + 1});
    assert_int_equal(c->state, AXN_TCP_CLOSING);
    expect_ack(c->iss + 2, P1 + 1);
    seg(&(struct seg_in){.flags = AXN_TCP_ACK, .seq = P1 + 1, .ack = c->iss + 2});
    assert_int_equal(c->state, AXN_TCP_TIME_WAIT);
}

/* Passive close: CLOSE-WAIT, LAST-ACK, then CLOSED. */
static void passive_close(void **state)
{
    (void)state;
    struct axn_tcp_conn *c = established();
    seg(&(struct seg_in){.flags = AXN_TCP_ACK | AXN_TCP_FIN, .seq = P1, .ack = c->iss + 1});
    (void)take();
    axn_tcp_shutdown_wr(c, fx.now);
    assert_int_equal(c->state, AXN_TCP_LAST_ACK);
    (void)take();
    seg(&(struct seg_in){.flags = AXN_TCP_ACK, .seq = P1 + 1, .ack = c->iss + 2});
    assert_int_equal(c->state, AXN_TCP_CLOSED);
    assert_int_equal(c->err, 0);
}

/* An orphan receiving new data resets (Linux TCPAbortOnData). */
static void orphan_data_resets(void **state)
{
    (void)state;
    struct axn_tcp_conn *c = established();
    axn_tcp_shutdown_wr(c, fx.now);
    (void)take();
    c->orphan = true;
    fx.l.n_orphans++;
    const uint32_t snd_nxt = c->snd_nxt;
    seg(&(struct seg_in){.flags = AXN_TCP_ACK, .seq = P1, .ack = c->iss + 1, .len = DATA_LEN});
    const struct axn_tcp rst = take();
    assert_true(rst.flags & AXN_TCP_RST);
    assert_int_equal(rst.seq, snd_nxt);
    assert_int_equal(fx.l.ext.abort_on_data, 1);
    assert_null(fx.l.all); /* freed */
}

/* ---- Demultiplexing and errors (RFC 9293 3.10.7.1) ------------------------------------------- */

static void no_connection_gets_rst(void **state)
{
    (void)state;
    seg(&(struct seg_in){.flags = AXN_TCP_ACK, .seq = 5, .ack = 1234});
    struct axn_tcp rst = take();
    assert_int_equal(rst.flags, AXN_TCP_RST);
    assert_int_equal(rst.seq, 1234);
    seg(&(struct seg_in){.flags = AXN_TCP_SYN, .seq = PISN, .len = 0});
    rst = take();
    assert_int_equal(rst.flags, AXN_TCP_RST | AXN_TCP_ACK);
    assert_int_equal(rst.seq, 0);
    assert_int_equal(rst.ack, P1);
    seg(&(struct seg_in){.flags = AXN_TCP_RST | AXN_TCP_ACK, .seq = 5, .ack = 1});
    assert_nothing_sent();
    assert_int_equal(fx.l.stats.in_segs, 3);
}

static void bad_checksum_counted(void **state)
{
    (void)state;
    seg(&(struct seg_in){.flags = AXN_TCP_SYN, .seq = PISN, .bad_csum = true});
    assert_nothing_sent();
    assert_int_equal(fx.l.stats.in_segs, 1);
    assert_int_equal(fx.l.stats.in_errs, 1);
    assert_int_equal(fx.l.stats.in_csum_errors, 1);
}

static void broadcast_ignored(void **state)
{
    (void)state;
    seg(&(struct seg_in){.flags = AXN_TCP_SYN, .seq = PISN, .dst = ETH0_BCAST});
    assert_nothing_sent();
    assert_int_equal(fx.l.stats.in_segs, 0);
}

/* ---- LISTEN (RFC 9293 3.10.7.2, spec TCP-26..33) ----------------------------------------------
 */

static struct axn_tcp_conn *listener(uint32_t backlog)
{
    struct axn_tcp_conn *lst = axn_tcp_conn_new(&fx.l);
    assert_non_null(lst);
    lst->state = AXN_TCP_LISTEN;
    lst->lport = LPORT;
    lst->backlog = backlog;
    lst->nodelay = true;
    lst->tos = 0x10;
    fx.lsock.conn = lst;
    fx.lsock.layer = &fx.l;
    assert_int_equal(axn_tcp_port_bind(&fx.lsock, 0, LPORT), 0);
    return lst;
}

/* A SYN to the listener: a request entry, no connection (RFC 4987 3.2:
 * tcp_synq.h), and its SYN-ACK off the wire; returns our ISS. */
static uint32_t req_of_syn(struct axn_tcp_conn *lst, uint16_t sport, uint32_t isn)
{
    const size_t conns = fx.l.n_conns;
    seg(&(struct seg_in){.flags = AXN_TCP_SYN, .seq = isn, .mss = PMSS, .sport = sport});
    assert_null(axn_tcp_lookup(&fx.l, ETH0_ADDR, LPORT, PEER, sport));
    assert_true(fx.l.n_conns <= conns);
    assert_non_null(axn_tcp_synq_find(lst, ETH0_ADDR, LPORT, PEER, sport));
    const struct axn_tcp sa = take();
    assert_int_equal(sa.flags, AXN_TCP_SYN | AXN_TCP_ACK);
    assert_int_equal(sa.ack, isn + 1);
    assert_true(sa.opts.has_mss);
    assert_true(sa.window > 0); /* the window its rings will have */
    return sa.seq;
}

static void listen_handshake(void **state)
{
    (void)state;
    struct axn_tcp_conn *lst = listener(BACKLOG);
    const uint32_t iss = req_of_syn(lst, PPORT, PISN);
    assert_int_equal(axn_tcp_synq_len(lst), 1);
    assert_int_equal(fx.l.stats.passive_opens, 1);
    /* The client's SYN again (our SYN-ACK lost): the SYN-ACK again. */
    seg(&(struct seg_in){.flags = AXN_TCP_SYN, .seq = PISN, .mss = PMSS});
    const struct axn_tcp sa = take();
    assert_int_equal(sa.flags, AXN_TCP_SYN | AXN_TCP_ACK);
    assert_int_equal(sa.seq, iss);
    assert_int_equal(axn_tcp_synq_len(lst), 1);
    /* The ACK: the child, ESTABLISHED, on the accept queue, its data kept. */
    seg(&(struct seg_in){.flags = AXN_TCP_ACK, .seq = P1, .ack = iss + 1, .len = DATA_LEN});
    struct axn_tcp_conn *c = axn_tcp_lookup(&fx.l, ETH0_ADDR, LPORT, PEER, PPORT);
    assert_non_null(c);
    assert_int_equal(c->state, AXN_TCP_ESTABLISHED);
    assert_int_equal(c->iss, iss);
    assert_int_equal(c->laddr, ETH0_ADDR); /* exact 4-tuple, spec TCP-33 */
    assert_int_equal(c->raddr, PEER);
    assert_true(c->nodelay);
    assert_int_equal(c->tos, 0x10);
    assert_int_equal(axn_tcp_synq_len(lst), 0);
    assert_int_equal(lst->syn_q_len, 0);
    assert_int_equal(lst->acc_q_len, 1);
    assert_non_null(c->rcv.buf);
    assert_int_equal(c->rcv.len, DATA_LEN);
    assert_int_equal(fx.l.stats.passive_opens, 1);
    assert_ptr_equal(axn_tcp_accept_pop(lst), c);
    assert_null(c->parent);
    assert_int_equal(lst->acc_q_len, 0);
    assert_null(axn_tcp_accept_pop(lst));
}

static void listen_rst_ack_and_synfin(void **state)
{
    (void)state;
    struct axn_tcp_conn *lst = listener(BACKLOG);
    seg(&(struct seg_in){.flags = AXN_TCP_RST, .seq = PISN});
    assert_nothing_sent();
    seg(&(struct seg_in){.flags = AXN_TCP_ACK, .seq = PISN, .ack = 77});
    const struct axn_tcp rst = take();
    assert_int_equal(rst.flags, AXN_TCP_RST);
    assert_int_equal(rst.seq, 77);
    seg(&(struct seg_in){.flags = AXN_TCP_SYN | AXN_TCP_FIN, .seq = PISN});
    assert_nothing_sent();
    assert_int_equal(axn_tcp_synq_len(lst), 0);
}

/* A request entry in SYN-RECEIVED (Linux tcp_check_req): an ACK of
 * anything but our SYN draws <SEQ=SEG.ACK><CTL=RST> and keeps it; a RST
 * off RCV.NXT is ignored; one at RCV.NXT ends it. */
static void listen_req_bad_ack_and_rst(void **state)
{
    (void)state;
    struct axn_tcp_conn *lst = listener(BACKLOG);
    const uint32_t iss = req_of_syn(lst, PPORT, PISN);
    seg(&(struct seg_in){.flags = AXN_TCP_ACK, .seq = P1, .ack = iss + 7});
    const struct axn_tcp rst = take();
    assert_int_equal(rst.flags, AXN_TCP_RST);
    assert_int_equal(rst.seq, iss + 7);
    assert_int_equal(axn_tcp_synq_len(lst), 1);
    seg(&(struct seg_in){.flags = AXN_TCP_RST, .seq = P1 + 5});
    assert_int_equal(axn_tcp_synq_len(lst), 1);
    seg(&(struct seg_in){.flags = AXN_TCP_RST, .seq = P1});
    assert_nothing_sent();
    assert_int_equal(axn_tcp_synq_len(lst), 0);
    assert_int_equal(fx.l.stats.attempt_fails, 1);
    assert_null(axn_tcp_lookup(&fx.l, ETH0_ADDR, LPORT, PEER, PPORT));
}

/* Spec TCP-26: a full accept queue drops the SYN silently, never a RST. */
static void accept_queue_full_drops_syn(void **state)
{
    (void)state;
    struct axn_tcp_conn *lst = listener(BACKLOG);
    const uint32_t iss = req_of_syn(lst, PPORT, PISN);
    seg(&(struct seg_in){.flags = AXN_TCP_ACK, .seq = P1, .ack = iss + 1});
    assert_int_equal(lst->acc_q_len, 1);
    /* A new client on another port: its SYN is dropped. */
    seg(&(struct seg_in){.flags = AXN_TCP_SYN, .seq = PISN, .sport = PPORT + 1});
    assert_nothing_sent();
    assert_int_equal(fx.l.ext.listen_overflows, 1);
    assert_int_equal(fx.l.ext.listen_drops, 1);
    assert_int_equal(axn_tcp_synq_len(lst), 0);
}

/* Closing the listener resets the children in its accept queue (Linux
 * inet_csk_listen_stop) and drops its request entries silently (Linux:
 * a request whose listener is gone just goes). */
static void listen_stop_resets_children(void **state)
{
    (void)state;
    struct axn_tcp_conn *lst = listener(BACKLOG + 4);
    const uint32_t iss = req_of_syn(lst, PPORT, PISN);
    seg(&(struct seg_in){.flags = AXN_TCP_ACK, .seq = P1, .ack = iss + 1});
    assert_int_equal(lst->acc_q_len, 1);
    /* A request entry from another port (its SYN-ACK discarded). */
    seg(&(struct seg_in){.flags = AXN_TCP_SYN, .seq = PISN, .mss = PMSS, .sport = PPORT + 1});
    uint8_t hdr[AXN_TCP_HDR_LEN + AXN_TCP_MAX_OPT_LEN];
    assert_true(take_hdr(hdr, sizeof(hdr)) > 0);
    assert_int_equal(axn_tcp_synq_len(lst), 1);
    axn_tcp_listen_stop(lst, fx.now);
    const struct axn_tcp rst = take();
    assert_true(rst.flags & AXN_TCP_RST);
    assert_int_equal(rst.seq, iss + 1);
    assert_nothing_sent();
    assert_int_equal(axn_tcp_synq_len(lst), 0);
    assert_null(lst->synq);
    assert_null(axn_tcp_lookup(&fx.l, ETH0_ADDR, LPORT, PEER, PPORT));
}

/* RFC 6191 spirit: a higher SYN reopens an orphan's TIME-WAIT 4-tuple. */
static void time_wait_recycled(void **state)
{
    (void)state;
    struct axn_tcp_conn *lst = listener(BACKLOG);
    struct axn_tcp_conn *c = established();
    axn_tcp_shutdown_wr(c, fx.now);
    (void)take();
    seg(&(struct seg_in){.flags = AXN_TCP_ACK | AXN_TCP_FIN, .seq = P1, .ack = c->iss + 2});
    (void)take();
    assert_int_equal(c->state, AXN_TCP_TIME_WAIT);
    c->orphan = true;
    fx.l.n_orphans++;
    /* A lower SYN: just an ACK. */
    seg(&(struct seg_in){.flags = AXN_TCP_SYN, .seq = PISN - 1000});
    expect_ack(c->iss + 2, P1 + 1);
    (void)req_of_syn(lst, PPORT, PISN + 100000);
    assert_int_equal(fx.l.ext.tw_recycled, 1);
    assert_int_equal(axn_tcp_synq_len(lst), 1);
}

/* ---- ICMP (tcp_icmp.c) ---------------------------------------------------------------------- */

static void icmp(struct axn_tcp_conn *c, uint8_t type, uint8_t code, axn_ip4_t reporter,
                 uint32_t seq, uint32_t info)
{
    uint8_t l4[QUOTE_L4];
    axn_put_be16(l4, c->lport);
    axn_put_be16(l4 + 2, c->rport);
    axn_put_be32(l4 + 4, seq);
    const struct axn_icmp4_err e = {.type = type,
                                    .code = code,
                                    .info = info,
                                    .reporter = reporter,
                                    .ifindex = ETH0,
                                    .orig_src = c->laddr,
                                    .orig_dst = c->raddr,
                                    .orig_protocol = AXN_TCP_PROTO,
                                    .orig_l4 = l4,
                                    .orig_l4_len = sizeof(l4)};
    /* As icmp4.c: the IPv4 layer learns a path MTU first. */
    axn_ip4_frag_needed(fx.rig.ip, &e, fx.now);
    axn_tcp_err(&fx.l, &e, fx.now);
}

static void icmp_during_connect(void **state)
{
    (void)state;
    struct axn_tcp_conn *c = syn_sent();
    /* Not our SYN's sequence: RFC 5927, ignored. */
    icmp(c, AXN_ICMP4_DEST_UNREACH, AXN_ICMP4_UNREACH_PORT, PEER, c->iss + 1, 0);
    assert_int_equal(fx.l.ext.out_of_window_icmps, 1);
    assert_int_equal(c->state, AXN_TCP_SYN_SENT);
    /* Host unreachable from a router: soft. */
    icmp(c, AXN_ICMP4_DEST_UNREACH, AXN_ICMP4_UNREACH_HOST, ROUTER, c->iss, 0);
    assert_int_equal(c->state, AXN_TCP_SYN_SENT);
    assert_int_equal(c->soft_err, AXN_EHOSTUNREACH);
    /* Port unreachable: hard, ECONNREFUSED. */
    icmp(c, AXN_ICMP4_DEST_UNREACH, AXN_ICMP4_UNREACH_PORT, PEER, c->iss, 0);
    assert_int_equal(c->state, AXN_TCP_CLOSED);
    assert_int_equal(c->err, AXN_ECONNREFUSED);
}

/* Our own stack's ARP failure (ip4_local_err.c): the connect fails. */
static void icmp_local_arp_failure(void **state)
{
    (void)state;
    struct axn_tcp_conn *c = syn_sent();
    icmp(c, AXN_ICMP4_DEST_UNREACH, AXN_ICMP4_UNREACH_HOST, ETH0_ADDR, c->iss, 0);
    assert_int_equal(c->state, AXN_TCP_CLOSED);
    assert_int_equal(c->err, AXN_EHOSTUNREACH);
}

/* RFC 5927 / RFC 1122 4.2.3.9: never an abort once synchronised. */
static void icmp_established_soft(void **state)
{
    (void)state;
    struct axn_tcp_conn *c = established();
    icmp(c, AXN_ICMP4_DEST_UNREACH, AXN_ICMP4_UNREACH_PORT, PEER, c->iss + 1, 0);
    assert_int_equal(fx.l.ext.out_of_window_icmps, 1);        /* nothing in flight */
    assert_true(axn_tcp_snd_ring_reserve(c, 8, fx.now) >= 8); /* rings are lazy */
    assert_int_equal(axn_tcp_ring_push(&c->snd, (const uint8_t *)"abcdefgh", 8), 8);
    axn_tcp_output(c, fx.now);
    (void)take();
    icmp(c, AXN_ICMP4_DEST_UNREACH, AXN_ICMP4_UNREACH_PORT, PEER, c->iss + 1, 0);
    assert_int_equal(c->state, AXN_TCP_ESTABLISHED);
    assert_int_equal(c->soft_err, AXN_ECONNREFUSED);
    assert_int_equal(c->err, 0);
}

/* RFC 1191: fragmentation needed lowers the MSS. */
static void icmp_frag_needed(void **state)
{
    (void)state;
    struct axn_tcp_conn *c = established();
    const uint16_t mss = c->mss;
    assert_true(axn_tcp_snd_ring_reserve(c, 8, fx.now) >= 8); /* rings are lazy */
    assert_int_equal(axn_tcp_ring_push(&c->snd, (const uint8_t *)"abcdefgh", 8), 8);
    axn_tcp_output(c, fx.now);
    (void)take();
    icmp(c, AXN_ICMP4_DEST_UNREACH, AXN_ICMP4_UNREACH_FRAG_NEEDED, ROUTER, c->iss + 1, SMALL_MTU);
    assert_true(c->mss < mss);
    assert_int_equal(c->pmtu, SMALL_MTU);
}

/* ---- Options: RFC 7323 window scaling, timestamps, PAWS; RFC 2018/2883 SACK ---------------- */

#define PTS          1000u /* the peer's first TSval */
#define PWSCALE      7u
#define OPT_WND      (64u * 1024u)
#define HDR_MAX      60u
#define WRAP_ISN     0xffffff00u /* sequence numbers that wrap during the test */
#define UNSCALED_MAX 65535u

/* The peer's options: every one of RFC 7323 and RFC 2018 on. */
static struct axn_tcp_opts peer_opts(uint32_t tsval, uint32_t tsecr)
{
    struct axn_tcp_opts o = {.has_wscale = true, .wscale = PWSCALE, .sack_perm = true};
    o.has_ts = true;
    o.ts_val = tsval;
    o.ts_ecr = tsecr;
    return o;
}

/* Established with WS, TS and SACK on both sides, the peer's ISN `isn`. */
static struct axn_tcp_conn *established_opts_at(uint32_t isn)
{
    struct axn_tcp_conn *c = syn_sent();
    const uint32_t syn_ts = axn_tcp_ts_val(c, fx.now);
    const struct axn_tcp_opts o = peer_opts(PTS, syn_ts);
    seg(&(struct seg_in){.flags = AXN_TCP_SYN | AXN_TCP_ACK,
                         .seq = isn,
                         .ack = c->iss + 1,
                         .mss = PMSS,
                         .opts = &o});
    const struct axn_tcp a = take();
    assert_ack(&a, c->iss + 1, isn + 1);
    assert_true(a.opts.has_ts);
    assert_int_equal(a.opts.ts_ecr, PTS);
    assert_true(c->opt.wscale_ok && c->opt.ts_ok && c->opt.sack_ok);
    return c;
}

static struct axn_tcp_conn *established_opts(void)
{
    return established_opts_at(PISN);
}

/* A data segment from the peer with TSval `tsval`. */
static void data_ts(struct axn_tcp_conn *c, uint32_t seq, size_t len, uint32_t tsval)
{
    const struct axn_tcp_opts o = peer_opts(tsval, axn_tcp_ts_val(c, fx.now));
    seg(&(struct seg_in){
        .flags = AXN_TCP_ACK, .seq = seq, .ack = c->iss + 1, .len = len, .opts = &o});
}

/* RFC 7323 2.3, Linux tcp_select_initial_window: the smallest shift
 * whose 16-bit window covers the space, at most 14. */
static void wscale_for_space(void **state)
{
    (void)state;
    assert_int_equal(axn_tcp_wscale_for(0), 0);
    assert_int_equal(axn_tcp_wscale_for(65535), 0);
    assert_int_equal(axn_tcp_wscale_for(65536), 1);
    assert_int_equal(axn_tcp_wscale_for(131072), 2);
    assert_int_equal(axn_tcp_wscale_for(6291456), 7); /* tcp_rmem[2]: Linux's 7 */
    assert_int_equal(axn_tcp_wscale_for(UINT32_MAX), 14);
}

/* Our SYN: MSS, SACK-permitted, timestamps, NOP, window scale, byte for
 * byte in Linux's layout. */
static void syn_option_bytes(void **state)
{
    (void)state;
    struct axn_tcp_conn *c = open_to_peer();
    uint8_t h[HDR_MAX];
    assert_int_equal(take_hdr(h, sizeof(h)), AXN_TCP_HDR_LEN + 20u);
    const uint32_t ts = axn_tcp_ts_val(c, fx.now);
    const uint8_t want[20] = {2,
                              4,
                              (uint8_t)(c->adv_mss >> 8),
                              (uint8_t)c->adv_mss,
                              4,
                              2,
                              8,
                              10,
                              (uint8_t)(ts >> 24),
                              (uint8_t)(ts >> 16),
                              (uint8_t)(ts >> 8),
                              (uint8_t)ts,
                              0,
                              0,
                              0,
                              0,
                              1,
                              3,
                              3,
                              7};
    assert_memory_equal(h + AXN_TCP_HDR_LEN, want, sizeof(want));
    /* RFC 7323 2.2: the SYN's window is not scaled. */
    assert_int_equal((h[14] << 8) | h[15], UNSCALED_MAX);
}

/* Each of WS, TS, SACK is on only when our settings offer it and the
 * peer's SYN-ACK carries it: all 64 combinations (the SYN offers exactly
 * the settings; the ACK then carries TS only when agreed). */
static void syn_ack_negotiation_matrix(void **state)
{
    (void)state;
    for (unsigned mine = 0; mine < 8; mine++) {
        for (unsigned peer = 0; peer < 8; peer++) {
            fx.l.cfg.window_scaling = (mine & 1u) != 0;
            fx.l.cfg.timestamps = (mine & 2u) != 0;
            fx.l.cfg.sack = (mine & 4u) != 0;
            struct axn_tcp_conn *c = open_to_peer();
            const struct axn_tcp syn = take();
            assert_int_equal(syn.opts.has_wscale, (mine & 1u) != 0);
            assert_int_equal(syn.opts.has_ts, (mine & 2u) != 0);
            assert_int_equal(syn.opts.sack_perm, (mine & 4u) != 0);
            struct axn_tcp_opts o = {0};
            o.has_wscale = (peer & 1u) != 0;
            o.wscale = 3;
            o.has_ts = (peer & 2u) != 0;
            o.ts_val = PTS;
            o.ts_ecr = syn.opts.ts_val;
            o.sack_perm = (peer & 4u) != 0;
            seg(&(struct seg_in){.flags = AXN_TCP_SYN | AXN_TCP_ACK,
                                 .seq = PISN,
                                 .ack = c->iss + 1,
                                 .mss = PMSS,
                                 .opts = &o});
            const struct axn_tcp a = take();
            const unsigned both = mine & peer;
            assert_int_equal(c->state, AXN_TCP_ESTABLISHED);
            assert_int_equal(c->opt.wscale_ok, (both & 1u) != 0);
            assert_int_equal(c->opt.snd_wscale, (both & 1u) ? 3 : 0);
            assert_int_equal(c->opt.rcv_wscale, (both & 1u) ? 7 : 0);
            assert_int_equal(c->opt.ts_ok, (both & 2u) != 0);
            assert_int_equal(c->opt.sack_ok, (both & 4u) != 0);
            assert_int_equal(a.opts.has_ts, (both & 2u) != 0);
            /* RFC 6691: the payload gives up what timestamps take. */
            assert_int_equal(c->mss, (both & 2u) ? PMSS - 12u : PMSS);
            axn_tcp_conn_free(c);
        }
    }
}

/* The passive side: a SYN with every option gets a SYN-ACK agreeing to
 * each, echoing the SYN's TSval, its window unscaled. */
static void syn_ack_answers_options(void **state)
{
    (void)state;
    struct axn_tcp_conn *lst = listener(1);
    (void)lst;
    const struct axn_tcp_opts o = peer_opts(PTS, 0);
    seg(&(struct seg_in){.flags = AXN_TCP_SYN, .seq = PISN, .mss = PMSS, .opts = &o});
    const struct axn_tcp sa = take();
    assert_int_equal(sa.flags, AXN_TCP_SYN | AXN_TCP_ACK);
    assert_true(sa.opts.has_wscale);
    assert_int_equal(sa.opts.wscale, 7);
    assert_true(sa.opts.sack_perm);
    assert_true(sa.opts.has_ts);
    assert_int_equal(sa.opts.ts_ecr, PTS);
    assert_true(sa.window <= UNSCALED_MAX);
}

/* RFC 7323 2.2-2.4: windows go out shifted by rcv_wscale; rcv_adv is the
 * edge the field really gives and never moves left. */
static void window_scaled_edge_never_shrinks(void **state)
{
    (void)state;
    struct axn_tcp_conn *c = established_opts();
    uint32_t edge = c->rcv_adv;
    uint32_t seq = P1;
    for (unsigned i = 0; i < 20; i++) {
        data_ts(c, seq, DATA_LEN + i * 37u, PTS + i);
        seq += DATA_LEN + i * 37u;
        if (flush0() == 0)
            continue;
        const struct axn_tcp *t = NULL;
        struct axn_tcp a;
        while (flush0() > 0) {
            a = take();
            t = &a;
        }
        const uint32_t right = t->ack + ((uint32_t)t->window << 7);
        assert_int_equal(right, c->rcv_adv);
        assert_true((int32_t)(right - edge) >= 0);
        edge = right;
    }
    /* The peer's windows are read scaled by its shift. */
    const struct axn_tcp_opts o = peer_opts(PTS + 100, axn_tcp_ts_val(c, fx.now));
    seg(&(struct seg_in){
        .flags = AXN_TCP_ACK, .seq = seq, .ack = c->iss + 1, .window = 1000, .opts = &o});
    assert_int_equal(c->snd_wnd, 1000u << PWSCALE);
}

/* RFC 7323 5.3: an old TSval is dropped with an ACK, not delivered,
 * PAWSEstab counted; TS.Recent stays. */
static void paws_drops_old_tsval(void **state)
{
    (void)state;
    struct axn_tcp_conn *c = established_opts();
    data_ts(c, P1, DATA_LEN, PTS + 10);
    (void)take();
    assert_int_equal(c->opt.ts_recent, PTS + 10);
    data_ts(c, P1 + DATA_LEN, DATA_LEN, PTS + 5);
    const struct axn_tcp a = take();
    assert_ack(&a, c->iss + 1, P1 + DATA_LEN);
    assert_int_equal(a.opts.ts_ecr, PTS + 10);
    assert_int_equal(c->rcv.len, DATA_LEN);
    assert_int_equal(fx.l.ext.paws_estab, 1);
    /* Pure old ACKs: one answer per rate-limit period, the rest counted. */
    const struct axn_tcp_opts o = peer_opts(PTS + 1, axn_tcp_ts_val(c, fx.now));
    seg(&(struct seg_in){
        .flags = AXN_TCP_ACK, .seq = P1 + DATA_LEN, .ack = c->iss + 1, .window = 77, .opts = &o});
    (void)take();
    seg(&(struct seg_in){
        .flags = AXN_TCP_ACK, .seq = P1 + DATA_LEN, .ack = c->iss + 1, .window = 77, .opts = &o});
    assert_nothing_sent();
    assert_int_equal(fx.l.ext.ack_skipped_paws, 1);
    /* RFC 7323 5.5: after 24 days idle TS.Recent is not valid any more. */
    fx.now += AXN_SEC(25u * 24u * 3600u);
    data_ts(c, P1 + DATA_LEN, DATA_LEN, PTS + 2);
    assert_int_equal(c->rcv.len, 2 * DATA_LEN);
    assert_int_equal(c->opt.ts_recent, PTS + 2);
    assert_int_equal(fx.l.ext.paws_estab, 3);
}

/* RFC 7323 4.3: TS.Recent moves only for a segment covering
 * Last.ACK.sent, never for one out of the window or out of order. */
static void ts_recent_in_window_only(void **state)
{
    (void)state;
    struct axn_tcp_conn *c = established_opts();
    data_ts(c, P1 + 0x40000000u, DATA_LEN, PTS + 50); /* out of window */
    (void)take();
    assert_int_equal(c->opt.ts_recent, PTS);
    data_ts(c, P1 + DATA_LEN, DATA_LEN, PTS + 60); /* out of order */
    (void)take();
    assert_int_equal(c->opt.ts_recent, PTS);
    data_ts(c, P1, DATA_LEN, PTS + 70); /* at Last.ACK.sent */
    (void)take();
    assert_int_equal(c->opt.ts_recent, PTS + 70);
    /* A segment without timestamps is accepted (as Linux), TS.Recent kept. */
    seg(&(struct seg_in){
        .flags = AXN_TCP_ACK, .seq = P1 + 2 * DATA_LEN, .ack = c->iss + 1, .len = DATA_LEN});
    assert_int_equal(c->rcv.len, 3 * DATA_LEN);
    assert_int_equal(c->opt.ts_recent, PTS + 70);
}

/* RFC 7323 4.1: an RTT sample from TSecr. */
static void ts_rtt_sample(void **state)
{
    (void)state;
    struct axn_tcp_conn *c = established_opts();
    struct axn_tcp t = {0};
    axn_time_t rtt = 0;
    t.opts.has_ts = true;
    t.opts.ts_ecr = axn_tcp_ts_val(c, fx.now);
    fx.now += AXN_MSEC(30);
    assert_true(axn_tcp_ts_rtt(c, &t, fx.now, &rtt));
    assert_int_equal(rtt, AXN_MSEC(30));
    t.opts.ts_ecr = axn_tcp_ts_val(c, fx.now + AXN_MSEC(5)); /* from the future */
    assert_false(axn_tcp_ts_rtt(c, &t, fx.now, &rtt));
    t.opts.has_ts = false;
    assert_false(axn_tcp_ts_rtt(c, &t, fx.now, &rtt));
}

/* A SYN-ACK echoing a TSval we never sent: RST, PAWSActive. */
static void paws_active_rejects_synack(void **state)
{
    (void)state;
    struct axn_tcp_conn *c = syn_sent();
    const struct axn_tcp_opts o = peer_opts(PTS, axn_tcp_ts_val(c, fx.now) + 100000u);
    seg(&(struct seg_in){
        .flags = AXN_TCP_SYN | AXN_TCP_ACK, .seq = PISN, .ack = c->iss + 1, .opts = &o});
    const struct axn_tcp r = take();
    assert_int_equal(r.flags, AXN_TCP_RST);
    assert_int_equal(r.seq, c->iss + 1);
    assert_int_equal(c->state, AXN_TCP_SYN_SENT);
    assert_int_equal(fx.l.ext.paws_active, 1);
}

/* The SACK option bytes of an ACK: NOP NOP TS, NOP NOP SACK, blocks. */
static void assert_sack_bytes(const uint8_t *h, size_t hl, const uint32_t *edges, unsigned n)
{
    assert_int_equal(hl, AXN_TCP_HDR_LEN + 12u + 4u + 8u * n);
    const uint8_t *p = h + AXN_TCP_HDR_LEN;
    assert_int_equal(p[0], 1);
    assert_int_equal(p[1], 1);
    assert_int_equal(p[2], 8);
    p += 12;
    assert_int_equal(p[0], 1);
    assert_int_equal(p[1], 1);
    assert_int_equal(p[2], 5);
    assert_int_equal(p[3], 2 + 8 * n);
    for (unsigned i = 0; i < 2 * n; i++) {
        const uint8_t *e = p + 4 + 4 * i;
        assert_int_equal(((uint32_t)e[0] << 24) | ((uint32_t)e[1] << 16) | ((uint32_t)e[2] << 8) |
                             e[3],
                         edges[i]);
    }
}

/* RFC 2018 4: the block of the latest segment first, then the most
 * recently reported; at most 3 with timestamps. `isn` lets it run across
 * the 2^32 wrap. */
static void sack_order_at(uint32_t isn)
{
    struct axn_tcp_conn *c = established_opts_at(isn);
    const uint32_t p1 = isn + 1;
    uint8_t h[HDR_MAX];
    size_t hl;
    data_ts(c, p1 + 100, 100, PTS + 1);
    hl = take_hdr(h, sizeof(h));
    assert_sack_bytes(h, hl, (const uint32_t[]){p1 + 100, p1 + 200}, 1);
    data_ts(c, p1 + 300, 100, PTS + 2);
    (void)take();
    data_ts(c, p1 + 500, 100, PTS + 3);
    hl = take_hdr(h, sizeof(h));
    assert_sack_bytes(
        h, hl, (const uint32_t[]){p1 + 500, p1 + 600, p1 + 300, p1 + 400, p1 + 100, p1 + 200}, 3);
    data_ts(c, p1 + 700, 100, PTS + 4); /* four ranges: the oldest reported drops out */
    hl = take_hdr(h, sizeof(h));
    assert_sack_bytes(
        h, hl, (const uint32_t[]){p1 + 700, p1 + 800, p1 + 500, p1 + 600, p1 + 300, p1 + 400}, 3);
    data_ts(c, p1 + 200, 100, PTS + 5); /* joins 100-200 and 300-400 */
    hl = take_hdr(h, sizeof(h));
    assert_sack_bytes(
        h, hl, (const uint32_t[]){p1 + 100, p1 + 400, p1 + 700, p1 + 800, p1 + 500, p1 + 600}, 3);
    data_ts(c, p1, 100, PTS + 6); /* fills the first gap */
    const struct axn_tcp a = take();
    assert_int_equal(a.ack, p1 + 400);
    assert_int_equal(a.opts.n_sack, 2);
    assert_int_equal(a.opts.sack[0].left, p1 + 700);
    assert_int_equal(a.opts.sack[1].left, p1 + 500);
}

static void sack_blocks_most_recent_first(void **state)
{
    (void)state;
    sack_order_at(PISN);
}

static void sack_blocks_across_wrap(void **state)
{
    (void)state;
    sack_order_at(WRAP_ISN);
}

/* RFC 2883 4.1.1: a duplicate below RCV.NXT is reported once, first. */
static void dsack_old_duplicate(void **state)
{
    (void)state;
    struct axn_tcp_conn *c = established_opts();
    data_ts(c, P1, DATA_LEN, PTS + 1);
    (void)take();
    data_ts(c, P1, DATA_LEN, PTS + 2);
    uint8_t h[HDR_MAX];
    const size_t hl = take_hdr(h, sizeof(h));
    assert_sack_bytes(h, hl, (const uint32_t[]){P1, P1 + DATA_LEN}, 1);
    assert_int_equal(fx.l.ext.dsack_old_sent, 1);
    /* A partial duplicate: only the old part. */
    data_ts(c, P1 + DATA_LEN / 2, DATA_LEN, PTS + 3);
    const struct axn_tcp a = take();
    assert_int_equal(a.opts.n_sack, 1);
    assert_int_equal(a.opts.sack[0].left, P1 + DATA_LEN / 2);
    assert_int_equal(a.opts.sack[0].right, P1 + DATA_LEN);
    assert_int_equal(fx.l.ext.dsack_old_sent, 2);
    /* With tcp_dsack off: no block. */
    fx.l.cfg.dsack = false;
    data_ts(c, P1, DATA_LEN, PTS + 4);
    const struct axn_tcp b = take();
    assert_int_equal(b.opts.n_sack, 0);
}

/* RFC 2883 4.1.2: a duplicate inside held data: D-SACK, then its block. */
static void dsack_ofo_duplicate(void **state)
{
    (void)state;
    struct axn_tcp_conn *c = established_opts();
    data_ts(c, P1 + 200, 100, PTS + 1);
    (void)take();
    data_ts(c, P1 + 500, 100, PTS + 2);
    (void)take();
    data_ts(c, P1 + 200, 100, PTS + 3);
    uint8_t h[HDR_MAX];
    const size_t hl = take_hdr(h, sizeof(h));
    assert_sack_bytes(
        h, hl, (const uint32_t[]){P1 + 200, P1 + 300, P1 + 200, P1 + 300, P1 + 500, P1 + 600}, 3);
    assert_int_equal(fx.l.ext.dsack_ofo_sent, 1);
}

/* RFC 6191: in TIME-WAIT a SYN with a newer TSval reopens the 4-tuple
 * even with a lower sequence number; an older TSval does not, whatever
 * its sequence number. */
static void time_wait_recycled_by_tsval(void **state)
{
    (void)state;
    struct axn_tcp_conn *lst = listener(BACKLOG);
    (void)lst;
    struct axn_tcp_conn *c = established_opts();
    axn_tcp_shutdown_wr(c, fx.now);
    (void)take();
    const struct axn_tcp_opts fo = peer_opts(PTS + 10, axn_tcp_ts_val(c, fx.now));
    seg(&(struct seg_in){
        .flags = AXN_TCP_ACK | AXN_TCP_FIN, .seq = P1, .ack = c->iss + 2, .opts = &fo});
    (void)take();
    assert_int_equal(c->state, AXN_TCP_TIME_WAIT);
    c->orphan = true;
    fx.l.n_orphans++;
    const struct axn_tcp_opts old = peer_opts(PTS + 5, 0);
    seg(&(struct seg_in){.flags = AXN_TCP_SYN, .seq = PISN + 100000, .mss = PMSS, .opts = &old});
    (void)take(); /* an ACK from TIME-WAIT */
    assert_int_equal(fx.l.ext.tw_recycled, 0);
    const struct axn_tcp_opts newer = peer_opts(PTS + 20, 0);
    seg(&(struct seg_in){.flags = AXN_TCP_SYN, .seq = PISN - 1000, .mss = PMSS, .opts = &newer});
    assert_int_equal(fx.l.ext.tw_recycled, 1);
    const struct axn_tcp sa = take();
    assert_int_equal(sa.flags, AXN_TCP_SYN | AXN_TCP_ACK);
    assert_int_equal(sa.opts.ts_ecr, PTS + 20);
}

/* Without timestamps four blocks fit. */
static void sack_four_blocks_without_ts(void **state)
{
    (void)state;
    fx.l.cfg.timestamps = false;
    struct axn_tcp_conn *c = syn_sent();
    struct axn_tcp_opts o = {.has_wscale = true, .wscale = PWSCALE, .sack_perm = true};
    seg(&(struct seg_in){.flags = AXN_TCP_SYN | AXN_TCP_ACK,
                         .seq = PISN,
                         .ack = c->iss + 1,
                         .mss = PMSS,
                         .opts = &o});
    (void)take();
    for (unsigned i = 0; i < 5; i++) {
        seg(&(struct seg_in){
            .flags = AXN_TCP_ACK, .seq = P1 + 100 + 200 * i, .ack = c->iss + 1, .len = 100});
        (void)take();
    }
    seg(&(struct seg_in){.flags = AXN_TCP_ACK, .seq = P1 + 1100, .ack = c->iss + 1, .len = 100});
    const struct axn_tcp a = take();
    assert_false(a.opts.has_ts);
    assert_int_equal(a.opts.n_sack, 4);
    assert_int_equal(a.opts.sack[0].left, P1 + 1100);
    assert_int_equal(a.opts.sack[3].left, P1 + 500);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(syn_ack_establishes, setup, teardown),
        cmocka_unit_test_setup_teardown(syn_sent_bad_ack_gets_rst, setup, teardown),
        cmocka_unit_test_setup_teardown(syn_sent_rst_refuses, setup, teardown),
        cmocka_unit_test_setup_teardown(simultaneous_open, setup, teardown),
        cmocka_unit_test_setup_teardown(simultaneous_open_rst_resets, setup, teardown),
        cmocka_unit_test_setup_teardown(data_then_fin, setup, teardown),
        cmocka_unit_test_setup_teardown(data_with_fin_one_ack, setup, teardown),
        cmocka_unit_test_setup_teardown(out_of_order_then_fill, setup, teardown),
        cmocka_unit_test_setup_teardown(out_of_order_fin_held, setup, teardown),
        cmocka_unit_test_setup_teardown(overlap_trimmed, setup, teardown),
        cmocka_unit_test_setup_teardown(unacceptable_gets_ack, setup, teardown),
        cmocka_unit_test_setup_teardown(old_seq_ack_still_acknowledges, setup, teardown),
        cmocka_unit_test_setup_teardown(rst_exact_resets, setup, teardown),
        cmocka_unit_test_setup_teardown(rst_in_window_challenged, setup, teardown),
        cmocka_unit_test_setup_teardown(syn_in_established_challenged, setup, teardown),
        cmocka_unit_test_setup_teardown(ack_of_unsent_challenged, setup, teardown),
        cmocka_unit_test_setup_teardown(active_close, setup, teardown),
        cmocka_unit_test_setup_teardown(time_wait_fresh_oow_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(simultaneous_close, setup, teardown),
        cmocka_unit_test_setup_teardown(passive_close, setup, teardown),
        cmocka_unit_test_setup_teardown(orphan_data_resets, setup, teardown),
        cmocka_unit_test_setup_teardown(no_connection_gets_rst, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_checksum_counted, setup, teardown),
        cmocka_unit_test_setup_teardown(broadcast_ignored, setup, teardown),
        cmocka_unit_test_setup_teardown(listen_handshake, setup, teardown),
        cmocka_unit_test_setup_teardown(listen_rst_ack_and_synfin, setup, teardown),
        cmocka_unit_test_setup_teardown(listen_req_bad_ack_and_rst, setup, teardown),
        cmocka_unit_test_setup_teardown(accept_queue_full_drops_syn, setup, teardown),
        cmocka_unit_test_setup_teardown(listen_stop_resets_children, setup, teardown),
        cmocka_unit_test_setup_teardown(time_wait_recycled, setup, teardown),
        cmocka_unit_test_setup_teardown(icmp_during_connect, setup, teardown),
        cmocka_unit_test_setup_teardown(icmp_local_arp_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(icmp_established_soft, setup, teardown),
        cmocka_unit_test_setup_teardown(icmp_frag_needed, setup, teardown),
        cmocka_unit_test_setup_teardown(wscale_for_space, setup, teardown),
        cmocka_unit_test_setup_teardown(syn_option_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(syn_ack_negotiation_matrix, setup, teardown),
        cmocka_unit_test_setup_teardown(syn_ack_answers_options, setup, teardown),
        cmocka_unit_test_setup_teardown(window_scaled_edge_never_shrinks, setup, teardown),
        cmocka_unit_test_setup_teardown(paws_drops_old_tsval, setup, teardown),
        cmocka_unit_test_setup_teardown(ts_recent_in_window_only, setup, teardown),
        cmocka_unit_test_setup_teardown(ts_rtt_sample, setup, teardown),
        cmocka_unit_test_setup_teardown(paws_active_rejects_synack, setup, teardown),
        cmocka_unit_test_setup_teardown(sack_blocks_most_recent_first, setup, teardown),
        cmocka_unit_test_setup_teardown(sack_blocks_across_wrap, setup, teardown),
        cmocka_unit_test_setup_teardown(dsack_old_duplicate, setup, teardown),
        cmocka_unit_test_setup_teardown(dsack_ofo_duplicate, setup, teardown),
        cmocka_unit_test_setup_teardown(sack_four_blocks_without_ts, setup, teardown),
        cmocka_unit_test_setup_teardown(time_wait_recycled_by_tsval, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
