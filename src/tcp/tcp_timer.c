/*
 * A connection's timers (tcp_conn.h: deadlines in conn->timer[]), run
 * from the IPv4 layer's poll: retransmission (RFC 6298, RFC 9293
 * 3.8.3), delayed ACK (RFC 1122 4.2.3.2), persist (RFC 9293 3.8.6.1),
 * keep-alive (RFC 1122 4.2.3.6) and the waits (TIME-WAIT, an orphan's
 * FIN-WAIT-2).
 *
 * A timer handler may end the connection and, for an orphan or an
 * unaccepted child, free it: each returns whether `c` still exists.
 */
#include "tcp/tcp_output.h"

#include "axnet/errno.h"
#include "lib/mem.h"
#include "tcp/tcp_cc.h"
#include "tcp/tcp_listen.h"
#include "tcp/tcp_recovery.h"
#include "tcp/tcp_sack.h"
#include "tcp/tcp_seq.h"

/* TIME-WAIT lasts two maximum segment lifetimes (RFC 9293 3.4.2). */
#define TIMER_TW_MSLS 2

/*
 * The timer heap. Every connection with a timer armed is in
 * layer->theap, a binary min-heap on the deadline it was filed under
 * (mem.heap_key), so a pass pops only the due connections and the next
 * deadline is the top's key: O(log n) per change instead of a walk of
 * every connection per pass (100 000 idle connections cost nothing
 * here). Setting a timer goes through axn_tcp_timer_set, which files the
 * connection or moves it up; clearing is lazy (other files assign
 * AXN_TIME_NEVER directly): the key stays, the connection is visited at
 * it, finds nothing due and is re-filed at its real next deadline or
 * leaves the heap.
 */
#define HEAP_MIN_CAP 64u

static struct axn_tcp_conn **heap_at(struct axn_tcp_layer *l, uint32_t i)
{
    return &l->theap[i - 1u]; /* slots are 1-based: 0 means "not filed" */
}

static void heap_place(struct axn_tcp_layer *l, uint32_t i, struct axn_tcp_conn *c)
{
    *heap_at(l, i) = c;
    c->mem.heap_idx = i;
}

static void heap_up(struct axn_tcp_layer *l, uint32_t i)
{
    struct axn_tcp_conn *c = *heap_at(l, i);

    while (i > 1u && (*heap_at(l, i / 2u))->mem.heap_key > c->mem.heap_key) {
        heap_place(l, i, *heap_at(l, i / 2u));
        i /= 2u;
    }
    heap_place(l, i, c);
}

static void heap_down(struct axn_tcp_layer *l, uint32_t i)
{
    struct axn_tcp_conn *c = *heap_at(l, i);

    for (;;) {
        uint32_t kid = 2u * i;
        if (kid > l->theap_len) {
            break;
        }
        if (kid < l->theap_len &&
            (*heap_at(l, kid + 1u))->mem.heap_key < (*heap_at(l, kid))->mem.heap_key) {
            kid++;
        }
        if ((*heap_at(l, kid))->mem.heap_key >= c->mem.heap_key) {
            break;
        }
        heap_place(l, i, *heap_at(l, kid));
        i = kid;
    }
    heap_place(l, i, c);
}

/* Files c under `at`, or moves it earlier; never later (lazy). */
static void heap_file(struct axn_tcp_conn *c, axn_time_t at)
{
    struct axn_tcp_layer *l = c->layer;

    if (!c->mem.heap_ok || (c->mem.heap_idx != 0 && at >= c->mem.heap_key)) {
        return;
    }
    c->mem.heap_key = at;
    if (c->mem.heap_idx == 0) {
        if (l->theap_len >= l->theap_cap) {
            return; /* cannot happen: axn_tcp_timer_reserve made room */
        }
        l->theap_len++;
        heap_place(l, l->theap_len, c);
    }
    heap_up(l, c->mem.heap_idx);
}

void axn_tcp_timer_unfile(struct axn_tcp_conn *c)
{
    struct axn_tcp_layer *l = c->layer;
    const uint32_t i = c->mem.heap_idx;
    struct axn_tcp_conn *last;

    if (i == 0) {
        return;
    }
    c->mem.heap_idx = 0;
    last = *heap_at(l, l->theap_len);
    l->theap_len--;
    if (last == c) {
        return;
    }
    heap_place(l, i, last);
    heap_up(l, i);
    heap_down(l, last->mem.heap_idx);
}

