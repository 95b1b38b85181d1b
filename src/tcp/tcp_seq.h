/*
 * TCP sequence-number arithmetic (RFC 9293 3.4): sequence numbers live in
 * a 32-bit space and wrap, so "a before b" cannot be `a < b`.
 *
 * Why the signed difference works: for two numbers whose true distance is
 * below 2^31, (int32_t)(a - b) is that distance with its sign, because the
 * unsigned subtraction is exact modulo 2^32 and the conversion picks the
 * representative in [-2^31, 2^31). So seq_lt(0xffffff00, 0x00000010) is
 * true (0x10 is 0x110 later, past the wrap).
 *
 * Where it stops: it is only an order on a window narrower than 2^31.
 * At a distance of exactly 2^31 both seq_lt(a, b) and seq_lt(b, a) are
 * true, and beyond it the answer flips. TCP keeps every comparison inside
 * that bound: windows are at most 2^30 (RFC 7323 2.3, scale 14), and
 * RFC 7323 5 (PAWS) covers old duplicates from earlier wraps. Any caller
 * comparing numbers that may be 2^31 or more apart needs more state than
 * these functions.
 *
 * The conversion of a value above INT32_MAX to int32_t is
 * implementation-defined in C11 (6.3.1.3), two's complement modulo 2^32
 * on every compiler this builds with (GCC, Clang).
 */
#ifndef AXN_TCP_TCP_SEQ_H
#define AXN_TCP_TCP_SEQ_H

#include <stdbool.h>
#include <stdint.h>

/* a - b: how far a is ahead of b (negative when behind). */
static inline int32_t seq_diff(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b);
}

/* RFC 9293 3.4: a < b in sequence space. */
static inline bool seq_lt(uint32_t a, uint32_t b)
{
    return seq_diff(a, b) < 0;
}

static inline bool seq_leq(uint32_t a, uint32_t b)
{
    return seq_diff(a, b) <= 0;
}

static inline bool seq_gt(uint32_t a, uint32_t b)
{
    return seq_diff(a, b) > 0;
}

static inline bool seq_geq(uint32_t a, uint32_t b)
{
    return seq_diff(a, b) >= 0;
}

/* RFC 9293 3.4: b <= a < c, e.g. RCV.NXT <= SEG.SEQ < RCV.NXT+RCV.WND.
 * Measured from b, so it holds for any window c - b below 2^32 (it wraps
 * correctly even past 2^31); an empty window (b == c) holds nothing. */
static inline bool seq_between(uint32_t a, uint32_t b, uint32_t c)
{
    return a - b < c - b;
}

static inline uint32_t seq_max(uint32_t a, uint32_t b)
{
    return seq_gt(a, b) ? a : b;
}

static inline uint32_t seq_min(uint32_t a, uint32_t b)
{
    return seq_lt(a, b) ? a : b;
}

#endif /* AXN_TCP_TCP_SEQ_H */
