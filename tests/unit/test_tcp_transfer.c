/*
 * The TCP transfer matrix (issue 5 acceptance): two whole stacks on the
 * simulated wire, virtual time, non-blocking sockets pumped from the
 * event loop. Each run opens one connection and sends a stream each way
 * at once (tests/support/tcp_stream.h: seeded bytes, checked where they
 * land, SHA-256 of both ends compared with the stream's own), then both
 * sides shut down writing and close. It asserts that every byte arrives
 * exactly, within a virtual-time bound for the condition, that both
 * sides close cleanly (FIN both ways: EOF seen on both, no RST sent
 * before both FINs were exchanged, EstabResets 0, CurrEstab back to 0,
 * every connection gone after TIME-WAIT) and that nothing leaks. A RST
 * after that is normal (Linux does the same): a late duplicate reaching a
 * connection gone is answered with one (RFC 9293 3.10.7.1), and TIME-WAIT
 * answers old segments with an ACK that a closed peer can only reset.
 *
 * Conditions (one cmocka test each, looping over seeds): a clean fast
 * link; loss 1 % and 5 %; reordering; duplication; a 100 ms one-way
 * delay; 1-100 ms delay (jitter, which also reorders heavily); a mix of
 * all; and issue 6's: loss 10 %, corruption 1 % (every corrupted frame
 * must be refused: see check_corruption), heavy reordering, and all of
 * these at once. A seed drives the wire's impairments, the platform
 * random (ISNs, ports) and both streams.
 *
 * Size and seeds come from the environment, so the long matrix
 * (scripts/tcp-matrix.sh, `make tcp-matrix`: 4 MiB each way, 100 seeds)
 * is this same program:
 *   AXN_TCP_MATRIX_BYTES  bytes each way (default: the condition's)
 *   AXN_TCP_MATRIX_SEEDS  seeds 1..N per condition (default: the condition's)
 *   AXN_TCP_MATRIX_SEED   run only this seed (a replay)
 *   AXN_TCP_MATRIX_COND   run only the condition of this name
 * A failure names its condition and seed and prints the command that
 * replays it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "axnet/errno.h"
#include "axnet/hosted/sim_wire.h"
#include "axnet/snmp.h"
#include "axnet/socket.h"
#include "sha256.h"
#include "sim_stacks.h"
#include "tcp/tcp.h"
#include "tcp_sim.h"
#include "tcp_stream.h"
#include "test_platform.h"

#define PORT_B  5001u
#define N_NODES 2u
#define BACKLOG 1

/* Defaults keep the whole program well under 90 s under ASan (measured:
 * docs/testing.md); the long matrix raises them. */
#define DEFAULT_BYTES (1024u * 1024u)
#define DEFAULT_SEEDS 20u
#define ISSUE6_SEEDS  100u
#define ENV_BYTES     "AXN_TCP_MATRIX_BYTES"
#define ENV_SEEDS     "AXN_TCP_MATRIX_SEEDS"
#define ENV_SEED      "AXN_TCP_MATRIX_SEED"
#define ENV_COND      "AXN_TCP_MATRIX_COND"
#define DEC           10

/* Every link is a 100 Mbit/s Ethernet (serialisation paces the sender as
 * a real NIC does); conditions add impairments on top. */
#define LINK_BPS 100000000ull

/* The two streams of a seed: distinct, and distinct across seeds. */
#define STREAM_A(seed) ((seed)*2u)
#define STREAM_B(seed) ((seed)*2u + 1u)

/* Time bound of a run: handshake and close slack (SYN retries at 1 s,
 * 3 s, ... under loss), plus the bytes at the condition's floor rate. */
#define BOUND_SLACK AXN_SEC(60)
#define USEC_PER_S  1000000ull
#define NSEC_PER_S  1000000000ull
/* After both close: TIME-WAIT (2 x MSL) and an orphan's FIN retries. */
#define CLOSE_SPAN (2u * AXN_MSEC(AXN_TCP_MSL_MS) + AXN_SEC(120))
/* An iteration of the event loop at one instant moving nothing, this many
 * times in a row, is a livelock. */
#define MAX_IDLE_SPINS 1000u