int axn_tcp_timer_reserve(struct axn_tcp_layer *l)
{
    const struct axn_platform *p = l->plat;
    uint32_t cap;
    struct axn_tcp_conn **h;

    if (l->n_conns < l->theap_cap) {
        return 0;
    }
    cap = l->theap_cap != 0 ? 2u * l->theap_cap : HEAP_MIN_CAP;
    h = p->alloc(p->ctx, sizeof(*h) * cap, _Alignof(struct axn_tcp_conn *));
    if (h == NULL) {
        return -AXN_ENOMEM;
    }
    if (l->theap != NULL) {
        memcpy(h, l->theap, sizeof(*h) * l->theap_len);
        p->free(p->ctx, l->theap, sizeof(*h) * l->theap_cap);
    }
    l->theap = h;
    l->theap_cap = cap;
    return 0;
}

void axn_tcp_timer_heap_free(struct axn_tcp_layer *l)
{
    if (l->theap != NULL) {
        l->plat->free(l->plat->ctx, l->theap, sizeof(*l->theap) * l->theap_cap);
    }
    l->theap = NULL;
    l->theap_cap = 0;
    l->theap_len = 0;
}

void axn_tcp_timer_set(struct axn_tcp_conn *c, enum axn_tcp_timer_id t, axn_time_t at)
{
    c->timer[t] = at;
    if (at != AXN_TIME_NEVER) {
        heap_file(c, at);
    }
}

void axn_tcp_timer_clear(struct axn_tcp_conn *c, enum axn_tcp_timer_id t)
{
    c->timer[t] = AXN_TIME_NEVER;
}

void axn_tcp_rto_restart(struct axn_tcp_conn *c, axn_time_t now)
{
    axn_tcp_timer_set(c, AXN_TCP_T_RTO, now + c->rto);
}

/* Linux tcp_keepalive_timer: not for a listener, a closed connection or
 * one still connecting. */
static bool keepalive_state(enum axn_tcp_state s)
{
    return s == AXN_TCP_ESTABLISHED || s == AXN_TCP_CLOSE_WAIT || s == AXN_TCP_FIN_WAIT1 ||
           s == AXN_TCP_FIN_WAIT2 || s == AXN_TCP_CLOSING || s == AXN_TCP_LAST_ACK;
}

void axn_tcp_keepalive_reset(struct axn_tcp_conn *c, axn_time_t now)
{
    c->keep_probes = 0;
    if (!c->keepalive || !keepalive_state(c->state)) {
        c->timer[AXN_TCP_T_KEEPALIVE] = AXN_TIME_NEVER;
        return;
    }
    axn_tcp_timer_set(c, AXN_TCP_T_KEEPALIVE, now + AXN_SEC(c->keepidle_s));
}

void axn_tcp_enter_time_wait(struct axn_tcp_conn *c, axn_time_t now)
{
    size_t i;

    /* Linux tcp_time_wait: no TIME-WAIT bucket left (tcp_max_tw_buckets),
     * the connection closes at once. */
    if (c->layer->n_tw >= AXN_TCP_MAX_TW) {
        c->layer->ext.tw_overflow++;
        axn_tcp_conn_done(c, 0, now);
        return;
    }
    for (i = 0; i < AXN_TCP_T_COUNT; i++) {
        c->timer[i] = AXN_TIME_NEVER;
    }
    c->delack_pending = false;
    /* Linux tcp_time_wait: a fresh out-of-window ACK limit. */
    c->oow_ack_at = 0;
    axn_tcp_set_state(c, AXN_TCP_TIME_WAIT, now);
    axn_tcp_time_wait_restart(c, now);
}

void axn_tcp_time_wait_restart(struct axn_tcp_conn *c, axn_time_t now)
{
    axn_tcp_timer_set(c, AXN_TCP_T_WAIT, now + TIMER_TW_MSLS * AXN_MSEC(AXN_TCP_MSL_MS));
}

/* Linux tcp_write_err: retries, user timeout or keep-alive gave up. No
 * RST: the peer is not answering (Linux sends none either). */
