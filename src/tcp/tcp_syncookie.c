/*
 * SYN cookie encode/decode (tcp_syncookie.h): RFC 4987 3.6.
 */
#include "tcp/tcp_syncookie.h"

#include "lib/mem.h"

#define IDX_BITS  3u
#define IDX_MASK  ((1u << IDX_BITS) - 1u)
#define CTR_BITS  2u
#define CTR_MASK  ((1u << CTR_BITS) - 1u)
#define MAC_SHIFT (IDX_BITS + CTR_BITS)
#define MAC_MASK  (UINT32_MAX >> MAC_SHIFT)
_Static_assert(AXN_TCP_COOKIE_N_MSS == 1u << IDX_BITS, "the MSS index has IDX_BITS bits");
_Static_assert(AXN_TCP_COOKIE_PERIODS <= 1u << CTR_BITS, "counter bits tell the periods apart");

/* TSval low bits: the shift (WS_NONE: no window scaling), SACK, ECN. */
#define TS_WS_MASK 0xfu
#define TS_WS_NONE 0xfu
#define TS_SACK    (1u << 4)
#define TS_ECN     (1u << 5)
#define TS_MASK    ((1u << AXN_TCP_COOKIE_TS_BITS) - 1u)
/* RFC 7323 2.3: the largest shift. */
#define WS_MAX 14u

/* Common MSS values, ascending: the RFC 9293 default, IPv6-tunnelled
 * paths, PPPoE and VPN paths, Ethernet, and a 9000-byte jumbo frame. */
static const uint16_t mss_table[AXN_TCP_COOKIE_N_MSS] = {536,  1220, 1360, 1400,
                                                         1440, 1452, 1460, 8960};

uint16_t axn_tcp_cookie_mss(uint8_t idx)
{
    return mss_table[idx & IDX_MASK];
}

uint8_t axn_tcp_cookie_mss_index(uint16_t peer_mss)
{
    uint8_t i = AXN_TCP_COOKIE_N_MSS - 1u;
    while (i > 0 && mss_table[i] > peer_mss)
        i--;
    return i;
}

uint32_t axn_tcp_cookie_counter(axn_time_t now)
{
    return (uint32_t)(now / AXN_TCP_COOKIE_PERIOD_US);
}

static uint32_t mac(const uint8_t key[AXN_SIPHASH_KEY_BYTES], const struct axn_tcp_cookie_tuple *t,
                    uint32_t counter, uint8_t idx)
{
    const uint32_t words[5] = {t->laddr, t->raddr, ((uint32_t)t->lport << 16) | t->rport,
                               t->peer_isn, (counter << IDX_BITS) | idx};
    return (uint32_t)axn_siphash24(key, words, sizeof(words)) & MAC_MASK;
}

uint32_t axn_tcp_cookie_make(const uint8_t key[AXN_SIPHASH_KEY_BYTES],
                             const struct axn_tcp_cookie_tuple *t, uint32_t counter, uint8_t idx)
{
    idx &= IDX_MASK;
    return (mac(key, t, counter, idx) << MAC_SHIFT) | ((counter & CTR_MASK) << IDX_BITS) | idx;
}

bool axn_tcp_cookie_check(const uint8_t key[AXN_SIPHASH_KEY_BYTES],
                          const struct axn_tcp_cookie_tuple *t, uint32_t cookie,
                          uint32_t now_counter, uint8_t *idx)
{
    const uint8_t i = (uint8_t)(cookie & IDX_MASK);
    /* The period it was made in, from its low bits: at most CTR_MASK
     * periods back; older than AXN_TCP_COOKIE_PERIODS - 1 is expired. */
    const uint32_t age = (now_counter - (cookie >> IDX_BITS)) & CTR_MASK;
    if (age >= AXN_TCP_COOKIE_PERIODS)
        return false;
    if (mac(key, t, now_counter - age, i) != cookie >> MAC_SHIFT)
        return false;
    *idx = i;
    return true;
}

uint32_t axn_tcp_cookie_ts_encode(uint32_t ts_now, const struct axn_tcp_cookie_opts *o)
{
    uint32_t bits = o->wscale_ok ? (o->snd_wscale & TS_WS_MASK) : TS_WS_NONE;
    uint32_t ts;
    if (o->sack_ok)
        bits |= TS_SACK;
    if (o->ecn_ok)
        bits |= TS_ECN;
    ts = (ts_now & ~TS_MASK) | bits;
    /* Not ahead of the clock: one TS_MASK + 1 step back instead. */
    if ((int32_t)(ts - ts_now) > 0)
        ts -= TS_MASK + 1u;
    return ts;
}

bool axn_tcp_cookie_ts_decode(uint32_t ts_ecr, struct axn_tcp_cookie_opts *o)
{
    const uint32_t ws = ts_ecr & TS_WS_MASK;
    memset(o, 0, sizeof(*o));
    if (ws != TS_WS_NONE && ws > WS_MAX)
        return false;
    o->wscale_ok = ws != TS_WS_NONE;
    o->snd_wscale = o->wscale_ok ? (uint8_t)ws : 0;
    o->sack_ok = (ts_ecr & TS_SACK) != 0;
    o->ecn_ok = (ts_ecr & TS_ECN) != 0;
    return true;
}