struct condition {
    const char *name;
    struct axn_sim_impairments imp;
    /* The slowest acceptable goodput each way, bytes per virtual second:
     * far below what NewReno reaches there (Mathis et al. 1997), so only
     * a stall or a collapse trips it. */
    uint64_t floor_Bps;
    /* Bytes each way and seeds by default (0: DEFAULT_BYTES,
     * DEFAULT_SEEDS): issue 6's conditions run ISSUE6_SEEDS seeds of
     * fewer bytes, which keeps ctest in its time budget. */
    uint64_t dflt_bytes;
    uint64_t dflt_seeds;
};

#define KBPS(n) ((uint64_t)(n)*1000u)
#define KIB(n)  ((uint64_t)(n)*1024u)

static const struct condition CONDS[] = {
    {"clean", {.delay = AXN_MSEC(1), .bandwidth_bps = LINK_BPS}, KBPS(1000), 0, 0},
    {"loss1",
     {.loss_ppm = AXN_SIM_PERCENT(1), .delay = AXN_MSEC(10), .bandwidth_bps = LINK_BPS},
     KBPS(50),
     0,
     0},
    {"loss5",
     {.loss_ppm = AXN_SIM_PERCENT(5), .delay = AXN_MSEC(10), .bandwidth_bps = LINK_BPS},
     KBPS(10),
     0,
     0},
    {"reorder",
     {.reorder_ppm = AXN_SIM_PERCENT(3),
      .reorder_delay = AXN_MSEC(5),
      .delay = AXN_MSEC(2),
      .bandwidth_bps = LINK_BPS},
     KBPS(100),
     0,
     0},
    {"dup",
     {.duplicate_ppm = AXN_SIM_PERCENT(3), .delay = AXN_MSEC(2), .bandwidth_bps = LINK_BPS},
     KBPS(500),
     0,
     0},
    {"delay100", {.delay = AXN_MSEC(100), .bandwidth_bps = LINK_BPS}, KBPS(50), 0, 0},
    {"jitter1to100",
     {.delay = AXN_MSEC(1), .jitter = AXN_MSEC(99), .bandwidth_bps = LINK_BPS},
     KBPS(5),
     0,
     0},
    {"mixed",
     {.loss_ppm = AXN_SIM_PERCENT(1),
      .duplicate_ppm = AXN_SIM_PERCENT(1),
      .reorder_ppm = AXN_SIM_PERCENT(1),
      .reorder_delay = AXN_MSEC(10),
      .delay = AXN_MSEC(5),
      .jitter = AXN_MSEC(20),
      .bandwidth_bps = LINK_BPS},
     KBPS(10),
     0,
     0},
    /* Issue 6: 10 % loss each way; without SACK most repairs end in an
     * RTO with backoff, so the floor is very low (virtual time is free). */
    {"loss10",
     {.loss_ppm = AXN_SIM_PERCENT(10), .delay = AXN_MSEC(10), .bandwidth_bps = LINK_BPS},
     KBPS(1),
     KIB(256),
     ISSUE6_SEEDS},
    /* 1 % of frames get one bit flipped: the IPv4 header or TCP checksum
     * must catch every one (RFC 1071: a one's-complement sum detects any
     * single-bit error), so the streams still arrive exact. */
    {"corrupt1",
     {.corrupt_ppm = AXN_SIM_PERCENT(1), .delay = AXN_MSEC(2), .bandwidth_bps = LINK_BPS},
     KBPS(50),
     KIB(256),
     ISSUE6_SEEDS},
    /* Heavy reordering: a fifth of the frames held back behind ~10 others. */
    {"reorder20",
     {.reorder_ppm = AXN_SIM_PERCENT(20),
      .reorder_delay = AXN_MSEC(3),
      .delay = AXN_MSEC(2),
      .bandwidth_bps = LINK_BPS},
     KBPS(20),
     KIB(256),
     ISSUE6_SEEDS},
    /* All of issue 6's impairments at once. */
    {"hostile",
     {.loss_ppm = AXN_SIM_PERCENT(10),
      .corrupt_ppm = AXN_SIM_PERCENT(1),
      .duplicate_ppm = AXN_SIM_PERCENT(1),
      .reorder_ppm = AXN_SIM_PERCENT(5),
      .reorder_delay = AXN_MSEC(10),
      .delay = AXN_MSEC(5),
      .jitter = AXN_MSEC(5),
      .bandwidth_bps = LINK_BPS},
     KBPS(1),
     KIB(128),
     ISSUE6_SEEDS},
};

#define N_CONDS (sizeof(CONDS) / sizeof(CONDS[0]))

/* The run in progress: global so teardown can report and clean a failed
 * one. */
