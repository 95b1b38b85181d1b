/*
 * Two whole stacks on the simulated wire, caller-polled in virtual time,
 * each with the IPv4 layer it is born with (src/ip/ip4.h): A pings B with
 * an ICMP echo the test builds and sends through axn_ip4_output, B's IP
 * layer answers. A 56-byte ping comes back exact; an 8000-byte one crosses
 * fragmented both ways and reassembles exactly; with one fragment lost on
 * the way, B's reassembly times out at 30 s of virtual time, A receives
 * ICMP Time Exceeded (fragment reassembly) quoting its echo request, and
 * B holds no memory for it any more.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "axnet/errno.h"
#include "axnet/hosted/sim_wire.h"
#include "axnet/netctl.h"
#include "axnet/snmp.h"
#include "core/stack_impl.h"
#include "ip/icmp4.h"
#include "ip/ip4.h"
#include "ip/ip4_frag.h"
#include "sim_stacks.h"
#include "test_platform.h"
#include "wire/ethernet.h"
#include "wire/icmp4.h"
#include "wire/ipv4.h"

#define A_ADDR     AXN_IP4(192, 0, 2, 10)
#define B_ADDR     AXN_IP4(192, 0, 2, 20)
#define PREFIX_24  24u
#define T0         AXN_SEC(1)
#define WIRE_DELAY 50u /* µs per hop */
#define SETTLE     AXN_MSEC(5)
#define NEVER      AXN_TIME_NEVER
#define N_NODES    2u
#define N_PORTS    2u
#define MAC_TAG    1u /* fifth MAC byte: 02:00:00:00:01:<port + 1> */
#define MAX_GOT    8u

#define PING_ID     0x4158u
#define SMALL_DATA  56u   /* ping(8)'s default */
#define BIG_DATA    8000u /* ping -s 8000 */
#define DATA_MAX    (BIG_DATA + 8u)
#define MTU         AXN_ETH_MTU
#define FRAG_DATA   (MTU - AXN_IPV4_HDR_MIN) /* 1480: a multiple of 8 */
#define BIG_ICMP    (AXN_ICMP4_HDR_LEN + BIG_DATA)
#define BIG_FRAGS   ((BIG_ICMP + FRAG_DATA - 1) / FRAG_DATA) /* 6 */
#define LOST_FRAG   2u
#define SMALL_FRAME (AXN_ETH_HLEN + AXN_IPV4_HDR_MIN + AXN_ICMP4_HDR_LEN + SMALL_DATA)
#define REASM_TIME  AXN_MSEC(AXN_IP4_REASM_TIMEOUT_MS)
#define PATTERN_MUL 7u

/* ---- The world ------------------------------------------------------------------------------- */

struct reply {
    axn_ip4_t src;
    uint16_t id, seq;
    size_t len;
    uint8_t data[DATA_MAX];
};

struct node {
    struct axn_stack *st; /* W.sim's stack of the same index */
    struct reply replies[MAX_GOT];
    size_t n_replies;
    struct axn_icmp4_err errs[MAX_GOT];
    uint8_t err_l4[MAX_GOT][AXN_ICMP4_ORIG_DATA_LEN];
    axn_time_t err_at[MAX_GOT];
    size_t n_errs;
};

static struct world {
    struct sim_stacks sim;
    struct node nodes[N_NODES];
    size_t ip_frames; /* IPv4 frames that reached any port */
    size_t frames_max_len;
} W;

static void observe(void *ctx, int port, axn_time_t at, const uint8_t *data, size_t len)
{
    (void)ctx;
    (void)port;
    (void)at;
    struct axn_eth eth;
    if (axn_eth_parse(data, len, &eth) != 0 || eth.ethertype != AXN_ETHERTYPE_IPV4)
        return;
    W.ip_frames++;
    if (len > W.frames_max_len)
        W.frames_max_len = len;
}

static void on_echo_reply(void *ctx, const struct axn_ip4_rx *rx, const struct axn_icmp4 *m,
                          axn_time_t now)
{
    (void)now;
    struct node *n = ctx;
    assert_true(n->n_replies < MAX_GOT);
    struct reply *r = &n->replies[n->n_replies++];
    r->src = rx->hdr->src;
    r->id = m->id;
    r->seq = m->seq;
    assert_true(m->body_len <= sizeof(r->data));
    r->len = m->body_len;
    memcpy(r->data, m->body, m->body_len);
}

static void on_icmp_error(void *ctx, const struct axn_icmp4_err *e, axn_time_t now)
{
    struct node *n = ctx;
    assert_true(n->n_errs < MAX_GOT);
    n->errs[n->n_errs] = *e;
    memcpy(n->err_l4[n->n_errs], e->orig_l4, AXN_ICMP4_ORIG_DATA_LEN);
    n->err_at[n->n_errs] = now;
    n->n_errs++;
}

static void node_up(struct node *n, int port, axn_ip4_t addr)
{
    n->st = W.sim.st[sim_stacks_add_node(&W.sim, port, addr, PREFIX_24)];
    axn_ip4_set_echo_reply_handler(n->st->ip4, on_echo_reply, n);
    assert_int_equal(axn_ip4_set_err_handler(n->st->ip4, AXN_IPPROTO_ICMP, on_icmp_error, n), 0);
}

