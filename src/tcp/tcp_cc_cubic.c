/*
 * CUBIC congestion control (RFC 9438), with HyStart++ (RFC 9406,
 * tcp_hystart.c) in the initial slow start. The default algorithm.
 *
 * After a congestion event the window follows W_cubic(t) = C * (t - K)^3
 * + W_max (4.2): concave up to the W_max where the loss happened, flat
 * around it, then convex probing beyond (4.4, 4.5); a Reno estimate W_est
 * floors it where Reno would do better (4.3, short RTTs); losses cut to
 * beta_cubic = 0.7 (4.6) and, while the window keeps shrinking, W_max
 * further (4.7 fast convergence).
 *
 * Integers only (kernels forbid floating point): windows in bytes, time
 * in 1/AXN_TCP_CUBIC_HZ s (so (t - K)^3 fits in 64 bits for |t - K| up
 * to CUBIC_D_MAX), C and beta as thousandths (config.h). The state is in
 * conn->cc_priv, as uint64_t words like the array itself.
 */
#include "tcp/tcp_cc.h"

#include "lib/mem.h"
#include "tcp/tcp_hystart.h"

#define X1000      1000u
#define USEC_PER_S 1000000u
/* log2(AXN_TCP_CUBIC_HZ) and |t - K| cap: 2^20 / 1024 s = 1024 s, far
 * past any K (W_max - cwnd_epoch < 2^32 bytes) the clamps leave reachable. */
#define CUBIC_HZ_SHIFT 10u
#define CUBIC_D_MAX    ((uint64_t)1 << 20)
/* Larger times are clamped before conversion (no overflow of t << 10). */
#define CUBIC_T_MAX_US ((axn_time_t)1 << 50)
/* (t - K)^3 is in 2^-30 s^3: scaled down by 2^10 before C, then 2^4
 * before SMSS and 2^16 after (2^-30 * 2^10 * 2^4 * 2^16 = 1). */
#define CUBIC_CUBE_SHIFT  10u
#define CUBIC_SEG_SHIFT   4u
#define CUBIC_BYTES_SHIFT 16u
/* K^3 is computed in 2^-10 segments, then scaled by 2^20 to 2^-30 s^3. */
#define CUBIC_K_SEG_SHIFT  10u
#define CUBIC_K_CUBE_SHIFT 20u
/* RFC 9438 4.3: alpha_cubic = 3 * (1 - beta) / (1 + beta), here
 * ALPHA_NUM / ALPHA_DEN; 1 once W_est reaches cwnd_prior. */
#define ALPHA_NUM (3u * (X1000 - AXN_TCP_CUBIC_BETA_X1000))
#define ALPHA_DEN (X1000 + AXN_TCP_CUBIC_BETA_X1000)
/* RFC 9438 4.4-4.5: the target is at most 1.5 cwnd (cwnd + cwnd / 2). */
#define CUBIC_TARGET_MAX_SHIFT 1u
/* RFC 9438 4.6: ssthresh and cwnd at least 2 SMSS after a loss. */
#define CUBIC_MIN_SSTHRESH_SEGS 2u
/* epoch_start when no congestion-avoidance epoch runs. */
#define CUBIC_NO_EPOCH AXN_TIME_NEVER

struct cubic {
    uint64_t epoch_start; /* µs: when this congestion avoidance stage began */
    uint64_t w_max;       /* bytes: W_max; 0 = cwnd at the epoch start */
    uint64_t cwnd_prior;  /* bytes: cwnd at the last congestion event */
    uint64_t k;           /* 1/AXN_TCP_CUBIC_HZ s */
    uint64_t w_est;       /* bytes: Reno-friendly estimate (4.3) */
    uint64_t est_acc;     /* W_est growth below a byte, x ALPHA_DEN * cwnd */
    uint64_t cwnd_acc;    /* cwnd growth below a byte, x cwnd */
    uint64_t idle_mark;   /* µs: idle time before this is out of the epoch */
    struct axn_tcp_hystart hs;
};

_Static_assert(sizeof(struct cubic) <= sizeof(((struct axn_tcp_conn *)0)->cc_priv),
               "CUBIC state must fit in conn->cc_priv");
