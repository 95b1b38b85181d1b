/*
 * Send accounts (tx_acct.h): Linux skb_set_owner_w charges, sock_wfree
 * releases.
 */
#include "lib/tx_acct.h"

#include "axnet/errno.h"

int axn_tx_acct_create(const struct axn_platform *plat, struct axn_tx_acct **out)
{
    struct axn_tx_acct *a = plat->alloc(plat->ctx, sizeof(*a), _Alignof(struct axn_tx_acct));
    if (!a)
        return -AXN_ENOMEM;
    a->plat = plat;
    atomic_init(&a->refs, 1u);
    atomic_init(&a->bytes, 0u);
    atomic_init(&a->wake_below, 0u);
    atomic_init(&a->writable, 0u);
    *out = a;
    return 0;
}

void axn_tx_acct_put(struct axn_tx_acct *a)
{
    if (!a)
        return;
    if (atomic_fetch_sub_explicit(&a->refs, 1u, memory_order_acq_rel) != 1u)
        return;
    a->plat->free(a->plat->ctx, a, sizeof(*a));
}

void axn_tx_acct_charge(struct axn_tx_acct *a, size_t len)
{
    atomic_fetch_add_explicit(&a->refs, 1u, memory_order_relaxed);
    atomic_fetch_add_explicit(&a->bytes, (unsigned)len, memory_order_relaxed);
}

/* Linux sock_wfree: subtract, then wake a writer once sock_writeable. */
bool axn_tx_acct_release(struct axn_tx_acct *a, size_t len)
{
    if (!a)
        return false;
    const unsigned thr = atomic_load(&a->wake_below);
    const unsigned old = atomic_fetch_sub_explicit(&a->bytes, (unsigned)len, memory_order_acq_rel);
    const bool crossed = old >= thr && old - (unsigned)len < thr;
    if (crossed)
        atomic_store(&a->writable, 1u);
    axn_tx_acct_put(a);
    return crossed;
}
