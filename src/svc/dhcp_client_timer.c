/*
 * The DHCP client's timer (svc/dhcp_client.h): retransmission (RFC 2131
 * 4.1), the lease's T1, T2 and expiry (4.4.5) and the transitions they
 * drive. One timer, c->next, means what the state says: INIT send
 * DISCOVER, SELECTING retransmit it, REQUESTING and INIT-REBOOT retransmit
 * the REQUEST or give up, BOUND renew (T1), RENEWING retransmit or rebind
 * (T2), REBINDING retransmit or expire. (PROBING's is the probe's,
 * dhcp_client_probe.c.)
 */
#include "lib/mem.h"
#include "svc/dhcp_client.h"

/* The secs field is 16 bits (RFC 2131 2). */
#define DHCPC_SECS_MAX 0xffffu

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
void axn_dhcpc_enter_init(struct axn_dhcpc *c, axn_time_t now, axn_time_t wait)
{
    c->state = AXN_DHCPC_INIT;
    c->xid = axn_dhcpc_random(c, UINT32_MAX);
    c->tries = 0;
    c->offered = c->offer_server = c->requested = 0;
    c->event = DHCPC_EV_NONE;
    c->next = now + wait;
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

/* ---- Lease life --------------------------------------------------------------------------- */

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

void axn_dhcpc_expire(struct axn_dhcpc *c, axn_time_t now)
{
    c->stats.expiries++;
    axn_dhcpc_log(c, "lease expired for", c->lease.addr);
    axn_dhcpc_uncommit(c, now);
    axn_dhcpc_enter_init(c, now, 0);
}

void axn_dhcpc_bound(struct axn_dhcpc *c)
{
    c->state = AXN_DHCPC_BOUND;
    c->next = c->lease.t1;
}

/* The committed lease's state by the clock (link up, INIT-REBOOT given up). */
static void resume_lease(struct axn_dhcpc *c, axn_time_t now)
{
    if (now >= c->lease.expires) {
        axn_dhcpc_expire(c, now);
    } else if (now >= c->lease.t2) {
        start_rebinding(c, now);
    } else if (now >= c->lease.t1) {
        start_renewing(c, now);
    } else {
        axn_dhcpc_bound(c);
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
        axn_dhcpc_enter_init(c, now, 0);
}

/* ---- The timer ---------------------------------------------------------------------------- */

void axn_dhcpc_step(struct axn_dhcpc *c, axn_time_t now)
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
