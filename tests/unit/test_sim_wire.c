/*
 * The simulated Ethernet wire: timing, impairments from a seed, the learning
 * switch, bounded memory and the driver ownership contract.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "axnet/errno.h"
#include "axnet/hosted/sim_wire.h"
/* Internal to the driver, tested here because every seed's replay rests on
 * it being exactly xoshiro256** seeded by splitmix64. */
#include "drivers/sim/sim_prng.h"

/* Test frames: Ethernet header, local experimental EtherType, then a
 * big-endian 32-bit sequence number. */
#define TEST_ETHERTYPE 0x88b5u
#define SEQ_OFFSET     AXN_ETH_HLEN
#define SMALL_FRAME    64
#define MAX_RECORDED   256

static const struct axn_mac mac_a = {{0x02, 0, 0, 0, 0, 0x0a}};
static const struct axn_mac mac_b = {{0x02, 0, 0, 0, 0, 0x0b}};
static const struct axn_mac mac_c = {{0x02, 0, 0, 0, 0, 0x0c}};
static const struct axn_mac mac_bcast = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
static const struct axn_mac mac_mcast = {{0x01, 0x00, 0x5e, 0x00, 0x00, 0x01}};

struct net {
    struct axn_sim_wire *wire;
    struct axn_eth_driver a, b, c;
};

static void net_up(struct net *net, const struct axn_sim_wire_config *cfg, uint64_t seed,
                   int nports)
{
    memset(net, 0, sizeof(*net));
    assert_int_equal(axn_sim_wire_create(&net->wire, cfg, seed), 0);
    assert_int_equal(axn_sim_wire_add_port(net->wire, &mac_a, &net->a), 0);
    assert_int_equal(axn_sim_wire_add_port(net->wire, &mac_b, &net->b), 1);
    if (nports > 2)
        assert_int_equal(axn_sim_wire_add_port(net->wire, &mac_c, &net->c), 2);
}

static void fill_frame(uint8_t *buf, size_t len, const struct axn_mac *dst,
                       const struct axn_mac *src, uint32_t seq)
{
    memset(buf, 0, len);
    memcpy(buf, dst->b, AXN_MAC_LEN);
    memcpy(buf + AXN_MAC_LEN, src->b, AXN_MAC_LEN);
    buf[2 * AXN_MAC_LEN] = (uint8_t)(TEST_ETHERTYPE >> 8);
    buf[2 * AXN_MAC_LEN + 1] = (uint8_t)(TEST_ETHERTYPE & 0xff);
    buf[SEQ_OFFSET] = (uint8_t)(seq >> 24);
    buf[SEQ_OFFSET + 1] = (uint8_t)(seq >> 16);
    buf[SEQ_OFFSET + 2] = (uint8_t)(seq >> 8);
    buf[SEQ_OFFSET + 3] = (uint8_t)seq;
}

static uint32_t frame_seq(const uint8_t *buf)
{
    return ((uint32_t)buf[SEQ_OFFSET] << 24) | ((uint32_t)buf[SEQ_OFFSET + 1] << 16) |
           ((uint32_t)buf[SEQ_OFFSET + 2] << 8) | buf[SEQ_OFFSET + 3];
}

static void send_len(const struct axn_eth_driver *drv, const struct axn_mac *dst, uint32_t seq,
                     size_t len)
{
    struct axn_tx_buf tx;
    struct axn_mac src;
    drv->ops->mac_address(drv->drv, &src);
    assert_int_equal(drv->ops->recycle_tx(drv->drv), 0);
    assert_int_equal(drv->ops->alloc_tx(drv->drv, len, &tx), 0);
    assert_int_equal(tx.len, len);
    fill_frame(tx.data, len, dst, &src, seq);
    assert_int_equal(drv->ops->transmit(drv->drv, &tx), 0);
}

static void send_seq(const struct axn_eth_driver *drv, const struct axn_mac *dst, uint32_t seq)
{
    send_len(drv, dst, seq, SMALL_FRAME);
}

/* Receives one frame; returns its sequence number, or -1 when none is due. */
static long recv_seq(const struct axn_eth_driver *drv)
{
    struct axn_rx_buf rx;
    int err = drv->ops->receive(drv->drv, &rx);
    if (err == -AXN_EAGAIN)
        return -1;
    assert_int_equal(err, 0);
    long seq = frame_seq(rx.data);
    assert_int_equal(drv->ops->recycle_rx(drv->drv, &rx), 0);
    return seq;
}

/* Receives everything due into `seqs`; returns how many. */
static size_t drain(const struct axn_eth_driver *drv, long *seqs, size_t cap)
{
    size_t n = 0;
    long seq;
    while ((seq = recv_seq(drv)) >= 0) {
        assert_true(n < cap);
        seqs[n++] = seq;
    }
    return n;
}

static struct axn_sim_port_stats stats_of(struct axn_sim_wire *wire, int port)
{
    struct axn_sim_port_stats st;
    assert_int_equal(axn_sim_port_stats(wire, port, &st), 0);
    return st;
}

