/*
 * SYN cookies (RFC 4987 3.6): when a listener cannot (or, with
 * syncookies = 2, will not) keep state for a SYN, the SYN-ACK's ISS
 * carries what the handshake needs, authenticated, and the ACK that
 * echoes it (SEG.ACK - 1) rebuilds the connection. Pure encode/decode
 * (tcp_syncookie.c); the listener uses it in tcp_listen.c.
 *
 * The ISS, our own layout:
 *   bits 31..5  a 27-bit MAC: SipHash-2-4, under a per-stack secret, of
 *               the 4-tuple, the peer's ISN, the time counter and the
 *               MSS index (so none of them can be changed or replayed
 *               onto another 4-tuple);
 *   bits  4..3  the time counter's low two bits (a counter ticks every
 *               AXN_TCP_COOKIE_PERIOD_US; the current and the previous
 *               period are accepted);
 *   bits  2..0  an index into the MSS table (the largest entry not above
 *               the peer's MSS).
 * With timestamps negotiated, the options the SYN offered (the peer's
 * window shift, SACK-permitted, ECN) go in the low AXN_TCP_COOKIE_TS_BITS
 * bits of our TSval, which the peer echoes in TSecr (as Linux does), so a
 * cookie connection keeps them.
 */
#ifndef AXN_TCP_TCP_SYNCOOKIE_H
#define AXN_TCP_TCP_SYNCOOKIE_H

#include <stdbool.h>
#include <stdint.h>

#include "axnet/types.h"
#include "lib/siphash.h"

/* A counter period: 64 s (Linux's granularity too). */
#define AXN_TCP_COOKIE_PERIOD_US AXN_SEC(64)
/* Periods a cookie stays valid: the one it was made in and the next. */
#define AXN_TCP_COOKIE_PERIODS 2u
/* Entries of the MSS table (the index has 3 bits). */
#define AXN_TCP_COOKIE_N_MSS 8u
/* Low TSval bits carrying options: 4 (shift, 0xf: none), SACK, ECN. */
#define AXN_TCP_COOKIE_TS_BITS 6u

/* What the MAC covers besides the counter and the MSS index. Host order. */
struct axn_tcp_cookie_tuple {
    axn_ip4_t laddr;
    axn_ip4_t raddr;
    uint16_t lport;
    uint16_t rport;
    uint32_t peer_isn; /* the SYN's SEG.SEQ (the ACK's SEG.SEQ - 1) */
};

/* The options a SYN offered, kept in the TSval's low bits. */
struct axn_tcp_cookie_opts {
    bool wscale_ok;
    uint8_t snd_wscale; /* the peer's shift (0..14) */
    bool sack_ok;
    bool ecn_ok;
};

/* The MSS table (ascending) and the index for a peer's MSS: the largest
 * entry not above it (entry 0 when all are). */
uint16_t axn_tcp_cookie_mss(uint8_t idx);
uint8_t axn_tcp_cookie_mss_index(uint16_t peer_mss);

/* The time counter at `now`. */
uint32_t axn_tcp_cookie_counter(axn_time_t now);

/* The cookie (our ISS) for `t`, made at counter `counter`, MSS index `idx`. */
uint32_t axn_tcp_cookie_make(const uint8_t key[AXN_SIPHASH_KEY_BYTES],
                             const struct axn_tcp_cookie_tuple *t, uint32_t counter, uint8_t idx);

/* Checks `cookie` (SEG.ACK - 1) for `t` at counter `now_counter`: true
 * and the MSS index in *idx when its MAC matches and it is at most
 * AXN_TCP_COOKIE_PERIODS - 1 periods old. */
bool axn_tcp_cookie_check(const uint8_t key[AXN_SIPHASH_KEY_BYTES],
                          const struct axn_tcp_cookie_tuple *t, uint32_t cookie,
                          uint32_t now_counter, uint8_t *idx);

/* Our SYN-ACK's TSval: `ts_now` with its low bits replaced by `o`, never
 * above ts_now (RFC 7323 5.4: TSval must not run ahead of the clock). */
uint32_t axn_tcp_cookie_ts_encode(uint32_t ts_now, const struct axn_tcp_cookie_opts *o);
/* The options from the TSecr of the ACK: false when the bits are
 * impossible (a shift above 14 other than "none"). */
bool axn_tcp_cookie_ts_decode(uint32_t ts_ecr, struct axn_tcp_cookie_opts *o);

#endif /* AXN_TCP_TCP_SYNCOOKIE_H */
