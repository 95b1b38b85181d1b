/*
 * tcp/tcp_cc_cubic.c and tcp/tcp_hystart.c: CUBIC (RFC 9438) and
 * HyStart++ (RFC 9406) on a bare connection struct (SMSS = 1000 bytes),
 * checked against the RFCs' formulas computed here in double precision;
 * then TCP_CONGESTION (tcp(7)) on sockets of two stacks on the simulated
 * wire: the default, get/set by name, ENOENT, the switch of an
 * established connection, inheritance by accepted children.
 *
 * The congestion events are driven through the ops as the engine does
 * (tcp_recovery.c): ssthresh from the algorithm, cwnd = ssthresh at the
 * end of recovery, on_recovery_exit; after an RTO, cwnd = 1 SMSS and
 * on_rto.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "axnet/errno.h"
#include "axnet/socket.h"
#include "axnet/tcp.h"
#include "tcp/tcp.h"
#include "tcp/tcp_cc.h"
#include "tcp/tcp_hystart.h"
#include "tcp/tcp_seq.h"
#include "tcp_sim.h"

#define SMSS    1000u
#define UNA     1000u
#define SEGS(n) ((uint32_t)(n)*SMSS)
#define RTT     AXN_MSEC(100)
#define C_RFC   0.4 /* RFC 9438 4.1 */
#define B_RFC   0.7
#define T_LOSS  AXN_SEC(10)
/* Windows compared with the RFC formula: within 1 SMSS or 0.5 %. */
#define TOL_FRAC 0.005

static struct axn_tcp_layer L; /* for the HyStart counters */

static void conn_cubic(struct axn_tcp_conn *c)
{
    memset(c, 0, sizeof(*c));
    memset(&L, 0, sizeof(L));
    c->layer = &L;
    c->mss = SMSS;
    c->cc = &axn_tcp_cc_cubic;
    c->snd_una = UNA;
    c->snd_nxt = UNA;
    c->snd_max = UNA;
    c->state = AXN_TCP_ESTABLISHED;
    c->cc->init(c, 0);
}

/* The whole cwnd in flight. */
static void fill_pipe(struct axn_tcp_conn *c)
{
    c->snd_max = c->snd_una + c->cwnd;
    c->snd_nxt = c->snd_max;
}

/* A loss repaired by fast recovery (RFC 6675 5 / RFC 6582): ssthresh
 * from the algorithm with the pipe full, cwnd = ssthresh at the end. */
static void loss_event(struct axn_tcp_conn *c, axn_time_t now)
{
    fill_pipe(c);
    c->ssthresh = c->cc->ssthresh(c, now);
    c->cwnd = c->ssthresh;
    c->cc->on_recovery_exit(c, now);
}

/* One ACK of one SMSS at `now`, the sender keeping the pipe full. */
static void ack_one(struct axn_tcp_conn *c, axn_time_t now)
{
    c->snd_una += SMSS;
    c->cc->cong_avoid(c, SMSS, now);
    fill_pipe(c);
}

/* One round trip: a window of ACKs spread over `rtt`. */
static void ack_round(struct axn_tcp_conn *c, axn_time_t *now, axn_time_t rtt)
{
    uint32_t n = c->cwnd / SMSS ? c->cwnd / SMSS : 1;

    for (uint32_t i = 0; i < n; i++) {
        *now += rtt / n;
        ack_one(c, *now);
    }
}

/* No libm in the tests' link: the few functions needed, in double. */
static double d_abs(double x)
{
    return x < 0 ? -x : x;
}

static double d_cube(double x)
{
    return x * x * x;
}

/* Newton's iteration for the real cube root. */
static double d_cbrt(double x)
{
    double y = x < 0 ? -x : x;
    double r = y > 1 ? y : 1;
    for (int i = 0; i < 200; i++) {
        r -= (r * r * r - y) / (3 * r * r);
    }
    return x < 0 ? -r : r;
}

/* RFC 9438 4.2 in segments and seconds. */
static double rfc_k(double w_max, double cwnd_epoch)
{
    return d_cbrt((w_max - cwnd_epoch) / C_RFC);
}

static double rfc_w(double w_max, double k, double t)
{
    return C_RFC * d_cube(t - k) + w_max;
}

static void assert_near(double got, double want, double tol)
{
    if (d_abs(got - want) > tol) {
        fail_msg("got %.3f, want %.3f (tolerance %.3f)", got, want, tol);
    }
}