/* ---- The PRNG ------------------------------------------------------------ */

static void prng_matches_published_splitmix64_and_xoshiro256ss_vectors(void **state)
{
    (void)state;
    struct axn_sim_prng rng;
    axn_sim_prng_seed(&rng, 0);
    assert_int_equal(rng.s[0], 0xe220a8397b1dcdafull); /* splitmix64(0), first output */

    rng = (struct axn_sim_prng){{1, 2, 3, 4}};
    assert_int_equal(axn_sim_prng_next(&rng), 11520ull);
    assert_int_equal(axn_sim_prng_next(&rng), 0ull);
    assert_int_equal(axn_sim_prng_next(&rng), 1509978240ull);
    assert_int_equal(axn_sim_prng_next(&rng), 1215971899390074240ull);
}

static void prng_below_stays_in_range_and_certain_chances_draw_nothing(void **state)
{
    (void)state;
    struct axn_sim_prng rng, copy;
    axn_sim_prng_seed(&rng, 7);
    for (int i = 0; i < 1000; i++)
        assert_true(axn_sim_prng_below(&rng, 3) < 3);
    assert_int_equal(axn_sim_prng_below(&rng, 0), 0);
    copy = rng;
    assert_false(axn_sim_prng_chance(&rng, 0));
    assert_true(axn_sim_prng_chance(&rng, AXN_SIM_PPM_ALWAYS));
    assert_memory_equal(&rng, &copy, sizeof(rng));
}

/* ---- Timing ------------------------------------------------------------- */

static void perfect_link_delivers_all_in_order_at_exactly_now_plus_delay(void **state)
{
    (void)state;
    struct axn_sim_wire_config cfg = {.impair = {.delay = 500}, .start_time = 1000};
    struct net net;
    net_up(&net, &cfg, 1, 2);

    for (uint32_t i = 0; i < 10; i++)
        send_seq(&net.a, &mac_b, i);
    assert_int_equal(axn_sim_wire_in_flight(net.wire), 10);
    assert_int_equal(axn_sim_wire_next_event(net.wire), 1500);

    assert_int_equal(axn_sim_wire_set_time(net.wire, 1499), 0);
    assert_int_equal(recv_seq(&net.b), -1);

    assert_int_equal(axn_sim_wire_set_time(net.wire, 1500), 0);
    long seqs[MAX_RECORDED];
    assert_int_equal(drain(&net.b, seqs, MAX_RECORDED), 10);
    for (long i = 0; i < 10; i++)
        assert_int_equal(seqs[i], i);
    assert_int_equal(recv_seq(&net.a), -1);
    assert_int_equal(axn_sim_wire_next_event(net.wire), AXN_TIME_NEVER);

    struct axn_sim_port_stats a = stats_of(net.wire, 0), b = stats_of(net.wire, 1);
    assert_int_equal(a.tx_frames, 10);
    assert_int_equal(a.tx_bytes, 10 * SMALL_FRAME);
    assert_int_equal(b.rx_frames, 10);
    assert_int_equal(b.rx_bytes, 10 * SMALL_FRAME);
    assert_int_equal(a.lost + a.duplicated + a.corrupted + a.reordered, 0);
    axn_sim_wire_destroy(net.wire);
}

static void receive_before_due_time_returns_eagain(void **state)
{
    (void)state;
    struct axn_sim_wire_config cfg = {.impair = {.delay = 20}};
    struct net net;
    net_up(&net, &cfg, 1, 2);
    send_seq(&net.a, &mac_b, 7);

    struct axn_rx_buf rx;
    assert_int_equal(net.b.ops->receive(net.b.drv, &rx), -AXN_EAGAIN);
    assert_int_equal(axn_sim_port_rx_pending(net.wire, 1), 0);
    assert_int_equal(axn_sim_wire_set_time(net.wire, 19), 0);
    assert_int_equal(net.b.ops->receive(net.b.drv, &rx), -AXN_EAGAIN);
    assert_int_equal(axn_sim_wire_set_time(net.wire, 20), 0);
    assert_int_equal(axn_sim_port_rx_pending(net.wire, 1), 1);
    assert_int_equal(recv_seq(&net.b), 7);
    axn_sim_wire_destroy(net.wire);
}

static void zero_delay_frame_is_receivable_at_once(void **state)
{
    (void)state;
    struct net net;
    net_up(&net, NULL, 1, 2);
    send_seq(&net.a, &mac_b, 3);
    assert_int_equal(axn_sim_wire_in_flight(net.wire), 0);
    assert_int_equal(recv_seq(&net.b), 3);
    axn_sim_wire_destroy(net.wire);
}

