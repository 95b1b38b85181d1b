/*
 * IPv4 fragment reassembly (RFC 791 3.2, RFC 815), which ax-net lacks.
 *
 * Memory is bounded two ways (both tunables in axnet/config.h): at most
 * AXN_IP4_REASM_MAX_DATAGRAMS datagrams in progress and at most
 * AXN_IP4_REASM_MAX_BYTES bytes buffered over all of them; a fragment that
 * would exceed either is dropped and counted (ReasmFails), and the oldest
 * datagram is never evicted to make room (evicting lets a flood of first
 * fragments starve real traffic; dropping the newcomer does not). A
 * datagram made of more than AXN_IP4_REASM_MAX_FRAGS fragments is dropped
 * whole (-AXN_ENOBUFS, counted as over_limit).
 * A datagram is keyed by (src, dst, protocol, id) (RFC 791). A fragment
 * that overlaps data already held drops the whole datagram (RFC 5722
 * spirit: overlaps are only ever attacks); an exact duplicate of a
 * fragment already held is ignored. A datagram still incomplete
 * AXN_IP4_REASM_TIMEOUT_MS after its first fragment arrived is dropped;
 * if its first fragment (offset 0) had arrived, the caller is told, so it
 * can send ICMP Time Exceeded / "fragment reassembly time exceeded"
 * (RFC 792, RFC 1122 3.3.2).
 *
 * Single-threaded: the IP layer calls it with the core lock held.
 */
#ifndef AXN_IP_IP4_REASM_H
#define AXN_IP_IP4_REASM_H

#include <stddef.h>
#include <stdint.h>

#include "axnet/platform.h"
#include "axnet/types.h"
#include "wire/ipv4.h"

struct axn_ip4_reasm_slot; /* private to ip4_reasm.c */

struct axn_ip4_reasm_stats {
    uint64_t reqds; /* ReasmReqds: fragments received */
    uint64_t oks;   /* ReasmOKs: datagrams reassembled */
    uint64_t fails; /* ReasmFails: datagrams (or lone fragments) given up */
    uint64_t timeouts;
    uint64_t overlaps;
    uint64_t over_limit; /* fragments refused by the datagram or byte cap */
};

struct axn_ip4_reasm {
    const struct axn_platform *plat;
    struct axn_ip4_reasm_slot *slots; /* AXN_IP4_REASM_MAX_DATAGRAMS, allocated at init */
    size_t bytes_held;                /* over all slots; <= max_bytes */
    /* The byte cap: AXN_IP4_REASM_MAX_BYTES from init; a caller may lower
     * it after init (tests and fuzzing use a small cap). */
    size_t max_bytes;
    size_t in_use;          /* datagrams in progress */
    axn_time_t next_expiry; /* earliest deadline held, NEVER if none, 0 if unknown */
    struct axn_ip4_reasm_stats stats;
};

/* A reassembled datagram: a complete IPv4 packet (the first fragment's
 * header with MF and offset cleared, total length and checksum fixed, then
 * the whole payload), valid until axn_ip4_reasm_release. */
struct axn_ip4_datagram {
    uint8_t *pkt;
    size_t len;
    void *owner; /* private */
};

/* 0 or -AXN_ENOMEM. */
int axn_ip4_reasm_init(struct axn_ip4_reasm *r, const struct axn_platform *plat);
/* Frees every datagram in progress and the slot table. */
void axn_ip4_reasm_destroy(struct axn_ip4_reasm *r);

/*
 * Feeds one fragment: `ip` is its parse result (ip->is_fragment true) and
 * `pkt` the whole packet it was parsed from. Returns 1 and fills `out` when
 * this fragment completed a datagram (the caller processes it, then calls
 * axn_ip4_reasm_release), 0 when the fragment is held (or was an exact
 * duplicate), or a negative errno when it was dropped: -AXN_ENOBUFS (a cap
 * reached), -AXN_EINVAL (overlap: the whole datagram went, or a datagram
 * longer than 65535 bytes), -AXN_ENOMEM.
 */
int axn_ip4_reasm_input(struct axn_ip4_reasm *r, const struct axn_ipv4 *ip, const uint8_t *pkt,
                        axn_time_t now, struct axn_ip4_datagram *out);
void axn_ip4_reasm_release(struct axn_ip4_reasm *r, struct axn_ip4_datagram *d);

/* Told about a datagram that timed out after its first fragment came:
 * `first` is that fragment's IP header plus up to 8 payload bytes (what an
 * ICMP Time Exceeded quotes, RFC 792). */
typedef void (*axn_ip4_reasm_timeout_fn)(void *ctx, const uint8_t *first, size_t len,
                                         axn_time_t now);

/* Drops every datagram whose time is up at `now`, telling `fn` (may be
 * NULL) about those whose first fragment had arrived. Returns the next
 * expiry, AXN_TIME_NEVER when nothing is held. */
axn_time_t axn_ip4_reasm_expire(struct axn_ip4_reasm *r, axn_time_t now,
                                axn_ip4_reasm_timeout_fn fn, void *ctx);

/* Datagrams in progress (for tests and counters). */
size_t axn_ip4_reasm_in_progress(const struct axn_ip4_reasm *r);

#endif /* AXN_IP_IP4_REASM_H */
