/*
 * SYN cookie encode/decode (tcp_syncookie.h, RFC 4987 3.6) alone.
 *
 * Input (short inputs are zero-padded):
 *   bytes 0-15   the secret key;
 *   bytes 16-27  the 4-tuple (laddr, raddr, lport, rport);
 *   bytes 28-31  the peer's ISN;
 *   bytes 32-35  SEG.ACK of an arbitrary ACK (its cookie: SEG.ACK - 1);
 *   bytes 36-39  its TSecr;
 *   bytes 40-47  the time of the check (µs);
 *   byte  48     the MSS index to encode, and the periods between encode
 *                and check (high bits);
 *   byte  49     which field of the 4-tuple/ISN a forgery changes;
 *   bytes 50-51  the peer's MSS; bytes 52-55: TSval clock; byte 56: options.
 *
 * Two paths. Arbitrary: whatever the ACK carries, check() accepts only a
 * cookie that make() yields for that 4-tuple and ISN at the current or
 * the previous counter, with the index it reports. Round trip: make() at
 * a counter, check() a given number of periods later accepts it with the
 * same index while in AXN_TCP_COOKIE_PERIODS, rejects it after (unless
 * make() for the later counters happens to give the same 32 bits, which
 * the target tells apart exactly), and rejects it for any other 4-tuple or
 * ISN (same exception). Also: the MSS table's index for a peer's MSS, and
 * the options carried in TSval survive encode/decode, TSval never ahead
 * of the clock.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/byteorder.h"
#include "support/fuzz_check.h"
#include "tcp/tcp_syncookie.h"

#define IN_LEN      57u
#define OFF_KEY     0u
#define OFF_TUPLE   16u
#define OFF_ISN     28u
#define OFF_ACK     32u
#define OFF_TSECR   36u
#define OFF_TIME    40u
#define OFF_IDX     48u
#define OFF_FORGE   49u
#define OFF_MSS     50u
#define OFF_TSNOW   52u
#define OFF_OPTS    56u
#define IDX_MASK    0x07u
#define AGE_SHIFT   3u
#define FORGE_KINDS 5u
#define WS_MAX      14u
#define OPT_WS      0x01u
#define OPT_SACK    0x02u
#define OPT_ECN     0x04u
#define OPT_SHIFT   4u
#define TS_SPAN     (1u << AXN_TCP_COOKIE_TS_BITS)

/* Whether make() at counter `ctr` for `t` gives `cookie`. */
static bool made_at(const uint8_t *key, const struct axn_tcp_cookie_tuple *t, uint32_t cookie,
                    uint32_t ctr, uint8_t idx)
{
    return axn_tcp_cookie_make(key, t, ctr, idx) == cookie;
}

/* Made at the current or the previous counter: what check() may accept. */
static bool valid_now(const uint8_t *key, const struct axn_tcp_cookie_tuple *t, uint32_t cookie,
                      uint32_t ctr, uint8_t idx)
{
    for (uint32_t age = 0; age < AXN_TCP_COOKIE_PERIODS; age++)
        if (made_at(key, t, cookie, ctr - age, idx))
            return true;
    return false;
}

static void arbitrary(const uint8_t *in, const struct axn_tcp_cookie_tuple *t, uint32_t ctr)
{
    const uint32_t cookie = axn_get_be32(in + OFF_ACK) - 1u;
    uint8_t idx = 0xff;
    if (axn_tcp_cookie_check(in + OFF_KEY, t, cookie, ctr, &idx)) {
        CHECK(idx < AXN_TCP_COOKIE_N_MSS);
        CHECK(valid_now(in + OFF_KEY, t, cookie, ctr, idx));
    }
    struct axn_tcp_cookie_opts o;
    if (axn_tcp_cookie_ts_decode(axn_get_be32(in + OFF_TSECR), &o))
        CHECK(!o.wscale_ok || o.snd_wscale <= WS_MAX);
}