static void time_never_goes_back(void **state)
{
    (void)state;
    struct net net;
    net_up(&net, NULL, 1, 2);
    assert_int_equal(axn_sim_wire_set_time(net.wire, 100), 0);
    assert_int_equal(axn_sim_wire_set_time(net.wire, 99), -AXN_EINVAL);
    assert_int_equal(axn_sim_wire_time(net.wire), 100);
    assert_int_equal(axn_sim_wire_set_time(net.wire, 100), 0);
    axn_sim_wire_destroy(net.wire);
}

static void bandwidth_limit_spaces_1000_byte_frames_1ms_apart_at_8mbps(void **state)
{
    (void)state;
    struct axn_sim_wire_config cfg = {.impair = {.bandwidth_bps = 8000000, .delay = 10}};
    struct net net;
    net_up(&net, &cfg, 1, 2);
    for (uint32_t i = 0; i < 4; i++)
        send_len(&net.a, &mac_b, i, 1000);

    /* Frame i finishes serialising at (i+1) ms, then propagates 10 µs. */
    for (long i = 0; i < 4; i++) {
        axn_time_t due = (axn_time_t)(i + 1) * 1000 + 10;
        assert_int_equal(axn_sim_wire_next_event(net.wire), due);
        assert_int_equal(axn_sim_wire_set_time(net.wire, due - 1), 0);
        assert_int_equal(recv_seq(&net.b), -1);
        assert_int_equal(axn_sim_wire_set_time(net.wire, due), 0);
        assert_int_equal(recv_seq(&net.b), i);
        assert_int_equal(recv_seq(&net.b), -1);
    }
    /* An idle link starts the next frame at once. */
    assert_int_equal(axn_sim_wire_set_time(net.wire, 10000), 0);
    send_len(&net.a, &mac_b, 9, 500);
    assert_int_equal(axn_sim_wire_next_event(net.wire), 10000 + 500 + 10);
    axn_sim_wire_destroy(net.wire);
}

static void bandwidth_keeps_sub_microsecond_serialisation_exact(void **state)
{
    (void)state;
    /* 100 bytes at 1 Gbit/s is 800 ns: ten frames take 8 µs, not 10. */
    struct axn_sim_wire_config cfg = {.impair = {.bandwidth_bps = 1000000000}};
    struct net net;
    net_up(&net, &cfg, 1, 2);
    for (uint32_t i = 0; i < 10; i++)
        send_len(&net.a, &mac_b, i, 100);
    axn_time_t last = 0;
    long seq = 0;
    while (axn_sim_wire_next_event(net.wire) != AXN_TIME_NEVER) {
        last = axn_sim_wire_next_event(net.wire);
        assert_int_equal(axn_sim_wire_set_time(net.wire, last), 0);
        while (recv_seq(&net.b) >= 0)
            seq++;
    }
    assert_int_equal(seq, 10);
    assert_int_equal(last, 8);
    axn_sim_wire_destroy(net.wire);
}

static void full_egress_queue_tail_drops_and_counts(void **state)
{
    (void)state;
    struct axn_sim_wire_config cfg = {.impair = {.bandwidth_bps = 8000000, .queue_len = 3}};
    struct net net;
    net_up(&net, &cfg, 1, 2);
    for (uint32_t i = 0; i < 5; i++)
        send_len(&net.a, &mac_b, i, 1000);
    assert_int_equal(stats_of(net.wire, 0).egress_drops, 2);
    assert_int_equal(stats_of(net.wire, 0).tx_frames, 5);
    assert_int_equal(axn_sim_wire_in_flight(net.wire), 3);

    /* After 1 ms the first frame is out: room for exactly one more. */
    assert_int_equal(axn_sim_wire_set_time(net.wire, 1000), 0);
    send_len(&net.a, &mac_b, 5, 1000);
    send_len(&net.a, &mac_b, 6, 1000);
    assert_int_equal(stats_of(net.wire, 0).egress_drops, 3);

    assert_int_equal(axn_sim_wire_set_time(net.wire, 10000), 0);
    long seqs[MAX_RECORDED];
    assert_int_equal(drain(&net.b, seqs, MAX_RECORDED), 4);
    assert_int_equal(seqs[0], 0);
    assert_int_equal(seqs[1], 1);
    assert_int_equal(seqs[2], 2);
    assert_int_equal(seqs[3], 5);
    axn_sim_wire_destroy(net.wire);
}

/* ---- Seeded impairments ------------------------------------------------ */

#define SEED_FRAMES  50
#define SEED_SPACING 100
#define SEED_HORIZON 100000
#define FIXED_SEED   0x5eed2024ull

/* Sends SEED_FRAMES frames A→B, one every SEED_SPACING µs, and records the
 * sequence numbers B receives, in order. */