static void abort_timeout(struct axn_tcp_conn *c, axn_time_t now)
{
    c->layer->ext.abort_on_timeout++;
    axn_tcp_conn_done(c, c->soft_err != 0 ? c->soft_err : AXN_ETIMEDOUT, now);
}

/* TCP_USER_TIMEOUT (RFC 5482): ms since the oldest unacknowledged data
 * was first sent without an answer. */
static bool user_timeout_passed(const struct axn_tcp_conn *c, axn_time_t now)
{
    return c->user_timeout_ms != 0 && c->first_retrans_at != 0 &&
           now - c->first_retrans_at >= AXN_MSEC(c->user_timeout_ms);
}

/* Linux tcp_clamp_rto_to_user_timeout / tcp_clamp_probe0_to_user_timeout:
 * timer `t` fires no later than the user timeout's end, so the abort
 * comes when the application asked, not one back-off later. */
static void clamp_to_user_timeout(struct axn_tcp_conn *c, enum axn_tcp_timer_id t)
{
    axn_time_t end;

    if (c->user_timeout_ms == 0 || c->first_retrans_at == 0 || c->timer[t] == AXN_TIME_NEVER) {
        return;
    }
    end = c->first_retrans_at + AXN_MSEC(c->user_timeout_ms);
    if (c->timer[t] > end) {
        axn_tcp_timer_set(c, t, end);
    }
}

/* Retransmissions allowed in c's state before giving up (RFC 9293
 * 3.8.3 R2; Linux tcp_syn_retries / tcp_synack_retries / tcp_retries2,
 * tcp_orphan_retries for an orphan). */
static uint32_t retries_limit(const struct axn_tcp_conn *c)
{
    if (c->state == AXN_TCP_SYN_SENT || (c->state == AXN_TCP_SYN_RECV && c->parent == NULL)) {
        return c->syn_retries != 0 ? c->syn_retries : AXN_TCP_SYN_RETRIES;
    }
    if (c->state == AXN_TCP_SYN_RECV) {
        return AXN_TCP_SYNACK_RETRIES;
    }
    /* Linux tcp_write_timeout: nobody waits on an orphan (SOCK_DEAD). */
    return c->orphan ? AXN_TCP_ORPHAN_RETRIES : AXN_TCP_RETRIES2;
}

static bool syn_state(enum axn_tcp_state s)
{
    return s == AXN_TCP_SYN_SENT || s == AXN_TCP_SYN_RECV;
}

/* Linux tcp_write_timeout: in the handshake, the SYN retry count (and
 * the user timeout, kept as before); synchronised, a TCP_USER_TIMEOUT
 * replaces tcp_retries2 altogether (retransmits_timed_out), longer or
 * shorter. */
static bool rto_gave_up(const struct axn_tcp_conn *c, axn_time_t now)
{
    if (c->user_timeout_ms != 0 && !syn_state(c->state)) {
        return user_timeout_passed(c, now);
    }
    return c->retries >= retries_limit(c) || user_timeout_passed(c, now);
}

static bool rto_state(enum axn_tcp_state s)
{
    return s == AXN_TCP_SYN_SENT || s == AXN_TCP_SYN_RECV || s == AXN_TCP_ESTABLISHED ||
           s == AXN_TCP_CLOSE_WAIT || s == AXN_TCP_FIN_WAIT1 || s == AXN_TCP_CLOSING ||
           s == AXN_TCP_LAST_ACK;
}

/* RFC 5681 3.1: the loss window; Linux tcp_enter_loss: everything in
 * flight counts as lost (TCP_INFO). */
static void rto_enter_loss(struct axn_tcp_conn *c, axn_time_t now)
{
    axn_tcp_sack_on_rto(c, now);
    axn_tcp_recovery_on_rto(c, now);
    c->stats.lost = (c->snd_max - c->snd_una + c->mss - 1u) / c->mss;
    c->stats.retrans_out = 0;
}

/* RFC 6298 5.4-5.6 and RFC 5681 3.1: the oldest segment is resent, the
 * window collapses to one segment, the timer backs off. */
