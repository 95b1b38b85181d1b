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
#include "tcp/tcp_sock.h"
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

/* An active open to PEER: its SYN taken off the wire. */
static struct axn_tcp_conn *syn_sent(void)
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
    fx.lsock.bound = true;
    fx.lsock.lport = LPORT;
    fx.lsock.bind_next = fx.l.bound;
    fx.l.bound = &fx.lsock;
    return lst;
}

/* A SYN to the listener: the child's SYN-ACK off the wire. */
static struct axn_tcp_conn *child_of_syn(struct axn_tcp_conn *lst, uint32_t isn)
{
    seg(&(struct seg_in){.flags = AXN_TCP_SYN, .seq = isn, .mss = PMSS});
    struct axn_tcp_conn *c = axn_tcp_lookup(&fx.l, ETH0_ADDR, LPORT, PEER, PPORT);
    assert_non_null(c);
    assert_ptr_equal(c->parent, lst);
    const struct axn_tcp sa = take();
    assert_int_equal(sa.flags, AXN_TCP_SYN | AXN_TCP_ACK);
    assert_int_equal(sa.seq, c->iss);
    assert_int_equal(sa.ack, isn + 1);
    assert_true(sa.opts.has_mss);
    assert_true(sa.window > 0); /* the window its rings will have */
    return c;
}

static void listen_handshake(void **state)
{
    (void)state;
    struct axn_tcp_conn *lst = listener(BACKLOG);
    struct axn_tcp_conn *c = child_of_syn(lst, PISN);
    assert_int_equal(c->state, AXN_TCP_SYN_RECV);
    assert_int_equal(c->laddr, ETH0_ADDR); /* exact 4-tuple, spec TCP-33 */
    assert_int_equal(c->raddr, PEER);
    assert_true(c->nodelay);
    assert_int_equal(c->tos, 0x10);
    assert_null(c->rcv.buf); /* a half-open child has no rings */
    assert_int_equal(lst->syn_q_len, 1);
    assert_int_equal(fx.l.stats.passive_opens, 1);
    /* The client's SYN again (our SYN-ACK lost): the SYN-ACK again. */
    seg(&(struct seg_in){.flags = AXN_TCP_SYN, .seq = PISN, .mss = PMSS});
    const struct axn_tcp sa = take();
    assert_int_equal(sa.flags, AXN_TCP_SYN | AXN_TCP_ACK);
    assert_int_equal(sa.seq, c->iss);
    assert_int_equal(lst->syn_q_len, 1);
    /* The ACK: ESTABLISHED, on the accept queue. */
    seg(&(struct seg_in){.flags = AXN_TCP_ACK, .seq = P1, .ack = c->iss + 1, .len = DATA_LEN});
    assert_int_equal(c->state, AXN_TCP_ESTABLISHED);
    assert_int_equal(lst->syn_q_len, 0);
    assert_int_equal(lst->acc_q_len, 1);
    assert_non_null(c->rcv.buf);
    assert_int_equal(c->rcv.len, DATA_LEN);
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
    assert_int_equal(lst->syn_q_len, 0);
}

/* Spec TCP-26: a full accept queue drops the SYN silently, never a RST. */
static void accept_queue_full_drops_syn(void **state)
{
    (void)state;
    struct axn_tcp_conn *lst = listener(BACKLOG);
    struct axn_tcp_conn *c = child_of_syn(lst, PISN);
    seg(&(struct seg_in){.flags = AXN_TCP_ACK, .seq = P1, .ack = c->iss + 1});
    assert_int_equal(lst->acc_q_len, 1);
    /* A new client on another port: its SYN is dropped. */
    seg(&(struct seg_in){.flags = AXN_TCP_SYN, .seq = PISN, .sport = PPORT + 1});
    assert_nothing_sent();
    assert_int_equal(fx.l.ext.listen_overflows, 1);
    assert_int_equal(fx.l.ext.listen_drops, 1);
    assert_int_equal(lst->syn_q_len, 0);
}

/* Closing the listener resets its children (Linux inet_csk_listen_stop). */
static void listen_stop_resets_children(void **state)
{
    (void)state;
    struct axn_tcp_conn *lst = listener(BACKLOG);
    struct axn_tcp_conn *c = child_of_syn(lst, PISN);
    const uint32_t iss = c->iss;
    axn_tcp_listen_stop(lst, fx.now);
    const struct axn_tcp rst = take();
    assert_true(rst.flags & AXN_TCP_RST);
    assert_int_equal(rst.seq, iss + 1);
    assert_int_equal(lst->syn_q_len, 0);
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
    struct axn_tcp_conn *child = child_of_syn(lst, PISN + 100000);
    assert_int_equal(fx.l.ext.tw_recycled, 1);
    assert_int_equal(child->state, AXN_TCP_SYN_RECV);
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
    assert_int_equal(fx.l.ext.out_of_window_icmps, 1); /* nothing in flight */
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
    assert_int_equal(axn_tcp_ring_push(&c->snd, (const uint8_t *)"abcdefgh", 8), 8);
    axn_tcp_output(c, fx.now);
    (void)take();
    icmp(c, AXN_ICMP4_DEST_UNREACH, AXN_ICMP4_UNREACH_FRAG_NEEDED, ROUTER, c->iss + 1, SMALL_MTU);
    assert_true(c->mss < mss);
    assert_int_equal(c->pmtu, SMALL_MTU);
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
        cmocka_unit_test_setup_teardown(accept_queue_full_drops_syn, setup, teardown),
        cmocka_unit_test_setup_teardown(listen_stop_resets_children, setup, teardown),
        cmocka_unit_test_setup_teardown(time_wait_recycled, setup, teardown),
        cmocka_unit_test_setup_teardown(icmp_during_connect, setup, teardown),
        cmocka_unit_test_setup_teardown(icmp_local_arp_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(icmp_established_soft, setup, teardown),
        cmocka_unit_test_setup_teardown(icmp_frag_needed, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