static size_t run_lossy(uint64_t seed, const struct axn_sim_impairments *imp, long *seqs,
                        struct axn_sim_port_stats *a_stats)
{
    struct axn_sim_wire_config cfg = {.impair = *imp};
    struct net net;
    net_up(&net, &cfg, seed, 2);
    size_t n = 0;
    for (uint32_t i = 0; i < SEED_FRAMES; i++) {
        assert_int_equal(axn_sim_wire_set_time(net.wire, (axn_time_t)i * SEED_SPACING), 0);
        n += drain(&net.b, seqs + n, MAX_RECORDED - n);
        send_seq(&net.a, &mac_b, i);
    }
    assert_int_equal(axn_sim_wire_set_time(net.wire, SEED_HORIZON), 0);
    n += drain(&net.b, seqs + n, MAX_RECORDED - n);
    *a_stats = stats_of(net.wire, 0);
    axn_sim_wire_destroy(net.wire);
    return n;
}

/*
 * Seed FIXED_SEED loses 15, 16, 37 and 49, and holds back 9, 11 and 46 by
 * 250 µs (2.5 frame spacings), so each arrives after the next two frames
 * that are not themselves held back or lost.
 */
static void fixed_seed_with_loss_and_reordering_gives_exact_arrivals(void **state)
{
    (void)state;
    static const long expected[] = {0,  1,  2,  3,  4,  5,  6,  7,  8,  10, 9,  12, 13, 11, 14, 17,
                                    18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33,
                                    34, 35, 36, 38, 39, 40, 41, 42, 43, 44, 45, 47, 48, 46};
    const struct axn_sim_impairments imp = {
        .loss_ppm = AXN_SIM_PERCENT(10),
        .reorder_ppm = AXN_SIM_PERCENT(10),
        .delay = 100,
        .reorder_delay = 250,
    };
    long seqs[MAX_RECORDED];
    struct axn_sim_port_stats st;
    size_t n = run_lossy(FIXED_SEED, &imp, seqs, &st);

    assert_int_equal(n, sizeof(expected) / sizeof(expected[0]));
    assert_memory_equal(seqs, expected, sizeof(expected));
    assert_int_equal(st.tx_frames, SEED_FRAMES);
    assert_int_equal(st.lost, 4);
    assert_int_equal(st.reordered, 3);
}

/* Everything B saw, to compare two runs byte for byte. */
struct trace {
    size_t n;
    axn_time_t at[MAX_RECORDED];
    int port[MAX_RECORDED];
    uint8_t frame[MAX_RECORDED][SMALL_FRAME];
};

static void record_delivery(void *ctx, int port, axn_time_t at, const uint8_t *frame, size_t len)
{
    struct trace *t = ctx;
    assert_true(t->n < MAX_RECORDED);
    assert_int_equal(len, SMALL_FRAME);
    t->at[t->n] = at;
    t->port[t->n] = port;
    memcpy(t->frame[t->n], frame, len);
    t->n++;
}

static void run_everything(uint64_t seed, struct trace *t)
{
    struct axn_sim_wire_config cfg = {
        .impair = {.loss_ppm = AXN_SIM_PERCENT(5),
                   .corrupt_ppm = AXN_SIM_PERCENT(5),
                   .duplicate_ppm = AXN_SIM_PERCENT(5),
                   .reorder_ppm = AXN_SIM_PERCENT(5),
                   .delay = 50,
                   .jitter = 200,
                   .reorder_delay = 300},
    };
    struct net net;
    memset(t, 0, sizeof(*t));
    net_up(&net, &cfg, seed, 2);
    axn_sim_wire_set_observer(net.wire, record_delivery, t);
    for (uint32_t i = 0; i < SEED_FRAMES; i++) {
        assert_int_equal(axn_sim_wire_set_time(net.wire, (axn_time_t)i * SEED_SPACING), 0);
        send_seq(&net.a, &mac_b, i);
    }
    assert_int_equal(axn_sim_wire_set_time(net.wire, SEED_HORIZON), 0);
    axn_sim_wire_destroy(net.wire);
}

static void same_seed_replays_identical_traffic(void **state)
{
    (void)state;
    static struct trace first, second;
    run_everything(FIXED_SEED, &first);
    run_everything(FIXED_SEED, &second);
    assert_true(first.n > 0);
    assert_int_equal(first.n, second.n);
    assert_memory_equal(first.at, second.at, first.n * sizeof(first.at[0]));
    assert_memory_equal(first.port, second.port, first.n * sizeof(first.port[0]));
    assert_memory_equal(first.frame, second.frame, first.n * sizeof(first.frame[0]));
}

static void different_seed_gives_different_traffic(void **state)
{
    (void)state;
    static struct trace first, second;
    run_everything(FIXED_SEED, &first);
    run_everything(FIXED_SEED + 1, &second);
    bool differ = first.n != second.n ||
                  memcmp(first.at, second.at, first.n * sizeof(first.at[0])) != 0 ||
                  memcmp(first.frame, second.frame, first.n * sizeof(first.frame[0])) != 0;
    assert_true(differ);
}