/* Within 1 SMSS or 0.5 %, in bytes. */
static double tol_bytes(double want)
{
    double frac = want * TOL_FRAC;
    return frac > SMSS ? frac : SMSS;
}

/* ---- Arithmetic ----------------------------------------------------------------------------- */

static void cube_root(void **state)
{
    (void)state;
    assert_int_equal(axn_tcp_cbrt(0), 0);
    assert_int_equal(axn_tcp_cbrt(1), 1);
    assert_int_equal(axn_tcp_cbrt(7), 1);
    assert_int_equal(axn_tcp_cbrt(8), 2);
    assert_int_equal(axn_tcp_cbrt(26), 2);
    assert_int_equal(axn_tcp_cbrt(27), 3);
    assert_int_equal(axn_tcp_cbrt(999999999999ull), 9999);
    assert_int_equal(axn_tcp_cbrt(1000000000000ull), 10000);
    assert_int_equal(axn_tcp_cbrt(UINT64_MAX), 2642245); /* 2642245^3 < 2^64 < 2642246^3 */
    /* floor(cbrt(x)) for a spread of x. */
    for (uint64_t x = 3; x < (UINT64_MAX >> 3); x = x * 7 + 11) {
        uint64_t r = axn_tcp_cbrt(x);
        assert_true(r * r * r <= x);
        assert_true((r + 1) * (r + 1) * (r + 1) > x);
    }
}

/* RFC 9438 4.2 eq. 2: K = cbrt(W_max (1 - beta) / C) when cwnd_epoch =
 * beta W_max, here for several W_max; and 0 when W_max <= cwnd_epoch. */
static void k_for_w_max(void **state)
{
    static const uint32_t w_segs[] = {2, 10, 100, 1000, 10000, 100000};

    (void)state;
    for (size_t i = 0; i < sizeof(w_segs) / sizeof(w_segs[0]); i++) {
        uint32_t w_max = SEGS(w_segs[i]);
        uint32_t epoch = (uint32_t)(w_max * B_RFC);
        double want = rfc_k(w_segs[i], w_segs[i] * B_RFC);
        double got = (double)axn_tcp_cubic_k(w_max, epoch, SMSS) / AXN_TCP_CUBIC_HZ;
        assert_near(got, want, 2.0 / AXN_TCP_CUBIC_HZ);
    }
    assert_near((double)axn_tcp_cubic_k(SEGS(100), SEGS(70), SMSS) / AXN_TCP_CUBIC_HZ, d_cbrt(75.0),
                0.002); /* 4.2172 s */
    assert_int_equal(axn_tcp_cubic_k(SEGS(70), SEGS(70), SMSS), 0);
    assert_int_equal(axn_tcp_cubic_k(SEGS(70), SEGS(80), SMSS), 0);
}

/* RFC 9438 4.2 eq. 1 at chosen times, W_max = 100 and 2000 segments,
 * before, at and after K. */
static void w_cubic_at_times(void **state)
{
    static const double w_segs[] = {100.0, 2000.0};
    static const double times[] = {0.0, 0.5, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 20.0};

    (void)state;
    for (size_t i = 0; i < 2; i++) {
        uint32_t w_max = (uint32_t)(w_segs[i] * SMSS);
        uint64_t k = axn_tcp_cubic_k(w_max, (uint32_t)(w_max * B_RFC), SMSS);
        double kd = rfc_k(w_segs[i], w_segs[i] * B_RFC);
        for (size_t j = 0; j < sizeof(times) / sizeof(times[0]); j++) {
            double want = rfc_w(w_segs[i], kd, times[j]) * SMSS;
            uint32_t got = axn_tcp_cubic_window(w_max, k, (axn_time_t)(times[j] * 1e6), SMSS);
            assert_near(got, want < 0 ? 0 : want, tol_bytes(want));
        }
        /* At K the curve is at W_max. */
        assert_near(axn_tcp_cubic_window(w_max, k, (axn_time_t)(kd * 1e6), SMSS), w_max, SMSS);
    }
    /* Saturation instead of wrapping, far out. */
    assert_int_equal(axn_tcp_cubic_window(UINT32_MAX - 5, 0, AXN_SEC(100000), SMSS), UINT32_MAX);
    assert_int_equal(axn_tcp_cubic_window(SMSS, AXN_TCP_CUBIC_HZ * 100ull, 0, SMSS), 0);
}

/* ---- Window evolution -------------------------------------------------------------------------
 */

