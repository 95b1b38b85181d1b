/*
 * The DHCPv4 client's state machine (RFC 2131 figure 5 plus the RFC 5227
 * probe; svc/dhcp_client.h). One timer, c->next, means what the state
 * says: INIT send DISCOVER, SELECTING retransmit it, REQUESTING and
 * INIT-REBOOT retransmit the REQUEST or give up, PROBING the probe's next
 * step, BOUND renew (T1), RENEWING retransmit or rebind (T2), REBINDING
 * retransmit or expire.
 *
 * Choices where RFC 2131 leaves room (see also dhcp_client_msg.c):
 * - The first DISCOVER goes out at once, not after 4.4.1's random 1-10 s:
 *   boot waits for DHCP (DHCP-14) and our xid is random anyway.
 * - A NAK restarts after DHCPC_NAK_WAIT_MS (3.1.5 asks no wait).
 * - Link up with a lease still valid: INIT-REBOOT for it while it stays
 *   committed (connections survive a cable pull); unanswered, the lease is
 *   used until it runs out (3.2 "MAY"); a NAK drops it.
 * - axn_dhcpc_is_bound means "an address is committed".
 * - set_previous is taken in INIT and in SELECTING before any OFFER (the
 *   first DISCOVER goes out in the poll that creates the client).
 */
#include "axnet/errno.h"
#include "axnet/netctl.h"
#include "core/stack_impl.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "route/prefix.h"
#include "svc/dhcp_client.h"
#include "wire/ipv4.h"

/* Transitions one poll may make at most (INIT -> SELECTING, an expiry
 * followed by a DISCOVER, ...): each step moves c->next or the state. */
#define DHCPC_MAX_STEPS 8u
/* The secs field is 16 bits (RFC 2131 2). */
#define DHCPC_SECS_MAX 0xffffu

uint32_t axn_dhcpc_random(const struct axn_dhcpc *c, uint32_t n)
{
    uint32_t r = 0;
    (void)c->plat->random(c->plat->ctx, &r, sizeof(r));
    return n == UINT32_MAX ? r : r % (n + 1u);
}

static uint16_t secs_since(const struct axn_dhcpc *c, axn_time_t now)
{
    const axn_time_t s = now > c->started ? (now - c->started) / AXN_USEC_PER_SEC : 0;
    return s > DHCPC_SECS_MAX ? DHCPC_SECS_MAX : (uint16_t)s;
}

/* RFC 2131 4.1: 4 s before the second try, doubling up to 64 s, each
 * randomised by +-1 s. c->tries counts what was sent already. */
static axn_time_t backoff(const struct axn_dhcpc *c, axn_time_t now)
{
    uint64_t ms = AXN_DHCP_RETX_FIRST_MS;
    for (unsigned i = 1; i < c->tries && ms < AXN_DHCP_RETX_MAX_MS; i++)
        ms *= 2;
    if (ms > AXN_DHCP_RETX_MAX_MS)
        ms = AXN_DHCP_RETX_MAX_MS;
    const uint64_t jitter = axn_dhcpc_random(c, 2u * AXN_DHCP_RETX_JITTER_MS);
    ms = ms + jitter >= AXN_DHCP_RETX_JITTER_MS ? ms + jitter - AXN_DHCP_RETX_JITTER_MS : 0;
    return now + AXN_MSEC(ms);
}

/* RFC 2131 4.4.5: half the time left until `limit` (T2 or expiry), at
 * least AXN_DHCP_RENEW_MIN_MS, never past `limit` itself. */
static axn_time_t renew_retx(axn_time_t now, axn_time_t limit)
{
    if (limit <= now)
        return limit;
    axn_time_t wait = (limit - now) / 2;
    if (wait < AXN_MSEC(AXN_DHCP_RENEW_MIN_MS))
        wait = AXN_MSEC(AXN_DHCP_RENEW_MIN_MS);
    return limit - now > wait ? now + wait : limit;
}

/* ---- Entering states ---------------------------------------------------------------------- */

/* INIT: a new transaction, the DISCOVER after `wait`. */
static void enter_init(struct axn_dhcpc *c, axn_time_t now, axn_time_t wait)
{
    c->state = AXN_DHCPC_INIT;
    c->xid = axn_dhcpc_random(c, UINT32_MAX);
    c->tries = 0;
    c->offered = c->offer_server = c->requested = 0;
    c->event = DHCPC_EV_NONE;
    c->next = now + wait;
}

static void enter_init_reboot(struct axn_dhcpc *c, axn_ip4_t addr, axn_time_t now)
{
    c->state = AXN_DHCPC_INIT_REBOOT;
    c->xid = axn_dhcpc_random(c, UINT32_MAX);
    c->started = now;
    c->tries = 0;
    c->requested = addr;
    c->event = DHCPC_EV_NONE;
    c->next = now;
}