static void duplication_delivers_every_frame_twice_and_counts(void **state)
{
    (void)state;
    struct axn_sim_wire_config cfg = {.impair = {.duplicate_ppm = AXN_SIM_PPM_ALWAYS}};
    struct net net;
    net_up(&net, &cfg, 1, 2);
    for (uint32_t i = 0; i < 3; i++)
        send_seq(&net.a, &mac_b, i);
    long seqs[MAX_RECORDED];
    assert_int_equal(drain(&net.b, seqs, MAX_RECORDED), 6);
    static const long expected[] = {0, 0, 1, 1, 2, 2};
    assert_memory_equal(seqs, expected, sizeof(expected));
    assert_int_equal(stats_of(net.wire, 0).duplicated, 3);
    assert_int_equal(stats_of(net.wire, 1).rx_frames, 6);
    axn_sim_wire_destroy(net.wire);
}

static unsigned popcount8(uint8_t v)
{
    unsigned n = 0;
    for (; v; v &= (uint8_t)(v - 1))
        n++;
    return n;
}

static void corruption_flips_exactly_one_bit_and_counts(void **state)
{
    (void)state;
    struct axn_sim_wire_config cfg = {.impair = {.corrupt_ppm = AXN_SIM_PPM_ALWAYS}};
    struct net net;
    net_up(&net, &cfg, 1, 2);
    const int frames = 20;
    for (int i = 0; i < frames; i++) {
        uint8_t sent[SMALL_FRAME];
        fill_frame(sent, sizeof(sent), &mac_b, &mac_a, (uint32_t)i);
        send_seq(&net.a, &mac_b, (uint32_t)i);

        struct axn_rx_buf rx;
        assert_int_equal(net.b.ops->receive(net.b.drv, &rx), 0);
        assert_int_equal(rx.len, SMALL_FRAME);
        unsigned flipped = 0;
        for (size_t k = 0; k < rx.len; k++)
            flipped += popcount8((uint8_t)(rx.data[k] ^ sent[k]));
        assert_int_equal(flipped, 1);
        assert_int_equal(net.b.ops->recycle_rx(net.b.drv, &rx), 0);
    }
    assert_int_equal(stats_of(net.wire, 0).corrupted, frames);
    axn_sim_wire_destroy(net.wire);
}

static void jitter_stays_within_bounds(void **state)
{
    (void)state;
    struct trace t;
    struct axn_sim_wire_config cfg = {.impair = {.delay = 1000, .jitter = 100}};
    struct net net;
    memset(&t, 0, sizeof(t));
    net_up(&net, &cfg, 99, 2);
    axn_sim_wire_set_observer(net.wire, record_delivery, &t);
    for (uint32_t i = 0; i < 100; i++)
        send_seq(&net.a, &mac_b, i);
    assert_int_equal(axn_sim_wire_set_time(net.wire, 2000), 0);
    assert_int_equal(t.n, 100);
    bool spread = false;
    for (size_t i = 0; i < t.n; i++) {
        assert_in_range(t.at[i], 1000, 1100);
        spread |= t.at[i] != t.at[0];
        if (i > 0)
            assert_true(t.at[i] >= t.at[i - 1]);
    }
    assert_true(spread);
    axn_sim_wire_destroy(net.wire);
}

static void port_override_replaces_wire_impairments_until_cleared(void **state)
{
    (void)state;
    struct net net;
    net_up(&net, NULL, 1, 2);
    const struct axn_sim_impairments drop_all = {.loss_ppm = AXN_SIM_PPM_ALWAYS};
    assert_int_equal(axn_sim_port_set_impairments(net.wire, 0, &drop_all), 0);
    send_seq(&net.a, &mac_b, 1);
    send_seq(&net.b, &mac_a, 2);
    assert_int_equal(recv_seq(&net.b), -1);
    assert_int_equal(recv_seq(&net.a), 2);
    assert_int_equal(stats_of(net.wire, 0).lost, 1);
    assert_int_equal(stats_of(net.wire, 1).lost, 0);

    assert_int_equal(axn_sim_port_set_impairments(net.wire, 0, NULL), 0);
    send_seq(&net.a, &mac_b, 3);
    assert_int_equal(recv_seq(&net.b), 3);

    assert_int_equal(axn_sim_wire_set_impairments(net.wire, &drop_all), 0);
    send_seq(&net.b, &mac_a, 4);
    assert_int_equal(recv_seq(&net.a), -1);
    assert_int_equal(stats_of(net.wire, 1).lost, 1);
    axn_sim_wire_destroy(net.wire);
}

