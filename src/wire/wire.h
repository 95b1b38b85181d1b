/*
 * Conventions shared by every wire format in src/wire/.
 *
 * A format has a plain struct and two pure functions:
 *
 *   int axn_X_parse(const uint8_t *buf, size_t len, struct axn_X *out);
 *       Validates buf[0 .. len) and fills `out`. Returns 0, or one of the
 *       distinct negative AXN_WIRE_E* codes below naming what was wrong.
 *       Never reads outside the buffer. Payload pointers in `out` point into
 *       `buf` (no copy), so `buf` must outlive `out`.
 *
 *   int axn_X_emit(const struct axn_X *in, uint8_t *buf, size_t cap, ...);
 *       Writes the header (and, where the format has one, the payload and
 *       checksums) into buf[0 .. cap). Returns the number of bytes written,
 *       or AXN_WIRE_ENOSPC if `cap` is too small (nothing useful written).
 *       A payload that already sits where it belongs (payload == buf + header
 *       length) is not copied, so packets can be built in place.
 *
 * No state, no I/O, no allocation: the same input gives the same output.
 */
#ifndef AXN_WIRE_WIRE_H
#define AXN_WIRE_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "axnet/types.h"

/*
 * Parse errors. Each kind of malformation has its own code, so counters and
 * tests can tell them apart. They sit below -1000, away from the errno
 * range, and never leave the library as a socket error.
 */
enum axn_wire_err {
    AXN_WIRE_ETRUNC = -1001,    /* buffer shorter than the fixed header */
    AXN_WIRE_EVERSION = -1002,  /* version field is not the expected one */
    AXN_WIRE_EHDRLEN = -1003,   /* header-length field too small or past the buffer */
    AXN_WIRE_ELEN = -1004,      /* a total/payload length disagrees with the buffer */
    AXN_WIRE_ECSUM = -1005,     /* checksum mismatch */
    AXN_WIRE_EOPTLEN = -1006,   /* an option's length is malformed or overruns */
    AXN_WIRE_EUNSUPP = -1007,   /* well-formed but of a kind we do not handle */
    AXN_WIRE_EVLAN = -1008,     /* 802.1Q/802.1ad tagged frame, rejected */
    AXN_WIRE_ECHAIN = -1009,    /* IPv6 extension-header chain too long */
    AXN_WIRE_ELOOP = -1010,     /* DNS compression pointer loop or too many hops */
    AXN_WIRE_ENAME = -1011,     /* DNS name or label too long, bad label type */
    AXN_WIRE_ECOOKIE = -1012,   /* DHCP magic cookie missing */
    AXN_WIRE_EFIELD = -1013,    /* a field holds a value the format forbids */
    AXN_WIRE_ENOSPC = -1014,    /* emit: output buffer too small */
    AXN_WIRE_EFRAG = -1015,     /* fragment fields inconsistent (offset+len overflow) */
    AXN_WIRE_EADDR = -1016,     /* an address field is invalid for its role */
    AXN_WIRE_ETYPE = -1017,     /* type/opcode/operation field unknown */
    AXN_WIRE_ECOUNT = -1018,    /* a count field exceeds what the data can hold */
    AXN_WIRE_EOVERLOAD = -1019, /* DHCP option overload malformed */
    AXN_WIRE_EPTR = -1020,      /* DNS pointer points outside the message */
};

/* A short constant description of an AXN_WIRE_E* code (or "unknown"). */
const char *axn_wire_strerror(int err);

#endif /* AXN_WIRE_WIRE_H */
