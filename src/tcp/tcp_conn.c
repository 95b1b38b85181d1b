/*
 * A connection's lifecycle: creation with Linux's defaults, its rings,
 * state changes (CurrEstab, EstabResets, socket readiness) and its end.
 *
 * Who frees a connection (tcp_conn.h): the socket while it has one; the
 * engine, inside axn_tcp_conn_done, for an orphan or a child nobody has
 * accepted yet. So after axn_tcp_conn_done (and axn_tcp_abort, and the
 * timers that end a connection) the caller must not touch `c` again
 * unless it knows a socket holds it.
 */
#include "tcp/tcp.h"

#include "axnet/errno.h"
#include "axnet/socket.h"
#include "lib/mem.h"
#include "tcp/tcp_cc.h"
#include "tcp/tcp_seq.h"
#include "tcp/tcp_synq.h"

/* What a socket sees when its connection ends (Linux tcp_done ->
 * sk_state_change: readable EOF, writable to wake a connect, hung up). */
#define CONN_DONE_EVENTS                                                                           \
    (AXN_POLLIN | AXN_POLLRDNORM | AXN_POLLOUT | AXN_POLLWRNORM | AXN_POLLHUP | AXN_POLLRDHUP)
/* The peer's FIN: readable end of file (tcp_fin -> sk_state_change). */
#define CONN_FIN_EVENTS (AXN_POLLIN | AXN_POLLRDNORM | AXN_POLLRDHUP)
/* Connected: writable. */
#define CONN_ESTAB_EVENTS (AXN_POLLOUT | AXN_POLLWRNORM)
/* Our FIN acknowledged (FIN-WAIT-2): Linux tcp_rcv_state_process calls
 * sk_state_change, and tcp_poll shows a socket shut for sending as
 * writable (a send then fails with EPIPE); a SO_LINGER close waiting for
 * this ACK wakes at once. */
#define CONN_FIN_ACKED_EVENTS (AXN_POLLOUT | AXN_POLLWRNORM)
/* CLOSING: both directions shut, so tcp_poll adds POLLHUP. */
#define CONN_CLOSING_EVENTS (AXN_POLLOUT | AXN_POLLWRNORM | AXN_POLLHUP)

static void conn_defaults(struct axn_tcp_conn *c, struct axn_tcp_layer *l)
{
    size_t i;

    c->layer = l;
    c->state = AXN_TCP_CLOSED;
    for (i = 0; i < AXN_TCP_T_COUNT; i++) {
        c->timer[i] = AXN_TIME_NEVER;
    }
    c->rto = AXN_MSEC(AXN_TCP_RTO_INITIAL_MS);
    c->cc = l->default_cc;
    c->keepidle_s = AXN_TCP_KEEPIDLE_S;
    c->keepintvl_s = AXN_TCP_KEEPINTVL_S;
    c->keepcnt = AXN_TCP_KEEPCNT_DEFAULT;
    /* tcp_wmem[1] / tcp_rmem[1]: limits, not memory (rings are lazy). */
    c->sndbuf = l->cfg.wmem[1];
    c->rcvbuf = l->cfg.rmem[1];
    c->df_mode = axn_ip4_df_mode(AXN_IP_PMTUDISC_WANT);
    c->quickacks = AXN_TCP_QUICKACKS;
    c->mss = AXN_TCP_DEFAULT_MSS;
    c->adv_mss = AXN_TCP_DEFAULT_MSS;
    c->opt.peer_mss = AXN_TCP_DEFAULT_MSS;
    c->ssthresh = UINT32_MAX;
    c->cwnd = (uint32_t)AXN_TCP_INIT_CWND * AXN_TCP_DEFAULT_MSS;
}

struct axn_tcp_conn *axn_tcp_conn_new(struct axn_tcp_layer *l)
{
    struct axn_tcp_conn *c;

    /* Room in the timer heap first: arming a timer never allocates. */
    if (axn_tcp_timer_reserve(l) != 0) {
        return NULL;
    }
    c = l->plat->alloc(l->plat->ctx, sizeof(*c), _Alignof(struct axn_tcp_conn));
    if (c == NULL) {
        return NULL;
    }
    memset(c, 0, sizeof(*c));
    conn_defaults(c, l);
    c->mem.heap_ok = true;
    c->all_next = l->all;
    if (l->all != NULL) {
        l->all->all_prev = c;
    }
    l->all = c;
    l->n_conns++;
    return c;
}

/* Rings are lazy (tcp_buf.c): the first write or the first data
 * received allocates them, so an established connection that moves no
 * data holds none. Kept for its callers (connect, handshake completion),
 * which need not know. */
