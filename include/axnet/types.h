/*
 * Basic types shared by every layer of axnet.
 *
 * Freestanding: only <stdint.h>, <stddef.h> and <stdbool.h>, which every C11
 * compiler provides without a libc.
 */
#ifndef AXNET_TYPES_H
#define AXNET_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Monotonic time in microseconds. The core never reads a clock: every call
 * that needs time takes `now` as an argument (DESIGN.md principle 2).
 */
typedef uint64_t axn_time_t;

#define AXN_USEC_PER_MSEC 1000ull
#define AXN_USEC_PER_SEC  1000000ull
#define AXN_MSEC(ms)      ((axn_time_t)(ms)*AXN_USEC_PER_MSEC)
#define AXN_SEC(s)        ((axn_time_t)(s)*AXN_USEC_PER_SEC)
/* "no deadline": later than any real time. */
#define AXN_TIME_NEVER UINT64_MAX

/*
 * IPv4 address in host byte order: masks, comparisons and prefix arithmetic
 * stay plain integer operations. Converted to network order only on the wire
 * and at the sockaddr boundary.
 */
typedef uint32_t axn_ip4_t;

#define AXN_IP4(a, b, c, d)                                                                        \
    ((axn_ip4_t)(((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) |            \
                 (uint32_t)(d)))

/* IPv6 address, network byte order (as on the wire). */
struct axn_ip6 {
    uint8_t b[16];
};

/* Ethernet MAC address. */
struct axn_mac {
    uint8_t b[6];
};

#define AXN_MAC_LEN 6

#ifdef __cplusplus
}
#endif

#endif /* AXNET_TYPES_H */
