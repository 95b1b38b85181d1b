/*
 * The DHCP client's replies (svc/dhcp_client.h). On the receive path an
 * OFFER, ACK or NAK that passed dhcp_client_msg.c's checks is weighed
 * against the state (RFC 2131 4.4.1, 4.4.5): taken, or counted as
 * ignored. What an ACK or NAK means is recorded as c->event and acted on
 * from the poll (axn_dhcpc_handle_event), never inside the receive path.
 */
#include "svc/dhcp_client.h"

/* ---- Receive path ------------------------------------------------------------------------- */

static void count(struct axn_dhcpc *c, enum dhcpc_verdict v)
{
    c->stats.rx_ignored++;
    if (v == DHCPC_MALFORMED)
        c->stats.rx_malformed++;
    else if (v == DHCPC_NOT_OURS)
        c->stats.rx_not_ours++;
    else if (v == DHCPC_BAD_FIELDS)
        c->stats.rx_bad_fields++;
    else
        c->stats.rx_unexpected++;
}

static enum dhcpc_verdict take_offer(struct axn_dhcpc *c, const struct axn_dhcp_msg *m,
                                     axn_time_t now)
{
    if (c->state != AXN_DHCPC_SELECTING)
        return DHCPC_UNEXPECTED;
    struct dhcpc_lease l;
    const enum dhcpc_verdict v = axn_dhcpc_reply_lease(m, false, &l);
    if (v != DHCPC_OK)
        return v;
    /* 4.4.1: the first acceptable OFFER is taken; REQUEST at once. */
    axn_dhcpc_log(c, "offered", l.addr);
    c->stats.offers++;
    c->offered = l.addr;
    c->offer_server = l.server;
    c->state = AXN_DHCPC_REQUESTING;
    c->tries = 0;
    c->next = now;
    return DHCPC_OK;
}

static bool wants_answer(const struct axn_dhcpc *c)
{
    return c->state == AXN_DHCPC_REQUESTING || c->state == AXN_DHCPC_INIT_REBOOT ||
           c->state == AXN_DHCPC_RENEWING || c->state == AXN_DHCPC_REBINDING;
}

/* The server this state talks to, 0 for any (REBINDING, INIT-REBOOT). */
static axn_ip4_t our_server(const struct axn_dhcpc *c)
{
    if (c->state == AXN_DHCPC_REQUESTING)
        return c->offer_server;
    return c->state == AXN_DHCPC_RENEWING ? c->lease.server : 0;
}

static enum dhcpc_verdict take_ack(struct axn_dhcpc *c, const struct axn_dhcp_msg *m,
                                   axn_time_t now)
{
    if (!wants_answer(c))
        return DHCPC_UNEXPECTED;
    struct dhcpc_lease l;
    const enum dhcpc_verdict v = axn_dhcpc_reply_lease(m, true, &l);
    if (v != DHCPC_OK)
        return v;
    const axn_ip4_t server = our_server(c);
    if (server != 0 && l.server != server)
        return DHCPC_UNEXPECTED; /* another server's answer to our broadcast */
    if ((c->state == AXN_DHCPC_REQUESTING && l.addr != c->offered) ||
        (c->state == AXN_DHCPC_INIT_REBOOT && l.addr != c->requested))
        return DHCPC_BAD_FIELDS; /* not the address asked for */
    c->stats.acks++;
    c->reply = l;
    c->event = DHCPC_EV_ACK;
    c->next = now;
    return DHCPC_OK;
}

static enum dhcpc_verdict take_nak(struct axn_dhcpc *c, const struct axn_dhcp_msg *m,
                                   axn_time_t now)
{
    if (!wants_answer(c))
        return DHCPC_UNEXPECTED;
    if (!axn_dhcpc_nak_valid(m))
        return DHCPC_BAD_FIELDS;
    const axn_ip4_t server = our_server(c);
    if (server != 0 && m->server_id != server)
        return DHCPC_UNEXPECTED;
    c->stats.naks++;
    c->event = DHCPC_EV_NAK;
    c->next = now;
    return DHCPC_OK;
}

void axn_dhcpc_input(struct axn_dhcpc *c, const struct axn_svc_udp_in *in, axn_time_t now)
{
    struct axn_dhcp_msg m;
    enum dhcpc_verdict v = axn_dhcpc_check_reply(c, in->payload, in->len, &m);
    if (v == DHCPC_OK && (!c->link_up || c->event != DHCPC_EV_NONE))
        v = DHCPC_UNEXPECTED; /* one answer per poll; none while down */
    if (v == DHCPC_OK) {
        if (m.msg_type == AXN_DHCP_OFFER)
            v = take_offer(c, &m, now);
        else if (m.msg_type == AXN_DHCP_ACK)
            v = take_ack(c, &m, now);
        else if (m.msg_type == AXN_DHCP_NAK)
            v = take_nak(c, &m, now);
        else
            v = DHCPC_UNEXPECTED;
    }
    if (v != DHCPC_OK)
        count(c, v);
}

void axn_dhcpc_count_malformed(struct axn_dhcpc *c)
{
    count(c, DHCPC_MALFORMED);
}

/* ---- Acting on the recorded reply (from the poll) ----------------------------------------- */

/* The new lease's times and server, the committed parameters kept. */
static void take_times(struct dhcpc_lease *to, const struct dhcpc_lease *from)
{
    to->server = from->server;
    to->lease_secs = from->lease_secs;
    to->t1_secs = from->t1_secs;
    to->t2_secs = from->t2_secs;
    to->obtained = from->obtained;
    to->t1 = from->t1;
    to->t2 = from->t2;
    to->expires = from->expires;
}

/* Same address as the committed lease: the lease goes on (4.4.5). */
static void extend(struct axn_dhcpc *c, const struct dhcpc_lease *l, axn_time_t now)
{
    if (c->state == AXN_DHCPC_RENEWING || c->state == AXN_DHCPC_REBINDING)
        c->stats.renewals++;
    if (axn_dhcpc_lease_differs(l, &c->lease)) {
        if (axn_dhcpc_commit(c, l, now) < 0)
            take_times(&c->lease, l); /* the committed parameters stay */
    } else {
        c->lease = *l;
        axn_dhcpc_log(c, "renewed", l->addr);
    }
    axn_dhcpc_bound(c);
}

static void on_ack(struct axn_dhcpc *c, axn_time_t now)
{
    struct dhcpc_lease l = c->reply;
    axn_dhcpc_lease_times(&l, c->req_sent);
    if (c->has_lease && l.addr == c->lease.addr) {
        extend(c, &l, now);
        return;
    }
    if (c->has_lease) {
        /* A new address: the old one goes; the new one is probed (4.4.5). */
        axn_dhcpc_log(c, "address changed, dropping", c->lease.addr);
        axn_dhcpc_uncommit(c, now);
    }
    c->pending = l;
    axn_dhcpc_probe_start(c, now);
}

static void on_nak(struct axn_dhcpc *c, axn_time_t now)
{
    if (c->has_lease) {
        axn_dhcpc_log(c, "NAK, dropping", c->lease.addr);
        axn_dhcpc_uncommit(c, now);
    }
    axn_dhcpc_enter_init(c, now, AXN_MSEC(DHCPC_NAK_WAIT_MS));
}

void axn_dhcpc_handle_event(struct axn_dhcpc *c, axn_time_t now)
{
    const enum dhcpc_event ev = c->event;
    c->event = DHCPC_EV_NONE;
    if (ev == DHCPC_EV_ACK)
        on_ack(c, now);
    else if (ev == DHCPC_EV_NAK)
        on_nak(c, now);
}