int axn_tcp_conn_alloc_rings(struct axn_tcp_conn *c)
{
    (void)c;
    return 0;
}

static void all_unlink(struct axn_tcp_layer *l, struct axn_tcp_conn *c)
{
    if (c->all_prev != NULL) {
        c->all_prev->all_next = c->all_next;
    } else {
        l->all = c->all_next;
    }
    if (c->all_next != NULL) {
        c->all_next->all_prev = c->all_prev;
    }
    c->all_next = NULL;
    c->all_prev = NULL;
    l->n_conns--;
}

void axn_tcp_conn_free(struct axn_tcp_conn *c)
{
    struct axn_tcp_layer *l = c->layer;

    if (c->hashed) {
        axn_tcp_hash_remove(l, c);
    }
    if (c->parent != NULL) {
        axn_tcp_listen_unlink(c);
    }
    all_unlink(l, c);
    if (c->orphan && !c->orphan_uncounted && l->n_orphans > 0) {
        l->n_orphans--;
    }
    if (c->state == AXN_TCP_TIME_WAIT && l->n_tw > 0) {
        l->n_tw--;
    }
    axn_tcp_timer_unfile(c);
    axn_tcp_ring_release(l, &c->snd);
    axn_tcp_ring_release(l, &c->rcv);
    axn_tcp_synq_free(c); /* a listener's request entries (tcp_synq.h) */
    l->plat->free(l->plat->ctx, c, sizeof(*c));
    if (l->n_conns == 0) {
        axn_tcp_timer_heap_free(l);
    }
}

/*
 * Memory a connection no longer needs (Linux keeps no buffers in a
 * TIME-WAIT bucket, and an orphan's queues only hold what is still to be
 * sent). In TIME-WAIT nothing is sent or received any more: both rings go,
 * except received bytes the socket has not read yet (Linux lets recv take
 * them after tcp_time_wait). An orphan's receive ring goes at once (new
 * data to it is a reset: tcp_input_data.c), its send ring once its FIN is
 * acknowledged. What is left of a TIME-WAIT connection is its struct,
 * sizeof(struct axn_tcp_conn) bytes: 704 on x86_64 (test_tcp_mem.c bounds
 * it), against 2 x 64 KiB and more of rings before.
 */
static void conn_shed_rings(struct axn_tcp_conn *c)
{
    struct axn_tcp_layer *l = c->layer;

    if (c->state == AXN_TCP_TIME_WAIT || (c->orphan && c->state == AXN_TCP_FIN_WAIT2)) {
        axn_tcp_ring_release(l, &c->snd);
    }
    if (c->orphan || c->state == AXN_TCP_TIME_WAIT) {
        c->mem.rcv_gone = true; /* no window, no data any more */
    }
    if (c->orphan || (c->state == AXN_TCP_TIME_WAIT && c->rcv.len == 0)) {
        axn_tcp_ring_release(l, &c->rcv);
        c->n_ooo = 0; /* out-of-order bytes lived in that ring */
    }
}

/* Linux counts TIME-WAIT buckets (tcp_max_tw_buckets) apart from orphans
 * (tcp_max_orphans): an orphan reaching TIME-WAIT moves from one count to
 * the other. */
static void tw_account(struct axn_tcp_conn *c, enum axn_tcp_state old, enum axn_tcp_state state)
{
    struct axn_tcp_layer *l = c->layer;

    if (old == AXN_TCP_TIME_WAIT && l->n_tw > 0) {
        l->n_tw--;
    }
    if (state != AXN_TCP_TIME_WAIT) {
        return;
    }
    l->n_tw++;
    if (c->orphan && !c->orphan_uncounted) {
        c->orphan_uncounted = true;
        if (l->n_orphans > 0) {
            l->n_orphans--;
        }
    }
}

bool axn_tcp_conn_orphan(struct axn_tcp_conn *c)
{
    struct axn_tcp_layer *l = c->layer;

    c->sock = NULL;
    c->orphan = true;
    conn_shed_rings(c);
    if (c->state == AXN_TCP_TIME_WAIT) {
        c->orphan_uncounted = true;
        return true;
    }
    l->n_orphans++;
    return l->n_orphans <= AXN_TCP_MAX_ORPHANS;
}

static bool state_counts_estab(enum axn_tcp_state s)
{
    return s == AXN_TCP_ESTABLISHED || s == AXN_TCP_CLOSE_WAIT;
}

