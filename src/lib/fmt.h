/*
 * A freestanding subset of snprintf, for log lines and names.
 *
 * Conversions: %d %i %u %x %X %s %c %p %%.
 * Flags: '-' (left-justify), '0' (pad numbers with zeros).
 * Width: a number or '*'. Precision: a number or '*'; for %s the most
 * bytes taken from the string, for integers the fewest digits (as in C99).
 * Length modifiers: hh h l ll z.
 *
 * Differences from C99, all deliberate: %p prints "0x" and lowercase hex
 * (NULL prints "0x0"); a NULL %s prints "(null)"; an unknown conversion is
 * copied to the output as written. No floating point, no '+' / ' ' / '#'.
 *
 * Every function always NUL-terminates when cap > 0, and returns the length
 * the full output would have had (without the NUL), like C99 snprintf:
 * a return >= cap means the output was cut.
 */
#ifndef AXN_LIB_FMT_H
#define AXN_LIB_FMT_H

#include <stdarg.h>
#include <stddef.h>

#include "axnet/types.h"

/* Lets GCC and Clang check the arguments against the format at compile time. */
#if defined(__GNUC__) || defined(__clang__)
#define AXN_PRINTF_LIKE(fmt_idx, arg_idx) __attribute__((format(printf, fmt_idx, arg_idx)))
#else
#define AXN_PRINTF_LIKE(fmt_idx, arg_idx)
#endif

int axn_snprintf(char *buf, size_t cap, const char *fmt, ...) AXN_PRINTF_LIKE(3, 4);
int axn_vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap) AXN_PRINTF_LIKE(3, 0);

/* Room for the longest "255.255.255.255" plus its NUL. */
#define AXN_IP4_STR_LEN 16
/* Room for "aa:bb:cc:dd:ee:ff" plus its NUL. */
#define AXN_MAC_STR_LEN 18

/* Dotted quad of a host-order address: "192.168.0.1". Returns as snprintf. */
int axn_fmt_ip4(char *buf, size_t cap, axn_ip4_t ip);

/* Lowercase colon-separated MAC: "02:00:00:aa:bb:cc". Returns as snprintf. */
int axn_fmt_mac(char *buf, size_t cap, const struct axn_mac *mac);

#endif /* AXN_LIB_FMT_H */