static void invalid_impairments_are_refused(void **state)
{
    (void)state;
    struct net net;
    net_up(&net, NULL, 1, 2);
    const struct axn_sim_impairments bad_ppm = {.loss_ppm = AXN_SIM_PPM_ALWAYS + 1};
    const struct axn_sim_impairments bad_queue = {.queue_len = AXN_SIM_EGRESS_QUEUE_LEN + 1};
    assert_int_equal(axn_sim_port_set_impairments(net.wire, 0, &bad_ppm), -AXN_EINVAL);
    assert_int_equal(axn_sim_port_set_impairments(net.wire, 0, &bad_queue), -AXN_EINVAL);
    assert_int_equal(axn_sim_port_set_impairments(net.wire, 2, NULL), -AXN_EINVAL);
    assert_int_equal(axn_sim_wire_set_impairments(net.wire, &bad_ppm), -AXN_EINVAL);
    axn_sim_wire_destroy(net.wire);

    struct axn_sim_wire *wire = NULL;
    struct axn_sim_wire_config cfg = {.max_in_flight = AXN_SIM_MAX_IN_FLIGHT + 1};
    assert_int_equal(axn_sim_wire_create(&wire, &cfg, 1), -AXN_EINVAL);
    cfg = (struct axn_sim_wire_config){.rx_queue_len = AXN_SIM_PORT_RX_QUEUE_LEN + 1};
    assert_int_equal(axn_sim_wire_create(&wire, &cfg, 1), -AXN_EINVAL);
    assert_null(wire);
}

/* ---- Learning switch ---------------------------------------------------- */

static void unknown_unicast_floods_to_every_other_port(void **state)
{
    (void)state;
    struct net net;
    net_up(&net, NULL, 1, 3);
    send_seq(&net.a, &mac_b, 1);
    assert_int_equal(recv_seq(&net.b), 1);
    assert_int_equal(recv_seq(&net.c), 1);
    assert_int_equal(recv_seq(&net.a), -1);
    axn_sim_wire_destroy(net.wire);
}

static void unicast_to_learnt_mac_reaches_only_that_port(void **state)
{
    (void)state;
    struct net net;
    net_up(&net, NULL, 1, 3);
    send_seq(&net.b, &mac_bcast, 10); /* the switch learns B */
    assert_int_equal(recv_seq(&net.a), 10);
    assert_int_equal(recv_seq(&net.c), 10);
    assert_int_equal(recv_seq(&net.b), -1);

    send_seq(&net.a, &mac_b, 11);
    assert_int_equal(recv_seq(&net.b), 11);
    assert_int_equal(recv_seq(&net.c), -1);
    assert_int_equal(recv_seq(&net.a), -1);
    axn_sim_wire_destroy(net.wire);
}

static void broadcast_and_multicast_reach_all_other_ports(void **state)
{
    (void)state;
    struct net net;
    net_up(&net, NULL, 1, 3);
    /* The switch learns B and C (A is still unknown, so both flood). */
    send_seq(&net.b, &mac_a, 0);
    send_seq(&net.c, &mac_a, 0);
    assert_int_equal(recv_seq(&net.a), 0);
    assert_int_equal(recv_seq(&net.a), 0);
    assert_int_equal(recv_seq(&net.b), 0);
    assert_int_equal(recv_seq(&net.c), 0);

    send_seq(&net.a, &mac_bcast, 20);
    send_seq(&net.a, &mac_mcast, 21);
    assert_int_equal(recv_seq(&net.b), 20);
    assert_int_equal(recv_seq(&net.b), 21);
    assert_int_equal(recv_seq(&net.c), 20);
    assert_int_equal(recv_seq(&net.c), 21);
    assert_int_equal(recv_seq(&net.a), -1);
    axn_sim_wire_destroy(net.wire);
}

static void unicast_to_own_port_is_not_sent_back(void **state)
{
    (void)state;
    struct net net;
    net_up(&net, NULL, 1, 3);
    send_seq(&net.a, &mac_bcast, 1);
    assert_int_equal(recv_seq(&net.b), 1);
    assert_int_equal(recv_seq(&net.c), 1);
    send_seq(&net.a, &mac_a, 2);
    assert_int_equal(recv_seq(&net.a), -1);
    assert_int_equal(recv_seq(&net.b), -1);
    assert_int_equal(recv_seq(&net.c), -1);
    axn_sim_wire_destroy(net.wire);
}

/* ---- Bounded memory ------------------------------------------------------ */

static void in_flight_bound_drops_and_counts(void **state)
{
    (void)state;
    struct axn_sim_wire_config cfg = {.impair = {.delay = 100}, .max_in_flight = 8};
    struct net net;
    net_up(&net, &cfg, 1, 2);
    for (uint32_t i = 0; i < 10; i++)
        send_seq(&net.a, &mac_b, i);
    assert_int_equal(axn_sim_wire_in_flight(net.wire), 8);
    assert_int_equal(stats_of(net.wire, 0).inflight_drops, 2);
    assert_int_equal(stats_of(net.wire, 0).tx_frames, 10);
    assert_int_equal(axn_sim_wire_set_time(net.wire, 100), 0);
    long seqs[MAX_RECORDED];
    assert_int_equal(drain(&net.b, seqs, MAX_RECORDED), 8);
    assert_int_equal(seqs[7], 7);
    axn_sim_wire_destroy(net.wire);
}

