/*
 * Token bucket for ICMP errors (icmp4_rate.h). Credit is kept in
 * token-microseconds so that every µs of virtual time refills exactly
 * per_sec/10^6 of a token: no rounding drift, exact tests.
 */
#include "ip/icmp4_rate.h"

/* One token, in credit units. */
#define TOKEN AXN_USEC_PER_SEC

void axn_icmp4_rate_init(struct axn_icmp4_rate *r, uint32_t per_sec, uint32_t burst)
{
    r->per_sec = per_sec;
    r->burst = burst;
    r->credit = (uint64_t)burst * TOKEN;
    r->stamp = 0;
    r->started = false;
}

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

bool axn_icmp4_rate_allow(struct axn_icmp4_rate *r, axn_time_t now)
{
    refill(r, now);
    if (r->credit < TOKEN)
        return false;
    r->credit -= TOKEN;
    return true;
}