static int setup(void **state)
{
    (void)state;
    memset(&W, 0, sizeof(W));
    const struct sim_stacks_config cfg = {.start = T0,
                                          .wire_delay = WIRE_DELAY,
                                          .n_ports = N_PORTS,
                                          .mac_tag = MAC_TAG,
                                          .observe = observe};
    sim_stacks_create(&W.sim, &cfg);
    node_up(&W.nodes[0], 0, A_ADDR);
    node_up(&W.nodes[1], 1, B_ADDR);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sim_stacks_destroy(&W.sim);
    return axn_test_live_allocs() == 0 ? 0 : -1;
}

/* ---- Pings ----------------------------------------------------------------------------------- */

static void fill(uint8_t *data, size_t len, uint16_t seq)
{
    for (size_t i = 0; i < len; i++)
        data[i] = (uint8_t)(i * PATTERN_MUL + seq);
}

static size_t build_echo(uint8_t *buf, size_t cap, uint16_t seq, size_t data_len)
{
    uint8_t data[DATA_MAX];
    fill(data, data_len, seq);
    const struct axn_icmp4 m = {.type = AXN_ICMP4_ECHO_REQUEST,
                                .id = PING_ID,
                                .seq = seq,
                                .body = data,
                                .body_len = data_len};
    const int n = axn_icmp4_emit(&m, buf, cap);
    assert_true(n > 0);
    return (size_t)n;
}

/* A's ping to B, through A's IP layer under A's core lock. */
static int ping(uint16_t seq, size_t data_len)
{
    struct node *a = &W.nodes[0];
    static uint8_t msg[AXN_IPV4_TOTAL_MAX];
    const size_t len = build_echo(msg, sizeof(msg), seq, data_len);
    const struct axn_ip4_tx tx = {.dst = B_ADDR, .protocol = AXN_IPPROTO_ICMP};
    a->st->plat->mutex_lock(a->st->core_lock);
    const int rc = axn_ip4_output(a->st->ip4, &tx, msg, len, W.sim.now);
    a->st->plat->mutex_unlock(a->st->core_lock);
    W.sim.next[0] = W.sim.now; /* A is due at once */
    return rc;
}

static void assert_reply(const struct reply *r, uint16_t seq, size_t data_len)
{
    uint8_t want[DATA_MAX];
    fill(want, data_len, seq);
    assert_int_equal(r->src, B_ADDR);
    assert_int_equal(r->id, PING_ID);
    assert_int_equal(r->seq, seq);
    assert_int_equal(r->len, data_len);
    assert_memory_equal(r->data, want, data_len);
}

static struct axn_snmp snmp_of(size_t i)
{
    struct axn_snmp s;
    axn_ctl_snmp(W.nodes[i].st, &s);
    return s;
}

/* ---- Tests ----------------------------------------------------------------------------------- */

static void ping_gets_exact_reply(void **state)
{
    (void)state;
    assert_int_equal(ping(1, SMALL_DATA), 0);
    sim_stacks_run_until(&W.sim, W.sim.now + SETTLE);
    struct node *a = &W.nodes[0];
    assert_int_equal(a->n_replies, 1);
    assert_reply(&a->replies[0], 1, SMALL_DATA);
    /* One request, one reply, each a 98-byte frame as ping(8)'s. */
    assert_int_equal(W.ip_frames, 2);
    assert_int_equal(W.frames_max_len, SMALL_FRAME);
    const struct axn_snmp sa = snmp_of(0);
    const struct axn_snmp sb = snmp_of(1);
    assert_int_equal(sa.ip.out_requests, 1);
    assert_int_equal(sa.icmp.in_echo_reps, 1);
    assert_int_equal(sb.icmp.in_echos, 1);
    assert_int_equal(sb.icmp.out_echo_reps, 1);
    assert_int_equal(sb.ip.in_delivers, 1);
    assert_int_equal(sb.ip.out_requests, 1);
    assert_int_equal(a->n_errs, 0);
}

static void big_ping_crosses_fragmented_both_ways(void **state)
{
    (void)state;
    /* Resolve first, so the counts below are about the big ping only. */
    assert_int_equal(ping(1, SMALL_DATA), 0);
    sim_stacks_run_until(&W.sim, W.sim.now + SETTLE);
    W.ip_frames = 0;
    assert_int_equal(ping(2, BIG_DATA), 0);
    sim_stacks_run_until(&W.sim, W.sim.now + SETTLE);
    struct node *a = &W.nodes[0];
    assert_int_equal(a->n_replies, 2);
    assert_reply(&a->replies[1], 2, BIG_DATA);
    assert_int_equal(W.ip_frames, 2 * BIG_FRAGS);
    assert_int_equal(W.frames_max_len, AXN_ETH_HLEN + MTU);
    const struct axn_snmp sa = snmp_of(0);
    const struct axn_snmp sb = snmp_of(1);
    assert_int_equal(sa.ip.frag_oks, 1);
    assert_int_equal(sa.ip.frag_creates, BIG_FRAGS);
    assert_int_equal(sb.ip.reasm_reqds, BIG_FRAGS);
    assert_int_equal(sb.ip.reasm_oks, 1);
    assert_int_equal(sb.ip.frag_oks, 1);
    assert_int_equal(sb.ip.frag_creates, BIG_FRAGS);
    assert_int_equal(sa.ip.reasm_reqds, BIG_FRAGS);
    assert_int_equal(sa.ip.reasm_oks, 1);
    assert_int_equal(sb.ip.in_delivers, 2);
    assert_int_equal(sb.icmp.out_echo_reps, 2);
}

