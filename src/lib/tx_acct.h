/*
 * A datagram socket's send account (Linux sk_wmem_alloc): the bytes of its
 * packets still queued below it, charged when a device TX queue takes one
 * and released when the device is handed the packet or it is dropped
 * (Linux sock_wfree, run when the skb is freed).
 *
 * Refcounted, so it outlives its socket while packets still reference it:
 * the socket holds one reference, every queued packet one more. The last
 * put frees it. Everything is atomic: TX workers release without the core
 * lock.
 *
 * A release that takes the bytes below `wake_below` (half of SO_SNDBUF,
 * Linux sock_writeable) sets `writable`; the releaser then asks for a poll,
 * and the socket layer turns the flag into POLLOUT under the core lock.
 */
#ifndef AXN_LIB_TX_ACCT_H
#define AXN_LIB_TX_ACCT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "axnet/platform.h"

struct axn_tx_acct {
    const struct axn_platform *plat;
    atomic_uint refs;
    atomic_uint bytes;      /* in flight (Linux sk_wmem_alloc) */
    atomic_uint wake_below; /* SO_SNDBUF / 2 */
    atomic_uint writable;   /* a release crossed below wake_below */
};

/* One reference, held by the caller. 0 or -AXN_ENOMEM. */
int axn_tx_acct_create(const struct axn_platform *plat, struct axn_tx_acct **out);
/* Drops a reference; the last one frees. NULL is ignored. */
void axn_tx_acct_put(struct axn_tx_acct *a);
/* A queued packet of `len` bytes: adds them and takes a reference. */
void axn_tx_acct_charge(struct axn_tx_acct *a, size_t len);
/* That packet left (sent or dropped): subtracts, drops its reference.
 * True when the bytes crossed below wake_below (the caller asks for a
 * poll). NULL is ignored (false). */
bool axn_tx_acct_release(struct axn_tx_acct *a, size_t len);

static inline unsigned axn_tx_acct_bytes(const struct axn_tx_acct *a)
{
    return atomic_load(&a->bytes);
}

#endif /* AXN_LIB_TX_ACCT_H */