static struct {
    const struct condition *cond;
    uint64_t seed;
    uint64_t bytes;
    bool running; /* set until the run passed every check */
    struct sim_stacks sim;
    bool have_sim;
    struct axn_socket *lst, *cli, *srv;
    struct tcp_pump pa, pb; /* A = client, B = accepted */
    axn_time_t t_connect, t_done;
    /* OutRsts of each node when both had seen EOF (both FINs exchanged):
     * a RST before that would be a broken connection; after it, one
     * answering a late duplicate is normal (see the top). */
    uint64_t rsts_at_fins[N_NODES];
    bool fins_seen;
    bool gone[N_NODES];
    size_t idle_spins;
    uint64_t corrupted, caught; /* frames the wire corrupted; checksum errors counted */
} R;

static struct {
    uint64_t bytes;
    uint64_t seeds;     /* 0: each condition's default */
    uint64_t only_seed; /* 0: every seed */
    const char *only_cond;
} OPT;

/* ---- Reporting --------------------------------------------------------------- */

static void print_world(void);

static void print_replay(void)
{
    fprintf(stderr,
            "tcp matrix: condition %s seed %" PRIu64 " (%" PRIu64 " bytes each way) failed; "
            "replay: %s=%s %s=%" PRIu64 " %s=%" PRIu64 " test_tcp_transfer\n",
            R.cond->name, R.seed, R.bytes, ENV_COND, R.cond->name, ENV_SEED, R.seed, ENV_BYTES,
            R.bytes);
}

/* Prints the replay once (teardown prints it for any other failure). */
#define FAIL(...)                                                                                  \
    do {                                                                                           \
        print_world();                                                                             \
        print_replay();                                                                            \
        R.running = false;                                                                         \
        fail_msg(__VA_ARGS__);                                                                     \
    } while (0)

/* ---- The world of one run ------------------------------------------------------- */

/* As sim_stacks_create, with the run's seed for the wire and the platform
 * random, and the condition's impairments as the wire default. */
static void world_create(void)
{
    const axn_ip4_t addrs[N_NODES] = {TCP_SIM_A, TCP_SIM_B};
    R.have_sim = true; /* sim_stacks_destroy copes with a half-built world */
    sim_stacks_create_nodes_path(&R.sim, TCP_SIM_T0, &R.cond->imp, R.seed, SIM_STACKS_MAC_TAG,
                                 addrs, N_NODES, TCP_SIM_PREFIX);
}

static void world_destroy(void)
{
    sim_close_quietly(&R.srv);
    sim_close_quietly(&R.cli);
    sim_close_quietly(&R.lst);
    if (R.have_sim)
        sim_stacks_destroy(&R.sim);
    R.have_sim = false;
}

static int teardown(void **state)
{
    (void)state;
    if (R.running)
        print_replay();
    world_destroy();
    memset(&R, 0, sizeof(R));
    return 0;
}

/* ---- The event loop -------------------------------------------------------------- */

/* Moves to the next event (wire or stack deadline) and polls every stack;
 * false when nothing is pending at all. */
static bool advance(void)
{
    sim_stacks_poll_all(&R.sim);
    const axn_time_t next = sim_stacks_next_event(&R.sim);
    if (next == AXN_TIME_NEVER)
        return false;
    if (next > R.sim.now) {
        sim_stacks_set_time(&R.sim, next);
        R.idle_spins = 0;
    } else if (++R.idle_spins > MAX_IDLE_SPINS) {
        FAIL("no progress at t=%" PRIu64 " us: a stack asks to be polled now forever", R.sim.now);
    }
    sim_stacks_poll_all(&R.sim);
    return true;
}

static struct axn_socket *tcp_socket(size_t node)
{
    struct axn_socket *s = NULL;
    assert_int_equal(
        axn_socket(R.sim.st[node], AXN_AF_INET, AXN_SOCK_STREAM | AXN_SOCK_NONBLOCK, 0, &s), 0);
    return s;
}

static axn_time_t time_bound(void)
{
    return BOUND_SLACK + R.bytes * USEC_PER_S / R.cond->floor_Bps;
}

/* B listens, A connects (EINPROGRESS), B accepts; A's connect completes
 * with POLLOUT and SO_ERROR 0. */