struct lossy {
    struct axn_stack *st;
    size_t index;
    size_t sent;
};

/* Hands every fragment but LOST_FRAG to A's router: the wire lost one. */
static int emit_but_one(void *ctx, const uint8_t *frag, size_t len)
{
    struct lossy *l = ctx;
    if (l->index++ == LOST_FRAG)
        return 0;
    l->sent++;
    return axn_router_output(&l->st->router, frag, len, W.sim.now);
}

static void lost_fragment_times_out_with_time_exceeded(void **state)
{
    (void)state;
    assert_int_equal(ping(1, SMALL_DATA), 0);
    sim_stacks_run_until(&W.sim, W.sim.now + SETTLE);
    struct node *a = &W.nodes[0];
    struct node *b = &W.nodes[1];

    static uint8_t msg[AXN_IPV4_TOTAL_MAX];
    static uint8_t pkt[AXN_IPV4_TOTAL_MAX];
    const size_t msg_len = build_echo(msg, sizeof(msg), 2, BIG_DATA);
    const struct axn_ipv4 h = {.id = PING_ID,
                               .ttl = AXN_IP4_DEFAULT_TTL,
                               .protocol = AXN_IPPROTO_ICMP,
                               .src = A_ADDR,
                               .dst = B_ADDR,
                               .payload = msg,
                               .payload_len = msg_len};
    const int len = axn_ipv4_emit(&h, pkt, sizeof(pkt));
    assert_true(len > 0);
    uint8_t scratch[MTU];
    struct lossy l = {.st = a->st};
    const axn_time_t t0 = W.sim.now;
    a->st->plat->mutex_lock(a->st->core_lock);
    assert_int_equal(axn_ip4_fragment(pkt, (size_t)len, MTU, scratch, emit_but_one, &l), BIG_FRAGS);
    a->st->plat->mutex_unlock(a->st->core_lock);
    W.sim.next[0] = W.sim.now; /* A is due at once */
    assert_int_equal(l.sent, BIG_FRAGS - 1);

    /* Just before the 30 s are up B still waits for the missing piece. */
    sim_stacks_run_until(&W.sim, t0 + REASM_TIME - 1);
    assert_int_equal(a->n_errs, 0);
    assert_int_equal(axn_ip4_reasm_in_progress(&b->st->ip4->reasm), 1);
    sim_stacks_run_until(&W.sim, t0 + REASM_TIME + SETTLE);
    assert_int_equal(a->n_replies, 1); /* only the small ping's */
    assert_int_equal(a->n_errs, 1);
    const struct axn_icmp4_err *e = &a->errs[0];
    assert_true(a->err_at[0] >= t0 + REASM_TIME);
    assert_int_equal(e->type, AXN_ICMP4_TIME_EXCEEDED);
    assert_int_equal(e->code, AXN_ICMP4_EXC_FRAGTIME);
    assert_int_equal(e->reporter, B_ADDR);
    assert_int_equal(e->orig_src, A_ADDR);
    assert_int_equal(e->orig_dst, B_ADDR);
    assert_int_equal(e->orig_protocol, AXN_IPPROTO_ICMP);
    /* The quote: the first fragment's header and the echo's first 8 bytes. */
    assert_int_equal(e->quote_len, AXN_IPV4_HDR_MIN + AXN_ICMP4_ORIG_DATA_LEN);
    assert_memory_equal(a->err_l4[0], msg, AXN_ICMP4_ORIG_DATA_LEN);

    /* B gave the datagram up and holds nothing for it. */
    assert_int_equal(axn_ip4_reasm_in_progress(&b->st->ip4->reasm), 0);
    assert_int_equal(b->st->ip4->reasm.bytes_held, 0);
    const struct axn_snmp sb = snmp_of(1);
    assert_int_equal(sb.ip.reasm_reqds, BIG_FRAGS - 1);
    assert_int_equal(sb.ip.reasm_timeout, 1);
    assert_int_equal(sb.ip.reasm_oks, 0);
    assert_int_equal(sb.icmp.out_time_excds, 1);
    const struct axn_snmp sa = snmp_of(0);
    assert_int_equal(sa.icmp.in_time_excds, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(ping_gets_exact_reply, setup, teardown),
        cmocka_unit_test_setup_teardown(big_ping_crosses_fragmented_both_ways, setup, teardown),
        cmocka_unit_test_setup_teardown(lost_fragment_times_out_with_time_exceeded, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