static bool timer_rto(struct axn_tcp_conn *c, axn_time_t now)
{
    bool syn = syn_state(c->state);

    if (c->state == AXN_TCP_LISTEN) {
        /* Its request entries' SYN-ACKs (tcp_listen_req.c). */
        axn_tcp_listen_timers(c, now);
        return true;
    }
    if (!rto_state(c->state) || (!syn && c->snd_max == c->snd_una)) {
        return true;
    }
    if (c->first_retrans_at == 0) {
        /* Linux retrans_stamp: when the oldest unacknowledged segment
         * left, which is when this timer was armed. */
        c->first_retrans_at = axn_tcp_rtt_stamp(now - c->rto);
    }
    if (rto_gave_up(c, now)) {
        abort_timeout(c, now);
        return false;
    }
    c->layer->ext.tcp_timeouts++;
    if (!syn) {
        rto_enter_loss(c, now);
    }
    axn_tcp_rto_backoff(c);
    c->retries++;
    c->rtt_start = 0; /* Karn: nothing in flight may be timed now */
    c->snd_nxt = syn ? c->iss : c->snd_una;
    axn_tcp_output(c, now);
    if (c->timer[AXN_TCP_T_RTO] == AXN_TIME_NEVER) {
        /* Linux tcp_retransmit_timer: a window the peer shrank to zero
         * does not stop the head going again (it probes the window). */
        axn_tcp_retransmit_head(c, now);
    }
    clamp_to_user_timeout(c, AXN_TCP_T_RTO);
    return true;
}

static bool timer_delack(struct axn_tcp_conn *c, axn_time_t now)
{
    if (c->delack_pending && c->state != AXN_TCP_CLOSED && c->state != AXN_TCP_LISTEN) {
        c->layer->ext.delayed_acks++;
        axn_tcp_send_ack(c, now);
    }
    c->delack_pending = false;
    return true;
}

/* RFC 9293 3.8.6.1: probe the zero window, backing off; a peer that
 * answers keeps the connection (zwp_probes is cleared by every ACK). */
static bool timer_persist(struct axn_tcp_conn *c, axn_time_t now)
{
    if (axn_tcp_unsent(c) == 0 && c->snd_max == c->snd_una) {
        return true;
    }
    if (c->snd_wnd == 0) {
        if (c->first_retrans_at == 0) {
            c->first_retrans_at = axn_tcp_rtt_stamp(now);
        }
        if (c->zwp_probes >= AXN_TCP_RETRIES2 || user_timeout_passed(c, now)) {
            abort_timeout(c, now);
            return false;
        }
        c->zwp_probes++;
    }
    if (!axn_tcp_send_probe(c, now)) {
        return true;
    }
    if (c->persist_backoff < UINT8_MAX) {
        c->persist_backoff++;
    }
    axn_tcp_timer_set(c, AXN_TCP_T_PERSIST, axn_tcp_persist_when(c, now));
    clamp_to_user_timeout(c, AXN_TCP_T_PERSIST);
    return true;
}

/* keepcnt probes unanswered, or (Linux) TCP_USER_TIMEOUT past since the
 * peer was last heard once probing started. */
static bool keepalive_gave_up(const struct axn_tcp_conn *c, axn_time_t now)
{
    if (c->user_timeout_ms != 0) {
        return c->keep_probes > 0 && now - c->stats.last_ack_recv >= AXN_MSEC(c->user_timeout_ms);
    }
    return c->keep_probes >= c->keepcnt;
}

/* RFC 1122 4.2.3.6: after keepidle of silence, keepcnt probes keepintvl
 * apart; no answer to any of them ends the connection. */
static bool timer_keepalive(struct axn_tcp_conn *c, axn_time_t now)
{
    if (!c->keepalive || !keepalive_state(c->state)) {
        return true;
    }
    if (c->snd_max != c->snd_una || axn_tcp_unsent(c) > 0) {
        /* Data in flight: the RTO watches the peer (Linux "resched"). */
        axn_tcp_timer_set(c, AXN_TCP_T_KEEPALIVE, now + AXN_SEC(c->keepintvl_s));
        return true;
    }
    if (keepalive_gave_up(c, now)) {
        /* Linux tcp_keepalive_timer: a RST, then the error. */
        c->layer->ext.abort_on_timeout++;
        axn_tcp_abort(c, c->soft_err != 0 ? c->soft_err : AXN_ETIMEDOUT, now);
        return false;
    }
    c->keep_probes++;
    axn_tcp_send_keepalive(c, now);
    axn_tcp_timer_set(c, AXN_TCP_T_KEEPALIVE, now + AXN_SEC(c->keepintvl_s));
    return true;
}