/* ---- Sending ------------------------------------------------------------------------------ */

static void send_discover(struct axn_dhcpc *c, axn_time_t now)
{
    c->discover_secs = secs_since(c, now);
    const struct dhcpc_tx t = {
        .type = AXN_DHCP_DISCOVER, .secs = c->discover_secs, .dst = AXN_IP4(255, 255, 255, 255)};
    (void)axn_dhcpc_tx(c, &t, now); /* lost or not, the timer retries */
    c->stats.discovers++;
    c->tries++;
    c->next = backoff(c, now);
}

/* RFC 2131 4.3.2 and table 4: what a REQUEST carries in each state. */
static void request_fields(const struct axn_dhcpc *c, axn_time_t now, struct dhcpc_tx *t)
{
    t->type = AXN_DHCP_REQUEST;
    t->secs = secs_since(c, now);
    t->dst = AXN_IP4(255, 255, 255, 255);
    switch (c->state) {
    case AXN_DHCPC_REQUESTING: /* 4.4.1: same secs as the DISCOVER */
        t->secs = c->discover_secs;
        t->requested = c->offered;
        t->server_id = c->offer_server;
        break;
    case AXN_DHCPC_INIT_REBOOT:
        t->requested = c->requested;
        break;
    case AXN_DHCPC_RENEWING:
        t->dst = c->lease.server;
        t->ciaddr = t->src = c->lease.addr;
        break;
    default: /* REBINDING */
        t->ciaddr = t->src = c->lease.addr;
        break;
    }
}

static void send_request(struct axn_dhcpc *c, axn_time_t now)
{
    struct dhcpc_tx t;
    memset(&t, 0, sizeof(t));
    request_fields(c, now, &t);
    (void)axn_dhcpc_tx(c, &t, now);
    if (c->tries == 0)
        c->req_sent = now; /* 4.4.1: the lease counts from the first REQUEST */
    c->stats.requests++;
    c->tries++;
    if (c->state == AXN_DHCPC_RENEWING)
        c->next = renew_retx(now, c->lease.t2);
    else if (c->state == AXN_DHCPC_REBINDING)
        c->next = renew_retx(now, c->lease.expires);
    else
        c->next = backoff(c, now);
}

/* DECLINE (4.4.1) and RELEASE (4.4.6) carry the server identifier, and
 * nothing we ask for. */
static void send_decline(struct axn_dhcpc *c, axn_time_t now)
{
    const struct dhcpc_tx t = {.type = AXN_DHCP_DECLINE,
                               .requested = c->pending.addr,
                               .server_id = c->pending.server,
                               .dst = AXN_IP4(255, 255, 255, 255)};
    (void)axn_dhcpc_tx(c, &t, now);
    c->stats.declines++;
}

/*
 * 4.4.6: unicast to the server. The address goes right after, and with it
 * any ARP exchange the frame would wait for, so an on-link server gets it
 * in an Ethernet broadcast (IP unicast still: only the server takes it).
 */
static void send_release(struct axn_dhcpc *c, axn_time_t now)
{
    const struct dhcpc_lease *l = &c->lease;
    const struct dhcpc_tx t = {.type = AXN_DHCP_RELEASE,
                               .ciaddr = l->addr,
                               .server_id = l->server,
                               .src = l->addr,
                               .dst = l->server,
                               .link_broadcast =
                                   axn_ip4_prefix_contains(l->addr, l->prefix_len, l->server)};
    (void)axn_dhcpc_tx(c, &t, now);
    c->stats.releases++;
}

/* ---- Lease life -------------------------------------------------------------------------- */

static void start_discover(struct axn_dhcpc *c, axn_time_t now)
{
    c->state = AXN_DHCPC_SELECTING;
    c->started = now;
    c->tries = 0;
    send_discover(c, now);
}

static void start_renewing(struct axn_dhcpc *c, axn_time_t now)
{
    c->state = AXN_DHCPC_RENEWING;
    c->xid = axn_dhcpc_random(c, UINT32_MAX);
    c->started = now;
    c->tries = 0;
    axn_dhcpc_log(c, "renewing", c->lease.addr);
    send_request(c, now);
}

static void start_rebinding(struct axn_dhcpc *c, axn_time_t now)
{
    c->state = AXN_DHCPC_REBINDING;
    c->tries = 0;
    axn_dhcpc_log(c, "rebinding", c->lease.addr);
    send_request(c, now);
}

static void expire(struct axn_dhcpc *c, axn_time_t now)
{
    c->stats.expiries++;
    axn_dhcpc_log(c, "lease expired for", c->lease.addr);
    axn_dhcpc_uncommit(c, now);
    enter_init(c, now, 0);
}

static void bound(struct axn_dhcpc *c)
{
    c->state = AXN_DHCPC_BOUND;
    c->next = c->lease.t1;
}