static void open_connection(void)
{
    R.lst = tcp_socket(TCP_SIM_NODE_B);
    const struct axn_sockaddr_in sb = sim_sin4(TCP_SIM_B, PORT_B);
    assert_int_equal(axn_bind(R.lst, (const struct axn_sockaddr *)&sb, sizeof(sb)), 0);
    assert_int_equal(axn_listen(R.lst, BACKLOG), 0);
    R.cli = tcp_socket(TCP_SIM_NODE_A);
    R.t_connect = R.sim.now;
    assert_int_equal(axn_connect(R.cli, (const struct axn_sockaddr *)&sb, sizeof(sb)),
                     -AXN_EINPROGRESS);
    const axn_time_t deadline = R.t_connect + BOUND_SLACK;
    bool connected = false;
    while (!connected || !R.srv) {
        if (!R.srv) {
            const int rc = axn_accept(R.lst, NULL, NULL, AXN_SOCK_NONBLOCK, &R.srv);
            if (rc != 0 && rc != -AXN_EAGAIN)
                FAIL("accept: %d", rc);
        }
        connected = connected || (axn_socket_poll(R.cli) & AXN_POLLOUT);
        if (connected && R.srv)
            break;
        if (!advance() || R.sim.now > deadline)
            FAIL("no connection by t=%" PRIu64 " us (accepted: %d, connected: %d)", R.sim.now,
                 R.srv != NULL, connected);
    }
    int err = -1;
    axn_socklen_t len = sizeof(err);
    assert_int_equal(axn_getsockopt(R.cli, AXN_SOL_SOCKET, AXN_SO_ERROR, &err, &len), 0);
    if (err != 0)
        FAIL("connect completed with SO_ERROR %d", err);
}

static void check_pump(const char *who, const struct tcp_pump *p)
{
    if (p->tx_err || p->rx_err)
        FAIL("%s: send error %ld, recv error %ld (sent %" PRIu64 ", received %" PRIu64 ")", who,
             p->tx_err, p->rx_err, p->sent, p->received);
    if (p->bad_at != TCP_PUMP_NO_MISMATCH)
        FAIL("%s: wrong byte at stream offset %" PRIu64 " (received %" PRIu64 " of %" PRIu64 ")",
             who, p->bad_at, p->received, p->rx_len);
}

static void note_fins(void);

/* Both streams, both ways at once, to EOF on both sides. */
static void transfer(void)
{
    tcp_pump_init(&R.pa, R.cli, STREAM_A(R.seed), R.bytes, STREAM_B(R.seed), R.bytes);
    tcp_pump_init(&R.pb, R.srv, STREAM_B(R.seed), R.bytes, STREAM_A(R.seed), R.bytes);
    const axn_time_t deadline = R.t_connect + time_bound();
    for (;;) {
        (void)tcp_pump_step(&R.pa);
        (void)tcp_pump_step(&R.pb);
        check_pump("A", &R.pa);
        check_pump("B", &R.pb);
        if (tcp_pump_done(&R.pa) && tcp_pump_done(&R.pb))
            break;
        if (!advance())
            FAIL("stalled: nothing pending at t=%" PRIu64 " us; A sent %" PRIu64 " got %" PRIu64
                 ", B sent %" PRIu64 " got %" PRIu64,
                 R.sim.now, R.pa.sent, R.pa.received, R.pb.sent, R.pb.received);
        if (R.sim.now > deadline)
            FAIL("too slow: not done by %" PRIu64 " us after connect (bound); A sent %" PRIu64
                 " got %" PRIu64 ", B sent %" PRIu64 " got %" PRIu64,
                 R.sim.now - R.t_connect, R.pa.sent, R.pa.received, R.pb.sent, R.pb.received);
    }
    R.t_done = R.sim.now;
    note_fins(); /* both done: both saw EOF just now */
}

static void check_digests(void)
{
    uint8_t a[AXN_SHA256_DIGEST_LEN], b[AXN_SHA256_DIGEST_LEN];
    tcp_stream_digest(STREAM_A(R.seed), R.bytes, a);
    tcp_stream_digest(STREAM_B(R.seed), R.bytes, b);
    if (memcmp(R.pa.tx_digest, a, sizeof(a)) || memcmp(R.pb.rx_digest, a, sizeof(a)))
        FAIL("SHA-256 of A->B differs (sent vs stream vs received)");
    if (memcmp(R.pb.tx_digest, b, sizeof(b)) || memcmp(R.pa.rx_digest, b, sizeof(b)))
        FAIL("SHA-256 of B->A differs (sent vs stream vs received)");
}