/* RFC 9438 4.6: ssthresh = flight_size * beta_cubic, cwnd = ssthresh,
 * both at least 2 SMSS; the same FlightSize rule as NewReno's. */
static void multiplicative_decrease(void **state)
{
    struct axn_tcp_conn c;

    (void)state;
    conn_cubic(&c);
    c.cwnd = SEGS(100);
    loss_event(&c, T_LOSS);
    assert_int_equal(c.ssthresh, SEGS(70));
    assert_int_equal(c.cwnd, SEGS(70));

    conn_cubic(&c);
    c.cwnd = SEGS(100);
    c.snd_max = c.snd_una + SEGS(50); /* only half the window in flight */
    assert_int_equal(c.cc->ssthresh(&c, T_LOSS), SEGS(35));

    conn_cubic(&c);
    c.cwnd = SEGS(2);
    loss_event(&c, T_LOSS);
    assert_int_equal(c.ssthresh, SEGS(2));
}

/* RFC 9438 4.3's W_est, in segments, after one ACK of one SMSS. */
static double w_est_ack(double w_est, double cwnd_segs, double cwnd_prior)
{
    const double alpha = 3.0 * (1.0 - B_RFC) / (1.0 + B_RFC);
    return w_est + (w_est >= cwnd_prior ? 1.0 : alpha) / cwnd_segs;
}

/* After a loss at W_max = 100 segments (RTT 100 ms) cwnd follows the
 * curve: W_cubic(t) <= cwnd <= max(W_cubic(t + RTT), W_est) (4.4-4.5:
 * the target is one RTT ahead; 4.3: W_est where Reno does better, here
 * from about 6 s), within 1 SMSS; concave (slowing) up to K, flat at
 * W_max around it, convex (speeding) after. */
static void concave_then_convex(void **state)
{
    struct axn_tcp_conn c;
    axn_time_t now = T_LOSS;
    const double kd = rfc_k(100, 70);
    double w_est = 70;
    uint32_t at[80];

    (void)state;
    conn_cubic(&c);
    c.srtt = RTT;
    c.cwnd = SEGS(100);
    loss_event(&c, now);
    const axn_time_t epoch = now + RTT / (c.cwnd / SMSS); /* first ACK */
    for (size_t r = 0; r < 80; r++) {
        uint32_t n = c.cwnd / SMSS;
        for (uint32_t i = 0; i < n; i++) {
            now += RTT / n;
            w_est = w_est_ack(w_est, (double)c.cwnd / SMSS, 100);
            ack_one(&c, now);
        }
        at[r] = c.cwnd;
        double t = (double)(now - epoch) / 1e6;
        double lo = rfc_w(100, kd, t) * SMSS - SMSS;
        double hi = rfc_w(100, kd, t + (double)RTT / 1e6);
        hi = (hi > w_est ? hi : w_est) * SMSS + SMSS;
        if (c.cwnd < lo || c.cwnd > hi) {
            fail_msg("round %zu t %.2f: cwnd %u not in [%.0f, %.0f]", r, t, c.cwnd, lo, hi);
        }
    }
    /* Rounds of 100 ms: K = 4.22 s is round ~42. */
    uint32_t g_early = at[9] - at[0];    /* t 0.1 .. 1.0 s */
    uint32_t g_before = at[39] - at[30]; /* 3.1 .. 4.0 s */
    uint32_t g_after = at[54] - at[45];  /* 4.6 .. 5.5 s */
    uint32_t g_late = at[79] - at[70];   /* 7.1 .. 8.0 s */
    assert_true(g_early > 4 * g_before);
    assert_true(g_late > 4 * g_after);
    assert_near(at[41], SEGS(100), 2 * SMSS);
    assert_true(at[79] > SEGS(115));
}

/* RFC 9438 4.7: a loss at a cwnd below the last W_max (80 < 100
 * segments) sets W_max = 80 * (1 + beta) / 2 = 68: the plateau is there,
 * K = cbrt((68 - 56) / C) = 3.11 s after the epoch began. A long RTT
 * (300 ms) keeps Reno's W_est (4.3) below the curve. */