/* The committed lease's state by the clock (link up, INIT-REBOOT given up). */
static void resume_lease(struct axn_dhcpc *c, axn_time_t now)
{
    if (now >= c->lease.expires) {
        expire(c, now);
    } else if (now >= c->lease.t2) {
        start_rebinding(c, now);
    } else if (now >= c->lease.t1) {
        start_renewing(c, now);
    } else {
        bound(c);
    }
}

/* REQUESTING or INIT-REBOOT, AXN_DHCP_REQUEST_TRIES unanswered (3.1.5). */
static void give_up(struct axn_dhcpc *c, axn_time_t now)
{
    c->stats.request_giveups++;
    axn_dhcpc_log(c, "no answer to REQUEST for",
                  c->state == AXN_DHCPC_REQUESTING ? c->offered : c->requested);
    if (c->has_lease)
        resume_lease(c, now);
    else
        enter_init(c, now, 0);
}

/* The probe found the address free: commit it and announce it. */
static void bind_pending(struct axn_dhcpc *c, axn_time_t now)
{
    if (axn_dhcpc_commit(c, &c->pending, now) < 0) {
        /* The control plane is full: nothing changed; try again later. */
        axn_dhcpc_log(c, "cannot commit", c->pending.addr);
        enter_init(c, now, AXN_MSEC(AXN_DHCP_DECLINE_WAIT_MS));
        return;
    }
    c->announce_at = now + AXN_MSEC(DHCPC_ANNOUNCE_INTERVAL_MS);
    bound(c);
}

/* The probe found the address in use (RFC 2131 3.1.5, RFC 5227 2.1.1). */
static void decline(struct axn_dhcpc *c, axn_time_t now)
{
    c->stats.conflicts++;
    axn_dhcpc_probe_stop(c);
    axn_dhcpc_log(c, "address in use, declined:", c->pending.addr);
    send_decline(c, now);
    enter_init(c, now, AXN_MSEC(AXN_DHCP_DECLINE_WAIT_MS));
}

static void run_probe(struct axn_dhcpc *c, axn_time_t now)
{
    switch (axn_dhcpc_probe_poll(c, now)) {
    case DHCPC_PROBE_CONFLICT:
        decline(c, now);
        break;
    case DHCPC_PROBE_CLEAR:
        axn_dhcpc_probe_stop(c);
        bind_pending(c, now);
        break;
    default:
        break;
    }
}

/* ---- Events recorded by input ------------------------------------------------------------ */

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
    bound(c);
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
    enter_init(c, now, AXN_MSEC(DHCPC_NAK_WAIT_MS));
}

static void handle_event(struct axn_dhcpc *c, axn_time_t now)
{
    const enum dhcpc_event ev = c->event;
    c->event = DHCPC_EV_NONE;
    if (ev == DHCPC_EV_ACK)
        on_ack(c, now);
    else if (ev == DHCPC_EV_NAK)
        on_nak(c, now);
}

/* ---- Timers ------------------------------------------------------------------------------- */

static void step(struct axn_dhcpc *c, axn_time_t now)
{
    switch (c->state) {
    case AXN_DHCPC_INIT:
        start_discover(c, now);
        break;
    case AXN_DHCPC_SELECTING:
        send_discover(c, now); /* forever (4.1) */
        break;
    case AXN_DHCPC_REQUESTING:
    case AXN_DHCPC_INIT_REBOOT:
        if (c->tries >= AXN_DHCP_REQUEST_TRIES)
            give_up(c, now);
        else
            send_request(c, now);
        break;
    case AXN_DHCPC_BOUND:
    case AXN_DHCPC_RENEWING:
    case AXN_DHCPC_REBINDING:
        if (c->state == AXN_DHCPC_RENEWING && now < c->lease.t2)
            send_request(c, now);
        else if (c->state == AXN_DHCPC_REBINDING && now < c->lease.expires)
            send_request(c, now);
        else
            resume_lease(c, now);
        break;
    default:
        c->next = AXN_TIME_NEVER;
        break;
    }
}

/* RFC 5227 2.3: our announcement, ANNOUNCE_INTERVAL after the device's. */
static void announce(struct axn_dhcpc *c, axn_time_t now)
{
    if (!c->has_lease || now < c->announce_at)
        return;
    c->announce_at = AXN_TIME_NEVER;
    (void)axn_svc_acd_send(c->svc, c->ifindex, c->lease.addr, true);
}

/* The lease's end bounds every state (INIT-REBOOT after a link flap, a
 * link that stays down); the state's timer and our announcement need the
 * link. */
static axn_time_t deadline(const struct axn_dhcpc *c)
{
    axn_time_t t = c->has_lease ? c->lease.expires : AXN_TIME_NEVER;
    if (!c->link_up)
        return t;
    if (c->next < t)
        t = c->next;
    if (c->has_lease && c->announce_at < t)
        t = c->announce_at;
    return t;
}