static size_t conns(size_t node)
{
    return axn_tcp_layer_of(R.sim.st[node])->n_conns;
}

/* The connections of `node` and its TCP counters, for a failure message. */
static void print_conns(size_t node)
{
    const struct axn_tcp_layer *l = axn_tcp_layer_of(R.sim.st[node]);
    for (const struct axn_tcp_conn *c = l->all; c; c = c->all_next) {
        fprintf(stderr,
                "  node %zu: %u -> %u state %d orphan %d una %" PRIu32 " nxt %" PRIu32
                " max %" PRIu32 " rcv_nxt %" PRIu32 " rto %" PRIu64 " backoff %u retries %u"
                " cwnd %" PRIu32 " ssthresh %" PRIu32 " snd_wnd %" PRIu32
                " recovery %d unsent %" PRIu32 " timers(us from now)",
                node, c->lport, c->rport, (int)c->state, c->orphan, c->snd_una, c->snd_nxt,
                c->snd_max, c->rcv_nxt, c->rto, c->backoff, c->retries, c->cwnd, c->ssthresh,
                c->snd_wnd, c->in_recovery, c->snd.len - (c->snd_nxt - c->snd_una));
        for (int t = 0; t < AXN_TCP_T_COUNT; t++)
            fprintf(stderr, " %" PRId64,
                    c->timer[t] == AXN_TIME_NEVER ? (int64_t)-1
                                                  : (int64_t)(c->timer[t] - R.sim.now));
        fprintf(stderr, "\n");
    }
    const struct axn_snmp_tcp_ext *x = &l->ext;
    const struct axn_snmp_tcp *t = &l->stats;
    fprintf(stderr,
            "  node %zu: InSegs %" PRIu64 " OutSegs %" PRIu64 " RetransSegs %" PRIu64
            " OutRsts %" PRIu64 " InErrs %" PRIu64 " TCPTimeouts %" PRIu64
            " TCPFastRetrans %" PRIu64 " OFOQueue %" PRIu64 " OFODrop %" PRIu64
            " AbortOnData %" PRIu64 " AbortOnClose %" PRIu64 " AbortOnTimeout %" PRIu64
            " AbortOnLinger %" PRIu64 " AbortOnMemory %" PRIu64 " ChallengeACK %" PRIu64
            " RcvQDrop %" PRIu64 "\n",
            node, t->in_segs, t->out_segs, t->retrans_segs, t->out_rsts, t->in_errs,
            x->tcp_timeouts, x->fast_retrans, x->ofo_queue, x->ofo_drop, x->abort_on_data,
            x->abort_on_close, x->abort_on_timeout, x->abort_on_linger, x->abort_on_memory,
            x->challenge_acks, x->rcvq_drop);
}

static void print_world(void)
{
    if (!R.have_sim)
        return;
    print_conns(TCP_SIM_NODE_A);
    print_conns(TCP_SIM_NODE_B);
}

static uint64_t out_rsts(size_t node)
{
    struct axn_snmp_tcp t;
    axn_tcp_snmp(R.sim.st[node], &t, NULL);
    return t.out_rsts;
}

/* Both sides saw EOF: both FINs were exchanged. */
static void note_fins(void)
{
    R.fins_seen = true;
    for (size_t node = 0; node < N_NODES; node++)
        R.rsts_at_fins[node] = out_rsts(node);
}

/* Whether `node` has no connection left (TIME-WAIT over too). */
static void note_gone(size_t node)
{
    if (!R.gone[node] && conns(node) == 0)
        R.gone[node] = true;
}

/* Everyone closes; both stacks' connections end (TIME-WAIT included). */
static void close_all(void)
{
    assert_int_equal(axn_close(R.srv), 0);
    R.srv = NULL;
    assert_int_equal(axn_close(R.cli), 0);
    R.cli = NULL;
    assert_int_equal(axn_close(R.lst), 0);
    R.lst = NULL;
    const axn_time_t deadline = R.sim.now + CLOSE_SPAN;
    for (;;) {
        note_gone(TCP_SIM_NODE_A);
        note_gone(TCP_SIM_NODE_B);
        if (R.gone[TCP_SIM_NODE_A] && R.gone[TCP_SIM_NODE_B])
            break;
        if (!advance() || R.sim.now > deadline)
            FAIL("connections left %" PRIu64 " us after close: A %zu, B %zu", R.sim.now - R.t_done,
                 conns(TCP_SIM_NODE_A), conns(TCP_SIM_NODE_B));
    }
}

