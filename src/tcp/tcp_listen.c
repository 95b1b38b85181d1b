/*
 * LISTEN (RFC 9293 3.10.7.2) the Linux way: a SYN leaves a small request
 * entry in the listener's SYN queue (tcp_listen_req.c, tcp_synq.h: no
 * connection, no buffers; RFC 4987 3.2/3.3), or when that is full a SYN
 * cookie (tcp_listen_cookie.c). The ACK completing the handshake makes
 * the child connection, bound to the exact 4-tuple of the SYN (spec
 * TCP-33), which the input path moves through SYN-RECEIVED into the
 * accept queue until accept() pops it.
 *
 * A full accept queue drops the SYN silently so that the client retries
 * (spec TCP-26 [HAZARD]: never a RST, which would be ECONNREFUSED).
 */
#include "axnet/errno.h"
#include "axnet/socket.h"
#include "tcp/tcp_listen.h"
#include "tcp/tcp_options.h"
#include "tcp/tcp_output.h"
#include "tcp/tcp_seq.h"
#include "tcp/tcp_synq.h"

/* ---- Queue limits ------------------------------------------------------------ */

/* The accept queue is full past the backlog: it holds backlog + 1
 * children, as Linux (sk_acceptq_is_full: ack_backlog > max_ack_backlog;
 * so listen(fd, 0) still takes one connection). */
static bool accept_q_full(const struct axn_tcp_conn *lst)
{
    return lst->acc_q_len > lst->backlog;
}

bool axn_tcp_listen_acc_full(const struct axn_tcp_conn *lst)
{
    return accept_q_full(lst);
}

/* Half-open handshakes (request entries, and children being made from
 * one): bounded the same way by the backlog and by tcp_max_syn_backlog,
 * min(backlog, AXN_TCP_MAX_SYN_BACKLOG) + 1 (beyond: SYN cookies, or the
 * SYN is dropped). */
static bool syn_q_full(const struct axn_tcp_conn *lst)
{
    uint32_t limit = lst->backlog;
    if (limit > AXN_TCP_MAX_SYN_BACKLOG)
        limit = AXN_TCP_MAX_SYN_BACKLOG;
    return lst->syn_q_len + axn_tcp_synq_len(lst) > limit;
}

/* ---- Queues -------------------------------------------------------------------- */

static void syn_q_push(struct axn_tcp_conn *lst, struct axn_tcp_conn *c)
{
    c->parent = lst;
    c->in_accept_q = false;
    c->q_next = lst->syn_q;
    lst->syn_q = c;
    lst->syn_q_len++;
}

/* Unlinks c from the singly linked queue at *head; false if not on it. */
static bool q_remove(struct axn_tcp_conn **head, struct axn_tcp_conn *c,
                     struct axn_tcp_conn **prev_out)
{
    struct axn_tcp_conn *prev = NULL;
    for (struct axn_tcp_conn **p = head; *p; prev = *p, p = &(*p)->q_next) {
        if (*p == c) {
            *p = c->q_next;
            c->q_next = NULL;
            if (prev_out)
                *prev_out = prev;
            return true;
        }
    }
    return false;
}

static void syn_q_remove(struct axn_tcp_conn *lst, struct axn_tcp_conn *c)
{
    if (q_remove(&lst->syn_q, c, NULL) && lst->syn_q_len > 0)
        lst->syn_q_len--;
}

static void acc_q_append(struct axn_tcp_conn *lst, struct axn_tcp_conn *c)
{
    c->q_next = NULL;
    c->in_accept_q = true;
    if (lst->acc_tail)
        lst->acc_tail->q_next = c;
    else
        lst->acc_head = c;
    lst->acc_tail = c;
    lst->acc_q_len++;
}

static void acc_q_remove(struct axn_tcp_conn *lst, struct axn_tcp_conn *c)
{
    struct axn_tcp_conn *prev = NULL;
    if (!q_remove(&lst->acc_head, c, &prev))
        return;
    if (lst->acc_tail == c)
        lst->acc_tail = prev;
    if (lst->acc_q_len > 0)
        lst->acc_q_len--;
    c->in_accept_q = false;
}

void axn_tcp_listen_unlink(struct axn_tcp_conn *c)
{
    struct axn_tcp_conn *lst = c->parent;
    if (!lst)
        return;
    if (c->in_accept_q)
        acc_q_remove(lst, c);
    else
        syn_q_remove(lst, c);
    c->parent = NULL;
}

struct axn_tcp_conn *axn_tcp_accept_pop(struct axn_tcp_conn *lst)
{
    struct axn_tcp_conn *c = lst->acc_head;
    if (!c)
        return NULL;
    acc_q_remove(lst, c);
    c->parent = NULL;
    return c;
}

/* Resets (RST, Linux inet_csk_listen_stop) and frees a queued child. It
 * has no socket, so axn_tcp_conn_done frees it and takes it off its
 * queue; one already CLOSED (never left in a queue) is freed directly. */