static void fast_convergence(void **state)
{
    struct axn_tcp_conn c;
    axn_time_t now = T_LOSS;
    const axn_time_t rtt = AXN_MSEC(300);
    double kd = rfc_k(68, 56);

    (void)state;
    conn_cubic(&c);
    c.srtt = rtt;
    c.cwnd = SEGS(100);
    loss_event(&c, now);
    ack_round(&c, &now, rtt);
    c.cwnd = SEGS(80);
    now += rtt;
    loss_event(&c, now);
    assert_int_equal(c.cwnd, SEGS(56));
    const axn_time_t epoch = now + rtt / 56;
    while (now < epoch + (axn_time_t)(kd * 1e6)) {
        ack_round(&c, &now, rtt);
    }
    /* At K: W_cubic(K) = 68 <= cwnd <= W_cubic(K + RTT). */
    assert_near(c.cwnd, SEGS(68), 1.5 * SMSS);
    assert_true(c.cwnd < SEGS(75)); /* without fast convergence: 80 */
}

/* RFC 9438 4.3: with a tiny RTT (1 ms) Reno's W_est outgrows W_cubic
 * (time barely moves), and cwnd = W_est: alpha = 3(1 - beta)/(1 + beta)
 * segments per RTT until W_est reaches cwnd_prior, then 1. */
static void reno_friendly_short_rtt(void **state)
{
    struct axn_tcp_conn c;
    axn_time_t now = T_LOSS;
    const axn_time_t rtt = AXN_MSEC(1);
    const double alpha = 3.0 * (1.0 - B_RFC) / (1.0 + B_RFC);
    double w_est = 70.0; /* segments: the RFC's update, per ACK */

    (void)state;
    conn_cubic(&c);
    c.srtt = rtt;
    c.cwnd = SEGS(100);
    loss_event(&c, now);
    for (int r = 0; r < 100; r++) {
        uint32_t n = c.cwnd / SMSS;
        for (uint32_t i = 0; i < n; i++) {
            now += rtt / n;
            ack_one(&c, now);
            w_est += (w_est >= 100.0 ? 1.0 : alpha) / w_est;
        }
    }
    assert_near(c.cwnd, w_est * SMSS, 2 * SMSS);
    /* About 57 RTTs at alpha to 100, then about one segment per RTT. */
    assert_true(c.cwnd > SEGS(135) && c.cwnd < SEGS(150));
    /* The cubic curve alone would be near cwnd_epoch still. */
    double kd = rfc_k(100, 70);
    assert_true(rfc_w(100, kd, 0.1) < 75.0);
}

/* RFC 9438 4.8: a timeout sets ssthresh by beta_cubic, cwnd = 1 SMSS;
 * slow start (RFC 3465: L = 1 SMSS after an RTO) to ssthresh; then the
 * curve starts flat at that cwnd (K = 0, W_max = cwnd), so W_est (Reno)
 * leads at first. */
static void rto_restarts_epoch(void **state)
{
    struct axn_tcp_conn c;
    axn_time_t now = T_LOSS;

    (void)state;
    conn_cubic(&c);
    c.srtt = RTT;
    c.cwnd = SEGS(100);
    fill_pipe(&c);
    c.ssthresh = c.cc->ssthresh(&c, now);
    c.cwnd = SMSS;
    c.cc->on_rto(&c, now);
    assert_int_equal(c.ssthresh, SEGS(70));
    now += RTT;
    ack_one(&c, now);
    assert_int_equal(c.cwnd, SEGS(2));
    c.snd_una += 3 * SMSS;
    c.cc->cong_avoid(&c, 3 * SMSS, now); /* a stretch ACK: still one SMSS */
    assert_int_equal(c.cwnd, SEGS(3));
    while (c.cwnd < c.ssthresh) {
        now += RTT / (c.cwnd / SMSS);
        ack_one(&c, now);
    }
    assert_int_equal(c.cwnd, SEGS(70)); /* capped at ssthresh */
    const axn_time_t epoch = now;
    for (int r = 0; r < 10; r++) {
        ack_round(&c, &now, RTT);
    }
    /* One second in: W_cubic = 70 + 0.4 = 70.4, W_est = 70 + 10 alpha. */
    const double alpha = 3.0 * (1.0 - B_RFC) / (1.0 + B_RFC);
    assert_near(c.cwnd, (70.0 + 10 * alpha) * SMSS, 1.5 * SMSS);
    while (now - epoch < AXN_SEC(5)) {
        ack_round(&c, &now, RTT);
    }
    /* Five seconds: the curve (70 + 0.4 * 125 = 120) has taken over. */
    assert_true(c.cwnd > SEGS(115) && c.cwnd < SEGS(130));
}

/* RFC 9438 5.8: an idle period does not count in t: after 30 s idle,
 * growth goes on as if there had been no pause (with t counting the
 * pause, the target would be 1.5 cwnd at once). */