static void rx_queue_bound_drops_and_counts_at_receiver(void **state)
{
    (void)state;
    struct axn_sim_wire_config cfg = {.impair = {.delay = 10}, .rx_queue_len = 4};
    struct net net;
    net_up(&net, &cfg, 1, 2);
    for (uint32_t i = 0; i < 6; i++)
        send_seq(&net.a, &mac_b, i);
    assert_int_equal(axn_sim_wire_set_time(net.wire, 10), 0);
    assert_int_equal(axn_sim_port_rx_pending(net.wire, 1), 4);
    assert_int_equal(stats_of(net.wire, 1).rx_queue_drops, 2);
    assert_int_equal(stats_of(net.wire, 0).rx_queue_drops, 0);
    long seqs[MAX_RECORDED];
    assert_int_equal(drain(&net.b, seqs, MAX_RECORDED), 4);
    assert_int_equal(seqs[3], 3);
    axn_sim_wire_destroy(net.wire);
}

static void frames_left_in_flight_are_freed_by_destroy(void **state)
{
    (void)state;
    struct axn_sim_wire_config cfg = {.impair = {.delay = 10}};
    struct net net;
    net_up(&net, &cfg, 1, 2);
    send_seq(&net.a, &mac_b, 1);
    send_seq(&net.a, &mac_b, 2);
    assert_int_equal(axn_sim_wire_set_time(net.wire, 10), 0);
    struct axn_rx_buf rx;
    struct axn_tx_buf tx;
    assert_int_equal(net.b.ops->receive(net.b.drv, &rx), 0);
    assert_int_equal(net.a.ops->alloc_tx(net.a.drv, SMALL_FRAME, &tx), 0);
    send_seq(&net.b, &mac_a, 3);
    /* LeakSanitizer fails the test if any of these outlives the wire. */
    axn_sim_wire_destroy(net.wire);
}

/* ---- Driver contract --------------------------------------------------- */

static void port_driver_reports_name_mac_and_no_irq(void **state)
{
    (void)state;
    struct net net;
    net_up(&net, NULL, 1, 2);
    struct axn_mac mac;
    net.b.ops->mac_address(net.b.drv, &mac);
    assert_memory_equal(mac.b, mac_b.b, AXN_MAC_LEN);
    assert_string_equal(net.a.ops->name(net.a.drv), "sim0");
    assert_string_equal(net.b.ops->name(net.b.drv), "sim1");
    assert_null(net.a.ops->irq_id);
    assert_null(net.a.ops->take_irq_handler);
    assert_int_equal(net.a.caps, 0);
    assert_int_equal(net.a.mtu, 0);
    axn_sim_wire_destroy(net.wire);
}

static void add_port_beyond_max_is_refused(void **state)
{
    (void)state;
    struct axn_sim_wire *wire;
    struct axn_eth_driver drv;
    assert_int_equal(axn_sim_wire_create(&wire, NULL, 1), 0);
    for (int i = 0; i < AXN_SIM_MAX_PORTS; i++) {
        struct axn_mac mac = {{0x02, 0, 0, 0, 1, (uint8_t)i}};
        assert_int_equal(axn_sim_wire_add_port(wire, &mac, &drv), i);
    }
    assert_int_equal(axn_sim_wire_add_port(wire, &mac_a, &drv), -AXN_ENOSPC);
    axn_sim_wire_destroy(wire);
}

static void receive_lends_one_frame_until_recycled(void **state)
{
    (void)state;
    struct net net;
    net_up(&net, NULL, 1, 2);
    send_seq(&net.a, &mac_b, 1);
    send_seq(&net.a, &mac_b, 2);

    struct axn_rx_buf first, second;
    assert_int_equal(net.b.ops->receive(net.b.drv, &first), 0);
    const uint8_t *lent = first.data;
    assert_int_equal(net.b.ops->receive(net.b.drv, &second), -AXN_EBADFD);
    /* The lent buffer is left alone while the stack holds it. */
    assert_ptr_equal(first.data, lent);
    assert_int_equal(frame_seq(first.data), 1);

    struct axn_rx_buf stale = first;
    assert_int_equal(net.b.ops->recycle_rx(net.b.drv, &first), 0);
    assert_null(first.data);
    assert_int_equal(net.b.ops->recycle_rx(net.b.drv, &stale), -AXN_EINVAL);
    assert_int_equal(recv_seq(&net.b), 2);
    axn_sim_wire_destroy(net.wire);
}