static void drop_child(struct axn_tcp_conn *c, axn_time_t now)
{
    if (c->state == AXN_TCP_CLOSED)
        axn_tcp_conn_free(c);
    else
        axn_tcp_abort(c, 0, now);
}

/* Request entries go silently (Linux: a request whose listener is gone
 * is dropped; its peer's ACK then meets no listener and gets a RST). */
void axn_tcp_listen_stop(struct axn_tcp_conn *lst, axn_time_t now)
{
    while (lst->acc_head)
        drop_child(lst->acc_head, now);
    while (lst->syn_q)
        drop_child(lst->syn_q, now);
    axn_tcp_synq_free(lst);
    axn_tcp_timer_clear(lst, AXN_TCP_T_RTO);
}

/* ---- A SYN makes a child ------------------------------------------------------------ */

/* What a Linux child inherits from its listener (inet_csk_clone_lock
 * copies the socket; tcp_create_openreq_child resets the protocol state).
 * TCP_CORK is not inherited (Linux clears it: nonagle's cork bit). */
static void inherit(struct axn_tcp_conn *c, const struct axn_tcp_conn *lst)
{
    c->nodelay = lst->nodelay;
    c->keepalive = lst->keepalive;
    c->keepidle_s = lst->keepidle_s;
    c->keepintvl_s = lst->keepintvl_s;
    c->keepcnt = lst->keepcnt;
    c->user_timeout_ms = lst->user_timeout_ms;
    c->linger2_s = lst->linger2_s;
    c->syn_retries = lst->syn_retries;
    c->user_mss = lst->user_mss;
    c->sndbuf = lst->sndbuf;
    c->rcvbuf = lst->rcvbuf;
    c->mem.rcvbuf_locked = lst->mem.rcvbuf_locked; /* Linux sk_userlocks */
    c->mem.sndbuf_locked = lst->mem.sndbuf_locked;
    c->tos = lst->tos;
    c->ttl = lst->ttl;
    c->df_mode = lst->df_mode;
    c->bound_ifindex = lst->bound_ifindex;
    c->cc = lst->cc; /* TCP_CONGESTION (Linux: the listener's icsk_ca_ops) */
}

struct axn_tcp_child_spec axn_tcp_listen_spec(const struct axn_tcp_in *in, uint32_t iss,
                                              uint32_t irs)
{
    const struct axn_tcp_child_spec s = {.laddr = in->rx->hdr->dst,
                                         .raddr = in->rx->hdr->src,
                                         .lport = in->seg.dst_port,
                                         .rport = in->seg.src_port,
                                         .iss = iss,
                                         .irs = irs,
                                         .window = in->seg.window};
    return s;
}

/* The exact 4-tuple of the SYN (spec TCP-33). */
static void child_tuple(struct axn_tcp_conn *c, const struct axn_tcp_child_spec *s)
{
    c->laddr = s->laddr;
    c->lport = s->lport;
    c->raddr = s->raddr;
    c->rport = s->rport;
    c->iss = s->iss;
    c->snd_una = s->iss;
    c->snd_nxt = s->iss;
    c->snd_max = s->iss;
}

/* RFC 9293 3.10.7.2: "Set RCV.NXT to SEG.SEQ+1, IRS is set to SEG.SEQ";
 * the peer's window (a SYN's is never scaled, RFC 7323 2.2). */
static void child_peer(struct axn_tcp_conn *c, uint32_t irs, uint16_t window)
{
    c->irs = irs;
    c->rcv_nxt = irs + 1;
    c->snd_wnd = window;
    c->max_snd_wnd = window;
    c->snd_wl1 = irs;
    c->snd_wl2 = c->iss;
}

void axn_tcp_listen_child_init(struct axn_tcp_conn *c, const struct axn_tcp_conn *lst,
                               const struct axn_tcp_child_spec *s, const struct axn_tcp_opts *peer,
                               axn_time_t now)
{
    inherit(c, lst);
    child_tuple(c, s);
    child_peer(c, s->irs, s->window);
    /* What we offer, then what the peer's SYN agrees to (RFC 7323, RFC
     * 2018; the peer's MSS, 536 without the option, RFC 9293 3.7.1). */
    axn_tcp_opts_offer(c);
    axn_tcp_opts_from_syn(c, peer, now);
    axn_tcp_mss_init(c, now);
}

uint16_t axn_tcp_listen_synack_window(const struct axn_tcp_conn *c)
{
    const uint32_t wnd = c->rcvbuf;
    return (uint16_t)(wnd > AXN_TCP_MAX_UNSCALED_WND ? AXN_TCP_MAX_UNSCALED_WND : wnd);
}