static void idle_does_not_count(void **state)
{
    struct axn_tcp_conn a, b;
    axn_time_t ta = T_LOSS, tb = T_LOSS;

    (void)state;
    conn_cubic(&a);
    a.srtt = RTT;
    a.cwnd = SEGS(100);
    loss_event(&a, ta);
    for (int r = 0; r < 10; r++) {
        ack_round(&a, &ta, RTT);
    }
    b = a;
    tb = ta;
    const uint32_t before = a.cwnd;
    ack_round(&a, &ta, RTT);
    const axn_time_t idle = AXN_SEC(30);
    b.cc->on_idle_restart(&b, tb, tb + idle);
    b.cc->on_idle_restart(&b, tb, tb + idle + 1000); /* again: only 1 ms more */
    tb += idle + 1000;
    ack_round(&b, &tb, RTT);
    assert_near(b.cwnd, a.cwnd, SMSS);
    assert_true(b.cwnd - before < SEGS(3));
}

/* ---- HyStart++ ------------------------------------------------------------------------------ */

/* Slow start with an ACK every 2 segments and one RTT sample per ACK
 * (timestamps), the RTT of round r (counted from the connection's first,
 * the initial window) given by rtt_of(r). Runs at most `rounds` rounds,
 * while cwnd < ssthresh; returns how many it ran. */
typedef axn_time_t (*rtt_fn)(unsigned round);

static unsigned g_round;

/* One ACK of 2 SMSS (or what is left before `end`) with its RTT sample,
 * the sender then filling the pipe. */
static void ss_ack(struct axn_tcp_conn *c, axn_time_t *now, axn_time_t rtt, uint32_t end)
{
    uint32_t n = end - c->snd_una < 2 * SMSS ? end - c->snd_una : 2 * SMSS;
    *now += rtt / (c->cwnd / (2 * SMSS) + 1);
    c->snd_una += n;
    axn_tcp_rtt_sample(c, rtt, *now);
    c->cc->cong_avoid(c, n, *now);
    fill_pipe(c);
}

static unsigned slow_start_rounds(struct axn_tcp_conn *c, axn_time_t *now, rtt_fn rtt_of,
                                  unsigned rounds)
{
    unsigned r;
    for (r = 0; r < rounds && c->cwnd < c->ssthresh; r++, g_round++) {
        uint32_t end = c->snd_max;
        axn_time_t rtt = rtt_of(g_round);
        while (seq_lt(c->snd_una, end)) {
            ss_ack(c, now, rtt, end);
        }
    }
    return r;
}

static axn_time_t rtt_flat(unsigned round)
{
    return AXN_MSEC(50) + (round & 1u) * 100u; /* 0.1 ms of noise */
}

/* The queue builds from round 6 on: +10 ms (threshold 50/8 = 6.25 ms). */
static axn_time_t rtt_rise(unsigned round)
{
    return round < 6 ? AXN_MSEC(50) : AXN_MSEC(60);
}

/* Up from round 14 on. */
static axn_time_t rtt_late_rise(unsigned round)
{
    return round < 14 ? AXN_MSEC(50) : AXN_MSEC(60);
}

/* Up in round 6 only: the exit was spurious. */
static axn_time_t rtt_blip(unsigned round)
{
    return round == 6 ? AXN_MSEC(60) : AXN_MSEC(50);
}

static void hystart_conn(struct axn_tcp_conn *c)
{
    conn_cubic(c);
    fill_pipe(c);
    g_round = 0;
}

/* RFC 9406: flat RTTs never end slow start, and once a round has had
 * N_RTT_SAMPLE samples cwnd doubles per round (delayed ACKs: 2 SMSS per
 * ACK, under L = 8 SMSS); before that, one SMSS per ACK (RFC 5681). */
static void hystart_flat_rtt_stays(void **state)
{
    struct axn_tcp_conn c;
    axn_time_t now = 0;

    (void)state;
    hystart_conn(&c);
    /* The initial window's round: 5 ACKs, 5 samples: +1 SMSS each. */
    slow_start_rounds(&c, &now, rtt_flat, 1);
    assert_int_equal(c.cwnd, SEGS(15));
    assert_int_equal(slow_start_rounds(&c, &now, rtt_flat, 8), 8);
    const uint32_t before = c.cwnd;
    slow_start_rounds(&c, &now, rtt_flat, 1);
    assert_int_equal(c.cwnd, 2 * before);
    assert_int_equal(c.ssthresh, UINT32_MAX);
    assert_int_equal(L.ext.hystart_delay_detect, 0);
}