static void tx_buffer_is_lent_once_until_sent_or_aborted(void **state)
{
    (void)state;
    struct net net;
    net_up(&net, NULL, 1, 2);
    struct axn_tx_buf tx, other;
    assert_int_equal(net.a.ops->alloc_tx(net.a.drv, SMALL_FRAME, &tx), 0);
    for (size_t i = 0; i < tx.len; i++)
        assert_int_equal(tx.data[i], 0);
    assert_int_equal(net.a.ops->alloc_tx(net.a.drv, SMALL_FRAME, &other), -AXN_EBADFD);
    net.a.ops->abort_tx(net.a.drv, &tx);
    assert_null(tx.data);
    assert_int_equal(recv_seq(&net.b), -1);
    assert_int_equal(stats_of(net.wire, 0).tx_frames, 0);

    struct axn_tx_buf forged = {.data = NULL, .len = SMALL_FRAME};
    assert_int_equal(net.a.ops->transmit(net.a.drv, &forged), -AXN_EINVAL);
    assert_int_equal(net.a.ops->alloc_tx(net.a.drv, AXN_SIM_FRAME_MAX + 1, &tx), -AXN_EINVAL);
    assert_int_equal(net.a.ops->alloc_tx(net.a.drv, AXN_ETH_HLEN - 1, &tx), -AXN_EINVAL);

    /* Short frames are carried as they are: padding is the stack's job. */
    send_len(&net.a, &mac_b, 5, AXN_ETH_HLEN + 4);
    struct axn_rx_buf rx;
    assert_int_equal(net.b.ops->receive(net.b.drv, &rx), 0);
    assert_int_equal(rx.len, AXN_ETH_HLEN + 4);
    assert_int_equal(net.b.ops->recycle_rx(net.b.drv, &rx), 0);
    axn_sim_wire_destroy(net.wire);
}

static void transmit_of_shortened_buffer_sends_the_new_length(void **state)
{
    (void)state;
    struct net net;
    net_up(&net, NULL, 1, 2);
    struct axn_tx_buf tx;
    assert_int_equal(net.a.ops->alloc_tx(net.a.drv, 200, &tx), 0);
    fill_frame(tx.data, 100, &mac_b, &mac_a, 8);
    tx.len = 100;
    assert_int_equal(net.a.ops->transmit(net.a.drv, &tx), 0);
    struct axn_rx_buf rx;
    assert_int_equal(net.b.ops->receive(net.b.drv, &rx), 0);
    assert_int_equal(rx.len, 100);
    assert_int_equal(frame_seq(rx.data), 8);
    assert_int_equal(net.b.ops->recycle_rx(net.b.drv, &rx), 0);

    assert_int_equal(net.a.ops->alloc_tx(net.a.drv, 100, &tx), 0);
    tx.len = 101; /* longer than lent: refused, and the buffer is reclaimed */
    assert_int_equal(net.a.ops->transmit(net.a.drv, &tx), -AXN_EINVAL);
    assert_int_equal(net.a.ops->alloc_tx(net.a.drv, 100, &tx), 0);
    net.a.ops->abort_tx(net.a.drv, &tx);
    axn_sim_wire_destroy(net.wire);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(prng_matches_published_splitmix64_and_xoshiro256ss_vectors),
        cmocka_unit_test(prng_below_stays_in_range_and_certain_chances_draw_nothing),
        cmocka_unit_test(perfect_link_delivers_all_in_order_at_exactly_now_plus_delay),
        cmocka_unit_test(receive_before_due_time_returns_eagain),
        cmocka_unit_test(zero_delay_frame_is_receivable_at_once),
        cmocka_unit_test(time_never_goes_back),
        cmocka_unit_test(bandwidth_limit_spaces_1000_byte_frames_1ms_apart_at_8mbps),
        cmocka_unit_test(bandwidth_keeps_sub_microsecond_serialisation_exact),
        cmocka_unit_test(full_egress_queue_tail_drops_and_counts),
        cmocka_unit_test(fixed_seed_with_loss_and_reordering_gives_exact_arrivals),
        cmocka_unit_test(same_seed_replays_identical_traffic),
        cmocka_unit_test(different_seed_gives_different_traffic),
        cmocka_unit_test(duplication_delivers_every_frame_twice_and_counts),
        cmocka_unit_test(corruption_flips_exactly_one_bit_and_counts),
        cmocka_unit_test(jitter_stays_within_bounds),
        cmocka_unit_test(port_override_replaces_wire_impairments_until_cleared),
        cmocka_unit_test(invalid_impairments_are_refused),
        cmocka_unit_test(unknown_unicast_floods_to_every_other_port),
        cmocka_unit_test(unicast_to_learnt_mac_reaches_only_that_port),
        cmocka_unit_test(broadcast_and_multicast_reach_all_other_ports),
        cmocka_unit_test(unicast_to_own_port_is_not_sent_back),
        cmocka_unit_test(in_flight_bound_drops_and_counts),
        cmocka_unit_test(rx_queue_bound_drops_and_counts_at_receiver),
        cmocka_unit_test(frames_left_in_flight_are_freed_by_destroy),
        cmocka_unit_test(port_driver_reports_name_mac_and_no_irq),
        cmocka_unit_test(add_port_beyond_max_is_refused),
        cmocka_unit_test(receive_lends_one_frame_until_recycled),
        cmocka_unit_test(tx_buffer_is_lent_once_until_sent_or_aborted),
        cmocka_unit_test(transmit_of_shortened_buffer_sends_the_new_length),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
