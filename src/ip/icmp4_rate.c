/*
 * ICMP rate limits (icmp4_rate.h), after Linux net/ipv4/icmp.c and
 * net/ipv4/inetpeer.c. Global credit is kept in token-microseconds so that
 * every µs of virtual time refills exactly per_sec/10^6 of a token, and a
 * destination's credit in µs of its period: no rounding drift, exact tests.
 */
#include "ip/icmp4_rate.h"

#include "wire/icmp4.h"

/* One token, in credit units. */
#define TOKEN AXN_USEC_PER_SEC
/* Linux inetpeer.c XRLIM_BURST_FACTOR: a destination may get this many
 * messages at once before the one-per-period limit. */
#define XRLIM_BURST_FACTOR 6u
/* Linux inet_getpeer: a new peer starts with rate_last = jiffies - 60*HZ,
 * i.e. 60 s of credit (capped by the burst). */
#define PEER_NEW_CREDIT AXN_SEC(60)
/* Linux NR_ICMP_TYPES: types above it are never limited. */
#define ICMP4_NR_TYPES 18u

void axn_icmp4_rate_init(struct axn_icmp4_rate *r, uint32_t per_sec, uint32_t burst)
{
    r->per_sec = per_sec;
    r->burst = burst;
    r->credit = (uint64_t)burst * TOKEN;
    r->stamp = 0;
    r->started = false;
    r->mask = AXN_ICMP4_RATEMASK;
    r->peer_ms = AXN_ICMP4_RATELIMIT_MS;
    r->limited_host = 0;
    for (size_t i = 0; i < AXN_ICMP4_RATE_PEERS; i++)
        r->peers[i] = (struct axn_icmp4_rate_peer){0};
}

/* ---- The stack's bucket (Linux icmp_global_allow / icmp_global_consume) ---------------- */

static void refill(struct axn_icmp4_rate *r, axn_time_t now)
{
    const uint64_t cap = (uint64_t)r->burst * TOKEN;
    if (!r->started) {
        r->started = true;
        r->stamp = now;
        return;
    }
    if (now <= r->stamp)
        return;
    const uint64_t elapsed = now - r->stamp;
    r->stamp = now;
    if (r->per_sec == 0)
        return;
    /* Past a full refill the bucket is simply full (and the product
     * below cannot overflow). */
    if (elapsed >= cap / r->per_sec) {
        r->credit = cap;
        return;
    }
    const uint64_t add = elapsed * r->per_sec;
    r->credit = cap - r->credit < add ? cap : r->credit + add;
}

static bool global_has_token(struct axn_icmp4_rate *r, axn_time_t now)
{
    refill(r, now);
    return r->credit >= TOKEN;
}

bool axn_icmp4_rate_allow(struct axn_icmp4_rate *r, axn_time_t now)
{
    if (!global_has_token(r, now))
        return false;
    r->credit -= TOKEN;
    return true;
}

/* ---- Which types (Linux icmpv4_mask_allow) --------------------------------------------- */

bool axn_icmp4_rate_limited_type(const struct axn_icmp4_rate *r, uint8_t type, uint8_t code)
{
    if (type > ICMP4_NR_TYPES)
        return false;
    /* RFC 1191: never limit path MTU discovery. */
    if (type == AXN_ICMP4_DEST_UNREACH && code == AXN_ICMP4_UNREACH_FRAG_NEEDED)
        return false;
    return (r->mask >> type) & 1u;
}

/* ---- Per destination (Linux inet_getpeer_v4 + inet_peer_xrlim_allow) ------------------- */

/* `dst`'s entry; a new one in a free slot or the least recently used. */
static struct axn_icmp4_rate_peer *peer_get(struct axn_icmp4_rate *r, axn_ip4_t dst, axn_time_t now)
{
    struct axn_icmp4_rate_peer *victim = &r->peers[0];
    for (size_t i = 0; i < AXN_ICMP4_RATE_PEERS; i++) {
        struct axn_icmp4_rate_peer *p = &r->peers[i];
        if (p->used && p->addr == dst)
            return p;
        if (!victim->used)
            continue;
        if (!p->used || p->last < victim->last)
            victim = p;
    }
    const axn_time_t period = AXN_MSEC(r->peer_ms);
    const axn_time_t cap = period * XRLIM_BURST_FACTOR;
    *victim = (struct axn_icmp4_rate_peer){
        .addr = dst,
        .used = true,
        .last = now,
        .tokens = PEER_NEW_CREDIT < cap ? PEER_NEW_CREDIT : cap,
    };
    return victim;
}

bool axn_icmp4_rate_peer_allow(struct axn_icmp4_rate *r, axn_ip4_t dst, axn_time_t now)
{
    struct axn_icmp4_rate_peer *p = peer_get(r, dst, now);
    const axn_time_t period = AXN_MSEC(r->peer_ms);
    const axn_time_t cap = period * XRLIM_BURST_FACTOR;
    /* Virtual time never runs back; if it did, nothing is added. */
    axn_time_t tokens = p->tokens;
    if (now > p->last) {
        const axn_time_t elapsed = now - p->last;
        tokens = tokens >= cap || elapsed >= cap - tokens ? cap : tokens + elapsed;
        p->last = now;
    }
    if (tokens > cap)
        tokens = cap; /* the limit was lowered at run time */
    bool ok = false;
    if (tokens >= period) {
        tokens -= period;
        ok = true;
    }
    p->tokens = tokens;
    return ok;
}

/* ---- The decision (Linux icmpv4_global_allow + icmpv4_xrlim_allow) --------------------- */

enum axn_icmp4_rate_verdict axn_icmp4_rate_xmit(struct axn_icmp4_rate *r, uint8_t type,
                                                uint8_t code, axn_ip4_t dst, bool loopback,
                                                axn_time_t now)
{
    if (!axn_icmp4_rate_limited_type(r, type, code))
        return AXN_ICMP4_RATE_OK;
    if (!global_has_token(r, now))
        return AXN_ICMP4_RATE_GLOBAL;
    /* "No rate limit on loopback" (the route's device is lo). */
    if (!loopback && !axn_icmp4_rate_peer_allow(r, dst, now)) {
        r->limited_host++;
        return AXN_ICMP4_RATE_HOST;
    }
    r->credit -= TOKEN; /* icmp_global_consume */
    return AXN_ICMP4_RATE_OK;
}