/* RFC 9406 4.2: the round minimum up by more than RttThresh (50 -> 60
 * ms, threshold 50/8 ms): CSS, a quarter of the growth, for CSS_ROUNDS
 * rounds, then congestion avoidance at ssthresh = cwnd;
 * TCPHystartDelayDetect/DelayCwnd. HyStart++'s rounds (windowEnd) are
 * not aligned with the test's RTT steps, so the exit comes within the
 * first HyStart++ round wholly at 60 ms: after at most one more window. */
static void hystart_rtt_rise_exits(void **state)
{
    struct axn_tcp_conn c;
    axn_time_t now = 0;
    unsigned acks = 0;

    (void)state;
    hystart_conn(&c);
    slow_start_rounds(&c, &now, rtt_rise, 6);
    const uint32_t cw6 = c.cwnd; /* cwnd when the RTT rises */
    assert_int_equal(L.ext.hystart_delay_detect, 0);
    while (L.ext.hystart_delay_detect == 0 && acks < 1000) {
        ss_ack(&c, &now, rtt_rise(6), c.snd_max);
        acks++;
    }
    assert_int_equal(L.ext.hystart_delay_detect, 1);
    /* Within round 6 or the first ACKs of round 7. */
    assert_true(acks < cw6 / (2 * SMSS) + cw6 / SMSS);
    assert_true(c.cwnd > cw6 && c.cwnd < 3 * cw6);
    assert_int_equal(L.ext.hystart_delay_cwnd, c.cwnd / SMSS);
    assert_int_equal(c.ssthresh, UINT32_MAX); /* CSS is still slow start */
    const uint32_t before = c.cwnd;
    ss_ack(&c, &now, rtt_rise(6), c.snd_max);
    assert_int_equal(c.cwnd, before + 2 * SMSS / AXN_TCP_HYSTART_CSS_GROWTH_DIVISOR);
    g_round = 7;
    unsigned css = slow_start_rounds(&c, &now, rtt_rise, 100);
    assert_true(css >= AXN_TCP_HYSTART_CSS_ROUNDS - 1 && css <= AXN_TCP_HYSTART_CSS_ROUNDS + 1);
    assert_true(c.ssthresh != UINT32_MAX && c.ssthresh <= c.cwnd);
    /* About 1.25^5 over CSS, where slow start would have done 2^5. */
    assert_true(c.ssthresh < 5 * before);
    assert_int_equal(L.ext.hystart_delay_detect, 1);
}

/* RFC 9406 4.2: in CSS, a round minimum back below the baseline resumes
 * slow start (the exit was spurious); with the RTT flat it stays there. */
static void hystart_spurious_exit_resumes(void **state)
{
    struct axn_tcp_conn c;
    axn_time_t now = 0;

    (void)state;
    hystart_conn(&c);
    slow_start_rounds(&c, &now, rtt_blip, 7);
    assert_int_equal(L.ext.hystart_delay_detect, 1);
    slow_start_rounds(&c, &now, rtt_blip, 1); /* round 7: back to 50 ms */
    const uint32_t before = c.cwnd;
    slow_start_rounds(&c, &now, rtt_blip, 2);
    assert_int_equal(c.cwnd, 4 * before); /* doubling again */
    assert_int_equal(c.ssthresh, UINT32_MAX);
    assert_int_equal(L.ext.hystart_delay_detect, 1);
}

/* RFC 9406 4.2: a loss ends HyStart++ for good: the slow start after a
 * later RTO is the standard one, RTT rise or not. */
static void hystart_off_after_loss(void **state)
{
    struct axn_tcp_conn c;
    axn_time_t now = 0;

    (void)state;
    hystart_conn(&c);
    slow_start_rounds(&c, &now, rtt_flat, 5);
    loss_event(&c, now);
    c.cwnd = SMSS;
    c.cc->on_rto(&c, now);
    fill_pipe(&c); /* go-back-N from SND.UNA */
    slow_start_rounds(&c, &now, rtt_late_rise, 30);
    assert_true(c.cwnd >= c.ssthresh);
    assert_true(g_round > 15);
    assert_int_equal(L.ext.hystart_delay_detect, 0);
}

/* An RTT sample before init (the handshake's, tcp_conn.c) is harmless. */
static void rtt_before_init(void **state)
{
    struct axn_tcp_conn c;

    (void)state;
    memset(&c, 0, sizeof(c));
    c.mss = SMSS;
    c.cc = &axn_tcp_cc_cubic;
    axn_tcp_rtt_sample(&c, AXN_MSEC(5), 1);
    c.cc->init(&c, 1);
    assert_int_equal(c.cwnd, SEGS(AXN_TCP_INIT_CWND));
    assert_int_equal(c.ssthresh, UINT32_MAX);
}