/* RFC 6298 5.7 and the handshake's RTT sample: the SYN (or SYN-ACK) just
 * got its ACK. A timed SYN that was never resent gives a sample (Karn);
 * one resent and unmeasured leaves the 3 s fallback RTO for data. */
static void conn_handshake_done(struct axn_tcp_conn *c, axn_time_t now)
{
    if (c->rtt_start != 0) {
        axn_tcp_rtt_sample(c, now - c->rtt_start, now);
        c->rtt_start = 0;
    } else if (c->retries > 0 && c->srtt == 0) {
        c->rto = AXN_MSEC(AXN_TCP_RTO_FALLBACK_MS);
    }
    c->retries = 0;
    c->backoff = 0;
    c->first_retrans_at = 0;
    c->established_at = now;
    c->cc->init(c, now);
    axn_tcp_timer_clear(c, AXN_TCP_T_RTO);
    axn_tcp_keepalive_reset(c, now);
}

/* The readiness a state change brings (Linux sk_state_change). */
static unsigned state_events(const struct axn_tcp_conn *c, enum axn_tcp_state state)
{
    switch (state) {
    case AXN_TCP_ESTABLISHED:
        return CONN_ESTAB_EVENTS;
    case AXN_TCP_CLOSE_WAIT:
        return CONN_FIN_EVENTS;
    case AXN_TCP_FIN_WAIT2:
        return CONN_FIN_ACKED_EVENTS;
    case AXN_TCP_CLOSING:
        return CONN_CLOSING_EVENTS;
    case AXN_TCP_TIME_WAIT:
        /* Linux tcp_time_wait -> tcp_done: the socket is CLOSE. */
        return CONN_DONE_EVENTS;
    case AXN_TCP_CLOSED:
        return CONN_DONE_EVENTS | (c->err != 0 ? AXN_POLLERR : 0u);
    default:
        return 0;
    }
}

void axn_tcp_set_state(struct axn_tcp_conn *c, enum axn_tcp_state state, axn_time_t now)
{
    struct axn_tcp_layer *l = c->layer;
    enum axn_tcp_state old = c->state;
    unsigned ev;

    if (old == state) {
        return;
    }
    c->state = state;
    if (state_counts_estab(old) && !state_counts_estab(state) && l->stats.curr_estab > 0) {
        l->stats.curr_estab--;
    }
    if (!state_counts_estab(old) && state_counts_estab(state)) {
        l->stats.curr_estab++;
    }
    /* Linux tcp_set_state: leaving ESTABLISHED/CLOSE-WAIT straight for
     * CLOSED is a reset (RST received or sent, or a timeout abort). */
    if (state == AXN_TCP_CLOSED && state_counts_estab(old)) {
        l->stats.estab_resets++;
    }
    if (state == AXN_TCP_ESTABLISHED && (old == AXN_TCP_SYN_SENT || old == AXN_TCP_SYN_RECV)) {
        conn_handshake_done(c, now);
    }
    tw_account(c, old, state);
    if (state != AXN_TCP_CLOSED) {
        conn_shed_rings(c); /* CLOSED: the owner frees everything soon */
    }
    ev = state_events(c, state);
    if (ev != 0) {
        axn_tcp_sock_event(c, ev);
    }
    /* A close in SYN-RECEIVED queued the FIN for now (RFC 9293 3.10.4). */
    if (state == AXN_TCP_ESTABLISHED && c->fin_queued) {
        axn_tcp_set_state(c, AXN_TCP_FIN_WAIT1, now);
    }
}

static void timers_off(struct axn_tcp_conn *c)
{
    size_t i;

    for (i = 0; i < AXN_TCP_T_COUNT; i++) {
        c->timer[i] = AXN_TIME_NEVER;
    }
    c->delack_pending = false;
}

void axn_tcp_conn_done(struct axn_tcp_conn *c, int err, axn_time_t now)
{
    struct axn_tcp_layer *l = c->layer;

    if (c->state == AXN_TCP_CLOSED) {
        return;
    }
    if (c->state == AXN_TCP_SYN_SENT || c->state == AXN_TCP_SYN_RECV) {
        l->stats.attempt_fails++;
    }
    if (err != 0) {
        c->err = err;
    }
    timers_off(c);
    /* The 4-tuple and its port are free again at once. */
    if (c->hashed) {
        axn_tcp_hash_remove(l, c);
    }
    axn_tcp_set_state(c, AXN_TCP_CLOSED, now);
    if (c->sock == NULL && (c->orphan || c->parent != NULL)) {
        axn_tcp_conn_free(c);
    }
}