static void check_counters(size_t node, const char *who)
{
    struct axn_snmp_tcp t;
    struct axn_snmp_tcp_ext x;
    axn_tcp_snmp(R.sim.st[node], &t, &x);
    if (!R.fins_seen)
        FAIL("%s: EOF not seen on both sides", who);
    if (R.rsts_at_fins[node] || t.estab_resets || t.attempt_fails || t.curr_estab)
        FAIL("%s: OutRsts (before both FINs) %" PRIu64 " EstabResets %" PRIu64
             " AttemptFails %" PRIu64 " CurrEstab %" PRIu64 " (all must be 0)",
             who, R.rsts_at_fins[node], t.estab_resets, t.attempt_fails, t.curr_estab);
    const uint64_t opens = node == TCP_SIM_NODE_A ? t.active_opens : t.passive_opens;
    if (opens != 1)
        FAIL("%s: %" PRIu64 " opens, want 1", who, opens);
    if (t.in_errs && !R.cond->imp.corrupt_ppm)
        FAIL("%s: InErrs %" PRIu64 " on a wire that corrupts nothing", who, t.in_errs);
}

/* Corrupted frames over a condition's runs from which at least one must
 * have been refused for its checksum. A frame misses the checksums only
 * when its flipped bit is in the Ethernet header or TCP's data offset
 * (under a third of a 54-byte ACK, far less of a full segment), so all
 * of 20 missing them is below 1e-10; fewer (a replay of one seed) may. */
#define MIN_CORRUPTED 20u

/* Frames the wire corrupted (and duplicated, since a corrupted frame may
 * be copied afterwards), both ports. */
static void wire_damage(uint64_t *corrupted, uint64_t *duplicated)
{
    *corrupted = *duplicated = 0;
    for (size_t port = 0; port < N_NODES; port++) {
        struct axn_sim_port_stats ps;
        assert_int_equal(axn_sim_port_stats(R.sim.wire, (int)port, &ps), 0);
        *corrupted += ps.corrupted;
        *duplicated += ps.duplicated;
    }
}

/* Frames refused, both nodes: for a checksum (IPv4 header, IpExt
 * InCsumErrors, or TCP InCsumErrors) into *csum, and for any header
 * error (IP InHdrErrors, TCP InErrs: a flipped bit in TCP's data offset
 * is refused before the checksum is summed, as on Linux) into *bad. A
 * frame is refused by one layer only. */
static void refused(uint64_t *csum, uint64_t *bad)
{
    *csum = *bad = 0;
    for (size_t node = 0; node < N_NODES; node++) {
        struct axn_snmp ip;
        struct axn_snmp_tcp t;
        axn_ctl_snmp(R.sim.st[node], &ip);
        axn_tcp_snmp(R.sim.st[node], &t, NULL);
        *csum += ip.ip.in_csum_errors + t.in_csum_errors;
        *bad += ip.ip.in_hdr_errors + t.in_errs;
    }
}

/* A checksum error needs a corrupted frame; a corrupted frame in an
 * Ethernet header or a non-IP frame is dropped elsewhere, so catching
 * one at all is asserted over a whole condition (tcp_matrix). */
static void check_corruption(void)
{
    uint64_t corrupted, duplicated;
    uint64_t bad;
    wire_damage(&corrupted, &duplicated);
    refused(&R.caught, &bad);
    R.corrupted = corrupted;
    if (bad > corrupted + duplicated)
        FAIL("%" PRIu64 " frames refused as bad (%" PRIu64 " for a checksum) from %" PRIu64
             " corrupted frames (%" PRIu64 " duplicated)",
             bad, R.caught, corrupted, duplicated);
}

static void run_one(const struct condition *c, uint64_t seed)
{
    memset(&R, 0, sizeof(R));
    R.cond = c;
    R.seed = seed;
    R.bytes = OPT.bytes ? OPT.bytes : c->dflt_bytes ? c->dflt_bytes : DEFAULT_BYTES;
    R.running = true;
    world_create();
    open_connection();
    transfer();
    check_digests();
    close_all();
    check_counters(TCP_SIM_NODE_A, "A");
    check_counters(TCP_SIM_NODE_B, "B");
    check_corruption();
    world_destroy();
    if (axn_test_live_allocs() != 0)
        FAIL("%zu allocations not freed", axn_test_live_allocs());
    R.running = false;
}