/* ---- TCP_CONGESTION ------------------------------------------------------------------------- */

#define PORT 80u

static struct tcp_sim T;

static void get_cc(struct axn_socket *s, char name[AXN_TCP_CA_NAME_MAX])
{
    axn_socklen_t len = AXN_TCP_CA_NAME_MAX;
    memset(name, 0x55, AXN_TCP_CA_NAME_MAX);
    assert_int_equal(axn_getsockopt(s, AXN_SOL_TCP, AXN_TCP_CONGESTION, name, &len), 0);
    assert_int_equal(len, AXN_TCP_CA_NAME_MAX);
}

static int set_cc(struct axn_socket *s, const char *name)
{
    return axn_setsockopt(s, AXN_SOL_TCP, AXN_TCP_CONGESTION, name, (axn_socklen_t)strlen(name));
}

/* tcp(7): a new socket has the stack's default, "cubic", NUL-padded to
 * TCP_CA_NAME_MAX; a shorter optlen gets that many bytes. */
static void congestion_default_and_get(void **state)
{
    char name[AXN_TCP_CA_NAME_MAX];
    static const char want[AXN_TCP_CA_NAME_MAX] = "cubic";
    axn_socklen_t len = 3;

    (void)state;
    struct axn_socket *s = tcp_sim_keep(&T, tcp_sim_socket(&T, TCP_SIM_NODE_A));
    get_cc(s, name);
    assert_memory_equal(name, want, sizeof(want));
    memset(name, 0, sizeof(name));
    assert_int_equal(axn_getsockopt(s, AXN_SOL_TCP, AXN_TCP_CONGESTION, name, &len), 0);
    assert_int_equal(len, 3);
    assert_string_equal(name, "cub");
    assert_string_equal(axn_tcp_available_congestion_control(), "reno cubic");
}

/* Linux tcp_set_congestion_control: an unknown name is ENOENT and
 * changes nothing; an empty option EINVAL; a known one is taken, with or
 * without its NUL. */
static void congestion_set_by_name(void **state)
{
    char name[AXN_TCP_CA_NAME_MAX];

    (void)state;
    struct axn_socket *s = tcp_sim_keep(&T, tcp_sim_socket(&T, TCP_SIM_NODE_A));
    assert_int_equal(set_cc(s, "vegas"), -AXN_ENOENT);
    assert_int_equal(set_cc(s, "cubicc"), -AXN_ENOENT);
    assert_int_equal(axn_setsockopt(s, AXN_SOL_TCP, AXN_TCP_CONGESTION, "reno", 0), -AXN_EINVAL);
    get_cc(s, name);
    assert_string_equal(name, "cubic");
    assert_int_equal(set_cc(s, "reno"), 0);
    get_cc(s, name);
    assert_string_equal(name, "reno");
    assert_int_equal(axn_setsockopt(s, AXN_SOL_TCP, AXN_TCP_CONGESTION, "cubic", 6), 0);
    get_cc(s, name);
    assert_string_equal(name, "cubic");
}

/* Linux tcp_reinit_congestion_control: an established connection
 * switches at once, its cwnd and ssthresh kept, and keeps working. */