_Static_assert(AXN_TCP_CUBIC_HZ == (1u << CUBIC_HZ_SHIFT), "CUBIC_HZ_SHIFT");
_Static_assert(AXN_TCP_CUBIC_C_X1000 > 0 && AXN_TCP_CUBIC_C_X1000 < (1 << 14), "CUBIC C range");
_Static_assert(AXN_TCP_CUBIC_BETA_X1000 > 0 && AXN_TCP_CUBIC_BETA_X1000 < X1000,
               "CUBIC beta in (0, 1)");

static struct cubic *cubic_of(struct axn_tcp_conn *c)
{
    return (struct cubic *)(void *)c->cc_priv;
}

static uint32_t sat32(uint64_t v)
{
    return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* ---- Arithmetic -------------------------------------------------------------------------- */

/* Digit by digit in base 8 (three bits of x per bit of the root): with
 * y the root so far, doubled, the next bit is 1 when (y + 1)^3 - y^3 =
 * 3y(y + 1) + 1, at this bit's scale 2^s, fits in what is left of x. */
uint32_t axn_tcp_cbrt(uint64_t x)
{
    uint64_t y = 0;

    for (int s = 63; s >= 0; s -= 3) {
        y <<= 1;
        uint64_t b = 3u * y * (y + 1u) + 1u;
        if ((x >> s) >= b) {
            x -= b << s;
            y++;
        }
    }
    return (uint32_t)y;
}

uint64_t axn_tcp_cubic_k(uint32_t w_max, uint32_t cwnd_epoch, uint32_t mss)
{
    uint64_t q;

    if (w_max <= cwnd_epoch || mss == 0) {
        return 0;
    }
    /* (W_max - cwnd_epoch) / SMSS / C segments, in 2^-10 segments. */
    q = (((uint64_t)(w_max - cwnd_epoch) << CUBIC_K_SEG_SHIFT) / mss) * X1000 /
        AXN_TCP_CUBIC_C_X1000;
    if (q > (UINT64_MAX >> CUBIC_K_CUBE_SHIFT)) {
        q = UINT64_MAX >> CUBIC_K_CUBE_SHIFT;
    }
    return axn_tcp_cbrt(q << CUBIC_K_CUBE_SHIFT);
}

/* C * d^3 segments in bytes, d in 1/AXN_TCP_CUBIC_HZ s. */
static uint64_t cubic_delta(uint64_t d, uint32_t mss)
{
    uint64_t cube;
    uint64_t seg;

    if (d > CUBIC_D_MAX) {
        d = CUBIC_D_MAX;
    }
    cube = d * d * d;
    seg = (cube >> CUBIC_CUBE_SHIFT) * AXN_TCP_CUBIC_C_X1000 / X1000;
    return ((seg >> CUBIC_SEG_SHIFT) * mss) >> CUBIC_BYTES_SHIFT;
}

static uint64_t us_to_units(axn_time_t t)
{
    if (t > CUBIC_T_MAX_US) {
        t = CUBIC_T_MAX_US;
    }
    return (t << CUBIC_HZ_SHIFT) / USEC_PER_S;
}

uint32_t axn_tcp_cubic_window(uint32_t w_max, uint64_t k, axn_time_t t, uint32_t mss)
{
    uint64_t tu = us_to_units(t);
    uint64_t d;

    if (tu >= k) {
        return sat32((uint64_t)w_max + cubic_delta(tu - k, mss));
    }
    d = cubic_delta(k - tu, mss);
    return d < w_max ? (uint32_t)(w_max - d) : 0;
}

/* ---- Congestion avoidance (RFC 9438 4.2-4.5) ---------------------------------------------- */

/* The first ACK of a congestion avoidance stage. RFC 9438 4.8 (after a
 * timeout) and 4.10 (HyStart++ left slow start without a loss): no W_max
 * above cwnd, so K = 0 and W_max = cwnd, the curve's plateau here. */
static void cubic_epoch_begin(struct cubic *s, const struct axn_tcp_conn *c, axn_time_t now)
{
    s->epoch_start = now;
    s->idle_mark = now;
    if (s->w_max <= c->cwnd) {
        s->w_max = c->cwnd;
        s->k = 0;
    } else {
        s->k = axn_tcp_cubic_k((uint32_t)s->w_max, c->cwnd, c->mss);
    }
    /* RFC 9438 4.3: W_est starts at cwnd_epoch. */
    s->w_est = c->cwnd;
    s->est_acc = 0;
    s->cwnd_acc = 0;
}

/* RFC 9438 4.3: W_est += alpha_cubic * segments_acked / cwnd, segments;
 * in bytes alpha * acked * SMSS / cwnd. alpha becomes 1 once W_est has
 * reached cwnd_prior (Reno's own rate from there). */
static void cubic_reno_estimate(struct cubic *s, const struct axn_tcp_conn *c, uint32_t acked)
{
    uint64_t num = s->w_est >= s->cwnd_prior ? ALPHA_DEN : ALPHA_NUM;
    uint64_t den = (uint64_t)ALPHA_DEN * c->cwnd;
    uint64_t inc;

    s->est_acc += num * acked * c->mss;
    inc = s->est_acc / den;
    s->est_acc -= inc * den;
    s->w_est += inc;
}

/* RFC 9438 4.4-4.5: target = W_cubic(t + RTT) within [cwnd, 1.5 cwnd].
 * RTT is the smoothed one (RFC 6298 SRTT). */
static uint32_t cubic_target(const struct cubic *s, const struct axn_tcp_conn *c, axn_time_t t)
{
    uint32_t w = axn_tcp_cubic_window((uint32_t)s->w_max, s->k, t + c->srtt, c->mss);
    uint64_t hi = (uint64_t)c->cwnd + (c->cwnd >> CUBIC_TARGET_MAX_SHIFT);

    if (w < c->cwnd) {
        return c->cwnd;
    }
    return w > hi ? sat32(hi) : w;
}

/* RFC 9438 4.4-4.5: cwnd += (target - cwnd) / cwnd per SMSS acked, i.e.
 * acked * (target - cwnd) / cwnd bytes, the remainder carried over. */
static void cubic_grow(struct cubic *s, struct axn_tcp_conn *c, uint32_t acked, uint32_t target)
{
    uint64_t inc;

    s->cwnd_acc += (uint64_t)acked * (target - c->cwnd);
    inc = s->cwnd_acc / c->cwnd;
    s->cwnd_acc -= inc * c->cwnd;
    c->cwnd = sat32((uint64_t)c->cwnd + inc);
}

static void cubic_avoid(struct cubic *s, struct axn_tcp_conn *c, uint32_t acked, axn_time_t now)
{
    axn_time_t t;

    if (s->epoch_start == CUBIC_NO_EPOCH) {
        cubic_epoch_begin(s, c, now);
    }
    t = now > s->epoch_start ? now - s->epoch_start : 0;
    cubic_reno_estimate(s, c, acked);
    /* RFC 9438 4.3: below W_est, the Reno-friendly region: cwnd = W_est. */
    if (axn_tcp_cubic_window((uint32_t)s->w_max, s->k, t, c->mss) < s->w_est) {
        if (s->w_est > c->cwnd) {
            c->cwnd = sat32(s->w_est);
        }
        return;
    }
    cubic_grow(s, c, acked, cubic_target(s, c, t));
}

/* ---- Slow start ----------------------------------------------------------------------------- */

/* RFC 9406 in the initial slow start; otherwise (after a timeout) RFC
 * 5681 3.1 with RFC 3465's L = 1 SMSS after an RTO. Capped at ssthresh,
 * where congestion avoidance takes over. */
static void cubic_slow_start(struct cubic *s, struct axn_tcp_conn *c, uint32_t acked)
{
    uint32_t inc;

    if (axn_tcp_hystart_active(&s->hs, c)) {
        inc = axn_tcp_hystart_increase(&s->hs, c, acked);
    } else {
        inc = acked < c->mss ? acked : c->mss;
    }
    c->cwnd = sat32((uint64_t)c->cwnd + inc);
    if (c->cwnd > c->ssthresh) {
        c->cwnd = c->ssthresh;
    }
}

/* ---- The ops -----------------------------------------------------------------------------------
 */

static void cubic_init(struct axn_tcp_conn *c, axn_time_t now)
{
    struct cubic *s = cubic_of(c);

    (void)now;
    memset(s, 0, sizeof(*s));
    s->epoch_start = CUBIC_NO_EPOCH;
    c->cwnd = axn_tcp_initial_cwnd(c);
    c->ssthresh = UINT32_MAX; /* RFC 5681 3.1: arbitrarily high */
    axn_tcp_hystart_init(&s->hs, c);
}

static void cubic_cong_avoid(struct axn_tcp_conn *c, uint32_t acked, axn_time_t now)
{
    struct cubic *s = cubic_of(c);

    if (acked == 0 || c->mss == 0 || c->cwnd == 0) {
        return;
    }
    axn_tcp_hystart_on_ack(&s->hs, c);
    if (c->cwnd < c->ssthresh) {
        cubic_slow_start(s, c, acked);
        return;
    }
    cubic_avoid(s, c, acked, now);
}

/* RFC 9438 4.6 multiplicative decrease, ssthresh = flight_size * beta
 * (at least 2 SMSS), and 4.7 fast convergence: a W_max below the last
 * one says the available bandwidth shrank, so release some by aiming
 * at W_max * (1 + beta) / 2. The epoch restarts after recovery. */
static uint32_t cubic_ssthresh(struct axn_tcp_conn *c, axn_time_t now)
{
    struct cubic *s = cubic_of(c);
    uint64_t ss = (uint64_t)axn_tcp_flight_size(c) * AXN_TCP_CUBIC_BETA_X1000 / X1000;
    uint32_t floor = CUBIC_MIN_SSTHRESH_SEGS * c->mss;

    (void)now;
    if (AXN_TCP_CUBIC_FAST_CONVERGENCE && c->cwnd < s->w_max) {
        s->w_max = (uint64_t)c->cwnd * (X1000 + AXN_TCP_CUBIC_BETA_X1000) / (2u * X1000);
    } else {
        s->w_max = c->cwnd;
    }
    s->cwnd_prior = c->cwnd;
    s->epoch_start = CUBIC_NO_EPOCH;
    s->hs.phase = AXN_TCP_HS_OFF; /* RFC 9406 4.2: a loss ends HyStart++ */
    return ss > floor ? (uint32_t)ss : floor;
}

/* RFC 9438 4.8: after a timeout (ssthresh already set by beta_cubic),
 * slow start again; the next congestion avoidance stage begins with K = 0
 * and W_max = cwnd at its start (w_max 0 says so), W_est likewise. */
static void cubic_on_rto(struct axn_tcp_conn *c, axn_time_t now)
{
    struct cubic *s = cubic_of(c);

    (void)now;
    s->w_max = 0;
    s->epoch_start = CUBIC_NO_EPOCH;
    s->hs.phase = AXN_TCP_HS_OFF;
}

/* RFC 9438 4.2: t counts from the beginning of the congestion avoidance
 * stage, which is the first ACK after recovery. */
static void cubic_on_recovery_exit(struct axn_tcp_conn *c, axn_time_t now)
{
    (void)now;
    cubic_of(c)->epoch_start = CUBIC_NO_EPOCH;
}

static void cubic_on_rtt(struct axn_tcp_conn *c, axn_time_t rtt, axn_time_t now)
{
    (void)now;
    axn_tcp_hystart_on_rtt(&cubic_of(c)->hs, c, rtt);
}

/* RFC 9438 5.8: t must not include idle periods, or W_cubic(t) would be
 * far above cwnd on restart: the epoch moves forward by the idle time
 * not yet accounted for (idle_mark), never past now. */
static void cubic_on_idle_restart(struct axn_tcp_conn *c, axn_time_t idle_since, axn_time_t now)
{
    struct cubic *s = cubic_of(c);
    axn_time_t from = idle_since;

    if (s->epoch_start == CUBIC_NO_EPOCH) {
        return;
    }
    if (s->idle_mark > from) {
        from = s->idle_mark;
    }
    if (s->epoch_start > from) {
        from = s->epoch_start;
    }
    if (now > from) {
        s->epoch_start += now - from;
    }
    s->idle_mark = now;
}

const struct axn_tcp_cc_ops axn_tcp_cc_cubic = {
    .name = "cubic",
    .init = cubic_init,
    .ssthresh = cubic_ssthresh,
    .cong_avoid = cubic_cong_avoid,
    .on_rto = cubic_on_rto,
    .on_recovery_exit = cubic_on_recovery_exit,
    .on_rtt = cubic_on_rtt,
    .on_idle_restart = cubic_on_idle_restart,
};
