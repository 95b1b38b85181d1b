/*
 * TCP initial sequence numbers (RFC 9293 3.4.1, RFC 6528 3):
 *
 *     ISN = M + F(localip, localport, remoteip, remoteport, secretkey)
 *
 * M is a timer ticking every 4 microseconds, taken from the caller's
 * `now` (the core never reads a clock); F is SipHash-2-4 under a 128-bit
 * secret drawn once from the platform's random hook. Each connection
 * tuple gets its own sequence-number space, so an off-path attacker
 * cannot predict one connection's ISN from another's (RFC 6528 1), and
 * successive incarnations of one tuple still move forward with the clock
 * (RFC 9293 3.4.1, quiet time).
 */
#ifndef AXN_TCP_TCP_ISN_H
#define AXN_TCP_TCP_ISN_H

#include <stdint.h>

#include "axnet/platform.h"
#include "axnet/types.h"
#include "lib/siphash.h"
#include "tcp/tcp_tuple.h"

/* RFC 6528 3 (after RFC 793): M advances once per 4 microseconds. */
#define AXN_TCP_ISN_TICK_US 4

struct axn_tcp_isn {
    uint8_t key[AXN_SIPHASH_KEY_BYTES];
};

/* Draws the secret from plat->random: 0 or its error. */
int axn_tcp_isn_init(struct axn_tcp_isn *g, const struct axn_platform *plat);
/* The ISN for a connection on tuple `t` started at `now` (microseconds). */
uint32_t axn_tcp_isn(const struct axn_tcp_isn *g, const struct axn_tcp_tuple *t, axn_time_t now);

#endif /* AXN_TCP_TCP_ISN_H */