struct axn_tcp_conn *axn_tcp_listen_child_new(struct axn_tcp_conn *lst,
                                              const struct axn_tcp_child_spec *s,
                                              const struct axn_tcp_opts *peer, axn_time_t now)
{
    struct axn_tcp_conn *c = axn_tcp_conn_new(lst->layer);
    if (!c)
        return NULL;
    axn_tcp_listen_child_init(c, lst, s, peer, now);
    axn_tcp_set_state(c, AXN_TCP_SYN_RECV, now);
    c->snd_nxt = c->iss + 1;
    c->snd_max = c->iss + 1;
    c->recover = c->iss; /* RFC 6582: nothing to recover yet */
    c->rcv_adv = c->rcv_nxt + axn_tcp_listen_synack_window(c);
    axn_tcp_hash_insert(lst->layer, c);
    syn_q_push(lst, c);
    c->stats.segs_in++; /* its SYN */
    return c;
}

void axn_tcp_listen_child_feed(struct axn_tcp_layer *l, struct axn_tcp_conn *c,
                               struct axn_tcp_in *in, axn_time_t now)
{
    const axn_ip4_t laddr = c->laddr, raddr = c->raddr;
    const uint16_t lport = c->lport, rport = c->rport;
    /* May free c (a failed ring allocation): looked up again below. */
    axn_tcp_input_sync(c, in, now);
    c = axn_tcp_lookup(l, laddr, lport, raddr, rport);
    if (c && c->state == AXN_TCP_SYN_RECV && c->parent)
        axn_tcp_conn_done(c, 0, now);
}

/* A SYN the accept queue has room for: a child, or a SYN cookie when the
 * SYN queue is full (syncookies = 1) or always (2); without cookies a
 * full SYN queue drops it (RFC 4987 3.6; Linux tcp_conn_request). */
static void listen_syn(struct axn_tcp_conn *lst, struct axn_tcp_in *in, axn_time_t now)
{
    struct axn_tcp_layer *l = in->l;
    const bool full = syn_q_full(lst);
    const uint8_t mode = l->cfg.syncookies;
    if (full && mode == AXN_TCP_SYNCOOKIES_OFF) {
        l->ext.req_q_full_drop++;
        l->ext.listen_drops++;
        return;
    }
    if (full || mode == AXN_TCP_SYNCOOKIES_ALWAYS) {
        if (full)
            l->ext.req_q_full_do_cookies++;
        axn_tcp_cookie_synack(lst, in, now);
        return;
    }
    axn_tcp_req_new(lst, in, now);
}

void axn_tcp_listen_input(struct axn_tcp_conn *lst, struct axn_tcp_in *in, axn_time_t now)
{
    const struct axn_tcp *seg = &in->seg;
    struct axn_tcp_layer *l = in->l;
    /* A handshake in progress: its request entry's SYN-RECEIVED. */
    struct axn_tcp_req *r = axn_tcp_req_find(lst, in);
    if (r) {
        axn_tcp_req_input(lst, r, in, now);
        return;
    }
    /* "first, check for a RST": ignored. */
    if (seg->flags & AXN_TCP_RST)
        return;
    /* "second, check for an ACK": <SEQ=SEG.ACK><CTL=RST>, unless it
     * completes a SYN cookie's handshake (RFC 4987 3.6). */
    if (seg->flags & AXN_TCP_ACK) {
        if (!(seg->flags & AXN_TCP_SYN) && axn_tcp_cookie_ack(lst, in, now))
            return;
        axn_tcp_reply_rst(l, in->rx, seg, now);
        return;
    }
    /* "third, check for a SYN"; anything else is dropped. SYN+FIN is
     * dropped as Linux does (tcp_rcv_state_process: a FIN with a SYN is
     * a scan, not an open). Text in the SYN is not taken (no TFO): the
     * SYN-ACK acknowledges only the SYN and the peer sends it again. */
    if (!(seg->flags & AXN_TCP_SYN) || (seg->flags & AXN_TCP_FIN))
        return;
    if (accept_q_full(lst)) {
        l->ext.listen_overflows++;
        l->ext.listen_drops++;
        return;
    }
    listen_syn(lst, in, now);
}

/* ---- The handshake completes ---------------------------------------------------- */

enum axn_tcp_child_result axn_tcp_child_established(struct axn_tcp_conn *c, axn_time_t now)
{
    struct axn_tcp_conn *lst = c->parent;
    struct axn_tcp_layer *l = c->layer;
    if (accept_q_full(lst)) {
        /* Linux tcp_v4_syn_recv_sock: the ACK is ignored and the child
         * stays half-open; the SYN-ACK's retransmission makes the client
         * ACK again, maybe once accept() made room. */
        l->ext.listen_overflows++;
        l->ext.listen_drops++;
        return AXN_TCP_CHILD_DROP;
    }
    if (axn_tcp_conn_alloc_rings(c) != 0) {
        axn_tcp_abort(c, AXN_ENOMEM, now);
        return AXN_TCP_CHILD_FREED;
    }
    syn_q_remove(lst, c);
    acc_q_append(lst, c);
    axn_tcp_set_state(c, AXN_TCP_ESTABLISHED, now);
    axn_tcp_sock_event(c, AXN_POLLIN);
    return AXN_TCP_CHILD_READY;
}