static void forge(struct axn_tcp_cookie_tuple *t, uint8_t kind, uint32_t x)
{
    x |= 1u; /* a change, never the same value */
    switch (kind % FORGE_KINDS) {
    case 0:
        t->laddr ^= x;
        break;
    case 1:
        t->raddr ^= x;
        break;
    case 2:
        t->lport ^= (uint16_t)x;
        break;
    case 3:
        t->rport ^= (uint16_t)x;
        break;
    default:
        t->peer_isn ^= x;
        break;
    }
}

static void round_trip(const uint8_t *in, const struct axn_tcp_cookie_tuple *t, uint32_t ctr)
{
    const uint8_t *key = in + OFF_KEY;
    const uint8_t idx = in[OFF_IDX] & IDX_MASK;
    const uint32_t age = in[OFF_IDX] >> AGE_SHIFT;
    const uint32_t made = ctr - age;
    const uint32_t cookie = axn_tcp_cookie_make(key, t, made, idx);
    uint8_t got = 0xff;
    const bool ok = axn_tcp_cookie_check(key, t, cookie, ctr, &got);
    if (age < AXN_TCP_COOKIE_PERIODS)
        CHECK(ok && got == idx);
    else
        CHECK(ok == valid_now(key, t, cookie, ctr, idx));
    struct axn_tcp_cookie_tuple f = *t;
    forge(&f, in[OFF_FORGE], axn_get_be32(in + OFF_ACK));
    got = 0xff;
    const bool fok = axn_tcp_cookie_check(key, &f, cookie, ctr, &got);
    CHECK(!fok || valid_now(key, &f, cookie, ctr, got));
}

static void mss_and_ts(const uint8_t *in)
{
    const uint16_t peer_mss = axn_get_be16(in + OFF_MSS);
    const uint8_t i = axn_tcp_cookie_mss_index(peer_mss);
    CHECK(i < AXN_TCP_COOKIE_N_MSS);
    CHECK(i == 0 || axn_tcp_cookie_mss(i) <= peer_mss);
    CHECK(i + 1u == AXN_TCP_COOKIE_N_MSS || axn_tcp_cookie_mss((uint8_t)(i + 1u)) > peer_mss);

    const uint8_t ob = in[OFF_OPTS];
    const struct axn_tcp_cookie_opts o = {.wscale_ok = (ob & OPT_WS) != 0,
                                          .snd_wscale =
                                              (ob & OPT_WS) ? (ob >> OPT_SHIFT) % (WS_MAX + 1u) : 0,
                                          .sack_ok = (ob & OPT_SACK) != 0,
                                          .ecn_ok = (ob & OPT_ECN) != 0};
    const uint32_t ts_now = axn_get_be32(in + OFF_TSNOW);
    const uint32_t ts = axn_tcp_cookie_ts_encode(ts_now, &o);
    /* RFC 7323 5.4: not ahead of the clock, and not far behind it. */
    CHECK(ts_now - ts < TS_SPAN);
    struct axn_tcp_cookie_opts back;
    CHECK(axn_tcp_cookie_ts_decode(ts, &back));
    CHECK(back.wscale_ok == o.wscale_ok && back.snd_wscale == o.snd_wscale &&
          back.sack_ok == o.sack_ok && back.ecn_ok == o.ecn_ok);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t in[IN_LEN];
    memset(in, 0, sizeof(in));
    memcpy(in, data, size < sizeof(in) ? size : sizeof(in));
    const struct axn_tcp_cookie_tuple t = {.laddr = axn_get_be32(in + OFF_TUPLE),
                                           .raddr = axn_get_be32(in + OFF_TUPLE + 4),
                                           .lport = axn_get_be16(in + OFF_TUPLE + 8),
                                           .rport = axn_get_be16(in + OFF_TUPLE + 10),
                                           .peer_isn = axn_get_be32(in + OFF_ISN)};
    const axn_time_t when = (axn_time_t)(((uint64_t)axn_get_be32(in + OFF_TIME) << 32) |
                                         axn_get_be32(in + OFF_TIME + 4));
    const uint32_t ctr = axn_tcp_cookie_counter(when);
    arbitrary(in, &t, ctr);
    round_trip(in, &t, ctr);
    mss_and_ts(in);
    return 0;
}