static void congestion_switch_established(void **state)
{
    struct axn_socket *c, *s;
    char name[AXN_TCP_CA_NAME_MAX];
    static uint8_t buf[8 * 1024];

    (void)state;
    tcp_sim_pair_kept(&T, PORT, &c, &s);
    struct axn_tcp_conn *cc = tcp_sim_conn(&T, TCP_SIM_NODE_A, tcp_sim_local_port(c), PORT);
    assert_non_null(cc);
    assert_ptr_equal(cc->cc, &axn_tcp_cc_cubic);
    tcp_sim_pattern(buf, sizeof(buf), 0);
    assert_int_equal(axn_send(c, buf, sizeof(buf), AXN_MSG_DONTWAIT), (long)sizeof(buf));
    tcp_sim_run(&T, AXN_MSEC(20));
    const uint32_t cwnd = cc->cwnd;
    assert_true(cwnd > SEGS(0));
    assert_int_equal(set_cc(c, "reno"), 0);
    assert_ptr_equal(cc->cc, &axn_tcp_cc_newreno);
    assert_int_equal(cc->cwnd, cwnd);
    assert_int_equal(cc->ssthresh, UINT32_MAX);
    get_cc(c, name);
    assert_string_equal(name, "reno");
    assert_int_equal(set_cc(c, "cubic"), 0);
    assert_int_equal(cc->cwnd, cwnd);
    /* Data still flows, all of it. */
    assert_int_equal(axn_send(c, buf, sizeof(buf), AXN_MSG_DONTWAIT), (long)sizeof(buf));
    tcp_sim_run(&T, AXN_MSEC(50));
    static uint8_t in[2 * sizeof(buf)];
    size_t got = 0;
    for (int i = 0; i < 64 && got < sizeof(in); i++) {
        long n = tcp_sim_read(s, in + got, sizeof(in) - got);
        got += n > 0 ? (size_t)n : 0;
        tcp_sim_run(&T, AXN_MSEC(5));
    }
    assert_int_equal(got, sizeof(in));
    assert_true(tcp_sim_pattern_ok(in, sizeof(buf), 0));
    assert_true(tcp_sim_pattern_ok(in + sizeof(buf), sizeof(buf), 0));
}

/* A listener's algorithm goes to the connections it accepts (Linux: the
 * child is a clone of the listener); the client keeps the default. */
static void congestion_inherited_by_children(void **state)
{
    char name[AXN_TCP_CA_NAME_MAX];
    int err = 0;

    (void)state;
    struct axn_socket *l = tcp_sim_keep(&T, tcp_sim_listen(&T, TCP_SIM_NODE_B, PORT, 4));
    assert_int_equal(set_cc(l, "reno"), 0);
    struct axn_socket *c = tcp_sim_keep(&T, tcp_sim_connect(&T, TCP_SIM_NODE_A, TCP_SIM_B, PORT));
    struct tcp_sim_accept_wait w = {.l = l};
    assert_true(tcp_sim_run_until(&T, tcp_sim_accepted, &w, tcp_sim_now(&T) + AXN_SEC(1)));
    struct axn_socket *a = tcp_sim_keep(&T, w.got);
    (void)err;
    get_cc(a, name);
    assert_string_equal(name, "reno");
    get_cc(c, name);
    assert_string_equal(name, "cubic");
    get_cc(l, name);
    assert_string_equal(name, "reno");
}

/* net.ipv4.tcp_congestion_control: the stack default for new sockets;
 * an unknown name is ENOENT. */
static void congestion_stack_default(void **state)
{
    struct axn_tcp_settings set;
    char name[AXN_TCP_CA_NAME_MAX];
    struct axn_stack *st = tcp_sim_st(&T, TCP_SIM_NODE_A);

    (void)state;
    assert_int_equal(axn_tcp_get_settings(st, &set), 0);
    assert_string_equal(set.congestion_control, "cubic");
    memset(set.congestion_control, 0, sizeof(set.congestion_control));
    memcpy(set.congestion_control, "bbr", 3);
    assert_int_equal(axn_tcp_set_settings(st, &set), -AXN_ENOENT);
    memcpy(set.congestion_control, "reno", 4);
    assert_int_equal(axn_tcp_set_settings(st, &set), 0);
    struct axn_socket *s = tcp_sim_keep(&T, tcp_sim_socket(&T, TCP_SIM_NODE_A));
    get_cc(s, name);
    assert_string_equal(name, "reno");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cube_root),
        cmocka_unit_test(k_for_w_max),
        cmocka_unit_test(w_cubic_at_times),
        cmocka_unit_test(multiplicative_decrease),
        cmocka_unit_test(concave_then_convex),
        cmocka_unit_test(fast_convergence),
        cmocka_unit_test(reno_friendly_short_rtt),
        cmocka_unit_test(rto_restarts_epoch),
        cmocka_unit_test(idle_does_not_count),
        cmocka_unit_test(hystart_flat_rtt_stays),
        cmocka_unit_test(hystart_rtt_rise_exits),
        cmocka_unit_test(hystart_spurious_exit_resumes),
        cmocka_unit_test(hystart_off_after_loss),
        cmocka_unit_test(rtt_before_init),
        TCP_SIM_TEST(congestion_default_and_get, &T),
        TCP_SIM_TEST(congestion_set_by_name, &T),
        TCP_SIM_TEST(congestion_switch_established, &T),
        TCP_SIM_TEST(congestion_inherited_by_children, &T),
        TCP_SIM_TEST(congestion_stack_default, &T),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