axn_time_t axn_dhcpc_poll(struct axn_dhcpc *c, axn_time_t now)
{
    /* No stale address, whatever the state or the link. */
    if (c->has_lease && now >= c->lease.expires)
        expire(c, now);
    if (!c->link_up)
        return deadline(c); /* nothing is sent until the link returns */
    handle_event(c, now);
    if (c->state == AXN_DHCPC_PROBING)
        run_probe(c, now);
    for (unsigned i = 0; i < DHCPC_MAX_STEPS && c->state != AXN_DHCPC_PROBING && now >= c->next;
         i++)
        step(c, now);
    announce(c, now);
    return deadline(c);
}

/* ---- Input -------------------------------------------------------------------------------- */

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

/* ---- Lifecycle and queries --------------------------------------------------------------- */

int axn_dhcpc_create(const struct axn_dhcpc_params *p, axn_time_t now, struct axn_dhcpc **out)
{
    const struct axn_platform *plat = p->svc->plat;
    struct axn_dhcpc *c = plat->alloc(plat->ctx, sizeof(*c), _Alignof(struct axn_dhcpc));
    if (c == NULL)
        return -AXN_ENOMEM;
    memset(c, 0, sizeof(*c));
    c->svc = p->svc;
    c->plat = plat;
    c->ifindex = p->ifindex;
    c->mac = p->mac;
    c->hostname = p->hostname;
    c->link_up = true;
    c->announce_at = AXN_TIME_NEVER;
    struct axn_iface_info info;
    if (axn_ctl_interface_by_index(p->svc->st, p->ifindex, &info) == 0) {
        memcpy(c->name, info.name, sizeof(c->name));
        c->orig_mtu = info.mtu;
        c->link_up = (info.flags & AXN_IFF_UP) != 0;
    }
    enter_init(c, now, 0);
    *out = c;
    return 0;
}

void axn_dhcpc_destroy(struct axn_dhcpc *c, bool release, axn_time_t now)
{
    /* Without `release` the devices may be gone already: touch nothing. */
    if (release && c->has_lease) {
        axn_dhcpc_log(c, "releasing", c->lease.addr);
        if (c->link_up)
            send_release(c, now);
        axn_dhcpc_uncommit(c, now);
    }
    c->plat->free(c->plat->ctx, c, sizeof(*c));
}

void axn_dhcpc_link(struct axn_dhcpc *c, bool up, axn_time_t now)
{
    if (c->link_up == up)
        return;
    c->link_up = up;
    c->event = DHCPC_EV_NONE;
    if (!up) {
        if (c->state == AXN_DHCPC_PROBING)
            axn_dhcpc_probe_stop(c);
        return; /* the lease stays; nothing is sent until the link returns */
    }
    /* RFC 2131 3.2: we may have moved; ask for the lease we hold. */
    if (c->has_lease && now < c->lease.expires)
        enter_init_reboot(c, c->lease.addr, now);
    else
        enter_init(c, now, 0);
}

int axn_dhcpc_set_previous(struct axn_dhcpc *c, axn_ip4_t addr, axn_time_t now)
{
    if (c->state != AXN_DHCPC_INIT && c->state != AXN_DHCPC_SELECTING)
        return -AXN_EBUSY;
    if (!axn_dhcpc_ip4_unicast(addr))
        return -AXN_EINVAL;
    enter_init_reboot(c, addr, now);
    axn_dhcpc_log(c, "INIT-REBOOT for", addr);
    return 0;
}

void axn_dhcpc_info(const struct axn_dhcpc *c, struct axn_dhcp_lease_info *out)
{
    memset(out, 0, sizeof(*out));
    out->ifindex = c->ifindex;
    out->state = c->state;
    out->xid = c->xid;
    out->next_event = deadline(c);
    out->stats = c->stats;
    out->has_lease = c->has_lease;
    if (!c->has_lease)
        return;
    const struct dhcpc_lease *l = &c->lease;
    out->addr = l->addr;
    out->prefix_len = l->prefix_len;
    out->router = l->router;
    out->server = l->server;
    memcpy(out->dns, l->dns, sizeof(out->dns));
    out->n_dns = l->n_dns;
    out->mtu = l->mtu != 0 ? (uint16_t)axn_dhcpc_lease_mtu(c, l) : 0;
    memcpy(out->domain, l->domain, sizeof(out->domain));
    out->lease_secs = l->lease_secs;
    out->obtained = l->obtained;
    out->t1 = l->t1;
    out->t2 = l->t2;
    out->expires = l->expires;
}

uint32_t axn_dhcpc_ifindex(const struct axn_dhcpc *c)
{
    return c->ifindex;
}

bool axn_dhcpc_is_bound(const struct axn_dhcpc *c)
{
    return c->has_lease;
}