/* Virtual time from connect() to both EOFs, over one condition's runs. */
struct span_stats {
    uint64_t runs;
    axn_time_t min, max, sum;
    uint64_t corrupted, caught;
    uint64_t bytes; /* each way, per run */
};

static void span_add(struct span_stats *st)
{
    const axn_time_t t = R.t_done - R.t_connect;
    st->min = st->runs == 0 || t < st->min ? t : st->min;
    st->max = t > st->max ? t : st->max;
    st->sum += t;
    st->runs++;
    st->corrupted += R.corrupted;
    st->bytes = R.bytes;
    st->caught += R.caught;
}

static void span_print(const struct condition *c, const struct span_stats *st)
{
    fprintf(stderr,
            "tcp matrix: %s: %" PRIu64 " runs of %" PRIu64 " bytes each way, virtual time per"
            " transfer (us) min %" PRIu64 " avg %" PRIu64 " max %" PRIu64 "\n",
            c->name, st->runs, st->bytes, st->min, st->sum / st->runs, st->max);
    if (c->imp.corrupt_ppm)
        fprintf(stderr,
                "tcp matrix: %s: %" PRIu64 " frames corrupted, %" PRIu64
                " refused for a checksum\n",
                c->name, st->corrupted, st->caught);
}

/* Seconds on `clock`, only to report what a condition costs (the test's
 * own logic runs on virtual time): wall clock, and CPU time, which on a
 * loaded machine is the figure to budget by. */
static double clock_s(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / (double)NSEC_PER_S;
}

static void tcp_matrix(void **state)
{
    const struct condition *c = *state;
    struct span_stats st = {0};
    const double t0 = clock_s(CLOCK_MONOTONIC), cpu0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    const uint64_t first = OPT.only_seed ? OPT.only_seed : 1;
    const uint64_t seeds = OPT.seeds ? OPT.seeds : c->dflt_seeds ? c->dflt_seeds : DEFAULT_SEEDS;
    const uint64_t last = OPT.only_seed ? OPT.only_seed : seeds;
    for (uint64_t seed = first; seed <= last; seed++) {
        run_one(c, seed);
        span_add(&st);
    }
    span_print(c, &st);
    fprintf(stderr, "tcp matrix: %s: %.1f s wall, %.1f s CPU\n", c->name,
            clock_s(CLOCK_MONOTONIC) - t0, clock_s(CLOCK_PROCESS_CPUTIME_ID) - cpu0);
    if (st.corrupted >= MIN_CORRUPTED && !st.caught)
        fail_msg("%s: %" PRIu64 " frames corrupted and not one refused for its checksum", c->name,
                 st.corrupted);
}

/* ---- main ----------------------------------------------------------------------------- */

static uint64_t env_u64(const char *name, uint64_t dflt)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return dflt;
    char *end = NULL;
    const unsigned long long n = strtoull(v, &end, DEC);
    if (*end || n == 0) {
        fprintf(stderr, "%s=%s: want a positive integer\n", name, v);
        exit(2);
    }
    return n;
}

int main(void)
{
    OPT.bytes = env_u64(ENV_BYTES, 0); /* 0: each condition's default */
    OPT.seeds = env_u64(ENV_SEEDS, 0);
    OPT.only_seed = env_u64(ENV_SEED, 0);
    OPT.only_cond = getenv(ENV_COND);
    struct CMUnitTest tests[N_CONDS];
    size_t n = 0;
    for (size_t i = 0; i < N_CONDS; i++) {
        if (OPT.only_cond && strcmp(OPT.only_cond, CONDS[i].name) != 0)
            continue;
        tests[n++] = (struct CMUnitTest){.name = CONDS[i].name,
                                         .test_func = tcp_matrix,
                                         .teardown_func = teardown,
                                         .initial_state = (void *)&CONDS[i]};
    }
    if (n == 0) {
        fprintf(stderr, "%s=%s: no such condition\n", ENV_COND, OPT.only_cond);
        return 2;
    }
    /* Each condition's line (span_print) says its bytes and runs. */
    fprintf(stderr, "tcp matrix: bytes each way %s, seeds %s%s\n",
            OPT.bytes ? getenv(ENV_BYTES) : "per condition",
            OPT.seeds ? getenv(ENV_SEEDS) : "per condition",
            OPT.only_seed ? " (one replayed)" : "");
    return _cmocka_run_group_tests("tcp_transfer", tests, n, NULL, NULL);
}
