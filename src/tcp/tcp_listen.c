/*
 * LISTEN (RFC 9293 3.10.7.2) the Linux way: a SYN makes a child
 * connection bound to the exact 4-tuple of the SYN (spec TCP-33) that
 * waits in the listener's SYN queue while in SYN-RECEIVED, then in its
 * accept queue once the handshake completes, until accept() pops it.
 *
 * A half-open child is only the fixed struct (rings come with the ACK
 * that completes the handshake: spec TCP-32). A full accept queue drops
 * the SYN silently so that the client retries (spec TCP-26 [HAZARD]: never
 * a RST, which would be ECONNREFUSED).
 */
#include "axnet/errno.h"
#include "axnet/socket.h"
#include "tcp/tcp_input.h"
#include "tcp/tcp_seq.h"
#include "tcp/tcp_tuple.h"

/* ---- Queue limits ------------------------------------------------------------ */

/* The accept queue is full past the backlog: it holds backlog + 1
 * children, as Linux (sk_acceptq_is_full: ack_backlog > max_ack_backlog;
 * so listen(fd, 0) still takes one connection). */
static bool accept_q_full(const struct axn_tcp_conn *lst)
{
    return lst->acc_q_len > lst->backlog;
}

/* Half-open children: bounded the same way by the backlog and by
 * tcp_max_syn_backlog (no SYN cookies in part 1: beyond, SYNs are
 * dropped). */
static bool syn_q_full(const struct axn_tcp_conn *lst)
{
    uint32_t limit = lst->backlog;
    if (limit > AXN_TCP_MAX_SYN_BACKLOG)
        limit = AXN_TCP_MAX_SYN_BACKLOG;
    return lst->syn_q_len > limit;
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

void axn_tcp_listen_stop(struct axn_tcp_conn *lst, axn_time_t now)
{
    while (lst->acc_head)
        drop_child(lst->acc_head, now);
    while (lst->syn_q)
        drop_child(lst->syn_q, now);
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
    c->tos = lst->tos;
    c->ttl = lst->ttl;
    c->df_mode = lst->df_mode;
    c->bound_ifindex = lst->bound_ifindex;
}

/* The exact 4-tuple of the SYN (spec TCP-33) and an RFC 6528 ISS. */
static void child_tuple(struct axn_tcp_conn *c, const struct axn_tcp_in *in, axn_time_t now)
{
    struct axn_tcp_tuple t;
    c->laddr = in->rx->hdr->dst;
    c->lport = in->seg.dst_port;
    c->raddr = in->rx->hdr->src;
    c->rport = in->seg.src_port;
    axn_tcp_tuple_ip4(&t, c->laddr, c->lport, c->raddr, c->rport);
    c->iss = axn_tcp_isn(&in->l->isn, &t, now);
    c->snd_una = c->iss;
    c->snd_nxt = c->iss;
    c->snd_max = c->iss;
}

/* RFC 9293 3.10.7.2: "Set RCV.NXT to SEG.SEQ+1, IRS is set to SEG.SEQ";
 * the peer's MSS (536 without the option, RFC 9293 3.7.1) and window
 * (a SYN's is never scaled, RFC 7323 2.2). */
static void child_peer(struct axn_tcp_conn *c, const struct axn_tcp *seg)
{
    c->irs = seg->seq;
    c->rcv_nxt = seg->seq + 1;
    c->opt.peer_mss = seg->opts.has_mss ? seg->opts.mss : AXN_TCP_DEFAULT_MSS;
    c->snd_wnd = seg->window;
    c->max_snd_wnd = seg->window;
    c->snd_wl1 = seg->seq;
    c->snd_wl2 = c->iss;
}

static void new_child(struct axn_tcp_conn *lst, struct axn_tcp_in *in, axn_time_t now)
{
    struct axn_tcp_layer *l = in->l;
    struct axn_tcp_conn *c = axn_tcp_conn_new(l);
    if (!c) {
        l->ext.listen_drops++;
        return;
    }
    inherit(c, lst);
    child_tuple(c, in, now);
    child_peer(c, &in->seg);
    axn_tcp_mss_init(c, now);
    axn_tcp_set_state(c, AXN_TCP_SYN_RECV, now);
    axn_tcp_hash_insert(l, c);
    syn_q_push(lst, c);
    l->stats.passive_opens++;
    c->stats.segs_in++;
    /* The SYN-ACK, and its retransmission timer. */
    axn_tcp_output(c, now);
}

void axn_tcp_listen_input(struct axn_tcp_conn *lst, struct axn_tcp_in *in, axn_time_t now)
{
    const struct axn_tcp *seg = &in->seg;
    struct axn_tcp_layer *l = in->l;
    /* "first, check for a RST": ignored. */
    if (seg->flags & AXN_TCP_RST)
        return;
    /* "second, check for an ACK": <SEQ=SEG.ACK><CTL=RST>. */
    if (seg->flags & AXN_TCP_ACK) {
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
    if (syn_q_full(lst)) {
        l->ext.listen_drops++;
        return;
    }
    new_child(lst, in, now);
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