/* Linux tcp_close / tcp_rcv_state_process: an orphan's FIN-WAIT-2 of at
 * most TCP_TIMEWAIT_LEN (2 x MSL here) is a silent TIME-WAIT-like wait;
 * a longer TCP_LINGER2 runs on the keep-alive timer, which resets. */
static bool fin_wait2_resets(const struct axn_tcp_conn *c)
{
    return c->linger2_s > 0 &&
           AXN_SEC((uint32_t)c->linger2_s) > TIMER_TW_MSLS * AXN_MSEC(AXN_TCP_MSL_MS);
}

/* TIME-WAIT over (TW), or an orphan's FIN-WAIT-2 timeout. */
static bool timer_wait(struct axn_tcp_conn *c, axn_time_t now)
{
    if (c->state == AXN_TCP_TIME_WAIT) {
        c->layer->ext.tw++;
        axn_tcp_conn_done(c, 0, now);
        return false;
    }
    if (c->state != AXN_TCP_FIN_WAIT2) {
        return true;
    }
    if (fin_wait2_resets(c)) {
        c->layer->ext.abort_on_timeout++;
        axn_tcp_abort(c, 0, now);
    } else {
        axn_tcp_conn_done(c, 0, now);
    }
    return false;
}

static bool timer_reclaim(struct axn_tcp_conn *c, axn_time_t now)
{
    axn_tcp_mem_reclaim(c, now);
    return true;
}

typedef bool (*timer_fn)(struct axn_tcp_conn *c, axn_time_t now);

static const timer_fn timer_fns[AXN_TCP_T_COUNT] = {
    [AXN_TCP_T_RTO] = timer_rto,         [AXN_TCP_T_DELACK] = timer_delack,
    [AXN_TCP_T_PERSIST] = timer_persist, [AXN_TCP_T_KEEPALIVE] = timer_keepalive,
    [AXN_TCP_T_WAIT] = timer_wait,       [AXN_TCP_T_RECLAIM] = timer_reclaim,
};

/* Runs c's due timers; returns its next deadline, AXN_TIME_NEVER when
 * it has none or no longer exists. */
static axn_time_t conn_timers(struct axn_tcp_conn *c, axn_time_t now)
{
    axn_time_t next = AXN_TIME_NEVER;
    size_t i;

    for (i = 0; i < AXN_TCP_T_COUNT; i++) {
        if (c->timer[i] > now) {
            continue;
        }
        c->timer[i] = AXN_TIME_NEVER;
        if (!timer_fns[i](c, now)) {
            return AXN_TIME_NEVER;
        }
    }
    for (i = 0; i < AXN_TCP_T_COUNT; i++) {
        if (c->timer[i] < next) {
            next = c->timer[i];
        }
    }
    return next;
}

/* The due connection on top of the heap, unfiled, or NULL. One visit per
 * connection per pass: a handler that re-arms a timer at or before now
 * waits for the next pass (the deadline returned says "now"), so a pass
 * always ends. */
static struct axn_tcp_conn *heap_pop_due(struct axn_tcp_layer *l, axn_time_t now)
{
    struct axn_tcp_conn *c;

    if (l->theap_len == 0) {
        return NULL;
    }
    c = *heap_at(l, 1u);
    if (c->mem.heap_key > now || c->mem.pass == l->timer_pass) {
        return NULL;
    }
    axn_tcp_timer_unfile(c);
    c->mem.pass = l->timer_pass;
    return c;
}

axn_time_t axn_tcp_layer_timer(void *ctx, axn_time_t now)
{
    struct axn_tcp_layer *l = ctx;
    struct axn_tcp_conn *c;

    l->timer_pass++;
    while ((c = heap_pop_due(l, now)) != NULL) {
        /* conn_timers may free c (it then returns NEVER). */
        const axn_time_t next = conn_timers(c, now);

        if (next != AXN_TIME_NEVER) {
            heap_file(c, next);
        }
    }
    return l->theap_len != 0 ? (*heap_at(l, 1u))->mem.heap_key : AXN_TIME_NEVER;
}
